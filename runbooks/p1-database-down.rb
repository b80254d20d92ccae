# runbooks/p1-database-down.rb
#
# From "Incident Response Procedures" (P1 Critical Incidents → Database Unavailable):
# database connection errors, the API returning 500s, "Cannot connect to database" in the
# logs.  Assessment reads the instance, its Multi-AZ failover events, the connection pool
# and the connection count; the triage's answer picks the response: wait for the
# automatic failover, restart the backend (pool exhausted), fail over by hand, roll back a
# deployment, scale the instance, work around an AWS event, or — last resort — restore the
# latest snapshot into a new instance.
runbook "P1 — Database unavailable" {
  id       "p1-database-down"
  severity P1
  owner    "DevOps & Security Team"
  summary  "The primary database is unreachable; the API returns 500s"
  tags     ["database", "rds"]
  respond  within 15m          # acknowledgement target
  resolve  within 4h           # resolution target
}

use notify                              # stdlib/notify.rb, as namespace `notify`
use templates                           # stdlib/templates.rb: the seeds' messages
use "contacts.rb" as contacts
use "common.rb" as common           # a module next to this file

param  db      = env("DB_INSTANCE", "prod-db")  "RDS instance identifier"
param  cluster = "prod-cluster"                  "ECS cluster"
param  service = "backend-service"               "ECS service"
param  region  = env("AWS_REGION", "us-east-1")  "AWS region"
param  log_group = "/aws/ecs/prod/backend"       "CloudWatch log group of the backend"
param  monitor_for: duration = 30m               "How long to watch after the fix"
param declared: bool = false                     "Set by declare-incident.rb: the declaration is already posted"
secret webhook = env("SLACK_WEBHOOK", nil)
secret status_page = env("STATUS_PAGE_WEBHOOK", nil)

let impact = "API returning 500s: the database is unreachable"

# What the status updates say: steps keep it current, the timers read it.
let state = {update: "We are investigating database connectivity errors.", cause: nil, fix: nil, followups: [],
             serving: nil}  # the instance the application uses, when a restore replaced db

# The instance as RDS describes it: {ok, status, multi_az, address, port, az, secondary_az,
# latest_restorable}.
fn rds_instance(id) {
  return instance_of(sh("aws rds describe-db-instances --db-instance-identifier #{id} --region #{region}",
                        readonly: true, timeout: 30s), id)
}

# The same, from the result of a describe-db-instances command.
fn instance_of(r, id) {
  let i = (common.aws_json(r).DBInstances ?? [{}])[0] ?? {}
  return {
    ok:                r.ok,
    status:            i.DBInstanceStatus ?? "unknown",
    multi_az:          i.MultiAZ ?? false,
    address:           (i.Endpoint ?? {}).Address ?? id,
    port:              (i.Endpoint ?? {}).Port ?? 5432,
    az:                i.AvailabilityZone ?? "?",
    secondary_az:      i.SecondaryAvailabilityZone ?? "none",
    latest_restorable: i.LatestRestorableTime ?? "?",
  }
}

# Available to RDS and accepting connections.
fn db_available(id) {
  let i = rds_instance(id)
  return i.status == "available" and sh("pg_isready -h #{i.address} -p #{i.port}", readonly: true, timeout: 10s).ok
}

# Poll db_available every `interval` until it holds; false when `limit` passes first.
fn wait_available(id, interval, limit) {
  let deadline = now() + limit
  while not db_available(id) {
    if now() >= deadline {
      return false
    }
    wait interval "Waiting for the database to accept connections"
  }
  return true
}

escalation common.p1_ladder(contacts, "P1", [], state.update)

every common.status_updates(15m, webhook, impact, state.update)

phase common.detection(webhook, declared, impact, nil)

