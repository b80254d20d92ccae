# tests/http/secret.rb — a secret in a header, the URL and the JSON body: sent in clear,
# recorded and shown only as «redacted».  $API_TOKEN holds the token, $HTTPD the server.
runbook "HTTP with a secret" {
  id       "http-secret"
  severity P4
  owner    "Tests"
}

use "check.rb" as t

param  base  = env("HTTPD", "") "the test server"
secret token = env("API_TOKEN")

step call "Call an API with a token" {
  let r = http POST "#{base}/json?key=#{token}" headers {
    Authorization: "Bearer #{token}",
    "X-Trace":     "trace-#{token}",
    "X-Plain":     "nothing to hide",
  } json {token: token, service: "api"}
  t.eq("secret: ok", r.ok, true)
  note "sent #{r.json.json.service}; status #{r.status}"
  note "the echo as recorded: #{r.body}"
  t.done()
}
