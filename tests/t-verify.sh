#!/bin/sh
# tests/t-verify.sh — `runbook replay RUN --verify [FILE]`: the recorded runbook, or an
# edited one, re-executed against the record with nothing executed; 0 when it takes the
# recorded path, 1 with the location of the first divergence.
. "$(dirname "$0")/lib.sh"
EX=$TESTS/exec
export RUNBOOK_DB=$T/runs.db
cd "$T" || exit 1
printf '{"ack":"y","triage":"Bad deploy","who":"bob","verification.1":"done","verification.2":"done"}' >a.json
"$RUNBOOK" exec "$EX/basic.rb" --answers a.json --clock virtual=2026-01-01T00:00:00Z >out 2>&1
[ $? -eq 0 ] && pass "a run to verify" || fail "a run to verify" "$(tail out)"
rm -f marker

"$RUNBOOK" replay last --verify --quiet >out 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q 'verified' out && pass "verify: the recorded runbook takes the recorded path" || fail "verify original" "exit $rc" "$(cat out)"

# the same runbook, edited: a command changes
sed 's/echo rolling back by/echo rolling BACK by/' "$EX/basic.rb" >edited.rb
line=$(grep -n 'rolling BACK' edited.rb | cut -d: -f1)
"$RUNBOOK" replay last --verify edited.rb --quiet >out 2>&1; rc=$?
[ $rc -eq 1 ] && pass "verify: an edited command diverges (exit 1)" || fail "verify edited command" "exit $rc" "$(cat out)"
grep -q "edited.rb:$line:5: the runbook diverges" out && pass "verify: the divergence is located in the edited file" || fail "verify location" "$(cat out)"
grep -q "recorded: sh.start: echo rolling back by 'bob'" out && grep -q "now:      sh.start: echo rolling BACK by 'bob'" out \
    && pass "verify: both versions of the action are shown" || fail "verify shows both" "$(cat out)"

# a different branch: the decision now goes elsewhere
sed 's/"Bad deploy" => { goto rollback_deploy }/"Bad deploy" => { goto scale }/' "$EX/basic.rb" >branch.rb
"$RUNBOOK" replay last --verify branch.rb --quiet >out 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q 'diverges' out && pass "verify: a changed branch diverges" || fail "verify branch" "exit $rc" "$(cat out)"

# a new prompt
sed 's/step scale "Scale up" {/step scale "Scale up" {\n    confirm "Sure?"/; s/step rollback_deploy "Roll back the deploy" {/step rollback_deploy "Roll back the deploy" {\n    confirm "Really roll back?"/' "$EX/basic.rb" >prompt.rb
"$RUNBOOK" replay last --verify prompt.rb --quiet >out 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q 'Really roll back' out && pass "verify: a new prompt diverges" || fail "verify new prompt" "exit $rc" "$(cat out)"

# usage and missing runs
"$RUNBOOK" replay 999 --verify >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && pass "verify: unknown run, exit 2" || fail "verify unknown run" "exit $rc"
"$RUNBOOK" replay last --verify "$T/nope.rb" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && pass "verify: a missing FILE, exit 2" || fail "verify missing file" "exit $rc"

# nothing is executed: a runbook whose commands write a file, verified after the file is gone
printf '{"go": "yes", "who": "ann"}' >b.json
"$RUNBOOK" exec "$TESTS/verify/effects.rb" --answers b.json --clock virtual >out 2>&1
[ -s effects.log ] && pass "verify: the run's commands wrote their effects" || fail "effects written" "$(cat out)"
rm -f effects.log
"$RUNBOOK" replay last --verify --quiet >out 2>&1; rc=$?
[ $rc -eq 0 ] && [ ! -e effects.log ] && pass "verify: nothing was executed" || fail "verify executed something" "exit $rc" "$(cat out; ls)"

# an interrupted run verifies up to where its record ends
mkfifo fifo
( "$RUNBOOK" exec "$TESTS/crash/prompt.rb" <fifo >out2 2>&1 & echo $! >pid; exec 7>fifo; sleep 3 ) &
i=0; while [ $i -lt 50 ] && ! sqlite3 runs.db "SELECT 1 FROM events WHERE kind='prompt' AND run_id=(SELECT max(id) FROM runs)" 2>/dev/null | grep -q 1; do sleep 0.1; i=$((i+1)); done
kill -9 "$(cat pid)" 2>/dev/null; wait
"$RUNBOOK" replay last --verify --quiet >out 2>&1; rc=$?
[ $rc -eq 0 ] && pass "verify: an interrupted run is reproduced up to its end" || fail "verify interrupted" "exit $rc" "$(cat out)"

