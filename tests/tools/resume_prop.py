#!/usr/bin/env python3
"""resume_prop.py -- seeded property test of crash recovery (tests/t-resume-prop.sh).

For each case (a shipped playbook with its stubs and an answers file, or a real-clock
runbook whose timers fire during commands, requests and waits), with the answers' delays
drawn at random (so ladder rungs and status-update timers fire during prompts and waits):

  1. run it once to the end (the baseline: how long it takes);
  2. run it again and SIGKILL it at a random instant of that span;
  3. resume it non-interactively (answers file, stdin /dev/null);
  4. check: the resume ends the run (not interrupted, exit 0 or 1); no completed command,
     request or mail ran twice (side effects counted in the stub log, at the local HTTP
     server and its SMTP sink, against what the final record says ran, allowing only what
     was in flight at the kill); `replay --verify` of the resumed run passes.

usage: resume_prop.py --runbook BIN --root DIR --tmp DIR --kills N --seed S [--jobs N]
Attempts run N side by side (default 4: most of an attempt is spent waiting), each worker
with its own tests/tools/httpd.py server and SMTP sink, so what reached a server is counted
per attempt.
A failure prints the seed, the case, the kill instant and the kept directory, so
`SEED=S sh tests/t-resume-prop.sh` re-runs the same draws.
Prints "ok - ..." / "not ok - ..." lines like the other tests.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time

START = "2026-01-01T00:00:00Z"
STUB_WORD = re.compile(r"(?:^|[\s;|&(`])(?:aws|git|curl|pg_isready)(?=\s|$)|\$STUB_LOG")

# (name, runbook relative to root, answers (tests/playbooks/…) or inline dict, env, extra args, clock)
CASES = [
    ("service-down/rollback", "runbooks/p1-service-down.rb", "service-down-rollback.json", {}, [], "virtual"),
    ("service-down/scale", "runbooks/p1-service-down.rb", "service-down-scale-late-ack.json",
     {"STUB_CPU_MAX": "97"}, [], "virtual"),
    ("service-down/investigate", "runbooks/p1-service-down.rb", "service-down-investigate.json",
     {"STUB_GIT_LOG": "", "STUB_DEPLOYED_AT": "2025-12-30T10:00:00Z"}, [], "virtual"),
    ("database-down/failover", "runbooks/p1-database-down.rb", "database-down-failover-in-progress.json",
     {"STUB_RDS_EVENTS": "failover", "STUB_RDS_STATUS": "rebooting,rebooting,rebooting,available"}, [], "virtual"),
    ("database-down/restore", "runbooks/p1-database-down.rb", "database-down-restore.json", {}, [], "virtual"),
    ("security-breach/contain-all", "runbooks/p1-security-breach.rb", "security-breach-contain-all.json", {}, [],
     "virtual"),
    ("data-loss/db-and-s3", "runbooks/p1-data-loss.rb", "data-loss-db-and-s3.json", {}, [], "virtual"),
    ("declare/p1-service-down", "runbooks/declare-incident.rb", "declare-p1-service-down.json", {}, [], "virtual"),
    ("declare/p2-generic", "runbooks/declare-incident.rb", "declare-p2-generic.json", {}, [], "virtual"),
    ("real-clock/interleave", "tests/crash/interleave.rb",
     {"first": "yes", "second": "go on", "last": "yes"}, {}, [], "real"),
]


def out(line):
    print(line, flush=True)


def randomize(answers, rng, clock):
    """The same answers, each with a random delay (lists: each entry)."""
    def one(v):
        if isinstance(v, dict):
            v = v.get("answer")
        if clock == "real":
            after = "%.1fs" % rng.choice([0, 0, 0.2, 0.5, 0.9])
        else:
            after = "%dm" % rng.choice([0, 0, 1, 3, 6, 9, 13])
        return {"answer": v, "after": after}
    return {k: ([one(x) for x in v] if isinstance(v, list) else one(v)) for k, v in answers.items()}


def server_lines(path):
    try:
        with open(path) as f:
            return [json.loads(l) for l in f if l.strip()]
    except FileNotFoundError:
        return []


def events(db):
    c = sqlite3.connect(db)
    try:
        rows = c.execute("SELECT seq, kind, text, data FROM events ORDER BY seq").fetchall()
    finally:
        c.close()
    return [(s, k, t, json.loads(d) if d else {}) for s, k, t, d in rows]


def nstub(cmd):
    return len(STUB_WORD.findall(cmd or ""))


def expected(evs):
    """Side effects the record says happened: stub lines, HTTP requests, mails."""
    stub = http = mail = 0
    for _, k, _, d in evs:
        if k == "sh.end" and not d.get("skipped") and not d.get("timed_out"):
            stub += nstub(d.get("command"))
        elif k == "http.response" and not d.get("skipped") and d.get("status", 0) > 0:
            http += max(1, d.get("attempts") or 1)
        elif k == "mail.sent" and d.get("ok") and not d.get("skipped"):
            mail += 1
    return stub, http, mail


def in_flight(evs):
    """What a killed run had started and not finished: extra side effects allowed."""
    stub = http = mail = 0
    open_sh, open_http, open_mail = [], [], 0
    for _, k, _, d in evs:
        if k == "sh.start":
            open_sh.append(d.get("command"))
        elif k == "sh.end" and open_sh:
            open_sh.pop()
        elif k == "http.request":
            open_http.append(d)
        elif k == "http.response" and open_http:
            open_http.pop()
        elif k == "mail.send":
            open_mail += 1
        elif k == "mail.sent" and open_mail:
            open_mail -= 1
    stub = sum(nstub(c) for c in open_sh)
    http = 21 * len(open_http)          # a request with retries may have reached it several times
    mail = open_mail
    return stub, http, mail


class Runner:
    """One worker: its own HTTP server and SMTP sink (so side effects are counted per
    attempt even when attempts run side by side), and the environment that points at them."""

    def __init__(self, a, wdir):
        self.a = a
        os.makedirs(wdir, exist_ok=True)
        self.server_log = os.path.join(wdir, "server.log")
        port_file, smtp_file = os.path.join(wdir, "port"), os.path.join(wdir, "smtp")
        httpd = os.path.join(a.root, "tests", "tools", "httpd.py")
        self.server = subprocess.Popen([sys.executable, httpd, "--port-file", port_file, "--smtp-port-file", smtp_file,
                                        "--log", self.server_log, "--max-seconds", "3000"], stdin=subprocess.DEVNULL)
        for _ in range(200):
            if all(os.path.exists(f) and os.path.getsize(f) > 0 for f in (port_file, smtp_file)):
                break
            time.sleep(0.05)
        with open(port_file) as f:
            http_port = int(f.read().strip())
        with open(smtp_file) as f:
            smtp_port = int(f.read().strip())
        self.env = dict(os.environ)
        base = "http://127.0.0.1:%d" % http_port
        for name in ("SLACK_WEBHOOK", "STATUS_PAGE_WEBHOOK", "SLACK_ONCALL_WEBHOOK", "SLACK_ENG_LEAD_WEBHOOK",
                     "SLACK_CTO_WEBHOOK", "SLACK_SECURITY_WEBHOOK"):
            self.env[name] = "%s/hook/%s" % (base, name.lower())
        for name in ("PAGERDUTY_ONCALL_KEY", "PAGERDUTY_BACKUP_KEY", "PAGERDUTY_SECURITY_KEY"):
            self.env[name] = "key-" + name.lower()
        for name in ("ENG_LEAD_EMAIL", "CTO_EMAIL", "SECURITY_EMAIL", "LEGAL_EMAIL", "PR_EMAIL"):
            self.env[name] = name.lower() + "@example.com"
        self.env["RUNBOOK_PAGERDUTY_URL"] = base + "/pagerduty"
        self.env["RUNBOOK_STATUSPAGE_URL"] = base + "/statuspage"
        self.env["RUNBOOK_SMTP_URL"] = "smtp://127.0.0.1:%d" % smtp_port
        self.env["HOOK_URL"] = base
        self.env["PATH"] = os.path.join(a.root, "tests", "stubs") + ":" + self.env["PATH"]
        self.env["RUNBOOK_PATH"] = os.path.join(a.root, "stdlib")
        self.env["NO_COLOR"] = "1"

    def close(self):
        self.server.terminate()
        self.server.wait()

    def setup(self, d, case, answers):
        name, rb, _, env, extra, clock = case
        if os.path.exists(d):
            shutil.rmtree(d)
        os.makedirs(d)
        with open(os.path.join(d, "answers.json"), "w") as f:
            json.dump(answers, f)
        e = dict(self.env)
        e.update(env)
        e["STUB_LOG"] = os.path.join(d, "stub.log")
        e["TMPDIR"] = d
        open(e["STUB_LOG"], "w").close()
        args = [self.a.runbook, "exec", os.path.join(self.a.root, rb), "--db", os.path.join(d, "db"),
                "--answers", os.path.join(d, "answers.json")] + extra
        if clock == "virtual":
            args += ["--clock", "virtual=" + START]
        return args, e

    def run(self, args, env, d, log, kill_after=None):
        with open(os.path.join(d, log), "w") as o:
            t0 = time.monotonic()
            p = subprocess.Popen(args, cwd=d, env=env, stdin=subprocess.DEVNULL, stdout=o, stderr=subprocess.STDOUT)
            if kill_after is None:
                rc = p.wait(timeout=300)
                return rc, time.monotonic() - t0
            try:
                rc = p.wait(timeout=kill_after)
                return rc, None                       # it ended before the kill
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGKILL)
                p.wait()
                return -9, kill_after

    def resume(self, d, env, answers, pick):
        a = dict(answers)
        a["in_flight"] = pick   # 1: re-run / re-send, 2: skip
        with open(os.path.join(d, "answers2.json"), "w") as f:
            json.dump(a, f)
        args = [self.a.runbook, "resume", "last", "--db", os.path.join(d, "db"), "--answers",
                os.path.join(d, "answers2.json")]
        rc, _ = self.run(args, env, d, "resume.out")
        return rc, a["in_flight"]


def server_count(path, since):
    lines = server_lines(path)[since:]
    return (len([l for l in lines if not l.get("smtp")]), len([l for l in lines if l.get("smtp")]))


def draws(a):
    """Every attempt's draws in order, taken up front whatever happens to earlier attempts,
    so SEED (and --only) reproduce an attempt however the workers interleave."""
    rng = random.Random(a.seed)
    attempts = 0
    while attempts < max(a.kills * 4, a.only):
        attempts += 1
        case = CASES[attempts % len(CASES)]
        ans = case[2]
        if isinstance(ans, str):
            with open(os.path.join(a.root, "tests", "playbooks", ans)) as f:
                ans = json.load(f)
        answers = randomize(ans, rng, case[5])
        frac = rng.uniform(0.0, 0.97)
        pick = rng.choice(["1", "2"])
        if a.only and attempts != a.only:
            continue
        yield attempts, case, answers, frac, pick


def end_problems(pick, rc, base_rc, dbp):
    """The resumed run ends as the uninterrupted one did (exit 4: the answers ran out there too)."""
    c = sqlite3.connect(dbp)
    status = c.execute("SELECT status FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]
    c.close()
    if pick == "2" and rc in (0, 1, 4):
        return []   # the in-flight action was skipped: its output is gone, the path may change
    if base_rc in (0, 1) and (rc not in (0, 1) or status == "interrupted"):
        return ["resume exit %d, run %s (uninterrupted: exit %d)" % (rc, status, base_rc)]
    if base_rc not in (0, 1) and rc != base_rc:
        return ["resume exit %d (uninterrupted: exit %d)" % (rc, base_rc)]
    return []


def verify_and_explain(a, d, dbp, env, problems):
    """`replay --verify` of the resumed run must pass; on any problem, the end of what the
    resume said (the directory goes with the test's)."""
    v = subprocess.run([a.runbook, "replay", "last", "--verify", "--quiet", "--db", dbp], cwd=d, env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if v.returncode != 0:
        problems.append("replay --verify exit %d: %s" % (v.returncode, (v.stdout + v.stderr).strip()[-600:]))
    if problems:
        try:
            with open(os.path.join(d, "resume.out"), errors="replace") as f:
                tail = f.read().splitlines()[-12:]
            problems.append("resume.out ends:\n      " + "\n      ".join(tail))
        except OSError:
            pass
    return problems


def attempt(a, R, attempts, case, answers, frac, pick):
    """Run one attempt: None when the kill did not land (the run ended first, or nothing was
    recorded yet), else (what, problems, dir)."""
    name = case[0]
    d = os.path.join(a.tmp, "k%d" % attempts)
    # the baseline: how long the whole run takes with these answers
    args, env2 = R.setup(d, case, answers)
    base_rc, span = R.run(args, env2, d, "base.out")
    exp = expected(events(os.path.join(d, "db")))
    stub_lines = sum(1 for _ in open(env2["STUB_LOG"]))
    if stub_lines != exp[0]:
        # the stub count of this case is not what its commands say: the heuristic fails
        return "%s (attempt %d): baseline" % (name, attempts), [
            "baseline stub lines %d, commands say %d" % (stub_lines, exp[0])], d
    # the killed run
    delay = frac * span
    args, env2 = R.setup(d, case, answers)
    mark = len(server_lines(R.server_log))
    rc, killed = R.run(args, env2, d, "killed.out", kill_after=delay)
    if killed is None:
        return None
    time.sleep(0.15)   # what the kill orphaned (a stub in its own process group) finishes
    dbp = os.path.join(d, "db")
    try:
        kill_evs = events(dbp)
    except sqlite3.Error:
        kill_evs = []
    c = sqlite3.connect(dbp)
    row = c.execute("SELECT status FROM runs ORDER BY id DESC LIMIT 1").fetchone() if kill_evs else None
    c.close()
    if not kill_evs or row[0] not in ("running", "interrupted"):
        return None        # killed before the run was recorded, or after it ended: nothing to resume
    allow = in_flight(kill_evs)
    rc, pick = R.resume(d, env2, answers, pick)
    what = "%s, kill at %.3fs of %.3fs after event %d (%s), in-flight answer %s" % (
        name, delay, span, kill_evs[-1][0], kill_evs[-1][1], pick)
    problems = end_problems(pick, rc, base_rc, dbp)
    final = events(dbp)
    exp = expected(final)
    # a command that timed out may or may not have got as far as its side effect
    timed = sum(nstub(d.get("command")) for _, k, _, d in final if k == "sh.end" and d.get("timed_out"))
    allow = (allow[0] + timed, allow[1], allow[2])
    got_stub = sum(1 for _ in open(env2["STUB_LOG"]))
    got_http, got_mail = server_count(R.server_log, mark)
    for label, g, e, al in (("stub commands", got_stub, exp[0], allow[0]), ("HTTP requests", got_http, exp[1],
                            allow[1]), ("mails", got_mail, exp[2], allow[2])):
        if g < e or g > e + al:
            problems.append("%s: %d happened, the record says %d (+%d in flight at the kill)" % (label, g, e, al))
    # the resumed run verifies (an interrupted one: everything it recorded is reproduced)
    verify_and_explain(a, d, dbp, env2, problems)
    return what, problems, d


def cut_attempt(a, R, attempts, case, answers, frac, pick):
    """The same crash without the timing: run to the end, then cut the record after a drawn
    event (as if the kill came right after it was committed), mark the run interrupted and
    resume it.  Every prefix must resume to the same end and verify; side effects are not
    counted (the uninterrupted run made them all)."""
    name = case[0]
    d = os.path.join(a.tmp, "c%d" % attempts)
    args, env2 = R.setup(d, case, answers)
    base_rc, _ = R.run(args, env2, d, "base.out")
    dbp = os.path.join(d, "db")
    c = sqlite3.connect(dbp)
    n = c.execute("SELECT max(seq) FROM events").fetchone()[0] or 0
    cut = 1 + int(frac * max(1, n - 2))
    kind = (c.execute("SELECT kind FROM events WHERE seq = ?", (cut,)).fetchone() or ("?",))[0]
    c.execute("DELETE FROM events WHERE seq > ?", (cut,))
    c.execute("UPDATE runs SET status = 'interrupted', ended_at = NULL")
    c.commit()
    c.close()
    rc, pick = R.resume(d, env2, answers, pick)
    what = "%s, record cut after event %d of %d (%s), in-flight answer %s" % (name, cut, n, kind, pick)
    problems = end_problems(pick, rc, base_rc, dbp)
    verify_and_explain(a, d, dbp, env2, problems)
    return what, problems, d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runbook", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--tmp", required=True)
    ap.add_argument("--kills", type=int, default=40)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--jobs", type=int, default=4, help="attempts run side by side, each worker with its own server")
    ap.add_argument("--only", type=int, default=0, help="run only this attempt (its draws as in the full run)")
    ap.add_argument("--cuts", action="store_true", help="cut the record after a drawn event instead of killing")
    a = ap.parse_args()
    jobs = 1 if a.only else max(1, a.jobs)
    out("# seed %d, %d kill points over %d cases, %d workers" % (a.seed, a.kills, len(CASES), jobs))
    lock = threading.Lock()
    todo = draws(a)
    st = {"kills": 0, "failures": 0, "attempts": 0}

    def worker(i):
        R = Runner(a, os.path.join(a.tmp, "w%d" % i))
        try:
            while True:
                with lock:
                    if st["kills"] >= a.kills and not a.only:
                        return
                    nxt = next(todo, None)
                if nxt is None:
                    return
                r = (cut_attempt if a.cuts else attempt)(a, R, *nxt)
                with lock:
                    st["attempts"] = max(st["attempts"], nxt[0])
                    if r is None:
                        continue
                    what, problems, d = r
                    st["kills"] += 1
                    if problems:
                        st["failures"] += 1
                        out("not ok - kill %d (attempt %d): %s" % (st["kills"], nxt[0], what))
                        for p in problems:
                            out("    " + p)
                        out("    re-run: SEED=%d ONLY=%d%s KEEP=DIR sh tests/t-resume-prop.sh (kept in %s)"
                            % (a.seed, nxt[0], " CUTS=1" if a.cuts else "", d))
                    else:
                        out("ok - kill %d: %s" % (st["kills"], what))
                        shutil.rmtree(d, ignore_errors=True)
        finally:
            R.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    kills, failures = st["kills"], st["failures"]
    if kills < a.kills and not a.only:
        out("not ok - only %d kill points landed in %d attempts (seed %d)" % (kills, st["attempts"], a.seed))
        failures += 1
    out("# %d kill points, %d failed, seed %d" % (kills, failures, a.seed))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
