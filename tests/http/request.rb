# tests/http/request.rb — the expression form of `http` against tests/tools/httpd.py
# ($HTTPD is its base URL; $CLOSED a URL nothing listens on): what is sent, what comes
# back, redirects, retries, non-2xx and transport errors as values.
runbook "HTTP requests" {
  id       "http-request"
  severity P4
  owner    "Tests"
}

use "check.rb" as t

param base   = env("HTTPD", "")  "the test server"
param closed = env("CLOSED", "") "a URL nothing listens on"

step post "POST JSON and read the echo back" {
  let r = http POST "#{base}/json?x=1" headers {"X-Request-Id": "req-1", Accept: "application/json"} json {
    service: "api",
    count:   3,
    tags:    ["a", "b"],
    nested:  {up: false, why: "café — ✓"},
  } timeout 5s
  t.eq("post: ok", r.ok, true)
  t.eq("post: status", r.status, 200)
  t.eq("post: echoed method", r.json.method, "POST")
  t.eq("post: echoed query", r.json.query, "x=1")
  t.eq("post: json.service", r.json.json.service, "api")
  t.eq("post: json.count", r.json.json.count, 3)
  t.eq("post: json.tags", r.json.json.tags, ["a", "b"])
  t.eq("post: json.nested.up", r.json.json.nested.up, false)
  t.eq("post: UTF-8 round trip", r.json.json.nested.why, "café — ✓")
  t.eq("post: header as sent", r.json.headers["X-Request-Id"], "req-1")
  t.eq("post: content type sent", r.json.headers["Content-Type"], "application/json")
  t.eq("post: response header (lower-case name)", r.headers["content-type"], "application/json")
  t.eq("post: duration", type(r.duration), "duration")
  t.eq("post: error", r.error, nil)
  t.eq("post: skipped", r.skipped, false)
  note "echo: #{r.json.json.service} x#{r.json.json.count}"
  t.done()
}

step put "PUT a raw body" {
  let r = http PUT "#{base}/json" headers {"Content-Type": "text/plain"} body "line one\nline two"
  t.eq("put: body as sent", r.json.body, "line one\nline two")
  t.eq("put: not JSON", r.json.json, nil)
  t.eq("put: content type", r.json.headers["Content-Type"], "text/plain")
  t.done()
}

step status "A non-2xx answer is a value" {
  let r = http GET "#{base}/status/404"
  t.eq("404: ok", r.ok, false)
  t.eq("404: status", r.status, 404)
  t.eq("404: body parsed", r.json.status, 404)
  t.done()
}

step redirect "Redirects are followed" {
  let r = http GET "#{base}/redirect/3"
  t.eq("redirect: ok", r.ok, true)
  t.eq("redirect: final status", r.status, 200)
  t.eq("redirect: landed on /json", r.json.path, "/json")
  t.done()
}

step flaky "A flaky endpoint succeeds on the third attempt" {
  let r = http GET "#{base}/flaky/request/2" retries 2
  t.eq("flaky: ok", r.ok, true)
  t.eq("flaky: attempt", r.json.attempt, 3)
  t.done()
}

step refused "A closed port is a value" {
  let r = http GET closed timeout 5s
  t.eq("refused: ok", r.ok, false)
  t.eq("refused: no status", r.status, 0)
  t.ok("refused: error text", type(r.error) == "string" and r.error != "")
  t.done()
}
