runbook "Injection" { severity P3 }
step s "Quote answers" {
  let a = ask("Name?", key: "a")
  let b = ask("Other?", key: "b")
  sh "printf '%s|%s\n' #{a} #{b} > out.txt"
  let r = sh "printf %s #{a}"
  note "got #{r.stdout}"
}
