#!/bin/sh
# tests/t-time.sh — escalation ladders, recurring timers, deadlines and waits, asserted to
# the exact virtual minute (--clock virtual), plus one real-clock test that a timer fires
# while the runbook sits at a prompt.  Nothing here depends on the machine's speed.
. "$(dirname "$0")/lib.sh"
py_start
TM=$TESTS/time
export RUNBOOK_DB=$T/runs.db
START=2026-01-01T00:00:00Z

q() { pyc "import json,sys; d=json.load(sys.stdin); print($1)"; }
# minutes KINDS: "MM:SS kind text" lines of the last run for the event kinds given
minutes() {
    "$RUNBOOK" report last --format json | pyc "
import json,sys
d=json.load(sys.stdin); kinds=sys.argv[1].split(',')
for e in d['events']:
    if e['kind'] in kinds:
        s=int(round(e['elapsed_s'])); print('%d:%02d %s %s' % (s//60, s%60, e['kind'], e['text']))" "$1"
}
vrun() { # vrun FILE ANSWERS-JSON [ARGS...]
    _file=$1; _ans=$2; shift 2
    printf '%s' "$_ans" >"$T/answers.json"
    "$RUNBOOK" exec "$TM/$_file" --clock "virtual=$START" --answers "$T/answers.json" "$@" >"$T/out" 2>&1
    rc=$?
}
same() { # same NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected:" "$2" "got:" "$3"; fi
}

# --- a late acknowledgement (20m): the backup is paged at 15m, the target is missed
vrun ladder.rb '{"ack": {"answer": "yes", "after": "20m"}, "fixed": {"answer": "yes", "after": "50m"}}'
[ $rc -eq 0 ] && pass "late ack: run finishes" || fail "late ack: run finishes" "$(tail "$T/out")"
same "late ack: every rung and update at its minute" "0:00 escalation escalation rung at 0s
15:00 escalation escalation rung at 15m
15:00 timer every 15m (+15m)
15:00 deadline.missed response target missed: not acknowledged within 15m
30:00 escalation escalation rung at 30m
30:00 timer every 15m (+30m)
45:00 timer every 15m (+45m)
60:00 escalation escalation rung at 1h
60:00 timer every 15m (+1h)" "$(minutes escalation,escalation.skipped,timer,deadline.missed)"
same "late ack: answers arrive after their delay" "20:00 answer Acknowledged? → yes
70:00 answer Fixed? → yes" "$(minutes answer)"
r=$("$RUNBOOK" report last --format json | q "d['run']['clock'], d['run']['started_at'], d['run']['ended_at']")
same "late ack: virtual times in the record" "virtual 2026-01-01T00:00:00.000Z 2026-01-01T01:10:00.000Z" "$r"

# --- an early acknowledgement (5m): the unless-acknowledged rung is skipped, target met
vrun early.rb '{"ack": {"answer": "yes", "after": "5m"}}'
same "early ack: the backup rung is skipped, the others fire" "0:00 escalation ladder rung at 0s
15:00 escalation.skipped ladder rung at 15m skipped (unless acknowledged)
30:00 escalation ladder rung at 30m" "$(minutes escalation,escalation.skipped,deadline.missed)"

# --- resolution stops the ladder and the until-resolved updates
vrun resolve.rb '{}'
same "resolution stops every rung and update" "0:00 escalation escalation rung at 0s
10:00 timer every 10m (+10m)
20:00 timer every 10m (+20m)" "$(minutes escalation,timer)"
r=$(minutes wait.end | tail -n 1)
same "resolution: the run goes on to its end" "85:00 wait.end waited" "$r"

# --- phase- and step-scoped timers start with their phase/step and end with it
vrun scoped.rb '{}'
same "scoped: rungs and ticks relative to their phase/step, cancelled at its end" "0:00 wait 2m
2:00 wait.end waited
2:00 wait 12m
4:00 timer every 2m (+2m)
6:00 escalation escalation rung at 4m
6:00 timer every 2m (+4m)
7:00 deadline.missed deadline missed: step b did not finish within 5m
10:00 escalation phase ladder rung at 10m
14:00 wait.end waited
14:00 wait 30m
44:00 wait.end waited" "$(minutes escalation,timer,deadline.missed,wait,wait.end)"
case "$(cat "$T/out")" in *"never: the step ends first"*) fail "scoped: a step's rung dies with the step" ;; *) pass "scoped: a step's rung dies with the step" ;; esac
case "$(minutes deadline.missed)" in *"phase Response"*) fail "scoped: the phase met its deadline (14m < 20m)" "$(minutes deadline.missed)" ;; *) pass "scoped: the phase met its deadline (14m < 20m)" ;; esac

# --- wait until: polls every minute, gives up at the timeout and fails the step
vrun waituntil.rb '{}' --auto
[ $rc -eq 1 ] && pass "wait until timeout fails the step" || fail "wait until: exit $rc" "$(cat "$T/out")"
same "wait until: gave up at exactly 5m" "5:00 wait.end timed out" "$(minutes wait.end)"
r=$("$RUNBOOK" report last --format json | q "[e['data']['polls'] for e in d['events'] if e['kind']=='wait.end'][0]")
same "wait until: polled at 0..5m" "6" "$r"

# --- repeat every: the ladder starts over
vrun repeat.rb '{}'
same "repeat every 20m: rounds at 0, 20 and 40 minutes (the wait ends at 45m)" "0:00 escalation escalation rung at 0s
5:00 escalation escalation rung at 5m
20:00 escalation escalation rung at 0s, round 2
25:00 escalation escalation rung at 5m, round 2
40:00 escalation escalation rung at 0s, round 3
45:00 escalation escalation rung at 5m, round 3" "$(minutes escalation)"

# --- virtual runs take no real time, and are the same every time
vrun ladder.rb '{"ack": {"answer": "yes", "after": "20m"}, "fixed": {"answer": "yes", "after": "50m"}}'
a=$(minutes escalation,timer,deadline.missed,answer,state)
vrun ladder.rb '{"ack": {"answer": "yes", "after": "20m"}, "fixed": {"answer": "yes", "after": "50m"}}'
same "virtual runs are deterministic" "$a" "$(minutes escalation,timer,deadline.missed,answer,state)"

# --- the real clock: a timer fires while the runbook waits at a prompt
( sleep 2.5; echo yes ) | "$RUNBOOK" exec "$TM/tick.rb" >"$T/out" 2>&1
rc=$?
r=$("$RUNBOOK" report last --format json | q "[e['kind'] for e in d['events'] if e['kind'] in ('prompt','timer','answer')]")
case "$r" in "['prompt', 'timer'"*"'answer']") pass "real clock: a timer fired while the prompt waited" ;; *) fail "real clock: timer at a prompt" "$r" "$(cat "$T/out")" ;; esac
[ $rc -eq 0 ] && pass "real clock: the run finishes" || fail "real clock: exit $rc"
