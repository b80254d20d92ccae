#!/bin/sh
# tests/t-ssh.sh — remote commands over OpenSSH against a private sshd on loopback
# (tests/tools/sshd.sh: a generated host key and client key, aliases h1…h50, hdown on a
# closed port, hbad with a host key that does not match).  Covers one host, a fan-out,
# partial failure and tolerate, failfast, an unreachable host, a host key mismatch, a
# timeout and Ctrl-C reaching the remote process, hostile values, a secret (sampled in
# ps), dry-run, resume in the middle of a fan-out, and replay --verify (the hostile values,
# the secret, dry-run and resume are in t-ssh-values.sh, so the two run side by side).
. "$(dirname "$0")/lib.sh"
. "$TESTS/ssh/lib.sh"

# --- one host
run "$SS/single.rb"
expect_rc "one host: exit 0" 0
grep -q '^    \[h1\] hello from the host' "$T/out" && pass "one host: output streams, prefixed by the host" \
    || fail "one host: output" "$(cat "$T/out")"
grep -q 'result: 1 h1 true value' "$T/out" && pass "one host: the expression form returns one result per host" \
    || fail "one host: expression" "$(cat "$T/out")"
[ "$(hosts_of sh.start)" = "h1 h1 " ] && [ "$(hosts_of sh.end)" = "h1 h1 " ] \
    && pass "one host: sh.start and sh.end carry the host" || fail "one host: record" "$(hosts_of sh.start)"

# --- a fleet
run "$SS/fanout.rb" --set out="$T/restarts" --auto
expect_rc "fan-out: exit 0" 0
[ "$(wc -l <"$T/restarts")" -eq 5 ] && pass "fan-out: the statement ran once on each of 5 hosts" \
    || fail "fan-out: count" "$(cat "$T/restarts")"
grep -q 'up on 5 of 5 hosts' "$T/out" && pass "fan-out: the expression form returns 5 results" || fail "fan-out: results" "$(cat "$T/out")"
[ "$(hosts_of sh.end)" = "h1 h1 h2 h2 h3 h3 h4 h4 h5 h5 " ] && pass "fan-out: each host recorded as its own pair" \
    || fail "fan-out: record" "$(hosts_of sh.end)"
"$RUNBOOK" replay last --verify >"$T/v" 2>&1 && pass "fan-out: replay --verify passes" || fail "fan-out: verify" "$(cat "$T/v")"
"$RUNBOOK" report last --format md >"$T/md" 2>&1
grep -q '^| Time | Step | Host | Command |' "$T/md" && [ "$(grep -c '| h[1-5] | `' "$T/md")" -eq 10 ] \
    && pass "report: the command table names the host of each of the 10 commands" || fail "report: host" "$(cat "$T/md")"

# --- partial failure, tolerate, failfast, unreachable, host key mismatch
run "$SS/partial.rb" --auto
expect_rc "partial failure: the step fails" 1
grep -q 'failed on 1 of 3 hosts: hdown (connection refused)' "$T/out" && pass "unreachable host: named, with the reason" \
    || fail "unreachable host" "$(cat "$T/out")"
[ "$(hosts_of sh.end)" = "h1 h2 hdown " ] && pass "partial failure: the other hosts still ran" || fail "partial: record" "$(hosts_of sh.end)"
run "$SS/partial.rb" --set tolerate_n=1 --auto
expect_rc "tolerate 1: one failed host is accepted" 0
grep -q 'deploy went on' "$T/out" && pass "tolerate 1: the step goes on" || fail "tolerate" "$(cat "$T/out")"
run "$SS/failfast.rb" --auto
expect_rc "failfast: the step fails" 1
[ "$(hosts_of sh.start)" = "hdown " ] && pass "failfast: no host starts after the first failure" || fail "failfast" "$(hosts_of sh.start)"
grep -q 'other hosts were not run' "$T/out" && pass "failfast: says the other hosts were not run" || fail "failfast: message" "$(cat "$T/out")"
run "$SS/badkey.rb" --auto
expect_rc "host key mismatch: refused" 1
grep -q 'hbad (host key verification failed' "$T/out" && pass "host key mismatch: a clear error naming the host" \
    || fail "host key mismatch" "$(cat "$T/out")"

