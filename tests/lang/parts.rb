# Parts of a module used by a runbook: a phase (twice, the second under a prefix), an
# escalation ladder, an every timer and a step.  The copies check clean.
runbook "Parts" {
  severity P2
}

use notify
use "mod/parts.rb" as parts

let contacts = {primary: "alice", backup: "bob"}
let state = {update: "investigating", again: false}

escalation parts.ladder(contacts)
every parts.updates(15m, "Update: #{state.update}")

phase parts.detection("carol", state)
phase parts.detection(contacts.backup, state) as second

phase "Wrap up" {
  step parts.closing()
  step back "Back to the start" {
    if state.again {
      goto second_ack
    }
  }
}
