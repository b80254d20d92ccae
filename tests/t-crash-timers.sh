#!/bin/sh
# tests/t-crash-timers.sh — crash recovery, part two (split from t-crash.sh so the suite runs
# them side by side): timers that fired while a prompt, a command or a wait was pending
# (virtual and real clock), the divergence message, the command in flight whose process
# group outlives the kill, idempotent re-runs and a full disk, and the printed resume command.
. "$(dirname "$0")/lib.sh"
. "$TESTS/crash/lib.sh"

# --- issue 12: a timer fires while a prompt waits (prompt → timer → answer in the record)
D=$T/tick
printf '{"go": {"answer": "yes", "after": "6m"}}' >"$T/tick-answers.json"
start "$D" tick.rb --clock virtual=2026-01-01T00:00:00Z --answers "$T/tick-answers.json"
until_event "$D" sh.start && until grep -q start "$D/effects.log" 2>/dev/null; do sleep 0.1; done
kill9; kill_group "$D"
r=$(sqlite3 "$D/db" "SELECT group_concat(kind, ' ') FROM (SELECT kind FROM events ORDER BY seq)")
[ "$r" = "run.start step.start prompt timer note answer sh.start" ] && pass "timer during a prompt: recorded prompt → timer → answer" \
    || fail "timer during a prompt: record" "$r"
(cd "$D" && "$RUNBOOK" replay last --verify --db "$D/db") >"$D/out3" 2>&1; rc=$?
[ $rc -eq 0 ] && pass "timer during a prompt: the interrupted run verifies" || fail "timer during a prompt: verify before resume" "exit $rc" "$(cat "$D/out3")"
(cd "$D" && CRASH_SLOW=0 "$RUNBOOK" resume last --db "$D/db" </dev/null) >"$D/out2" 2>&1; rc=$?
[ $rc -eq 0 ] && [ "$(effects "$D")" = "start start slow two " ] \
    && pass "timer during a prompt: resume </dev/null serves the answer and finishes" || fail "timer during a prompt: resume" "exit $rc: $(effects "$D")" "$(cat "$D/out2")"
(cd "$D" && "$RUNBOOK" replay last --verify --db "$D/db") >"$D/out3" 2>&1; rc=$?
[ $rc -eq 0 ] && pass "timer during a prompt: the resumed run verifies" || fail "timer during a prompt: verify" "exit $rc" "$(cat "$D/out3")"
n=$(sqlite3 "$D/db" "SELECT count(*) FROM events WHERE kind='timer'")
[ "$n" = 1 ] && pass "timer during a prompt: the firing is not repeated" || fail "timer during a prompt: firings" "$n"

# --- killed during an answer's delay (a timer's command in flight, asked about on resume):
# the answer still arrives at its prompt's time + after, not after the whole delay again
# from the kill or from the in-flight question
D=$T/delay
printf '{"go": {"answer": "yes", "after": "10m"}}' >"$T/delay-answers.json"
CRASH_SLOW=30 start "$D" delay.rb --clock virtual=2026-01-01T00:00:00Z --answers "$T/delay-answers.json"
until grep -q tick "$D/ticks.log" 2>/dev/null; do sleep 0.1; done
kill9; kill_group "$D"
printf '{"go": {"answer": "yes", "after": "10m"}, "in_flight": "re-run"}' >"$T/delay-answers2.json"
(cd "$D" && CRASH_SLOW=0 "$RUNBOOK" resume last --db "$D/db" --answers "$T/delay-answers2.json" </dev/null) >"$D/out2" 2>&1; rc=$?
[ $rc -eq 0 ] && [ "$(effects "$D")" = "done " ] \
    && pass "answer delay across a kill: the resumed run answers within the step's timeout" \
    || fail "answer delay across a kill: resume" "exit $rc: $(effects "$D" 2>/dev/null)" "$(tail -8 "$D/out2")"
r=$(sqlite3 "$D/db" "SELECT round((e.t - s.t) / 60) FROM events e, events s WHERE e.kind='answer' AND json_extract(e.data, '$.key')='go' AND s.kind='run.start'")
[ "$r" = 10.0 ] && pass "answer delay across a kill: answered at minute 10, as asked" \
    || fail "answer delay across a kill: answer time" "minute $r"
(cd "$D" && "$RUNBOOK" replay last --verify --db "$D/db") >"$D/out3" 2>&1 && pass "answer delay across a kill: the resumed run verifies" \
    || fail "answer delay across a kill: verify" "$(cat "$D/out3")"

