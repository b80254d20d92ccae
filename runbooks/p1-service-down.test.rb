# Tests of the service-down playbook (runbook test runbooks/): see docs/testing.md.
# The AWS CLI and git are stubbed with the JSON and text the playbook reads.  The virtual
# clock starts at 2026-01-01T00:00:00Z.

use "part-answers.rb" as part

let TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/backend"

# describe-services: running of desired tasks, the deployments and events.
fn service(running, desired, deployments, events) {
  return "{\"services\": [{\"runningCount\": #{running}, \"desiredCount\": #{desired}, \"pendingCount\": 0, \"taskDefinition\": \"#{TD}:42\", \"deployments\": [#{deployments}], \"events\": [#{events}]}]}"
}
let DOWN = service(0, 4, "", "")
let UP = service(4, 4, "", "")
let HEALTHY = "{\"TargetHealthDescriptions\": [{\"Target\": {\"Id\": \"10.0.0.1\"}, \"TargetHealth\": {\"State\": \"healthy\"}}]}"
let MIXED = "{\"TargetHealthDescriptions\": [{\"Target\": {\"Id\": \"10.0.0.1\"}, \"TargetHealth\": {\"State\": \"healthy\"}}, {\"Target\": {\"Id\": \"10.0.0.2\"}, \"TargetHealth\": {\"State\": \"unhealthy\", \"Reason\": \"Target.Timeout\"}}]}"

# The assessment's reads; the service is then as later_describe says; writes succeed.
fn assessment(first_describe, first_targets, commits, cpu) {
  stub_sh("aws ecs describe-services *", stdout: first_describe, times: 1)
  stub_sh("aws elbv2 describe-target-health *", stdout: first_targets, times: 1)
  stub_sh("git -C * log *", stdout: commits)
  stub_sh("aws cloudwatch get-metric-statistics *", stdout: "{\"Datapoints\": [{\"Maximum\": #{cpu}}, {\"Maximum\": 12}, {\"Average\": 3}]}")
  stub_sh("aws health describe-events *", stdout: "{\"events\": []}")
  stub_sh("aws ecs list-task-definitions *", stdout: "{\"taskDefinitionArns\": [\"#{TD}:42\", \"#{TD}:41\", \"#{TD}:40\"]}")
  stub_sh("aws logs tail *", stdout: "ERROR upstream timeout")
}

fn then_up() {
  stub_sh("aws ecs describe-services *", stdout: UP)
  stub_sh("aws elbv2 describe-target-health *", stdout: HEALTHY)
  stub_sh("aws ecs update-service *")
  stub_sh("aws ecs wait services-stable *")
}

fn start() {
  part.detection("yes", 3m, "jane")
  part.investigation()
}

# The decision tree: yes to question number yes_at (1 to 4, 0: none).
fn tree(yes_at) {
  let keys = ["recent_deployment", "resource_exhaustion", "infrastructure", "third_party"]
  for i in range(4) {
    if i + 1 < yes_at or yes_at == 0 {
      answer(keys[i], "no")
    } elif i + 1 == yes_at {
      answer(keys[i], "yes")
    }
  }
}

fn verified() {
  for i in range(1, 5) {
    answer("verification.#{i}", "done")
  }
}

fn closed(cause) {
  answer("root_cause", cause)
  answer("confirm_resolve", "yes")
}

test "a bad deployment is rolled back to the previous revision" {
  start()
  let deps = "{\"status\": \"PRIMARY\", \"taskDefinition\": \"#{TD}:42\", \"rolloutState\": \"COMPLETED\", \"createdAt\": \"2025-12-31T23:30:00Z\"}, {\"status\": \"INACTIVE\", \"taskDefinition\": \"#{TD}:41\", \"createdAt\": \"2025-12-20T10:00:00Z\"}"
  let evs = "{\"message\": \"e1\"}, {\"message\": \"e2\"}, {\"message\": \"e3\"}, {\"message\": \"e4\"}"
  assessment(service(0, 4, deps, evs), MIXED, "abc123 Change the session store", 40)
  then_up()
  tree(1)
  answer("rollback_to", "backend:41")
  answer("confirm_rollback", "yes")
  verified()
  closed("a bad deployment")
  let r = run_runbook("p1-service-down.rb")
  expect_steps(r, ["ack", "declare", "service_status", "targets", "changes", "resources", "scope", "is_deployment",
                   "roll_back", "verify", "close", "postmortem"])
  expect_command(r, "aws ecs update-service --cluster prod-cluster --service backend-service --task-definition backend:41 *")
  expect_notified(r, "Primary on-call", at: 0m, kind: "page")
  expect_notified(r, "*CTO*", at: 0m, kind: "message")
  expect_not_notified(r, "Backup on-call")
  expect_incident(r, "resolved", true)
  expect_status(r, "finished")
}

