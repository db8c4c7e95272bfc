"""A hostile RPC-over-HTTP front end on loopback, one fault per case.

HostileServer(case, tls_ctx) listens on 127.0.0.1 (port 0: the kernel picks
a free port) and serves just enough of an Exchange RPC proxy for oaprobe
check to reach the stage where the case misbehaves:

    unauthenticated request  -> 401 offering NTLM
    NTLM NEGOTIATE           -> 401 with a CHALLENGE (names EXCH01 /
                                exch01.contoso.lab), any AUTHENTICATE passes
    echo (Content-Length 4)  -> 200 with the 20-byte RTS echo PDU
    RPC_OUT_DATA (CONN/A1)   -> 200, CONN/A3, then CONN/C2 once the IN
                                channel of the same virtual connection sent
                                CONN/B1, then the bind_ack for its bind
    RPC_IN_DATA  (CONN/B1)   -> reads the bind, hands the bind_ack to OUT

Every wait is bounded (HOLD_MAX) and stop() ends every thread. The lab's
rts.py builds the RTS PDUs. CASES names every case with a one-line reason.
"""

import base64
import os
import socket
import ssl
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lab"))

import rts  # noqa: E402  (tests/lab/rts.py)

HOLD_MAX = 30.0          # no connection is held longer than this
HEAD_MAX = 1 << 20       # request head cap
ECHO_PDU = rts.ECHO_PDU

# NTLM (MS-NLMP 2.2.1.2) flags the challenge sets
_NTLM_FLAGS = (0x00000001 | 0x00000004 | 0x00000200 | 0x00008000 | 0x00010000 |
               0x00080000 | 0x00800000 | 0x02000000 | 0x20000000 | 0x80000000)
AV_EOL, AV_NB_COMPUTER, AV_NB_DOMAIN, AV_DNS_COMPUTER, AV_DNS_DOMAIN = 0, 1, 2, 3, 4
AV_DNS_TREE, AV_FLAGS, AV_TIMESTAMP = 5, 6, 7

CASES = {
    # --- the findings of the review (issue 7 section 4)
    "ntlm_big_target_info": "CHALLENGE with ~900 bytes of valid AV_PAIRs "
                            "(libcurl: incoming NTLM message too big)",
    "echo_bad_chunk": "authenticated echo: 200, chunked, bad chunk size",
    "echo_short_body": "authenticated echo: 200, Content-Length 20, 5 bytes, close",
    "header_line_1mb": "a 1 MB header line on the first response",
    "ntlm_av_len_ffff": "CHALLENGE whose AV_PAIR length is 0xffff",
    "ntlm_name_crlf": "CHALLENGE whose NetBIOS name holds CR LF",
    "ntlm_name_esc": "CHALLENGE whose names hold ESC and BEL",
    "ntlm_rechallenge": "AUTHENTICATE answered by a new CHALLENGE, kept alive",
    "sixteen_schemes": "16 other schemes before NTLM in the 401",
    "www_auth_20k": "a 20 KB WWW-Authenticate line",
    "unsolicited_ntlm_token": "401 to the unauthenticated echo with an NTLM token",
    "malformed_ntlm_token": "CHALLENGE that is not NTLMSSP",
    "bind_missing": "OUT ends after CONN/C2 without a bind answer",
    "bind_silent": "OUT stays open after CONN/C2 and never answers the bind",
    "bind_malformed": "bind_ack whose result list claims 255 results",
    "trace_escapes": "ESC/BEL/CR in headers and NTLM names (-vv traces)",
    "two_content_length": "the echo answer has two different Content-Length",
    "body_longer_than_cl": "the echo answer's body is longer than its Content-Length",
    # --- the classic ones
    "never_answer": "accept and never answer",
    "byte_per_second": "the first response at one byte per second",
    "headers_1mb": "a megabyte of headers (many lines)",
    "endless_body": "authenticated echo: 200 with an endless chunked body",
    "garbage_tls": "garbage instead of a TLS ServerHello",
    "reset_handshake": "TCP reset after the ClientHello",
    "rts_len_absurd": "CONN/A3 with frag_length 65535 and a short body",
    "rts_len_short": "an RTS PDU whose frag_length is shorter than its header",
    "bind_len_absurd": "bind_ack with frag_length 65532 then close",
    "out_closed_after_a3": "OUT channel closed right after CONN/A3",
    "out_trickle": "OUT channel sends CONN/A3 one byte per second",
    "out_endless_pings": "OUT channel sends pings forever instead of CONN/C2",
    "bind_len_short": "bind_ack whose frag_length (10) is shorter than its header",
    "bind_secaddr_absurd": "bind_ack whose secondary address claims 65535 bytes",
    "rts_count_absurd": "CONN/A3 claiming 65535 commands in 28 bytes",
    "tunnel_rechallenge": "the OUT channel's AUTHENTICATE answered by a new CHALLENGE",
    "tunnel_ntlm_big_target_info": "the OUT channel's CHALLENGE too big for libcurl",
    "tunnel_header_line_1mb": "the OUT channel's 200 with a 1 MB header line",
    "healthy": "a working proxy (the base every case deviates from)",
}


