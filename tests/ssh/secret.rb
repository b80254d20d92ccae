runbook "Remote: a secret" {
  id "remote-secret"
  severity P3
}
secret token = env("RB_TEST_TOKEN")
step s "Use a token on the host" {
  sh "sleep 2; test -n \"#{token}\" && echo token-ok" on "h1" readonly
  sh "sleep 2; test -n \"$TOKEN\" && echo env-ok" on "h1" readonly env {TOKEN: token}
}
