# A goto names a step of this runbook.
runbook "Goto" { severity P3 }

step "Check the database" {
  if confirm("Is it down?") {
    goto restart_db               # expect-error: 6:10 goto target 'restart_db' is not a step in this runbook
  }
}
step restart_api "Restart the API" {
  if confirm("Done?") {
    goto verfiy                   # expect-error: 11:10 goto target 'verfiy' is not a step in this runbook (did you mean 'verify'?)
  }
}
step verify "Verify" {
  if not confirm("Fixed?") {
    goto check_the_database       # a slug id is a fine target
  }
}