def av_pair(av_id, value):
    return struct.pack("<HH", av_id, len(value)) + value


def names_av(nb="EXCH01", dom="CONTOSO", dns="exch01.contoso.lab", dnsdom="contoso.lab"):
    u = lambda s: s.encode("utf-16le")  # noqa: E731
    return (av_pair(AV_NB_DOMAIN, u(dom)) + av_pair(AV_NB_COMPUTER, u(nb)) +
            av_pair(AV_DNS_DOMAIN, u(dnsdom)) + av_pair(AV_DNS_COMPUTER, u(dns)))


def challenge_message(target_info, domain="CONTOSO"):
    """An NTLM CHALLENGE_MESSAGE carrying target_info as given (raw bytes)."""
    dom = domain.encode("utf-16le")
    off_dom = 56
    off_ti = off_dom + len(dom)
    return (b"NTLMSSP\0" + struct.pack("<I", 2) +
            struct.pack("<HHI", len(dom), len(dom), off_dom) +
            struct.pack("<I", _NTLM_FLAGS) + os.urandom(8) + b"\0" * 8 +
            struct.pack("<HHI", len(target_info), len(target_info), off_ti) +
            struct.pack("<BBH3xB", 6, 1, 7601, 15) + dom + target_info)


def bind_ack(call_id, frag_override=None, ptype=12):
    """A DCE/RPC bind_ack accepting NDR (call_id echoed)."""
    sec = b"6001\0"
    body = struct.pack("<HHI", 4280, 4280, 0x1234) + struct.pack("<H", len(sec)) + sec
    while (16 + len(body)) % 4:
        body += b"\0"
    ndr = bytes.fromhex("045d888aeb1cc9119fe808002b104860")
    body += struct.pack("<BBH", 1, 0, 0) + struct.pack("<HH", 0, 0) + ndr + struct.pack("<I", 2)
    frag = 16 + len(body) if frag_override is None else frag_override
    return struct.pack("<BBBB4sHHI", 5, 0, ptype, 3, b"\x10\0\0\0", frag, 0, call_id) + body


class Closed(Exception):
    pass


class Conn:
    """One accepted connection: buffered reads with a deadline."""

    def __init__(self, sock, server):
        self.sock = sock
        self.srv = server
        self.buf = bytearray()
        self.authed = False
        self.challenges = 0

    def _fill(self, timeout):
        self.sock.settimeout(timeout)
        d = self.sock.recv(65536)
        if not d:
            raise Closed()
        self.buf += d

    def read_head(self, timeout=10.0):
        end = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > HEAD_MAX or time.monotonic() > end:
                raise Closed()
            self._fill(max(0.05, end - time.monotonic()))
        i = self.buf.index(b"\r\n\r\n")
        head = bytes(self.buf[:i]).decode("latin-1")
        del self.buf[:i + 4]
        lines = head.split("\r\n")
        method, target, _ = (lines[0].split(" ") + ["", ""])[:3]
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        return method, target, hdrs

    def read_exact(self, n, timeout=10.0):
        end = time.monotonic() + timeout
        while len(self.buf) < n:
            if time.monotonic() > end:
                raise Closed()
            self._fill(max(0.05, end - time.monotonic()))
        d = bytes(self.buf[:n])
        del self.buf[:n]
        return d

    def read_pdu(self, timeout=10.0):
        head = self.read_exact(16, timeout)
        frag = struct.unpack_from("<H", head, 8)[0]
        return head + self.read_exact(max(0, frag - 16), timeout)

    def send(self, data):
        self.sock.sendall(data)

    def hold(self, seconds=HOLD_MAX):
        """Keep the connection open, reading and dropping, until the peer
        closes it, the server stops, or `seconds` pass."""
        end = time.monotonic() + seconds
        while not self.srv.stopping.is_set() and time.monotonic() < end:
            try:
                self._fill(0.2)
                self.buf.clear()
            except socket.timeout:
                continue
            except (Closed, OSError, ssl.SSLError):
                return


