# RB109: a P1/P2 runbook with no every timer posting status updates.
runbook "Silent" {
  severity P1                                         # expect-warning: 3:12 RB109
}
escalation { at 0m note "page" }
step s "Step" { note "x" }
