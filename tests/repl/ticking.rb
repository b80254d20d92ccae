runbook "Timers while idle" { severity P3 }
every 1s { note "tick from the timer" }
step only "Only" { note "only step" }
