#!/bin/sh
# tests/run.sh — run every tests/t-*.sh against $RUNBOOK and total the results.
#
# Each script prints "ok - NAME" or "not ok - NAME" lines (details indented below a
# failure).  A script that exits non-zero without reporting a failure counts as one.
# The last line is "N passed, N failed"; the exit status is 1 when anything failed.
# Run one script: sh tests/run.sh tests/t-lang.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${RUNBOOK:=$here/../runbook}"
export RUNBOOK TESTS="$here"
export NO_COLOR=1 LC_ALL=C.UTF-8
# Sanitizer reports must not look like an ordinary exit code.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=99"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1"

passed=0 failed=0
scripts=${*:-$(ls "$here"/t-*.sh)}
for t in $scripts; do
    name=$(basename "$t" .sh)
    out=$(mktemp)
    sh "$t" >"$out" 2>&1
    rc=$?
    p=$(grep -c '^ok - ' "$out")
    f=$(grep -c '^not ok - ' "$out")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "not ok - $name: the script exited $rc" >>"$out"
        f=1
    fi
    grep -v '^ok - ' "$out" | sed "s/^/[$name] /"
    echo "$name: $p passed, $f failed"
    passed=$((passed + p))
    failed=$((failed + f))
    rm -f "$out"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
