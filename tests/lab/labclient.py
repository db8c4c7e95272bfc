"""A byte-level RPC over HTTP client for the lab's own tests.

Not a product client: just enough to look at status lines, headers and bytes
(the probe is the real client; impacket and curl validate the lab in
test_impacket_client.py and test_curl.py). NTLM messages come from impacket.ntlm.
"""

import base64
import os
import socket
import ssl
import struct

from impacket import ntlm
from impacket.dcerpc.v5 import rpcrt
from impacket.uuid import uuidtup_to_bin

import rts

STD_HEADERS = [("Accept", "application/rpc"), ("User-Agent", "MSRPC"),
               ("Cache-Control", "no-cache"), ("Connection", "Keep-Alive"),
               ("Pragma", "No-cache")]
IN_CL = 1073741824
ECHO_BODY = bytes.fromhex("f8e81808")
IFACES = {
    "EMSMDB": ("a4f1db00-ca47-1067-b31f-00dd010662da", "0.81"),
    "RFR": ("1544f5e0-613c-11d1-93df-00c04fd7bd09", "1.0"),
    "NSPI": ("f5cc5a18-4264-101a-8c59-08002b2f8426", "56.0"),
}


class Closed(Exception):
    pass


class Response:
    def __init__(self, status_line, headers, body, raw_head):
        self.status_line = status_line
        parts = status_line.split(" ", 2)
        self.version = parts[0]
        self.code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        self.reason = parts[2] if len(parts) > 2 else ""
        self.headers = headers
        self.body = body
        self.raw_head = raw_head

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def all(self, name):
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def __repr__(self):
        return "Response(%r)" % self.status_line


class Conn:
    def __init__(self, address, port, tls=True, host=None, cafile=None, timeout=10.0,
                 alpn=("http/1.1",)):
        self.host = host or address
        raw = socket.create_connection((address, port), timeout=timeout)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            if cafile:
                ctx.load_verify_locations(cafile)
            else:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            if alpn:
                ctx.set_alpn_protocols(list(alpn))
            try:
                self.sock = ctx.wrap_socket(raw, server_hostname=self.host)
            except BaseException:
                raw.close()
                raise
        else:
            self.sock = raw
        self.sock.settimeout(timeout)
        self.rbuf = bytearray()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        d = self.sock.recv(65536)
        if not d:
            raise Closed()
        self.rbuf += d

    def read_exact(self, n):
        while len(self.rbuf) < n:
            self._fill()
        out = bytes(self.rbuf[:n])
        del self.rbuf[:n]
        return out

    def read_head(self, limit=4 * 1024 * 1024):
        while b"\r\n\r\n" not in self.rbuf:
            if len(self.rbuf) > limit:
                raise ValueError("head larger than %d" % limit)
            self._fill()
        i = self.rbuf.index(b"\r\n\r\n")
        raw = bytes(self.rbuf[:i + 4])
        del self.rbuf[:i + 4]
        lines = raw[:-4].split(b"\r\n")
        status = lines[0].decode("utf-8", errors="replace")
        headers = []
        for line in lines[1:]:
            n, _, v = line.decode("latin-1").partition(":")
            headers.append((n.strip(), v.strip()))
        return status, headers, raw

    def response(self, body=True):
        """Read a response head (skipping nothing) and its Content-Length body."""
        status, headers, raw = self.read_head()
        r = Response(status, headers, b"", raw)
        if body:
            cl = r.header("content-length")
            if cl is not None and r.code not in (100,):
                r.body = self.read_exact(int(cl))
        return r

    def read_until_close(self, limit=1 << 20):
        try:
            while len(self.rbuf) < limit:
                self._fill()
        except (Closed, OSError):
            pass
        out = bytes(self.rbuf)
        self.rbuf.clear()
        return out

    def request(self, method, target, headers=(), body=b"", cl=None, std=True):
        lines = ["%s %s HTTP/1.1" % (method, target), "Host: %s" % self.host]
        if std:
            lines += ["%s: %s" % h for h in STD_HEADERS]
        lines += ["%s: %s" % h for h in headers]
        lines.append("Content-Length: %d" % (len(body) if cl is None else cl))
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def read_pdu(self):
        head = self.read_exact(16)
        frag = struct.unpack_from("<H", head, 8)[0]
        return head + self.read_exact(frag - 16)


