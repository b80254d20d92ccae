#!/bin/sh
# tests/t-playbooks.sh — the shipped playbooks (runbooks/*.rb), run unattended end to end.
#
# Every run is on the virtual clock (it starts at 2026-01-01T00:00:00Z), answered from
# tests/playbooks/*.json (answer delays put the acknowledgement and the resolution at
# known minutes), with the AWS CLI, git, curl and pg_isready replaced by the stubs in
# tests/stubs/ (each appends its argv as one line to $STUB_LOG; STUB_* variables choose the
# failure modes).  For each branch of each decision tree we assert:
#   - the commands issued, in order (the stub log);
#   - the escalation rungs and who they reached, at their virtual minutes;
#   - the status updates every 15 minutes until the resolution, and missed deadlines;
#   - the run's status, the acknowledgement and resolution times, the action items.
# And `runbook lint --strict runbooks` is clean.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$TESTS/.." && pwd)
case $RUNBOOK in /*) ;; */*) RUNBOOK=$(pwd)/$RUNBOOK ;; esac
RB=$ROOT/runbooks
PB=$TESTS/playbooks
START=2026-01-01T00:00:00Z
export PATH="$TESTS/stubs:$PATH"
export STUB_LOG="$T/stub.log"
export RUNBOOK_PATH="$ROOT/stdlib"
export TMPDIR="$T"
# Nothing may reach a real channel, and no stub knob may leak in from the caller.
for v in PAGERDUTY_ONCALL_KEY PAGERDUTY_BACKUP_KEY PAGERDUTY_SECURITY_KEY SLACK_ONCALL_WEBHOOK \
         SLACK_ENG_LEAD_WEBHOOK SLACK_CTO_WEBHOOK SLACK_SECURITY_WEBHOOK SLACK_WEBHOOK \
         STATUS_PAGE_WEBHOOK ENG_LEAD_EMAIL CTO_EMAIL SECURITY_EMAIL LEGAL_EMAIL PR_EMAIL \
         DB_INSTANCE ECS_CLUSTER ECS_SERVICE TARGET_GROUP_ARN AWS_REGION SERVICE_REPO \
         ISOLATION_SG GUARDDUTY_DETECTOR_ID; do
    unset "$v"
done
for v in $(env | sed -n 's/^\(STUB_[A-Z_]*\)=.*/\1/p'); do
    [ "$v" = STUB_LOG ] || unset "$v"
done

# One Python answers every question about the reports below (tests/tools/pyserve.py).
py_start

