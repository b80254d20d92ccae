# stdlib/escalation.rb — the seeds' escalation policies as data, and functions that say who
# is due to be told at a given moment.  Nothing here prompts, so every function is safe in
# `escalation` and `every` bodies (timer bodies cannot prompt).
#
# Load it with `use escalation` (`escalation` is a soft keyword: a name like any other
# outside an `escalation { … }` block), or under a shorter name: `use escalation as esc`.
#
# The policies (from the seed procedures):
#
#   Time-based ("Incident Response Procedures", Escalation Protocol) — `ladder`:
#      0-15 min   primary on-call responds
#     15-30 min   backup on-call notified if no acknowledgment
#     30-60 min   engineering lead notified
#       60+ min   VP Engineering / CTO notified
#
#   Severity-based (same document) — folded into `plan(sev)`:
#     P1: immediate notification to engineering lead + CTO
#     P2: engineering lead notified within 30 minutes
#     P3: engineering lead notified next business day
#     P4: no escalation needed
#
#   Severity × time elapsed ("Incident Management Procedure", Escalation Matrix) —
#   `matrix`, `contacts_for(sev, elapsed)`:
#     | Time Elapsed | Severity 1         | Severity 2 | Severity 3 |
#     | 30 minutes   | IT Manager         | IT Manager | -          |
#     | 1 hour       | CTO                | IT Manager | IT Manager |
#     | 2 hours      | CEO                | CTO        | -          |
#     | 4 hours      | Board notification | CTO        | CTO        |
#
# A rung is a map {at, who, condition, action, description}:
#   at          when it is due, measured from the incident's start (a duration)
#   who         a role: primary, backup, eng_lead, cto (the names of runbooks/contacts.rb),
#               or it_manager, ceo, board for the matrix
#   condition   "always", or "unacknowledged" (skipped once the incident is acknowledged)
#   action      "page" (wake someone up: notify.page) or "send" (tell: notify.send)
#   description the seed's words for the rung
#
# Using it in a runbook.  The plain way is to write the ladder out, one rung per line, the
# way the seeds read (this is what runbooks/p1-database-down.rb does):
#
#     escalation {
#       at 0m                      notify.page(contacts.primary, incident.title)
#       at 15m unless acknowledged notify.page(contacts.backup, incident.title)
#       at 30m                     notify.send(contacts.eng_lead, "P1 open 30m: #{incident.title}")
#       at 60m                     notify.send(contacts.cto, "P1 open 60m: #{incident.title}")
#     }
#
# Or let this module decide, from the policy, on a ticking ladder.  notify_due() remembers
# which rungs it has already acted on in this run, so calling it every minute notifies
# each person once, when their rung comes due:
#
#     use escalation as esc
#     use "contacts.rb" as contacts
#     let people = {primary: contacts.primary, backup: contacts.backup,
#                   eng_lead: contacts.eng_lead, cto: contacts.cto}
#     escalation {
#       at 0m { esc.notify_due_in(esc.plan(incident.severity), people, incident.elapsed,
#                                 acknowledged, incident.title) }
#       repeat every 1m
#     }
#
# and in a step, to show the responder where the incident stands:
#
#     note esc.describe(esc.due(incident.elapsed, acknowledged))
#     let next = esc.next_rung(incident.elapsed, acknowledged)
#     if next != nil { note "Next: #{esc.role_name(next.who)} at #{format_duration(next.at)}" }

use notify

# People's names for the roles.
let role_names = {
  primary:    "Primary on-call",
  backup:     "Backup on-call",
  eng_lead:   "Engineering lead",
  cto:        "VP Engineering / CTO",
  it_manager: "IT Manager",
  ceo:        "CEO",
  board:      "Board",
}

# The time-based ladder.
let ladder = [
  {at: 0m,  who: "primary",  condition: "always",         action: "page",
   description: "Primary on-call responds"},
  {at: 15m, who: "backup",   condition: "unacknowledged", action: "page",
   description: "Backup on-call notified if no acknowledgment"},
  {at: 30m, who: "eng_lead", condition: "always",         action: "send",
   description: "Engineering lead notified"},
  {at: 60m, who: "cto",      condition: "always",         action: "send",
   description: "VP Engineering / CTO notified"},
]

