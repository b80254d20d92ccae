# runbooks/p1-security-breach.rb — a security breach: unauthorized access to our AWS account.
#
# From "Incident Response Procedures" (P1 Critical Incidents → Security Breach Detected):
# GuardDuty critical findings, unauthorized access logs, suspicious CloudTrail events,
# customer reports of unauthorized access.  The order matters and is the seeds':
#
#   1. ISOLATE FIRST (0-15 minutes): disable the compromised credentials, block the
#      attacker's IP at the WAF, move the affected instances into an isolation group;
#   2. preserve the evidence (CloudTrail logs, disk snapshots) before anything is cleaned;
#   3. the security team and leadership are told at once (the 0m rungs below);
#   4. investigate (15-60 minutes): CloudTrail, GuardDuty, access logs, scope;
#   5. remediate: rotate credentials, audit IAM, harden;
#   6. legal duties: affected users and the authorities, when the law requires it.
#
# Updates go to #incident-response only: nothing about a breach goes on the public status
# page until legal counsel has approved the wording.
#
# Everything incident-specific (the user, the key, the IP, the instances) can be given as
# params (by declare-incident.rb's `run … with`, or --set); what is left empty is asked.

runbook "P1 — Security breach" {
  id       "p1-security-breach"
  severity P1
  owner    "DevOps & Security Team"
  summary  "Unauthorized access: GuardDuty critical findings or suspicious CloudTrail activity"
  tags     ["security", "breach", "iam", "forensics"]
  respond  within 15m
  resolve  within 4h
}

use notify
use templates
use "contacts.rb" as contacts
use "common.rb" as common

param region            = env("AWS_REGION", "us-east-1")        "AWS region"
param user              = ""                "Compromised IAM user (asked when empty)"
param access_key_id     = ""                "Compromised access key id, AKIA… (asked when empty)"
param suspicious_ip     = ""                "Attacker's IP address (asked when empty)"
param instances         = ""                "Affected EC2 instance ids, space-separated (asked when empty)"
param isolation_sg      = env("ISOLATION_SG", "sg-isolated")    "Security group with no ingress or egress, for isolation"
param waf_ip_set        = "BlockedIPs"      "WAF IP set that the web ACL's block rule references"
param waf_scope         = "REGIONAL"        "WAF scope: REGIONAL or CLOUDFRONT"
param cloudtrail_bucket = "cloudtrail-logs" "Bucket of the CloudTrail logs"
param evidence_bucket   = "incident-evidence" "Write-once bucket for evidence"
param logs_bucket       = "logs-bucket"     "Bucket of the access logs"
param detector_id       = env("GUARDDUTY_DETECTOR_ID", "")      "GuardDuty detector id (asked when empty)"
param cluster           = env("ECS_CLUSTER", "prod-cluster")    "ECS cluster of the exposed service"
param service           = env("ECS_SERVICE", "backend-service") "ECS service that was exposed"
param secrets_to_rotate = "prod/db,prod/api-keys,prod/jwt-signing-key" "Secrets Manager ids to rotate, comma-separated"
param monitor_for: duration = 30m          "How long to watch for renewed activity after containment"
param declared: bool = false               "Set by declare-incident.rb: the declaration is already posted"

secret webhook = env("SLACK_WEBHOOK", nil)      # #incident-response (never the public status page)

let state = {
  impact:    "Unauthorized access to production; scope under investigation",
  update:    "We are containing a security incident. Details are restricted to the response team.",
  followups: [],
}

# The words of a space-separated list ("i-1 i-2" → ["i-1", "i-2"]).
fn words(text) {
  let out = []
  for w in split(replace(text, "\t", " "), " ") {
    if w != "" {
      push(out, w)
    }
  }
  return out
}

escalation common.p1_ladder(contacts, "P1 security incident", [contacts.security], state.update)

every common.status_updates(15m, webhook, state.impact, state.update)

# ---- Detection ----

phase common.detection(webhook, declared, state.impact,
                       "Security incident: discuss it only in #incident-response and on the bridge. Do not tip off the attacker (no public posts, no messages from possibly compromised accounts).")

