#!/bin/sh
# tools/fresh-machine.sh [demo] [check] — the README's quick start on a machine that lacks
# the build dependencies, as a newcomer would meet it.  NOT run by CI: it changes the
# machine (root only, Debian).
#
# For each phase (default: demo, then check):
#   1. apt-get remove -y libjansson-dev libcurl4-openssl-dev libreadline-dev flex bison
#      (not libsqlite3-dev: on this kind of machine other packages, Free Pascal's, depend on it)
#   2. git clone this repository's committed HEAD into a new temporary directory
#   3. run `make demo` (phase demo) or `make check` (phase check) there, once
# and it says for each whether it passed on the first try.  `make` itself installs the
# missing packages again (tools/deps.sh); if a phase fails before that, the packages are
# re-installed on the way out whatever happens, so the machine is left with them.
# Logs: $FRESH_LOGS (default: a temporary directory, printed at the end).
# Uncommitted changes are not part of the clone: commit first.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
REMOVED="libjansson-dev libcurl4-openssl-dev libreadline-dev flex bison"
phases=${*:-demo check}

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "fresh-machine: run as root on a Debian machine (it removes and installs packages)" >&2
    exit 2
fi
for p in $phases; do
    case $p in demo|check) ;; *) echo "usage: tools/fresh-machine.sh [demo] [check]" >&2; exit 2 ;; esac
done
commit=$(git -C "$here" rev-parse HEAD) || exit 2
[ -n "$(git -C "$here" status --porcelain --untracked-files=no)" ] &&
    echo "fresh-machine: note: uncommitted changes in $here are not tested (commit $commit is)" >&2

logs=${FRESH_LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/runbook-fresh.XXXXXX")}
mkdir -p "$logs"
reinstall() {
    export DEBIAN_FRONTEND=noninteractive
    missing=""
    for pkg in $REMOVED; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $pkg"
    done
    [ -z "$missing" ] && return 0
    echo "fresh-machine: re-installing$missing" >&2
    apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 ||
        echo "fresh-machine: re-install failed: apt-get install -y$missing" >&2
}
trap 'reinstall' EXIT
trap 'exit 130' INT TERM

results="" failed=0
for phase in $phases; do
    echo "== $phase: apt-get remove -y $REMOVED"
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq $REMOVED >"$logs/$phase-remove.log" 2>&1 || {
        echo "fresh-machine: apt-get remove failed (see $logs/$phase-remove.log)" >&2; exit 1; }
    for tool in flex bison; do
        command -v "$tool" >/dev/null 2>&1 && { echo "fresh-machine: $tool is still there" >&2; exit 1; }
    done
    pkg-config --exists jansson 2>/dev/null && { echo "fresh-machine: jansson's .pc is still there" >&2; exit 1; }

    dir=$(mktemp -d "${TMPDIR:-/tmp}/runbook-fresh-$phase.XXXXXX")
    echo "== $phase: git clone into $dir (commit $commit)"
    if ! git clone -q "$here" "$dir/runbook" >"$logs/$phase-clone.log" 2>&1 ||
       ! git -C "$dir/runbook" checkout -q "$commit" >>"$logs/$phase-clone.log" 2>&1; then
        echo "fresh-machine: git clone failed (see $logs/$phase-clone.log)" >&2; exit 1
    fi
    echo "== $phase: make $phase (log: $logs/$phase.log)"
    start=$(date +%s)
    (cd "$dir/runbook" && make "$phase") >"$logs/$phase.log" 2>&1
    rc=$?
    took=$(( $(date +%s) - start ))
    tail -n 3 "$logs/$phase.log" | sed 's/^/   | /'
    if [ "$rc" -eq 0 ]; then
        r="PASSED: make $phase on a fresh clone, first try ($took s)"
        rm -rf "$dir"
    else
        r="FAILED: make $phase exited $rc after $took s (clone kept in $dir, log $logs/$phase.log)"
        failed=1
    fi
    echo "$r"
    results="$results
$r"
done

echo
echo "fresh-machine results (commit $commit, logs in $logs):$results"
exit "$failed"
