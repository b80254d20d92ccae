#!/bin/sh
# tests/t-faults.sh — faults and bad input (issue 11, part B): each gets a clear error
# within seconds, never a hang, and nothing already recorded is lost.
#
# 1. Input files: exec, repl, lint, replay --verify FILE and --answers refuse /dev/zero, a
#    FIFO, a directory and a file over the 64 MiB limit before reading (`timeout 5`: a
#    regression fails here rather than hangs); standard input without a newline in 1 MiB
#    ends the input.
# 2. The database: a symlink at runs.db, a directory or database writable by others or
#    owned by another user are refused; runs, report, replay, resume and --verify create
#    no directory and no database; a database deleted or replaced mid-run stops the run
#    with exit 3 before its next action; a read-only file system is named (in a private
#    mount namespace, when this machine allows one).
# 3. The command line: --set of an undeclared param, a number that does not fit, an empty
#    runbook or a module, --incident "", the last --clock and --set win, --speed's range.
# 4. Control characters in an answer are shown escaped; the record keeps the exact bytes.
. "$(dirname "$0")/lib.sh"

limit=5
run() {
    timeout "$limit" "$RUNBOOK" "$@" >"$T/out" 2>"$T/err" </dev/null
    rc=$?
}
q() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

DB=$T/db/runs.db
mkdir -m 700 "$T/db"
export RUNBOOK_DB=$DB
cat >"$T/ok.rb" <<'EOF'
runbook "ok" { severity P3 }
param n = 5
param label: string = "x"
step a "A" { note "n=#{n} label=#{label}" }
EOF
run exec "$T/ok.rb"
expect_rc "setup: a runbook records into a fresh database" 0
cat >"$T/esc-in.rb" <<'EOF'
runbook "asks" { severity P3 }
step a "A" { let x = ask("Name?") }
EOF

# ---- 1. input files
mkfifo "$T/fifo"
mkdir "$T/adir"
truncate -s 65M "$T/huge.rb"
for input in /dev/zero "$T/fifo" "$T/adir" "$T/huge.rb"; do
    case $input in
        /dev/zero) what="character device"; name=/dev/zero ;;
        */fifo) what="FIFO"; name="a FIFO" ;;
        */adir) what="directory"; name="a directory" ;;
        *) what="MiB limit"; name="a 65 MB file" ;;
    esac
    run exec "$input"
    expect_rc "exec $name: refused before reading, exit 2" 2 "err:$what"
    run repl "$input"
    expect_rc "repl $name: refused before reading, exit 2" 2 "err:$what"
    run view "$input"
    expect_rc "view $name: refused before reading, exit 2" 2 "err:$what"
    run exec "$T/ok.rb" --answers "$input"
    expect_rc "exec --answers $name: refused, exit 2" 2 "err:$what"
    run replay last --verify "$input"
    expect_rc "replay --verify $name: refused, exit 2" 2 "err:$what"
    if [ "$input" != "$T/adir" ]; then
        run lint "$input"
        expect_rc "lint $name: refused, exit 2" 2 "err:$what"
    fi
done

# Standard input that is not lines (a device, a binary file): bounded, then the end of input.
timeout "$limit" "$RUNBOOK" exec "$T/esc-in.rb" </dev/zero >"$T/out" 2>"$T/err"
rc=$?
expect_rc "exec with /dev/zero as standard input: no answer (exit 4), no hang" 4 "err:a line longer than"
timeout "$limit" "$RUNBOOK" repl </dev/zero >"$T/out" 2>"$T/err"
rc=$?
expect_rc "repl with /dev/zero as standard input: ends, no hang" 0 "err:a line longer than"

# ---- 2. the database
n_runs() { "$RUNBOOK" runs --db "$1" --format json | q "len(d)"; }
before=$(n_runs "$DB")

