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

# The severity × elapsed-time escalation matrix ("Incident Management Procedure", 5.1):
# the IT manager, the CEO and the board (through its liaison); the CTO is `cto` above.
# Who each is reached at is in stdlib/escalation.rb's `matrix`; stdlib/comms.rb acts on it.
let it_manager = {
  name:  "IT Manager",
  slack: env("SLACK_IT_MANAGER_WEBHOOK", ""),
  email: env("IT_MANAGER_EMAIL", ""),
}

let ceo = {
  name:  "CEO",
  email: env("CEO_EMAIL", ""),
}

let board = {
  name:  "Board liaison",
  email: env("BOARD_LIAISON_EMAIL", ""),
}

# The incident plan's P1 rung: "escalated to cloud engineers and AWS support within 5
# minutes".  The provider's support is reached through a webhook into the support-case
# tooling (or by e-mail to the account team); the cloud engineers through their channel.
secret provider_webhook       = env("PROVIDER_SUPPORT_WEBHOOK", "")
secret cloud_engineers_slack  = env("SLACK_CLOUD_ENGINEERS_WEBHOOK", "")

let provider_support = {
  name:    "Provider support",     # AWS Enterprise Support
  webhook: provider_webhook,
  email:   env("PROVIDER_SUPPORT_EMAIL", ""),
}

let cloud_engineers = {
  name:  "Cloud engineers",
  slack: cloud_engineers_slack,
  email: env("CLOUD_ENGINEERS_EMAIL", ""),
}

# Stakeholder updates ("Incident Management Procedure", 5.2): executives (Sev 1, every
# 2 h), business units (every 4 h), customer support (every 30 min, talking points).
secret support_slack = env("SLACK_SUPPORT_WEBHOOK", "")

let executives = {
  name:  "Executive team",
  email: env("EXECUTIVES_EMAIL", ""),
}

let business_units = {
  name:  "Business units",
  email: env("BUSINESS_UNITS_EMAIL", ""),
}

let support = {
  name:  "Customer support",
  slack: support_slack,
}

# Routine operations: where a failed unattended check is reported (#ops-alerts), and who
# approves a change (the second person of change-request.rb; recorded with the decision).
secret ops_alerts_webhook = env("OPS_ALERTS_WEBHOOK", "")
secret ops_alerts_slack   = env("SLACK_OPS_ALERTS_WEBHOOK", "")

let ops_alerts = {
  name:    "#ops-alerts",
  slack:   ops_alerts_slack,
  webhook: ops_alerts_webhook,
}

let change_approver = {
  name:  "Change approver",
  slack: env("SLACK_CHANGE_APPROVER_WEBHOOK", ""),
  email: env("CHANGE_APPROVER_EMAIL", ""),
}

# Every contact by the role names of stdlib/escalation.rb and stdlib/comms.rb, for the
# functions that pick people by role (comms.escalate, comms.update_stakeholders, …).
let people = {
  primary:          primary,
  backup:           backup,
  eng_lead:         eng_lead,
  cto:              cto,
  it_manager:       it_manager,
  ceo:              ceo,
  board:            board,
  provider_support: provider_support,
  cloud_engineers:  cloud_engineers,
  executives:       executives,
  business_units:   business_units,
  support:          support,
  security:         security,
  ops_alerts:       ops_alerts,
  change_approver:  change_approver,
}
