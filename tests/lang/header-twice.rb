# A runbook has exactly one header, and it comes first.
runbook "First" {
  severity P3
}

runbook "Second" {            # expect-error: 6:1 a runbook has exactly one header; the first is at line 2
  severity P4
}
