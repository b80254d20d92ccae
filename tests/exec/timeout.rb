runbook "Timeouts" { severity P3 }
step slow "Slow tree" {
  sh "sleep 31.7 & sleep 31.7 & wait" timeout 1s
}
