#!/bin/sh
# bench/run.sh — `make bench`: runbook against the physical limits, measured in one run.
#
# Every benchmark times runbook and a baseline on this machine, now, and prints both and
# their ratio (runbook's cost / the baseline's cost: 1.0 is the limit, 2.0 twice as slow).
# Results go to a table on stdout and to $BENCH_OUT (default bench/results.json), so two
# runs (two binaries, two commits) can be compared.  Timing is by bench/timeit (the median
# of $BENCH_SAMPLES samples); memory is the peak RSS of the process.
#
#   RUNBOOK=path/to/runbook BENCH_DIR=build/bench sh bench/run.sh
set -eu

RUNBOOK=${RUNBOOK:-$PWD/runbook}
DIR=${BENCH_DIR:-$PWD/build/bench}
OUT=${BENCH_OUT:-$PWD/bench/results.json}
N=${BENCH_SAMPLES:-5}
TIMEIT=$DIR/timeit
SQLBASE=$DIR/sqlbase
W=$DIR/work
rm -rf "$W"
mkdir -p "$W"
DB=$W/runs.db
export RUNBOOK_DB=$DB

rows=$W/rows.tsv
: > "$rows"

# row NAME FIGURE UNIT BASELINE_FIGURE RATIO TARGET NOTE
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$rows"; }
calc() { awk "BEGIN { printf \"%.4g\", $1 }"; }

# ---- inputs
noop() {   # noop N FILE: N steps with empty bodies
    { echo 'runbook "noop" { severity P4 }'; i=1
      while [ "$i" -le "$1" ]; do echo "step s$i \"Step $i\" { }"; i=$((i + 1)); done; } > "$2"
}
noop 1 "$W/one.rb"
noop 1000 "$W/noop1k.rb"
noop 10000 "$W/noop10k.rb"
{ echo 'runbook "sh" { severity P4 }'; i=1
  while [ "$i" -le 100 ]; do echo "step s$i \"Step $i\" { sh \"true\" }"; i=$((i + 1)); done; } > "$W/sh100.rb"
cat > "$W/events100k.rb" <<'RB'
runbook "events" { severity P4 }
step loop "Many notes" {
  let i = 0
  while i < 99996 {
    note "event #{i}"
    i = i + 1
  }
}
RB

rb() { "$TIMEIT" -n "$N" -p "rm -f $DB $DB-wal $DB-shm" -- "$RUNBOOK" "$@"; }

# ---- 1. shell steps: 100 × sh "true" against 100 × sh -c true
set -- $(rb exec "$W/sh100.rb" --auto); t=$1
set -- $("$TIMEIT" -n "$N" -r 100 -- sh -c true); b=$1
row sh_100_steps "$(calc "$t * 1000")" ms "$(calc "$b * 1000")" "$(calc "$t / $b")" "<=1.3x" "100 x sh -c true"

# ---- 2, 3. no-op steps against the bare SQLite loop writing as many events (a process each)
for n in 1000 10000; do
    f=$W/noop$((n / 1000))k.rb
    ev=$((2 * n + 2))
    set -- $(rb exec "$f" --auto); t=$1
    set -- $("$TIMEIT" -n "$N" -p "rm -f $W/base.db*" -- "$SQLBASE" "$W/base.db" "$ev"); b=$1
    tgt=; [ "$n" = 1000 ] && tgt="<=30ms"
    row "noop_${n}_steps" "$(calc "$t * 1000")" ms "$(calc "$b * 1000")" "$(calc "$t / $b")" "$tgt" "sqlbase $ev events"
    [ "$n" = 10000 ] && eps=$(calc "$ev / $t")
done

# ---- 4. events/s (the 10k-step run) against the bare insert loop in one transaction
rm -f "$W"/base.db*
set -- $("$SQLBASE" "$W/base.db" 100000); beps=$2
rm -f "$W"/base.db*
set -- $("$SQLBASE" "$W/base.db" 20000 1); b1=$2
row events_per_s "$eps" ev/s "$beps" "$(calc "$beps / $eps")" ">=100000" "one commit per event: $b1 ev/s"

# ---- 5. lint: a large valid file (measure only)
{ echo 'runbook "lint" { severity P2 }'; i=1
  while [ "$i" -le 20000 ]; do
      printf 'step s%d "Step %d" {\n  let x = %d\n  if x > 3 { note "big #{x}" } else { sh "echo small" }\n  confirm "Go on with %d?" as ok%d\n}\n' "$i" "$i" "$i" "$i" "$i"
      i=$((i + 1))
  done; } > "$W/big.rb"
