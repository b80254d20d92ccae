# RB107 is for P1/P2 runbooks: a P3 runbook's destructive command is only RB102.
runbook "Not severe" { severity P3 }
step clean "Clean up" {
  sh "kubectl delete pod api-0"                       # expect-warning: 4:3 RB102
}