phase "Assessment" within 15m {
  step rds "Check the database instance" {
    let r = sh "aws rds describe-db-instances --db-instance-identifier #{db} --region #{region}" timeout 30s readonly
    if not r.ok {
      warn "AWS CLI failed (exit #{r.exit}): #{r.stderr}"
    }
    let inst = instance_of(r, db)
    note "#{db}: #{inst.status}; Multi-AZ #{inst.multi_az} (#{inst.az}, standby #{inst.secondary_az}); latest restorable #{inst.latest_restorable}"
  }
  step events "Check the Multi-AZ failover status" {
    let ev = sh "aws rds describe-events --source-identifier #{db} --source-type db-instance --duration 60 --region #{region}" timeout 30s readonly
    let failover_started = false
    let failover_done = false
    for e in common.aws_json(ev).Events ?? [] {
      note "  #{e.Date ?? "?"}  #{e.Message ?? ""}"
      if contains(lower(e.Message ?? ""), "failover") {
        if contains(lower(e.Message ?? ""), "complete") {
          failover_done = true
        } else {
          failover_started = true
        }
      }
    }
    let failover_running = failover_started and not failover_done
  }
  step pool "Check the connection pool" {
    let logs = sh "aws logs tail #{log_group} --since 30m --filter-pattern 'connection pool' --region #{region}" timeout 1m readonly
    let pool_errors = len(split(trim(logs.stdout), "\n"))
    if trim(logs.stdout) == "" {
      pool_errors = 0
    }
    note "#{pool_errors} connection-pool log line(s) in the last 30 minutes"
    let metrics = sh "aws cloudwatch get-metric-statistics --namespace AWS/RDS --metric-name DatabaseConnections --dimensions Name=DBInstanceIdentifier,Value=#{db} --start-time #{str(now() - 1h)} --end-time #{str(now())} --period 300 --statistics Maximum --region #{region}" timeout 30s readonly
    let peak = 0
    for p in common.aws_json(metrics).Datapoints ?? [] {
      peak = max(peak, p.Maximum ?? 0)
    }
    note "Peak DatabaseConnections in the last hour: #{peak}"
  }
  step common.scope(declared, status_page, "API Errors", "errors across the API")
  step triage "What is the failure mode?" {
    let likely = "Connection pool exhausted"
    if inst.status == "failed" or inst.status == "incompatible-restore" or inst.status == "storage-full" {
      likely = "Instance failed"
    } elif failover_running {
      likely = "Multi-AZ failover in progress"
    } elif pool_errors == 0 {
      likely = "A recent deployment or migration"
    }
    note "The evidence points to: #{likely}"
    choose "What do you see?" as failure_mode {
      "Multi-AZ failover in progress"                  => { goto wait_failover }
      "Connection pool exhausted"                      => { goto restart }
      "Instance failed"                                => { goto failover }
      "A recent deployment or migration"               => { goto roll_back }
      "Database out of CPU, memory or storage"         => { goto scale_db }
      "An AWS service event"                           => { goto aws_event }
      "Complete failure: the instance cannot recover"  => {
        goto restore                                    # the last resort: data after the snapshot is lost
      }
    }
  }
}