class Dechunked:
    """Reads the body of a Transfer-Encoding: chunked response from a Conn."""

    def __init__(self, conn):
        self.conn = conn
        self.buf = bytearray()
        self.chunks = 0

    def _next_chunk(self):
        while b"\r\n" not in self.conn.rbuf:
            self.conn._fill()
        i = self.conn.rbuf.index(b"\r\n")
        size = int(bytes(self.conn.rbuf[:i]), 16)
        del self.conn.rbuf[:i + 2]
        data = self.conn.read_exact(size + 2)
        assert data[-2:] == b"\r\n", "chunk not followed by CRLF"
        self.buf += data[:-2]
        self.chunks += 1
        if size == 0:
            raise Closed()

    def read_exact(self, n):
        while len(self.buf) < n:
            self._next_chunk()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_pdu(self):
        head = self.read_exact(16)
        frag = struct.unpack_from("<H", head, 8)[0]
        return head + self.read_exact(frag - 16)


def ntlm_type1():
    return ntlm.getNTLMSSPType1("", "", use_ntlmv2=True)


def ntlm_header(msg, prefix="NTLM"):
    return ("Authorization", "%s %s" % (prefix, base64.b64encode(msg).decode()))


def challenge_from(resp, prefix="NTLM"):
    for v in resp.all("WWW-Authenticate"):
        if v.startswith(prefix + " "):
            return base64.b64decode(v.split(" ", 1)[1])
    return None


def basic_header(user, password, domain=None):
    cred = ("%s\\%s" % (domain, user) if domain else user) + ":" + password
    return ("Authorization", "Basic " + base64.b64encode(cred.encode()).decode())


def ntlm_legs(conn, method, target, user, password, domain, cl, body=b"",
              expect=False, prefix="NTLM"):
    """Type1 leg (CL 0) -> 401 challenge -> Type3 leg with the real CL.

    Returns (challenge_response, challenge_bytes). The caller reads the answer to
    the Type3 leg (100 Continue, 200, 401...)."""
    t1 = ntlm_type1()
    conn.request(method, target, [ntlm_header(t1.getData(), prefix)], cl=0)
    r1 = conn.response()
    chal = challenge_from(r1, prefix)
    if chal is None:
        return r1, None
    t3, _ = ntlm.getNTLMSSPType3(t1, chal, user, password, domain)
    hdrs = [ntlm_header(t3.getData(), prefix)]
    if expect:
        hdrs.append(("Expect", "100-continue"))
    conn.request(method, target, hdrs, body=body, cl=cl if not body else None)
    return r1, chal


def av_pairs(challenge):
    c = ntlm.NTLMAuthChallenge(challenge)
    av = ntlm.AV_PAIRS(c["TargetInfoFields"])
    return {k: av[k][1] for k in av.fields}


def conn_a1(vc, out_cookie, window=0x10000):
    return rts.build_rts(rts.FLAG_NONE, [(rts.CMD_VERSION, 1), (rts.CMD_COOKIE, vc),
                                         (rts.CMD_COOKIE, out_cookie),
                                         (rts.CMD_RECEIVE_WINDOW_SIZE, window)])


def conn_b1(vc, in_cookie, assoc, keepalive=300000):
    return rts.build_rts(rts.FLAG_NONE, [(rts.CMD_VERSION, 1), (rts.CMD_COOKIE, vc),
                                         (rts.CMD_COOKIE, in_cookie),
                                         (rts.CMD_CHANNEL_LIFETIME, 0x40000000),
                                         (rts.CMD_CLIENT_KEEPALIVE, keepalive),
                                         (rts.CMD_ASSOCIATION_GROUP_ID, assoc)])


