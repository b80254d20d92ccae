# tests/http/interrupt.rb — Ctrl-C during a request stops the run (130), as for a command.
runbook "Interrupted request" { severity P4 }
param base = env("HTTPD", "") "the test server"
step slow "A slow request" {
  http GET "#{base}/slow/20" timeout 30s
}
step after "After" { note "never reached" }
