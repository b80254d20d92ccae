# Tests of the security-breach playbook (runbook test runbooks/): see docs/testing.md.
# The AWS CLI and grep are stubbed with the JSON and text the playbook reads.  Stubs are
# tried in the order written, so each test's particular ones come before common_stubs().

use "part-answers.rb" as part

let KEY = "AKIAIOSFODNN7EXAMPLE"
let DETECTOR = "0123456789abcdef0123456789abcdef"

fn common_stubs() {
  stub_sh("aws iam list-access-keys *", stdout: "{\"AccessKeyMetadata\": [{\"AccessKeyId\": \"#{KEY}\", \"Status\": \"Active\", \"CreateDate\": \"2025-06-01\"}]}")
  stub_sh("aws iam update-access-key *")
  stub_sh("aws iam delete-access-key *")
  stub_sh("aws wafv2 list-ip-sets *", stdout: "{\"IPSets\": [{\"Name\": \"Other\", \"Id\": \"o1\"}, {\"Name\": \"BlockedIPs\", \"Id\": \"b1\"}]}")
  stub_sh("aws wafv2 get-ip-set *", stdout: "{\"IPSet\": {\"Addresses\": [\"198.51.100.1/32\"]}, \"LockToken\": \"t1\"}")
  stub_sh("aws wafv2 update-ip-set *")
  stub_sh("aws wafv2 create-ip-set *", stdout: "{\"Summary\": {\"Id\": \"n1\"}}")
  stub_sh("aws ec2 describe-instances *", stdout: "{\"Reservations\": [{\"Instances\": [{\"SecurityGroups\": [{\"GroupId\": \"sg-web\"}], \"BlockDeviceMappings\": [{\"Ebs\": {\"VolumeId\": \"vol-1\"}}]}]}]}")
  stub_sh("aws ec2 modify-instance-attribute *")
  stub_sh("aws s3 sync *")
  stub_sh("aws ec2 create-snapshot *")
  stub_sh("aws cloudtrail lookup-events *", stdout: "{\"Events\": [{\"EventName\": \"GetObject\"}, {\"EventName\": \"GetObject\"}, {\"EventName\": \"CreateAccessKey\"}]}")
  stub_sh("aws guardduty list-findings *", stdout: "{\"FindingIds\": [\"f1\", \"f2\"]}")
  stub_sh("aws s3 cp *")
  stub_sh("grep -r -h -F *", stdout: "203.0.113.9 GET /admin\n203.0.113.9 GET /export\n")
  stub_sh("aws ecs describe-services *", stdout: "{\"services\": [{\"taskDefinition\": \"arn:aws:ecs:us-east-1:1:task-definition/backend:42\"}]}")
  stub_sh("aws ecs update-service *")
  stub_sh("aws ecs wait services-stable *")
  stub_sh("aws secretsmanager rotate-secret *")
}

fn start(ack_after) {
  part.detection("yes", ack_after, "jane")
}

fn scope(exposure) {
  for i in range(1, 5) {
    answer("scope_checklist.#{i}", "done")
  }
  answer("data_exposed", exposure)
}

fn finish() {
  for i in range(1, 4) {
    answer("verification.#{i}", "done")
  }
  answer("root_cause", "a leaked key")
  answer("confirm_resolve", "yes")
}

fn remediated(first) {
  answer("remediation.1", first)
  answer("remediation.2", "done")
  answer("remediation.3", "n/a")
  answer("remediation.4", "done")
}

test "leaked credentials: contain, preserve, investigate, rotate, notify" {
  start(3m)
  answer("user", "mallory")
  answer("access_key_id", KEY)
  answer("confirm_disable_key", "yes")
  answer("suspicious_ip", "203.0.113.9")
  answer("confirm_block_ip", "yes")
  answer("instances", "i-0abc  i-0def")
  answer("confirm_isolate", "yes")
  answer("confirm_evidence", "yes")
  answer("detector_id", DETECTOR)
  answer("log_pattern", "203.0.113.9")
  scope("Yes: personal data (PII) or credentials were accessed")
  answer("entry_point", "Leaked or stolen credentials")
  answer("confirm_rotate", "yes")
  answer("confirm_delete_key", "yes")
  remediated("not done")
  answer("notify_users", "yes")
  answer("notify_authorities", "yes")
  finish()
  stub_sh("aws guardduty list-findings *", stdout: "{\"FindingIds\": [\"f1\"]}", times: 1)
  common_stubs()
  let r = run_runbook("p1-security-breach.rb")
  expect_steps(r, ["ack", "declare", "disable_key", "block_ip", "isolate", "preserve", "cloudtrail", "guardduty",
                   "access_logs", "scope", "entry", "rotate", "delete_key", "harden", "legal", "verify", "close",
                   "postmortem"])
  expect_command(r, "aws iam update-access-key --access-key-id #{KEY} --status Inactive *")
  expect_command(r, "aws wafv2 update-ip-set * --addresses \\[\"198.51.100.1/32\",\"203.0.113.9/32\"\\] *")
  expect_command(r, "aws ec2 modify-instance-attribute --instance-id i-0def --groups sg-isolated *")
  expect_command(r, "aws iam delete-access-key *")
  expect_notified(r, "Security lead", at: 0m, kind: "page")
  expect_notified(r, "Legal counsel", kind: "message")
  expect_notified(r, "Public relations", kind: "message")
  expect_not_notified(r, "Backup on-call")
  expect_status(r, "finished")
}

