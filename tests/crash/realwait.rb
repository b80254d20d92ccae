runbook "Killed during a wait" { severity P3 }
step a "A" { sh "echo a >> effects.log" readonly }
step b "B" { wait 4s "let it settle" }
step c "C" { sh "echo c >> effects.log" readonly }
