#!/usr/bin/python3
"""The engine shared by many checks in one process, against the lab (healthy
scenario, real MIT KDC): C drivers that put several checks on ONE libcurl
multi, as the service does, run under ASan/LeakSanitizer.

- cancel: checks cancelled before start, in the connect stage, mid-echo and
  mid-tunnel, one freed mid-tunnel without a cancel, a control check that
  must still end OK; every transfer removed, nothing leaked.
- result size: the compact result a check keeps is at most 4 KiB for a
  typical check (2 names x 3 ports, healthy or with a few diagnoses); the
  figures are printed.

    /usr/bin/python3 tests/integration/check/test_engine_lab.py \
        --cancel-driver build/.../check_cancel_driver \
        --multi-driver build/.../check_multi_driver

Only loopback: every request goes to the lab through a --resolve entry.
"""

import argparse
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(HERE, "..", "..", "lab")
sys.path.insert(0, os.path.abspath(LAB))

from fixture import Lab, net_for  # noqa: E402

DRIVERS = {}
# healthy, and typical faults with a few diagnoses
SCENARIOS = ["healthy", "acl_fqdn_missing", "backend_down_6004", "cert_expired"]


class EngineLab(unittest.TestCase):
    lab = None

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("the drivers use port 443 (run as root, in unshare -n)")
        cls.lab = Lab(SCENARIOS, net=net_for("test_engine_lab")).start()
        cls.sc = cls.lab.scenario("healthy")
        cls.users = cls.lab.data["users"]

    @classmethod
    def tearDownClass(cls):
        if cls.lab is not None:
            cls.lab.stop()
            cls.lab.cleanup()

    def env(self, extra=None):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("KRB5") and k != "OAPROBE_PASSWORD"}
        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:exitcode=99"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:exitcode=98"
        kdc = self.lab.data.get("kdc")
        if kdc:
            env["KRB5_CONFIG"] = kdc["krb5_config"]
            env["KRB5CCNAME"] = "FILE:/nonexistent/oaprobe-no-ccache"
        env.update(extra or {})
        return env

    def run_driver(self, args, env=None, timeout=60):
        p = subprocess.run(args, capture_output=True, text=True, env=self.env(env),
                           timeout=timeout)
        out = p.stdout + p.stderr
        self.assertNotIn("AddressSanitizer", p.stderr, out)
        self.assertNotIn("LeakSanitizer", p.stderr, out)
        self.assertNotIn("runtime error:", p.stderr, out)
        for u in self.users:
            self.assertNotIn(u["password"], out)
        return p

    def user_name(self, u):
        return "%s\\%s" % (u["domain"], u["user"])

    def host_arg(self):
        return "%s=%s" % (self.sc["host"], self.sc["address"])

    def test_cancel_on_shared_multi(self):
        u = self.users[0]
        p = self.run_driver([DRIVERS["cancel"], "--cacert", self.lab.data["ca_bundle"],
                             "--user", self.user_name(u), self.host_arg()],
                            env={"OAPROBE_PASSWORD": u["password"]})
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        sys.stderr.write(p.stdout)
        lines = {ln.split()[0]: ln.split()[1:] for ln in p.stdout.splitlines()}
        self.assertEqual(lines["never"][0], "init")
        self.assertEqual(lines["start"][:2], ["connect", "unknown"])
        self.assertEqual(lines["echo"][:2], ["auth_echo", "unknown"])
        self.assertEqual(lines["tunnel"][:2], ["tunnels", "unknown"])
        self.assertEqual(lines["free"][0], "tunnels")
        self.assertEqual(lines["control"][:2], ["done", "ok"])

    def test_result_bytes(self):
        u = self.users[0]
        args = [DRIVERS["multi"], "--bytes", "--cacert", self.lab.data["ca_bundle"],
                "--user", self.user_name(u)]
        for name in SCENARIOS:
            sc = self.lab.scenario(name)
            args.append("%s=%s" % (sc["host"], sc["address"]))
        p = self.run_driver(args, env={"OAPROBE_PASSWORD": u["password"]})
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        sys.stderr.write(p.stderr)
        seen = 0
        for line in p.stdout.splitlines():
            host, status, codes, nsteps, ndiags, nbytes = line.split(" ")
            sys.stderr.write("result bytes: %s (%s, %s steps, %s diagnoses: %s): %s\n"
                             % (host, status, nsteps, ndiags, codes, nbytes))
            self.assertGreaterEqual(int(nsteps), 13, line)
            self.assertLessEqual(int(nbytes), 4096, line)
            seen += 1
        self.assertEqual(seen, len(SCENARIOS))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cancel-driver", required=True)
    ap.add_argument("--multi-driver", required=True)
    args, rest = ap.parse_known_args()
    DRIVERS["cancel"] = os.path.abspath(args.cancel_driver)
    DRIVERS["multi"] = os.path.abspath(args.multi_driver)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
