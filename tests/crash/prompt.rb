runbook "Killed at a prompt" { severity P3 }
step one "One" {
  sh "echo one >> effects.log" readonly
}
step two "Two" {
  let x = ask("Value?", key: "x")
  sh "echo two #{x} >> effects.log" readonly
}
