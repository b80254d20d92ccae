# runbooks/p2-high-error-rate.rb
#
# From "Incident Response Procedures" (P2 High Priority Incidents → High Error Rate
# (>10%)).  Investigation: identify the failing endpoints (CloudWatch Logs Insights),
# check for a pattern (users, regions, features), review recent changes (deployments,
# config), check the dependencies (database, Redis, third-party APIs).  Response: roll
# back a recent deployment, scale up a resource constraint, open the circuit breaker of a
# failing dependency, and add monitoring for the root cause.
#
# A P2: respond within 1 hour, resolve within 8; the time-based ladder (primary, backup at
# 15 minutes unless acknowledged, engineering lead at 30), a status update every 30
# minutes with the escalation matrix and the stakeholder updates (stdlib/comms.rb), the
# status page within 30 minutes.  An error rate of 100% is a P1: the run raises the
# severity and points at p1-service-down.rb.
runbook "P2 — High error rate" {
  id       "p2-high-error-rate"
  severity P2
  owner    "DevOps & Security Team"
  summary  "More than 10% of API requests fail"
  tags     ["api", "errors", "p2"]
  respond  within 1h
  resolve  within 8h
}

use notify
use "response.rb" as response
use "contacts.rb" as contacts

param cluster       = env("ECS_CLUSTER", "prod-cluster")              "ECS cluster"
param service       = env("ECS_SERVICE", "backend-service")           "ECS service"
param region        = env("AWS_REGION", "us-east-1")                  "AWS region"
param load_balancer = env("ALB_NAME", "app/prod-alb/0123456789abcdef") "The load balancer in front of the API"
param log_group     = "/aws/ecs/prod/backend"                          "CloudWatch log group of the backend"
param db_host       = env("DB_HOST", "prod-db.internal")               "Database host (dependency check)"
param redis_host    = env("REDIS_HOST", "prod-redis.internal")         "Redis host (dependency check)"
param third_party   = env("THIRD_PARTY_STATUS_URL", "https://status.payments.example.com/api/v2/status.json") "A third-party API's health URL"
param threshold: number = 10                                            "Error rate (%) that makes this a P2"
param monitor_for: duration = 30m                                       "How long to watch after the fix"
secret webhook     = env("SLACK_WEBHOOK", nil)
secret status_hook = env("STATUS_PAGE_WEBHOOK", nil)

let impact = "More than #{threshold}% of API requests fail"
let state = response.new_state("We are investigating an elevated error rate on the API.")

# The sum of one load-balancer metric over the last 15 minutes, or nil.
fn alb_sum(metric) {
  let r = sh("aws cloudwatch get-metric-statistics --namespace AWS/ApplicationELB --metric-name #{metric} --dimensions Name=LoadBalancer,Value=#{load_balancer} --start-time #{str(now() - 15m)} --end-time #{str(now())} --period 900 --statistics Sum --region #{region}",
             readonly: true, timeout: 30s)
  if not r.ok {
    return nil
  }
  let total = 0
  for p in (from_json(r.stdout) ?? {}).Datapoints ?? [] {
    total = total + (p.Sum ?? 0)
  }
  return total
}

# The share of 5xx answers in the last 15 minutes, in percent (one decimal), or nil.
fn error_rate() {
  let errors = alb_sum("HTTPCode_Target_5XX_Count")
  let total = alb_sum("RequestCount")
  if errors == nil or total == nil or total == 0 {
    return nil
  }
  return round(errors * 1000 / total) / 10
}

escalation response.p2_ladder()
every response.p2_updates(webhook, impact, state)
phase response.detection(webhook, impact)

phase "Assessment" within 15m {
  step measure "Measure the error rate" {
    let rate = error_rate()
    if rate == nil {
      warn "No load balancer metrics: measure the error rate on the dashboard."
    } elif rate >= 100 {
      warn "Every request fails (#{rate}%): this is a P1. Run p1-service-down.rb."
      incident.severity = P1
      timeline("Raised to P1: error rate #{rate}%")
    } elif rate < threshold {
      note "Error rate #{rate}%: below the #{threshold}% of a P2; keep watching, it may be passing."
    } else {
      note "Error rate #{rate}% over the last 15 minutes."
    }
  }
  step status_page "Update the status page" {
    response.post_status_page(status_hook, state, "Elevated API Errors", "elevated error rates on the API")
  }
  step endpoints "Identify the failing endpoints" {
    let started = sh "aws logs start-query --log-group-name #{log_group} --start-time #{int(num(now() - 1h) / 1)} --end-time #{int(num(now()) / 1)} --query-string 'filter status >= 500 | stats count(*) as errors by endpoint | sort errors desc | limit 5' --region #{region}" timeout 30s readonly
    let query_id = (from_json(started.stdout) ?? {}).queryId ?? ""
    let results = sh "aws logs get-query-results --query-id #{query_id} --region #{region}" timeout 30s readonly
    let failing = []
    for row in (from_json(results.stdout) ?? {}).results ?? [] {
      let fields = {}
      for f in row {
        fields[f.field ?? "?"] = f.value ?? ""
      }
      push(failing, "#{fields.endpoint ?? "?"} (#{fields.errors ?? "?"} errors)")
    }
    if len(failing) == 0 {
      note "Logs Insights found no failing endpoint: the errors may come from the load balancer itself."
    } else {
      note "Failing endpoints: #{join(failing, ", ")}"
    }
  }
  step pattern "Check for a pattern" {
    checklist "Pattern" as pattern {
      "Specific users or tenants?"
      "Specific regions or availability zones?"
      "Specific features or endpoints?"
    }
  }
  step changes "Review recent changes" {
    let commits = sh "git log --oneline --since='2 hours ago'" timeout 10s readonly
    let svc = sh "aws ecs describe-services --cluster #{cluster} --services #{service} --region #{region}" timeout 30s readonly
    let dep = ((from_json(svc.stdout) ?? {}).services ?? [{}])[0] ?? {}
    let current = (((dep.deployments ?? [{}])[0] ?? {}).taskDefinition ?? "?")
    let recent_commits = len(split(trim(commits.stdout), "\n"))
    if trim(commits.stdout) == "" {
      recent_commits = 0
    }
    note "#{recent_commits} commit(s) in the last 2 hours; #{service} runs #{current}"
  }
  step deps "Check the dependencies" {
    let db_ok = sh("pg_isready -h #{db_host} -p 5432", readonly: true, timeout: 10s).ok
    let redis_ok = sh("redis-cli -h #{redis_host} ping", readonly: true, timeout: 10s).ok
    let api_ok = sh("curl -fsS --max-time 5 #{third_party}", readonly: true, timeout: 10s).ok
    let failing_dep = nil
    for d in [["database", db_ok], ["Redis", redis_ok], ["the third-party API", api_ok]] {
      if not d[1] {
        warn "Dependency down: #{d[0]}"
        failing_dep = failing_dep ?? d[0]
      }
    }
    if failing_dep == nil {
      note "Database, Redis and the third-party API answer."
    }
  }
  step triage "What causes the errors?" {
    let likely = "Nothing we can see yet"
    if failing_dep != nil {
      likely = "A failing dependency"
    } elif recent_commits > 0 {
      likely = "A recent deployment"
    }
    note "The evidence points to: #{likely}"
    choose "What causes the errors?" as cause {
      "A recent deployment"      => { goto roll_back }
      "A resource constraint"    => { goto scale_up }
      "A failing dependency"     => { goto circuit_breaker }
      "Nothing we can see yet"   => { goto monitor_cause }
    }
  }
}

