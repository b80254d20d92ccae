# A part's argument is checked in the runbook, once, however many times the part uses it,
# and also when the part does not use it at all.
runbook "Part arguments" {
  severity P3
}

use "mod/parts.rb" as parts

escalation parts.ladder(no_contacts)   # expect-error: 9:25 undefined variable 'no_contacts'
step parts.quiet(no_value)             # expect-error: 10:18 undefined variable 'no_value'
