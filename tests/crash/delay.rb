runbook "An answer's delay counts from its prompt, also on resume" { severity P3 }
every 4m { sh "echo tick >> ticks.log; sleep ${CRASH_SLOW:-0}" }
step one "One" timeout 12m {
  confirm "Go on?" as go
  sh "echo done >> effects.log" readonly
}