# --- the same on the real clock: firings during the answer delay, a command and a wait
D=$T/tickreal
printf '{"go": {"answer": "yes", "after": "1.5s"}}' >"$T/tickreal-answers.json"
start "$D" tick-real.rb --answers "$T/tickreal-answers.json"
until grep -q start "$D/effects.log" 2>/dev/null; do sleep 0.1; done
kill9; kill_group "$D"
r=$(sqlite3 "$D/db" "SELECT count(*) FROM events WHERE kind='timer' AND seq < (SELECT min(seq) FROM events WHERE kind='answer')")
[ "$r" -ge 1 ] && pass "real clock: a timer fired during the prompt" || fail "real clock: timer during the prompt" "$r"
(cd "$D" && CRASH_SLOW=0 "$RUNBOOK" resume last --db "$D/db" </dev/null) >"$D/out2" 2>&1; rc=$?
[ $rc -eq 0 ] && [ "$(effects "$D")" = "one start start slow two " ] \
    && pass "real clock: resume replays the interleaved firings and finishes" || fail "real clock: resume" "exit $rc: $(effects "$D")" "$(cat "$D/out2")"
n=$(sqlite3 "$D/db" "SELECT count(*) FROM events WHERE kind='timer'"); ticks=$(wc -l <"$D/ticks.log")
[ "$n" = "$ticks" ] && pass "real clock: replayed firings did not run their bodies again" || fail "real clock: firings" "$n recorded, $ticks ticks ran"
(cd "$D" && "$RUNBOOK" replay last --verify --db "$D/db") >"$D/out3" 2>&1; rc=$?
[ $rc -eq 0 ] && pass "real clock: the resumed run verifies" || fail "real clock: verify" "exit $rc" "$(cat "$D/out3")"

# --- a resume that cannot reproduce the record blames the database only when its checksum says so
D=$T/envpath
start "$D" envpath.rb
until_event "$D" prompt
kill9
(cd "$D" && PATH_CHOICE=b "$RUNBOOK" resume last --db "$D/db" </dev/null) >"$D/out2" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q 'recorded: sh.start: echo a' "$D/out2" && grep -q 'now:      sh.start: echo b' "$D/out2" \
    && grep -q 'SHA-256 matches' "$D/out2" && ! grep -q 'database was edited' "$D/out2" \
    && pass "divergence with an intact source: says what diverged, does not blame the database" \
    || fail "divergence message (intact source)" "exit $rc" "$(cat "$D/out2")"
sqlite3 "$D/db" "UPDATE runs SET source = replace(source, 'echo b', 'echo c')"
(cd "$D" && PATH_CHOICE=b "$RUNBOOK" resume last --db "$D/db" </dev/null) >"$D/out2" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q 'does not match its SHA-256 (the database was edited)' "$D/out2" \
    && pass "divergence with an edited source: the checksum says the database was edited" \
    || fail "divergence message (edited source)" "exit $rc" "$(cat "$D/out2")"

# --- issue 12: the command in flight at the crash changes things and its process group outlives the kill
D=$T/mutate
start "$D" mutate.rb
printf 'yes\n' >&7
until grep -q started "$D/effects.log" 2>/dev/null; do sleep 0.1; done
kill9
pg=$(sqlite3 "$D/db" "SELECT json_extract(data, '$.pgid') FROM events WHERE kind='sh.start'")
[ -n "$pg" ] && python3 -c 'import os,sys; os.killpg(int(sys.argv[1]), 0)' "$pg" 2>/dev/null && pass "in flight: sh.start records the process group, which outlives the kill" \
    || fail "in flight: pgid recorded" "pgid '$pg'"
resume "$D" --auto
[ $rc -eq 4 ] && grep -q "still running (process group $pg)" "$D/out2" && grep -q 'waiting for process group' "$D/out2" \
    && grep -q 'does not re-run a command that changes things.*echo started' "$D/out2" \
    && pass "in flight, --auto: says the group is still running, waits for it, then stops with exit 4 naming the command" \
    || fail "in flight, --auto" "exit $rc" "$(cat "$D/out2")"