phase "Response" {
  step roll_back "Roll back the deployment" {
    response.identified(state, "a recent deployment",
                        "A recent deployment raised the error rate; we are rolling it back.")
    let target = ask("Roll #{service} back to which task definition (family:revision)?",
                     pattern: "^[A-Za-z0-9_-]+:[0-9]+$", key: "rollback_to")
    confirm "Roll #{service} back to #{target}?" as confirm_rollback
    response.roll_back_service(cluster, service, region, target)
    state.fix = "rolled back to #{target}"
    response.follow_up(state, "Find out why the deployment reached production; add the check that would have caught it")
    goto verify
  } on failure {
    warn "The rollback did not complete: scale up to carry the load while the deployment is fixed."
    timeline("Rollback failed")
    goto scale_up
  }
  step scale_up "Scale up" {
    response.identified(state, state.cause ?? "a resource constraint",
                        "We are adding capacity to bring the error rate down.")
    let count = ask("Scale #{service} to how many tasks?", default: "10", pattern: "^[0-9]+$", key: "task_count")
    confirm "Scale #{service} to #{count} tasks?" as confirm_scale
    sh "aws ecs update-service --cluster #{cluster} --service #{service} --desired-count #{count} --region #{region}" timeout 2m
    timeline("Scaled #{service} to #{count} tasks")
    state.fix = state.fix ?? "scaled #{service} to #{count} tasks"
    response.follow_up(state, "Autoscale #{service} on request count and CPU before the error rate climbs")
    goto verify
  }
  step circuit_breaker "Open the circuit breaker of the failing dependency" {
    response.identified(state, "a failing dependency (#{failing_dep ?? "see timeline"})",
                        "A dependency is failing; we are switching to the fallback path.")
    let flag = ask("Which feature flag opens the circuit breaker?", default: "circuit-breaker-payments", key: "breaker_flag")
    confirm "Turn #{flag} on for #{service}?" as confirm_breaker
    sh "aws ssm put-parameter --name /prod/flags/#{flag} --value on --type String --overwrite --region #{region}" timeout 30s
    timeline("Circuit breaker #{flag} opened")
    state.fix = "opened the circuit breaker #{flag}"
    response.follow_up(state, "Close #{flag} once the dependency has recovered; agree a fallback with its owner")
    goto verify
  } rollback {
    sh "aws ssm put-parameter --name /prod/flags/#{flag} --value off --type String --overwrite --region #{region}" timeout 30s
  }
  step monitor_cause "Add monitoring for the root cause" {
    state.update = "We have not found the cause yet; we are adding monitoring and continuing the investigation."
    checklist "Monitoring" as monitoring {
      "Alarm on the failing endpoints' 5xx rate"
      "Dashboard of dependency latency and errors"
      "Structured error logs for the failing requests"
    }
    response.follow_up(state, "Keep the monitoring added during the incident; review it at the post-mortem")
    if confirm("Escalate to the engineering lead now?", key: "escalate_now", default: true) {
      notify.send(contacts.eng_lead, "P2 needs help: #{incident.title} — cause not found")
      timeline("Escalated to the engineering lead: cause not found")
    }
    goto triage
  }
}

phase "Resolution" {
  step verify "Verify and monitor" {
    response.monitoring(state, "A fix is in place (#{state.fix ?? "see timeline"}); we are monitoring.")
    let after = error_rate()
    if after != nil and after >= threshold {
      response.not_fixed("The error rate is still #{after}% after the fix: back to triage.", "Fix did not bring the error rate down (#{after}%)")
      goto triage
    }
    response.watch_and_resolve(monitor_for, "Error rate back below #{threshold}%: #{state.fix ?? "fixed"}")
  }
  step response.announcement(webhook, status_hook, state, "The API")
}

phase response.postmortem(state)
