# A module with runbook-only declarations is reported under the module's own name.
# expect-exit: 1
runbook "Bad module" { severity P3 }
use "mod/has_step.rb" as bad
step s "S" { note bad.y }
