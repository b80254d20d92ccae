# Tests of the quarterly DR drill (runbook test runbooks/): see docs/testing.md.  Route 53,
# Connect, S3 and RDS are stubbed; the restore test is real (allow_sh): a SQLite database
# and a tree of recordings under a temporary `workdir`, backed up, destroyed, restored and
# checked by SHA-256, as during the drill.

# A fresh scratch directory for the restore test (the test's own, real).
fn scratch() {
  return trim(sh("mktemp -d").stdout)
}

# The local commands of the restore test run for real.
fn real_restore() {
  for p in ["mkdir -p *", "rm -f *", "rm -rf *", "sqlite3 *", "printf *", "sha256sum *", "find . -type f *",
            "tar -C *", "dd if=/dev/zero *", "cp *"] {
    allow_sh(p)
  }
}

# What the failover record answers: before the inversion, after it, after the put-back.
fn dns(before, after, home) {
  for ip in [before, after, home] {
    stub_sh("aws route53 test-dns-answer *", stdout: "{\"RecordData\": [\"#{ip}\"]}", times: 1)
  }
  stub_sh("aws route53 update-health-check *")
}

fn flows(primary, dr) {
  stub_sh("aws connect list-contact-flows --instance-id 'dr-*", stdout: flow_list(dr))
  stub_sh("aws connect list-contact-flows *", stdout: flow_list(primary))
}

fn flow_list(names) {
  let items = []
  for n in names {
    push(items, "{\"Name\": \"#{n}\"}")
  }
  return "{\"ContactFlowSummaryList\": [#{join(items, ", ")}]}"
}

fn multi_region(replication, rds_status) {
  stub_sh("aws s3api get-bucket-replication *",
          stdout: "{\"ReplicationConfiguration\": {\"Rules\": [{\"Status\": \"#{replication}\"}]}}")
  stub_sh("aws rds describe-db-instances *", stdout: "{\"DBInstances\": [{\"DBInstanceStatus\": \"#{rds_status}\"}]}")
}

fn all_yes() {
  for k in ["confirm_failover", "confirm_failback", "confirm_prepare", "confirm_backup", "confirm_destroy", "confirm_restore"] {
    answer(k, "yes")
  }
}

fn sha(path) {
  return split(trim(sh("sha256sum #{path}").stdout), " ")[0]
}

fn route53(r) {
  let out = []
  for c in r.commands {
    if starts_with(c, "aws route53 update-health-check") {
      push(out, c)
    }
  }
  return out
}

let STEPS = ["failover", "failback", "prepare", "backup", "destroy", "restore", "verify_restore", "flows", "multi_region", "report"]
let INVERT = "aws route53 update-health-check --health-check-id 'hc-primary-0001' --inverted"
let PUT_BACK = "aws route53 update-health-check --health-check-id 'hc-primary-0001' --no-inverted"

test "every test passes: failed over and back, the data restored byte for byte, flows and replica in DR" {
  let dir = scratch()
  real_restore()
  dns("10.0.0.10", "10.1.0.10", "10.0.0.10")
  flows(["Main IVR", "Callback"], ["Main IVR", "Callback", "Test"])
  multi_region("Enabled", "available")
  all_yes()
  answer("multi_region", "yes")
  let r = run_runbook("quarterly-dr-drill.rb", {workdir: dir})
  expect_steps(r, STEPS)
  expect(route53(r) == [INVERT, PUT_BACK], "inverted, then put back: #{route53(r)}")
  expect_command(r, "dd if=/dev/zero of=*/live/calls.db *")
  expect(sha("#{dir}/live/calls.db") == sha("#{dir}/backup/calls.db"), "the restored database is the backup")
  expect(trim(sh("sqlite3 #{dir}/live/calls.db 'SELECT count(*), sum(seconds) FROM calls'").stdout) == "5|2255",
         "the restored database holds the five calls")
  expect(trim(sh("cat #{dir}/live/recordings/2025/12/call-2.wav").stdout) == "RIFF call recording 2", "the recordings are back")
  expect_not_notified(r, "*")
  expect_status(r, "finished")
  expect_exit(r, 0)
  sh("rm -rf #{dir}")
}