def bind_pdu(iface, call_id=1):
    item = rpcrt.CtxItem()
    item["AbstractSyntax"] = uuidtup_to_bin(IFACES[iface] if isinstance(iface, str) else iface)
    item["TransferSyntax"] = uuidtup_to_bin(("8a885d04-1ceb-11c9-9fe8-08002b104860", "2.0"))
    item["ContextID"] = 0
    item["TransItems"] = 1
    b = rpcrt.MSRPCBind()
    b.addCtxItem(item)
    p = rpcrt.MSRPCHeader()
    p["type"] = rpcrt.MSRPC_BIND
    p["flags"] = 0x03
    p["call_id"] = call_id
    p["pduData"] = b.getData()
    return p.get_packet()


def bind_result(pdu):
    """(ptype, [(result, reason)]) of a bind_ack / bind_nak."""
    ack = rpcrt.MSRPCBindAck(pdu)
    res = []
    for i in range(ack["ctx_num"]):
        item = rpcrt.CtxItemResult(ack["ctx_items"][i * 24:(i + 1) * 24])
        res.append((item["Result"], item["Reason"]))
    return pdu[2], res


class Tunnel:
    """IN + OUT channels of one virtual connection, opened like impacket does."""

    def __init__(self, sc, server, port, user, password, domain="CONTOSO", auth="ntlm",
                 expect=True, tls=True, http_port=None):
        self.sc = sc
        addr = sc["address"]
        p = sc["https_port"] if tls else sc["http_port"]
        target = "/rpc/rpcproxy.dll?%s:%d" % (server, port)
        self.vc, self.in_cookie, self.out_cookie, self.assoc = (os.urandom(16) for _ in range(4))
        self.inc = Conn(addr, p, tls=tls, host=sc["host"])
        self.outc = Conn(addr, p, tls=tls, host=sc["host"])
        self.in_auth = self._auth(self.inc, "RPC_IN_DATA", target, IN_CL, user, password,
                                  domain, auth, expect)
        self.out_auth = self._auth(self.outc, "RPC_OUT_DATA", target, 76, user, password,
                                   domain, auth, expect)

    @staticmethod
    def _auth(conn, method, target, cl, user, password, domain, auth, expect):
        if auth == "ntlm":
            ntlm_legs(conn, method, target, user, password, domain, cl, expect=expect)
        else:
            hdrs = [basic_header(user, password, domain)]
            if expect:
                hdrs.append(("Expect", "100-continue"))
            conn.request(method, target, hdrs, cl=cl)
        if expect:
            status, headers, raw = conn.read_head()
            return status, headers
        return None

    def start(self):
        """Send CONN/A1 and CONN/B1; return the OUT channel response head."""
        self.outc.send(conn_a1(self.vc, self.out_cookie))
        self.inc.send(conn_b1(self.vc, self.in_cookie, self.assoc))
        status, headers, raw = self.outc.read_head()
        self.out_status, self.out_headers = status, headers
        chunked = any(n.lower() == "transfer-encoding" and "chunked" in v.lower()
                      for n, v in headers)
        self.reader = Dechunked(self.outc) if chunked else self.outc
        return status, headers

    def read_out_pdu(self):
        return self.reader.read_pdu()

    def bind(self, iface, skip_rts=True):
        """Send a bind on IN; return (bind_ack bytes, [RTS PDUs skipped before it])."""
        self.inc.send(bind_pdu(iface))
        skipped = []
        while True:
            p = self.read_out_pdu()
            if p[2] == rts.PTYPE_RTS and skip_rts:
                skipped.append(p)
                continue
            return p, skipped

    def close(self):
        self.inc.close()
        self.outc.close()
