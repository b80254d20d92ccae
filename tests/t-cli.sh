#!/bin/sh
# tests/t-cli.sh — the command line: help, --version, usage errors and their exit codes,
# `lint`'s paths (files, directory walks), formats (text, json, sarif), colour control, and
# the exact shape of a diagnostic (file:line:col: error: message, source line, caret).
# Contract: /work/shared/design/cli.md (exit 0 clean, 1 lint errors, 2 usage / syntax).
. "$(dirname "$0")/lib.sh"

# run ARGS…: $RUNBOOK ARGS… with stdout in $T/out, stderr in $T/err, status in rc ($limit s).
limit=10
run() {
    timeout "$limit" "$RUNBOOK" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}

# JSON checks run in python3 (present on the build machines); jq is the fallback.
if command -v python3 >/dev/null 2>&1; then json_tool=python3
elif command -v jq >/dev/null 2>&1; then json_tool=jq
else json_tool=""; fi
# json_check NAME PYTHON_EXPR JQ_EXPR: $T/out is JSON and the expression (over `d`) is true.
json_check() {
    if [ "$json_tool" = python3 ]; then
        r=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
print("yes" if ('"$2"') else "no")' "$T/out" 2>&1)
    elif [ "$json_tool" = jq ]; then
        r=$(jq -r "if ($3) then \"yes\" else \"no\" end" "$T/out" 2>&1)
    else
        pass "$1 # SKIP neither python3 nor jq to read JSON"
        return
    fi
    if [ "$r" = yes ]; then pass "$1"; else fail "$1" "$r" "$(head -c 600 "$T/out")"; fi
}

ok=$T/ok.rb
printf 'runbook "Fine" {\n  severity P3\n}\nstep s "S" {\n  note "fine"\n}\n' >"$ok"
bad=$T/bad.rb
printf 'let a = 1\nlet b = 2 + )\n' >"$bad"

# ---- help, version, usage ----
run
expect_rc "no arguments: exit 2, usage on stderr" 2 err:usage err:lint out-empty
run --version
expect_rc "--version: exit 0, prints the version" 0 "out:runbook " err-empty
grep -q '^runbook [0-9][0-9.]*' "$T/out" && pass "--version: 'runbook X.Y.Z'" || fail "--version: 'runbook X.Y.Z'" "$(cat "$T/out")"
run help
expect_rc "help: exit 0, usage on stdout" 0 out:usage "out:runbook lint" err-empty
run --help
expect_rc "--help: exit 0" 0 out:usage
run help lint
expect_rc "help lint: exit 0, describes the options" 0 out:--format out:--strict out:sarif err-empty
run lint --help
expect_rc "lint --help: exit 0" 0 out:--format
run help nosuch
expect_rc "help nosuch: exit 2, message on stderr" 2 err:nosuch out-empty
run nosuch
expect_rc "unknown command: exit 2, named on stderr" 2 err:nosuch out-empty
run lint
expect_rc "lint without paths: exit 2, usage on stderr" 2 err:usage out-empty
run lint --bogus "$ok"
expect_rc "lint --bogus: exit 2" 2 err:--bogus out-empty
run lint "$ok" --bogus
expect_rc "lint FILE --bogus: exit 2" 2 err:--bogus out-empty
run lint --format bogus "$ok"
expect_rc "lint --format bogus: exit 2" 2 err:--format out-empty
run lint "$ok" --format
expect_rc "lint --format without a value: exit 2" 2 out-empty
run lint --format=json "$ok"
expect_rc "lint --format=json is accepted" 0 out:diagnostics
run lint "$T/nosuch.rb"
expect_rc "lint of a nonexistent path: exit 2, path on stderr" 2 err:nosuch.rb
run lint "$T/nosuch.rb" "$bad"
expect_rc "lint of a missing and a broken path: exit 2, the broken file still reported" 2 err:nosuch.rb "err:bad.rb:2:13:"

# ---- exit codes ----
run lint "$ok"
expect_rc "lint of a clean runbook: exit 0, silent" 0 out-empty err-empty
run lint --strict "$ok"
expect_rc "lint --strict of a clean runbook: exit 0" 0 out-empty
run lint "$bad"
expect_rc "lint of a syntax error: exit 2, located error" 2 "err:$bad:2:13: error: "
run lint "$ok" "$bad" "$ok"
expect_rc "lint of several files, one broken: exit 2" 2 "err:$bad:2:13: error: "

