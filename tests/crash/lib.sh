# tests/crash/lib.sh — sourced by t-crash.sh and t-crash-timers.sh (after tests/lib.sh): start a
# run in the background, wait for an event, kill it, check integrity, resume it.
py_start
CR=$TESTS/crash
q() { pyc "import json,sys; d=json.load(sys.stdin); print($1)"; }

# start DIR FILE [ARGS]: exec in the background with stdin from a FIFO that stays open
start() {
    dir=$1; f=$2; shift 2
    mkdir -p "$dir"
    mkfifo "$dir/in"
    (cd "$dir" && exec "$RUNBOOK" exec "$CR/$f" --db "$dir/db" "$@" <"$dir/in" >"$dir/out" 2>&1) &
    pid=$!
    exec 7>"$dir/in"          # hold the FIFO open so reads block instead of ending
}
# until_event DIR KIND: wait (at most 10 s) for an event of that kind in the record
until_event() {
    i=0
    while [ $i -lt 100 ]; do
        n=$(sqlite3 "$1/db" "SELECT count(*) FROM events WHERE kind='$2'" 2>/dev/null || echo 0)
        [ "${n:-0}" -gt 0 ] && return 0
        sleep 0.1; i=$((i+1))
    done
    return 1
}
kill9() { kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; exec 7>&-; sleep 0.2; }
# kill_group DIR: SIGKILL the process group of the last command the run started (it
# outlives the kill of runbook itself); only this run's group, never another script's
kill_group() {
    _pg=$(sqlite3 "$1/db" "SELECT json_extract(data, '$.pgid') FROM events WHERE kind='sh.start' ORDER BY seq DESC LIMIT 1" 2>/dev/null)
    [ -n "$_pg" ] && [ "$_pg" -gt 1 ] 2>/dev/null && kill -9 -"$_pg" 2>/dev/null
    sleep 0.1
}
integrity() { # integrity NAME DIR
    [ "$(sqlite3 "$2/db" 'PRAGMA integrity_check')" = ok ] && pass "$1: integrity_check ok" || fail "$1: integrity_check"
    s=$("$RUNBOOK" runs --db "$2/db" --format json | q "d[0]['status']")
    [ "$s" = interrupted ] && pass "$1: runs shows it interrupted" || fail "$1: runs status" "$s"
}
resume() { # resume DIR ARGS...
    dir=$1; shift
    (cd "$dir" && "$RUNBOOK" resume last --db "$dir/db" "$@") >"$dir/out2" 2>&1
    rc=$?
}
effects() { tr '\n' ' ' <"$1/effects.log"; }
