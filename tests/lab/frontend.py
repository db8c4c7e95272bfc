"""The lab's IIS + rpcproxy.dll front end (RPC over HTTP v2 proxy, rpc-over-http.md).

Raw sockets, ssl and one thread per connection give byte-level control:

  * each TCP (TLS) connection is its own channel; requests are parsed by hand;
  * authentication like IIS: 401 with one WWW-Authenticate per enabled scheme;
    NTLM (ntlm_server, bound to the TCP connection), Basic (DOMAIN\\user or user,
    per request), Negotiate/Kerberos (negotiate.NegotiateAcceptor against the lab
    KDC's keytab, bound to the connection); raw NTLM inside Negotiate as IIS does;
  * Content-Length 0..16 on RPC_IN_DATA/RPC_OUT_DATA = echo -> 200 Success + the
    20-byte echo RTS PDU; RPC_IN_DATA with 128 KB..2 GB = IN channel; RPC_OUT_DATA
    with 76 = OUT channel (CONN/A1);
  * Expect: 100-continue answered with "HTTP/1.1 100 Continue" once the request is
    authenticated (a rejected request gets its 401 instead);
  * OUT channel: CONN/A1 -> ValidPorts check -> name resolved through the
    scenario's map (never DNS) -> TCP to the backend, ncacn_http/1.0 banner read,
    CONN/A2 sent -> "HTTP/1.1 200 Success" + CONN/A3 -> CONN/C1 from the backend
    -> CONN/C2 -> backend PDUs relayed to the client;
  * IN channel: CONN/B1 -> same checks -> CONN/B2 to the backend, CONN/B3 consumed
    -> client PDUs relayed to the backend (RTS pings / flow control acks consumed);
  * any failure to reach name:port -> "HTTP/1.0 503 RPC Error: 6ba" and close.
The virtual connection (IN + OUT) is paired by its cookie on the backend, as
on Windows, where the proxies forward CONN/A2 and CONN/B2 to the RPC server.

Scenario quirks (tarpit, broken TLS, chunked OUT, pings, garbage RTS, ...) are
described in scenarios.yaml and README.md.
"""

import base64
import binascii
import email.utils
import logging
import os
import socket
import ssl
import struct
import threading
import time

import rts
import validports
from ntlm_server import (AUTHENTICATE, NEGOTIATE, Identity, NtlmAcceptor,
                         UserTable, message_type)
from runtime import check_loopback, close_quietly, shutdown_quietly

try:
    import negotiate as negotiate_mod
except Exception:  # pragma: no cover - python3-gssapi missing
    negotiate_mod = None

log = logging.getLogger("oalab.frontend")

MAX_HEAD = 16384             # http.sys MaxRequestBytes default
HEAD_TIMEOUT = 120.0         # IIS connectionTimeout default
TLS_TIMEOUT = 15.0
BODY_TIMEOUT = 60.0
CHANNEL_IDLE = 900.0         # an open channel without traffic
BACKEND_CONNECT_TIMEOUT = 5.0
BACKEND_READ_TIMEOUT = 60.0
BANNER_TIMEOUT = 5.0         # no ncacn_http/1.0 banner within this: not an RPC/HTTP port
HOLD_MAX = 600.0             # tarpit / stall: longest a connection is held
MAX_REQUESTS_PER_CONN = 1000
OUT_CONTENT_LENGTH = 1073741824
ECHO_MAX = 16
IN_MIN = 128 * 1024
IN_MAX = 2 * 1024 * 1024 * 1024
OUT_NEW = 76
OUT_RECYCLE = 120
RPC_S_SERVER_UNAVAILABLE = "6ba"
RPC_S_PROTOCOL_ERROR = "6c0"
BANNER = b"ncacn_http/1.0"
TLS_ALERT_HANDSHAKE_FAILURE = bytes.fromhex("15030100020228")

REASONS = {100: "Continue", 200: "OK", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           411: "Length Required", 417: "Expectation Failed",
           501: "Not Implemented", 503: "Service Unavailable"}

RPC_PATHS = ("/rpc/rpcproxy.dll", "/rpcwithcert/rpcproxy.dll")


def _iis_page(title, text):
    return ("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
            "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\r\n"
            "<html xmlns=\"http://www.w3.org/1999/xhtml\">\r\n<head>\r\n"
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"/>\r\n"
            "<title>%s</title>\r\n</head>\r\n<body>\r\n<div id=\"header\"><h1>Server Error</h1></div>\r\n"
            "<div id=\"content\">\r\n <div class=\"content-container\"><fieldset>\r\n"
            "  <h2>%s</h2>\r\n  <h3>%s</h3>\r\n </fieldset></div>\r\n</div>\r\n</body>\r\n</html>\r\n"
            % (title, title, text)).encode("latin-1")


