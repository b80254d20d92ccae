runbook "Scoped timers" { severity P2 }
phase "Response" within 20m {
  escalation "phase ladder" {
    at 10m note "phase rung"
  }
  step a "Short step" within 5m {
    escalation { at 3m note "never: the step ends first" }
    wait 2m
  }
  step b "Long step" within 5m {
    escalation { at 4m note "step rung" }
    every 2m for 5m { note "tick" }
    wait 12m
  }
}
step c "Outside the phase" {
  wait 30m
}
