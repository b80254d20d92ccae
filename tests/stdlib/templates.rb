# tests/stdlib/templates.rb — stdlib/templates.rb: every template has the seeds' fields,
# filled from the map it is given, with placeholders for what is missing.
runbook "stdlib: templates" {
  id       "test-stdlib-templates"
  severity P2   # runbook:disable RB109 -- a test: nobody to send updates to
  owner    "runbook tests"
}

use templates
use "lib/assert.rb" as t

# P2 needs an escalation (RB104); this one only notes.
escalation {
  at 1h note "templates test still running after an hour"
}

let start = time("2025-12-27T14:00:00Z")

step helpers "Formatting helpers" {
  t.eq("format_time", templates.format_time(start), "2025-12-27 14:00 UTC")
  t.eq("format_time(string)", templates.format_time("yesterday"), "yesterday")
  t.eq("format_clock", templates.format_clock(start + 75m), "15:15 UTC")
  t.eq("format_date", templates.format_date(start), "2025-12-27")
  t.eq("human 2h15m", templates.human_duration(2h15m), "2 hours 15 minutes")
  t.eq("human 1h", templates.human_duration(1h), "1 hour")
  t.eq("human 1m", templates.human_duration(1m), "1 minute")
  t.eq("human 15m", templates.human_duration(15m), "15 minutes")
  t.eq("human 45s", templates.human_duration(45s), "45 seconds")
  t.eq("human 1d3h", templates.human_duration(1d3h), "1 day 3 hours")
  t.eq("human 90m30s", templates.human_duration(90m30s), "1 hour 30 minutes")
  t.eq("human nil", templates.human_duration(nil), nil)
  t.eq("title_case", templates.title_case("investigating"), "Investigating")
  t.eq("title_case two words", templates.title_case("in progress"), "In Progress")
  t.eq("severity_label", templates.severity_label(P1), "P1 - Critical")
  t.eq("severity_label(string)", templates.severity_label("p3"), "P3 - Medium")
  t.eq("merge", templates.merge({a: 1, b: 2}, {b: 3, c: nil}), {a: 1, b: 3})
  t.done()
}

step declared "Incident declared" {
  let m = templates.declared({
    severity:   P1,
    impact:     "API service unavailable",
    started_at: start,
    commander:  "@jane-engineer",
    tech_lead:  "@john-senior-eng",
    doc:        "https://docs.company.com/incident/2025-12-27-001",
  })
  note m
  t.has("declared: banner", m, "🚨 INCIDENT DECLARED 🚨")
  t.has("declared: severity", m, "Severity: P1 - Critical\n")
  t.has("declared: status", m, "Status: Investigating\n")
  t.has("declared: impact", m, "Impact: API service unavailable\n")
  t.has("declared: started", m, "Started: 2025-12-27 14:00 UTC\n")
  t.has("declared: commander", m, "Incident Commander: @jane-engineer\n")
  t.has("declared: tech lead", m, "Tech Lead: @john-senior-eng\n")
  t.has("declared: cadence from severity", m, "will provide updates every 15 minutes.")
  t.has("declared: doc", m, "Incident Doc: https://docs.company.com/incident/2025-12-27-001")
  t.lacks("declared: no placeholder", m, "[")
  let p2 = templates.declared({severity: "P2", status: "identified"})
  t.has("declared P2 cadence", p2, "updates every 30 minutes")
  t.has("declared P2 status", p2, "Status: Identified")
  t.has("declared placeholder impact", p2, "Impact: [impact]")
  t.has("declared placeholder commander", p2, "Incident Commander: [incident commander]")
  let p3 = templates.declared({severity: P3})
  t.has("declared P3: no cadence", p3, "updates as the situation changes")
  t.has("declared: empty map", templates.declared({}), "Severity: [severity]")
  t.done()
}

