# runbooks/patching.rb — quarterly patch management ("7.3 Quarterly Maintenance → Patch
# Management": the environment on the latest updates, Lex and Lambda versions, third-party
# integrations and CRM compatibility).
#
# The OS patch state of the patch group comes from SSM Patch Manager; missing patches are
# installed with AWS-RunPatchBaseline (behind a confirm) or deferred to the next window;
# Lambda functions on runtimes past their end of support are listed for upgrade; the CRM
# integrations are a checklist.  With --auto (the unattended check) patching is deferred,
# not applied: the run reports what is missing and fails, so #ops-alerts hears of it.
runbook "Patch management" {
  id       "patching"
  severity P4
  owner    "IT Operations Team"
  summary  "OS patches, Lambda and Lex runtimes, CRM integration compatibility"
  tags     ["routine", "quarterly", "patching"]
}

use comms
use "contacts.rb" as contacts

param region        = env("AWS_REGION", "us-east-1")  "AWS region"
param patch_group   = "prod"                          "SSM patch group"
param install_wait: duration = 30m                    "How long patching takes before the state is read again"

# Runtimes past their end of support (AWS Lambda runtime deprecation policy).
let deprecated = ["python3.7", "python3.8", "nodejs14.x", "nodejs16.x", "java8", "go1.x", "ruby2.7", "dotnet6"]

let problems = []

# What a person confirms (an unattended run cannot: under --auto each counts as not
# confirmed, and the report says so).
let lex_items = [
  "The IVR bots run a published version (not DRAFT) behind their alias",
  "The bot locales are on the current Lex V2 engine",
]
let crm_items = [
  "Salesforce CTI adapter compatible with the Connect release",
  "ServiceNow integration passes its connection test",
  "Other CRM connectors on supported versions",
]

# Ask about each item (answers-file keys PREFIX.1, PREFIX.2, …); a "no" is a problem.
fn confirmed(prefix, items) {
  let i = 0
  for item in items {
    i = i + 1
    if not confirm(item, key: "#{prefix}.#{i}", default: false) {
      problem("not confirmed: #{item}")
    }
  }
}

fn problem(text) {
  push(problems, text)
  warn "PROBLEM: #{text}"
}

# {missing, failed, instances} of the patch group, or nil.
fn patch_state() {
  let r = sh("aws ssm describe-instance-patch-states-for-patch-group --patch-group #{patch_group} --region #{region}",
             readonly: true, timeout: 1m)
  if not r.ok {
    return nil
  }
  let missing = 0
  let failed = 0
  let states = (from_json(r.stdout) ?? {}).InstancePatchStates ?? []
  for s in states {
    missing = missing + (s.MissingCount ?? 0)
    failed = failed + (s.FailedCount ?? 0)
  }
  return {missing: missing, failed: failed, instances: len(states)}
}

step os "Operating system patches" {
  let before = patch_state()
  if before == nil {
    problem("SSM did not report the patch state of #{patch_group}")
  } else {
    note "#{before.instances} instance(s): #{before.missing} patch(es) missing, #{before.failed} failed."
  }
}

step decide "Apply the missing patches?" {
  if before == nil or before.missing + before.failed == 0 {
    note "Nothing to install."
    goto runtimes
  }
  let how = choose("#{before.missing + before.failed} patch(es) to install on #{patch_group}. Now?",
                   ["Patch now (maintenance window)", "Defer to the next window"], key: "apply",
                   default: "Defer to the next window")
  if how == "Defer to the next window" {
    problem("#{before.missing + before.failed} patch(es) deferred on #{patch_group}")
    action_item("Install the #{before.missing + before.failed} missing patch(es) on #{patch_group}", owner: "IT Operations", due: 7d)
    goto runtimes
  }
}

step install "Install the patches" {
  confirm "Run AWS-RunPatchBaseline (Install, reboot if needed) on #{patch_group}?" as confirm_install
  sh "aws ssm send-command --document-name AWS-RunPatchBaseline --targets Key=tag:PatchGroup,Values=#{patch_group} --parameters Operation=Install,RebootOption=RebootIfNeeded --region #{region}" timeout 1m
  timeline("Patching started on #{patch_group}")
  wait install_wait "Patching #{patch_group}"
  let after = patch_state()
  if after == nil or after.missing + after.failed > 0 {
    fail "#{(after ?? {}).missing ?? "?"} patch(es) still missing after the install"
  }
  timeline("#{patch_group} fully patched")
} on failure {
  problem("patches still missing on #{patch_group} after the install")
  action_item("Find out why patching #{patch_group} left patches missing", owner: "IT Operations", due: 7d)
}

step runtimes "Lambda and Lex versions" {
  let fns = sh "aws lambda list-functions --region #{region}" timeout 1m readonly
  let old = []
  for f in (from_json(fns.stdout) ?? {}).Functions ?? [] {
    if (f.Runtime ?? "") in deprecated {
      push(old, "#{f.FunctionName} (#{f.Runtime})")
    }
  }
  if not fns.ok {
    problem("Lambda did not list the functions")
  } elif len(old) > 0 {
    problem("Lambda functions on unsupported runtimes: #{join(old, ", ")}")
    for o in old {
      action_item("Upgrade the runtime of #{o}", owner: "IVR team", due: 30d)
    }
  } else {
    note "Every Lambda function is on a supported runtime."
  }
  confirmed("lex", lex_items)
}

step crm "Third-party integrations and CRM" {
  confirmed("crm", crm_items)
}

step report "Report the patch round" {
  if len(problems) == 0 {
    note "Patch round complete: nothing outstanding."
  } else {
    comms.alert(P3, contacts.people, "Patch management: #{join(problems, "; ")}")
    fail "#{len(problems)} patching problem(s) outstanding"
  }
}