ln -s "$DB" "$T/db/link.db"
run exec "$T/ok.rb" --db "$T/db/link.db"
expect_rc "a symlink planted at the database path: refused, exit 3" 3 "err:symbolic link"
run runs --db "$T/db/link.db"
expect_rc "runs through a symlink: refused, exit 3" 3 "err:symbolic link"
[ "$(n_runs "$DB")" = "$before" ] && pass "the symlink's target got no run" || fail "the symlink's target got no run"

mkdir "$T/ww" && chmod 777 "$T/ww"
run exec "$T/ok.rb" --db "$T/ww/runs.db"
expect_rc "a world-writable data directory: refused with the reason, exit 3" 3 "err:writable by everyone" "err:chmod go-w"
[ ! -e "$T/ww/runs.db" ] && pass "nothing created in the world-writable directory" || fail "nothing created in the world-writable directory"
mkdir "$T/gw" && chmod 770 "$T/gw"
run exec "$T/ok.rb" --db "$T/gw/runs.db"
expect_rc "a group-writable data directory: refused, exit 3" 3 "err:writable by its group"

cp "$DB" "$T/db/shared.db" && chmod 666 "$T/db/shared.db"
run runs --db "$T/db/shared.db"
expect_rc "a world-writable database: refused, exit 3" 3 "err:refusing the database"
if [ "$(id -u)" = 0 ]; then
    cp "$DB" "$T/db/theirs.db" && chown 65534 "$T/db/theirs.db"
    run exec "$T/ok.rb" --db "$T/db/theirs.db"
    expect_rc "a database owned by another user: refused, exit 3" 3 "err:owned by uid 65534"
    mkdir -m 700 "$T/other" && chown 65534 "$T/other"
    run exec "$T/ok.rb" --db "$T/other/runs.db"
    expect_rc "a data directory owned by another user: refused, exit 3" 3 "err:owned by uid 65534"
fi

for cmd in "runs" "report last" "replay last" "resume last" "replay last --verify"; do
    # shellcheck disable=SC2086
    run $cmd --db "$T/typo/dir/x.db"
    expect_rc "$cmd --db /missing/dir/x.db: exit 3, clear error" 3 "err:no recording database"
    [ ! -e "$T/typo" ] && pass "$cmd: created no directory" || fail "$cmd: created no directory"
    rm -rf "$T/typo"
    # shellcheck disable=SC2086
    run $cmd --db "$T/db/none.db"
    expect_rc "$cmd on a missing database: exit 3" 3 "err:no recording database"
    [ ! -e "$T/db/none.db" ] && pass "$cmd: created no database" || fail "$cmd: created no database"
done
: >"$T/db/empty.db" && chmod 600 "$T/db/empty.db"
run runs --db "$T/db/empty.db"
expect_rc "runs on an empty file: not a runbook database, exit 3" 3 "err:not a runbook recording database"

# The database deleted mid-run: the next record fails, the next action never runs.
cat >"$T/del.rb" <<'EOF'
runbook "deleted mid-run" { severity P3 }
step a "A" { sh "rm -f \"$VICTIM\"" }
step b "B" { sh "touch \"$MARK\"" }
EOF
mkdir -m 700 "$T/del"
VICTIM=$T/del/runs.db MARK=$T/del/marker run exec "$T/del.rb" --db "$T/del/runs.db"
expect_rc "the database deleted mid-run: exit 3" 3 "err:was deleted" "err:stopping before the next action"
[ ! -e "$T/del/marker" ] && pass "deleted mid-run: the next action did not run" || fail "deleted mid-run: the next action did not run"
cat >"$T/swap.rb" <<'EOF'
runbook "replaced mid-run" { severity P3 }
step a "A" { sh "cp \"$VICTIM\" \"$VICTIM.new\" && mv \"$VICTIM.new\" \"$VICTIM\"" }
step b "B" { sh "touch \"$MARK\"" }
EOF
mkdir -m 700 "$T/swap"
VICTIM=$T/swap/runs.db MARK=$T/swap/marker run exec "$T/swap.rb" --db "$T/swap/runs.db"
expect_rc "the database replaced mid-run: exit 3" 3 "err:was replaced"
[ ! -e "$T/swap/marker" ] && pass "replaced mid-run: the next action did not run" || fail "replaced mid-run: the next action did not run"

