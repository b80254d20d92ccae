# Step ids are unique.  A step without an id gets a slug of its title:
# "Check the DB!" becomes check_the_db.
runbook "Step ids" { severity P3 }

step check_the_db "Check the database" { note "1" }
step "Check the DB!" { note "2" }         # expect-error: 6:6 duplicate step id 'check_the_db' (the first is at line 5)
step verify "Verify" { goto check_the_db }
phase "Again" {
  step verify "Verify again" { note "3" } # expect-error: 9:8 duplicate step id 'verify' (the first is at line 7)
  step "!!!" { note "4" }                 # expect-error: 10:8 this title gives the step no id
}
param svc = "api"
step "Restart #{svc}" { note "5" }        # expect-error: 13:6 a step whose title is interpolated needs an id
step restart "Restart #{svc}" { note "6" }
