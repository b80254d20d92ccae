# Tests of the database-down playbook (runbook test runbooks/): see docs/testing.md.
# The AWS CLI and pg_isready are stubbed with the JSON the playbook reads.

use "part-answers.rb" as part

fn instance(status) {
  return "{\"DBInstances\": [{\"DBInstanceStatus\": \"#{status}\", \"MultiAZ\": true, \"AvailabilityZone\": \"us-east-1a\", \"SecondaryAvailabilityZone\": \"us-east-1b\", \"Endpoint\": {\"Address\": \"db.internal\", \"Port\": 5432}}]}"
}

# The assessment: the instance's status at first (then available), its events, the pool.
fn assessment(first_status, events, pool_lines) {
  stub_sh("aws rds describe-db-instances --db-instance-identifier 'prod-db' *", stdout: instance(first_status), times: 1)
  stub_sh("aws rds describe-events *", stdout: "{\"Events\": [#{events}]}")
  stub_sh("aws logs tail *", stdout: pool_lines)
  stub_sh("aws cloudwatch get-metric-statistics *", stdout: "{\"Datapoints\": [{\"Maximum\": 95}, {\"Maximum\": 120}]}")
}

# The database is healthy from then on; the ECS and RDS changes succeed.
fn healthy_after() {
  stub_sh("aws rds describe-db-instances *", stdout: instance("available"))
  stub_sh("pg_isready *", stdout: "accepting connections")
  stub_sh("aws ecs *")
  stub_sh("aws rds modify-db-instance *")
  stub_sh("aws rds failover-db-instance *")
  stub_sh("aws health describe-events *", stdout: "{\"events\": []}")
}

fn start(ack_after) {
  part.detection("yes", ack_after, "jane")
  part.investigation()
}

fn verified(root_cause) {
  answer("All monitoring metrics back to normal", "done")
  answer("Error rates below threshold", "done")
  answer("No new related issues", "done")
  answer("root_cause", root_cause)
}

test "connection pool exhausted: restart the backend, verify, resolve" {
  start(4m)
  assessment("available", "", "connection pool exhausted\nconnection pool exhausted")
  healthy_after()
  answer("failure_mode", "Connection pool exhausted")
  answer("Force a new deployment of backend-service?", "yes")
  verified("connection pool exhaustion")
  let r = run_runbook("p1-database-down.rb")
  expect_steps(r, ["ack", "declare", "rds", "events", "pool", "scope", "triage", "restart", "verify", "announce", "postmortem"])
  expect_command(r, "aws ecs update-service --cluster prod-cluster --service backend-service --force-new-deployment *")
  expect_notified(r, "Primary on-call", at: 0m, kind: "page")
  expect_notified(r, "Engineering lead", at: 0m, kind: "message")
  expect_notified(r, "*CTO*", at: 0m, kind: "message")
  expect_not_notified(r, "Backup on-call")
  expect_notified(r, "Engineering lead", at: 30m, kind: "message")
  expect_incident(r, "resolved", true)
  expect_status(r, "finished")
}

test "a failover in progress completes on its own" {
  start(1m)
  assessment("available", "{\"Date\": \"2026-01-01T00:00:00Z\", \"Message\": \"DB instance restarted\"}, {\"Message\": \"Multi-AZ instance failover started\"}", "")
  healthy_after()
  answer("failure_mode", "Multi-AZ failover in progress")
  verified("a Multi-AZ failover")
  let r = run_runbook("p1-database-down.rb", {monitor_for: 65m})
  expect_order(r, ["triage", "wait_failover", "verify"])
  expect_no_step(r, "failover")
  expect_notified(r, "*CTO*", at: 60m, kind: "message")
  expect_status(r, "finished")
}

test "a failover that does not complete in 3 minutes is forced by hand" {
  start(1m)
  assessment("failed", "{\"Message\": \"Multi-AZ instance failover started\"}, {\"Message\": \"Multi-AZ instance failover completed\"}", "")
  stub_sh("aws rds describe-db-instances *", stdout: instance("rebooting"), times: 25)
  healthy_after()
  answer("failure_mode", "Multi-AZ failover in progress")
  answer("Fail over prod-db now?", "yes")
  verified("a failed instance")
  let r = run_runbook("p1-database-down.rb")
  expect_order(r, ["triage", "wait_failover", "failover", "verify", "announce"])
  expect_command(r, "aws rds failover-db-instance --db-instance-identifier 'prod-db' *")
  expect_status(r, "finished")
}

test "a recent deployment is rolled back; declared by the triage playbook" {
  part.detection("yes", 16m, "jane")
  part.investigation()
  assessment("available", "", "")
  healthy_after()
  answer("failure_mode", "A recent deployment or migration")
  answer("rollback_to", "backend:41")
  answer("confirm_rollback", "yes")
  verified("a bad migration")
  let r = run_runbook("p1-database-down.rb", {declared: true})
  expect_order(r, ["triage", "roll_back", "verify"])
  expect_command(r, "aws ecs update-service * --task-definition 'backend:41' *")
  expect_notified(r, "Backup on-call", at: 15m, kind: "page")
  expect_status(r, "finished")
}

