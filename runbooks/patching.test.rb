# Tests of the patch round (runbook test runbooks/): see docs/testing.md.  SSM Patch
# Manager and Lambda are stubbed with what the playbook reads; the Lex and CRM items are
# answered like the checklist they are.

# The patch group's state, one read per [missing, failed] pair (two instances share it);
# nil: SSM does not answer.  The last one stays.
fn patch_states(reads) {
  for i in range(len(reads)) {
    let times = 1
    if i == len(reads) - 1 {
      times = 100
    }
    if reads[i] == nil {
      stub_sh("aws ssm describe-instance-patch-states-for-patch-group *", exit: 255, stderr: "AccessDenied", times: times)
    } else {
      stub_sh("aws ssm describe-instance-patch-states-for-patch-group *", times: times,
              stdout: "{\"InstancePatchStates\": [{\"MissingCount\": #{reads[i][0]}, \"FailedCount\": #{reads[i][1]}}, {\"MissingCount\": 0, \"FailedCount\": 0}]}")
    }
  }
}

fn lambdas(runtimes) {
  let items = []
  for i in range(len(runtimes)) {
    push(items, "{\"FunctionName\": \"ivr-#{i}\", \"Runtime\": \"#{runtimes[i]}\"}")
  }
  stub_sh("aws lambda list-functions *", stdout: "{\"Functions\": [#{join(items, ", ")}]}")
}

# The Lex (2) and CRM (3) items: all yes, except the CRM item `no_at` (1-based; 0: none).
fn integrations(no_at) {
  answer("lex.1", "yes")
  answer("lex.2", "yes")
  for i in range(1, 4) {
    if i == no_at {
      answer("crm.#{i}", "no")
    } else {
      answer("crm.#{i}", "yes")
    }
  }
}

let INSTALL = "aws ssm send-command --document-name AWS-RunPatchBaseline *"

test "patched now: the baseline installed, nothing missing afterwards, nothing outstanding" {
  patch_states([[3, 1], [0, 0]])
  lambdas(["python3.12", "nodejs20.x"])
  stub_sh(INSTALL)
  answer("apply", "Patch now (maintenance window)")
  answer("confirm_install", "yes")
  integrations(0)
  let r = run_runbook("patching.rb")
  expect_steps(r, ["os", "decide", "install", "runtimes", "crm", "report"])
  expect_command(r, "aws ssm send-command --document-name AWS-RunPatchBaseline --targets Key=tag:PatchGroup,Values='prod' --parameters Operation=Install,RebootOption=RebootIfNeeded --region 'us-east-1'")
  expect(r.minutes == 30, "the state read again after the 30 minutes of patching (#{r.minutes}m)")
  expect_not_notified(r, "*")
  expect_status(r, "finished")
  expect_exit(r, 0)
}

test "patches still missing after the install, an unsupported runtime, a CRM item not confirmed" {
  patch_states([[3, 0], [1, 0]])
  lambdas(["python3.8", "python3.12"])
  stub_sh(INSTALL)
  answer("apply", "Patch now (maintenance window)")
  answer("confirm_install", "yes")
  integrations(2)
  answer("report.failed", "abort")
  let r = run_runbook("patching.rb")
  expect_steps(r, ["os", "decide", "install", "runtimes", "crm", "report"])
  expect_command(r, INSTALL)
  expect_notified(r, "#ops-alerts", at: 30m, kind: "message")
  expect_not_notified(r, "Primary on-call")
  expect_status(r, "aborted")
  expect(r.exit != 0, "outstanding problems are a non-zero exit (#{r.exit})")
}

test "deferred to the next window; Lambda does not list its functions" {
  patch_states([[4, 0]])
  stub_sh("aws lambda list-functions *", exit: 255, stderr: "AccessDenied")
  answer("apply", "Defer to the next window")
  integrations(0)
  answer("report.failed", "abort")
  let r = run_runbook("patching.rb")
  expect_steps(r, ["os", "decide", "runtimes", "crm", "report"])
  expect_no_command(r, INSTALL)
  expect_notified(r, "#ops-alerts", at: 0m, kind: "message")
  expect_status(r, "aborted")
}

test "SSM does not report the patch state: nothing to install, the problem reported" {
  patch_states([nil])
  lambdas(["java21"])
  answer("lex.1", "no")
  answer("lex.2", "yes")
  integrations_crm_only()
  answer("report.failed", "abort")
  let r = run_runbook("patching.rb")
  expect_steps(r, ["os", "decide", "runtimes", "crm", "report"])
  expect_no_command(r, INSTALL)
  expect_status(r, "aborted")
}

fn integrations_crm_only() {
  for i in range(1, 4) {
    answer("crm.#{i}", "yes")
  }
}

test "the install declined at its gate: the runtimes are checked next, nothing installed" {
  patch_states([[2, 0]])
  lambdas([])
  answer("apply", "Patch now (maintenance window)")
  answer("confirm_install", "no")
  integrations(0)
  let r = run_runbook("patching.rb")
  expect_steps(r, ["os", "decide", "install", "runtimes", "crm", "report"])
  expect_no_command(r, INSTALL)
  expect_status(r, "finished")
}
