# runbooks/p1-service-down.rb — the API is completely unavailable.
#
# From "Incident Response Procedures" (P1 Critical Incidents → Service Completely Down):
# 100% error rate on health checks, every endpoint failing, users cannot reach the platform.
# The playbook walks the seeds' five phases — detection, assessment, response, resolution,
# post-mortem — with the seeds' commands, the P1 escalation ladder and status updates, and
# the decision tree:
#
#     Is this a recent deployment?        YES → roll back to the previous version
#     Is this resource exhaustion?        YES → scale up
#     Is this an infrastructure problem?  YES → restart the unhealthy tasks
#     Is this a third-party service?      YES → work around it or wait for the provider
#     none of these                       → keep investigating (and escalate)
#
# Diagnostics are `readonly` (they also run under --dry-run) and every command that
# changes production waits for a `confirm`.  Each question of the decision tree offers
# as its default the answer the diagnostics point to.
#
#   runbook exec runbooks/p1-service-down.rb --set cluster=prod-cluster \
#       --set service=backend-service --set target_group=arn:aws:elasticloadbalancing:…

runbook "P1 — API completely unavailable" {
  id       "p1-service-down"
  severity P1
  owner    "DevOps & Security Team"
  summary  "100% error rate on health checks: every API endpoint fails, users cannot reach the platform"
  tags     ["api", "ecs", "outage"]
  respond  within 15m          # acknowledgement target (P1)
  resolve  within 4h           # resolution target (Severity 1)
}

use notify
use templates
use "contacts.rb" as contacts
use "common.rb" as common

param cluster      = env("ECS_CLUSTER", "prod-cluster")          "ECS cluster"
param service      = env("ECS_SERVICE", "backend-service")       "ECS service behind the API"
param target_group = env("TARGET_GROUP_ARN", "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/backend/0123456789abcdef") "ARN of the load balancer's target group"
param region       = env("AWS_REGION", "us-east-1")              "AWS region"
param repo         = env("SERVICE_REPO", ".")                     "Checkout of the service's repository (for the deployment history)"
param log_group    = "/aws/ecs/prod/backend"                      "CloudWatch log group of the service"
param scale_to: number = 10                                       "Task count to scale up to (the seeds' 10)"
param monitor_for: duration = 30m                                 "How long to watch after the fix (the seeds' 30 minutes)"
param declared: bool = false                                      "Set by declare-incident.rb: the declaration is already posted"

secret webhook     = env("SLACK_WEBHOOK", nil)         # #incident-response
secret status_page = env("STATUS_PAGE_WEBHOOK", nil)   # the public status page

# What the status updates say: steps keep it current, the timers read it.
let state = {
  impact:    "API service unavailable (100% error rate)",
  update:    "We are investigating reports of API unavailability.",
  cause:     nil,
  fix:       nil,
  fixed_at:  nil,
  followups: [],
}

# ---- helpers: the AWS CLI's JSON, read defensively (a failed call gives {}) ----

# The ECS service: {running, desired, pending, task_definition, deployments, events}.
fn ecs_service() {
  let r = sh("aws ecs describe-services --cluster #{cluster} --services #{service} --region #{region}",
             readonly: true, timeout: 30s)
  let s = (common.aws_json(r).services ?? [{}])[0] ?? {}
  return {
    ok:              r.ok,
    running:         s.runningCount ?? 0,
    desired:         s.desiredCount ?? 0,
    pending:         s.pendingCount ?? 0,
    task_definition: s.taskDefinition ?? "",
    deployments:     s.deployments ?? [],
    events:          s.events ?? [],
  }
}

# The load balancer's targets: {healthy, total, unhealthy: [reasons]}.
fn target_health() {
  let r = sh("aws elbv2 describe-target-health --target-group-arn #{target_group} --region #{region}",
             readonly: true, timeout: 30s)
  let healthy = 0
  let total = 0
  let unhealthy = []
  for t in common.aws_json(r).TargetHealthDescriptions ?? [] {
    total = total + 1
    let h = t.TargetHealth ?? {}
    if h.State == "healthy" {
      healthy = healthy + 1
    } else {
      push(unhealthy, "#{(t.Target ?? {}).Id ?? "?"}: #{h.State ?? "?"} (#{h.Reason ?? h.Description ?? "no reason"})")
    }
  }
  return {ok: r.ok, healthy: healthy, total: total, unhealthy: unhealthy}
}

# Healthy again: every desired task running and every target healthy.
fn service_up() {
  let s = ecs_service()
  let t = target_health()
  return s.ok and s.desired > 0 and s.running >= s.desired and t.total > 0 and t.healthy == t.total
}

