# RB107: in a P1/P2 runbook, a destructive command (rm, drop, delete, terminate, failover,
# kubectl delete, …) or an http DELETE with no confirm or choose before it in its step.
# (RB102 says less about the same command and is not repeated.)
runbook "Destructive" {
  severity P1
  respond within 5m
}
escalation { at 0m note "page" }
every 30m { note "status" }

step clean "Clean up" {
  sh "kubectl delete pod api-0"                       # expect-warning: 12:3 RB107
  sh "aws ec2 terminate-instances --instance-ids i-1" # expect-warning: 13:3 RB107
  sh "psql -c 'DROP TABLE sessions'"                  # expect-warning: 14:3 RB107
  http DELETE "https://api.example.com/cache"         # expect-warning: 15:3 RB107
  sh "rm -rf /tmp/cache" readonly                     # marked readonly: fine
  sh "kubectl get pods" readonly
}
step gated "Gated" {
  confirm "Fail over the database?"
  sh "pg-ctl failover --to replica"                   # after a confirm: fine
}
step branch "Chosen" {
  if confirm("Delete the stuck job?") {
    sh "kubectl delete job stuck"                     # inside the confirm: fine
  }
}
step harmless "Not destructive" {
  sh "systemctl restart api"                          # expect-warning: 29:3 RB102
}
