#!/usr/bin/env python3
"""tests/inject/matrix.py — every shell context x every payload: a value never runs.

Generates one runbook per (context, payload, delivery) into a fresh directory, runs
`runbook exec` there with the payload as a prompt answer (--answers) or a param (--set),
and checks that the value arrived literally (the command wrote it to ./out) or that the
runbook was refused at check time (exit 2, file:line:col: error) or, for a value no
command can receive (NUL, over 128 KiB), that the step failed before running anything.
In every case the file ./F, which each payload tries to create, must not exist.
Prints "ok - …" / "not ok - …" lines and, last, a summary line with the counts.
"""
import json, os, re, subprocess, sys, tempfile
from concurrent.futures import ThreadPoolExecutor

RUNBOOK = os.environ["RUNBOOK"]
BASH_HERESTRING = subprocess.run(["/bin/sh", "-c", "cat <<<x"], capture_output=True).returncode == 0

# Each context: name, the command (runbook heredoc text; X stands for the interpolation),
# and the bytes ./out must hold for a value v, or "refused" (check time).
CONTEXTS = [
    ("plain", "printf '%s' X > out", lambda v: v),
    ("plain-in-word", "printf '%s' a-X-b > out", lambda v: b"a-" + v + b"-b"),
    ("single-quotes", "printf '%s' 'a X b' > out", lambda v: b"a " + v + b" b"),
    ("double-quotes", 'printf \'%s\' "a X b" > out', lambda v: b"a " + v + b" b"),
    ("double-quotes-dollar", 'printf \'%s\' "\\$HOME X" > out', lambda v: b"$HOME " + v),
    ("dollar-single-quotes", "printf '%s' $'a X b' > out", "refused"),
    ("cmdsub", "y=$(printf '%s.' X); printf '%s' \"${y%.}\" > out", lambda v: v),
    ("cmdsub-in-dq", 'printf \'%s\' "$(printf \'%s.\' X)" > out', lambda v: v + b"."),
    ("cmdsub-nested", 'printf \'%s\' "$(printf \'%s\' "<$(printf \'%s.\' X)>")" > out', lambda v: b"<" + v + b".>"),
    ("backticks", "y=`printf '%s.' X`; printf '%s' \"${y%.}\" > out", lambda v: v),
    ("backticks-in-dq", 'printf \'%s\' "`printf \'%s.\' X`" > out', lambda v: v + b"."),
    ("heredoc", "cat > out <<EOF\n[X]\nEOF", lambda v: b"[" + v + b"]\n"),
    ("heredoc-dash", "cat > out <<-EOF\n\t[X]\n\tEOF", lambda v: b"[" + v + b"]\n"),
    ("heredoc-quoted", "cat > out <<'EOF'\n[X]\nEOF", "refused"),
    ("heredoc-then-word", "cat > out <<EOF\nline\nEOF\nprintf '%s' X >> out", lambda v: b"line\n" + v),
    ("comment", "true # X\nprintf ok > out", "refused"),
    ("arithmetic", "echo $(( 1 + X )) > out", "refused"),
    ("arithmetic-cmdsub", "echo $(( $(printf '%s' X) + 1 )) > out", "refused"),
    ("param-default", 'printf \'%s\' "${UNSET_V:-X}" > out', lambda v: v),
    ("param-default-unquoted", "y=${UNSET_V:-X}; printf '%s' \"$y\" > out", lambda v: v),
    ("param-pattern", 'y="aXb"; printf \'%s\' "${y#a}" > out', lambda v: v + b"b"),
    ("case-pattern", 'v=X; case "$v" in X) printf m > out;; *) printf n > out;; esac', lambda v: b"m"),
    ("case-subject", "case X in *) printf '%s' X > out;; esac", lambda v: v),
    ("for-list", "for w in X; do printf '%s' \"$w\" > out; done", lambda v: v),
    ("assignment", "y=X; printf '%s' \"$y\" > out", lambda v: v),
    ("redirect-target", "printf ok > out; printf '%s' X > ./out", lambda v: v),
    ("here-string", "cat <<<X > out", (lambda v: v + b"\n") if BASH_HERESTRING else None),
    ("two-values", "printf '%s|%s' X 'Y X' > out", lambda v: v + b"|Y " + v),
]

PAYLOADS = [
    ("semicolon", b"a; touch F"),
    ("cmdsub", b"$(touch F)"),
    ("backticks", b"`touch F`"),
    ("single-quote", b"x'; touch F; '"),
    ("double-quote", b'x"; touch F; "'),
    ("newline", b"a\ntouch F\nb"),
    ("heredoc-terminator", b"x\nEOF\ntouch F\nEOF\nSH\ny"),
    ("glob-and-vars", b"* $HOME ${PATH} \\ ~"),
    ("dash-option", b"-n"),
    ("nul", b"a\0; touch F"),
    ("invalid-utf8", b"\xff\xfe$(touch F)"),
    ("two-megabytes", b"$(touch F)" + b"A" * (2 * 1024 * 1024)),
]

HEADER = 'runbook "Injection case" {\n  id "inject"\n  severity P3\n  owner "test"\n}\n\n'


