# tests/handbook/declared-p2.rb — a P2 declared and acknowledged before its playbook runs
# (as declare-incident.rb hands a P1 over): the playbook sees the acknowledgement and the
# commander and does not ask again.
runbook "Declared P2" {
  id       "declared-p2"
  severity P2
  respond  within 1h
  resolve  within 8h
}

step triage "Triage" {
  acknowledge()
  incident.commander = "maria"
  run "../../runbooks/p2-high-error-rate.rb" with {threshold: 10}
}
