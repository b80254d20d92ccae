#!/bin/sh
# tools/demo.sh RUNBOOK — the drill behind `make demo`.
#
# A self-contained fire drill on this machine, unattended, in a few seconds:
#   1. lint the shipped runbooks and the standard library;
#   2. start a tiny HTTP service on 127.0.0.1 (python3 -m http.server, a free port);
#   3. "the outage": kill it;
#   4. run runbooks/drill-local-service.rb on the virtual clock with scripted answers: it
#      detects the outage with a readonly health check, walks the decision tree, restarts
#      the service behind a confirm gate, verifies it and resolves the incident, while
#      its escalation ladder and status updates run on virtual time;
#   5. check from outside that the service answers again;
#   6. print the post-mortem draft: `runbook report last --format md`.
# Everything lives in a temporary directory (the recording database too) and the service
# is stopped on the way out, whatever happens.  Nothing leaves 127.0.0.1: the on-call
# channels are cleared from the environment, so notify only shows its messages.
set -eu
rb=${1:-./runbook}
case $rb in /*) ;; *) rb=$(pwd)/$rb ;; esac
here=$(cd "$(dirname "$0")/.." && pwd)

for tool in python3 curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "demo: needs $tool" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/runbook-demo.XXXXXX")
pidfile=$tmp/service.pid
cleanup() {
    if [ -s "$pidfile" ]; then
        kill "$(cat "$pidfile")" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# No real channel may be reached from a drill.
for v in PAGERDUTY_ONCALL_KEY PAGERDUTY_BACKUP_KEY PAGERDUTY_SECURITY_KEY SLACK_ONCALL_WEBHOOK \
         SLACK_ENG_LEAD_WEBHOOK SLACK_CTO_WEBHOOK SLACK_SECURITY_WEBHOOK SLACK_WEBHOOK \
         STATUS_PAGE_WEBHOOK ENG_LEAD_EMAIL CTO_EMAIL SECURITY_EMAIL LEGAL_EMAIL PR_EMAIL; do
    unset "$v"
done
export NO_COLOR=1

echo "== 1. runbook lint runbooks stdlib"
"$rb" lint "$here/runbooks" "$here/stdlib"
echo "all clean."

echo
echo "== 2. start the drill service"
mkdir "$tmp/www"
echo ok >"$tmp/www/health"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
python3 -m http.server --bind 127.0.0.1 --directory "$tmp/www" "$port" >"$tmp/service.log" 2>&1 </dev/null &
echo $! >"$pidfile"
if ! curl -fsS --retry 10 --retry-delay 1 --retry-connrefused --max-time 2 "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
    echo "demo: the drill service did not start:" >&2
    cat "$tmp/service.log" >&2
    exit 1
fi
echo "http://127.0.0.1:$port/health answers (pid $(cat "$pidfile"))"

echo
echo "== 3. the outage: kill it"
kill "$(cat "$pidfile")"
wait "$(cat "$pidfile")" 2>/dev/null || true
if curl -fsS --max-time 2 "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
    echo "demo: the service is still up" >&2
    exit 1
fi
echo "http://127.0.0.1:$port/health is down"

echo
echo "== 4. runbook exec runbooks/drill-local-service.rb (virtual clock, scripted answers)"
# The acknowledgement comes 4 minutes in, the decision 4 minutes later: the ladder pages
# the primary at 0m, skips the backup at 15m (acknowledged), tells the engineering lead at
# 30m; status updates go out every 15 minutes until the incident is resolved at 38m.
cat >"$tmp/answers.json" <<'JSON'
{
  "ack":             {"answer": "yes", "after": "4m"},
  "failure_mode":    {"answer": "The process has died", "after": "4m"},
  "confirm_restart": "yes",
  "verification.1":  "done",
  "verification.2":  "done"
}
JSON
"$rb" exec "$here/runbooks/drill-local-service.rb" --clock virtual --answers "$tmp/answers.json" \
    --db "$tmp/runs.db" --set "port=$port" --set "pidfile=$pidfile" --set "www=$tmp/www" \
    --set "logfile=$tmp/service.log" --no-color

echo
echo "== 5. the service answers again"
curl -fsS --max-time 2 "http://127.0.0.1:$port/health" >/dev/null
echo "http://127.0.0.1:$port/health answers (pid $(cat "$pidfile"))"

echo
echo "== 6. runbook report last --format md"
"$rb" report last --format md --db "$tmp/runs.db"