# --- timeout and Ctrl-C reach the remote process
run "$SS/timeout.rb" --set late="$T/late" --set mark=4243.5 --auto
expect_rc "timeout: the step fails" 1
grep -q 'h1 (timed out)' "$T/out" && pass "timeout: reported per host" || fail "timeout: message" "$(cat "$T/out")"
sleep 0.5
if pgrep -f 'sleep 4243.5' >/dev/null; then fail "timeout: no remote process left"; pkill -f 'sleep 4243.5'
else pass "timeout: no remote process left"; fi
sleep 2.5
[ ! -e "$T/late" ] && pass "timeout: the remote command never finished its work" || fail "timeout: late file written"
("$RUNBOOK" exec "$SS/interrupt.rb" --ssh-config "$SSH_CONFIG" >"$T/out" 2>&1) &
pid=$!
i=0; while [ "$(grep -c started "$T/out" 2>/dev/null)" -lt 2 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
pgrep -f 'sleep 4244' >/dev/null && pass "Ctrl-C: the remote commands are running" || fail "Ctrl-C: not started" "$(cat "$T/out")"
socks=$(ls -d "$TMPDIR"/runbook-ssh-* 2>/dev/null)
[ -n "$socks" ] && pass "control sockets: under \$TMPDIR while the run goes on" || fail "control sockets under \$TMPDIR" "$(ls -la "$TMPDIR")"
kill -INT $pid; wait $pid; rc=$?
expect_rc "Ctrl-C: exit 130" 130
left=$(ls -d "$TMPDIR"/runbook-ssh-* 2>/dev/null)
[ -z "$left" ] && pass "control sockets: removed after Ctrl-C" || fail "control sockets after Ctrl-C" "left: $left"
sleep 1
if pgrep -f 'sleep 4244' >/dev/null; then fail "Ctrl-C: no remote process left" "$(pgrep -af 'sleep 4244')"; pkill -f 'sleep 4244'
else pass "Ctrl-C: no remote process left"; fi

# --- set-up errors: a bad host name, no ssh, an unreadable config, RUNBOOK_SSH_CONFIG
printf 'runbook "x" {\n  id "x"\n  severity P3\n}\nstep s "s" {\n  sh "true" on "-oProxyCommand=touch %s/P" readonly\n}\n' "$T" >"$T/opt.rb"
run "$T/opt.rb" --auto
grep -q "cannot start with '-'" "$T/out" && [ ! -e "$T/P" ] && pass "a host name that is an ssh option is refused" || fail "option host" "$(cat "$T/out")"
mkdir -p "$T/nossh"
(PATH=$T/nossh "$RUNBOOK" exec "$SS/single.rb" --ssh-config "$SSH_CONFIG" --auto >"$T/out" 2>&1)
grep -q 'need the OpenSSH client' "$T/out" && pass "no ssh installed: a clear message" || fail "no ssh" "$(cat "$T/out")"
"$RUNBOOK" exec "$SS/single.rb" --ssh-config "$T/nope" --auto >"$T/out" 2>&1
grep -q "ssh-config $T/nope" "$T/out" && pass "an unreadable --ssh-config: a clear message" || fail "bad config" "$(cat "$T/out")"
RUNBOOK_SSH_CONFIG=$SSH_CONFIG "$RUNBOOK" exec "$SS/single.rb" --auto >"$T/out" 2>&1
grep -q 'hello from the host' "$T/out" && pass "RUNBOOK_SSH_CONFIG is read" || fail "RUNBOOK_SSH_CONFIG" "$(cat "$T/out")"
run "$SS/single.rb" --auto
left=$(ls -d "$TMPDIR"/runbook-ssh-* 2>/dev/null)
[ -z "$left" ] && pass "control sockets are removed at the end of a run" \
    || fail "control sockets are removed at the end of a run" "left: $left"
