#!/bin/sh
# tests/t-approve.sh — `approve` with a second process: a run waits, `runbook approve`
# from another process lets it go on, `runbook reject` fails the step, a timeout escalates
# and fails it; the runner cannot approve its own request; a crash while waiting resumes
# with the decision taken meanwhile; verify replays every case; answers files script it.
. "$(dirname "$0")/lib.sh"
AP=$TESTS/approve
export RUNBOOK_DB=$T/db
sql() { sqlite3 "$RUNBOOK_DB" "$1"; }
expect_rc() { if [ "$rc" -eq "$2" ]; then pass "$1"; else fail "$1" "exit $rc, expected $2" "$(tail -12 "$3")"; fi; }
# wait_request N: until run N records its approval.request (at most 10 s)
wait_request() {
    i=0
    while [ $i -lt 100 ]; do
        [ "$(sql "SELECT count(*) FROM events WHERE run_id=$1 AND kind='approval.request'" 2>/dev/null)" = 1 ] && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
bg() { # bg OUT ARGS…: exec in the background
    out=$1; shift
    "$RUNBOOK" exec "$@" >"$out" 2>&1 &
    pid=$!
}

# --- approved by a second process
bg "$T/o1" "$AP/change.rb" --set out="$T/deployed" --auto
wait_request 1 && pass "the run waits, recording the request" || fail "approval.request recorded" "$(cat "$T/o1")"
[ ! -e "$T/deployed" ] && pass "nothing after the approve runs before the decision" || fail "ran before approval"
"$RUNBOOK" approve 1 >"$T/self" 2>&1; rc=$?
expect_rc "the runner cannot approve its own request" 1 "$T/self"
grep -q 'cannot approve its own request' "$T/self" && pass "self-approval: the refusal says why" || fail "self msg" "$(cat "$T/self")"
"$RUNBOOK" approve 1 --as alice >"$T/a" 2>&1; rc=$?
expect_rc "runbook approve --as alice: exit 0" 0 "$T/a"
wait $pid; rc=$?
expect_rc "approved: the run finishes" 0 "$T/o1"
[ "$(cat "$T/deployed" 2>/dev/null)" = deployed ] && pass "approved: the gated command ran once" || fail "deployed" "$(cat "$T/o1")"
[ "$(sql "SELECT json_extract(data,'\$.by') || ' ' || json_extract(data,'\$.decision') FROM events WHERE run_id=1 AND kind='approval'")" = "alice approved" ] \
    && pass "the record says who approved" || fail "approval event" "$(sql "SELECT * FROM events WHERE run_id=1")"
"$RUNBOOK" report 1 --format md >"$T/md"
grep -q '| Deploy release 42 to production? | approved | alice | runbook approve |' "$T/md" \
    && pass "report: the approval in the Decisions table" || fail "report" "$(grep -A5 Decisions "$T/md")"
"$RUNBOOK" approve 1 --as bob >"$T/again" 2>&1; rc=$?
expect_rc "a run that waits for nothing refuses a decision" 1 "$T/again"

# --- rejected
bg "$T/o2" "$AP/change.rb" --set out="$T/deployed2" --auto
wait_request 2 || fail "run 2 waits"
"$RUNBOOK" reject 2 --as bob >"$T/r" 2>&1; rc=$?
expect_rc "reject without a reason is a usage error" 2 "$T/r"
"$RUNBOOK" reject 2 --as bob --reason "change freeze" >"$T/r" 2>&1; rc=$?
expect_rc "runbook reject --reason: exit 0" 0 "$T/r"
wait $pid; rc=$?
expect_rc "rejected: the step fails (--auto aborts)" 1 "$T/o2"
grep -q 'rejected by bob (change freeze)' "$T/o2" && [ ! -e "$T/deployed2" ] \
    && pass "rejected: the reason is shown and the gated command never ran" || fail "rejected" "$(cat "$T/o2")"

# --- timed out: the next rung fires at once, then the step fails
"$RUNBOOK" exec "$AP/change.rb" --set t=1s --set out="$T/deployed3" --auto >"$T/o3" 2>&1; rc=$?
expect_rc "timed out: the step fails" 1 "$T/o3"
[ "$(sql "SELECT group_concat(kind, ',') FROM events WHERE run_id=3 AND kind IN ('approval.timeout','escalation')")" = "escalation,approval.timeout,escalation" ] \
    && pass "timed out: escalated (the 30m rung fired at once)" || fail "timeout escalation" "$(cat "$T/o3")"
grep -q 'page: change manager' "$T/o3" && pass "timed out: the rung's body ran" || fail "rung body" "$(cat "$T/o3")"

for n in 1 2 3; do
    "$RUNBOOK" replay $n --verify --quiet >"$T/v" 2>&1 && pass "replay --verify of run $n" || fail "verify $n" "$(cat "$T/v")"
done

# --- a crash while waiting: the decision taken meanwhile is picked up by resume
bg "$T/o4" "$AP/change.rb" --set out="$T/deployed4" --auto
wait_request 4 || fail "run 4 waits"
kill -9 $pid; wait $pid 2>/dev/null
"$RUNBOOK" approve 4 --as carol >"$T/a4" 2>&1; rc=$?
expect_rc "approve a run that died while waiting" 0 "$T/a4"
"$RUNBOOK" resume 4 --auto </dev/null >"$T/o4r" 2>&1; rc=$?
expect_rc "resume: finishes with the decision taken while it was down" 0 "$T/o4r"
[ "$(cat "$T/deployed4")" = deployed ] && pass "resume: the gated command ran once" || fail "resume deployed" "$(cat "$T/o4r")"
"$RUNBOOK" replay 4 --verify --quiet >"$T/v" 2>&1 && pass "replay --verify of the resumed run" || fail "verify 4" "$(cat "$T/v")"

# --- answers files: a scripted approver, with a delay on the virtual clock
printf '{"Deploy release 42 to production?": {"answer": "approve", "by": "dave", "after": "20m"}}' >"$T/ans.json"
"$RUNBOOK" exec "$AP/change.rb" --answers "$T/ans.json" --clock virtual=2026-01-01T00:00:00Z --set out="$T/d5" >"$T/o5" 2>&1; rc=$?
expect_rc "answers file: approved by dave after 20m" 0 "$T/o5"
[ "$(sql "SELECT json_extract(data,'\$.by') || ' ' || strftime('%M', t, 'unixepoch') FROM events WHERE run_id=5 AND kind='approval'")" = "dave 20" ] \
    && pass "answers file: the approval lands at minute 20" || fail "answers time" "$(sql "SELECT t, text FROM events WHERE run_id=5")"
printf '{"Deploy release 42 to production?": {"answer": "approve", "by": "dave", "after": "40m"}}' >"$T/ans.json"
"$RUNBOOK" exec "$AP/change.rb" --answers "$T/ans.json" --clock virtual=2026-01-01T00:00:00Z --auto >"$T/o6" 2>&1; rc=$?
expect_rc "answers file: a decision after the timeout comes too late" 1 "$T/o6"
grep -q 'no decision on the approval within 30m (escalated)' "$T/o6" && pass "answers file: the timeout wins" || fail "late" "$(cat "$T/o6")"
me=$(sqlite3 "$RUNBOOK_DB" "SELECT user FROM runs WHERE id=1")
printf '{"Deploy release 42 to production?": {"answer": "approve", "by": "%s"}}' "$me" >"$T/ans.json"
"$RUNBOOK" exec "$AP/change.rb" --answers "$T/ans.json" --auto >"$T/o7" 2>&1; rc=$?
expect_rc "answers file: the runner's own approval is refused" 1 "$T/o7"
printf '{"restart_ok": {"answer": "approve", "by": "%s"}}' "$me" >"$T/ans.json"
"$RUNBOOK" exec "$AP/self.rb" --answers "$T/ans.json" --auto >"$T/o8" 2>&1; rc=$?
expect_rc "allow_self: the runner may approve" 0 "$T/o8"
r9=$(sql "SELECT max(id) FROM runs"); r9=$((r9 + 1))   # before the run starts: its id is the next one
bg "$T/o9" "$AP/self.rb" --auto
wait_request $r9 || fail "run $r9 waits" "$(cat "$T/o9")"
"$RUNBOOK" approve $r9 >"$T/a9" 2>&1; rc=$?
expect_rc "allow_self: runbook approve by the runner is accepted" 0 "$T/a9"
i=0; while kill -0 $pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill $pid 2>/dev/null; wait $pid; rc=$?
expect_rc "allow_self: the run finishes" 0 "$T/o9"

# --- the checker
printf 'runbook "x" {\n  id "x"\n  severity P3\n}\nstep s "s" {\n  approve "Go?" timeout "soon"\n}\n' >"$T/bad.rb"
"$RUNBOOK" lint "$T/bad.rb" >"$T/l" 2>&1; rc=$?
grep -q 'bad.rb:6:' "$T/l" && [ $rc -ne 0 ] && pass "lint: approve's timeout must be a duration" || fail "lint approve" "$(cat "$T/l")"
printf 'runbook "x" {\n  id "x"\n  severity P3\n}\nstep s "s" {\n  approve "Drop the table?"\n  sh "psql -c \\"drop table t\\""\n}\n' >"$T/gate.rb"
"$RUNBOOK" lint --strict "$T/gate.rb" >"$T/l" 2>&1 && pass "lint: an approve gates the commands after it (no RB102)" || fail "gate" "$(cat "$T/l")"
