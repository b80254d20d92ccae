#!/bin/sh
# tests/t-robust.sh — no input crashes or hangs the front end (`runbook lint`).
#
# 1. Mutation: every tests/corpus/*.rb (valid runbooks) is mutated by $MUTATE
#    (tests/tools/mutate.c) in each mode, ROBUST_SEEDS times (seeds ROBUST_SEED0+1 …), and
#    linted in text and JSON form.  Each run must exit 0, 1 or 2 within 10 s (never a
#    signal, a sanitizer report — exit 99 under tests/run.sh — or a timeout), print no
#    sanitizer text, report a located "FILE:LINE:COL: error:" whenever it exits 1 or 2, keep
#    every location inside the file, and print JSON whose "diagnostics" hold every counted
#    error and warning.  One ok/not ok line per corpus file and mode; a failure names the
#    mode and seed:  $MUTATE MODE SEED tests/corpus/F.rb m.rb && runbook lint m.rb
#    (run it next to a copy of tests/corpus/contacts.rb).  Generated garbage (modes bytes
#    and tokens) must be handled the same way.
#    The inputs of one corpus file and mode are linted together in one process (a process
#    start costs more than a small lint): the inputs the batch names no located error for
#    must then pass together with exit 0 (else each runs alone), and any problem in a batch
#    re-checks every input alone to name the seed.  LONG=1 (make check-long) runs every input alone, as the full count.
# 2. Hostile inputs: garbage bytes, truncation, 100k-deep nesting, 50 MB files, bad UTF-8,
#    NUL bytes, unterminated strings and heredocs (located at their start), CRLF, empty;
#    huge lists of statements and string parts must take time linear in their length.
# 3. Out of memory: RUNBOOK_FAIL_ALLOC=N fails the Nth allocation; lint must then exit 70
#    with "out of memory" (or finish normally), for every N until the fault stops firing
#    (quick default: every N up to 24, then every third one; LONG=1: every N).
#
# A longer campaign:  LONG=1 ROBUST_SEEDS=500 ROBUST_SEED0=10000 sh tests/run.sh tests/t-robust.sh
. "$(dirname "$0")/lib.sh"

SEEDS=${ROBUST_SEEDS:-10}
SEED0=${ROBUST_SEED0:-0}
MODES="truncate flip delete dup splice-token"
started=$(date +%s)
runs=0

have_mutate=1
if [ -z "${MUTATE:-}" ] || [ ! -x "$MUTATE" ]; then
    fail "mutate: the mutator is available" "set MUTATE to the built tests/tools/mutate.c (make builds \$(BUILD)/mutate)"
    have_mutate=0
fi
have_python=0
command -v python3 >/dev/null 2>&1 && have_python=1 && py_start

