# tests/http/notify-channels.rb — stdlib/notify.rb over every channel, against
# tests/tools/httpd.py: $HTTPD the server, $RK a PagerDuty routing key, $HOOK a Slack
# webhook URL (both secrets), RUNBOOK_PAGERDUTY_URL / RUNBOOK_STATUSPAGE_URL /
# RUNBOOK_SMTP_URL pointing at the server.  Failed deliveries never fail the step.
runbook "Notification channels" {
  id       "http-notify"
  severity P2   # runbook:disable RB109 -- a test of the channels: nobody to send updates to
  owner    "Tests"
}

use notify
use "check.rb" as t

param  base = env("HTTPD", "") "the test server"
secret rk   = env("RK", "")
secret hook = env("HOOK", "")

let pd     = {name: "Primary on-call", pagerduty: rk, slack: hook}
let chat   = {name: "Engineering lead", slack: hook, email: "lead@example.com"}
let hooked = {name: "Bridge", webhook: "#{base}/hook/bridge"}
let mailed = {name: "CTO", email: "cto@example.com", slack: ""}
let broken = {name: "Backup on-call", slack: "#{base}/status/500", email: ["a@example.com", "b@example.com"]}
let dead   = {name: "Security lead", slack: "#{base}/status/404"}
let nobody = {name: "Legal counsel"}

escalation {
  at 0m notify.page(pd, "escalation page")
}

step page "Page over PagerDuty" {
  let r = notify.page(pd, "Database down\nsecond line of the page")
  t.eq("page: ok", r.ok, true)
  t.eq("page: channel", r.channel, "pagerduty")
  t.eq("page: status", r.status, 200)
  t.eq("page: dedup_key", r.dedup_key, incident.id)
  t.done()
}

step send "Messages over Slack, a webhook, e-mail" {
  let r = notify.send(chat, "FYI: failover started")
  t.eq("send slack: channel", r.channel, "slack")
  t.eq("send slack: ok", r.ok, true)
  r = notify.send(hooked, "bridge message")
  t.eq("send webhook: channel", r.channel, "webhook")
  t.eq("send webhook: ok", r.ok, true)
  r = notify.send(mailed, "mail message")
  t.eq("send email: channel", r.channel, "email")
  t.eq("send email: ok", r.ok, true)
  t.done()
}

step fallback "A failing channel falls back to the next" {
  let r = notify.send(broken, "falls back to e-mail")
  t.eq("fallback: ok", r.ok, true)
  t.eq("fallback: channel", r.channel, "email")
  r = notify.send(dead, "nobody reads this")
  t.eq("dead: ok", r.ok, false)
  t.eq("dead: channel", r.channel, "slack")
  r = notify.page(nobody, "no channel at all")
  t.eq("nobody: ok", r.ok, false)
  t.eq("nobody: channel", r.channel, nil)
  r = notify.status("", "no status channel")
  t.eq("no status channel: ok", r.ok, false)
  t.done()
}

step status "Status channel and status page" {
  let r = notify.status(hook, "Still investigating")
  t.eq("status: ok", r.ok, true)
  r = notify.status_page({message: "We are investigating API errors.", impact: "major"})
  t.eq("status page open: ok", r.ok, true)
  r = notify.status_page({message: "Fixed.", status: "resolved", id: "inc42"})
  t.eq("status page update: ok", r.ok, true)
  t.eq("status page update: id", r.id, "inc42")
  t.done()
}

step pagerduty "PagerDuty events and severities" {
  notify.acknowledge(pd)
  notify.resolve(rk)
  for sev in [P1, P3, P4] {
    incident.severity = sev
    notify.trigger(pd, "severity #{sev}")
  }
  incident.severity = P2
  let r = notify.trigger({name: "no key"}, "nothing")
  t.eq("trigger without a key: ok", r.ok, false)
  t.done()
}

step direct "Webhook and e-mail directly" {
  let r = notify.webhook("#{base}/hook/generic", {kind: "deploy", version: 42})
  t.eq("webhook: ok", r.ok, true)
  r = notify.webhook("#{base}/hook/text", "just text")
  t.eq("webhook text: ok", r.ok, true)
  r = notify.email(["ops@example.com"], "Subject ✓", "Body line 1\nBody line 2")
  t.eq("email: ok", r.ok, true)
  r = notify.slack("#{base}/status/403", "refused")
  t.eq("slack refused: ok", r.ok, false)
  t.eq("slack refused: status", r.status, 403)
  t.done()
}

step status_contact "A status update to a contact map" {
  let r = notify.status(hooked, "status to a contact")
  t.eq("status to a contact: channel", r.channel, "webhook")
  t.eq("status to a contact: ok", r.ok, true)
  t.done()
}
