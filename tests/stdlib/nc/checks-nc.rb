# tests/stdlib/nc/checks-nc.rb — checks.port_open falls back to `nc -z` where there is no
# bash (and so no /dev/tcp).  tests/t-stdlib.sh runs this with PATH holding only
# tests/stdlib/nc/bin, whose `nc` accepts 127.0.0.1:5432 and nothing else.
runbook "stdlib: checks without bash" {
  id       "test-stdlib-checks-nc"
  severity P4
  owner    "runbook tests"
}

use checks
use "../lib/assert.rb" as t

step nc "port_open through nc" {
  t.eq("open port via nc", checks.port_open("127.0.0.1", 5432), true)
  t.eq("closed port via nc", checks.port_open("127.0.0.1", 5433), false)
  t.eq("host with a space stays one argument", checks.port_open("127.0.0.1 5432", 1), false)
  t.done()
}
