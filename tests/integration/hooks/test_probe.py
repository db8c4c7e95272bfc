#!/usr/bin/python3
"""Ad-hoc probes: `GET /probe?target=HOST&module=M` (issue 9), blackbox style,
against the lab, under ASan/LSan:

- a real Prometheus drives /probe with the standard blackbox relabelling
  (targets are hosts, module=tunnel): probe_success and oaprobe_diagnosis
  read back through its HTTP API match a healthy and a broken lab host; the
  hosts are in no store table, not in /api/v1/targets, not in /metrics;
  `promtool check metrics` accepts an ad-hoc answer;
- bad requests are 400 with a message naming the problem: missing target,
  unknown module, no module for a host, a host that is no host, and a
  configuration without `modules:`; /probe needs a read token when
  api.read_requires_token is set;
- X-Prometheus-Scrape-Timeout-Seconds shortens the check: against the lab's
  tarpit (accepts, never answers) the answer comes back at the header minus
  0.5 s with probe_success 0 and the `timeout` diagnosis; a configured
  target answers at the same deadline while its own run goes on and is
  recorded;
- the cap: 8 probes at once by default, the next one is 503 with a
  message; clients that go away mid-probe free their places at once (the
  probes are cancelled) and nothing leaks (LSan at the SIGTERM); a
  configured `max_probes:` is the cap, shown as oaprobe_adhoc_probes_max,
  and a reload changes it for the probes that start after it while those in
  flight run on;
- a reload swaps the modules under probes in flight; a module whose
  password file is missing keeps the running configuration;
- debug=true: the engine's trace, the metrics and the module's profile with
  the password file shown as <secret>; the password appears nowhere.
- allow_hosts: a module with credentials refuses (403, naming the module
  and the key) a host its allow_hosts does not admit, and the host receives
  nothing (the lab logs no request for it; a loopback catcher that would
  get the Basic password sees no connection, whatever spelling of its
  address is tried: octal, decimal, hex, IPv4-mapped IPv6); an allowed host
  is probed; a module without credentials but with allow_hosts is
  restricted too; `oaprobe config check` and the service's log warn about a
  module with credentials and no allow_hosts; refusals are counted as
  oaprobe_adhoc_probes_total{outcome="forbidden"}.

    /usr/bin/python3 tests/integration/hooks/test_probe.py --oaprobe BIN
Run inside `unshare -n` (the lab binds its standard ports).
"""

import argparse
import base64
import concurrent.futures
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
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.abspath(os.path.join(HERE, "..", "..", "lab")))

import service as svc  # noqa: E402  (Serve, wait_for, stop_procs)
from fixture import Lab, free_port, net_for, write_secret  # noqa: E402
from test_stack import start_prometheus  # noqa: E402

SCEN = ["healthy", "backend_down_6004", "tarpit"]
READ = "read-T0ken-%x" % int.from_bytes(os.urandom(6), "big")
PROBE_MAX = 8  # max_probes: by default (CFG_DEFAULT_MAX_PROBES, service/config.h)