[ "$(effects "$D")" = "started done " ] && pass "in flight, --auto: the command ran once, not twice" || fail "in flight: ran once" "$(effects "$D")"
s=$("$RUNBOOK" runs --db "$D/db" --format json | q "d[0]['status']")
[ "$s" = interrupted ] && pass "in flight, --auto: the run stays interrupted" || fail "in flight: status" "$s"
printf '{"in_flight": "skip"}' >"$D/a.json"
resume "$D" --answers "$D/a.json"
[ $rc -eq 0 ] && [ "$(effects "$D")" = "started done two " ] && pass "in flight: answered skip, the run finishes without running it again" \
    || fail "in flight: skip" "exit $rc: $(effects "$D")" "$(cat "$D/out2")"
(cd "$D" && "$RUNBOOK" replay last --verify --db "$D/db") >"$D/out3" 2>&1 && pass "in flight: the resumed run verifies" \
    || fail "in flight: verify" "$(cat "$D/out3")"

# --- the responder stops the surviving group, then re-runs the command
D=$T/mutate-stop
start "$D" mutate.rb
printf 'yes\n' >&7
until grep -q started "$D/effects.log" 2>/dev/null; do sleep 0.1; done
kill9
printf '{"in_flight_running": "stop", "in_flight": "re-run"}' >"$D/a.json"
CRASH_SLOW=0 resume "$D" --answers "$D/a.json"
[ $rc -eq 0 ] && grep -q 'stopped process group' "$D/out2" && [ "$(effects "$D")" = "started started done two " ] \
    && pass "in flight: stopped, then re-run once on request" || fail "in flight: stop and re-run" "exit $rc: $(effects "$D")" "$(cat "$D/out2")"

# --- an idempotent command in flight runs again by itself; a full disk on resume re-runs nothing
D=$T/idem
mkdir -p "$D"
sed 's/sleep ${CRASH_SLOW:-2}; echo done >> effects.log"/sleep ${CRASH_SLOW:-30}; echo done >> effects.log" idempotent/' \
    "$CR/mutate.rb" >"$D/idem.rb"
mkfifo "$D/in"
(cd "$D" && exec "$RUNBOOK" exec "$D/idem.rb" --db "$D/db" <"$D/in" >"$D/out" 2>&1) &
pid=$!
exec 7>"$D/in"
printf 'yes\n' >&7
until grep -q started "$D/effects.log" 2>/dev/null; do sleep 0.1; done
kill9
pg=$(sqlite3 "$D/db" "SELECT json_extract(data, '$.pgid') FROM events WHERE kind='sh.start'")
python3 -c 'import os,signal,sys; os.killpg(int(sys.argv[1]), signal.SIGTERM)' "$pg"; sleep 0.2
for i in 1 2; do
    RUNBOOK_FAIL_RECORD=1 CRASH_SLOW=0 resume "$D" --auto
    [ $rc -eq 3 ] || break
done
[ $rc -eq 3 ] && [ "$(effects "$D")" = "started " ] && pass "full disk on resume (twice): exit 3 before the in-flight command runs again" \
    || fail "full disk on resume" "exit $rc: $(effects "$D")" "$(cat "$D/out2")"
CRASH_SLOW=0 resume "$D" --auto
[ $rc -eq 0 ] && grep -q 'it is idempotent: running it again' "$D/out2" && [ "$(effects "$D")" = "started started done two " ] \
    && pass "in flight, idempotent: --auto runs it again once the disk has room" || fail "in flight: idempotent" "exit $rc: $(effects "$D")" "$(cat "$D/out2")"

# --- after an interrupt (Ctrl-C), the exact resume command is printed, and it works
D=$T/sigint
start "$D" tick.rb --clock virtual=2026-01-01T00:00:00Z --answers "$T/tick-answers.json"
until grep -q start "$D/effects.log" 2>/dev/null; do sleep 0.1; done
kill -INT "$pid"; wait "$pid"; rc=$?; exec 7>&-
line=$(grep 'to continue: ' "$D/out" | sed 's/.*to continue: //')
[ $rc -eq 130 ] && [ "$line" = "runbook resume 1 --db '$D/db'" ] && pass "interrupted: prints the exact resume command" \
    || fail "interrupted: resume command" "exit $rc, '$line'" "$(tail -3 "$D/out")"
(cd "$D" && export CRASH_SLOW=0 && eval "\"\$RUNBOOK\" ${line#runbook }" </dev/null) >"$D/out2" 2>&1; rc=$?
[ $rc -eq 0 ] && [ "$(effects "$D")" = "start start slow two " ] && pass "interrupted: that command finishes the run" \
    || fail "interrupted: the printed command" "exit $rc: $(effects "$D")" "$(tail -5 "$D/out2")"
