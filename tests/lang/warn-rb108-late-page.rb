# RB108: the escalation's first page comes after the header's respond within.
runbook "Late page" {
  severity P2
  respond within 10m
}
every 30m { note "status" }
escalation {
  at 0m note "opened"
  at 15m notify_page("primary")                       # expect-warning: 9:6 RB108
}
escalation "in time" {
  at 5m notify_page("primary")                        # before the target: fine
  at 30m notify_page("manager")
}
fn notify_page(who) { note "paging #{who}" }
step s "Step" { note "x" }
