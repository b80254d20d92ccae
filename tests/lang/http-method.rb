# http takes one of the HTTP methods, in capitals.
runbook "HTTP methods" { severity P3 }

step h "H" {
  http GET "https://example.com/health"
  http FETCH "https://example.com/"        # expect-error: 6:8 unknown http method 'FETCH'
  let r = http get "https://example.com/"  # expect-error: 7:16 unknown http method 'get'
  note r.status
}