# A read-only file system, in a private mount namespace (skipped where none can be made).
if command -v unshare >/dev/null 2>&1 && unshare -m true 2>/dev/null; then
    mkdir -p "$T/ro"
    unshare -m sh -c '
        mount -t tmpfs -o size=4m tmpfs "$1" || exit 9
        mkdir -m 700 "$1/d" && "$2" exec "$3" --db "$1/d/runs.db" >/dev/null 2>&1 || exit 8
        mount -o remount,ro "$1" || exit 9
        "$2" exec "$3" --db "$1/d/runs.db" >"$4/ro.out" 2>&1; echo $? >"$4/ro.rc"
        "$2" runs --db "$1/d/runs.db" >"$4/ro-runs.out" 2>&1; echo $? >"$4/ro-runs.rc"
    ' sh "$T/ro" "$RUNBOOK" "$T/ok.rb" "$T"
    if [ -f "$T/ro.rc" ]; then
        [ "$(cat "$T/ro.rc")" = 3 ] && grep -q "read-only file system" "$T/ro.out" \
            && pass "a read-only file system: exit 3, named as such" \
            || fail "a read-only file system: exit 3, named as such" "$(cat "$T/ro.rc" "$T/ro.out")"
        [ "$(cat "$T/ro-runs.rc")" = 0 ] && grep -q "INC-" "$T/ro-runs.out" \
            && pass "runs reads a database on a read-only file system" \
            || fail "runs reads a database on a read-only file system" "$(cat "$T/ro-runs.rc" "$T/ro-runs.out")"
    fi
fi

# ---- 3. the command line
before=$(n_runs "$DB")
run exec "$T/ok.rb" --set nope=1
expect_rc "--set of an undeclared param: exit 2, naming the declared ones" 2 "err:no param nope" "err:n, label"
run exec "$T/ok.rb" --set n=1e999
expect_rc "--set n=1e999: does not fit, exit 2, located" 2 "err:ok.rb:2:1: error: --set n=1e999: the number does not fit"
run exec "$T/ok.rb" --set n=-1e-999
expect_rc "--set n=-1e-999: does not fit, exit 2" 2 "err:does not fit"
run exec "$T/ok.rb" --incident ""
expect_rc "--incident \"\": exit 2" 2 "err:--incident"
run repl "$T/ok.rb" --set nope=1
expect_rc "repl FILE --set of an undeclared param: exit 2" 2 "err:no param nope"
: >"$T/empty.rb"
printf '# only a comment\n\n   # another\n' >"$T/comments.rb"
printf 'fn f() { return 1 }\n' >"$T/module.rb"
run exec "$T/empty.rb"
expect_rc "exec an empty file: exit 2, located" 2 "err:empty.rb:1:1: error: an empty runbook"
run exec "$T/comments.rb"
expect_rc "exec a file of comments: exit 2" 2 "err:an empty runbook"
run exec /dev/null
expect_rc "exec /dev/null: exit 2" 2 "err:not a regular file"
run exec "$T/module.rb"
expect_rc "exec a module: exit 2" 2 "err:a module, not a runbook"
[ "$(n_runs "$DB")" = "$before" ] && pass "refused command lines recorded nothing" || fail "refused command lines recorded nothing"

run exec "$T/ok.rb" --set n=ten
expect_rc "--set n=ten: not a number, exit 2" 2 "err:expected a number"
run exec "$T/ok.rb" --set n=1 --set n=2
expect_rc "--set twice for one name: the last wins" 0 "out:n=2 label=x"
run exec "$T/ok.rb" --clock virtual=2020-01-01T00:00:00Z --clock real
r=$("$RUNBOOK" report last --format json | q "d['run']['clock'], d['run']['started_at'] > '2021'")
[ "$rc" = 0 ] && [ "$r" = "real True" ] \
    && pass "--clock given twice: the last (real) wins" || fail "--clock given twice: the last (real) wins" "$r"
