# Tests of the drill playbook (runbook test runbooks/): see docs/testing.md.

test "the process died: restart behind the gate, verify, resolve" {
  answer("Have you acknowledged the alert?", "yes", after: 6m)
  answer("What do you see?", "The process has died")
  answer("Start the service on 127.0.0.1:8089 again?", "yes")
  answer("The health check answers 200", "done")
  answer("The pid file names a running process", "done")
  stub_sh("curl -fsS --max-time 2 http://127.0.0.1:8089/health", exit: 7, stderr: "connection refused")
  stub_sh("kill -0 *", exit: 1)
  stub_sh("tail -n 5 *", stdout: "Traceback: killed")
  stub_sh("nohup python3 -m http.server *", exit: 0)
  stub_sh("curl -fsS --max-time 2 --retry 5 *", exit: 0, stdout: "ok")
  let r = run_runbook("drill-local-service.rb", {port: 8089})
  expect_steps(r, ["detect", "ack", "process", "triage", "restart", "verify", "postmortem"])
  expect_command(r, "nohup python3 -m http.server *")
  expect_notified(r, "Primary on-call", at: 0m, kind: "page")
  expect_not_notified(r, "Backup on-call")
  expect_incident(r, "resolved", true)
  expect_status(r, "finished")
  expect_exit(r, 0)
}

# The health check passes: a false alarm, the run is aborted in the first step.
test "a false alarm is aborted at detection" {
  stub_sh("curl -fsS --max-time 2 http://127.0.0.1:8089/health", exit: 0, stdout: "ok")
  let r = run_runbook("drill-local-service.rb")
  expect_steps(r, ["detect"])
  expect_status(r, "aborted")
  expect_exit(r, 1)
  expect_no_command(r, "nohup *")
}

# Nobody acknowledges for 20 minutes: the backup is paged at 15; the run lasts past an
# hour (a long watch), so the engineering lead hears at 30 and the CTO at 60.
test "unacknowledged: the ladder pages the backup at 15m, then the lead and the CTO" {
  start_clock("2026-03-01T03:00:00Z")
  answer("Have you acknowledged the alert?", "no", after: 20m)
  answer("What do you see?", "The process has died")
  answer("Start the service on 127.0.0.1:8089 again?", "yes")
  answer("The health check answers 200", "done")
  answer("The pid file names a running process", "n/a")
  stub_sh("curl -fsS --max-time 2 http://127.0.0.1:8089/health", exit: 7)
  stub_sh("kill -0 *", exit: 0)
  stub_sh("tail -n 5 *", stdout: "")
  stub_sh("nohup python3 -m http.server *")
  stub_sh("curl -fsS --max-time 2 --retry 5 *", exit: 0)
  let r = run_runbook("drill-local-service.rb", {monitor_for: 50m})
  expect_notified(r, "Primary on-call", at: 0m, kind: "page")
  expect_notified(r, "Backup on-call", at: 15m, kind: "page")
  expect_notified(r, "Engineering lead", at: 30m, kind: "message")
  expect_notified(r, "*CTO*", at: 60m)
  expect_incident(r, "resolved", true)
  expect(contains(r.answers[0].answer, "no"), "the acknowledgement gate was answered no")
  expect_status(r, "finished")
}

# The responder walks every wrong branch first; each comes back to triage.
test "every failure mode is offered, and each wrong one returns to triage" {
  answer("Have you acknowledged the alert?", "yes")
  answer("What do you see?", "A recent deployment")
  answer("What do you see?", "Resource exhaustion")
  answer("What do you see?", "A third-party dependency")
  answer("What do you see?", "The process has died")
  answer("Start the service on 127.0.0.1:8089 again?", "yes")
  answer("The health check answers 200", "done")
  answer("The pid file names a running process", "done")
  stub_dead_service()
  stub_sh("curl -fsS --max-time 2 --retry 5 *", exit: 0)
  let r = run_runbook("drill-local-service.rb", {monitor_for: 1m})
  expect_steps(r, ["detect", "ack", "process", "triage", "roll_back", "triage", "scale_up", "triage", "workaround",
                   "triage", "restart", "verify", "postmortem"])
  expect_status(r, "finished")
}

