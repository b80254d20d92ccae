runbook "Needs input" { severity P3 }
step s "Ask" {
  let x = ask("Which region?")
  note x
}
