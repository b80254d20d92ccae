runbook "Defaults" { severity P3 }
step s "Ask with defaults" {
  let x = ask("Which region?", default: "eu-west-1")
  let y = confirm("Proceed?", default: true)
  note "#{x} #{y}"
}
