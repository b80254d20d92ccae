# Checker errors in a used module fail the lint (exit 1), reported under its name.
# expect-exit: 1
runbook "Module with errors" { severity P3 }
use "mod/undefined.rb" as m
step s "S" { note m.greet() }