W=$T/w
mkdir -p "$W" "$T/json"
cp "$TESTS"/corpus/*.rb "$W"/

# Files with very many list items (where appending to a list must not cost its length) are
# linted in the background while the rest runs (2 cores): 1.3M let statements (50 MB), and
# 40k string parts (2 MB).
awk 'BEGIN {
    for (i = 0; i < 1300000; i++) printf "let v%d = \"%s\"\n", i, "abcdefghijklmnopqrstuvwx"
}' >"$T/big-lets.rb"
awk 'BEGIN {
    printf "let y = 1\nlet x = <<~EOT\n"; for (i = 0; i < 20000; i++) print "  some text #{y} more"
    print "EOT"; printf "let z = \""; for (i = 0; i < 20000; i++) printf "a#{y}"; print "\""
}' >"$T/many-parts.rb"
(
    cd "$T" || exit
    timeout 60 "$RUNBOOK" lint big-lets.rb >big-lets.out 2>&1; echo $? >big-lets.rc
    timeout 10 "$RUNBOOK" lint many-parts.rb >many-parts.out 2>&1; echo $? >many-parts.rc
) &
bigpid=$!

# lint_run DIR FILE LIMIT [ARGS…]: lint DIR/FILE from DIR; sets rc, leaves $T/out and $T/err.
lint_run() {
    _d=$1 _f=$2 _l=$3
    shift 3
    (cd "$_d" && timeout "$_l" "$RUNBOOK" lint "$@" "$_f" >"$T/out" 2>"$T/err")
    rc=$?
    runs=$((runs + 1))
}

# problems DIR FILE LIMIT: what is wrong with the last lint_run (nothing printed when fine).
problems() {
    case $rc in
        0|1|2) ;;
        124) echo "timed out after ${3}s" ;;
        99) echo "sanitizer report (exit 99)" ;;
        *) echo "exit status $rc (crash or wrong code)" ;;
    esac
    if ! sanitizer_clean "$T/out" || ! sanitizer_clean "$T/err"; then
        echo "sanitizer output:"
        grep -h -A3 -e 'AddressSanitizer' -e 'runtime error:' -e 'LeakSanitizer' "$T/out" "$T/err" | head -n 6
    fi
    # No line names the file: only the exit status is left to judge (a 50 MB input is not
    # copied and measured for nothing).
    if ! grep -q -F -- "$2:" "$T/err"; then
        case $rc in 1|2) echo "exit $rc without a located error ($2:LINE:COL: error: ...)" ;; esac
        return
    fi
    # Line lengths in bytes (NULs made harmless for awk); a column counts code points, so it
    # is at most the byte length + 1.  The line after the last newline is the end of file.
    tr '\000' ' ' <"$1/$2" >"$T/src"
    LC_ALL=C awk -v name="$2" -v rc="$rc" -v src="$T/src" '
        FILENAME == src { n++; len[n] = length($0); next }
        index($0, name ":") == 1 {
            rest = substr($0, length(name) + 2)
            if (match(rest, /^[0-9]+:[0-9]+: (error|warning): /)) {
                split(rest, p, ":")
                l = p[1] + 0; c = p[2] + 0
                if (l < 1 || l > n + 1 || c < 1 || c > len[l] + 1)
                    print "location outside the file (" n " lines): " substr($0, 1, 120)
                if (rest ~ /^[0-9]+:[0-9]+: error: /) errs++
            }
        }
        END {
            if ((rc == 1 || rc == 2) && !errs)
                print "exit " rc " without a located error (" name ":LINE:COL: error: ...)"
        }' "$T/src" "$T/err"
}

# show: the first lines of the last run's output, for a failure report.
show() {
    if [ -s "$T/err" ] || [ -s "$T/out" ]; then head -c 600 "$T/err"; head -c 300 "$T/out"; else echo "(no output)"; fi
}

JSONCHK='
import json, os, sys
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    try:
        with open(os.path.join(d, name), "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
        n = len(doc["diagnostics"])
        if n != doc["errors"] + doc["warnings"]:
            print("%s: %d errors + %d warnings counted, %d diagnostics listed"
                  % (name, doc["errors"], doc["warnings"], n))
        for g in doc["diagnostics"]:
            if g["line"] < 1 or g["column"] < 1 or g["severity"] not in ("error", "warning", "note"):
                print("%s: bad diagnostic %r" % (name, g))
    except Exception as e:
        print("%s: not the expected JSON: %s" % (name, e))
'
# json_problems DIR: every $T/json/*.json must be one JSON object whose diagnostics count
# its errors and warnings.  Prints "NAME: problem" lines.
json_problems() {
    [ -n "$(ls "$1")" ] || return 0
    if [ "$have_python" -eq 1 ]; then
        pyc "$JSONCHK" "$1" </dev/null
    else
        for j in "$1"/*.json; do
            [ -e "$j" ] || continue
            e=$(sed -n 's/^  "errors": \([0-9]*\),$/\1/p' "$j")
            w=$(sed -n 's/^  "warnings": \([0-9]*\),$/\1/p' "$j")
            c=$(grep -c '"severity": ' "$j")
            [ "$c" = "$(( ${e:-0} + ${w:-0} ))" ] || echo "$(basename "$j"): $e errors + $w warnings counted, $c listed"
        done
    fi
}

# ---- 1. mutations ----
# The seeds themselves must parse (a checker error, exit 1, is tolerated: they are seeds).
for src in "$TESTS"/corpus/*.rb; do
    lint_run "$W" "$(basename "$src")" 10
    p=$(problems "$W" "$(basename "$src")" 10)
    case $rc in 0|1) ;; *) p="${p:+$p
}exit $rc: the seed does not parse" ;; esac
    if [ -z "$p" ]; then pass "corpus/$(basename "$src") parses"; else fail "corpus/$(basename "$src") parses" "$p" "$(show)"; fi
done
# check_seed MODE SEED SRC OUT: one mutated input in its own lint process (the original
# check, and what LONG=1 does for every input): exit 0, 1 or 2 cleanly, a located error
# when not 0, every location inside the file; when not 0 also --format json, kept in
# $T/json for json_problems.  Counts a failure in nbad/bad.
check_seed() {
    _m=$1 _s=$2 _src=$3 _o=$4
    if ! "$MUTATE" "$_m" "$_s" "$_src" "$W/$_o" 2>"$T/err"; then
        rc=0 p="the mutator failed: $(head -n 2 "$T/err")"
        : >"$T/out"
    else
        lint_run "$W" "$_o" 10
        p=$(problems "$W" "$_o" 10)
    fi
    if [ -z "$p" ] && [ "$rc" -ne 0 ]; then
        lint_run "$W" "$_o" 10 --format json
        cp "$T/out" "$T/json/$_m-$_s.json"
        p=$(problems "$W" "$_o" 10 | grep -v 'without a located error')
    fi
    if [ -n "$p" ]; then
        nbad=$((nbad + 1))
        [ "$nbad" -le 3 ] && bad="$bad
reproduce: \$MUTATE $_m $_s $(echo "$_src" | sed "s|^$TESTS/|tests/|") $_o && runbook lint $_o
$p
$(show)"
    fi
}

# batch_check MODE SRC FIRST LAST: the inputs of seeds FIRST..LAST linted together, in one
# process in text form and one in JSON form (a process start costs more than linting a
# small file).  Both runs must exit 0, 1 or 2 cleanly, every location must be inside its
# file, and the JSON must count what it lists.  An input with a located error passes
# (its own run would exit 1 or 2 and say where); the inputs without one are linted together
# once more and must exit 0, else each gets check_seed, so that a file which fails without
# saying where is still caught.  Returns 1 when anything
# is off: the caller then runs check_seed on every input to name the failing seeds.
batch_check() {
    _m=$1 _src=$2 _s=$3 _last=$4
    files=""
    rm -rf "$T/bsrc" && mkdir "$T/bsrc"
    while [ "$_s" -le "$_last" ]; do
        "$MUTATE" "$_m" "$_s" "$_src" "$W/b-$_s.rb" 2>/dev/null || return 1
        tr '\000' ' ' <"$W/b-$_s.rb" >"$T/bsrc/b-$_s.rb"
        files="$files b-$_s.rb"
        _s=$((_s + 1))
    done
    # shellcheck disable=SC2086 # the file names are ours, without blanks
    (cd "$W" && timeout 60 "$RUNBOOK" lint $files >"$T/out" 2>"$T/err")
    rc=$? runs=$((runs + 1))
    case $rc in 0|1|2) ;; *) return 1 ;; esac
    sanitizer_clean "$T/out" && sanitizer_clean "$T/err" || return 1
    cp "$T/err" "$T/batch.err"
    # shellcheck disable=SC2086
    (cd "$W" && timeout 60 "$RUNBOOK" lint --format json $files >"$T/json/batch.json" 2>"$T/err")
    jrc=$? runs=$((runs + 1))
    [ "$jrc" = "$rc" ] && sanitizer_clean "$T/json/batch.json" && sanitizer_clean "$T/err" || return 1
    [ -z "$(json_problems "$T/json")" ] || return 1
    # Locations inside their files; the inputs that reported no located error.
    quiet=$(cd "$T/bsrc" && LC_ALL=C awk -v list="$files" -v ef="$T/batch.err" '
        BEGIN { k = split(list, fl, " "); for (i = 1; i <= k; i++) files[fl[i]] = 1 }
        FILENAME != ef { n[FILENAME]++; len[FILENAME, n[FILENAME]] = length($0); next }
        match($0, /^b-[0-9]+\.rb:[0-9]+:[0-9]+: (error|warning): /) {
            split($0, p, ":"); g = p[1]; l = p[2] + 0; c = p[3] + 0
            if (!(g in files) || l < 1 || l > n[g] + 1 || c < 1 || c > len[g, l] + 1) bad = 1
            if ($0 ~ /^[^:]*:[0-9]+:[0-9]+: error: /) erred[g] = 1
        }
        END {
            if (bad) { print "BAD"; exit }
            for (g in files) if (!(g in erred)) print g
        }' $files "$T/batch.err")
    [ "$quiet" = BAD ] && return 1
    rm -f "$T"/json/*.json
    [ -z "$quiet" ] && return 0
    # Together, the quiet inputs must exit 0 (lint's status is the worst of its files'):
    # then each alone would too.  Otherwise each gets its own run.
    # shellcheck disable=SC2086
    (cd "$W" && timeout 60 "$RUNBOOK" lint $quiet >"$T/out" 2>"$T/err")
    rc=$? runs=$((runs + 1))
    [ "$rc" -eq 0 ] && sanitizer_clean "$T/out" && sanitizer_clean "$T/err" && return 0
    for g in $quiet; do
        s=${g#b-}; s=${s%.rb}
        check_seed "$_m" "$s" "$_src" m.rb
    done
    return 0
}

# mutations MODE SRC FIRST LAST: every seed checked, batched unless LONG=1.
mutations() {
    bad="" nbad=0
    rm -f "$T"/json/*.json
    if [ -n "${LONG:-}" ] || ! batch_check "$@"; then
        bad="" nbad=0
        rm -f "$T"/json/*.json
        s=$3
        while [ "$s" -le "$4" ]; do
            check_seed "$1" "$s" "$2" m.rb
            s=$((s + 1))
        done
    fi
    j=$(json_problems "$T/json" | head -n 5)
    [ -n "$j" ] && { nbad=$((nbad + 1)); bad="$bad
--format json (file names are MODE-SEED.json):
$j"; }
}

if [ "$have_mutate" -eq 1 ]; then
    for src in "$TESTS"/corpus/*.rb; do
        base=$(basename "$src" .rb)
        for mode in $MODES; do
            name="mutate $base.rb $mode ($SEEDS seeds from $((SEED0 + 1)))"
            mutations "$mode" "$src" $((SEED0 + 1)) $((SEED0 + SEEDS))
            if [ "$nbad" -eq 0 ]; then pass "$name"; else fail "$name" "$nbad failing seed(s)$bad"; fi
        done
    done
    # Token soups (valid UTF-8 made of keywords, punctuation, strings and heredocs).
    name="mutate tokens: generated garbage ($((SEEDS * 2)) seeds from $((SEED0 + 1)))"
    mutations tokens /dev/null $((SEED0 + 1)) $((SEED0 + SEEDS * 2))
    if [ "$nbad" -eq 0 ]; then pass "$name"; else fail "$name" "$nbad failing seed(s)$bad"; fi

    # Seed-determined random bytes (1-4096 of them): each must exit exactly 2 (it does not
    # parse), which only a run of its own can tell: one process each.
    mode=bytes
    bad="" nbad=0
    s=$((SEED0 + 1))
    while [ "$s" -le $((SEED0 + SEEDS * 2)) ]; do
        "$MUTATE" "$mode" "$s" /dev/null "$W/g.rb"
        lint_run "$W" g.rb 10
        p=$(problems "$W" g.rb 10)
        [ -z "$p" ] && [ "$rc" -ne 2 ] && p="exit $rc, expected 2"
        if [ -n "$p" ]; then
            nbad=$((nbad + 1))
            [ "$nbad" -le 3 ] && bad="$bad
reproduce: \$MUTATE $mode $s /dev/null g.rb && runbook lint g.rb
$p
$(show)"
        fi
        s=$((s + 1))
    done
    name="mutate $mode: generated garbage ($((SEEDS * 2)) seeds from $((SEED0 + 1)))"
    if [ "$nbad" -eq 0 ]; then pass "$name"; else fail "$name" "$nbad failing seed(s)$bad"; fi
fi

t_mutate=$(( $(date +%s) - started ))
# ---- 2. hostile inputs ----

# expect NAME FILE WANT_RC [LINE:COL] [LIMIT]: lint $T/FILE; the exit status must be WANT_RC
# (a list like "0|2" is allowed), cleanly, and with LINE:COL the first error must be there.
expect() {
    _name=$1 _file=$2 _want=$3 _at=${4:-} _limit=${5:-10}
    lint_run "$T" "$_file" "$_limit"
    p=$(problems "$T" "$_file" "$_limit")
    case "|$_want|" in *"|$rc|"*) ;; *) p="${p:+$p
}exit $rc, expected $_want" ;; esac
    if [ -n "$_at" ]; then
        first=$(grep -m1 "^$_file:[0-9]*:[0-9]*: error: " "$T/err" | cut -d: -f2,3)
        [ "$first" = "$_at" ] || p="${p:+$p
}first error at ${first:-nowhere}, expected $_at"
    fi
    if [ -z "$p" ]; then pass "$_name"; else fail "$_name" "$p" "$(show)"; fi
}

# nest FILE N PREFIX UNIT [SUFFIX]: PREFIX, UNIT N times, SUFFIX.
nest() {
    awk -v n="$2" -v pre="$3" -v s="$4" -v post="${5:-}" \
        'BEGIN { printf "%s", pre; for (i = 0; i < n; i++) printf "%s", s; printf "%s", post }' >"$T/$1"
}

if [ "$have_mutate" -eq 1 ]; then
    "$MUTATE" bytes 20240601 /dev/null "$T/garbage.rb"
    expect "binary garbage: located error, exit 2" garbage.rb 2
fi
head -c 1700 "$TESTS/corpus/db-down.rb" >"$T/truncated.rb"
expect "a truncated runbook: located error, exit 2" truncated.rb 2

nest deep-paren.rb 100000 'let x = ' '('
expect "100k-deep '(': located error, exit 2" deep-paren.rb 2
nest deep-bracket.rb 100000 'let x = ' '['
expect "100k-deep '[': located error, exit 2" deep-bracket.rb 2
nest deep-brace.rb 100000 'step s "t" {
  ' '{'
expect "100k-deep '{' inside a step: located error, exit 2" deep-brace.rb 2
nest deep-if.rb 100000 'step s "t" {
  ' 'if x {'
expect "100k-deep 'if x {': located error, exit 2" deep-if.rb 2
nest deep-interp.rb 100000 'let x = ' '"#{'
expect "100k-deep string interpolation: located error, exit 2" deep-interp.rb 2
nest deep-not.rb 100000 'let x = ' 'not ' 'true'
expect "100k 'not' in a row: exit 0 or a located error" deep-not.rb '0|2'
awk 'BEGIN { printf "let x = "; for (i = 0; i < 100000; i++) printf "("; printf "1";
             for (i = 0; i < 100000; i++) printf ")"; print "" }' >"$T/deep-balanced.rb"
expect "100k balanced parentheses: exit 0 or a located error" deep-balanced.rb '0|2'
nest deep-elif.rb 50000 'step s "t" {
  if a { }' ' else if b { }' ' }'
expect "50k-long else-if chain: exit 0 or a located error" deep-elif.rb '0|2'
# Long left-leaning chains parse without a deep parser stack but make a deep tree.
nest chain-add.rb 100000 'let x = 1' ' + 1' '
'
expect "100k-term sum: no crash" chain-add.rb '0|1|2'
nest chain-member.rb 100000 'let x = a' '.b[0](1)' '
'
expect "100k-long postfix chain: no crash" chain-member.rb '0|1|2'
awk 'BEGIN { printf "let x = "; for (k = 1; k <= 200; k++) printf "<<~T%d\n#{", k; printf "1";
             for (k = 200; k >= 1; k--) printf "}\nT%d\n", k }' >"$T/deep-heredoc.rb"
expect "200-deep heredoc interpolation: located error, exit 2" deep-heredoc.rb 2

# 50 MB: one huge comment, then a valid runbook.
awk 'BEGIN { print "runbook \"Big\" {\n  severity P3\n}"; printf "# ";
             s = "0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqr";
             for (i = 0; i < 500000; i++) printf "%s", s;
             print ""; print "step s \"S\" {\n  note \"ok\"\n}" }' >"$T/big-comment.rb"
expect "a 50 MB comment: finishes, exit 0" big-comment.rb 0 "" 60
rm -f "$T/big-comment.rb"

printf 'let ok = 1\nlet x = "ab\377cd"\n' >"$T/utf8-string.rb"
expect "invalid UTF-8 in a string: error at the byte, exit 2" utf8-string.rb 2 2:12
printf '# a comment \303\050 here\nlet x = 1\n' >"$T/utf8-comment.rb"
expect "invalid UTF-8 in a comment: error at the byte, exit 2" utf8-comment.rb 2 1:13
printf 'let x = "\355\240\200"\n' >"$T/utf8-surrogate.rb"
expect "a UTF-8 encoded surrogate: error at it, exit 2" utf8-surrogate.rb 2 1:10
printf 'let x = "\300\257"\n' >"$T/utf8-overlong.rb"
expect "an overlong UTF-8 sequence: error at it, exit 2" utf8-overlong.rb 2 1:10
printf 'let x = "caf\303' >"$T/utf8-cut.rb"
expect "a UTF-8 sequence cut by the end of file: error at it, exit 2" utf8-cut.rb 2 1:13

printf 'let a = 1\nlet b = \000 + 2\n' >"$T/nul-code.rb"
expect "a NUL byte in code: error at it, exit 2" nul-code.rb 2 2:9
printf 'let a = 1\nlet b = "rm -rf /srv/app/\000/cache"\n' >"$T/nul-string.rb"
expect "a NUL byte inside a string: error at it, exit 2" nul-string.rb 2 2:26
printf "let a = 'x\000y'\n" >"$T/nul-sqstring.rb"
expect "a NUL byte inside a 'string': error at it, exit 2" nul-sqstring.rb 2 1:11
printf '# a comment \000 with a NUL\nlet a = 1\n' >"$T/nul-comment.rb"
expect "a NUL byte inside a comment: error at it, exit 2" nul-comment.rb 2 1:13

printf 'let a = 1\nlet  s = "abc\nlet b = 2\n' >"$T/unterminated-dq.rb"
expect "a \" string cut by a newline: error at its start, exit 2" unterminated-dq.rb 2 2:10
printf 'let a = 1\nlet  s = "abc #{a} def' >"$T/unterminated-eof.rb"
expect "a \" string cut by the end of file: error at its start, exit 2" unterminated-eof.rb 2 2:10
printf 'let a = 1\nlet  s = "abc #{a + ' >"$T/unterminated-interp.rb"
expect "a string cut inside #{: error at its start, exit 2" unterminated-interp.rb 2 2:10
printf "let a = 1\nlet  s = 'abc" >"$T/unterminated-sq.rb"
expect "a ' string cut by the end of file: error at its start, exit 2" unterminated-sq.rb 2 2:10
printf 'let a = 1\nstep s "S" {\n  note <<~EOT\n    body\n    more\n' >"$T/unterminated-heredoc.rb"
expect "an unterminated heredoc: error at its start, exit 2" unterminated-heredoc.rb 2 3:8
printf 'let a = 1\nlet h = <<~EOT\n  #{a\n  EOT\n' >"$T/unterminated-hd-interp.rb"
expect "an unterminated #{ in a heredoc: located error, exit 2" unterminated-hd-interp.rb 2 3:3

for f in db-down drill; do
    sed 's/$/\r/' "$TESTS/corpus/$f.rb" >"$T/crlf-$f.rb"
    cp "$TESTS/corpus/contacts.rb" "$T/contacts.rb"
    expect "CRLF line endings ($f.rb): parses, exit 0" "crlf-$f.rb" 0
done
printf 'let a = 1\r\nlet b = (\r\nlet c = 3\r\n' >"$T/crlf-error.rb"
expect "CRLF line endings: errors keep their line:col" crlf-error.rb 2 3:1
if ! grep -q "$(printf '\r')" "$T/err"; then pass "CRLF: no carriage return echoed in the diagnostics"
else fail "CRLF: no carriage return echoed in the diagnostics" "$(od -c "$T/err" | head -n 8)"; fi

: >"$T/empty.rb"
expect "an empty file (a module): exit 0" empty.rb 0
[ -s "$T/err" ] && fail "an empty file: nothing printed" "$(show)" || pass "an empty file: nothing printed"
printf '# only a comment, no newline' >"$T/comment-only.rb"
expect "a file that is only a comment: exit 0" comment-only.rb 0
printf '\n\n   \t\n# c\n\n' >"$T/blank.rb"
expect "a file of blank lines and a comment: exit 0" blank.rb 0

# The big files started at the top.
wait "$bigpid"
# background NAME FILE LIMIT
background() {
    rc=$(cat "$T/$2.rc" 2>/dev/null)
    cp "$T/$2.out" "$T/err"
    : >"$T/out"
    p=$(problems "$T" "$2.rb" "$3")
    [ "$rc" = 0 ] || p="${p:+$p
}exit ${rc:-?}, expected 0"
    if [ -z "$p" ]; then pass "$1"; else fail "$1" "$p" "$(show)"; fi
    rm -f "$T/$2.rb"
}
background "a 50 MB file of 1.3M let statements: finishes within 60 s, exit 0" big-lets 60
background "20k interpolations in a heredoc and 20k in a string: finish within 10 s, exit 0" many-parts 10

t_hostile=$(( $(date +%s) - started - t_mutate ))
# ---- 3. allocation failures ----

# oom NAME FILE OKRC [ARGS…]: RUNBOOK_FAIL_ALLOC=1,2,… until a run is no longer hit.
oom() {
    _name=$1 _file=$2 _okrc=$3
    shift 3
    p="" n=1
    while [ "$n" -le 3000 ]; do
        (cd "$T" && RUNBOOK_FAIL_ALLOC=$n timeout 10 "$RUNBOOK" lint "$@" "$_file" >"$T/out" 2>"$T/err")
        rc=$?
        runs=$((runs + 1))
        if ! sanitizer_clean "$T/out" || ! sanitizer_clean "$T/err"; then
            p="RUNBOOK_FAIL_ALLOC=$n: sanitizer report"
            break
        fi
        if [ "$rc" -eq 70 ]; then
            grep -q 'out of memory' "$T/err" || { p="RUNBOOK_FAIL_ALLOC=$n: exit 70 without 'out of memory'"; break; }
        elif [ "$rc" -eq "$_okrc" ] && ! grep -q 'out of memory' "$T/err"; then
            break
        else
            p="RUNBOOK_FAIL_ALLOC=$n: exit $rc (expected 70, or $_okrc once no allocation fails)"
            break
        fi
        if [ "$n" -lt 24 ] || [ -n "${LONG:-}" ]; then n=$((n + 1)); else n=$((n + 3)); fi
    done
    [ "$n" -gt 3000 ] && p="still failing allocations after 3000 runs"
    if [ -z "$p" ]; then pass "$_name (N = 1..$n$([ -n "${LONG:-}" ] || [ "$n" -le 24 ] || echo ', every third past 24'))"; else fail "$_name" "$p" "reproduce: (cd DIR && RUNBOOK_FAIL_ALLOC=N runbook lint $* $_file)" "$(show)"; fi
}

cat >"$T/oom-ok.rb" <<'EOF'
runbook "Small" {
  severity P2
  tags ["a", "b"]
}
param who = "me" "who runs it"
let x = [1, "a#{who}", {k: 2m}]
step s "S" timeout 5m {
  note <<~E
    hi #{x[0]} and #{who}
  E
  sh "ls" timeout 5s readonly
  if x[0] == 1 { warn "one" } else { fail "two" }
} rollback {
  note "undo"
}
EOF
printf 'let x = (\nlet y = "abc\nstep { }\nlet z = \001\n' >"$T/oom-bad.rb"
oom "out of memory: lint of a valid runbook exits 70 or 0, cleanly" oom-ok.rb 0
oom "out of memory: lint --format json exits 70 or 0, cleanly" oom-ok.rb 0 --format json
cp "$TESTS/corpus/drill.rb" "$T/oom-drill.rb"
oom "out of memory: lint of corpus/drill.rb (heredoc fragments) exits 70 or 0" oom-drill.rb 0
oom "out of memory: lint of a broken runbook exits 70 or 2, cleanly" oom-bad.rb 2
oom "out of memory: lint --format sarif of a broken runbook exits 70 or 2" oom-bad.rb 2 --format sarif

total=$(( $(date +%s) - started ))
echo "# t-robust: $runs lint runs in $total s (mutations $t_mutate s, hostile inputs $t_hostile s, out of memory $((total - t_mutate - t_hostile)) s)"
