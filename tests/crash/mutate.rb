runbook "A command that changes things, killed in flight" { severity P3 }
step one "One" {
  confirm "Go on?" as go
  sh "echo started >> effects.log; sleep ${CRASH_SLOW:-2}; echo done >> effects.log"
}
step two "Two" {
  sh "echo two >> effects.log" readonly
}
