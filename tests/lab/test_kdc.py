"""Self tests of tests/lab/kdc.py and tests/lab/negotiate.py.

Run from the repository root:  /usr/bin/python3 -m unittest tests/lab/test_kdc.py
Starts one real krb5kdc on 127.0.0.1 for the class (about 0.1 s) plus a few
short-lived ones for the failure cases; the whole file takes about 1-2 s.
"""

import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gssapi  # noqa: E402
import kdc  # noqa: E402
import negotiate  # noqa: E402

HOST = "mail.contoso.lab"
HOST2 = "legacy.contoso.lab"
ALICE = ("alice", "Alice-Lab-2003!")
SPNEGO = gssapi.OID.from_int_seq(negotiate.SPNEGO_OID)
KRB5 = gssapi.OID.from_int_seq(negotiate.KRB5_OID)


def initiator(k, ccache, target="HTTP@" + HOST, mech=SPNEGO):
    """A python3-gssapi initiator using the tickets in ccache."""
    creds = gssapi.Credentials(usage="initiate",
                               store={"ccache": "FILE:" + ccache})
    return gssapi.SecurityContext(
        name=gssapi.Name(target, gssapi.NameType.hostbased_service),
        creds=creds, usage="initiate", mech=mech,
        flags=[gssapi.RequirementFlag.mutual_authentication])


def handshake(ictx, acc, max_rounds=5):
    """Run initiator <-> acceptor to completion; returns (acceptor result,
    rounds). Bounded by max_rounds."""
    token = ictx.step()
    for rnd in range(1, max_rounds + 1):
        done, out, who = acc.step(token)
        if out is not None and not ictx.complete:
            ictx.step(out)
        if done:
            return (done, out, who), rnd
        token = ictx.step(out)
    raise AssertionError("no context after %d rounds" % max_rounds)


def _read(path):
    with open(path, "r", errors="replace") as f:
        return f.read()


def _bound_udp(port):
    """Local addresses with a UDP socket on port (from /proc/net/udp)."""
    addrs = []
    for f in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            lines = _read(f).splitlines()[1:]
        except OSError:
            continue
        for ln in lines:
            local = ln.split()[1]
            a, p = local.rsplit(":", 1)
            if int(p, 16) == port:
                addrs.append(a)
    return addrs


class KdcTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="oaprobe-kdc-test-")
        cls.kdc = kdc.LabKdc(state_dir=os.path.join(cls.tmp, "state"),
                             hosts=(HOST, HOST2), users=dict([ALICE]),
                             startup_timeout=10)
        t0 = time.monotonic()
        cls.kdc.start()
        sys.stderr.write("\n[kdc] start() %.3f s (setup + krb5kdc up)\n"
                         % (time.monotonic() - t0))

    @classmethod
    def tearDownClass(cls):
        cls.kdc.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.cc = os.path.join(self.tmp, "cc-%s" % self.id().rsplit(".", 1)[1])

    # ------------------------------------------------------------ setup

    def test_files_and_config(self):
        k = self.kdc
        self.assertTrue(k.running)
        self.assertEqual(k.state_dir, os.path.join(self.tmp, "state"))
        for p in (k.krb5_conf, k.kdc_conf, k.keytab, k.log_path):
            self.assertTrue(p.startswith(k.state_dir + os.sep), p)
            self.assertTrue(os.path.exists(p), p)
        conf = _read(k.krb5_conf)
        for line in ("default_realm = CONTOSO.LAB", "dns_lookup_kdc = false",
                     "dns_lookup_realm = false", "rdns = false",
                     "dns_canonicalize_hostname = false",
                     "kdc = 127.0.0.1:%d" % k.port, ".contoso.lab = CONTOSO.LAB"):
            self.assertIn(line, conf)
        kconf = _read(k.kdc_conf)
        self.assertIn("kdc_listen = 127.0.0.1:%d" % k.port, kconf)
        self.assertIn("kdc_tcp_listen = 127.0.0.1:%d" % k.port, kconf)
        self.assertNotIn("/etc/", conf + kconf)
        self.assertNotIn("/var/", conf + kconf)
        self.assertEqual(stat.S_IMODE(os.stat(k.keytab).st_mode), 0o600)
        self.assertEqual(k.principal("alice"), "alice@CONTOSO.LAB")
        self.assertEqual(k.service_principal(HOST),
                         "HTTP/mail.contoso.lab@CONTOSO.LAB")
        self.assertEqual(k.address, "127.0.0.1:%d" % k.port)

    def test_keytab_has_every_http_host(self):
        out = subprocess.run(["klist", "-k", k_path(self.kdc.keytab)],
                             capture_output=True, text=True, timeout=10,
                             env=self.kdc.client_env()).stdout
        for h in (HOST, HOST2):
            self.assertIn("HTTP/%s@CONTOSO.LAB" % h, out)

    def test_listens_on_loopback_127_0_0_1_only(self):
        port = self.kdc.port
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.2", port), timeout=2).close()
        self.assertEqual(_bound_udp(port), ["0100007F"])

    def test_env(self):
        k = self.kdc
        env = k.client_env(base={"PATH": "/usr/bin", "KRB5_TRACE": "/dev/null",
                                 "KRB5_KTNAME": "/etc/krb5.keytab"})
        self.assertEqual(env["KRB5_CONFIG"], k.krb5_conf)
        self.assertEqual(env["KRB5CCNAME"], "FILE:" + k.ccache)
        self.assertEqual(env["KRB5RCACHEDIR"], k.rcache_dir)
        self.assertNotIn("KRB5_KTNAME", env)
        self.assertEqual(env["PATH"], "/usr/bin")
        senv = k.server_env(base={})
        self.assertEqual(senv["KRB5_KTNAME"], "FILE:" + k.keytab)
        self.assertNotIn("KRB5CCNAME", senv)
        before = os.environ.get("KRB5_CONFIG")
        with k.apply_env() as vars_:
            self.assertEqual(os.environ["KRB5_CONFIG"], k.krb5_conf)
            self.assertEqual(vars_["KRB5CCNAME"], "FILE:" + k.ccache)
        self.assertEqual(os.environ.get("KRB5_CONFIG"), before)

    # ------------------------------------------------------------ kinit

    def test_kinit_right_password(self):
        cc = self.kdc.kinit(*ALICE, ccache=self.cc)
        self.assertEqual(cc, self.cc)
        self.assertEqual(self.kdc.klist(self.cc), "alice@CONTOSO.LAB")
        self.assertIn("alice@CONTOSO.LAB for krbtgt/CONTOSO.LAB@CONTOSO.LAB",
                      _read(self.kdc.log_path))

    def test_kinit_default_ccache_and_shell_env(self):
        self.kdc.kinit("alice@CONTOSO.LAB", ALICE[1])
        p = subprocess.run(["klist"], capture_output=True, text=True,
                           timeout=10, env=self.kdc.client_env())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("Default principal: alice@CONTOSO.LAB", p.stdout)

    def test_kinit_wrong_password(self):
        with self.assertRaises(kdc.KinitError) as cm:
            self.kdc.kinit("alice", "not-the-password", ccache=self.cc)
        self.assertEqual(cm.exception.returncode, 1)
        self.assertIn("Password incorrect", str(cm.exception))
        self.assertIsNone(self.kdc.klist(self.cc))
        self.assertIn("PREAUTH_FAILED", _read(self.kdc.log_path))

    def test_kinit_unknown_user(self):
        with self.assertRaises(kdc.KinitError) as cm:
            self.kdc.kinit("mallory", "x", ccache=self.cc)
        self.assertIn("not found", cm.exception.stderr)

    def test_add_user(self):
        self.assertEqual(self.kdc.add_user("bob", "Bob-Pass-1"),
                         "bob@CONTOSO.LAB")
        self.kdc.kinit("bob", "Bob-Pass-1", ccache=self.cc)
        self.assertEqual(self.kdc.klist(self.cc), "bob@CONTOSO.LAB")
        with self.assertRaises(kdc.KdcError):
            self.kdc.add_user("bad user", "x")
        with self.assertRaises(kdc.KdcError):
            self.kdc.add_user("carol", 'quote"d')

    # ------------------------------------------------------------ GSSAPI

    def _gss(self, mech, target="HTTP@" + HOST, principal=None):
        self.kdc.kinit(*ALICE, ccache=self.cc)
        with self.kdc.apply_env():
            ictx = initiator(self.kdc, self.cc, target, mech)
            acc = negotiate.NegotiateAcceptor(self.kdc.keytab, principal)
            (done, out, who), rounds = handshake(ictx, acc)
            return ictx, acc, done, out, who, rounds

    def test_spnego_initiator_against_acceptor(self):
        ictx, acc, done, out, who, rounds = self._gss(SPNEGO)
        self.assertTrue(done)
        self.assertEqual(who, "alice@CONTOSO.LAB")
        self.assertEqual(rounds, 1)
        self.assertIsNotNone(out)           # mutual-auth reply for the 200
        self.assertTrue(ictx.complete)
        self.assertTrue(acc.complete)
        self.assertTrue(acc.spnego)
        self.assertEqual(acc.mech, "krb5")
        self.assertEqual(acc.client_principal, "alice@CONTOSO.LAB")
        self.assertEqual(str(ictx.target_name), "HTTP/mail.contoso.lab@CONTOSO.LAB")
        # the established context works: wrap on one side, unwrap on the other
        msg = ictx.wrap(b"rpc", True).message
        self.assertEqual(acc.context.unwrap(msg).message, b"rpc")
        log = _read(self.kdc.log_path)
        self.assertIn("alice@CONTOSO.LAB for HTTP/mail.contoso.lab@CONTOSO.LAB",
                      log)

    def test_raw_krb5_initiator_and_named_principals(self):
        for principal in (None, "HTTP/mail.contoso.lab@CONTOSO.LAB",
                          "HTTP@mail.contoso.lab"):
            with self.subTest(principal):
                ictx, acc, done, out, who, _ = self._gss(KRB5, principal=principal)
                self.assertTrue(done and ictx.complete)
                self.assertFalse(acc.spnego)
                self.assertEqual(who, "alice@CONTOSO.LAB")

    def test_second_host_same_keytab(self):
        _, acc, done, _, who, _ = self._gss(SPNEGO, target="HTTP@" + HOST2)
        self.assertTrue(done)
        self.assertEqual(who, "alice@CONTOSO.LAB")

    def test_acceptor_bound_to_other_principal_rejects(self):
        self.kdc.kinit(*ALICE, ccache=self.cc)
        with self.kdc.apply_env():
            ictx = initiator(self.kdc, self.cc, "HTTP@" + HOST2, KRB5)
            acc = negotiate.NegotiateAcceptor(self.kdc.keytab,
                                              "HTTP/" + HOST + "@CONTOSO.LAB")
            with self.assertRaises(negotiate.NegotiateError) as cm:
                acc.step(ictx.step())
        self.assertEqual(cm.exception.kind, "gss")

    def test_acceptor_needs_no_krb5_env(self):
        """A server process need not export KRB5_CONFIG: the keytab and the
        replay cache go through the credential store."""
        self.kdc.kinit(*ALICE, ccache=self.cc)
        with self.kdc.apply_env():
            token = initiator(self.kdc, self.cc, mech=KRB5).step()
        saved = {k: os.environ.pop(k) for k in list(os.environ)
                 if k.startswith("KRB5")}
        try:
            for principal in (None, "HTTP/mail.contoso.lab@CONTOSO.LAB",
                              "HTTP@mail.contoso.lab"):
                with self.subTest(principal):
                    acc = negotiate.NegotiateAcceptor(self.kdc.keytab, principal,
                                                      rcache="none:")
                    self.assertEqual(acc.step(token)[2], "alice@CONTOSO.LAB")
        finally:
            os.environ.update(saved)

    def test_replayed_token_rejected(self):
        self.kdc.kinit(*ALICE, ccache=self.cc)
        with self.kdc.apply_env():
            ictx = initiator(self.kdc, self.cc)
            token = ictx.step()
            acc = negotiate.NegotiateAcceptor(self.kdc.keytab)
            self.assertTrue(acc.step(token)[0])
            with self.assertRaises(negotiate.NegotiateError) as cm:
                negotiate.NegotiateAcceptor(self.kdc.keytab).step(token)
            self.assertIn("replay", str(cm.exception))
            # replay detection can be switched off
            acc3 = negotiate.NegotiateAcceptor(self.kdc.keytab, rcache="none:")
            self.assertTrue(acc3.step(token)[0])

    def test_bad_tokens(self):
        kt = self.kdc.keytab
        cases = [(b"", "empty"), (b"garbage", "gss"),
                 (b"NTLMSSP\x00\x01\x00\x00\x00\x07\x82\x08\xa2", "ntlm"),
                 (b"\x60\x05\x06\x03\x2b\x06\x01", "gss"),
                 (b"\x60" + bytes(70000), "header")]
        # SPNEGO NegTokenInit offering only NTLM
        ntlm_oid = b"\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"
        mechs = b"\x30" + bytes([len(ntlm_oid)]) + ntlm_oid
        inner = b"\xa0" + bytes([len(mechs) + 2]) + b"\x30" + bytes([len(mechs)]) + mechs
        init = b"\xa0" + bytes([len(inner) + 2]) + b"\x30" + bytes([len(inner)]) + inner
        spnego_oid = b"\x06\x06\x2b\x06\x01\x05\x05\x02"
        body = spnego_oid + init
        cases.append((b"\x60" + bytes([len(body)]) + body, "ntlm"))
        with self.kdc.apply_env():
            for tok, kind in cases:
                with self.subTest(tok[:12]):
                    acc = negotiate.NegotiateAcceptor(kt)
                    with self.assertRaises(negotiate.NegotiateError) as cm:
                        acc.step(tok)
                    self.assertEqual(cm.exception.kind, kind, str(cm.exception))
                    self.assertTrue(str(cm.exception))
            acc = negotiate.NegotiateAcceptor(kt)
            with self.assertRaises(negotiate.NegotiateError):
                acc.step(b"garbage")
            with self.assertRaises(negotiate.NegotiateError) as cm:
                acc.step(b"garbage")
            self.assertEqual(cm.exception.kind, "state")
            with self.assertRaises(negotiate.NegotiateError) as cm:
                acc.step("text")
            self.assertEqual(cm.exception.kind, "header")

    def test_step_after_done(self):
        _, acc, done, _, _, _ = self._gss(SPNEGO)
        self.assertTrue(done)
        with self.assertRaises(negotiate.NegotiateError) as cm:
            acc.step(b"\x60\x00")
        self.assertEqual(cm.exception.kind, "state")

    def test_acceptor_config_errors(self):
        with self.assertRaises(negotiate.NegotiateError) as cm:
            negotiate.NegotiateAcceptor(os.path.join(self.tmp, "nope.keytab"))
        self.assertEqual(cm.exception.kind, "config")
        with self.assertRaises(negotiate.NegotiateError) as cm:
            negotiate.NegotiateAcceptor(self.kdc.keytab,
                                        "HTTP/other.contoso.lab@CONTOSO.LAB")
        self.assertEqual(cm.exception.kind, "config")
        self.assertIn("other.contoso.lab", str(cm.exception))
        with self.assertRaises(negotiate.NegotiateError):
            negotiate.NegotiateAcceptor("")

    def test_headers(self):
        self.assertEqual(negotiate.parse_authorization("Negotiate YWJj"), b"abc")
        self.assertEqual(negotiate.parse_authorization(b"negotiate  YWJj "), b"abc")
        for bad, kind in (("Basic YWJj", "header"), ("NTLM TlRMTVNTUAAB", "ntlm"),
                          ("Negotiate", "empty"), ("Negotiate !!!", "header"),
                          ("", "header"), (None, "header"),
                          ("Negotiate " + "A" * 100000, "header")):
            with self.subTest(bad):
                with self.assertRaises(negotiate.NegotiateError) as cm:
                    negotiate.parse_authorization(bad)
                self.assertEqual(cm.exception.kind, kind)
        self.assertEqual(negotiate.www_authenticate(None), "Negotiate")
        self.assertEqual(negotiate.www_authenticate(b"abc"), "Negotiate YWJj")

    def test_no_system_krb5_conf_needed(self):
        """Runs a full kinit + SPNEGO exchange in a child whose /etc/krb5.conf
        is hidden (private mount namespace; needs root and unshare)."""
        if os.geteuid() != 0 or not shutil.which("unshare"):
            self.skipTest("needs root and unshare")
        probe = subprocess.run(["unshare", "--mount", "true"],
                               capture_output=True, timeout=10)
        if probe.returncode != 0:
            self.skipTest("unshare --mount not permitted here")
        code = textwrap.dedent("""
            import os, sys
            sys.path.insert(0, %r)
            assert os.path.getsize("/etc/krb5.conf") == 0
            import test_kdc, kdc, negotiate
            with kdc.LabKdc(hosts=("mail.contoso.lab",)) as k:
                cc = k.kinit("alice", kdc.DEFAULT_USERS["alice"])
                with k.apply_env():
                    ictx = test_kdc.initiator(k, cc)
                    acc = negotiate.NegotiateAcceptor(k.keytab)
                    (done, out, who), _ = test_kdc.handshake(ictx, acc)
                print("OK", who)
        """ % HERE)
        hide = ("mount --bind /dev/null /etc/krb5.conf; " if
                os.path.exists("/etc/krb5.conf") else
                "mount -t tmpfs none /etc 2>/dev/null || exit 77; ")
        env = {k: v for k, v in os.environ.items() if not k.startswith("KRB5")}
        p = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             hide + 'exec /usr/bin/python3 -c "$0"', code],
            capture_output=True, text=True, timeout=30, env=env)
        if p.returncode == 77:
            self.skipTest("cannot hide /etc/krb5.conf")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("OK alice@CONTOSO.LAB", p.stdout)


