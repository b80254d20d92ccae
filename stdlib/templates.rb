# stdlib/templates.rb — the seeds' communication templates as functions that return the
# text: the incident announcement, the update, the resolution announcement, the status
# page notices, the post-mortem skeleton and the incident report.  `use templates`, then
#     notify.status(webhook, templates.declared({impact: "API unavailable", …}))
#
# Each template takes one map of fields, so it can be filled from anything and tested
# without an incident; a field that is missing or nil is shown as a placeholder in
# brackets ("[impact]"), the way the seeds write their blanks, so a half-filled message
# still reads correctly and shows what is missing.  The `*_for_incident(fields)` helpers
# fill what the `incident` object knows (title, severity, status, start, commander, …)
# and take the rest from `fields`, which wins over the incident.
#
# Times are shown as the seeds show them: "2025-12-27 14:00 UTC" (a time value, or a
# string as it is); durations as "2 hours 15 minutes".  Nothing here prompts or fails the
# step, so the templates are safe in `escalation` and `every` bodies.
#
# Sources: "Incident Response Procedures" (Incident Templates: Slack announcement, update,
# resolution; Status Page Updates; Post-Mortem Template) and "Incident Management
# Procedure" (6.2 Incident Report Template).

use severity

# ---------------------------------------------------------------------------------------
# Formatting helpers

# The value of `m[k]` if it is set and not "", else nil.
fn get(m, k) {
  if m == nil {
    return nil
  }
  let v = m[k]
  if v == "" {
    return nil
  }
  return v
}

# `m[k]` as text, or "[placeholder]" when it is missing.
fn show(m, k, placeholder) {
  let v = get(m, k)
  if v == nil {
    return "[#{placeholder}]"
  }
  if type(v) == "time" {
    return format_time(v)
  }
  if type(v) == "duration" {
    return human_duration(v)
  }
  return str(v)
}

# "Investigating" for "investigating" (the incident's statuses are lower case): each word
# with its first letter in capitals.
fn title_case(s) {
  let words = []
  for w in split(str(s), " ") {
    if w != "" {
      push(words, capitalize(w))
    }
  }
  return join(words, " ")
}

# A word with its first letter (a-z) in capitals.  There is no substring builtin, so the
# first letter is found by trying each one and the rest rebuilt around it.
fn capitalize(w) {
  for c in split("a b c d e f g h i j k l m n o p q r s t u v w x y z", " ") {
    if starts_with(w, c) {
      let parts = split(w, c)
      let rest = []
      let i = 0
      for p in parts {
        if i > 0 {
          push(rest, p)
        }
        i = i + 1
      }
      return upper(c) + join(rest, c)
    }
  }
  return w
}

# The first part of a "YYYY-MM-DDTHH:MM:SS.mmmZ" time: [date, "HH:MM"].
fn time_parts(t) {
  let s = str(t)
  let dt = split(s, "T")
  if len(dt) != 2 {
    return [s, ""]
  }
  let hms = split(dt[1], ":")
  if len(hms) < 2 {
    return [dt[0], dt[1]]
  }
  return [dt[0], "#{hms[0]}:#{hms[1]}"]
}

# A time as "2025-12-27 14:00 UTC"; a string is returned as it is; nil as nil.
fn format_time(t) {
  if t == nil or type(t) != "time" {
    return t
  }
  let p = time_parts(t)
  return "#{p[0]} #{p[1]} UTC"
}

# A time as "14:00 UTC" (for the update's header and its next-update line).
fn format_clock(t) {
  if t == nil or type(t) != "time" {
    return t
  }
  return "#{time_parts(t)[1]} UTC"
}

# The date of a time, "2025-12-27".
fn format_date(t) {
  if t == nil or type(t) != "time" {
    return t
  }
  return time_parts(t)[0]
}

fn plural(n, unit) {
  if n == 1 {
    return "1 #{unit}"
  }
  return "#{n} #{unit}s"
}

# A duration for people: "2 hours 15 minutes", "1 day 3 hours", "45 seconds".
# Below a minute, seconds; otherwise whole minutes (seconds are dropped).
fn human_duration(d) {
  if d == nil or type(d) != "duration" {
    return d
  }
  let secs = int(d / 1s)
  if secs < 60 {
    return plural(secs, "second")
  }
  let total = int(secs / 60)
  let days = int(total / 1440)
  let hours = int((total % 1440) / 60)
  let mins = total % 60
  let parts = []
  if days > 0 {
    push(parts, plural(days, "day"))
  }
  if hours > 0 {
    push(parts, plural(hours, "hour"))
  }
  if mins > 0 {
    push(parts, plural(mins, "minute"))
  }
  return join(parts, " ")
}

