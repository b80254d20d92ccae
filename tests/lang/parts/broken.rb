# An error inside a module's part is reported at the module's line, naming the use.
runbook "Broken part" {
  severity P3
}

use "../mod/parts.rb" as parts

phase parts.broken("x")