step update "Incident update" {
  let u = templates.update({
    at:          start + 1h,
    severity:    P1,
    status:      "identified",
    impact:      "API service still unavailable",
    update:      "We've identified the issue as database connection pool exhaustion.\nWe are restarting backend services to reset connections.",
    expected_resolution: "15-20 minutes",
  })
  note u
  t.has("update: header", u, "📊 INCIDENT UPDATE [15:00 UTC]")
  t.has("update: status", u, "Status: Identified\n")
  t.has("update: impact", u, "Impact: API service still unavailable\n")
  t.has("update: text", u, "Update:\nWe've identified the issue")
  t.has("update: second line", u, "\nWe are restarting backend services")
  t.has("update: expected", u, "Expected resolution: 15-20 minutes.")
  t.has("update: next from cadence", u, "Next update: 15:15 UTC")
  let u2 = templates.update({at: start, severity: P2, update: "Still looking."})
  t.has("update P2 next", u2, "Next update: 14:30 UTC")
  t.lacks("update: no expected line", u2, "Expected resolution")
  let u3 = templates.update({at: start, next_update: "when the failover completes", update: "x"})
  t.has("update: explicit next", u3, "Next update: when the failover completes")
  let u4 = templates.update({at: start, severity: P4, update: "x"})
  t.has("update P4: next placeholder", u4, "Next update: [next update]")
  t.has("update: default time is now", templates.update({}), "INCIDENT UPDATE [")
  t.done()
}

step resolved "Incident resolved" {
  let r = templates.resolved({
    severity:    P1,
    duration:    2h15m,
    resolved_at: start + 75m,
    summary:     "API service has been fully restored. Issue was caused by database\nconnection pool exhaustion.",
  })
  note r
  t.has("resolved: banner", r, "✅ INCIDENT RESOLVED")
  t.has("resolved: severity", r, "Severity: P1\n")
  t.has("resolved: duration", r, "Duration: 2 hours 15 minutes\n")
  t.has("resolved: when", r, "Resolved: 2025-12-27 15:15 UTC\n")
  t.has("resolved: summary", r, "Summary:\nAPI service has been fully restored.")
  t.has("resolved: post-mortem", r, "Post-mortem will be published within 48 hours.")
  t.has("resolved: thanks", r, "Thank you to the response team! 👏")
  t.has("resolved: placeholders", templates.resolved({}), "Duration: [duration]")
  t.done()
}

step status_page "Status page notices" {
  let s = templates.status_page({title: "API Unavailable", what: "API unavailability", severity: P1, posted_at: start + 30m})
  note s
  t.has("status: title", s, "Title: Service Disruption - API Unavailable\n")
  t.has("status: status", s, "Status: Investigating\n")
  t.has("status: what", s, "We are currently investigating reports of API unavailability.")
  t.has("status: cadence", s, "\n\nUpdates will be posted every 15 minutes.\n\nPosted: 2025-12-27 14:30 UTC")
  let s3 = templates.status_page({title: "Search slow", what: "slow search", severity: P3, posted_at: start})
  t.has("status P3: no cadence line", s3, "resolve the issue.\n\nPosted: 2025-12-27 14:00 UTC")
  let r = templates.status_page_resolved({service: "The API service", root_cause: "a database connection pool exhaustion", fixed_at: start + 75m, resolved_at: start + 90m})
  note r
  t.has("status resolved: title", r, "Title: Service Disruption - Resolved\nStatus: Resolved")
  t.has("status resolved: restored", r, "The API service has been fully restored.")
  t.has("status resolved: cause", r, "as a database connection pool exhaustion and implemented a fix at 15:15 UTC.")
  t.has("status resolved: apology", r, "A full post-mortem will be\npublished within 48 hours.")
  t.has("status resolved: when", r, "Resolved: 2025-12-27 15:30 UTC")
  t.done()
}

