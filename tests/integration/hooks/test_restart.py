#!/usr/bin/python3
"""A restart of `oaprobe serve` in the middle of a migration (issue 9):
what the operator set up and what was already paged survive it.

- test_maintenance_survives_restart: a window added with POST
  /api/v1/maintenance is still there after a restart, with the same id:
  the target it covers goes down after the restart and nothing is sent to
  the webhook or the exec hook, /metrics has oaprobe_maintenance 1; a window
  that ended meanwhile is gone; DELETE by the same id works after the
  restart (the outage then fires) and the window stays deleted after the
  next restart; a new window never gets an old id.
- test_firing_survives_restart: a target firing when the service stops and
  still down after the restart sends no new firing to the webhook or the
  exec hook, and the real Alertmanager keeps ONE alert with the original
  startsAt and fingerprint; mended, it sends exactly one resolved to each;
  a target removed from the file while the service was stopped has its
  alert resolved at start; kill -9 while alerts fire and resolve keeps the
  database clean (integrity_check, foreign_key_check) and the state right.
- test_kills_at_the_dangerous_moments: five kill -9, each at a moment made
  certain by the test, not by timing luck: while the firing is in flight
  (the webhook receiver holds the request unanswered, the exec program waits
  for its parent to die; Alertmanager took it), after the record struck it
  off, while the resolution is in flight, after the record was deleted,
  and while the test holds the database's write lock when a second outage
  fires (the record cannot be committed, so nothing leaves). The webhook and
  the exec hook take firing, resolved, firing, resolved: one each per
  outage; the firing and the resolution sent again after a kill carry the
  fingerprint and startsAt of the ones in flight; Alertmanager keeps one
  alert with its startsAt; GET /api/v1/deliveries lists each once.
- test_kill_between_answer_and_record: the one repeat, pinned: the webhook
  and the exec hook take the firing while the test holds the database's
  write lock (the record cannot strike them off), kill -9: after the
  restart each gets it once more, with the same fingerprint and startsAt,
  then one resolved.

    /usr/bin/python3 tests/integration/hooks/test_restart.py --oaprobe BIN
Run inside `unshare -n` (the lab binds its standard ports).
"""

import argparse
import http.server
import json
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.abspath(os.path.join(HERE, "..", "..", "lab")))

import service as svc  # noqa: E402  (Serve, wait_for, stop_procs)
from fixture import Lab, free_port, net_for, write_secret  # noqa: E402
from test_stack import start_alertmanager  # noqa: E402

TOKEN = "write-token-%016x" % int.from_bytes(os.urandom(8), "big")


