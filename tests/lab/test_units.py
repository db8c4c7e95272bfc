"""Unit tests of the lab's building blocks (no servers started): ValidPorts
matching, RTS encoding/parsing against the byte vectors of rpc-over-http.md,
the NTLM verifier, the backend's bind handling and the scenario file loader
(including the loopback-only rule); and that no two tests start their labs
on the same --net (read from the sources).

Run: /usr/bin/python3 -m unittest -v test_units   (from tests/lab)
"""

import os
import re
import struct
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from impacket import ntlm  # noqa: E402

import backend  # noqa: E402
import fixture  # noqa: E402
import labclient  # noqa: E402
import labconfig  # noqa: E402
import rts  # noqa: E402
import validports  # noqa: E402
from ntlm_server import Identity, NtlmAcceptor, UserTable  # noqa: E402
from runtime import LoopbackError, check_loopback  # noqa: E402

A1_OUTLOOK = bytes.fromhex(
    "05001403100000004c000000000000000000040006000000010000000300000097 15f897f66d234e78ca176fdde1bf2d"
    "0300000086 39b6d2c962a277e47a10f3572de7c20000000000000100".replace(" ", ""))
B1_OUTLOOK = bytes.fromhex(
    "050014031000000068000000000000000000060006000000010000000300000097 15f897f66d234e78ca176fdde1bf2d"
    "03000000" + "11" * 16 + "0400000000000040" + "05000000e0930400" + "0c000000" + "22" * 16)
A3 = bytes.fromhex("05001403100000001c000000000000000000010002000000c0d40100")
C2 = bytes.fromhex("05001403100000002c000000000000000000030006000000010000000000000000000100"
                   "02000000c0d40100")
ECHO = bytes.fromhex("0500140310000000140000000000000040000000")
PING = bytes.fromhex("0500140310000000140000000000000001000000")


class ValidPortsTest(unittest.TestCase):
    DOC = "Rosco:593;Rosco:2000-8000;Data*:4000-8000"

    def test_documented_example(self):
        vp = validports.ValidPorts(self.DOC)
        self.assertEqual(vp.errors, [])
        cases = [("Rosco", 593, True), ("ROSCO", 593, True), ("rosco", 2000, True),
                 ("Rosco", 8000, True), ("Rosco", 8001, False), ("Rosco", 1999, False),
                 ("Rosco", 594, False), ("rosco.microsoft.com", 593, False),
                 ("DataServer", 4000, True), ("data", 8000, True), ("Dat", 4000, False),
                 ("Data1", 3999, False), ("10.0.0.1", 593, False), ("", 593, False)]
        for server, port, want in cases:
            with self.subTest(server=server, port=port):
                self.assertEqual(vp.allows(server, port), want)

    def test_exchange_default_value(self):
        vp = validports.ValidPorts("EXCH01:6001-6002;EXCH01:6004;"
                                   "exch01.contoso.lab:6001-6002;exch01.contoso.lab:6004")
        self.assertTrue(vp.allows("exch01", 6002))
        self.assertTrue(vp.allows("EXCH01.CONTOSO.LAB", 6004))
        self.assertFalse(vp.allows("EXCH01", 6003))
        self.assertFalse(vp.allows("exch01.contoso", 6001))
        self.assertFalse(vp.allows("127.0.1.2", 6001))

    def test_wildcards_and_empty(self):
        self.assertTrue(validports.ValidPorts("*:6001").allows("anything.at.all", 6001))
        self.assertFalse(validports.ValidPorts("").allows("EXCH01", 6001))
        self.assertFalse(validports.ValidPorts(None).allows("EXCH01", 6001))

    def test_malformed_entries_are_ignored(self):
        vp = validports.ValidPorts(" EXCH01:6001 ;;bad;a:b:1;X:7-3;Y:99999;E*X:1;Z:6004; ")
        self.assertTrue(vp.allows("EXCH01", 6001))
        self.assertTrue(vp.allows("Z", 6004))
        self.assertEqual([e[1] for e in vp.errors], ["bad", "a:b:1", "X:7-3", "Y:99999", "E*X:1"])
        self.assertFalse(vp.allows("E1X", 1))