# ---- Containment: isolate first ----

phase "Containment" within 15m {
  step disable_key "Disable the compromised IAM credentials" {
    let compromised_user = common.given_or_ask(user, "Which IAM user is compromised? (none if no IAM user)",
                                        "^([A-Za-z0-9+=,.@_-]+)$", "user")
    let compromised_key = ""
    if compromised_user != "none" {
      let keys = sh "aws iam list-access-keys --user-name #{compromised_user} --region #{region}" timeout 30s readonly
      for k in common.aws_json(keys).AccessKeyMetadata ?? [] {
        note "  #{k.AccessKeyId ?? "?"}  #{k.Status ?? "?"}  created #{k.CreateDate ?? "?"}"
      }
      compromised_key = common.given_or_ask(access_key_id, "Which access key is compromised? (AKIA…)",
                                     "^(AKIA|ASIA)[A-Z0-9]{12,}$", "access_key_id")
      confirm "Disable access key #{compromised_key} of #{compromised_user} now?" as confirm_disable_key
      sh "aws iam update-access-key --access-key-id #{compromised_key} --status Inactive --user-name #{compromised_user} --region #{region}" timeout 30s
      timeline("Disabled access key #{compromised_key} of #{compromised_user}")
    }
  } rollback {
    sh "aws iam update-access-key --access-key-id #{compromised_key} --status Active --user-name #{compromised_user} --region #{region}" timeout 30s
  }

  step block_ip "Block the suspicious IP at the WAF" {
    let ip = common.given_or_ask(suspicious_ip, "Which IP address is the attacker's? (none if unknown)",
                          "^(([0-9]{1,3}\\.){3}[0-9]{1,3}|none)$", "suspicious_ip")
    let ip_set_id = ""
    if ip != "none" {
      let sets = sh "aws wafv2 list-ip-sets --scope #{waf_scope} --region #{region}" timeout 30s readonly
      for s in common.aws_json(sets).IPSets ?? [] {
        if s.Name == waf_ip_set {
          ip_set_id = s.Id
        }
      }
      if ip_set_id == "" {
        confirm "Create the WAF IP set #{waf_ip_set} blocking #{ip}/32?" as confirm_block_ip
        let created = sh "aws wafv2 create-ip-set --scope #{waf_scope} --name #{waf_ip_set} --ip-address-version IPV4 --addresses #{ip}/32 --region #{region}" timeout 30s
        if not created.ok {
          fail "could not create the IP set: #{created.stderr}"
        }
        ip_set_id = (common.aws_json(created).Summary ?? {}).Id ?? ""
        warn "A new IP set blocks nothing until a rule of the web ACL references it: add the block rule now."
      } else {
        let current = sh "aws wafv2 get-ip-set --scope #{waf_scope} --name #{waf_ip_set} --id #{ip_set_id} --region #{region}" timeout 30s readonly
        let j = common.aws_json(current)
        let addresses = (j.IPSet ?? {}).Addresses ?? []
        push(addresses, "#{ip}/32")
        confirm "Add #{ip}/32 to the WAF IP set #{waf_ip_set} (#{len(addresses) - 1} address(es) already blocked)?" as confirm_block_ip
        sh "aws wafv2 update-ip-set --scope #{waf_scope} --name #{waf_ip_set} --id #{ip_set_id} --addresses #{to_json(addresses)} --lock-token #{j.LockToken ?? ""} --region #{region}" timeout 30s
      }
      timeline("Blocked #{ip} at the WAF (IP set #{waf_ip_set})")
    }
  } rollback {
    let again = common.aws_json(sh("aws wafv2 get-ip-set --scope #{waf_scope} --name #{waf_ip_set} --id #{ip_set_id} --region #{region}",
                            readonly: true, timeout: 30s))
    let keep = []
    for a in (again.IPSet ?? {}).Addresses ?? [] {
      if a != "#{ip}/32" {
        push(keep, a)
      }
    }
    sh "aws wafv2 update-ip-set --scope #{waf_scope} --name #{waf_ip_set} --id #{ip_set_id} --addresses #{to_json(keep)} --lock-token #{again.LockToken ?? ""} --region #{region}" timeout 30s
  }

  step isolate "Isolate the affected EC2 instances" {
    let ids_text = common.given_or_ask(instances, "Which EC2 instances are affected? (ids separated by spaces, or none)",
                                "^(i-[0-9a-f]+( +i-[0-9a-f]+)*|none)$", "instances")
    let isolated = {}        # instance id → its security groups before isolation
    let volumes = []
    if ids_text != "none" {
      for id in words(ids_text) {
        let d = common.aws_json(sh("aws ec2 describe-instances --instance-ids #{id} --region #{region}", readonly: true, timeout: 30s))
        let groups = []
        for r in d.Reservations ?? [] {
          for i in r.Instances ?? [] {
            for g in i.SecurityGroups ?? [] {
              push(groups, g.GroupId)
            }
            for b in i.BlockDeviceMappings ?? [] {
              push(volumes, {instance: id, volume: (b.Ebs ?? {}).VolumeId})
            }
          }
        }
        isolated[id] = groups
        note "#{id}: security groups #{join(groups, ", ")}"
      }
      confirm "Move #{join(keys(isolated), ", ")} into the isolation group #{isolation_sg} (cuts all their traffic)?" as confirm_isolate
      for id, groups in isolated {
        sh "aws ec2 modify-instance-attribute --instance-id #{id} --groups #{isolation_sg} --region #{region}" timeout 30s
        timeline("Isolated #{id} (was in #{join(groups, ", ")})")
      }
    }
  } rollback {
    for id, groups in isolated {
      sh "aws ec2 modify-instance-attribute --instance-id #{id} --groups #{to_json(groups)} --region #{region}" timeout 30s
    }
  }
}

