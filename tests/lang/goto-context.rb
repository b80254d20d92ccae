# goto moves between steps: not from inside a fn or a timer body.
runbook "Goto context" { severity P3 }

fn retry_later() {
  goto wait_a_bit                 # expect-error: 5:3 goto cannot be used inside a fn
}

escalation {
  at 30m { goto wait_a_bit }      # expect-error: 9:12 goto cannot be used in an escalation body
}

step wait_a_bit "Wait a bit" {
  every 5m {
    goto wait_a_bit               # expect-error: 14:5 goto cannot be used in an every timer body
  }
  retry_later()
}
