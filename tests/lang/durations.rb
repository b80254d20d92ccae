# Where a duration belongs, a literal of another type is an error (a name is fine).
# `retries` takes a whole number.  Expectations for a line sit on the lines above it.
runbook "Durations" {
  # expect-error: 5:18 expected a duration like 15m after 'respond within', not a string
  respond within "15m"
}

param pause = 5m

escalation {
  # expect-error: 12:6 expected a duration like 15m after 'at', not the number 5 (write 5m or 5s)
  at 5 note "five what?"
  # expect-error: 14:16 the interval after 'repeat every' must be longer than 0s
  repeat every 0s
}

# expect-error: 19:7 expected a duration like 15m after 'every', not the number 15
# expect-error: 19:14 expected a duration like 15m after 'for', not a boolean
every 15 for true {
  note "tick"
}

# expect-error: 24:21 expected a duration like 15m after 'within', not the number 10
phase "Work" within 10 {
  # expect-error: 27:22 expected a duration like 15m after 'timeout', not the number 30
  # expect-error: 27:33 'retries' takes a whole number of 0 or more, like 3
  step a "A" timeout 30 retries 1.5 {
    # expect-error: 29:10 expected a duration like 15m after 'wait', not the number 5
    wait 5 "why"
    wait pause
    # expect-error: 32:10 a duration cannot be negative
    wait -5m
    # expect-error: 35:35 the interval after 'every' must be longer than 0s
    # expect-error: 35:46 expected a duration like 15m after 'timeout', not a string
    wait until acknowledged every 0s timeout "3m"
    # expect-error: 37:23 expected a duration like 15m after 'timeout', not the number 1
    sh "true" timeout 1 readonly
    # expect-error: 40:44 expected a duration like 15m after 'timeout', not the number 2
    # expect-error: 40:54 'retries' takes a whole number of 0 or more
    http GET "https://example.com" timeout 2 retries -1
  }
}
