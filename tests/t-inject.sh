#!/bin/sh
# t-inject.sh — interpolated values never become shell syntax: every shell context x every
# payload (tests/inject/matrix.py, hundreds of cases, four at a time), each value arriving
# literally or the runbook refused; no payload ever runs a command.  The libFuzzer target of
# the same property is tests/t-fuzz.sh.
. "$(dirname "$0")/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
    pass "inject matrix # SKIP python3 is not installed"
    exit 0
fi
python3 "$TESTS/inject/matrix.py"

