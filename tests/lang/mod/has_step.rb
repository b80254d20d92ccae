# A module may hold only use, let, secret and fn: the param and the step are errors.
param x = 1
let y = 2
step s "S" { note "#{y}" }
