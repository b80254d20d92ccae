# Tests of the daily checks (runbook test runbooks/): see docs/testing.md.  CloudWatch,
# Amazon Connect and the SIP trunk's health URL are stubbed with what the checks read; the
# worst finding decides who hears about it (stdlib/comms.rb alert) and fails the run.

# The load balancer's 5xx count, request count and average response time (nil: the CLI
# fails for that metric).
fn api(errors, requests, latency) {
  alb("HTTPCode_Target_5XX_Count", "Sum", errors)
  alb("RequestCount", "Sum", requests)
  alb("TargetResponseTime", "Average", latency)
}

fn alb(name, stat, v) {
  cw("AWS/ApplicationELB", name, stat, v)
}

fn cw(namespace, name, stat, v) {
  let pattern = "aws cloudwatch get-metric-statistics --namespace #{namespace} --metric-name #{name} *"
  if v == nil {
    stub_sh(pattern, exit: 255, stderr: "An error occurred (AccessDenied)")
  } else {
    stub_sh(pattern, stdout: "{\"Datapoints\": [{\"#{stat}\": #{v}}]}")
  }
}

# Missed calls and Lambda errors over the last day.
fn daily(missed, lambda_errors) {
  cw("AWS/Connect", "MissedCalls", "Sum", missed)
  cw("AWS/Lambda", "Errors", "Sum", lambda_errors)
}

# The queue's oldest contact (seconds) and the agents available; nil: Connect fails.
fn queue(oldest, agents) {
  if oldest == nil {
    stub_sh("aws connect get-current-metric-data *", exit: 255, stderr: "ResourceNotFoundException")
  } else {
    stub_sh("aws connect get-current-metric-data *", stdout: "{\"MetricResults\": [{\"Collections\": [{\"Metric\": {\"Name\": \"OLDEST_CONTACT_AGE\"}, \"Value\": #{oldest}}, {\"Metric\": {\"Name\": \"AGENTS_AVAILABLE\"}, \"Value\": #{agents}}]}]}")
  }
}

fn telephony(up) {
  if up {
    stub_sh("curl -fsS --max-time 10 *", stdout: "ok")
  } else {
    stub_sh("curl -fsS --max-time 10 *", exit: 22, stderr: "The requested URL returned error: 503")
  }
}

let STEPS = ["dashboards", "routing", "lambdas", "queues", "telephony", "report"]

test "all checks pass (no traffic at all is no error rate): nobody is told, the run finishes" {
  api(0, 0, 0.2)
  daily(0, 0)
  queue(12, 3)
  telephony(true)
  let r = run_runbook("daily-checks.rb")
  expect_steps(r, STEPS)
  expect(len(r.commands) == 7, "five CloudWatch reads, Connect and the SIP probe: #{len(r.commands)}")
  expect_not_notified(r, "*")
  expect_incident(r, "severity", "P4")
  expect_status(r, "finished")
  expect_exit(r, 0)
}

test "everything fails at once: the worst (P1, every request fails) pages the on-call" {
  api(1000, 1000, 6.5)
  daily(4, 2)
  queue(900, 0)
  telephony(false)
  answer("Step report failed. What now?", "abort")
  let r = run_runbook("daily-checks.rb")
  expect_steps(r, STEPS)
  expect_notified(r, "Primary on-call", at: 0m, kind: "page")
  expect_notified(r, "*ops-alerts*", at: 0m, kind: "message")
  expect_incident(r, "severity", "P1")
  expect_status(r, "aborted")
  expect(r.exit != 0, "a failed check is a non-zero exit (#{r.exit})")
}

test "an error rate over 10%: a P2 pages the on-call" {
  let r = api_errors_run(150)
  expect_steps(r, STEPS)
  expect_notified(r, "Primary on-call", kind: "page")
  expect_incident(r, "severity", "P2")
  expect_status(r, "aborted")
}

test "an error rate over the 5% alert threshold: a P3 posts to #ops-alerts, no page" {
  let r = api_errors_run(60)
  expect_steps(r, STEPS)
  expect_notified(r, "*ops-alerts*", kind: "message")
  expect_not_notified(r, "Primary on-call")
  expect_incident(r, "severity", "P3")
  expect_status(r, "aborted")
}

test "nothing answers (CloudWatch, Connect): P3 findings, posted, no page" {
  stub_sh("aws cloudwatch get-metric-statistics *", exit: 255, stderr: "Unable to locate credentials")
  queue(nil, nil)
  telephony(true)
  answer("Step report failed. What now?", "abort")
  let r = run_runbook("daily-checks.rb")
  expect_steps(r, STEPS)
  expect_notified(r, "*ops-alerts*", kind: "message")
  expect_not_notified(r, "Primary on-call")
  expect_incident(r, "severity", "P3")
  expect_status(r, "aborted")
}

# Every check healthy but the API's error count (of 1000 requests): the report step fails
# and the responder aborts; the run's result.
fn api_errors_run(errors) {
  api(errors, 1000, 0.3)
  daily(0, 0)
  queue(12, 3)
  telephony(true)
  answer("Step report failed. What now?", "abort")
  return run_runbook("daily-checks.rb")
}
