runbook "Child playbook" { severity P1 }
param target = "none" "What to fix"
param count: number = 1
step fix "Fix" {
  sh "echo fixing #{target} x#{count} >> child.log"
  incident.severity = P1
}
