"""ncacn_http backends of a lab mailbox server (Exchange store / DSProxy).

Each endpoint (6001 EMSMDB, 6002 RFR, 6004 NSPI, or whatever a scenario says)
behaves like a Windows RPC server registered for ncacn_http:

  * on TCP connect it sends the legacy banner  ncacn_http/1.0  (14 bytes);
  * RPC over HTTP v2: a connection whose first PDU is CONN/A2 is the outbound
    proxy's leg, one that starts with CONN/B2 the inbound proxy's leg; the two
    are paired by the virtual connection cookie; the server then sends CONN/C1
    on the OUT leg and CONN/B3 on the IN leg (MS-RPCH 3.2.5.5), reads DCE/RPC
    PDUs from the IN leg and answers on the OUT leg;
  * RPC over HTTP v1 / direct: a connection whose first PDU is a bind is served
    as plain connection-oriented DCE/RPC on the same socket (impacket's direct
    ncacn_http transport does this).

The DCE/RPC layer is impacket's DCERPCServer (impacket.dcerpc.v5.rpcrt): its
interface table, request dispatch and PDU structures. Only bind/alter_context is
overridden so that an interface the endpoint does not serve is refused as
Windows does: bind_ack result provider_rejection (2), reason
abstract_syntax_not_supported (1), instead of impacket's user_rejection.
"""

import logging
import os
import socket
import struct
import threading
import time

from impacket.dcerpc.v5 import rpcrt
from impacket.uuid import uuidtup_to_bin

import rts
from runtime import check_loopback, close_quietly, shutdown_quietly

BANNER = b"ncacn_http/1.0"
NDR = ("8a885d04-1ceb-11c9-9fe8-08002b104860", "2.0")
NDR_BIN = uuidtup_to_bin(NDR)
BTFN_PREFIX = bytes.fromhex("2c1cb76c12984045")  # 6cb71c2c-9812-4540-...

INTERFACES = {
    "EMSMDB": ("a4f1db00-ca47-1067-b31f-00dd010662da", "0.81"),
    "RFR": ("1544f5e0-613c-11d1-93df-00c04fd7bd09", "1.0"),
    "NSPI": ("f5cc5a18-4264-101a-8c59-08002b2f8426", "56.0"),
    # for "the wrong service listens on that port": the endpoint mapper
    "EPM": ("e1af8308-5d1f-11c9-91a4-08002b14a0fa", "3.0"),
}

NCA_S_PROTO_ERROR = 0x1C01000B
NCA_S_UNK_IF = 0x1C010003
MAX_PDU = 0xFFFF
PAIR_TIMEOUT = 30.0
IDLE_TIMEOUT = 300.0

log = logging.getLogger("oalab.backend")


def recv_exact(sock, n):
    """n bytes or None at EOF."""
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def read_pdu(sock):
    """One CO PDU (header + frag_length) or None at EOF; raises rts.RtsError."""
    head = recv_exact(sock, 16)
    if head is None:
        return None
    _ptype, _pfc, frag, _cid = rts.parse_common(head)
    rest = recv_exact(sock, frag - 16) if frag > 16 else b""
    if rest is None:
        return None
    return head + rest


class _Sender:
    """What impacket's DCERPCServer calls _clientSock: only send() is used."""

    def __init__(self, sendfn):
        self._send = sendfn

    def send(self, data):
        self._send(data)
        return len(data)


