"""Self tests of tests/lab/pki.py.

Run from the repository root:  /usr/bin/python3 -m unittest tests/lab/test_pki.py
Every scenario is checked three ways: `openssl verify` on the files, a real TLS
handshake on 127.0.0.1 with Python's ssl module, and `openssl s_client` against
the same kind of server (which also counts the certificates actually served).
"""

import datetime
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pki  # noqa: E402

HOST = "mail.contoso.lab"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
IO_TIMEOUT = 5.0


def _split_pem(path):
    with open(path, "r", encoding="ascii") as f:
        text = f.read()
    return re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n",
                      text, re.S)


def openssl_verify(ca, leaf, untrusted=(), host=None, extra=()):
    """Run openssl verify; returns (ok, error_number or None, output)."""
    tmp = None
    args = [OPENSSL, "verify", "-CAfile", ca]
    try:
        if untrusted:
            fd, tmp = tempfile.mkstemp(suffix=".pem")
            with os.fdopen(fd, "w") as f:
                f.write("".join(untrusted))
            args += ["-untrusted", tmp]
        if host:
            args += ["-verify_hostname", host]
        args += list(extra) + [leaf]
        p = subprocess.run(args, capture_output=True, text=True, timeout=10)
    finally:
        if tmp:
            os.unlink(tmp)
    out = p.stdout + p.stderr
    m = re.search(r"error (\d+) at \d+ depth", out)
    return p.returncode == 0, (int(m.group(1)) if m else None), out


class _OneShotServer:
    """TLS server on 127.0.0.1 that handshakes with up to `count` clients."""

    def __init__(self, ctx, count=1):
        self.ctx = ctx
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(count)
        self.sock.settimeout(IO_TIMEOUT)
        self.port = self.sock.getsockname()[1]
        self.count = count
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        for _ in range(self.count):
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(IO_TIMEOUT)
            try:
                with self.ctx.wrap_socket(conn, server_side=True) as t:
                    t.sendall(b"ok")
                    t.recv(16)
            except (OSError, ssl.SSLError):
                pass
            finally:
                conn.close()

    def close(self):
        self.sock.close()
        self.thread.join(IO_TIMEOUT)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def tls_connect(port, cafile, host=HOST, common_name_fallback=True):
    """Python client: returns (ok, verify_code or None, message)."""
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.hostname_checks_common_name = common_name_fallback
    try:
        with socket.create_connection(("127.0.0.1", port),
                                      timeout=IO_TIMEOUT) as s:
            with ctx.wrap_socket(s, server_hostname=host) as t:
                t.recv(2)
                return True, None, t.version()
    except ssl.SSLCertVerificationError as e:
        return False, e.verify_code, e.verify_message


def s_client(port, cafile, host=HOST):
    """openssl s_client (not aborting on verify errors): returns
    (final verify return code, message, certificates served)."""
    p = subprocess.run(
        [OPENSSL, "s_client", "-connect", "127.0.0.1:%d" % port,
         "-servername", host, "-verify_hostname", host, "-CAfile", cafile,
         "-showcerts"],
        input="", capture_output=True, text=True, timeout=10)
    out = p.stdout + p.stderr
    m = re.search(r"Verify return code: (\d+) \((.*)\)", out)
    served = out.count("-----BEGIN CERTIFICATE-----")
    if not m:
        return None, out, served
    return int(m.group(1)), m.group(2), served


def _read(path):
    with open(path, "rb") as f:
        return f.read()


class PkiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="oaprobe-pki-test-")
        cls.dir = os.path.join(cls.tmp, "pki")
        t0 = time.monotonic()
        cls.lab = pki.ensure_pki(cls.dir, names=(HOST, "autodiscover.contoso.lab"),
                                 expiring_days=5)
        cls.build_s = time.monotonic() - t0
        sys.stderr.write("\n[pki] first build %.3f s\n" % cls.build_s)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # ------------------------------------------------------------ basics

    def test_build_fast_and_cached(self):
        self.assertLess(self.build_s, 2.0)
        mtimes = {f: os.stat(os.path.join(self.dir, f)).st_mtime_ns
                  for f in os.listdir(self.dir)}
        t0 = time.monotonic()
        again = pki.ensure_pki(self.dir, names=(HOST, "autodiscover.contoso.lab"),
                               expiring_days=5)
        dt = time.monotonic() - t0
        sys.stderr.write("[pki] cached call %.4f s\n" % dt)
        self.assertLess(dt, 0.1)
        self.assertEqual(again, self.lab)
        for f, m in mtimes.items():
            self.assertEqual(os.stat(os.path.join(self.dir, f)).st_mtime_ns, m, f)

    def test_layout(self):
        lab = self.lab
        self.assertEqual(set(lab.scenarios), set(pki.SCENARIOS))
        self.assertEqual(lab.host, HOST)
        self.assertEqual(len(_split_pem(lab.ca_bundle)), 1)
        self.assertEqual(len(_split_pem(lab.chain_bundle)), 2)
        with open(lab.ca_bundle, "rb") as a, open(lab.root_cert, "rb") as b:
            self.assertEqual(a.read(), b.read())
        root = pki.x509.load_pem_x509_certificate(_read(lab.root_cert))
        self.assertIn("CN=" + pki.ROOT_CN, root.subject.rfc4514_string())
        served = {"healthy": 2, "expired": 2, "expiring": 2, "wrong_name": 2,
                  "self_signed": 1, "chain_missing": 1, "untrusted": 2,
                  "cn_only": 2}
        for name, s in lab.scenarios.items():
            self.assertEqual(len(_split_pem(s.certfile)), served[name], name)
            self.assertEqual(s.served, served[name], name)
            self.assertEqual(oct(os.stat(s.keyfile).st_mode & 0o777), "0o600")
            cert = pki.x509.load_pem_x509_certificate(_read(s.leaf))
            self.assertIsInstance(cert.signature_hash_algorithm, pki.hashes.SHA256)
            self.assertEqual(cert.not_valid_after.replace(
                tzinfo=datetime.timezone.utc), s.not_after)
            # key matches the certificate
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*lab.paths(name)[:2])

    def test_san(self):
        def san(name):
            c = pki.x509.load_pem_x509_certificate(
                _read(self.lab.scenarios[name].leaf))
            try:
                ext = c.extensions.get_extension_for_class(
                    pki.x509.SubjectAlternativeName)
            except pki.x509.ExtensionNotFound:
                return None
            return ext.value.get_values_for_type(pki.x509.DNSName)
        self.assertEqual(san("healthy"), [HOST, "autodiscover.contoso.lab"])
        self.assertNotIn(HOST, san("wrong_name"))
        self.assertIsNone(san("cn_only"))
        self.assertEqual(self.lab.scenarios["cn_only"].common_name, HOST)

    def test_dates(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        s = self.lab.scenarios
        for name in ("healthy", "wrong_name", "self_signed", "chain_missing",
                     "untrusted", "cn_only", "expiring"):
            self.assertLess(s[name].not_before, now - datetime.timedelta(minutes=30))
            self.assertGreater(s[name].not_after, now)
        self.assertLess(s["expired"].not_before, now)
        self.assertLess(s["expired"].not_after, now - datetime.timedelta(days=29))
        left = (s["expiring"].not_after - now).total_seconds() / 86400
        self.assertEqual(int(left), 5)
        self.assertGreater(s["healthy"].not_after - now, datetime.timedelta(days=300))

    # ------------------------------------------------------------ openssl verify

    def _verify_served(self, name, ca=None, host=HOST, extra=()):
        s = self.lab.scenarios[name]
        chain = _split_pem(s.certfile)
        return openssl_verify(ca or self.lab.ca_bundle, s.leaf, chain[1:],
                              host, extra)

    def test_openssl_verify_claims(self):
        for name, s in self.lab.scenarios.items():
            with self.subTest(name):
                ok, err, out = self._verify_served(name)
                self.assertEqual(ok, s.verify_code is None, out)
                self.assertEqual(err, s.verify_code, out)

    def test_healthy_needs_the_served_intermediate(self):
        ok, err, out = openssl_verify(self.lab.ca_bundle,
                                      self.lab.scenarios["healthy"].leaf, (), HOST)
        self.assertFalse(ok)
        self.assertEqual(err, 20, out)

    def test_chain_missing_is_only_the_intermediate(self):
        leaf = self.lab.scenarios["chain_missing"].leaf
        inter = _split_pem(self.lab.intermediate_cert)
        self.assertTrue(openssl_verify(self.lab.ca_bundle, leaf, inter, HOST)[0])
        self.assertTrue(openssl_verify(self.lab.chain_bundle, leaf, (), HOST)[0])

    def test_untrusted_and_self_signed_fail_even_with_chain_bundle(self):
        for name in ("untrusted", "self_signed"):
            ok, err, out = self._verify_served(name, ca=self.lab.chain_bundle)
            self.assertFalse(ok, out)
            self.assertIn(err, (18, 19), out)
        # ...and verify against their own root: only the trust is wrong
        ok, _, out = self._verify_served("untrusted",
                                         ca=self.lab.untrusted_root_cert)
        self.assertTrue(ok, out)
        s = self.lab.scenarios["self_signed"]
        self.assertTrue(openssl_verify(s.leaf, s.leaf, (), HOST)[0])

    def test_expired_is_only_expired(self):
        s = self.lab.scenarios["expired"]
        mid = s.not_before + (s.not_after - s.not_before) / 2
        ok, err, out = self._verify_served(
            "expired", extra=("-attime", str(int(mid.timestamp()))))
        self.assertTrue(ok, out)

    def test_wrong_name_is_only_the_name(self):
        ok, _, out = self._verify_served("wrong_name", host="wrong.fabrikam.lab")
        self.assertTrue(ok, out)
        ok, _, out = self._verify_served("healthy", host="other.contoso.lab")
        self.assertFalse(ok, out)

    # ------------------------------------------------------------ live TLS

    def test_python_tls_handshake_claims(self):
        for name, s in self.lab.scenarios.items():
            with self.subTest(name):
                with _OneShotServer(self.lab.server_context(name)) as srv:
                    ok, code, msg = tls_connect(srv.port, self.lab.ca_bundle)
                self.assertEqual(ok, s.verify_code is None, msg)
                self.assertEqual(code, s.verify_code, msg)

    def test_cn_only_fails_without_cn_fallback(self):
        with _OneShotServer(self.lab.server_context("cn_only")) as srv:
            ok, code, msg = tls_connect(srv.port, self.lab.ca_bundle,
                                        common_name_fallback=False)
        self.assertFalse(ok)
        self.assertEqual(code, 62, msg)

    def test_chain_missing_handshake_ok_for_client_with_intermediate(self):
        with _OneShotServer(self.lab.server_context("chain_missing")) as srv:
            ok, code, msg = tls_connect(srv.port, self.lab.chain_bundle)
        self.assertTrue(ok, msg)

    def test_openssl_s_client_claims(self):
        # s_client keeps going after the first error, so its final code for
        # a lone leaf is 21 "unable to verify the first certificate" where an
        # aborting client (curl, Python, oaprobe) stops at 20.
        expect = {None: (0, "ok"),
                  10: (10, "certificate has expired"),
                  62: (62, "hostname mismatch"),
                  18: (18, "self-signed certificate"),
                  20: (21, "unable to verify the first certificate"),
                  19: (19, "self-signed certificate in certificate chain")}
        for name, s in self.lab.scenarios.items():
            with self.subTest(name):
                with _OneShotServer(self.lab.server_context(name)) as srv:
                    code, msg, served = s_client(srv.port, self.lab.ca_bundle)
                self.assertEqual((code, msg), expect[s.verify_code])
                self.assertEqual(served, s.served, name)

    # ------------------------------------------------------------ cache rules

    def test_expiring_reissued_when_stale_key_kept(self):
        d = os.path.join(self.tmp, "stale")
        lab = pki.ensure_pki(d, expiring_days=7)
        key = _read(lab.scenarios["expiring"].keyfile)
        healthy = _read(lab.scenarios["healthy"].leaf)
        old_exp = _read(lab.scenarios["expiring"].leaf)
        mpath = os.path.join(d, "manifest.json")
        with open(mpath) as f:
            m = json.load(f)
        m["certs"]["expiring"]["issued"] -= 3600
        with open(mpath, "w") as f:
            json.dump(m, f)
        lab2 = pki.ensure_pki(d, expiring_days=7)
        self.assertNotEqual(_read(lab2.scenarios["expiring"].leaf),
                            old_exp)
        self.assertEqual(_read(lab2.scenarios["expiring"].keyfile), key)
        self.assertEqual(_read(lab2.scenarios["healthy"].leaf), healthy)
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(
            *lab2.paths("expiring")[:2])

    def test_param_change_and_missing_file_reissue(self):
        d = os.path.join(self.tmp, "params")
        pki.ensure_pki(d, names=("a.contoso.lab",))
        lab = pki.ensure_pki(d, names=("b.contoso.lab",), expiring_days=2)
        self.assertEqual(lab.scenarios["healthy"].names, ("b.contoso.lab",))
        self.assertEqual(int((lab.scenarios["expiring"].not_after -
                              datetime.datetime.now(datetime.timezone.utc))
                             .total_seconds() // 86400), 2)
        os.unlink(lab.scenarios["untrusted"].certfile)
        lab = pki.ensure_pki(d, names=("b.contoso.lab",), expiring_days=2)
        self.assertTrue(os.path.exists(lab.scenarios["untrusted"].certfile))
        # a lost key re-issues what depends on it (never a key/cert mismatch)
        os.unlink(lab.scenarios["healthy"].keyfile)
        os.unlink(os.path.join(d, "intermediate-ca.key"))
        lab = pki.ensure_pki(d, names=("b.contoso.lab",), expiring_days=2)
        for name in ("healthy", "expiring", "chain_missing"):
            ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(
                *lab.paths(name)[:2])
            ok, _, out = openssl_verify(lab.ca_bundle, lab.scenarios[name].leaf,
                                        _split_pem(lab.intermediate_cert),
                                        "b.contoso.lab")
            self.assertTrue(ok, out)
        ok, err, out = openssl_verify(lab.ca_bundle, lab.scenarios["healthy"].leaf,
                                      _split_pem(lab.intermediate_cert),
                                      "b.contoso.lab")
        self.assertTrue(ok, out)

    def test_concurrent_builds(self):
        d = os.path.join(self.tmp, "conc")
        results, errors = [], []

        def go():
            try:
                results.append(pki.ensure_pki(d))
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)
        ts = [threading.Thread(target=go) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 4)
        self.assertTrue(all(r == results[0] for r in results))
        ok, _, out = openssl_verify(results[0].ca_bundle,
                                    results[0].scenarios["healthy"].leaf,
                                    _split_pem(results[0].intermediate_cert), HOST)
        self.assertTrue(ok, out)

    def test_rsa(self):
        d = os.path.join(self.tmp, "rsa")
        t0 = time.monotonic()
        lab = pki.ensure_pki(d, key_type="rsa")
        sys.stderr.write("[pki] rsa build %.3f s\n" % (time.monotonic() - t0))
        k = pki._load_key(lab.scenarios["healthy"].keyfile)
        self.assertIsInstance(k, pki.rsa.RSAPrivateKey)
        self.assertEqual(k.key_size, 2048)
        with _OneShotServer(lab.server_context("healthy")) as srv:
            ok, code, msg = tls_connect(srv.port, lab.ca_bundle)
        self.assertTrue(ok, msg)
        ok, err, _ = openssl_verify(lab.ca_bundle, lab.scenarios["expired"].leaf,
                                    _split_pem(lab.intermediate_cert), HOST)
        self.assertEqual(err, 10)

    def test_bad_arguments(self):
        d = os.path.join(self.tmp, "bad")
        for kw in ({"names": ()}, {"names": ("bad name",)}, {"names": (None,)},
                   {"key_type": "dsa"}, {"expiring_days": -1},
                   {"expiring_days": "5"}, {"expired_days_ago": 0},
                   {"wrong_names": ("mail.contoso.lab",),
                    "names": ("mail.contoso.lab",)}):
            with self.subTest(kw):
                with self.assertRaises(pki.PkiError):
                    pki.ensure_pki(d, **kw)
        with self.assertRaises(pki.PkiError):
            pki.ensure_pki("")
        with self.assertRaises(pki.PkiError):
            pki.scenario_paths(d, "nope")
        with self.assertRaises(KeyError):
            self.lab.paths("nope")
        cert, key, ca = pki.scenario_paths(os.path.join(self.tmp, "sp"), "healthy")
        self.assertTrue(os.path.exists(cert) and os.path.exists(key)
                        and os.path.exists(ca))


if __name__ == "__main__":
    unittest.main()
