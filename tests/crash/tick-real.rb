runbook "Timers fire during a prompt, a command and a wait (real clock)" { severity P3 }
every 1s { sh "echo tick >> ticks.log" readonly }
step one "One" {
  confirm "Go on?" as go
  sh "sleep 1.5; echo one >> effects.log" readonly
  wait 1.2s
  sh "echo start >> effects.log; sleep ${CRASH_SLOW:-30}; echo slow >> effects.log" readonly
}
step two "Two" {
  sh "echo two >> effects.log" readonly
}
