# A module with parts, for tests/lang/parts*.rb and tests/lang/parts/.
use notify

let greeting = "Acknowledged"

fn label(s) {
  return "[#{s}]"
}

# A phase: its steps see the parameters, the module's names and what they declare.
fn detection(who, state) phase "Detection" within 5m {
  step ack "Acknowledge the alert" {
    let by = who
    if not acknowledged {
      confirm "Acknowledged, #{by}?" as ack
    }
    note "#{greeting} by #{by}: #{label(state.update)}"
  }
  step declare "Declare the incident" {
    note "#{by} declares #{notify.first_line("slack\nx")}"
    if state.again {
      goto ack
    }
  }
}

fn ladder(contacts) escalation "on-call" {
  at 0m                      note "page #{contacts.primary}"
  at 15m unless acknowledged note "page #{contacts.backup}"
}

fn updates(interval, text) every interval until resolved {
  note text
}

fn closing() step "Close the incident" {
  resolve("done")
}

# A broken part: the error is reported here, with the place that used it.
fn broken(x) phase "Broken" {
  step broken_step "Uses an unknown name" {
    note "#{x} #{no_such_name}"
  }
}

# A part that ignores its argument (the argument is still checked, once).
fn quiet(unused) step quiet "Say nothing" {
  note "quiet"
}
