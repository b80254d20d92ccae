# RB103: a param or top-level let that nothing reads.
runbook "Unused" { severity P3 }

param region = "eu"                      # expect-warning: 4:7 RB103
param cluster = "prod"
let unused_map = {a: 1}                  # expect-warning: 6:5 RB103
let base = "https://#{cluster}"
let url = base + "/health"

fn helper() { return url }

step s "S" {
  note helper()
}
