#!/bin/sh
# tests/t-layout.sh — the source tree keeps the house rules a reader relies on.
#
#   - every hand-written source file under interp/, include/ and grammar/ opens with a
#     comment (saying what it owns) and has at most 1,000 lines;
#   - no function in interp/ or grammar/ is longer than 120 lines (the body from the '{'
#     in column 0 to the '}' in column 0: the house style of every definition);
#   - every file under interp/ is named in README.md's layout table;
#   - the checks find what they look for (a made-up long function and a file without its
#     comment are caught), so a broken pattern cannot pass everything.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$TESTS/.." && pwd)
MAX_LINES=1000
MAX_FN=120

# Files without an opening comment ("/*" on the first line), one a line.
no_opening_comment() {
    for f; do
        head -n 1 "$f" | grep -q '^/\*' || echo "$f"
    done
}

# "FILE:LINE: NAME is N lines" for each function longer than $MAX_FN.
long_functions() {
    for f; do
        awk -v file="$f" -v max="$MAX_FN" '
            /^\{/ { start = NR; name = prev }
            /^\}/ && start { n = NR - start + 1; if (n > max) printf "%s:%d: %s is %d lines\n", file, start, name, n; start = 0 }
            { prev = $0 }' "$f"
    done
}

cd "$ROOT" || exit 1
SOURCES=$(ls interp/*.c interp/*.h include/*.h grammar/*.l grammar/*.y grammar/*.h)

# ---- the checks catch what they are for ----
mkdir "$T/bad"
{
    echo "int long_one(void)"
    echo "{"
    i=0
    while [ $i -lt 130 ]; do echo "    x++;"; i=$((i + 1)); done
    echo "}"
} >"$T/bad/long.c"
out=$(long_functions "$T/bad/long.c")
case $out in
    *"long_one(void) is 132 lines"*) pass "layout: a function over $MAX_FN lines is caught" ;;
    *) fail "layout: a function over $MAX_FN lines is caught" "got: $out" ;;
esac
out=$(no_opening_comment "$T/bad/long.c")
if [ "$out" = "$T/bad/long.c" ]; then
    pass "layout: a file without its opening comment is caught"
else
    fail "layout: a file without its opening comment is caught" "got: $out"
fi

# ---- the tree ----
# expect_empty NAME: pass when $out is empty, else fail showing it
expect_empty() { if [ -z "$out" ]; then pass "$1"; else fail "$1" "$out"; fi; }
# shellcheck disable=SC2086
out=$(no_opening_comment $SOURCES)
expect_empty "layout: every source file opens with a comment saying what it owns"

# shellcheck disable=SC2086
out=$(wc -l $SOURCES | awk -v max="$MAX_LINES" '$2 != "total" && $1 > max { print $2 ": " $1 " lines" }')
expect_empty "layout: no source file over $MAX_LINES lines"

# shellcheck disable=SC2086
out=$(long_functions $SOURCES)
expect_empty "layout: no function over $MAX_FN lines"

# A row names a file in full (`interp/act_sh.c`) or, after the first in its row, by its name (`act_http.c`).
out=$(for f in interp/*; do grep -Eq "\`(interp/)?${f#interp/}\`" README.md || echo "$f"; done)
expect_empty "layout: README.md's layout table names every file under interp/"
