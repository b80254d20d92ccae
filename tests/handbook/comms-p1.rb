# tests/handbook/comms-p1.rb — stdlib/comms.rb on a P1 held open for 4 hours on the
# virtual clock: the incident plan's 5-minute rung, the escalation matrix (IT manager,
# CTO, CEO, board) and the stakeholder cadences (support 30m, executives 2h, business
# units 4h), through the roles of runbooks/contacts.rb.
runbook "Comms P1" {
  id       "comms-p1"
  severity P1
}

use comms
use "../../runbooks/contacts.rb" as contacts

escalation {
  at 5m { comms.first_response(incident.severity, contacts.people, incident.elapsed, incident.title) }
}

every 30m until resolved {
  comms.tick(incident.severity, contacts.people, incident.elapsed, "still down")
}

step hold "Hold the incident open for 4 hours" {
  note "first action P1: #{comms.first_action(P1)}, P2: #{comms.first_action(P2)}"
  wait 4h "Holding"
  resolve("held")
}