# Poll service_up every `interval` until it holds; false when `limit` passes first.
fn wait_up(interval, limit) {
  let deadline = now() + limit
  while not service_up() {
    if now() >= deadline {
      return false
    }
    wait interval "Waiting for the service to become healthy"
  }
  return true
}

# "backend-service:42" from a task definition ARN.
fn task_def_name(arn) {
  let parts = split(arn ?? "", "/")
  return parts[len(parts) - 1]
}

fn revision(name) {
  let parts = split(name, ":")
  return num(parts[len(parts) - 1]) ?? 0
}

fn family(name) {
  return split(name, ":")[0]
}

# The highest maximum of a CloudWatch metric of the service over the last hour, or nil.
fn metric_max(metric) {
  let r = sh("aws cloudwatch get-metric-statistics --namespace AWS/ECS --metric-name #{metric} --dimensions Name=ClusterName,Value=#{cluster} Name=ServiceName,Value=#{service} --start-time #{str(now() - 1h)} --end-time #{str(now())} --period 300 --statistics Maximum --region #{region}",
             readonly: true, timeout: 30s)
  let top = nil
  for p in common.aws_json(r).Datapoints ?? [] {
    if p.Maximum != nil and (top == nil or p.Maximum > top) {
      top = p.Maximum
    }
  }
  return top
}

# The cause is known: say so in the status and in the timeline.
fn identified(cause) {
  incident.status = "identified"
  state.cause = cause
  timeline("Cause identified: #{cause}")
}

# ---- escalation and communication: the clock never stops ----

escalation common.p1_ladder(contacts, "P1", [], state.update)

# The seeds: post in #incident-response every 5 minutes while the API is down, and a full
# update (the update template) every 15 minutes for a P1.
every 5m until resolved {
  notify.status(webhook, "[#{format_duration(incident.elapsed)} in, #{incident.status}] #{state.update}")
}

every common.status_updates(15m, webhook, state.impact, state.update)

# ---- Phase 1: detection (0-5 minutes) ----

phase common.detection(webhook, declared, state.impact, nil)

# ---- Phase 2: assessment (5-15 minutes) ----

phase "Assessment" within 10m {
  step service_status "Check the ECS service" {
    let svc = ecs_service()
    if not svc.ok {
      warn "Could not describe #{service} in #{cluster}: check the AWS CLI's credentials and region."
    }
    note "#{service}: #{svc.running} of #{svc.desired} tasks running, #{svc.pending} pending; task definition #{task_def_name(svc.task_definition)}"
    for d in svc.deployments {
      note "  deployment #{d.status ?? "?"} #{task_def_name(d.taskDefinition)} rollout #{d.rolloutState ?? "?"}, created #{d.createdAt ?? "?"}"
    }
    let n = 0
    for e in svc.events {
      if n < 3 {
        note "  event: #{e.message ?? ""}"
      }
      n = n + 1
    }
    let current_task_definition = svc.task_definition
    let desired_before = svc.desired
    # A deployment created in the last 2 hours is the strongest hint of all.
    let deployed_recently = false
    for d in svc.deployments {
      let created = time(d.createdAt ?? "")
      if created != nil and now() - created < 2h {
        deployed_recently = true
        note "Deployment #{task_def_name(d.taskDefinition)} went out #{format_duration(now() - created)} ago."
      }
    }
  }

  step targets "Check the load balancer's target health" {
    let th = target_health()
    note "#{th.healthy} of #{th.total} targets healthy"
    for u in th.unhealthy {
      note "  #{u}"
    }
    if th.total > 0 and th.healthy == th.total {
      warn "Every target is healthy: the outage may be in front of the load balancer (DNS, WAF, certificate) or in a dependency."
    }
  }

  step changes "Check recent deployments" {
    let log = sh "git -C #{repo} log --oneline --since='2 hours ago'" timeout 15s readonly
    let commits = trim(log.stdout)
    if commits == "" {
      note "No commits in the last 2 hours."
    } else {
      note "Commits in the last 2 hours:\n#{commits}"
    }
    if deployed_recently {
      warn "The running deployment is less than 2 hours old: a rollback is the first suspect."
    }
  }

  step resources "Check for resource exhaustion" {
    let cpu = metric_max("CPUUtilization")
    let mem = metric_max("MemoryUtilization")
    note "Last hour, maximum: CPU #{cpu ?? "n/a"}%, memory #{mem ?? "n/a"}%"
    let exhausted = (cpu ?? 0) >= 90 or (mem ?? 0) >= 90
    if exhausted {
      warn "The service is at its resource limits."
    }
  }

  step common.scope(declared, status_page, "API Unavailable", "API unavailability")
}

# ---- Phase 3: response — the decision tree ----

