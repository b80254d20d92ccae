runbook "Durability drill" { severity P3 }

step first "Pure events, then a command" {
  let i = 0
  while i < 60 {
    note "first #{i}"
    i = i + 1
  }
  sh "echo first-1 >> effects.log" idempotent   # resume --auto may run it again when it was in flight
}

step second "State, notes and two commands" {
  incident.severity = P2
  let i = 0
  while i < 60 {
    note "second #{i}"
    i = i + 1
  }
  sh "sleep 0.01; echo second-1 >> effects.log" idempotent   # resume --auto may run it again when it was in flight
  note "between"
  sh "echo second-2 >> effects.log" idempotent   # resume --auto may run it again when it was in flight
}

step third "A long tail of pure events" {
  let i = 0
  while i < 200 {
    note "third #{i}"
    i = i + 1
  }
  sh "echo third-1 >> effects.log" idempotent   # resume --auto may run it again when it was in flight
  let j = 0
  while j < 100 {
    note "tail #{j}"
    j = j + 1
  }
}
