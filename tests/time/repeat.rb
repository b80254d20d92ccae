runbook "Repeating ladder" { severity P2 }
escalation {
  at 0m note "round"
  at 5m note "half"
  repeat every 20m
}
step w "Wait" { wait 45m }