phase "Response" {
  step is_deployment "Is this a recent deployment?" {
    if confirm("Did a deployment in the last 2 hours line up with the outage?", key: "recent_deployment",
               default: deployed_recently or commits != "") {
      incident.status = "identified"
      state.cause = "a bad deployment"
      state.update = "We identified a recent deployment as the cause and are rolling it back."
      timeline("Cause identified: recent deployment")
      goto roll_back
    }
  }

  step is_exhaustion "Is this resource exhaustion?" {
    if confirm("Are the tasks out of CPU or memory, or short of capacity?", key: "resource_exhaustion",
               default: exhausted) {
      incident.status = "identified"
      state.cause = "resource exhaustion"
      state.update = "We identified resource exhaustion as the cause and are scaling up."
      timeline("Cause identified: resource exhaustion")
      goto scale_up
    }
  }

  step is_infrastructure "Is this an infrastructure problem?" {
    let health = sh "aws health describe-events --region #{region}" timeout 30s readonly
    let open_events = len(common.aws_json(health).events ?? [])
    note "AWS Health: #{open_events} event(s)"
    if confirm("Are tasks unhealthy or stuck, or is AWS reporting an event?", key: "infrastructure",
               default: open_events > 0) {
      incident.status = "identified"
      state.cause = "unhealthy tasks"
      state.update = "We identified unhealthy tasks and are restarting the service."
      timeline("Cause identified: unhealthy tasks / infrastructure")
      goto restart
    }
  }

  step is_third_party "Is this a third-party service issue?" {
    if confirm("Is a third-party dependency (payment provider, auth, CDN, …) failing?", key: "third_party",
               default: false) {
      incident.status = "identified"
      state.cause = "a third-party outage"
      state.update = "We identified a third-party outage and are putting a workaround in place."
      timeline("Cause identified: third-party service")
      goto workaround
    }
    goto investigate
  }

  step roll_back "Roll back to the previous version" timeout 30m {
    let listing = sh "aws ecs list-task-definitions --family-prefix #{family(task_def_name(current_task_definition))} --sort DESC --max-items 5 --region #{region}" timeout 30s readonly
    let previous = ""
    for arn in common.aws_json(listing).taskDefinitionArns ?? [] {
      let name = task_def_name(arn)
      if previous == "" and revision(name) < revision(task_def_name(current_task_definition)) {
        previous = name
      }
    }
    let target = ask("Roll back to which task definition?", default: previous,
                     pattern: "^[A-Za-z0-9_-]+:[0-9]+$", key: "rollback_to")
    confirm "Roll #{service} back from #{task_def_name(current_task_definition)} to #{target}?" as confirm_rollback
    sh "aws ecs update-service --cluster #{cluster} --service #{service} --task-definition #{target} --region #{region}" timeout 2m
    timeline("Rolled #{service} back to #{target}")
    sh "aws ecs wait services-stable --cluster #{cluster} --services #{service} --region #{region}" timeout 15m readonly
    state.fix = "rolled back to #{target}"
    state.fixed_at = now()
    state.update = "We rolled back the deployment and are verifying the fix."
    push(state.followups, "Find out why the deployment reached production broken; add the check that would have caught it")
    goto verify
  } rollback {
    sh "aws ecs update-service --cluster #{cluster} --service #{service} --task-definition #{task_def_name(current_task_definition)} --region #{region}" timeout 2m
  } on failure {
    warn "The rollback did not complete. Check the deployment's events before trying anything else."
    fail "rollback did not complete"
  }

  step scale_up "Scale up" timeout 20m {
    let count = ask("Scale #{service} to how many tasks?", default: str(scale_to), pattern: "^[0-9]+$",
                    key: "scale_to")
    confirm "Scale #{service} from #{desired_before} to #{count} tasks?" as confirm_scale
    sh "aws ecs update-service --cluster #{cluster} --service #{service} --desired-count #{count} --region #{region}" timeout 2m
    timeline("Scaled #{service} from #{desired_before} to #{count} tasks")
    sh "aws ecs wait services-stable --cluster #{cluster} --services #{service} --region #{region}" timeout 15m readonly
    state.fix = "scaled up to #{count} tasks"
    state.fixed_at = now()
    state.update = "We scaled the service up and are verifying the fix."
    push(state.followups, "Autoscale #{service} on CPU and memory before it runs out again")
    push(state.followups, "Load test at 3x normal traffic")
    goto verify
  } rollback {
    sh "aws ecs update-service --cluster #{cluster} --service #{service} --desired-count #{desired_before} --region #{region}" timeout 2m
  }

  step restart "Restart the unhealthy tasks" timeout 20m {
    confirm "Force a new deployment of #{service} (replaces every task)?" as confirm_restart
    common.ecs_force_new_deployment(cluster, service, region)
    timeline("Forced a new deployment of #{service}")
    sh "aws ecs wait services-stable --cluster #{cluster} --services #{service} --region #{region}" timeout 15m readonly
    state.fix = "restarted the tasks"
    state.fixed_at = now()
    state.update = "We restarted the service's tasks and are verifying the fix."
    push(state.followups, "Find out why the tasks became unhealthy; alert on it before the health checks fail")
    goto verify
  } rollback {
    note common.in_place
  }

  step workaround "Work around the third-party outage" {
    let provider = ask("Which provider is failing?", key: "provider")
    note "Check #{provider}'s status page and open a ticket with them; ask for an ETA."
    checklist "Workaround" as workaround_steps {
      "Disable or degrade the feature that depends on #{provider} (feature flag, circuit breaker)"
      "Switch to a fallback provider, if there is one"
      "Support has talking points naming the provider"
    }
    state.fix = "worked around the #{provider} outage"
    state.fixed_at = now()
    state.update = "A #{provider} outage is affecting the API; a workaround is in place while we wait for the provider."
    timeline("Workaround in place for the #{provider} outage")
    push(state.followups, "Add a circuit breaker and a fallback for #{provider}")
    goto verify
  }

  step investigate "Keep investigating" {
    sh "aws logs tail #{log_group} --since 30m --format short --region #{region}" timeout 1m readonly
    checklist "Diagnostics" as diagnostics {
      "Error logs of the last 30 minutes read"
      "Traces of a failing request followed"
      "Dependencies (database, cache, queues) checked"
    }
    choose "What did you find?" as finding {
      "A bad deployment after all"   => { identified("a bad deployment"); goto roll_back }
      "Resource exhaustion"          => { identified("resource exhaustion"); goto scale_up }
      "Unhealthy tasks"              => { identified("unhealthy tasks"); goto restart }
      "A third-party outage"         => { identified("a third-party outage"); goto workaround }
      "Still unknown: escalate"      => {
        notify.send(contacts.eng_lead, "P1 #{incident.id}: cause still unknown after #{format_duration(incident.elapsed)}; need more hands")
        timeline("Cause still unknown; escalated to the engineering lead")
        goto investigate
      }
    }
  }
}

