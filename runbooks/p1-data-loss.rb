# runbooks/p1-data-loss.rb — data loss or corruption in the database or in S3.
#
# From "Incident Response Procedures" (P1 Critical Incidents → Data Loss or Corruption):
# reports of missing data, an inconsistent database state, S3 objects deleted
# unexpectedly, failed database integrity checks.  The order is the seeds':
#
#   1. STOP all writes to the affected database or storage (every write after the loss
#      makes the recovery harder), and protect the backups;
#   2. assess the scope: when it started, which data, how many users;
#   3. identify the root cause: a migration, an application bug, malicious activity,
#      an infrastructure failure;
#   4. recover: point-in-time restore of the database into a new instance, restore of
#      S3 objects from their versions;
#   5. validate the restored data, then let writes back in.
#
# The restore never overwrites the damaged data: the database is restored next to it
# (prod-db-restored), and S3 objects get a new version on top of the delete marker, so
# every step can be undone while the data is compared.

runbook "P1 — Data loss or corruption" {
  id       "p1-data-loss"
  severity P1
  owner    "DevOps & Security Team"
  summary  "Data is missing or corrupted in the database or in S3"
  tags     ["data", "rds", "s3", "backup", "restore"]
  respond  within 15m
  resolve  within 4h
}

use "common.rb" as common     # the shared ladder, cadence, Detection and Post-mortem
use notify
use templates
use "contacts.rb" as contacts

param db             = env("DB_INSTANCE", "prod-db")         "RDS instance holding the data"
param restored_db    = ""                "Name of the point-in-time copy (default: DB-restored)"
param bucket         = ""                "S3 bucket that lost objects (asked when S3 is affected)"
param prefix         = ""                "Key prefix of the lost objects (asked when S3 is affected)"
param monitor_for: duration = 30m        "How long to watch after writes resume"
param cluster        = env("ECS_CLUSTER", "prod-cluster")     "ECS cluster"
param writer_service = env("ECS_SERVICE", "backend-service")  "ECS service that writes the affected data"
param region         = env("AWS_REGION", "us-east-1")        "AWS region"
param validate_cmd   = ""                "A read-only command that checks the restored data (exit 0: consistent)"
param declared: bool = false             "Set by declare-incident.rb: the declaration is already posted"

secret webhook     = env("SLACK_WEBHOOK", nil)
secret status_page = env("STATUS_PAGE_WEBHOOK", nil)

let state = {
  impact:    "Some data is missing or incorrect; writes are being paused",
  update:    "We are investigating reports of missing or incorrect data and are pausing writes to protect it.",
  followups: [],
}

fn db_instance(id) {
  let r = sh("aws rds describe-db-instances --db-instance-identifier #{id} --region #{region}", readonly: true, timeout: 30s)
  return (common.aws_json(r).DBInstances ?? [{}])[0] ?? {}
}

fn db_status(id) {
  return db_instance(id).DBInstanceStatus ?? "unknown"
}

escalation common.p1_ladder(contacts, "P1", [], state.update)

every common.status_updates(15m, webhook, state.impact, state.update)

# ---- Detection ----

phase common.detection(webhook, declared, state.impact, nil)

# ---- Containment: stop the writes first ----

phase "Containment" within 15m {
  step affected "Which data is affected?" {
    let where = choose("Where is the data missing or corrupted?",
                       ["The database (RDS)", "Objects in S3", "Both"], key: "affected")
    let affected_db = where != "Objects in S3"
    let affected_s3 = where != "The database (RDS)"
    timeline("Affected: #{where}")
  }

  step stop_writes "Stop all writes to the affected data" {
    let svc = sh "aws ecs describe-services --cluster #{cluster} --services #{writer_service} --region #{region}" timeout 30s readonly
    let writers_before = ((common.aws_json(svc).services ?? [{}])[0] ?? {}).desiredCount ?? 0
    let stopped_by = "nothing"
    choose "How will writes be stopped?" as stop_how {
      "Read-only mode (feature flag or maintenance switch)" => {
        confirm "Is the application in read-only mode now?" as confirm_read_only
        stopped_by = "read-only mode"
      }
      "Scale the writing service to 0 tasks" => {
        confirm "Scale #{writer_service} from #{writers_before} to 0 tasks (the API stops serving)?" as confirm_stop_writers
        sh "aws ecs update-service --cluster #{cluster} --service #{writer_service} --desired-count 0 --region #{region}" timeout 2m
        stopped_by = "scaling #{writer_service} to 0"
      }
      "Writes cannot be stopped" => {
        warn "Writes continue: every minute widens the damage. Escalate to the engineering lead for a decision."
        notify.send(contacts.eng_lead, "Data loss #{incident.id}: writes cannot be stopped; need a decision now")
      }
    }
    if stopped_by != "nothing" {
      state.update = "Writes are paused (#{stopped_by}) to protect the data while we assess the damage."
      timeline("Writes stopped: #{stopped_by}")
    }
  } rollback {
    if stopped_by == "scaling #{writer_service} to 0" {
      sh "aws ecs update-service --cluster #{cluster} --service #{writer_service} --desired-count #{writers_before} --region #{region}" timeout 2m
    }
  }

  step protect_backups "Protect the backups" {
    let s3_bucket = bucket
    if affected_db {
      let inst = db_instance(db)
      note "#{db}: backups kept #{inst.BackupRetentionPeriod ?? "?"} day(s); latest restorable time #{inst.LatestRestorableTime ?? "?"}"
      # The seeds' command: keep 35 days of backups so the restore point cannot age out
      # while the scope is being worked out.
      confirm "Extend the backup retention of #{db} to 35 days now?" as confirm_retention
      sh "aws rds modify-db-instance --db-instance-identifier #{db} --backup-retention-period 35 --apply-immediately --region #{region}" timeout 2m
      timeline("Backup retention of #{db} extended to 35 days")
    }
    if affected_s3 {
      s3_bucket = common.given_or_ask(bucket, "Which S3 bucket lost objects?", "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", "bucket")
      let versioning = common.aws_json(sh("aws s3api get-bucket-versioning --bucket #{s3_bucket} --region #{region}", readonly: true, timeout: 30s))
      if versioning.Status != "Enabled" {
        warn "Versioning is #{versioning.Status ?? "off"} on #{s3_bucket}: deleted objects may have no version to restore. Look for replicas and backups."
      }
    }
  }
}

