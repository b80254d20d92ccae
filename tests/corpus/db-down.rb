# db-down.rb — P1: the primary database is unreachable.
runbook "P1 — Database unavailable" {
  id       "p1-database-down"
  severity P1
  owner    "DevOps & Security Team"
  summary  "The primary database is unreachable; the API returns 500s"
  tags     ["database", "rds"]
  respond  within 15m
  resolve  within 4h
}

use "contacts.rb" as contacts

param  db      = env("DB_INSTANCE", "prod-db")  "RDS instance identifier"
param  cluster = "prod-cluster"                  "ECS cluster"
param  service: string = "backend-service"      "ECS service"
secret webhook = env("SLACK_WEBHOOK", nil)

escalation {
  at 0m                        contacts.page(contacts.primary, incident.title)
  at 15m unless acknowledged   contacts.page(contacts.backup, incident.title)
  at 30m                       contacts.say("#incidents", "P1 open 30m: #{incident.title}")
  at 60m when incident.severity == P1 {
    contacts.page(contacts.eng_lead, "P1 open 60m: #{incident.title}")
    timeline("Escalated to the engineering lead")
  }
  repeat every 30m
}

every 15m until resolved {
  contacts.say("#incidents", "Still investigating: #{incident.title} (#{incident.elapsed})")
}

phase "Detection" within 5m {
  step ack "Acknowledge the alert" {
    confirm "Is the alert acknowledged in the paging tool?"
    acknowledge()
  }
}

phase "Assessment" within 15m {
  step rds "Check the database instance" timeout 2m {
    let r = sh "aws rds describe-db-instances --db-instance-identifier #{db}" timeout 30s readonly
    if not r.ok {
      warn "AWS CLI failed (exit #{r.exit}): #{r.stderr}"
    } elif r.stdout == "" {
      note 'empty answer from the AWS CLI'
    } else {
      let status = r.json.DBInstances[0].DBInstanceStatus ?? "unknown"
      note "Instance status: #{status}"
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
  step restart "Restart backend services" retries 1 {
    confirm "Force a new deployment of #{service}?"
    sh "aws ecs update-service --cluster #{cluster} --service #{service} --force-new-deployment"
    goto verify
  } rollback {
    note "Nothing to roll back: a forced deployment replaces tasks in place."
  } on failure {
    warn "The deployment did not start; try the console."
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
