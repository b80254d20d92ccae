runbook "Remote: a fleet" {
  id "remote-fanout"
  severity P3
}
param out = "/dev/null"
param n = 5
step restart "Restart the service on every API host" {
  let hosts = []
  for i in range(1, n + 1) { hosts = hosts + ["h#{i}"] }
  sh "echo restarted >> #{out}" on hosts parallel 2
  let rs = sh("echo up", on: hosts, parallel: 3, readonly: true)
  let up = 0
  for r in rs { if r.ok { up = up + 1 } }
  note "up on #{up} of #{len(rs)} hosts"
}