class GatedReceiver:
    """A loopback webhook receiver whose answers the test can hold back.
    A request that arrives while held is kept in `held`; release() closes
    its connection without an answer (the sender cannot count it as
    delivered, nor can the receiver count it as taken), release(answer=True)
    answers it 200 after all. `acked` keeps the bodies answered 200: the
    notifications taken."""

    def __init__(self):
        self.acked, self.held = [], []
        self.holding = threading.Event()
        self.dropped = threading.Event()
        self.answer = False
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(n))
                if outer.holding.is_set():
                    outer.held.append(body)
                    outer.dropped.wait(300)
                    if not outer.answer:
                        self.close_connection = True
                        return
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.wfile.flush()
                outer.acked.append(body)

            def log_message(self, *a):
                pass
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def hold(self):
        self.dropped.clear()
        self.holding.set()

    def release(self, answer=False):
        self.answer = answer
        self.holding.clear()
        self.dropped.set()

    def close(self):
        self.release()
        self.httpd.shutdown()
        self.httpd.server_close()


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Restart(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(["healthy", "backend_down_6004"], net=net_for("test_restart")).start()
        cls.user = cls.lab.data["users"][0]

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()
        cls.lab.cleanup()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="oaprobe-restart-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.addCleanup(self.kill_all)
        self.addCleanup(self.lab.set_down, [])
        self.procs = []
        self.port = free_port()
        self.wh = svc.Receiver()
        self.addCleanup(self.wh.close)
        self.pw = write_secret(os.path.join(self.tmp, "password"), self.user["password"])
        self.tokens = write_secret(os.path.join(self.tmp, "tokens"), "tester write %s" % TOKEN)
        self.script = os.path.join(self.tmp, "hook.sh")
        with open(self.script, "w") as f:
            f.write("#!/bin/sh\necho \"RUN $OAPROBE_EVENT $OAPROBE_TARGET $OAPROBE_STATE\" "
                    ">> %s/exec.log\ncat > /dev/null\n" % self.tmp)
        os.chmod(self.script, 0o755)
        # the exec hook of the kill tests: RUN once it took the event (exit
        # 0); while exec.hang exists it says HUNG and waits: if its parent
        # (the service) dies, it exits 1 without taking the event; if
        # exec.hang goes first, it takes it
        self.hang_script = os.path.join(self.tmp, "hang-hook.py")
        with open(self.hang_script, "w") as f:
            f.write("#!/usr/bin/python3\nimport os, sys, time\nsys.stdin.read()\n"
                    "d = %r\nev = os.environ['OAPROBE_EVENT']\n"
                    "tg = os.environ['OAPROBE_TARGET']\n"
                    "if os.path.exists(d + '/exec.hang'):\n"
                    "    with open(d + '/exec.log', 'a') as f:\n"
                    "        f.write('HUNG %%s %%s\\n' %% (ev, tg))\n"
                    "    parent = os.getppid()\n"
                    "    while os.getppid() == parent and os.path.exists(d + '/exec.hang'):\n"
                    "        time.sleep(0.05)\n"
                    "    if os.getppid() != parent:\n"
                    "        sys.exit(1)\n"
                    "with open(d + '/exec.log', 'a') as f:\n"
                    "    f.write('RUN %%s %%s %%s\\n' %% (ev, tg, os.environ['OAPROBE_STATE']))\n"
                    % self.tmp)
        os.chmod(self.hang_script, 0o755)
        self.db = os.path.join(self.tmp, "oa.db")

    def kill_all(self):
        svc.kill_current()
        svc.stop_procs(self.procs)

    # ------------------------------------------------------------ helpers

    def target(self, scen, name):
        return "\n".join(self.lab.target_yaml(scen, name, ["labels: {team: exchange}"])) + "\n"

    # interval and timeout 2 s: a healthy check of the lab under ASan on two
    # busy cores can take over 1 s, and a spurious timeout would fire
    def config(self, targets, am_port=None):
        return ("listen: 127.0.0.1:%d\nstorage: %s\nexternal_url: http://oaprobe.test\n"
                "api:\n  tokens_file: %s\n"
                "defaults:\n  interval: 2s\n  timeout: 2s\n  failure_threshold: 2\n"
                "  remind_every: 1h\n  cacert: %s\n  user: '%s'\n  password_file: %s\n"
                "%s"
                "webhooks:\n  - {name: rx, url: 'http://127.0.0.1:%d/hook'}\n"
                "exec:\n  - {name: log, command: [%s], timeout: 5s}\n"
                "targets:\n%s"
                % (self.port, self.db, self.tokens, self.lab.data["ca_bundle"],
                   self.lab.user_spec(), self.pw,
                   "alertmanagers: ['http://127.0.0.1:%d']\n" % am_port if am_port else "",
                   self.wh.port, self.script,
                   "".join(self.target(sc, n) for sc, n in targets)))

    def serve(self, cfg):
        return svc.Serve(self, cfg, self.tmp).start()

    def http(self, method, path, body=None, token=TOKEN):
        status, raw = svc.api(self.port, method, path,
                              json.dumps(body) if body is not None else None, token)
        return status, svc.json_or_text(raw)

    def q(self, sql, args=()):
        return svc.query(self.db, sql, args)

    def runs(self, name):
        try:
            return self.q("SELECT count(*) FROM runs r JOIN names n ON n.id = r.tid "
                          "WHERE n.name = ?", (name,))[0][0]
        except sqlite3.Error:
            return 0

    def status(self, name):
        st, doc = self.http("GET", "/api/v1/targets/%s" % name)
        return doc.get("status") if st == 200 else None

    def hooks_for(self, name):
        """(webhook statuses, exec events) sent for target name so far."""
        wh = [b["status"] for b in self.wh.bodies()
              if b["alerts"][0]["labels"]["target"] == name]
        try:
            with open(os.path.join(self.tmp, "exec.log")) as f:
                ex = [l.split()[1] for l in f.read().splitlines()
                      if l.startswith("RUN ") and l.split()[2] == name]
        except FileNotFoundError:
            ex = []
        return wh, ex

    def metric(self, name, target):
        st, text = self.http("GET", "/metrics")
        for line in text.splitlines():
            if line.startswith(name + "{") and 'target="%s"' % target in line:
                return line.rsplit(" ", 1)[1]
        return None

    def windows(self):
        st, doc = self.http("GET", "/api/v1/maintenance")
        self.assertEqual(st, 200, doc)
        return {w["id"]: w for w in doc["windows"]}

    def clean_db(self):
        self.assertEqual(self.q("PRAGMA integrity_check"), [("ok",)])
        self.assertEqual(self.q("PRAGMA foreign_key_check"), [])

    # ------------------------------------------------------------ maintenance

    def test_maintenance_survives_restart(self):
        cfg = self.config([("healthy", "planned")])
        s = self.serve(cfg)
        svc.wait_for("a run of planned", lambda: self.runs("planned") >= 1, 30)
        now = time.time()
        st, w = self.http("POST", "/api/v1/maintenance", {
            "name": "migration", "targets": ["planned"], "start": iso(now - 60),
            "end": iso(now + 3600), "reason": "mailbox moves"})
        self.assertEqual(st, 201, w)
        keep = w["id"]
        st, w2 = self.http("POST", "/api/v1/maintenance", {
            "name": "short", "labels": {"team": "exchange"}, "start": iso(now - 60),
            "end": iso(now + 3)})
        self.assertEqual(st, 201, w2)
        short = w2["id"]
        self.assertNotEqual(keep, short)
        st, w3 = self.http("POST", "/api/v1/maintenance", {
            "name": "weekly", "targets": ["planned"], "recurring": "sun 03:00+1h",
            "time_zone": "Europe/Berlin"})
        self.assertEqual(st, 201, w3)
        weekly = w3["id"]
        time.sleep(4)  # "short" has ended by the restart
        s.stop()

        s = self.serve(cfg)
        svc.wait_for("the windows restored", lambda: "maintenance windows of the API "
                    "restored" in s.log(), 10)
        got = self.windows()
        self.assertIn(keep, got)
        self.assertEqual(got[keep]["source"], "api")
        self.assertEqual(got[keep]["name"], "migration")
        self.assertEqual(got[keep]["reason"], "mailbox moves")
        self.assertTrue(got[keep]["active"])
        self.assertNotIn(short, got)  # ended: removed
        self.assertIn(weekly, got)
        self.assertEqual(got[weekly]["time_zone"], "Europe/Berlin")
        # the covered target goes down after the restart: nothing is sent
        self.lab.set_down(["healthy"])
        svc.wait_for("planned down (in maintenance)",
                    lambda: self.status("planned") == "critical", 30)
        base = self.runs("planned")
        svc.wait_for("more failed runs", lambda: self.runs("planned") >= base + 3, 30)
        time.sleep(1)
        self.assertEqual(self.hooks_for("planned"), ([], []))
        self.assertEqual(self.metric("oaprobe_maintenance", "planned"), "1")
        # DELETE by the same id after the restart: the outage now fires
        st, body = self.http("DELETE", "/api/v1/maintenance?id=%s" % keep)
        self.assertEqual(st, 204, body)
        st, body = self.http("DELETE", "/api/v1/maintenance?id=%s" % weekly)
        self.assertEqual(st, 204, body)
        svc.wait_for("firing once the window is deleted",
                    lambda: self.hooks_for("planned")[0] == ["firing"], 30)
        self.assertEqual(self.metric("oaprobe_maintenance", "planned"), "0")
        s.stop()

        # deleted for good; a new window never takes an old id
        s = self.serve(cfg)
        self.assertEqual(self.windows(), {})
        st, w4 = self.http("POST", "/api/v1/maintenance", {
            "targets": ["planned"], "start": iso(time.time()), "end": iso(time.time() + 60)})
        self.assertEqual(st, 201, w4)
        self.assertNotIn(w4["id"], (keep, short, weekly))
        s.stop()
        self.assertEqual(self.q("SELECT count(*) FROM maintenance"), [(1,)])
        self.clean_db()
        print("maintenance: ids %s %s %s, then %s" % (keep, short, weekly, w4["id"]))

    # ------------------------------------------------------------ firing alerts

    def alertmanager(self, rx_port):
        return start_alertmanager(self, self.tmp, self.procs, rx_port)

    @staticmethod
    def am_alerts(port, target):
        with urllib.request.urlopen("http://127.0.0.1:%d/api/v2/alerts?active=true&silenced=true"
                                    "&inhibited=true&unprocessed=true" % port, timeout=10) as r:
            return [a for a in json.loads(r.read()) if a["labels"].get("target") == target]

    @staticmethod
    def am_rx(rx, target):
        return [b["status"] for b in rx.bodies()
                if any(a["labels"]["target"] == target for a in b["alerts"])]

    def failures(self, name):
        st, doc = self.http("GET", "/api/v1/targets/%s" % name)
        return doc.get("consecutive_failures", -1) if st == 200 else -1

    def test_firing_survives_restart(self):
        amrx = svc.Receiver()
        self.addCleanup(amrx.close)
        am = self.alertmanager(amrx.port)
        both = self.config([("healthy", "flappy"), ("backend_down_6004", "gone")], am)
        one = self.config([("healthy", "flappy")], am)
        s = self.serve(both)
        svc.wait_for("two runs of flappy", lambda: self.runs("flappy") >= 2, 30)
        self.lab.set_down(["healthy"])
        for name in ("flappy", "gone"):
            svc.wait_for("%s firing at the webhook and the exec hook" % name,
                        lambda: self.hooks_for(name) == (["firing"], ["firing"]), 30)
            svc.wait_for("%s at Alertmanager" % name, lambda: self.am_alerts(am, name), 30)
            svc.wait_for("%s at Alertmanager's receiver" % name,
                        lambda: self.am_rx(amrx, name) == ["firing"], 30)
        first = self.am_alerts(am, "flappy")
        self.assertEqual(len(first), 1, first)
        starts, fp = first[0]["startsAt"], first[0]["fingerprint"]
        svc.wait_for("5 failed runs of flappy in a row", lambda: self.failures("flappy") >= 5, 30)
        before = self.failures("flappy")
        s.stop()
        record = lambda: json.loads(self.q(  # noqa: E731
            "SELECT state FROM alerts WHERE name = 'flappy'")[0][0])
        stored = record()
        self.assertEqual(stored["severity"], "critical")

        # restart with "gone" removed from the file; flappy still down
        t_restart = time.time()
        s = self.serve(one)
        after = self.failures("flappy")
        self.assertGreaterEqual(after, before)  # the counters come back from the store
        svc.wait_for("the alert states restored", lambda: "alert states from the store: 1 "
                    "firing, 1 resolved" in s.log(), 10)
        base = self.runs("flappy")
        svc.wait_for("3 more failed runs of flappy", lambda: self.runs("flappy") >= base + 3, 30)
        svc.wait_for("gone resolved at the webhook and the exec hook",
                    lambda: self.hooks_for("gone") == (["firing", "resolved"],
                                                       ["firing", "resolved"]), 30)
        svc.wait_for("gone resolved at Alertmanager's receiver",
                    lambda: self.am_rx(amrx, "gone") == ["firing", "resolved"], 30)
        svc.wait_for("the re-send to Alertmanager after the restart", lambda: any(
            r[0] == "alertmanager" and r[1] == "flappy" and r[2] >= t_restart * 1000
            for r in self.q("SELECT d.kind, n.name, d.at FROM deliveries d JOIN names n "
                            "ON n.id = d.tid WHERE d.outcome = 'success'")), 30)
        time.sleep(2)  # Alertmanager's group_interval: a new alert would be notified
        self.assertEqual(self.hooks_for("flappy"), (["firing"], ["firing"]))
        now = self.am_alerts(am, "flappy")
        self.assertEqual([(a["startsAt"], a["fingerprint"]) for a in now], [(starts, fp)], now)
        self.assertEqual(self.am_rx(amrx, "flappy"), ["firing"])
        self.assertEqual(self.am_alerts(am, "gone"), [])
        # the reminder clock is the stored one: the last notification is
        # still the firing before the restart (remind_every 1h)
        self.assertEqual(record(), stored)
        self.assertEqual(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(
            stored["starts"] / 1000)), starts[:19])

        # kill -9 in the middle of it, restart: still no second page
        s.kill9()
        self.clean_db()
        s = self.serve(one)
        base = self.runs("flappy")
        svc.wait_for("2 more failed runs of flappy", lambda: self.runs("flappy") >= base + 2, 30)
        time.sleep(2)
        self.assertEqual(self.hooks_for("flappy"), (["firing"], ["firing"]))
        self.assertEqual(self.am_rx(amrx, "flappy"), ["firing"])

        # mended: exactly one resolved everywhere, and the stored state is gone
        self.lab.set_down([])
        svc.wait_for("flappy resolved at the webhook and the exec hook",
                    lambda: self.hooks_for("flappy") == (["firing", "resolved"],
                                                         ["firing", "resolved"]), 30)
        svc.wait_for("flappy resolved at Alertmanager's receiver",
                    lambda: self.am_rx(amrx, "flappy") == ["firing", "resolved"], 30)
        svc.wait_for("flappy resolved at Alertmanager", lambda: not self.am_alerts(am, "flappy"),
                    30)
        time.sleep(2)
        s.kill9()  # mid-operation again: runs every 2 s
        self.clean_db()
        s = self.serve(one)
        time.sleep(3)
        s.stop()
        self.clean_db()
        self.assertEqual(self.hooks_for("flappy"), (["firing", "resolved"],
                                                    ["firing", "resolved"]))
        self.assertEqual(self.am_rx(amrx, "flappy"), ["firing", "resolved"])
        self.assertEqual(self.q("SELECT count(*) FROM alerts"), [(0,)])
        print("firing: consecutive failures %d before the restart, %d after; Alertmanager "
              "startsAt %s kept" % (before, after, starts))

    def test_relabelled_then_removed(self):
        """A reload that changes a firing target's labels rewrites its stored
        record: the resolution sent at start after the target was removed
        carries the labels it fired with last."""
        cfg = self.config([("healthy", "other"), ("backend_down_6004", "gone")])
        s = self.serve(cfg)
        svc.wait_for("gone firing", lambda: self.hooks_for("gone") == (["firing"], ["firing"]), 30)
        stored = lambda: [json.loads(r[0]).get("labels") for r in self.q(  # noqa: E731
            "SELECT state FROM alerts WHERE name = 'gone'")]
        svc.wait_for("the stored record", lambda: stored() == [{"team": "exchange"}], 10)
        s.write_config(cfg.replace("labels: {team: exchange}", "labels: {team: messaging}"))
        s.signal(signal.SIGHUP)
        svc.wait_for("the record rewritten after the reload",
                    lambda: stored() == [{"team": "messaging"}], 20)
        s.stop()
        s = self.serve(self.config([("healthy", "other")]))
        svc.wait_for("gone resolved at start",
                    lambda: self.hooks_for("gone") == (["firing", "resolved"],
                                                       ["firing", "resolved"]), 30)
        # the record goes once every hook took the resolution (the receiver
        # and the exec log see it before the service sees their answers)
        svc.wait_for("the record of gone deleted",
                    lambda: self.q("SELECT count(*) FROM alerts") == [(0,)], 30)
        s.stop()
        last = [b for b in self.wh.bodies() if b["alerts"][0]["labels"]["target"] == "gone"][-1]
        self.assertEqual(last["status"], "resolved")
        self.assertEqual(last["alerts"][0]["labels"].get("team"), "messaging", last)
        self.assertEqual(self.q("SELECT count(*) FROM alerts"), [(0,)])
        self.clean_db()

    # ------------------------------------------------------------ kills at the dangerous moments

    def kill_config(self, rx, am_port=None):
        """flappy only, the gated receiver as webhook "rx", the exec hook that
        can hang (60 s timeout: the kill comes first), a real Alertmanager
        (when am_port)."""
        return ("listen: 127.0.0.1:%d\nstorage: %s\nexternal_url: http://oaprobe.test\n"
                "api:\n  tokens_file: %s\n"
                "defaults:\n  interval: 2s\n  timeout: 2s\n  failure_threshold: 2\n"
                "  remind_every: 1h\n  cacert: %s\n  user: '%s'\n  password_file: %s\n"
                "%s"
                "webhooks:\n  - {name: rx, url: 'http://127.0.0.1:%d/hook', timeout: 60s}\n"
                "exec:\n  - {name: log, command: [%s], timeout: 60s}\n"
                "targets:\n%s"
                % (self.port, self.db, self.tokens, self.lab.data["ca_bundle"],
                   self.lab.user_spec(), self.pw,
                   "alertmanagers: ['http://127.0.0.1:%d']\n" % am_port if am_port else "",
                   rx.port, self.hang_script,
                   self.target("healthy", "flappy")))

    def exec_lines(self, kind):
        """(event, target) of the exec hook's RUN (it exited 0) or HUNG lines."""
        try:
            with open(os.path.join(self.tmp, "exec.log")) as f:
                return [tuple(l.split()[1:3]) for l in f.read().splitlines()
                        if l.startswith(kind + " ")]
        except FileNotFoundError:
            return []

    def owed(self):
        """What flappy's stored record still owes: (firing, event, sorted hooks), or None."""
        try:
            rows = self.q("SELECT state FROM alerts WHERE name = 'flappy'")
        except sqlite3.Error:
            return "unreadable"
        if not rows:
            return None
        r = json.loads(rows[0][0])
        p = r.get("pending") or {}
        return (r["firing"], p.get("event"), sorted(p.get("to", [])))

    def hold_all(self, rx):
        """From now on the webhook and the exec hook take nothing: a request
        is kept unanswered, an exec run waits for its parent to die."""
        rx.hold()
        open(os.path.join(self.tmp, "exec.hang"), "w").close()

    def serve_to_held_firing(self, cfg, rx):
        """Starts the service on cfg, takes flappy down after two runs with
        the webhook and the exec hook holding (hold_all), and returns the
        service once the firing is held at both and its record, committed,
        owes it to those two only."""
        s = self.serve(cfg)
        svc.wait_for("two runs of flappy", lambda: self.runs("flappy") >= 2, 30)
        self.hold_all(rx)
        self.lab.set_down(["healthy"])
        svc.wait_for("the firing held at the webhook and the exec hook",
                     lambda: len(rx.held) == 1 and self.exec_lines("HUNG") == [
                         ("firing", "flappy")], 30)
        svc.wait_for("the record owing the firing to the webhook and the exec hook only",
                     lambda: self.owed() == (True, "firing", ["exec:log", "webhook:rx"]), 30)
        return s

    def release_all(self, rx, answer=False):
        rx.release(answer)
        os.unlink(os.path.join(self.tmp, "exec.hang"))

    def deliveries(self, kind, event):
        """Successful deliveries of flappy listed by GET /api/v1/deliveries."""
        st, doc = self.http("GET", "/api/v1/deliveries?limit=1000")
        self.assertEqual(st, 200, doc)
        return sum(1 for d in doc["deliveries"] if d["target"] == "flappy" and
                   d["kind"] == kind and d["event"] == event and d["outcome"] == "success")

    def test_kills_at_the_dangerous_moments(self):
        """kill -9 while the firing is in flight (committed, not yet taken),
        after it was taken and struck off, while the resolution is in flight,
        after it was taken, and before the firing of a second outage was
        committed (the store's lock held by the test): every receiver takes
        exactly one firing and one resolved per outage, the firing sent again
        after the kill has the fingerprint and startsAt of the one in flight,
        and Alertmanager keeps one alert with its startsAt."""
        rx = GatedReceiver()
        self.addCleanup(rx.close)
        amrx = svc.Receiver()
        self.addCleanup(amrx.close)
        am = self.alertmanager(amrx.port)
        cfg = self.kill_config(rx, am)
        kills = 0
        # 1. the firing is committed and in flight at the webhook and the
        #    exec hook (Alertmanager took it): kill -9
        s = self.serve_to_held_firing(cfg, rx)
        self.assertEqual((rx.acked, self.exec_lines("RUN")), ([], []))
        svc.wait_for("flappy at Alertmanager", lambda: self.am_alerts(am, "flappy"), 30)
        first = self.am_alerts(am, "flappy")[0]
        held = rx.held[0]["alerts"][0]
        s.kill9()
        kills += 1
        self.release_all(rx)
        s = self.serve(cfg)
        svc.wait_for("the firing sent again to the webhook and the exec hook",
                    lambda: [b["status"] for b in rx.acked] == ["firing"] and
                    self.exec_lines("RUN") == [("firing", "flappy")], 30)
        again = rx.acked[0]["alerts"][0]
        self.assertEqual((again["fingerprint"], again["startsAt"]),
                         (held["fingerprint"], held["startsAt"]))
        self.assertEqual(again["labels"], held["labels"])
        self.assertIn("firing owed to 2 hook(s) by the previous process", s.log())

        # 2. taken and struck off (the record owes nothing): kill -9, no repeat
        svc.wait_for("the record owing nothing", lambda: self.owed() == (True, None, []), 30)
        svc.wait_for("one firing listed for the webhook and the exec hook",
                    lambda: (self.deliveries("webhook", "firing"),
                             self.deliveries("exec", "firing")) == (1, 1), 30)
        refreshes = self.deliveries("alertmanager", "refresh")
        s.kill9()
        kills += 1
        s = self.serve(cfg)
        base = self.runs("flappy")
        svc.wait_for("3 more failed runs", lambda: self.runs("flappy") >= base + 3, 30)
        svc.wait_for("the re-send to Alertmanager after the restart",
                    lambda: self.deliveries("alertmanager", "refresh") > refreshes, 30)
        now = self.am_alerts(am, "flappy")
        self.assertEqual([(a["startsAt"], a["fingerprint"]) for a in now],
                         [(first["startsAt"], first["fingerprint"])], now)
        self.assertEqual(first["startsAt"][:19], held["startsAt"][:19])

        # 3. the resolution is committed and in flight: kill -9
        self.hold_all(rx)
        self.lab.set_down([])
        svc.wait_for("the resolution held at the webhook and the exec hook",
                    lambda: len(rx.held) == 2 and self.exec_lines("HUNG")[-1:] == [
                        ("resolved", "flappy")], 30)
        svc.wait_for("the record owing the resolution",
                    lambda: self.owed() == (False, "resolved", ["exec:log", "webhook:rx"]), 30)
        resolved_held = rx.held[1]["alerts"][0]
        s.kill9()
        kills += 1
        self.release_all(rx)
        s = self.serve(cfg)
        svc.wait_for("the resolution sent again",
                    lambda: [b["status"] for b in rx.acked] == ["firing", "resolved"] and
                    self.exec_lines("RUN") == [("firing", "flappy"), ("resolved", "flappy")],
                    30)
        r = rx.acked[1]["alerts"][0]
        self.assertEqual((r["fingerprint"], r["startsAt"], r["endsAt"]),
                         (resolved_held["fingerprint"], resolved_held["startsAt"],
                          resolved_held["endsAt"]))
        self.assertEqual(r["startsAt"], held["startsAt"])

        # 4. delivered: the record is deleted; kill -9, no repeat
        svc.wait_for("the record deleted", lambda: self.owed() is None, 30)
        svc.wait_for("flappy resolved at Alertmanager", lambda: not self.am_alerts(am, "flappy"),
                    30)
        s.kill9()
        kills += 1
        self.clean_db()
        s = self.serve(cfg)
        base = self.runs("flappy")
        svc.wait_for("3 more good runs", lambda: self.runs("flappy") >= base + 3, 30)

        # 5. a second outage decided while the test holds the store's write
        #    lock: nothing leaves before the record is committed; kill -9
        lock = sqlite3.connect(self.db, timeout=30, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        try:
            self.lab.set_down(["healthy"])
            # failure_threshold 2 counts runs the daemon saw, stored or not
            svc.wait_for("the second firing decided", lambda: s.log().count(
                "alert flappy: firing") == 1, 30)
            # the gate holds it HOOKS_COMMIT_WAIT_MS (30 s) at most
            self.assertNotIn("sent anyway", s.log())
            s.kill9()
            kills += 1
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        self.assertEqual(len(rx.held), 2)
        self.assertEqual([b["status"] for b in rx.acked], ["firing", "resolved"])
        self.assertEqual(len(self.exec_lines("RUN")) + len(self.exec_lines("HUNG")), 4)
        s = self.serve(cfg)
        svc.wait_for("the second outage fires once", lambda: [b["status"] for b in rx.acked] ==
                    ["firing", "resolved", "firing"] and len(self.exec_lines("RUN")) == 3, 30)
        self.assertNotEqual(rx.acked[2]["alerts"][0]["startsAt"], held["startsAt"])
        self.lab.set_down([])
        svc.wait_for("and resolves once", lambda: [b["status"] for b in rx.acked] ==
                    ["firing", "resolved", "firing", "resolved"] and
                    [e for e, _ in self.exec_lines("RUN")] ==
                    ["firing", "resolved", "firing", "resolved"], 30)
        svc.wait_for("the record deleted", lambda: self.owed() is None, 30)
        # each notification taken is listed once: the ones in flight at a
        # kill never finished, so they are not
        svc.wait_for("two firing and two resolved listed for each", lambda: [
            self.deliveries(k, e) for k in ("webhook", "exec") for e in ("firing", "resolved")
        ] == [2, 2, 2, 2], 30)
        svc.wait_for("Alertmanager's receiver: two outages",
                    lambda: self.am_rx(amrx, "flappy") == ["firing", "resolved"] * 2, 30)
        s.stop()
        self.clean_db()
        print("kills: %d kill -9; webhook took %s (%d requests left unanswered), exec ran %s "
              "(%d runs hung), Alertmanager notified %s" % (
                  kills, [b["status"] for b in rx.acked], len(rx.held),
                  [e for e, _ in self.exec_lines("RUN")], len(self.exec_lines("HUNG")),
                  self.am_rx(amrx, "flappy")))


    def test_kill_between_answer_and_record(self):
        """The one case that repeats a notification, pinned: the webhook and
        the exec hook take the firing while the test holds the database's
        write lock, so the record cannot strike them off; kill -9. After the
        restart each gets the firing again, with the same fingerprint and
        startsAt (how a receiver tells the repeat), once; then one resolved:
        at least once, never lost."""
        rx = GatedReceiver()
        self.addCleanup(rx.close)
        cfg = self.kill_config(rx)
        s = self.serve_to_held_firing(cfg, rx)
        lock = sqlite3.connect(self.db, timeout=30, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        try:
            self.release_all(rx, answer=True)  # both take it now
            svc.wait_for("the firing taken by the webhook and the exec hook",
                         lambda: [b["status"] for b in rx.acked] == ["firing"] and
                         self.exec_lines("RUN") == [("firing", "flappy")], 30)
            # whether or not the service has seen the answers yet, the
            # record that would strike them off cannot be committed
            s.kill9()
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        self.assertEqual(self.owed(), (True, "firing", ["exec:log", "webhook:rx"]))
        s = self.serve(cfg)
        svc.wait_for("the firing sent again to both",
                     lambda: [b["status"] for b in rx.acked] == ["firing", "firing"] and
                     self.exec_lines("RUN") == [("firing", "flappy")] * 2, 30)
        a, b = rx.acked[0]["alerts"][0], rx.acked[1]["alerts"][0]
        self.assertEqual((b["fingerprint"], b["startsAt"], b["labels"]),
                         (a["fingerprint"], a["startsAt"], a["labels"]))
        svc.wait_for("the record owing nothing", lambda: self.owed() == (True, None, []), 30)
        base = self.runs("flappy")
        svc.wait_for("3 more failed runs", lambda: self.runs("flappy") >= base + 3, 30)
        self.lab.set_down([])
        svc.wait_for("one resolved each", lambda: [b["status"] for b in rx.acked] ==
                     ["firing", "firing", "resolved"] and [e for e, _ in self.exec_lines(
                         "RUN")] == ["firing", "firing", "resolved"], 30)
        svc.wait_for("the record deleted", lambda: self.owed() is None, 30)
        s.stop()
        self.clean_db()
        print("answer then kill: webhook took %s, exec ran %s (the repeat: same fingerprint "
              "%s and startsAt %s)" % ([b["status"] for b in rx.acked],
                                       [e for e, _ in self.exec_lines("RUN")],
                                       b["fingerprint"], b["startsAt"]))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--oaprobe", required=True)
    a, rest = ap.parse_known_args()
    svc.OAPROBE = a.oaprobe
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
