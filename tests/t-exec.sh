#!/bin/sh
# tests/t-exec.sh — `runbook exec` end to end: real shell commands, a real SQLite file,
# piped answers, answers files and --auto; the transcript and the recorded events checked.
. "$(dirname "$0")/lib.sh"
py_start
EX=$TESTS/exec
DB=$T/runs.db
export RUNBOOK_DB=$DB

# q PY-EXPR: evaluate a Python expression over the JSON on stdin (d), print the result.
q() { pyc "import json,sys; d=json.load(sys.stdin); print($1)"; }
report() { "$RUNBOOK" report "${1:-last}" --format json; }
kinds() { report "${1:-last}" | q "' '.join(e['kind'] for e in d['events'])"; }

# A run in a work directory of its own; stdout+stderr in $T/out, exit status in $rc.
run() { # run DIR ARGS...   (standard input: $T/in, empty unless feed wrote it)
    dir=$1; shift
    mkdir -p "$dir"
    (cd "$dir" && "$RUNBOOK" exec "$@") <"$T/in" >"$T/out" 2>&1
    rc=$?
    : >"$T/in"
}
feed() { printf "$@" >"$T/in"; }   # the answers piped to the next run
: >"$T/in"
expect_rc() { # expect_rc NAME WANT
    if [ "$rc" -eq "$2" ] && sanitizer_clean "$T/out"; then pass "$1"; else fail "$1" "exit $rc, wanted $2" "$(tail -n 15 "$T/out")"; fi
}

# --- piped answers walk one branch of the decision tree
feed 'yes\n1\nalice\ndone\nn/a: not measured\n'; run "$T/w1" "$EX/basic.rb"
expect_rc "piped answers: the run finishes" 0
grep -q 'rolling back by alice' "$T/out" && pass "piped answers: the command ran with the answer" || fail "piped answers: command output" "$(cat "$T/out")"
grep -q 'scaling' "$T/out" && fail "piped answers: goto skipped the other branch" || pass "piped answers: goto skipped the other branch"
r=$(report | q "[ (e['data']['answer'], e['data']['source']) for e in d['events'] if e['kind']=='answer']")
[ "$r" = "[('yes', 'stdin'), ('Bad deploy', 'stdin'), ('alice', 'stdin'), ('done', 'stdin'), ('n/a: not measured', 'stdin')]" ] \
    && pass "piped answers: every answer recorded with its source" || fail "piped answers: recorded answers" "$r"
k=$(kinds)
for want in run.start params step.start prompt answer state sh.start sh.end timeline action_item step.end run.end; do
    case " $k " in *" $want "*) ;; *) fail "events: kind $want recorded" "$k"; continue ;; esac
    pass "events: kind $want recorded"
done
r=$(report | q "d['run']['status'], d['run']['severity'], d['run']['acknowledged_at'] is not None, d['run']['resolved_at'] is not None, len(d['action_items'])")
[ "$r" = "finished P3 True True 1" ] && pass "report: run fields and action items" || fail "report: run fields" "$r"
r=$(report | q "[(e['data']['field'], e['data']['from'], e['data']['to']) for e in d['events'] if e['kind']=='state']")
case "$r" in *"('severity', 'P2', 'P3')"*"('status', 'investigating', 'resolved')"*) pass "state changes recorded with from/to" ;;
    *) fail "state changes recorded with from/to" "$r" ;; esac
r=$(report | q "[e['seq'] for e in d['events']] == list(range(1, len(d['events'])+1)) and all(e['elapsed_s'] >= 0 for e in d['events'])")
[ "$r" = "True" ] && pass "events: seq contiguous, elapsed_s non-negative" || fail "events: seq" "$r"

