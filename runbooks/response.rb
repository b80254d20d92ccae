# runbooks/response.rb — what every P2 playbook shares, written once: a module
# (`use "response.rb" as response`) of functions, each called from a step (some prompt;
# `half_hour` is the one meant for a timer), and the parts (docs/language.md, "Parts") that
# the P2 playbooks use where the declaration would stand:
#
#     escalation response.p2_ladder()
#     every response.p2_updates(webhook, impact, state)
#     phase response.detection(webhook, impact)
#     …
#     phase response.postmortem(state)
#
# A playbook keeps its own `state` map, {update, cause, fix, followups, status_posted},
# and passes it in: the functions read and update it, so the status updates always say
# what the steps last found.
#
# From "Incident Response Procedures": acknowledge the alert (within 5 minutes), post in
# #incident-response, update the status page for P1/P2, post updates (every 30 minutes
# for a P2), verify and monitor 30 minutes after the fix, announce the resolution, hold
# the post-mortem within 48 hours.  From "Incident Management Procedure": the status page
# within 30 minutes of the confirmed incident, the escalation matrix and stakeholder
# updates (stdlib/comms.rb).

use notify
use templates
use comms
use severity
use "contacts.rb" as contacts

# A fresh state map for a playbook, with the first status update's text.
fn new_state(update) {
  return {update: update, cause: nil, fix: nil, followups: [], status_posted: false}
}

# Add a follow-up for the post-mortem once (a branch taken twice adds it once).
fn follow_up(state, text) {
  if not (text in state.followups) {
    push(state.followups, text)
  }
}

# Phase 1: acknowledge the alert (unless already acknowledged) and say so in the timeline.
fn acknowledge_alert() {
  if acknowledged {
    note "Acknowledged at #{incident.acknowledged_at}."
    return true
  }
  let ok = confirm("Is the alert acknowledged in the paging tool?", key: "ack", default: true)
  if ok {
    acknowledge()
    timeline("Alert acknowledged")
  }
  return ok
}

# Phase 1: name the incident commander and post the declaration to #incident-response.
fn declare(webhook, impact) {
  if incident.commander == nil {
    incident.commander = ask("Who is the incident commander?", key: "commander", default: "on-call")
  }
  notify.status(webhook, templates.declared_for_incident({impact: impact}))
  timeline("Incident declared; commander #{incident.commander}")
}

# Phase 2: the status page's first update ("within 30 minutes of confirmed incident").
fn post_status_page(status_webhook, state, title, what) {
  notify.status(status_webhook, templates.status_page({title: title, what: what, severity: incident.severity}))
  state.status_posted = true
  timeline("Status page updated")
}

# One status update to #incident-response from the state.
fn post_update(webhook, impact, state) {
  return notify.status(webhook, templates.update_for_incident({impact: impact, update: state.update}))
}

# What a P2's half-hour timer does: the status update, the escalation matrix and the
# stakeholder updates (stdlib/comms.rb), and a warning when the status page's first
# update is overdue.  Never prompts.
fn half_hour(webhook, impact, state) {
  post_update(webhook, impact, state)
  comms.tick(incident.severity, contacts.people, incident.elapsed, state.update)
  if comms.status_page_overdue(incident.severity, state.status_posted, incident.elapsed) {
    warn "The status page's first update is overdue (due within #{format_duration(severity.status_page_within)})."
  }
}

# Roll an ECS service back to a task definition and wait until it is stable; a command
# that fails (or a rollout that never stabilises) fails the calling step.  Call it after
# the step's confirm.
fn roll_back_service(cluster, service, region, target) {
  sh "aws ecs update-service --cluster #{cluster} --service #{service} --task-definition #{target} --region #{region}" timeout 2m
  sh "aws ecs wait services-stable --cluster #{cluster} --services #{service} --region #{region}" timeout 15m readonly
  timeline("Rolled #{service} back to #{target}")
}

# Phase 3: a cause identified; the status updates say what is being done about it.
fn identified(state, cause, update) {
  incident.status = "identified"
  state.cause = cause
  state.update = update
}

# Phase 4: a fix in place; the status updates say it is being watched.
fn monitoring(state, update) {
  incident.status = "monitoring"
  state.update = update
}

# Phase 4: the fix did not hold (`why` for the responders, `what` for the timeline); the
# caller goes back to its triage.
fn not_fixed(why, what) {
  warn why
  incident.status = "investigating"
  timeline(what)
}

# Phase 4: watch for `monitor_for` after the fix ("verify and monitor 30 minutes after the
# fix"), then resolve the incident.
fn watch_and_resolve(monitor_for, summary) {
  wait monitor_for "Monitor after the fix"
  resolve(summary)
  timeline("Resolved after #{format_duration(incident.elapsed)}")
}

# Phase 4: the resolution announcement, the status page and the people told so far.
fn announce(webhook, status_webhook, state, service) {
  let root_cause = ask("Root cause, in one line:", default: state.cause ?? "under investigation", key: "root_cause")
  notify.status(webhook, templates.resolved_for_incident({
    summary: "#{service} has recovered. The issue was caused by #{root_cause}; we #{state.fix ?? "fixed it"}.",
  }))
  notify.status(status_webhook, templates.status_page_resolved({service: service, root_cause: root_cause,
                                                               fixed_at: now()}))
  notify.send(contacts.eng_lead, "Resolved: #{incident.title} after #{format_duration(incident.elapsed)}")
  return root_cause
}

# Phase 5: the post-mortem (within 48 hours) and the follow-ups the steps collected.
fn hand_over(state) {
  action_item("Hold the blameless post-mortem: IC, responders, service owners, engineering lead",
              owner: incident.commander ?? "Incident commander", due: severity.postmortem_within)
  for f in state.followups {
    action_item(f, owner: "DevOps", due: 7d)
  }
  note "Review pack: runbook report #{incident.id} --format review"
}

# ---------------------------------------------------------------------------- the parts

# The seeds' time-based ladder for a P2: the primary at once, the backup at 15 minutes
# unless someone has acknowledged, the engineering lead at 30.
fn p2_ladder() escalation {
  at 0m                      notify.page(contacts.primary, incident.title)
  at 15m unless acknowledged notify.page(contacts.backup, incident.title)
  at 30m                     notify.send(contacts.eng_lead, "P2 open 30m: #{incident.title}")
}

# A P2's half-hour timer (`half_hour`) until the incident is resolved.
fn p2_updates(webhook, impact, state) every 30m until resolved {
  half_hour(webhook, impact, state)
}

# Detection (within 5 minutes): acknowledge the alert, name the commander, announce it.
fn detection(webhook, impact) phase "Detection" within 5m {
  step ack "Acknowledge the alert" {
    acknowledge_alert()
  }
  step declare "Declare the incident in #incident-response" {
    declare(webhook, impact)
  }
}

# The resolution announcement as a step of the Resolution phase (`announce` above).
fn announcement(webhook, status_webhook, state, service) step announce "Announce the resolution" {
  announce(webhook, status_webhook, state, service)
}

# Post-mortem (within 48 hours): the meeting and the follow-ups the steps collected.
fn postmortem(state) phase "Post-mortem" {
  step postmortem "Hand over to the post-mortem" {
    hand_over(state)
  }
}
