#!/bin/sh
# tests/t-crash.sh — SIGKILL at several points (during a command, at a prompt, during a
# wait, after a virtual-clock wait), then: the database passes integrity_check, holds every
# completed action, shows the in-flight one, lists the run as interrupted, and `resume`
# finishes the run without repeating any completed side effect (counted in effects.log).
. "$(dirname "$0")/lib.sh"
. "$TESTS/crash/lib.sh"

# --- killed during a command
D=$T/cmd
start "$D" steps.rb
printf 'yes\n' >&7
until_event "$D" sh.start && until grep -q started-slow "$D/effects.log" 2>/dev/null; do sleep 0.1; done
kill9; left=$(pids_in "$D" 'sleep|CRASH_SLOW'); [ -n "$left" ] && kill $left 2>/dev/null
integrity "killed during a command" "$D"
r=$("$RUNBOOK" report last --db "$D/db" --format json | q "[e['kind'] for e in d['events']][-1], len([e for e in d['events'] if e['kind']=='sh.end'])")
[ "$r" = "sh.start 2" ] && pass "killed during a command: the in-flight command is visible (sh.start, no sh.end)" || fail "in-flight visible" "$r"
printf '{"who": "alice"}' >"$D/a.json"
CRASH_SLOW=0.1 resume "$D" --answers "$D/a.json" --auto   # the re-run of the slow command is quick
[ $rc -eq 0 ] && pass "killed during a command: resume finishes" || fail "resume finishes" "exit $rc" "$(tail "$D/out2")"
[ "$(effects "$D")" = "one two started-slow started-slow slow three alice " ] \
    && pass "killed during a command: completed commands not repeated, in-flight one re-run" || fail "side effects" "$(effects "$D")"
r=$("$RUNBOOK" report last --db "$D/db" --format json | q "d['run']['status'], [e['seq'] for e in d['events']] == list(range(1, len(d['events'])+1))")
[ "$r" = "finished True" ] && pass "killed during a command: same run, appended, finished" || fail "appended" "$r"
cp "$D/effects.log" "$D/effects.before"
(cd "$D" && "$RUNBOOK" replay last --verify --quiet --db "$D/db") >"$D/out3" 2>&1; rc=$?
[ $rc -eq 0 ] && cmp -s "$D/effects.log" "$D/effects.before" && pass "killed during a command: the resumed run verifies, nothing executed" \
    || fail "verify the resumed run" "exit $rc" "$(cat "$D/out3")"

# --- killed at a prompt
D=$T/prompt
start "$D" prompt.rb
until_event "$D" prompt
kill9
integrity "killed at a prompt" "$D"
printf '{"x": "42"}' >"$D/a.json"
resume "$D" --answers "$D/a.json"
[ $rc -eq 0 ] && [ "$(effects "$D")" = "one two 42 " ] && pass "killed at a prompt: resume asks again and finishes, nothing repeated" \
    || fail "killed at a prompt: resume" "exit $rc: $(effects "$D")" "$(tail "$D/out2")"

# --- killed during a (real) wait
D=$T/wait
start "$D" realwait.rb
until_event "$D" wait
kill9
integrity "killed during a wait" "$D"
resume "$D"
[ $rc -eq 0 ] && [ "$(effects "$D")" = "a c " ] && pass "killed during a wait: resume finishes, nothing repeated" \
    || fail "killed during a wait: resume" "exit $rc: $(effects "$D")" "$(tail "$D/out2")"

# --- killed at a prompt after a wait on the virtual clock: timers are reproduced, not re-run
D=$T/virtual
start "$D" virtual.rb --clock virtual=2026-01-01T00:00:00Z
until_event "$D" prompt
kill9
integrity "killed after a virtual wait" "$D"
[ "$(effects "$D")" = "rung0 before rung10 " ] && pass "virtual: side effects before the kill" || fail "virtual: before the kill" "$(effects "$D")"
printf '{"x": "yes"}' >"$D/a.json"
resume "$D" --answers "$D/a.json"
[ $rc -eq 0 ] && [ "$(effects "$D")" = "rung0 before rung10 rung40 after yes " ] \
    && pass "virtual: resume replays the fired rungs and fires the rest on time" || fail "virtual: resume" "exit $rc: $(effects "$D")" "$(tail "$D/out2")"
r=$("$RUNBOOK" report last --db "$D/db" --format json | q "[round(e['elapsed_s']/60) for e in d['events'] if e['kind']=='escalation']")
[ "$r" = "[0, 10, 40]" ] && pass "virtual: rung minutes in the record" || fail "virtual: rung minutes" "$r"

# --- resume refuses a finished run; an unknown run
resume "$D"
[ $rc -eq 2 ] && pass "resume of a finished run: exit 2" || fail "resume finished run" "exit $rc"
(cd "$D" && "$RUNBOOK" resume 999 --db "$D/db") >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && pass "resume of an unknown run: exit 2" || fail "resume unknown run" "exit $rc"

