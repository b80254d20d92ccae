#!/bin/sh
# tests/t-stats.sh — `runbook stats` over three incidents on the virtual clock: a P1 that
# met its targets (acknowledged at 4m, resolved at 34m, detected 3m after impact), a P1
# that missed both (acknowledged at 20m after the backup was paged, resolved after 5h),
# and a P2 left open past its resolve target; the table, the JSON and --since.
. "$(dirname "$0")/lib.sh"
ST=$TESTS/stats
export RUNBOOK_DB=$T/db
ans() { printf '{"ack": {"answer": "yes", "after": "%s"}}' "$1" >"$T/a.json"; }
ans 4m
"$RUNBOOK" exec "$ST/p1.rb" --clock virtual=2026-03-01T10:00:00Z --answers "$T/a.json" \
    --set impact_started_at=2026-03-01T09:57:00Z --auto >"$T/o" 2>&1 || fail "run 1" "$(cat "$T/o")"
ans 20m
"$RUNBOOK" exec "$ST/p1.rb" --clock virtual=2026-03-02T10:00:00Z --answers "$T/a.json" --set fix_time=5h \
    --auto >"$T/o" 2>&1 || fail "run 2" "$(cat "$T/o")"
ans 10m
"$RUNBOOK" exec "$ST/p2.rb" --clock virtual=2026-03-03T10:00:00Z --answers "$T/a.json" --auto >"$T/o" 2>&1 \
    || fail "run 3" "$(cat "$T/o")"
"$RUNBOOK" stats >"$T/text" 2>&1 && pass "stats: exit 0" || fail "stats" "$(cat "$T/text")"
grep -q '^3 incidents (3 runs)' "$T/text" && pass "stats: counts the incidents" || fail "count" "$(cat "$T/text")"
grep -Eq '^P1 +2 +2 +12m +1 met/1 missed +2 +2h 57m +1 met/1 missed' "$T/text" \
    && pass "stats: P1 row (MTTA 12m, MTTR 2h 57m, one target met and one missed each)" || fail "P1 row" "$(cat "$T/text")"
grep -Eq '^P2 +1 +1 +10m +1 met/0 missed +0 +— +0 met/1 missed' "$T/text" \
    && pass "stats: P2 row (open past its resolve target: missed)" || fail "P2 row" "$(cat "$T/text")"
grep -Eq '^Mean time to detect \(MTTD\) +< 5m +3m +met' "$T/text" && pass "stats: MTTD from impact_started_at" || fail "MTTD" "$(cat "$T/text")"
grep -Eq '^First-contact resolution +>= 80% +50% +missed' "$T/text" \
    && pass "stats: first-contact resolution (the escalated P1 is not)" || fail "FCR" "$(cat "$T/text")"
"$RUNBOOK" stats --format json >"$T/json" 2>&1
python3 - "$T/json" <<'PY' && pass "stats --format json: the same figures" || fail "json" "$(cat "$T/json")"
import json, sys
d = json.load(open(sys.argv[1]))
p1 = [s for s in d["by_severity"] if s["severity"] == "P1"][0]
assert d["incidents"] == 3 and p1["mtta_s"] == 720 and p1["respond_missed"] == 1 and p1["resolve_met"] == 1, d
k = {x["name"]: x for x in d["kpis"]}
assert k["Mean time to detect (MTTD)"]["actual"] == 180 and k["Mean time to detect (MTTD)"]["verdict"] == "met", k
assert abs(k["Escalation frequency"]["actual"] - 1 / 3) < 1e-9, k
PY
"$RUNBOOK" stats --since 2026-03-02 >"$T/since" 2>&1
grep -q '^2 incidents (2 runs) since 2026-03-02' "$T/since" && pass "stats --since DATE" || fail "since" "$(cat "$T/since")"
"$RUNBOOK" stats --since yesterday >"$T/bad" 2>&1; [ $? -eq 2 ] && pass "stats --since garbage: usage error" || fail "since garbage"
