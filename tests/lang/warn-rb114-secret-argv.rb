# RB114: a secret interpolated into a sh command ends up in ps.
runbook "Secrets" { severity P3 }
secret token = env("API_TOKEN")
param user = "deploy"
step s "Step" {
  sh "curl -H 'Authorization: Bearer #{token}' https://api.example.com" readonly # expect-warning: 6:40 RB114
  sh("curl -H \"Authorization: Bearer $TOKEN\" https://api.example.com", env: {TOKEN: token}, readonly: true)
  sh "echo #{user}" readonly                          # not a secret: fine
}