# The severity × time-elapsed matrix, one list of rungs per severity.  A role may appear
# twice (P2: the IT Manager at 30 minutes and again at 1 hour): each is a notification.
# P4 has no column in the seed: nobody is escalated to.
let matrix = {
  "P1": [
    {at: 30m, who: "it_manager", condition: "always", action: "send", description: "IT Manager (Severity 1, 30 minutes)"},
    {at: 1h,  who: "cto",        condition: "always", action: "send", description: "CTO (Severity 1, 1 hour)"},
    {at: 2h,  who: "ceo",        condition: "always", action: "send", description: "CEO (Severity 1, 2 hours)"},
    {at: 4h,  who: "board",      condition: "always", action: "send", description: "Board notification (Severity 1, 4 hours)"},
  ],
  "P2": [
    {at: 30m, who: "it_manager", condition: "always", action: "send", description: "IT Manager (Severity 2, 30 minutes)"},
    {at: 1h,  who: "it_manager", condition: "always", action: "send", description: "IT Manager (Severity 2, 1 hour)"},
    {at: 2h,  who: "cto",        condition: "always", action: "send", description: "CTO (Severity 2, 2 hours)"},
    {at: 4h,  who: "cto",        condition: "always", action: "send", description: "CTO (Severity 2, 4 hours)"},
  ],
  "P3": [
    {at: 1h,  who: "it_manager", condition: "always", action: "send", description: "IT Manager (Severity 3, 1 hour)"},
    {at: 4h,  who: "cto",        condition: "always", action: "send", description: "CTO (Severity 3, 4 hours)"},
  ],
  "P4": [],
}

# "P1"…"P4" for a severity literal or a string like "P1"/"p1", else nil.
fn sev_key(sev) {
  let k = nil
  if type(sev) == "severity" {
    k = str(sev)
  } elif type(sev) == "string" {
    k = upper(trim(sev))
  }
  if k in matrix {
    return k
  }
  return nil
}

# A role's name for people ("Engineering lead"); the role itself if it has none.
fn role_name(who) {
  return role_names[who] ?? str(who)
}

# Whether a rung applies in this state: "unacknowledged" rungs stop applying once the
# incident is acknowledged.
fn applies(rung, acknowledged) {
  if rung.condition == "unacknowledged" {
    return not acknowledged
  }
  return true
}

# The rungs of `rungs` due by `elapsed` (at <= elapsed) that apply, in ladder order.
fn due_in(rungs, elapsed, acknowledged) {
  let out = []
  for r in rungs {
    if r.at <= elapsed and applies(r, acknowledged) {
      push(out, r)
    }
  }
  return out
}

# The first rung of `rungs` still to come after `elapsed` (at > elapsed) that applies in
# this state, or nil when the ladder is exhausted.
fn next_in(rungs, elapsed, acknowledged) {
  let best = nil
  for r in rungs {
    if r.at > elapsed and applies(r, acknowledged) {
      if best == nil or r.at < best.at {
        best = r
      }
    }
  }
  return best
}

# The time-based ladder's rungs due by `elapsed`:
#   due(14m, false) → primary;  due(15m, false) → primary, backup;
#   due(15m, true)  → primary;  due(60m, true)  → primary, eng_lead, cto.
fn due(elapsed, acknowledged) {
  return due_in(ladder, elapsed, acknowledged)
}

# The time-based ladder's next rung after `elapsed`, or nil after the last one.
fn next_rung(elapsed, acknowledged) {
  return next_in(ladder, elapsed, acknowledged)
}

# The ladder for an incident of this severity: the time-based ladder with the
# severity-based policy applied.
#   P1: the engineering lead and the CTO are told at once (0m) instead of at 30m/60m.
#   P2: the time-based ladder as it is (the engineering lead at 30m is "within 30 minutes").
#   P3: the primary on-call only; the engineering lead hears the next business day, which
#       is not a rung of a timed ladder.
#   P4: no escalation (a ticket in the regular workflow): [].
# nil for an unknown severity.
fn plan(sev) {
  let k = sev_key(sev)
  if k == nil {
    return nil
  }
  if k == "P4" {
    return []
  }
  if k == "P3" {
    return [ladder[0]]
  }
  if k == "P2" {
    return ladder
  }
  let out = []
  for r in ladder {
    if r.who == "eng_lead" or r.who == "cto" {
      push(out, {at: 0m, who: r.who, condition: "always", action: r.action,
                 description: "#{r.description} immediately (P1)"})
    } else {
      push(out, r)
    }
  }
  return sort_rungs(out)
}

