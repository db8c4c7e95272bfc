"""Acceptance: the curl CLI (libcurl's NTLM, Basic and GSSAPI Negotiate) does
the RPC proxy echo against the lab: RPC_IN_DATA with Content-Length 4 (the
Remote Connectivity Analyzer's body f8 e8 18 08) -> 200 Success + the 20-byte
echo RTS PDU. Negotiate runs after a real kinit against the lab's MIT KDC.

Run: /usr/bin/python3 -m unittest -v test_curl   (from tests/lab)
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from fixture import Lab  # noqa: E402

ECHO = bytes.fromhex("0500140310000000140000000000000040000000")
ECHO_BODY = bytes.fromhex("f8e81808")
CURL = shutil.which("curl") or "/usr/bin/curl"
SCENARIOS = ["healthy", "auth_negotiate_only", "auth_basic_only"]


class CurlEcho(unittest.TestCase):
    lab = None

    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(SCENARIOS, net=12).start()
        cls.tmp = tempfile.mkdtemp(prefix="oalab-curl-")
        cls.body = os.path.join(cls.tmp, "echo.bin")
        with open(cls.body, "wb") as f:
            f.write(ECHO_BODY)
        kdc = cls.lab.data["kdc"]
        cls.krb_env = dict(os.environ)
        for k in list(cls.krb_env):
            if k.startswith("KRB5"):
                del cls.krb_env[k]
        cls.krb_env.update(kdc["client_env"])
        cls.krb_env["KRB5CCNAME"] = "FILE:" + os.path.join(cls.tmp, "ccache")

    @classmethod
    def tearDownClass(cls):
        if cls.lab is not None:
            cls.lab.stop()
            cls.lab.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def curl(self, scname, auth_args, method="RPC_IN_DATA", env=None, query="exch01.contoso.lab:6001"):
        sc = self.lab.scenario(scname)
        out = os.path.join(self.tmp, "out")
        hdr = os.path.join(self.tmp, "headers")
        for p in (out, hdr):
            if os.path.exists(p):
                os.unlink(p)
        url = "https://%s:%d/rpc/rpcproxy.dll?%s" % (sc["host"], sc["https_port"], query)
        cmd = [CURL, "-sS", "--max-time", "20", "--resolve",
               "%s:%d:%s" % (sc["host"], sc["https_port"], sc["address"]),
               "--cacert", self.lab.data["ca_bundle"], "-X", method,
               "-H", "Accept: application/rpc", "-H", "User-Agent: MSRPC",
               "-H", "Cache-Control: no-cache", "-H", "Pragma: No-cache",
               "--data-binary", "@" + self.body, "-o", out, "-D", hdr,
               "-w", "%{http_code}"] + auth_args + [url]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=40,
                           env=env or os.environ, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(hdr, "rb") as f:
            headers = f.read().decode("utf-8", errors="replace")
        body = b""
        if os.path.exists(out):
            with open(out, "rb") as f:
                body = f.read()
        return p.stdout.strip(), headers, body

    def assertEcho(self, code, headers, body):
        self.assertEqual(code, "200", headers)
        last = headers.strip().split("\r\n\r\n")[-1]
        self.assertTrue(last.startswith("HTTP/1.1 200 Success\r\n"), last)
        self.assertIn("Content-Type: application/rpc", last)
        self.assertIn("Content-Length: 20", last)
        self.assertEqual(body, ECHO)

    def _user(self):
        u = self.lab.user()
        return u["user"], u["password"]

    # ---------------------------------------------------------------- NTLM

    def test_ntlm_echo(self):
        user, pw = self._user()
        code, headers, body = self.curl("healthy", ["--ntlm", "-u", "CONTOSO\\%s:%s" % (user, pw)])
        self.assertEcho(code, headers, body)
        first = headers.split("\r\n\r\n")[0]
        self.assertTrue(first.startswith("HTTP/1.1 401 Unauthorized\r\n"), first)
        self.assertRegex(first, r"WWW-Authenticate: NTLM [A-Za-z0-9+/]+=*\r\n")
        # what libcurl 7.88 sends: an NTLMv2 response (checked by the lab's verifier)
        self.assertIn("NTLM ok for CONTOSO\\%s (NTLMv2)" % user, self.lab.log_text())

    def test_ntlm_echo_out_role(self):
        user, pw = self._user()
        code, headers, body = self.curl("healthy", ["--ntlm", "-u", "CONTOSO\\%s:%s" % (user, pw)],
                                        method="RPC_OUT_DATA")
        self.assertEcho(code, headers, body)

    def test_ntlm_wrong_password(self):
        user, _ = self._user()
        code, headers, body = self.curl("healthy", ["--ntlm", "-u", "CONTOSO\\%s:bad-pw" % user])
        self.assertEqual(code, "401")
        self.assertNotEqual(body, ECHO)

    # ---------------------------------------------------------------- Basic

    def test_basic_domain_user_echo(self):
        user, pw = self._user()
        code, headers, body = self.curl("healthy", ["--basic", "-u", "CONTOSO\\%s:%s" % (user, pw)])
        self.assertEcho(code, headers, body)

    def test_basic_only_host(self):
        user, pw = self._user()
        code, headers, body = self.curl("auth_basic_only", ["--anyauth", "-u",
                                                            "CONTOSO\\%s:%s" % (user, pw)])
        self.assertEcho(code, headers, body)
        self.assertIn('WWW-Authenticate: Basic realm="auth-basic-only.contoso.lab"', headers)

    def test_basic_wrong_password(self):
        user, _ = self._user()
        code, headers, _body = self.curl("healthy", ["--basic", "-u", "CONTOSO\\%s:nope" % user])
        self.assertEqual(code, "401")

    # ---------------------------------------------------------------- Negotiate

    def kinit(self):
        user, pw = self._user()
        p = subprocess.run(["kinit", "%s@%s" % (user, self.lab.data["domain"]["realm"])],
                           input=pw + "\n", capture_output=True, text=True, timeout=20,
                           env=self.krb_env)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_negotiate_echo_after_kinit(self):
        self.kinit()
        for sc in ("healthy", "auth_negotiate_only"):
            with self.subTest(scenario=sc):
                code, headers, body = self.curl(sc, ["--negotiate", "-u", ":"], env=self.krb_env)
                self.assertEcho(code, headers, body)
                self.assertRegex(headers, r"WWW-Authenticate: Negotiate [A-Za-z0-9+/]+=*\r\n")
        klist = subprocess.run(["klist"], capture_output=True, text=True, timeout=20,
                               env=self.krb_env)
        self.assertIn("HTTP/mail.contoso.lab@CONTOSO.LAB", klist.stdout)
        self.assertIn("Kerberos ok for %s@CONTOSO.LAB" % self._user()[0], self.lab.log_text())

    def test_negotiate_without_ticket_is_401(self):
        env = dict(self.krb_env)
        env["KRB5CCNAME"] = "FILE:" + os.path.join(self.tmp, "empty-ccache")
        code, headers, _ = self.curl("auth_negotiate_only", ["--negotiate", "-u", ":"], env=env)
        self.assertEqual(code, "401")
        self.assertIn("WWW-Authenticate: Negotiate\r\n", headers)

    def test_unauthenticated_401_offers_every_scheme(self):
        code, headers, _ = self.curl("healthy", [])
        self.assertEqual(code, "401")
        self.assertIn("HTTP/1.1 401 Unauthorized\r\n", headers)
        offers = [l for l in headers.split("\r\n") if l.startswith("WWW-Authenticate:")]
        self.assertEqual(offers, ["WWW-Authenticate: Negotiate", "WWW-Authenticate: NTLM",
                                  'WWW-Authenticate: Basic realm="mail.contoso.lab"'])


if __name__ == "__main__":
    unittest.main()
