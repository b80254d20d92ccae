# The call form sh("cmd", …) takes the same options as the statement form.
runbook "sh options" { severity P3 }

step s "S" {
  sh("uptime", timeout: 5s, readonly: true, env: {A: "1"}, cwd: "/", on: "host-1")
  sh("uptime", timout: 5s, readonly: true)   # expect-error: 6:16 sh has no option 'timout'
  sh("uptime", readonly: true, user: "root") # expect-error: 7:32 sh has no option 'user'
}
