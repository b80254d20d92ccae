runbook "Crash and resume" { severity P3 }
step one "One" {
  sh "echo one >> effects.log" readonly
  confirm "Go on?" as go
}
step two "Two" {
  sh "echo two >> effects.log" readonly
  sh "echo started-slow >> effects.log; sleep ${CRASH_SLOW:-30}; echo slow >> effects.log" readonly
}
step three "Three" {
  let who = ask("Who?", key: "who")
  sh "echo three #{who} >> effects.log" readonly
}
