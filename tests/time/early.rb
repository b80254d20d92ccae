runbook "Early acknowledgement" {
  severity P1
  respond within 15m
}
escalation "ladder" {
  at 0m note "page primary"
  at 15m unless acknowledged note "page backup"
  at 30m note "eng lead"
}
step ack "Acknowledge" {
  confirm "Acknowledged?" as ack
  acknowledge()
  wait 40m "watch"
}
