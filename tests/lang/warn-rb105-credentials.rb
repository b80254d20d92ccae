# RB105: a hard-coded credential: a secret written as a literal, or a literal
# Authorization header.  Read them from the environment instead.
runbook "Credentials" { severity P3 }

secret token = "xoxb-1234-abcd"          # expect-warning: 5:16 RB105
secret key = env("API_KEY")

step s "S" {
  http GET "https://example.com/a" headers {Authorization: "Bearer abc123"} # expect-warning: 9:60 RB105
  http GET "https://example.com/b" headers {"authorization": "Bearer #{key}"}
  http POST "https://example.com/c" headers {Authorization: "Bearer #{token}"} json {ok: true}
}
