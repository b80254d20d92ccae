#!/bin/sh
# bench/compare.sh BEFORE.json AFTER.json — two `make bench` results side by side: each
# benchmark's figure and its ratio to the baseline of its own run, before and after.
set -eu
[ $# -eq 2 ] || { echo "usage: sh bench/compare.sh BEFORE.json AFTER.json" >&2; exit 2; }
python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
rows = {r["name"]: r for r in a["results"]}
print("%-24s %12s %9s %12s %9s  %-5s %s" % ("BENCHMARK", "BEFORE", "RATIO", "AFTER", "RATIO", "UNIT", "TARGET"))
for r in b["results"]:
    o = rows.get(r["name"], {})
    f = lambda v: "" if v is None else "%.4g" % v
    x = lambda v: "" if v is None else "%.3gx" % v
    print("%-24s %12s %9s %12s %9s  %-5s %s" % (r["name"], f(o.get("value")), x(o.get("ratio")),
          f(r["value"]), x(r["ratio"]), r["unit"], r["target"]))
print("before: %s (%s)\nafter:  %s (%s)" % (a["commit"], a["binary"], b["commit"], b["binary"]))
PY