# ---- Evidence: before anything is cleaned up ----

phase "Evidence" {
  step preserve "Preserve the evidence" {
    let prefix = "s3://#{evidence_bucket}/#{incident.id}"
    confirm "Copy the CloudTrail logs to #{prefix}/cloudtrail/ and snapshot #{len(volumes)} volume(s) of the isolated instances?" as confirm_evidence
    sh "aws s3 sync s3://#{cloudtrail_bucket}/ #{prefix}/cloudtrail/ --include '*' --region #{region}" timeout 30m
    for v in volumes {
      let description = "Evidence for #{incident.id} from #{v.instance}"
      sh "aws ec2 create-snapshot --volume-id #{v.volume} --description #{description} --region #{region}" timeout 1m
    }
    timeline("Evidence preserved: CloudTrail logs in #{prefix}/cloudtrail/, #{len(volumes)} volume snapshot(s)")
    state.update = "The affected credentials and systems are isolated and the evidence is preserved; we are investigating the scope."
  }
}

# ---- Investigation (15-60 minutes) ----

phase "Investigation" within 45m {
  step cloudtrail "Review CloudTrail for unauthorized actions" {
    if compromised_user == "none" {
      note "No IAM user to trace: review CloudTrail by source IP in the console."
    } else {
      let trail = sh "aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=#{compromised_user} --max-results 100 --region #{region}" timeout 1m readonly
      let counts = {}
      for e in common.aws_json(trail).Events ?? [] {
        counts[e.EventName ?? "?"] = (counts[e.EventName ?? "?"] ?? 0) + 1
      }
      for name, n in counts {
        note "  #{name}: #{n}"
      }
      for risky in ["CreateUser", "CreateAccessKey", "AttachUserPolicy", "PutUserPolicy", "PutBucketPolicy", "DeleteTrail", "StopLogging"] {
        if risky in counts {
          warn "#{compromised_user} called #{risky}: look for persistence (new users, keys, policies)."
        }
      }
    }
  }

  step guardduty "Check the GuardDuty findings" {
    let detector = common.given_or_ask(detector_id, "GuardDuty detector id?", "^[0-9a-f]{32}$", "detector_id")
    let findings = sh "aws guardduty list-findings --detector-id #{detector} --region #{region}" timeout 1m readonly
    let finding_count = len(common.aws_json(findings).FindingIds ?? [])
    note "#{finding_count} GuardDuty finding(s)"
  }

  step access_logs "Review the access logs" {
    let dir = "#{env("TMPDIR", "/tmp")}/#{incident.id}-access-logs"
    # A local copy for reading: nothing in production changes.
    sh "aws s3 cp s3://#{logs_bucket}/access/ #{dir} --recursive --region #{region}" timeout 30m readonly
    let pattern = ask("What pattern should the access logs be searched for?", default: ip, key: "log_pattern")
    let hits = sh "grep -r -h -F -- #{pattern} #{dir}" timeout 5m readonly
    let hit_count = len(split(trim(hits.stdout), "\n"))
    if trim(hits.stdout) == "" {
      hit_count = 0
    }
    note "#{hit_count} access log line(s) match #{pattern}"
  }

  step scope "Identify the scope of the compromise" {
    checklist "Scope" as scope_checklist {
      "Which systems and accounts were accessed?"
      "Which data was read, changed or taken?"
      "How did the attacker get in?"
      "Is there persistence (new users, keys, roles, backdoors)?"
    }
    let exposure = choose("Was customer or personal data exposed?",
                          ["No: contained before any data was accessed",
                           "Yes: personal data (PII) or credentials were accessed",
                           "Unknown yet: treat it as exposed"], key: "data_exposed")
    let data_exposed = not starts_with(exposure, "No")
    incident.status = "identified"
    state.impact = "Unauthorized access, contained; data exposure: #{exposure}"
    timeline("Scope assessed: #{exposure}")
  }
}

