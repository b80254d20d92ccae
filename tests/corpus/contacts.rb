# contacts.rb — a module: who to page, and small helpers shared by the corpus runbooks.
# A module holds only use, let, secret and fn.

let primary  = {name: "Ana Ops", phone: "+1-555-0100", slack: "@ana"}
let backup   = {name: "Bo Backup", phone: "+1-555-0101", slack: "@bo"}
let eng_lead = {"name": "Cy Lead", "slack": "@cy"}
let channels = ["#incidents", "#ops-alerts"]
secret pager_key = env("PAGER_KEY", "")

fn page(who, text) {
  let r = http POST "https://events.example.com/v2/enqueue" headers {"Authorization": "Token #{pager_key}"} json {routing_key: pager_key, summary: text, target: who.name} timeout 10s retries 2
  if not r.ok {
    warn "paging #{who.name} failed: HTTP #{r.status}"
    return false
  }
  return true
}

fn say(channel, text) {
  let msg = <<~EOT
    [#{channel}] #{text}
    (sent by runbook)
  EOT
  return http POST "https://hooks.example.com/slack" json {text: msg, channel: channel}
}

fn worst(a, b) {
  if a < b { return a } else { return b }
}
