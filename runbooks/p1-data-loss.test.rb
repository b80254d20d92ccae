# Tests of the data-loss playbook (runbook test runbooks/): see docs/testing.md.
# The AWS CLI is stubbed with the JSON the playbook reads.  Stubs are tried in the order
# written, so each test's particular ones come before common_stubs().

use "part-answers.rb" as part

let LOSS = "2025-12-31T23:30:00Z"

fn common_stubs() {
  stub_sh("aws ecs describe-services *", stdout: "{\"services\": [{\"desiredCount\": 4}]}")
  stub_sh("aws ecs update-service *")
  stub_sh("aws ecs wait services-stable *")
  stub_sh("aws rds describe-db-instances *", stdout: "{\"DBInstances\": [{\"DBInstanceStatus\": \"available\", \"BackupRetentionPeriod\": 7, \"LatestRestorableTime\": \"2026-01-01T00:00:00Z\"}]}")
  stub_sh("aws rds modify-db-instance *")
  stub_sh("aws rds restore-db-instance-to-point-in-time *")
  stub_sh("aws rds delete-db-instance *")
  stub_sh("aws s3api get-bucket-versioning *", stdout: "{\"Status\": \"Enabled\"}")
  stub_sh("aws s3api list-object-versions *", stdout: "{}")
  stub_sh("aws s3api copy-object *")
}

# Two objects deleted after the loss began (one has no earlier version), one before it.
let LISTING = "{\"DeleteMarkers\": [{\"Key\": \"r/a.csv\", \"IsLatest\": true, \"LastModified\": \"2025-12-31T23:45:00Z\"}, {\"Key\": \"r/b.csv\", \"IsLatest\": true, \"LastModified\": \"2025-12-31T23:50:00Z\"}, {\"Key\": \"r/old.csv\", \"IsLatest\": true, \"LastModified\": \"2025-12-01T00:00:00Z\"}], \"Versions\": [{\"Key\": \"r/a.csv\", \"VersionId\": \"v1\", \"LastModified\": \"2025-12-30T00:00:00Z\"}, {\"Key\": \"r/a.csv\", \"VersionId\": \"v2\", \"LastModified\": \"2025-12-31T00:00:00Z\"}, {\"Key\": \"r/a.csv\", \"VersionId\": \"v0\", \"LastModified\": \"2025-12-29T00:00:00Z\"}, {\"Key\": \"r/other.csv\", \"VersionId\": \"x\", \"LastModified\": \"2025-12-31T00:00:00Z\"}]}"

fn start(affected) {
  part.detection("yes", 2m, "jane")
  answer("affected", affected)
}

fn scope(cause) {
  answer("loss_started", LOSS)
  answer("which_data", "orders")
  answer("users_impacted", "120")
  answer("cause", cause)
}

fn validated(first) {
  answer("validation.1", first)
  answer("validation.2", "done")
  answer("validation.3", "n/a")
}

fn closed() {
  for i in range(1, 4) {
    answer("verification.#{i}", "done")
  }
  answer("confirm_resolve", "yes")
}

test "the database: writers scaled to 0, a point-in-time restore, rows copied back" {
  db_restored_and_copied_back()
  validated("not done")
  answer("confirm_resume", "yes")
  closed()
  stub_sh("check-orders *", stdout: "consistent")
  common_stubs()
  let r = run_runbook("p1-data-loss.rb", {validate_cmd: "check-orders --since 2025-12-31"})
  expect_steps(r, ["ack", "declare", "affected", "stop_writes", "protect_backups", "scope", "cause", "restore_db",
                   "restore_s3", "validate", "resume_writes", "verify", "close", "postmortem"])
  expect_command(r, "aws ecs update-service * --desired-count 0 *")
  expect_command(r, "aws rds restore-db-instance-to-point-in-time --source-db-instance-identifier prod-db --target-db-instance-identifier prod-db-restored --restore-time 2025-12-31T23:25:00Z *")
  expect_command(r, "aws ecs update-service * --desired-count 4 *")
  expect_no_command(r, "aws s3api *")
  expect_notified(r, "Primary on-call", at: 0m, kind: "page")
  expect_not_notified(r, "Security lead")
  expect_incident(r, "resolved", true)
  expect_status(r, "finished")
}

test "S3: read-only mode, deleted objects restored from their versions" {
  start("Objects in S3")
  answer("stop_how", "Read-only mode (feature flag or maintenance switch)")
  answer("confirm_read_only", "yes")
  answer("bucket", "prod-reports")
  scope("An application bug")
  answer("prefix", "")
  answer("confirm_restore_s3", "yes")
  validated("done")
  answer("confirm_resume", "yes")
  closed()
  stub_sh("aws s3api get-bucket-versioning *", stdout: "{\"Status\": \"Suspended\"}")
  stub_sh("aws s3api list-object-versions *", stdout: LISTING)
  common_stubs()
  let r = run_runbook("p1-data-loss.rb")
  expect_command(r, "aws s3api copy-object --copy-source prod-reports/r/a.csv?versionId=v2 *")
  expect(len(r.commands) == 4, "describe, versioning, list, one copy (r/b.csv has no version): #{r.commands}")
  expect_no_command(r, "aws rds *")
  expect_status(r, "finished")
}

