# `use` of a module that cannot be found is an error at the `use`.
runbook "Missing modules" { severity P3 }

use notifications                       # expect-error: 4:1 module 'notifications' not found
use "mod/nothing-here.rb"               # expect-error: 5:1 module file 'mod/nothing-here.rb' not found
# expect-error: 5:1 'nothing-here' is not a name: write use "mod/nothing-here.rb" as some_name
use "../lang/contacts.rb" as ok         # a relative path is relative to this file

step s "S" { note ok.primary.name }