class RpcSession(rpcrt.DCERPCServer):
    """impacket's DCERPCServer serving one association, writing through sendfn.

    DCERPCServer.__init__ is deliberately not called: it creates and binds a
    listening socket, which a per-association object does not need.
    """

    def __init__(self, listen_uuids, sendfn, sec_addr, bind_ack_delay=0.0, stop=None):
        threading.Thread.__init__(self, daemon=True)  # never started
        self._listenPort = 0
        self._listenAddress = ""
        self._listenUUIDS = listen_uuids
        self._boundUUID = b""
        self._sock = None
        self._clientSock = _Sender(sendfn)
        self._callid = 1
        self._max_frag = None
        self._max_xmit_size = 4280
        self._DCERPCServer__log = rpcrt.LOG
        self._sec_addr = sec_addr
        self._bind_ack_delay = bind_ack_delay
        self._stop = stop
        self._contexts = {}
        self._assoc_group = struct.unpack("<L", os.urandom(4))[0] | 0x10000
        self.binds = []

    def _delay_bind_ack(self):
        if self._bind_ack_delay > 0:
            if self._stop is not None:
                self._stop.wait(self._bind_ack_delay)
            else:
                time.sleep(self._bind_ack_delay)

    def bind(self, packet, bind):
        self._bind_or_alter(packet, bind, rpcrt.MSRPC_BINDACK)

    def _bind_or_alter(self, packet, bind, resp_type):
        resp = rpcrt.MSRPCBindAck()
        resp["type"] = resp_type
        resp["flags"] = rpcrt.PFC_FIRST_FRAG | rpcrt.PFC_LAST_FRAG
        resp["call_id"] = packet["call_id"]
        resp["max_tfrag"] = min(bind["max_tfrag"], 5840)
        resp["max_rfrag"] = min(bind["max_rfrag"], 5840)
        if bind["assoc_group"]:
            self._assoc_group = bind["assoc_group"]
        resp["assoc_group"] = self._assoc_group
        if resp_type == rpcrt.MSRPC_BINDACK:
            resp["SecondaryAddr"] = self._sec_addr
            resp["SecondaryAddrLen"] = len(self._sec_addr) + 1
        else:
            resp["SecondaryAddr"] = b""
            resp["SecondaryAddrLen"] = 0
        data = bind["ctx_items"]
        results = b""
        n = 0
        for _ in range(bind["ctx_num"]):
            item = rpcrt.CtxItem(data)
            data = data[len(item):]
            n += 1
            abstract = item["AbstractSyntax"]
            transfer = item["TransferSyntax"]
            r = rpcrt.CtxItemResult()
            if transfer[:8] == BTFN_PREFIX:
                r["Result"], r["Reason"] = 3, 0          # negotiate_ack, no features
                r["TransferSyntax"] = b"\0" * 20
            elif abstract not in self._listenUUIDS:
                r["Result"], r["Reason"] = 2, 1          # abstract syntax not supported
                r["TransferSyntax"] = b"\0" * 20
            elif transfer != NDR_BIN:
                r["Result"], r["Reason"] = 2, 2          # transfer syntaxes not supported
                r["TransferSyntax"] = b"\0" * 20
            else:
                r["Result"], r["Reason"] = 0, 0
                r["TransferSyntax"] = NDR_BIN
                self._boundUUID = abstract
                self._contexts[item["ContextID"]] = abstract
            self.binds.append((rpcrt.bin_to_uuidtup(abstract) if len(abstract) == 20
                               else None, r["Result"], r["Reason"]))
            results += r.getData()
        resp["ctx_num"] = n
        resp["Pad"] = b"\0" * ((4 - ((resp["SecondaryAddrLen"] + rpcrt.MSRPCBindAck._SIZE) % 4)) % 4)
        resp["ctx_items"] = results
        resp["frag_len"] = len(resp.getData())
        self._delay_bind_ack()
        self._clientSock.send(resp.getData())

    def _fault(self, call_id, status):
        f = rpcrt.MSRPCRespHeader()
        f["type"] = rpcrt.MSRPC_FAULT
        f["call_id"] = call_id
        f["pduData"] = struct.pack("<LL", status, 0)
        f["frag_len"] = len(f.getData())
        self._clientSock.send(f.getData())

    def handle(self, pdu):
        """Process one complete PDU (bytes)."""
        hdr = rpcrt.MSRPCHeader(pdu)
        ptype = hdr["type"]
        if ptype == rpcrt.MSRPC_BIND:
            self._bind_or_alter(hdr, rpcrt.MSRPCBind(hdr["pduData"]), rpcrt.MSRPC_BINDACK)
        elif ptype == rpcrt.MSRPC_ALTERCTX:
            self._bind_or_alter(hdr, rpcrt.MSRPCBind(hdr["pduData"]), rpcrt.MSRPC_ALTERCTX_R)
        elif ptype == rpcrt.MSRPC_REQUEST:
            req = rpcrt.MSRPCRequestHeader(pdu)
            if req["ctx_id"] not in self._contexts:
                self._fault(hdr["call_id"], NCA_S_UNK_IF)
                return
            self._boundUUID = self._contexts[req["ctx_id"]]
            answer = self.processRequest(pdu)   # impacket: callbacks or fault 0x6e4
            if answer is not None:
                self.send(answer)
        elif ptype in (rpcrt.MSRPC_AUTH3, rpcrt.MSRPC_SHUTDOWN,
                       rpcrt.MSRPC_CO_CANCEL, rpcrt.MSRPC_ORPHANED, rts.PTYPE_RTS):
            return
        else:
            self._fault(hdr["call_id"], NCA_S_PROTO_ERROR)


class _VirtualConnection:
    def __init__(self, cookie):
        self.cookie = cookie
        self.out_sock = None
        self.in_sock = None
        self.ready = threading.Event()
        self.closed = threading.Event()
        self.out_lock = threading.Lock()