test "resource exhaustion is scaled up (declared by the triage playbook)" {
  part.detection("yes", 16m, "jane")
  part.investigation()
  assessment(UP, HEALTHY, "", 97)
  then_up()
  tree(2)
  answer("scale_to", "12")
  answer("confirm_scale", "yes")
  verified()
  closed("resource exhaustion")
  let r = run_runbook("p1-service-down.rb", {declared: true, monitor_for: 60m})
  expect_order(r, ["is_deployment", "is_exhaustion", "scale_up", "verify", "close"])
  expect_command(r, "aws ecs update-service * --desired-count 12 *")
  expect_notified(r, "Backup on-call", at: 15m, kind: "page")
  expect_notified(r, "Engineering lead", at: 30m, kind: "message")
  expect_notified(r, "*CTO*", at: 60m, kind: "message")
  expect_status(r, "finished")
}

# The fix holds at first, degrades during the watch: back to the tree, a restart this time.
test "unhealthy tasks are restarted; a fix that does not hold goes back to the tree" {
  start()
  assessment(DOWN, MIXED, "", 40)
  stub_sh("aws ecs describe-services *", stdout: UP, times: 1)
  stub_sh("aws ecs describe-services *", stdout: DOWN, times: 1)
  then_up()
  stub_sh("aws health describe-events *", stdout: "{\"events\": [{\"eventTypeCode\": \"AWS_ECS_OPERATIONAL_ISSUE\"}]}")
  tree(1)
  answer("rollback_to", "backend:41")
  answer("confirm_rollback", "yes")
  verified()
  tree(3)
  answer("confirm_restart", "yes")
  verified()
  closed("unhealthy tasks")
  let r = run_runbook("p1-service-down.rb")
  expect_order(r, ["roll_back", "verify", "is_deployment", "is_exhaustion", "is_infrastructure", "restart", "verify", "close"])
  expect_command(r, "aws ecs update-service * --force-new-deployment *")
  expect_status(r, "finished")
}

test "a third-party outage gets a workaround" {
  start()
  assessment(DOWN, HEALTHY, "", 40)
  then_up()
  tree(4)
  answer("provider", "PayCo")
  for i in range(1, 4) {
    answer("workaround_steps.#{i}", "done")
  }
  verified()
  closed("PayCo")
  let r = run_runbook("p1-service-down.rb")
  expect_order(r, ["is_third_party", "workaround", "verify"])
  expect_no_command(r, "aws ecs update-service *")
  expect_status(r, "finished")
}

# Nothing fits: investigate; escalate; each fix tried from the investigation fails to
# bring the service back within 15 minutes, until the third-party workaround.
test "investigation: escalate, then each finding in turn" {
  start()
  assessment(DOWN, HEALTHY, "", 40)
  stub_sh("aws ecs describe-services *", stdout: DOWN, times: 64)
  then_up()
  tree(0)
  for round in range(4) {
    for i in range(1, 4) {
      answer("diagnostics.#{i}", "done")
    }
  }
  answer("finding", "Still unknown: escalate")
  answer("finding", "Resource exhaustion")
  answer("scale_to", "10")
  answer("confirm_scale", "yes")
  answer("finding", "Unhealthy tasks")
  answer("confirm_restart", "yes")
  answer("finding", "A third-party outage")
  answer("provider", "AuthCo")
  for i in range(1, 4) {
    answer("workaround_steps.#{i}", "done")
  }
  verified()
  closed("AuthCo")
  let r = run_runbook("p1-service-down.rb")
  expect_order(r, ["is_third_party", "investigate", "investigate", "scale_up", "verify", "investigate", "restart",
                   "verify", "investigate", "workaround", "verify", "close"])
  expect_notified(r, "Engineering lead", kind: "message")
  expect_status(r, "finished")
}

