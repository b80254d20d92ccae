# tests/ssh/lib.sh — sourced by t-ssh.sh and t-ssh-values.sh (after tests/lib.sh): a private
# sshd on loopback for this script (tests/tools/sshd.sh), and helpers to run a runbook
# against it and read the record.
. "$TESTS/tools/sshd.sh"
SS=$TESTS/ssh
DB=$T/db
export RUNBOOK_DB=$DB
if ! sshd_start "$T/sshd" 2>"$T/sshd.err"; then
    fail "sshd for the remote tests" "$(cat "$T/sshd.err")"
    exit 0
fi
trap 'sshd_stop; rm -rf "$T"' EXIT
run() { "$RUNBOOK" exec "$@" --ssh-config "$SSH_CONFIG" >"$T/out" 2>&1; rc=$?; }
expect_rc() { if [ "$rc" -eq "$2" ]; then pass "$1"; else fail "$1" "exit $rc, expected $2" "$(tail -15 "$T/out")"; fi; }
sql() { sqlite3 "$DB" "$1"; }
last_run() { sql "SELECT max(id) FROM runs"; }
hosts_of() { # hosts_of KIND: the hosts of the last run's events of that kind, sorted
    sql "SELECT json_extract(data,'\$.host') FROM events WHERE run_id=$(last_run) AND kind='$1' ORDER BY 1" | tr '\n' ' '
}

