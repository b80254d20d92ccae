#!/bin/sh
# tests/t-runbook-test.sh — `runbook test` and `runbook export-test` (docs/testing.md).
#
#   - the shipped playbooks' tests (runbooks/*.test.rb) pass, with the decision coverage
#     of every playbook that has tests at 100%, and the lcov file renders with genhtml;
#   - deliberately broken copies of the drill playbook fail a test with a message naming
#     the line: a ladder rung moved from 15m to 20m, the confirm before the restart removed,
#     a choose arm that goes to the wrong step;
#   - an unstubbed command fails the test (and does not run);
#   - export-test of a run of the demo drill (a real service on 127.0.0.1, killed, and the
#     drill run on the virtual clock as tools/demo.sh does) passes, and fails with the
#     first divergence after an edit that changes the path;
#   - --format junit is read by a real XML parser; --format tap counts the tests.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$TESTS/.." && pwd)
case $RUNBOOK in /*) ;; */*) RUNBOOK=$(pwd)/$RUNBOOK ;; esac
export RUNBOOK_PATH="$ROOT/stdlib"
export TMPDIR="$T"
for v in PAGERDUTY_ONCALL_KEY PAGERDUTY_BACKUP_KEY PAGERDUTY_SECURITY_KEY SLACK_ONCALL_WEBHOOK \
         SLACK_ENG_LEAD_WEBHOOK SLACK_CTO_WEBHOOK SLACK_SECURITY_WEBHOOK SLACK_WEBHOOK \
         STATUS_PAGE_WEBHOOK ENG_LEAD_EMAIL CTO_EMAIL SECURITY_EMAIL LEGAL_EMAIL PR_EMAIL; do
    unset "$v"
done
export NO_COLOR=1

# ---- the shipped playbooks
(cd "$ROOT" && "$RUNBOOK" test runbooks --coverage --lcov "$T/cov.info" --coverage-json "$T/cov.json") >"$T/ship" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q ' passed, 0 failed$' "$T/ship"; then
    pass "runbook test runbooks/ passes ($(grep ' passed, ' "$T/ship"))"
else
    fail "runbook test runbooks/ passes" "exit $rc" "$(tail -40 "$T/ship")"
fi
# every playbook that has a test file beside it is covered completely
missing=""
for t in "$ROOT"/runbooks/*.test.rb; do
    rb=$(basename "$t" .test.rb).rb
    line=$(grep "^  runbooks/$rb: " "$T/ship")
    case $line in *"(100.0%)"*) ;; *) missing="$missing $rb: ${line:-no coverage line}" ;; esac
done
if [ -z "$missing" ] && [ -n "$(ls "$ROOT"/runbooks/*.test.rb 2>/dev/null)" ]; then
    pass "decision coverage is 100% for each tested playbook"
else
    fail "decision coverage is 100% for each tested playbook" "$missing" "$(grep -A30 'decision coverage' "$T/ship")"
fi
# and every shipped playbook has tests: the total over runbooks/ is 100%
if grep -q '^  total: \([0-9]*\)/\1 decisions (100.0%)$' "$T/ship"; then
    pass "decision coverage of the shipped playbooks is 100% ($(grep '^  total: ' "$T/ship" | sed 's/^  total: //'))"
else
    fail "decision coverage of the shipped playbooks is 100%" "$(grep -A60 'decision coverage' "$T/ship")"
fi
if python3 - "$T/cov.json" <<'PY'
import json, sys
cov = json.load(open(sys.argv[1]))
drill = [v for k, v in cov.items() if k.endswith("/runbooks/drill-local-service.rb")][0]
kinds = {i["kind"] for i in drill}
assert {"step", "branch", "choose", "confirm", "rung", "rollback"} <= kinds, kinds
assert all(i["hits"] > 0 for i in drill)
PY
then pass "--coverage-json lists steps, branches, choose arms, confirms, rungs and rollbacks with hits"
else fail "--coverage-json lists steps, branches, choose arms, confirms, rungs and rollbacks with hits"; fi
if grep -q '^SF:.*/runbooks/drill-local-service.rb$' "$T/cov.info" && grep -q '^BRDA:' "$T/cov.info" &&
   grep -q '^end_of_record$' "$T/cov.info"; then
    pass "--lcov writes an lcov tracefile"