# A list as lines with a prefix ("- item"), or the placeholder line when it is empty.
fn bullets(items, prefix, placeholder) {
  if items == nil or len(items) == 0 {
    return "#{prefix}[#{placeholder}]"
  }
  let lines = []
  for x in items {
    push(lines, "#{prefix}#{x}")
  }
  return join(lines, "\n")
}

# "P1 - Critical" for a severity; the value as text when it is not one; nil when absent.
fn severity_label(sev) {
  let n = severity.name(sev)
  if n == nil {
    return sev
  }
  return "#{severity.parse(sev)} - #{n}"
}

# A copy of `a` with the entries of `b` (those that are not nil) on top.
fn merge(a, b) {
  let out = {}
  for k, v in a ?? {} {
    out[k] = v
  }
  for k, v in b ?? {} {
    if v != nil {
      out[k] = v
    }
  }
  return out
}

# What the incident object knows, in the fields the templates take.
fn incident_fields() {
  let roles = incident.roles ?? {}
  return {
    id:          incident.id,
    title:       incident.title,
    severity:    incident.severity,
    status:      incident.status,
    started_at:  incident.started_at,
    resolved_at: incident.resolved_at,
    duration:    incident.elapsed,
    commander:   incident.commander,
    tech_lead:   roles.tech_lead,
  }
}

# ---------------------------------------------------------------------------------------
# The templates

# The incident announcement (Slack).  Fields:
#   severity    P1…P4                      → "Severity: P1 - Critical"
#   status      default "Investigating"
#   impact      what users see
#   started_at  a time or text
#   commander   the incident commander, e.g. "@jane-engineer"
#   tech_lead   the technical lead
#   update_every  the update cadence; default severity.update_every(severity)
#   doc         a link to the incident document
fn declared(f) {
  let sev = get(f, "severity")
  let status = title_case(get(f, "status") ?? "investigating")
  let cadence_d = get(f, "update_every") ?? severity.update_every(sev)
  let promise = "We are investigating and will provide updates as the situation changes."
  if cadence_d != nil {
    promise = "We are investigating and will provide updates every #{human_duration(cadence_d)}."
  }
  return <<~MSG
    🚨 INCIDENT DECLARED 🚨

    Severity: #{severity_label(sev) ?? "[severity]"}
    Status: #{status}
    Impact: #{show(f, "impact", "impact")}
    Started: #{show(f, "started_at", "start time")}

    Incident Commander: #{show(f, "commander", "incident commander")}
    Tech Lead: #{show(f, "tech_lead", "tech lead")}

    #{promise}

    Incident Doc: #{show(f, "doc", "incident doc")}
    MSG
}

