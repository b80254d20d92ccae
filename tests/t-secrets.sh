#!/bin/sh
# t-secrets.sh — a secret never leaves: tests/secrets/leak.rb takes one through every
# builtin, container, interpolation, command (argv and environment) and HTTP request and
# response (tests/tools/httpd.py on 127.0.0.1); then the terminal output, the database
# files, every report format, `runs`, replay (plain and --verify) and `ps` samples taken
# while a command holding the secret runs are searched for its clear text and for every
# form the runbook derives from it.  0 occurrences.  An unset secret stops the run at
# start with exit 2, naming the secret and the variable.
. "$(dirname "$0")/lib.sh"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

TOKEN=s3cr3t-Tok-42abc
# the clear text, and the pieces every derived form holds (upper, lower, split, replace, JSON)
leaks() { grep -a -i -c -e 's3cr3t' -e '42abc' "$@" 2>/dev/null | awk -F: '{ n += $NF } END { print n + 0 }'; }

: >"$T/log"
"${PYTHON:-python3}" "$TESTS/tools/httpd.py" --port-file "$T/port" --log "$T/log" --max-seconds 120 2>"$T/httpd.err" &
srv=$!
trap 'kill "$srv" 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s "$T/port" ] && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
if [ ! -s "$T/port" ]; then
    fail "the test server starts" "$(cat "$T/httpd.err")"
    exit 1
fi
BASE=http://127.0.0.1:$(cat "$T/port")
DB=$T/runs.db

# Run, and sample every process's argv while it runs (the `sleep 2` command holds the secret).
RB_TEST_TOKEN=$TOKEN "$RUNBOOK" exec "$TESTS/secrets/leak.rb" --db "$DB" --set "base=$BASE" \
    >"$T/out" 2>"$T/err" &
run=$!
: >"$T/ps"
while kill -0 "$run" 2>/dev/null; do
    ps -eo args >>"$T/ps" 2>/dev/null
    sleep 0.1
done
wait "$run"
rc=$?
if [ "$rc" -eq 0 ]; then pass "the leak drill runs"; else fail "the leak drill runs (exit $rc)" "$(cat "$T/err")"; fi

# The drill did what it claims: the secret reached the command and the server in clear.
if grep -q 'test -n "${RB_1}"' "$T/ps"; then pass "ps was sampled while the secret's command ran"
else fail "ps was sampled while the secret's command ran" "$(grep -a sleep "$T/ps" | head -5)"; fi
if grep -q "$TOKEN" "$T/log" && grep -q 'S3CR3T-TOK-42ABC' "$T/log"; then pass "the server received the secret in clear"
else fail "the server received the secret in clear" "$(head -c 2000 "$T/log")"; fi
if grep -q '«redacted»' "$T/out"; then pass "the terminal shows «redacted»"; else fail "the terminal shows «redacted»"; fi

n=$(leaks "$T/out" "$T/err"); [ "$n" -eq 0 ] && pass "terminal: 0 occurrences" || fail "terminal: $n occurrences" "$(grep -a -i -e s3cr3t -e 42abc "$T/out" "$T/err" | head -10)"
n=$(leaks "$T/ps"); [ "$n" -eq 0 ] && pass "ps -eo args: 0 occurrences" || fail "ps -eo args: $n occurrences" "$(grep -a -i s3cr3t "$T/ps" | sort -u | head -5)"
n=$(leaks "$DB" "$DB-wal" "$DB-journal"); [ "$n" -eq 0 ] && pass "database files: 0 occurrences" || fail "database files: $n occurrences"
id=$(sqlite3 "$DB" 'select max(id) from runs' 2>/dev/null || echo 1)
for fmt in md json; do
    "$RUNBOOK" report "$id" --format "$fmt" --db "$DB" >"$T/report.$fmt" 2>&1
    n=$(leaks "$T/report.$fmt")
    if [ "$n" -eq 0 ] && [ -s "$T/report.$fmt" ]; then pass "report --format $fmt: 0 occurrences"
    else fail "report --format $fmt: $n occurrences" "$(grep -a -i s3cr3t "$T/report.$fmt" | head -5)"; fi
done
if grep -q 'sleep 2; test -n \\\{0,1\}"#{token}' "$T/report.json"; then pass "the record shows the secret's expression in the command"
else fail "the record shows the secret's expression in the command" "$(grep -a 'sleep 2' "$T/report.json" | head -3)"; fi
for fmt in text json; do
    "$RUNBOOK" runs --format "$fmt" --db "$DB" >"$T/runs.$fmt" 2>&1
    n=$(leaks "$T/runs.$fmt"); [ "$n" -eq 0 ] && pass "runs --format $fmt: 0 occurrences" || fail "runs --format $fmt: $n occurrences"
done
"$RUNBOOK" replay "$id" --speed 1000 --db "$DB" >"$T/replay" 2>&1
n=$(leaks "$T/replay")
if [ "$n" -eq 0 ] && [ -s "$T/replay" ]; then pass "replay: 0 occurrences"; else fail "replay: $n occurrences" "$(grep -a -i s3cr3t "$T/replay" | head -5)"; fi
RB_TEST_TOKEN=$TOKEN "$RUNBOOK" replay "$id" --verify --db "$DB" >"$T/verify" 2>&1
vrc=$?
n=$(leaks "$T/verify")
if [ "$n" -eq 0 ] && [ "$vrc" -eq 0 ]; then pass "replay --verify: reproduces, 0 occurrences"
else fail "replay --verify: exit $vrc, $n occurrences" "$(tail -5 "$T/verify")"; fi
# A command that would carry the secret on its command line is refused before it runs.
RB_TEST_TOKEN=$TOKEN "$RUNBOOK" exec "$TESTS/secrets/cmdline.rb" --db "$T/cmdline.db" --auto >"$T/c.out" 2>"$T/c.err"
if grep -q "cmdline.rb:11:6: error: this command holds a secret, which would show on the shell's command line" "$T/c.err" &&
        grep -q "cmdline.rb:17:14: error: raw() of a secret would put it on the shell's command line" "$T/c.err" &&
        [ "$(leaks "$T/c.out" "$T/c.err" "$T/cmdline.db")" -eq 0 ]; then
    pass "a secret in a built command or raw() is refused, 0 occurrences"
else
    fail "a secret in a built command or raw() is refused" "$(cat "$T/c.err")"
fi

# An unset secret without a default: exit 2 at start, naming both; nothing runs.
env -u RB_TEST_UNSET_TOKEN "$RUNBOOK" exec "$TESTS/secrets/unset.rb" --db "$T/unset.db" >"$T/u.out" 2>"$T/u.err"
urc=$?
if [ "$urc" -eq 2 ] && grep -q 'unset.rb:7:1: error: secret token: the environment variable RB_TEST_UNSET_TOKEN is not set' "$T/u.err" &&
        ! grep -q should-not-run "$T/u.out"; then
    pass "an unset secret is an error at start (exit 2, named)"
else
    fail "an unset secret is an error at start (exit $urc)" "$(cat "$T/u.err")"
fi
RB_TEST_UNSET_TOKEN=x1y2z3 "$RUNBOOK" exec "$TESTS/secrets/unset.rb" --db "$T/unset.db" >"$T/u.out" 2>"$T/u.err"
urc=$?
if [ "$urc" -eq 0 ] && grep -q should-not-run "$T/u.out"; then pass "a secret with a default may be unset"
else fail "a secret with a default may be unset (exit $urc)" "$(cat "$T/u.err")"; fi
