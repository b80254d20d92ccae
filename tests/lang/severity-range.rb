# Severities are P1 (most severe) to P4, wherever they are written.
runbook "Severity" {
  severity P5                   # expect-error: 3:12 severity P5 does not exist
}

step raise "Raise the severity" {
  if incident.severity == P0 {  # expect-error: 7:27 severity P0 does not exist
    incident.severity = P1
  }
}
