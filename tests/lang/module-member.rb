# Members of a module alias must be top-level fns, lets or secrets of that module.
runbook "Module members" { severity P3 }

use notify
use "contacts.rb" as people

step page "Page" {
  notify.page(people.primary, "hello")
  notify.pagee(people.backup, "hi")     # expect-error: 9:10 module 'notify' has no member 'pagee' (did you mean 'page'?)
  note people.cfo.name                  # expect-error: 10:15 module 'people' has no member 'cfo'
  for p in people.all() { note p.name } # members of other values are not checked
}