# ---- Phase 4: resolution ----

phase "Resolution" {
  step verify "Verify the fix" {
    incident.status = "monitoring"
    state.impact = "API service recovering; we are verifying the fix"
    if not wait_up(30s, 15m) {
      warn "The service is still not healthy 15 minutes after the fix."
      incident.status = "investigating"
      state.impact = "API service unavailable"
      state.update = "The service has not recovered yet; we are investigating further."
      timeline("Not healthy 15 minutes after the fix")
      goto investigate
    }
    checklist "Verification" as verification {
      "All monitoring metrics return to normal"
      "Error rates below threshold"
      "User reports confirm fix"
      "No new related issues"
    }
    wait monitor_for "Monitor for 30 minutes after the fix"
    if not service_up() {
      warn "The service degraded again while we watched: back to the decision tree."
      incident.status = "investigating"
      state.impact = "API service unavailable again"
      state.update = "The fix did not hold; we are investigating again."
      timeline("Fix did not hold during monitoring")
      goto is_deployment
    }
    timeline("Service healthy for #{format_duration(monitor_for)} after the fix")
  }

  step close "Resolve and announce" {
    let root_cause = ask("Root cause, in one line:", default: state.cause ?? "under investigation", key: "root_cause")
    confirm "Mark the incident resolved?" as confirm_resolve
    resolve("API restored: #{state.fix ?? "fixed"} (root cause: #{root_cause})")
    let summary = "The API service has been fully restored. The issue was caused by #{root_cause}; we #{state.fix ?? "fixed it"}."
    notify.status(webhook, templates.resolved_for_incident({summary: summary}))
    notify.status(status_page, templates.status_page_resolved({service: "The API service", root_cause: root_cause,
                                                                fixed_at: state.fixed_at ?? now()}))
    notify.send(contacts.eng_lead, "Resolved: #{incident.title} after #{format_duration(incident.elapsed)}")
    notify.send(contacts.cto, "Resolved: #{incident.title} after #{format_duration(incident.elapsed)}")
    timeline("Resolved after #{format_duration(incident.elapsed)}; status page updated to Resolved")
  }
}

# ---- Phase 5: post-mortem (within 48 hours) ----

phase common.postmortem("Hold the blameless post-mortem: IC, responders, service owners, engineering lead",
                        [{text: "Publish the post-mortem", owner: incident.commander ?? "Incident commander", due: 2d}],
                        state.followups, "DevOps")
