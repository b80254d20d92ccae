runbook "Stats: a P2 left open" {
  id "stats-p2"
  severity P2
  respond within 30m
  resolve within 8h
}
escalation {
  at 0m note "page primary"
}
every 30m until resolved { note "status update" }
step ack "Acknowledge" {
  confirm "Acknowledged?" as ack
  acknowledge()
}