else
    fail "--lcov writes an lcov tracefile" "$(head -20 "$T/cov.info")"
fi
if command -v genhtml >/dev/null 2>&1; then
    if genhtml --branch-coverage -q -o "$T/html" "$T/cov.info" >"$T/genhtml" 2>&1 &&
       [ -f "$T/html/index.html" ] && find "$T/html" -name 'drill-local-service.rb.gcov.html' | grep -q .; then
        pass "genhtml renders the lcov file"
    else
        fail "genhtml renders the lcov file" "$(tail -20 "$T/genhtml")"
    fi
else
    fail "genhtml renders the lcov file" "genhtml is not installed (tools/deps.sh installs lcov)"
fi

# ---- broken copies of the drill playbook fail, naming the line
mkdir "$T/b"
cp "$ROOT/runbooks/contacts.rb" "$ROOT/runbooks/drill-local-service.test.rb" "$T/b/"
drill=$ROOT/runbooks/drill-local-service.rb
broken() { # NAME SED-EXPR LINE-PATTERN: the copy edited by SED-EXPR fails, naming the line
    _name=$1
    sed "$2" "$drill" >"$T/b/drill-local-service.rb"
    if cmp -s "$drill" "$T/b/drill-local-service.rb"; then
        fail "$_name" "the edit changed nothing"
        return
    fi
    _line=$(grep -n -e "$3" "$T/b/drill-local-service.rb" | head -1 | cut -d: -f1)
    (cd "$T/b" && "$RUNBOOK" test .) >"$T/b/out" 2>&1
    _rc=$?
    if [ $_rc = 1 ] && grep -q "FAIL" "$T/b/out" && grep -q "drill-local-service.rb:$_line\\b" "$T/b/out"; then
        pass "$_name"
    else
        fail "$_name" "exit $_rc; expected a failure naming drill-local-service.rb:$_line" "$(cat "$T/b/out")"
    fi
}
broken "a ladder rung moved from 15m to 20m fails, naming the rung's line" \
    's/at 15m unless acknowledged/at 20m unless acknowledged/' 'at 20m unless acknowledged'
broken "a confirm removed before the restart fails, naming the command's line" \
    '/confirm "Start the service on/d' '^    sh "nohup python3'
broken "a choose arm that goes to the wrong step fails, naming the choose's line" \
    's/"The process has died"      => { goto restart }/"The process has died"      => { goto scale_up }/' \
    'choose "What do you see?"'
# the removed confirm, in detail: its scripted answer was never asked for
sed '/confirm "Start the service on/d' "$drill" >"$T/b/drill-local-service.rb"
(cd "$T/b" && "$RUNBOOK" test .) >"$T/b/out" 2>&1
if grep -q 'a scripted answer was never asked for: "Start the service on 127.0.0.1:8089 again?" → no' "$T/b/out"; then
    pass "a scripted answer the run never asks for fails the test"
else
    fail "a scripted answer the run never asks for fails the test" "$(cat "$T/b/out")"
fi
# the choose arm, in detail: the answer and the arm it picked
sed 's/"The process has died"      => { goto restart }/"The process has died"      => { goto scale_up }/' "$drill" >"$T/b/drill-local-service.rb"
arm=$(grep -n '"The process has died"      => { goto scale_up }' "$T/b/drill-local-service.rb" | cut -d: -f1)
(cd "$T/b" && "$RUNBOOK" test .) >"$T/b/out" 2>&1
if grep -q "→ The process has died (step triage; the arm at line $arm)" "$T/b/out" &&
   grep -q 'first difference: step 5 is scale_up, expected restart' "$T/b/out"; then
    pass "the choose arm's failure names the first difference and the arm's line"
else
    fail "the choose arm's failure names the first difference and the arm's line" "$(cat "$T/b/out")"
