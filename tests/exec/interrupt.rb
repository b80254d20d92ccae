runbook "Interrupt" { severity P3 }
step a "A" { sh "echo $$ > pid; sleep 33.3" }
step b "B" { note "never" }