class Endpoint:
    """One listening ncacn_http endpoint."""

    def __init__(self, host, address, logical_port, bind_port, interfaces, options):
        self.host = host
        self.address = address
        self.logical_port = logical_port
        self.bind_port = bind_port
        self.listen_uuids = {}
        for name in interfaces:
            tup = INTERFACES[name]
            self.listen_uuids[uuidtup_to_bin(tup)] = {
                "SecondaryAddr": str(logical_port).encode(), "CallBacks": {}}
        self.opts = options
        self.sock = None
        self.vcs = {}
        self.vc_lock = threading.Lock()
        self.stats = {"connections": 0, "binds": []}

    def start(self):
        check_loopback(self.address, "backend address")
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.address, self.bind_port))
        s.listen(64)
        self.sock = s
        self.host.spawn(self._accept_loop, "backend-%s:%d" % (self.address, self.bind_port))

    def _accept_loop(self):
        while not self.host.stopping.is_set():
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            if self.host.stopping.is_set():
                conn.close()
                return
            self.stats["connections"] += 1
            self.host.track(conn)
            self.host.spawn(self._serve, "backend-conn", conn, peer)

    def _wait(self, seconds):
        if seconds > 0:
            self.host.stopping.wait(seconds)

    def _serve(self, conn, peer):
        try:
            conn.settimeout(IDLE_TIMEOUT)
            self._wait(self.opts.get("delay_banner", 0))
            if self.opts.get("banner", True):
                conn.sendall(BANNER)
            first = read_pdu(conn)
            if first is None:
                return
            ptype = first[2]
            if ptype == rts.PTYPE_RTS:
                self._serve_rts(conn, first)
            elif ptype == rpcrt.MSRPC_BIND:
                self._serve_direct(conn, first)
            else:
                log.info("%s:%d: first PDU type %d, closing", self.address,
                         self.logical_port, ptype)
        except (OSError, rts.RtsError, struct.error) as e:
            log.debug("backend %s:%d connection ended: %s", self.address, self.logical_port, e)
        finally:
            self.host.untrack(conn)
            close_quietly(conn)

    def _session(self, sendfn):
        return RpcSession(self.listen_uuids, sendfn, str(self.logical_port).encode(),
                          self.opts.get("delay_bind_ack", 0), self.host.stopping)

    def _serve_direct(self, conn, first):
        sess = self._session(conn.sendall)
        pdu = first
        while pdu is not None and not self.host.stopping.is_set():
            sess.handle(pdu)
            self.stats["binds"].extend(sess.binds)
            sess.binds = []
            pdu = read_pdu(conn)

    def _serve_rts(self, conn, first):
        pdu = rts.parse_rts(first)
        if pdu.flags == rts.FLAG_OUT_CHANNEL:
            a2 = rts.parse_conn_a2(first)
            vc = self._register(a2["vc_cookie"], out_sock=conn)
            if vc is None:
                return
            if not vc.ready.wait(PAIR_TIMEOUT):
                log.info("CONN/A2 without CONN/B2 for %s, closing", a2["vc_cookie"].hex())
                return
            self._wait(self.opts.get("delay_c1", 0))
            with vc.out_lock:
                conn.sendall(rts.conn_c1())
            # the OUT leg carries nothing more from the proxy; wait for its end
            while not self.host.stopping.is_set() and not vc.closed.is_set():
                try:
                    data = conn.recv(4096)
                except socket.timeout:
                    continue
                if not data:
                    break
            vc.closed.set()
            shutdown_quietly(vc.in_sock)     # its own thread closes it
        elif pdu.flags == rts.FLAG_IN_CHANNEL:
            b2 = rts.parse_conn_b2(first)
            vc = self._register(b2["vc_cookie"], in_sock=conn)
            if vc is None:
                return
            if not vc.ready.wait(PAIR_TIMEOUT):
                log.info("CONN/B2 without CONN/A2 for %s, closing", b2["vc_cookie"].hex())
                return
            conn.sendall(rts.conn_b3())

            def send_out(data):
                with vc.out_lock:
                    vc.out_sock.sendall(data)
            sess = self._session(send_out)
            try:
                while not self.host.stopping.is_set():
                    p = read_pdu(conn)
                    if p is None:
                        break
                    sess.handle(p)
                    self.stats["binds"].extend(sess.binds)
                    sess.binds = []
            finally:
                vc.closed.set()
                shutdown_quietly(vc.out_sock)
                with self.vc_lock:
                    self.vcs.pop(vc.cookie, None)
        else:
            log.info("unexpected first RTS PDU flags 0x%x", pdu.flags)

    def _register(self, cookie, out_sock=None, in_sock=None):
        with self.vc_lock:
            vc = self.vcs.get(cookie)
            if vc is None:
                if len(self.vcs) > 256:
                    return None
                vc = self.vcs[cookie] = _VirtualConnection(cookie)
            if out_sock is not None:
                if vc.out_sock is not None:
                    return None
                vc.out_sock = out_sock
            if in_sock is not None:
                if vc.in_sock is not None:
                    return None
                vc.in_sock = in_sock
            if vc.out_sock is not None and vc.in_sock is not None:
                vc.ready.set()
            return vc

    def stop(self):
        close_quietly(self.sock)


class BackendHost:
    """All endpoints of one lab mailbox server address."""

    def __init__(self, runtime, address, endpoints):
        """endpoints: list of dicts {port, bind_port, interfaces, options}."""
        self.runtime = runtime
        self.address = address
        self.stopping = runtime.stopping
        self.endpoints = [Endpoint(self, address, e["port"], e["bind_port"],
                                   e["interfaces"], e.get("options", {}))
                          for e in endpoints]

    def spawn(self, fn, name, *args):
        self.runtime.spawn(fn, name, *args)

    def track(self, sock):
        self.runtime.track(sock)

    def untrack(self, sock):
        self.runtime.untrack(sock)

    def start(self):
        for e in self.endpoints:
            e.start()

    def stop(self):
        for e in self.endpoints:
            e.stop()