fi
# the rung, in detail
sed 's/at 15m unless acknowledged/at 20m unless acknowledged/' "$drill" >"$T/b/drill-local-service.rb"
(cd "$T/b" && "$RUNBOOK" test .) >"$T/b/out" 2>&1
if grep -q 'expected a page to Backup on-call at minute 15' "$T/b/out" &&
   grep -q 'page to Backup on-call at minute 20' "$T/b/out"; then
    pass "the rung's failure says what was expected and what happened instead"
else
    fail "the rung's failure says what was expected and what happened instead" "$(cat "$T/b/out")"
fi

# ---- an unstubbed command fails the test and does not run
mkdir "$T/u"
cat >"$T/u/touch.rb" <<EOF2
runbook "Touch" {
  severity P3
}
step touch "Touch a file" {
  sh "touch $T/u/touched"
}
EOF2
cat >"$T/u/touch.test.rb" <<'EOF2'
test "nothing real runs" {
  let r = run_runbook("touch.rb")
  expect_step(r, "touch")
}
test "an allowed command runs" {
  allow_sh("touch *")
  let r = run_runbook("touch.rb")
  expect_status(r, "finished")
}
EOF2
(cd "$T/u" && "$RUNBOOK" test touch.test.rb -j 1) >"$T/u/out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q 'touch.rb:5:3: a command with no stub ran: touch' "$T/u/out" &&
   grep -q '^ok   touch.test.rb:5: an allowed command runs' "$T/u/out" && grep -q '2 tests, 1 passed, 1 failed' "$T/u/out"; then
    pass "an unstubbed command fails the test; allow_sh lets one run"
else
    fail "an unstubbed command fails the test; allow_sh lets one run" "exit $rc" "$(cat "$T/u/out")"
fi

# an unstubbed request fails the test too (the page goes nowhere)
cat >"$T/u/page.test.rb" <<'EOF2'
test "an unstubbed page" {
  set_env("PAGERDUTY_ONCALL_KEY", "k")
  stub_sh("curl *", exit: 0)
  let r = run_runbook("drill-local-service.rb")
  expect_status(r, "aborted")
}
EOF2
cp "$ROOT/runbooks/drill-local-service.rb" "$ROOT/runbooks/contacts.rb" "$T/u/"
(cd "$T/u" && "$RUNBOOK" test page.test.rb) >"$T/u/out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q 'a request with no stub was sent: POST https://events.pagerduty.com/v2/enqueue' "$T/u/out"; then
    pass "an unstubbed HTTP request fails the test"
else
    fail "an unstubbed HTTP request fails the test" "exit $rc" "$(cat "$T/u/out")"
fi

# a runbook that loops for ever (goto without a prompt) is stopped, and the test fails
mkdir "$T/l"
printf 'runbook "Loop" {\n  severity P3\n}\nstep a "A" {\n  note "again"\n  goto a\n}\n' >"$T/l/loop.rb"
printf 'test "a loop" {\n  let r = run_runbook("loop.rb")\n}\n' >"$T/l/loop.test.rb"
(cd "$T/l" && "$RUNBOOK" test .) >"$T/l/out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q 'the run went on for more than 20000 events (a goto loop?): stopped' "$T/l/out"; then
    pass "a runbook that loops for ever is stopped and fails its test"
else
    fail "a runbook that loops for ever is stopped and fails its test" "exit $rc" "$(cat "$T/l/out")"
fi

# ---- JUnit and TAP
(cd "$T/b" && "$RUNBOOK" test . --format junit) >"$T/junit.xml" 2>"$T/junit.err"
n=$(grep -c '^test ' "$T/b/drill-local-service.test.rb")
if python3 - "$T/junit.xml" "$n" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
cases = root.findall("./testsuite/testcase")
assert len(cases) == int(sys.argv[2]) == int(root.get("tests")), (len(cases), sys.argv[2])
failed = [c for c in cases if c.find("failure") is not None]
assert len(failed) == int(root.get("failures")) >= 1
assert all(c.get("name") and c.get("classname") for c in cases)
assert "drill-local-service.rb:" in failed[0].find("failure").text
PY
then pass "--format junit is JUnit XML (python3 xml.etree reads it: $n testcases)"
else fail "--format junit is JUnit XML" "$(head -30 "$T/junit.xml")"; fi
(cd "$ROOT" && "$RUNBOOK" test runbooks/drill-local-service.test.rb --format tap) >"$T/tap" 2>&1
if grep -q "^1\\.\\.$n\$" "$T/tap" && [ "$(grep -c '^ok ' "$T/tap")" = "$n" ]; then
    pass "--format tap"
