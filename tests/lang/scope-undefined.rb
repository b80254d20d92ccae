# Every name must be declared: in expressions, inside "#{…}" and inside heredocs.
runbook "Undefined names" { severity P3 }

param service = "api"

step check "Check" {
  note servce                           # expect-error: 7:8 undefined variable 'servce' (did you mean 'service'?)
  note "Restarting #{servic} on #{host}" # expect-error: 8:22 undefined variable 'servic'
  let text = <<~MSG
    Service #{service} on #{cluster}
  MSG
  restart(service)                      # expect-error: 12:3 undefined function 'restart'
  note text + len(lenght)               # expect-error: 13:19 undefined variable 'lenght'
}
# expect-error: 8:35 undefined variable 'host'
# expect-error: 10:29 undefined variable 'cluster'
