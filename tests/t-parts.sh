#!/bin/sh
# tests/t-parts.sh — a module's parts (shared phases, steps, ladders, timers) in a runbook:
# an error inside a part names both places; the record, replay, report and view say where
# each copied step came from; a run of the copies verifies against its own record.
. "$(dirname "$0")/lib.sh"

L=$TESTS/lang

# --- an error inside a shared phase: the module's line, and the use
"$RUNBOOK" lint "$L/parts/broken.rb" >"$T/out" 2>&1
want="$L/parts/../mod/parts.rb:43:18: error: undefined variable 'no_such_name' (used at $L/parts/broken.rb:8:1)"
if grep -qxF "$want" "$T/out" && sanitizer_clean "$T/out"; then
    pass "parts: an error inside a part names the module line and the use"
else
    fail "parts: an error inside a part names the module line and the use" "wanted: $want" "$(cat "$T/out")"
fi

# --- a run: the copied steps run under their ids, and the record says where they came from
mkdir -p "$T/w" && cp -r "$L/parts.rb" "$L/mod" "$T/w/"
printf 'y\ny\n' >"$T/in"
(cd "$T/w" && "$RUNBOOK" exec parts.rb --db "$T/w/r.db") <"$T/in" >"$T/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && sanitizer_clean "$T/out"; then pass "parts: the runbook runs"; else fail "parts: the runbook runs" "exit $rc" "$(tail -n 20 "$T/out")"; fi
grep -qF -- "-> [3/6] Acknowledge the alert (second_ack, from parts.rb:12)" "$T/out" \
    && pass "parts: the transcript names the step's origin" || fail "parts: the transcript names the step's origin" "$(cat "$T/out")"
steps=$("$RUNBOOK" report last --format json --db "$T/w/r.db" | python3 -c "
import json, sys
d = json.load(sys.stdin)
print(' '.join(e['data']['id'] + '@' + e['data'].get('from', '-') for e in d['events'] if e['kind'] == 'step.start'))")
want="ack@parts.rb:12 declare@parts.rb:19 second_ack@parts.rb:12 second_declare@parts.rb:19 close_the_incident@parts.rb:36 back@-"
[ "$steps" = "$want" ] && pass "parts: step.start records the origin of each copied step" \
    || fail "parts: step.start records the origin of each copied step" "got:  $steps" "want: $want"
"$RUNBOOK" report last --db "$T/w/r.db" >"$T/md" 2>&1
grep -qF 'Step started: Acknowledge the alert (from `parts.rb:12`)' "$T/md" \
    && pass "parts: the report shows where a step came from" || fail "parts: the report shows where a step came from" "$(grep 'Step started' "$T/md")"
"$RUNBOOK" replay last --db "$T/w/r.db" >"$T/rp" 2>&1
grep -qF -- '--- step second_declare: Declare the incident (from parts.rb:19) ---' "$T/rp" \
    && pass "parts: replay shows where a step came from" || fail "parts: replay shows where a step came from" "$(grep -- '--- step' "$T/rp")"
(cd "$T/w" && "$RUNBOOK" replay last --verify --db "$T/w/r.db") >"$T/v" 2>&1 \
    && pass "parts: the expansion is deterministic (replay --verify)" || fail "parts: the expansion is deterministic (replay --verify)" "$(tail -n 10 "$T/v")"
"$RUNBOOK" view "$T/w/parts.rb" >"$T/view" 2>&1
grep -qF 'Id: `second_ack` · From: parts.rb:12 (`parts.detection`)' "$T/view" \
    && pass "parts: view shows where a step came from" || fail "parts: view shows where a step came from" "$(grep 'Id:' "$T/view")"