step postmortem "Post-mortem skeleton" {
  let pm = templates.postmortem_skeleton({
    title:      "API unavailable",
    started_at: start,
    duration:   2h15m,
    severity:   P1,
    impact:     "API unavailable, 500 users affected",
    root_cause: "Database connection pool exhaustion",
    timeline: [
      {at: start, text: "Monitoring detects high error rate"},
      {at: start + 5m, text: "PagerDuty alert sent, on-call acknowledges"},
      "15:15 UTC - Incident marked as resolved",
    ],
    contributing_factors: ["Traffic spike (2x normal)", "Lack of connection pool monitoring"],
    went_well: ["Fast detection"],
    action_items: [
      {text: "Increase connection pool size to 100", owner: "Backend Lead", due: "2025-12-29"},
      {text: "Add connection pool metrics to dashboard", owner: "DevOps", due: time("2025-12-30T00:00:00Z"), done: true},
    ],
  })
  note pm
  t.has("pm: title", pm, "# Post-mortem: API unavailable")
  t.has("pm: date", pm, "- **Date**: 2025-12-27\n")
  t.has("pm: duration", pm, "- **Duration**: 2 hours 15 minutes\n")
  t.has("pm: severity", pm, "- **Severity**: P1\n")
  t.has("pm: impact", pm, "- **Impact**: API unavailable, 500 users affected\n")
  t.has("pm: root cause line", pm, "- **Root Cause**: Database connection pool exhaustion\n")
  t.has("pm: timeline", pm, "**Timeline**:\n```\n14:00 UTC - Monitoring detects high error rate\n14:05 UTC - PagerDuty alert sent")
  t.has("pm: timeline string", pm, "15:15 UTC - Incident marked as resolved\n```")
  t.has("pm: root cause section", pm, "**Root Cause**:\nDatabase connection pool exhaustion")
  t.has("pm: factors", pm, "**Contributing Factors**:\n1. Traffic spike (2x normal)\n2. Lack of connection pool monitoring")
  t.has("pm: went well", pm, "**What Went Well**:\n- Fast detection")
  t.has("pm: went badly placeholder", pm, "**What Didn't Go Well**:\n- [what didn't go well]")
  t.has("pm: action", pm, "- [ ] Increase connection pool size to 100 [Owner: Backend Lead] [Due: 2025-12-29]")
  t.has("pm: action done", pm, "- [x] Add connection pool metrics to dashboard [Owner: DevOps] [Due: 2025-12-30]")
  let empty = templates.postmortem_skeleton({})
  for section in ["**Incident Summary**", "**Timeline**", "**Root Cause**:", "**Contributing Factors**",
                  "**What Went Well**", "**What Didn't Go Well**", "**Action Items**"] {
    t.has("pm skeleton: #{section}", empty, section)
  }
  t.has("pm skeleton: action placeholder", empty, "- [ ] [action] [Owner: [owner]] [Due: [date]]")
  t.done()
}

step report "Incident report" {
  let r = templates.incident_report({
    id: "INC-2025-1227-001", started_at: start, resolved_at: start + 75m, severity: P1, status: "resolved",
    summary: "API unavailable", root_cause: "Pool exhaustion", resolution: "Restarted services",
    business_impact: "500 users", lessons_learned: ["Monitor the pool"], follow_up: ["Alert on pool usage"],
  })
  note r
  t.has("report: id", r, "Incident ID: INC-2025-1227-001\n")
  t.has("report: dates", r, "Date/Time: 2025-12-27 14:00 UTC - 2025-12-27 15:15 UTC\n")
  t.has("report: severity", r, "Severity: P1 - Critical\n")
  t.has("report: status", r, "Status: Resolved\n")
  for section in ["SUMMARY:\nAPI unavailable", "TIMELINE:\n[Chronological", "ROOT CAUSE:\nPool exhaustion",
                  "RESOLUTION:\nRestarted services", "BUSINESS IMPACT:\n500 users",
                  "LESSONS LEARNED:\n- Monitor the pool", "FOLLOW-UP ACTIONS:\n- Alert on pool usage"] {
    t.has("report: #{section}", r, section)
  }
  t.done()
}

step for_incident "Filled from the incident object" {
  incident.commander = "@alice"
  let d = templates.declared_for_incident({impact: "Templates under test"})
  note d
  t.has("for_incident: severity from the incident", d, "Severity: P2 - High")
  t.has("for_incident: commander", d, "Incident Commander: @alice")
  t.has("for_incident: impact from fields", d, "Impact: Templates under test")
  t.has("for_incident: started", d, "Started: #{templates.format_time(incident.started_at)}")
  t.has("for_incident: cadence", d, "updates every 30 minutes")
  let over = templates.declared_for_incident({severity: P1})
  t.has("for_incident: fields win", over, "Severity: P1 - Critical")
  let pm = templates.postmortem_for_incident({})
  t.has("for_incident: post-mortem title", pm, "# Post-mortem: stdlib: templates")
  t.has("for_incident: report id", templates.incident_report_for_incident({}), "Incident ID: #{incident.id}")
  t.has("for_incident: update", templates.update_for_incident({update: "x"}), "Status: Investigating")
  t.has("for_incident: resolved", templates.resolved_for_incident({summary: "ok"}), "Severity: P2")
  t.done()
}
