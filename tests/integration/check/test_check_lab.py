#!/usr/bin/python3
"""Integration tests of `oaprobe check` against the Exchange lab (tests/lab).

One lab with every scenario runs for the whole module. Each scenario is
checked with the probe's JSON output; the test asserts the exact set of
diagnosis codes the scenario file promises (scenarios.yaml `diagnoses`),
the overall status and exit code, that the run ended within its deadline
plus one second, and that ASan/UBSan said nothing. The healthy scenario is
also checked with NTLM, Basic and Negotiate (password, ticket cache, client
keytab), and every tunnel and bind (both server names x 6001/6002/6004) is
verified end to end. Bad usage exits 3. Secrets never reach the output.

    /usr/bin/python3 tests/integration/check/test_check_lab.py --oaprobe build/service/oaprobe

Only loopback is used: every request goes to the lab through --resolve; a
scenario without an address (dns_failed) runs the probe in a fresh network
namespace (unshare -n) so the lookup cannot leave the machine.
"""

import argparse
import base64
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(HERE, "..", "..", "lab")
sys.path.insert(0, os.path.abspath(LAB))

from fixture import Lab, expected_status, net_for, write_secret  # noqa: E402

OAPROBE = None
MULTI_DRIVER = None
HOSTILE_TIMEOUT = 4.0  # seconds, for scenarios that run into the deadline
# The deadline is judged on the engine's own clock (the result's
# started_at and duration_seconds): a check ends within its deadline plus
# DEADLINE_GRACE (docs/internals/check-engine.md, "Deadlines"). The process
# around it is judged apart: once the check is over it must exit within
# EXIT_AFTER_CHECK (render, teardown, the sanitizers' leak scan); one that
# went on waiting for a transfer or a thread would still be there when the
# slow endpoint answers (slow_backend: 2 s after a 3 s deadline; a tarpit:
# never). The process's start (exec, sanitizer runtime) is not the check's
# and only the subprocess timeout bounds it: on a loaded machine it took
# up to 0.9 s, which made a bound on the whole wall time flaky (4.42 s for
# a 3 s deadline whose check took 3.02 s).
DEADLINE_GRACE = 1.0
EXIT_AFTER_CHECK = 1.5
EXIT = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}

# scenario -> extra arguments, and expectations that differ from the file's
SPECIAL = {
    "ssl_required": {"args": ["--http"]},
    "ssl_offloaded": {"args": ["--http"]},
    "direct_ports": {"args": ["--direct-ports"]},
    "basic_domain_required": {"args": ["--auth", "basic"], "user": "oaprobe"},
    "auth_ntlm_only": {"args": ["--auth", "basic"]},
    "tarpit": {"timeout": HOSTILE_TIMEOUT},
    "tcp_filtered": {"timeout": HOSTILE_TIMEOUT},
    "expect_stall": {"timeout": HOSTILE_TIMEOUT},
    "expect_501_delayed": {"timeout": HOSTILE_TIMEOUT},
}

# extra runs: (scenario, args, user or None, expected codes)
SERVERS = ["--server", "EXCH01", "--server", "exch01.contoso.lab"]
EXTRA = [
    # Basic only: no NTLM challenge to learn the names from, so they are given
    ("auth_basic_only", ["--auth", "basic"] + SERVERS, None, []),
    ("auth_basic_only", ["--auth", "basic"], None, ["internal_error"]),
    ("basic_domain_required", ["--auth", "basic"] + SERVERS, None, []),
    ("balancer_closes_after_401", ["--auth", "basic"], None, []),
    ("auth_ntlm_only", [], None, []),
    ("healthy", ["--direct-ports"], None, ["tcp_refused"]),
    ("healthy", ["--server", "OLDEXCH"], None, ["backend_unreachable"]),
    ("acl_renamed", ["--server", "OLDEXCH"], None, []),
    ("ssl_required", [], None, []),
    ("slow_backend", ["--timeout", "3"], None, ["timeout"]),
    # no Basic password over plain HTTP or over an unverified certificate:
    # the authenticated steps are skipped, the rest is reported
    ("ssl_offloaded", ["--http", "--auth", "basic"], None, []),
    ("cert_self_signed", ["--auth", "basic"], None, ["cert_untrusted"]),
    ("cert_self_signed", ["--auth", "basic", "--insecure"], None, []),
]


