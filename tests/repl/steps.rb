runbook "REPL stepping" { severity P3 }
param target = "db-1"
step first "First" {
  sh "echo first #{target} >> repl-effects.log" readonly
}
step second "Second" {
  let answer = ask("Which region?", key: "region")
  sh "echo second #{answer} >> repl-effects.log" readonly
}
step third "Third" {
  sh "echo third >> repl-effects.log" readonly
}
