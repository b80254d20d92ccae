# A cycle of `use` is an error at the use that closes it; here that `use` is in
# mod/cycle_back.rb (reported under that file's name), so only the exit status shows.
# expect-exit: 1
runbook "Cycle" { severity P3 }

use "mod/cycle_back.rb" as back

step s "S" { note back.hello() }