# Every gate declined: nothing changes, and the run falls through each response step.
test "declined gates change nothing" {
  part.detection("no", 0m, "jane")
  part.investigation()
  stub_sh("aws ecs describe-services *", exit: 255, stderr: "Unable to locate credentials", times: 1)
  assessment(DOWN, HEALTHY, "", 40)
  then_up()
  tree(1)
  answer("rollback_to", "backend:41")
  answer("confirm_rollback", "no")
  answer("scale_to", "10")
  answer("confirm_scale", "no")
  answer("confirm_restart", "no")
  answer("provider", "none")
  for i in range(1, 4) {
    answer("workaround_steps.#{i}", "n/a")
  }
  verified()
  answer("root_cause", "unknown")
  answer("confirm_resolve", "no")
  let r = run_runbook("p1-service-down.rb")
  expect_order(r, ["roll_back", "scale_up", "restart", "workaround", "verify", "close", "postmortem"])
  expect_no_command(r, "aws ecs update-service *")
  expect_incident(r, "resolved", false)
}

test "a rollback that fails stops the run (its on failure block)" {
  start()
  assessment(DOWN, HEALTHY, "", 40)
  stub_sh("aws ecs update-service * --task-definition *", exit: 1, stderr: "ServiceNotActiveException")
  then_up()
  tree(1)
  answer("rollback_to", "backend:41")
  answer("confirm_rollback", "yes")
  let r = run_runbook("p1-service-down.rb")
  expect_steps(r, ["ack", "declare", "service_status", "targets", "changes", "resources", "scope", "is_deployment",
                   "roll_back"])
  expect_status(r, "failed")
}

# Roll back, restart: neither brings the service back; scaling fails and the responder
# rolls back what was done, newest first.
test "a failed fix is rolled back: the restart, then the rollback" {
  start()
  assessment(DOWN, HEALTHY, "", 40)
  stub_sh("aws ecs describe-services *", stdout: DOWN)
  stub_sh("aws elbv2 describe-target-health *", stdout: HEALTHY)
  stub_sh("aws ecs update-service * --desired-count *", exit: 1, stderr: "AccessDenied")
  stub_sh("aws ecs update-service *")
  stub_sh("aws ecs wait services-stable *")
  tree(0)
  answer("finding", "A bad deployment after all")
  answer("rollback_to", "backend:41")
  answer("confirm_rollback", "yes")
  for round in range(3) {
    for i in range(1, 4) {
      answer("diagnostics.#{i}", "done")
    }
  }
  answer("finding", "Unhealthy tasks")
  answer("confirm_restart", "yes")
  answer("finding", "Resource exhaustion")
  answer("scale_to", "10")
  answer("confirm_scale", "yes")
  answer("Step scale_up failed. What now?", "roll back")
  let r = run_runbook("p1-service-down.rb")
  expect_order(r, ["investigate", "roll_back", "verify", "investigate", "restart", "verify", "investigate", "scale_up"])
  expect_command(r, "aws ecs update-service --cluster prod-cluster --service backend-service --task-definition backend:42 *")
  expect_status(r, "failed")
}

test "scaling is rolled back when the next fix fails" {
  start()
  assessment(DOWN, HEALTHY, "", 40)
  stub_sh("aws ecs describe-services *", stdout: DOWN)
  stub_sh("aws elbv2 describe-target-health *", stdout: HEALTHY)
  stub_sh("aws ecs update-service * --force-new-deployment *", exit: 1, stderr: "AccessDenied")
  stub_sh("aws ecs update-service *")
  stub_sh("aws ecs wait services-stable *")
  tree(2)
  answer("scale_to", "10")
  answer("confirm_scale", "yes")
  for i in range(1, 4) {
    answer("diagnostics.#{i}", "done")
  }
  answer("finding", "Unhealthy tasks")
  answer("confirm_restart", "yes")
  answer("Step restart failed. What now?", "roll back")
  let r = run_runbook("p1-service-down.rb")
  expect_order(r, ["scale_up", "verify", "investigate", "restart"])
  expect_command(r, "aws ecs update-service * --desired-count 4 *")
  expect_status(r, "failed")
}