def response(code, reason, headers=(), body=b"", cl=True):
    lines = ["HTTP/1.1 %d %s" % (code, reason), "Server: Microsoft-IIS/7.5"]
    lines += ["%s: %s" % h for h in headers]
    if cl:
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class HostileServer:
    """Serves one case on 127.0.0.1:<port> until stop()."""

    def __init__(self, case, tls_ctx):
        if case not in CASES:
            raise ValueError("unknown case %r" % case)
        self.case = case
        self.ctx = tls_ctx
        self.stopping = threading.Event()
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(64)
        self.port = self.lsock.getsockname()[1]
        self.threads = []
        self.socks = set()
        self.lock = threading.Lock()
        self.vcs = {}             # virtual connection cookie -> dict(b1, bind)
        self.vc_cond = threading.Condition(self.lock)
        self.log = []

    # ------------------------------------------------------------ lifecycle

    def start(self):
        t = threading.Thread(target=self._accept_loop, daemon=True)
        t.start()
        self.threads.append(t)
        return self

    def stop(self):
        self.stopping.set()
        with self.vc_cond:
            self.vc_cond.notify_all()
        try:
            self.lsock.close()
        except OSError:
            pass
        with self.lock:
            socks = list(self.socks)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in self.threads:
            t.join(5)

    def _accept_loop(self):
        self.lsock.settimeout(0.2)
        while not self.stopping.is_set():
            try:
                conn, _ = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.socks.add(conn)
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            t.start()
            self.threads.append(t)

    def _serve(self, raw):
        sock = raw
        try:
            if self._before_tls(raw):
                return
            raw.settimeout(10)
            sock = self.ctx.wrap_socket(raw, server_side=True)
            with self.lock:
                self.socks.add(sock)
            c = Conn(sock, self)
            while not self.stopping.is_set():
                method, target, hdrs = c.read_head()
                if not self._request(c, method, target, hdrs):
                    return
        except (Closed, OSError, ssl.SSLError, ValueError, struct.error) as e:
            self.log.append("%s: %s" % (type(e).__name__, e))
        finally:
            for s in (sock, raw):
                try:
                    s.close()
                except OSError:
                    pass

    # ------------------------------------------------------------ raw TCP cases

    def _before_tls(self, raw):
        """True when the case handled the connection without TLS."""
        case = self.case
        if case == "never_answer":
            Conn(raw, self).hold()
            return True
        if case == "garbage_tls":
            raw.settimeout(5)
            try:
                raw.recv(4096)
                raw.sendall(b"\x00GARBAGE, NOT TLS\r\n" * 64)
            except OSError:
                pass
            return True
        if case == "reset_handshake":
            raw.settimeout(5)
            try:
                raw.recv(4096)
            except OSError:
                pass
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return True
        return False

    # ------------------------------------------------------------ HTTP

    def _request(self, c, method, target, hdrs):
        """Answer one request; False to end the connection."""
        case = self.case
        cl = int(hdrs.get("content-length", "0") or 0)
        authz = hdrs.get("authorization")
        if case == "byte_per_second":
            data = response(401, "Unauthorized", [("WWW-Authenticate", "NTLM")])
            for b in data:
                if self.stopping.wait(1.0):
                    return False
                c.send(bytes([b]))
            return False
        if authz is None and not c.authed:
            return self._unauth(c, cl, hdrs)
        if authz is not None and authz.upper().startswith("NTLM "):
            tok = base64.b64decode(authz[5:].strip() + "==")
            mtype = struct.unpack_from("<I", tok, 8)[0] if len(tok) >= 12 else 0
            if mtype == 1:
                return self._challenge(c, cl, method)
            if mtype == 3:
                c.authed = True
                if case == "ntlm_rechallenge" and method == "RPC_IN_DATA" and cl == 4:
                    return self._challenge(c, cl, method)
                if case == "tunnel_rechallenge" and method == "RPC_OUT_DATA":
                    c.read_exact(cl)
                    return self._challenge(c, 0, method)
        return self._authed(c, method, target, hdrs, cl)

    def _drain(self, c, cl, hdrs):
        if "100-continue" in hdrs.get("expect", "").lower() and cl:
            c.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        if cl <= 65536:
            c.read_exact(cl)

    def _unauth(self, c, cl, hdrs):
        case = self.case
        self._drain(c, cl, hdrs)
        offer = [("WWW-Authenticate", "Negotiate"), ("WWW-Authenticate", "NTLM")]
        if case == "header_line_1mb":
            offer = [("X-Filler", "a" * (1 << 20))] + offer
        elif case == "headers_1mb":
            offer = [("X-Filler-%d" % i, "b" * 1000) for i in range(1100)] + offer
        elif case == "sixteen_schemes":
            offer = [("WWW-Authenticate", "Scheme%02d realm=\"x\"" % i) for i in range(16)]
            offer.append(("WWW-Authenticate", "NTLM"))
        elif case == "www_auth_20k":
            offer = [("WWW-Authenticate", "NTLM, Basic realm=\"%s\"" % ("r" * 20000))]
        elif case == "unsolicited_ntlm_token":
            offer = [("WWW-Authenticate", "NTLM " + base64.b64encode(b"GARBAGE!" * 6).decode())]
        elif case == "trace_escapes":
            offer = offer + [("X-Evil", "\x1b]0;pwned\x07\x1b[2J\rred")]
        elif case in ("two_content_length", "body_longer_than_cl"):
            body = b"<html>401</html>"
            extra = ("Content-Length: %d\r\n" % (len(body) + 3)).encode()
            if case == "body_longer_than_cl":
                extra, body = b"", body
            data = response(401, "Unauthorized", offer, body)
            if case == "two_content_length":
                data = data.replace(b"\r\n\r\n", b"\r\n" + extra.rstrip(b"\r\n") + b"\r\n\r\n", 1)
            else:
                data += b"TRAILING GARBAGE AFTER THE BODY\r\n" * 4
            c.send(data)
            return case != "body_longer_than_cl"
        c.send(response(401, "Unauthorized", offer, b"<html>401</html>"))
        return True

    def _challenge(self, c, cl, method):
        case = self.case
        c.challenges += 1
        ti = names_av()
        if case == "ntlm_big_target_info" or (case == "tunnel_ntlm_big_target_info" and
                                              method == "RPC_OUT_DATA"):
            # 900 bytes; HOSTILE_TREE_CHARS changes it to find libcurl's limit by hand
            tree = "t" * int(os.environ.get("HOSTILE_TREE_CHARS", "450"))
            ti += av_pair(AV_DNS_TREE, tree.encode("utf-16le"))
        elif case == "ntlm_av_len_ffff":
            ti = names_av() + struct.pack("<HH", AV_DNS_TREE, 0xFFFF) + b"x" * 8
        elif case == "ntlm_name_crlf":
            ti = names_av(nb="EX\r\nCH01", dns="exch01\r\n.contoso.lab")
        elif case in ("ntlm_name_esc", "trace_escapes"):
            ti = names_av(nb="EX\x1b[2JCH\x07", dns="exch01\x1b]0;t\x07.lab")
        ti += struct.pack("<HH", AV_EOL, 0)
        msg = challenge_message(ti)
        if case == "malformed_ntlm_token":
            msg = b"NOTNTLM!" + msg[8:]
        c.read_exact(cl)
        c.send(response(401, "Unauthorized",
                        [("WWW-Authenticate", "NTLM " + base64.b64encode(msg).decode())],
                        b"<html>401</html>"))
        return True

    def _authed(self, c, method, target, hdrs, cl):
        case = self.case
        if method == "RPC_OUT_DATA" and cl == 76:
            return self._out(c, target, hdrs)
        if method == "RPC_IN_DATA" and cl > 65536:
            return self._in(c, target, hdrs)
        self._drain(c, cl, hdrs)
        if case == "echo_bad_chunk":
            c.send(b"HTTP/1.1 200 Success\r\nTransfer-Encoding: chunked\r\n"
                   b"Content-Type: application/rpc\r\n\r\nZZZZ\r\n" + ECHO_PDU + b"\r\n")
            return False
        if case == "echo_short_body":
            c.send(b"HTTP/1.1 200 Success\r\nContent-Length: 20\r\n"
                   b"Content-Type: application/rpc\r\n\r\n" + ECHO_PDU[:5])
            return False
        if case == "endless_body":
            c.send(b"HTTP/1.1 200 Success\r\nTransfer-Encoding: chunked\r\n"
                   b"Content-Type: application/rpc\r\n\r\n")
            end = time.monotonic() + HOLD_MAX
            chunk = b"%x\r\n%s\r\n" % (4096, b"\x05" * 4096)
            while not self.stopping.is_set() and time.monotonic() < end:
                c.send(chunk)
            return False
        c.send(response(200, "Success", [("Content-Type", "application/rpc"),
                                         ("Connection", "Keep-Alive")], ECHO_PDU))
        return True

    # ------------------------------------------------------------ tunnels

    def _vc(self, cookie):
        with self.lock:
            return self.vcs.setdefault(cookie, {"b1": False, "bind": None})

    def _out(self, c, target, hdrs):
        case = self.case
        a1 = rts.parse_conn_a1(c.read_exact(76))
        vc = self._vc(a1["vc_cookie"])
        filler = b"X-Filler: " + b"f" * (1 << 20) + b"\r\n" if case == "tunnel_header_line_1mb" \
            else b""
        c.send(b"HTTP/1.1 200 Success\r\nContent-Type: application/rpc\r\n" + filler +
               b"Content-Length: 1073741824\r\n\r\n")
        if case == "rts_len_absurd":
            a3 = bytearray(rts.conn_a3())
            struct.pack_into("<H", a3, 8, 0xFFFF)
            c.send(bytes(a3))
            c.hold(HOLD_MAX)
            return False
        if case == "rts_count_absurd":
            a3 = bytearray(rts.conn_a3())
            struct.pack_into("<H", a3, 18, 0xFFFF)
            c.send(bytes(a3))
            c.hold(HOLD_MAX)
            return False
        if case == "rts_len_short":
            a3 = bytearray(rts.conn_a3())
            struct.pack_into("<H", a3, 8, 8)
            c.send(bytes(a3))
            c.hold(HOLD_MAX)
            return False
        if case == "out_trickle":
            for b in rts.conn_a3():
                if self.stopping.wait(1.0):
                    return False
                c.send(bytes([b]))
            c.hold(HOLD_MAX)
            return False
        c.send(rts.conn_a3())
        if case == "out_endless_pings":
            end = time.monotonic() + HOLD_MAX
            while not self.stopping.is_set() and time.monotonic() < end:
                c.send(rts.PING_PDU * 256)
            return False
        if case == "out_closed_after_a3":
            return False
        with self.vc_cond:
            self.vc_cond.wait_for(lambda: vc["b1"] or self.stopping.is_set(), 10)
        c.send(rts.conn_c2())
        if case == "bind_silent":
            c.hold(HOLD_MAX)
            return False
        if case == "bind_missing":
            time.sleep(0.3)
            return False
        with self.vc_cond:
            self.vc_cond.wait_for(lambda: vc["bind"] is not None or self.stopping.is_set(), 10)
        call_id = vc["bind"][0] if vc["bind"] else 0
        if case == "bind_malformed":
            ack = bytearray(bind_ack(call_id))
            ack[-28] = 0xFF  # n_results: 255 results in a 60-byte PDU
            c.send(bytes(ack))
            c.hold(HOLD_MAX)
            return False
        if case == "bind_secaddr_absurd":
            ack = bytearray(bind_ack(call_id))
            struct.pack_into("<H", ack, 24, 0xFFFF)
            c.send(bytes(ack))
            c.hold(HOLD_MAX)
            return False
        if case == "bind_len_short":
            c.send(bind_ack(call_id, frag_override=10))
            c.hold(HOLD_MAX)
            return False
        if case == "bind_len_absurd":
            c.send(bind_ack(call_id, frag_override=65532))
            time.sleep(0.3)
            return False
        c.send(bind_ack(call_id))
        c.hold(HOLD_MAX)
        return False

    def _in(self, c, target, hdrs):
        if "100-continue" in hdrs.get("expect", "").lower():
            c.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        b1 = rts.parse_conn_b1(c.read_pdu())
        vc = self._vc(b1["vc_cookie"])
        with self.vc_cond:
            vc["b1"] = True
            self.vc_cond.notify_all()
        end = time.monotonic() + HOLD_MAX
        while not self.stopping.is_set() and time.monotonic() < end:
            pdu = c.read_pdu(HOLD_MAX)
            if pdu[2] == 11:  # bind
                with self.vc_cond:
                    vc["bind"] = (struct.unpack_from("<I", pdu, 12)[0],)
                    self.vc_cond.notify_all()
        return False


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description="serve one hostile case on loopback")
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    a = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    s = HostileServer(a.case, ctx).start()
    print("listening on 127.0.0.1:%d" % s.port, flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        s.stop()
