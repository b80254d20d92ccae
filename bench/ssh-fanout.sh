#!/bin/sh
# bench/ssh-fanout.sh — `sh "true" on` 50 host aliases with parallel 10, against the limit:
# the same 50 commands as `xargs -P10 ssh` over the same configuration (and Ansible's
# `ansible all -m command -a true -f 10`, when it is installed).  All aliases point at a
# private sshd on loopback (tests/tools/sshd.sh).  Prints a table and bench/ssh-fanout.json.
#   RUNBOOK=./runbook sh bench/ssh-fanout.sh [ROUNDS]
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${RUNBOOK:=$here/../runbook}"
rounds=${1:-3}
T=$(mktemp -d)
. "$here/../tests/tools/sshd.sh"
sshd_start "$T/sshd" || exit 1
trap 'sshd_stop; rm -rf "$T"' EXIT
hosts=$(seq 1 50 | sed 's/^/h/' | tr '\n' ' ')
list=$(printf '"%s", ' $hosts | sed 's/, $//')
cat >"$T/fan.rb" <<RB
runbook "fan-out bench" {
  id "fan-out-bench"
  severity P4
}
step s "50 hosts" {
  sh "true" on [$list] parallel 10 readonly
}
RB
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: >"$T/rb"; : >"$T/xa"; : >"$T/an"
for r in $(seq 1 "$rounds"); do
    t0=$(now); "$RUNBOOK" exec "$T/fan.rb" --ssh-config "$SSH_CONFIG" --db "$T/db" >/dev/null 2>&1 || echo "runbook failed" >&2
    t1=$(now); echo "$t1 - $t0" | bc >>"$T/rb"
    t0=$(now); printf '%s\n' $hosts | xargs -P10 -I{} ssh -F "$SSH_CONFIG" -o BatchMode=yes {} true || echo "xargs failed" >&2
    t1=$(now); echo "$t1 - $t0" | bc >>"$T/xa"
    if command -v ansible >/dev/null 2>&1; then
        printf '[all]\n%s\n' "$(printf '%s\n' $hosts)" >"$T/inv"
        t0=$(now); ANSIBLE_SSH_ARGS="-F $SSH_CONFIG" ANSIBLE_HOST_KEY_CHECKING=True \
            ansible all -i "$T/inv" -m command -a true -f 10 >/dev/null 2>&1 || echo "ansible failed" >&2
        t1=$(now); echo "$t1 - $t0" | bc >>"$T/an"
    fi
done
rb=$(median <"$T/rb"); xa=$(median <"$T/xa")
printf '%-46s %8s %8s\n' "benchmark (median of $rounds)" "seconds" "ratio"
printf '%-46s %8.3f %8s\n' "xargs -P10 ssh (the limit)" "$xa" "1.00"
printf '%-46s %8.3f %8.2f\n' "runbook sh \"true\" on 50 hosts parallel 10" "$rb" "$(echo "$rb / $xa" | bc -l)"
an=
if [ -s "$T/an" ]; then an=$(median <"$T/an")
    printf '%-46s %8.3f %8.2f\n' "ansible all -m command -a true -f 10" "$an" "$(echo "$an / $xa" | bc -l)"
else echo "(ansible is not installed: skipped)"; fi
printf '{"hosts": 50, "parallel": 10, "rounds": %s, "xargs_ssh_s": %s, "runbook_s": %s, "ansible_s": %s}\n' \
    "$rounds" "$xa" "$rb" "${an:-null}" >"$here/ssh-fanout.json"
