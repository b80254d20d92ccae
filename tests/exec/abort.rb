runbook "Abort" { severity P3 }
step a "A" { abort "stop right there" }
step b "B" { sh "echo B >> trace" }
