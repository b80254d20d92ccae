#!/bin/sh
# tests/t-term.sh — the terminal at 3 a.m. (issue 12), in a real terminal (tmux): colour on
# a terminal (✓ green, ✗ and errors red, warnings and escalations yellow, questions bold),
# none with NO_COLOR or --no-color; a timer message during a `choose` menu redraws the menu
# under it.
. "$(dirname "$0")/lib.sh"
if ! command -v tmux >/dev/null 2>&1; then
    fail "term: tmux is installed (tools/deps.sh installs it)"
    exit 0
fi
S=rbterm$$
tmux_() { tmux -L "$S" "$@"; }
trap 'tmux_ kill-server 2>/dev/null; rm -rf "$T"' EXIT
F=$TESTS/term/colour.rb
unset NO_COLOR   # tests/run.sh sets it for every other test; colour is what is tested here
ESC=$(printf '\033')

# run ENV… -- ARGS…: the runbook in a fresh 120x40 terminal
run() {
    tmux_ kill-server 2>/dev/null
    sleep 0.2
    tmux_ new-session -d -s t -x 120 -y 40 "cd '$T' && env $1 '$RUNBOOK' exec '$F' --db '$T/db' $2; echo TERM-EXIT=\$?; sleep 60"
}
screen() { tmux_ capture-pane -e -p -t t; }   # -e: with the escape sequences
wait_for() { # wait_for TEXT [SECONDS]
    i=0; n=$(( ${2:-5} * 10 ))
    while [ $i -lt $n ]; do
        screen | grep -qF -- "$1" && return 0
        sleep 0.1; i=$((i+1))
    done
    return 1
}
has() { screen | grep -qF -- "$1"; }

run "" ""
wait_for "What now?" 10
tmux_ send-keys -t t 2 Enter   # skip the failed step
if wait_for "Which way?" 10; then pass "term: the run reaches the choose menu"; else fail "term: choose menu" "$(screen | tail)"; fi
has "${ESC}[32m✓" && pass "term: ✓ is green" || fail "term: green ✓" "$(screen | cat -v | grep 'exit 0')"
has "${ESC}[31m✗" && pass "term: ✗ is red" || fail "term: red ✗" "$(screen | cat -v | grep 'exit 1')"
screen | grep -F "${ESC}[31m" | grep -qF 'error' && pass "term: the error is red" || fail "term: red error" "$(screen | cat -v | grep error)"
has "${ESC}[33m⚠ warning: careful" && pass "term: the warning is yellow" || fail "term: yellow warning" "$(screen | cat -v | grep careful)"
has "${ESC}[33m⏱ ladder rung" && pass "term: the escalation is yellow" || fail "term: yellow escalation" "$(screen | cat -v | grep rung)"
screen | grep -F "? Which way?" | grep -qF "${ESC}[1m" && pass "term: the question is bold" || fail "term: bold question" "$(screen | cat -v | grep Which)"
# the every-1s timer fires while the menu waits: the menu is drawn again under its message
if wait_for "tick" 5 && sleep 1.2 && screen | sed 's/\x1b\[[0-9;]*m//g' | grep -v '^$' | tail -4 | tr '\n' '|' \
    | grep -q '^? Which way?|  1) left|  2) right|  choice'; then
    pass "term: a timer message during a choose menu redraws the menu under it"
else
    fail "term: menu redrawn" "$(screen | sed 's/\x1b\[[0-9;]*m//g' | grep -v '^$' | tail -8)"
fi
tmux_ send-keys -t t 2 Enter
if wait_for "picked right" 5; then pass "term: the redrawn menu still takes the answer"; else fail "term: answer after redraw" "$(screen | tail)"; fi

run "NO_COLOR=1" ""
wait_for "What now?" 10
if screen | grep -q "$ESC\["; then fail "term: NO_COLOR: no colour" "$(screen | cat -v | grep -m3 '\^\[')"; else pass "term: NO_COLOR=1: no colour"; fi
run "" "--no-color"
wait_for "What now?" 10
if screen | grep -q "$ESC\["; then fail "term: --no-color: no colour" "$(screen | cat -v | grep -m3 '\^\[')"; else pass "term: --no-color: no colour"; fi
tmux_ kill-server 2>/dev/null
"$RUNBOOK" exec "$F" --db "$T/db2" --answers /dev/null >"$T/pipe.out" 2>&1 </dev/null
if grep -q "$ESC\[" "$T/pipe.out"; then fail "term: not a terminal: no colour" "$(cat -v "$T/pipe.out" | head)"; else pass "term: not a terminal: no colour"; fi

