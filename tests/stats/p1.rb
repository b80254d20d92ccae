runbook "Stats: a P1" {
  id "stats-p1"
  severity P1
  respond within 15m
  resolve within 4h
}
param impact_started_at = ""
param fix_time = 30m
escalation {
  at 0m note "page primary"
  at 15m unless acknowledged note "page backup"
}
every 15m until resolved { note "status update" }
step ack "Acknowledge" {
  confirm "Acknowledged?" as ack
  acknowledge()
}
step fix "Fix" {
  wait fix_time "the fix takes effect"
  resolve("fixed")
}
