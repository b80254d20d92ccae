# RB113: http to a plain http:// URL off this machine.
runbook "Plain" { severity P3 }
param host = "api.internal"
step s "Step" {
  http GET "http://status.example.com/health"         # expect-warning: 5:12 RB113
  http GET "http://#{host}/health"                    # expect-warning: 6:12 RB113
  http GET "http://127.0.0.1:8080/health"             # loopback: fine
  http GET "http://localhost/health"                  # loopback: fine
  http GET "https://status.example.com/health"        # https: fine
}
