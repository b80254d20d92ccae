runbook "Remote: crash in a fan-out" {
  id "remote-resume"
  severity P3
}
param count = "/dev/null"
step s "Four hosts, two at a time" {
  sh "echo ran >> #{count}; sleep 1.5" on ["h1", "h2", "h3", "h4"] parallel 2 idempotent
  note "all done"
}
