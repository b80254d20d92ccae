#!/bin/sh
# tests/t-report.sh — `runbook report` (the Markdown post-mortem draft and the JSON document)
# and `runbook replay`, over runs recorded by the real binary in a real SQLite file.
#
# Golden files live in tests/report/: NAME.md (report) and NAME.replay (replay).  A real run
# takes real time, so before comparing with a golden file the test pins the times of a copy
# of the record (fix_times below): the run starts at 2026-11-23T18:30:00Z, event N happens
# 7.25 s after event N-1, every command took 2.5 s, and the user and host are fixed.  The
# report is a function of the record, so pinned times give pinned bytes.
# To regenerate after an intended change: UPDATE_GOLDEN=1 sh tests/run.sh tests/t-report.sh
. "$(dirname "$0")/lib.sh"
py_start
EX=$TESTS/exec
GOLD=$TESTS/report
DB=$T/runs.db
export RUNBOOK_DB=$DB

# q PY-EXPR: evaluate a Python expression over the JSON on stdin (d), print the result.
q() { pyc "import json,sys; d=json.load(sys.stdin); print($1)"; }
last_id() { sqlite3 "$DB" 'SELECT max(id) FROM runs'; }

# run DIR ARGS...: `runbook exec ARGS` in DIR, stdin from $T/in; output in $T/out, status in $rc.
run() {
    dir=$1; shift
    mkdir -p "$dir"
    (cd "$dir" && "$RUNBOOK" exec "$@") <"$T/in" >"$T/out" 2>&1
    rc=$?
    : >"$T/in"
}
: >"$T/in"

# fix_times DB RUN: pin the times, durations, user and host of run RUN in DB (a copy).
fix_times() {
    sqlite3 "$1" "
UPDATE events SET t = 1795458600 + (seq - 1) * 7.25 WHERE run_id = $2;
UPDATE events SET data = json_set(data, '\$.duration_s', 2.5) WHERE run_id = $2 AND kind = 'sh.end';
UPDATE runs SET started_at = 1795458600, user = 'alice', host = 'bastion-1', pid = 4242,
  ended_at = CASE WHEN ended_at IS NULL THEN NULL ELSE (SELECT max(t) FROM events WHERE run_id = $2) END,
  acknowledged_at = (SELECT min(t) FROM events WHERE run_id = $2 AND kind = 'state' AND json_extract(data, '\$.field') = 'acknowledged'),
  resolved_at = (SELECT min(t) FROM events WHERE run_id = $2 AND kind = 'state' AND json_extract(data, '\$.field') = 'resolved')
WHERE id = $2;"
}

# golden NAME FILE: FILE must equal tests/report/NAME (or becomes it with UPDATE_GOLDEN=1).
golden() {
    if [ -n "${UPDATE_GOLDEN:-}" ]; then cp "$2" "$GOLD/$1"; fi
    if cmp -s "$GOLD/$1" "$2"; then pass "golden $1"; else fail "golden $1" "$(diff "$GOLD/$1" "$2" | head -n 30)"; fi
}

# tables_ok FILE: every Markdown table row has as many cells as its header (a `|` in user
# text that was not escaped would add a cell).
tables_ok() {
    python3 - "$1" <<'PY'
import re, sys
cols = None
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    if not line.startswith("|"):
        cols = None
        continue
    cells = len(re.findall(r"(?<!\\)\|", line)) - 1
    if cols is None:
        cols = cells
    elif cells != cols:
        sys.exit("line %d has %d cells, the table %d: %s" % (n, cells, cols, line))
PY
}

# --- a run of basic.rb with a fixed answers file, user text that needs escaping (the first
# run in $DB: the golden files say "run 1")
mkdir -p "$T/w1"
cp "$EX/basic.rb" "$T/w1/basic.rb"
cat >"$T/w1/answers.json" <<'JSON'
{"ack": "y", "triage": "Bad deploy", "who": "alice | bob <ops>", "verification.1": "done",
 "verification.2": "n/a: *not* measured"}
JSON
run "$T/w1" basic.rb --answers answers.json --incident INC-TEST-1
[ "$rc" -eq 0 ] && sanitizer_clean "$T/out" && pass "basic run finishes" || fail "basic run finishes" "exit $rc" "$(tail -n 5 "$T/out")"
BASIC=$(last_id)
cp "$DB" "$T/fixed.db"
fix_times "$T/fixed.db" "$BASIC"

