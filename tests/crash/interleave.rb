runbook "Timers interleaved with everything (real clock)" { severity P2 }
# tests/t-resume-prop.sh: the real-clock case.  Its timers fire during prompts (answer
# delays), commands, HTTP calls and waits; each command appends to $STUB_LOG.
let hook = env("HOOK_URL", "http://127.0.0.1:9")
escalation "ladder" {
  at 0s sh "echo rung0 >> \"$STUB_LOG\""
  at 0.5s http POST "#{hook}/hook/rung1" json {text: "rung 1"}
  at 1s sh "echo rung2 >> \"$STUB_LOG\""
}
every 0.4s until resolved { http POST "#{hook}/hook/update" json {text: "update"} }
step one "Prompts and a command" {
  confirm "First?" as first
  sh "sleep 0.3; echo one >> \"$STUB_LOG\""
  let r = http POST "#{hook}/slow/0.3" json {step: "one"}
}
step two "A wait and a slow request" {
  wait 0.4s
  let x = ask("Second?", key: "second")
  http POST "#{hook}/hook/two" json {x: x}
  sh "echo two >> \"$STUB_LOG\"" readonly
}
step three "Resolve" {
  confirm "Last?" as last
  sh "sleep 0.2; echo three >> \"$STUB_LOG\"" readonly
  resolve "done"
}
