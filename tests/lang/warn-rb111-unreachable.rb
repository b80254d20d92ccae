# RB111: a step that no path of steps and gotos from the first step reaches: a loop of
# steps that only jump to each other, or the steps after a dead one.  A step right after
# a goto that nothing names is RB106's, and not repeated.
runbook "Islands" { severity P3 }
step start "Start" {
  choose "Which way?" {
    "Left"  => { goto left }
    "Right" => { goto finish }
  }
}
step left "Left" { goto finish }
step dead "Dead" { note "never" }                      # expect-warning: 12:6 RB106
step island_a "Island A" { goto island_b }             # expect-warning: 13:6 RB111
step island_b "Island B" { goto island_a }             # expect-warning: 14:6 RB111
step finish "Finish" { note "done" }
