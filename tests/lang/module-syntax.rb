# A syntax error in a used module makes lint exit 2, like one in the runbook itself.
# expect-exit: 2
runbook "Broken module" { severity P3 }
use "mod/syntax_error.rb" as broken
step s "S" { note broken.x }
