runbook "Start at" { severity P3 }
step a "A" { sh "echo A >> trace" }
step b "B" { sh "echo B >> trace" }
step c "C" { sh "echo C >> trace" }
