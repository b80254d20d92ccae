# tests/http/check.rb — checks for the HTTP test runbooks.  Each wrong answer is shown as
# a warning ("FAIL what: …") and remembered; done() fails the step (so `exec --auto`
# exits 1) when any check of the run failed.

let failures = []

# got must equal want.
fn eq(what, got, want) {
  if got != want {
    push(failures, what)
    warn "FAIL #{what}: got #{to_json(got)}, want #{to_json(want)}"
    return false
  }
  return true
}

# cond must be true.
fn ok(what, cond) {
  return eq(what, cond, true)
}

# Fail the step if any check so far failed.
fn done() {
  if len(failures) > 0 {
    fail "#{len(failures)} checks failed: #{join(failures, "; ")}"
  }
}
