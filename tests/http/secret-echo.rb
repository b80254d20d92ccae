# tests/http/secret-echo.rb — a server that echoes a secret back: the echo must stay
# redacted in r.json as it is in r.body.  $API_TOKEN holds the token, $HTTPD the server.
runbook "HTTP echoing a secret" {
  id       "http-secret-echo"
  severity P4
  owner    "Tests"
}

param  base  = env("HTTPD", "") "the test server"
secret token = env("API_TOKEN")

step call "Show what the server echoed" {
  let r = http GET "#{base}/json" headers {Authorization: "Bearer #{token}"}
  note "echoed body: #{r.body}"
  note "echoed header: #{r.json.headers.Authorization}"
}
