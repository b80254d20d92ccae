#!/bin/sh
# tests/t-lint.sh — lint as CI uses it: --list-rules, --explain, the output formats (SARIF
# validated against the published 2.1.0 schema in tests/lint/, GitHub workflow commands,
# checkstyle XML, JSON), suppressions across files, baselines that survive moved lines,
# and shellcheck: one real shellcheck process per file, and one notice when it is missing.
# (The rules themselves are golden tests in tests/lang/.)  tests/lint/sarif-schema-2.1.0.json
# is the published OASIS schema, unchanged, from github.com/oasis-tcs/sarif-spec
# (sarif-2.1/schema/sarif-schema-2.1.0.json at commit e0583813); the validator is Debian's
# python3-jsonschema under /usr/bin/python3.
. "$(dirname "$0")/lib.sh"

run() { "$RUNBOOK" "$@" >"$T/out" 2>"$T/err"; rc=$?; }
# ok_if NAME CONDITION-EXIT-STATUS DETAIL: pass when the previous command succeeded
ok_if() { if [ "$2" = 0 ]; then pass "$1"; else fail "$1" "$3"; fi; }
have_py=0; /usr/bin/python3 -c 'import json' 2>/dev/null && have_py=1
have_sc=0; command -v shellcheck >/dev/null 2>&1 && have_sc=1

# A runbook with findings of several kinds (line 8: a message and a file name that need escaping).
mkdir -p "$T/rb"
cat >"$T/rb/a.rb" <<'RB'
runbook "Findings" { severity P3 }
param unused = 1
step s "Step" {
  sh "systemctl restart api"
  sh "ls $HOME" readonly
  wait until sh("true").ok every 5s
}
RB
cp "$T/rb/a.rb" "$T/rb/b,c:d.rb"

# ---- rules -------------------------------------------------------------------------------
run lint --list-rules
n=0 missing_doc=""
for id in RB100 RB101 RB102 RB103 RB104 RB105 RB106 RB107 RB108 RB109 RB110 RB111 RB112 RB113 RB114 RB115 RB116 RB117; do
    grep -q "^$id " "$T/out" && n=$((n + 1))
done
[ "$rc" = 0 ] && [ "$n" = 18 ]; ok_if "--list-rules: RB100-RB117, exit 0" $? "exit $rc, $n of 18 listed: $(head -c 300 "$T/out")"
for id in $(awk '/^RB/ {print $1}' "$T/out"); do
    grep -q "^### $id " "$TESTS/../docs/lint.md" || missing_doc="$missing_doc $id"
done
[ -z "$missing_doc" ]; ok_if "docs/lint.md has a section for every listed rule" $? "no section for:$missing_doc"
run lint --explain RB107
[ "$rc" = 0 ] && grep -q "RB107" "$T/out" && grep -q "confirm" "$T/out" && grep -q "lint.md#rb107" "$T/out"
ok_if "--explain RB107: the rule, what to do, the link" $? "exit $rc: $(cat "$T/out" "$T/err")"
run lint --explain SC2086
[ "$rc" = 0 ] && grep -q "https://www.shellcheck.net/wiki/SC2086" "$T/out"
ok_if "--explain SC2086: shellcheck's wiki" $? "exit $rc: $(cat "$T/out")"
run lint --explain RB999
[ "$rc" = 2 ] && grep -q "RB999" "$T/err"; ok_if "--explain RB999: exit 2, says so" $? "exit $rc"
run lint --explain
[ "$rc" = 2 ]; ok_if "--explain without an id: exit 2" $? "exit $rc"

# ---- formats -----------------------------------------------------------------------------
run lint --no-shellcheck --format github "$T/rb/b,c:d.rb"
esc=$(printf '%s' "$T/rb/b,c:d.rb" | sed 's/%/%25/g; s/:/%3A/g; s/,/%2C/g')
grep -qxF "::warning file=$esc,line=4,col=3,title=RB102::this command may change things and no confirm or choose comes before it in step 's' (add a confirm, or mark it readonly) [RB102]" "$T/out"
ok_if "--format github: ::warning file=…,line=…,col=…,title=RULE::message, ':' and ',' escaped in properties" $? "$(cat "$T/out")"
bad=0
while IFS= read -r l; do
    case $l in "::warning file="*",line="[0-9]*",col="[0-9]*",title="*"::"*) ;; *) bad=1 ;; esac