class Probe(unittest.TestCase):
    lab = None

    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(SCEN, net=net_for("test_probe")).start()
        cls.user = cls.lab.data["users"][0]

    @classmethod
    def tearDownClass(cls):
        if cls.lab is not None:
            cls.lab.stop()
            cls.lab.cleanup()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="oaprobe-probe-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.procs = []
        self.addCleanup(svc.stop_procs, self.procs)
        self.pwfile = write_secret(os.path.join(self.tmp, "secret-pw"), self.user["password"])
        self.port = free_port()

    def tearDown(self):
        svc.kill_current()  # a test that failed half-way

    # ---------------------------------------------------------- helpers

    def host(self, scen):
        sc = self.lab.scenario(scen)
        return sc["host"] if sc["https_port"] == 443 else "%s:%d" % (sc["host"],
                                                                      sc["https_port"])

    def resolve(self):
        return ", ".join("'%s:%s:%s'" % (sc["host"], sc["https_port"], sc["address"])
                         for sc in (self.lab.scenario(n) for n in SCEN))

    def config(self, modules=True, token=False, targets="", extra_modules="", top=""):
        text = (top + "listen: 127.0.0.1:%d\nstorage: %s/oa.db\n"
                "defaults:\n  interval: 60s\n  timeout: 5s\n  cacert: %s\n"
                % (self.port, self.tmp, self.lab.data["ca_bundle"]))
        if token:
            tok = os.path.join(self.tmp, "tokens")
            write_secret(tok, "prometheus read %s" % READ)
            text += "api:\n  tokens_file: %s\n  read_requires_token: true\n" % tok
        if modules:
            text += ("modules:\n"
                     "  tunnel:\n    user: '%s'\n    password_file: %s\n"
                     "    resolve: [%s]\n    timeout: 20s\n"
                     "    allow_hosts: ['*.contoso.lab']\n"
                     "  tls:\n    depth: tls\n    resolve: [%s]\n"
                     % (self.user_spec(), self.pwfile, self.resolve(), self.resolve()))
            text += extra_modules
        text += "targets:\n" + (targets or
                                "  - {name: other, host: 'other.invalid', depth: tls}\n")
        return text

    def user_spec(self):
        return "%s\\%s" % (self.user["domain"], self.user["user"])

    def serve(self, **kw):
        s = svc.Serve(self, self.config(**kw), self.tmp)
        return s.start()

    def get(self, path, headers=None, timeout=60):
        """(status, text, seconds) of one GET."""
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path),
                                     headers=headers or {})
        t0 = time.monotonic()
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                st, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            st, raw = e.code, e.read()
        return st, raw.decode("utf-8", "replace"), time.monotonic() - t0

    def probe(self, target, module=None, debug=False, scrape=None, token=None):
        q = {"target": target}
        if module:
            q["module"] = module
        if debug:
            q["debug"] = "true"
        h = {}
        if scrape is not None:
            h["X-Prometheus-Scrape-Timeout-Seconds"] = str(scrape)
        if token:
            h["Authorization"] = "Bearer " + token
        return self.get("/probe?" + urllib.parse.urlencode(q), h)

    @staticmethod
    def metric(text, name):
        for line in text.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return line.rsplit(" ", 1)[1]
        return None

    def q(self, sql):
        return svc.query(os.path.join(self.tmp, "oa.db"), sql)

    # ---------------------------------------------------------- tests

    def test_prometheus_drives_adhoc_probes(self):
        """Prometheus with the blackbox relabelling, module=tunnel, lab hosts."""
        s = self.serve(token=True)
        hosts = [self.host("healthy"), self.host("backend_down_6004")]
        prom_port = start_prometheus(self, self.tmp, self.procs, """global: {scrape_interval: 3s, scrape_timeout: 3s}
scrape_configs:
  - job_name: oaprobe-hosts
    metrics_path: /probe
    params: {module: [tunnel]}
    authorization: {type: Bearer, credentials: '%s'}
    static_configs: [{targets: [%s]}]
    relabel_configs:
      - {source_labels: [__address__], target_label: __param_target}
      - {source_labels: [__param_target], target_label: instance}
      - {target_label: __address__, replacement: '127.0.0.1:%d'}
""" % (READ, ", ".join("'%s'" % h for h in hosts), self.port))

        def query(expr):
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/query?%s" % (
                        prom_port, urllib.parse.urlencode({"query": expr})), timeout=5) as r:
                    return json.loads(r.read())["data"]["result"]
            except Exception:
                return []
        want = {hosts[0]: "1", hosts[1]: "0"}
        now = lambda: {r["metric"]["instance"]: r["value"][1]  # noqa: E731
                       for r in query('probe_success{job="oaprobe-hosts"}')}
        svc.wait_for("probe_success %s through Prometheus" % want, lambda: now() == want, 90)
        diag = {(r["metric"]["instance"], r["metric"]["code"])
                for r in query('oaprobe_diagnosis{job="oaprobe-hosts"} == 1')}
        for code in self.lab.scenario("backend_down_6004")["diagnoses"]:
            self.assertIn((hosts[1], code), diag)
        self.assertFalse([d for d in diag if d[0] == hosts[0]], diag)
        up = {r["metric"]["instance"]: r["value"][1] for r in query('up{job="oaprobe-hosts"}')}
        self.assertEqual(up, {hosts[0]: "1", hosts[1]: "1"})  # the prober is up either way
        # promtool on an ad-hoc answer
        st, text, _ = self.probe(hosts[1], "tunnel", token=READ)
        self.assertEqual(st, 200, text)
        pt = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                            capture_output=True)
        self.assertEqual((pt.returncode, pt.stdout + pt.stderr), (0, ""), text)
        # a read token is needed, like /metrics
        st, text, _ = self.probe(hosts[0], "tunnel")
        self.assertEqual(st, 401, text)
        # an ad-hoc probe is no target: not stored, not in the API, not in /metrics
        st, targets, _ = self.get("/api/v1/targets", {"Authorization": "Bearer " + READ})
        self.assertEqual([t["name"] for t in json.loads(targets)["targets"]], ["other"])
        st, metrics, _ = self.get("/metrics", {"Authorization": "Bearer " + READ})
        for h in hosts:
            self.assertNotIn(h.split(":")[0], metrics)
        names = {r[0] for r in self.q("SELECT name FROM names")}
        self.assertFalse(names & {h for h in hosts}, names)
        log_text = s.stop()
        self.assertNotIn(self.user["password"], log_text)

    def test_bad_requests(self):
        """400 with a message naming the problem; no modules: 400 too."""
        self.serve()
        cases = [
            ({}, "Target parameter is missing"),
            ({"target": self.host("healthy"), "module": "nope"}, 'Unknown module "nope"'),
            ({"target": self.host("healthy")}, "module: missing"),
            ({"target": "https://%s/rpc" % self.host("healthy"), "module": "tunnel"},
             "target: bad host"),
            ({"target": "a b", "module": "tunnel"}, "target: bad host"),
            ({"target": "host:99999", "module": "tunnel"}, "target: bad host"),
            ({"target": "other", "module": "nope"}, 'Unknown module "nope"'),
        ]
        for q, want in cases:
            st, text, _ = self.get("/probe?" + urllib.parse.urlencode(q))
            self.assertEqual(st, 400, (q, text))
            self.assertIn(want, text, q)
        # IP literals are hosts: a closed port answers 200, probe_success 0
        for lit in ("127.0.0.1:1", "[::1]:1"):
            st, text, _ = self.probe(lit, "tls", scrape=5)
            self.assertEqual((st, self.metric(text, "probe_success")), (200, "0"), text)
            self.assertIn('oaprobe_diagnosis{code="tcp_refused"} 1', text)
        svc.CURRENT[0].stop()
        self.port = free_port()
        self.serve(modules=False)
        st, text, _ = self.probe(self.host("healthy"), "tunnel")
        self.assertEqual(st, 400, text)
        self.assertIn("no `modules:`", text)
        svc.CURRENT[0].stop()

    def test_scrape_timeout_shortens_the_check(self):
        """The tarpit: the answer at header - 0.5 s, probe_success 0, timeout."""
        tarpit = self.host("tarpit")
        sc = self.lab.scenario("tarpit")
        self.serve(targets="  - {name: pit, host: '%s', resolve: ['%s:%s:%s'], depth: tls, "
                           "timeout: 10s, interval: 60s}\n"
                           % (tarpit, sc["host"], sc["https_port"], sc["address"]))
        for scrape in (2, 3):
            st, text, secs = self.probe(tarpit, "tls", scrape=scrape)
            print("ad-hoc tarpit, scrape timeout %d s: answered in %.3f s" % (scrape, secs))
            self.assertEqual(st, 200, text)
            self.assertEqual(self.metric(text, "probe_success"), "0", text)
            self.assertEqual(self.metric(text, "probe_timeout_seconds"), str(scrape - 0.5))
            self.assertIn('oaprobe_diagnosis{code="timeout"} 1', text)
            self.assertGreaterEqual(secs, scrape - 0.5 - 0.05)
            # before Prometheus gives up (the 0.5 s offset is the room for
            # the 0.1 s grace, the loop and HTTP; 1.51 s and 2.50 s measured)
            self.assertLess(secs, scrape)
        # a configured target: answered at the deadline, its run goes on
        st, text, secs = self.probe("pit", scrape=2)
        print("configured tarpit, scrape timeout 2 s: answered in %.3f s" % secs)
        self.assertEqual(st, 200, text)
        self.assertEqual(self.metric(text, "probe_success"), "0", text)
        self.assertIn('oaprobe_diagnosis{code="timeout"} 1', text)
        self.assertLess(secs, 2)
        svc.wait_for("the configured run recorded after its own 10 s", lambda: self.q(
            "SELECT r.duration_ms FROM runs r JOIN names n ON n.id = r.tid "
            "WHERE n.name = 'pit'"), 20)
        (dur,), = self.q("SELECT r.duration_ms FROM runs r JOIN names n ON n.id = r.tid "
                         "WHERE n.name = 'pit'")
        self.assertGreaterEqual(dur, 9900)
        svc.CURRENT[0].stop()

    def test_cap_and_clients_that_go_away(self):
        """8 at once, the 9th 503; disconnected clients cancel their probes;
        a target running every second meanwhile keeps its schedule; a
        shutdown answers the probes in flight."""
        sc = self.lab.scenario("healthy")
        self.serve(targets="  - {name: tick, host: '%s', resolve: ['%s:%s:%s'], depth: tls, "
                           "interval: 1s, timeout: 1s}\n"
                           % (self.host("healthy"), sc["host"], sc["https_port"], sc["address"]))
        tarpit = self.host("tarpit")
        with concurrent.futures.ThreadPoolExecutor(PROBE_MAX) as ex:
            futs = [ex.submit(self.probe, tarpit, "tls", scrape=4) for _ in range(PROBE_MAX)]
            time.sleep(1.0)
            st, text, _ = self.probe(self.host("healthy"), "tls", scrape=4)
            self.assertEqual(st, 503, text)
            self.assertIn("ad-hoc probes are running, the most at once (8, max_probes)", text)
            for f in futs:
                st, text, _ = f.result()
                self.assertEqual((st, self.metric(text, "probe_success")), (200, "0"), text)
        # clients that leave mid-probe (module timeout 20 s, no header: 20 s)
        req = ("GET /probe?target=%s&module=tunnel HTTP/1.1\r\nHost: x\r\n\r\n"
               % urllib.parse.quote(tarpit)).encode()
        for round_ in range(3):
            socks = []
            for _ in range(PROBE_MAX):
                c = socket.create_connection(("127.0.0.1", self.port))
                c.sendall(req)
                socks.append(c)
            time.sleep(0.5)
            st, text, _ = self.probe(self.host("healthy"), "tls", scrape=4)
            self.assertEqual(st, 503, text)  # all 8 places taken
            for c in socks:
                c.close()
            t0 = time.monotonic()
            svc.wait_for("a free place after the clients left", lambda: self.probe(
                self.host("healthy"), "tls", scrape=4)[0] == 200, 5)
            print("round %d: places free %.3f s after 8 clients left"
                  % (round_, time.monotonic() - t0))
        # counted: 8 + 1 failures (tarpit + healthy tls at the start), refusals,
        # the 24 clients that left
        st, metrics, _ = self.get("/metrics")
        counts = {o: int(self.metric(metrics, 'oaprobe_adhoc_probes_total{outcome="%s"}' % o))
                  for o in ("success", "failure", "refused", "cancelled")}
        print("oaprobe_adhoc_probes_total: %s" % counts)
        self.assertEqual(counts["failure"], PROBE_MAX)
        self.assertEqual(counts["cancelled"], 3 * PROBE_MAX)
        self.assertGreaterEqual(counts["refused"], 4)
        self.assertGreaterEqual(counts["success"], 3)
        # the loop never waited for the probes: the schedule lag of every run
        lags = sorted(r[0] for r in self.q("SELECT lag_ms FROM runs"))
        print("tick: %d runs, schedule lag max %d ms" % (len(lags), lags[-1]))
        self.assertGreaterEqual(len(lags), 3)
        self.assertLess(lags[-1], 500)
        # SIGTERM with probes in flight: they are answered (503) and freed
        socks = []
        for _ in range(3):
            c = socket.create_connection(("127.0.0.1", self.port))
            c.sendall(req)
            socks.append(c)
        time.sleep(0.5)
        log_text = svc.CURRENT[0].stop()  # exit 0, no LeakSanitizer report
        self.assertNotIn("LeakSanitizer", log_text)
        for c in socks:
            c.settimeout(5)
            head = c.recv(200).decode("latin-1")
            c.close()
            self.assertTrue(head == "" or head.startswith("HTTP/1.1 503"), head)

    def in_flight(self, n):
        """Wait until /metrics shows n ad-hoc probes in flight."""
        def seen():
            st, text, _ = self.get("/metrics")
            return st == 200 and self.metric(text, "oaprobe_adhoc_probes_in_flight") == str(n)
        svc.wait_for("%d ad-hoc probes in flight" % n, seen, 30)

    def hold(self, n):
        """n clients, each waiting for a probe of the tarpit (module tunnel:
        20 s) on a socket kept open; closing one cancels its probe."""
        req = ("GET /probe?target=%s&module=tunnel HTTP/1.1\r\nHost: x\r\n\r\n"
               % urllib.parse.quote(self.host("tarpit"))).encode()
        socks = []
        for _ in range(n):
            c = socket.create_connection(("127.0.0.1", self.port))
            self.addCleanup(c.close)
            c.sendall(req)
            socks.append(c)
        return socks

    def test_configured_cap_and_its_reload(self):
        """max_probes: 3 is the cap (4th 503, naming it); a reload to 5
        admits 2 more, the 6th is 503; a reload to 1 leaves the 5 in flight
        running, refuses new ones until they end, then admits one."""
        s = svc.Serve(self, self.config(top="max_probes: 3\n"), self.tmp)
        s.start()
        st, text, _ = self.get("/metrics")
        self.assertEqual(self.metric(text, "oaprobe_adhoc_probes_max"), "3", text)
        held = self.hold(3)
        self.in_flight(3)
        st, text, _ = self.probe(self.host("healthy"), "tls", scrape=4)
        self.assertEqual(st, 503, text)
        self.assertIn("3 ad-hoc probes are running, the most at once (3, max_probes)", text)
        # a reload raises it: two more start, the sixth is refused
        s.write_config(self.config(top="max_probes: 5\n"))
        s.signal(signal.SIGHUP)
        svc.wait_for("the reload", lambda: "reload: max_probes 5 (was 3; 3 ad-hoc probes "
                    "in flight run on)" in s.log(), 15)
        held += self.hold(2)
        self.in_flight(5)
        st, text, _ = self.probe(self.host("healthy"), "tls", scrape=4)
        self.assertEqual(st, 503, text)
        self.assertIn("the most at once (5, max_probes)", text)
        st, text, _ = self.get("/metrics")
        self.assertEqual(self.metric(text, "oaprobe_adhoc_probes_max"), "5", text)
        # a reload lowers it: the five run on, a new one is refused
        s.write_config(self.config(top="max_probes: 1\n"))
        s.signal(signal.SIGHUP)
        svc.wait_for("the reload", lambda: "reload: max_probes 1 (was 5; 5 ad-hoc probes "
                    "in flight run on)" in s.log(), 15)
        self.in_flight(5)
        st, text, _ = self.probe(self.host("healthy"), "tls", scrape=4)
        self.assertEqual(st, 503, text)
        self.assertIn("5 ad-hoc probes are running, the most at once (1, max_probes)", text)
        for c in held:  # the clients leave: their probes are cancelled
            c.close()
        self.in_flight(0)
        st, text, _ = self.probe(self.host("healthy"), "tls", scrape=4)
        self.assertEqual((st, self.metric(text, "probe_success")), (200, "1"), text)
        st, text, _ = self.get("/metrics")
        # the five held probes ended: cancelled when their clients left (or,
        # on a machine so slow that the test outlived the module's 20 s, a
        # timeout: a failure)
        ended = sum(int(self.metric(text, 'oaprobe_adhoc_probes_total{outcome="%s"}' % o))
                    for o in ("cancelled", "failure"))
        self.assertEqual(ended, 5, text)
        self.assertEqual(self.metric(text, 'oaprobe_adhoc_probes_total{outcome="refused"}'),
                         "3", text)
        # a bad value at reload keeps the running one, named
        s.write_config(self.config(top="max_probes: 0\n"))
        s.signal(signal.SIGHUP)
        svc.wait_for("the failed reload", lambda: "reload failed" in s.log(), 15)
        self.assertIn('max_probes: "0" is not a number from 1 to 10000', s.log())
        st, text, _ = self.get("/metrics")
        self.assertEqual(self.metric(text, "oaprobe_adhoc_probes_max"), "1", text)
        log_text = s.stop()
        self.assertNotIn("LeakSanitizer", log_text)

    def test_reload_with_probes_in_flight(self):
        """A reload swaps the modules under probes in flight; a module whose
        secret cannot be read keeps the running configuration."""
        s = self.serve()
        tarpit = self.host("tarpit")
        with concurrent.futures.ThreadPoolExecutor(2) as ex:
            f = ex.submit(self.probe, tarpit, "tls", scrape=3)
            time.sleep(0.5)
            # a module's password file is missing: refused, named, old one kept
            s.write_config(self.config().replace(self.pwfile, self.pwfile + ".missing"))
            s.signal(signal.SIGHUP)
            svc.wait_for("the failed reload", lambda: "reload failed" in s.log(), 10)
            self.assertIn("modules.tunnel: password_file:", s.log())
            self.assertEqual(self.probe(self.host("healthy"), "tls", scrape=5)[0], 200)
            # no modules any more: the probe in flight still ends and answers
            s.write_config(self.config(modules=False))
            s.signal(signal.SIGHUP)
            svc.wait_for("the reload", lambda: "reload: 1 targets" in s.log(), 10)
            st, text, _ = f.result()
            self.assertEqual((st, self.metric(text, "probe_success")), (200, "0"), text)
            self.assertIn('oaprobe_diagnosis{code="timeout"} 1', text)
        st, text, _ = self.probe(self.host("healthy"), "tls")
        self.assertEqual(st, 400, text)
        self.assertIn("no `modules:`", text)
        s.stop()

    def test_debug_redacts_the_secret(self):
        """debug=true: trace, metrics, profile; the password nowhere."""
        self.serve()
        st, text, _ = self.probe(self.host("healthy"), "tunnel", debug=True, scrape=10)
        self.assertEqual(st, 200, text)
        for part in ("Logs for the probe:", "Metrics that would have been returned:",
                     "Module configuration:", "probe_success 1", "module: tunnel",
                     "password_file: <secret>", "[connect]", "Authorization: <redacted"):
            self.assertIn(part, text)
        self.assertNotIn(self.user["password"], text)
        self.assertNotIn(self.pwfile, text)
        log_text = svc.CURRENT[0].stop()
        self.assertNotIn(self.user["password"], log_text)

    def test_allow_hosts(self):
        """A module with credentials goes only to the hosts of its
        allow_hosts: anything else is 403 and receives nothing."""
        catcher = svc.Catcher()
        self.addCleanup(catcher.close)
        healthy, down = self.host("healthy"), self.host("backend_down_6004")
        cred = "    user: '%s'\n    password_file: %s\n    resolve: [%s]\n" % (
            self.user_spec(), self.pwfile, self.resolve())
        extra = ("  narrow:\n" + cred + "    allow_hosts: [%s, '127.0.0.2']\n" % down.split(":")[0]
                 + "  bare:\n" + cred
                 + "  notls:\n    depth: tls\n    resolve: [%s]\n    allow_hosts: %s\n"
                 % (self.resolve(), healthy.split(":")[0])
                 # Basic in clear over plain HTTP (insecure allows it): what
                 # a host would receive
                 + "  basic:\n    user: '%s'\n    password_file: %s\n    auth: basic\n"
                   "    http: true\n    insecure: true\n    depth: auth\n"
                   "    allow_hosts: ['10.0.0.0/8', 'fd00::/8', '127.0.0.2']\n"
                 % (self.user_spec(), self.pwfile)
                 + "  basic-open:\n    user: '%s'\n    password_file: %s\n    auth: basic\n"
                   "    http: true\n    insecure: true\n    depth: auth\n"
                   "    allow_hosts: 127.0.0.0/8\n"
                 % (self.user_spec(), self.pwfile))
        s = self.serve(extra_modules=extra)
        # the warning, at start and by config check (valid: exit 0)
        warn = "modules.bare: warning: carries credentials and has no allow_hosts: /probe " \
               "will refuse every ad-hoc host with it"
        self.assertIn(warn, s.log())
        p = subprocess.run([OAPROBE, "config", "check", s.cfg], capture_output=True, text=True,
                           env=s.env)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(warn, p.stdout)
        self.assertEqual(p.stdout.count("warning:"), 1, p.stdout)  # not tunnel, narrow, tls...

        def lab_lines(scen):
            return sum(1 for l in self.lab.log_text().splitlines()
                       if (" %s " % scen) in l or (" %s: " % scen) in l)
        before = lab_lines("healthy")
        forbidden = 0
        # refused: 403 naming the module and the key; nothing sent
        for host, module, want in (
                (healthy, "narrow", 'module "narrow" carries credentials; host "%s" is not '
                 'in its allow_hosts' % healthy),
                (healthy.upper(), "narrow", "is not in its allow_hosts"),
                (healthy, "bare", 'module "bare" carries credentials; host "%s" is not in its '
                 'allow_hosts (it has none: list the hosts it may be sent to in '
                 'modules.bare.allow_hosts)' % healthy),
                (down, "notls", 'host "%s" is not in the allow_hosts of module "notls"' % down)):
            st, text, _ = self.probe(host, module, scrape=5)
            self.assertEqual(st, 403, (host, module, text))
            self.assertIn(want, text)
            forbidden += 1
        # the catcher at 127.0.0.1: no spelling of its address gets there
        port = catcher.port
        for host, status in (("127.0.0.1:%d" % port, 403),
                             ("[::ffff:127.0.0.1]:%d" % port, 403),
                             ("[::ffff:7f00:1]:%d" % port, 403),
                             ("localhost:%d" % port, 403),
                             ("0177.0.0.1:%d" % port, 400),
                             ("127.1:%d" % port, 400),
                             ("2130706433:%d" % port, 400),
                             ("0x7f000001:%d" % port, 400),
                             ("127.0.0.1.:%d" % port, 400)):
            st, text, _ = self.probe(host, "basic", scrape=5)
            self.assertEqual(st, status, (host, text))
            forbidden += st == 403
            if st == 400:
                self.assertIn("is not an IPv4 address in its one accepted form", text)
        st, text, _ = self.get("/probe?target=evil.example%00.contoso.lab&module=narrow")
        self.assertEqual(st, 400, text)
        # nothing reached the lab's healthy host or the catcher
        time.sleep(0.5)
        self.assertEqual(lab_lines("healthy"), before, self.lab.log_text()[-2000:])
        self.assertEqual(catcher.connections, 0, catcher.heads)
        caught_before = catcher.connections
        # allowed: probed (the lab's answers)
        st, text, _ = self.probe(down, "narrow", scrape=10)
        self.assertEqual((st, self.metric(text, "probe_success")), (200, "0"), text)
        for code in self.lab.scenario("backend_down_6004")["diagnoses"]:
            self.assertIn('oaprobe_diagnosis{code="%s"} 1' % code, text)
        st, text, _ = self.probe(healthy, "notls", scrape=10)
        self.assertEqual((st, self.metric(text, "probe_success")), (200, "1"), text)
        st, text, _ = self.probe(healthy, "tunnel", scrape=10)
        self.assertEqual((st, self.metric(text, "probe_success")), (200, "1"), text)
        self.assertGreater(lab_lines("healthy"), before)  # the log shows requests
        # what the refusal protects: the same catcher, allowed, gets the password
        st, text, _ = self.probe("127.0.0.1:%d" % port, "basic-open", scrape=5)
        self.assertEqual(st, 200, text)
        svc.wait_for("the catcher's request", lambda: catcher.auth, 5)
        self.assertIn(base64.b64encode(("%s:%s" % (self.user_spec(), self.user["password"]))
                                       .encode()).decode(), catcher.auth[0])
        st, metrics, _ = self.get("/metrics")
        self.assertEqual(self.metric(metrics, 'oaprobe_adhoc_probes_total{outcome="forbidden"}'),
                         str(forbidden))
        print("allow_hosts: %d probes refused (403), the catcher saw %d connection(s) "
              "before it was allowed" % (forbidden, caught_before))
        log_text = s.stop()
        self.assertNotIn(self.user["password"], log_text)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--oaprobe", required=True)
    a, rest = ap.parse_known_args()
    OAPROBE = svc.OAPROBE = a.oaprobe
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
