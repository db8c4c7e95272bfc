#!/usr/bin/python3
"""The engine shared by many checks in one process, against the lab (healthy
scenario, real MIT KDC): C drivers that put several checks on ONE libcurl
multi, as the service does, run under ASan/LeakSanitizer.

- cancel: checks cancelled before start, in the connect stage, mid-echo and
  mid-tunnel, one freed mid-tunnel without a cancel, a control check that
  must still end OK; every transfer removed, nothing leaked.
- Kerberos identities: Negotiate checks of two identities interleaved on
  one multi all succeed against the lab's KDC; a wrong password for one
  identity is auth_rejected and leaves the others untouched; an identity
  whose KDC never answers ends as a timeout at its deadline while the
  others finish long before it (they never wait for it).
- Kerberos workers: 40 identities at once never run more than 8 worker
  threads (CHECK_GSS_WORKERS; engine counter and /proc/self/task), all
  end OK; with every worker held by a KDC that never answers, queued
  checks end as timeouts at their own deadlines.
- ticket renewal: identities whose KDC policy gives 16 s tickets are
  acquired again before the end (checks stay OK, the TGT count goes up);
  an expired ticket whose password was changed meanwhile gives
  auth_rejected at once, no hang.
- TLS sessions per target: four consecutive checks of one target with one
  session cache (check_tls_cache_new, as the service keeps per target):
  the first offers a session at 13 of its 15 TLS connections, the next
  ones at 14 (all but the connect step, whose full handshake the
  certificate verdict judges); other verification settings (--insecure)
  start the cache over. The engine's own count of handshakes, resumed
  (SSL_session_reused) or full, covers each handshake once, and resumed
  ones are at most the offers (the lab's server refuses a few).
- trust store: with a store loaded once (check_trust_load) and shared,
  four checks load it once; without, the engine's cache loads each file
  once, in the background: a CA file that cannot be read until the other
  checks have ended (a FIFO) holds up only the check that names it.
- result size: the compact result a check keeps is at most 4 KiB for a
  typical check (2 names x 3 ports, healthy or with a few diagnoses); the
  figures are printed.

    /usr/bin/python3 tests/integration/check/test_engine_lab.py \
        --cancel-driver build/.../check_cancel_driver \
        --multi-driver build/.../check_multi_driver \
        --krb-driver build/.../check_krb_driver

Only loopback: every request goes to the lab through a --resolve entry.
"""

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(HERE, "..", "..", "lab")
sys.path.insert(0, os.path.abspath(LAB))

from fixture import Lab, expected_status, free_port, net_for  # noqa: E402

DRIVERS = {}
# Kerberos identities added to the lab's users: worker cap, queue, renewal
EXTRA_USERS = [("cap", 40), ("queue", 2), ("short", 2)]
# healthy, and typical faults with a few diagnoses
SCENARIOS = ["healthy", "acl_fqdn_missing", "backend_down_6004", "cert_expired"]