test "nothing to disable, block or isolate; no data exposed (declared by triage)" {
  start(16m)
  answer("confirm_evidence", "yes")
  scope("No: contained before any data was accessed")
  answer("entry_point", "Unknown yet")
  answer("confirm_rotate", "yes")
  remediated("done")
  finish()
  common_stubs()
  let r = run_runbook("p1-security-breach.rb", {user: "none", suspicious_ip: "none", instances: "none",
                      detector_id: DETECTOR, secrets_to_rotate: "prod/db,, prod/jwt", declared: true,
                      monitor_for: 60m})
  expect_no_command(r, "aws iam *")
  expect_no_command(r, "aws wafv2 *")
  expect_no_command(r, "aws ec2 *")
  expect_command(r, "aws s3 sync s3://cloudtrail-logs/ s3://incident-evidence/INC-2026-0101-001/cloudtrail/ *")
  expect_command(r, "aws secretsmanager rotate-secret --secret-id prod/db *")
  expect_command(r, "aws secretsmanager rotate-secret --secret-id prod/jwt *")
  expect(len(r.commands) == 7, "sync, findings, copy, grep, two rotations, findings: #{r.commands}")
  expect_notified(r, "Backup on-call", at: 15m, kind: "page")
  expect_notified(r, "Engineering lead", at: 30m, kind: "message")
  expect_notified(r, "*CTO*", at: 60m, kind: "message")
  expect_not_notified(r, "Legal counsel")
  expect_status(r, "finished")
}

test "a vulnerable deployment is rolled back; a new IP set is created" {
  start(2m)
  answer("user", "mallory")
  answer("access_key_id", KEY)
  answer("confirm_disable_key", "yes")
  answer("suspicious_ip", "203.0.113.9")
  answer("confirm_block_ip", "yes")
  answer("instances", "none")
  answer("confirm_evidence", "yes")
  answer("detector_id", DETECTOR)
  answer("log_pattern", "203.0.113.9")
  scope("Unknown yet: treat it as exposed")
  answer("entry_point", "A vulnerability in a recent deployment")
  answer("rollback_to", "backend:41")
  answer("confirm_rollback", "yes")
  answer("confirm_rotate", "yes")
  answer("confirm_delete_key", "yes")
  remediated("done")
  answer("notify_users", "no")
  answer("notify_authorities", "no")
  finish()
  stub_sh("aws wafv2 list-ip-sets *", stdout: "{\"IPSets\": []}")
  stub_sh("aws cloudtrail lookup-events *", stdout: "{\"Events\": [{\"EventName\": \"GetObject\"}]}")
  stub_sh("grep -r -h -F *", stdout: "")
  common_stubs()
  let r = run_runbook("p1-security-breach.rb")
  expect_command(r, "aws wafv2 create-ip-set * --addresses 203.0.113.9/32 *")
  expect_order(r, ["entry", "roll_back_vulnerable", "rotate"])
  expect_no_step(r, "revoke_integration")
  expect_command(r, "aws ecs update-service * --task-definition backend:41 *")
  expect_status(r, "finished")
}

test "a compromised integration is cut off; adding to the IP set declined" {
  start(2m)
  answer("user", "svc-vendor")
  answer("access_key_id", KEY)
  answer("confirm_disable_key", "yes")
  answer("suspicious_ip", "203.0.113.9")
  answer("confirm_block_ip", "no")
  answer("confirm_evidence", "yes")
  answer("confirm_delete_key", "yes")
  answer("log_pattern", "api.vendor.example")
  scope("No: contained before any data was accessed")
  answer("entry_point", "A compromised third-party integration")
  answer("integration", "VendorSync")
  for i in range(1, 4) {
    answer("revoke.#{i}", "done")
  }
  answer("confirm_rotate", "yes")
  remediated("done")
  finish()
  stub_sh("aws iam list-access-keys *", exit: 254, stderr: "NoSuchEntity")
  common_stubs()
  let r = run_runbook("p1-security-breach.rb", {instances: "none", detector_id: DETECTOR})
  expect_order(r, ["entry", "revoke_integration", "rotate"])
  expect_no_command(r, "aws wafv2 update-ip-set *")
  expect_status(r, "finished")
}

