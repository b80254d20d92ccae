#!/bin/sh
# tests/t-lang.sh — golden tests for the parser and checker.
#
# Every tests/lang/*.rb is linted.  Expectations sit in comments in the file itself:
#   # expect-error: LINE:COL text      an error at exactly LINE:COL whose message contains text
#   # expect-warning: LINE:COL text    the same for a warning (text may be the rule id)
#   # expect-exit: N                   lint's exit status (default: 0 without expected errors)
# Every reported error and warning must be expected, and every expectation reported.
. "$(dirname "$0")/lib.sh"

for f in "$TESTS"/lang/*.rb; do
    name=lang/$(basename "$f")
    case $name in lang/warn-sc-*)
        command -v shellcheck >/dev/null 2>&1 || { pass "$name # SKIP shellcheck is not installed"; continue; } ;;
    esac
    out=$T/out
    "$RUNBOOK" lint "$f" >"$out" 2>&1
    rc=$?
    problems=$(awk -v file="$f" -v rc="$rc" '
        FNR == NR {
            if (match($0, /# expect-(error|warning): [0-9]+:[0-9]+ /)) {
                s = substr($0, RSTART + 9)
                kind = substr(s, 1, index(s, ":") - 1)
                s = substr(s, index(s, ":") + 2)
                pos = substr(s, 1, index(s, " ") - 1)
                text = substr(s, index(s, " ") + 1)
                n++; ekind[n] = kind; epos[n] = pos; etext[n] = text; seen[n] = 0
                if (kind == "error") errors++
            }
            if (match($0, /# expect-exit: [0-9]+/)) wantrc = substr($0, RSTART + 15) + 0
            next
        }
        {
            prefix = file ":"
            if (substr($0, 1, length(prefix)) != prefix) next
            rest = substr($0, length(prefix) + 1)
            if (!match(rest, /^[0-9]+:[0-9]+: (error|warning): /)) next
            pos = substr(rest, 1, index(rest, ": ") - 1)
            rest2 = substr(rest, length(pos) + 3)
            kind = substr(rest2, 1, index(rest2, ":") - 1)
            msg = substr(rest2, length(kind) + 3)
            found = 0
            for (i = 1; i <= n; i++)
                if (!seen[i] && ekind[i] == kind && epos[i] == pos && index(msg, etext[i]) > 0) { seen[i] = 1; found = 1; break }
            if (!found) print "unexpected " kind " at " pos ": " msg
        }
        END {
            for (i = 1; i <= n; i++)
                if (!seen[i]) print "missing " ekind[i] " at " epos[i] ": " etext[i]
            if (wantrc == "") wantrc = errors ? -1 : 0
            if (wantrc == -1 && rc != 1 && rc != 2) print "exit status " rc ", expected 1 or 2"
            if (wantrc >= 0 && rc != wantrc) print "exit status " rc ", expected " wantrc
        }' "$f" "$out")
    if [ -z "$problems" ] && sanitizer_clean "$out"; then
        pass "$name"
    else
        fail "$name" "$problems" "$(head -n 20 "$out")"
    fi
done