# typed params come back typed (a duration param), and a resumed run verifies too
cat >typed.rb <<'RB'
runbook "Typed params" { severity P4 }
param grace: duration = 5m
param n = 2
step w "Wait" {
  wait grace
  sh "echo waited #{n} >> typed.log" readonly
}
RB
"$RUNBOOK" exec typed.rb --clock virtual --set grace=2m --set n=3 >out 2>&1
"$RUNBOOK" replay last --verify --quiet >out 2>&1; rc=$?
[ $rc -eq 0 ] && pass "verify: a run with typed params (duration, number)" || fail "verify typed params" "exit $rc" "$(cat out)"

"$RUNBOOK" replay 1 --verify prompt.rb --quiet >out 2>&1
n=$(grep -c 'diverges' out)
[ "$n" -eq 1 ] && pass "verify: a divergence is reported once" || fail "divergence reported $n times" "$(cat out)"

# a run that stopped at a prompt nobody answered (exit 4) verifies up to there
"$RUNBOOK" exec "$TESTS/crash/prompt.rb" --auto >out 2>&1 </dev/null; rc=$?
"$RUNBOOK" replay last --verify --quiet >out 2>&1; vrc=$?
[ $rc -eq 4 ] && [ $vrc -eq 0 ] && pass "verify: a run that stopped at an unanswered prompt (exit 4) is reproduced up to it" \
    || fail "verify exit-4 run" "exec $rc, verify $vrc" "$(cat out)"

# a record longer than what the evaluator reads at a time (journal_read.c reads rows in
# batches): a Ctrl-C'd command after 300 events is in flight again on resume (its
# interrupted end and run.end are not replayed), and both runs verify
cat >long.rb <<'RB'
runbook "Long record" { severity P4 }
step a "Many notes" {
  let i = 0
  while i < 300 {
    note "note #{i}"
    i = i + 1
  }
}
step b "Slow" { sh "echo start >> long.log; [ -e again ] || sleep 30" readonly }
step c "After" { sh "echo after >> long.log" }
RB
"$RUNBOOK" exec long.rb --clock virtual >out 2>&1 &
pid=$!
i=0; while [ $i -lt 100 ] && ! grep -q start long.log 2>/dev/null; do sleep 0.1; i=$((i+1)); done
kill -INT $pid; wait $pid; rc=$?
run=$(sqlite3 runs.db 'SELECT max(id) FROM runs')
tail=$(sqlite3 runs.db "SELECT group_concat(kind, ' ') FROM (SELECT kind FROM events WHERE run_id=$run AND seq > (SELECT seq FROM events WHERE run_id=$run AND kind='sh.start') ORDER BY seq)")
[ $rc -eq 130 ] && [ "$tail" = "sh.end run.end" ] && pass "long record: Ctrl-C'd in a command after 300 events" \
    || fail "long record: Ctrl-C" "exit $rc, after sh.start: $tail" "$(tail -3 out)"
"$RUNBOOK" replay "$run" --verify --quiet >out 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q 'verified' out && pass "long record: the interrupted run verifies" || fail "long record: verify interrupted" "exit $rc" "$(cat out)"
touch again
"$RUNBOOK" resume "$run" >out 2>&1; rc=$?
[ $rc -eq 0 ] && [ "$(tr '\n' ' ' <long.log)" = "start start after " ] && pass "long record: resume runs the command in flight again and finishes" \
    || fail "long record: resume" "exit $rc: $(cat long.log)" "$(tail -5 out)"
r=$(sqlite3 runs.db "SELECT json_extract(data, '\$.replayed_events') = (SELECT seq FROM events WHERE run_id=$run AND kind='sh.start' ORDER BY seq LIMIT 1) FROM events WHERE run_id=$run AND kind='run.resume'")
[ "$r" = 1 ] && pass "long record: resume replayed up to the command's start, not its interrupted end" || fail "long record: replayed events" "$r"
"$RUNBOOK" replay "$run" --verify --quiet >out 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q 'verified' out && pass "long record: the resumed run verifies" || fail "long record: verify resumed" "exit $rc" "$(cat out)"
