# RB104: loading the escalation module schedules nothing by itself, so it still warns.
runbook "Module alone" { severity P2 }
# expect-warning: 2:35 RB104
use escalation as esc
step s "Look" { note esc.describe(esc.ladder) }
# expect-warning: 2:35 RB109