done <"$T/out"
[ "$bad" = 0 ] && [ "$(wc -l <"$T/out")" = 3 ] && [ "$rc" = 0 ] && [ ! -s "$T/err" ]
ok_if "--format github: every line is a workflow command (3 warnings), exit 0, nothing on stderr" $? "$(cat "$T/out" "$T/err")"
printf 'runbook "x" { severity P3 }\nstep s "S" { let x = 100%%\n' >"$T/rb/pct.rb"
run lint --format github "$T/rb/pct.rb"
grep -q "^::error file=" "$T/out" && ! grep -q "::.*[^%]%[^0-9A-F2]" "$T/out"
ok_if "--format github: errors are ::error, '%' in messages escaped" $? "$(cat "$T/out")"
rm -f "$T/rb/pct.rb"

run lint --no-shellcheck --format checkstyle "$T/rb/a.rb"
if [ $have_py = 1 ]; then
    r=$(/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
assert root.tag == "checkstyle", root.tag
files = root.findall("file"); errs = root.findall("file/error")
assert len(files) == 1 and files[0].get("name").endswith("a.rb"), files
assert sorted(e.get("source") for e in errs) == ["runbook.RB102", "runbook.RB103", "runbook.RB115"], [e.get("source") for e in errs]
assert all(e.get("severity") == "warning" and int(e.get("line")) > 0 and int(e.get("column")) > 0 for e in errs)
print("yes")' "$T/out" 2>&1)
    [ "$r" = yes ]; ok_if "--format checkstyle: well-formed XML, one <file>, an <error> per finding with source runbook.RULE" $? "$r"
fi

if [ $have_py = 1 ] && /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
    printf 'runbook "Broken" {\n  severity P3\n}\nstep s "S" { goto nowhere }\n' >"$T/rb/err.rb"
    "$RUNBOOK" lint --format sarif "$T/rb" "$TESTS/lang/warn-sc-shellcheck.rb" "$TESTS/lang/warn-rb107-destructive.rb" >"$T/out" 2>"$T/err"
    r=$(/usr/bin/python3 -c 'import json, sys, jsonschema
schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
errs = list(jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).iter_errors(doc))
assert not errs, [(list(e.path), e.message) for e in errs[:5]]
run = doc["runs"][0]; rules = run["tool"]["driver"]["rules"]; res = run["results"]
for r in res:
    rule = rules[r["ruleIndex"]]
    assert rule["id"] == r["ruleId"], (rule["id"], r["ruleId"])
for rule in rules:
    assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["helpUri"], rule
assert {"RB%d" % i for i in range(100, 118)} <= {r["id"] for r in rules}, [r["id"] for r in rules]
ids = {r["ruleId"] for r in res}
assert {"RB000", "RB102", "RB107", "RB115"} <= ids, ids
if sys.argv[3] == "1":
    assert "SC2086" in ids, ids
    assert [r for r in rules if r["id"] == "SC2086"][0]["helpUri"] == "https://www.shellcheck.net/wiki/SC2086"
assert any(r["level"] == "error" for r in res)
print("yes")' "$TESTS/lint/sarif-schema-2.1.0.json" "$T/out" "$have_sc" 2>&1)
    [ "$r" = yes ]; ok_if "--format sarif: valid against the SARIF 2.1.0 schema; every rule with descriptions and helpUri; ruleIndex matches" $? "$r"
    rm -f "$T/rb/err.rb"
else
    pass "--format sarif validates against the schema # SKIP python3-jsonschema is not installed"
fi

run lint --no-shellcheck --format json "$T/rb/a.rb"
if [ $have_py = 1 ]; then
    r=$(/usr/bin/python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["warnings"] == 3 and sorted(g["rule"] for g in d["diagnostics"]) == ["RB102", "RB103", "RB115"], d
print("yes")' "$T/out" 2>&1)
    [ "$r" = yes ]; ok_if "--format json: each finding with its rule" $? "$r"
fi
run lint --format xml "$T/rb/a.rb"
[ "$rc" = 2 ] && grep -q "checkstyle" "$T/err"; ok_if "--format xml: exit 2, lists the formats" $? "$(cat "$T/err")"

# ---- suppressions and baselines ---------------------------------------------------------
cat >"$T/rb/sup.rb" <<'RB'
# runbook:disable-file RB103
runbook "Suppressed" { severity P3 }
param unused = 1
step s "Step" {
  # runbook:disable RB102 -- the restart is the point

  sh "systemctl restart api"
}
RB
run lint --strict --no-shellcheck "$T/rb/sup.rb"
[ "$rc" = 0 ] && [ ! -s "$T/err" ]; ok_if "suppressions: file-wide, and on the line before (blank lines between): --strict clean" $? "$(cat "$T/err")"

base=$T/baseline.json
run lint --no-shellcheck --write-baseline "$base" "$T/rb/a.rb"
[ "$rc" = 0 ] && [ -s "$base" ]; ok_if "--write-baseline writes the file" $? "exit $rc $(cat "$T/err")"
run lint --no-shellcheck --strict --baseline "$base" "$T/rb/a.rb"
[ "$rc" = 0 ] && [ ! -s "$T/err" ]; ok_if "--baseline: recorded findings are not reported, --strict passes" $? "exit $rc: $(cat "$T/err")"
{ printf '# a new first line\n\n'; sed 's/^step s "Step" {/step s "Step" {\n  note "moved"/' "$T/rb/a.rb"; } >"$T/moved.rb"
mv "$T/moved.rb" "$T/rb/a.rb"
run lint --no-shellcheck --strict --baseline "$base" "$T/rb/a.rb"
[ "$rc" = 0 ] && [ ! -s "$T/err" ]; ok_if "--baseline: findings whose lines moved still match" $? "exit $rc: $(cat "$T/err")"
printf 'step t "Another" {\n  sh "systemctl restart db"\n}\n' >>"$T/rb/a.rb"
run lint --no-shellcheck --strict --baseline "$base" "$T/rb/a.rb"
[ "$rc" = 1 ] && grep -q "restart db" "$T/err" && [ "$(grep -c 'warning:' "$T/err")" = 1 ]
ok_if "--baseline: only the new finding is reported and fails --strict" $? "exit $rc: $(cat "$T/err")"
sed -i 's/  sh "systemctl restart db"/  sh "systemctl restart api"/' "$T/rb/a.rb"
run lint --no-shellcheck --strict --baseline "$base" "$T/rb/a.rb"
[ "$rc" = 1 ] && [ "$(grep -c 'warning:' "$T/err")" = 1 ]
ok_if "--baseline: each entry absorbs one finding (a second identical line is new)" $? "exit $rc: $(cat "$T/err")"
printf 'not json' >"$T/badbase.json"
run lint --baseline "$T/badbase.json" "$T/rb/sup.rb"
[ "$rc" = 2 ] && grep -q "badbase.json" "$T/err"; ok_if "--baseline of a file that is not a baseline: exit 2, says why" $? "exit $rc"

# Many findings in one file: every RB107 replaces the RB102 at its command, suppressions and
# a baseline each remove exactly theirs (the removals run over all findings in one pass).
{ echo 'runbook "Many" { severity P2 }'; i=0
  while [ "$i" -lt 400 ]; do
      case $((i % 4)) in
      0) printf 'step s%d "S" {\n  sh "rm -rf /tmp/x%d"\n}\n' "$i" "$i" ;;
      1) printf 'step s%d "S" {\n  sh "systemctl restart a%d"\n}\n' "$i" "$i" ;;
      2) printf 'step s%d "S" {\n  sh "systemctl restart b%d"   # runbook:disable RB102\n}\n' "$i" "$i" ;;
      3) printf 'step s%d "S" {\n  sh "ls /tmp/%d" readonly\n}\n' "$i" "$i" ;;
      esac
      i=$((i + 1))
  done; } >"$T/rb/many.rb"
