"""`oaprobe serve` at its limits, without the lab (issue 8), under ASan/LSan:

- the cap on concurrent checks: targets whose endpoint accepts and never
  answers keep their checks in flight until the deadline; /metrics'
  oaprobe_checks_in_flight never goes above oaprobe_checks_max, reaches it,
  and the endpoint never sees more connections at once; the default cap is
  logged with why (memory budget or fd limit) and exported; max_checks: in
  the file sets it, --max-checks wins over the file, a reload applies a
  new max_checks;
- writes the store writer drops: with a small queue (--store-queue 16) and the
  database locked by another connection for a while, runs are dropped,
  counted by kind in oaprobe_store_dropped_writes_total and logged; the
  queue's items and capacity are exported, and the live /metrics passes
  `promtool check metrics`;
- a reload whose file changes listen (SIGHUP and POST /-/reload): the API
  moves, the old address refuses new connections while one opened before
  is still answered and its event stream ends; a list keeping a running
  address, an address taken by another program and a changed storage wait
  for a restart: the log, the answer's config.restart_required and
  oaprobe_config_reload_restart_required say so until the file has the
  running values again.

Only loopback; free ports; every process stops with SIGTERM and exit 0.

    /usr/bin/python3 tests/integration/serve/test_serve_limits.py --oaprobe PATH
"""

import argparse
import http.client
import json
import os
import re
import selectors
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.abspath(os.path.join(HERE, "..", "..", "lab")))

from fixture import free_port  # noqa: E402
import service  # noqa: E402
from service import Serve, wait_for  # noqa: E402


class Tarpit:
    """Accepts TCP connections and never answers; counts the open ones
    (a connection the client closed is dropped when its EOF is read)."""

    def __init__(self):
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(1024)
        self.port = self.ls.getsockname()[1]
        self.open = 0
        self.most = 0
        self.stopping = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        sel = selectors.DefaultSelector()
        sel.register(self.ls, selectors.EVENT_READ)
        while not self.stopping:
            events = sel.select(0.1)
            # EOFs first, then new connections: a client that closed one
            # socket and opened the next is not counted twice
            for key, _ in sorted(events, key=lambda e: e[0].fileobj is self.ls):
                if key.fileobj is self.ls:
                    c, _ = self.ls.accept()
                    sel.register(c, selectors.EVENT_READ)
                    self.open += 1
                    self.most = max(self.most, self.open)
                else:
                    try:
                        data = key.fileobj.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        sel.unregister(key.fileobj)
                        key.fileobj.close()
                        self.open -= 1
        sel.close()

    def stop(self):
        self.stopping = True
        self.t.join(5)
        self.ls.close()