"$RUNBOOK" report "$BASIC" --db "$T/fixed.db" >"$T/basic.md" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] && sanitizer_clean "$T/err" && pass "report: md is the default, exit 0" || fail "report md" "exit $rc" "$(cat "$T/err")"
golden basic.md "$T/basic.md"
"$RUNBOOK" report "$BASIC" --db "$T/fixed.db" --format md >"$T/basic2.md" 2>&1
cmp -s "$T/basic.md" "$T/basic2.md" && pass "report: --format md, same bytes again" || fail "report: deterministic"
tables_ok "$T/basic.md" >"$T/err" 2>&1 && pass "report: tables keep their columns (| escaped)" || fail "report: tables" "$(cat "$T/err")"
grep -q 'alice \\| bob \\<ops\\>' "$T/basic.md" && grep -q 'n/a: \\\*not\\\* measured' "$T/basic.md" \
    && pass "report: user text escaped" || fail "report: user text escaped" "$(grep -n 'bob\|measured' "$T/basic.md")"

# The record as it was (real times): same document apart from times and who.
"$RUNBOOK" report "$BASIC" >"$T/real.md" 2>&1 && grep -q '^# Post-mortem: INC-TEST-1 — Basic drill$' "$T/real.md" \
    && grep -q '| MTTA (time to acknowledge) | .* | 15m | met |' "$T/real.md" && grep -q '| MTTR (time to resolve) | .* | 4h | met |' "$T/real.md" \
    && pass "report of the unpinned record: title and targets met" || fail "report of the unpinned record" "$(head -n 20 "$T/real.md")"

# --- the JSON document keeps its shape
"$RUNBOOK" report "$BASIC" --format json >"$T/basic.json" 2>&1
r=$(q "list(d), list(d['run']), sorted(set(tuple(e) for e in d['events'])), [list(a) for a in d['action_items']]" <"$T/basic.json")
want="['run', 'events', 'action_items'] ['id', 'incident', 'runbook', 'title', 'status', 'severity', 'started_at', 'ended_at', 'duration_s', 'acknowledged_at', 'resolved_at', 'respond_within_s', 'resolve_within_s', 'clock', 'mode', 'sha256', 'params', 'user', 'host', 'pid'] [('seq', 't', 'elapsed_s', 'step', 'kind', 'text', 'data')] [['text', 'owner', 'due', 'seq']]"
[ "$r" = "$want" ] && pass "report --format json: shape unchanged" || fail "report --format json: shape" "$r"
r=$(q "d['run']['incident'], d['run']['status'], d['action_items'][0]['text'], len(d['events'])" <"$T/basic.json")
[ "$r" = "INC-TEST-1 finished Add a canary 33" ] && pass "report --format json: content" || fail "report --format json: content" "$r"

# --- replay: golden, order, pacing, stepping
"$RUNBOOK" replay "$BASIC" --db "$T/fixed.db" >"$T/basic.replay" 2>"$T/err"
rc=$?
[ "$rc" -eq 0 ] && sanitizer_clean "$T/err" && pass "replay: exit 0" || fail "replay: exit 0" "exit $rc" "$(cat "$T/err")"
golden basic.replay "$T/basic.replay"
"$RUNBOOK" replay "$BASIC" >"$T/real.replay" 2>&1
r=$(grep -o -e '--- step [a-z_]*' -e '\$ echo' -e 'run ended' "$T/real.replay" | tr '\n' ',')
[ "$r" = "--- step ack,--- step triage,--- step rollback_deploy,\$ echo,--- step verify,run ended," ] \
    && pass "replay: every step and command, in order" || fail "replay: order" "$r"
grep -q '^ *| rolling back by alice | bob <ops>$' "$T/real.replay" && pass "replay: recorded output indented" || fail "replay: output" "$(cat "$T/real.replay")"
grep -q '→ alice | bob <ops>  (.*, answers file)' "$T/real.replay" && pass "replay: answer and who answered" || fail "replay: answer" "$(grep '→' "$T/real.replay")"

