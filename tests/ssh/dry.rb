runbook "Remote: dry run" {
  id "remote-dry"
  severity P3
}
param out = "/dev/null"
step s "Read and change" {
  sh "echo looked" on "h1" readonly
  sh "echo changed > #{out}" on "h1"
}
