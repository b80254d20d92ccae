# Tests of the triage playbook (runbook test runbooks/): see docs/testing.md.
# Answers by key (summary, category, urgency, impact, accept_severity, commander, …).

let HIGH_U = "High: it is getting worse or losing money right now"
let MED_U = "Medium: it hurts, but it is stable"
let LOW_U = "Low: it can wait for working hours"
let HIGH_I = "High: most users, or a critical function (payments, login, data)"
let MED_I = "Medium: some users, or an important feature"
let LOW_I = "Low: few users, cosmetic, or a workaround exists"

# The roles, then the generic response's checklists.
fn roles(after) {
  answer("commander", "jane", after: after)
  answer("tech_lead", "tom")
  answer("comms_lead", "cat")
  answer("scribe", "sam")
}

fn investigate(decision, resolve_after) {
  for item in ["What is broken? (specific service/feature)", "When did it start? (check monitoring history)",
               "What changed recently? (deployments, config changes)", "How many users are affected? (metrics, reports)",
               "What is the business impact? (revenue, reputation)"] {
    answer(item, "done")
  }
  answer("decision", decision)
  answer("verification.1", "done", after: resolve_after)
  answer("verification.2", "done")
  answer("verification.3", "done")
  answer("verification.4", "done")
}

test "a P2 without a playbook: the lead is told, the generic response resolves it" {
  answer("summary", "Checkout is slow")
  answer("category", "Something else")
  answer("urgency", HIGH_U)
  answer("impact", MED_I)
  answer("accept_severity", "yes")
  roles(2m)
  investigate("A recent deployment", 31m)
  answer("confirm_resolve", "yes")
  answer("root_cause", "a slow query")
  let r = run_runbook("declare-incident.rb")
  expect_steps(r, ["what", "classify", "roles", "announce", "handover", "respond", "wrap_up"])
  expect_incident(r, "severity", "P2")
  expect_notified(r, "Engineering lead", at: 2m, kind: "message")
  expect_notified(r, "Primary on-call", at: 2m, kind: "page")
  expect_not_notified(r, "Backup on-call")
  expect_notified(r, "Engineering lead", at: 32m, kind: "message")
  expect_not_notified(r, "*CTO*")
  expect_incident(r, "resolved", true)
  expect_status(r, "finished")
}

test "a P1 without a playbook: lead and CTO at once, the ladder to 60m, not resolved yet" {
  answer("summary", "Everything is on fire")
  answer("category", "Something else")
  answer("urgency", HIGH_U)
  answer("impact", HIGH_I)
  answer("accept_severity", "yes")
  roles(16m)
  investigate("Resource exhaustion", 65m)
  answer("confirm_resolve", "no")
  let r = run_runbook("declare-incident.rb", {doc: "https://docs.example.com/inc"})
  # the commander answers at 16 minutes: the response starts then, its ladder with it
  expect_notified(r, "Engineering lead", at: 16m, kind: "message")
  expect_notified(r, "*CTO*", at: 16m, kind: "message")
  expect_notified(r, "*CTO*", at: 76m, kind: "message")
  expect_notified(r, "the status channel", kind: "status")
  expect_incident(r, "resolved", false)
  expect_steps(r, ["what", "classify", "roles", "announce", "handover", "respond", "wrap_up"])
}

test "a severity the responder overrides: data loss taken as P4 is warned about, ticketed" {
  answer("summary", "A report is missing a row")
  answer("category", "Data loss or corruption")
  answer("urgency", LOW_U)
  answer("impact", HIGH_I)
  answer("accept_severity", "no")
  answer("severity", "P4")
  roles(1m)
  investigate("A third-party service issue", 5m)
  answer("confirm_resolve", "yes")
  answer("root_cause", "an upstream export")
  let r = run_runbook("declare-incident.rb")
  expect_incident(r, "severity", "P4")
  expect_not_notified(r, "Engineering lead")
  expect_step(r, "respond")
  expect_no_step(r, "restart")
  expect_status(r, "finished")
}

test "a P3: an action item for the lead, no pages beyond the primary" {
  answer("summary", "A typo on the pricing page")
  answer("category", "Something else")
  answer("urgency", MED_U)
  answer("impact", MED_I)
  answer("accept_severity", "yes")
  roles(1m)
  investigate("None of these", 5m)
  answer("confirm_resolve", "yes")
  answer("root_cause", "a bad copy change")
  let r = run_runbook("declare-incident.rb")
  expect_incident(r, "severity", "P3")
  expect_notified(r, "Primary on-call", at: 1m, kind: "page")
  expect_not_notified(r, "Engineering lead")
  expect_status(r, "finished")
}

