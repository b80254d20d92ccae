# RB110: a step or phase deadline longer than the runbook's resolve target.
runbook "Deadlines" {
  severity P3
  resolve within 1h
}
phase "Long" within 2h {                              # expect-warning: 6:21 RB110
  step a "A" within 90m { note "a" }                  # expect-warning: 7:21 RB110
  step b "B" within 30m { note "b" }                  # shorter: fine
}
phase "Short" within 1h { step c "C" { note "c" } }   # equal: fine
