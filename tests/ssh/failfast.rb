runbook "Remote: failfast" {
  id "remote-failfast"
  severity P3
}
step deploy "Deploy" {
  sh "true" on ["hdown", "h1", "h2", "h3"] parallel 1 failfast readonly
}
