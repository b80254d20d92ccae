# What stops a part from being used, reported at the use.
runbook "Part errors" {
  severity P3
}

use "mod/parts.rb" as parts

phase parts.nothing()              # expect-error: 8:13 module 'parts' has no part 'nothing' (its parts: detection, ladder, updates, closing, broken, quiet)
escalation parts.detection(1, 2)   # expect-error: 9:18 parts.detection is a phase part, not an escalation
phase parts.detection(1)           # expect-error: 10:13 parts.detection takes 2 arguments, 1 given
phase other.detection(1, 2)        # expect-error: 11:7 'other' is not a module this runbook uses
every parts.updates(interval: 1m, text: "x") # expect-error: 12:13 a part takes its arguments in order
step parts.closing()
step parts.closing()               # expect-error: 14:1 duplicate step id 'close_the_incident'

fn local_part() phase "Local" {    # expect-error: 16:1 a part (fn local_part(…) phase …) belongs in a module
}
