#!/usr/bin/env python3
"""httpd.py -- the test HTTP server (and SMTP sink) for runbook's HTTP tests.

It owns nothing but its own sockets and the two files it is told to write: it binds
127.0.0.1 only (never another address), on ephemeral ports, writes the port to
--port-file (atomically, so a reader never sees half a number), and appends one JSON line
per request to --log, flushed at once, so a test can check what really arrived.  It must
never outlive its test: it exits after --max-seconds (default 300), on SIGTERM, and as soon
as its parent process goes away.  Standard library only (Python 3.11+).

usage: httpd.py --port-file FILE --log FILE [--smtp-port-file FILE] [--max-seconds N]

HTTP paths (any method; HEAD gets the headers only):
  /status/NNN      that status, body {"status": NNN}
  /json            echo {"method", "path", "headers", "body", "json"} (json: parsed body or null)
  /flaky/KEY/N     500 for the first N requests with that KEY, then 200 {"ok": true, "attempt": k}
  /slow/SECONDS    sleep, then 200 {"ok": true}
  /redirect/N      302 to /redirect/N-1 ... /redirect/1 -> /json
  /redirect-to?url=U   302 to U
  /big/BYTES       200 with that many bytes of text
  /header/BYTES    200 with one X-Big header of that many bytes
  /echo-header     200 with an X-Echo header holding the request's X-Send header
  /binary          200 with 256 bytes 0..255 (invalid UTF-8, NULs) and a correct length
  /garbage         invalid UTF-8 headers and body, a Content-Length larger than what is sent, close
  /close           close the connection without answering
  anything else    200 {"ok": true}

SMTP sink: a line-based responder (220, EHLO/HELO, AUTH PLAIN/LOGIN accepting anything,
MAIL FROM, RCPT TO, DATA ... ".", RSET, NOOP, QUIT); each message is logged as
{"smtp": true, "from", "to", "data", "user"} with dot-stuffing undone.
"""

import argparse
import base64
import binascii
import json
import os
import signal
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOOPBACK = "127.0.0.1"


class Log:
    """One JSON object per line, written whole and flushed under a lock."""

    def __init__(self, path):
        self.lock = threading.Lock()
        self.f = open(path, "a", encoding="utf-8")

    def write(self, obj):
        obj["t"] = time.time()
        line = json.dumps(obj, ensure_ascii=False) + "\n"
        with self.lock:
            self.f.write(line)
            self.f.flush()


def text_or_base64(data):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "runbook-test-httpd/1"
    flaky_lock = threading.Lock()
    flaky_counts = {}

    def log_message(self, format, *args):  # keep stderr quiet
        pass

    # ---- request ----

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def handle_any(self):
        url = urlsplit(self.path)
        body = self.read_body()
        headers = {k: v for k, v in self.headers.items()}
        self.server.log.write({
            "method": self.command, "path": url.path, "query": url.query,
            "headers": headers, "body": text_or_base64(body),
        })
        try:
            self.route(url, headers, body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any

    # ---- response ----

    def send(self, status, body=b"", ctype="application/json", extra=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for name, value in extra:
            self.send_header(name, value)
        no_body = self.command == "HEAD" or status in (204, 304) or status < 200
        if status not in (204, 304) and status >= 200:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not no_body:
            self.wfile.write(body)

    def route(self, url, headers, body):
        parts = [p for p in url.path.split("/") if p]
        head = parts[0] if parts else ""
        arg = parts[1] if len(parts) > 1 else ""
        if head == "status" and arg.isdigit():
            status = int(arg)
            self.send(status, {"status": status})
        elif head == "json":
            self.echo(url, headers, body)
        elif head == "flaky" and len(parts) == 3 and parts[2].isdigit():
            self.flaky(arg, int(parts[2]))
        elif head == "slow":
            time.sleep(float(arg or 1))
            self.send(200, {"ok": True})
        elif head == "redirect" and arg.isdigit():
            n = int(arg)
            target = "/json" if n <= 1 else "/redirect/%d" % (n - 1)
            self.send(302, {"redirect": target}, extra=[("Location", target), ("X-Hop", arg)])
        elif head == "redirect-to":
            target = parse_qs(url.query).get("url", ["/json"])[0]
            self.send(302, b"", extra=[("Location", target)])
        elif head == "big" and arg.isdigit():
            self.big(int(arg))
        elif head == "header" and arg.isdigit():
            self.send(200, {"ok": True}, extra=[("X-Big", "h" * int(arg))])
        elif head == "echo-header":
            self.send(200, {"ok": True}, extra=[("X-Echo", headers.get("X-Send", headers.get("x-send", "")))])
        elif head == "binary":
            self.send(200, bytes(range(256)), ctype="application/octet-stream")
        elif head == "garbage":
            self.garbage()
        elif head == "close":
            self.close_connection = True
        else:
            self.send(200, {"ok": True})

    def echo(self, url, headers, body):
        text = text_or_base64(body)
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        self.send(200, {"method": self.command, "path": url.path, "query": url.query,
                        "headers": headers, "body": text, "json": parsed})

    def flaky(self, key, failures):
        with self.flaky_lock:
            k = self.flaky_counts.get(key, 0) + 1
            self.flaky_counts[key] = k
        if k <= failures:
            self.send(500, {"ok": False, "attempt": k})
        else:
            self.send(200, {"ok": True, "attempt": k})

    def big(self, n):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(n))
        self.end_headers()
        if self.command == "HEAD":
            return
        chunk = b"0123456789abcdef" * 4096
        while n > 0:
            piece = chunk[:min(n, len(chunk))]
            self.wfile.write(piece)
            n -= len(piece)

    def garbage(self):
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                         b"X-Bad: \xff\xfe\xc3\x28 \x80\r\nContent-Length: 100000\r\n\r\n"
                         + bytes(range(128, 256)) + b"\xc3\x28\xa0\xa1\x00\xf0\x28\x8c\xbc")
        self.wfile.flush()
        self.close_connection = True