class EngineLab(unittest.TestCase):
    lab = None

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("the drivers use port 443 (run as root, in unshare -n)")
        # the lab's users plus the Kerberos identities of the worker and
        # renewal tests (the front end accepts only principals it knows)
        cls.extra = {}
        for prefix, n in EXTRA_USERS:
            for i in range(n):
                cls.extra["%s%02d" % (prefix, i)] = "Pw-" + secrets.token_urlsafe(12)
        cls.tmp = tempfile.mkdtemp(prefix="oaprobe-engine-lab-")
        with open(os.path.join(LAB, "scenarios.yaml")) as f:
            text = f.read()
        text = text.replace("\nusers:\n", "\nusers:\n" + "".join(
            '  - {user: %s, password: "%s"}\n' % kv for kv in cls.extra.items()), 1)
        scen = os.path.join(cls.tmp, "scenarios.yaml")
        with open(scen, "w") as f:
            f.write(text)
        cls.lab = Lab(SCENARIOS, net=net_for("test_engine_lab"),
                      extra_args=["--file", scen]).start()
        cls.sc = cls.lab.scenario("healthy")
        cls.users = [u for u in cls.lab.data["users"] if u["user"] not in cls.extra]

    @classmethod
    def tearDownClass(cls):
        if cls.lab is not None:
            cls.lab.stop()
            cls.lab.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def env(self, extra=None):
        return self.lab.probe_env("/nonexistent", extra)

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
        self.cancel([])

    def test_cancel_negotiate(self):
        # "start" is cancelled while its Kerberos tickets are being fetched
        if not self.lab.data.get("kdc"):
            self.skipTest("no KDC")
        self.cancel(["--auth", "negotiate"])

    def cancel(self, extra):
        u = self.users[0]
        p = self.run_driver([DRIVERS["cancel"], "--cacert", self.lab.data["ca_bundle"],
                             "--user", self.user_name(u)] + extra + [self.host_arg()],
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

    def dead_kdc_config(self, tmp):
        """The lab's krb5.conf plus a realm DEAD.LAB whose KDC takes the
        datagrams and the connection and never answers."""
        udp, tcp, port = None, None, 0
        for _ in range(20):  # another test may take the port between the two binds
            port = free_port("127.0.0.1", udp=True)
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                udp.bind(("127.0.0.1", port))
                tcp.bind(("127.0.0.1", port))
                break
            except OSError:
                udp.close()
                tcp.close()
        else:
            self.fail("no port free for both UDP and TCP after 20 tries")
        tcp.listen(16)
        with open(self.lab.data["kdc"]["krb5_config"]) as f:
            text = f.read()
        text = text.replace("[domain_realm]",
                            "  DEAD.LAB = {\n    kdc = 127.0.0.1:%d\n  }\n[domain_realm]" % port)
        path = os.path.join(tmp, "krb5.conf")
        with open(path, "w") as f:
            f.write(text)
        return path, (udp, tcp)

    def test_kerberos_identities(self):
        if not self.lab.data.get("kdc"):
            self.skipTest("no KDC")
        a, b = self.users[0], self.users[1]
        with tempfile.TemporaryDirectory(prefix="oaprobe-krb-") as tmp:
            conf, socks = self.dead_kdc_config(tmp)
            try:
                # the dead KDC's check has a deadline (8 s) no good check
                # comes near even on a loaded machine (1.7 s seen under ASan
                # with both cores busy): one that waited for it would end
                # after it
                checks = [(a, "PW_A", 10), (b, "PW_B", 10), (a, "PW_A", 10),
                          (b, "PW_BAD", 10), (None, "PW_DEAD", 8), (b, "PW_B", 10)]
                args = [DRIVERS["krb"], "--cacert", self.lab.data["ca_bundle"], self.host_arg()]
                for u, var, t in checks:
                    args += ["--check", self.user_name(u) if u else "ghost@DEAD.LAB", var, str(t)]
                p = self.run_driver(args, env={"KRB5_CONFIG": conf, "PW_A": a["password"],
                                               "PW_B": b["password"], "PW_BAD": "Wrong-1!",
                                               "PW_DEAD": "whatever"})
            finally:
                for s in socks:
                    s.close()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        sys.stderr.write(p.stdout)
        rows = [ln.split(" ") for ln in p.stdout.splitlines() if not ln.startswith("round ")]
        self.assertEqual(len(rows), len(checks), p.stdout)
        for i in (0, 1, 2, 5):  # both identities, twice each: every tunnel and bind
            self.assertEqual(rows[i][1:3], ["ok", "-"], p.stdout + p.stderr)
            self.assertLess(int(rows[i][3]), 8000, "a good identity waited: " + p.stdout)
        self.assertEqual(rows[3][1:3], ["critical", "auth_rejected"], p.stdout + p.stderr)
        self.assertEqual(rows[4][1:3], ["critical", "timeout"], p.stdout + p.stderr)
        self.assertGreaterEqual(int(rows[4][3]), 8000, p.stdout)
        self.assertLess(int(rows[4][3]), 9000, p.stdout)
        self.assertIn("no answer from the KDC", p.stderr)
        # the engine's counters (oaprobe_kerberos_acquisitions_total): the
        # wrong password is the one acquisition the KDC rejected; the dead
        # KDC's may still be in its worker when the driver stops
        r = self.krb_rows(p.stdout)[1][-1]
        self.assertEqual(r["acq-rejected"], 1, p.stdout)
        self.assertGreaterEqual(r["acq-ok"], 2, p.stdout)
        self.assertLessEqual(r["acq-error"], 1, p.stdout)

    # ------------------------------------------------------------ Kerberos workers

    WORKERS = 8  # CHECK_GSS_WORKERS (probes/check/check_gss.h)

    def kadmin(self, commands):
        kdc = self.lab.data["kdc"]
        env = self.env({"KRB5_KDC_PROFILE": os.path.join(os.path.dirname(kdc["krb5_config"]),
                                                         "kdc.conf")})
        p = subprocess.run(["kadmin.local", "-r", kdc["realm"]], capture_output=True, text=True,
                           input="".join(c + "\n" for c in commands), env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout + p.stderr

    def principals(self, prefix, n, options=""):
        """The lab users prefix00.. (EXTRA_USERS), with kadmin modprinc
        options; returns [(principal, password)]."""
        realm = self.lab.data["kdc"]["realm"]
        out = [("%s%02d@%s" % (prefix, i, realm), self.extra["%s%02d" % (prefix, i)])
               for i in range(n)]
        if options:
            self.kadmin(["modprinc %s %s" % (options, princ) for princ, _ in out])
        self.secrets.extend(pw for _, pw in out)
        return out

    def krb_run(self, checks, extra=(), env=None, conf=None, timeout=120):
        """checks: [(user, password, timeout_s, rounds or None)]. Returns the
        process, the check rows and the round lines."""
        args = [DRIVERS["krb"], "--cacert", self.lab.data["ca_bundle"], self.host_arg()]
        args += list(extra)
        penv = dict(env or {})
        for i, (user, pw, t, rounds) in enumerate(checks):
            penv["PW_%d" % i] = pw
            args += ["--check", user, "PW_%d" % i, str(t)]
            if rounds is not None:
                args += ["--only-rounds", ",".join(str(r) for r in rounds)]
        if conf is not None:
            penv["KRB5_CONFIG"] = conf
        p = self.run_driver(args, env=penv, timeout=timeout)
        return p, *self.krb_rows(p.stdout)

    @staticmethod
    def krb_rows(stdout):
        rows, rounds = {}, []
        for ln in stdout.splitlines():
            f = ln.split(" ")
            if f[0] == "round":
                rounds.append(dict(zip(f[2::2], (int(x) for x in f[3::2]))))
            else:
                rows[int(f[0])] = f[1:]
        return rows, rounds

    def assert_no_secrets(self, p):
        for pw in self.secrets:
            self.assertNotIn(pw, p.stdout + p.stderr)

    def setUp(self):
        self.secrets = []

    def test_kerberos_worker_cap(self):
        """40 identities at once: at most 8 worker threads (engine counter
        and /proc/self/task: the driver's thread, the workers, the trust
        store's loader), every check OK."""
        if not self.lab.data.get("kdc"):
            self.skipTest("no KDC")
        ids = self.principals("cap", 40)
        t = time.monotonic()
        p, rows, rounds = self.krb_run([(u, pw, 30, None) for u, pw in ids],
                                       extra=["--depth", "auth"])
        wall = time.monotonic() - t
        self.assert_no_secrets(p)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        sys.stderr.write("40 identities: %.2f s, %s\n" % (wall, rounds))
        self.assertEqual(len(rows), 40, p.stdout)
        for i in range(40):
            self.assertEqual(rows[i][:2], ["ok", "-"], p.stdout + p.stderr)
        r = rounds[0]
        self.assertEqual(r["tgts"], 40, p.stdout)
        self.assertGreaterEqual(r["acq-ok"], 40, p.stdout)
        self.assertEqual((r["acq-rejected"], r["acq-error"]), (0, 0), p.stdout)
        self.assertLessEqual(r["peak"], self.WORKERS, p.stdout)
        self.assertGreaterEqual(r["peak"], 2, p.stdout)
        self.assertEqual(r["queued"], 0, p.stdout)
        self.assertLessEqual(r["threads-peak"], self.WORKERS + 2, p.stdout)

    def test_kerberos_queue_deadline(self):
        """Every worker held by a KDC that never answers: two checks queued
        behind them end as timeouts at their own 2 s deadline (the queue's
        message), the KDC's checks at theirs."""
        if not self.lab.data.get("kdc"):
            self.skipTest("no KDC")
        ids = self.principals("queue", 2)
        with tempfile.TemporaryDirectory(prefix="oaprobe-krb-") as tmp:
            conf, socks = self.dead_kdc_config(tmp)
            try:
                checks = [("ghost%02d@DEAD.LAB" % i, "whatever", 4, None)
                          for i in range(self.WORKERS)]
                checks += [(u, pw, 2, None) for u, pw in ids]
                p, rows, rounds = self.krb_run(checks, conf=conf)
            finally:
                for s in socks:
                    s.close()
        self.assert_no_secrets(p)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        sys.stderr.write(p.stdout)
        for i in range(self.WORKERS):
            self.assertEqual(rows[i][:2], ["critical", "timeout"], p.stdout)
            self.assertGreaterEqual(int(rows[i][2]), 4000, p.stdout)
            self.assertLess(int(rows[i][2]), 5000, p.stdout)
        for i in range(self.WORKERS, self.WORKERS + 2):
            self.assertEqual(rows[i][:2], ["critical", "timeout"], p.stdout)
            self.assertGreaterEqual(int(rows[i][2]), 2000, p.stdout)
            self.assertLess(int(rows[i][2]), 3000, p.stdout)
        self.assertEqual(rounds[0]["peak"], self.WORKERS, p.stdout)
        self.assertEqual(rounds[0]["queued"], 0, p.stdout)  # the expired ones left the queue
        self.assertIn("no Kerberos worker free within the 2000 ms deadline", p.stderr)
        self.assertIn("no answer from the KDC within the 4000 ms deadline", p.stderr)

    def test_kerberos_ticket_renewal(self):
        """16 s tickets (kadmin -maxlife, not renewable): an identity is
        acquired again a quarter of its lifetime before the end (12 s), and
        its checks stay OK; another whose password was changed after its
        first check gets auth_rejected once its ticket has expired."""
        if not self.lab.data.get("kdc"):
            self.skipTest("no KDC")
        (keep, keep_pw), (chg, chg_pw) = self.principals(
            "short", 2, options='-maxlife "16 seconds" -maxrenewlife 0')
        # rounds at 0, 5, 13 and 18 s: cached, cached, renewed (12 s < 13 s <
        # 16 s), and past the end of the changed identity's ticket. The later
        # rounds are timed from the end of round 0, not from the driver's
        # start: the tickets are acquired in round 0, and on a loaded machine
        # the driver's start (exec, sanitizers) and round 0 can take a second,
        # which the 1 s between renewal (12 s) and round 2 (13 s) cannot absorb
        checks = [(keep, keep_pw, 10, None), (chg, chg_pw, 10, [0, 1, 3])]
        args = [DRIVERS["krb"], "--cacert", self.lab.data["ca_bundle"], self.host_arg(),
                "--depth", "auth", "--rounds", "4", "--interval-ms", "1", "--wait-stdin"]
        at = [0, 5000, 13000, 18000]
        env = {"PW_0": keep_pw, "PW_1": chg_pw}
        for i, (u, _, t, rounds) in enumerate(checks):
            args += ["--check", u, "PW_%d" % i, str(t)]
            if rounds:
                args += ["--only-rounds", ",".join(map(str, rounds))]
        # each round is held back through stdin until its time
        t_start = time.monotonic()
        t0 = None  # when round 0 ended: every ticket of round 0 is older
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env(env))
        out = []
        try:
            for k in range(4):
                while True:
                    ln = proc.stdout.readline()
                    self.assertTrue(ln, "driver ended early: " + "".join(out))
                    out.append(ln)
                    if ln.startswith("round %d " % k):
                        break
                if k == 0:  # the password changes; the engine still holds the old one
                    t0 = time.monotonic()
                    self.kadmin(['cpw -pw "%s" %s' % ("New-" + secrets.token_urlsafe(12), chg)])
                if k < 3:
                    time.sleep(max(0.0, at[k + 1] / 1000.0 - (time.monotonic() - t0)))
                    proc.stdin.write("go\n")
                    proc.stdin.flush()
            rest, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        wall = time.monotonic() - t_start
        stdout = "".join(out) + rest
        self.assertNotIn("Sanitizer", err, err)
        self.assertNotIn("runtime error:", err, err)
        for pw in self.secrets:
            self.assertNotIn(pw, stdout + err)
        self.assertEqual(proc.returncode, 0, stdout + err)
        sys.stderr.write("renewal (%.1f s; round 0 ended %.2f s after the start):\n%s"
                         % (wall, t0 - t_start, stdout))
        rows, rounds = self.krb_rows(stdout)
        n = len(checks)
        for k in range(3):  # the unchanged identity: OK in every round
            self.assertEqual(rows[k * n][:2], ["ok", "-"], stdout + err)
        self.assertEqual(rows[0 * n + 1][:2], ["ok", "-"], stdout + err)
        self.assertEqual(rows[1 * n + 1][:2], ["ok", "-"], stdout + err)  # cached, old password
        self.assertEqual(rows[3 * n][:2], ["ok", "-"], stdout + err)
        # TGTs: two at first, none from the cache at 5 s, one renewal at 13 s
        self.assertEqual([r["tgts"] for r in rounds[:3]], [2, 2, 3], stdout)
        # 18 s: the changed identity's ticket has expired; acquiring it again
        # with the old password is refused by the KDC, at once
        self.assertEqual(rows[3 * n + 1][:2], ["critical", "auth_rejected"], stdout + err)
        self.assertLess(int(rows[3 * n + 1][2]), 3000, stdout)

    def test_tls_cache_per_target(self):
        u = self.users[0]

        def run(extra):
            p = self.run_driver([DRIVERS["multi"], "--sequential", "--tls-count", "--cacert",
                                 self.lab.data["ca_bundle"], "--user", self.user_name(u)]
                                + extra + [self.host_arg()] * 4,
                                env={"OAPROBE_PASSWORD": u["password"]})
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            rows = [ln.split(" ") for ln in p.stdout.splitlines()]
            self.assertEqual(len(rows), 4, p.stdout)
            for r in rows:  # every check OK, its certificate judged
                self.assertEqual(r[1:3], ["ok", "-"], p.stdout + p.stderr)
                self.assertEqual(r[3:5], ["tls", "15"], p.stdout)
            # the engine's own count (SSL_session_reused at each handshake's
            # end): every handshake of libcurl's trace counted once, resumed
            # or full; a session offered ("SSL re-using session ID") is not
            # always resumed: the lab's server (Python, TLS 1.3 tickets)
            # refuses a few, 0 to 4 of a check's 13 or 14 offers (measured)
            offered = [int(r[6]) for r in rows]
            accepted = [int(r[8]) for r in rows]
            total = sum(int(r[4]) for r in rows)
            for o, a in zip(offered, accepted):
                self.assertLessEqual(a, o, p.stdout)
            self.assertGreater(sum(accepted), 0, p.stdout)
            self.assertIn("tls handshakes: resumed %d full %d\n"
                          % (sum(accepted), total - sum(accepted)), p.stderr)
            print("offered %s, resumed %s" % (offered, accepted))
            return offered, p.stderr

        own, _ = run([])
        self.assertEqual(own, [13, 13, 13, 13])
        kept, err = run(["--tls-cache"])
        self.assertEqual(kept, [13, 14, 14, 14])
        self.assertIn("tls caches started: 1\n", err)
        changed, err = run(["--tls-cache", "--insecure-from", "2"])
        self.assertEqual(changed, [13, 14, 13, 14])
        self.assertIn("tls caches started: 2\n", err)

    def test_result_bytes(self):
        u = self.users[0]
        args = [DRIVERS["multi"], "--bytes", "--shared-trust", "--cacert",
                self.lab.data["ca_bundle"], "--user", self.user_name(u)]
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
        # one trust store for the four checks
        self.assertIn("trust stores loaded: 1\n", p.stderr)

    def test_trust_store_engine_cache_and_slow_file(self):
        """Checks given no store share the engine's cache (one load), and a
        CA file that is slow to read (a FIFO whose writer waits) holds up
        only its own check: the others end, with their own results, while
        it is still unread; it is written only then, and its check ends
        last, judged with it. No clock bound: the FIFO is written once the
        other checks have reported (or after 60 s, which fails the test),
        so a loaded machine only makes the run longer."""
        u = self.users[0]
        others = [self.lab.scenario(name) for name in SCENARIOS[1:]]
        with tempfile.TemporaryDirectory(prefix="oaprobe-ca-") as tmp:
            fifo = os.path.join(tmp, "slow-ca.pem")
            os.mkfifo(fifo)
            with open(self.lab.data["ca_bundle"], "rb") as f:
                pem = f.read()
            args = [DRIVERS["multi"], "--cacert", self.lab.data["ca_bundle"],
                    "--first-cacert", fifo, "--user", self.user_name(u)]
            for name in SCENARIOS:
                sc = self.lab.scenario(name)
                args.append("%s=%s" % (sc["host"], sc["address"]))
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    stdin=subprocess.DEVNULL, text=True,
                                    env=self.env({"OAPROBE_PASSWORD": u["password"]}))
            err_lines = []
            others_done = threading.Event()

            def read_stderr():
                for line in proc.stderr:
                    err_lines.append(line)
                    if all(any(ln.startswith(sc["host"] + " done after ") for ln in err_lines)
                           for sc in others):
                        others_done.set()
            reader = threading.Thread(target=read_stderr, daemon=True)
            reader.start()
            try:
                deadline = time.monotonic() + 60
                while (not others_done.wait(0.05) and proc.poll() is None
                       and time.monotonic() < deadline):
                    pass
                done_unread = others_done.is_set()
                # the driver's loader has the FIFO open for reading (or
                # will): write the bundle, then EOF
                w = None
                while proc.poll() is None and time.monotonic() < deadline + 30:
                    try:
                        w = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                        break
                    except OSError:  # ENXIO: no reader yet
                        time.sleep(0.02)
                if w is not None:
                    os.set_blocking(w, True)
                    os.write(w, pem)
                    os.close(w)
                stdout = proc.stdout.read()
                proc.wait(60)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            reader.join(10)
            proc.stdout.close()
            proc.stderr.close()
        stderr = "".join(err_lines)
        out = stdout + stderr
        sys.stderr.write(stderr)
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:", u["password"]):
            self.assertNotIn(bad, stderr, out)
        self.assertEqual(proc.returncode, 0, out)
        self.assertTrue(done_unread, "the other checks did not end while the first one's CA "
                        "file was unread:\n" + out)
        # two files: the FIFO and the lab CA, each loaded once for all checks
        self.assertIn("trust stores loaded: 2\n", stderr)
        done = {}
        for line in err_lines:
            if " done after " in line:
                host, ms = line.split(" done after ")
                done[host] = int(ms.split()[0])
        first = self.lab.scenario(SCENARIOS[0])["host"]
        got = {}
        for line in stdout.splitlines():
            host, status, codes = line.split(" ")
            got[host] = (status, sorted(set(codes.split(","))) if codes != "-" else [])
        # the others ended as themselves (not as timeouts behind the FIFO)
        for sc in others:
            want = sorted(set(sc["diagnoses"]))
            self.assertEqual(got.get(sc["host"]), (expected_status(want), want), out)
            self.assertLess(done[sc["host"]], done[first], out)
        # the slow store still judged the chain: healthy is OK
        self.assertEqual(got.get(first), ("ok", []), out)

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cancel-driver", required=True)
    ap.add_argument("--multi-driver", required=True)
    ap.add_argument("--krb-driver", required=True)
    args, rest = ap.parse_known_args()
    DRIVERS["krb"] = os.path.abspath(args.krb_driver)
    DRIVERS["cancel"] = os.path.abspath(args.cancel_driver)
    DRIVERS["multi"] = os.path.abspath(args.multi_driver)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
