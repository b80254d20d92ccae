#!/bin/sh
# tests/t-resume-prop.sh — seeded property test of crash recovery (issue 12): every shipped
# P1 playbook and declare-incident (stubs, answers with random delays, so rungs and status
# updates fire during prompts and waits) and a real-clock runbook whose timers fire during
# commands, HTTP calls and waits, SIGKILLed at random instants, then resumed
# non-interactively: the run ends, no completed command, request or mail is repeated
# (counted in the stub log and at the local HTTP server and SMTP sink), and
# `replay --verify` of the resumed run passes.  See tests/tools/resume_prop.py.
#
#   KILLS=N (default 40; LONG=1: 200)   SEED=S (default: from the clock; printed)
#   ONLY=N: only attempt N of that seed (a failure prints the line to re-run it)   KEEP=DIR
#   PROP_JOBS=N: attempts side by side (default 4), each worker with its own local server
#   CUTS=1: instead of a kill at a random instant, cut the finished run's record after a
#   drawn event and resume that (tests/t-resume-cuts.sh): every prefix, without the timing
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$TESTS/.." && pwd)
case $RUNBOOK in /*) ;; */*) RUNBOOK=$(pwd)/$RUNBOOK ;; esac
SEED=${SEED:-$(date +%s)}
if [ "${LONG:-0}" = 1 ]; then KILLS=${KILLS:-200}; else KILLS=${KILLS:-40}; fi
for v in $(env | sed -n 's/^\(STUB_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

KEEP=${KEEP:-$T/prop}
mkdir -p "$KEEP"
python3 "$TESTS/tools/resume_prop.py" --runbook "$RUNBOOK" --root "$ROOT" --tmp "$KEEP" --kills "$KILLS" \
    --seed "$SEED" --only "${ONLY:-0}" --jobs "${PROP_JOBS:-4}" ${CUTS:+--cuts} >"$T/prop.out" 2>&1
rc=$?
grep -v '^ok - ' "$T/prop.out" | sed 's/^#/ /'
n=$(grep -c '^ok - ' "$T/prop.out")
if [ $rc -eq 0 ]; then
    if [ -n "${CUTS:-}" ]; then pass "resume property: $n records cut after a drawn event (seed $SEED): every run resumed, verified"
    else pass "resume property: $n kill points (seed $SEED): every run resumed, nothing repeated, verified"; fi
else
    fail "resume property (seed $SEED; re-run with SEED=$SEED ${CUTS:+CUTS=1 }KEEP=DIR to keep the failing runs)"
fi
