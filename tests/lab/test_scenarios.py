"""Every scenario of scenarios.yaml shows the behaviour it claims: status lines,
headers and bytes, seen by a byte-level client (labclient.py). All scenarios
run at once in one lab, each on its own loopback address.

Run: /usr/bin/python3 -m unittest -v test_scenarios   (from tests/lab)
"""

import datetime
import os
import socket
import ssl
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import labconfig  # noqa: E402
import rts  # noqa: E402
from fixture import Lab  # noqa: E402
from labclient import (ECHO_BODY, IN_CL, Conn, Tunnel, av_pairs,  # noqa: E402
                       basic_header, bind_pdu, bind_result, challenge_from, ntlm_header,
                       ntlm_legs, ntlm_type1)

ECHO = bytes.fromhex("0500140310000000140000000000000040000000")
A3 = bytes.fromhex("05001403100000001c00000000000000000001000200000" "0c0d40100")
C2 = bytes.fromhex("05001403100000002c000000000000000000030006000000010000000000000000000100"
                   "02000000c0d40100")
PING = bytes.fromhex("0500140310000000140000000000000001000000")
TARGET = "/rpc/rpcproxy.dll?exch01.contoso.lab:6001"


class Scenarios(unittest.TestCase):
    lab = None

    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(["all"], net=13).start()
        u = cls.lab.user()
        cls.user, cls.pw, cls.dom = u["user"], u["password"], u["domain"]

    @classmethod
    def tearDownClass(cls):
        if cls.lab is not None:
            cls.lab.stop()
            cls.lab.cleanup()

    # ---------------------------------------------------------------- helpers

    def sc(self, name):
        return self.lab.scenario(name)

    def conn(self, name, tls=True, timeout=10.0, cafile=None):
        sc = self.sc(name)
        c = Conn(sc["address"], sc["https_port"] if tls else sc["http_port"], tls=tls,
                 host=sc["host"], timeout=timeout, cafile=cafile)
        self.addCleanup(c.close)
        return c

    def unauth(self, name, tls=True, target=TARGET):
        c = self.conn(name, tls)
        c.request("RPC_IN_DATA", target, body=ECHO_BODY)
        return c.response()

    def ntlm_echo(self, name, tls=True, password=None, method="RPC_IN_DATA"):
        c = self.conn(name, tls)
        r1, chal = ntlm_legs(c, method, TARGET, self.user, password or self.pw, self.dom,
                             4, body=ECHO_BODY)
        if chal is None:
            return r1, None
        return r1, c.response()

    def basic_echo(self, name, user=None, domain="CONTOSO", password=None):
        c = self.conn(name)
        c.request("RPC_IN_DATA", TARGET,
                  [basic_header(user or self.user, password or self.pw, domain)], body=ECHO_BODY)
        return c.response()

    def tunnel(self, name, server="EXCH01", port=6004, auth="ntlm", tls=True):
        sc = self.sc(name)
        t = Tunnel(sc, server, port, self.user, self.pw, self.dom, auth=auth, tls=tls)
        self.addCleanup(t.close)
        self.assertEqual(t.in_auth[0], "HTTP/1.1 100 Continue")
        self.assertEqual(t.out_auth[0], "HTTP/1.1 100 Continue")
        t.start()
        return t

    def assertEchoResponse(self, r, reason="Success"):
        self.assertEqual(r.status_line, "HTTP/1.1 200 %s" % reason)
        self.assertEqual(r.header("Content-Type"), "application/rpc")
        self.assertEqual(r.header("Content-Length"), "20")
        self.assertEqual(r.body, ECHO)

    def assertTunnelUp(self, t, port=6004, iface="NSPI"):
        self.assertEqual(t.out_status, "HTTP/1.1 200 Success")
        self.assertEqual(dict(t.out_headers)["Content-Type"], "application/rpc")
        self.assertEqual(dict(t.out_headers)["Content-Length"], "1073741824")
        self.assertEqual(t.read_out_pdu(), A3)
        self.assertEqual(t.read_out_pdu(), C2)
        ack, skipped = t.bind(iface)
        self.assertEqual(skipped, [])
        self.assertEqual(bind_result(ack), (12, [(0, 0)]))
        self.assertIn(b"%d\x00" % port, ack)       # secondary address = the port

    def assert503(self, name, server, port):
        t = self.tunnel(name, server, port)
        self.assertEqual(t.out_status, "HTTP/1.0 503 RPC Error: 6ba")
        self.assertEqual(t.outc.read_until_close(), b"")
        status, _h, _raw = t.inc.read_head()
        self.assertEqual(status, "HTTP/1.0 503 RPC Error: 6ba")

    def offers(self, r):
        return r.all("WWW-Authenticate")

    def tls_error(self, name, host=None):
        sc = self.sc(name)
        ctx = ssl.create_default_context(cafile=self.lab.data["ca_bundle"])
        raw = socket.create_connection((sc["address"], sc["https_port"]), timeout=10)
        try:
            with ctx.wrap_socket(raw, server_hostname=host or sc["host"]) as s:
                return None, s.getpeercert()
        except ssl.SSLCertVerificationError as e:
            return e.verify_code, None
        finally:
            raw.close()

    def served_chain(self, name):
        sc = self.sc(name)
        p = subprocess.run(["openssl", "s_client", "-connect",
                            "%s:%d" % (sc["address"], sc["https_port"]),
                            "-servername", sc["host"], "-showcerts"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
        return p.stdout.count("-----BEGIN CERTIFICATE-----")

    # ---------------------------------------------------------------- meta

    def test_every_scenario_has_a_test(self):
        names = labconfig.load(os.path.join(HERE, "scenarios.yaml")).names()
        missing = [n for n in names if not hasattr(self, "test_" + n)]
        self.assertEqual(missing, [])
        self.assertEqual(sorted(self.lab.data["scenarios"]), sorted(names))
        addrs = [s["address"] for s in self.lab.data["scenarios"].values() if s["address"]]
        self.assertEqual(len(addrs), len(set(addrs)), "one loopback address per scenario")

    # ---------------------------------------------------------------- scenarios

    def test_dns_failed(self):
        e = self.sc("dns_failed")
        self.assertEqual((e["host"], e["address"], e["resolvable"]),
                         ("nowhere.contoso.lab", None, False))
        self.assertEqual((e["https_port"], e["curl_resolve"], e["diagnoses"]),
                         (None, [], ["dns_failed"]))
        self.assertNotIn("nowhere.contoso.lab", self.lab.host_map())
        for other in self.lab.data["scenarios"].values():
            self.assertNotIn("nowhere.contoso.lab", other.get("names", {}))

    def test_healthy(self):
        r = self.unauth("healthy")
        self.assertEqual(r.status_line, "HTTP/1.1 401 Unauthorized")
        self.assertEqual(self.offers(r), ["Negotiate", "NTLM", 'Basic realm="mail.contoso.lab"'])
        self.assertEqual(r.header("Server"), "Microsoft-IIS/6.0")
        self.assertIn(b"401 - Unauthorized: Access is denied due to invalid credentials.", r.body)
        # NTLM challenge AV pairs
        c = self.conn("healthy")
        c.request("RPC_IN_DATA", TARGET, [ntlm_header(ntlm_type1().getData())], cl=0)
        r = c.response()
        self.assertEqual(r.status_line, "HTTP/1.1 401 Unauthorized")
        av = av_pairs(challenge_from(r))
        self.assertEqual(av[1].decode("utf-16le"), "EXCH01")
        self.assertEqual(av[2].decode("utf-16le"), "CONTOSO")
        self.assertEqual(av[3].decode("utf-16le"), "exch01.contoso.lab")
        self.assertEqual(av[4].decode("utf-16le"), "contoso.lab")
        self.assertEqual(len(av[7]), 8)
        # echo: NTLM, both roles, Content-Length 0 and 16
        _r1, r = self.ntlm_echo("healthy")
        self.assertEchoResponse(r)
        _r1, r = self.ntlm_echo("healthy", method="RPC_OUT_DATA")
        self.assertEchoResponse(r)
        for body in (b"", b"x" * 16):
            c = self.conn("healthy")
            c.request("RPC_IN_DATA", TARGET, [basic_header(self.user, self.pw, "CONTOSO")], body=body)
            self.assertEchoResponse(c.response())
        # NTLM is bound to the connection: a second echo on it needs no Authorization
        c = self.conn("healthy")
        ntlm_legs(c, "RPC_IN_DATA", TARGET, self.user, self.pw, self.dom, 4, body=ECHO_BODY)
        self.assertEchoResponse(c.response())
        c.request("RPC_IN_DATA", TARGET, body=ECHO_BODY)
        self.assertEchoResponse(c.response())
        # a Content-Length that is neither echo nor channel
        c = self.conn("healthy")
        c.request("RPC_IN_DATA", TARGET, [basic_header(self.user, self.pw, "CONTOSO")], body=b"y" * 17)
        self.assertEqual(c.response().code, 400)
        # the tunnel, byte for byte, on every port
        for port, iface in ((6001, "EMSMDB"), (6002, "RFR"), (6004, "NSPI")):
            for server in ("EXCH01", "exch01.contoso.lab"):
                with self.subTest(server=server, port=port):
                    self.assertTunnelUp(self.tunnel("healthy", server, port), port, iface)
        # a verifying TLS client with the lab CA; ALPN http/1.1 only
        code, cert = self.tls_error("healthy")
        self.assertIsNone(code)
        c = self.conn("healthy", cafile=self.lab.data["ca_bundle"])
        self.assertEqual(c.sock.selected_alpn_protocol(), "http/1.1")
        self.assertEqual(self.served_chain("healthy"), 2)
        # the backends are not on the host address
        sc = self.sc("healthy")
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection((sc["address"], sc["backends"][0]["bind_port"]), timeout=5)

    def test_healthy_refuses_malformed_requests(self):
        """http.sys-style 400s for what a broken client or middlebox might send."""
        cases = [
            (b"RPC_IN_DATA /rpc/rpcproxy.dll HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000
             + b"\r\n\r\n", b"Request Too Long"),
            (b"garbage\r\n\r\n", b"The request is badly formed."),
            (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", b"The request is badly formed."),
            (b"RPC_IN_DATA /rpc/rpcproxy.dll HTTP/1.1\r\nContent-Length: 4x\r\n\r\n", b""),
            (b"RPC_IN_DATA /rpc/rpcproxy.dll HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", b""),
        ]
        for raw, text in cases:
            with self.subTest(raw=raw[:40]):
                c = self.conn("healthy")
                c.send(raw)
                r = c.response()
                self.assertEqual(r.status_line, "HTTP/1.1 400 Bad Request")
                self.assertIn(text, r.body)
                self.assertEqual(r.header("Connection"), "close")
                self.assertEqual(c.read_until_close(), b"")

    def test_acl_fqdn_missing(self):
        for port in (6001, 6002, 6004):
            self.assert503("acl_fqdn_missing", "exch01.contoso.lab", port)
        self.assertTunnelUp(self.tunnel("acl_fqdn_missing", "EXCH01", 6004))

    def test_acl_netbios_missing(self):
        self.assert503("acl_netbios_missing", "EXCH01", 6004)
        self.assert503("acl_netbios_missing", "exch01", 6001)
        self.assertTunnelUp(self.tunnel("acl_netbios_missing", "exch01.contoso.lab", 6004))

    def test_acl_empty(self):
        for server in ("EXCH01", "exch01.contoso.lab"):
            for port in (6001, 6002, 6004):
                self.assert503("acl_empty", server, port)

    def test_acl_e2003_rtm(self):
        for server in ("EXCH01", "exch01.contoso.lab"):
            self.assert503("acl_e2003_rtm", server, 6002)
            self.assertTunnelUp(self.tunnel("acl_e2003_rtm", server, 6001), 6001, "EMSMDB")
            self.assertTunnelUp(self.tunnel("acl_e2003_rtm", server, 6004), 6004, "NSPI")

    def test_acl_renamed(self):
        c = self.conn("acl_renamed")
        c.request("RPC_IN_DATA", TARGET, [ntlm_header(ntlm_type1().getData())], cl=0)
        self.assertEqual(av_pairs(challenge_from(c.response()))[1].decode("utf-16le"), "EXCH01")
        self.assert503("acl_renamed", "EXCH01", 6004)
        self.assert503("acl_renamed", "exch01.contoso.lab", 6004)
        self.assertTunnelUp(self.tunnel("acl_renamed", "OLDEXCH", 6004))

    def test_acl_wildcard(self):
        self.assertTunnelUp(self.tunnel("acl_wildcard", "EXCH01", 6004))
        self.assertTunnelUp(self.tunnel("acl_wildcard", "ExCh01.CONTOSO.lab", 6002), 6002, "RFR")
        self.assert503("acl_wildcard", self.sc("acl_wildcard")["backend_address"], 6004)

    def test_backend_down_6004(self):
        self.assert503("backend_down_6004", "EXCH01", 6004)
        self.assert503("backend_down_6004", "exch01.contoso.lab", 6004)
        self.assertTunnelUp(self.tunnel("backend_down_6004", "EXCH01", 6001), 6001, "EMSMDB")
        self.assertTunnelUp(self.tunnel("backend_down_6004", "EXCH01", 6002), 6002, "RFR")

    def test_backend_no_banner(self):
        self.assert503("backend_no_banner", "EXCH01", 6004)
        sc = self.sc("backend_no_banner")
        b = [x for x in sc["backends"] if x["port"] == 6004][0]
        s = socket.create_connection((sc["backend_address"], b["bind_port"]), timeout=5)
        self.addCleanup(s.close)
        s.settimeout(0.5)
        with self.assertRaises(socket.timeout):
            s.recv(14)
        self.assertTunnelUp(self.tunnel("backend_no_banner", "EXCH01", 6001), 6001, "EMSMDB")

    def test_bind_rejected(self):
        t = self.tunnel("bind_rejected", "EXCH01", 6004)
        self.assertEqual(t.out_status, "HTTP/1.1 200 Success")
        self.assertEqual(t.read_out_pdu(), A3)
        self.assertEqual(t.read_out_pdu(), C2)
        ack, _ = t.bind("NSPI")
        self.assertEqual(bind_result(ack), (12, [(2, 1)]))

    def test_no_rpcproxy(self):
        r = self.unauth("no_rpcproxy")
        self.assertEqual(r.status_line, "HTTP/1.1 404 Not Found")
        self.assertEqual(self.offers(r), [])
        self.assertIn(b"404 - File or directory not found.", r.body)
        _r1, r = self.ntlm_echo("no_rpcproxy")
        self.assertIsNone(r)
        self.assertEqual(_r1.code, 404)

    def test_ssl_required(self):
        r = self.unauth("ssl_required", tls=False)
        self.assertEqual(r.status_line, "HTTP/1.1 403 Forbidden")
        self.assertIn(b"403.4 - Forbidden: SSL is required to view this resource.", r.body)
        c = self.conn("ssl_required", tls=False)
        c.request("RPC_IN_DATA", TARGET, [basic_header(self.user, self.pw, "CONTOSO")],
                  body=ECHO_BODY)
        self.assertEqual(c.response().code, 403)
        self.assertEqual(self.unauth("ssl_required").code, 401)
        self.assertEchoResponse(self.ntlm_echo("ssl_required")[1])

    def test_ssl_offloaded(self):
        _r1, r = self.ntlm_echo("ssl_offloaded", tls=False)
        self.assertEchoResponse(r)
        self.assertTunnelUp(self.tunnel("ssl_offloaded", "EXCH01", 6004, tls=False))

    def test_auth_basic_only(self):
        r = self.unauth("auth_basic_only")
        self.assertEqual(self.offers(r), ['Basic realm="auth-basic-only.contoso.lab"'])
        r1, r = self.ntlm_echo("auth_basic_only")
        self.assertIsNone(r)
        self.assertEqual(r1.code, 401)
        self.assertEqual(self.offers(r1), ['Basic realm="auth-basic-only.contoso.lab"'])
        self.assertEchoResponse(self.basic_echo("auth_basic_only"))

    def test_auth_ntlm_only(self):
        self.assertEqual(self.offers(self.unauth("auth_ntlm_only")), ["NTLM"])
        r = self.basic_echo("auth_ntlm_only")
        self.assertEqual(r.code, 401)
        self.assertEqual(self.offers(r), ["NTLM"])
        self.assertEchoResponse(self.ntlm_echo("auth_ntlm_only")[1])

    def test_auth_negotiate_only(self):
        self.assertEqual(self.offers(self.unauth("auth_negotiate_only")), ["Negotiate"])
        self.assertEqual(self.basic_echo("auth_negotiate_only").code, 401)
        r1, r = self.ntlm_echo("auth_negotiate_only")
        self.assertIsNone(r)
        self.assertEqual(self.offers(r1), ["Negotiate"])
        # raw NTLM inside Negotiate, as IIS accepts it (Kerberos: see test_curl)
        c = self.conn("auth_negotiate_only")
        ntlm_legs(c, "RPC_IN_DATA", TARGET, self.user, self.pw, self.dom, 4, body=ECHO_BODY,
                  prefix="Negotiate")
        self.assertEchoResponse(c.response())

    def test_auth_none_offered(self):
        r = self.unauth("auth_none_offered")
        self.assertEqual(r.status_line, "HTTP/1.1 401 Unauthorized")
        self.assertEqual(self.offers(r), [])
        r = self.basic_echo("auth_none_offered")
        self.assertEqual((r.code, self.offers(r)), (401, []))
        r1, r = self.ntlm_echo("auth_none_offered")
        self.assertEqual((r1.code, self.offers(r1), r), (401, [], None))

    def test_auth_rejected(self):
        r1, r = self.ntlm_echo("auth_rejected")
        self.assertEqual(r1.code, 401)
        self.assertEqual(r.status_line, "HTTP/1.1 401 Unauthorized")
        self.assertEqual(len(self.offers(r)), 3)
        self.assertEqual(self.basic_echo("auth_rejected").code, 401)
        self.assertEchoResponse(self.ntlm_echo("healthy")[1])   # same credentials elsewhere

    def test_basic_domain_required(self):
        self.assertEqual(self.basic_echo("basic_domain_required", domain=None).code, 401)
        self.assertEchoResponse(self.basic_echo("basic_domain_required", domain="CONTOSO"))

    def test_balancer_closes_after_401(self):
        c = self.conn("balancer_closes_after_401")
        t1 = ntlm_type1()
        c.request("RPC_IN_DATA", TARGET, [ntlm_header(t1.getData())], cl=0)
        r = c.response()
        self.assertEqual(r.code, 401)
        self.assertIsNotNone(challenge_from(r))
        self.assertIsNone(r.header("Connection"))      # no warning given
        self.assertEqual(c.read_until_close(), b"")     # ... but the connection is gone
        # the Type 3 arrives on a new connection without a challenge -> 401 again
        from impacket import ntlm
        t3, _ = ntlm.getNTLMSSPType3(t1, challenge_from(r), self.user, self.pw, self.dom)
        c2 = self.conn("balancer_closes_after_401")
        c2.request("RPC_IN_DATA", TARGET, [ntlm_header(t3.getData())], body=ECHO_BODY)
        r2 = c2.response()
        self.assertEqual(r2.code, 401)
        self.assertEqual(len(self.offers(r2)), 3)
        self.assertEchoResponse(self.basic_echo("balancer_closes_after_401"))

    def _cert(self, name, kind, code):
        got, _ = self.tls_error(name)
        self.assertEqual(got, code)
        self.assertEqual(self.sc(name)["cert"]["kind"], kind)
        # the front end itself still works for a client that does not verify
        self.assertEchoResponse(self.ntlm_echo(name)[1])

    def test_cert_expired(self):
        self._cert("cert_expired", "expired", 10)
        self.assertEqual(self.served_chain("cert_expired"), 2)

    def test_cert_expiring(self):
        self._cert("cert_expiring", "expiring", None)
        _, cert = self.tls_error("cert_expiring")
        na = datetime.datetime.strptime(cert["notAfter"], "%b %d %H:%M:%S %Y %Z")
        left = na - datetime.datetime.utcnow()
        self.assertTrue(datetime.timedelta(days=5) <= left < datetime.timedelta(days=6), left)

    def test_cert_wrong_name(self):
        self._cert("cert_wrong_name", "wrong_name", 62)

    def test_cert_self_signed(self):
        self._cert("cert_self_signed", "self_signed", 18)
        self.assertEqual(self.served_chain("cert_self_signed"), 1)

    def test_cert_chain_missing(self):
        self._cert("cert_chain_missing", "chain_missing", 20)
        self.assertEqual(self.served_chain("cert_chain_missing"), 1)
        # with the intermediate available the leaf verifies
        sc = self.sc("cert_chain_missing")
        ctx = ssl.create_default_context(cafile=self.lab.data["chain_bundle"])
        with socket.create_connection((sc["address"], sc["https_port"]), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname=sc["host"]):
                pass

    def test_cert_untrusted(self):
        self._cert("cert_untrusted", "untrusted", 19)
        self.assertEqual(self.served_chain("cert_untrusted"), 2)

    def test_cert_cn_only(self):
        code, cert = self.tls_error("cert_cn_only")
        self.assertIsNone(code)
        self.assertNotIn("subjectAltName", cert)
        self.assertIn((("commonName", "mail.contoso.lab"),), cert["subject"])

    def test_expect_stall(self):
        self.assertEchoResponse(self.ntlm_echo("expect_stall")[1])    # no Expect: works
        c = self.conn("expect_stall", timeout=2.0)
        r1, _ = ntlm_legs(c, "RPC_IN_DATA", "/rpc/rpcproxy.dll?EXCH01:6004", self.user, self.pw,
                          self.dom, IN_CL, expect=True)
        self.assertEqual(r1.code, 401)
        t0 = time.monotonic()
        with self.assertRaises(socket.timeout):
            c.read_head()
        self.assertGreaterEqual(time.monotonic() - t0, 1.9)

    def test_expect_417(self):
        c = self.conn("expect_417")
        ntlm_legs(c, "RPC_IN_DATA", "/rpc/rpcproxy.dll?EXCH01:6004", self.user, self.pw,
                  self.dom, IN_CL, expect=True)
        r = c.response()
        self.assertEqual(r.status_line, "HTTP/1.1 417 Expectation Failed")
        self.assertEqual(r.header("Connection"), "close")
        self.assertEqual(c.read_until_close(), b"")

    def test_expect_501_delayed(self):
        c = self.conn("expect_501_delayed", timeout=15)
        ntlm_legs(c, "RPC_OUT_DATA", "/rpc/rpcproxy.dll?EXCH01:6004", self.user, self.pw,
                  self.dom, 76, expect=True)
        t0 = time.monotonic()
        r = c.response()
        self.assertGreaterEqual(time.monotonic() - t0, 4.5)
        self.assertEqual(r.status_line, "HTTP/1.1 501 Not Implemented")

    def test_tarpit(self):
        sc = self.sc("tarpit")
        raw = socket.create_connection((sc["address"], sc["https_port"]), timeout=5)
        self.addCleanup(raw.close)
        ctx = ssl.create_default_context()
        raw.settimeout(1.5)
        with self.assertRaises(socket.timeout):
            ctx.wrap_socket(raw, server_hostname=sc["host"])

    def test_tcp_filtered(self):
        sc = self.sc("tcp_filtered")
        t0 = time.monotonic()
        with self.assertRaises(socket.timeout):
            socket.create_connection((sc["address"], sc["https_port"]), timeout=1.5)
        self.assertGreaterEqual(time.monotonic() - t0, 1.4)

    def test_port_closed(self):
        sc = self.sc("port_closed")
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection((sc["address"], sc["https_port"]), timeout=5)

    def test_tls_broken(self):
        sc = self.sc("tls_broken")
        with self.assertRaises(ssl.SSLError) as cm:
            Conn(sc["address"], sc["https_port"], host=sc["host"])
        self.assertIn("HANDSHAKE_FAILURE", str(cm.exception).upper())
        raw = socket.create_connection((sc["address"], sc["https_port"]), timeout=5)
        self.addCleanup(raw.close)
        raw.sendall(bytes.fromhex("16030100050100000100"))   # (a stub ClientHello)
        self.assertEqual(raw.recv(100), bytes.fromhex("15030100020228"))

    def test_garbage_rts(self):
        t = self.tunnel("garbage_rts", "EXCH01", 6004)
        self.assertEqual(t.out_status, "HTTP/1.1 200 Success")
        pdu = t.read_out_pdu()
        self.assertEqual(pdu[:20], bytes.fromhex("05001403100000001c0000000000000000000100"))
        self.assertEqual(pdu[20:24], b"\x0f\x00\x00\x00")
        with self.assertRaises(rts.RtsError):
            rts.parse_rts(pdu)

    def test_garbage_http(self):
        c = self.conn("garbage_http")
        c.request("RPC_IN_DATA", TARGET, body=ECHO_BODY)
        data = c.read_until_close()
        self.assertTrue(data.startswith(b"HTTP/1.1 2OO \xff\xfeOK\r\nContent-Length: -17\r\n"), data)

    def test_giant_headers(self):
        c = self.conn("giant_headers")
        c.request("RPC_IN_DATA", TARGET, body=ECHO_BODY)
        status, headers, raw = c.read_head(limit=4 << 20)
        self.assertEqual(status, "HTTP/1.1 401 Unauthorized")
        self.assertGreater(len(raw), 1 << 20)
        self.assertTrue(any(n.startswith("X-Lab-Filler-") for n, _ in headers))

    def test_echo_invalid(self):
        r = self.unauth("echo_invalid")
        self.assertEqual(r.status_line, "HTTP/1.1 200 OK")
        self.assertTrue(r.header("Content-Type").startswith("text/html"))
        self.assertIn(b"<html>", r.body)
        self.assertNotEqual(r.body, ECHO)
        self.assertEqual(self.offers(r), [])

    def test_tmg_chunked(self):
        t = self.tunnel("tmg_chunked", "EXCH01", 6004)
        self.assertIn(("Via", "1.1 TMG01"), t.in_auth[1])
        self.assertEqual(t.out_status, "HTTP/1.1 200 Success")
        h = dict(t.out_headers)
        self.assertEqual(h["Transfer-Encoding"], "chunked")
        self.assertNotIn("Content-Length", h)
        self.assertEqual(t.read_out_pdu(), A3)
        self.assertEqual(t.reader.chunks, 2)          # A3 split over two chunks
        self.assertEqual(t.read_out_pdu(), C2)
        ack, _ = t.bind("NSPI")
        self.assertEqual(bind_result(ack), (12, [(0, 0)]))

    def test_localized(self):
        r = self.unauth("localized")
        self.assertEqual(r.status_line, "HTTP/1.1 401 Nicht autorisiert")
        self.assertEchoResponse(self.ntlm_echo("localized")[1], reason="Erfolgreich")
        t = self.tunnel("localized", "EXCH01", 6004)
        self.assertEqual(t.out_status, "HTTP/1.1 200 Erfolgreich")

    def test_localized_fr(self):
        r = self.unauth("localized_fr")
        self.assertTrue(r.raw_head.startswith("HTTP/1.1 401 Non autorisé\r\n".encode("utf-8")))
        self.assertEchoResponse(self.ntlm_echo("localized_fr")[1], reason="Succès")
        r = self.unauth("localized_fr", target="/exchange/")
        self.assertEqual(r.status_line, "HTTP/1.1 404 Introuvable")

    def test_pings_before_c2(self):
        t = self.tunnel("pings_before_c2", "EXCH01", 6004)
        self.assertEqual([t.read_out_pdu() for _ in range(4)], [A3, PING, PING, C2])
        ack, skipped = t.bind("NSPI")
        self.assertEqual(skipped, [PING, PING])
        self.assertEqual(bind_result(ack), (12, [(0, 0)]))

    def test_pings_before_bind_ack(self):
        t = self.tunnel("pings_before_bind_ack", "EXCH01", 6004)
        self.assertEqual([t.read_out_pdu() for _ in range(2)], [A3, C2])
        ack, skipped = t.bind("NSPI")
        self.assertEqual(skipped, [PING] * 3)
        self.assertEqual(bind_result(ack), (12, [(0, 0)]))

    def test_slow_backend(self):
        t = self.tunnel("slow_backend", "EXCH01", 6004)
        self.assertEqual(t.read_out_pdu(), A3)
        t0 = time.monotonic()
        self.assertEqual(t.read_out_pdu(), C2)
        self.assertGreaterEqual(time.monotonic() - t0, 1.8)
        t0 = time.monotonic()
        ack, _ = t.bind("NSPI")
        self.assertGreaterEqual(time.monotonic() - t0, 2.8)
        self.assertEqual(bind_result(ack), (12, [(0, 0)]))

    def test_midstream_503(self):
        t = self.tunnel("midstream_503", "EXCH01", 6004)
        self.assertEqual(t.out_status, "HTTP/1.1 200 Success")
        self.assertEqual(t.read_out_pdu(), A3)
        self.assertEqual(t.read_out_pdu(), C2)
        t.inc.send(bind_pdu("NSPI"))
        self.assertEqual(t.outc.read_until_close(), b"HTTP/1.0 503 RPC Error: 6ba\r\n\r\n")

    def test_direct_ports(self):
        sc = self.sc("direct_ports")
        self.assertEqual(sc["backend_address"], sc["address"])
        for b in sc["backends"]:
            with self.subTest(port=b["port"]):
                s = socket.create_connection((sc["address"], b["bind_port"]), timeout=5)
                self.addCleanup(s.close)
                got = b""
                while len(got) < 14:
                    got += s.recv(14 - len(got))
                self.assertEqual(got, b"ncacn_http/1.0")
                iface = {6001: "EMSMDB", 6002: "RFR", 6004: "NSPI"}[b["port"]]
                s.sendall(bind_pdu(iface))        # RPC over HTTP v1 / direct: plain DCE/RPC
                c = Conn.__new__(Conn)
                c.sock, c.rbuf = s, bytearray()
                self.assertEqual(bind_result(c.read_pdu()), (12, [(0, 0)]))
        self.assertTunnelUp(self.tunnel("direct_ports", "EXCH01", 6004))

    def test_combined_cert_acl(self):
        code, _ = self.tls_error("combined_cert_acl")
        self.assertEqual(code, 10)
        self.assert503("combined_cert_acl", "exch01.contoso.lab", 6004)
        self.assertTunnelUp(self.tunnel("combined_cert_acl", "EXCH01", 6004))


if __name__ == "__main__":
    unittest.main()