class RtsTest(unittest.TestCase):
    def test_conn_a1_outlook_vector(self):
        a1 = rts.parse_conn_a1(A1_OUTLOOK)
        self.assertEqual(len(A1_OUTLOOK), 76)
        self.assertEqual(a1["version"], 1)
        self.assertEqual(a1["vc_cookie"].hex(), "9715f897f66d234e78ca176fdde1bf2d")
        self.assertEqual(a1["out_cookie"].hex(), "8639b6d2c962a277e47a10f3572de7c2")
        self.assertEqual(a1["receive_window"], 0x10000)
        self.assertIsNone(rts.check_a1_values(a1))
        self.assertEqual(labclient.conn_a1(a1["vc_cookie"], a1["out_cookie"]), A1_OUTLOOK)

    def test_conn_b1_outlook_layout(self):
        b1 = rts.parse_conn_b1(B1_OUTLOOK)
        self.assertEqual(len(B1_OUTLOOK), 104)
        self.assertEqual((b1["lifetime"], b1["keepalive"]), (0x40000000, 300000))
        self.assertEqual(b1["assoc_group"], b"\x22" * 16)
        self.assertIsNone(rts.check_b1_values(b1))
        b1["keepalive"] = 0     # impacket: IIS answers 0 with rpc error 0x6c0
        self.assertIsNotNone(rts.check_b1_values(b1))

    def test_server_pdus_match_windows_vectors(self):
        self.assertEqual(rts.conn_a3(), A3)
        self.assertEqual(rts.conn_c2(), C2)
        self.assertEqual(rts.ECHO_PDU, ECHO)
        self.assertEqual(rts.PING_PDU, PING)
        self.assertEqual(rts.build_rts(rts.FLAG_PING, []), PING)

    def test_a2_b2_c1_b3_round_trip(self):
        vc, oc, ic, ag = b"\x01" * 16, b"\x02" * 16, b"\x03" * 16, b"\x04" * 16
        a2 = rts.parse_conn_a2(rts.conn_a2(vc, oc))
        self.assertEqual((a2["vc_cookie"], a2["out_cookie"]), (vc, oc))
        self.assertEqual(len(rts.conn_a2(vc, oc)), 76 + 8)
        b2raw = rts.conn_b2(vc, ic, ag, b"\x7f\x00\x00\x01")
        self.assertEqual(len(b2raw), 128)
        b2 = rts.parse_conn_b2(b2raw)
        self.assertEqual((b2["vc_cookie"], b2["in_cookie"], b2["assoc_group"],
                          b2["client_address"]), (vc, ic, ag, b"\x7f\x00\x00\x01"))
        self.assertEqual(rts.parse_conn_c1(rts.conn_c1())["timeout"], 120000)
        self.assertEqual(rts.parse_rts(rts.conn_b3()).types(),
                         [rts.CMD_RECEIVE_WINDOW_SIZE, rts.CMD_VERSION])
        self.assertEqual(len(rts.conn_c1()), 44)

    def test_every_command_round_trips(self):
        cmds = [(rts.CMD_RECEIVE_WINDOW_SIZE, 1), (rts.CMD_FLOW_CONTROL_ACK, (1, 2, b"c" * 16)),
                (rts.CMD_CONNECTION_TIMEOUT, 3), (rts.CMD_COOKIE, b"k" * 16),
                (rts.CMD_CHANNEL_LIFETIME, 4), (rts.CMD_CLIENT_KEEPALIVE, 5),
                (rts.CMD_VERSION, 1), (rts.CMD_EMPTY, None), (rts.CMD_PADDING, b"\0" * 7),
                (rts.CMD_NEGATIVE_ANCE, None), (rts.CMD_ANCE, None),
                (rts.CMD_CLIENT_ADDRESS, b"\x7f\0\0\1"), (rts.CMD_CLIENT_ADDRESS, b"\0" * 15 + b"\1"),
                (rts.CMD_ASSOCIATION_GROUP_ID, b"a" * 16), (rts.CMD_DESTINATION, 3),
                (rts.CMD_PING_TRAFFIC_SENT_NOTIFY, 9)]
        # padding of 7 bytes would break the 4-byte rule: pad to 8
        cmds[8] = (rts.CMD_PADDING, b"\0" * 8)
        raw = rts.build_rts(rts.FLAG_OTHER_CMD, cmds)
        self.assertEqual(rts.parse_rts(raw).commands, cmds)

    def test_errors_name_the_field(self):
        bad = [
            (A3[:15], "shorter than the 16-byte common header"),
            (b"\x04" + A3[1:], "rpc_vers 4.0"),
            (A3[:2] + b"\x0b" + A3[3:], "PTYPE 11"),
            (A3[:3] + b"\x07" + A3[4:], "pfc_flags 0x07"),
            (A3[:8] + b"\x1d\x00" + A3[10:] + b"\0", "not a multiple of 4"),
            (A3[:8] + b"\x20\x00" + A3[10:], "does not match"),
            (A3[:12] + b"\x01\0\0\0" + A3[16:], "call_id 1"),
            (A3[:20] + b"\x0f\0\0\0" + A3[24:], "CommandType 0xf"),
            (A3[:18] + b"\x02\x00" + A3[20:], "truncated CommandType"),
            (A3[:18] + b"\x00\x00" + A3[20:], "bytes left"),
        ]
        for raw, why in bad:
            with self.subTest(why=why):
                with self.assertRaises(rts.RtsError) as cm:
                    rts.parse_rts(raw)
                self.assertIn(why, str(cm.exception))
        with self.assertRaises(rts.RtsError):
            rts.parse_conn_a1(A3)       # right PDU kind check
        with self.assertRaises(rts.RtsError):
            rts.parse_conn_b1(A1_OUTLOOK)


