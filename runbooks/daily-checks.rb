# runbooks/daily-checks.rb — the daily health checks ("7.1 Daily Checks": CloudWatch
# dashboards, call routing, Lambda function errors, queue metrics, SIP trunk and telephony
# health, agent availability), made to run unattended from a systemd timer or cron:
#
#   runbook exec /usr/local/share/runbook/runbooks/daily-checks.rb --auto
#
# (docs/operations.md has the units and the crontab line).  Every check is read-only and
# no prompt lacks a default, so `--auto` never stops for a person.  Each failed check is a
# finding with a severity; at the end the worst one decides who hears about it
# (stdlib/comms.rb `alert`: P1/P2 page the on-call and post to #ops-alerts, P3 posts to
# #ops-alerts, P4 is kept for the scheduled review) and the run fails, so the exit status
# is non-zero and the timer's unit shows it.
#
# Severities, from the procedures: an API error rate of 100% is P1, over 10% is P2
# ("Incident Response Procedures"), over the 5% alert threshold is P3 (a warning threshold
# exceeded); a response time over 5 s pages the on-call ("Incident Management Procedure"
# 7.2: High) as a P2; telephony down or no agent available stops calls: P2; Lambda
# errors, missed calls and long queues are P3.
runbook "Daily checks" {
  id       "daily-checks"
  severity P4                  # raised to the worst finding
  owner    "IT Operations Team"
  summary  "Daily health monitoring of the contact centre and the API"
  tags     ["routine", "daily"]
}

use comms
use "contacts.rb" as contacts

param region         = env("AWS_REGION", "us-east-1")                           "AWS region"
param load_balancer  = env("ALB_NAME", "app/prod-alb/0123456789abcdef")          "The API's load balancer"
param instance_id    = env("CONNECT_INSTANCE_ID", "11111111-2222-3333-4444-555555555555") "Amazon Connect instance"
param queue_id       = env("CONNECT_QUEUE_ID", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")    "The main contact queue"
param telephony_url  = env("TELEPHONY_HEALTH_URL", "https://sip.example.com/health")      "SIP trunk health endpoint"
param max_wait: number = 300                                                      "Longest acceptable wait in queue, seconds"

let findings = []

# Record a failed check.
fn finding(sev, text) {
  push(findings, {severity: sev, text: text})
  warn "#{sev}: #{text}"
}

# One CloudWatch statistic over the last day (or 15 minutes), or nil when the CLI fails.
fn metric(namespace, name, dims, stat, span) {
  let r = sh("aws cloudwatch get-metric-statistics --namespace #{namespace} --metric-name #{name} --dimensions #{raw(dims)} --start-time #{str(now() - span)} --end-time #{str(now())} --period #{int(span / 1s)} --statistics #{stat} --region #{region}",
             readonly: true, timeout: 30s)
  if not r.ok {
    return nil
  }
  let v = 0
  for p in (from_json(r.stdout) ?? {}).Datapoints ?? [] {
    v = max(v, p[stat] ?? 0)
  }
  return v
}

fn alb(name, stat) {
  return metric("AWS/ApplicationELB", name, "Name=LoadBalancer,Value=#{load_balancer}", stat, 15m)
}

# The worst severity among the findings (P1 is the worst), or nil when there are none.
fn worst() {
  let w = nil
  for f in findings {
    if w == nil or str(f.severity) < str(w) {
      w = f.severity
    }
  }
  return w
}

step dashboards "CloudWatch dashboards: API errors and latency" {
  let errors = alb("HTTPCode_Target_5XX_Count", "Sum")
  let total = alb("RequestCount", "Sum")
  let latency = alb("TargetResponseTime", "Average")
  if errors == nil or total == nil or latency == nil {
    finding(P3, "CloudWatch did not answer: the API dashboards could not be checked")
  } else {
    let rate = 0
    if total > 0 {
      rate = round(errors * 1000 / total) / 10
    }
    note "API: #{rate}% errors, #{latency}s average response time (last 15 minutes)"
    if rate >= 100 {
      finding(P1, "every API request fails (#{rate}%)")
    } elif rate > 10 {
      finding(P2, "API error rate #{rate}% (over 10%)")
    } elif rate >= 5 {
      finding(P3, "API error rate #{rate}% (over the 5% alert threshold)")
    }
    if latency >= 5 {
      finding(P2, "API response time #{latency}s (over 5s)")
    }
  }
}

step routing "Call routing performance" {
  let missed = metric("AWS/Connect", "MissedCalls", "Name=InstanceId,Value=#{instance_id} Name=MetricGroup,Value=VoiceCalls", "Sum", 24h)
  if missed == nil {
    finding(P3, "Amazon Connect metrics did not answer: call routing could not be checked")
  } elif missed > 0 {
    finding(P3, "#{missed} call(s) missed in the last day: calls are not reaching available agents")
  } else {
    note "No missed calls in the last day."
  }
}

step lambdas "Lambda function errors" {
  let errors = metric("AWS/Lambda", "Errors", "Name=Resource,Value=ivr", "Sum", 24h)
  if errors == nil {
    finding(P3, "Lambda metrics did not answer")
  } elif errors > 0 {
    finding(P3, "#{errors} Lambda error(s) in the last day (IVR and data flows)")
  } else {
    note "No Lambda errors in the last day."
  }
}

step queues "Queue metrics and agent availability" {
  let r = sh "aws connect get-current-metric-data --instance-id #{instance_id} --filters Queues=#{queue_id},Channels=VOICE --current-metrics Name=OLDEST_CONTACT_AGE,Unit=SECONDS Name=AGENTS_AVAILABLE,Unit=COUNT --region #{region}" timeout 30s readonly
  let values = {}
  for res in (from_json(r.stdout) ?? {}).MetricResults ?? [] {
    for c in res.Collections ?? [] {
      values[(c.Metric ?? {}).Name ?? "?"] = c.Value ?? 0
    }
  }
  if not r.ok or len(values) == 0 {
    finding(P3, "Amazon Connect did not report queue metrics")
  } else {
    let oldest = values.OLDEST_CONTACT_AGE ?? 0
    let agents = values.AGENTS_AVAILABLE ?? 0
    note "Oldest contact waiting #{oldest}s; #{agents} agent(s) available."
    if oldest > max_wait {
      finding(P3, "a caller has waited #{oldest}s (over #{max_wait}s): the queue is overloaded")
    }
    if agents == 0 {
      finding(P2, "no agent is available: agent status is not reaching the system")
    }
  }
}

step telephony "SIP trunk and telephony health" {
  let probe = sh "curl -fsS --max-time 10 #{telephony_url}" timeout 20s readonly
  if not probe.ok {
    finding(P2, "the SIP trunk health check fails (#{telephony_url}): calls may fail")
  } else {
    note "SIP trunk healthy."
  }
}

step report "Report the result" {
  let sev = worst()
  if sev == nil {
    note "All daily checks passed."
  } else {
    incident.severity = sev
    let lines = []
    for f in findings {
      push(lines, "#{f.severity} #{f.text}")
    }
    let text = "Daily checks: #{len(findings)} failed — #{join(lines, "; ")}"
    comms.alert(sev, contacts.people, text)
    fail "#{len(findings)} daily check(s) failed (worst: #{sev})"
  }
}
