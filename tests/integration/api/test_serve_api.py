#!/usr/bin/python3
"""The real `oaprobe serve` and the Exchange lab, through every route of the
HTTP API: six scenarios as file targets, each run now through
POST .../run (write token) and read back through the target, list, text,
history, incidents, status, events, badge and validports routes; an API
target added, run, replaced and removed; a reload with a good and with a
broken file (the old configuration keeps running). Every answer, the log
and the database are searched for the password and the tokens.

    test_serve_api.py --oaprobe build/test/service/oaprobe
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.abspath(os.path.join(HERE, "..", "..", "lab")))

from fixture import Lab, expected_status, free_port, net_for, write_secret  # noqa: E402

ARGS = None
READ = "reader-3b9f0c5e1d2a4f6b8c7d"
WRITE = "writer-9a8b7c6d5e4f3a2b1c0d"
# six lab scenarios as file targets (failure_threshold 1: one run decides)
SCENARIOS = ["healthy", "cert_expiring", "acl_fqdn_missing", "auth_rejected",
             "port_closed", "no_rpcproxy"]


class Serve(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(list(SCENARIOS), net=net_for("test_serve_api")).start()
        cls.tmp = tempfile.mkdtemp(prefix="oaprobe-serve-api-")
        cls.user = cls.lab.data["users"][0]
        cls.password = cls.user["password"]
        write_secret(os.path.join(cls.tmp, "password"), cls.password)
        write_secret(os.path.join(cls.tmp, "tokens"), "grafana read %s\nci write %s" % (READ, WRITE))
        cls.port = free_port()
        cls.db = os.path.join(cls.tmp, "oaprobe.db")
        cls.config = os.path.join(cls.tmp, "oaprobe.yml")
        cls.write_config()
        env = cls.lab.probe_env(cls.tmp)  # the lab's krb5.conf for Negotiate
        cls.log = open(os.path.join(cls.tmp, "serve.log"), "w+")
        cls.proc = subprocess.Popen([ARGS.oaprobe, "serve", "--config", cls.config],
                                    stdout=cls.log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 30
        while True:
            try:
                if cls.get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if cls.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("oaprobe serve did not come up:\n" + cls.log_text())
            time.sleep(0.1)

    @classmethod
    def write_config(cls, broken=False, extra=""):
        text = ("listen: 127.0.0.1:%d\n"
                "storage: %s\n"
                "api: {tokens_file: %s, allow_hosts: ['%s', '%s']}\n"
                "defaults:\n"
                "  interval: %s\n"
                "  timeout: 10s\n"
                "  failure_threshold: 1\n"
                "  cacert: %s\n"
                "  user: '%s'\n"
                "  password_file: %s\n"
                "targets:\n" % (cls.port, cls.db, os.path.join(cls.tmp, "tokens"),
                                 # where test_6b's Negotiate API target may go
                                 cls.lab.scenario("healthy")["host"],
                                 cls.lab.scenario("healthy")["address"],
                                "6O s" if broken else "1h", cls.lab.data["ca_bundle"],
                                cls.lab.user_spec(),
                                os.path.join(cls.tmp, "password")))
        text += "\n".join("\n".join(cls.lab.target_yaml(n, extra=["labels: {scenario: %s}" % n]))
                          for n in SCENARIOS) + "\n" + extra
        with open(cls.config, "w") as f:
            f.write(text)

    @classmethod
    def tearDownClass(cls):
        if cls.proc.poll() is None:
            cls.proc.send_signal(signal.SIGTERM)
            cls.proc.wait(60)
        rc = cls.proc.returncode
        log = cls.log_text()
        cls.log.close()
        cls.lab.stop()
        cls.lab.cleanup()
        try:
            with open(cls.db, "rb") as f:
                db = f.read()
            for extra in (cls.db + "-wal",):
                if os.path.exists(extra):
                    with open(extra, "rb") as f:
                        db += f.read()
        finally:
            shutil.rmtree(cls.tmp, ignore_errors=True)
        assert rc == 0, "oaprobe serve exited %s:\n%s" % (rc, log[-4000:])
        for secret in (cls.password, READ, WRITE):
            assert secret not in log, "a secret in the log"
            assert secret.encode() not in db, "a secret in the database"

    @classmethod
    def log_text(cls):
        cls.log.flush()
        with open(cls.log.name, errors="replace") as f:
            return f.read()

    @classmethod
    def get(cls, target, method="GET", body=None, token=None, headers=None, timeout=60):
        c = http.client.HTTPConnection("127.0.0.1", cls.port, timeout=timeout)
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if isinstance(body, dict):
            body = json.dumps(body)
        c.request(method, target, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        for secret in (cls.password, READ, WRITE):
            assert secret.encode() not in data, "a secret in %s %s" % (method, target)
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def json(self, target, status=200, **kw):
        st, _, body = self.get(target, **kw)
        self.assertEqual(st, status, "%s: %s" % (target, body[:500]))
        return json.loads(body)

    def run_all(self):
        if getattr(Serve, "_ran", False):
            return
        for name in SCENARIOS:
            t = name.replace("_", "-")
            doc = self.json("/api/v1/targets/%s/run" % t, method="POST", token=WRITE)
            self.assertEqual(doc["name"], t)
        Serve._ran = True

    # ------------------------------------------------------------ routes

    def test_1_run_and_states(self):
        self.run_all()
        targets = {t["name"]: t for t in self.json("/api/v1/targets")["targets"]}
        for name in SCENARIOS:
            t = targets[name.replace("_", "-")]
            codes = self.lab.scenario(name)["diagnoses"]
            status = expected_status(codes)
            self.assertEqual(t["last_status"], status, json.dumps(t)[:800])
            self.assertEqual(t["status"], status, json.dumps(t)[:800])
            self.assertEqual(sorted(t["codes"]), sorted(set(codes)), json.dumps(t)[:800])
            self.assertEqual(t["labels"], {"scenario": name})
        want = set(self.lab.scenario("acl_fqdn_missing")["diagnoses"])
        doc = self.json("/api/v1/targets/acl-fqdn-missing")
        self.assertEqual(set(doc["codes"]), want)
        self.assertTrue(all(d.get("remedy") for d in doc["result"]["diagnoses"]))
        self.assertIsNotNone(doc["certificate"])

    def test_2_text(self):
        self.run_all()
        st, h, body = self.get("/api/v1/targets", headers={"Accept": "text/plain"})
        lines = body.decode().splitlines()
        self.assertEqual(len(lines), len(SCENARIOS))
        self.assertTrue(any(l.startswith("OAPROBE OK - healthy: ") for l in lines), lines)
        st, h, body = self.get("/api/v1/targets/port-closed?format=text")
        self.assertTrue(body.startswith(b"OAPROBE CRITICAL - port-closed: "), body)

    def test_3_history(self):
        self.run_all()
        self.json("/api/v1/targets/healthy/run", method="POST", token=WRITE)
        deadline = time.monotonic() + 10
        while True:  # the store writer commits asynchronously
            res = self.json("/api/v1/targets/healthy/results?limit=1")
            if res["next_cursor"] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(len(res["results"]), 1)
        self.assertEqual(res["results"][0]["status"], "ok")
        page2 = self.json("/api/v1/targets/healthy/results?limit=1&cursor=" + res["next_cursor"])
        self.assertEqual(len(page2["results"]), 1)
        self.assertLess(page2["results"][0]["started_at"], res["results"][0]["started_at"])
        self.json("/api/v1/targets/healthy/results?since=yesterday", status=400)
        inc = self.json("/api/v1/targets/port-closed/incidents")
        self.assertGreaterEqual(len(inc["incidents"]), 1)
        self.assertEqual(inc["incidents"][0]["to"], "critical")

    def test_4_status_badges_validports(self):
        self.run_all()
        st, _, body = self.get("/api/v1/status")
        self.assertEqual(st, 503)
        doc = json.loads(body)
        self.assertFalse(doc["ok"])
        self.assertEqual(doc["counts"]["ok"], 1)
        self.assertEqual(sum(doc["counts"].values()), len(SCENARIOS))
        st, h, body = self.get("/api/v1/targets/healthy/badge.svg")
        self.assertEqual((st, h["content-type"]), (200, "image/svg+xml"))
        self.assertIn(b"ok", body)
        st, h, body = self.get("/api/v1/targets/healthy/uptime/24h/badge.svg")
        self.assertEqual(st, 200)
        doc = self.json("/api/v1/validports", method="POST",
                        body={"value": "EXCH01:6001-6002;EXCH01:6004", "names": ["EXCH01"]})
        self.assertEqual(doc["status"], "complete")

    def test_5_events(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
        buf = b""
        while b": oaprobe events" not in buf:
            buf += s.recv(4096)
        self.json("/api/v1/targets/healthy/run?wait=false", status=202, method="POST",
                  token=WRITE)
        deadline = time.monotonic() + 30
        while b"event: result" not in buf and time.monotonic() < deadline:
            buf += s.recv(65536)
        s.close()
        data = [l[6:] for l in buf.decode().split("\n") if l.startswith("data: ")]
        self.assertTrue(data, buf[-500:])
        self.assertEqual(json.loads(data[0])["name"], "healthy")

    def test_6_api_target(self):
        sc = self.lab.scenario("healthy")
        port = sc.get("https_port") or 443
        body = {"host": "%s%s" % (sc["host"], "" if port == 443 else ":%d" % port),
                "resolve": ["%s:%d:%s" % (sc["host"], port, sc["address"])],
                "depth": "echo", "interval": "1h"}
        self.json("/api/v1/targets/from-api", status=401, method="PUT", body=body)
        self.json("/api/v1/targets/from-api", status=403, method="PUT", body=body, token=READ)
        self.json("/api/v1/targets/from-api", status=400, method="PUT",
                  body=dict(body, bogus=1), token=WRITE)
        doc = self.json("/api/v1/targets/from-api", status=201, method="PUT", body=body,
                        token=WRITE)
        self.assertEqual(doc["source"], "api")
        doc = self.json("/api/v1/targets/from-api/run", method="POST", token=WRITE)
        self.assertEqual(doc["status"], "ok", json.dumps(doc)[:800])
        self.json("/api/v1/targets/from-api", status=200, method="PUT",
                  body=dict(body, interval="2h"), token=WRITE)
        self.json("/api/v1/targets/healthy", status=409, method="PUT", body=body, token=WRITE)
        self.json("/api/v1/targets/healthy", status=409, method="DELETE", token=WRITE)
        st, _, _ = self.get("/api/v1/targets/from-api", method="DELETE", token=WRITE)
        self.assertEqual(st, 204)
        self.json("/api/v1/targets/from-api", status=404)

    def test_6b_kerberos_metrics(self):
        """A Negotiate target against the lab's KDC: the check engine's
        Kerberos counters in /metrics (copied into the view by the daemon)
        count its acquisition, and promtool accepts the exposition."""
        if not self.lab.data.get("kdc"):
            self.skipTest("no KDC")
        sc = self.lab.scenario("healthy")
        port = sc.get("https_port") or 443
        body = {"host": "%s%s" % (sc["host"], "" if port == 443 else ":%d" % port),
                "resolve": ["%s:%d:%s" % (sc["host"], port, sc["address"])],
                "depth": "auth", "auth": "negotiate", "interval": "1h"}
        self.json("/api/v1/targets/krb-api", status=201, method="PUT", body=body, token=WRITE)
        try:
            doc = self.json("/api/v1/targets/krb-api/run", method="POST", token=WRITE)
            self.assertEqual(doc["status"], "ok", json.dumps(doc)[:800])
            st, _, raw = self.get("/metrics")
            self.assertEqual(st, 200)
            text = raw.decode()
        finally:
            self.get("/api/v1/targets/krb-api", method="DELETE", token=WRITE)
        values = {}
        for line in text.splitlines():
            if line.startswith(("oaprobe_kerberos_", "oaprobe_trust_store_")):
                k, v = line.rsplit(" ", 1)
                values[k] = float(v)
        sys.stderr.write("kerberos metrics after a Negotiate run: %s\n" % values)
        self.assertEqual(values["oaprobe_kerberos_workers_max"], 8)
        self.assertGreaterEqual(values['oaprobe_kerberos_acquisitions_total{outcome="ok"}'], 1)
        self.assertEqual(values['oaprobe_kerberos_acquisitions_total{outcome="rejected"}'], 0)
        self.assertGreaterEqual(values["oaprobe_kerberos_tgts_acquired_total"], 1)
        self.assertGreaterEqual(values["oaprobe_kerberos_workers_peak"], 1)
        self.assertEqual(values["oaprobe_kerberos_queue_length"], 0)
        self.assertGreaterEqual(values["oaprobe_trust_store_loads_total"], 1)
        self.assertIn("# TYPE oaprobe_kerberos_acquisitions_total counter", text)
        p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""))

    def test_7_reload(self):
        self.json("/-/reload", status=401, method="POST")
        self.write_config(broken=True)
        try:
            doc = self.json("/-/reload", status=400, method="POST", token=WRITE)
            self.assertIn("interval", doc["detail"])
            st = self.json("/api/v1/status", status=503)
            self.assertFalse(st["config"]["last_reload_successful"])
            self.assertEqual(len(self.json("/api/v1/targets")["targets"]), len(SCENARIOS))
        finally:
            self.write_config()
        doc = self.json("/-/reload", method="POST", token=WRITE)
        self.assertTrue(doc["config"]["last_reload_successful"])

    def test_8_robustness(self):
        for target, status in (("/api/v1/targets/%2e%2e/results", 400),
                               ("/api/v1/targets/a%00b", 400),
                               ("/api/v1/targets/NOPE", 404),
                               ("/api/v1/nothing", 404)):
            st, h, body = self.get(target)
            self.assertEqual(st, status, target)
            self.assertEqual(h["content-type"], "application/json")
        st, h, _ = self.get("/api/v1/targets", method="DELETE")
        self.assertEqual((st, h["allow"]), (405, "GET, HEAD"))
        self.json("/api/v1/targets/healthy/run", status=401, method="POST")
        self.json("/api/v1/targets/healthy/run", status=403, method="POST", token=READ)
        self.json("/api/v1/targets/healthy/run", status=401, method="POST", token=WRITE + "x")


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--oaprobe", required=True)
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
