#!/bin/sh
# bench/lint-many.sh — how long `runbook lint` takes over 1,000 runbooks (~8 MB).
#
# Copies shipped playbooks (and the contacts module they use) round-robin into a temporary
# directory, in a mix that averages about 8 KB a file, then times lint over the directory
# without shellcheck (the target: under 0.2 s) and, with WITH_SHELLCHECK=1, with it (one
# shellcheck process per file, as many at a time as there are CPUs).
#   usage: sh bench/lint-many.sh [RUNBOOK] [COUNT]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
rb=${1:-$here/runbook}
count=${2:-1000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cp "$here/runbooks/contacts.rb" "$dir/"
r=$here/runbooks
set -- "$r/drill-local-service.rb" "$r/declare-incident.rb" "$r/drill-local-service.rb" "$r/drill-local-service.rb" \
    "$r/p1-database-down.rb" "$r/declare-incident.rb" "$r/drill-local-service.rb"
i=0
while [ "$i" -lt "$count" ]; do
    for f in "$@"; do
        [ "$i" -lt "$count" ] || break
        cp "$f" "$dir/rb-$i.rb"
        i=$((i + 1))
    done
done
bytes=$(cat "$dir"/*.rb | wc -c)
echo "$count runbooks, $bytes bytes"
t() { # t LABEL ARGS...: best of 3 wall-clock runs
    label=$1; shift
    best=""
    for _ in 1 2 3; do
        s=$(date +%s.%N)
        "$rb" lint "$@" "$dir" >/dev/null 2>&1 || true
        e=$(date +%s.%N)
        d=$(echo "$e - $s" | bc)
        if [ -z "$best" ] || [ "$(echo "$d < $best" | bc)" = 1 ]; then best=$d; fi
    done
    echo "$label: ${best}s"
}
t "lint --no-shellcheck" --no-shellcheck
t "lint --no-shellcheck --format sarif" --no-shellcheck --format sarif
if command -v shellcheck >/dev/null 2>&1 && [ "${WITH_SHELLCHECK:-0}" = 1 ]; then
    t "lint (with shellcheck)"
fi