class NtlmTest(unittest.TestCase):
    def setUp(self):
        self.ident = Identity("EXCH01", "CONTOSO", "exch01.contoso.lab", "contoso.lab", (5, 2, 3790))
        self.users = UserTable([("oaprobe", "Pw-1"), ("locked", "Pw-2")],
                               ["CONTOSO", "contoso.lab"], disabled=["locked"])

    def run_exchange(self, user="oaprobe", password="Pw-1", domain="CONTOSO", v2=True,
                     ess=True, accept_v1=True):
        acc = NtlmAcceptor(self.ident, self.users, accept_v1)
        t1 = ntlm.getNTLMSSPType1("", "", use_ntlmv2=v2)
        if not ess:
            t1["flags"] &= ~ntlm.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
        chal = acc.challenge(t1.getData())
        t3, _ = ntlm.getNTLMSSPType3(t1, chal, user, password, domain, use_ntlmv2=v2)
        return acc.authenticate(t3.getData()), acc, t3, chal

    def test_challenge_av_pairs_and_version(self):
        _res, _acc, _t3, chal = self.run_exchange()
        av = labclient.av_pairs(chal)
        self.assertEqual(av[ntlm.NTLMSSP_AV_HOSTNAME].decode("utf-16le"), "EXCH01")
        self.assertEqual(av[ntlm.NTLMSSP_AV_DOMAINNAME].decode("utf-16le"), "CONTOSO")
        self.assertEqual(av[ntlm.NTLMSSP_AV_DNS_HOSTNAME].decode("utf-16le"), "exch01.contoso.lab")
        self.assertEqual(av[ntlm.NTLMSSP_AV_DNS_DOMAINNAME].decode("utf-16le"), "contoso.lab")
        self.assertEqual(len(av[ntlm.NTLMSSP_AV_TIME]), 8)
        c = ntlm.NTLMAuthChallenge(chal)
        self.assertEqual(c["Version"][:4], struct.pack("<BBH", 5, 2, 3790))
        self.assertEqual(c["domain_name"].decode("utf-16le"), "CONTOSO")

    def test_ntlmv2(self):
        for dom in ("CONTOSO", "contoso", "contoso.lab", ""):
            with self.subTest(domain=dom):
                (ok, who, how), *_ = self.run_exchange(domain=dom)
                self.assertTrue(ok, how)
                self.assertEqual(how, "NTLMv2")

    def test_ntlm2_session_and_v1(self):
        (ok, _w, how), *_ = self.run_exchange(v2=False)
        self.assertEqual((ok, how), (True, "NTLM2 session"))
        (ok, _w, how), *_ = self.run_exchange(v2=False, ess=False)
        self.assertEqual((ok, how), (True, "NTLMv1"))
        (ok, _w, how), *_ = self.run_exchange(v2=False, accept_v1=False)
        self.assertFalse(ok)
        self.assertIn("NTLMv1 refused", how)

    def test_rejections(self):
        cases = [({"password": "wrong"}, "does not match"),
                 ({"v2": False, "password": "wrong"}, "does not match"),
                 ({"domain": "FABRIKAM"}, "unknown user or domain"),
                 ({"user": "nobody"}, "unknown user or domain"),
                 ({"user": "locked", "password": "Pw-2"}, "unknown user or domain"),
                 ({"user": "", "password": ""}, "anonymous")]
        for kw, why in cases:
            with self.subTest(**kw):
                (ok, _w, how), *_ = self.run_exchange(**kw)
                self.assertFalse(ok)
                self.assertIn(why, how)

    def test_one_authenticate_per_challenge(self):
        (ok, _w, _h), acc, t3, _c = self.run_exchange()
        self.assertTrue(ok)
        ok2, _w, why = acc.authenticate(t3.getData())
        self.assertFalse(ok2)
        self.assertIn("without a CHALLENGE", why)
        fresh = NtlmAcceptor(self.ident, self.users)
        self.assertFalse(fresh.authenticate(t3.getData())[0])
        self.assertFalse(fresh.authenticate(b"garbage")[0])


