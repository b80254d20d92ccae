# Tests of the high-error-rate playbook (runbook test runbooks/): see docs/testing.md.
# The load balancer's metrics, Logs Insights, ECS, SSM, git and the dependency checks are
# stubbed with what the playbook reads.

use "part-answers.rb" as part

# The load balancer's 5xx count over the last 15 minutes, one measurement per value (the
# request count is always 10000, so 1500 is 15%); the last value stays.
fn error_counts(counts) {
  for i in range(len(counts) - 1) {
    stub_sh("aws cloudwatch get-metric-statistics * --metric-name HTTPCode_Target_5XX_Count *",
            stdout: "{\"Datapoints\": [{\"Sum\": #{counts[i]}}]}", times: 1)
  }
  stub_sh("aws cloudwatch get-metric-statistics * --metric-name HTTPCode_Target_5XX_Count *",
          stdout: "{\"Datapoints\": [{\"Sum\": #{counts[len(counts) - 1]}}]}")
  stub_sh("aws cloudwatch get-metric-statistics * --metric-name RequestCount *",
          stdout: "{\"Datapoints\": [{\"Sum\": 6000}, {\"Sum\": 4000}]}")
}

# Logs Insights: the failing endpoints (none when `found` is false).
fn endpoints(found) {
  stub_sh("aws logs start-query *", stdout: "{\"queryId\": \"q-1\"}")
  if found {
    stub_sh("aws logs get-query-results --query-id 'q-1' *",
            stdout: "{\"results\": [[{\"field\": \"endpoint\", \"value\": \"POST /v1/orders\"}, {\"field\": \"errors\", \"value\": \"912\"}]]}")
  } else {
    stub_sh("aws logs get-query-results --query-id 'q-1' *", stdout: "{\"results\": []}")
  }
}

# git log (the commits of the last 2 hours), the service, and the three dependencies.
fn evidence(commits, redis_up) {
  stub_sh("git log --oneline *", stdout: commits)
  stub_sh("aws ecs describe-services *",
          stdout: "{\"services\": [{\"deployments\": [{\"taskDefinition\": \"backend-service:42\"}]}]}")
  stub_sh("pg_isready *", stdout: "accepting connections")
  if redis_up {
    stub_sh("redis-cli *", stdout: "PONG")
  } else {
    stub_sh("redis-cli *", exit: 1, stderr: "Could not connect to Redis")
  }
  stub_sh("curl -fsS --max-time 5 *", stdout: "{\"status\": \"ok\"}")
}

# The commands that changed something (ECS, SSM), as shown.
fn changes(r) {
  let out = []
  for c in r.commands {
    if starts_with(c, "aws ecs update-service") or starts_with(c, "aws ssm put-parameter") {
      push(out, c)
    }
  }
  return out
}

fn filter_cmds(r, prefix) {
  let out = []
  for c in r.commands {
    if starts_with(c, prefix) {
      push(out, c)
    }
  }
  return out
}

fn start(ack, ack_after) {
  part.detection(ack, ack_after, "jane")
  pattern()
}

fn pattern() {
  answer("pattern.1", "n/a")
  answer("pattern.2", "n/a")
  answer("pattern.3", "done")
}

test "a recent deployment is rolled back; the first rollback does not hold, the second does" {
  start("yes", 3m)
  error_counts([1500, 1500, 20])
  endpoints(true)
  evidence("abc123 Faster orders\ndef456 New films page", true)
  stub_sh("aws ecs update-service *")
  stub_sh("aws ecs wait services-stable *")
  answer("cause", "A recent deployment", after: 5m)
  answer("rollback_to", "backend-service:41")
  answer("confirm_rollback", "yes")
  answer("cause", "A recent deployment")
  answer("rollback_to", "backend-service:40")
  answer("confirm_rollback", "yes")
  answer("root_cause", "a bad deployment (backend-service:42)")
  let r = run_runbook("p2-high-error-rate.rb")
  expect_steps(r, ["ack", "declare", "measure", "status_page", "endpoints", "pattern", "changes", "deps", "triage",
                   "roll_back", "verify", "triage", "roll_back", "verify", "announce", "postmortem"])
  expect(changes(r) == [
    "aws ecs update-service --cluster 'prod-cluster' --service 'backend-service' --task-definition 'backend-service:41' --region 'us-east-1'",
    "aws ecs update-service --cluster 'prod-cluster' --service 'backend-service' --task-definition 'backend-service:40' --region 'us-east-1'",
  ], "rolled back twice, to :41 then :40: #{changes(r)}")
  expect(len(filter_cmds(r, "aws cloudwatch get-metric-statistics")) == 6, "the error rate measured three times")
  expect_no_command(r, "aws ecs update-service * --desired-count *")
  expect_notified(r, "Primary on-call", at: 0m, kind: "page")
  expect_not_notified(r, "Backup on-call")
  expect_notified(r, "Engineering lead", at: 30m, kind: "message")
  expect_incident(r, "severity", "P2")
  expect_incident(r, "resolved", true)
  expect_status(r, "finished")
  expect_exit(r, 0)
}

