# tests/http/fails.rb — the statement form of `http`: GET $URL with `retries` $RETRIES;
# a transport error or a non-2xx answer fails the step (exec --auto exits 1).
runbook "HTTP statement" {
  id       "http-statement"
  severity P4
  owner    "Tests"
}

param url     = env("URL", "")           "the URL to GET"
param attempts = num(env("RETRIES", "0")) "extra attempts"

step get "GET the URL" {
  http GET url timeout 5s retries attempts
  note "after the request"
}
