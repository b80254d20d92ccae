# RB112: a choose with a single option.
runbook "Choices" { severity P3 }
step s "Step" {
  choose "Proceed?" {                                 # expect-warning: 4:3 RB112
    "Yes" => { note "yes" }
  }
  choose "Which?" {                                   # two options: fine
    "A" => { note "a" }
    "B" => { note "b" }
  }
  let x = choose("Pick", ["only"])                    # expect-warning: 11:11 RB112
  let y = choose("Pick", ["a", "b"])
  note "#{x} #{y}"
}
