# return belongs in a fn; break and continue in a loop (a timer body is not in the loop).
runbook "Loop control" { severity P3 }

fn find(xs, x) {
  for y in xs {
    if y == x { return true }
    continue
  }
  break                                  # expect-error: 9:3 'break' outside a loop
}

step s "S" {
  return                                 # expect-error: 13:3 'return' outside a fn
  while true {
    if find([1], 1) { break }
    every 1m { continue }                # expect-error: 16:16 'continue' outside a loop
  }
  choose "Stop?" {                    # expect-warning: 18:3 RB112
    "yes" => { break }                   # expect-error: 19:16 'break' outside a loop
  }
}