# A P1 with a playbook hands over to it inside this run (the same incident and record);
# each test stops as the playbook's first own step begins: enough to show which took over.
fn handover(category) {
  answer("summary", "P1")
  answer("category", category)
  answer("urgency", HIGH_U)
  answer("impact", HIGH_I)
  answer("accept_severity", "yes")
  roles(1m)
}

test "an API outage is handed over to p1-service-down.rb" {
  handover("API completely unavailable (100% error rate)")
  let r = run_runbook("declare-incident.rb", stop_at: "service_status")
  expect_steps(r, ["what", "classify", "roles", "announce", "handover", "ack", "declare", "service_status"])
  expect_no_step(r, "respond")
  expect_notified(r, "Engineering lead", at: 1m, kind: "message")
  expect_status(r, "interrupted")
}

test "a database outage is handed over to p1-database-down.rb" {
  handover("Database unavailable (connection errors, 500s)")
  let r = run_runbook("declare-incident.rb", stop_at: "rds")
  expect_order(r, ["handover", "ack", "declare", "rds"])
  expect_no_step(r, "respond")
}

test "a breach is handed over to p1-security-breach.rb, and kept off the status page" {
  handover("Security breach or unauthorized access")
  let r = run_runbook("declare-incident.rb", stop_at: "disable_key")
  expect_order(r, ["announce", "handover", "disable_key"])
  expect(len(r.requests) == 0, "nothing was posted")
  expect_not_notified(r, "the status page")
}

test "data loss is handed over to p1-data-loss.rb" {
  handover("Data loss or corruption")
  let r = run_runbook("declare-incident.rb", stop_at: "affected")
  expect_order(r, ["handover", "affected"])
  expect_no_step(r, "respond")
}

# Started at the response (as with --start-at respond): nobody has acknowledged, so the
# 15-minute rung fires.  In a full run the roles step has always acknowledged by then, so
# this is the only way to reach that rung; and the rung's message needs the summary, which
# only the first step sets, so its body fails (a finding of the coverage report, kept
# visible here until the playbook is changed).
test "the generic response's 15-minute rung, reachable only by starting at the response" {
  answer("What is broken? (specific service/feature)", "done", after: 16m)
  for item in ["When did it start? (check monitoring history)", "What changed recently? (deployments, config changes)",
               "How many users are affected? (metrics, reports)", "What is the business impact? (revenue, reputation)"] {
    answer(item, "done")
  }
  answer("decision", "None of these")
  for i in range(1, 5) {
    answer("verification.#{i}", "done")
  }
  answer("confirm_resolve", "yes")
  answer("root_cause", "unknown")
  answer("Step respond failed. What now?", "abort")
  let r = run_runbook("declare-incident.rb", start_at: "respond")
  expect_steps(r, ["respond"])
  expect_status(r, "aborted")
}

# A data-loss P1 handed over and worked to the end in the same run: the playbook's own
# post-mortem step ends it, and the declaration's wrap-up adds no second post-mortem item.
test "a handed-over playbook runs to its end, then the declaration wraps up" {
  handover("Data loss or corruption")
  answer("affected", "Objects in S3")
  answer("stop_how", "Read-only mode (feature flag or maintenance switch)")
  answer("confirm_read_only", "yes", after: 2m)
  answer("loss_started", "2025-12-31T23:40:30Z")
  answer("which_data", "uploaded invoices")
  answer("users_impacted", "unknown")
  answer("cause", "An application bug")
  answer("Which S3 bucket lost objects?", "prod-invoices")
  answer("validation.1", "done")
  answer("validation.2", "n/a")
  answer("validation.3", "done")
  answer("confirm_resume", "yes")
  answer("verification.1", "done")
  answer("verification.2", "done")
  answer("verification.3", "done")
  answer("confirm_resolve", "yes")
  stub_sh("*", exit: 0, stdout: "{}")
  let r = run_runbook("declare-incident.rb", {region: "us-east-1"})
  expect_order(r, ["handover", "affected", "wrap_up"])
  expect_no_step(r, "respond")
  expect_status(r, "finished")
}