# ---- Remediation ----

phase "Remediation" {
  # The seeds' decision tree, for a breach: how did they get in?
  step entry "Close the way in" {
    choose "What was the entry point?" as entry_point {
      "Leaked or stolen credentials"            => { goto rotate }
      "A vulnerability in a recent deployment"  => { goto roll_back_vulnerable }
      "A compromised third-party integration"   => { goto revoke_integration }
      "Unknown yet"                             => {
        push(state.followups, "Find the entry point: the credentials are rotated, but the way in is not closed")
        goto rotate
      }
    }
  }

  step roll_back_vulnerable "Roll back the vulnerable deployment" {
    let svc = common.aws_json(sh("aws ecs describe-services --cluster #{cluster} --services #{service} --region #{region}",
                          readonly: true, timeout: 30s))
    let current = split((((svc.services ?? [{}])[0] ?? {}).taskDefinition ?? ""), "/")
    let current_name = current[len(current) - 1]
    let target = ask("Roll #{service} back from #{current_name} to which task definition (family:revision)?",
                     pattern: "^[A-Za-z0-9_-]+:[0-9]+$", key: "rollback_to")
    confirm "Roll #{service} back to #{target} to remove the vulnerable code?" as confirm_rollback
    common.ecs_roll_back(cluster, service, region, target)
    timeline("Rolled #{service} back from #{current_name} to #{target} (vulnerable deployment)")
    push(state.followups, "Fix the vulnerability of #{current_name} and add a security test for it before redeploying")
    goto rotate
  } rollback {
    sh "aws ecs update-service --cluster #{cluster} --service #{service} --task-definition #{current_name} --region #{region}" timeout 2m
  }

  step revoke_integration "Cut off the compromised integration" {
    let integration = ask("Which integration is compromised?", key: "integration")
    checklist "Cut off #{integration}" as revoke {
      "Its API keys and OAuth tokens revoked"
      "Its IAM roles' trust policies no longer trust it"
      "The vendor notified and asked for their incident report"
    }
    timeline("Cut off the compromised integration #{integration}")
    push(state.followups, "Review what #{integration} could reach; least privilege before reconnecting it")
  }

  step rotate "Rotate credentials and secrets" {
    let ids = []
    for s in split(secrets_to_rotate, ",") {
      if trim(s) != "" {
        push(ids, trim(s))
      }
    }
    confirm "Rotate #{len(ids)} secret(s) now (#{join(ids, ", ")})? Services reload them on their next read." as confirm_rotate
    for id in ids {
      sh "aws secretsmanager rotate-secret --secret-id #{id} --region #{region}" timeout 2m
    }
    timeline("Rotated #{len(ids)} secret(s) in Secrets Manager")
  }

  step delete_key "Delete the compromised access key" {
    if compromised_key != "" {
      confirm "Delete access key #{compromised_key} of #{compromised_user} for good (it cannot be restored)?" as confirm_delete_key
      sh "aws iam delete-access-key --user-name #{compromised_user} --access-key-id #{compromised_key} --region #{region}" timeout 30s
      timeline("Deleted access key #{compromised_key}")
    }
  }

  step harden "Audit and harden" {
    let done = checklist("Remediation", [
      "Rotate ALL credentials and secrets (including those outside Secrets Manager)",
      "Audit all IAM policies and roles",
      "Enable additional monitoring",
      "Implement security hardening",
    ], key: "remediation")
    # Whatever could not be finished during the incident becomes an action item.
    for item, answer in done {
      if not starts_with(answer, "done") and not starts_with(answer, "n/a") {
        push(state.followups, item)
      }
    }
    state.update = "The breach is contained and credentials are rotated; we are completing the remediation."
  }
}

