# Every soft keyword, used as a name (param, let, fn and its parameters, for variable, step
# id, member, map key, named argument) and as a keyword, in one file.  No diagnostics.
runbook "Soft keywords" {
  id       "soft-keywords"
  severity P3
  respond  within 15m
}

use escalation
use "mod/soft.rb" as with

param env = "prod"
param timeout: duration = 30s
param retries = 2
param cwd = "/tmp"
let body = {json: 1, headers: {as: "x"}, env: 2}
let at = 1
let when = 2
let unless = false
let repeat = 3
let within = 5m
let rollback = "r"
let on = "o"
let readonly = true
let json = {a: 1}
let headers = {"X-A": "b"}
let as = "a"

fn until(escalation, within) {
  return escalation + within
}

escalation {
  at 0m unless unless note "#{at} #{when} #{escalation.describe([])}"
  at 15m when when > 1 { note "#{repeat}" }
  repeat every 1h
}

every 15m until until(1, 2) > 5 {
  note "#{with.value}"
}

phase "Names" within within {
  step run "Run" timeout timeout retries retries {
    let r = http GET "http://127.0.0.1:9/" headers headers json json body body timeout timeout retries retries
    note "#{r.json} #{r.headers} #{r.body} #{body.json} #{body.headers.as}"
    sh "ls" timeout timeout readonly env {A: env} cwd cwd
    let x = sh("ls", timeout: timeout, readonly: readonly, env: {}, cwd: cwd)
    for at, when in {a: 1} {
      note "#{at} #{when} #{x.ok} #{env("HOME", "/")}"
    }
    confirm "Go on?" as as
    wait until readonly every 1s timeout within
    if unless {
      goto rollback
    }
  } rollback {
    note "#{rollback} #{on} #{as}"
  } on failure {
    note "failed"
  }
  step rollback "Roll back" {
    run "x.rb" with {on: on}
  }
}
