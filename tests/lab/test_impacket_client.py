"""Acceptance: impacket's own RPC over HTTP client (a client nobody here wrote)
against the lab. ncacn_http through RpcProxy=, NTLM (and Basic) on each channel,
CONN/A1..C2, then a DCE/RPC bind to NSPI, RFR and EMSMDB.

Run: /usr/bin/python3 -m unittest -v test_impacket_client   (from tests/lab)
"""

import logging
import os
import sys
import unittest
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from impacket.dcerpc.v5 import transport  # noqa: E402
from impacket.dcerpc.v5.rpcrt import DCERPCException  # noqa: E402
from impacket.http import AUTH_BASIC  # noqa: E402
from impacket.uuid import uuidtup_to_bin  # noqa: E402

from fixture import Lab  # noqa: E402

NSPI = ("f5cc5a18-4264-101a-8c59-08002b2f8426", "56.0")
RFR = ("1544f5e0-613c-11d1-93df-00c04fd7bd09", "1.0")
EMSMDB = ("a4f1db00-ca47-1067-b31f-00dd010662da", "0.81")
PORT_IFACE = ((6001, EMSMDB), (6002, RFR), (6004, NSPI))

SCENARIOS = ["healthy", "acl_fqdn_missing", "no_rpcproxy", "bind_rejected", "auth_basic_only",
             "tmg_chunked", "pings_before_bind_ack", "ssl_offloaded", "ssl_required",
             "direct_ports", "localized_fr", "backend_down_6004"]

logging.getLogger("impacket").setLevel(logging.CRITICAL)