# An incident update.  Fields:
#   at           when the update is posted (a time); default now()
#   status       e.g. "identified"
#   impact       what users see now
#   update       what has happened and what is being done (several lines are fine)
#   expected_resolution  e.g. "15-20 minutes"; the line is left out when not given
#   next_update  a time, or text; default `at` + the severity's cadence
#   severity     used for that default cadence
#   update_every the cadence, when it is not the severity's
fn update(f) {
  let stamp = get(f, "at") ?? now()
  let cadence_d = get(f, "update_every") ?? severity.update_every(get(f, "severity"))
  let next = get(f, "next_update")
  if next == nil and cadence_d != nil and type(stamp) == "time" {
    next = stamp + cadence_d
  }
  let next_text = "[next update]"
  if type(next) == "time" {
    next_text = format_clock(next)
  } elif next != nil {
    next_text = str(next)
  }
  let text = show(f, "update", "what happened and what is being done")
  let expected = get(f, "expected_resolution")
  if expected != nil {
    text = "#{text}\nExpected resolution: #{expected}."
  }
  return <<~MSG
    📊 INCIDENT UPDATE [#{format_clock(stamp) ?? str(stamp)}]

    Status: #{title_case(get(f, "status") ?? "investigating")}
    Impact: #{show(f, "impact", "impact")}

    Update:
    #{text}

    Next update: #{next_text}
    MSG
}

# The resolution announcement.  Fields:
#   severity     P1…P4
#   duration     how long it lasted (a duration, or text)
#   resolved_at  a time or text; default now()
#   summary      what was restored, the cause, and what was done
#   postmortem_within  default "48 hours"
fn resolved(f) {
  let sev = get(f, "severity")
  let sev_text = "[severity]"
  if sev != nil {
    sev_text = str(severity.parse(sev) ?? sev)
  }
  let stamp = get(f, "resolved_at") ?? now()
  return <<~MSG
    ✅ INCIDENT RESOLVED

    Severity: #{sev_text}
    Duration: #{show(f, "duration", "duration")}
    Resolved: #{format_time(stamp) ?? str(stamp)}

    Summary:
    #{show(f, "summary", "summary")}

    Post-mortem will be published within #{get(f, "postmortem_within") ?? "48 hours"}.

    Thank you to the response team! 👏
    MSG
}

# The public status page notice while investigating.  Fields:
#   title      the short name of the problem ("API Unavailable")
#   status     default "Investigating"
#   what       what users report ("API unavailability")
#   update_every  default the severity's cadence (severity field); the line is left out
#              when neither is known
#   posted_at  default now()
fn status_page(f) {
  let cadence_d = get(f, "update_every") ?? severity.update_every(get(f, "severity"))
  let cadence = ""
  if cadence_d != nil {
    cadence = "\nUpdates will be posted every #{human_duration(cadence_d)}.\n"
  }
  let stamp = get(f, "posted_at") ?? now()
  return <<~MSG
    Title: Service Disruption - #{show(f, "title", "title")}
    Status: #{title_case(get(f, "status") ?? "investigating")}

    We are currently investigating reports of #{show(f, "what", "the problem")}.
    Our team is actively working to resolve the issue.
    #{cadence}
    Posted: #{format_time(stamp) ?? str(stamp)}
    MSG
}

# The public status page notice once resolved.  Fields:
#   service      what was restored ("The API service")
#   root_cause   a brief root cause
#   fixed_at     when the fix went in (a time or text)
#   resolved_at  default now()
#   postmortem_within  default "48 hours"
fn status_page_resolved(f) {
  let fixed = get(f, "fixed_at")
  let fixed_text = "[fix time]"
  if type(fixed) == "time" {
    fixed_text = format_clock(fixed)
  } elif fixed != nil {
    fixed_text = str(fixed)
  }
  let stamp = get(f, "resolved_at") ?? now()
  return <<~MSG
    Title: Service Disruption - Resolved
    Status: Resolved

    #{show(f, "service", "The service")} has been fully restored. We identified the issue
    as #{show(f, "root_cause", "brief root cause")} and implemented a fix at #{fixed_text}.

    We apologize for any inconvenience. A full post-mortem will be
    published within #{get(f, "postmortem_within") ?? "48 hours"}.

    Resolved: #{format_time(stamp) ?? str(stamp)}
    MSG
}

# One timeline entry: "14:05 UTC - text" for {at, text}; a string as it is.
fn timeline_line(e) {
  if type(e) == "map" {
    let stamp = e.at
    if type(stamp) == "time" {
      stamp = format_clock(stamp)
    }
    return "#{stamp ?? "[time]"} - #{e.text ?? ""}"
  }
  return str(e)
}

# One action item: "- [ ] text [Owner: X] [Due: D]" for {text, owner, due, done}.
fn action_line(a) {
  if type(a) != "map" {
    return "- [ ] #{a}"
  }
  let box = "[ ]"
  if a.done == true {
    box = "[x]"
  }
  let due = a.due
  if type(due) == "time" {
    due = format_date(due)
  } elif type(due) == "duration" {
    due = "in #{human_duration(due)}"
  }
  return "- #{box} #{a.text ?? "[action]"} [Owner: #{a.owner ?? "[owner]"}] [Due: #{due ?? "[date]"}]"
}

# The post-mortem skeleton (the seed's Post-Mortem Template), in Markdown.  Fields:
#   title, date (a time or text; default started_at), duration, severity, impact,
#   root_cause                 text
#   timeline                   a list of strings or {at, text}
#   contributing_factors, went_well, went_badly   lists of strings
#   action_items               a list of {text, owner, due, done} (or strings)
# Every section is there even when empty, with a placeholder to fill in.
fn postmortem_skeleton(f) {
  let date = get(f, "date") ?? get(f, "started_at")
  if type(date) == "time" {
    date = format_date(date)
  }
  let sev = get(f, "severity")
  let timeline = []
  for e in get(f, "timeline") ?? [] {
    push(timeline, timeline_line(e))
  }
  let timeline_text = "[time] - [event]"
  if len(timeline) > 0 {
    timeline_text = join(timeline, "\n")
  }
  let factors = []
  let i = 1
  for x in get(f, "contributing_factors") ?? [] {
    push(factors, "#{i}. #{x}")
    i = i + 1
  }
  let factors_text = "1. [contributing factor]"
  if len(factors) > 0 {
    factors_text = join(factors, "\n")
  }
  let actions = []
  for a in get(f, "action_items") ?? [] {
    push(actions, action_line(a))
  }
  let actions_text = "- [ ] [action] [Owner: [owner]] [Due: [date]]"
  if len(actions) > 0 {
    actions_text = join(actions, "\n")
  }
  return <<~MD
    # Post-mortem: #{show(f, "title", "incident title")}

    **Incident Summary**:
    - **Date**: #{date ?? "[date]"}
    - **Duration**: #{show(f, "duration", "duration")}
    - **Severity**: #{str(severity.parse(sev) ?? sev ?? "[severity]")}
    - **Impact**: #{show(f, "impact", "impact")}
    - **Root Cause**: #{show(f, "root_cause", "root cause")}

    ---

    **Timeline**:
    ```
    #{timeline_text}
    ```

    ---

    **Root Cause**:
    #{show(f, "root_cause", "root cause: what happened and why")}

    ---

    **Contributing Factors**:
    #{factors_text}

    ---

    **What Went Well**:
    #{bullets(get(f, "went_well"), "- ", "what went well")}

    ---

    **What Didn't Go Well**:
    #{bullets(get(f, "went_badly"), "- ", "what didn't go well")}

    ---

    **Action Items**:
    #{actions_text}
    MD
}

# The incident report (the "Incident Management Procedure" template).  Fields: id,
# started_at, resolved_at, severity, status, summary, timeline (as for the post-mortem),
# root_cause, resolution, business_impact, lessons_learned (list), follow_up (list).
fn incident_report(f) {
  let timeline = []
  for e in get(f, "timeline") ?? [] {
    push(timeline, timeline_line(e))
  }
  let timeline_text = "[Chronological list of events and actions]"
  if len(timeline) > 0 {
    timeline_text = join(timeline, "\n")
  }
  let sev = get(f, "severity")
  let sev_text = "[severity]"
  if sev != nil {
    sev_text = str(severity_label(sev))
  }
  return <<~TXT
    Incident ID: #{show(f, "id", "INC-YYYY-MMDD-XXX")}
    Date/Time: #{show(f, "started_at", "start time")} - #{show(f, "resolved_at", "end time")}
    Severity: #{sev_text}
    Status: #{title_case(get(f, "status") ?? "[status]")}

    SUMMARY:
    #{show(f, "summary", "Brief description of the incident and impact")}

    TIMELINE:
    #{timeline_text}

    ROOT CAUSE:
    #{show(f, "root_cause", "Detailed analysis of what caused the incident")}

    RESOLUTION:
    #{show(f, "resolution", "Steps taken to resolve the incident")}

    BUSINESS IMPACT:
    #{show(f, "business_impact", "Quantified impact on users, revenue, reputation")}

    LESSONS LEARNED:
    #{bullets(get(f, "lessons_learned"), "- ", "Improvements identified for future prevention")}

    FOLLOW-UP ACTIONS:
    #{bullets(get(f, "follow_up"), "- ", "Preventive measures and process improvements")}
    TXT
}

# ---------------------------------------------------------------------------------------
# The same, filled from the incident object (title, severity, status, start, commander,
# roles.tech_lead, id, resolved_at, elapsed); `fields` adds the rest and wins.

fn declared_for_incident(fields) {
  return declared(merge(incident_fields(), fields))
}

fn update_for_incident(fields) {
  return update(merge(incident_fields(), fields))
}

fn resolved_for_incident(fields) {
  return resolved(merge(incident_fields(), fields))
}

fn postmortem_for_incident(fields) {
  return postmortem_skeleton(merge(incident_fields(), fields))
}

fn incident_report_for_incident(fields) {
  return incident_report(merge(incident_fields(), fields))
}
