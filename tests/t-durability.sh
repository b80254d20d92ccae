#!/bin/sh
# tests/t-durability.sh — SIGKILL at many seeded points of a run mixing pure events (notes,
# state changes, step starts) with commands, then: the database passes integrity_check; the
# record is gap-free and a prefix of an uninterrupted run's record (nothing reordered, nothing
# missing in the middle); every command that ran has its sh.start recorded (the record of a
# side effect is committed before it starts); and `resume --auto` finishes the run with the
# uninterrupted run's record (less resume marks), no completed command repeated, and a record
# that `replay --verify` accepts.  DURABILITY_SEED and DURABILITY_RUNS pick the kill points;
# the seed is printed with every failure.
. "$(dirname "$0")/lib.sh"
SEED=${DURABILITY_SEED:-$(date +%s)}
RUNS=${DURABILITY_RUNS:-24}
python3 - "$RUNBOOK" "$TESTS/durability/mixed.rb" "$T" "$SEED" "$RUNS" <<'PY'
import json, os, random, shutil, signal, sqlite3, subprocess, sys, time
rb, src, tmp, seed, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
LOOSE = {"sh.end", "wait.end", "http.response", "error"}
failures = []

def fail(name, detail):
    failures.append(name)
    print("not ok - %s (seed %d)\n    %s" % (name, seed, str(detail).replace("\n", "\n    ")))

def events(db):
    c = sqlite3.connect(db)
    rows = c.execute("SELECT seq, kind, text, data FROM events ORDER BY seq").fetchall()
    c.close()
    return rows

def shape(rows):
    """What must repeat exactly: kind and text (only the kind where the text has measurements)."""
    return [(k, None if k in LOOSE else t) for _, k, t, _ in rows]

def resume_mark(k, d):
    d = json.loads(d) if d else {}
    if not isinstance(d, dict): d = {}
    return k == "run.resume" or d.get("rerun") is True or (k in ("prompt", "answer") and d.get("key") in ("in_flight", "in_flight_running"))

def run_dir(name):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    shutil.copy(src, os.path.join(d, "mixed.rb"))
    return d

def effects(d):
    p = os.path.join(d, "effects.log")
    return open(p).read().split() if os.path.exists(p) else []

# the uninterrupted run
ref = run_dir("reference")
p = subprocess.run([rb, "exec", "mixed.rb", "--auto", "--db", "db"], cwd=ref, capture_output=True, text=True)
if p.returncode != 0:
    fail("the reference run finishes", p.stdout + p.stderr)
    sys.exit(0)
want = shape(events(os.path.join(ref, "db")))
want_effects = effects(ref)
start = time.monotonic()
subprocess.run([rb, "exec", "mixed.rb", "--auto", "--db", "db2"], cwd=ref, capture_output=True)
span = time.monotonic() - start

rnd = random.Random(seed)
checked = killed_mid = 0
for n in range(runs):
    d = run_dir("kill%d" % n)
    db = os.path.join(d, "db")
    delay = rnd.uniform(0, span * 1.1)
    proc = subprocess.Popen([rb, "exec", "mixed.rb", "--auto", "--db", "db"], cwd=d,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    what = "kill %d after %.1f ms" % (n, delay * 1000)
    if not os.path.exists(db):
        if effects(d): fail(what + ": no database, no command ran", effects(d))
        continue
    c = sqlite3.connect(db)
    ok = c.execute("PRAGMA integrity_check").fetchone()[0]
    has = c.execute("SELECT count(*) FROM sqlite_master WHERE name = 'events'").fetchone()[0]
    nruns = c.execute("SELECT count(*) FROM runs").fetchone()[0] if has else 0
    c.close()
    if ok != "ok": fail(what + ": integrity_check", ok)
    if nruns == 0:
        if effects(d): fail(what + ": no run recorded, no command ran", effects(d))
        continue
    rows = events(db)
    checked += 1
    if [r[0] for r in rows] != list(range(1, len(rows) + 1)):
        fail(what + ": seq is 1..n without gaps", [r[0] for r in rows])
    got = shape(rows)
    if got != want[:len(got)]:
        i = next(i for i in range(len(got)) if got[i] != want[i])
        fail(what + ": the record is a prefix of the uninterrupted run's", "event %d: %s, expected %s" % (i + 1, got[i], want[i]))
    started = " ".join(json.loads(dt).get("command", "") for _, k, _, dt in rows if k == "sh.start" and dt)
    missing = [e for e in effects(d) if e not in started]
    if missing: fail(what + ": every command that ran was recorded as started first", missing)
    if got and got[-1][0] != "run.end": killed_mid += 1
    r = subprocess.run([rb, "resume", "last", "--auto", "--db", "db"], cwd=d, capture_output=True, text=True)
    finished = any(k == "run.end" for _, k, _, _ in rows)
    if finished:
        if r.returncode != 2: fail(what + ": a finished run is not resumed", r.stdout + r.stderr)
        continue
    if r.returncode != 0:
        fail(what + ": resume finishes", r.stdout + r.stderr)
        continue
    after = [(s, k, t, dt) for s, k, t, dt in events(db) if not resume_mark(k, dt)]
    if shape(after) != want:
        got_s = shape(after)
        i = next((i for i in range(min(len(got_s), len(want))) if got_s[i] != want[i]), min(len(got_s), len(want)))
        fail(what + ": after resume the record is the uninterrupted run's",
             "%d events, expected %d; first difference at %d: %r, expected %r" % (len(after), len(want), i,
             got_s[i] if i < len(got_s) else None, want[i] if i < len(want) else None))
    eff = effects(d)
    dups = [e for e in set(eff) if eff.count(e) > 1]
    if sorted(set(eff)) != sorted(want_effects) or len(dups) > 1:
        fail(what + ": each command ran once (the one in flight at most twice)", eff)
    v = subprocess.run([rb, "replay", "last", "--verify", "--quiet", "--db", "db"], cwd=d, capture_output=True, text=True)
    if v.returncode != 0: fail(what + ": the resumed run verifies", v.stdout + v.stderr)

if checked < runs // 3:
    fail("most kills hit a recorded run", "%d of %d" % (checked, runs))
if not failures:
    print("ok - durability: %d seeded kills (seed %d), %d mid-run: integrity, prefix, commands recorded first, "
          "resume reproduces the run" % (runs, seed, killed_mid))
PY