start=$(date +%s.%N)
"$RUNBOOK" replay "$BASIC" --db "$T/fixed.db" --speed 1000 >"$T/fast.replay" 2>&1
took=$(echo "$(date +%s.%N) - $start" | bc)
cmp -s "$T/basic.replay" "$T/fast.replay" && [ "$(echo "$took < 3" | bc)" = 1 ] && [ "$(echo "$took > 0.2" | bc)" = 1 ] \
    && pass "replay --speed 1000: same output, paced (${took}s for 232s recorded)" || fail "replay --speed 1000" "took $took" "$(diff "$T/basic.replay" "$T/fast.replay" | head)"

printf '\n\n\n' | "$RUNBOOK" replay "$BASIC" --db "$T/fixed.db" --step >"$T/step.replay" 2>&1
cmp -s "$T/basic.replay" "$T/step.replay" && pass "replay --step: piped newlines, then end of input prints the rest" \
    || fail "replay --step" "$(diff "$T/basic.replay" "$T/step.replay" | head)"
printf '\n\nq\n' | "$RUNBOOK" replay "$BASIC" --db "$T/fixed.db" --step >"$T/stepq.replay" 2>&1
grep -q '^(replay stopped after event 3 of 33)$' "$T/stepq.replay" && [ "$(grep -c '^[0-9][0-9]:' "$T/stepq.replay")" = 3 ] \
    && pass "replay --step: q stops after the events shown" || fail "replay --step q" "$(cat "$T/stepq.replay")"

# One gap of 30 minutes at --speed 1000 is 1.8 s; a gap of 11 days would be 16 minutes: capped at 5 s.
cp "$T/fixed.db" "$T/gap.db"
sqlite3 "$T/gap.db" "UPDATE events SET t = t + 1000000 WHERE run_id = $BASIC AND seq = 33"
# (in the background: its 5 s overlap the rest of the script; checked at the end)
(start=$(date +%s.%N)
 "$RUNBOOK" replay "$BASIC" --db "$T/gap.db" --speed 1000 >/dev/null 2>&1
 echo "$(date +%s.%N) - $start" | bc >"$T/gap.took") &
gap_pid=$!

# --- a drill on the virtual clock: two runs, byte-identical drafts and replays, no pinning
printf '{"ack": "y", "triage": "Out of capacity", "verification.1": "done",
 "verification.2": {"answer": "done", "after": "20m"}}' >"$T/w1/virtual.json"
for n in 1 2; do
    run "$T/w1" basic.rb --answers virtual.json --clock virtual=2026-11-23T18:30:00Z --incident INC-TEST-V --db "$T/v$n.db"
    "$RUNBOOK" report last --db "$T/v$n.db" >"$T/v$n.md" 2>&1
    "$RUNBOOK" replay last --db "$T/v$n.db" >"$T/v$n.replay" 2>&1
done
cmp -s "$T/v1.md" "$T/v2.md" && cmp -s "$T/v1.replay" "$T/v2.replay" && pass "virtual clock: two drills, identical report and replay" \
    || fail "virtual clock: identical drafts" "$(diff "$T/v1.md" "$T/v2.md"; diff "$T/v1.replay" "$T/v2.replay")"
grep -q 'Times are UTC on the run.s virtual clock' "$T/v1.md" && grep -q '| 18:50:00 | +20:00 | `verify` | \*\*Incident resolved\*\* |' "$T/v1.md" \
    && grep -q '^| MTTR (time to resolve) | 20m (at 18:50:00) | 4h | met |$' "$T/v1.md" && grep -q 'after 20m |$' "$T/v1.md" \
    && pass "virtual clock: virtual times, the delayed answer and MTTR" || fail "virtual clock: times" "$(cat "$T/v1.md")"

