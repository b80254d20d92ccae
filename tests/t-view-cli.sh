#!/bin/sh
# tests/t-view-cli.sh — `runbook view` as a command: usage errors, unreadable and broken
# files (exit 2, the reason on stderr, nothing on stdout), --format=md spelling, and
# secrets that must never appear in either rendering.
. "$(dirname "$0")/lib.sh"

# expect_usage NAME ARGS… — exit 2, something on stderr, nothing on stdout.
expect_usage() {
    name=$1; shift
    "$RUNBOOK" view "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ $rc -eq 2 ] && [ -s "$T/err" ] && [ ! -s "$T/out" ] && sanitizer_clean "$T/err"; then
        pass "$name"
    else
        fail "$name" "exit $rc (want 2)" "$(head -n 5 "$T/err")" "$(head -n 5 "$T/out")"
    fi
}

expect_usage "view: no file"
expect_usage "view: missing file" "$T/no-such-file.rb"
expect_usage "view: bad --format" "$TESTS/view/example.rb" --format html
expect_usage "view: bad --format=" "$TESTS/view/example.rb" --format=pdf
expect_usage "view: --format without a value" "$TESTS/view/example.rb" --format
expect_usage "view: unknown option" "$TESTS/view/example.rb" --frobnicate
expect_usage "view: two files" "$TESTS/view/example.rb" "$TESTS/view/edge.rb"

cat >"$T/broken.rb" <<'RB'
runbook "Broken" {
  id "broken"
  severity P3
}
step one "One" {
  note "unterminated
}
RB
expect_usage "view: syntax error" "$T/broken.rb"
if grep -q 'broken.rb:[0-9]*:[0-9]*: error:' "$T/err"; then
    pass "view: syntax error is reported as file:line:col: error:"
else
    fail "view: syntax error is reported as file:line:col: error:" "$(head -n 5 "$T/err")"
fi

# --format=md is the same as --format md, which is the default.
"$RUNBOOK" view "$TESTS/view/example.rb" --format=md >"$T/eq.md" 2>"$T/err"
if [ $? -eq 0 ] && cmp -s "$T/eq.md" "$TESTS/view/example.md"; then
    pass "view: --format=md"
else
    fail "view: --format=md" "$(head -n 5 "$T/err")"
fi
"$RUNBOOK" view "$TESTS/view/example.rb" >"$T/def.md" 2>"$T/err"
if [ $? -eq 0 ] && cmp -s "$T/def.md" "$TESTS/view/example.md"; then
    pass "view: Markdown is the default"
else
    fail "view: Markdown is the default" "$(head -n 5 "$T/err")"
fi
"$RUNBOOK" view --format=dot -- "$TESTS/view/example.rb" >"$T/eq.dot" 2>"$T/err"
if [ $? -eq 0 ] && cmp -s "$T/eq.dot" "$TESTS/view/example.dot"; then
    pass "view: --format=dot before -- FILE"
else
    fail "view: --format=dot before -- FILE" "$(head -n 5 "$T/err")"
fi

# Secrets appear by name only: their literal values are in the sources, never in the output.
for f in statements edge; do
    for fmt in md dot; do
        (cd "$TESTS/view" && "$RUNBOOK" view "$f.rb" --format "$fmt") >"$T/out" 2>"$T/err"
        if grep -q -e 'LITERAL-CREDENTIAL' -e 's3cr3t' "$T/out"; then
            fail "view: $f.$fmt never shows a secret's value" "$(grep -n -e 'LITERAL-CREDENTIAL' -e 's3cr3t' "$T/out")"
        else
            pass "view: $f.$fmt never shows a secret's value"
        fi
    done
done

# Every rendering ends with exactly one newline and has no trailing white space.
for f in "$TESTS"/view/*.md "$TESTS"/view/*.dot; do
    name="view: $(basename "$f") is tidy"
    last=$(tail -c 1 "$f" | od -An -tx1 | tr -d ' ')
    before=$(tail -c 2 "$f" | head -c 1 | od -An -tx1 | tr -d ' ')
    if grep -q '[[:space:]]$' "$f"; then
        fail "$name" "trailing white space:" "$(grep -n '[[:space:]]$' "$f" | head -n 3)"
    elif [ "$last" != 0a ] || [ "$before" = 0a ]; then
        fail "$name" "does not end with exactly one newline"
    else
        pass "$name"
    fi
done
