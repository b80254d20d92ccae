# tests/http/dry.rb — under --dry-run only GET and HEAD go out; everything else, notify's
# POSTs and e-mail included, is shown and recorded as skipped.
runbook "HTTP dry run" {
  id       "http-dry"
  severity P4
  owner    "Tests"
}

use notify
use "check.rb" as t

param base = env("HTTPD", "") "the test server"

step requests "Requests of every method" {
  let g = http GET "#{base}/json?m=get"
  t.eq("dry: GET sent", g.skipped, false)
  t.eq("dry: GET answered", g.status, 200)
  http HEAD "#{base}/json?m=head"
  http POST "#{base}/json?m=post" json {a: 1}
  http PUT "#{base}/json?m=put" body "x"
  http PATCH "#{base}/json?m=patch" json {a: 2}
  let d = http DELETE "#{base}/json?m=delete"
  t.eq("dry: DELETE skipped", d.skipped, true)
  t.eq("dry: DELETE counts as ok", d.ok, true)
  t.done()
}

step notifications "Notifications are not sent" {
  let p = notify.page({name: "Primary on-call", pagerduty: "rk-dry"}, "dry page")
  t.eq("dry: page skipped", p.skipped, true)
  notify.send({name: "Engineering lead", slack: "#{base}/slack/dry"}, "dry message")
  notify.status("#{base}/slack/status", "dry status")
  notify.send({name: "Mail only", email: "lead@example.com"}, "dry mail")
  t.done()
}