class ImpacketAgainstLab(unittest.TestCase):
    lab = None

    @classmethod
    def setUpClass(cls):
        # impacket leaves its sockets to the garbage collector after errors
        warnings.simplefilter("ignore", ResourceWarning)
        cls.lab = Lab(SCENARIOS, net=11, kdc=False).start()
        cls.resolver = cls.lab.resolver()
        cls.resolver.__enter__()

    @classmethod
    def tearDownClass(cls):
        if cls.lab is not None:
            cls.resolver.__exit__(None, None, None)
            cls.lab.stop()
            cls.lab.cleanup()

    def _transport(self, scname, server, port, password=None, user=None, scheme="https",
                   auth=None, domain=None):
        lab = self.lab
        sc = lab.scenario(scname)
        u = lab.user()
        std = 443 if scheme == "https" else 80
        real = sc["https_port"] if scheme == "https" else sc["http_port"]
        sb = "ncacn_http:%s[%d,RpcProxy=%s:%d]" % (server, port, sc["host"], std)
        t = transport.DCERPCTransportFactory(sb)
        if real != std:   # --port-base: impacket only takes 80/443 in RpcProxy=
            t.set_rpc_proxy_url("%s://%s:%d/rpc/rpcproxy.dll" % (scheme, sc["host"], real))
        t.set_credentials(user or u["user"], u["password"] if password is None else password,
                          u["domain"] if domain is None else domain)
        t.set_connect_timeout(10)
        if auth == "Basic":
            t.set_auth_type(AUTH_BASIC)
        return t

    def _bind(self, t, iface):
        dce = t.get_dce_rpc()
        dce.connect()
        try:
            dce.bind(uuidtup_to_bin(iface))
        finally:
            dce.disconnect()
        return dce

    # ---------------------------------------------------------------- acceptance

    def test_binds_all_interfaces_by_netbios_name(self):
        for port, iface in PORT_IFACE:
            with self.subTest(port=port):
                self._bind(self._transport("healthy", "EXCH01", port), iface)

    def test_binds_all_interfaces_by_fqdn(self):
        for port, iface in PORT_IFACE:
            with self.subTest(port=port):
                self._bind(self._transport("healthy", "exch01.contoso.lab", port), iface)

    def test_binds_with_name_taken_from_ntlm_challenge(self):
        # no server name: impacket reads MsvAvNbComputerName (EXCH01) from the CHALLENGE
        t = self._transport("healthy", "", 6004)
        self._bind(t, NSPI)
        self.assertIn("EXCH01", str(t.get_stringbinding()))

    def test_name_missing_from_validports_gives_0x6ba(self):
        t = self._transport("acl_fqdn_missing", "exch01.contoso.lab", 6004)
        with self.assertRaises(DCERPCException) as cm:
            self._bind(t, NSPI)
        self.assertEqual(cm.exception.get_error_code(), 0x6BA)
        self.assertIn("RPC Proxy CONN/A1 request failed, code: 0x6ba", str(cm.exception))
        # the NetBIOS name on the same proxy is in ValidPorts and works
        self._bind(self._transport("acl_fqdn_missing", "EXCH01", 6004), NSPI)

    def test_dead_backend_gives_0x6ba(self):
        t = self._transport("backend_down_6004", "EXCH01", 6004)
        with self.assertRaises(DCERPCException) as cm:
            self._bind(t, NSPI)
        self.assertEqual(cm.exception.get_error_code(), 0x6BA)
        self._bind(self._transport("backend_down_6004", "EXCH01", 6001), EMSMDB)

    def test_wrong_password_gives_401(self):
        t = self._transport("healthy", "EXCH01", 6004, password="Wrong-Password-1")
        with self.assertRaises(DCERPCException) as cm:
            self._bind(t, NSPI)
        self.assertIn("NTLM authentication failed in RPC_IN_DATA channel", str(cm.exception))
        self.assertIn("HTTP/1.1 401 Unauthorized", str(cm.exception))

    def test_no_rpcproxy_gives_404(self):
        t = self._transport("no_rpcproxy", "EXCH01", 6004)
        with self.assertRaises(Exception) as cm:
            self._bind(t, NSPI)
        self.assertIn("Status code returned: 404", str(cm.exception))

    # ---------------------------------------------------------------- more real-client evidence

    def test_interface_not_served_is_provider_rejection(self):
        t = self._transport("bind_rejected", "EXCH01", 6004)
        with self.assertRaises(DCERPCException) as cm:
            self._bind(t, NSPI)
        msg = str(cm.exception)
        self.assertIn("provider_rejection", msg)
        self.assertIn("abstract_syntax_not_supported", msg)
        # and on a healthy server, NSPI is not served on the store port 6001
        with self.assertRaises(DCERPCException) as cm:
            self._bind(self._transport("healthy", "EXCH01", 6001), NSPI)
        self.assertIn("abstract_syntax_not_supported", str(cm.exception))

    def test_basic_fallback_when_only_basic_offered(self):
        # impacket's NTLM leg gets a 401 offering only Basic and falls back to it
        self._bind(self._transport("auth_basic_only", "EXCH01", 6004), NSPI)

    def test_basic_explicit_wrong_password(self):
        t = self._transport("healthy", "EXCH01", 6004, password="nope", auth="Basic")
        with self.assertRaises(DCERPCException) as cm:
            self._bind(t, NSPI)
        self.assertIn("401", str(cm.exception))

    def test_tmg_chunked_out_channel(self):
        for port, iface in PORT_IFACE:
            with self.subTest(port=port):
                self._bind(self._transport("tmg_chunked", "EXCH01", port), iface)

    def test_pings_before_bind_ack(self):
        t = self._transport("pings_before_bind_ack", "EXCH01", 6004)
        dce = t.get_dce_rpc()
        dce.connect()
        try:
            dce.bind(uuidtup_to_bin(NSPI))
            self.assertTrue(t.rts_ping_received)   # reset by disconnect()
        finally:
            dce.disconnect()

    def test_plain_http_when_ssl_offloaded(self):
        self._bind(self._transport("ssl_offloaded", "EXCH01", 6004, scheme="http"), NSPI)

    def test_plain_http_refused_when_ssl_required(self):
        t = self._transport("ssl_required", "EXCH01", 6004, scheme="http")
        with self.assertRaises(Exception) as cm:
            self._bind(t, NSPI)
        self.assertIn("Status code returned: 403", str(cm.exception))

    def test_localized_reason_phrases(self):
        self._bind(self._transport("localized_fr", "exch01.contoso.lab", 6002), RFR)

    def test_direct_ncacn_http_v1(self):
        sc = self.lab.scenario("direct_ports")
        for b in sc["backends"]:
            iface = dict(PORT_IFACE)[b["port"]]
            with self.subTest(port=b["port"]):
                t = transport.DCERPCTransportFactory("ncacn_http:%s[%d]"
                                                     % (sc["address"], b["bind_port"]))
                t.set_connect_timeout(10)
                self._bind(t, iface)


if __name__ == "__main__":
    unittest.main()