# --- MTTA / MTTR against the header's targets
cat >"$T/tiny.rb" <<'RB'
runbook "Tiny targets" {
  severity P1
  respond within 1ms
  resolve within 1ms
}
step s "Slow" {
  sh "sleep 0.05"
  acknowledge()
  resolve("done")
}
RB
sed -e 's/Tiny targets/Roomy targets/' -e 's/within 1ms/within 1h/' "$T/tiny.rb" >"$T/roomy.rb"
cat >"$T/notarget.rb" <<'RB'
runbook "No targets" { severity P3 }
step s "Ack only" { acknowledge() }
RB
cat >"$T/neither.rb" <<'RB'
runbook "Never acknowledged" {
  severity P3
  respond within 5m
  resolve within 1h
}
step s "Nothing" { note "looked around" }
RB
metrics() { "$RUNBOOK" report last | grep '^| MTT' | sed 's/^| \(MTT.\) .* | \([^|]*\) | \([^|]*\) |$/\1 \2 \3/' | tr '\n' ';'; }
run "$T/w2" "$T/tiny.rb" --auto
r=$(metrics)
[ "$rc" -eq 0 ] && [ "$r" = "MTTA 1ms **missed**;MTTR 1ms **missed**;" ] && pass "metrics: 1ms targets missed" || fail "metrics: missed" "rc=$rc $r"
run "$T/w2" "$T/roomy.rb" --auto
r=$(metrics)
[ "$r" = "MTTA 1h met;MTTR 1h met;" ] && pass "metrics: 1h targets met" || fail "metrics: met" "$r"
run "$T/w2" "$T/notarget.rb" --auto
r=$(metrics)
[ "$r" = "MTTA none no target;MTTR none not resolved;" ] && pass "metrics: no target, not resolved" || fail "metrics: no target" "$r"
run "$T/w2" "$T/neither.rb" --auto
r=$(metrics)
[ "$r" = "MTTA 5m not acknowledged;MTTR 1h not resolved;" ] && pass "metrics: not acknowledged" || fail "metrics: not acknowledged" "$r"

# --- a failed run: the failed step, its command and the outcome
mkdir -p "$T/w3" && cp "$EX/fail.rb" "$T/w3/fail.rb"
run "$T/w3" fail.rb --auto --incident INC-TEST-FAIL --db "$T/failed.db"
FAILED=1
fix_times "$T/failed.db" "$FAILED"
"$RUNBOOK" report "$FAILED" --db "$T/failed.db" >"$T/failed.md" 2>"$T/err"
[ "$rc" -eq 1 ] && sanitizer_clean "$T/err" && pass "failed run: recorded (exit 1)" || fail "failed run" "rc=$rc" "$(cat "$T/err")"
golden failed.md "$T/failed.md"
grep -q '^- \*\*Status\*\*: aborted$' "$T/failed.md" && grep -q '^- \*\*Steps\*\*: 2 ok, 1 failed (`three`)$' "$T/failed.md" \
    && grep -q '| `three` | `exit 3` | \*\*3\*\* ✗ |' "$T/failed.md" && grep -q 'Step ended: \*\*failed\*\*' "$T/failed.md" \
    && pass "failed run: status, failed step, failed command" || fail "failed run: report" "$(cat "$T/failed.md")"
"$RUNBOOK" replay "$FAILED" --db "$T/failed.db" >"$T/failed.replay" 2>&1
golden failed.replay "$T/failed.replay"

# --- notifications, escalations, timers, HTTP and deadlines (kinds the interpreter may not
# emit yet), added to a copy of the failed run: each lands in its section.
cp "$T/failed.db" "$T/notify.db"
sqlite3 "$T/notify.db" "
INSERT INTO events (run_id, seq, t, step, kind, text, data) VALUES
 ($FAILED, 17, 1795458720, 'three', 'escalation', 'paged Secondary on-call (rung 2)', '{\"rung\":2}'),
 ($FAILED, 18, 1795458721, 'three', 'timer', 'status update every 15m', '{}'),
 ($FAILED, 19, 1795458722, 'three', 'http.request', 'POST hook', '{\"method\":\"POST\",\"url\":\"https://hooks.example/x?a=1|2\"}'),
 ($FAILED, 20, 1795458723, 'three', 'http.response', '503', '{\"method\":\"POST\",\"url\":\"https://hooks.example/x?a=1|2\",\"status\":503}'),
 ($FAILED, 21, 1795458724, 'three', 'deadline.missed', 'phase Mitigation: 30m passed', '{}'),
 ($FAILED, 22, 1795458725, 'three', 'note', '[undelivered] message to Primary (no channel configured): disk full', '{}'),
 ($FAILED, 23, 1795458726, 'three', 'http.request', 'GET status', '{\"method\":\"GET\",\"url\":\"https://status.example/\"}');"
