"""tests/tools/pyserve.py — one Python interpreter for many small snippets (tests/lib.sh: pyc).

A test script starts this once (py_start) instead of one `python3 -c` per question: each
start of an interpreter costs tens of milliseconds, more behind a version-manager shim.

Request on stdin: N\\0 SOURCE\\0 STDIN\\0 ARG\\0 … (N fields after the count).  SOURCE runs
as `python3 -c SOURCE ARG…` would, with sys.stdin reading STDIN, in a fresh namespace.
Reply on stdout: each line of its standard output as "o" + line, of its standard error
as "e" + line, then "\\x1e" + the exit status.  The server stops at the end of its input,
or when the script that started it is gone.
"""
import io
import os
import select
import sys
import traceback

parent = os.getppid()
buf = b""


def fields(n):
    """The next n NUL-terminated fields of the input (None at its end)."""
    global buf
    out = []
    while len(out) < n:
        i = buf.find(b"\0")
        if i >= 0:
            out.append(buf[:i].decode("utf-8", "surrogateescape"))
            buf = buf[i + 1:]
            continue
        while True:
            r, _, _ = select.select([0], [], [], 1.0)
            if r:
                break
            if os.getppid() != parent:
                return None
        chunk = os.read(0, 65536)
        if not chunk:
            return None
        buf += chunk
    return out


def run(src, data, args):
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin, sys.stdout, sys.stderr, sys.argv
    sys.stdin, sys.stdout, sys.stderr, sys.argv = io.StringIO(data), out, err, ["-c"] + args
    rc = 0
    try:
        exec(compile(src, "<pyc>", "exec"), {"__name__": "__main__"})
    except SystemExit as e:
        if isinstance(e.code, int):
            rc = e.code
        elif e.code is not None:
            print(e.code, file=err)
            rc = 1
    except BaseException:
        traceback.print_exc(file=err)
        rc = 1
    finally:
        sys.stdin, sys.stdout, sys.stderr, sys.argv = saved
    return rc, out.getvalue(), err.getvalue()


def main():
    sys.stdout.reconfigure(errors="surrogateescape")
    w = sys.stdout
    while True:
        head = fields(1)
        if head is None:
            return
        rest = fields(int(head[0]))
        if rest is None:
            return
        rc, out, err = run(rest[0], rest[1], rest[2:])
        for tag, text in (("o", out), ("e", err)):
            for line in text.splitlines():
                w.write(tag + line + "\n")
        w.write("\x1e%d\n" % rc)
        w.flush()


main()
