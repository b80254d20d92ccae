runbook "Resolution stops everything" { severity P1 }
escalation {
  at 0m note "page"
  at 30m note "eng lead"
  at 60m note "cto"
}
every 10m until resolved { note "update" }
step fix "Fix" {
  wait 25m
  resolve("done")
  wait 60m "after resolution"
}
