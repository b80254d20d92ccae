# RB116: a prompt with no default in a runbook whose header says unattended true.
runbook "Nightly" {
  severity P3
  unattended true
}
step s "Step" {
  confirm "Go on?"                                    # expect-warning: 7:3 RB116
  let n = ask("How many?")                            # expect-warning: 8:11 RB116
  let m = ask("How many?", default: "3")              # a default: fine
  let ok = confirm("Sure?", default: true)
  note "#{n} #{m} #{ok}"
}
