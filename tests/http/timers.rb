# tests/http/timers.rb — a slow request (3 s, real clock) does not freeze the timers: the
# every-1s timer fires while it is out, and a timer body may itself make a request.
runbook "Timers during a slow request" {
  id       "http-timers"
  severity P4
  owner    "Tests"
}

use notify

param base = env("HTTPD", "") "the test server"

every 1s for 2500ms {
  note "tick"
  notify.status("#{base}/slack/timer", "tick update")
}

step slow "A slow request" {
  let r = http GET "#{base}/slow/3" timeout 10s
  note "slow request answered #{r.status}"
}
