# RB109 does not fire when an every timer is there (top level or in a phase), nor for P3.
runbook "Updates" { severity P2 }
escalation { at 0m note "page" }
phase "Work" {
  every 30m until resolved { note "still working" }
  step s "Step" { note "x" }
}