# ---- SMTP sink ----

class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(1 << 20)
        if not line:
            raise EOFError
        return line.rstrip(b"\r\n").decode("utf-8", "replace")

    def handle(self):
        self.reset()
        self.user = None
        self.reply("220 localhost runbook test SMTP sink")
        try:
            while self.command(self.readline()):
                pass
        except (EOFError, ConnectionError):
            pass

    def reset(self):
        self.sender, self.rcpts = None, []

    def command(self, line):
        verb = line.split(" ", 1)[0].upper()
        rest = line[len(verb):].strip()
        if verb == "EHLO":
            self.reply("250-localhost")
            self.reply("250-AUTH PLAIN LOGIN")
            self.reply("250 8BITMIME")
        elif verb == "HELO":
            self.reply("250 localhost")
        elif verb == "AUTH":
            self.auth(rest)
        elif verb == "MAIL":
            self.reset()
            self.sender = rest.split(":", 1)[-1].strip().split(" ")[0].strip("<>")
            self.reply("250 OK")
        elif verb == "RCPT":
            self.rcpts.append(rest.split(":", 1)[-1].strip().strip("<>"))
            self.reply("250 OK")
        elif verb == "DATA":
            self.data()
        elif verb in ("RSET", "NOOP"):
            if verb == "RSET":
                self.reset()
            self.reply("250 OK")
        elif verb == "QUIT":
            self.reply("221 bye")
            return False
        else:
            self.reply("502 not implemented")
        return True

    def auth(self, rest):
        words = rest.split()
        mech = words[0].upper() if words else ""
        try:
            if mech == "PLAIN":
                if len(words) > 1:
                    blob = words[1]
                else:
                    self.reply("334 ")
                    blob = self.readline()
                self.user = base64.b64decode(blob).split(b"\0")[1].decode("utf-8", "replace")
            elif mech == "LOGIN":
                self.reply("334 VXNlcm5hbWU6")
                self.user = base64.b64decode(self.readline()).decode("utf-8", "replace")
                self.reply("334 UGFzc3dvcmQ6")
                self.readline()
            else:
                self.reply("504 unknown mechanism")
                return
        except (binascii.Error, IndexError):
            self.reply("501 bad credentials")
            return
        self.reply("235 OK")

    def data(self):
        self.reply("354 end with .")
        lines = []
        while True:
            line = self.rfile.readline(1 << 20)
            if not line:
                raise EOFError
            if line in (b".\r\n", b".\n"):
                break
            if line.startswith(b".."):
                line = line[1:]
            lines.append(line)
        self.server.log.write({"smtp": True, "from": self.sender, "to": self.rcpts,
                               "data": text_or_base64(b"".join(lines)), "user": self.user})
        self.reply("250 queued")


def quiet_errors(server_class):
    """A client that hangs up early (a timeout, a cancel, a body cap) is expected here,
    not worth a traceback; anything else still gets one."""

    class Quiet(server_class):
        daemon_threads = True

        def handle_error(self, request, client_address):
            if not isinstance(sys.exc_info()[1], (ConnectionError, EOFError)):
                super().handle_error(request, client_address)

    return Quiet


HttpServer = quiet_errors(ThreadingHTTPServer)


class SmtpServer(quiet_errors(socketserver.ThreadingTCPServer)):
    allow_reuse_address = True


# ---- main ----

def write_port(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)


def serve(server):
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()


def main():
    ap = argparse.ArgumentParser(description="runbook's test HTTP server")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--smtp-port-file")
    ap.add_argument("--max-seconds", type=float, default=300)
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    log = Log(args.log)
    parent = os.getppid()

    httpd = HttpServer((LOOPBACK, 0), Handler)
    httpd.log = log
    serve(httpd)
    if args.smtp_port_file:
        smtpd = SmtpServer((LOOPBACK, 0), SmtpHandler)
        smtpd.log = log
        serve(smtpd)
        write_port(args.smtp_port_file, smtpd.server_address[1])
    write_port(args.port_file, httpd.server_address[1])

    end = time.monotonic() + args.max_seconds
    while time.monotonic() < end and os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
