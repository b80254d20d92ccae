# RB101: raw() of a value that came from a prompt or an HTTP response reaches the shell
# unquoted.  raw() of a value the runbook wrote itself is fine.
runbook "raw" { severity P3 }

param flags = "-v"

step s "S" {
  confirm "Run the commands below?"
  let name = ask("Which pod?")
  let res = http GET "https://example.com/pods"
  let pick = choose("Which namespace?", ["a", "b"])
  sh "kubectl delete pod #{raw(name)}"              # expect-warning: 12:28 RB101
  sh "kubectl get #{raw(res.json.items[0])}"        # expect-warning: 13:21 RB101
  sh "kubectl -n #{raw(pick)} get pods #{raw(flags)}" # expect-warning: 14:20 RB101
  sh "echo #{raw(ask("Anything?"))}"                # expect-warning: 15:14 RB101
  sh "kubectl delete pod #{name}"                   # quoted: fine
}