# --- an answers file by key walks the other branch
cat >"$T/answers.json" <<'JSON'
{"ack": "y", "triage": "Out of capacity", "verification.1": "done", "verification.2": "done: p99 ok"}
JSON
run "$T/w2" "$EX/basic.rb" --answers "$T/answers.json" --set replicas=5
expect_rc "answers file: the run finishes" 0
grep -q 'scaling api to 6' "$T/out" && pass "answers file: --set typed number reached the command" || fail "answers file: scale branch" "$(cat "$T/out")"
r=$(report | q "sorted(set(e['data']['source'] for e in d['events'] if e['kind']=='answer'))")
[ "$r" = "['answers']" ] && pass "answers file: source recorded as answers" || fail "answers file: source" "$r"
r=$(report | q "[e['data'] for e in d['events'] if e['kind']=='params'][0]")
[ "$r" = "{'replicas': 5, 'service': 'api'}" ] || [ "$r" = "{'service': 'api', 'replicas': 5}" ] && pass "params recorded" || fail "params recorded" "$r"

# --- bad --set type, bad options, missing file: usage errors (2)
run "$T/w3" "$EX/basic.rb" --set replicas=many --auto
expect_rc "--set with the wrong type fails" 2
run "$T/w3" "$EX/basic.rb" --bogus
expect_rc "unknown exec option: exit 2" 2
run "$T/w3" "$T/nope.rb"
expect_rc "missing runbook: exit 2" 2
printf 'step x "y" {\n' >"$T/bad.rb"
run "$T/w3" "$T/bad.rb"
expect_rc "runbook with a syntax error: exit 2" 2
grep -q 'bad.rb:2:1: error: unexpected end of file' "$T/out" && pass "syntax error located" || fail "syntax error located" "$(cat "$T/out")"
run "$T/w3" "$EX/startat.rb" --start-at nosuch
expect_rc "--start-at an unknown step: exit 2" 2

# --- the database cannot be opened: exit 3, nothing runs
mkdir -p "$T/w4"
run "$T/w4" "$EX/startat.rb" --db /proc/nonexistent/dir/runs.db
expect_rc "unwritable database: exit 3" 3
[ ! -e "$T/w4/trace" ] && pass "unwritable database: nothing executed" || fail "unwritable database: nothing executed"

# --- --auto: defaults; none -> exit 4
run "$T/w5" "$EX/defaults.rb" --auto
expect_rc "--auto with defaults finishes" 0
grep -q 'eu-west-1 true' "$T/out" && pass "--auto took the defaults" || fail "--auto defaults" "$(cat "$T/out")"
run "$T/w5" "$EX/noanswer.rb" --auto
expect_rc "--auto without a default: exit 4" 4
run "$T/w5" "$EX/noanswer.rb" </dev/null
expect_rc "end of piped input without a default: exit 4" 4

# --- shell quoting: answers reach the command as literals
feed '%s\n%s\n' 'x; touch pwned' '$(touch pwned2) `touch pwned3` "q'"'"'uote'; run "$T/w6" "$EX/inject.rb"
expect_rc "injection: run finishes" 0
if [ ! -e "$T/w6/pwned" ] && [ ! -e "$T/w6/pwned2" ] && [ ! -e "$T/w6/pwned3" ]; then pass "injection: nothing was executed"; else fail "injection: nothing was executed" "$(ls "$T/w6")"; fi
[ "$(cat "$T/w6/out.txt")" = "x; touch pwned|\$(touch pwned2) \`touch pwned3\` \"q'uote" ] && pass "injection: the command got the literal answers" \
    || fail "injection: literal answers" "$(cat "$T/w6/out.txt")"

# --- failure: --auto aborts; roll back via the failure menu runs rollbacks newest first
run "$T/w7" "$EX/fail.rb" --auto
expect_rc "failed step under --auto: exit 1" 1
r=$(report | q "d['run']['status']")
[ "$r" = "aborted" ] && pass "failed step under --auto: run aborted" || fail "failed step under --auto: status" "$r"
feed 'roll back\n'; run "$T/w8" "$EX/fail.rb"
expect_rc "roll back: exit 1" 1
[ "$(cat "$T/w8/rollback.log" 2>/dev/null | tr '\n' ' ')" = "undo-two undo-one " ] && pass "roll back: newest first" || fail "roll back: newest first" "$(cat "$T/w8/rollback.log" 2>&1)"
feed 'skip\n'; run "$T/w9" "$EX/fail.rb"
expect_rc "skip after a failure: the run goes on and finishes" 0
grep -q 'reached four' "$T/out" && pass "skip: next step ran" || fail "skip: next step ran"
feed 'retry\nabort\n'; run "$T/w9b" "$EX/fail.rb"
r=$(report | q "len([e for e in d['events'] if e['kind']=='step.start' and e['step']=='three'])")
[ "$rc" -eq 1 ] && [ "$r" = 2 ] && pass "retry from the failure menu runs the step again" || fail "retry from the menu" "rc=$rc starts=$r"