def metrics(port):
    text = metrics_text(port)
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(oaprobe_[a-z_]+)(\{[^}]*\})? (\S+)$", line)
        if m:
            out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def metrics_text(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
        return r.read().decode()


def config(api, db, port, n, extra="", interval="2s"):
    lines = ["listen: 127.0.0.1:%d" % api, "storage: %s" % db, extra,
             "defaults: {interval: %s, timeout: %s, depth: echo}" % (interval, interval),
             "targets:"]
    for i in range(n):
        lines.append("  - {name: t%03d, host: 'hang.test:%d', resolve: ['hang.test:%d:127.0.0.1']}"
                     % (i, port, port))
    return "\n".join(lines) + "\n"


class Caps(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="oaprobe-limits-")
        self.db = os.path.join(self.tmp, "oaprobe.db")
        self.api = free_port()
        self.pit = Tarpit()

    def tearDown(self):
        self.pit.stop()

    def watch(self, seconds, cap):
        """Poll /metrics for seconds: the most checks in flight seen."""
        most = 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            m = metrics(self.api)
            self.assertEqual(m["oaprobe_checks_max"], cap)
            fl = m["oaprobe_checks_in_flight"]
            self.assertLessEqual(fl, cap, m)
            most = max(most, fl)
            time.sleep(0.02)
        return most

    def test_cap_from_file_never_exceeded(self):
        # 40 targets every 2 s whose checks all last 2 s: 40 would be in
        # flight without the cap
        s = Serve(self, config(self.api, self.db, self.pit.port, 40, "max_checks: 6"), self.tmp).start()
        try:
            most = self.watch(6, 6)
            self.assertEqual(most, 6)  # the cap is reached, not merely respected
            self.assertGreater(metrics(self.api)["oaprobe_checks_queued"], 0)
            # the endpoint's own count: a check at depth echo opens two
            # connections at once (measured with one target: 2), so never
            # more than twice the cap
            self.assertGreater(self.pit.most, 6)
            self.assertLessEqual(self.pit.most, 2 * 6)
            # a reload applies a new max_checks
            s.write_config(config(self.api, self.db, self.pit.port, 40, "max_checks: 3"))
            s.p.send_signal(signal.SIGHUP)
            wait_for("the reload", lambda: "reload: 40 targets" in s.log())
            wait_for("the new cap", lambda: metrics(self.api)["oaprobe_checks_max"] == 3)
            # the checks started under the old cap end by their deadline
            # (2 s, plus the loop's lateness on a loaded machine): waited
            # for, not slept out, then the new cap holds and is reached
            wait_for("the checks of the old cap to end",
                     lambda: metrics(self.api)["oaprobe_checks_in_flight"] <= 3, 15)
            self.assertEqual(self.watch(3, 3), 3)
        finally:
            log = s.stop()
        self.assertIn("max concurrent checks 6 (max_checks 6; memory budget", log)
        self.assertIn("reload: max_checks changed", log)
        self.assertIn("max concurrent checks 3 (max_checks 3;", log)

    def test_command_line_wins(self):
        s = Serve(self, config(self.api, self.db, self.pit.port, 20, "max_checks: 6"), self.tmp,
                  args=["--max-checks", "4"]).start()
        try:
            self.assertEqual(self.watch(4, 4), 4)
        finally:
            log = s.stop()
        self.assertIn("max concurrent checks 4 (--max-checks 4;", log)

    def test_default_is_logged_and_exported(self):
        s = Serve(self, config(self.api, self.db, self.pit.port, 3), self.tmp).start()
        try:
            m = metrics(self.api)
        finally:
            log = s.stop()
        line = re.search(r"max concurrent checks (\d+) \(limited by the (memory budget|fd limit); "
                         r"memory budget \d+ [MG]iB: .* / 256 KiB per check allows (\d+); "
                         r"fd limit (\d+) allows (\d+) checks, \d+ sockets\)", log)
        self.assertIsNotNone(line, log[:3000])
        cap, by, mem, fds = int(line.group(1)), line.group(2), int(line.group(3)), int(line.group(5))
        self.assertEqual(cap, min(mem, fds))
        self.assertEqual(by, "memory budget" if mem <= fds else "fd limit")
        self.assertEqual(m["oaprobe_checks_max"], cap)


class StoreDrops(unittest.TestCase):
    def test_full_queue_counted_and_exported(self):
        tmp = tempfile.mkdtemp(prefix="oaprobe-limits-")
        db = os.path.join(tmp, "oaprobe.db")
        api = free_port()
        closed = free_port()  # nothing listens: each check ends at once
        s = Serve(self, config(api, db, closed, 30, interval="1s"), tmp,
                  args=["--store-queue", "16"]).start()
        try:
            wait_for("runs stored", lambda: sqlite3.connect(db).execute(
                "SELECT COUNT(*) FROM runs").fetchone()[0] > 0)
            m = metrics(api)
            self.assertEqual(m["oaprobe_store_queue_capacity_items"], 16)
            self.assertGreater(m["oaprobe_store_queue_capacity_bytes"], 0)
            # another connection holds the write lock for 2.5 s (less than
            # the writer's 5 s busy timeout): the writer waits, its queue
            # of 16 fills (30 runs a second), the next runs are dropped.
            # The count to beat is read once the lock is held: the 30
            # targets' first runs, incidents and alert states come at once
            # and can overflow the queue by themselves on a loaded machine,
            # and a drop of that burst, counted after an earlier read, is no
            # proof that the locked writer's queue is full now
            lock = sqlite3.connect(db, timeout=10, isolation_level=None)
            lock.execute("BEGIN EXCLUSIVE")
            try:
                before = metrics(api)["oaprobe_store_dropped_writes_total{kind=\"run\"}"]
                wait_for("a dropped run", lambda: metrics(api)[
                    "oaprobe_store_dropped_writes_total{kind=\"run\"}"] > before, 10)
                held = metrics(api)
                self.assertEqual(held["oaprobe_store_queue_items"], 16)
                time.sleep(1.5)
            finally:
                lock.execute("COMMIT")
                lock.close()
            text = metrics_text(api)
            # the writer catches up: the queue empties again
            wait_for("the queue drained", lambda: metrics(api)["oaprobe_store_queue_items"] < 16)
        finally:
            log = s.stop()
        self.assertIn("# TYPE oaprobe_store_dropped_writes_total counter", text)
        self.assertIn("# HELP oaprobe_store_dropped_writes_total ", text)
        for kind in ("run", "incident", "delivery", "api_target", "maintenance", "alert",
                     "retention"):
            self.assertIn('oaprobe_store_dropped_writes_total{kind="%s"} ' % kind, text)
        p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""))
        # logged at most every 10 s (serve_writer_full): the first drop may
        # be an incident of that startup burst rather than a run
        self.assertRegex(log, r"store: (run|incident) of t\d+ not written \(queue full")
        dropped = int(held["oaprobe_store_dropped_writes_total{kind=\"run\"}"])
        m = re.search(r"store: \d+ writes committed, 0 failed, (\d+) dropped", log)
        self.assertIsNotNone(m, log[-2000:])
        self.assertGreaterEqual(int(m.group(1)), dropped)


