# A file without a header is a module; steps, params, phases and timers need a header.
# The error is reported once, at the first declaration that needs one.
let greeting = "hello"

param who = "world"              # expect-error: 5:1 missing runbook header

step hello "Say hello" {
  note "#{greeting}, #{who}"
}