test "not acknowledged: the backup is paged at 15m; a rollback that never stabilises scales up instead" {
  start("no", 1m)
  error_counts([1500, 20])
  endpoints(true)
  evidence("abc123 Faster orders", true)
  stub_sh("aws ecs update-service *")
  stub_sh("aws ecs wait services-stable *", exit: 255, stderr: "Waiter ServicesStable failed: Max attempts exceeded")
  answer("cause", "A recent deployment", after: 4m)
  answer("rollback_to", "backend-service:41")
  answer("confirm_rollback", "yes")
  answer("task_count", "12")
  answer("confirm_scale", "yes")
  answer("root_cause", "a bad deployment")
  let r = run_runbook("p2-high-error-rate.rb")
  expect_steps(r, ["ack", "declare", "measure", "status_page", "endpoints", "pattern", "changes", "deps", "triage",
                   "roll_back", "scale_up", "verify", "announce", "postmortem"])
  expect_order(r, ["roll_back", "scale_up"])
  expect_command(r, "aws ecs update-service * --task-definition backend-service:41 *")
  expect_command(r, "aws ecs update-service --cluster prod-cluster --service backend-service --desired-count 12 --region us-east-1")
  expect_notified(r, "Primary on-call", at: 0m, kind: "page")
  expect_notified(r, "Backup on-call", at: 15m, kind: "page")
  expect_notified(r, "Engineering lead", at: 30m, kind: "message")
  expect_incident(r, "resolved", true)
  expect_status(r, "finished")
}

test "every request fails: raised to P1; the rollback declined, scaled up instead" {
  start("yes", 2m)
  error_counts([10000, 20])
  endpoints(true)
  evidence("", true)
  stub_sh("aws ecs update-service *")
  answer("cause", "A recent deployment")
  answer("rollback_to", "backend-service:41")
  answer("confirm_rollback", "no")
  answer("task_count", "16")
  answer("confirm_scale", "yes")
  answer("root_cause", "load")
  let r = run_runbook("p2-high-error-rate.rb")
  expect_steps(r, ["ack", "declare", "measure", "status_page", "endpoints", "pattern", "changes", "deps", "triage",
                   "roll_back", "scale_up", "verify", "announce", "postmortem"])
  expect_no_command(r, "aws ecs update-service * --task-definition *")
  expect_no_command(r, "aws ecs wait *")
  expect_command(r, "aws ecs update-service * --desired-count 16 *")
  expect_incident(r, "severity", "P1")
  expect_incident(r, "resolved", true)
  expect_status(r, "finished")
}

test "Redis down, no metrics, no failing endpoint: the circuit breaker; the status page overdue at 30m" {
  part.detection("yes", 35m, "jane")
  pattern()
  stub_sh("aws cloudwatch get-metric-statistics *", exit: 255, stderr: "AccessDenied")
  endpoints(false)
  evidence("abc123 Faster orders", false)
  stub_sh("aws ssm put-parameter *")
  answer("cause", "A failing dependency")
  answer("breaker_flag", "circuit-breaker-payments")
  answer("confirm_breaker", "yes")
  answer("root_cause", "Redis down")
  let r = run_runbook("p2-high-error-rate.rb")
  expect_steps(r, ["ack", "declare", "measure", "status_page", "endpoints", "pattern", "changes", "deps", "triage",
                   "circuit_breaker", "verify", "announce", "postmortem"])
  expect_command(r, "aws ssm put-parameter --name /prod/flags/circuit-breaker-payments --value on *")
  expect_no_command(r, "aws ssm put-parameter * --value off *")
  expect_notified(r, "Backup on-call", at: 15m, kind: "page")
  expect_notified(r, "Customer support", at: 30m)
  expect_incident(r, "resolved", true)
  expect_status(r, "finished")
}