def runbook_text(cmd, delivery):
    body = cmd.replace("X", "#{x}")
    lines = "\n".join("    " + l for l in body.split("\n"))
    if delivery == "set":
        decl, ask = 'param x = "z"\n\n', ""
    elif delivery == "env":
        decl, ask = "", '  let x = env("PAYLOAD")\n'
    else:
        decl, ask = "", '  let x = ask("value", key: "x")\n'
    return HEADER + decl + 'step s "Case" {\n' + ask + "  sh <<~SH readonly\n" + lines + "\n    SH\n}\n"


def run_case(root, ctx, payload, delivery):
    cname, cmd, expect = ctx
    pname, v = payload
    d = tempfile.mkdtemp(dir=root)
    rb = os.path.join(d, "case.rb")
    with open(rb, "w") as f:
        f.write(runbook_text(cmd, delivery))
    argv = [RUNBOOK, "exec", rb, "--db", os.path.join(d, "runs.db")]
    if delivery == "answers":
        ans = os.path.join(d, "answers.json")
        with open(ans, "wb") as f:
            # json.dumps cannot write invalid UTF-8: such bytes go in raw (the loader refuses them)
            f.write(b'{"x": "' + json.dumps(v.decode("utf-8", "surrogateescape"), ensure_ascii=False)[1:-1]
                    .encode("utf-8", "surrogateescape") + b'"}')
        argv += ["--answers", ans]
    elif delivery == "set":
        argv += ["--set", b"x=" + v]
    env = dict(os.environ)
    if delivery == "env":
        env = {k.encode(): x.encode() for k, x in os.environ.items()}
        env[b"PAYLOAD"] = v
    try:
        p = subprocess.run(argv, cwd=d, capture_output=True, timeout=60, env=env)
    except (ValueError, OSError) as e:   # NUL or an oversized value cannot even be an argument
        return "skip", str(e)
    name = "%s x %s (%s)" % (cname, pname, delivery)
    if os.path.exists(os.path.join(d, "F")):
        return "fail", name + ": the payload ran a command (F exists)"
    err = p.stderr.decode("utf-8", "replace")
    outp = os.path.join(d, "out")
    got = open(outp, "rb").read() if os.path.exists(outp) else None
    if expect == "refused":
        if p.returncode == 2 and re.search(r"case\.rb:\d+:\d+: error: #\{", err) and got is None:
            return "ok", name
        if p.returncode != 0 and got is None and delivery != "env" and pname in ("nul", "invalid-utf8"):
            return "ok", name   # the answers file or the --set value itself was refused
        return "fail", "%s: expected a check-time refusal, got exit %d: %s" % (name, p.returncode, err[-300:])
    if delivery != "env" and pname == "invalid-utf8":
        # JSON cannot hold it and the record refuses it as a param: the run is refused
        if p.returncode != 0 and got is None:
            return "ok", name
        return "fail", "%s: expected a refusal, got exit %d: %s" % (name, p.returncode, err[-300:])
    if pname in ("nul", "two-megabytes"):
        # no command can receive these (or the answers file cannot hold them): refused, nothing run
        if p.returncode != 0 and got is None and ("NUL" in err or "128 KiB" in err or "answers" in err):
            return "ok", name
        return "fail", "%s: expected a refusal before the command, got exit %d, out=%r: %s" % (
            name, p.returncode, got and got[:60], err[-300:])
    if expect is None:
        return ("ok", name) if got is None or p.returncode != 0 else ("fail", name + ": unexpected success")
    want = expect(v)
    if p.returncode == 0 and got == want:
        return "ok", name
    return "fail", "%s: exit %d, out %r, want %r: %s" % (name, p.returncode, got and got[:80], want[:80], err[-400:])


def cases():
    for ctx in CONTEXTS:
        for payload in PAYLOADS:
            for delivery in ("answers", "set", "env"):
                if delivery != "answers" and payload[0] in ("nul", "two-megabytes"):
                    continue   # not representable as an argument or an environment variable
                yield ctx, payload, delivery


def main():
    root = tempfile.mkdtemp(prefix="inject.")
    counts = {"ok": 0, "fail": 0, "skip": 0}
    ran = 0
    # each case in its own directory: they run side by side (most of a case is waiting on
    # fork/exec), and the results are printed in the matrix's order
    jobs = int(os.environ.get("INJECT_JOBS") or 4)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        for (ctx, payload, _), (status, msg) in zip(cases(), ex.map(lambda c: run_case(root, *c), cases())):
            counts[status] += 1
            if status == "ok":
                print("ok - inject: " + msg)
            elif status == "skip":
                print("ok - inject: %s x %s # SKIP %s" % (ctx[0], payload[0], msg))
            else:
                ran += "F exists" in msg
                print("not ok - inject: " + msg)
    subprocess.run(["rm", "-rf", root])
    print("# matrix: %d cases, %d ok, %d failed, %d skipped; commands run by payloads: %d"
          % (sum(counts.values()), counts["ok"], counts["fail"], counts["skip"], ran))
    return 0


if __name__ == "__main__":
    sys.exit(main())
