runbook "Side effects" { severity P4 }
step one "One" {
  sh "echo one >> effects.log" readonly
  confirm "Go on?" as go
}
step two "Two" {
  let who = ask("Who?", key: "who")
  sh "echo two #{who} >> effects.log" readonly
}
