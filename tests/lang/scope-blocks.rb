# Inside blocks, let is block-scoped and visible after its declaration; for variables
# live in the loop body; fn parameters in the fn body.
runbook "Blocks" { severity P3 }

fn area(w, h) {
  return w * h
}

step blocks "Blocks" {
  note before                          # expect-error: 10:8 undefined variable 'before'
  let before = 1
  if before > 0 {
    let inner = 2
    note "#{inner}"
  }
  note "#{inner}"                      # expect-error: 16:11 undefined variable 'inner'
  for item in [1, 2] {
    note "#{item}"
  }
  for k, v in {a: 1} { note "#{k}=#{v}" }
  note "#{item} #{k} #{v}"
  note area(2, 3) + w                  # expect-error: 22:21 undefined variable 'w'
}
# expect-error: 21:11 undefined variable 'item'
# expect-error: 21:19 undefined variable 'k'
# expect-error: 21:24 undefined variable 'v'