class LabCheck(unittest.TestCase):
    lab = None

    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(["all"], net=net_for("test_check_lab")).start()
        d = cls.lab.data
        cls.ca = d["ca_bundle"]
        cls.user = d["users"][0]
        cls.tmp = tempfile.mkdtemp(prefix="oaprobe-itest-")
        cls.pwfile = write_secret(os.path.join(cls.tmp, "password"), cls.user["password"])

    @classmethod
    def tearDownClass(cls):
        if cls.lab is not None:
            cls.lab.stop()
            cls.lab.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # ------------------------------------------------------------ helpers

    def env(self, extra=None):
        return self.lab.probe_env(self.tmp, extra)

    def resolve_args(self, sc):
        args = []
        for port in (sc.get("https_port"), sc.get("http_port")):
            if port:
                args += ["--resolve", "%s:%s:%s" % (sc["host"], port, sc["address"])]
        return args

    def run_probe(self, name, args=(), user=None, timeout=None, env=None, password=True,
                  json_out=True, prefix=()):
        sc = self.lab.scenario(name)
        t = timeout or 15.0
        if sc.get("address") is None:
            # a name the lab does not serve: resolving it must never leave the
            # machine, so the probe runs in an empty network namespace
            if shutil.which("unshare") is None or os.geteuid() != 0:
                self.skipTest("an unresolvable name needs unshare -n (root)")
            prefix = ["unshare", "--net"] + list(prefix)
        cmd = list(prefix) + [OAPROBE, "check"] + (["--json"] if json_out else [])
        cmd += ["--cacert", self.ca, "--timeout", "%g" % t] + self.resolve_args(sc)
        if user is not False:
            cmd += ["--user", user or self.lab.user_spec()]
        if password:
            cmd += ["--password-file", self.pwfile]
        # without root the lab adds a port base: name the port in HOST so the
        # --resolve entry matches (an unmatched name would go to DNS)
        host = sc["host"]
        http = "--http" in args
        port = sc.get("http_port") if http else sc.get("https_port")
        if port and port != (80 if http else 443):
            host = "%s:%d" % (host, port)
        cmd += list(args) + [host]
        start = time.monotonic()
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env(env),
                           timeout=t + 30)
        exited = time.time()
        wall = time.monotonic() - start
        self.assertNotIn("AddressSanitizer", p.stderr, p.stderr)
        self.assertNotIn("runtime error:", p.stderr, p.stderr)
        self.assertNotIn("LeakSanitizer", p.stderr, p.stderr)
        self.assertNotIn(self.user["password"], p.stdout + p.stderr)
        if not json_out:  # no engine clock to read: the whole process
            self.assertLessEqual(wall, t + DEADLINE_GRACE + EXIT_AFTER_CHECK,
                                 "%s took %.2f s with --timeout %g" % (name, wall, t))
            return p, None, wall
        doc = json.loads(p.stdout)
        took = doc["duration_seconds"]
        ended = datetime.datetime.fromisoformat(doc["started_at"]).timestamp() + took
        self.assertLessEqual(took, t + DEADLINE_GRACE,
                             "%s: the check took %.3f s with --timeout %g" % (name, took, t))
        self.assertLessEqual(exited - ended, EXIT_AFTER_CHECK,
                             "%s: the process exited %.3f s after its check ended"
                             % (name, exited - ended))
        return p, doc, wall

    def assert_codes(self, name, doc, p, want):
        got = sorted({d["code"] for d in doc["diagnoses"]})
        msg = "%s: got %s, want %s\n%s" % (name, got, sorted(set(want)),
                                           json.dumps(doc["diagnoses"], indent=1)[:3000])
        self.assertEqual(got, sorted(set(want)), msg)
        status = expected_status(want)
        self.assertEqual(doc["status"], status, msg)
        self.assertEqual(p.returncode, EXIT[status], msg)

    def assert_all_tunnels(self, doc, names=("EXCH01", "exch01.contoso.lab"),
                           ports=(6001, 6002, 6004)):
        seen = {}
        for st in doc["steps"]:
            if st["name"] in ("tunnel", "bind"):
                det = st.get("details", {})
                seen[(st["name"], det.get("server"), det.get("port"))] = st
        for n in names:
            for port in ports:
                tun = seen.get(("tunnel", n, port))
                bind = seen.get(("bind", n, port))
                self.assertIsNotNone(tun, "no tunnel step for %s:%d" % (n, port))
                self.assertIsNotNone(bind, "no bind step for %s:%d" % (n, port))
                self.assertEqual(tun["status"], "ok")
                self.assertEqual(bind["status"], "ok")
                self.assertEqual(bind["details"]["bind_result"], "accepted")
                iface = {6001: "EMSMDB", 6002: "RFR", 6004: "NSPI"}[port]
                self.assertEqual(bind["details"]["interface"], iface)

    # ------------------------------------------------------------ healthy

    def test_healthy_ntlm(self):
        p, doc, _ = self.run_probe("healthy")
        self.assert_codes("healthy", doc, p, [])
        self.assert_all_tunnels(doc)

    def test_healthy_basic(self):
        p, doc, _ = self.run_probe("healthy", ["--auth", "basic"])
        self.assert_codes("healthy/basic", doc, p, [])
        self.assert_all_tunnels(doc)

    def test_healthy_negotiate_password(self):
        if not self.lab.data.get("kdc"):
            self.skipTest("no KDC")
        p, doc, _ = self.run_probe("healthy", ["--auth", "negotiate"])
        self.assert_codes("healthy/negotiate", doc, p, [])
        self.assert_all_tunnels(doc)

    def test_healthy_negotiate_ticket_cache(self):
        kdc = self.lab.data.get("kdc")
        if not kdc:
            self.skipTest("no KDC")
        cc = "FILE:" + os.path.join(self.tmp, "kinit-ccache")
        env = self.env({"KRB5CCNAME": cc})
        k = subprocess.run(["kinit", self.user["principal"]], input=self.user["password"] + "\n",
                           capture_output=True, text=True, env=env, timeout=20)
        self.assertEqual(k.returncode, 0, k.stderr)
        p, doc, _ = self.run_probe("healthy", ["--auth", "negotiate"], user=False,
                                   password=False, env={"KRB5CCNAME": cc})
        self.assert_codes("healthy/negotiate-ccache", doc, p, [])
        self.assert_all_tunnels(doc)

    def test_healthy_negotiate_keytab(self):
        kdc = self.lab.data.get("kdc")
        if not kdc or shutil.which("kadmin.local") is None:
            self.skipTest("no KDC or kadmin.local")
        kt = os.path.join(self.tmp, "oaprobe.keytab")
        kdc_conf = os.path.join(os.path.dirname(kdc["krb5_config"]), "kdc.conf")
        env = self.env({"KRB5_KDC_PROFILE": kdc_conf})
        k = subprocess.run(["kadmin.local", "-r", kdc["realm"], "-q",
                            "ktadd -norandkey -k %s %s" % (kt, self.user["principal"])],
                           capture_output=True, text=True, env=env, timeout=20)
        if k.returncode != 0 or not os.path.exists(kt):
            self.skipTest("cannot export a client keytab: " + k.stderr[-300:])
        p, doc, _ = self.run_probe("healthy", ["--auth", "negotiate", "--keytab", kt],
                                   user=self.user["principal"], password=False)
        self.assert_codes("healthy/negotiate-keytab", doc, p, [])
        self.assert_all_tunnels(doc)

    def test_healthy_text_output_and_no_secrets(self):
        p, _, _ = self.run_probe("healthy", ["--auth", "basic", "-vv"], json_out=False)
        self.assertEqual(p.returncode, 0, p.stdout)
        first = p.stdout.splitlines()[0]
        self.assertTrue(first.startswith("OAPROBE OK - "), first)
        self.assertIn("|", p.stdout)
        self.assertIn("tunnels_ok=6", p.stdout)
        creds = "%s:%s" % (self.lab.user_spec(), self.user["password"])
        b64 = base64.b64encode(creds.encode()).decode()
        self.assertNotIn(b64, p.stdout + p.stderr)
        self.assertIn("Authorization: <redacted", p.stderr)

    # ------------------------------------------------------------ depth

    def assert_depth(self, doc, depth, not_run):
        steps = {}
        for st in doc["steps"]:
            steps.setdefault(st["name"], []).append(st)
        for name in not_run:
            self.assertIn(name, steps, "%s: no %s step" % (depth, name))
            for st in steps[name]:
                self.assertEqual(st["status"], "skipped", st)
                self.assertEqual(st["details"]["error"], "not run: the check depth is " + depth)
        for name in ("dns", "tcp", "tls"):
            self.assertEqual(steps[name][0]["status"], "ok")

    def test_depth_tls(self):
        # no credentials at all: nothing past TLS is attempted
        p, doc, _ = self.run_probe("healthy", ["--depth", "tls"], user=False, password=False)
        self.assert_codes("healthy/tls", doc, p, [])
        self.assert_depth(doc, "tls", ["echo_unauth", "echo_auth", "tunnel", "bind"])
        # a missing RPC proxy is below the depth's sight; a bad certificate is not
        p, doc, _ = self.run_probe("no_rpcproxy", ["--depth", "tls"], user=False, password=False)
        self.assert_codes("no_rpcproxy/tls", doc, p, [])
        p, doc, _ = self.run_probe("cert_expired", ["--depth", "tls"], user=False, password=False)
        self.assert_codes("cert_expired/tls", doc, p, ["cert_expired"])

    def test_depth_echo(self):
        p, doc, _ = self.run_probe("healthy", ["--depth", "echo"], user=False, password=False)
        self.assert_codes("healthy/echo", doc, p, [])
        self.assert_depth(doc, "echo", ["echo_auth", "tunnel", "bind"])
        echo = [st for st in doc["steps"] if st["name"] == "echo_unauth"][0]
        self.assertEqual(echo["status"], "ok")
        self.assertIn("NTLM", echo["details"]["auth_schemes"])
        p, doc, _ = self.run_probe("no_rpcproxy", ["--depth", "echo"], user=False,
                                   password=False)
        self.assert_codes("no_rpcproxy/echo", doc, p, ["rpcproxy_missing"])
        # a user with no password is fine below the auth depth
        p, doc, _ = self.run_probe("healthy", ["--depth", "echo"], password=False)
        self.assert_codes("healthy/echo-user", doc, p, [])

    def test_depth_auth(self):
        p, doc, _ = self.run_probe("healthy", ["--depth", "auth"])
        self.assert_codes("healthy/auth", doc, p, [])
        self.assert_depth(doc, "auth", ["tunnel", "bind"])
        echo = [st for st in doc["steps"] if st["name"] == "echo_auth"][0]
        self.assertEqual(echo["status"], "ok")
        p, doc, _ = self.run_probe("auth_rejected", ["--depth", "auth"])
        self.assert_codes("auth_rejected/auth", doc, p, ["auth_rejected"])
        if self.lab.data.get("kdc"):
            p, doc, _ = self.run_probe("healthy", ["--depth", "auth", "--auth", "negotiate"])
            self.assert_codes("healthy/auth-negotiate", doc, p, [])
            self.assert_depth(doc, "auth", ["tunnel", "bind"])

    def test_depth_tunnel(self):
        p, doc, _ = self.run_probe("healthy", ["--depth", "tunnel"])
        self.assert_codes("healthy/tunnel", doc, p, [])
        self.assert_all_tunnels(doc)

    # ------------------------------------------------------------ failures

    def test_many_checks_one_multi(self):
        """The service's way: 12 checks on one CURLM, started as slots free up."""
        if MULTI_DRIVER is None:
            self.skipTest("no --multi-driver")
        if self.lab.data.get("port_base"):
            self.skipTest("the driver uses port 443 (run as root)")
        names = ["healthy", "acl_fqdn_missing", "acl_netbios_missing", "acl_empty",
                 "backend_down_6004", "bind_rejected", "no_rpcproxy", "garbage_rts",
                 "midstream_503", "cert_expired", "pings_before_c2", "tmg_chunked"]
        args = [MULTI_DRIVER, "--cacert", self.ca, "--timeout", "10",
                "--user", self.lab.user_spec()]
        want = {}
        for n in names:
            sc = self.lab.scenario(n)
            args.append("%s=%s" % (sc["host"], sc["address"]))
            want[sc["host"]] = sorted(set(sc["diagnoses"]))
        start = time.monotonic()
        p = subprocess.run(args, capture_output=True, text=True, timeout=60,
                           env=self.env({"OAPROBE_PASSWORD": self.user["password"]}))
        self.assertLess(time.monotonic() - start, 11.0)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn("AddressSanitizer", p.stderr, p.stderr)
        self.assertNotIn("runtime error:", p.stderr, p.stderr)
        self.assertNotIn("foreign message", p.stderr)
        got = {}
        for line in p.stdout.splitlines():
            host, status, codes = line.split(" ")
            got[host] = sorted(set(codes.split(","))) if codes != "-" else []
            self.assertEqual(status, expected_status(got[host]), line)
        self.assertEqual(got, want)

    def test_usage_errors(self):
        cases = [
            ["--bogus", "h"], ["--ports", "6001,99999", "h"], ["--ports", "x", "h"],
            ["--password", "pw", "h"], ["--cacert", "/nonexistent/ca.pem", "h"],
            ["--password-file", "/nonexistent/pw", "--user", "u", "h"], [],
            ["--timeout", "0", "h"], ["--auth", "kerberos", "h"],
        ]
        for args in cases:
            p = subprocess.run([OAPROBE, "check"] + args, capture_output=True, text=True,
                               env=self.env(), timeout=30)
            self.assertEqual(p.returncode, 3, "%s: %s" % (args, p.stderr))
            self.assertIn("oaprobe check:", p.stderr)
        p = subprocess.run([OAPROBE, "check", "--help"], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertIn("--password-file", p.stdout)

    def test_extra_runs(self):
        for name, args, user, want in EXTRA:
            with self.subTest(scenario=name, args=args):
                t = 15.0
                if "--timeout" in args:
                    t = float(args[args.index("--timeout") + 1])
                    args = [a for i, a in enumerate(args)
                            if a != "--timeout" and (i == 0 or args[i - 1] != "--timeout")]
                p, doc, _ = self.run_probe(name, args, user=user, timeout=t)
                self.assert_codes("%s %s" % (name, args), doc, p, want)


def add_scenario_tests():
    """One test per scenario of the file, asserting its `diagnoses`."""
    import yaml  # python3-yaml (lab dependency)
    with open(os.path.join(LAB, "scenarios.yaml")) as f:
        names = sorted(yaml.safe_load(f)["scenarios"])

    def make(name):
        def test(self):
            sp = SPECIAL.get(name, {})
            want = self.lab.scenario(name)["diagnoses"]
            p, doc, wall = self.run_probe(name, sp.get("args", []), user=sp.get("user"),
                                          timeout=sp.get("timeout"))
            self.assert_codes(name, doc, p, want)
        return test

    for name in names:
        setattr(LabCheck, "test_scenario_" + name, make(name))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--oaprobe", required=True)
    ap.add_argument("--multi-driver", help="tests/integration/check/check_multi_driver")
    args, rest = ap.parse_known_args()
    OAPROBE = os.path.abspath(args.oaprobe)
    MULTI_DRIVER = os.path.abspath(args.multi_driver) if args.multi_driver else None
    add_scenario_tests()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