size=$(wc -c < "$W/big.rb")
# runbook's own work: without shellcheck, whose process (one per file, over 20,000 commands
# here) would otherwise be most of the time and, through timeit's children RSS, the memory.
set -- $("$TIMEIT" -n 3 -- "$RUNBOOK" lint --no-shellcheck "$W/big.rb"); t=$1; rss=$2
set -- $("$TIMEIT" -n 3 -- "$RUNBOOK" --version); vrss=$2
set -- $("$TIMEIT" -n 3 -- wc -l "$W/big.rb"); b=$1
row lint_mb_per_s "$(calc "$size / $t / 1e6")" MB/s "$(calc "$size / $b / 1e6")" "$(calc "$t / $b")" ">=50" "wc -l of the file; $size bytes"
row lint_mem_per_byte "$(calc "($rss - $vrss) * 1024 / $size")" B/B "" "" "<=4" "peak RSS above --version"
if command -v "${RUNBOOK_SHELLCHECK:-shellcheck}" > /dev/null 2>&1; then
    set -- $("$TIMEIT" -n 1 -- "$RUNBOOK" lint "$W/big.rb"); ts=$1
    row lint_with_shellcheck "$(calc "$ts * 1000")" ms "$(calc "$t * 1000")" "$(calc "$ts / $t")" "" "lint --no-shellcheck (1 sample)"
fi

# ---- 6. report and replay of a 100k-event run (virtual clock)
rm -f "$DB" "$DB-wal" "$DB-shm"
"$RUNBOOK" exec "$W/events100k.rb" --auto --clock virtual > /dev/null
evn=$(sqlite3 "$DB" 'select count(*) from events' 2>/dev/null || echo 100000)
set -- $("$TIMEIT" -n 3 -- sqlite3 -json "$DB" 'select * from events where run_id = 1'); b=$1
for what in "report_md:report 1 --format md" "report_json:report 1 --format json" \
            "replay:replay 1" "replay_verify:replay 1 --verify --quiet"; do
    name=${what%%:*}
    set -- $("$TIMEIT" -n 3 -- "$RUNBOOK" ${what#*:}); t=$1; rss=$2
    row "${name}_100k" "$(calc "$t * 1000")" ms "$(calc "$b * 1000")" "$(calc "$t / $b")" "<500ms" "sqlite3 -json; $evn events"
    row "${name}_100k_rss" "$(calc "$rss / 1024")" MiB "" "" "<30" ""
done

# ---- 7. startup: a one-step run and --version against sh -c true
set -- $("$TIMEIT" -n 11 -r 10 -- sh -c true); b=$1
set -- $("$TIMEIT" -n 11 -r 10 -- "$RUNBOOK" exec "$W/one.rb" --auto); t=$1; rss=$2
row startup_one_step "$(calc "$t * 100")" ms "$(calc "$b * 100")" "$(calc "$t / $b")" "<=5ms" "sh -c true"
row startup_one_step_rss "$(calc "$rss / 1024")" MiB "" "" "<=5" ""
set -- $("$TIMEIT" -n 11 -r 10 -- "$RUNBOOK" --version); t=$1
row startup_version "$(calc "$t * 100")" ms "$(calc "$b * 100")" "$(calc "$t / $b")" "" "sh -c true"

# ---- the table and the JSON
printf '%-24s %12s %-5s %12s %8s  %-9s %s\n' BENCHMARK RUNBOOK UNIT BASELINE RATIO TARGET "BASELINE IS"
awk -F'\t' '{ printf "%-24s %12s %-5s %12s %8s  %-9s %s\n", $1, $2, $3, $4, ($5 == "" ? "" : $5 "x"), $6, $7 }' "$rows"
rev=$(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo unknown)
awk -F'\t' -v rev="$rev" -v bin="$RUNBOOK" -v date="$(date -u +%Y-%m-%dT%H:%M:%SZ)" '
    function num(s) { return s == "" ? "null" : s }
    function str(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
    BEGIN { printf "{\n  \"commit\": %s, \"binary\": %s, \"date\": %s,\n  \"results\": [\n", str(rev), str(bin), str(date) }
    { printf "%s    {\"name\": %s, \"value\": %s, \"unit\": %s, \"baseline\": %s, \"ratio\": %s, \"target\": %s, \"baseline_is\": %s}",
             (NR > 1 ? ",\n" : ""), str($1), num($2), str($3), num($4), num($5), str($6), str($7) }
    END { printf "\n  ]\n}\n" }' "$rows" > "$OUT"
echo "results: $OUT"