class BackendBindTest(unittest.TestCase):
    def session(self, ifaces):
        sent = []
        listen = {}
        for i in ifaces:
            listen[backend.uuidtup_to_bin(backend.INTERFACES[i])] = {
                "SecondaryAddr": b"6004", "CallBacks": {}}
        return backend.RpcSession(listen, sent.append, b"6004"), sent

    def test_accept_and_reject_like_windows(self):
        s, sent = self.session(["NSPI"])
        s.handle(labclient.bind_pdu("NSPI"))
        self.assertEqual(labclient.bind_result(sent[-1]), (12, [(0, 0)]))
        self.assertIn(b"6004\x00", sent[-1])
        s.handle(labclient.bind_pdu("EMSMDB", call_id=2))
        self.assertEqual(labclient.bind_result(sent[-1]), (12, [(2, 1)]))

    def test_request_before_bind_faults(self):
        s, sent = self.session(["NSPI"])
        req = labclient.bind_pdu("NSPI")
        req = bytes([5, 0, 0, 3]) + req[4:8] + struct.pack("<HHL", 24, 0, 7) + struct.pack("<LHH", 0, 0, 0)
        s.handle(req)
        self.assertEqual(sent[-1][2], 3)   # fault
        self.assertEqual(struct.unpack_from("<L", sent[-1], 24)[0], backend.NCA_S_UNK_IF)


class ConfigTest(unittest.TestCase):
    BASE = """
        users: [{user: u, password: p}]
        defaults:
          backends: {6001: {interfaces: [EMSMDB]}}
        scenarios:
          one: {host: one.contoso.lab, address: 127.0.0.2}
          two: {host: two.contoso.lab, address: 127.0.0.3}
    """

    def load(self, text):
        fd, path = tempfile.mkstemp(suffix=".yaml")
        with os.fdopen(fd, "w") as f:
            f.write(textwrap.dedent(text))
        self.addCleanup(os.unlink, path)
        return labconfig.load(path)

    def test_real_file_loads(self):
        lf = labconfig.load(os.path.join(HERE, "scenarios.yaml"))
        scs = lf.select(["all"])
        self.assertGreater(len(scs), 40)
        for sc in scs:
            if not sc["resolvable"]:
                self.assertEqual((sc["address"], sc["_binds"]), (None, []))
                continue
            self.assertTrue(sc["address"].startswith("127."))
            self.assertTrue(sc["backend_address"].startswith("127."))

    def test_net_and_port_base(self):
        lf = self.load(self.BASE)
        sc = lf.select(["one"], net=42, port_base=20000)[0]
        self.assertEqual(sc["address"], "127.42.0.2")
        self.assertEqual(sc["backend_address"], "127.42.1.2")
        self.assertEqual(sc["https_bind_port"], 20443)
        self.assertEqual(sc["backends"][0]["bind_port"], 26001)
        self.assertEqual(sc["names"], {"exch01": "127.42.1.2", "exch01.contoso.lab": "127.42.1.2"})

    def test_non_loopback_is_refused(self):
        for field, value in (("address", "10.0.0.5"), ("address", "0.0.0.0"),
                             ("address", "mail.contoso.lab"), ("backend_address", "192.168.1.10"),
                             ("extra_names", "{X: 8.8.8.8}")):
            with self.subTest(field=field, value=value):
                text = self.BASE.replace("address: 127.0.0.2",
                                         "address: 127.0.0.2, %s: %s" % (field, value)
                                         if field != "address" else "address: %s" % value)
                with self.assertRaises(labconfig.ConfigError) as cm:
                    self.load(text).select(["one"])
                self.assertIn("loopback", str(cm.exception))
        with self.assertRaises(LoopbackError):
            check_loopback("192.0.2.1")
        self.assertEqual(check_loopback("127.9.9.9"), "127.9.9.9")
        self.assertEqual(check_loopback("::1"), "::1")

    def test_unknown_names_and_keys(self):
        lf = self.load(self.BASE)
        with self.assertRaises(labconfig.ConfigError) as cm:
            lf.select(["one", "nope"])
        self.assertIn("unknown scenario nope (known: one, two)", str(cm.exception))
        for bad in ("colour: red", "quirks: {nonsense: 1}", "auth: [Digest]",
                    "backends: {6001: {interfaces: [FOO]}}", "cert: shiny",
                    "diagnoses: [everything_fine]", "quirks: {listener: sideways}"):
            with self.subTest(bad=bad):
                text = self.BASE.replace("address: 127.0.0.2", "address: 127.0.0.2, " + bad)
                with self.assertRaises(labconfig.ConfigError):
                    self.load(text).select(["one"])

    def test_duplicate_binds(self):
        lf = self.load(self.BASE.replace("127.0.0.3", "127.0.0.2"))
        with self.assertRaises(labconfig.ConfigError) as cm:
            lf.select(["one", "two"])
        self.assertIn("both bind", str(cm.exception))


