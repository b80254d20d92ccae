runbook "Killed after a virtual wait" { severity P2 }
escalation {
  at 0m sh "echo rung0 >> effects.log" readonly
  at 10m sh "echo rung10 >> effects.log" readonly
  at 40m sh "echo rung40 >> effects.log" readonly
}
step a "Wait" {
  sh "echo before >> effects.log" readonly
  wait 25m
  let x = ask("Still there?", key: "x")
  wait 20m
  sh "echo after #{x} >> effects.log" readonly
}
