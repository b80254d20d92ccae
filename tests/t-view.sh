#!/bin/sh
# tests/t-view.sh — golden tests for `runbook view`: tests/view/NAME.rb rendered with
# --format md must equal NAME.md, and with --format dot NAME.dot (when that file exists).
. "$(dirname "$0")/lib.sh"

for f in "$TESTS"/view/*.rb; do
    base=${f%.rb}
    for fmt in md dot; do
        [ -f "$base.$fmt" ] || continue
        name="view/$(basename "$base").$fmt"
        (cd "$TESTS/view" && "$RUNBOOK" view "$(basename "$f")" --format "$fmt") >"$T/out" 2>"$T/err"
        rc=$?
        if [ $rc -eq 0 ] && cmp -s "$T/out" "$base.$fmt"; then
            pass "$name"
        else
            fail "$name" "exit $rc" "$(diff "$base.$fmt" "$T/out" | head -n 30)" "$(head -n 5 "$T/err")"
        fi
    done
done
