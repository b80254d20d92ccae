#!/bin/sh
# tests/t-docs.sh — the documentation tells the truth about the binary.
#
#   - every ```runbook block of docs/language.md is a complete file that lints clean
#     (exit 0, no output); blocks are linted next to a copy of runbooks/contacts.rb, which
#     the examples `use`, and every fence is either ```runbook or a plain ```;
#   - the complete example of docs/language.md is the design's example (tests/lang/design-example.rb),
#     and the shipped runbooks/p1-database-down.rb (which grew into a full playbook) still lints;
#   - the shipped runbooks/ and stdlib/ lint clean;
#   - every subcommand docs/runbook.1 documents as available is one `runbook help` lists
#     and has help of its own; the man page renders without groff warnings.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$TESTS/.." && pwd)
# The blocks are linted from a temporary directory: make a relative $RUNBOOK absolute.
case $RUNBOOK in
    /*) ;;
    */*) RUNBOOK=$(pwd)/$RUNBOOK ;;
esac
DOC=$ROOT/docs/language.md
MAN=$ROOT/docs/runbook.1

# ---- docs/language.md: split the ```runbook blocks into files named after their line ----
mkdir "$T/blocks"
cp "$ROOT/runbooks/contacts.rb" "$T/blocks/contacts.rb"
awk -v dir="$T/blocks" -v bad="$T/bad-fences" '
    inb && /^```[ \t]*$/ { close(out); inb = 0; plain = 0; next }
    inb { print > out; next }
    plain && /^```[ \t]*$/ { plain = 0; next }
    plain { next }
    /^```runbook[ \t]*$/ { inb = 1; out = sprintf("%s/line-%04d.rb", dir, NR); next }
    /^```[ \t]*$/ { plain = 1; next }
    /^```/ { print NR ": " $0 > bad; plain = 1 }
    END { if (inb || plain) print "end of file: unclosed fence" > bad }
' "$DOC"

if [ -s "$T/bad-fences" ]; then
    fail "docs/language.md: fences are \`\`\`runbook or plain \`\`\`" "$(cat "$T/bad-fences")"
else
    pass "docs/language.md: fences are \`\`\`runbook or plain \`\`\`"
fi

nblocks=0
for f in "$T"/blocks/line-*.rb; do
    [ -f "$f" ] || continue
    nblocks=$((nblocks + 1))
    line=$(basename "$f" .rb | sed 's/^line-0*//')
    name="docs/language.md:$line: runbook block lints clean"
    (cd "$T/blocks" && "$RUNBOOK" lint "$(basename "$f")") >"$T/out" 2>&1
    rc=$?
    if [ $rc -eq 0 ] && [ ! -s "$T/out" ]; then
        pass "$name"
    else
        fail "$name" "exit $rc" "$(head -n 20 "$T/out")"
    fi
done
if [ "$nblocks" -ge 5 ]; then
    pass "docs/language.md: has runbook examples ($nblocks)"
else
    fail "docs/language.md: has runbook examples" "found $nblocks \`\`\`runbook blocks, expected at least 5"
fi

# The complete example is the first block after its heading: the design's example, verbatim.
awk '/^## A complete example/ { f = 1; next }
     f && /^```runbook/ { inb = 1; next }
     inb && /^```/ { exit }
     inb { print }' "$DOC" >"$T/example.rb"
# (each file opens with its own comment lines: the doc's names the path, the test's says why)
tail -n +2 "$T/example.rb" >"$T/example.body"
tail -n +3 "$TESTS/lang/design-example.rb" >"$T/design.body"
if [ -s "$T/example.body" ] && cmp -s "$T/example.body" "$T/design.body"; then
    pass "docs/language.md's complete example is the design's example"
else
    fail "docs/language.md's complete example is the design's example" \
        "$(diff "$T/example.body" "$T/design.body" | head -n 20)"
fi

# ---- the shipped runbooks and the standard library ----
for dir in runbooks stdlib; do
    (cd "$ROOT" && "$RUNBOOK" lint "$dir") >"$T/out" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        pass "lint $dir/"
    else
        fail "lint $dir/" "exit $rc" "$(head -n 20 "$T/out")"
    fi
done

# ---- docs/runbook.1: the documented subcommands exist ----
# Available commands are the `.TP` / `.B NAME` entries of the COMMANDS section (not those
# nested in .RS/.RE, which are options); planned ones are prose under `.SS PLANNED
# COMMANDS` and are not checked.
documented=$(awk '
    /^\.S[HS]/ { sec = $0; depth = 0; next }
    /^\.RS/ { depth++ }
    /^\.RE/ { depth-- }
    sec ~ /^\.SH +"?COMMANDS/ && depth == 0 && prev == ".TP" && /^\.B / { print $2 }
    { prev = $1 }
' "$MAN")
"$RUNBOOK" help >"$T/help" 2>&1
if [ -z "$documented" ]; then
    fail "docs/runbook.1 documents subcommands" "no .TP/.B entries under .SH COMMANDS"
fi
for cmd in $documented; do
    name="docs/runbook.1: '$cmd' is a subcommand of runbook help"
    if grep -q "^ *runbook $cmd\( \|$\)" "$T/help" && "$RUNBOOK" help "$cmd" >/dev/null 2>&1; then
        pass "$name"
    else
        fail "$name" "$(cat "$T/help")"
    fi
done

# man(1) does not always run the page through preconv: keep it ASCII.
if LC_ALL=C grep -n '[^ -~	]' "$MAN" >"$T/nonascii"; then
    fail "docs/runbook.1 is ASCII" "$(head -n 5 "$T/nonascii")"
else
    pass "docs/runbook.1 is ASCII"
fi
if command -v groff >/dev/null 2>&1; then
    groff -man -Tutf8 -ww -z "$MAN" >"$T/groff" 2>&1
    if [ $? -eq 0 ] && [ ! -s "$T/groff" ]; then
        pass "docs/runbook.1 renders without warnings"
    else
        fail "docs/runbook.1 renders without warnings" "$(head -n 20 "$T/groff")"
    fi
fi