run exec "$T/ok.rb" --clock real --clock virtual=2020-01-01T00:00:00Z
r=$("$RUNBOOK" report last --format json | q "d['run']['clock'], d['run']['started_at']")
[ "$rc" = 0 ] && [ "$r" = "virtual 2020-01-01T00:00:00.000Z" ] \
    && pass "--clock given twice: the last (virtual=…) wins" || fail "--clock given twice: the last (virtual=…) wins" "$r"
for s in 0 0.001 1e7 nan inf -1; do
    run replay last --speed "$s"
    expect_rc "replay --speed $s: out of range, exit 2" 2 "err:from 0.01 to 1000000"
done
run replay last --speed 1000000
expect_rc "replay --speed 1000000: in range" 0

# ---- 4. control characters shown escaped, recorded exactly
cat >"$T/esc.rb" <<'EOF'
runbook "escapes" { severity P3 }
step a "A" { let x = ask("Name?") }
EOF
printf 'a\033]0;title\007b\033[2Jc\177d\302\233e\tf é\n' | timeout "$limit" "$RUNBOOK" exec "$T/esc.rb" >"$T/out" 2>"$T/err"
rc=$?
expect_rc "an answer with escape sequences: shown escaped" 0 'out:a\x1b]0;title\x07b\x1b[2Jc\x7fd\u009be' "out:	f é"
if LC_ALL=C grep -q "$(printf '\033')" "$T/out" || LC_ALL=C grep -q "$(printf '\302\233')" "$T/out"; then
    fail "no raw ESC or C1 byte reaches the terminal" "$(od -c "$T/out" | head)"
else
    pass "no raw ESC or C1 byte reaches the terminal"
fi
r=$("$RUNBOOK" report last --format json | q "[e['data']['answer'] for e in d['events'] if e['kind']=='answer'] == ['a\x1b]0;title\x07b\x1b[2Jc\x7fd\x9be\tf é']")
[ "$r" = True ] && pass "the record keeps the answer's exact bytes" || fail "the record keeps the answer's exact bytes" "$r"

# ---- the evaluator's part: notes, answers-file answers and command output shown escaped
cat >"$T/esc2.rb" <<'EOF2'
runbook "escapes 2" { severity P3 }
param m = 1 + 1
step a "A" {
  incident.severity = P2
  let x = ask("Name?")
  note "got #{x}"
  sh "printf 'out\\033]0;title\\007 \\302\\233x\\n'"
}
EOF2
printf '{"Name?": "a\\u001b[2Jb"}' >"$T/esc2.json"
run exec "$T/esc2.rb" --answers "$T/esc2.json"
expect_rc "an answers-file answer, a note and command output: shown escaped" 0 'out:? Name? → a\x1b[2Jb (answers)' \
    'out:got a\x1b[2Jb' 'out:out\x1b]0;title\x07 \u009bx'
LC_ALL=C grep -q "$(printf '\033')" "$T/out" && fail "no raw ESC in a run's output" "$(od -c "$T/out" | head)" \
    || pass "no raw ESC in a run's output"
r=$("$RUNBOOK" report last --format json | q "[e['data']['stdout'] for e in d['events'] if e['kind']=='sh.end'] == ['out\x1b]0;title\x07 \x9bx\n']")
[ "$r" = True ] && pass "the record keeps the command output's exact bytes" || fail "the record keeps the command output's exact bytes" "$r"
sum_before=$(cat "$DB" "$DB-wal" 2>/dev/null | cksum)
run replay last --verify
expect_rc "replay --verify of a run that changed its severity: verified, read-only" 0 "out:verified"
[ "$(cat "$DB" "$DB-wal" 2>/dev/null | cksum)" = "$sum_before" ] && pass "replay --verify left the database untouched" \
    || fail "replay --verify left the database untouched"
run exec "$T/esc2.rb" --answers "$T/esc2.json" --set m=1e999
expect_rc "--set m=1e999 for a param whose default is an expression: does not fit, exit 2" 2 "err:does not fit"
