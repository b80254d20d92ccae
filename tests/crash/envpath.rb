runbook "A path that depends on the environment" { severity P3 }
step one "One" {
  if env("PATH_CHOICE", "a") == "a" {
    sh "echo a >> effects.log" readonly
  } else {
    sh "echo b >> effects.log" readonly
  }
  let x = ask("Value?", key: "x")
}
