#!/bin/sh
# tests/t-ssh-values.sh — remote commands over OpenSSH, part two (split from t-ssh.sh so the
# two run side by side, each with its own sshd): hostile values stay data on the far side, a
# secret never reaches a command line (sampled in ps), dry-run, and resume in the middle of a
# fan-out with replay --verify of the resumed run.
. "$(dirname "$0")/lib.sh"
. "$TESTS/ssh/lib.sh"

# --- hostile values stay data on the far side
for v in "a'; touch $T/F1; echo '" '$(touch '"$T"'/F2)' '`touch '"$T"'/F3`' 'x"; touch '"$T"'/F4; "' "two
lines; touch $T/F5" 'semi;colon && touch '"$T"'/F6'; do
    printf '{"value": %s}\n' "$(printf '%s' "$v" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')" >"$T/ans.json"
    run "$SS/payload.rb" --set out="$T/payload" --answers "$T/ans.json" --auto
    exp=$(printf '[%s]\n<%s>\n{%s}' "$v" "$v" "$v")
    if [ "$rc" -eq 0 ] && [ "$(cat "$T/payload")" = "$exp" ]; then pass "hostile value arrives literally: $(printf '%s' "$v" | head -c 20 | tr '\n' ' ')"
    else fail "hostile value: $(printf '%s' "$v" | tr '\n' ' ')" "rc=$rc" "$(cat "$T/payload" 2>/dev/null)" "$(tail -5 "$T/out")"; fi
done
ls "$T"/F? >/dev/null 2>&1 && fail "hostile values: no command ran" "$(ls "$T"/F?)" || pass "hostile values: no command ran"

# --- a secret is never on a command line, local or remote
tok="s3cr3t-$(date +%s)-tok"
(RB_TEST_TOKEN=$tok "$RUNBOOK" exec "$SS/secret.rb" --ssh-config "$SSH_CONFIG" --auto >"$T/out" 2>&1) &
pid=$!
seen=0; n=0
while kill -0 $pid 2>/dev/null && [ $n -lt 80 ]; do
    ps -eo args | grep -v grep | grep -q "$tok" && seen=$((seen + 1))
    sleep 0.05; n=$((n + 1))
done
wait $pid; rc=$?
expect_rc "secret: the run passes" 0
grep -q token-ok "$T/out" && grep -q env-ok "$T/out" && pass "secret: the host got the value" || fail "secret: value" "$(cat "$T/out")"
[ $seen -eq 0 ] && pass "secret: never in ps ($n samples)" || fail "secret: seen in ps $seen times"
grep -q "$tok" "$T/out" && fail "secret: not on the terminal" || pass "secret: not on the terminal"
grep -c "$tok" "$DB" "$DB-wal" 2>/dev/null | grep -qv ':0$' && fail "secret: not in the database" || pass "secret: not in the database"

# --- dry run: readonly remote commands run, the rest is shown
run "$SS/dry.rb" --set out="$T/dry" --dry-run --auto
expect_rc "dry run: exit 0" 0
grep -q '\[h1\] looked' "$T/out" && [ ! -e "$T/dry" ] && pass "dry run: readonly runs, the change does not" \
    || fail "dry run" "$(cat "$T/out")"

# --- resume in the middle of a fan-out: finished hosts served, in-flight ones re-run
mkdir -p "$T/res"
("$RUNBOOK" exec "$SS/resume.rb" --set count="$T/res/count" --ssh-config "$SSH_CONFIG" --db "$T/res/db" \
    --auto >"$T/res/out" 2>&1) &
pid=$!
i=0
while [ $i -lt 200 ]; do
    s=$(sqlite3 "$T/res/db" "SELECT count(*) FROM events WHERE kind='sh.start'" 2>/dev/null || echo 0)
    e=$(sqlite3 "$T/res/db" "SELECT count(*) FROM events WHERE kind='sh.end'" 2>/dev/null || echo 0)
    [ "${s:-0}" -ge 4 ] && [ "${e:-0}" -ge 2 ] && break
    sleep 0.05; i=$((i+1))
done
kill -9 $pid; wait $pid 2>/dev/null
ended=$(sqlite3 "$T/res/db" "SELECT group_concat(json_extract(data,'\$.host')) FROM events WHERE kind='sh.end'")
sleep 2   # the in-flight hosts finish on their own (their ssh outlived the kill)
before=$(wc -l <"$T/res/count")
"$RUNBOOK" resume last --db "$T/res/db" --ssh-config "$SSH_CONFIG" --auto >"$T/res/out2" 2>&1 </dev/null
rc=$?
expect_rc "resume mid-fan-out: the run completes" 0
after=$(wc -l <"$T/res/count")
[ $((after - before)) -eq 2 ] && pass "resume mid-fan-out: only the 2 in-flight hosts ran again (finished: $ended)" \
    || fail "resume mid-fan-out: re-runs" "before=$before after=$after ended=$ended" "$(cat "$T/res/out2")"
grep -q 'all done' "$T/res/out2" && pass "resume mid-fan-out: the step goes on after the fleet" || fail "resume: note" "$(cat "$T/res/out2")"
"$RUNBOOK" replay last --db "$T/res/db" --verify >"$T/v" 2>&1 && pass "resume mid-fan-out: replay --verify of the resumed run passes" \
    || fail "resume: verify" "$(cat "$T/v")"

