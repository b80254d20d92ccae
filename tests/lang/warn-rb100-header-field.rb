# RB100: an unknown header field is a warning, not an error (maybe a typo).
runbook "Unknown header field" {
  severity P3
  ownr     "SRE"                  # expect-warning: 4:3 RB100
  team     "Payments"             # expect-warning: 5:3 RB100
}