test "everything fails: the DNS stays, a stale backup restored, a flow missing, no replication; rolled back" {
  let dir = scratch()
  sh("sqlite3 #{dir}/stale.db 'CREATE TABLE calls(id INTEGER PRIMARY KEY, caller INTEGER, started INTEGER, seconds INTEGER); INSERT INTO calls(caller, started, seconds) VALUES (15550100, 1767085200, 312);'")
  real_restore()
  dns("10.0.0.10", "10.0.0.10", "10.0.0.10")
  flows(["Main IVR", "Callback"], ["Main IVR"])
  multi_region("Disabled", "storage-full")
  all_yes()
  answer("multi_region", "yes")
  answer("report.failed", "roll back")
  let r = run_runbook("quarterly-dr-drill.rb", {workdir: dir, restore_from: "#{dir}/stale.db"})
  expect_steps(r, STEPS)
  expect(route53(r) == [INVERT, PUT_BACK, PUT_BACK], "inverted, put back, and put back again by the rollback: #{route53(r)}")
  expect(sha("#{dir}/live/calls.db") == sha("#{dir}/stale.db"), "the stale backup is what was restored")
  expect_notified(r, "#ops-alerts", at: 0m, kind: "message")
  expect_status(r, "failed")
  expect(r.exit != 0, "a failed drill is a non-zero exit (#{r.exit})")
  sh("rm -rf #{dir}")
}

test "a restore that restores nothing is caught by every checksum" {
  let dir = scratch()
  stub_sh("cp *")
  stub_sh("tar -C * -xzf *")
  real_restore()
  dns("10.0.0.10", "10.1.0.10", "10.0.0.10")
  flows(["Main IVR"], ["Main IVR"])
  all_yes()
  answer("multi_region", "not applicable")
  answer("report.failed", "abort")
  let r = run_runbook("quarterly-dr-drill.rb", {workdir: dir})
  expect_steps(r, STEPS)
  expect_no_command(r, "aws s3api *")
  expect(sha("#{dir}/live/calls.db") != sha("#{dir}/backup/calls.db"), "the database was left destroyed")
  expect_notified(r, "#ops-alerts", kind: "message")
  expect_status(r, "aborted")
  sh("rm -rf #{dir}")
}

test "declined failover, the loss not simulated, the restore declined; stuck on the secondary, no flows" {
  let dir = scratch()
  stub_sh("dd if=/dev/zero *")
  real_restore()
  dns("10.1.0.10", "10.1.0.10", "10.1.0.10")
  stub_sh("aws connect list-contact-flows *", exit: 255, stderr: "AccessDenied")
  answer("confirm_failover", "no")
  answer("confirm_failback", "yes")
  answer("confirm_prepare", "yes")
  answer("confirm_backup", "yes")
  answer("confirm_destroy", "yes")
  answer("confirm_restore", "no")
  answer("multi_region", "not applicable")
  answer("report.failed", "abort")
  let r = run_runbook("quarterly-dr-drill.rb", {workdir: dir})
  expect_steps(r, STEPS)
  expect(route53(r) == [PUT_BACK], "only the put-back: #{route53(r)}")
  expect_no_command(r, "cp *")
  expect_no_command(r, "tar -C * -xzf *")
  expect_status(r, "aborted")
  sh("rm -rf #{dir}")
}

# Declining the data, the backup and the restore leaves nothing to verify: the checksum
# step fails on the backup's checksum that was never taken, and the responder aborts.
test "the failback and the restore test declined: nothing to verify, aborted" {
  let dir = scratch()
  real_restore()
  dns("10.0.0.10", "10.1.0.10", "10.0.0.10")
  flows(["Main IVR"], ["Main IVR"])
  answer("confirm_failover", "yes")
  answer("confirm_failback", "no")
  answer("confirm_prepare", "no")
  answer("confirm_backup", "no")
  answer("confirm_destroy", "no")
  answer("confirm_restore", "no")
  answer("verify_restore.failed", "abort")
  let r = run_runbook("quarterly-dr-drill.rb", {workdir: dir})
  expect_steps(r, ["failover", "failback", "prepare", "backup", "destroy", "restore", "verify_restore"])
  expect(route53(r) == [INVERT], "inverted and left so: #{route53(r)}")
  expect_no_command(r, "mkdir *")
  expect_no_command(r, "dd *")
  expect_no_command(r, "cp *")
  expect_status(r, "aborted")
  sh("rm -rf #{dir}")
}
