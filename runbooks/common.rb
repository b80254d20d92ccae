# runbooks/common.rb — what every playbook here shares, written once: the seeds' escalation
# ladder, the status-update cadence, the Detection and Post-mortem phases, and two helpers.
# A module: `use "common.rb" as common`, then for example
#
#     escalation common.p1_ladder(contacts, "P1", [], state.update)
#     every common.status_updates(15m, webhook, state.impact, state.update)
#     phase common.detection(webhook, declared, state.impact, nil)
#     …
#     phase common.postmortem("Hold the blameless post-mortem: …", [], state.followups, "DevOps")
#
# The parts are copied into the playbook that uses them (docs/language.md, "Parts"): an
# argument is evaluated where the copy uses it, so `state.update` is read when a rung fires,
# and `view`, the record and the report name this file's line for each copied step.

use notify
use templates

# The parsed JSON output of a finished `aws … --output json` command; {} when it failed or
# printed no JSON.
fn aws_json(r) {
  if not r.ok {
    return {}
  }
  return from_json(r.stdout) ?? {}
}

# A param if it was given, else the responder's answer (validated by `pattern`, kept in the
# record under `key`).
fn given_or_ask(value, question, pattern, key) {
  if value != "" {
    return value
  }
  return ask(question, pattern: pattern, key: key)
}

# The seeds' investigation checklist ("Incident Response Procedures", Initial Response):
#     checklist("Investigation", common.investigation, key: "investigation")
let investigation = [
  "What is broken? (specific service/feature)",
  "When did it start? (check monitoring history)",
  "What changed recently? (deployments, config changes)",
  "How many users are affected? (metrics, reports)",
  "What is the business impact? (revenue, reputation)",
]

# Roll an ECS service back to a task definition (family:revision) and wait until it is
# stable.  The caller confirms first.
fn ecs_roll_back(cluster, service, region, target) {
  sh "aws ecs update-service --cluster #{cluster} --service #{service} --task-definition #{target} --region #{region}" timeout 2m
  sh "aws ecs wait services-stable --cluster #{cluster} --services #{service} --region #{region}" timeout 15m readonly
}

# Replace every task of an ECS service (a forced new deployment).  Nothing to undo: the
# tasks are replaced in place (`rollback { note common.in_place }`).
fn ecs_force_new_deployment(cluster, service, region) {
  sh "aws ecs update-service --cluster #{cluster} --service #{service} --force-new-deployment --region #{region}" timeout 2m
}
let in_place = "Nothing to roll back: a forced deployment replaces tasks in place."

# The seeds' escalation ladder for a P1 ("Incident Response Procedures", Escalation Protocol,
# and the severity-based notifications):
#    0 min   the primary on-call is paged; a P1 also tells the engineering lead and the CTO
#   15 min   the backup on-call is paged, unless someone has acknowledged
#   30 min   the engineering lead is told
#   60 min   the VP Engineering / CTO is told
# `contacts` is runbooks/contacts.rb; `what` names the incident in the messages ("P1", "P1
# security incident"); `also_page` lists contacts paged at once besides the primary (the
# security lead for a breach); `update` is the latest status line, read when a rung fires.
fn p1_ladder(contacts, what, also_page, update) escalation "on-call" {
  at 0m                      notify.page(contacts.primary, "#{what}: #{incident.title} (#{incident.id})")
  at 0m {
    for c in also_page {
      notify.page(c, "#{what} #{incident.id}: #{incident.title}. Join the bridge now.")
    }
    notify.send(contacts.eng_lead, "#{what} declared: #{incident.title} (#{incident.id})")
    notify.send(contacts.cto, "#{what} declared: #{incident.title} (#{incident.id})")
  }
  at 15m unless acknowledged notify.page(contacts.backup, "#{what} unacknowledged for 15m: #{incident.title}")
  at 30m                     notify.send(contacts.eng_lead, "#{what} open 30m: #{incident.title} — #{update}")
  at 60m                     notify.send(contacts.cto, "#{what} open 60m: #{incident.title} — #{update}")
}

# The seeds' update cadence: "post updates every 15 minutes for P1, every 30 minutes for P2"
# (stdlib/severity.rb's update_every), in #incident-response until the incident is resolved.
fn status_updates(interval, webhook, impact, update) every interval until resolved {
  notify.status(webhook, templates.update_for_incident({impact: impact, update: update}))
}

# Detection (0-5 minutes): acknowledge the alert, name the incident commander, announce the
# incident (unless declare-incident.rb already did: `declared`).  `caution` is a warning for
# the responders before the announcement, or nil.
fn detection(webhook, declared, impact, caution) phase "Detection" within 5m {
  step ack "Acknowledge the alert" {
    if acknowledged {
      note "Acknowledged at #{incident.acknowledged_at}."
    } else {
      confirm "Have you acknowledged the alert in PagerDuty?" as ack
      acknowledge()
      timeline("Alert acknowledged")
    }
  }
  step declare "Declare the incident in #incident-response" {
    if incident.commander == nil {
      incident.commander = ask("Who is the incident commander?", key: "commander")
    }
    if caution != nil {
      warn caution
    }
    if not declared {
      notify.status(webhook, templates.declared_for_incident({impact: impact}))
      timeline("Incident declared; commander #{incident.commander}")
    }
  }
}

# Scoping (the seeds' investigation checklist), then the public status page says
# "Investigating" (unless declare-incident.rb already did: `declared`).
fn scope(declared, status_page, title, what) step scope "Scope the incident" {
  checklist("Investigation", investigation, key: "investigation")
  if not declared {
    notify.status(status_page, templates.status_page({title: title, what: what, severity: incident.severity}))
    timeline("Status page updated: Investigating")
  }
}

# Post-mortem (within 48 hours): the meeting (`hold` says who comes), the playbook's own
# action items (maps {text, owner, due}), and every follow-up collected during the response
# (owned by `owner`, due in a week).
fn postmortem(hold, items, followups, owner) phase "Post-mortem" {
  step postmortem "Hand over to the post-mortem" {
    action_item(hold, owner: incident.commander ?? "Incident commander", due: 2d)
    for item in items {
      action_item(item.text, owner: item.owner, due: item.due)
    }
    for f in followups {
      action_item(f, owner: owner, due: 7d)
    }
    note "Draft: runbook report #{incident.id} --format md"
    timeline("Handed over to the post-mortem")
  }
}