PAGE_401 = _iis_page("401 - Unauthorized: Access is denied due to invalid credentials.",
                     "You do not have permission to view this directory or page using "
                     "the credentials that you supplied.")
PAGE_404 = _iis_page("404 - File or directory not found.",
                     "The resource you are looking for might have been removed, had its "
                     "name changed, or is temporarily unavailable.")
PAGE_4034 = _iis_page("403.4 - Forbidden: SSL is required to view this resource.",
                      "HTTP Error 403.4 - Forbidden: SSL is required to view this resource. "
                      "The page you are trying to access is secured with Secure Sockets "
                      "Layer (SSL).")
PAGE_4037 = _iis_page("403.7 - Forbidden: Client certificate required.",
                      "HTTP Error 403.7 - Forbidden: The page you are trying to access "
                      "requires your browser to have a Secure Sockets Layer (SSL) client "
                      "certificate that the Web server recognizes.")
PAGE_405 = _iis_page("405 - HTTP verb used to access this page is not allowed.",
                     "The page you are looking for cannot be displayed because an invalid "
                     "method (HTTP verb) was used to attempt access.")
PAGE_400_LONG = (b"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"\"http://www.w3.org/TR/html4/strict.dtd\">\r\n"
                 b"<HTML><HEAD><TITLE>Bad Request</TITLE>\r\n"
                 b"<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n"
                 b"<BODY><h2>Bad Request - Request Too Long</h2>\r\n"
                 b"<hr><p>HTTP Error 400. The size of the request headers is too long.</p>\r\n"
                 b"</BODY></HTML>\r\n")
PAGE_400 = (b"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"\"http://www.w3.org/TR/html4/strict.dtd\">\r\n"
            b"<HTML><HEAD><TITLE>Bad Request</TITLE>\r\n"
            b"<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n"
            b"<BODY><h2>Bad Request</h2>\r\n<hr><p>HTTP Error 400. The request is badly formed.</p>\r\n"
            b"</BODY></HTML>\r\n")
PAGE_PORTAL = (b"<!DOCTYPE html>\r\n<html><head><title>Contoso Secure Access Portal</title></head>\r\n"
               b"<body><h1>Contoso Secure Access</h1>\r\n"
               b"<form method=\"post\" action=\"/my.policy\">\r\n"
               b"<label>User name <input name=\"username\"></label>\r\n"
               b"<label>Password <input type=\"password\" name=\"password\"></label>\r\n"
               b"<input type=\"submit\" value=\"Logon\"></form></body></html>\r\n")

def _rts_header(frag, flags, ncmds, vers=5):
    return struct.pack("<BBBB4sHHLHH", vers, 0, rts.PTYPE_RTS, 0x03, b"\x10\0\0\0",
                       frag, 0, 0, flags, ncmds)


GARBAGE_RTS = {
    # a valid RTS header announcing one command of the invalid type 0xF
    "bad_command": _rts_header(28, 0, 1) + struct.pack("<LL", 0xF, 0),
    # frag_length 13: shorter than the RTS header and not a multiple of 4
    "bad_length": _rts_header(13, 0, 1) + b"\xde\xad\xbe\xef",
    # rpc_vers 4 in what would otherwise be CONN/A3
    "bad_version": _rts_header(28, 0, 1, vers=4) + struct.pack("<LL", 2, 120000),
    # not a PDU at all
    "junk": b"<html><body>Service temporarily unavailable</body></html>\r\n",
}

GARBAGE_HTTP = (b"HTTP/1.1 2OO \xff\xfeOK\r\nContent-Length: -17\r\nTransfer-Encoding: chunked, identity\r\n"
                b"\r\nzz\r\n\x00\x01\x02\x03garbage\r\n")


class ConnectionClosed(Exception):
    pass


class HeadTooLarge(Exception):
    pass


class BadRequest(Exception):
    pass