phase "Response" {
  step wait_failover "Wait for the automatic failover" {
    incident.status = "identified"
    state.cause = "a Multi-AZ failover"
    state.update = "The database is failing over to its standby; we are monitoring."
    note "Automatic failover usually completes in 60-120 seconds."
    if not wait_available(db, 10s, 3m) {
      warn "The failover has not completed in 3 minutes: fail over manually."
      timeline("Automatic failover did not complete in 3 minutes")
      goto failover
    }
    state.fix = "waited for the automatic Multi-AZ failover"
    timeline("Automatic failover completed")
    goto verify
  }
  step restart "Restart backend services" {
    incident.status = "identified"
    state.cause = "connection pool exhaustion"
    state.update = "Database connections are exhausted; we are restarting the backend services to reset them."
    confirm "Force a new deployment of #{service}?"
    common.ecs_force_new_deployment(cluster, service, region)
    timeline("Forced a new deployment of #{service} to reset its connections")
    push(state.followups, "Increase the connection pool size and add connection pool metrics and alerts")
    state.fix = "restarted the backend services"
    goto verify
  } rollback {
    note common.in_place
  }
  step roll_back "Roll back the deployment" {
    incident.status = "identified"
    state.cause = "a recent deployment"
    state.update = "A recent deployment broke database access; we are rolling it back."
    let target = ask("Roll #{service} back to which task definition (family:revision)?",
                     pattern: "^[A-Za-z0-9_-]+:[0-9]+$", key: "rollback_to")
    confirm "Roll #{service} back to #{target}?" as confirm_rollback
    common.ecs_roll_back(cluster, service, region, target)
    timeline("Rolled #{service} back to #{target}")
    state.fix = "rolled back to #{target}"
    push(state.followups, "Review how the deployment or migration reached production; test migrations against a production-sized copy")
    goto verify
  }
  step scale_db "Scale the database up" {
    incident.status = "identified"
    state.cause = "database resource exhaustion"
    state.update = "The database is out of capacity; we are scaling it up."
    let class = ask("Move #{db} to which instance class?", default: "db.r6g.2xlarge",
                    pattern: "^db\\.[a-z0-9]+\\.[a-z0-9]+$", key: "instance_class")
    confirm "Modify #{db} to #{class} now (a Multi-AZ instance fails over; a single-AZ one restarts)?" as confirm_scale_db
    sh "aws rds modify-db-instance --db-instance-identifier #{db} --db-instance-class #{class} --apply-immediately --region #{region}" timeout 2m
    wait until db_available(db) every 30s timeout 30m
    timeline("Scaled #{db} to #{class}")
    state.fix = "scaled the database to #{class}"
    push(state.followups, "Alert on database CPU, memory and storage before they run out")
    goto verify
  }
  step aws_event "Work around the AWS service event" {
    incident.status = "identified"
    state.cause = "an AWS service event"
    state.update = "An AWS service event affects our database; we are working with AWS support."
    sh "aws health describe-events --region #{region}" timeout 30s readonly
    checklist "AWS event" as aws_event_steps {
      "Support case opened with AWS (Enterprise support)"
      "Read-only or degraded mode enabled where possible"
      "Failover to the standby considered"
    }
    state.fix = "worked around the AWS event"
    goto verify
  }
  step failover "Manual failover" {
    incident.status = "identified"
    state.cause = "a failed database instance"
    state.update = "The primary database instance failed; we are failing over to the standby."
    confirm "Fail over #{db} now?"
    sh "aws rds failover-db-instance --db-instance-identifier #{db} --region #{region}" timeout 5m
    wait until db_available(db) every 15s timeout 10m
    timeline("Failed #{db} over to its standby")
    state.fix = "failed over to the standby"
    goto verify
  }
  step restore "Restore from a snapshot (last resort)" {
    incident.status = "identified"
    state.cause = "an unrecoverable database failure"
    state.update = "The database cannot be recovered in place; we are restoring it from the latest snapshot."
    let snaps = sh "aws rds describe-db-snapshots --db-instance-identifier #{db} --region #{region}" timeout 30s readonly
    let latest = ""
    let latest_at = ""
    for s in common.aws_json(snaps).DBSnapshots ?? [] {
      if (s.SnapshotCreateTime ?? "") > latest_at {
        latest = s.DBSnapshotIdentifier ?? ""
        latest_at = s.SnapshotCreateTime ?? ""
      }
    }
    note "Latest snapshot: #{latest} (#{latest_at}); everything written after it is lost."
    let snapshot = ask("Restore from which snapshot?", default: latest, key: "snapshot")
    let new_db = ask("Name of the restored instance?", default: "#{db}-restored", pattern: "^[a-zA-Z][a-zA-Z0-9-]*$",
                     key: "restored_db")
    confirm "Restore #{snapshot} into a new instance #{new_db}?" as confirm_restore
    sh "aws rds restore-db-instance-from-db-snapshot --db-instance-identifier #{new_db} --db-snapshot-identifier #{snapshot} --multi-az --region #{region}" timeout 5m
    timeline("Restoring #{snapshot} into #{new_db}")
    wait until db_available(new_db) every 1m timeout 2h
    checklist "Cut over" as cutover {
      "The application's database endpoint points at #{new_db}"
      "Backend services restarted to pick up the new endpoint"
    }
    state.fix = "restored #{snapshot} into #{new_db}"
    state.serving = new_db
    push(state.followups, "Reconcile the data written after #{latest_at} (run the data-loss playbook)")
    goto verify
  } rollback {
    sh "aws rds delete-db-instance --db-instance-identifier #{new_db} --skip-final-snapshot --region #{region}" timeout 5m
  }
}

phase "Resolution" {
  step verify "Verify and monitor" {
    incident.status = "monitoring"
    state.update = "A fix is in place (#{state.fix ?? "see timeline"}); we are monitoring."
    let serving = state.serving ?? db
    if not wait_available(serving, 30s, 10m) {
      warn "#{serving} still does not accept connections 10 minutes after the fix: back to triage."
      incident.status = "investigating"
      timeline("Fix did not bring #{serving} back")
      goto triage
    }
    checklist "Verification" {
      "All monitoring metrics back to normal"
      "Error rates below threshold"
      "No new related issues"
    }
    wait monitor_for "Monitor for 30 minutes after the fix"
    resolve("Database reachable again: #{state.fix ?? "fixed"}")
    timeline("Resolved after #{incident.elapsed}")
  }
  step announce "Announce the resolution" {
    let root_cause = ask("Root cause, in one line:", default: state.cause ?? "under investigation", key: "root_cause")
    notify.status(webhook, templates.resolved_for_incident({
      summary: "The database is reachable again and the API has recovered. The issue was caused by #{root_cause}; we #{state.fix ?? "fixed it"}.",
    }))
    notify.status(status_page, templates.status_page_resolved({service: "The API service", root_cause: root_cause,
                                                                fixed_at: now()}))
    notify.send(contacts.eng_lead, "Resolved: #{incident.title} after #{format_duration(incident.elapsed)}")
    notify.send(contacts.cto, "Resolved: #{incident.title} after #{format_duration(incident.elapsed)}")
  }
}

phase common.postmortem("Hold the blameless post-mortem: IC, responders, service owners, engineering lead",
                        [], state.followups, "DevOps")
