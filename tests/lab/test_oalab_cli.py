"""The lab command itself: argument and scenario-file errors (non-loopback
addresses refused), readiness, the JSON description, --port-base, and a clean
stop on SIGTERM / SIGINT (threads, sockets and the KDC gone, ports free).

Run: /usr/bin/python3 -m unittest -v test_oalab_cli   (from tests/lab)
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from fixture import OALAB, PYTHON, Lab  # noqa: E402
from labclient import ECHO_BODY, Conn, ntlm_legs  # noqa: E402

ECHO = bytes.fromhex("0500140310000000140000000000000040000000")


def children(pid):
    out = set()
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out.update(int(x) for x in f.read().split())
    except OSError:
        pass
    return out


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


class OalabCommand(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="oalab-cli-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def run_oalab(self, *args, timeout=30):
        return subprocess.run([PYTHON, OALAB] + list(args), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def scenario_file(self, address="127.0.0.2", extra=""):
        path = os.path.join(self.tmp, "s.yaml")
        with open(path, "w") as f:
            f.write(textwrap.dedent("""
                users: [{user: u, password: p}]
                scenarios:
                  x: {host: x.contoso.lab, address: %s%s}
            """ % (address, extra)))
        return path

    def test_refuses_non_loopback_addresses(self):
        for address, extra in (("10.1.2.3", ""), ("0.0.0.0", ""), ("192.0.2.7", ""),
                               ("127.0.0.2", ", backend_address: 198.51.100.1"),
                               ("127.0.0.2", ", extra_names: {EXCH02: 203.0.113.5}")):
            with self.subTest(address=address, extra=extra):
                p = self.run_oalab("--file", self.scenario_file(address, extra), "--scenarios", "x",
                                   "--state", os.path.join(self.tmp, "st"), "--port-base", "30000")
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn("oalab: error: refusing", p.stderr)
                self.assertIn("only to loopback addresses (127.0.0.0/8, ::1)", p.stderr)
                self.assertNotIn("READY", p.stdout)
                self.assertFalse(os.path.exists(os.path.join(self.tmp, "st", "lab.json")))

    def test_unknown_scenario_and_bad_arguments(self):
        p = self.run_oalab("--scenarios", "healthy,frobnicated", "--state", self.tmp)
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown scenario frobnicated (known: healthy,", p.stderr)
        p = self.run_oalab("--scenarios", "healthy", "--state", self.tmp, "--net", "300")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--net must be 0..255", p.stderr)
        p = self.run_oalab("--scenarios", "healthy")
        self.assertEqual(p.returncode, 2)
        p = self.run_oalab("--list")
        self.assertEqual(p.returncode, 0)
        self.assertIn("acl_fqdn_missing", p.stdout)

    def _start_and_check(self, sig):
        lab = Lab(["healthy", "acl_fqdn_missing"], net=14)
        t0 = time.monotonic()
        lab.start()
        try:
            ready = time.monotonic() - t0
            self.assertLess(ready, 15.0)
            pid = lab.proc.pid
            d = lab.data
            with open(lab.stdout_path) as f:
                out = f.read()
            self.assertIn("READY %s\n" % lab.json_path, out)
            with open(lab.json_path) as f:
                self.assertEqual(json.load(f), d)
            self.assertTrue(os.path.isfile(d["ca_bundle"]))
            self.assertTrue(os.path.isfile(d["kdc"]["krb5_config"]))
            self.assertTrue(os.path.isfile(d["kdc"]["keytab"]))
            self.assertEqual(d["users"][0]["domain"], "CONTOSO")
            self.assertTrue(d["users"][0]["password"])
            h = d["scenarios"]["healthy"]
            self.assertEqual((h["host"], h["address"]), ("mail.contoso.lab", "127.14.0.2"))
            self.assertEqual(h["rpc_servers"], {"netbios": "EXCH01", "fqdn": "exch01.contoso.lab"})
            self.assertEqual(d["scenarios"]["acl_fqdn_missing"]["diagnoses"],
                             ["validports_missing_entry"])
            kids = children(pid)
            self.assertTrue(kids, "the KDC runs as a child of the lab")
            ports = [(s["address"], s["https_port"]) for s in d["scenarios"].values()]
            ports += [(h["backend_address"], b["bind_port"]) for b in h["backends"]]
            for addr, port in ports:
                socket.create_connection((addr, port), timeout=5).close()
            # an open channel and an open keep-alive connection do not delay the stop
            c = Conn(h["address"], h["https_port"], host=h["host"])
            self.addCleanup(c.close)
            u = d["users"][0]
            ntlm_legs(c, "RPC_IN_DATA", "/rpc/rpcproxy.dll?EXCH01:6001", u["user"],
                      u["password"], u["domain"], 4, body=ECHO_BODY)
            self.assertEqual(c.response().body, ECHO)
            t1 = time.monotonic()
            lab.proc.send_signal(sig)
            rc = lab.proc.wait(20)
            self.assertLess(time.monotonic() - t1, 10.0)
            self.assertEqual(rc, 0)
            with open(lab.stdout_path) as f:
                self.assertTrue(f.read().rstrip().endswith("STOPPED"))
            for k in kids:
                deadline = time.monotonic() + 5
                while alive(k) and time.monotonic() < deadline:
                    time.sleep(0.05)
                self.assertFalse(alive(k), "child %d still alive" % k)
            for addr, port in ports:
                with self.assertRaises(ConnectionRefusedError):
                    socket.create_connection((addr, port), timeout=5)
        finally:
            lab.stop()
            lab.cleanup()

    def test_sigterm_stops_cleanly(self):
        self._start_and_check(signal.SIGTERM)

    def test_sigint_stops_cleanly(self):
        self._start_and_check(signal.SIGINT)

    def test_port_base(self):
        with Lab(["healthy"], net=15, port_base=30000, kdc=False) as lab:
            h = lab.scenario("healthy")
            self.assertEqual(h["https_port"], 30443)
            self.assertEqual([b["bind_port"] for b in h["backends"]], [36001, 36002, 36004])
            self.assertIsNone(lab.data["kdc"])
            c = Conn(h["address"], h["https_port"], host=h["host"])
            self.addCleanup(c.close)
            u = lab.user()
            ntlm_legs(c, "RPC_IN_DATA", "/rpc/rpcproxy.dll?EXCH01:6001", u["user"],
                      u["password"], u["domain"], 4, body=ECHO_BODY)
            self.assertEqual(c.response().body, ECHO)

    def test_control_down_and_up(self):
        """set_down() takes a front end down at run time (connections refused)
        and brings it back; the other scenario keeps listening throughout."""
        with Lab(["healthy", "cert_expiring"], net=16, port_base=31000, kdc=False) as lab:
            h, other = lab.scenario("healthy"), lab.scenario("cert_expiring")

            def connects(sc):
                try:
                    socket.create_connection((sc["address"], sc["https_port"]), timeout=5).close()
                    return True
                except ConnectionRefusedError:
                    return False
            self.assertTrue(connects(h))
            lab.set_down(["healthy"])
            self.assertFalse(connects(h))
            self.assertTrue(connects(other))
            lab.set_down([])
            self.assertTrue(connects(h))
            c = Conn(h["address"], h["https_port"], host=h["host"])
            self.addCleanup(c.close)
            u = lab.user()
            ntlm_legs(c, "RPC_IN_DATA", "/rpc/rpcproxy.dll?EXCH01:6001", u["user"],
                      u["password"], u["domain"], 4, body=ECHO_BODY)
            self.assertEqual(c.response().body, ECHO)
            self.assertIn("control 2: down: none", lab.log_text())


if __name__ == "__main__":
    unittest.main()
