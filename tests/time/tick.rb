runbook "Timers fire at a prompt" { severity P3 }
every 1s { note "tick" }
step ask "Ask" {
  confirm "Go on?"
}
