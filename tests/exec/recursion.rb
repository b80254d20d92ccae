runbook "Recursion" { severity P3 }
fn fact(n) { if n <= 1 { return 1 } return n * fact(n - 1) }
fn forever(n) { return forever(n + 1) }
step a "A" { note "fact=#{fact(10)}" }
step b "B" { note "#{forever(0)}" }
