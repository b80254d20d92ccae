#!/bin/sh
# tests/t-repl.sh — the REPL in a real terminal (tmux): evaluation, completion, multi-line
# input, stepping with side effects on disk, a timer firing while idle at the prompt without
# losing the typed text, errors that do not end the session, Ctrl-C and Ctrl-D, history
# across sessions, and the session recorded as a run.
. "$(dirname "$0")/lib.sh"
if ! command -v tmux >/dev/null 2>&1; then
    fail "repl: tmux is installed (tools/deps.sh installs it)"
    exit 0
fi
S=rbrepl$$
export RUNBOOK_DB=$T/runs.db XDG_STATE_HOME=$T/state
tmux_() { tmux -L "$S" "$@"; }
trap 'tmux_ kill-server 2>/dev/null; rm -rf "$T"' EXIT

screen() { tmux_ capture-pane -p -t repl; }
# wait_for TEXT [SECONDS]: until TEXT is on the screen
wait_for() {
    i=0; n=$(( ${2:-5} * 10 ))
    while [ $i -lt $n ]; do
        screen | grep -qF -- "$1" && return 0
        sleep 0.1; i=$((i+1))
    done
    return 1
}
type_() { tmux_ send-keys -t repl -l -- "$1"; }
key() { tmux_ send-keys -t repl "$@"; }
start() { # start [FILE]
    tmux_ kill-server 2>/dev/null
    i=0; while tmux_ has-session 2>/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done
    sleep 0.2
    tmux_ new-session -d -s repl -x 120 -y 40 "cd '$T' && RUNBOOK_DB='$RUNBOOK_DB' XDG_STATE_HOME='$XDG_STATE_HOME' '$RUNBOOK' repl $*; echo REPL-EXIT=\$?; sleep 60"
    wait_for "runbook>" 10
}
check_screen() { # check_screen NAME TEXT [SECONDS]
    if wait_for "$2" "${3:-5}"; then pass "$1"; else fail "$1" "not on the screen: $2" "$(screen | tail -n 15)"; fi
}

# --- evaluation, multi-line input, errors
start
check_screen "repl: starts with a prompt" "runbook>"
type_ '1 + 2'; key Enter
check_screen "repl: an expression's value is printed" "=> 3"
type_ 'fn twice(x) {'; key Enter
check_screen "repl: an open block asks for more" "...>"
type_ '  return x * 2'; key Enter
type_ '}'; key Enter
type_ 'twice(21)'; key Enter
check_screen "repl: a multi-line function works" "=> 42"
type_ 'let = 5'; key Enter
check_screen "repl: a syntax error is shown with its location" "<repl:" 
type_ '"still" + " here"'; key Enter
check_screen "repl: the session goes on after an error" '=> "still here"'
type_ 'nosuch(1)'; key Enter
check_screen "repl: a run-time error is reported" "error"
type_ '2 * 21'; key Enter
check_screen "repl: ...and the session goes on" "=> 42"

# --- completion
type_ ':ste'; key Tab
check_screen "repl: Tab completes commands" ":steps"
key C-u
type_ 'twi'; key Tab
check_screen "repl: Tab completes function names" "twice"
key C-u

# --- Ctrl-C cancels the line, Ctrl-D leaves
type_ 'this line is abandoned'; key C-c
check_screen "repl: Ctrl-C cancels the line" "^C"
type_ '7 * 6'; key Enter
check_screen "repl: a prompt again after Ctrl-C" "=> 42"
key C-d
check_screen "repl: Ctrl-D leaves" "REPL-EXIT=0"

# --- history across sessions
grep -q 'twice(21)' "$XDG_STATE_HOME/runbook/history" 2>/dev/null && pass "repl: history kept in XDG_STATE_HOME" \
    || fail "repl: history file" "$(ls -R "$XDG_STATE_HOME" 2>&1)"
start
key Up
check_screen "repl: history recalled in a new session" "7 * 6"
key C-u

# --- stepping a runbook, with side effects on disk
type_ ":load $TESTS/repl/steps.rb"; key Enter
check_screen "repl: :load a runbook" "loaded"
type_ ':steps'; key Enter
check_screen "repl: :steps lists the steps" "second"
type_ ':next'; key Enter
check_screen "repl: :next runs the current step" "first"
# The step's header is on the screen before its command has run: wait (up to 5 s) for it.
i=0
while [ "$(cat "$T/repl-effects.log" 2>/dev/null)" != "first db-1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(cat "$T/repl-effects.log" 2>/dev/null)" = "first db-1" ] && pass "repl: the step's command ran (side effect on disk)" \
    || fail "repl: step side effect" "$(cat "$T/repl-effects.log" 2>&1)"
