runbook "Remote: one host" {
  id "remote-single"
  severity P3
}
step one "One host" {
  sh "echo hello from the host; echo to stderr >&2" on "h1" readonly
  let r = sh("echo value", on: "h1", readonly: true)
  note "result: #{len(r)} #{r[0].host} #{r[0].ok} #{trim(r[0].stdout)}"
}