run lint --no-shellcheck "$T/rb/many.rb"
n107=$(grep -c '\[RB107\]$' "$T/err"); n102=$(grep -c '\[RB102\]$' "$T/err")
both=$(grep -E '\[RB10[27]\]$' "$T/err" | cut -d: -f2,3 | sort | uniq -d | wc -l)
[ "$n107" = 100 ] && [ "$n102" = 100 ] && [ "$both" = 0 ] && ! grep -q 'restart b' "$T/err" &&
    grep -q 'many.rb:3:3: warning: destructive command' "$T/err" && grep -q '202 warnings' "$T/err"
ok_if "400 steps: 100 RB107 (each in place of its RB102), 100 RB102, the 100 suppressed ones gone" $? \
    "RB107 $n107, RB102 $n102, both at one place $both: $(tail -1 "$T/err")"
mv "$T/rb/many.rb" "$T/full.rb"
head -n 601 "$T/full.rb" >"$T/rb/many.rb"   # the header and the first 200 steps
run lint --no-shellcheck --write-baseline "$T/half.json" "$T/rb/many.rb"
mv "$T/full.rb" "$T/rb/many.rb"
run lint --no-shellcheck --baseline "$T/half.json" "$T/rb/many.rb"
n107=$(grep -c '\[RB107\]$' "$T/err"); n102=$(grep -c '\[RB102\]$' "$T/err")
first=$(grep -m1 'many.rb:[0-9]*:[0-9]*: warning' "$T/err" | cut -d: -f2)
[ "$n107" = 50 ] && [ "$n102" = 50 ] && [ "$first" = 603 ] && grep -q '100 warnings' "$T/err"
ok_if "baseline of the first 200 steps: only the 50 RB107 and 50 RB102 of the last 200 remain" $? \
    "RB107 $n107, RB102 $n102, first at line $first: $(tail -1 "$T/err")"

