runbook "Escalation ladder" {
  severity P1
  respond within 15m
  resolve within 4h
}
escalation {
  at 0m note "page primary"
  at 15m unless acknowledged note "page backup"
  at 30m note "eng lead"
  at 60m note "cto"
}
every 15m until resolved {
  note "status update"
}
step ack "Acknowledge" {
  confirm "Acknowledged?" as ack
  acknowledge()
}
step fix "Fix" {
  confirm "Fixed?" as fixed
  resolve("fixed")
}
