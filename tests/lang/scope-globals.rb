# Globals: a param/secret/let initializer sees only the globals declared before it,
# and every fn (fns are hoisted).  Steps, fns and timers see every global.
runbook "Global order" { severity P3 }

let region = default_region()         # a fn declared further down: fine
let url = "https://#{host}/#{region}" # expect-error: 6:22 undefined variable 'host'
param host = "db-1"
secret key = env("KEY_#{host}")
let port = later                      # expect-error: 9:12 undefined variable 'later'
let later = 5432

fn default_region() {
  return env("AWS_REGION", "eu-west-1") + suffix   # every global is visible in a fn
}

step show "Show" {
  note "#{url} #{key} #{port} #{later} #{suffix}"
}

let suffix = "-a"                     # declared after the step: still a global
