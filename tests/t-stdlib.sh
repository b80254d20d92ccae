#!/bin/sh
# tests/t-stdlib.sh — the standard library modules written in the runbook language
# (stdlib/severity.rb, escalation.rb, templates.rb, checks.rb, aws.rb).
#
# Each tests/stdlib/*.rb is a runbook that calls a module and checks the answers with
# tests/stdlib/lib/assert.rb, failing its step (so `exec --auto` exits 1) on a wrong one.
# They run against the modules of this source tree (RUNBOOK_PATH), with
#   - tests/stdlib/bin first on PATH: a stub `aws` that prints canned AWS CLI JSON and
#     logs its arguments to $AWS_STUB_LOG;
#   - CHECK_PORT: a port a python3 listener accepts connections on;
#   - CHECK_DIR: a scratch directory.
# Also: every module lints clean under --strict, is built into the binary, the aws
# helpers give nil when the CLI fails, checks.port_open falls back to nc without bash,
# and a broken module makes its test fail.
# (The HTTP checks of checks.rb and timers are not run here: the evaluator has no http
# yet and timers do not fire yet.)
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$TESTS/.." && pwd)
ST=$TESTS/stdlib
export RUNBOOK_PATH="$SRC/stdlib"
MODULES="severity escalation templates checks aws"

# --- lint: the whole stdlib directory, strict; the tests themselves, strict
"$RUNBOOK" lint --strict "$SRC/stdlib" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && sanitizer_clean "$T/out"; then pass "lint --strict stdlib"; else fail "lint --strict stdlib (exit $rc)" "$(cat "$T/out")"; fi
for m in $MODULES; do
    if [ -f "$SRC/stdlib/$m.rb" ]; then pass "stdlib/$m.rb exists"; else fail "stdlib/$m.rb exists"; fi
done
for f in "$ST"/*.rb "$ST"/nc/*.rb; do
    "$RUNBOOK" lint --strict "$f" >"$T/out" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ]; then pass "lint --strict ${f#"$SRC"/}"; else fail "lint --strict ${f#"$SRC"/} (exit $rc)" "$(cat "$T/out")"; fi
done

# --- built into the binary (use NAME works without the source tree)
for m in $MODULES; do
    if grep -a -q "# stdlib/$m.rb — " "$RUNBOOK"; then pass "$m is embedded in the binary"
    else fail "$m is embedded in the binary" "rebuild: the binary predates stdlib/$m.rb"; fi
done

# --- a listener for checks.port_open
python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    c.close()
' >"$T/port" 2>/dev/null &
listener=$!
trap 'kill "$listener" 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s "$T/port" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$T/port")
mkdir -p "$T/scratch"

# run FILE [NAME=VALUE…]: exec FILE --auto under the stub environment (plus NAME=VALUE);
# output in $T/out, exit status in $rc.
run() {
    file=$1; shift
    env PATH="$ST/bin:$PATH" AWS_STUB_LOG="$T/aws.log" CHECK_PORT="$PORT" CHECK_DIR="$T/scratch" "$@" \
        "$RUNBOOK" exec "$file" --auto --db "$T/db" </dev/null >"$T/out" 2>&1
    rc=$?
}
# expect NAME WANT-RC: report the last run
expect() {
    if [ "$rc" -eq "$2" ] && sanitizer_clean "$T/out"; then pass "$1"
    else fail "$1 (exit $rc, wanted $2)" "$(grep -e 'FAIL' -e 'error' "$T/out" | head -n 20)" "$(tail -n 5 "$T/out")"; fi
}

# --- every test runbook passes
for f in "$ST"/*.rb; do
    rm -f "$T/aws.log"
    run "$f"
    expect "exec ${f#"$SRC"/}" 0
    n=$(grep -c 'checks passed' "$T/out")
    if [ "$n" -gt 0 ]; then pass "${f#"$SRC"/}: $n steps of checks"; else fail "${f#"$SRC"/}: no checks ran" "$(tail -n 5 "$T/out")"; fi
done

# --- the aws helpers give nil when the CLI fails or does not print JSON
for mode in fail junk; do
    run "$ST/aws.rb" AWS_STUB_MODE=$mode EXPECT=nil
    expect "aws helpers give nil (stub mode $mode)" 0
done
run "$ST/aws.rb" AWS_STUB_MODE=fail
expect "aws test fails when the helpers give nil but data was expected" 1

# --- checks.port_open without bash: only the stub nc on PATH
env PATH="$ST/nc/bin" NC_STUB_LOG="$T/nc.log" "$RUNBOOK" exec "$ST/nc/checks-nc.rb" --auto --db "$T/db" \
    </dev/null >"$T/out" 2>&1
rc=$?
expect "port_open falls back to nc without bash" 0
if grep -q '^\[-z\]\[-w\]\[3\]\[127.0.0.1\]\[5432\]$' "$T/nc.log" 2>/dev/null; then pass "nc called with -z -w 3 HOST PORT"
else fail "nc called with -z -w 3 HOST PORT" "$(cat "$T/nc.log" 2>/dev/null)"; fi

# --- the tests have teeth: a wrong answer in a module fails its test
mkdir -p "$T/broken" "$T/broken2"
sed 's/update_every:    30m/update_every:    45m/' "$SRC/stdlib/severity.rb" >"$T/broken/severity.rb"
if cmp -s "$SRC/stdlib/severity.rb" "$T/broken/severity.rb"; then
    fail "mutation: could not break severity.rb (the P2 cadence line changed?)"
else
    run "$ST/severity.rb" RUNBOOK_PATH="$T/broken"
    expect "a broken severity.rb fails tests/stdlib/severity.rb" 1
    if grep -q 'FAIL update_every(P2)' "$T/out"; then pass "mutation: the failing check is named"
    else fail "mutation: the failing check is named" "$(tail -n 5 "$T/out")"; fi
fi
sed 's/Incident Commander: /Commander: /' "$SRC/stdlib/templates.rb" >"$T/broken2/templates.rb"
run "$ST/templates.rb" RUNBOOK_PATH="$T/broken2:$SRC/stdlib"
expect "a broken templates.rb fails tests/stdlib/templates.rb" 1
