# tests/stdlib/severity.rb — stdlib/severity.rb against the seed procedures.
runbook "stdlib: severity" {
  id       "test-stdlib-severity"
  severity P4
  owner    "runbook tests"
}

use severity
use "lib/assert.rb" as t

step matrix "The full urgency × impact priority matrix" {
  # Incident Management Procedure 2.2: rows urgency, columns impact.
  let want = {
    high:   {high: P1, medium: P2, low: P3},
    medium: {high: P2, medium: P3, low: P4},
    low:    {high: P3, medium: P4, low: P4},
  }
  for u in ["high", "medium", "low"] {
    for i in ["high", "medium", "low"] {
      t.eq("priority(#{u}, #{i})", severity.priority(u, i), want[u][i])
    }
  }
  t.eq("priority is case-insensitive", severity.priority("High", " MEDIUM "), P2)
  t.eq("priority returns a severity", type(severity.priority("low", "low")), "severity")
  t.eq("unknown urgency", severity.priority("urgent", "high"), nil)
  t.eq("unknown impact", severity.priority("high", "huge"), nil)
  t.eq("non-string urgency", severity.priority(1, "high"), nil)
  t.eq("nil impact", severity.priority("high", nil), nil)
  t.eq("vocabulary", [severity.urgencies, severity.impacts], [["high", "medium", "low"], ["high", "medium", "low"]])
  t.done()
}

step targets "Response and resolution targets, update cadence" {
  let respond = {"P1": 15m, "P2": 1h, "P3": 4h, "P4": 24h}
  let resolve = {"P1": 4h, "P2": 8h, "P3": 24h, "P4": 72h}
  let cadence = {"P1": 15m, "P2": 30m, "P3": nil, "P4": nil}
  let names   = {"P1": "Critical", "P2": "High", "P3": "Medium", "P4": "Low"}
  for sev in [P1, P2, P3, P4] {
    let k = str(sev)
    t.eq("respond_within(#{k})", severity.respond_within(sev), respond[k])
    t.eq("resolve_within(#{k})", severity.resolve_within(sev), resolve[k])
    t.eq("update_every(#{k})", severity.update_every(sev), cadence[k])
    t.eq("name(#{k})", severity.name(sev), names[k])
    t.eq("respond_within(#{k}) is a duration", type(severity.respond_within(sev)), "duration")
    t.ok("respond before resolve (#{k})", severity.respond_within(sev) < severity.resolve_within(sev))
  }
  t.eq("P1 resolves within 4h, as the P1 header says", severity.resolve_within(P1), 4h)
  t.eq("update_every fallback", severity.update_every(P3) ?? 4h, 4h)
  t.done()
}

step forms "Severities in every accepted form" {
  for form in [P2, "P2", "p2", " P2 ", "2", 2, "Severity 2", "sev2", "SEV 2", "Priority 2"] {
    t.eq("key(#{to_json(form)})", severity.key(form), "P2")
    t.eq("parse(#{to_json(form)})", severity.parse(form), P2)
  }
  for bad in [nil, "", "P5", "P0", 0, 5, 2.5, "high", "P 12", [P1], {level: P1}, 15m] {
    t.eq("key(#{to_json(bad)}) is nil", severity.key(bad), nil)
    t.eq("respond_within(#{to_json(bad)}) is nil", severity.respond_within(bad), nil)
    t.eq("describe(#{to_json(bad)}) is nil", severity.describe(bad), nil)
  }
  t.eq("incident.severity works", severity.respond_within(incident.severity), 24h)
  t.done()
}

step people "Who is told, and how" {
  t.eq("who_to_notify(P1)", severity.who_to_notify(P1), ["eng_lead", "cto"])
  t.eq("who_to_notify(P2)", severity.who_to_notify(P2), ["eng_lead"])
  t.eq("who_to_notify(P3)", severity.who_to_notify(P3), ["eng_lead"])
  t.eq("who_to_notify(P4)", severity.who_to_notify(P4), [])
  t.eq("P1 notifications are immediate", severity.notifications(P1)[0].within, 0m)
  t.eq("P2 eng lead within 30m", severity.notifications(P2)[0].within, 30m)
  t.eq("P3 eng lead next business day", severity.notifications(P3)[0].when, "next business day")
  t.eq("channels(P1)", severity.channels(P1), ["phone", "slack", "email"])
  t.eq("channels(P2)", severity.channels(P2), ["slack", "email"])
  t.eq("channels(P4)", severity.channels(P4), ["email"])
  t.eq("status page P1/P2 only", [severity.status_page(P1), severity.status_page(P2), severity.status_page(P3), severity.status_page(P4)], [true, true, false, false])
  t.has("response(P1)", severity.response(P1), "all-hands")
  t.has("response(P4)", severity.response(P4), "Ticket created")
  t.eq("who_to_notify(bad)", severity.who_to_notify("P9"), nil)
  t.eq("other targets", [severity.ack_page_within, severity.status_page_within, severity.postmortem_within], [5m, 30m, 48h])
  let who = []
  for row in severity.stakeholders(P1) {
    push(who, "#{row.stakeholder} #{format_duration(row.every ?? 0s)}")
  }
  t.eq("stakeholders(P1)", who, ["Executive Team 2h", "Business Units 4h", "Customer Support 30m", "Partners 0s"])
  t.eq("stakeholders(P2) has no executive row", len(severity.stakeholders(P2)), 3)
  t.eq("stakeholders(bad)", severity.stakeholders("x"), nil)
  t.done()
}

step levels "Level definitions and describe()" {
  for sev in [P1, P2, P3, P4] {
    let l = severity.info(sev)
    t.eq("info(#{sev}).level", l.level, sev)
    t.ok("info(#{sev}) has examples", len(l.examples) >= 4)
    t.ok("info(#{sev}) has a description", len(l.description) > 10)
    t.ok("info(#{sev}) has a business impact", len(l.business_impact) > 5)
  }
  t.has("P1 example", join(severity.info(P1).examples, "|"), "Payment processing completely down")
  t.has("P4 example", join(severity.info("P4").examples, "|"), "UI bugs")
  let d = severity.describe(P1)
  note d
  t.has("describe(P1) level", d, "P1 — Critical")
  t.has("describe(P1) definition", d, "Complete system outage")
  t.has("describe(P1) targets", d, "Respond within 15m, resolve within 4h")
  t.has("describe(P1) cadence", d, "status updates every 15m")
  t.has("describe(P3) no cadence", severity.describe(P3), "no fixed status-update cadence")
  t.has("describe(P2) resolve", severity.describe("P2"), "resolve within 8h")
  t.done()
}
