runbook "Secrets" { severity P3 }
secret token = env("RB_TEST_TOKEN")
step s "Use the token" {
  note "token is #{token}"
  let pw = ask("Password?", secret: true, key: "pw")
  sh "echo #{token} #{pw}; echo 'header: Bearer #{token}' >&2"
  let r = sh("echo #{token}")
  note r.stdout
}
