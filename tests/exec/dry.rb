runbook "Dry run" { severity P3 }
step s "Mixed" {
  sh "echo looked > read.txt" readonly
  sh "echo changed > write.txt"
  let r = sh "echo expr"
  note "skipped=#{r.skipped}"
}