test "nothing found: monitoring added and escalated once, then a resource constraint" {
  start("yes", 1m)
  error_counts([500, 500, 20])
  endpoints(true)
  evidence("", true)
  stub_sh("aws ecs update-service *")
  answer("cause", "Nothing we can see yet")
  for i in range(1, 4) {
    answer("monitoring.#{i}", "done")
  }
  answer("escalate_now", "yes")
  answer("cause", "Nothing we can see yet")
  for i in range(1, 4) {
    answer("monitoring.#{i}", "done")
  }
  answer("escalate_now", "no")
  answer("cause", "A resource constraint")
  answer("task_count", "10")
  answer("confirm_scale", "yes")
  answer("root_cause", "load")
  let r = run_runbook("p2-high-error-rate.rb")
  expect_steps(r, ["ack", "declare", "measure", "status_page", "endpoints", "pattern", "changes", "deps", "triage",
                   "monitor_cause", "triage", "monitor_cause", "triage", "scale_up", "verify", "announce", "postmortem"])
  expect_command(r, "aws ecs update-service --cluster prod-cluster --service backend-service --desired-count 10 --region us-east-1")
  expect_notified(r, "Engineering lead", at: 1m, kind: "message")
  expect_incident(r, "resolved", true)
  expect_status(r, "finished")
}

test "declined gates: neither scaling nor the circuit breaker, monitoring instead; then scaled" {
  start("yes", 1m)
  error_counts([1500, 20])
  endpoints(true)
  evidence("", true)
  stub_sh("aws ecs update-service *")
  answer("cause", "A resource constraint")
  answer("task_count", "10")
  answer("confirm_scale", "no")
  answer("breaker_flag", "circuit-breaker-payments")
  answer("confirm_breaker", "no")
  for i in range(1, 4) {
    answer("monitoring.#{i}", "n/a")
  }
  answer("escalate_now", "no")
  answer("cause", "A resource constraint")
  answer("task_count", "8")
  answer("confirm_scale", "yes")
  answer("root_cause", "load")
  let r = run_runbook("p2-high-error-rate.rb")
  expect_steps(r, ["ack", "declare", "measure", "status_page", "endpoints", "pattern", "changes", "deps", "triage",
                   "scale_up", "circuit_breaker", "monitor_cause", "triage", "scale_up", "verify", "announce", "postmortem"])
  expect(changes(r) == ["aws ecs update-service --cluster 'prod-cluster' --service 'backend-service' --desired-count '8' --region 'us-east-1'"],
         "only the second, accepted scale-up changed anything: #{changes(r)}")
  expect_no_command(r, "aws ssm put-parameter *")
  for n in r.notifications {
    if n.to == "Engineering lead" {
      expect(n.minute >= 30, "the engineering lead not told before the 30m rung (escalation declined): minute #{n.minute}")
    }
  }
  expect_status(r, "finished")
}

test "the circuit breaker does not help, the scale-up fails: the flag is rolled back" {
  start("yes", 1m)
  error_counts([1500])
  endpoints(true)
  evidence("", false)
  stub_sh("aws ssm put-parameter *")
  stub_sh("aws ecs update-service *", exit: 1, stderr: "AccessDenied")
  answer("cause", "A failing dependency")
  answer("breaker_flag", "circuit-breaker-payments")
  answer("confirm_breaker", "yes")
  answer("cause", "A resource constraint")
  answer("task_count", "10")
  answer("confirm_scale", "yes")
  answer("Step scale_up failed. What now?", "roll back")
  let r = run_runbook("p2-high-error-rate.rb")
  expect_steps(r, ["ack", "declare", "measure", "status_page", "endpoints", "pattern", "changes", "deps", "triage",
                   "circuit_breaker", "verify", "triage", "scale_up"])
  expect(changes(r) == [
    "aws ssm put-parameter --name /prod/flags/'circuit-breaker-payments' --value on --type String --overwrite --region 'us-east-1'",
    "aws ecs update-service --cluster 'prod-cluster' --service 'backend-service' --desired-count '10' --region 'us-east-1'",
    "aws ssm put-parameter --name /prod/flags/'circuit-breaker-payments' --value off --type String --overwrite --region 'us-east-1'",
  ], "the flag on, the failed scale-up, the flag off again: #{changes(r)}")
  expect_incident(r, "resolved", false)
  expect_status(r, "failed")
}

test "declared and acknowledged before the playbook runs: no acknowledgement or commander question" {
  error_counts([1500, 20])
  endpoints(true)
  evidence("", true)
  stub_sh("aws ecs update-service *")
  pattern()
  answer("cause", "A resource constraint")
  answer("task_count", "8")
  answer("confirm_scale", "yes")
  answer("root_cause", "load")
  let r = run_runbook("../tests/handbook/declared-p2.rb")
  expect_order(r, ["triage", "ack", "declare", "measure", "scale_up", "verify", "postmortem"])
  for a in r.answers {
    expect(a.question != "Is the alert acknowledged in the paging tool?", "no acknowledgement question")
    expect(a.question != "Who is the incident commander?", "no commander question")
  }
  expect_incident(r, "commander", "maria")
  expect_status(r, "finished")
}