# The rungs sorted by `at`, keeping the order of rungs due at the same time.
fn sort_rungs(rungs) {
  let out = []
  for r in rungs {
    let placed = false
    let next = []
    for o in out {
      if not placed and r.at < o.at {
        push(next, r)
        placed = true
      }
      push(next, o)
    }
    if not placed {
      push(next, r)
    }
    out = next
  }
  return out
}

# The matrix rungs of a severity due by `elapsed` (repeats included), or nil for an
# unknown severity.
fn matrix_due(sev, elapsed) {
  let k = sev_key(sev)
  if k == nil {
    return nil
  }
  return due_in(matrix[k], elapsed, false)
}

# Who the severity × time matrix has reached by `elapsed`: each role once, in the order
# they were reached.  contacts_for(P1, 1h) → ["it_manager", "cto"];
# contacts_for(P2, 2h) → ["it_manager", "cto"]; contacts_for(P3, 30m) → [];
# contacts_for(P4, 8h) → [].  nil for an unknown severity.
fn contacts_for(sev, elapsed) {
  let rungs = matrix_due(sev, elapsed)
  if rungs == nil {
    return nil
  }
  let out = []
  for r in rungs {
    if not (r.who in out) {
      push(out, r.who)
    }
  }
  return out
}

# Rungs already acted on by notify_due in this run, by "who@at".
let sent = {}

# Notify everyone whose rung of `rungs` is due by `elapsed` and who has not been notified
# by this function in this run yet: notify.page for "page" rungs, notify.send for "send"
# rungs.  `contacts` maps a role to a contact ({primary: contacts.primary, …}); a role
# with no contact is warned about once.  The message is `message` with the rung and the
# time open added.  Returns the rungs acted on this time, each with the notify result
# as `result` (nil when there was no contact).  Never prompts: meant for timer bodies.
fn notify_due_in(rungs, contacts, elapsed, acknowledged, message) {
  let acted = []
  for r in due_in(rungs, elapsed, acknowledged) {
    let id = "#{r.who}@#{format_duration(r.at)}"
    if id in sent {
      continue
    }
    sent[id] = true
    let contact = contacts[r.who]
    let open = format_duration(minutes(int(elapsed / 1m)))
    let text = "#{message} (escalation: #{r.description}; open #{open})"
    let result = nil
    if contact == nil {
      warn "Escalation: no contact for #{role_name(r.who)} (#{r.description}); tell them by hand: #{message}"
    } elif r.action == "page" {
      result = notify.page(contact, text)
    } else {
      result = notify.send(contact, text)
    }
    push(acted, {at: r.at, who: r.who, condition: r.condition, action: r.action,
                 description: r.description, result: result})
  }
  return acted
}

# notify_due_in over the time-based ladder.
fn notify_due(contacts, elapsed, acknowledged, message) {
  return notify_due_in(ladder, contacts, elapsed, acknowledged, message)
}

# Forget what notify_due has sent (for a new incident in the same run, or tests).
fn reset() {
  sent = {}
}

# Rungs as lines for the responder, the time in minutes from the incident's start:
#      0m  Primary on-call (page) — Primary on-call responds
#     15m  Backup on-call (page, unless acknowledged) — Backup on-call notified if …
fn describe(rungs) {
  if rungs == nil or len(rungs) == 0 {
    return "(no escalation)"
  }
  let lines = []
  for r in rungs {
    let how = r.action
    if r.condition == "unacknowledged" {
      how = "#{how}, unless acknowledged"
    }
    let label = "#{int(r.at / 1m)}m"
    while len(label) < 5 {
      label = " " + label
    }
    push(lines, "#{label}  #{role_name(r.who)} (#{how}) — #{r.description}")
  }
  return join(lines, "\n")
}
