runbook "An approval the runner may give" {
  id "self-approval"
  severity P4
}
step gate "Approval" {
  approve "Restart the staging cache?" as restart_ok allow_self
  note "restarting"
}