class Request:
    def __init__(self, method, target, version, headers, raw):
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.raw = raw
        path, _, query = target.partition("?")
        self.path = path
        self.query = query

    def header(self, name):
        name = name.lower()
        for n, v in self.headers:
            if n.lower() == name:
                return v
        return None

    def keep_alive(self):
        conn = (self.header("connection") or "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in conn
        return "close" not in conn


def parse_head(raw):
    try:
        text = raw.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes everything
        raise BadRequest("undecodable head")
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest("bad request line %r" % lines[0][:80])
    method, target, version = parts
    if not method.isalnum() and not method.replace("_", "").isalnum():
        raise BadRequest("bad method")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t" or ":" not in line:
            raise BadRequest("bad header line %r" % line[:80])
        n, _, v = line.partition(":")
        headers.append((n.strip(), v.strip()))
    return Request(method, target, version, headers, raw)


def parse_query(query):
    """'server:port' -> (server, port) or (None, None)."""
    if not query:
        return None, None
    server, sep, port = query.rpartition(":")
    if not sep or not server or not port.isdigit() or len(port) > 6:
        return None, None
    return server, int(port)


class Channel:
    """One client connection (raw or TLS) and its read buffer."""

    def __init__(self, sock, peer, secure):
        self.sock = sock
        self.peer = peer
        self.secure = secure
        self.rbuf = bytearray()
        self.ntlm = None
        self.negotiate = None
        self.user = None            # connection-bound authentication (NTLM, Kerberos)
        self.requests = 0
        self.expect_pending = False  # Expect: 100-continue not answered yet

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionClosed()
        self.rbuf += data

    def read_head(self, timeout):
        self.sock.settimeout(timeout)
        while True:
            i = self.rbuf.find(b"\r\n\r\n")
            if i + 4 > MAX_HEAD:
                raise HeadTooLarge()
            if i >= 0:
                head = bytes(self.rbuf[:i + 4])
                del self.rbuf[:i + 4]
                return head
            if len(self.rbuf) > MAX_HEAD:
                raise HeadTooLarge()
            self._fill()

    def read_exact(self, n, timeout):
        self.sock.settimeout(timeout)
        while len(self.rbuf) < n:
            self._fill()
        data = bytes(self.rbuf[:n])
        del self.rbuf[:n]
        return data

    def read_pdu(self, timeout):
        head = self.read_exact(16, timeout)
        _pt, _pfc, frag, _cid = rts.parse_common(head)
        return head + (self.read_exact(frag - 16, timeout) if frag > 16 else b"")

    def send(self, data):
        self.sock.sendall(data)


class Frontend:
    """One lab host: the IIS front end of one scenario."""

    def __init__(self, runtime, sc, lab):
        """sc: normalized scenario dict (labconfig); lab: LabContext (pki, kdc, users)."""
        self.rt = runtime
        self.sc = sc
        self.lab = lab
        self.q = sc["quirks"]
        self.acl = validports.ValidPorts(sc["validports"])
        users = [(u["user"], u["password"]) for u in sc["users"]]
        disabled = [u["user"] for u in sc["users"] if u.get("disabled")]
        self.users = UserTable(users, [lab.netbios_domain, lab.dns_domain], disabled)
        self.identity = Identity(sc["netbios"], lab.netbios_domain, sc["dns_name"],
                                 lab.dns_domain, tuple(sc["windows_version"]))
        self.listeners = []
        self.fillers = []
        self.stats = {"connections": 0, "requests": 0, "auth": []}

    # ------------------------------------------------------------ listeners

    def start(self):
        sc = self.sc
        mode = self.q.get("listener", "normal")
        if mode == "closed":
            return
        if sc["https"]:
            self._listen(sc["address"], sc["https_bind_port"], True, mode)
        if sc["http"]:
            self._listen(sc["address"], sc["http_bind_port"], False, mode)

    def _tls_context(self):
        certfile, keyfile = self.lab.cert_paths(self.sc["cert"])
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(certfile, keyfile)
        ctx.set_alpn_protocols(["http/1.1"])
        return ctx

    def _listen(self, address, port, secure, mode):
        check_loopback(address, "front end address")
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((address, port))
        if mode == "filtered":
            # backlog 0 and never accept: once the queue holds one connection,
            # the kernel drops further SYNs and clients time out (like a firewall drop)
            s.listen(0)
            self.rt.track(s)
            for _ in range(2):
                f = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                f.setblocking(False)
                try:
                    f.connect((address, port))
                except (BlockingIOError, OSError):
                    pass
                self.fillers.append(f)
                self.rt.track(f)
            self.listeners.append(s)
            return
        s.listen(128)
        self.rt.track(s)
        self.listeners.append(s)
        ctx = self._tls_context() if secure and mode not in ("tls_broken", "tarpit") else None
        self.rt.spawn(self._accept_loop, "fe-accept-%s:%d" % (address, port), s, ctx, secure, mode)

    def _accept_loop(self, lsock, ctx, secure, mode):
        while not self.rt.stopping.is_set():
            try:
                conn, peer = lsock.accept()
            except OSError:
                return
            self.stats["connections"] += 1
            # http.sys writes each response in one go; Python's ssl module
            # writes TLS records (session tickets, headers, CONN/A3) one by
            # one, and Nagle would hold the later ones for the client's
            # delayed ACK: a round trip no IIS client ever pays.
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.rt.track(conn)
            if mode == "tarpit":
                self.rt.spawn(self._hold, "fe-tarpit", conn)
            elif mode == "tls_broken":
                self.rt.spawn(self._tls_broken, "fe-tlsbroken", conn)
            else:
                self.rt.spawn(self._serve, "fe-conn", conn, peer, ctx, secure)

    def _hold(self, conn, first=b""):
        """Accept and never answer; read and discard until EOF or HOLD_MAX."""
        end = time.monotonic() + HOLD_MAX
        try:
            while not self.rt.stopping.is_set() and time.monotonic() < end:
                conn.settimeout(1.0)
                try:
                    if not conn.recv(65536):
                        break
                except socket.timeout:
                    continue
        except OSError:
            pass
        finally:
            self.rt.untrack(conn)
            close_quietly(conn)

    def _tls_broken(self, conn):
        try:
            conn.settimeout(10)
            conn.recv(16384)        # the ClientHello (or part of it)
            conn.sendall(TLS_ALERT_HANDSHAKE_FAILURE)
        except OSError:
            pass
        finally:
            self.rt.untrack(conn)
            close_quietly(conn)

    def stop(self):
        for s in self.listeners + self.fillers:
            close_quietly(s)

    def pause(self):
        """Stop listening (new connections are refused, as when IIS or the
        host is down); connections already accepted run to their end."""
        for s in self.listeners + self.fillers:
            self.rt.untrack(s)
            close_quietly(s)
        self.listeners = []
        self.fillers = []

    def resume(self):
        """Listen again after pause() (same addresses and ports)."""
        if not self.listeners:
            self.start()

    # ------------------------------------------------------------ HTTP plumbing

    def _reason(self, code, default=None):
        phrases = self.q.get("reason_phrases") or {}
        if code in phrases:
            return phrases[code]
        return default or REASONS.get(code, "Unknown")

    def _filler(self):
        n = int(self.q.get("giant_headers") or 0)
        out = []
        i = 0
        while n > 0:
            value = "a" * min(n, 8000)
            out.append(("X-Lab-Filler-%05d" % i, value))
            n -= len(value) + 24
            i += 1
        return out

    def _response(self, code, headers=(), body=b"", reason=None, version="HTTP/1.1",
                  ctype="text/html", close=False, server=True, length=True):
        lines = ["%s %d %s" % (version, code, self._reason(code, reason))]
        if body and ctype:
            lines.append("Content-Type: %s" % ctype)
        if server:
            lines.append("Server: %s" % self.sc["iis"])
        for n, v in headers:
            lines.append("%s: %s" % (n, v))
        if code not in (100,):
            for n, v in self._filler():
                lines.append("%s: %s" % (n, v))
        if server and self.sc["iis"].endswith(("7.0", "7.5", "8.0", "8.5")):
            lines.append("X-Powered-By: ASP.NET")
        if code != 100:
            lines.append("Date: %s" % email.utils.formatdate(usegmt=True))
        if length and code != 100:
            lines.append("Content-Length: %d" % len(body))
        if close:
            lines.append("Connection: close")
        return "\r\n".join(lines).encode("utf-8") + b"\r\n\r\n" + body

    def _rpc_error(self, ch, code_hex):
        ch.send(("HTTP/1.0 503 RPC Error: %s\r\n\r\n" % code_hex).encode("ascii"))

    def _continue(self, ch):
        ch.expect_pending = False
        via = self.q.get("continue_via")
        text = "HTTP/1.1 100 Continue\r\n"
        if via:
            text += "Via: %s\r\n" % via
        ch.send((text + "\r\n").encode("ascii"))

    # ------------------------------------------------------------ connection

    def _serve(self, conn, peer, ctx, secure):
        ch = None
        try:
            sock = conn
            if ctx is not None:
                conn.settimeout(TLS_TIMEOUT)
                sock = ctx.wrap_socket(conn, server_side=True)
                self.rt.untrack(conn)
                self.rt.track(sock)
                # (the service's tests count them: TLS sessions per target)
                log.info("%s: TLS %s from %s", self.sc["name"],
                         "session resumed" if sock.session_reused else "full handshake", peer[0])
            ch = Channel(sock, peer, secure)
            self._requests(ch)
        except (ConnectionClosed, OSError, ssl.SSLError) as e:
            log.debug("%s: connection from %s ended: %s", self.sc["name"], peer, e)
        finally:
            s = ch.sock if ch else conn
            self.rt.untrack(s)
            self.rt.untrack(conn)
            close_quietly(s)

    def _requests(self, ch):
        while not self.rt.stopping.is_set() and ch.requests < MAX_REQUESTS_PER_CONN:
            try:
                head = ch.read_head(HEAD_TIMEOUT)
            except HeadTooLarge:
                ch.send(self._response(400, body=PAGE_400_LONG, ctype="text/html; charset=us-ascii",
                                       close=True, server=False,
                                       headers=[("Server", "Microsoft-HTTPAPI/2.0")]))
                return
            except socket.timeout:
                return
            ch.requests += 1
            self.stats["requests"] += 1
            try:
                req = parse_head(head)
            except BadRequest:
                ch.send(self._response(400, body=PAGE_400, ctype="text/html; charset=us-ascii",
                                       close=True, server=False,
                                       headers=[("Server", "Microsoft-HTTPAPI/2.0")]))
                return
            log.info("%s %s %s %s", self.sc["name"], ch.peer[0], req.method, req.target)
            if not self._dispatch(ch, req):
                return
            if not req.keep_alive():
                return

    def _content_length(self, req):
        te = req.header("transfer-encoding")
        if te:
            raise BadRequest("Transfer-Encoding on a request")
        v = req.header("content-length")
        if v is None:
            return 0
        if not v.isdigit() or len(v) > 12:
            raise BadRequest("bad Content-Length")
        return int(v)

    def _drain(self, ch, n):
        """Read a small body we do not use; False if it is too large to read or
        the client waits for 100 Continue before sending it (then we close)."""
        if n > 65536 or (n and ch.expect_pending):
            return False
        if n:
            ch.read_exact(n, BODY_TIMEOUT)
        return True

    def _dispatch(self, ch, req):
        """Handle one request; True to keep the connection."""
        sc, q = self.sc, self.q
        try:
            cl = self._content_length(req)
        except BadRequest:
            ch.send(self._response(400, body=PAGE_400, close=True))
            return False
        expect = "100-continue" in (req.header("expect") or "").lower()
        ch.expect_pending = expect
        emode = (q.get("expect") or {}).get("mode", "normal")
        if expect and cl > 0 and emode != "normal":
            # a layer-7 middlebox in front of IIS
            return self._expect_quirk(ch, req, q["expect"])
        if q.get("listener") == "garbage_http":
            ch.send(GARBAGE_HTTP)
            return False
        if q.get("portal"):
            ok = self._drain(ch, cl)
            ch.send(self._response(200, body=PAGE_PORTAL, ctype="text/html; charset=utf-8",
                                   server=False, close=not ok, headers=[
                                       ("Server", "BigIP"),
                                       ("Set-Cookie", "MRHSession=%s; path=/; secure"
                                        % os.urandom(16).hex())]))
            return ok
        path = req.path.lower()
        if path not in RPC_PATHS or not sc["rpcproxy"]:
            if not self._drain(ch, cl):
                ch.send(self._response(404, body=PAGE_404, close=True))
                return False
            ch.send(self._response(404, body=PAGE_404))
            return True
        if not ch.secure and sc["ssl_required"]:
            ok = self._drain(ch, cl)
            ch.send(self._response(403, body=PAGE_4034, close=not ok))
            return ok
        if path == "/rpcwithcert/rpcproxy.dll":
            ok = self._drain(ch, cl)
            ch.send(self._response(403, body=PAGE_4037, close=not ok))
            return ok
        ok, extra = self._authenticate(ch, req, cl)
        if not ok:
            return extra  # keep-alive decision made by _authenticate
        if req.method not in ("RPC_IN_DATA", "RPC_OUT_DATA"):
            ok = self._drain(ch, cl)
            ch.send(self._response(405, body=PAGE_405, close=not ok,
                                   headers=[("Allow", "RPC_IN_DATA, RPC_OUT_DATA")] + extra))
            return ok
        if cl <= ECHO_MAX:
            if expect and cl > 0:
                self._continue(ch)
            ch.read_exact(cl, BODY_TIMEOUT)
            self._echo(ch, extra)
            return True
        server, port = parse_query(req.query)
        if req.method == "RPC_IN_DATA" and IN_MIN <= cl <= IN_MAX:
            if server is None:
                ch.send(self._response(400, body=PAGE_400, close=True))
                return False
            if expect:
                self._continue(ch)
            self._in_channel(ch, req, server, port, cl)
            return False
        if req.method == "RPC_OUT_DATA" and cl == OUT_NEW:
            if server is None:
                ch.send(self._response(400, body=PAGE_400, close=True))
                return False
            if expect:
                self._continue(ch)
            self._out_channel(ch, req, server, port)
            return False
        if req.method == "RPC_OUT_DATA" and cl == OUT_RECYCLE:
            # channel recycling (OUT_R1/A1) is not implemented by the lab
            if expect:
                self._continue(ch)
            self._rpc_error(ch, RPC_S_PROTOCOL_ERROR)
            return False
        ch.send(self._response(400, body=PAGE_400, close=True))
        return False

    def _expect_quirk(self, ch, req, cfg):
        """A layer-7 middlebox that mishandles Expect: 100-continue."""
        mode = cfg.get("mode")
        if mode == "stall":
            log.info("%s: stalling Expect: 100-continue", self.sc["name"])
            end = time.monotonic() + float(cfg.get("hold", HOLD_MAX))
            while not self.rt.stopping.is_set() and time.monotonic() < end:
                ch.sock.settimeout(1.0)
                try:
                    ch._fill()
                    ch.rbuf.clear()
                except socket.timeout:
                    continue
            return False
        delay = float(cfg.get("delay", 0))
        if delay:
            self.rt.stopping.wait(delay)
        status = str(cfg.get("status", "417 Expectation Failed"))
        code, _, reason = status.partition(" ")
        ch.send(self._response(int(code), reason=reason, body=b"", close=True,
                               server=False, headers=cfg.get("headers", [])))
        return False

    def _echo(self, ch, extra):
        ch.send(self._response(200, reason="Success", body=rts.ECHO_PDU, ctype="application/rpc",
                               headers=[("Connection", "Keep-Alive")] + extra))

    # ------------------------------------------------------------ authentication

    def _offers(self):
        out = []
        if self.sc["hide_auth"]:
            return out
        for s in self.sc["auth"]:
            if s == "Basic":
                out.append(("WWW-Authenticate", 'Basic realm="%s"' % self.sc["host"]))
            else:
                out.append(("WWW-Authenticate", s))
        return out

    def _unauthorized(self, ch, cl, headers, why):
        """Send a 401; returns the keep-alive decision."""
        self.stats["auth"].append(("401", why))
        log.info("%s: 401 (%s)", self.sc["name"], why)
        drained = self._drain(ch, cl)
        # a body too large to read: IIS says "Connection: close"; the balancer
        # quirk closes the TCP connection without saying so
        ch.send(self._response(401, body=PAGE_401, headers=headers, close=not drained))
        return drained and not self.q.get("close_after_401")

    def _authenticate(self, ch, req, cl):
        """-> (True, extra response headers) or (False, keep_alive) after a 401."""
        sc = self.sc
        schemes = sc["auth"]
        if sc["hide_auth"]:
            return False, self._unauthorized(ch, cl, [], "no scheme offered")
        authz = req.header("authorization")
        if authz is None:
            if ch.user is not None:
                return True, []
            if sc["anonymous"]:
                return True, []
            return False, self._unauthorized(ch, cl, self._offers(), "no credentials")
        scheme, _, cred = authz.strip().partition(" ")
        scheme_l = scheme.lower()
        cred = cred.strip()
        if scheme_l == "basic" and "Basic" in schemes:
            return self._basic(ch, req, cl, cred)
        if scheme_l == "ntlm" and "NTLM" in schemes:
            return self._ntlm(ch, cl, cred, "NTLM")
        if scheme_l == "negotiate" and "Negotiate" in schemes:
            try:
                tok = base64.b64decode(cred, validate=True)
            except (binascii.Error, ValueError):
                return False, self._unauthorized(ch, cl, self._offers(), "bad Negotiate base64")
            if tok.startswith(b"NTLMSSP\0"):
                return self._ntlm(ch, cl, cred, "Negotiate")
            return self._kerberos(ch, cl, tok)
        return False, self._unauthorized(ch, cl, self._offers(),
                                         "scheme %s not enabled" % scheme)

    def _basic(self, ch, req, cl, cred):
        try:
            text = base64.b64decode(cred, validate=True).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return False, self._unauthorized(ch, cl, self._offers(), "bad Basic credentials")
        userpart, sep, password = text.partition(":")
        if not sep:
            return False, self._unauthorized(ch, cl, self._offers(), "Basic without ':'")
        domain = ""
        user = userpart
        if "\\" in userpart:
            domain, _, user = userpart.partition("\\")
        elif "@" in userpart:
            user, _, domain = userpart.partition("@")
        if self.sc["basic_require_domain"] and not domain:
            return False, self._unauthorized(ch, cl, self._offers(),
                                             "Basic user without DOMAIN\\ part")
        want = self.users.password(user, domain)
        if want is None or want != password:
            return False, self._unauthorized(ch, cl, self._offers(),
                                             "Basic credentials rejected for %s" % userpart)
        self.stats["auth"].append(("Basic", userpart))
        return True, []

    def _ntlm(self, ch, cl, cred, prefix):
        try:
            msg = base64.b64decode(cred, validate=True)
        except (binascii.Error, ValueError):
            return False, self._unauthorized(ch, cl, self._offers(), "bad NTLM base64")
        mtype = message_type(msg)
        if mtype == NEGOTIATE:
            ch.ntlm = NtlmAcceptor(self.identity, self.users, self.sc["ntlm_accept_v1"])
            ch.user = None
            try:
                challenge = ch.ntlm.challenge(msg)
            except Exception as e:
                return False, self._unauthorized(ch, cl, self._offers(), "bad NEGOTIATE: %s" % e)
            hdr = [("WWW-Authenticate", "%s %s" % (prefix, base64.b64encode(challenge).decode()))]
            return False, self._unauthorized(ch, cl, hdr, "NTLM challenge")
        if mtype == AUTHENTICATE:
            if ch.ntlm is None:
                return False, self._unauthorized(ch, cl, self._offers(),
                                                 "NTLM AUTHENTICATE without a challenge on "
                                                 "this connection")
            ok, who, why = ch.ntlm.authenticate(msg)
            ch.ntlm = None
            if not ok:
                return False, self._unauthorized(ch, cl, self._offers(),
                                                 "NTLM rejected for %s: %s" % (who, why))
            ch.user = who
            self.stats["auth"].append(("NTLM", who, why))
            log.info("%s: NTLM ok for %s (%s)", self.sc["name"], who, why)
            return True, []
        return False, self._unauthorized(ch, cl, self._offers(), "not an NTLM message")

    def _kerberos(self, ch, cl, tok):
        keytab = self.lab.keytab
        if negotiate_mod is None or keytab is None:
            return False, self._unauthorized(ch, cl, self._offers(), "no KDC in this lab")
        try:
            if ch.negotiate is None or ch.negotiate.complete:
                ch.negotiate = negotiate_mod.NegotiateAcceptor(keytab)
            done, out, principal = ch.negotiate.step(tok)
        except negotiate_mod.NegotiateError as e:
            ch.negotiate = None
            return False, self._unauthorized(ch, cl, self._offers(), "Negotiate: %s" % e)
        hdr = [("WWW-Authenticate", negotiate_mod.www_authenticate(out))] if out else []
        if not done:
            return False, self._unauthorized(ch, cl, hdr, "Negotiate continue")
        user, _, realm = principal.partition("@")
        if realm.upper() != self.lab.realm.upper() or self.users.password(user, "") is None:
            return False, self._unauthorized(ch, cl, self._offers(),
                                             "Kerberos principal %s has no account" % principal)
        ch.user = principal
        self.stats["auth"].append(("Negotiate", principal))
        log.info("%s: Kerberos ok for %s", self.sc["name"], principal)
        return True, hdr

    # ------------------------------------------------------------ backends

    def resolve(self, server):
        """Lab name resolution: the scenario's map, or a loopback IP literal."""
        addr = self.sc["names"].get(server.lower())
        if addr is not None:
            return addr
        try:
            return check_loopback(server, "RPC server")
        except ValueError:
            return None

    def _connect_backend(self, server, port):
        """-> (socket, None) or (None, reason)."""
        if not self.acl.allows(server, port):
            return None, "ValidPorts does not allow %s:%d" % (server, port)
        addr = self.resolve(server)
        if addr is None:
            return None, "%s does not resolve in the lab" % server
        try:
            s = socket.create_connection((addr, port + self.lab.port_base),
                                         timeout=BACKEND_CONNECT_TIMEOUT)
        except OSError as e:
            return None, "connect %s:%d: %s" % (addr, port, e)
        self.rt.track(s)
        try:
            s.settimeout(BANNER_TIMEOUT)
            banner = b""
            while len(banner) < len(BANNER):
                d = s.recv(len(BANNER) - len(banner))
                if not d:
                    break
                banner += d
        except OSError as e:
            banner = b""
            log.info("banner read failed: %s", e)
        if banner != BANNER:
            self.rt.untrack(s)
            close_quietly(s)
            return None, "%s:%d did not send the ncacn_http/1.0 banner" % (addr, port)
        return s, None

    def _out_channel(self, ch, req, server, port):
        q = self.q
        try:
            a1raw = ch.read_exact(OUT_NEW, BODY_TIMEOUT)
            a1 = rts.parse_conn_a1(a1raw)
            bad = rts.check_a1_values(a1)
            if bad:
                raise rts.RtsError(bad)
        except rts.RtsError as e:
            log.info("%s: bad CONN/A1: %s", self.sc["name"], e)
            self._rpc_error(ch, RPC_S_PROTOCOL_ERROR)
            return
        be, why = self._connect_backend(server, port)
        if be is None:
            log.info("%s: OUT %s:%d refused: %s", self.sc["name"], server, port, why)
            self._rpc_error(ch, RPC_S_SERVER_UNAVAILABLE)
            return
        try:
            be.sendall(rts.conn_a2(a1["vc_cookie"], a1["out_cookie"]))
            chunked = q.get("chunked_out")
            headers = ["HTTP/1.1 200 %s" % self._reason(200, "Success"),
                       "Content-Type: application/rpc"]
            if chunked:
                headers.append("Transfer-Encoding: chunked")
                if chunked.get("via"):
                    headers.append("Via: %s" % chunked["via"])
            else:
                headers.append("Content-Length: %d" % OUT_CONTENT_LENGTH)
            ch.send(("\r\n".join(headers) + "\r\n\r\n").encode("utf-8"))
            split = bool(chunked and chunked.get("split"))

            def out(data):
                if not chunked:
                    ch.send(data)
                elif split and len(data) > 8:
                    for part in (data[:5], data[5:]):
                        ch.send(b"%x\r\n%s\r\n" % (len(part), part))
                else:
                    ch.send(b"%x\r\n%s\r\n" % (len(data), data))

            garbage = q.get("garbage_rts")
            if garbage:
                out(GARBAGE_RTS[garbage])
                self._linger(ch)
                return
            out(rts.conn_a3())
            for _ in range(int(q.get("pings_before_c2") or 0)):
                out(rts.PING_PDU)
            be.settimeout(BACKEND_READ_TIMEOUT)
            c1raw = _read_pdu_sock(be)
            if c1raw is None:
                self._rpc_error(ch, RPC_S_SERVER_UNAVAILABLE)
                return
            c1 = rts.parse_conn_c1(c1raw)
            out(rts.conn_c2(c1["version"], c1["receive_window"], c1["timeout"]))
            pings = int(q.get("pings_before_bind_ack") or 0)
            midstream = q.get("midstream_503")
            be.settimeout(CHANNEL_IDLE)
            first_data = True
            while not self.rt.stopping.is_set():
                pdu = _read_pdu_sock(be)
                if pdu is None:
                    break
                if first_data and pdu[2] != rts.PTYPE_RTS:
                    first_data = False
                    if midstream:
                        self._rpc_error(ch, str(midstream))
                        self._linger(ch)
                        return
                    for _ in range(pings):
                        out(rts.PING_PDU)
                out(pdu)
            if chunked:
                try:
                    ch.send(b"0\r\n\r\n")
                except OSError:
                    pass
        except (OSError, rts.RtsError) as e:
            log.info("%s: OUT channel ended: %s", self.sc["name"], e)
        finally:
            self.rt.untrack(be)
            close_quietly(be)

    def _linger(self, ch, seconds=1.0):
        """Leave the client time to read what was sent, then close."""
        end = time.monotonic() + seconds
        while not self.rt.stopping.is_set() and time.monotonic() < end:
            ch.sock.settimeout(0.5)
            try:
                ch._fill()
                ch.rbuf.clear()
            except socket.timeout:
                continue
            except (ConnectionClosed, OSError, ssl.SSLError):
                return

    def _in_channel(self, ch, req, server, port, cl):
        try:
            b1raw = ch.read_pdu(BODY_TIMEOUT)
            b1 = rts.parse_conn_b1(b1raw)
            bad = rts.check_b1_values(b1)
            if bad:
                raise rts.RtsError(bad)
        except rts.RtsError as e:
            log.info("%s: bad CONN/B1: %s", self.sc["name"], e)
            self._rpc_error(ch, RPC_S_PROTOCOL_ERROR)
            return
        be, why = self._connect_backend(server, port)
        if be is None:
            log.info("%s: IN %s:%d refused: %s", self.sc["name"], server, port, why)
            self._rpc_error(ch, RPC_S_SERVER_UNAVAILABLE)
            return
        watcher_done = threading.Event()
        try:
            ip4 = socket.inet_aton(ch.peer[0]) if "." in ch.peer[0] else b"\x7f\0\0\x01"
            be.sendall(rts.conn_b2(b1["vc_cookie"], b1["in_cookie"], b1["assoc_group"], ip4))
            be.settimeout(BACKEND_READ_TIMEOUT)
            b3 = _read_pdu_sock(be)
            if b3 is None:
                self._rpc_error(ch, RPC_S_SERVER_UNAVAILABLE)
                return
            rts.parse_rts(b3)

            def watch():
                # the backend ends the virtual connection -> end this channel
                try:
                    be.settimeout(None)
                    while be.recv(4096):
                        pass
                except OSError:
                    pass
                finally:
                    watcher_done.set()
                    shutdown_quietly(ch.sock)   # the reading thread closes it
            self.rt.spawn(watch, "fe-in-watch")
            received = len(b1raw)
            while not self.rt.stopping.is_set() and received < cl:
                pdu = ch.read_pdu(CHANNEL_IDLE)
                received += len(pdu)
                if pdu[2] == rts.PTYPE_RTS:
                    continue        # pings, flow control acks: consumed by the proxy
                be.sendall(pdu)
        except (ConnectionClosed, OSError, ssl.SSLError, rts.RtsError) as e:
            log.info("%s: IN channel ended: %s", self.sc["name"], e)
        finally:
            self.rt.untrack(be)
            close_quietly(be)


def _read_pdu_sock(sock):
    buf = b""
    while len(buf) < 16:
        d = sock.recv(16 - len(buf))
        if not d:
            return None
        buf += d
    _pt, _pfc, frag, _cid = rts.parse_common(buf)
    while len(buf) < frag:
        d = sock.recv(frag - len(buf))
        if not d:
            return None
        buf += d
    return buf
