# A let at the top level of a step body is a runbook variable: visible after it in the
# step, in its rollback and on failure blocks, and in every later step.  Lets in nested
# blocks are not shared; fns and top-level timers do not see runbook variables.
runbook "Runbook variables" { severity P3 }

fn show() {
  note ticket                          # expect-error: 7:8 undefined variable 'ticket'
}

every 10m {
  note ticket                          # expect-error: 11:8 undefined variable 'ticket'
}

step first "First" {
  note ticket                          # expect-error: 15:8 undefined variable 'ticket'
  let ticket = "INC-1"
  if true {
    let nested = 1
    note "#{nested}"
  }
} rollback {
  note "Closing #{ticket}"
} on failure {
  note "Failed with #{ticket}"
}

phase "Later" {
  every 5m { note "Still on #{ticket}" }
  step second "Second" {
    note "#{ticket} #{nested}"         # expect-error: 30:23 undefined variable 'nested'
    show()
  }
}
