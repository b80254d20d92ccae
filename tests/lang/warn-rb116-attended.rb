# RB116 only applies to unattended runbooks: here the prompts are fine.
runbook "Daytime" {
  severity P3
  unattended false
}
step s "Step" {
  confirm "Go on?"
  let n = ask("How many?")
  note n
}