# ---- Assessment ----

phase "Assessment" {
  step scope "Assess the scope of the loss" {
    let loss_started = ask("When did the loss or corruption start? (UTC, e.g. 2025-12-27T14:00:00Z)",
                           pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?Z$", key: "loss_started")
    let which_data = ask("Which data is affected (tables, prefixes, customers)?", key: "which_data")
    let users = ask("How many users are impacted? (a number, or unknown)", pattern: "^([0-9]+|unknown)$", key: "users_impacted")
    state.impact = "#{which_data} missing or incorrect since #{loss_started}; #{users} users impacted"
    timeline("Scope: #{which_data} since #{loss_started}, #{users} users")
    if not declared {
      notify.status(status_page, templates.status_page({title: "Data Unavailable",
                                                        what: "missing or incorrect data in some accounts",
                                                        severity: incident.severity}))
    }
  }

  step cause "Identify the root cause" {
    choose "What caused it?" as cause {
      "A recent migration" => {
        push(state.followups, "Test migrations against a production-sized copy and make them reversible")
      }
      "An application bug" => {
        push(state.followups, "Fix the bug that destroyed data and add a test that reproduces it")
      }
      "Malicious activity" => {
        notify.page(contacts.security, "Data loss #{incident.id} looks malicious: security incident response needed")
        warn "Treat it as a breach as well: run runbooks/p1-security-breach.rb in parallel (isolate before restoring)."
        push(state.followups, "Security review of the data destruction")
      }
      "Infrastructure failure" => {
        push(state.followups, "Review the storage failure with AWS support")
      }
    }
    incident.status = "identified"
    state.update = "We know what was lost and when; we are restoring it from backups."
  }
}

# ---- Recovery ----

phase "Recovery" {
  step restore_db "Restore the database to a point in time" timeout 3h {
    if not affected_db {
      goto restore_s3
    }
    let target_db = restored_db
    if target_db == "" {
      target_db = "#{db}-restored"
    }
    let inst = db_instance(db)
    note "Latest restorable time of #{db}: #{inst.LatestRestorableTime ?? "?"}"
    let restore_time = ask("Restore to which time (UTC, just before the loss)?", default: str(time(loss_started) - 5m),
                           pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$", key: "restore_time")
    if time(inst.LatestRestorableTime ?? "") != nil and time(restore_time) > time(inst.LatestRestorableTime) {
      warn "#{restore_time} is after the latest restorable time (#{inst.LatestRestorableTime}): RDS will refuse it."
    }
    confirm "Restore #{db} as of #{restore_time} into a new instance #{target_db} (production is not touched)?" as confirm_restore_db
    sh "aws rds restore-db-instance-to-point-in-time --source-db-instance-identifier #{db} --target-db-instance-identifier #{target_db} --restore-time #{restore_time} --region #{region}" timeout 5m
    timeline("Point-in-time restore of #{db} as of #{restore_time} started into #{target_db}")
    wait until db_status(target_db) == "available" every 1m timeout 2h
    timeline("#{target_db} available")
    choose "How will the data come back?" as recover_how {
      "Copy the lost rows back into production" => {
        checklist "Copy back" as copy_back {
          "Lost rows exported from #{target_db}"
          "Rows imported into #{db} (in a transaction, with a count check)"
        }
      }
      "Promote the restored instance" => {
        checklist "Promote" as promote {
          "Writes made after #{restore_time} exported from #{db} for reconciliation"
          "The application's database endpoint points at #{target_db}"
        }
        push(state.followups, "Rename #{target_db} and retire the damaged #{db} once the data is reconciled")
      }
    }
  } rollback {
    sh "aws rds delete-db-instance --db-instance-identifier #{target_db} --skip-final-snapshot --region #{region}" timeout 5m
  }

  step restore_s3 "Restore the deleted S3 objects from their versions" {
    if not affected_s3 {
      goto validate
    }
    let s3_prefix = prefix
    if s3_prefix == "" {
      s3_prefix = ask("Key prefix of the lost objects? (empty for the whole bucket)", default: "", key: "prefix")
    }
    let listing = sh "aws s3api list-object-versions --bucket #{s3_bucket} --prefix #{s3_prefix} --region #{region}" timeout 5m readonly
    let j = common.aws_json(listing)
    # The newest real version of every key whose latest version is a delete marker set
    # after the loss started.
    let deleted = []
    for m in j.DeleteMarkers ?? [] {
      let deleted_at = time(m.LastModified ?? "")
      if m.IsLatest == true and deleted_at != nil and deleted_at >= time(loss_started) {
        push(deleted, m.Key)
      }
    }
    let restores = []
    for k in deleted {
      let best = nil
      for v in j.Versions ?? [] {
        if v.Key == k and (best == nil or v.LastModified > best.LastModified) {
          best = v
        }
      }
      if best != nil {
        push(restores, {key: k, version: best.VersionId})
        note "  #{k}: version #{best.VersionId} of #{best.LastModified}"
      } else {
        warn "  #{k}: no earlier version to restore"
      }
    }
    if len(restores) > 0 {
      confirm "Restore #{len(restores)} object(s) in #{s3_bucket} by copying each back over its delete marker?" as confirm_restore_s3
      for r in restores {
        let source = "#{s3_bucket}/#{r.key}?versionId=#{r.version}"
        sh "aws s3api copy-object --copy-source #{source} --bucket #{s3_bucket} --key #{r.key} --region #{region}" timeout 5m
      }
      timeline("Restored #{len(restores)} object(s) in #{s3_bucket} from their versions")
    } else {
      note "No deleted objects to restore under #{s3_bucket}/#{s3_prefix}."
    }
  }

  step validate "Validate the restored data" {
    if validate_cmd != "" {
      let check = sh validate_cmd timeout 30m readonly
      if not check.ok {
        # The responder decides: retry after fixing the data, or skip (recorded) to resume anyway.
        fail "the integrity check failed (exit #{check.exit}): writes stay stopped"
      }
    }
    let checked = checklist("Validation", [
      "Integrity checks pass",
      "Row counts and checksums match the expected values",
      "Affected users confirm their data is back",
    ], key: "validation")
    for item, answer in checked {
      if starts_with(answer, "not done") {
        push(state.followups, "Validation left open: #{item} (#{answer})")
      }
    }
    state.update = "The data is restored and validated; we are resuming writes."
    timeline("Restored data validated")
  }

  step resume_writes "Resume writes" {
    if stopped_by == "scaling #{writer_service} to 0" {
      confirm "Scale #{writer_service} back to #{writers_before} tasks?" as confirm_resume
      sh "aws ecs update-service --cluster #{cluster} --service #{writer_service} --desired-count #{writers_before} --region #{region}" timeout 2m
      sh "aws ecs wait services-stable --cluster #{cluster} --services #{writer_service} --region #{region}" timeout 15m readonly
    } elif stopped_by == "read-only mode" {
      confirm "Is read-only mode switched off?" as confirm_resume
    }
    timeline("Writes resumed")
  }
}

# ---- Resolution ----

phase "Resolution" {
  step verify "Monitor after the restore" {
    incident.status = "monitoring"
    state.impact = "Data restored; we are monitoring"
    wait monitor_for "Monitor for 30 minutes after writes resume"
    checklist "Verification" as verification {
      "All monitoring metrics return to normal"
      "Error rates below threshold"
      "No new reports of missing data"
    }
  }
  step close "Resolve and announce" {
    confirm "Mark the incident resolved?" as confirm_resolve
    resolve("Data restored and validated: #{which_data}")
    notify.status(webhook, templates.resolved_for_incident({
      summary: "The missing data (#{which_data}) has been restored from backups and validated; writes are back on.",
    }))
    notify.status(status_page, templates.status_page_resolved({service: "Your data", root_cause: "data loss", fixed_at: now()}))
    notify.send(contacts.eng_lead, "Resolved: #{incident.title} after #{format_duration(incident.elapsed)}")
    notify.send(contacts.cto, "Resolved: #{incident.title} after #{format_duration(incident.elapsed)}")
    timeline("Resolved after #{format_duration(incident.elapsed)}")
  }
}

phase common.postmortem("Hold the blameless post-mortem: IC, responders, data owners, engineering lead",
                        [{text: "Test restores regularly: a quarterly data restoration drill", owner: "DevOps", due: 30d}],
                        state.followups, "DevOps")