test "both, malicious: security paged, the restored copy promoted (declared by triage)" {
  part.detection("yes", 16m, "jane")
  answer("affected", "Both")
  answer("stop_how", "Scale the writing service to 0 tasks")
  answer("confirm_stop_writers", "yes")
  answer("confirm_retention", "yes")
  scope("Malicious activity")
  answer("restore_time", "2026-01-01T00:10:00Z")
  answer("confirm_restore_db", "yes")
  answer("recover_how", "Promote the restored instance")
  answer("promote.1", "done")
  answer("promote.2", "done")
  validated("done")
  answer("confirm_resume", "no")
  closed()
  common_stubs()
  let r = run_runbook("p1-data-loss.rb", {bucket: "prod-reports", prefix: "r/", restored_db: "prod-db-copy",
                      declared: true, monitor_for: 60m})
  expect_notified(r, "Security lead", kind: "page")
  expect_notified(r, "Backup on-call", at: 15m, kind: "page")
  expect_notified(r, "Engineering lead", at: 30m, kind: "message")
  expect_notified(r, "*CTO*", at: 60m, kind: "message")
  expect_command(r, "aws rds restore-db-instance-to-point-in-time * --target-db-instance-identifier prod-db-copy *")
  expect_no_command(r, "aws s3api copy-object *")
  expect_status(r, "finished")
}

# Writes cannot be stopped; every gate is then declined: nothing is changed.
test "writes that cannot be stopped, and declined gates" {
  part.detection("no", 0m, "jane")
  answer("affected", "Both")
  answer("stop_how", "Writes cannot be stopped")
  answer("confirm_retention", "no")
  scope("Infrastructure failure")
  answer("restore_time", "2025-12-31T23:25:00Z")
  answer("confirm_restore_db", "no")
  answer("prefix", "r/")
  answer("confirm_restore_s3", "no")
  validated("done")
  for i in range(1, 4) {
    answer("verification.#{i}", "done")
  }
  answer("confirm_resolve", "no")
  stub_sh("aws ecs describe-services *", exit: 255, stderr: "AccessDenied")
  stub_sh("aws s3api list-object-versions *", stdout: LISTING)
  common_stubs()
  let r = run_runbook("p1-data-loss.rb")
  expect_notified(r, "Engineering lead", kind: "message")
  expect_no_command(r, "aws ecs update-service *")
  expect_no_command(r, "aws rds modify-db-instance *")
  expect_no_command(r, "aws rds restore-db-instance-to-point-in-time *")
  expect_no_command(r, "aws s3api copy-object *")
  expect_incident(r, "resolved", false)
}

test "scaling the writers to 0 declined" {
  start("The database (RDS)")
  answer("stop_how", "Scale the writing service to 0 tasks")
  answer("confirm_stop_writers", "no")
  common_stubs()
  let r = run_runbook("p1-data-loss.rb", stop_at: "protect_backups")
  expect_no_command(r, "aws ecs update-service *")
  expect_steps(r, ["ack", "declare", "affected", "stop_writes", "protect_backups"])
}

test "read-only mode declined" {
  start("Objects in S3")
  answer("stop_how", "Read-only mode (feature flag or maintenance switch)")
  answer("confirm_read_only", "no")
  common_stubs()
  let r = run_runbook("p1-data-loss.rb", stop_at: "protect_backups")
  expect_steps(r, ["ack", "declare", "affected", "stop_writes", "protect_backups"])
}

# The integrity check fails: writes stay stopped, the responder rolls back the restored
# copy and the scaling.
test "a failed integrity check rolls back the restore and the scaling" {
  db_restored_and_copied_back()
  answer("Step validate failed. What now?", "roll back")
  stub_sh("check-orders", exit: 3, stdout: "3 orders differ")
  common_stubs()
  let r = run_runbook("p1-data-loss.rb", {validate_cmd: "check-orders"})
  expect_command(r, "aws rds delete-db-instance --db-instance-identifier prod-db-restored *")
  expect_command(r, "aws ecs update-service * --desired-count 4 *")
  expect_no_step(r, "resume_writes")
  expect_status(r, "failed")
}

# An S3 restore that fails: read-only mode needs no rollback.
test "a failed S3 restore is rolled back (read-only mode needs nothing)" {
  start("Objects in S3")
  answer("stop_how", "Read-only mode (feature flag or maintenance switch)")
  answer("confirm_read_only", "yes")
  scope("An application bug")
  answer("confirm_restore_s3", "yes")
  answer("Step restore_s3 failed. What now?", "roll back")
  stub_sh("aws s3api list-object-versions *", stdout: LISTING)
  stub_sh("aws s3api copy-object *", exit: 254, stderr: "AccessDenied")
  common_stubs()
  let r = run_runbook("p1-data-loss.rb", {bucket: "prod-reports", prefix: "r/"})
  expect_no_command(r, "aws ecs update-service *")
  expect_status(r, "failed")
}

test "read-only mode not yet switched off when the incident closes" {
  start("Objects in S3")
  answer("stop_how", "Read-only mode (feature flag or maintenance switch)")
  answer("confirm_read_only", "yes")
  scope("An application bug")
  validated("done")
  answer("confirm_resume", "no")
  closed()
  common_stubs()
  let r = run_runbook("p1-data-loss.rb", {bucket: "prod-reports", prefix: "r/"})
  expect_no_command(r, "aws s3api copy-object *")
  expect_status(r, "finished")
}

# The database case up to validation: writers scaled to 0, retention confirmed, a recent
# migration, a point-in-time restore, the lost rows copied back.
fn db_restored_and_copied_back() {
  start("The database (RDS)")
  answer("stop_how", "Scale the writing service to 0 tasks")
  answer("confirm_stop_writers", "yes")
  answer("confirm_retention", "yes")
  scope("A recent migration")
  answer("restore_time", "2025-12-31T23:25:00Z")
  answer("confirm_restore_db", "yes")
  answer("recover_how", "Copy the lost rows back into production")
  answer("copy_back.1", "done")
  answer("copy_back.2", "done")
}
