# RB104: a P1 or P2 runbook should page someone when nobody responds.
runbook "Severe but silent" {
  severity P2                            # expect-warning: 3:12 RB104
}

step s "S" { note "nobody is paged" }
# expect-warning: 3:12 RB109
