# tests/stdlib/lib/assert.rb — checks for the stdlib tests.  Each check shows a warning for
# a wrong answer and remembers it; `t.done()` at the end of a step fails the step (so
# `exec --auto` exits 1) when any check of the run failed, naming them all.

let failures = []
let checked  = [0]

# got must equal want (deep equality: lists, maps, durations, severities).
fn eq(what, got, want) {
  checked[0] = checked[0] + 1
  if got != want {
    push(failures, what)
    warn "FAIL #{what}: got #{to_json(got)} (#{type(got)}), want #{to_json(want)} (#{type(want)})"
    return false
  }
  return true
}

# cond must be true.
fn ok(what, cond) {
  return eq(what, cond, true)
}

# The string s must contain the text part.
fn has(what, s, part) {
  checked[0] = checked[0] + 1
  if type(s) != "string" or not contains(s, part) {
    push(failures, what)
    warn "FAIL #{what}: #{to_json(part)} not found in #{to_json(s)}"
    return false
  }
  return true
}

# The string s must not contain the text part.
fn lacks(what, s, part) {
  checked[0] = checked[0] + 1
  if type(s) == "string" and contains(s, part) {
    push(failures, what)
    warn "FAIL #{what}: #{to_json(part)} found in #{to_json(s)}"
    return false
  }
  return true
}

# Fail the step if any check so far failed.
fn done() {
  if len(failures) > 0 {
    fail "#{len(failures)} of #{checked[0]} checks failed: #{join(failures, "; ")}"
  }
  note "#{checked[0]} checks passed"
}
