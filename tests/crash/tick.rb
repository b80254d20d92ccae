runbook "A timer fires while a prompt waits" { severity P3 }
every 5m { note "tick" }
step one "One" {
  confirm "Go on?" as go
  sh "echo start >> effects.log; sleep ${CRASH_SLOW:-30}; echo slow >> effects.log" readonly
}
step two "Two" {
  sh "echo two >> effects.log" readonly
}