# --- retries and on failure
run "$T/w10" "$EX/retry.rb" --auto
expect_rc "retries, then an on failure block that handles it: the run goes on and finishes" 0
[ "$(cat "$T/w10/count")" = 3 ] && pass "retries: the step ran three times" || fail "retries: count" "$(cat "$T/w10/count")"
grep -q 'handled the failure' "$T/out" && grep -q 'reached last' "$T/out" && pass "on failure ran and the run went on" || fail "on failure" "$(cat "$T/out")"

# --- a timeout kills the whole process tree
run "$T/w11" "$EX/timeout.rb" --auto
expect_rc "timeout: step fails, run aborted" 1
sleep 0.3
left=$(pids_in "$T/w11" 'sleep 31.7')
if [ -n "$left" ]; then fail "timeout: the process tree is gone" "$(ps -o pid,args -p "$(echo $left | tr ' ' ,)")"; kill $left; else pass "timeout: the process tree is gone"; fi
r=$(report | q "[e['data']['timed_out'] for e in d['events'] if e['kind']=='sh.end']")
[ "$r" = "[True]" ] && pass "timeout: recorded as timed out" || fail "timeout recorded" "$r"

# --- secrets never reach the record or the transcript
export RB_TEST_TOKEN=tok-SeCrEt-4242
feed 'pw-HiDdEn-7777\n'; run "$T/w12" "$EX/secret.rb"
expect_rc "secrets: run finishes" 0
if grep -q -e SeCrEt -e HiDdEn "$T/out"; then fail "secrets: absent from the transcript" "$(grep -e SeCrEt -e HiDdEn "$T/out")"; else pass "secrets: absent from the transcript"; fi
grep -q '«redacted»' "$T/out" && pass "secrets: shown as «redacted»" || fail "secrets: shown as «redacted»"
if cat "$DB"* | grep -a -q -e SeCrEt -e HiDdEn; then fail "secrets: absent from the database file"; else pass "secrets: absent from the database file"; fi
unset RB_TEST_TOKEN

# --- dry run: readonly commands run, the others do not
run "$T/w13" "$EX/dry.rb" --dry-run
expect_rc "dry run finishes" 0
[ -e "$T/w13/read.txt" ] && [ ! -e "$T/w13/write.txt" ] && pass "dry run: only readonly commands ran" || fail "dry run" "$(ls "$T/w13")"
grep -q 'skipped=true' "$T/out" && pass "dry run: expression form reports skipped" || fail "dry run: skipped" "$(cat "$T/out")"

# --- start-at, abort, recursion limit
run "$T/w14" "$EX/startat.rb" --start-at b
expect_rc "--start-at runs from that step" 0
[ "$(tr '\n' ' ' <"$T/w14/trace")" = "B C " ] && pass "--start-at skipped the earlier steps" || fail "--start-at" "$(cat "$T/w14/trace")"
run "$T/w15" "$EX/abort.rb"
expect_rc "abort: exit 1" 1
[ ! -e "$T/w15/trace" ] && grep -q 'stop right there' "$T/out" && pass "abort ends the run with its reason" || fail "abort" "$(cat "$T/out")"
run "$T/w16" "$EX/recursion.rb" --auto
expect_rc "runaway recursion fails the step cleanly" 1
grep -q 'fact=3628800' "$T/out" && grep -q 'nested too deeply' "$T/out" && pass "recursion: works, and the depth limit reports" || fail "recursion" "$(tail -5 "$T/out")"

