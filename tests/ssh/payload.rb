runbook "Remote: hostile values" {
  id "remote-payload"
  severity P3
}
param out = "/dev/null"
step s "Values stay data on the far side" {
  let x = ask("Value?", key: "value")
  sh "printf '[%s]\n' #{x} > #{out}" on "h1" readonly
  sh "printf '<%s>\n' \"#{x}\" >> #{out}" on "h1" readonly env {RB_VALUE: x}
  sh "printf '{%s}\n' \"$RB_VALUE\" >> #{out}" on "h1" readonly env {RB_VALUE: x} cwd "/"
}
