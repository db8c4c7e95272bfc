"""The API's writes are durable: `oaprobe serve` answers PUT/DELETE of API
targets and POST/DELETE of maintenance windows only once the store writer
committed them (the connection waits, suspended; the loop goes on). Under
ASan/LSan, loopback only, no lab:

- test_answered_writes_survive_kill9: 20 times, one write (a target added,
  replaced or deleted, a window added or deleted), `kill -9` as soon as its
  2xx arrives, restart: every answered write is in the store and in the API,
  and a window id is never handed out twice (deleted, killed or not); every
  other time the database is locked by another connection for 300 ms while
  the write waits: the answer comes only after the lock went (the old
  behaviour answered at once and lost the write to the kill);
- test_writes_of_one_name_apply_in_order: a DELETE made while the target's
  PUT waits for the store applies after it (201 then 204, gone);
- test_locked_store_gives_503_and_changes_nothing: the database locked
  longer than the writer's busy timeout (5 s): PUT, DELETE and POST each get
  503 "store_busy" naming the lock, and the API's state is what it was;
- test_full_queue_is_503_at_once: --store-queue 3 and the writer held by a
  lock: the write that finds the queue full is 503 at once, the waiting ones
  are answered 2xx once the lock goes;
- test_shutdown_answers_the_write_in_flight: SIGTERM while a write waits for
  the lock: the write is committed and answered, exit 0, no leak report;
  test_shutdown_with_the_store_locked: the lock outlives the busy timeout:
  503, nothing stored, exit 0, no leak report.

    /usr/bin/python3 tests/integration/serve/test_serve_durable.py --oaprobe PATH
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.abspath(os.path.join(HERE, "..", "..", "lab")))

from fixture import free_port, write_secret  # noqa: E402

OAPROBE = None
WRITE = "writer-5e4f3a2b1c0d9a8b7c6d"
BUSY_TIMEOUT = 5.0  # the store's busy_timeout (store.md)


class Serve:
    """One `oaprobe serve` on a fixed config and database."""

    def __init__(self, tmp, port, args=()):
        self.tmp, self.port = tmp, port
        self.log_path = os.path.join(tmp, "serve.log")
        self.logf = open(self.log_path, "a")
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:exitcode=99"
        self.p = subprocess.Popen([OAPROBE, "serve", "--config", os.path.join(tmp, "oaprobe.yml")]
                                  + list(args), stdout=self.logf, stderr=self.logf,
                                  stdin=subprocess.DEVNULL, env=env)
        end = time.monotonic() + 30
        while True:
            try:
                if self.http("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if self.p.poll() is not None or time.monotonic() > end:
                raise AssertionError("oaprobe serve did not come up:\n" + self.log()[-3000:])
            time.sleep(0.05)

    def http(self, method, path, body=None, timeout=60):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Authorization": "Bearer " + WRITE}
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            c.request(method, path, body=data, headers=headers)
            r = c.getresponse()
            raw = r.read()
            try:
                doc = json.loads(raw) if raw else None
            except ValueError:
                doc = raw.decode(errors="replace")
            return r.status, doc
        finally:
            c.close()

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def kill9(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait(10)
        self.logf.close()

    def stop(self, test):
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(60)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = "killed after 60 s"
        self.logf.close()
        text = self.log()
        test.assertEqual(rc, 0, text[-3000:])
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            test.assertNotIn(bad, text, text[-3000:])
        return text


class Lock:
    """Another connection holding the database's write lock."""

    def __init__(self, db):
        self.c = sqlite3.connect(db, timeout=10, isolation_level=None)
        self.c.execute("BEGIN EXCLUSIVE")

    def release(self):
        if self.c is not None:
            self.c.execute("COMMIT")
            self.c.close()
            self.c = None


def in_thread(fn, *args):
    out = {}

    def run():
        t = time.monotonic()
        try:
            out["res"] = fn(*args)
        except Exception as e:  # noqa: BLE001 - reported by the caller
            out["res"] = ("error", repr(e))
        out["secs"] = time.monotonic() - t

    th = threading.Thread(target=run, daemon=True)
    th.start()
    return th, out


