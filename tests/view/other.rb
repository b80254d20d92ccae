# A runbook that statements.rb runs with `run`; it has no golden files of its own.
runbook "Collect diagnostics" {
  id "collect-diagnostics"
  severity P3
}

param target = "api" "What to collect from"

step collect "Collect" {
  note "Collecting from #{target}"
}
