runbook "Remote: Ctrl-C" {
  id "remote-interrupt"
  severity P3
}
step t "A long command on two hosts" {
  sh "echo started; sleep 4244" on ["h1", "h2"] readonly
}