# ---- shellcheck ---------------------------------------------------------------------------
printf 'runbook "x" { severity P3 }\nstep s "S" { sh "ls $HOME" readonly }\n' >"$T/rb/sc1.rb"
cp "$T/rb/sc1.rb" "$T/rb/sc2.rb"
RUNBOOK_SHELLCHECK=$T/no-such-shellcheck "$RUNBOOK" lint "$T/rb/sc1.rb" "$T/rb/sc2.rb" >"$T/out" 2>"$T/err"
[ "$(grep -c 'shellcheck is not installed' "$T/err")" = 1 ] && ! grep -q SC2086 "$T/err"
ok_if "shellcheck missing: said once for the whole run, no SC findings" $? "$(cat "$T/err")"
printf 'runbook "x" { severity P3 }\nstep s "S" { note "no commands" }\n' >"$T/nosh.rb"
RUNBOOK_SHELLCHECK=$T/no-such-shellcheck "$RUNBOOK" lint --strict "$T/nosh.rb" >"$T/out" 2>"$T/err"
[ "$?" = 0 ] && ! grep -q "not installed" "$T/err"; ok_if "shellcheck missing, no sh command to check: nothing said" $? "$(cat "$T/err")"
printf 'runbook "x" { severity P3 }\nstep s "S" {\n  sh "ls $HOME" readonly # runbook:disable SC2086\n}\n' >"$T/rb/sc5.rb"
RUNBOOK_SHELLCHECK=$T/no-such-shellcheck "$RUNBOOK" lint --strict "$T/rb/sc5.rb" >"$T/out" 2>"$T/err"
[ "$?" = 0 ] && ! grep -q RB117 "$T/err"; ok_if "shellcheck missing: SC suppressions are not called unused" $? "$(cat "$T/err")"
"$RUNBOOK" lint --strict --no-shellcheck "$T/rb/sc5.rb" >"$T/out" 2>"$T/err"
[ "$?" = 0 ] && [ ! -s "$T/err" ]; ok_if "--no-shellcheck: no shellcheck, no notice, SC suppressions not judged" $? "$(cat "$T/err")"
if [ $have_sc = 1 ]; then
    # A wrapper that logs each start, then runs the real shellcheck.
    real=$(command -v shellcheck)
    printf '#!/bin/sh\necho "$$ $*" >>"%s"\nexec "%s" "$@"\n' "$T/sc.log" "$real" >"$T/shellcheck"
    chmod +x "$T/shellcheck"
    RUNBOOK_SHELLCHECK=$T/shellcheck "$RUNBOOK" lint "$T/rb/sc1.rb" "$T/rb/sc2.rb" "$T/nosh.rb" >"$T/out" 2>"$T/err"
    [ "$(wc -l <"$T/sc.log")" = 2 ] && [ "$(grep -c 'SC2086' "$T/err")" = 2 ] && grep -q "sc1.rb:2:21: warning: shellcheck info: .*\[SC2086\]" "$T/err"
    ok_if "shellcheck: one process per file with commands, findings at the runbook column" $? "$(cat "$T/sc.log" "$T/err")"
    # More files than CPUs: every file still gets its findings, in file order.
    mkdir -p "$T/many"
    for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
        printf 'runbook "x" { severity P3 }\nstep s "S" { sh "ls $HOME" readonly }\n' >"$T/many/f$(printf %02d "$i").rb"
        [ "$i" = 7 ] && printf 'let broken = (\n' >"$T/many/f07.rb"
    done
    mkdir -p "$T/tmp"
    TMPDIR=$T/tmp "$RUNBOOK" lint "$T/many" >"$T/out" 2>"$T/err"; rc=$?
    left=$(ls "$T/tmp" | wc -l)
    [ "$left" = 0 ]; ok_if "shellcheck: no script left behind in TMPDIR" $? "$(ls "$T/tmp")"
    order=$(grep -o 'f[0-9]*\.rb:[0-9]*:[0-9]*: [a-z]*' "$T/err" | tr '\n' ' ')
    want="f01.rb:2:21: warning f02.rb:2:21: warning f03.rb:2:21: warning f04.rb:2:21: warning f05.rb:2:21: warning f06.rb:2:21: warning f07.rb:2:1: error f08.rb:2:21: warning f09.rb:2:21: warning f10.rb:2:21: warning f11.rb:2:21: warning f12.rb:2:21: warning "
    [ "$rc" = 2 ] && [ "$order" = "$want" ]; ok_if "shellcheck over 12 files (one does not parse): every finding, in file order, exit 2" $? "exit $rc: $order"
    printf 'runbook "x" { severity P3 }\nstep s "S" {\n  sh "test -n \\"$(date)\\" && ls $HOME" readonly # runbook:disable SC2086\n  sh "echo ok" readonly # runbook:disable SC2034\n}\n' >"$T/rb/sc3.rb"
    run lint --strict "$T/rb/sc3.rb"
    [ "$rc" = 1 ] && [ "$(grep -c 'warning:' "$T/err")" = 1 ] && grep -q "4:.*unused suppression: no SC2034" "$T/err"
    ok_if "shellcheck: an SC suppression covers its line; an unused one is RB117" $? "exit $rc: $(cat "$T/err")"
    printf 'runbook "x" { severity P3 }\nstep s "S" {\n  sh "echo \\"unterminated" readonly\n  sh "ls $HOME" readonly\n}\n' >"$T/rb/sc4.rb"
    run lint "$T/rb/sc4.rb"
    grep -q "sc4.rb:3:.*\[SC10[0-9][0-9]\]" "$T/err"; ok_if "shellcheck: a command the shell cannot parse is reported at its line" $? "$(cat "$T/err")"
else
    pass "shellcheck findings # SKIP shellcheck is not installed"
fi