# --- durations as people read them: runs shows 47m and 1h 12m
printf 'runbook "Short" { severity P3 }\nstep a "A" {\n  wait 47m\n}\n' >"$T/short.rb"
printf 'runbook "Long" { severity P3 }\nstep a "A" {\n  wait 72m\n}\n' >"$T/long.rb"
"$RUNBOOK" exec "$T/short.rb" --db "$T/dur.db" --clock virtual=2026-01-01T00:00:00Z >/dev/null 2>&1
"$RUNBOOK" exec "$T/long.rb" --db "$T/dur.db" --clock virtual=2026-01-01T00:00:00Z >/dev/null 2>&1
r=$("$RUNBOOK" runs --db "$T/dur.db" | sed -n 's/.*T00:00:00 *\(.*[0-9][smhd]\)  .*/\1/p' | tr '\n' '|')
[ "$r" = "1h 12m|47m|" ] && pass "runs: durations read 47m and 1h 12m" || fail "runs: durations" "$r" "$("$RUNBOOK" runs --db "$T/dur.db")"

# --- wait until: one status line with the attempt count and the last result, every attempt recorded
F=$TESTS/term/poll.rb
rm -f "$T/flag"
run "" "--db '$T/poll.db'"
if wait_for "attempt 3" 10; then pass "wait until: the status line counts attempts"; else fail "wait until: attempts" "$(screen | tail -5)"; fi
n=$(screen | grep -c 'waiting until')
[ "$n" = 1 ] && ! screen | grep -q '\$ test -f flag' && screen | grep -q 'last: exit 1 in' \
    && pass "wait until: one updating line with the last result, no \$/✗ pair per poll" || fail "wait until: one line" "$(screen | sed 's/\x1b\[[0-9;]*m//g' | grep -v '^$')"
touch "$T/flag"
if wait_for "flag seen" 10; then pass "wait until: ends when the condition holds"; else fail "wait until: end" "$(screen | tail -5)"; fi
screen | grep -q 'condition met after [0-9]* attempts' && pass "wait until: the outcome with the attempt count" || fail "wait until: outcome" "$(screen | tail -5)"
wait_for "TERM-EXIT" 10
k=$(sqlite3 "$T/poll.db" "SELECT count(*) FROM events WHERE kind='sh.start'")
p=$(sqlite3 "$T/poll.db" "SELECT json_extract(data, '$.polls') FROM events WHERE kind='wait.end'")
[ "${k:-0}" -ge 4 ] && [ "$k" = "$p" ] && pass "wait until: the record keeps every attempt ($k)" || fail "wait until: recorded attempts" "$k sh.start, $p polls"
tmux_ kill-server 2>/dev/null

# readline is loaded when a line is first edited on a terminal (rl.c): a run that asks
# nothing on a terminal never maps it, and without it the prompts read plain lines
printf 'runbook "Maps" { severity P4 }\nstep s "S" { sh "grep -c libreadline /proc/$PPID/maps || true" readonly }\n' >"$T/maps.rb"
"$RUNBOOK" exec "$T/maps.rb" --db "$T/maps.db" >"$T/maps.out" 2>&1
n=$(sqlite3 "$T/maps.db" "SELECT json_extract(data, '\$.stdout') FROM events WHERE kind='sh.end'")
[ "$n" = 0 ] && pass "term: a run that edits no line does not load libreadline" || fail "term: libreadline mapped" "'$n'" "$(cat "$T/maps.out")"
F=$TESTS/term/colour.rb
run "RUNBOOK_LIBREADLINE=$T/no-such-readline.so" "--no-color"
if wait_for "What now?" 10; then
    tmux_ send-keys -t t 2 Enter
    wait_for "Which way?" 10 && tmux_ send-keys -t t 2 Enter
fi
if wait_for "picked right" 10; then pass "term: without libreadline the terminal prompts read plain lines"; else fail "term: no readline" "$(screen | tail)"; fi
tmux_ kill-server 2>/dev/null