class ReloadRestart(unittest.TestCase):
    TOKEN = "reload-token-0123456789abcdef"

    def status(self, port):
        """/api/v1/status (503 while a target is not ok: still the body)."""
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/status" % port,
                                        timeout=10) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            return json.loads(e.read())

    def reload(self, port):
        req = urllib.request.Request("http://127.0.0.1:%d/-/reload" % port, method="POST",
                                     headers={"Authorization": "Bearer " + self.TOKEN})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def refused(self, port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return False
        except OSError:
            return True

    def test_listen_moves_storage_needs_a_restart(self):
        tmp = tempfile.mkdtemp(prefix="oaprobe-limits-")
        tokens = os.path.join(tmp, "tokens")
        with open(os.open(tokens, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("ops write %s\n" % self.TOKEN)
        db, db2 = os.path.join(tmp, "a.db"), os.path.join(tmp, "b.db")
        a, b, c, d, closed = (free_port() for _ in range(5))

        def cfg(listen, storage, n):
            return config(0, storage, closed, n, "api: {tokens_file: %s}" % tokens,
                          interval="5s").replace("listen: 127.0.0.1:0", "listen: " + listen)

        s = Serve(self, cfg("127.0.0.1:%d" % a, db, 1), tmp).start()
        try:
            self.assertIsNone(self.status(a)["config"]["restart_required"])
            # a keep-alive connection and an event stream on the old address
            keep = http.client.HTTPConnection("127.0.0.1", a, timeout=10)
            keep.request("GET", "/healthz")
            self.assertEqual(keep.getresponse().read(), b"ok\n")
            events = socket.create_connection(("127.0.0.1", a), timeout=10)
            events.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertIn(b"200", events.recv(4096))

            # SIGHUP with another address (and a second target): the API moves
            s.write_config(cfg("127.0.0.1:%d" % b, db, 2))
            s.p.send_signal(signal.SIGHUP)
            wait_for("the reload", lambda: "reload: 2 targets" in s.log())
            st = self.status(b)
            self.assertIsNone(st["config"]["restart_required"])
            self.assertEqual(st["targets"], 2)
            self.assertEqual(metrics(b)["oaprobe_config_reload_restart_required"], 0)
            wait_for("the old address to refuse", lambda: self.refused(a), 10)
            # the connection open before still gets its answers; the stream ended
            keep.request("GET", "/healthz")
            self.assertEqual(keep.getresponse().read(), b"ok\n")
            keep.close()
            events.settimeout(10)
            while events.recv(4096):
                pass
            events.close()

            # POST /-/reload through b: the answer comes on b, then c listens;
            # a new storage waits for a restart
            s.write_config(cfg("127.0.0.1:%d" % c, db2, 2))
            code, body = self.reload(b)
            self.assertEqual(code, 200, body)
            self.assertEqual(body["config"]["restart_required"],
                             "storage changed to %s: restart needed to apply; kept %s"
                             % (db2, db))
            self.assertEqual(metrics(c)["oaprobe_config_reload_restart_required"], 1)
            wait_for("b to refuse", lambda: self.refused(b), 10)
            self.assertFalse(os.path.exists(db2))

            # an address kept from the running list: only a restart can do it
            s.write_config(cfg("[127.0.0.1:%d, 127.0.0.1:%d]" % (c, d), db, 2))
            code, body = self.reload(c)
            self.assertEqual(code, 200, body)
            self.assertEqual(body["config"]["restart_required"],
                             "listen changed to 127.0.0.1:%d, 127.0.0.1:%d: restart needed to "
                             "apply (it keeps an address the running server holds); kept "
                             "127.0.0.1:%d" % (c, d, c))
            self.assertEqual(metrics(c)["oaprobe_config_reload_restart_required"], 1)
            self.assertTrue(self.refused(d))

            # an address taken by another program: kept, and why
            taken = socket.socket()
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            e = taken.getsockname()[1]
            s.write_config(cfg("127.0.0.1:%d" % e, db, 2))
            s.p.send_signal(signal.SIGHUP)
            wait_for("the reload", lambda: s.log().count("reload: 2 targets") == 4)
            rr = self.status(c)["config"]["restart_required"]
            self.assertTrue(rr.startswith("listen changed to 127.0.0.1:%d: cannot listen there "
                                          "now (listen 127.0.0.1:%d: " % (e, e)), rr)
            self.assertTrue(rr.endswith("; kept 127.0.0.1:%d" % c), rr)
            taken.close()

            # the running values again: nothing to restart for
            s.write_config(cfg("127.0.0.1:%d" % c, db, 2))
            code, body = self.reload(c)
            self.assertEqual(code, 200, body)
            self.assertIsNone(body["config"]["restart_required"])
            self.assertEqual(metrics(c)["oaprobe_config_reload_restart_required"], 0)
        finally:
            log = s.stop()
        self.assertIn("reload: listen changed to 127.0.0.1:%d (was 127.0.0.1:%d): the old "
                      "addresses take no new connection" % (b, a), log)
        self.assertIn("API listening on 127.0.0.1:%d" % c, log)
        self.assertIn("reload: storage changed to %s: restart needed to apply; kept %s"
                      % (db2, db), log)
        self.assertNotIn(self.TOKEN, log)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--oaprobe", required=True)
    args, rest = ap.parse_known_args()
    service.OAPROBE = os.path.abspath(args.oaprobe)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
