runbook "Drill notifications" { severity P2 }
use notify
secret webhook = env("SLACK_WEBHOOK")
step tell "Tell the channel" {
  notify.status(webhook, "hello from a rehearsal")
  let r = http POST "#{env("HTTPD")}/hook/direct" json {text: "direct"}
}
