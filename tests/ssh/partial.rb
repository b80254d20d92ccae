runbook "Remote: partial failure" {
  id "remote-partial"
  severity P3
}
param tolerate_n = 0
step deploy "Deploy" {
  sh "true" on ["h1", "hdown", "h2"] tolerate tolerate_n readonly
  note "deploy went on"
}
