# The header must be the first declaration (comments do not count).
let x = 1

runbook "Late" {                # expect-error: 4:1 the runbook header must come first in the file
  severity P3
}

step a "Use x" { note "#{x}" }
