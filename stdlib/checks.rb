# stdlib/checks.rb — is it up yet?  HTTP health checks, open ports and commands that
# succeed, each as a one-off test and as a wait with a time limit.  `use checks`, then
#     if not checks.http_ok("https://api.example.com/health") { warn "API still down" }
#     if not checks.wait_for_port(db_host, 5432, 3m) { fail "database not listening" }
#
# Every function returns a value (true/false, a status, nil) instead of failing the step,
# and none of them prompts.  Every command they run is marked readonly and every request
# is a GET, so they also run for real under --dry-run.  The one-off checks (http_ok,
# http_status, port_open, command_ok) are safe in `escalation` and `every` bodies; the
# wait_* functions show a countdown between attempts and belong in steps.
#
# The language's own `wait until EXPR every D timeout D` fails the step when time runs
# out; use it when that is what you want:
#     wait until checks.http_ok(url) every 10s timeout 5m
# and the wait_* functions here when the step should decide what a timeout means.
#
# HTTP: the functions use `http GET url timeout …` and so need a build with HTTP support.

# How long one HTTP request or one connection attempt may take.
let request_timeout = 5s
let connect_timeout = 5s

# How long to pause between attempts in wait_healthy and wait_for_port.
let poll_every = 10s

# ---------------------------------------------------------------------------------------
# HTTP

# The result of `GET url`: {ok, status, body, json, headers, duration}.  `ok` is true for a
# 2xx answer; a transport error (refused, DNS, timeout) gives ok false and no status.
fn http_get(url) {
  let r = http GET url timeout request_timeout
  return r
}

# Whether `GET url` answers 2xx in time.
fn http_ok(url) {
  return http_get(url).ok == true
}

# The HTTP status of `GET url` (200, 503, …), or nil when nothing answered.
fn http_status(url) {
  let r = http_get(url)
  if r.status == nil or r.status == 0 {
    return nil
  }
  return r.status
}

# Whether `GET url` answers with exactly this status (a health endpoint that answers 204,
# or checking that a maintenance page answers 503).
fn http_status_is(url, want) {
  return http_status(url) == want
}

# The decoded JSON of a 2xx `GET url` (a health endpoint's {"status": "ok", …}), or nil.
fn http_json(url) {
  let r = http_get(url)
  if not r.ok {
    return nil
  }
  return r.json
}

# Poll `GET url` every poll_every until it answers 2xx; true as soon as it does, false
# when `limit` (a duration) runs out first.
fn wait_healthy(url, limit) {
  let deadline = now() + limit
  while true {
    if http_ok(url) {
      return true
    }
    let left = deadline - now()
    if left <= 0s {
      return false
    }
    wait min(poll_every, left) "Waiting for the health check to pass"
  }
}

# ---------------------------------------------------------------------------------------
# Ports

# Whether a TCP connection to host:port succeeds within connect_timeout.  Uses bash's
# /dev/tcp when bash is installed (/bin/sh may be dash, which has no /dev/tcp), else
# `nc -z`.  host and port are passed to the shell as single words.
fn port_open(host, port) {
  let r = sh("if command -v bash >/dev/null 2>&1; then bash -c 'exec 3<>\"/dev/tcp/$1/$2\"' port_open #{host} #{port}; else nc -z -w 3 #{host} #{port}; fi 2>/dev/null",
             readonly: true, timeout: connect_timeout)
  return r.ok
}

# Poll port_open every poll_every until the port accepts connections; false when `limit`
# runs out first.
fn wait_for_port(host, port, limit) {
  let deadline = now() + limit
  while true {
    if port_open(host, port) {
      return true
    }
    let left = deadline - now()
    if left <= 0s {
      return false
    }
    wait min(poll_every, left) "Waiting for the port to accept connections"
  }
}

# ---------------------------------------------------------------------------------------
# Commands

# A string as one shell word, for building the commands passed to command_ok and
# wait_for_command.  (Interpolation is quoted automatically only inside a `sh` command
# written in place; a command built into a variable first is run as it is.)
#     checks.wait_for_command("pg_isready -h " + checks.quote(db), 5s, 3m)
fn quote(s) {
  return "'" + replace(str(s), "'", "'\\''") + "'"
}

# Whether a (readonly) command exits 0 within `limit`.
fn command_ok(cmd, limit) {
  return sh(cmd, readonly: true, timeout: limit).ok
}

# Run `cmd` (a readonly probe) every `interval` until it exits 0; true as soon as it does,
# false when `limit` runs out first.  One attempt may take at most the time left.
fn wait_for_command(cmd, interval, limit) {
  let deadline = now() + limit
  while true {
    let left = deadline - now()
    if sh(cmd, readonly: true, timeout: max(left, 1s)).ok {
      return true
    }
    left = deadline - now()
    if left <= 0s {
      return false
    }
    wait min(interval, left) "Waiting before running the check again"
  }
}
