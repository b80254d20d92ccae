# tests/lib.sh — helpers sourced by every tests/t-*.sh.
#
#   pass NAME            report success
#   fail NAME [DETAIL…]  report failure (details are indented under it)
#   check NAME CMD…      pass if CMD succeeds, else fail
#   sanitizer_clean FILE true when FILE holds no sanitizer report
#   $T                   a fresh temporary directory, removed at exit
set -u
: "${RUNBOOK:?set RUNBOOK to the binary under test}"
: "${TESTS:=$(cd "$(dirname "$0")" && pwd)}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

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
