runbook "Remote: host key mismatch" {
  id "remote-badkey"
  severity P3
}
step s "Talk to a host whose key changed" {
  sh "true" on "hbad" readonly
}
