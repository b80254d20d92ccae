# tests/stdlib/checks.rb — stdlib/checks.rb: ports and commands.  (The HTTP checks need
# `http`, which the evaluator does not have yet: they are only linted.)
#
# tests/t-stdlib.sh listens on CHECK_PORT and gives a scratch directory in CHECK_DIR.
runbook "stdlib: checks" {
  id       "test-stdlib-checks"
  severity P4
  owner    "runbook tests"
}

use checks
use "lib/assert.rb" as t

param open_port   = env("CHECK_PORT", "")      "a port something listens on"
param closed_port = env("CLOSED_PORT", "1")    "a port nothing listens on"
param dir         = env("CHECK_DIR", "/tmp")   "a scratch directory"

step ports "Open and closed ports" {
  if open_port == "" {
    fail "set CHECK_PORT to a port something listens on"
  }
  t.eq("port_open(open)", checks.port_open("127.0.0.1", open_port), true)
  t.eq("port_open(open, number)", checks.port_open("127.0.0.1", num(open_port)), true)
  t.eq("port_open(closed)", checks.port_open("127.0.0.1", closed_port), false)
  t.eq("port_open(bad host)", checks.port_open("no such host; echo x", open_port), false)
  t.eq("wait_for_port(open) at once", checks.wait_for_port("127.0.0.1", open_port, 2s), true)
  let before = now()
  t.eq("wait_for_port(closed) times out", checks.wait_for_port("127.0.0.1", closed_port, 2s), false)
  let took = now() - before
  t.ok("wait_for_port honours its limit (#{took})", took >= 2s and took < 10s)
  t.done()
}

step commands "Commands that succeed, fail, and succeed later" {
  t.eq("quote", checks.quote("it's"), "'it'\\''s'")
  t.eq("quoted word survives the shell", sh("printf %s " + checks.quote("a b; c'd"), readonly: true).stdout, "a b; c'd")
  t.eq("command_ok(true)", checks.command_ok("true", 5s), true)
  t.eq("command_ok(false)", checks.command_ok("exit 3", 5s), false)
  t.eq("command_ok(timeout)", checks.command_ok("sleep 5", 1s), false)
  let counter = dir + "/attempts"
  sh("rm -f " + checks.quote(counter), readonly: true)
  # Succeeds on the third attempt.
  let probe = "n=$(cat " + checks.quote(counter) + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " + checks.quote(counter) + "; [ $n -ge 3 ]"
  t.eq("wait_for_command succeeds later", checks.wait_for_command(probe, 1s, 20s), true)
  t.eq("wait_for_command tried three times", trim(sh("cat " + checks.quote(counter), readonly: true).stdout), "3")
  let before = now()
  t.eq("wait_for_command gives up", checks.wait_for_command("false", 1s, 2s), false)
  let took = now() - before
  t.ok("wait_for_command honours its limit (#{took})", took >= 2s and took < 10s)
  t.eq("wait_for_command at once", checks.wait_for_command("true", 1s, 1s), true)
  t.done()
}

# The one-off checks are allowed in timers (they never prompt).
every 1h until resolved {
  if not checks.port_open("127.0.0.1", open_port) {
    warn "port closed"
  }
}
