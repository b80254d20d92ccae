# RB115: wait until with no timeout.
runbook "Waits" { severity P3 }
step s "Step" {
  wait until sh("true").ok every 5s                   # expect-warning: 4:3 RB115
  wait until sh("true").ok every 5s timeout 10m       # fine
}
