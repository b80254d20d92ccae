# Suppressions: `# runbook:disable RULE[, RULE]` at the end of a line covers that line;
# alone on its line it covers the next line of code; `# runbook:disable-file RULE` covers
# the file.  One that covers nothing, or names no rule, is RB117.
# runbook:disable-file RB103 -- params kept for the next version
runbook "Suppressed" { severity P3 }
param unused_one = 1
param unused_two = 2
step s "Step" {
  sh "systemctl restart api"        # runbook:disable RB102 -- restarting is the whole point
  # runbook:disable RB102, RB115 -- a probe that may take long
  wait until sh("systemctl restart worker").ok every 5s
  note "fine"                       # runbook:disable RB102
  sh "systemctl restart db"         # runbook:disable RB999
  sh "systemctl restart cache"      # runbook:disable rb102
}
# expect-warning: 10:21 RB117
# expect-warning: 12:55 RB117
# expect-warning: 13:55 RB117
# expect-warning: 13:3 RB102
