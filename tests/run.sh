#!/bin/sh
# tests/run.sh [-j N] [SCRIPT…] — run the tests/t-*.sh scripts against $RUNBOOK, in
# parallel, and total the results.
#
# Each script prints "ok - NAME" or "not ok - NAME" lines (details indented below a
# failure).  A script that exits non-zero without reporting a failure counts as one.
# Scripts run N at a time (-j N, else $JOBS, else twice the number of cores), the slowest
# first (by the last whole run's times); each one's output is printed in one piece when it ends ("[t-name] " before its
# lines other than "ok - …"), followed by "t-name: N passed, N failed (S s)".  The last
# line is "N passed, N failed"; the exit status is 1 when anything failed.
# Every script has its own temporary directory, HOME, database and ports (tests/lib.sh),
# so any of them can run next to any other.
#   sh tests/run.sh tests/t-lang.sh      one script
#   JOBS=1 sh tests/run.sh               one after another
#   LONG=1 sh tests/run.sh               the robustness loops at full count (make check-long)
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${RUNBOOK:=$here/../runbook}"
export RUNBOOK TESTS="$here"
export NO_COLOR=1 LC_ALL=C.UTF-8
# Sanitizer reports must not look like an ordinary exit code.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=99"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1"
# One Python for every script, resolved once: a version manager's shim (pyenv) costs a
# second per start on a busy machine, and it depends on $HOME, which lib.sh replaces.
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3
    else PYTHON=$(command -v python3 2>/dev/null || true); fi
fi
export PYTHON

jobs=${JOBS:-}
while [ $# -gt 0 ]; do
    case $1 in
        -j) jobs=${2:-}; shift 2 ;;
        -j*) jobs=${1#-j}; shift ;;
        *) break ;;
    esac
done
# Default: twice the cores, at least 4 (most scripts spend their time waiting on a child,
# a timer, a server or a terminal, not on a core).
if [ -z "$jobs" ]; then
    cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null || echo 2)
    jobs=$((cores * 2)); [ "$jobs" -ge 4 ] || jobs=4
fi
case $jobs in ''|*[!0-9]*|0) echo "run.sh: -j wants a positive number, not '$jobs'" >&2; exit 2 ;; esac

# The slowest scripts first, so that the short ones fill the gaps at the end: the times of
# the last whole run ($TEST_TIMES, kept in build/), else a list; a script with no time yet
# counts as slow.
TEST_TIMES=${TEST_TIMES:-$here/../build/test-times}
SLOW="t-resume-prop t-ssh-values t-ssh t-handbook t-runbook-test t-report t-crash-timers t-unit t-inject t-fuzz t-stdlib t-robust"
if [ $# -gt 0 ]; then
    scripts=$*
elif [ -s "$TEST_TIMES" ]; then
    scripts=$(for t in "$here"/t-*.sh; do
        n=$(basename "$t" .sh)
        ms=$(sed -n "s/^$n \([0-9][0-9]*\)\$/\1/p" "$TEST_TIMES" | head -n 1)
        echo "${ms:-999999} $t"
    done | sort -k1,1nr | cut -d' ' -f2- | tr '\n' ' ')
else
    scripts=""
    for s in $SLOW; do [ -f "$here/$s.sh" ] && scripts="$scripts $here/$s.sh"; done
    for t in "$here"/t-*.sh; do
        case " $SLOW " in *" $(basename "$t" .sh) "*) ;; *) scripts="$scripts $t" ;; esac
    done
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/runbook-tests.XXXXXX")
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Finished jobs announce themselves on a FIFO (one short line each: atomic).
mkfifo "$work/done" || exit 2
exec 3<>"$work/done"

now() { date +%s%N | cut -c1-13; }   # milliseconds
start_job() { # start_job SCRIPT
    _n=$(basename "$1" .sh)
    (
        s=$(now)
        sh "$1" >"$work/$_n.out" 2>&1 </dev/null 3>&-
        echo "$? $(( $(now) - s ))" >"$work/$_n.rc"
        echo "$_n" >&3
    ) &
    pids="$pids $!"
}
passed=0 failed=0
finish_job() { # finish_job NAME: print its output in one piece and count it
    _n=$1 _out=$work/$1.out
    read -r _rc _ms <"$work/$_n.rc"
    p=$(grep -c '^ok - ' "$_out")
    f=$(grep -c '^not ok - ' "$_out")
    if [ "$_rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "not ok - $_n: the script exited $_rc" >>"$_out"
        f=1
    fi
    grep -v '^ok - ' "$_out" | sed "s/^/[$_n] /"
    echo "$_n: $p passed, $f failed ($((_ms / 1000)).$(printf '%03d' $((_ms % 1000))) s)"
    passed=$((passed + p))
    failed=$((failed + f))
    echo "$_n $_ms" >>"$work/times"
}

running=0
for t in $scripts; do
    if [ "$running" -ge "$jobs" ]; then
        read -r name <&3 && finish_job "$name"
        running=$((running - 1))
    fi
    start_job "$t"
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    read -r name <&3 && finish_job "$name"
    running=$((running - 1))
done
wait
pids=""
# a whole run's times order the next one (not a run of chosen scripts: they overlap differently)
if [ $# -eq 0 ] && [ -d "$(dirname "$TEST_TIMES")" ]; then
    sort "$work/times" >"$TEST_TIMES.tmp" 2>/dev/null && mv "$TEST_TIMES.tmp" "$TEST_TIMES"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
