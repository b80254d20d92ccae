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
step stop "Stop" {
  abort "giving up"
}
step also_forgotten "Also forgotten" {   # expect-warning: 15:6 RB106
  note "never runs either"
}
step maybe "Reached when the confirm is answered no" {
  confirm "Go on?"
  goto finish
}
step fallthrough "Fall-through from a confirm gate" {
  note "runs when the confirm above says no"
}
step finish "Finish" { note "done" }