class LabNetsTest(unittest.TestCase):
    """Every test that starts a lab has its own --net (its 127.<net>.x.y
    addresses and, as root, the standard ports on them): ctest runs tests
    in parallel and, in CI, on one shared loopback, so two tests whose
    labs share a net collide on their ports. Read from the sources:
    net_for("NAME") values (fixture.net_for, 100..249), net=N literals of
    Lab(...), --net N in the scripts and the default of a --net option."""

    PATTERNS = [
        (re.compile(r'net_for\(\s*"([^"]+)"\s*\)'), lambda m: fixture.net_for(m.group(1))),
        (re.compile(r"\bnet=(\d+)"), lambda m: int(m.group(1))),
        (re.compile(r"--net\s+(\d+)"), lambda m: int(m.group(1))),
        (re.compile(r'"--net",\s*type=int,\s*default=(\d+)'), lambda m: int(m.group(1))),
    ]
    # the lab's own modules (definitions, usage texts), this file, and the
    # benchmarks (run by hand, one at a time)
    SKIP = {"fixture.py", "labconfig.py", "oalab.py", "test_units.py"}

    def uses(self):
        tests = os.path.dirname(HERE)
        found = {}  # net -> {file: first line}
        for root, dirs, files in os.walk(tests):
            dirs[:] = [d for d in dirs if d not in ("bench", "node_modules", "__pycache__")]
            for name in files:
                if name in self.SKIP or not name.endswith((".py", ".sh", ".js")):
                    continue
                path = os.path.join(root, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    for no, line in enumerate(f, 1):
                        for rx, value in self.PATTERNS:
                            for m in rx.finditer(line):
                                net = value(m)
                                if 0 < net <= 255:  # --net 300: a usage error test
                                    rel = os.path.relpath(path, tests)
                                    found.setdefault(net, {}).setdefault(rel, no)
        return found

    def test_each_test_has_its_own_net(self):
        found = self.uses()
        self.assertGreaterEqual(len(found), 10, found)  # the scan sees the tests
        shared = {net: files for net, files in found.items() if len(files) > 1}
        self.assertEqual(shared, {}, "lab nets used by more than one test (file: line); "
                         "give one another name for net_for() or another fixed net")
        # fixed nets stay out of net_for()'s range, where a new name could land
        for net, files in found.items():
            named = any("net_for(" in open(os.path.join(os.path.dirname(HERE), f),
                                              encoding="utf-8").read() for f in files)
            if not named:
                self.assertFalse(100 <= net <= 249, "fixed net %d (%s) is in net_for()'s "
                                 "range 100..249" % (net, files))


if __name__ == "__main__":
    unittest.main()
