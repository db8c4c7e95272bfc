#!/usr/bin/python3
"""`oaprobe serve` in the operator's stack, with the real tools (issue 9):

- a real Alertmanager started by the test, a loopback webhook receiver, an
  exec hook: the lab's healthy front end broken and mended at run time gives
  exactly one firing and one resolved notification at the webhook, at
  Alertmanager (read back through its API, and through its own webhook
  receiver), and one exec run each; the same outage for a target inside a
  maintenance window gives nothing;
- a webhook that hangs and one that refuses: the schedule lag of every run
  stays small (measured from the store);
- a real Prometheus scraping /metrics and driving /probe with the blackbox
  relabelling: probe_success and oaprobe_diagnosis read back through its
  HTTP API match the lab scenarios; `promtool check metrics` accepts the
  live /metrics and /probe answers;
- the password and the header token appear in no payload, exec
  environment, metric, API answer or log.

    /usr/bin/python3 tests/integration/hooks/test_stack.py --oaprobe BIN
Run inside `unshare -n` (the lab binds its standard ports).
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.abspath(os.path.join(HERE, "..", "..", "lab")))

import service as svc  # noqa: E402  (Serve, wait_for, stop_procs)
from fixture import Lab, free_port, net_for, write_secret  # noqa: E402

SCEN = ["healthy", "backend_down_6004", "acl_fqdn_missing"]
TOKEN = "hdr-T0ken-%x" % int.from_bytes(os.urandom(6), "big")


def up(url):
    """Whether url answers 200 now."""
    try:
        return get(url, timeout=2)[0] == 200
    except Exception:
        return False


def start_alertmanager(test, tmp, procs, rx_port):
    """A real Alertmanager on a free loopback port (its files in tmp, the
    process added to procs, its log closed by test's cleanup) that sends
    every alert and its resolution to http://127.0.0.1:rx_port/am; returns
    its port once it is ready."""
    port = free_port()
    cfg = os.path.join(tmp, "am.yml")
    with open(cfg, "w") as f:
        f.write("route:\n  receiver: rx\n  group_by: [alertname, target]\n"
                "  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n"
                "receivers:\n  - name: rx\n    webhook_configs:\n"
                "      - url: http://127.0.0.1:%d/am\n        send_resolved: true\n" % rx_port)
    log = open(os.path.join(tmp, "am.log"), "w")
    test.addCleanup(log.close)
    p = subprocess.Popen(["/usr/bin/prometheus-alertmanager", "--config.file=" + cfg,
                          "--storage.path=" + os.path.join(tmp, "am-data"),
                          "--web.listen-address=127.0.0.1:%d" % port,
                          "--cluster.listen-address="], stdout=log, stderr=log)
    procs.append(p)
    svc.wait_for("alertmanager", lambda: up("http://127.0.0.1:%d/-/ready" % port), 30)
    return port


def start_prometheus(test, tmp, procs, config):
    """A real Prometheus on a free loopback port running config (the text
    of its prometheus.yml; its files in tmp, the process added to procs, its
    log closed by test's cleanup); returns its port once it is ready."""
    port = free_port()
    cfg = os.path.join(tmp, "prom.yml")
    with open(cfg, "w") as f:
        f.write(config)
    log = open(os.path.join(tmp, "prom.log"), "w")
    test.addCleanup(log.close)
    p = subprocess.Popen(["/usr/bin/prometheus", "--config.file=" + cfg,
                          "--storage.tsdb.path=" + os.path.join(tmp, "prom-data"),
                          "--web.listen-address=127.0.0.1:%d" % port], stdout=log, stderr=log)
    procs.append(p)
    svc.wait_for("prometheus", lambda: up("http://127.0.0.1:%d/-/ready" % port), 60)
    return port


def get(url, headers=None, timeout=30):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read().decode("utf-8", "replace")


class Stack(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(SCEN, net=net_for("test_stack")).start()
        d = cls.lab.data
        cls.user = d["users"][0]
        cls.password = cls.user["password"]

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()
        cls.lab.cleanup()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="oaprobe-stack-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.procs = []
        self.addCleanup(svc.stop_procs, self.procs)

    # ---------------------------------------------------------- the tools

    def alertmanager(self, rx_port):
        return start_alertmanager(self, self.tmp, self.procs, rx_port)

    def prometheus(self, oa_port, names):
        return start_prometheus(self, self.tmp, self.procs, """global: {scrape_interval: 2s, scrape_timeout: 2s, evaluation_interval: 2s}
scrape_configs:
  - job_name: oaprobe
    honor_labels: true
    static_configs: [{targets: ['127.0.0.1:%d']}]
  - job_name: oaprobe-probe
    metrics_path: /probe
    static_configs: [{targets: [%s]}]
    relabel_configs:
      - {source_labels: [__address__], target_label: __param_target}
      - {source_labels: [__param_target], target_label: instance}
      - {target_label: __address__, replacement: '127.0.0.1:%d'}
""" % (oa_port, ", ".join("'%s'" % n for n in names), oa_port))

    @staticmethod
    def prom_query(port, q):
        st, body = get("http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode(
            {"query": q})))
        return json.loads(body)["data"]["result"]

    # ---------------------------------------------------------- the config

    def target(self, scen, name):
        return "\n".join(self.lab.target_yaml(scen, name)) + "\n"

    def test_stack(self):
        wh, amrx = svc.Receiver(), svc.Receiver()
        self.addCleanup(wh.close)
        self.addCleanup(amrx.close)
        hang = socket.socket()
        hang.bind(("127.0.0.1", 0))
        hang.listen(16)  # accepts (kernel backlog), never answers
        self.addCleanup(hang.close)
        refused = free_port()
        am_port = self.alertmanager(amrx.port)
        pw = write_secret(os.path.join(self.tmp, "password"), self.password)
        script = os.path.join(self.tmp, "hook.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\n{ echo \"RUN $OAPROBE_EVENT $OAPROBE_TARGET $OAPROBE_STATE "
                    "$OAPROBE_CODES\"; env; cat; echo; } >> %s/exec.log\n" % self.tmp)
        os.chmod(script, 0o755)
        oa_port = free_port()
        now = time.time()
        iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))  # noqa: E731
        cfg = ("listen: 127.0.0.1:%d\nstorage: %s/oa.db\nexternal_url: http://oaprobe.test\n"
               "defaults:\n  interval: 1s\n  timeout: 1s\n  failure_threshold: 2\n"
               "  cacert: %s\n  user: '%s'\n  password_file: %s\n"
               "alertmanagers: ['http://127.0.0.1:%d']\n"
               "webhooks:\n"
               "  - {name: rx, url: 'http://127.0.0.1:%d/hook', headers: {Authorization: "
               "'Bearer ${HOOK_TOKEN}'}}\n"
               "  - {name: hang, url: 'http://127.0.0.1:%d/', timeout: 2s}\n"
               "  - {name: refused, url: 'http://127.0.0.1:%d/', timeout: 2s}\n"
               "exec:\n  - {name: log, command: [%s], timeout: 5s}\n"
               "maintenance:\n  - {name: planned, targets: [maint], start: %s, end: %s}\n"
               "targets:\n%s%s%s%s"
               % (oa_port, self.tmp, self.lab.data["ca_bundle"], self.lab.user_spec(),
                  pw, am_port, wh.port, hang.getsockname()[1], refused,
                  script, iso(now - 3600), iso(now + 3600),
                  self.target("healthy", "flappy"), self.target("healthy", "maint"),
                  self.target("backend_down_6004", "down"),
                  self.target("acl_fqdn_missing", "acl")))
        s = svc.Serve(self, cfg, self.tmp, env={"HOOK_TOKEN": TOKEN})
        s.start()
        try:
            prom_port = self.prometheus(oa_port, ["flappy", "down", "acl"])
            runs = lambda n: sl_runs(self.tmp, n)  # noqa: E731
            svc.wait_for("two runs of flappy", lambda: runs("flappy") >= 2, 30)
            # break, wait for the firing, mend, wait for the resolution
            self.lab.set_down(["healthy"])
            svc.wait_for("firing at the webhook", lambda: any(
                b["status"] == "firing" and b["alerts"][0]["labels"]["target"] == "flappy"
                for b in wh.bodies()), 30)
            time.sleep(3)  # a few more bad runs (and Alertmanager re-sends)
            self.lab.set_down([])
            svc.wait_for("resolved at the webhook", lambda: any(
                b["status"] == "resolved" and b["alerts"][0]["labels"]["target"] == "flappy"
                for b in wh.bodies()), 30)
            svc.wait_for("resolved at Alertmanager's receiver", lambda: any(
                b["status"] == "resolved" and any(a["labels"]["target"] == "flappy"
                                                  for a in b["alerts"])
                for b in amrx.bodies()), 30)
            time.sleep(2)
            # Prometheus: the expected values through its API
            svc.wait_for("probe_success from /probe", lambda: len(self.prom_query(
                prom_port, 'probe_success{job="oaprobe-probe"}')) == 3, 40)
            svc.wait_for("oaprobe_diagnosis from /metrics", lambda: self.prom_query(
                prom_port, 'oaprobe_diagnosis{job="oaprobe",target="acl"}'), 40)
            want = {"flappy": "1", "down": "0", "acl": "0"}
            probe_now = lambda: {r["metric"]["instance"]: r["value"][1]  # noqa: E731
                                 for r in self.prom_query(
                                     prom_port, 'probe_success{job="oaprobe-probe"}')}
            scraped_now = lambda: {r["metric"]["target"]: r["value"][1]  # noqa: E731
                                   for r in self.prom_query(
                                       prom_port, 'probe_success{job="oaprobe"}')}
            # both jobs (/probe and /metrics) scrape on their own clocks
            svc.wait_for("probe_success %s through Prometheus" % want,
                        lambda: probe_now() == want and scraped_now().get("flappy") == "1", 30)
            probe = probe_now()
            scraped = scraped_now()
            diag = {(r["metric"]["target"], r["metric"]["code"]) for r in self.prom_query(
                prom_port, 'oaprobe_diagnosis{job="oaprobe"} == 1')}
            maint = {r["metric"]["target"]: r["value"][1] for r in self.prom_query(
                prom_port, 'oaprobe_maintenance{job="oaprobe"}')}
            # live expositions through promtool
            _, metrics = get("http://127.0.0.1:%d/metrics" % oa_port)
            _, probe_txt = get("http://127.0.0.1:%d/probe?target=down" % oa_port,
                               headers={"X-Prometheus-Scrape-Timeout-Seconds": "3"})
            st_bad = None
            try:
                get("http://127.0.0.1:%d/probe?target=flappy&module=nope" % oa_port)
            except urllib.error.HTTPError as e:
                st_bad = e.code
            _, deliveries = get("http://127.0.0.1:%d/api/v1/deliveries?limit=1000" % oa_port)
            _, am_alerts = get("http://127.0.0.1:%d/api/v2/alerts?active=true&silenced=true"
                               "&inhibited=true&unprocessed=true" % am_port)
            lag = sl_lag(self.tmp)
        finally:
            log = s.stop()
        for text in (metrics, probe_txt):
            p = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                               capture_output=True)
            self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""), text[:2000])
        self.assertEqual(st_bad, 400)
        self.assertIn("probe_timeout_seconds 1", probe_txt)  # the target's 1 s < 3 - 0.5
        # Prometheus read back the lab's truth
        self.assertEqual(probe, {"flappy": "1", "down": "0", "acl": "0"}, probe)
        self.assertEqual(scraped.get("down"), "0")
        self.assertEqual(scraped.get("flappy"), "1")
        for scen, name in (("backend_down_6004", "down"), ("acl_fqdn_missing", "acl")):
            for code in self.lab.scenario(scen)["diagnoses"]:
                self.assertIn((name, code), diag)
        self.assertEqual(maint.get("maint"), "1")
        self.assertEqual(maint.get("flappy"), "0")
        # exactly one firing and one resolved for flappy, nothing for maint
        fl = [b["status"] for b in wh.bodies() if b["alerts"][0]["labels"]["target"] == "flappy"]
        self.assertEqual(fl, ["firing", "resolved"], fl)
        self.assertEqual([b for b in wh.bodies()
                          if b["alerts"][0]["labels"]["target"] == "maint"], [])
        for path, headers, _ in wh.reqs:
            self.assertIn("Bearer " + TOKEN, headers)
        am_fl = [b["status"] for b in amrx.bodies()
                 if any(a["labels"]["target"] == "flappy" for a in b["alerts"])]
        self.assertEqual(am_fl, ["firing", "resolved"], am_fl)
        self.assertFalse(any(a["labels"]["target"] == "maint"
                             for b in amrx.bodies() for a in b["alerts"]))
        am_now = {a["labels"]["target"] for a in json.loads(am_alerts)}
        self.assertIn("down", am_now)        # still firing, re-sent before endsAt
        self.assertNotIn("flappy", am_now)   # resolved with endsAt
        self.assertNotIn("maint", am_now)
        with open(os.path.join(self.tmp, "exec.log")) as f:
            exec_log = f.read()
        ex = [l.split()[1] for l in exec_log.splitlines()
              if l.startswith("RUN ") and l.split()[2] == "flappy"]
        self.assertEqual(ex, ["firing", "resolved"], exec_log[:3000])
        self.assertNotIn("RUN firing maint", exec_log)
        # slow receivers never moved a run: schedule lag of every run
        print("runs %d, schedule lag max %d ms, p99 %d ms" % lag)
        self.assertLess(lag[1], 500)
        dl = json.loads(deliveries)["deliveries"]
        kinds = {(d["hook"], d["outcome"]) for d in dl}
        self.assertIn(("hang", "retry"), kinds)
        self.assertIn(("refused", "retry"), kinds)
        self.assertIn(("rx", "success"), kinds)
        # no secret anywhere
        everything = "\n".join([metrics, probe_txt, deliveries, am_alerts, exec_log, log] +
                               [b for _, _, b in wh.reqs] + [b for _, _, b in amrx.reqs])
        self.assertNotIn(self.password, everything)
        self.assertNotIn(TOKEN, everything)
        print("webhook %d requests, Alertmanager receiver %d, exec runs %d, deliveries %d"
              % (len(wh.reqs), len(amrx.reqs), exec_log.count("RUN "), len(dl)))


def sl_runs(tmp, name):
    import sqlite3
    try:
        db = sqlite3.connect("file:%s/oa.db?mode=ro" % tmp, uri=True, timeout=10)
        try:
            return db.execute("SELECT COUNT(*) FROM runs r JOIN names n ON n.id = r.tid "
                              "WHERE n.name = ?", (name,)).fetchone()[0]
        finally:
            db.close()
    except Exception:
        return 0


def sl_lag(tmp):
    import sqlite3
    db = sqlite3.connect("file:%s/oa.db?mode=ro" % tmp, uri=True, timeout=10)
    try:
        lags = sorted(r[0] for r in db.execute("SELECT lag_ms FROM runs"))
    finally:
        db.close()
    return len(lags), lags[-1], lags[int(len(lags) * 0.99) - 1]


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--oaprobe", required=True)
    a, rest = ap.parse_known_args()
    OAPROBE = svc.OAPROBE = a.oaprobe
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