def target_body(port, interval="1h"):
    return {"host": "closed.test:%d" % port, "resolve": ["closed.test:%d:127.0.0.1" % port],
            "depth": "echo", "interval": interval}


WINDOW = {"targets": ["nothing-here"], "start": "2026-01-01T00:00:00Z",
          "end": "2099-01-01T00:00:00Z", "reason": "durability test"}


class Durable(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="oaprobe-durable-")
        self.db = os.path.join(self.tmp, "oaprobe.db")
        self.port = free_port()
        self.closed = free_port()  # nothing listens: a check ends at once
        write_secret(os.path.join(self.tmp, "tokens"), "ci write %s" % WRITE)
        with open(os.path.join(self.tmp, "oaprobe.yml"), "w") as f:
            f.write("listen: 127.0.0.1:%d\nstorage: %s\napi: {tokens_file: %s}\n"
                    "defaults: {interval: 1h, timeout: 2s, depth: echo}\n"
                    "targets:\n  - {name: from-file, host: 'closed.test:%d', "
                    "resolve: ['closed.test:%d:127.0.0.1']}\n"
                    % (self.port, self.db, os.path.join(self.tmp, "tokens"), self.closed,
                       self.closed))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def q(self, sql):
        c = sqlite3.connect(self.db, timeout=10)
        try:
            return c.execute(sql).fetchall()
        finally:
            c.close()

    def api_state(self, s):
        st, doc = s.http("GET", "/api/v1/targets")
        self.assertEqual(st, 200, doc)
        targets = {t["name"] for t in doc["targets"] if t["name"] != "from-file"}
        st, doc = s.http("GET", "/api/v1/maintenance")
        self.assertEqual(st, 200, doc)
        windows = {w["id"] for w in doc["windows"] if w["source"] == "api"}
        return targets, windows

    def test_answered_writes_survive_kill9(self):
        targets, windows = set(), set()  # what the answers said
        handed = []  # every window id answered 201, in order
        t0 = time.monotonic()
        waited = []
        for i in range(20):
            s = Serve(self.tmp, self.port)
            # the previous iteration's answered write is there, in the API
            # and in the store
            self.assertEqual(self.api_state(s), (targets, windows), "iteration %d" % i)
            self.assertEqual({r[0] for r in self.q("SELECT name FROM api_targets")}, targets)
            self.assertEqual({"api-%d" % r[0] for r in self.q("SELECT id FROM maintenance")},
                             windows)
            kind = ["put", "window", "put", "delete_window", "replace", "window", "delete"][i % 7]
            if kind == "delete" and not targets:
                kind = "put"
            if kind == "delete_window" and not windows:
                kind = "window"
            lock = Lock(self.db) if i % 2 == 1 else None
            if kind in ("put", "replace"):
                name = "api-t%02d" % i if kind == "put" or not targets else sorted(targets)[0]
                th, out = in_thread(s.http, "PUT", "/api/v1/targets/" + name,
                                    target_body(self.closed))
                want = (201, 200) if kind == "put" else (200,)
            elif kind == "delete":
                name = sorted(targets)[-1]
                th, out = in_thread(s.http, "DELETE", "/api/v1/targets/" + name)
                want = (204,)
            elif kind == "window":
                th, out = in_thread(s.http, "POST", "/api/v1/maintenance", WINDOW)
                want = (201,)
            else:
                wid = max(windows, key=lambda w: int(w[4:]))  # the newest: its id must not return
                th, out = in_thread(s.http, "DELETE", "/api/v1/maintenance?id=" + wid)
                want = (204,)
            if lock is not None:
                th.join(0.3)
                self.assertTrue(th.is_alive(), "answered while the store was locked: %s" % out)
                lock.release()
            th.join(30)
            st, doc = out["res"]
            s.kill9()  # at once after the answer
            self.assertIn(st, want, "%s: %s %s" % (kind, st, doc))
            if lock is not None:
                waited.append(out["secs"])
            if kind == "put":
                targets.add(name)
                self.assertEqual(doc["name"], name)
            elif kind == "replace":
                self.assertEqual(doc["name"], name)
            elif kind == "delete":
                targets.discard(name)
            elif kind == "window":
                handed.append(doc["id"])
                windows.add(doc["id"])
            else:
                windows.discard(wid)
        s = Serve(self.tmp, self.port)
        try:
            self.assertEqual(self.api_state(s), (targets, windows))
            st, doc = s.http("POST", "/api/v1/maintenance", WINDOW)
            self.assertEqual(st, 201, doc)
            handed.append(doc["id"])
        finally:
            s.stop(self)
        nums = [int(w[4:]) for w in handed]
        self.assertEqual(nums, sorted(set(nums)), "a window id handed out twice: %s" % handed)
        self.assertEqual(self.q("PRAGMA integrity_check"), [("ok",)])
        sys.stderr.write("20 writes each followed by kill -9 and a restart: %.1f s; window ids "
                         "%s; with the store locked for 0.3 s the answer came after %.2f-%.2f s\n"
                         % (time.monotonic() - t0, " ".join(handed), min(waited), max(waited)))

    def test_locked_store_gives_503_and_changes_nothing(self):
        s = Serve(self.tmp, self.port)
        try:
            st, doc = s.http("PUT", "/api/v1/targets/keep", target_body(self.closed))
            self.assertEqual(st, 201, doc)
            st, w = s.http("POST", "/api/v1/maintenance", WINDOW)
            self.assertEqual(st, 201, w)
            before = self.api_state(s)
            lock = Lock(self.db)
            try:
                reqs = [in_thread(s.http, "PUT", "/api/v1/targets/new-one",
                                  target_body(self.closed)),
                        in_thread(s.http, "DELETE", "/api/v1/targets/keep"),
                        in_thread(s.http, "POST", "/api/v1/maintenance", WINDOW),
                        in_thread(s.http, "DELETE", "/api/v1/maintenance?id=" + w["id"])]
                for th, _ in reqs:
                    th.join(4 * BUSY_TIMEOUT + 10)
                # reads go on meanwhile (WAL): the state is unchanged
                self.assertEqual(self.api_state(s), before)
            finally:
                lock.release()
            for (th, out), what in zip(reqs, ("target 'new-one' not stored",
                                              "target 'keep' not removed",
                                              "the window was not added",
                                              "window '%s' not removed" % w["id"])):
                st, doc = out["res"]
                self.assertEqual(st, 503, doc)
                self.assertEqual(doc["error"], "store_busy", doc)
                self.assertIn(what, doc["detail"])
                self.assertIn("database is locked", doc["detail"])
                self.assertIn("nothing changed", doc["detail"])
                self.assertGreaterEqual(out["secs"], BUSY_TIMEOUT - 0.5)
            self.assertEqual(self.api_state(s), before)
            st, _ = s.http("GET", "/api/v1/targets/new-one")
            self.assertEqual(st, 404)
            # the store works again: the same writes now succeed
            st, doc = s.http("PUT", "/api/v1/targets/new-one", target_body(self.closed))
            self.assertEqual(st, 201, doc)
            st, doc = s.http("DELETE", "/api/v1/maintenance?id=" + w["id"])
            self.assertEqual(st, 204, doc)
        finally:
            log = s.stop(self)
        self.assertIn("API target new-one: not stored, nothing changed: writer: begin: "
                      "database is locked", log)
        self.assertEqual({r[0] for r in self.q("SELECT name FROM api_targets")},
                         {"keep", "new-one"})
        sys.stderr.write("locked store: 503 after %.1f s\n" % min(o["secs"] for _, o in reqs))

    def test_full_queue_is_503_at_once(self):
        s = Serve(self.tmp, self.port, ["--store-queue", "3"])
        try:
            # the file target's first run is stored; then the queue is empty
            end = time.monotonic() + 20
            while not self.q("SELECT COUNT(*) FROM runs")[0][0] and time.monotonic() < end:
                time.sleep(0.05)
            lock = Lock(self.db)
            waiting, full = [], None
            try:
                for i in range(6):
                    th, out = in_thread(s.http, "PUT", "/api/v1/targets/q%d" % i,
                                        target_body(self.closed))
                    th.join(0.5)
                    if th.is_alive():
                        waiting.append(("q%d" % i, th, out))
                        continue
                    full = (i, out)
                    break
            finally:
                lock.release()
            self.assertIsNotNone(full, "no write was refused with a queue of 3")
            st, doc = full[1]["res"]
            self.assertEqual(st, 503, doc)
            self.assertEqual(doc["error"], "store_busy")
            self.assertIn("queue is full", doc["detail"])
            self.assertLess(full[1]["secs"], 0.5)
            self.assertGreaterEqual(len(waiting), 1)
            for name, th, out in waiting:
                th.join(30)
                self.assertEqual(out["res"][0], 201, out)
            st, _ = s.http("GET", "/api/v1/targets/q%d" % full[0])
            self.assertEqual(st, 404)
        finally:
            s.stop(self)
        self.assertEqual({r[0] for r in self.q("SELECT name FROM api_targets")},
                         {n for n, _, _ in waiting})
        sys.stderr.write("queue of 3: %d writes waited, the next was 503 in %.3f s\n"
                         % (len(waiting), full[1]["secs"]))

    def test_shutdown_answers_the_write_in_flight(self):
        s = Serve(self.tmp, self.port)
        lock = Lock(self.db)
        th, out = in_thread(s.http, "PUT", "/api/v1/targets/at-exit", target_body(self.closed))
        th2, out2 = in_thread(s.http, "POST", "/api/v1/maintenance", WINDOW)
        time.sleep(0.5)
        s.p.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        lock.release()
        th.join(30)
        th2.join(30)
        s.stop(self)  # exit 0, no sanitizer report
        self.assertEqual(out["res"][0], 201, out)
        self.assertEqual(out2["res"][0], 201, out2)
        self.assertEqual(self.q("SELECT name FROM api_targets"), [("at-exit",)])
        self.assertEqual(self.q("SELECT COUNT(*) FROM maintenance"), [(1,)])

    def test_writes_of_one_name_apply_in_order(self):
        # a DELETE made while the target's PUT still waits for the store is
        # accepted and applies after it
        s = Serve(self.tmp, self.port)
        try:
            lock = Lock(self.db)
            try:
                put = in_thread(s.http, "PUT", "/api/v1/targets/short-lived",
                                target_body(self.closed))
                time.sleep(0.2)
                st, _ = s.http("GET", "/api/v1/targets/short-lived")
                self.assertEqual(st, 404)  # not before the commit
                dele = in_thread(s.http, "DELETE", "/api/v1/targets/short-lived")
                time.sleep(0.2)
            finally:
                lock.release()
            put[0].join(30)
            dele[0].join(30)
            self.assertEqual(put[1]["res"][0], 201, put[1])
            self.assertEqual(dele[1]["res"][0], 204, dele[1])
            st, _ = s.http("GET", "/api/v1/targets/short-lived")
            self.assertEqual(st, 404)
            st, _ = s.http("DELETE", "/api/v1/targets/short-lived")
            self.assertEqual(st, 404)
        finally:
            log = s.stop(self)
        self.assertIn("API target short-lived: added", log)
        self.assertIn("API target short-lived: deleted", log)
        self.assertEqual(self.q("SELECT COUNT(*) FROM api_targets"), [(0,)])

    def test_shutdown_with_the_store_locked(self):
        # the lock outlives the writer's busy timeout: at shutdown the write
        # fails, its client gets 503 and the service still exits cleanly
        s = Serve(self.tmp, self.port)
        lock = Lock(self.db)
        try:
            th, out = in_thread(s.http, "PUT", "/api/v1/targets/at-exit",
                                target_body(self.closed))
            time.sleep(0.3)
            s.p.send_signal(signal.SIGTERM)
            th.join(4 * BUSY_TIMEOUT + 10)
        finally:
            lock.release()
        s.stop(self)
        st, doc = out["res"]
        self.assertEqual(st, 503, doc)
        self.assertIn("database is locked", doc["detail"])
        self.assertEqual(self.q("SELECT COUNT(*) FROM api_targets"), [(0,)])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--oaprobe", required=True)
    args, rest = ap.parse_known_args()
    OAPROBE = os.path.abspath(args.oaprobe)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
