runbook "Modules" { severity P3 }
use notify
use "lib/helpers.rb" as h
step a "Use the modules" {
  note h.shout(h.greeting)
  note h.twice("ab")
  notify.send({name: "Primary on-call"}, "disk at 91%")
}
