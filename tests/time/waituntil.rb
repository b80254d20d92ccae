runbook "Wait until" { severity P3 }
step poll "Poll" {
  wait until false every 1m timeout 5m
}