type_ ':break third'; key Enter
type_ ':run'; key Enter
check_screen "repl: a step prompts in the terminal" "Which region?"
type_ 'eu-west-1'; key Enter
check_screen "repl: :run stops at the breakpoint" "breakpoint"
[ "$(tr '\n' ' ' <"$T/repl-effects.log")" = "first db-1 second eu-west-1 " ] && pass "repl: :run ran up to the breakpoint" \
    || fail "repl: :run side effects" "$(cat "$T/repl-effects.log")"
type_ ':vars'; key Enter
check_screen "repl: :vars shows variables" "eu-west-1"
type_ ':goto first'; key Enter
check_screen "repl: :goto moves the current step" "now first"
type_ ':quit'; key Enter
check_screen "repl: :quit leaves" "REPL-EXIT=0"

# --- a timer fires while idle at the prompt, above the line being typed
start "$TESTS/repl/ticking.rb" --clock real   # drill mode keeps the real clock when asked
type_ 'let half = '
check_screen "repl: the timer fires while idle" "tick from the timer" 5
check_screen "repl: the typed text survives the timer" "runbook> let half =" 2
type_ '1'; key Enter
key Enter
type_ 'half + 1'; key Enter
check_screen "repl: the line still works after timers fired" "=> 2"
type_ ':timers'; key Enter
check_screen "repl: :timers shows the pending timer" "every 1s"
key C-d
wait_for "REPL-EXIT" 5

# --- the sessions are recorded as runs
n=$("$RUNBOOK" runs --format json | python3 -c "import json,sys; print(sum(1 for r in json.load(sys.stdin) if r.get('title') in ('REPL session','REPL stepping','Timers while idle')))")
[ "${n:-0}" -ge 3 ] && pass "repl: every session is a recorded run ($n)" || fail "repl: sessions in runs" "$n"
r=$("$RUNBOOK" report last --format json | python3 -c "import json,sys; d=json.load(sys.stdin); print(sum(1 for e in d['events'] if e['kind']=='repl.input'))")
[ "${r:-0}" -ge 1 ] && pass "repl: typed inputs are in the record" || fail "repl: inputs recorded" "$r"

# --- rehearsal does not page people: the REPL is a drill unless --live (issue 12)
python3 "$TESTS/tools/httpd.py" --port-file "$T/port" --log "$T/hooks.log" --max-seconds 120 &
srv=$!
i=0; while [ ! -s "$T/port" ] && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
HTTPD=http://127.0.0.1:$(cat "$T/port"); SLACK_WEBHOOK=$HTTPD/hook/slack
export HTTPD SLACK_WEBHOOK
: >"$T/hooks.log"
start "$TESTS/repl/notify.rb"
check_screen "repl drill: the banner says drill mode" "drill mode: virtual clock"
type_ ':run'; key Enter
check_screen "repl drill: the notification is logged as [drill]" "[drill] status update to the status channel (slack): not sent"
check_screen "repl drill: a direct POST is not sent either" "[drill: not sent]"
type_ ':quit'; key Enter
wait_for "REPL-EXIT" 5
[ ! -s "$T/hooks.log" ] && pass "repl drill: the webhook server received nothing" || fail "repl drill: sent" "$(cat "$T/hooks.log")"
start "$TESTS/repl/notify.rb" --live
type_ ':run'; key Enter
check_screen "repl --live: the notification is sent" "[sent] status update to the status channel (slack)"
type_ ':quit'; key Enter
wait_for "REPL-EXIT" 5
[ "$(grep -c '"path": "/hook/' "$T/hooks.log")" = 2 ] && pass "repl --live: the webhook server received both requests" \
    || fail "repl --live: requests" "$(cat "$T/hooks.log")"
: >"$T/hooks.log"
(cd "$T" && "$RUNBOOK" exec "$TESTS/repl/notify.rb" --drill --db "$T/drill.db") >"$T/drill.out" 2>&1; rc=$?
[ $rc -eq 0 ] && [ ! -s "$T/hooks.log" ] && grep -q '(drill: notifications are logged, not sent)' "$T/drill.out" \
    && grep -q '\[drill\] status update' "$T/drill.out" && pass "exec --drill: a full rehearsal sends nothing, says so" \
    || fail "exec --drill" "exit $rc" "$(cat "$T/drill.out" "$T/hooks.log")"
c=$("$RUNBOOK" runs --db "$T/drill.db" --format json | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['clock'])")
[ "$c" = virtual ] && pass "exec --drill: on the virtual clock" || fail "exec --drill: clock" "$c"
kill "$srv" 2>/dev/null

# --- :timers shows the time left as 14m52s (a drill: the virtual clock moves with wait)
printf 'runbook "Timers left" { severity P3 }\nevery 15m { note "update" }\nstep a "A" {\n  note "a"\n}\n' >"$T/left.rb"
start "$T/left.rb"
type_ 'wait 8s'; key Enter
type_ ':timers'; key Enter
check_screen "repl: :timers shows the time left as 14m52s" "in 14m52s"
type_ ':quit'; key Enter
wait_for "REPL-EXIT" 5
