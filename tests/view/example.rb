# The complete example from docs/design language.md, without its `use` lines and with the
# notify calls replaced by `note` statements so that it needs no modules.
runbook "P1 — Database unavailable" {
  id       "p1-database-down"
  severity P1
  owner    "DevOps & Security Team"
  summary  "The primary database is unreachable; the API returns 500s"
  tags     ["database", "rds"]
  respond  within 15m          # acknowledgement target
  resolve  within 4h           # resolution target
}

param  db      = env("DB_INSTANCE", "prod-db")  "RDS instance identifier"
param  cluster = "prod-cluster"                  "ECS cluster"
param  service = "backend-service"               "ECS service"
secret webhook = env("SLACK_WEBHOOK", nil)

escalation {
  at 0m                        note "Page the primary on-call: #{incident.title}"
  at 15m unless acknowledged   note "Page the backup on-call: #{incident.title}"
  at 30m                       note "P1 open 30m: #{incident.title}"
  at 60m                       note "P1 open 60m: #{incident.title}"
}

every 15m until resolved {
  note "Still investigating: #{incident.title}"
}

phase "Detection" within 5m {
  step ack "Acknowledge the alert" {
    confirm "Is the alert acknowledged in the paging tool?"
    acknowledge()
  }
}

phase "Assessment" within 15m {
  step rds "Check the database instance" {
    let r = sh "aws rds describe-db-instances --db-instance-identifier #{db}" timeout 30s readonly
    if not r.ok {
      warn "AWS CLI failed (exit #{r.exit}): #{r.stderr}"
    }
  }
  step triage "What is the failure mode?" {
    choose "What do you see?" {
      "Multi-AZ failover in progress" => { goto wait_failover }
      "Connection pool exhausted"     => { goto restart }
      "Instance failed"               => { goto failover }
    }
  }
}

phase "Response" {
  step wait_failover "Wait for the automatic failover" {
    note "Automatic failover usually completes in 60-120 seconds."
    wait until sh("pg_isready -h #{db}").ok every 10s timeout 3m
    goto verify
  }
  step restart "Restart backend services" {
    confirm "Force a new deployment of #{service}?"
    sh "aws ecs update-service --cluster #{cluster} --service #{service} --force-new-deployment"
    goto verify
  } rollback {
    note "Nothing to roll back: a forced deployment replaces tasks in place."
  }
  step failover "Manual failover" {
    confirm "Fail over #{db} now?"
    sh "aws rds failover-db-instance --db-instance-identifier #{db}" timeout 5m
  }
}

phase "Resolution" {
  step verify "Verify and monitor" {
    checklist "Verification" {
      "All monitoring metrics back to normal"
      "Error rates below threshold"
      "No new related issues"
    }
    wait 30m "Monitor for 30 minutes after the fix"
    resolve("Database reachable again")
    timeline("Resolved after #{incident.elapsed}")
  }
}
