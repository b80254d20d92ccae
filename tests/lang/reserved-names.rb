# A reserved word where a declaration names something: the error says it is reserved and
# suggests a name.  Reserved words are still fine as step ids, goto targets, members and keys.
runbook "Reserved names" {
  severity P3
}

let if = 1             # expect-error: 7:5 'if' is a reserved word; use another name, such as if_
param run = "x"        # expect-error: 8:7 'run' is a reserved word; use another name, such as run_
secret note = env("N") # expect-error: 9:8 'note' is a reserved word
fn wait(x) {           # expect-error: 10:4 'wait' is a reserved word
  return x
}
fn f(while, y) {       # expect-error: 13:6 'while' is a reserved word; use another name, such as while_
  return y
}
use "mod/soft.rb" as m
use step               # expect-error: 17:5 'step' is a reserved word: load the module under another name, use step as step_

step fail "Fail" {
  for in in [1] {      # expect-error: 20:7 'in' is a reserved word
    note "#{{if: 1, for: 2}.for} #{m.value}"
  }
  goto step
}
step step "Step" {
  let sh = 1           # expect-error: 26:7 'sh' is a reserved word
  goto fail
}
