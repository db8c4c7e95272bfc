#!/usr/bin/python3
"""`oaprobe serve` against the Exchange lab (issue 8), under ASan/LSan.

- six scenarios as targets: each gets the state and diagnosis codes its
  scenario promises, in the history and as incidents;
- a target broken and mended at run time (the lab stops and restarts its
  front end): exactly one incident, with its start and its end;
- reload: a broken file keeps the running configuration (and the log says
  why, by file, line and key); a good one adds, removes and keeps targets
  (an unchanged target is not rescheduled);
- kill -9 at random moments, then a restart: every run committed before the
  kill is still there, the file passes integrity_check, the state (open
  incidents) is restored, not opened twice;
- targets added through the API (stored) are restored at start; a name the
  file has wins;
- a password given by file and by ${ENV}: never in the log or the database;
- usage and start-up errors: exit 3 / 1 with the reason.

Every process is stopped with SIGTERM and must exit 0 with no sanitizer
report. Only loopback: targets reach the lab through `resolve:` entries.

    /usr/bin/python3 tests/integration/serve/test_serve_lab.py --oaprobe build/.../oaprobe
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
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(HERE, "..", "..", "lab")
sys.path.insert(0, os.path.abspath(LAB))

from fixture import Lab, expected_status, free_port, net_for, write_secret  # noqa: E402
import service  # noqa: E402
from service import Serve, kill_current, wait_for  # noqa: E402

OAPROBE = None
STATUS = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}
SIX = ["healthy", "cert_expiring", "acl_fqdn_missing", "backend_down_6004", "cert_expired",
       "no_rpcproxy"]


TOKEN = "write-token-" + "%016x" % random.randrange(1 << 64)


class ServeLab(unittest.TestCase):
    lab = None

    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(SIX, net=net_for("test_serve_lab")).start()
        d = cls.lab.data
        cls.ca = d["ca_bundle"]
        cls.user = d["users"][0]

    @classmethod
    def tearDownClass(cls):
        if cls.lab is not None:
            cls.lab.stop()
            cls.lab.cleanup()

    def tearDown(self):
        kill_current()  # a test that failed half-way leaves no service behind

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="oaprobe-serve-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.pwfile = write_secret(os.path.join(self.tmp, "password"), self.user["password"])
        self.db = os.path.join(self.tmp, "oaprobe.db")
        self.port = free_port()

    # ------------------------------------------------------------ helpers

    def target(self, scenario, name=None, extra=()):
        return self.lab.target_yaml(scenario, name, extra)

    def config(self, targets, interval="1s", timeout="1s", extra_defaults=(), top=(),
               password_file=True):
        lines = ["listen: 127.0.0.1:%d" % self.port, "storage: %s" % self.db] + list(top)
        lines += ["defaults:", "  interval: %s" % interval, "  timeout: %s" % timeout,
                  "  cacert: %s" % self.ca,
                  "  user: '%s'" % self.lab.user_spec()]
        if password_file:
            lines.append("  password_file: %s" % self.pwfile)
        lines += ["  %s" % e for e in extra_defaults]
        lines.append("targets:")
        for t in targets:
            lines += t
        return "\n".join(lines) + "\n"

    def http(self, method, path, body=None, token=None, timeout=30):
        """(status, parsed JSON or text) of one request to the service's API."""
        status, raw = service.api(self.port, method, path, body, token, timeout)
        return status, service.json_or_text(raw)

    def tokens_file(self):
        path = write_secret(os.path.join(self.tmp, "tokens"), "tester write %s" % TOKEN)
        return ["api:", "  tokens_file: %s" % path]

    def q(self, sql, args=()):
        return service.query(self.db, sql, args)

    def runs(self, name):
        return self.q("SELECT r.id, r.started_at, r.status, r.codes, r.lag_ms, r.flags FROM runs r "
                      "JOIN names n ON n.id = r.tid WHERE n.name = ? ORDER BY r.id", (name,))

    def incidents(self, name):
        return self.q("SELECT i.from_status, i.to_status, i.started_at, i.ended_at, i.codes "
                      "FROM incidents i JOIN names n ON n.id = i.tid WHERE n.name = ? "
                      "ORDER BY i.id", (name,))

    def count_runs(self, name):
        try:
            return len(self.runs(name))
        except sqlite3.OperationalError:
            return 0  # the schema is not there yet

    # ------------------------------------------------------------ tests

    def test_six_scenarios(self):
        """Each scenario's state and codes, in the history and as incidents."""
        cfg = self.config([self.target(n) for n in SIX], interval="4s", timeout="4s")
        s = Serve(self, cfg, self.tmp).start()
        try:
            names = [n.replace("_", "-") for n in SIX]
            wait_for("two runs of every target",
                     lambda: all(self.count_runs(n) >= 2 for n in names), 60)
            api = self.api_six(names)
        finally:
            log = s.stop()
        self.assertEqual(api["status"], 503)
        for scen, name in zip(SIX, names):
            want = sorted(set(self.lab.scenario(scen)["diagnoses"] or []))
            status = expected_status(want)
            runs = self.runs(name)
            for r in runs:
                self.assertEqual(r[2], STATUS[status], (name, r))
                self.assertEqual(sorted(json.loads(r[3])), want, (name, r))
                self.assertGreaterEqual(r[4], 0)
            inc = self.incidents(name)
            if status == "ok":
                self.assertEqual(inc, [], name)
                self.assertIn("target %s: pending -> ok" % name, log)
            else:
                # the first run decided (pending: nothing to protect), one open incident
                self.assertEqual(len(inc), 1, (name, inc))
                self.assertEqual(inc[0][0], 4, (name, inc))  # from pending (store.h)
                self.assertEqual(inc[0][1], STATUS[status])
                self.assertIsNone(inc[0][3])
                self.assertIn("target %s: pending -> %s (%s)" % (name, status, ",".join(want)),
                              log)
        # the latest run of each target keeps its full result
        for name in names:
            kept = self.q("SELECT COUNT(*) FROM latest l JOIN names n ON n.id = l.tid "
                          "JOIN results x ON x.run_id = l.run_id WHERE n.name = ?", (name,))
            self.assertEqual(kept[0][0], 1, name)

    def api_six(self, names):
        """The same through the API: states, codes, remedies, incidents."""
        status, doc = self.http("GET", "/api/v1/targets")
        self.assertEqual(status, 200, doc)
        got = {t["name"]: t for t in doc["targets"]}
        self.assertEqual(sorted(got), sorted(names))
        for scen, name in zip(SIX, names):
            want = sorted(set(self.lab.scenario(scen)["diagnoses"] or []))
            t = got[name]
            self.assertEqual(t["status"], expected_status(want), t)
            self.assertEqual(sorted(t["codes"]), want, t)
            self.assertIsNotNone(t["last_run"])
            self.assertIsNotNone(t["uptime"]["24h"], t)
            status, full = self.http("GET", "/api/v1/targets/" + name)
            self.assertEqual(status, 200)
            diags = full["result"]["diagnoses"]
            self.assertEqual(sorted({d["code"] for d in diags}), want)
            for d in diags:
                self.assertTrue(d["remedy"], d)
            status, inc = self.http("GET", "/api/v1/targets/%s/incidents" % name)
            self.assertEqual(status, 200)
            self.assertEqual(len(inc["incidents"]), 0 if not want else 1, inc)
            status, res = self.http("GET", "/api/v1/targets/%s/results?limit=1" % name)
            self.assertEqual(status, 200)
            self.assertEqual(len(res["results"]), 1)
            self.assertIsNotNone(res["next_cursor"])
        self.assertEqual(got["healthy"]["uptime"]["24h"], 1)
        status, doc = self.http("GET", "/api/v1/status")
        self.assertEqual(doc["counts"]["ok"], 1, doc)
        self.assertEqual(doc["counts"]["warning"], 1, doc)
        self.assertEqual(doc["counts"]["critical"], 4, doc)
        return {"status": status}

    def test_broken_and_mended(self):
        """The lab stops the front end, then restarts it: one incident, start and
        end; the webhook gets one firing and one resolved notification."""
        hook = service.Receiver()
        self.addCleanup(hook.close)
        cfg = self.config([self.target("healthy", extra=["failure_threshold: 2"])],
                          interval="2s", timeout="2s",
                          top=["webhooks:", "  - {name: chat, url: 'http://127.0.0.1:%d/hook', "
                               "timeout: 2s}" % hook.port])
        s = Serve(self, cfg, self.tmp).start()
        try:
            wait_for("a good run", lambda: any(r[2] == 0 for r in self.runs("healthy")), 20)
            self.lab.set_down(["healthy"])
            try:
                wait_for("an open incident", lambda: self.incidents("healthy"), 20)
            finally:
                self.lab.set_down([])
            wait_for("the incident closed",
                     lambda: all(i[3] is not None for i in self.incidents("healthy")), 20)
            before = self.count_runs("healthy")
            wait_for("two more runs", lambda: self.count_runs("healthy") >= before + 2, 20)
            status, api_inc = self.http("GET", "/api/v1/targets/healthy/incidents")
            wait_for("the resolved notification", lambda: len(hook.bodies()) >= 2, 20)
        finally:
            log = s.stop()
        self.assertEqual([b["status"] for b in hook.bodies()], ["firing", "resolved"],
                         json.dumps(hook.bodies())[:3000])
        self.assertEqual(hook.bodies()[0]["alerts"][0]["labels"].get("target"), "healthy")
        stored = self.q("SELECT kind, event, outcome FROM deliveries ORDER BY id")
        self.assertEqual([r[:2] for r in stored], [("webhook", "firing"), ("webhook", "resolved")])
        self.assertTrue(all(r[2] == "success" for r in stored), stored)
        self.assertEqual(status, 200)
        self.assertEqual(len(api_inc["incidents"]), 1, api_inc)
        one = api_inc["incidents"][0]
        self.assertFalse(one["open"])
        self.assertEqual((one["from"], one["to"]), ("ok", "critical"))
        self.assertIsNotNone(one["started_at"])
        self.assertIsNotNone(one["ended_at"])
        self.assertGreater(one["duration_seconds"], 0)
        inc = self.incidents("healthy")
        self.assertEqual(len(inc), 1, inc)
        frm, to, started, ended, codes = inc[0]
        self.assertEqual((frm, to), (0, 2))
        self.assertIn("tcp_refused", codes)
        self.assertGreater(ended, started)
        runs = self.runs("healthy")
        bad = [r for r in runs if r[2] != 0]
        self.assertGreaterEqual(len(bad), 2, runs)  # failure_threshold: 2
        # the incident starts with the run that crossed the threshold, and
        # ends with the first good run after it
        self.assertEqual(started, bad[1][1])
        self.assertEqual(ended, min(r[1] for r in runs if r[2] == 0 and r[1] > started))
        self.assertIn("target healthy: ok -> critical (tcp_refused)", log)
        self.assertIn("target healthy: critical -> ok", log)

    def test_reload(self):
        """A broken file keeps the running configuration; a good one applies."""
        a = self.target("healthy", name="keep", extra=["depth: echo"])
        b = self.target("cert_expiring", name="drop", extra=["depth: echo"])
        c = self.target("healthy", name="add", extra=["depth: echo"])
        cfg = self.config([a, b])
        s = Serve(self, cfg, self.tmp).start()
        try:
            wait_for("runs of both", lambda: self.count_runs("keep") >= 1 and
                     self.count_runs("drop") >= 1, 20)
            good = cfg
            s.write_config(good.replace("interval: 1s", 'interval: "6O s"', 1))
            s.signal(signal.SIGHUP)
            wait_for("the reload error",
                     lambda: "reload failed, the running configuration stays" in s.log(), 10)
            line = [x for x in s.log().splitlines() if "reload failed" in x][0]
            self.assertIn("%s:" % s.cfg, line)
            self.assertIn("defaults.interval", line)
            self.assertIn("6O s", line)
            n_keep, n_drop = self.count_runs("keep"), self.count_runs("drop")
            wait_for("both still running", lambda: self.count_runs("keep") >= n_keep + 2 and
                     self.count_runs("drop") >= n_drop + 2, 20)
            s.write_config(self.config([a, c]))
            s.signal(signal.SIGHUP)
            wait_for("the reload", lambda: "reload: 2 targets" in s.log(), 10)
            self.assertIn("reload: target add: added", s.log())
            self.assertIn("reload: target drop: removed", s.log())
            self.assertIn("reload: 2 targets: 1 added, 0 changed, 1 removed, 1 unchanged",
                          s.log())
            wait_for("runs of the added one", lambda: self.count_runs("add") >= 2, 20)
            n_drop = self.count_runs("drop")
            n_keep = self.count_runs("keep")
            time.sleep(2.5)
            self.assertEqual(self.count_runs("drop"), n_drop)
            self.assertGreaterEqual(self.count_runs("keep"), n_keep + 1)
            # through the API too: a broken file is refused with the reason
            s.write_config(self.config([a, c], top=self.tokens_file()).replace(
                "interval: 1s", 'interval: "6O s"', 1))
            status, doc = self.http("POST", "/-/reload", token=TOKEN)
            self.assertEqual(status, 403, doc)  # the running config has no tokens file
            s.write_config(self.config([a, c], top=self.tokens_file()))
            s.signal(signal.SIGHUP)
            wait_for("the tokens", lambda: s.log().count("reload: 2 targets") >= 2, 10)
            s.write_config(self.config([a, c], top=self.tokens_file()).replace(
                "interval: 1s", 'interval: "6O s"', 1))
            status, doc = self.http("POST", "/-/reload", token=TOKEN)
            self.assertNotEqual(status, 200, doc)
            self.assertIn("6O s", json.dumps(doc))
            status, st = self.http("GET", "/api/v1/status")
            self.assertFalse(st["config"]["last_reload_successful"], st)
            self.assertIn("defaults.interval", st["config"]["error"])
            # a changed setting reschedules that target only
            a2 = self.target("healthy", name="keep", extra=["depth: echo", "cert_warn_days: 3"])
            s.write_config(self.config([a2, c], top=self.tokens_file()))
            status, doc = self.http("POST", "/-/reload", token=TOKEN)
            self.assertEqual(status, 200, doc)
            status, st = self.http("GET", "/api/v1/status")
            self.assertTrue(st["config"]["last_reload_successful"], st)
            wait_for("the second reload", lambda: "reload: 2 targets: 0 added" in s.log(), 10)
            self.assertIn("0 added, 1 changed, 0 removed, 1 unchanged", s.log())
            self.assertIn("reload: target keep: settings changed: rescheduled", s.log())
        finally:
            s.stop()
        # a run in flight at each step is one run: never two at once
        for name in ("keep", "drop", "add"):
            starts = [r[1] for r in self.runs(name)]
            self.assertEqual(len(starts), len(set(starts)), name)

    def test_kill9_and_restart(self):
        """kill -9 at random moments: every committed run survives; state restored."""
        many = [self.target("healthy", name="echo-%02d" % i, extra=["depth: echo"])
                for i in range(24)]
        bad = self.target("cert_expired")
        cfg = self.config(many + [bad], interval="2s", timeout="2s")
        rng = random.Random()
        seen = set()
        for rnd in range(4):
            s = Serve(self, cfg, self.tmp).start()
            if rnd > 0:
                # the open incident of cert-expired is restored, not opened again
                self.assertRegex(s.log(), r"from the store \([1-9]\d* open incidents\)")
            wait_for("runs committed", lambda: self.q("SELECT COUNT(*) FROM runs")[0][0] >
                     len(seen) + 20 and self.incidents("cert-expired"), 30)
            time.sleep(rng.uniform(0.0, 1.0))
            snapshot = {r[0] for r in self.q("SELECT id FROM runs")}
            s.kill9()
            self.assertEqual(len(self.incidents("cert-expired")), 1)
            self.assertTrue(seen <= snapshot)
            seen = snapshot
            after = {r[0] for r in self.q("SELECT id FROM runs")}
            self.assertTrue(seen <= after, "runs lost: %s" % sorted(seen - after)[:20])
        self.assertEqual(self.q("PRAGMA integrity_check"), [("ok",)])
        s = Serve(self, cfg, self.tmp).start()
        log = s.stop()
        self.assertRegex(log, r"restored the state of 25 of 25 targets from the store "
                              r"\([1-9]\d* open incidents\)")
        inc = self.incidents("cert-expired")
        self.assertEqual(len(inc), 1, inc)
        self.assertIsNone(inc[0][3])
        # the rollups count every stored run
        total = self.q("SELECT COUNT(*) FROM runs")[0][0]
        counted = self.q("SELECT SUM(up + down + maint) FROM rollup_hour")[0][0]
        self.assertEqual(total, counted)

    def test_cap_queue_and_overruns(self):
        """--max-checks 1: runs never overlap, waiting is schedule lag (not
        duration), a slot that comes while the target still waits is an
        overrun (flagged on its next stored run), never a second run; the
        TLS session caches of the first 8 targets (/metrics)."""
        def ran_targets(metrics):
            """The targets with a completed run in this /metrics text."""
            return {t for t, n in re.findall(r'^oaprobe_runs_total\{target="(t\d\d)"[^}]*\} '
                                             r'(\d+)$', metrics, re.M) if int(n) > 0}

        many = [self.target("healthy", name="t%02d" % i) for i in range(40)]
        s = Serve(self, self.config(many), self.tmp, args=["--max-checks", "1"]).start()
        try:
            wait_for("an overrun", lambda: "overrun" in s.log(), 30)
            wait_for("runs", lambda: self.q("SELECT COUNT(*) FROM runs WHERE flags & 2")[0][0]
                     >= 1, 30)
            # more targets ran than keep TLS sessions (below)
            wait_for("more than 8 targets ran", lambda: len(ran_targets(
                self.http("GET", "/metrics")[1])) > 8, 60)
            status, metrics = self.http("GET", "/metrics")
        finally:
            log = s.stop()
        self.assertEqual(status, 200)
        m = re.search(r"^oaprobe_schedule_lag_seconds_count(?:\{[^}]*\})? (\d+)", metrics, re.M)
        self.assertIsNotNone(m, metrics[:2000])
        self.assertGreater(int(m.group(1)), 0)
        m = re.search(r'^oaprobe_overruns_total\{[^}]*target="t\d\d"[^}]*\} [1-9]', metrics, re.M)
        self.assertIsNotNone(m, [x for x in metrics.splitlines() if "overrun" in x][:5])
        self.assertIn("max concurrent checks 1 (--max-checks 1;", log)
        # TLS sessions: 8 targets keep theirs (tls_session_cache's default),
        # every later target that ran found the budget full; every check's
        # connect step is a full handshake, its transfers offer a session
        # (the lab's server resumes most of them)
        def one(name):
            m = re.search(r"^%s (\d+)$" % re.escape(name), metrics, re.M)
            self.assertIsNotNone(m, name)
            return int(m.group(1))
        ran = ran_targets(metrics)
        self.assertGreater(len(ran), 8, sorted(ran))
        self.assertEqual(one("oaprobe_tls_session_cache_targets_max"), 8)
        self.assertEqual(one("oaprobe_tls_session_cache_targets"), 8)
        self.assertGreaterEqual(one("oaprobe_tls_session_cache_refused_total"), len(ran) - 8)
        full = one('oaprobe_tls_handshakes_total{session="full"}')
        resumed = one('oaprobe_tls_handshakes_total{session="resumed"}')
        print("%d targets ran: TLS handshakes %d full, %d resumed" % (len(ran), full, resumed))
        self.assertGreaterEqual(full, len(ran))
        self.assertGreater(resumed, 0)
        rows = self.q("SELECT started_at, duration_ms, lag_ms, flags FROM runs "
                      "ORDER BY started_at")
        for a, b in zip(rows, rows[1:]):
            # one check at a time: the next starts after the previous ended
            # (started_at and duration are whole ms: 2 ms of rounding)
            self.assertLessEqual(a[0] + a[1], b[0] + 2, (a, b))
        lags = sorted(r[2] for r in rows)
        # the queue made runs late by more than any run lasted: the wait is
        # in the lag, not in the durations (each at most its 1 s deadline)
        self.assertGreater(lags[-1], max(r[1] for r in rows))
        self.assertLessEqual(max(r[1] for r in rows), 1000 + 600)
        self.assertTrue(any(r[3] & 2 for r in rows))

    def test_api_put_run_delete(self):
        """PUT makes a target that runs and survives a restart, POST .../run
        answers with the result, a file target is read-only (409), DELETE
        stops it; bad bodies change nothing."""
        cfg = self.config([self.target("healthy", name="file-one", extra=["depth: echo",
                                                                          "interval: 1h"])],
                          top=self.tokens_file())
        sc = self.lab.scenario("cert_expiring")
        body = json.dumps({"host": "%s:%d" % (sc["host"], sc["https_port"]),
                           "resolve": ["%s:%d:%s" % (sc["host"], sc["https_port"],
                                                     sc["address"])],
                           "depth": "tls", "interval": "1h", "labels": {"site": "lab"}})
        s = Serve(self, cfg, self.tmp).start()
        try:
            status, doc = self.http("PUT", "/api/v1/targets/api-one", body)
            self.assertEqual(status, 401, doc)
            status, doc = self.http("PUT", "/api/v1/targets/api-one", body, token=TOKEN)
            self.assertEqual(status, 201, doc)
            status, doc = self.http("PUT", "/api/v1/targets/file-one", body, token=TOKEN)
            self.assertEqual(status, 409, doc)
            status, doc = self.http("PUT", "/api/v1/targets/api-two", '{"host": "x", '
                                    '"interval": "6O s"}', token=TOKEN)
            self.assertEqual(status, 400, doc)
            self.assertIn("interval", json.dumps(doc))
            # run now: the answer is the finished run (interval 1h: nothing else runs it)
            status, doc = self.http("POST", "/api/v1/targets/api-one/run", token=TOKEN)
            self.assertEqual(status, 200, doc)
            self.assertEqual(doc["status"], "warning", doc)
            self.assertEqual(doc["codes"], ["cert_expiring"])
            status, doc = self.http("POST", "/api/v1/targets/file-one/run", token=TOKEN)
            self.assertEqual(status, 200, doc)
            self.assertEqual(doc["status"], "ok", doc)
            status, doc = self.http("GET", "/api/v1/targets/api-one")
            self.assertEqual(doc["source"], "api", doc)
            self.assertEqual(doc["labels"], {"site": "lab"})
            wait_for("the runs committed", lambda: self.count_runs("api-one") == 1, 10)
            # the run asked for keeps its full result (STORE_RUN_KEEP_RESULT)
            self.assertTrue(self.runs("api-one")[0][5] & 0x4)
        finally:
            s.stop()
        s = Serve(self, cfg, self.tmp).start()
        try:
            self.assertIn("1 API targets from the store", s.log())
            status, doc = self.http("GET", "/api/v1/targets/api-one")
            self.assertEqual(status, 200, doc)
            self.assertEqual(doc["status"], "warning", doc)  # restored from the store
            status, doc = self.http("DELETE", "/api/v1/targets/file-one", token=TOKEN)
            self.assertEqual(status, 409, doc)
            status, doc = self.http("DELETE", "/api/v1/targets/api-one", token=TOKEN)
            self.assertIn(status, (200, 204), doc)
            status, doc = self.http("GET", "/api/v1/targets/api-one")
            self.assertEqual(status, 404, doc)
        finally:
            s.stop()
        s = Serve(self, cfg, self.tmp).start()
        try:
            self.assertNotIn("API targets from the store", s.log())
            status, doc = self.http("GET", "/api/v1/targets")
            self.assertEqual([t["name"] for t in doc["targets"]], ["file-one"])
        finally:
            s.stop()

    def test_api_targets_restored(self):
        """A target added through the API (stored) starts with the service;
        one whose name the file has is not started (the file wins)."""
        cfg = self.config([self.target("healthy", name="file-one", extra=["depth: echo"])])
        s = Serve(self, cfg, self.tmp).start()
        wait_for("a run", lambda: self.count_runs("file-one") >= 1, 20)
        s.stop()
        sc = self.lab.scenario("healthy")
        body = ('{"host": "%s:%d", "resolve": ["%s:%d:%s"], "depth": "echo", "interval": "1s"}'
                % (sc["host"], sc["https_port"], sc["host"], sc["https_port"], sc["address"]))
        db = sqlite3.connect(self.db)
        for name in ("api-one", "file-one"):
            db.execute("INSERT INTO api_targets (name, body, created_at, updated_at) "
                       "VALUES (?, ?, 1, 1)", (name, body))
        db.commit()
        db.close()
        s = Serve(self, cfg, self.tmp).start()
        try:
            wait_for("runs of the API target", lambda: self.count_runs("api-one") >= 2, 20)
        finally:
            log = s.stop()
        self.assertIn("API target file-one: the file has a target of that name, which wins", log)
        self.assertIn("1 API targets from the store", log)

    def test_no_password_in_logs_or_database(self):
        """The password (file and ${ENV}) appears in no log line and no database byte."""
        pw = self.user["password"]
        envpw = "Env-Secret-" + "%08x" % random.randrange(1 << 32)
        t1 = self.target("healthy", name="by-file", extra=["password_file: %s" % self.pwfile])
        t2 = self.target("healthy", name="by-env", extra=["password: '${OAPROBE_TEST_PW}'"])
        cfg = self.config([t1, t2], password_file=False)
        # a password file that others may read: a warning, never the content
        os.chmod(self.pwfile, 0o644)
        s = Serve(self, cfg, self.tmp, env={"OAPROBE_TEST_PW": envpw}).start()
        try:
            wait_for("runs", lambda: self.count_runs("by-file") >= 2 and
                     self.count_runs("by-env") >= 2, 20)
            s.signal(signal.SIGHUP)
            wait_for("the reload", lambda: "reload: 2 targets" in s.log(), 10)
            answers = []
            for path in ("/api/v1/targets", "/api/v1/targets/by-file", "/api/v1/targets/by-env",
                         "/api/v1/targets/by-env/results", "/api/v1/status",
                         "/api/v1/targets?format=text"):
                answers.append(json.dumps(self.http("GET", path)))
        finally:
            log = s.stop()
        self.assertIn("warning", log)
        blobs = [log.encode()] + [a.encode() for a in answers]
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(self.db + suffix):
                with open(self.db + suffix, "rb") as f:
                    blobs.append(f.read())
        for secret in (pw, envpw):
            for enc in (secret.encode(), secret.encode("utf-16-le")):
                for b in blobs:
                    self.assertNotIn(enc, b)

    def test_usage_and_startup_errors(self):
        p = subprocess.run([OAPROBE, "serve"], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 3)
        self.assertIn("--config FILE is required", p.stderr)
        p = subprocess.run([OAPROBE, "serve", "--help"], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertIn("SIGHUP", p.stdout)
        cfg = os.path.join(self.tmp, "bad.yml")
        with open(cfg, "w") as f:
            f.write("targets:\n  - name: x\n    host: h\n    interval: 6O s\n    colour: red\n")
        p = subprocess.run([OAPROBE, "serve", "--config", cfg], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertRegex(p.stderr, re.escape(cfg) + r":4:\d+: targets\[0\]\.interval")
        self.assertIn("colour", p.stderr)
        good = os.path.join(self.tmp, "good.yml")
        with open(good, "w") as f:
            f.write(self.config([self.target("healthy")]))
        p = subprocess.run([OAPROBE, "serve", "--config", good, "--check-config"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("ok, 1 targets", p.stdout)
        # an unreadable secret: exit 1 naming the key, before anything starts
        os.unlink(self.pwfile)
        p = subprocess.run([OAPROBE, "serve", "--config", good], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("password_file", p.stderr)
        # a storage that is not a database: refused, not touched
        write_secret(self.pwfile, "x")
        with open(self.db, "w") as f:
            f.write("not a database\n" * 100)
        p = subprocess.run([OAPROBE, "serve", "--config", good], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("storage %s" % self.db, p.stderr)
        with open(self.db) as f:
            self.assertEqual(f.read(), "not a database\n" * 100)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--oaprobe", required=True)
    args, rest = ap.parse_known_args()
    OAPROBE = service.OAPROBE = os.path.abspath(args.oaprobe)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