# ---- global --no-color anywhere, NO_COLOR ----
for args in "--no-color lint $ok" "lint --no-color $ok" "lint $ok --no-color" "--no-color --version" "help --no-color"; do
    # shellcheck disable=SC2086
    run $args
    expect_rc "--no-color accepted: runbook $(echo "$args" | sed "s|$T/||")" 0
done
esc=$(printf '\033')
run lint "$bad"
if grep -q "$esc" "$T/err" "$T/out"; then fail "no escape bytes when not on a terminal" "$(od -c "$T/err" | head -n 4)"
else pass "no escape bytes when not on a terminal"; fi
# On a terminal (through script(1)): colour unless NO_COLOR or --no-color.
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
    tty_run() { (unset NO_COLOR; env "$@" timeout 10 script -qec "\"$RUNBOOK\" lint $bad" /dev/null) >"$T/tty" 2>&1; }
    tty_run
    grep -q "$esc" "$T/tty" && pass "on a terminal: coloured diagnostics" \
        || fail "on a terminal: coloured diagnostics" "$(od -c "$T/tty" | head -n 4)"
    tty_run NO_COLOR=1
    grep -q "$esc" "$T/tty" && fail "on a terminal: NO_COLOR=1 gives plain output" "$(od -c "$T/tty" | head -n 4)" \
        || pass "on a terminal: NO_COLOR=1 gives plain output"
    (unset NO_COLOR; timeout 10 script -qec "\"$RUNBOOK\" --no-color lint $bad" /dev/null) >"$T/tty" 2>&1
    grep -q "$esc" "$T/tty" && fail "on a terminal: --no-color gives plain output" "$(od -c "$T/tty" | head -n 4)" \
        || pass "on a terminal: --no-color gives plain output"
    (unset NO_COLOR; timeout 10 script -qec "\"$RUNBOOK\" lint $bad --no-color" /dev/null) >"$T/tty" 2>&1
    grep -q "$esc" "$T/tty" && fail "on a terminal: a trailing --no-color gives plain output" "$(od -c "$T/tty" | head -n 4)" \
        || pass "on a terminal: a trailing --no-color gives plain output"
else
    pass "colour on a terminal # SKIP script(1) is not available"
fi

# ---- the diagnostic's shape, exactly ----
# Line 2 has a tab, a 2-byte and a 3-byte character before the error: the column counts
# code points (tab 1, ")" is column 22), the caret line copies the tab and pads with spaces.
# (not $d: lib.sh fail() uses it)
sd=$T/shape
mkdir -p "$sd"
printf '# café — €\n\tlet x = "héllo €" + )\n' >"$sd/shape.rb"
(cd "$sd" && timeout 10 "$RUNBOOK" lint shape.rb >"$T/out" 2>"$T/err")
rc=$?
tab=$(printf '\t')
l1=$(sed -n 1p "$T/err") l2=$(sed -n 2p "$T/err") l3=$(sed -n 3p "$T/err")
p=""
[ "$rc" = 2 ] || p="exit $rc, expected 2"
case $l1 in "shape.rb:2:22: error: "?*) ;; *) p="${p:+$p
}first line: '$l1', expected 'shape.rb:2:22: error: MESSAGE'" ;; esac
[ "$l2" = "  ${tab}let x = \"héllo €\" + )" ] || p="${p:+$p
}source line: '$l2'"
[ "$l3" = "  ${tab}                    ^" ] || p="${p:+$p
}caret line: '$l3', expected '  <TAB>' + 20 spaces + '^'"
if [ -z "$p" ]; then pass "diagnostic: file:line:col: error:, source line, caret under the column (tab, UTF-8)"
else fail "diagnostic: file:line:col: error:, source line, caret under the column (tab, UTF-8)" "$p" "$(cat -A "$T/err" | head -n 5)"; fi

