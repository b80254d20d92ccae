runbook "Remote: timeout" {
  id "remote-timeout"
  severity P3
}
param late = "/dev/null"
param mark = "4243"
step t "A command that outlives its timeout" {
  sh "echo started; sleep #{mark}; touch #{late}" on "h1" timeout 2s readonly
}
