# tests/lib.sh — helpers sourced by every tests/t-*.sh.
#
#   pass NAME            report success
#   fail NAME [DETAIL…]  report failure (details are indented under it)
#   check NAME CMD…      pass if CMD succeeds, else fail
#   sanitizer_clean FILE true when FILE holds no sanitizer report
#   $T                   a fresh temporary directory, removed at exit
#   python3 …            the Python resolved once by tests/run.sh ($PYTHON)
#
# Scripts run in parallel (tests/run.sh), so each one is its own little machine: HOME,
# the XDG directories (the default database, the REPL history) and TMPDIR are under $T,
# and no RUNBOOK_DB or RUNBOOK_PATH from the caller leaks in.  Servers bind port 0.
set -u
: "${RUNBOOK:?set RUNBOOK to the binary under test}"
: "${TESTS:=$(cd "$(dirname "$0")" && pwd)}"
T=$(mktemp -d "${TMPDIR:-/tmp}/runbook-t.XXXXXX")
trap 'rm -rf "$T"' EXIT
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3
    else PYTHON=$(command -v python3 2>/dev/null || true); fi
fi
export PYTHON
[ -n "$PYTHON" ] && python3() { "$PYTHON" "$@"; }
mkdir -p "$T/home" "$T/tmp"
export HOME="$T/home" TMPDIR="$T/tmp" XDG_DATA_HOME="$T/home/.local/share" \
       XDG_STATE_HOME="$T/home/.local/state" XDG_CONFIG_HOME="$T/home/.config" \
       XDG_CACHE_HOME="$T/home/.cache"
unset RUNBOOK_DB RUNBOOK_PATH

pass() { echo "ok - $1"; }
fail() {
    echo "not ok - $1"
    shift
    for d in "$@"; do printf '%s\n' "$d" | sed 's/^/    /'; done
}
check() {
    name=$1; shift
    if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name" "command failed: $*"; fi
}
sanitizer_clean() {
    ! grep -q -e 'AddressSanitizer' -e 'runtime error:' -e 'LeakSanitizer' "$1"
}