# caret_under NAME FILE CHAR: in the first diagnostic, the caret is under CHAR (counting
# characters, so a window that starts with '…' is handled).
caret_under() {
    (cd "$sd" && timeout 10 "$RUNBOOK" lint "$2" >"$T/out" 2>"$T/err")
    if [ "$json_tool" != python3 ]; then pass "$1 # SKIP python3 is not available"; return; fi
    r=$(python3 -c 'import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
src, caret = lines[1], lines[2]
if not (src.startswith("  ") and caret.startswith("  ")): print("no source/caret lines"); sys.exit()
src, caret = src[2:], caret[2:]
i = caret.find("^")
print("yes" if 0 <= i < len(src) and src[i] == sys.argv[2] and caret[:i].strip() == "" else "caret at %d under %r" % (i, src[i:i+1]))' "$T/err" "$3" 2>&1)
    if [ "$r" = yes ]; then pass "$1"; else fail "$1" "$r" "$(head -n 3 "$T/err")"; fi
}
awk 'BEGIN { printf "let x = "; for (i = 0; i < 60; i++) printf "\"é\" + 1 + "; print "]" }' >"$sd/long.rb"
caret_under "diagnostic on a long line: the window keeps the caret under the column" long.rb "]"
printf 'let s = "ünïcödé"\nlet t = "€€€" + "\\q"\n' >"$sd/esc.rb"
caret_under "diagnostic inside a string after UTF-8 text: caret under the column" esc.rb "\\"
printf 'let a = 1\r\n\tlet b = "é" )\r\n' >"$sd/crlf.rb"
caret_under "diagnostic in a CRLF file: caret under the column" crlf.rb ")"

# ---- directory walk ----
w=$T/walk
mkdir -p "$w/sub/deeper" "$w/.hidden" "$w/dir.rb" "$T/emptydir/.git"
cp "$ok" "$w/a.rb"
printf 'let x = (\n' >"$w/sub/b.rb"
printf 'step {\n' >"$w/sub/deeper/c.rb"
printf 'let x = )\n' >"$w/.hidden/h.rb"
printf 'let x = )\n' >"$w/sub/.dot.rb"
printf 'let x = )\n' >"$w/notes.txt"
printf 'let x = )\n' >"$w/old.rb.bak"
printf 'let x = )\n' >"$w/README"
cp "$ok" "$w/dir.rb/inner.rb"
run lint "$w"
listed=$(grep -o "^$w/[^:]*:[0-9]*:[0-9]*: error" "$T/err" | cut -d: -f1 | sort -u | sed "s|^$w/||" | tr '\n' ' ')
[ "$rc" = 2 ] && [ "$listed" = "sub/b.rb sub/deeper/c.rb " ] \
    && pass "lint DIR: walks nested *.rb, skips hidden entries and non-.rb files" \
    || fail "lint DIR: walks nested *.rb, skips hidden entries and non-.rb files" "exit $rc; files with errors: $listed (expected sub/b.rb sub/deeper/c.rb)" "$(head -c 600 "$T/err")"
run lint --format json "$w"
json_check "lint DIR --format json: 4 files (a, b, c, dir.rb/inner), 2 errors" \
    'd["files"] == 4 and d["errors"] == 2 and sorted(g["file"].rsplit("/", 1)[-1] for g in d["diagnostics"]) == ["b.rb", "c.rb"]' \
    '.files == 4 and .errors == 2 and ([.diagnostics[].file | split("/") | last] | sort) == ["b.rb", "c.rb"]'
run lint "$T/emptydir"
expect_rc "lint of a directory with no runbooks (only a hidden entry): exit 0" 0
run lint "$w/a.rb" "$w/dir.rb"
expect_rc "lint FILE DIR together: exit 0" 0 err-empty
# Symbolic links that loop back must not make the walk repeat files or run forever.
lw=$T/loop
mkdir -p "$lw/d"
cp "$ok" "$lw/d/a.rb"
printf 'let x = (\n' >"$lw/d/b.rb"
ln -s . "$lw/d/self" 2>/dev/null
ln -s .. "$lw/d/up" 2>/dev/null
limit=5
run lint --format json "$lw"
limit=10
if [ "$rc" = 124 ]; then
    fail "lint DIR with symlink loops: finishes, each file once" "timed out after 5 s"
else
    json_check "lint DIR with symlink loops: finishes, each file once" \
        'd["files"] == 2 and d["errors"] == 1' '.files == 2 and .errors == 1'
fi

# ---- machine-readable formats ----
run lint --format json "$bad"
expect_rc "lint --format json of a syntax error: exit 2" 2
json_check "--format json: {files, errors, warnings, diagnostics[file, line, column, severity, message]}" \
    'd["files"] == 1 and d["errors"] == 1 and d["warnings"] == 0 and len(d["diagnostics"]) == 1 and d["diagnostics"][0]["file"].endswith("bad.rb") and d["diagnostics"][0]["line"] == 2 and d["diagnostics"][0]["column"] == 13 and d["diagnostics"][0]["severity"] == "error" and len(d["diagnostics"][0]["message"]) > 0' \
    '.files == 1 and .errors == 1 and .warnings == 0 and (.diagnostics | length) == 1 and (.diagnostics[0].file | endswith("bad.rb")) and .diagnostics[0].line == 2 and .diagnostics[0].column == 13 and .diagnostics[0].severity == "error" and (.diagnostics[0].message | length) > 0'
[ -s "$T/err" ] && fail "--format json: nothing on stderr" "$(head -c 300 "$T/err")" || pass "--format json: nothing on stderr"
run lint --format json "$ok"
expect_rc "lint --format json of a clean runbook: exit 0" 0
json_check "--format json of a clean runbook: no diagnostics" \
    'd["files"] == 1 and d["errors"] == 0 and d["diagnostics"] == []' '.files == 1 and .errors == 0 and .diagnostics == []'
run lint --format sarif "$bad"
expect_rc "lint --format sarif of a syntax error: exit 2" 2
json_check "--format sarif: version 2.1.0, one located result" \
    'd["version"] == "2.1.0" and len(d["runs"]) == 1 and d["runs"][0]["tool"]["driver"]["name"] == "runbook" and len(d["runs"][0]["results"]) == 1 and d["runs"][0]["results"][0]["level"] == "error" and d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 2, "startColumn": 13}' \
    '.version == "2.1.0" and (.runs | length) == 1 and .runs[0].tool.driver.name == "runbook" and (.runs[0].results | length) == 1 and .runs[0].results[0].level == "error" and .runs[0].results[0].locations[0].physicalLocation.region == {"startLine": 2, "startColumn": 13}'
run lint --format sarif "$ok"
json_check "--format sarif of a clean runbook: version 2.1.0, no results" \
    'd["version"] == "2.1.0" and d["runs"][0]["results"] == []' '.version == "2.1.0" and .runs[0].results == []'
# Every counted diagnostic must be in the JSON, even when its text is not clean UTF-8.
printf 'let x = "\\\303\251"\n' >"$T/esc-utf8.rb"
run lint --format json "$T/esc-utf8.rb"
json_check "--format json: an unknown escape before a UTF-8 character is still listed" \
    'len(d["diagnostics"]) == d["errors"] + d["warnings"] and d["errors"] >= 1' \
    '(.diagnostics | length) == .errors + .warnings and .errors >= 1'
run lint "$T/esc-utf8.rb"
if python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$T/err" 2>/dev/null; then
    pass "text diagnostics are valid UTF-8 (an unknown escape before 'é')"
else
    fail "text diagnostics are valid UTF-8 (an unknown escape before 'é')" "$(od -c "$T/err" | head -n 4)"
fi
odd=$T/$(printf 'odd\377name').rb
printf 'let x = (\n' >"$odd"
run lint --format json "$odd"
json_check "--format json: a file name that is not UTF-8 keeps its diagnostic" \
    'len(d["diagnostics"]) == d["errors"] + d["warnings"] and d["errors"] == 1' \
    '(.diagnostics | length) == .errors + .warnings and .errors == 1'
run lint --format sarif "$odd"
json_check "--format sarif: a file name that is not UTF-8 keeps its result" \
    'len(d["runs"][0]["results"]) == 1' '(.runs[0].results | length) == 1'

# ---- output that cannot be written is an error, not a silent success ----
if [ -w /dev/full ]; then
    for args in "--version" "lint --format json $ok"; do
        # shellcheck disable=SC2086
        timeout 10 "$RUNBOOK" $args >/dev/full 2>"$T/err"
        rc=$?
        n="runbook $(echo "$args" | sed "s|$T/||") >/dev/full: non-zero exit"
        if [ "$rc" -ne 0 ] && [ "$rc" -lt 124 ] && sanitizer_clean "$T/err"; then pass "$n"; else fail "$n" "exit $rc" "$(head -c 300 "$T/err")"; fi
    done
else
    pass "writes to a full device # SKIP no /dev/full"
fi