"$RUNBOOK" report "$FAILED" --db "$T/notify.db" >"$T/notify.md" 2>"$T/err"
sed -n '/^## Escalations/,/^## Response metrics/p' "$T/notify.md" >"$T/sections"
grep -q '| `three` | \*\*Escalation\*\*: paged Secondary on-call (rung 2) |' "$T/sections" \
    && grep -q 'Timer: status update every 15m' "$T/sections" \
    && grep -q 'POST `https://hooks.example/x?a=1\\|2` → \*\*503\*\* ✗' "$T/sections" \
    && ! grep -q 'status.example' "$T/sections" \
    && grep -q 'Note: \\\[undelivered\\\] message to Primary' "$T/sections" \
    && grep -A4 '^## Missed deadlines' "$T/sections" | grep -q '\*\*Missed\*\*: phase Mitigation: 30m passed' \
    && pass "escalations, timers, HTTP notifications (not GET probes), undelivered notes and missed deadlines listed" || fail "notification sections" "$(cat "$T/sections")"
tables_ok "$T/notify.md" >"$T/err" 2>&1 && pass "notification tables keep their columns" || fail "notification tables" "$(cat "$T/err")"

# --- the same sections from a run whose timers really fire (real clock, about half a second)
cat >"$T/esc.rb" <<'RB'
runbook "Escalating" {
  severity P1
  respond within 100ms
  resolve within 1h
}
use notify
escalation "pager" {
  at 0m notify.send({name: "Primary on-call"}, "P1: #{incident.title}")
  at 200ms unless acknowledged note "paging backup"
  at 250ms when incident.severity == P4 note "never"
}
every 150ms until resolved { note "status update" }
step s "Slow" within 100ms {
  wait 400ms "let it burn"
  acknowledge()
  resolve("fixed")
}
RB
run "$T/w6" "$T/esc.rb" --auto
"$RUNBOOK" report last >"$T/esc.md" 2>&1
sed -n '/^## Escalations/,/^## Missed deadlines/p' "$T/esc.md" >"$T/sections"
sed -n '/^## Missed deadlines/,/^## Response metrics/p' "$T/esc.md" >"$T/missed"
[ "$rc" -eq 0 ] && grep -q '| \*\*Escalation\*\*: pager rung at 0s |' "$T/sections" && grep -q 'Escalation skipped: ' "$T/sections" \
    && grep -q '| Note: \\\[undelivered\\\] message to Primary on-call' "$T/sections" && grep -q '| `s` | Timer: every 150ms' "$T/sections" \
    && grep -q '\*\*Missed\*\*: response target missed' "$T/missed" && grep -q '\*\*Missed\*\*: .*step s' "$T/missed" \
    && grep -q '^| MTTA (time to acknowledge) | .* | 100ms | \*\*missed\*\* |$' "$T/esc.md" \
    && pass "recorded escalations, timers, notifications and missed deadlines in their sections" \
    || fail "recorded escalations and deadlines" "rc=$rc" "$(cat "$T/esc.md")"

# --- an interrupted run: killed with SIGKILL during a command
mkdir -p "$T/w4"
cat >"$T/w4/hang.rb" <<'RB'
runbook "Hang" { severity P2 }
step before "Before" { sh "echo before" }
step hang "Hang" { sh "echo $$ > pid; sleep 30" }
step after "After" { note "never" }
RB
(cd "$T/w4" && exec "$RUNBOOK" exec hang.rb --incident INC-TEST-KILL >"$T/out" 2>&1) &
pid=$!
i=0; while [ ! -s "$T/w4/pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
kill -9 $pid
wait $pid 2>/dev/null
# The command's process group (its shell leads it) outlives runbook: end it by its id.
[ -s "$T/w4/pid" ] && kill -9 "-$(cat "$T/w4/pid")" 2>/dev/null
"$RUNBOOK" report INC-TEST-KILL >"$T/killed.md" 2>"$T/err"
grep -q '^- \*\*Status\*\*: interrupted$' "$T/killed.md" \
    && grep -q '^- \*\*In flight when the record ends\*\*: `echo $$ > pid; sleep 30` (started .* in step `hang`; no end recorded)$' "$T/killed.md" \
    && grep -q '| `hang` | `echo $$ > pid; sleep 30` | \*\*in flight\*\*: no end recorded | — |' "$T/killed.md" \
    && grep -q 'Started `echo $$ > pid; sleep 30`: \*\*no end recorded\*\*' "$T/killed.md" \
    && grep -q '^- \*\*Ended\*\*: — (no end recorded)$' "$T/killed.md" \
    && pass "interrupted run: status and the in-flight command without an end" || fail "interrupted run" "$(cat "$T/killed.md" "$T/err")"
"$RUNBOOK" replay INC-TEST-KILL >"$T/killed.replay" 2>&1
sleep 0.2
st=$(ps -o stat= -p "$(cat "$T/w4/pid" 2>/dev/null || echo 0)" 2>/dev/null)
case "$st" in ""|Z*) pass "interrupted run: the orphaned command was ended" ;;
    *) fail "interrupted run: the orphaned command was ended" "state $st" ;; esac