# --- Ctrl-C: the command's process group is stopped, the run recorded as interrupted
mkdir -p "$T/w17"
(cd "$T/w17" && exec "$RUNBOOK" exec "$EX/interrupt.rb" >"$T/out" 2>&1) &
pid=$!
i=0; while [ ! -s "$T/w17/pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
kill -INT $pid
wait $pid
rc=$?
expect_rc "SIGINT: exit 130" 130
sleep 0.3
left=$(pids_in "$T/w17" 'sleep 33.3')
if [ -n "$left" ]; then fail "SIGINT: the command was stopped"; kill $left; else pass "SIGINT: the command was stopped"; fi
r=$(report | q "d['run']['status']")
[ "$r" = "interrupted" ] && pass "SIGINT: run recorded as interrupted" || fail "SIGINT: status" "$r"

# --- runs lists them; the database file is private
n=$("$RUNBOOK" runs --format json | q "len(d)")
[ "$n" -ge 15 ] && pass "runs --format json lists the runs ($n)" || fail "runs --format json" "$n"
"$RUNBOOK" runs >"$T/out" 2>&1 && grep -q 'INC-' "$T/out" && pass "runs: text table" || fail "runs: text table" "$(cat "$T/out")"
[ "$(stat -c %a "$DB")" = 600 ] && pass "database file mode 0600" || fail "database file mode" "$(stat -c %a "$DB")"
r=$(sqlite3 "$DB" 'PRAGMA integrity_check; PRAGMA user_version; PRAGMA journal_mode;' | tr '\n' ' ')
[ "$r" = "ok 2 wal " ] && pass "database: integrity ok, version 2, WAL" || fail "database pragmas" "$r"

# --- modules at run time: the embedded stdlib and a file relative to the runbook
run "$T/w18" "$EX/modules.rb"
expect_rc "modules: the run finishes" 0
grep -q 'HELLO!' "$T/out" && grep -q 'abab' "$T/out" && pass "modules: a relative module's functions and globals" || fail "modules: relative module" "$(cat "$T/out")"
grep -q '\[undelivered\] message to Primary on-call' "$T/out" && pass "modules: stdlib notify shows an undelivered message" || fail "modules: notify" "$(cat "$T/out")"

# --- the run row keeps the params (secrets redacted)
r=$(sqlite3 "$DB" "SELECT params FROM runs WHERE runbook_path LIKE '%basic.rb' ORDER BY id LIMIT 2" | tr '\n' ' ')
[ "$r" = '{"service":"api","replicas":2} {"service":"api","replicas":5} ' ] && pass "run row: params stored" || fail "run row: params stored" "$r"

# --- a database write that fails mid-run stops before the next action (exit 3)
RUNBOOK_FAIL_RECORD=6 run "$T/w19" "$EX/startat.rb"
expect_rc "a failed write mid-run: exit 3" 3
grep -q 'cannot record' "$T/out" && pass "a failed write mid-run: a clear message" || fail "failed write message" "$(cat "$T/out")"
n=$(wc -l <"$T/w19/trace" 2>/dev/null || echo 0)
[ "$n" -le 1 ] && pass "a failed write mid-run: no action after the failure ($n ran)" || fail "failed write: actions after it" "$(cat "$T/w19/trace")"

# --- run "other.rb" with {…}: the inner runbook shares the incident and the record
printf '{"which": "child"}' >"$T/which.json"
run "$T/w20" "$EX/parent.rb" --answers "$T/which.json"
expect_rc "run: parent and child finish" 0
[ "$(cat "$T/w20/child.log")" = "fixing db-1 x2" ] && pass "run: with-map params reach the child" || fail "run: params" "$(cat "$T/w20/child.log" 2>&1)"
grep -q 'back in the parent: P1' "$T/out" && pass "run: the child's incident changes are the parent's" || fail "run: shared incident" "$(cat "$T/out")"
k=$(kinds)
case "$k" in *"runbook.start"*"step.start"*"runbook.end"*) pass "run: recorded in the same run" ;; *) fail "run: recorded in the same run" "$k" ;; esac
