runbook "Colours at 3 a.m." { severity P3 }
escalation "ladder" {
  at 0s note "rung"
}
every 1s { note "tick" }
step one "One" {
  sh "true" readonly
  sh "false" readonly
}
step two "Two" {
  warn "careful"
  let pick = choose("Which way?", ["left", "right"], key: "way")
  note "picked #{pick}"
}