# play RUNBOOK ANSWERS [VAR=VALUE…] [-- EXEC-ARGS…]: one run with a fresh database and an
# empty stub log; the VAR=VALUEs are exported to it.  Transcript in $T/out, exit in $rc.
ANSWERS=$PB
. "$TESTS/play.sh"
# q PY-EXPR: evaluate a Python expression over the report (d), print the result.
q() { report | pyc "import json,sys; d=json.load(sys.stdin); print($1)"; }
# events KINDS [PATTERN]: "M:SS kind text" for the events of those kinds (text matching PATTERN).
events() {
    report | pyc "
import json,re,sys
d=json.load(sys.stdin); kinds=sys.argv[1].split(','); pat=sys.argv[2] if len(sys.argv)>2 else ''
for e in d['events']:
    if e['kind'] in kinds and re.search(pat, e['text'] or ''):
        s=int(round(e['elapsed_s'])); print('%d:%02d %s %s' % (s//60, s%60, e['kind'], e['text']))" "$@"
}
# notified: "M:SS page|message to WHO" for each notify.page / notify.send that went out.
notified() {
    report | pyc "
import json,re,sys
d=json.load(sys.stdin)
for e in d['events']:
    m=re.match(r'\[undelivered\] (page|message) to (.*?) \(', e['text'] or '') if e['kind']=='note' else None
    if m:
        s=int(round(e['elapsed_s'])); print('%d:%02d %s to %s' % (s//60, s%60, m.group(1), m.group(2)))"
}
action_items() { q "'\n'.join(a['text'] for a in d['action_items'])"; }
same() { # same NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected:" "$2" "got:" "$3"; fi
}
# commands NAME <<EOF … EOF: the stub log, line for line.
commands() { same "$1: commands issued, in order" "$(cat)" "$(cat "$STUB_LOG")"; }
# ran NAME RC STATUS: the exit code and the recorded status of the run.
ran() {
    st=$(q "d['run']['status']" 2>&1)
    if [ "$rc" -eq "$2" ] && [ "$st" = "$3" ] && sanitizer_clean "$T/out"; then
        pass "$1: exit $2, run $3"
    else
        fail "$1: exit $2, run $3" "exit $rc, run $st" "$(tail -n 15 "$T/out")"
    fi
}
# ack_resolve NAME ACK RESOLVED: the acknowledgement and resolution times (HH:MM, or None).
ack_resolve() {
    r=$(q "' '.join(str(d['run'][k])[11:16] if d['run'][k] else 'None' for k in ('acknowledged_at', 'resolved_at'))")
    same "$1: acknowledged at $2, resolved at $3" "$2 $3" "$r"
}
has() { # has NAME TEXT: the transcript holds TEXT
    if grep -q -F -- "$2" "$T/out"; then pass "$1"; else fail "$1" "no \"$2\" in the transcript"; fi
}

# Lines the playbooks share.
TG=arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/backend/0123456789abcdef
ECS="aws ecs describe-services --cluster prod-cluster --services backend-service --region us-east-1"
ELB="aws elbv2 describe-target-health --target-group-arn $TG --region us-east-1"
GIT="git -C . log --oneline --since=2 hours ago"
RDS="aws rds describe-db-instances --db-instance-identifier prod-db --region us-east-1"
# cw METRIC MM: the CloudWatch query for the hour before 00:MM.
cw() {
    printf 'aws cloudwatch get-metric-statistics --namespace AWS/ECS --metric-name %s --dimensions Name=ClusterName,Value=prod-cluster Name=ServiceName,Value=backend-service --start-time 2025-12-31T23:%s:00.000Z --end-time 2026-01-01T00:%s:00.000Z --period 300 --statistics Maximum --region us-east-1' "$1" "$2" "$2"
}

# ---- lint: the shipped runbooks are clean, warnings included ---------------------------

"$RUNBOOK" lint --strict "$ROOT/runbooks" >"$T/out" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ ! -s "$T/out" ]; then pass "lint --strict runbooks: clean"; else fail "lint --strict runbooks: clean" "exit $rc" "$(head -n 20 "$T/out")"; fi
for f in "$RB"/*.rb; do
    case $f in */contacts.rb) continue ;; esac
    if "$RUNBOOK" view "$f" --format dot >/dev/null 2>"$T/err"; then pass "view $(basename "$f"): renders"; else fail "view $(basename "$f"): renders" "$(head -n 5 "$T/err")"; fi
done

# ======================================================================================
# p1-service-down.rb
# ======================================================================================

# ---- recent deployment → roll back; acknowledged at 4m, resolved after 30m of watching
play p1-service-down.rb service-down-rollback.json
ran "service down / rollback" 0 finished
commands "service down / rollback" <<EOF
$ECS
$ELB
$GIT
$(cw CPUUtilization 04)
$(cw MemoryUtilization 04)
aws ecs list-task-definitions --family-prefix backend-service --sort DESC --max-items 5 --region us-east-1
aws ecs update-service --cluster prod-cluster --service backend-service --task-definition backend-service:41 --region us-east-1
aws ecs wait services-stable --cluster prod-cluster --services backend-service --region us-east-1
$ECS
$ELB
$ECS
$ELB
EOF
same "service down / rollback: the ladder (backup skipped: acknowledged at 4m)" "0:00 escalation on-call rung at 0s
0:00 escalation on-call rung at 0s
15:00 escalation.skipped on-call rung at 15m skipped (unless acknowledged)
30:00 escalation on-call rung at 30m" "$(events escalation,escalation.skipped)"
same "service down / rollback: who was told, and when" "0:00 page to Primary on-call
0:00 message to Engineering lead
0:00 message to VP Engineering / CTO
30:00 message to Engineering lead
34:00 message to Engineering lead
34:00 message to VP Engineering / CTO" "$(notified)"
same "service down / rollback: a status update every 15m until resolved at 34m" "15:00 timer every 15m (+15m)
30:00 timer every 15m (+30m)" "$(events timer 'every 15m')"
same "service down / rollback: #incident-response every 5m" "5:00 10:00 15:00 20:00 25:00 30:00" \
    "$(events timer 'every 5m' | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')"
same "service down / rollback: no deadline missed" "" "$(events deadline.missed)"
ack_resolve "service down / rollback" 00:04 00:34
same "service down / rollback: the incident's status" "investigating → identified
identified → monitoring
monitoring → resolved" "$(q "'\n'.join(e['data']['from'] + ' → ' + e['data']['to'] for e in d['events'] if e['kind']=='state' and e['data']['field']=='status')")"
same "service down / rollback: action items" "Hold the blameless post-mortem: IC, responders, service owners, engineering lead
Publish the post-mortem
Find out why the deployment reached production broken; add the check that would have caught it" "$(action_items)"
has "service down / rollback: the diagnostics saw the recent deployment" "Deployment backend-service:42 went out 44m ago."

# ---- resource exhaustion → scale up; acknowledged late (20m), resolved at 65m
play p1-service-down.rb service-down-scale-late-ack.json STUB_CPU_MAX=97
ran "service down / scale up" 0 finished
commands "service down / scale up" <<EOF
$ECS
$ELB
$GIT
$(cw CPUUtilization 20)
$(cw MemoryUtilization 20)
aws ecs update-service --cluster prod-cluster --service backend-service --desired-count 12 --region us-east-1
aws ecs wait services-stable --cluster prod-cluster --services backend-service --region us-east-1
$ECS
$ELB
$ECS
$ELB
EOF
same "service down / scale up: every rung fires (no acknowledgement before 20m)" "0:00 escalation on-call rung at 0s
0:00 escalation on-call rung at 0s
15:00 escalation on-call rung at 15m
30:00 escalation on-call rung at 30m
60:00 escalation on-call rung at 1h" "$(events escalation,escalation.skipped)"
same "service down / scale up: backup at 15m, engineering lead at 30m, CTO at 60m, both at the resolution" "0:00 page to Primary on-call
0:00 message to Engineering lead
0:00 message to VP Engineering / CTO
15:00 page to Backup on-call
30:00 message to Engineering lead
60:00 message to VP Engineering / CTO
65:00 message to Engineering lead
65:00 message to VP Engineering / CTO" "$(notified)"
same "service down / scale up: status updates at 15, 30, 45, 60" "15:00 timer every 15m (+15m)
30:00 timer every 15m (+30m)
45:00 timer every 15m (+45m)
60:00 timer every 15m (+1h)" "$(events timer 'every 15m')"
same "service down / scale up: the missed detection and response targets" "5:00 deadline.missed deadline missed: phase Detection did not finish within 5m
15:00 deadline.missed response target missed: not acknowledged within 15m" "$(events deadline.missed)"
ack_resolve "service down / scale up" 00:20 01:05
has "service down / scale up: the diagnostics saw the CPU" "Last hour, maximum: CPU 97%, memory 40%"

# ---- infrastructure → force a new deployment
play p1-service-down.rb service-down-restart.json STUB_HEALTH_EVENTS=1
ran "service down / restart" 0 finished
commands "service down / restart" <<EOF
$ECS
$ELB
$GIT
$(cw CPUUtilization 02)
$(cw MemoryUtilization 02)
aws health describe-events --region us-east-1
aws ecs update-service --cluster prod-cluster --service backend-service --force-new-deployment --region us-east-1
aws ecs wait services-stable --cluster prod-cluster --services backend-service --region us-east-1
$ECS
$ELB
$ECS
$ELB
EOF
ack_resolve "service down / restart" 00:02 00:32
has "service down / restart: AWS Health consulted" "AWS Health: 1 event(s)"

# ---- third party → work around; nothing is changed, the service recovers on its own
play p1-service-down.rb service-down-third-party.json STUB_ECS_RECOVERS=no STUB_ECS_UP_AFTER=4 \
    STUB_GIT_LOG= STUB_DEPLOYED_AT=2025-12-30T10:00:00Z
ran "service down / third party" 0 finished
commands "service down / third party" <<EOF
$ECS
$ELB
$GIT
$(cw CPUUtilization 04)
$(cw MemoryUtilization 04)
aws health describe-events --region us-east-1
$ECS
$ELB
$ECS
$ELB
$ECS
$ELB
$ECS
$ELB
EOF
same "service down / third party: health polled every 30s until it passes, then 30m of watching" "4:30 wait.end waited
5:00 wait.end waited
35:00 wait.end waited" "$(events wait.end)"
ack_resolve "service down / third party" 00:04 00:35
same "service down / third party: follow-up for the provider" "Add a circuit breaker and a fallback for Stripe" "$(action_items | grep Stripe)"

# ---- nothing fits → investigate, escalate, find it on the second pass → scale up
play p1-service-down.rb service-down-investigate.json STUB_GIT_LOG= STUB_DEPLOYED_AT=2025-12-30T10:00:00Z
ran "service down / investigate" 0 finished
commands "service down / investigate" <<EOF
$ECS
$ELB
$GIT
$(cw CPUUtilization 04)
$(cw MemoryUtilization 04)
aws health describe-events --region us-east-1
aws logs tail /aws/ecs/prod/backend --since 30m --format short --region us-east-1
aws logs tail /aws/ecs/prod/backend --since 30m --format short --region us-east-1
aws ecs update-service --cluster prod-cluster --service backend-service --desired-count 10 --region us-east-1
aws ecs wait services-stable --cluster prod-cluster --services backend-service --region us-east-1
$ECS
$ELB
$ECS
$ELB
EOF
same "service down / investigate: the engineering lead is asked for help at 14m" "14:00 message to Engineering lead" \
    "$(notified | grep '^14:00')"
same "service down / investigate: identified on the second pass" "24:00 state status: investigating → identified
24:00 timeline Cause identified: resource exhaustion" "$(events state,timeline 'identified' | grep -v monitoring)"
ack_resolve "service down / investigate" 00:04 00:54

# ---- the rollback itself fails: the on-failure block stops the run, nothing else is tried
play p1-service-down.rb service-down-rollback-fails.json STUB_FAIL=ecs:update-service
ran "service down / rollback fails" 1 failed
commands "service down / rollback fails" <<EOF
$ECS
$ELB
$GIT
$(cw CPUUtilization 04)
$(cw MemoryUtilization 04)
aws ecs list-task-definitions --family-prefix backend-service --sort DESC --max-items 5 --region us-east-1
aws ecs update-service --cluster prod-cluster --service backend-service --task-definition backend-service:40 --region us-east-1
EOF
has "service down / rollback fails: the responder is warned" "The rollback did not complete"
ack_resolve "service down / rollback fails" 00:04 None

# ---- --dry-run: the diagnostics run, nothing that changes production does
play p1-service-down.rb service-down-rollback.json STUB_ECS_UP=yes -- --dry-run
ran "service down / dry run" 0 finished
if grep -q -e 'update-service' "$STUB_LOG"; then
    fail "service down / dry run: no mutating command reached aws" "$(grep update-service "$STUB_LOG")"
else
    pass "service down / dry run: no mutating command reached aws"
fi
has "service down / dry run: the rollback is shown, not run" "--task-definition 'backend-service:41' --region 'us-east-1'   [dry-run: not run]"

# ======================================================================================
# p1-database-down.rb
# ======================================================================================

DBPRE="$RDS
aws rds describe-events --source-identifier prod-db --source-type db-instance --duration 60 --region us-east-1
aws logs tail /aws/ecs/prod/backend --since 30m --filter-pattern connection pool --region us-east-1
aws cloudwatch get-metric-statistics --namespace AWS/RDS --metric-name DatabaseConnections --dimensions Name=DBInstanceIdentifier,Value=prod-db --start-time 2025-12-31T23:03:00.000Z --end-time 2026-01-01T00:03:00.000Z --period 300 --statistics Maximum --region us-east-1"
PG="pg_isready -h prod-db.abcdefghij.us-east-1.rds.amazonaws.com -p 5432"

# ---- Multi-AZ failover in progress → wait for it (polled every 10s)
play p1-database-down.rb database-down-failover-in-progress.json STUB_RDS_EVENTS=failover \
    STUB_RDS_STATUS=rebooting,rebooting,rebooting,rebooting,available
ran "database down / failover in progress" 0 finished
commands "database down / failover in progress" <<EOF
$DBPRE
$RDS
$RDS
$RDS
$RDS
$PG
$RDS
$PG
EOF
has "database down / failover in progress: the evidence pointed at it" "The evidence points to: Multi-AZ failover in progress"
same "database down / failover in progress: available at 3:30, resolved 30m later" "3:10 wait.end waited
3:20 wait.end waited
3:30 wait.end waited
33:30 wait.end waited" "$(events wait.end)"
same "database down / failover in progress: the ladder" "0:00 escalation on-call rung at 0s
0:00 escalation on-call rung at 0s
15:00 escalation.skipped on-call rung at 15m skipped (unless acknowledged)
30:00 escalation on-call rung at 30m" "$(events escalation,escalation.skipped)"
same "database down / failover in progress: status updates" "15:00 timer every 15m (+15m)
30:00 timer every 15m (+30m)" "$(events timer)"
ack_resolve "database down / failover in progress" 00:03 00:33

# ---- connection pool exhausted → restart the backend
play p1-database-down.rb database-down-pool.json STUB_DB_CONNECTIONS=20 \
    "STUB_LOG_LINES=2025-12-31T23:59:02 ERROR HikariPool-1 - Connection is not available, request timed out after 30000ms"
ran "database down / connection pool" 0 finished
commands "database down / connection pool" <<EOF
$DBPRE
aws ecs update-service --cluster prod-cluster --service backend-service --force-new-deployment --region us-east-1
$RDS
$PG
EOF
has "database down / connection pool: the evidence pointed at it" "The evidence points to: Connection pool exhausted"
same "database down / connection pool: follow-up" "Increase the connection pool size and add connection pool metrics and alerts" "$(action_items | grep 'connection pool')"

# ---- instance failed → manual failover
play p1-database-down.rb database-down-instance-failed.json STUB_RDS_STATUS=failed
ran "database down / instance failed" 0 finished
commands "database down / instance failed" <<EOF
$DBPRE
aws rds failover-db-instance --db-instance-identifier prod-db --region us-east-1
$RDS
$PG
$RDS
$PG
EOF
has "database down / instance failed: the evidence pointed at it" "The evidence points to: Instance failed"

# ---- the automatic failover never completes → manual failover after 3 minutes
play p1-database-down.rb database-down-failover-stuck.json STUB_RDS_EVENTS=failover STUB_RDS_STATUS=rebooting
ran "database down / failover stuck" 0 finished
same "database down / failover stuck: polled 19 times over 3 minutes, then failed over" "19
aws rds failover-db-instance --db-instance-identifier prod-db --region us-east-1" \
    "$(sed -n '5,23p' "$STUB_LOG" | grep -c -x -F "$RDS"; sed -n 24p "$STUB_LOG")"
same "database down / failover stuck: recorded" "6:00 timeline Automatic failover did not complete in 3 minutes" "$(events timeline 'did not complete')"
ack_resolve "database down / failover stuck" 00:03 00:36

# ---- complete failure → restore the latest snapshot into a new instance
play p1-database-down.rb database-down-restore.json
ran "database down / restore" 0 finished
commands "database down / restore" <<EOF
$DBPRE
aws rds describe-db-snapshots --db-instance-identifier prod-db --region us-east-1
aws rds restore-db-instance-from-db-snapshot --db-instance-identifier prod-db-restored --db-snapshot-identifier rds:prod-db-2025-12-31-03-00 --multi-az --region us-east-1
aws rds describe-db-instances --db-instance-identifier prod-db-restored --region us-east-1
aws rds describe-db-instances --db-instance-identifier prod-db-restored --region us-east-1
pg_isready -h prod-db-restored.abcdefghij.us-east-1.rds.amazonaws.com -p 5432
aws rds describe-db-instances --db-instance-identifier prod-db-restored --region us-east-1
pg_isready -h prod-db-restored.abcdefghij.us-east-1.rds.amazonaws.com -p 5432
EOF
ack_resolve "database down / restore" 00:03 00:34
same "database down / restore: the lost writes become an action item" "Reconcile the data written after 2025-12-31T03:00:00+00:00 (run the data-loss playbook)" "$(action_items | grep Reconcile)"

# ======================================================================================
# p1-security-breach.rb
# ======================================================================================

# ---- everything isolated, a new WAF IP set, personal data exposed → legal duties
play p1-security-breach.rb security-breach-contain-all.json
ran "security breach / contain all" 0 finished
commands "security breach / contain all" <<EOF
aws iam list-access-keys --user-name deploy-bot --region us-east-1
aws iam update-access-key --access-key-id AKIAIOSFODNN7EXAMPLE --status Inactive --user-name deploy-bot --region us-east-1
aws wafv2 list-ip-sets --scope REGIONAL --region us-east-1
aws wafv2 create-ip-set --scope REGIONAL --name BlockedIPs --ip-address-version IPV4 --addresses 203.0.113.7/32 --region us-east-1
aws ec2 describe-instances --instance-ids i-0abc123 --region us-east-1
aws ec2 describe-instances --instance-ids i-0def456 --region us-east-1
aws ec2 modify-instance-attribute --instance-id i-0abc123 --groups sg-isolated --region us-east-1
aws ec2 modify-instance-attribute --instance-id i-0def456 --groups sg-isolated --region us-east-1
aws s3 sync s3://cloudtrail-logs/ s3://incident-evidence/INC-2026-0101-001/cloudtrail/ --include * --region us-east-1
aws ec2 create-snapshot --volume-id vol-0abc123 --description Evidence for INC-2026-0101-001 from i-0abc123 --region us-east-1
aws ec2 create-snapshot --volume-id vol-0def456 --description Evidence for INC-2026-0101-001 from i-0def456 --region us-east-1
aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=deploy-bot --max-results 100 --region us-east-1
aws guardduty list-findings --detector-id 12abc34d567e8fa901bc2d34e56789f0 --region us-east-1
aws s3 cp s3://logs-bucket/access/ $T/INC-2026-0101-001-access-logs --recursive --region us-east-1
aws secretsmanager rotate-secret --secret-id prod/db --region us-east-1
aws secretsmanager rotate-secret --secret-id prod/api-keys --region us-east-1
aws secretsmanager rotate-secret --secret-id prod/jwt-signing-key --region us-east-1
aws iam delete-access-key --user-name deploy-bot --access-key-id AKIAIOSFODNN7EXAMPLE --region us-east-1
aws guardduty list-findings --detector-id 12abc34d567e8fa901bc2d34e56789f0 --region us-east-1
EOF
same "security breach / contain all: security and leadership told at once" "0:00 page to Primary on-call
0:00 page to Security lead
0:00 message to Engineering lead
0:00 message to VP Engineering / CTO
3:00 message to Legal counsel
3:00 message to Public relations
30:00 message to Engineering lead
33:00 message to Security lead
33:00 message to VP Engineering / CTO" "$(notified)"
same "security breach / contain all: action items (legal duties, open remediation)" "Notify the affected users as the law requires
File the incident report with the authorities (GDPR: within 72 hours of awareness)
Hold the blameless post-mortem with security, the responders and leadership
Close the entry point: an access key committed to a public repository
Decide when the isolated instances and the evidence may be deleted
Enable additional monitoring" "$(action_items)"
if grep -q 'Service Disruption' "$T/out"; then fail "security breach / contain all: nothing on the public status page"; else pass "security breach / contain all: nothing on the public status page"; fi
has "security breach / contain all: persistence flagged" "deploy-bot called CreateUser"
ack_resolve "security breach / contain all" 00:03 00:33

# ---- given as params; the WAF IP set exists (updated with its lock token); no data
# exposed; the way in was a vulnerable deployment → rolled back
play p1-security-breach.rb security-breach-contained.json STUB_WAF_IPSET=yes -- \
    --set user=ci-runner --set access_key_id=AKIAI44QH8DHBEXAMPLE --set suspicious_ip=198.51.100.23 \
    --set instances=none --set detector_id=12abc34d567e8fa901bc2d34e56789f0
ran "security breach / contained" 0 finished
commands "security breach / contained" <<EOF
aws iam list-access-keys --user-name ci-runner --region us-east-1
aws iam update-access-key --access-key-id AKIAI44QH8DHBEXAMPLE --status Inactive --user-name ci-runner --region us-east-1
aws wafv2 list-ip-sets --scope REGIONAL --region us-east-1
aws wafv2 get-ip-set --scope REGIONAL --name BlockedIPs --id a1b2c3d4-5678-90ab-cdef-EXAMPLE11111 --region us-east-1
aws wafv2 update-ip-set --scope REGIONAL --name BlockedIPs --id a1b2c3d4-5678-90ab-cdef-EXAMPLE11111 --addresses ["192.0.2.44/32","198.51.100.23/32"] --lock-token lock-2 --region us-east-1
aws s3 sync s3://cloudtrail-logs/ s3://incident-evidence/INC-2026-0101-001/cloudtrail/ --include * --region us-east-1
aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=ci-runner --max-results 100 --region us-east-1
aws guardduty list-findings --detector-id 12abc34d567e8fa901bc2d34e56789f0 --region us-east-1
aws s3 cp s3://logs-bucket/access/ $T/INC-2026-0101-001-access-logs --recursive --region us-east-1
$ECS
aws ecs update-service --cluster prod-cluster --service backend-service --task-definition backend-service:41 --region us-east-1
aws ecs wait services-stable --cluster prod-cluster --services backend-service --region us-east-1
aws secretsmanager rotate-secret --secret-id prod/db --region us-east-1
aws secretsmanager rotate-secret --secret-id prod/api-keys --region us-east-1
aws secretsmanager rotate-secret --secret-id prod/jwt-signing-key --region us-east-1
aws iam delete-access-key --user-name ci-runner --access-key-id AKIAI44QH8DHBEXAMPLE --region us-east-1
aws guardduty list-findings --detector-id 12abc34d567e8fa901bc2d34e56789f0 --region us-east-1
EOF
same "security breach / contained: no notification duty" "" "$(action_items | grep -e Notify -e authorities)"
same "security breach / contained: legal is not involved" "" "$(notified | grep -e Legal -e 'Public relations')"
same "security breach / contained: the vulnerable version is a follow-up" "Fix the vulnerability of backend-service:42 and add a security test for it before redeploying" \
    "$(action_items | grep vulnerability)"

# ---- the way in was a third-party integration → cut it off; nothing else changes
play p1-security-breach.rb security-breach-integration.json STUB_WAF_IPSET=yes -- \
    --set user=ci-runner --set access_key_id=AKIAI44QH8DHBEXAMPLE --set suspicious_ip=198.51.100.23 \
    --set instances=none --set detector_id=12abc34d567e8fa901bc2d34e56789f0
ran "security breach / third-party integration" 0 finished
if grep -q 'ecs ' "$STUB_LOG"; then fail "security breach / third-party integration: no rollback" "$(grep 'ecs ' "$STUB_LOG")"; else pass "security breach / third-party integration: no rollback"; fi
same "security breach / third-party integration: recorded and followed up" "2:00 timeline Cut off the compromised integration the CI vendor
Review what the CI vendor could reach; least privilege before reconnecting it" \
    "$(events timeline 'integration'; action_items | grep 'CI vendor could')"

# ---- isolation fails → roll back: the completed steps are undone, newest first
play p1-security-breach.rb security-breach-rollback.json STUB_FAIL=ec2:modify-instance-attribute
ran "security breach / roll back" 1 failed
commands "security breach / roll back" <<EOF
aws iam list-access-keys --user-name deploy-bot --region us-east-1
aws iam update-access-key --access-key-id AKIAIOSFODNN7EXAMPLE --status Inactive --user-name deploy-bot --region us-east-1
aws wafv2 list-ip-sets --scope REGIONAL --region us-east-1
aws wafv2 create-ip-set --scope REGIONAL --name BlockedIPs --ip-address-version IPV4 --addresses 203.0.113.7/32 --region us-east-1
aws ec2 describe-instances --instance-ids i-0abc123 --region us-east-1
aws ec2 modify-instance-attribute --instance-id i-0abc123 --groups sg-isolated --region us-east-1
aws wafv2 get-ip-set --scope REGIONAL --name BlockedIPs --id a1b2c3d4-5678-90ab-cdef-EXAMPLE11111 --region us-east-1
aws wafv2 update-ip-set --scope REGIONAL --name BlockedIPs --id a1b2c3d4-5678-90ab-cdef-EXAMPLE11111 --addresses ["192.0.2.44/32"] --lock-token lock-2 --region us-east-1
aws iam update-access-key --access-key-id AKIAIOSFODNN7EXAMPLE --status Active --user-name deploy-bot --region us-east-1
EOF

# ======================================================================================
# p1-data-loss.rb
# ======================================================================================

# ---- database and S3: writers scaled to 0, PITR into a new instance, S3 versions back
play p1-data-loss.rb data-loss-db-and-s3.json
ran "data loss / database and S3" 0 finished
commands "data loss / database and S3" <<EOF
$ECS
aws ecs update-service --cluster prod-cluster --service backend-service --desired-count 0 --region us-east-1
$RDS
aws rds modify-db-instance --db-instance-identifier prod-db --backup-retention-period 35 --apply-immediately --region us-east-1
aws s3api get-bucket-versioning --bucket prod-reports --region us-east-1
$RDS
aws rds restore-db-instance-to-point-in-time --source-db-instance-identifier prod-db --target-db-instance-identifier prod-db-restored --restore-time 2025-12-31T23:25:00.000Z --region us-east-1
aws rds describe-db-instances --db-instance-identifier prod-db-restored --region us-east-1
aws rds describe-db-instances --db-instance-identifier prod-db-restored --region us-east-1
aws s3api list-object-versions --bucket prod-reports --prefix reports/ --region us-east-1
aws s3api copy-object --copy-source prod-reports/reports/report-1.csv?versionId=v1-report-1 --bucket prod-reports --key reports/report-1.csv --region us-east-1
aws s3api copy-object --copy-source prod-reports/reports/report-2.csv?versionId=v1-report-2 --bucket prod-reports --key reports/report-2.csv --region us-east-1
aws ecs update-service --cluster prod-cluster --service backend-service --desired-count 4 --region us-east-1
aws ecs wait services-stable --cluster prod-cluster --services backend-service --region us-east-1
EOF
same "data loss / database and S3: writes stop before anything else changes" \
    "aws ecs update-service --cluster prod-cluster --service backend-service --desired-count 0 --region us-east-1" \
    "$(grep -v -e describe -e get- "$STUB_LOG" | sed -n 1p)"
same "data loss / database and S3: the restored copy was polled each minute" "5:00 wait.end condition met" "$(events wait.end | sed -n 1p)"
ack_resolve "data loss / database and S3" 00:04 00:35

# ---- S3 only, read-only mode, versioning suspended (warned); only objects deleted after the start
play p1-data-loss.rb data-loss-s3-read-only.json STUB_VERSIONING=Suspended -- --set bucket=prod-invoices --set prefix=invoices/2025/
ran "data loss / S3, read-only mode" 0 finished
commands "data loss / S3, read-only mode" <<EOF
$ECS
aws s3api get-bucket-versioning --bucket prod-invoices --region us-east-1
aws s3api list-object-versions --bucket prod-invoices --prefix invoices/2025/ --region us-east-1
aws s3api copy-object --copy-source prod-invoices/invoices/2025/report-2.csv?versionId=v1-report-2 --bucket prod-invoices --key invoices/2025/report-2.csv --region us-east-1
EOF
has "data loss / S3, read-only mode: suspended versioning is flagged" "Versioning is Suspended on prod-invoices"
ack_resolve "data loss / S3, read-only mode" 00:01 00:33

# ---- database only, writes cannot stop, malicious: security paged; the integrity check fails
play p1-data-loss.rb data-loss-db-malicious.json STUB_CURL_FAIL=yes -- \
    --set "validate_cmd=curl -fsS http://integrity-checker.internal/run?db=prod-db-restored"
ran "data loss / malicious" 0 finished
commands "data loss / malicious" <<EOF
$ECS
$RDS
aws rds modify-db-instance --db-instance-identifier prod-db --backup-retention-period 35 --apply-immediately --region us-east-1
$RDS
aws rds restore-db-instance-to-point-in-time --source-db-instance-identifier prod-db --target-db-instance-identifier prod-db-restored --restore-time 2025-12-31T21:55:00Z --region us-east-1
aws rds describe-db-instances --db-instance-identifier prod-db-restored --region us-east-1
aws rds describe-db-instances --db-instance-identifier prod-db-restored --region us-east-1
curl -fsS http://integrity-checker.internal/run?db=prod-db-restored
EOF
same "data loss / malicious: security paged, engineering lead asked to decide" "5:00 message to Engineering lead
5:00 page to Security lead" "$(notified | grep '^5:00')"
same "data loss / malicious: the failed integrity check was overridden by the responder" "skip" \
    "$(q "[e['data']['answer'] for e in d['events'] if e['kind']=='answer' and e['data'].get('key')=='validate.failed'][0]")"
ack_resolve "data loss / malicious" 00:05 01:36

# ======================================================================================
# declare-incident.rb
# ======================================================================================

# ---- P1 (high × high), API down → roles, announcement, p1-service-down.rb inside the run
play declare-incident.rb declare-p1-service-down.json
ran "declare / P1 → service down" 0 finished
commands "declare / P1 → service down" <<EOF
$ECS
$ELB
$GIT
$(cw CPUUtilization 03)
$(cw MemoryUtilization 03)
aws ecs update-service --cluster prod-cluster --service backend-service --desired-count 10 --region us-east-1
aws ecs wait services-stable --cluster prod-cluster --services backend-service --region us-east-1
$ECS
$ELB
$ECS
$ELB
EOF
same "declare / P1: classified with the matrix, roles assigned" "severity P3 P1
commander None jane
roles.commander None jane
roles.tech_lead None john
roles.comms_lead None maria
roles.scribe None li" \
    "$(q "'\n'.join('%s %s %s' % (e['data']['field'], e['data']['from'], e['data']['to']) for e in d['events'] if e['kind']=='state' and (e['data']['field'] in ('severity', 'commander') or e['data']['field'].startswith('roles')))")"
same "declare / P1: the playbook ran inside this run" "3:00 runbook.start P1 — API completely unavailable
33:00 runbook.end finished" "$(events runbook.start,runbook.end)"
same "declare / P1: the playbook's ladder counts from the declaration" "3:00 escalation on-call rung at 0s
3:00 escalation on-call rung at 0s
15:00 escalation.skipped on-call rung at 15m skipped (unless acknowledged)
30:00 escalation on-call rung at 30m" "$(events escalation,escalation.skipped)"
same "declare / P1: announced once" "1" "$(grep -c 'INCIDENT DECLARED' "$T/out")"
ack_resolve "declare / P1 → service down" 00:03 00:33

# ---- P1 security breach → p1-security-breach.rb; nothing goes to the public status page
play declare-incident.rb declare-p1-security.json
ran "declare / P1 → security breach" 0 finished
same "declare / P1 → security breach: the playbook ran inside this run" "3:00 runbook.start P1 — Security breach
33:00 runbook.end finished" "$(events runbook.start,runbook.end)"
same "declare / P1 → security breach: containment first" "aws iam list-access-keys --user-name deploy-bot --region us-east-1
aws iam update-access-key --access-key-id AKIAIOSFODNN7EXAMPLE --status Inactive --user-name deploy-bot --region us-east-1" \
    "$(sed -n 1,2p "$STUB_LOG")"
same "declare / P1 → security breach: the security lead is paged when the playbook starts" "3:00 page to Security lead" \
    "$(notified | grep 'page to Security')"
if grep -q 'Service Disruption' "$T/out"; then fail "declare / P1 → security breach: nothing on the public status page" "$(grep -n 'Service Disruption' "$T/out")"; else pass "declare / P1 → security breach: nothing on the public status page"; fi

# ---- P2 (medium × high), no playbook: the generic response, updates every 30m
play declare-incident.rb declare-p2-generic.json
ran "declare / P2 generic" 0 finished
same "declare / P2 generic: no command issued" "" "$(cat "$STUB_LOG")"
same "declare / P2 generic: severity" "P2" "$(q "[e['data']['to'] for e in d['events'] if e['kind']=='state' and e['data']['field']=='severity'][0]")"
same "declare / P2 generic: ladder from the response step (2m): lead at 30m, no CTO for a P2" "2:00 escalation escalation rung at 0s
17:00 escalation.skipped escalation rung at 15m skipped (unless acknowledged)
32:00 escalation escalation rung at 30m
62:00 escalation.skipped escalation rung at 1h skipped (when incident.severity == P1)" "$(events escalation,escalation.skipped)"
same "declare / P2 generic: status updates every 30m until resolved" "32:00 timer every 30m (+30m)
62:00 timer every 30m (+1h)" "$(events timer)"
same "declare / P2 generic: the engineering lead is told at the declaration" "2:00 message to Engineering lead" "$(notified | grep 'Engineering lead' | sed -n 1p)"
ack_resolve "declare / P2 generic" 00:02 01:12

# ---- P4 (low × low), raised to P3 by the commander
play declare-incident.rb declare-p4-raised.json
ran "declare / P4 raised to P3" 0 finished
same "declare / P4 raised to P3: action items" "Brief the engineering lead on INC-2026-0101-001
Post-mortem of INC-2026-0101-001 within 48 hours" "$(action_items)"
same "declare / P4 raised to P3: the matrix said P4" "Declare it P4 (Low)?" \
    "$(q "[e['data']['question'] for e in d['events'] if e['kind']=='prompt' and e['data'].get('key')=='accept_severity'][0]")"

# ---- the same answers give the same run, minute for minute
play p1-service-down.rb service-down-scale-late-ack.json STUB_CPU_MAX=97
a=$(events escalation,escalation.skipped,timer,deadline.missed,answer,state)
play p1-service-down.rb service-down-scale-late-ack.json STUB_CPU_MAX=97
same "virtual playbook runs are deterministic" "$a" "$(events escalation,escalation.skipped,timer,deadline.missed,answer,state)"