# The restart is declined at the gate: nothing is started; the service comes back on its
# own and the run goes on to verify.
test "a declined restart runs no command" {
  answer("Have you acknowledged the alert?", "yes")
  answer("What do you see?", "The process has died")
  answer("Start the service on 127.0.0.1:8089 again?", "no")
  answer("The health check answers 200", "done")
  answer("The pid file names a running process", "done")
  stub_dead_service()
  stub_sh("curl -fsS --max-time 2 --retry 5 *", exit: 0)
  let r = run_runbook("drill-local-service.rb", {monitor_for: 5m})
  expect_no_command(r, "nohup *")
  expect_steps(r, ["detect", "ack", "process", "triage", "restart", "verify", "postmortem"])
  expect_status(r, "finished")
}

# The service goes down again while we watch: back to the process check, and the second
# restart holds.
test "a relapse during monitoring goes back to the process check" {
  answer("Have you acknowledged the alert?", "yes")
  answer("What do you see?", "The process has died")
  answer("What do you see?", "The process has died")
  answer("Start the service on 127.0.0.1:8089 again?", "yes")
  answer("Start the service on 127.0.0.1:8089 again?", "yes")
  answer("The health check answers 200", "done")
  answer("The pid file names a running process", "done")
  answer("The health check answers 200", "done")
  answer("The pid file names a running process", "done")
  stub_dead_service()
  stub_sh("curl -fsS --max-time 2 --retry 5 *", exit: 0, times: 1)
  stub_sh("curl -fsS --max-time 2 --retry 5 *", exit: 7, times: 1)
  stub_sh("curl -fsS --max-time 2 --retry 5 *", exit: 0)
  let r = run_runbook("drill-local-service.rb", {monitor_for: 5m})
  expect_steps(r, ["detect", "ack", "process", "triage", "restart", "verify", "process", "triage", "restart", "verify",
                   "postmortem"])
  expect_order(r, ["verify", "process", "restart", "postmortem"])
  expect_status(r, "finished")
}

# The service never comes back: verify fails, the responder rolls back (the restart's
# rollback stops what it started).
test "verification fails and the responder rolls back the restart" {
  answer("Have you acknowledged the alert?", "yes")
  answer("What do you see?", "The process has died")
  answer("Start the service on 127.0.0.1:8089 again?", "yes")
  answer("Step verify failed. What now?", "roll back")
  stub_dead_service()
  stub_sh("curl -fsS --max-time 2 --retry 5 *", exit: 7, delay: 5s)
  stub_sh("kill $(cat *)", exit: 0)
  let r = run_runbook("drill-local-service.rb")
  expect_command(r, "kill $(cat /tmp/drill-service.pid)")
  expect_incident(r, "resolved", false)
  expect_status(r, "failed")
}

# With the on-call's PagerDuty key set, the page goes out as an Events API request (stubbed
# here: nothing leaves the machine).
test "the page goes out through PagerDuty when the on-call has a routing key" {
  set_env("PAGERDUTY_ONCALL_KEY", "routing-key-1")
  stub_http("POST", "https://events.pagerduty.com/v2/enqueue", status: 202, body: "{\"status\": \"success\"}",
            headers: {"content-type": "application/json"})
  stub_sh("curl -fsS --max-time 2 http://127.0.0.1:8089/health", exit: 0)
  let r = run_runbook("drill-local-service.rb")
  expect_request(r, "POST", "https://events.pagerduty.com/v2/enqueue")
  expect(r.notifications[0].delivered and r.notifications[0].channel == "pagerduty",
         "the first page was delivered through PagerDuty: #{r.notifications}")
  expect_status(r, "aborted")
}

# The service is down and its process gone (health check refused, no pid, restart allowed):
# the stubs the failure-mode tests share; each adds its own for the restart's health check.
fn stub_dead_service() {
  stub_sh("curl -fsS --max-time 2 http://127.0.0.1:8089/health", exit: 7)
  stub_sh("kill -0 *", exit: 1)
  stub_sh("tail -n 5 *")
  stub_sh("nohup python3 -m http.server *")
}