test "out of capacity: scale the instance up" {
  start(1m)
  assessment("storage-full", "", "")
  healthy_after()
  answer("failure_mode", "Database out of CPU, memory or storage")
  answer("instance_class", "db.r6g.4xlarge")
  answer("confirm_scale_db", "yes")
  verified("storage")
  let r = run_runbook("p1-database-down.rb")
  expect_command(r, "aws rds modify-db-instance --db-instance-identifier 'prod-db' --db-instance-class 'db.r6g.4xlarge' *")
  expect_order(r, ["scale_db", "verify"])
  expect_status(r, "finished")
}

test "an AWS service event: the workaround checklist" {
  start(1m)
  assessment("available", "", "")
  healthy_after()
  answer("failure_mode", "An AWS service event")
  for i in range(1, 4) {
    answer("aws_event_steps.#{i}", "done")
  }
  verified("an AWS event")
  let r = run_runbook("p1-database-down.rb")
  expect_order(r, ["aws_event", "verify"])
  expect_command(r, "aws health describe-events *")
  expect_status(r, "finished")
}

# The describe call fails: the playbook warns and goes on; every gate is then declined,
# so the run falls through each response step to verify without changing anything.
test "declined gates change nothing; an AWS CLI failure is only a warning" {
  part.detection("no", 0m, "jane")
  part.investigation()
  stub_sh("aws rds describe-db-instances --db-instance-identifier 'prod-db' *", exit: 255, stderr: "Unable to locate credentials", times: 1)
  assessment("available", "", "")
  healthy_after()
  answer("failure_mode", "Connection pool exhausted")
  answer("Force a new deployment of backend-service?", "no")
  answer("rollback_to", "backend:41")
  answer("confirm_rollback", "no")
  answer("instance_class", "db.r6g.2xlarge")
  answer("confirm_scale_db", "no")
  for i in range(1, 4) {
    answer("aws_event_steps.#{i}", "n/a")
  }
  verified("unknown")
  let r = run_runbook("p1-database-down.rb")
  expect_order(r, ["restart", "roll_back", "scale_db", "aws_event", "verify"])
  expect_no_command(r, "aws ecs update-service *")
  expect_no_command(r, "aws rds modify-db-instance *")
  expect_status(r, "finished")
}

test "declined manual failover and restore fall through to verify" {
  start(1m)
  assessment("failed", "", "")
  healthy_after()
  answer("failure_mode", "Instance failed")
  answer("Fail over prod-db now?", "no")
  answer("snapshot", "rds:prod-db-2026-01-01")
  answer("restored_db", "prod-db-restored")
  answer("confirm_restore", "no")
  stub_sh("aws rds describe-db-snapshots *", stdout: "{\"DBSnapshots\": []}")
  verified("unknown")
  let r = run_runbook("p1-database-down.rb")
  expect_order(r, ["failover", "restore", "verify"])
  expect_no_command(r, "aws rds failover-db-instance *")
  expect_no_command(r, "aws rds restore-db-instance-from-db-snapshot *")
  expect_status(r, "finished")
}

# The restart does not bring the database back; a restore does, but the restored instance
# drops again; scaling the original times out and the responder rolls everything back.
test "a failed recovery is rolled back, newest step first" {
  start(1m)
  assessment("available", "", "pool")
  stub_sh("aws rds describe-db-instances --db-instance-identifier 'prod-db-restored' *", stdout: instance("available"), times: 1)
  stub_sh("aws rds describe-db-instances *", stdout: instance("stopped"))
  stub_sh("pg_isready *")
  stub_sh("aws ecs *")
  stub_sh("aws rds modify-db-instance *")
  stub_sh("aws rds restore-db-instance-from-db-snapshot *")
  stub_sh("aws rds delete-db-instance *")
  stub_sh("aws rds describe-db-snapshots *", stdout: "{\"DBSnapshots\": [{\"DBSnapshotIdentifier\": \"snap-1\", \"SnapshotCreateTime\": \"2025-12-31T00:00:00Z\"}, {\"DBSnapshotIdentifier\": \"snap-2\", \"SnapshotCreateTime\": \"2025-12-31T12:00:00Z\"}, {\"DBSnapshotIdentifier\": \"snap-0\", \"SnapshotCreateTime\": \"2025-12-30T00:00:00Z\"}]}")
  answer("failure_mode", "Connection pool exhausted")
  answer("Force a new deployment of backend-service?", "yes")
  answer("failure_mode", "Complete failure: the instance cannot recover")
  answer("snapshot", "snap-2")
  answer("restored_db", "prod-db-restored")
  answer("confirm_restore", "yes")
  answer("cutover.1", "done")
  answer("cutover.2", "done")
  answer("failure_mode", "Database out of CPU, memory or storage")
  answer("instance_class", "db.r6g.4xlarge")
  answer("confirm_scale_db", "yes")
  answer("Step scale_db failed. What now?", "roll back")
  let r = run_runbook("p1-database-down.rb")
  expect_order(r, ["restart", "verify", "triage", "restore", "verify", "triage", "scale_db"])
  expect_command(r, "aws rds restore-db-instance-from-db-snapshot --db-instance-identifier 'prod-db-restored' --db-snapshot-identifier 'snap-2' *")
  expect_command(r, "aws rds delete-db-instance --db-instance-identifier 'prod-db-restored' *")
  expect_incident(r, "resolved", false)
}
