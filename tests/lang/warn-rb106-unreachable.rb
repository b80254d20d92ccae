# RB106: a step that can never run: the step before it always ends with goto or abort,
# and no goto leads to it.
runbook "Dead steps" { severity P3 }

step start "Start" {
  note "jumping ahead"
  goto finish
}
step forgotten "Forgotten" {             # expect-warning: 9:6 RB106
  note "never runs"
}
step stop "Stop" {                     # expect-warning: 12:6 RB111
  abort "giving up"
}
step also_forgotten "Also forgotten" {   # expect-warning: 15:6 RB106
  note "never runs either"
}
step maybe "Reached when the confirm is answered no" {   # expect-warning: 18:6 RB111
  confirm "Go on?"
  goto finish
}
step fallthrough "Fall-through from a confirm gate" {   # expect-warning: 22:6 RB111
  note "runs when the confirm above says no"
}
step finish "Finish" { note "done" }
