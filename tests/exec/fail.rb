runbook "Failing" { severity P3 }
step one "One" {
  sh "echo one"
} rollback {
  sh "echo undo-one >> rollback.log"
}
step two "Two" {
  sh "echo two"
} rollback {
  sh "echo undo-two >> rollback.log"
}
step three "Three" {
  sh "exit 3"
}
step four "Four" {
  note "reached four"
}
