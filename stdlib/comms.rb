# stdlib/comms.rb — the communication policy acted on: who hears about an incident, how,
# and how often, by severity and time elapsed.  One definition for every playbook:
#
#   use comms
#   use "contacts.rb" as contacts
#   every 30m until resolved {
#     comms.tick(incident.severity, contacts.people, incident.elapsed, state.update)
#   }
#
# The data lives where it always did; this module only reads it:
#   - stdlib/escalation.rb `matrix`: the severity × elapsed-time escalation matrix
#     ("Incident Management Procedure", 5.1: IT manager, CTO, CEO, board);
#   - stdlib/severity.rb `stakeholder_updates`: the stakeholder cadences (5.2: executives
#     every 2 h for Severity 1, business units every 4 h, customer support every 30 min),
#     `channels`: the channels of the first notification per severity, and
#     `status_page_within`: the status page's first update within 30 minutes;
#   - and, new here, `incident_plan`: the incident plan's own first-response rungs ("6.1
#     Incident Response Plan": a P1 is escalated to the cloud engineers and the provider's
#     support within 5 minutes).  docs/operations.md says how the plan's numbers are
#     reconciled with the other documents.
#
# People are chosen by role from a map role → contact (runbooks/contacts.rb `people`):
# primary, backup, eng_lead, cto, it_manager, ceo, board, provider_support,
# cloud_engineers, executives, business_units, support, ops_alerts.  A role with no
# contact is warned about and the message shown, so someone can pass it on by hand.
#
# Nothing here prompts or fails the step: every function is safe in `escalation` and
# `every` bodies.  All of them take the severity in any form stdlib/severity.rb accepts.

use notify
use severity
use escalation as esc

# The incident plan's rungs ("6.1 Incident Response Plan", Escalation Workflow), in the
# rung shape of stdlib/escalation.rb.  Only P1 adds people the other documents do not
# name; P2's "addressed within 30 minutes, escalated if not resolved" is the engineering
# lead at 30 minutes of the time-based ladder (and the IT manager of the matrix).
let incident_plan = {
  "P1": [
    {at: 5m, who: "cloud_engineers",  condition: "always", action: "page",
     description: "Cloud engineers (incident plan: P1 within 5 minutes)"},
    {at: 5m, who: "provider_support", condition: "always", action: "send",
     description: "Provider support (incident plan: P1 within 5 minutes)"},
  ],
  "P2": [],
  "P3": [],
  "P4": [],
}

# The stakeholder rows of severity.stakeholder_updates, by role of runbooks/contacts.rb.
let stakeholder_roles = {
  "Executive Team":   "executives",
  "Business Units":   "business_units",
  "Customer Support": "support",
  "Partners":         "partners",
}

# "P1"…"P4", or nil.
fn key(sev) {
  return severity.key(sev)
}

# Whether a cadence of `period` comes due at `elapsed` (a whole, nonzero number of periods,
# counted in minutes, so a timer that fires a few seconds late still counts).
fn due_every(elapsed, period) {
  if period == nil or elapsed < 1m {
    return false
  }
  return int(elapsed / 1m) % int(period / 1m) == 0
}

# The matrix rungs of a severity (stdlib/escalation.rb), [] for an unknown one.
fn matrix_rungs(sev) {
  let k = key(sev)
  if k == nil {
    return []
  }
  return esc.matrix[k]
}

# The incident plan's rungs of a severity, [] for an unknown one.
fn plan_rungs(sev) {
  let k = key(sev)
  if k == nil {
    return []
  }
  return incident_plan[k]
}

# Tell everyone the escalation matrix has reached by `elapsed` and who has not been told
# yet in this run.  Returns the rungs acted on (see esc.notify_due_in).
fn escalate(sev, people, elapsed, message) {
  return esc.notify_due_in(matrix_rungs(sev), people, elapsed, false, message)
}

# The incident plan's first response (a P1 reaches the cloud engineers and the provider's
# support at 5 minutes).  Returns the rungs acted on.
fn first_response(sev, people, elapsed, message) {
  return esc.notify_due_in(plan_rungs(sev), people, elapsed, false, message)
}

# The stakeholder rows due at `elapsed` for this severity, each with its `who` role.
fn stakeholders_due(sev, elapsed) {
  let out = []
  for row in severity.stakeholders(sev) ?? [] {
    if due_every(elapsed, row.every) {
      push(out, {stakeholder: row.stakeholder, who: stakeholder_roles[row.stakeholder], every: row.every,
                 method: row.method, content: row.content})
    }
  }
  return out
}

# Send each stakeholder due at `elapsed` its update: "CONTENT (every CADENCE): TEXT".
# Returns the rows sent, each with the notify result as `result`.
fn update_stakeholders(sev, people, elapsed, text) {
  let sent = []
  for row in stakeholders_due(sev, elapsed) {
    let contact = people[row.who]
    let message = "#{row.content} (#{row.stakeholder}, every #{format_duration(row.every)}): #{text}"
    let result = nil
    if contact == nil {
      warn "No contact for #{row.stakeholder}; tell them by hand: #{message}"
    } else {
      result = notify.send(contact, message)
    }
    push(sent, {stakeholder: row.stakeholder, who: row.who, result: result})
  }
  return sent
}

# Everything the half-hour brings: the matrix's escalations and the stakeholder updates.
# Call it from `every 30m until resolved` (every rung of the matrix and every cadence is a
# multiple of 30 minutes).
fn tick(sev, people, elapsed, text) {
  return {escalated: escalate(sev, people, elapsed, text),
          stakeholders: update_stakeholders(sev, people, elapsed, text)}
}

# How the first notification goes out for a severity, as notify actions: "page" when the
# severity's channels include the phone (P1), else "send" over Slack or e-mail.
fn first_action(sev) {
  let ch = severity.channels(sev) ?? ["email"]
  if "phone" in ch {
    return "page"
  }
  return "send"
}

# Whether the status page's first update is overdue: not posted yet, `status_page_within`
# (30 minutes) gone, and the severity is one that updates the status page (P1, P2).
fn status_page_overdue(sev, posted, elapsed) {
  return severity.status_page(sev) == true and not posted and elapsed >= severity.status_page_within
}

# Raise an alert the way the severity calls for — what an unattended check does when it
# fails:
#   P1, P2  page the primary on-call (PagerDuty first) and post to #ops-alerts
#   P3      post to #ops-alerts only (e-mail and Slack, no page)
#   P4      no notification: noted for the scheduled health review
# Returns {severity, paged, posted}: the notify results (nil when not sent).
fn alert(sev, people, text) {
  let k = key(sev) ?? "P3"
  let paged = nil
  let posted = nil
  if k == "P1" or k == "P2" {
    paged = notify.page(people.primary, "#{k}: #{text}")
  }
  if k != "P4" {
    posted = notify.send(people.ops_alerts, "#{k}: #{text}")
  } else {
    note "P4 (for the scheduled health review): #{text}"
  }
  return {severity: k, paged: paged, posted: posted}
}