# ---- Legal and notification duties ----

phase "Notification duties" {
  step legal "Legal and notification duties" {
    if data_exposed {
      notify.send(contacts.legal, "Security incident #{incident.id}: data may have been exposed (#{exposure}). Legal review needed now.")
      notify.send(contacts.pr, "Security incident #{incident.id}: prepare a holding statement; nothing is published without legal approval.")
      if confirm("Does the law require notifying the affected users?", key: "notify_users") {
        action_item("Notify the affected users as the law requires", owner: "Legal", due: 3d)
        timeline("Legal: affected users must be notified")
      }
      if confirm("Must the incident be reported to the authorities?", key: "notify_authorities") {
        action_item("File the incident report with the authorities (GDPR: within 72 hours of awareness)", owner: "Legal", due: 3d)
        timeline("Legal: report to the authorities required")
      }
    } else {
      note "No data exposed: record the reasoning for the post-mortem; no notification duty."
      timeline("No data exposed: no notification duty")
    }
  }
}

# ---- Resolution ----

phase "Resolution" {
  step verify "Verify the containment" {
    incident.status = "monitoring"
    wait monitor_for "Watch for renewed activity"
    let after = sh "aws guardduty list-findings --detector-id #{detector} --region #{region}" timeout 1m readonly
    let new_findings = len(common.aws_json(after).FindingIds ?? []) - finding_count
    if new_findings > 0 {
      warn "#{new_findings} new GuardDuty finding(s) since the investigation: the attacker may still have a way in."
    }
    checklist "Verification" as verification {
      "No activity from the disabled credentials"
      "No new GuardDuty findings"
      "Isolated instances kept for forensics, replacements serving"
    }
  }
  step close "Resolve" {
    let root_cause = ask("How did the attacker get in, in one line?", key: "root_cause")
    confirm "Mark the incident resolved?" as confirm_resolve
    resolve("Breach contained and remediated (entry: #{root_cause})")
    notify.status(webhook, templates.resolved_for_incident({
      summary: "The security incident is contained and remediated. Entry point: #{root_cause}. Details stay restricted until the post-mortem.",
    }))
    notify.send(contacts.security, "Resolved: #{incident.id} after #{format_duration(incident.elapsed)}")
    notify.send(contacts.cto, "Resolved: #{incident.id} after #{format_duration(incident.elapsed)}")
    timeline("Resolved after #{format_duration(incident.elapsed)}")
  }
}

phase common.postmortem("Hold the blameless post-mortem with security, the responders and leadership",
                        [{text: "Close the entry point: #{root_cause}", owner: "Security", due: 7d},
                         {text: "Decide when the isolated instances and the evidence may be deleted", owner: "Security", due: 30d}],
                        state.followups, "Security")