else
    fail "--format tap" "$(cat "$T/tap")"
fi

# ---- export-test of the demo drill
mkdir -p "$T/d/www"
cp "$drill" "$ROOT/runbooks/contacts.rb" "$T/d/"
echo ok >"$T/d/www/health"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"${PYTHON:-python3}" -m http.server --bind 127.0.0.1 --directory "$T/d/www" "$port" >"$T/d/service.log" 2>&1 </dev/null &
echo $! >"$T/d/service.pid"
curl -fsS --retry 10 --retry-delay 1 --retry-connrefused --max-time 2 "http://127.0.0.1:$port/health" >/dev/null 2>&1
kill "$(cat "$T/d/service.pid")"
wait "$(cat "$T/d/service.pid")" 2>/dev/null
cat >"$T/d/answers.json" <<'JSON'
{
  "ack":             {"answer": "yes", "after": "4m"},
  "failure_mode":    {"answer": "The process has died", "after": "4m"},
  "confirm_restart": "yes",
  "verification.1":  "done",
  "verification.2":  "done"
}
JSON
(cd "$T/d" && "$RUNBOOK" exec drill-local-service.rb --clock virtual --answers answers.json --db runs.db \
    --set "port=$port" --set "pidfile=$T/d/service.pid" --set "www=$T/d/www" --set "logfile=$T/d/service.log") \
    >"$T/d/exec" 2>&1
erc=$?
[ -s "$T/d/service.pid" ] && kill "$(cat "$T/d/service.pid")" 2>/dev/null
(cd "$T/d" && "$RUNBOOK" export-test last --db runs.db -o incident.test.rb) >"$T/d/export" 2>&1
(cd "$T/d" && "$RUNBOOK" test incident.test.rb) >"$T/d/t1" 2>&1
rc=$?
if [ $erc = 0 ] && [ $rc = 0 ] && grep -q 'expect_steps(r, \["detect", "ack", "process", "triage", "restart", "verify", "postmortem"\])' "$T/d/incident.test.rb" &&
   grep -q 'answer("What do you see?", "The process has died", after: 4m)' "$T/d/incident.test.rb" &&
   grep -q 'expect_notified(r, "Engineering lead", at: 30m, kind: "message")' "$T/d/incident.test.rb"; then
    pass "export-test of the demo drill writes a test that passes"
else
    fail "export-test of the demo drill writes a test that passes" "exec $erc, test $rc" "$(cat "$T/d/export" "$T/d/incident.test.rb" "$T/d/t1")"
fi
# an edit that changes the path: the dead process is now "scaled up" first
sed -i 's/"The process has died"      => { goto restart }/"The process has died"      => { goto scale_up }/' "$T/d/drill-local-service.rb"
line=$(grep -n 'choose "What do you see?"' "$T/d/drill-local-service.rb" | cut -d: -f1)
(cd "$T/d" && "$RUNBOOK" test incident.test.rb) >"$T/d/t2" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q 'first difference: step 5 is scale_up, expected restart' "$T/d/t2" &&
   grep -q "drill-local-service.rb:$line: \"What do you see?\" → The process has died" "$T/d/t2"; then
    pass "the exported test fails after an edit that changes the path, with the first divergence"
else
    fail "the exported test fails after an edit that changes the path, with the first divergence" "exit $rc" "$(cat "$T/d/t2")"
fi

# ---- usage
"$RUNBOOK" test "$T/nothing-here" >"$T/usage" 2>&1; rc=$?
[ $rc = 2 ] && pass "a missing path is a usage error (2)" || fail "a missing path is a usage error (2)" "exit $rc"
"$RUNBOOK" test --format xml "$ROOT/runbooks" >"$T/usage" 2>&1; rc=$?
[ $rc = 2 ] && pass "an unknown --format is a usage error (2)" || fail "an unknown --format is a usage error (2)" "exit $rc"
