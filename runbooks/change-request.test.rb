# Tests of the change request (runbook test runbooks/): see docs/testing.md.  CodePipeline
# and the health checks are stubbed.
#
# The approvals are scripted like a second person's: answer("approve_change", "approve",
# by: "alice", after: 20m) is alice approving 20 minutes in (a rejection takes a reason:).
# Some tests start an approved change at its staging step (start_at:) to keep to the
# deployment's decisions.

fn request(window_after) {
  answer("requester", "dana")
  answer("reason", "a new menu option")
  answer("window", "Saturday 06:00 UTC", after: window_after)
  for i in range(1, 5) {
    answer("impact.#{i}", "done")
  }
}

# Production's recent executions: a failed one, then the one to roll back to.
fn history() {
  stub_sh("aws codepipeline list-pipeline-executions *",
          stdout: "{\"pipelineExecutionSummaries\": [{\"pipelineExecutionId\": \"exec-bad\", \"status\": \"Failed\"}, {\"pipelineExecutionId\": \"exec-prev\", \"status\": \"Succeeded\"}, {\"pipelineExecutionId\": \"exec-old\", \"status\": \"Succeeded\"}]}")
}

# A pipeline: started (or not), in progress once, then `result`.
fn pipeline(name, starts, result) {
  if starts {
    stub_sh("aws codepipeline start-pipeline-execution --name '#{name}' *", stdout: "{\"pipelineExecutionId\": \"#{name}-1\"}")
  } else {
    stub_sh("aws codepipeline start-pipeline-execution --name '#{name}' *", exit: 255, stderr: "PipelineNotFoundException")
  }
  stub_sh("aws codepipeline get-pipeline-execution --pipeline-name '#{name}' *",
          stdout: "{\"pipelineExecution\": {\"status\": \"InProgress\"}}", times: 1)
  stub_sh("aws codepipeline get-pipeline-execution --pipeline-name '#{name}' *",
          stdout: "{\"pipelineExecution\": {\"status\": \"#{result}\"}}")
}

fn health(url_part, up) {
  if up {
    stub_sh("curl -fsS --max-time 10 --retry 3 *#{url_part}*", stdout: "ok")
  } else {
    stub_sh("curl -fsS --max-time 10 --retry 3 *#{url_part}*", exit: 22, stderr: "The requested URL returned error: 503")
  }
}

fn starts(r) {
  let out = []
  for c in r.commands {
    if starts_with(c, "aws codepipeline start-pipeline-execution") or starts_with(c, "aws codepipeline rollback-stage") {
      push(out, c)
    }
  }
  return out
}

let START_STAGING = "aws codepipeline start-pipeline-execution --name 'connect-staging' --region 'us-east-1'"
let START_PROD = "aws codepipeline start-pipeline-execution --name 'connect-prod' --region 'us-east-1'"

test "no decision on the approval in time: the rungs left fire at once, closed without approval, nothing deployed" {
  request(0m)
  history()
  answer("risk", "Medium")
  let r = run_runbook("change-request.rb", {approval_timeout: "1s"})
  expect_steps(r, ["request", "impact", "approval", "not_approved"])
  expect_no_command(r, "aws codepipeline start-pipeline-execution *")
  expect_notified(r, "Change approver", at: 0m, kind: "message")
  expect_notified(r, "Engineering lead", at: 0m, kind: "message")
  expect(len(r.notifications) == 4, "asked; the reminder and the engineering lead at once (the timeout escalates the rungs left); told it is closed: #{len(r.notifications)}")
  expect_incident(r, "resolved", false)
  expect_status(r, "aborted")
  expect(r.exit != 0, "a change not approved is a non-zero exit (#{r.exit})")
}

test "a high-risk change nobody approves for a day: reminded at 1h, the engineering lead at 1d" {
  request(25h)
  history()
  answer("risk", "High")
  let r = run_runbook("change-request.rb", {approval_timeout: "1s"})
  expect_steps(r, ["request", "impact", "approval", "not_approved"])
  expect_notified(r, "Change approver", at: 0m, kind: "message")
  expect_notified(r, "Change approver", at: 60m, kind: "message")
  expect_notified(r, "Engineering lead", at: 1440m, kind: "message")
  expect_no_command(r, "aws codepipeline start-pipeline-execution *")
  expect_status(r, "aborted")
}

test "approved: staging, production, verified, closed" {
  deploys_cleanly()
  let r = run_runbook("change-request.rb", start_at: "staging")
  expect_steps(r, ["staging", "production", "verify", "close"])
  expect(starts(r) == [START_STAGING, START_PROD], "staging, then production: #{starts(r)}")
  expect_no_command(r, "aws codepipeline rollback-stage *")
  expect_notified(r, "Change approver", kind: "message")
  expect_incident(r, "resolved", true)
  expect_status(r, "finished")
  expect_exit(r, 0)
}

test "cancelled before staging: nothing deployed" {
  answer("confirm_staging", "no")
  let r = run_runbook("change-request.rb", start_at: "staging")
  expect_steps(r, ["staging", "cancelled"])
  expect_no_command(r, "aws codepipeline *")
  expect_status(r, "aborted")
}

