# Tests of the monthly review (runbook test runbooks/): see docs/testing.md.  CloudTrail,
# S3, AWS Backup, CloudWatch and `runbook stats`/`runbook runs` are stubbed with what the
# review reads; each problem is a finding, an action item, and #ops-alerts hears of them.

fn trail(names) {
  let events = []
  for i in range(len(names)) {
    push(events, "{\"EventName\": \"#{names[i]}\", \"EventTime\": \"2025-12-2#{i}T10:00:00+00:00\"}")
  }
  stub_sh("aws cloudtrail lookup-events *", stdout: "{\"Events\": [#{join(events, ", ")}]}")
}

# The bucket's lifecycle: an enabled expiration after `days`, and a disabled one after 30.
fn lifecycle(days) {
  stub_sh("aws s3api get-bucket-lifecycle-configuration *",
          stdout: "{\"Rules\": [{\"Status\": \"Disabled\", \"Expiration\": {\"Days\": 30}}, {\"Status\": \"Enabled\", \"Expiration\": {\"Days\": #{days}}}]}")
}

# Two recovery points: the newest (at, status) and one a day older.
fn backups(at, status) {
  stub_sh("aws backup list-recovery-points-by-backup-vault *",
          stdout: "{\"RecoveryPoints\": [{\"CreationDate\": \"#{at}\", \"Status\": \"#{status}\"}, {\"CreationDate\": \"2025-12-01T03:00:00+00:00\", \"Status\": \"COMPLETED\"}]}")
}

fn database(throttled, cpu) {
  stub_sh("aws cloudwatch get-metric-statistics --namespace AWS/DynamoDB *", stdout: "{\"Datapoints\": [{\"Sum\": #{throttled}}]}")
  stub_sh("aws cloudwatch get-metric-statistics --namespace AWS/RDS *", stdout: "{\"Datapoints\": [{\"Maximum\": 40}, {\"Maximum\": #{cpu}}]}")
}

# `runbook stats` with one KPI (verdict) and `runbook runs` (a JSON list).
fn history(verdict, runs) {
  stub_sh("runbook stats --since 30d --format json",
          stdout: "{\"incidents\": 3, \"kpis\": [{\"name\": \"time to acknowledge\", \"target\": \"5m\", \"verdict\": \"#{verdict}\"}]}")
  stub_sh("runbook runs --format json", stdout: runs)
}

let STEPS = ["logs", "retention", "backups", "database", "metrics", "report"]

test "nothing to follow up: the P4 incidents listed for the review, nobody told" {
  trail(["ConsoleLogin", "DescribeInstances"])
  lifecycle(400)
  backups("2025-12-31T03:00:00+00:00", "COMPLETED")
  database(0, 55)
  history("met", "[{\"severity\": \"P4\", \"incident\": \"INC-7\", \"title\": \"Disk 80% full\"}, {\"severity\": \"P2\", \"incident\": \"INC-8\", \"title\": \"Errors\"}]")
  let r = run_runbook("monthly-review.rb")
  expect_steps(r, STEPS)
  expect(len(r.commands) == 7, "seven read-only commands: #{len(r.commands)}")
  expect_command(r, "runbook stats --since 30d --format json")
  expect_not_notified(r, "*")
  expect_status(r, "finished")
  expect_exit(r, 0)
}

test "findings: sensitive API calls, short retention, a failed backup, throttling, hot CPU, a missed KPI" {
  trail(["ConsoleLogin", "CreateUser", "StopLogging"])
  lifecycle(90)
  backups("2025-12-31T03:00:00+00:00", "FAILED")
  database(5, 97)
  history("missed", "[]")
  answer("Step report failed. What now?", "abort")
  let r = run_runbook("monthly-review.rb")
  expect_steps(r, STEPS)
  expect_notified(r, "#ops-alerts", at: 0m, kind: "message")
  expect_not_notified(r, "Primary on-call")
  expect_status(r, "aborted")
  expect(r.exit != 0, "findings are a non-zero exit (#{r.exit})")
}

test "nothing answers: every part of the review that could not be done is a finding" {
  stub_sh("aws cloudtrail lookup-events *", exit: 255, stderr: "AccessDenied")
  stub_sh("aws s3api get-bucket-lifecycle-configuration *", exit: 255, stderr: "NoSuchLifecycleConfiguration")
  stub_sh("aws backup list-recovery-points-by-backup-vault *", exit: 255, stderr: "AccessDenied")
  stub_sh("aws cloudwatch get-metric-statistics *", exit: 255, stderr: "AccessDenied")
  stub_sh("runbook *", exit: 127, stderr: "runbook: not found")
  answer("Step report failed. What now?", "abort")
  let r = run_runbook("monthly-review.rb")
  expect_steps(r, STEPS)
  expect_notified(r, "#ops-alerts", kind: "message")
  expect_status(r, "aborted")
}

test "a backup older than 26 hours is the only finding" {
  trail([])
  lifecycle(365)
  backups("2025-12-29T03:00:00+00:00", "COMPLETED")
  database(0, 20)
  history("met", "[]")
  answer("Step report failed. What now?", "abort")
  let r = run_runbook("monthly-review.rb")
  expect_steps(r, STEPS)
  expect_notified(r, "#ops-alerts", kind: "message")
  expect_status(r, "aborted")
}
