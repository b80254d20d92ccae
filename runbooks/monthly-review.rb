# runbooks/monthly-review.rb — the monthly maintenance and review ("7.2 Monthly
# Maintenance": log file analysis, S3 retention of call recordings and logs, backup
# integrity, database performance; "Incident Management Procedure" 8.3: the monthly
# metrics review; the incident plan: P4 alerts are analysed in scheduled health reviews).
#
# Read-only and unattended-safe (`--auto`, from a monthly timer: docs/operations.md).
# Each problem found is a finding and an action item; the run fails when there are any,
# and #ops-alerts gets the list.  The metrics review runs `runbook stats` and `runbook
# runs` over the team's recording database (RUNBOOK_DB), so last month's incidents are
# measured against the handbook's targets.
runbook "Monthly maintenance review" {
  id       "monthly-review"
  severity P4
  owner    "IT Operations Team"
  summary  "Logs, retention, backups, database performance and last month's incident metrics"
  tags     ["routine", "monthly"]
}

use comms
use aws
use "contacts.rb" as contacts

param region           = env("AWS_REGION", "us-east-1")            "AWS region"
param bucket           = env("RECORDINGS_BUCKET", "recordings")    "Call recordings and logs bucket"
param retention: number = 365                                      "Days recordings must be kept (the data retention policy)"
param vault            = env("BACKUP_VAULT", "prod-vault")          "AWS Backup vault"
param max_backup_age: duration = 26h                               "Oldest acceptable newest recovery point"
param table            = env("DDB_TABLE", "contacts")               "DynamoDB table"
param db               = env("DB_INSTANCE", "prod-db")              "RDS instance"
param since            = "30d"                                     "The review period (runbook stats --since: 30d or a date)"
param runbook_bin      = env("RUNBOOK_BIN", "runbook")              "The runbook binary (for the metrics review)"
param records          = env("RUNBOOK_DB", "")                      "The recording database to review (default: runbook's own default)"

let findings = []

fn finding(text) {
  push(findings, text)
  warn "FINDING: #{text}"
}


step logs "CloudWatch and CloudTrail logs" {
  let trail = aws.parse(sh("aws cloudtrail lookup-events --start-time #{str(now() - 30d)} --max-results 1000 --region #{region}",
                         readonly: true, timeout: 2m))
  if trail == nil {
    finding("CloudTrail did not answer: the month's API activity was not reviewed")
  } else {
    let sensitive = []
    for e in trail.Events ?? [] {
      if (e.EventName ?? "") in ["CreateUser", "DeleteTrail", "StopLogging", "PutBucketPolicy", "CreateAccessKey"] {
        push(sensitive, "#{e.EventName} at #{e.EventTime ?? "?"}")
      }
    }
    note "#{len(trail.Events ?? [])} CloudTrail event(s) read."
    if len(sensitive) > 0 {
      finding("security-relevant CloudTrail events to review: #{join(sensitive, ", ")}")
    }
  }
}

step retention "S3 retention of recordings and logs" {
  let lc = aws.parse(sh("aws s3api get-bucket-lifecycle-configuration --bucket #{bucket}", readonly: true, timeout: 30s))
  let days = nil
  for rule in (lc ?? {}).Rules ?? [] {
    if (rule.Status ?? "") == "Enabled" and (rule.Expiration ?? {}).Days != nil {
      days = rule.Expiration.Days
    }
  }
  if days == nil {
    finding("#{bucket} has no expiration rule: retention is not enforced")
  } elif days < retention {
    finding("#{bucket} deletes recordings after #{days} days; the policy keeps them #{retention}")
  } else {
    note "#{bucket} keeps recordings #{days} days (policy: at least #{retention})."
  }
}

step backups "Backup integrity" {
  let rp = aws.parse(sh("aws backup list-recovery-points-by-backup-vault --backup-vault-name #{vault} --max-results 20 --region #{region}",
                      readonly: true, timeout: 30s))
  let newest = nil
  for p in (rp ?? {}).RecoveryPoints ?? [] {
    if newest == nil or (p.CreationDate ?? "") > (newest.CreationDate ?? "") {
      newest = p
    }
  }
  if newest == nil {
    finding("no recovery point in #{vault}")
  } elif (newest.Status ?? "") != "COMPLETED" {
    finding("the newest recovery point in #{vault} is #{newest.Status ?? "?"}")
  } elif now() - time(newest.CreationDate) > max_backup_age {
    finding("the newest recovery point in #{vault} is from #{newest.CreationDate}: older than #{format_duration(max_backup_age)}")
  } else {
    note "Newest recovery point #{newest.CreationDate}: completed. (The restore itself is tested by the quarterly DR drill.)"
  }
}

step database "Database performance" {
  let r = sh "aws cloudwatch get-metric-statistics --namespace AWS/DynamoDB --metric-name ThrottledRequests --dimensions Name=TableName,Value=#{table} --start-time #{str(now() - 30d)} --end-time #{str(now())} --period 2592000 --statistics Sum --region #{region}" timeout 30s readonly
  let throttled = 0
  for p in (aws.parse(r) ?? {}).Datapoints ?? [] {
    throttled = throttled + (p.Sum ?? 0)
  }
  if throttled > 0 {
    finding("#{table} throttled #{throttled} request(s) this month: review its capacity")
  }
  let cpu = sh "aws cloudwatch get-metric-statistics --namespace AWS/RDS --metric-name CPUUtilization --dimensions Name=DBInstanceIdentifier,Value=#{db} --start-time #{str(now() - 30d)} --end-time #{str(now())} --period 86400 --statistics Maximum --region #{region}" timeout 30s readonly
  let peak = 0
  for p in (aws.parse(cpu) ?? {}).Datapoints ?? [] {
    peak = max(peak, p.Maximum ?? 0)
  }
  if peak >= 90 {
    finding("#{db} peaked at #{peak}% CPU this month: look for slow queries")
  } else {
    note "#{db} peak CPU #{peak}%; #{table} throttled #{throttled} request(s)."
  }
}

step metrics "Monthly metrics review" {
  let stats = aws.parse(sh("#{runbook_bin} stats --since #{since} --format json", env: {RUNBOOK_DB: records},
                         readonly: true, timeout: 1m))
  if stats == nil {
    finding("runbook stats did not run: the month's incident metrics were not reviewed")
  } else {
    note "#{stats.incidents} incident(s) since #{since}."
    for k in stats.kpis ?? [] {
      if k.verdict == "missed" {
        finding("KPI missed: #{k.name} (target #{k.target})")
      }
    }
  }
  let runs = aws.parse(sh("#{runbook_bin} runs --format json", env: {RUNBOOK_DB: records}, readonly: true, timeout: 1m)) ?? []
  let p4 = []
  for r in runs {
    if r.severity == "P4" and r.incident != incident.id {
      push(p4, "#{r.incident} #{r.title ?? r.runbook ?? ""}")
    }
  }
  if len(p4) > 0 {
    note "P4 incidents for this review: #{join(p4, "; ")}"
  }
}

step report "Report the review" {
  if len(findings) == 0 {
    note "Monthly review: nothing to follow up."
  } else {
    for f in findings {
      action_item(f, owner: "IT Operations", due: 30d)
    }
    comms.alert(P3, contacts.people, "Monthly review: #{len(findings)} finding(s) — #{join(findings, "; ")}")
    fail "#{len(findings)} finding(s) to follow up"
  }
}