def k_path(p):
    return "FILE:" + p


class KdcLifecycleTest(unittest.TestCase):
    def test_context_manager_temp_dir_and_stop(self):
        t0 = time.monotonic()
        with kdc.LabKdc() as k:
            sys.stderr.write("\n[kdc] temp-dir KDC up in %.3f s\n"
                             % k.startup_seconds)
            self.assertLess(k.startup_seconds, 5.0)
            d, port, pid = k.state_dir, k.port, k._proc.pid
            self.assertTrue(os.path.isdir(d))
            k.kinit(*next(iter(kdc.DEFAULT_USERS.items())))
        self.assertLess(time.monotonic() - t0, 8.0)
        self.assertFalse(os.path.exists(d))
        self.assertFalse(k.running)
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        self.assertFalse(os.path.exists("/proc/%d" % pid))   # reaped
        k.stop()  # idempotent
        with self.assertRaises(kdc.KdcError):
            k.kinit("alice", "x")

    def test_given_dir_port_and_restart(self):
        tmp = tempfile.mkdtemp(prefix="oaprobe-kdc-test2-")
        try:
            port = kdc._free_port()
            k = kdc.LabKdc(state_dir=tmp, port=port, realm="FABRIKAM.LAB",
                           hosts=("owa.fabrikam.lab",), users={"u1": "P1"})
            k.start()
            self.assertEqual(k.port, port)
            k.kinit("u1", "P1", ccache=os.path.join(tmp, "c1"))
            k.stop()
            self.assertTrue(os.path.exists(k.krb5_conf))   # dir kept
            k.start()                                      # fresh database
            k.kinit("u1", "P1", ccache=os.path.join(tmp, "c2"))
            self.assertEqual(k.klist(os.path.join(tmp, "c2")), "u1@FABRIKAM.LAB")
            k.stop()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_port_in_use_is_a_clear_error(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        try:
            k = kdc.LabKdc(port=s.getsockname()[1])
            t0 = time.monotonic()
            with self.assertRaises(kdc.KdcError) as cm:
                k.start()
            self.assertLess(time.monotonic() - t0, 5.0)
            self.assertIn("Address already in use", str(cm.exception))
            self.assertIn("127.0.0.1:%d" % s.getsockname()[1], str(cm.exception))
            self.assertFalse(k.running)
            self.assertIsNone(k.state_dir)  # temp dir removed
        finally:
            s.close()

    def test_startup_timeout_is_a_clear_error(self):
        tmp = tempfile.mkdtemp(prefix="oaprobe-kdc-test3-")
        fake = os.path.join(tmp, "krb5kdc")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\nexec sleep 30\n")
        os.chmod(fake, 0o755)
        real_tool = kdc._tool
        kdc._tool = lambda n: fake if n == "krb5kdc" else real_tool(n)
        try:
            k = kdc.LabKdc(startup_timeout=0.5)
            t0 = time.monotonic()
            with self.assertRaises(kdc.KdcError) as cm:
                k.start()
            dt = time.monotonic() - t0
            self.assertLess(dt, 3.0)
            self.assertIn("did not answer", str(cm.exception))
            self.assertIn("startup_timeout", str(cm.exception))
            self.assertFalse(k.running)
        finally:
            kdc._tool = real_tool
            shutil.rmtree(tmp, ignore_errors=True)

    def test_bad_arguments(self):
        for kw in ({"realm": "lower.lab"}, {"realm": "A B"}, {"hosts": ("bad host",)},
                   {"users": {"bad user": "x"}}, {"users": {"u": ""}},
                   {"users": {"u": "a\nb"}}, {"port": -1}, {"port": 70000},
                   {"startup_timeout": 0}, {"services": ("HT TP",)}):
            with self.subTest(kw):
                with self.assertRaises(kdc.KdcError):
                    kdc.LabKdc(**kw)
        with self.assertRaises(kdc.KdcError):
            kdc.LabKdc().krb5_conf   # not started


if __name__ == "__main__":
    unittest.main()
