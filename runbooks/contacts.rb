# runbooks/contacts.rb — who gets told, in the order the escalation ladder reaches them.
# A module: `use "contacts.rb" as contacts`, then `contacts.primary` and so on.
#
# The ladder (Incident Response Procedures, "Escalation Protocol"):
#    0–15 min   primary on-call responds
#   15–30 min   backup on-call, if nobody has acknowledged
#   30–60 min   engineering lead
#   60+  min    VP Engineering / CTO
# and by severity: a P1 notifies the engineering lead and the CTO at once; a P2 the
# engineering lead within 30 minutes.
#
# Each contact is a map in the shape stdlib/notify.rb expects: a name for people plus the
# channels it can be reached on.  Nothing real is written here: every channel comes from
# the environment, and a channel that is not set stays "" (notify treats it as absent).
# Webhook URLs and routing keys are credentials, so they are secrets: they never appear on
# the screen or in the record.

secret oncall_pagerduty = env("PAGERDUTY_ONCALL_KEY", "")
secret backup_pagerduty = env("PAGERDUTY_BACKUP_KEY", "")
secret oncall_slack     = env("SLACK_ONCALL_WEBHOOK", "")
secret eng_lead_slack   = env("SLACK_ENG_LEAD_WEBHOOK", "")
secret cto_slack        = env("SLACK_CTO_WEBHOOK", "")

# 0 min: paged first, through the on-call schedule.
let primary = {
  name:      "Primary on-call",
  pagerduty: oncall_pagerduty,
  slack:     oncall_slack,
}

# 15 min unless acknowledged.
let backup = {
  name:      "Backup on-call",
  pagerduty: backup_pagerduty,
  slack:     oncall_slack,
}

# 30 min (P1: at once).
let eng_lead = {
  name:  "Engineering lead",
  slack: eng_lead_slack,
  email: env("ENG_LEAD_EMAIL", ""),
}

# 60 min (P1: at once).
let cto = {
  name:  "VP Engineering / CTO",
  slack: cto_slack,
  email: env("CTO_EMAIL", ""),
}

# Beyond the ladder ("Emergency Contacts" in the seeds): told at once when the playbook
# calls for them — a security breach pages the security lead; a breach that exposed data
# brings in legal counsel and public relations.
secret security_pagerduty = env("PAGERDUTY_SECURITY_KEY", "")
secret security_slack     = env("SLACK_SECURITY_WEBHOOK", "")

let security = {
  name:      "Security lead",
  pagerduty: security_pagerduty,
  slack:     security_slack,
  email:     env("SECURITY_EMAIL", ""),
}

let legal = {
  name:  "Legal counsel",
  email: env("LEGAL_EMAIL", ""),
}

let pr = {
  name:  "Public relations",
  email: env("PR_EMAIL", ""),
}
