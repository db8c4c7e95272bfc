"""Run `oaprobe serve` from the integration tests (tests/integration/serve,
tests/integration/hooks).

    import service
    service.OAPROBE = os.path.abspath(args.oaprobe)   # once, in __main__
    s = service.Serve(test, cfg_text, tmp).start()    # up: "targets, storage" logged
    service.wait_for("the reload", lambda: "reload:" in s.log())
    text = s.stop()                                   # exit 0, "stopped", no sanitizer report

wait_for polls with a deadline and, when it runs out, shows the logs of the
services still running (CURRENT). A test that fails half-way leaves no
service behind when its tearDown calls kill_current(); the other programs a
test starts (Alertmanager, Prometheus) go with stop_procs(procs). Catcher
asks for Basic and keeps what it is sent: where a password would go;
Receiver keeps what a webhook is sent.
"""

import http.server
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request

OAPROBE = None  # the oaprobe binary under test
CURRENT = []  # the Serve processes running, for the messages of wait_for


def wait_for(what, fn, timeout=30.0, step=0.1):
    """fn()'s first true value, polled every step seconds for at most
    timeout seconds; an AssertionError naming what, with the tails of the
    running services' logs, when there is none."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = fn()
        if v:
            return v
        time.sleep(step)
    logs = "".join("\n--- %s:\n%s" % (s.log_path, s.log()[-3000:]) for s in CURRENT)
    raise AssertionError("timed out after %.0f s waiting for %s%s" % (timeout, what, logs))


def api(port, method, path, data=None, token=None, timeout=30):
    """(status, body bytes) of one request to the service on 127.0.0.1:port:
    data a JSON text (str or bytes, sent as application/json) or None, token
    a bearer token or None; an error status is returned, not raised."""
    if isinstance(data, str):
        data = data.encode()
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method,
                                 data=data)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def json_or_text(raw):
    """raw parsed as JSON, else as text."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def query(db, sql, args=()):
    """The rows of sql on database file db, opened read-only."""
    conn = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


class Serve:
    """One `oaprobe serve` process with its configuration and log.

    Its environment: the lab's (test.lab.probe_env(tmp, env)) when the test
    has a lab, else this process's with env added."""

    def __init__(self, test, cfg_text, tmp, env=None, args=()):
        self.test = test
        self.args = list(args)
        self.tmp = tmp
        self.cfg = os.path.join(tmp, "oaprobe.yml")
        self.log_path = os.path.join(tmp, "serve-%d.log" % random.randrange(1 << 30))
        self.write_config(cfg_text)
        lab = getattr(test, "lab", None)
        if lab is not None:
            self.env = lab.probe_env(tmp, env)
        else:
            self.env = dict(os.environ, **env) if env else None
        self.p = None

    def start(self):
        self.logf = open(self.log_path, "w")
        self.p = subprocess.Popen([OAPROBE, "serve", "--config", self.cfg] + self.args,
                                  stdout=self.logf,
                                  stderr=self.logf, stdin=subprocess.DEVNULL, env=self.env)
        CURRENT.append(self)
        wait_for("the service to start", lambda: "targets, storage" in self.log() or
                 self.p.poll() is not None, 30)
        self.test.assertIsNone(self.p.poll(), self.log())
        return self

    def log(self):
        with open(self.log_path, "r", errors="replace") as f:
            return f.read()

    def write_config(self, text):
        tmp = self.cfg + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.cfg)

    def signal(self, sig):
        self.p.send_signal(sig)

    def stop(self):
        """SIGTERM: must exit 0, say "stopped", no sanitizer report."""
        if self.p is None:
            return
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait(10)
            rc = "killed after 30 s"
        self.logf.close()
        text = self.log()
        self.p = None
        CURRENT.remove(self)
        self.test.assertEqual(rc, 0, text[-4000:])
        self.test.assertIn("oaprobe serve: stopped", text)
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            self.test.assertNotIn(bad, text, text[-4000:])
        return text

    def kill9(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait(10)
        self.logf.close()
        self.p = None
        CURRENT.remove(self)


def kill_current():
    """SIGKILL every service still running (a test that failed half-way)."""
    for srv in list(CURRENT):
        srv.p.kill()
        srv.p.wait(10)
        srv.logf.close()
        CURRENT.remove(srv)


def stop_procs(procs, timeout=15):
    """SIGTERM each process of procs still running, SIGKILL after timeout
    seconds."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()


class Catcher:
    """A plain-HTTP listener on host that asks for Basic and keeps what it
    is sent (the request lines, Host and Authorization headers): where a
    password would go. Bound to port 0 and kept (no port race)."""

    def __init__(self, host="127.0.0.1"):
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections, self.heads, self.hosts, self.auth = 0, [], [], []
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            c.settimeout(5)
            try:
                while True:
                    head = b""
                    while b"\r\n\r\n" not in head:
                        chunk = c.recv(4096)
                        if not chunk:
                            raise OSError("closed")
                        head += chunk
                    text = head.decode("latin-1")
                    with self.lock:
                        self.heads.append(text.split("\r\n")[0])
                        for line in text.split("\r\n"):
                            if line.lower().startswith("authorization:"):
                                self.auth.append(line)
                            if line.lower().startswith("host:"):
                                self.hosts.append(line[5:].strip())
                    c.sendall(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic "
                              b"realm=\"x\"\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                pass
            finally:
                c.close()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class Receiver:
    """A webhook receiver on 127.0.0.1 (port 0, kept): keeps (path,
    headers, body) of every POST in reqs; bodies() the JSON ones."""

    def __init__(self):
        reqs = self.reqs = []

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                reqs.append((self.path, str(self.headers), self.rfile.read(n).decode()))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def bodies(self):
        return [json.loads(b) for _, _, b in self.reqs]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