test "cancelled after staging: production untouched" {
  pipeline("connect-staging", true, "Succeeded")
  health("staging.example.com", true)
  answer("confirm_staging", "yes")
  answer("confirm_production", "no")
  let r = run_runbook("change-request.rb", start_at: "staging")
  expect_steps(r, ["staging", "production", "cancelled"])
  expect(starts(r) == [START_STAGING], "staging only: #{starts(r)}")
  expect_status(r, "aborted")
}

test "the staging pipeline does not start: the change failed in staging" {
  pipeline("connect-staging", false, "Succeeded")
  answer("confirm_staging", "yes")
  let r = run_runbook("change-request.rb", start_at: "staging")
  expect_steps(r, ["staging", "not_deployed"])
  expect_no_command(r, "aws codepipeline get-pipeline-execution *")
  expect_no_command(r, START_PROD)
  expect_status(r, "aborted")
}

test "staging deployed but unhealthy: production untouched" {
  pipeline("connect-staging", true, "Succeeded")
  health("staging.example.com", false)
  answer("confirm_staging", "yes")
  let r = run_runbook("change-request.rb", start_at: "staging")
  expect_steps(r, ["staging", "not_deployed"])
  expect(starts(r) == [START_STAGING], "staging only: #{starts(r)}")
  expect_status(r, "aborted")
}

test "the production pipeline fails: rolled back to the previous execution" {
  pipeline("connect-staging", true, "Succeeded")
  pipeline("connect-prod", true, "Failed")
  health("staging.example.com", true)
  health("api.example.com", true)
  stub_sh("aws codepipeline rollback-stage *")
  answer("confirm_staging", "yes")
  answer("confirm_production", "yes")
  answer("confirm_rollback", "yes")
  let r = run_runbook("change-request.rb", start_at: "staging")
  expect_steps(r, ["staging", "production", "roll_back"])
  expect_command(r, "aws codepipeline rollback-stage --pipeline-name 'connect-prod' --stage-name 'Deploy' *")
  expect_notified(r, "Change approver", kind: "message")
  expect_status(r, "aborted")
}

test "production unhealthy after the change, the rollback declined: left as it is, said so" {
  pipeline("connect-staging", true, "Succeeded")
  pipeline("connect-prod", true, "Succeeded")
  health("staging.example.com", true)
  health("api.example.com", false)
  answer("confirm_staging", "yes")
  answer("confirm_production", "yes")
  answer("confirm_rollback", "no")
  let r = run_runbook("change-request.rb", start_at: "staging")
  expect_steps(r, ["staging", "production", "verify", "roll_back"])
  expect_no_command(r, "aws codepipeline rollback-stage *")
  expect_no_step(r, "not_approved")
  expect_status(r, "aborted")
}

# Staging and production both go through, and the checks after them pass.
fn deploys_cleanly() {
  pipeline("connect-staging", true, "Succeeded")
  pipeline("connect-prod", true, "Succeeded")
  health("staging.example.com", true)
  health("api.example.com", true)
  answer("confirm_staging", "yes")
  answer("confirm_production", "yes")
  answer("verification.1", "done")
  answer("verification.2", "done")
}

test "approved by the change approver 20 minutes in: the reminder never goes out, the change is deployed" {
  request(0m)
  history()
  answer("risk", "Medium")
  answer("approve_change", "approve", by: "alice", after: 20m)
  deploys_cleanly()
  let r = run_runbook("change-request.rb")
  expect_steps(r, ["request", "impact", "approval", "staging", "production", "verify", "close"])
  expect(starts(r) == [START_STAGING, START_PROD], "staging, then production: #{starts(r)}")
  expect_notified(r, "Change approver", at: 0m, kind: "message")
  expect_not_notified(r, "Engineering lead")
  expect_status(r, "finished")
}

test "a high-risk change needs the CTO too: the change approver and the CTO approve, then it is deployed" {
  request(0m)
  history()
  answer("risk", "High")
  answer("approve_change", "approve", by: "alice", after: 10m)
  answer("approve_cto", "approve", by: "carol", after: 30m)
  deploys_cleanly()
  let r = run_runbook("change-request.rb")
  expect_steps(r, ["request", "impact", "approval", "staging", "production", "verify", "close"])
  expect(starts(r) == [START_STAGING, START_PROD], "staging, then production: #{starts(r)}")
  expect_status(r, "finished")
}

test "rejected by the change approver: nothing deployed, closed without approval" {
  request(0m)
  history()
  answer("risk", "Low")
  answer("approve_change", "reject", by: "alice", reason: "clashes with the release freeze")
  let r = run_runbook("change-request.rb")
  expect_steps(r, ["request", "impact", "approval", "not_approved"])
  expect_no_command(r, "aws codepipeline start-pipeline-execution *")
  expect(r.exit != 0, "a rejected change is a non-zero exit (#{r.exit})")
}
