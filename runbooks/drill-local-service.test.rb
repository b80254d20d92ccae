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
