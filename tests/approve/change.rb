runbook "Change with a second person's approval" {
  id "change-approval"
  severity P3
}
param t = 30m
escalation {
  at 0m note "page: on-call"
  at 30m note "page: change manager"
}
step gate "Approval" {
  approve "Deploy release 42 to production?" by role "change-approver" timeout t
  sh "echo deployed >> #{out}"
  note "approved: deploying"
}
param out = "/dev/null"
