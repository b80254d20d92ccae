# A module (no header): the on-call ladder used by design-example.rb.
# Modules hold only use, let, secret and fn; linted on its own it is clean.
# expect-exit: 0
let primary  = {name: "Primary on-call", slack: env("SLACK_PRIMARY", "")}
let backup   = {name: "Backup on-call", slack: env("SLACK_BACKUP", "")}
let eng_lead = {name: "Engineering lead", email: "lead@example.com"}
let cto      = {name: "CTO", email: "cto@example.com"}

fn all() {
  return [primary, backup, eng_lead, cto]
}
