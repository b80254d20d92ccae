# Assignment needs a declared variable; builtins, fns and modules cannot be assigned.
runbook "Assignment" { severity P3 }

use "contacts.rb"
param attempts = 0

fn bump() { return 1 }

step assign "Assign" {
  attempts = attempts + bump()          # a param is a variable
  incident.status = "identified"        # a member: recorded as a state change
  incident.roles.scribe = "Sam"
  contacts.primary.name = "Alice"
  count = 1                             # expect-error: 14:3 assignment to undeclared variable 'count'
  resolved = true                       # expect-error: 15:3 cannot assign to the builtin 'resolved'
  bump = nil                            # expect-error: 16:3 cannot assign to fn 'bump'
  contacts = {}                         # expect-error: 17:3 cannot assign to module 'contacts'
  let local = 1
  if local > 0 { local = 2 }
}
