# tests/lib.sh — helpers sourced by every tests/t-*.sh.
#
#   pass NAME            report success
#   fail NAME [DETAIL…]  report failure (details are indented under it)
#   check NAME CMD…      pass if CMD succeeds, else fail
#   sanitizer_clean FILE true when FILE holds no sanitizer report
#   $T                   a fresh temporary directory, removed at exit
#   python3 …            the Python resolved once by tests/run.sh ($PYTHON)
#   py_start             start one Python for this script's snippets (tests/tools/pyserve.py)
#   pyc SRC [ARG…]       as `python3 -c SRC ARG…` (standard input included), in that one
#                        Python once py_start has run, else in a new one
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

# expect_rc NAME WANT [CHECK]...: the last run (rc, $T/out, $T/err) exited WANT with no
# sanitizer report.  CHECKs: out:TEXT / err:TEXT (that stream contains TEXT), out-lacks:TEXT,
# out-empty / err-empty.
expect_rc() {
    _name=$1 _want=$2
    shift 2
    p=""
    [ "$rc" = "$_want" ] || p="exit $rc, expected $_want"
    for c in "$@"; do
        case $c in
            out:*) grep -q -F -e "${c#out:}" "$T/out" || p="${p:+$p
}stdout lacks '${c#out:}'" ;;
            err:*) grep -q -F -e "${c#err:}" "$T/err" || p="${p:+$p
}stderr lacks '${c#err:}'" ;;
            out-lacks:*) grep -q -F -e "${c#out-lacks:}" "$T/out" && p="${p:+$p
}stdout has '${c#out-lacks:}'" ;;
            out-empty) [ -s "$T/out" ] && p="${p:+$p
}stdout is not empty" ;;
            err-empty) [ -s "$T/err" ] && p="${p:+$p
}stderr is not empty" ;;
        esac
    done
    if ! sanitizer_clean "$T/out" || ! sanitizer_clean "$T/err"; then p="${p:+$p
}sanitizer report"; fi
    if [ -z "$p" ]; then pass "$_name"; else fail "$_name" "$p" "stdout: $(head -c 400 "$T/out")" "stderr: $(head -c 400 "$T/err")"; fi
}

py_start() {
    [ -n "$PYTHON" ] || return 0
    mkfifo "$T/py.in" "$T/py.out" || return 1
    "$PYTHON" "$TESTS/tools/pyserve.py" <"$T/py.in" >"$T/py.out" 2>"$T/py.err" &
    exec 8>"$T/py.in" 9<"$T/py.out"
    PY_SERVER=$!
}
pyc() {
    if [ -z "${PY_SERVER:-}" ]; then python3 -c "$@"; return; fi
    _src=$1
    shift
    { printf '%s\0%s\0' "$(($# + 2))" "$_src"; cat; printf '\0'; for _a; do printf '%s\0' "$_a"; done; } >&8
    while IFS= read -r _l <&9; do
        case $_l in
            o*) printf '%s\n' "${_l#o}" ;;
            e*) printf '%s\n' "${_l#e}" >&2 ;;
            *) return "${_l#?}" ;;
        esac
    done
    echo "pyc: tests/tools/pyserve.py is gone: $(cat "$T/py.err")" >&2
    return 1
}

# pids_in DIR REGEX: the processes whose command line matches REGEX (pgrep -f) and whose
# working directory is DIR, i.e. this script's own: another script (or another checkout's
# suite) may be running the same command next to it.
pids_in() {
    _d=$(cd "$1" 2>/dev/null && pwd -P) || return 0
    for _p in $(pgrep -f "$2"); do
        [ "$(readlink "/proc/$_p/cwd" 2>/dev/null)" = "$_d" ] && echo "$_p"
    done
}