grep -A1 '\$ echo \$\$ > pid; sleep 30' "$T/killed.replay" | grep -q 'no end recorded' \
    && tail -n 1 "$T/killed.replay" | grep -q 'without a run.end: status interrupted' \
    && pass "interrupted run: replay shows the command in flight" || fail "interrupted replay" "$(cat "$T/killed.replay")"

# --- secrets stay redacted
export RB_TEST_TOKEN=tok-SeCrEt-4242
printf 'pw-HiDdEn-7777\n' >"$T/in"; run "$T/w5" "$EX/secret.rb"
"$RUNBOOK" report last >"$T/secret.md" 2>&1
"$RUNBOOK" replay last >>"$T/secret.md" 2>&1
if grep -q -e SeCrEt -e HiDdEn "$T/secret.md"; then fail "secrets: absent from report and replay"; else pass "secrets: absent from report and replay"; fi
grep -q '«redacted»' "$T/secret.md" && pass "secrets: shown redacted" || fail "secrets: shown redacted" "$(cat "$T/secret.md")"
unset RB_TEST_TOKEN

# --- errors: unknown run, no database, bad options
expect_exit() { # expect_exit NAME WANT CMD...
    name=$1 want=$2; shift 2
    "$@" >"$T/out" 2>&1
    got=$?
    if [ "$got" -eq "$want" ] && sanitizer_clean "$T/out"; then pass "$name"; else fail "$name" "exit $got, wanted $want" "$(cat "$T/out")"; fi
}
expect_exit "report nosuch: exit 2" 2 "$RUNBOOK" report nosuch
grep -q 'no run or incident "nosuch"' "$T/out" && pass "report nosuch: says so" || fail "report nosuch: message" "$(cat "$T/out")"
expect_exit "replay nosuch: exit 2" 2 "$RUNBOOK" replay nosuch
expect_exit "report without a database: exit 3" 3 "$RUNBOOK" report 1 --db "$T/none.db"
expect_exit "replay without a database: exit 3" 3 "$RUNBOOK" replay 1 --db "$T/none.db"
[ ! -e "$T/none.db" ] && pass "a missing database is not created by report or replay" || fail "missing database created"
expect_exit "replay --verify: the recorded runbook takes the recorded path" 0 "$RUNBOOK" replay last --verify --quiet
grep -q '^verified: ' "$T/out" && pass "replay --verify: says so" || fail "replay --verify: message" "$(cat "$T/out")"
expect_exit "replay --speed 0: exit 2" 2 "$RUNBOOK" replay last --speed 0
expect_exit "replay --speed and --step: exit 2" 2 "$RUNBOOK" replay last --speed 2 --step
expect_exit "replay without RUN: exit 2" 2 "$RUNBOOK" replay
expect_exit "report --format xml: exit 2" 2 "$RUNBOOK" report last --format xml
expect_exit "help replay mentions the 5 s cap" 0 "$RUNBOOK" help replay
grep -q '5 s' "$T/out" && pass "help replay: cap documented" || fail "help replay" "$(cat "$T/out")"