# Every gate declined: nothing in production changes; each "no" skips the rest of its step.
test "declined gates change nothing" {
  part.detection("no", 0m, "jane")
  answer("user", "mallory")
  answer("access_key_id", KEY)
  answer("confirm_disable_key", "no")
  answer("suspicious_ip", "203.0.113.9")
  answer("confirm_block_ip", "no")
  answer("instances", "i-0abc")
  answer("confirm_isolate", "no")
  answer("confirm_evidence", "no")
  answer("detector_id", DETECTOR)
  answer("log_pattern", "203.0.113.9")
  scope("Unknown yet: treat it as exposed")
  answer("entry_point", "A vulnerability in a recent deployment")
  answer("rollback_to", "backend:41")
  answer("confirm_rollback", "no")
  answer("integration", "none")
  for i in range(1, 4) {
    answer("revoke.#{i}", "n/a")
  }
  answer("confirm_rotate", "no")
  answer("confirm_delete_key", "no")
  remediated("done")
  answer("notify_users", "no")
  answer("notify_authorities", "no")
  for i in range(1, 4) {
    answer("verification.#{i}", "done")
  }
  answer("root_cause", "unknown")
  answer("confirm_resolve", "no")
  stub_sh("aws wafv2 list-ip-sets *", stdout: "{\"IPSets\": []}")
  common_stubs()
  let r = run_runbook("p1-security-breach.rb")
  expect_no_command(r, "aws iam update-access-key *")
  expect_no_command(r, "aws iam delete-access-key *")
  expect_no_command(r, "aws wafv2 create-ip-set *")
  expect_no_command(r, "aws ec2 modify-instance-attribute *")
  expect_no_command(r, "aws s3 sync *")
  expect_no_command(r, "aws ecs update-service *")
  expect_no_command(r, "aws secretsmanager *")
  expect_incident(r, "resolved", false)
}

test "an IP set that cannot be created fails the step" {
  start(1m)
  answer("suspicious_ip", "203.0.113.9")
  answer("confirm_block_ip", "yes")
  answer("Step block_ip failed. What now?", "abort")
  stub_sh("aws wafv2 list-ip-sets *", stdout: "{\"IPSets\": []}")
  stub_sh("aws wafv2 create-ip-set *", exit: 254, stderr: "WAFLimitsExceededException")
  common_stubs()
  let r = run_runbook("p1-security-breach.rb", {user: "none", detector_id: DETECTOR})
  expect_steps(r, ["ack", "declare", "disable_key", "block_ip"])
  expect_status(r, "aborted")
}

# Everything is done up to the rotation, which fails; the responder rolls back: the
# deployment, the isolation, the IP (the other blocked address stays), the key.
test "a failed rotation rolls the containment back, newest first" {
  start(1m)
  answer("user", "mallory")
  answer("access_key_id", KEY)
  answer("confirm_disable_key", "yes")
  answer("suspicious_ip", "203.0.113.9")
  answer("confirm_block_ip", "yes")
  answer("instances", "i-0abc")
  answer("confirm_isolate", "yes")
  answer("confirm_evidence", "yes")
  answer("detector_id", DETECTOR)
  answer("log_pattern", "203.0.113.9")
  scope("No: contained before any data was accessed")
  answer("entry_point", "A vulnerability in a recent deployment")
  answer("rollback_to", "backend:41")
  answer("confirm_rollback", "yes")
  answer("confirm_rotate", "yes")
  answer("Step rotate failed. What now?", "roll back")
  stub_sh("aws secretsmanager rotate-secret *", exit: 255, stderr: "AccessDenied")
  stub_sh("aws wafv2 get-ip-set *", stdout: "{\"IPSet\": {\"Addresses\": [\"198.51.100.1/32\"]}, \"LockToken\": \"t1\"}", times: 1)
  stub_sh("aws wafv2 get-ip-set *", stdout: "{\"IPSet\": {\"Addresses\": [\"198.51.100.1/32\", \"203.0.113.9/32\"]}, \"LockToken\": \"t2\"}")
  common_stubs()
  let r = run_runbook("p1-security-breach.rb")
  expect_command(r, "aws ecs update-service * --task-definition backend:42 *")
  expect_command(r, "aws ec2 modify-instance-attribute --instance-id i-0abc --groups \\[\"sg-web\"\\] *")
  expect_command(r, "aws wafv2 update-ip-set * --addresses \\[\"198.51.100.1/32\"\\] --lock-token t2 *")
  expect_command(r, "aws iam update-access-key --access-key-id #{KEY} --status Active *")
  expect_status(r, "failed")
}
