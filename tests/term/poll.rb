runbook "Polling" { severity P3 }
step a "Wait for the flag" {
  wait until sh("test -f flag", readonly: true).ok every 0.5s timeout 1m
  note "flag seen"
}