# --- garbage in the record: data that is not JSON, wrong types, control characters, bad UTF-8
cp "$DB" "$T/garbage.db"
sqlite3 "$T/garbage.db" "
UPDATE runs SET params = 'not json {', title = 'T|itle' || char(10) || '<b>', acknowledged_at = -1e300, respond_within_s = 'soon' WHERE id = $BASIC;
INSERT INTO events (run_id, seq, t, step, kind, text, data) VALUES
 ($BASIC, 34, 1e300, 'verify', 'sh.end', 'x', 'not json {'),
 ($BASIC, 35, 1795458999, NULL, 'state', 'weird', '[1,2,3]'),
 ($BASIC, 36, 1795459000, 'a|b\`c', 'prompt', 'q', '\"just a string\"'),
 ($BASIC, 37, 1795459001, 'verify', 'answer', 'a', '{\"answer\": 42, \"source\": null}'),
 ($BASIC, 38, 1795459002, 'verify', 'sh.start', 'c', '{\"command\": 7}'),
 ($BASIC, 39, 1795459003, 'verify', 'note', 'esc' || char(27) || '[31m red' || char(7), NULL),
 ($BASIC, 40, 1795459004, 'verify', 'step.end', CAST(X'FFFE41' AS TEXT), '{\"outcome\": {\"x\": 1}}'),
 ($BASIC, 41, 1795459005, NULL, 'mystery.kind', '', '{}'),
 ($BASIC, 42, -5, NULL, 'action_item', 'bare', 'null');"
expect_exit "garbage record: report md does not crash" 0 "$RUNBOOK" report "$BASIC" --db "$T/garbage.db"
cp "$T/out" "$T/garbage.md"
tables_ok "$T/garbage.md" >"$T/err" 2>&1 && pass "garbage record: tables keep their columns" || fail "garbage record: tables" "$(cat "$T/err")"
grep -q '`mystery.kind`' "$T/garbage.md" && pass "garbage record: unknown kinds shown as recorded" || fail "garbage record: unknown kind"
expect_exit "garbage record: report json does not crash" 0 "$RUNBOOK" report "$BASIC" --db "$T/garbage.db" --format json
expect_exit "garbage record: replay does not crash" 0 "$RUNBOOK" replay "$BASIC" --db "$T/garbage.db"
if grep -q "$(printf '\033')" "$T/out" || grep -q "$(printf '\007')" "$T/out"; then
    fail "garbage record: replay never prints control characters from the record"
else
    pass "garbage record: replay never prints control characters from the record"
fi
# (its garbage times make every pause the 5 s cap: in the background too, checked at the end)
("$RUNBOOK" replay "$BASIC" --db "$T/garbage.db" --speed 100000 >"$T/garbage-speed.out" 2>&1; echo $? >"$T/garbage-speed.rc") &
garbage_pid=$!

# --- issue 12: each command's output excerpted (first and last lines, what was cut)
printf 'runbook "Output" { severity P3 }\nstep a "A" {\n  sh "seq 1 20" readonly\n}\n' >"$T/seq.rb"
"$RUNBOOK" exec "$T/seq.rb" --db "$T/seq.db" >/dev/null 2>&1
"$RUNBOOK" report last --db "$T/seq.db" >"$T/seq.md" 2>&1
r=$(sed -n '/^### Output/,/^## /p' "$T/seq.md" | grep '^  [0-9…]' | tr '\n' '|')
[ "$r" = "  1|  2|  3|  … 15 lines cut …|  19|  20|" ] && pass "report: a command's output excerpt shows its first and last lines and what was cut" \
    || fail "report: output excerpt" "$r" "$(cat "$T/seq.md")"

# --- the two paced replays started in the background above
wait "$gap_pid"
took=$(cat "$T/gap.took")
# at least the 5 s cap, far below the 1000 s the uncapped gap would take
[ "$(echo "$took >= 5 && $took < 60" | bc)" = 1 ] && pass "replay --speed: one pause is capped at 5 s (${took}s)" || fail "replay: pause cap" "took $took"
wait "$garbage_pid"
if [ "$(cat "$T/garbage-speed.rc")" = 0 ] && sanitizer_clean "$T/garbage-speed.out"; then pass "garbage record: replay --speed does not crash"
else fail "garbage record: replay --speed does not crash" "exit $(cat "$T/garbage-speed.rc")" "$(cat "$T/garbage-speed.out")"; fi
