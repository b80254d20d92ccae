# tests/play.sh — sourced by t-playbooks.sh and t-handbook.sh (after tests/lib.sh), which set
# RB (the runbooks), ANSWERS (the answers files), START (the virtual clock) and STUB_LOG.
#   play RUNBOOK ANSWERS [VAR=VALUE…] [-- EXEC-ARGS…]  one run on the virtual clock with a
#        fresh database and an empty stub log; transcript in $T/out, exit status in $rc
#   report                                           that run's record as JSON
play() {
    _rb=$1; _ans=$2; shift 2
    : >"$STUB_LOG"
    DB=$T/$(basename "$_ans" .json).db
    rm -f "$DB" "$DB-wal" "$DB-shm"
    (
        while [ $# -gt 0 ] && [ "$1" != "--" ]; do export "$1"; shift; done
        [ "${1:-}" = "--" ] && shift
        exec "$RUNBOOK" exec "$RB/$_rb" --clock "virtual=$START" --answers "$ANSWERS/$_ans" --db "$DB" "$@"
    ) >"$T/out" 2>&1 </dev/null
    rc=$?
}
report() { "$RUNBOOK" report last --format json --db "$DB"; }
