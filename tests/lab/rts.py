"""MS-RPCH RTS PDUs for the lab: build and strictly parse (rpc-over-http.md §2).

Commands are (type, value) tuples:
    (CMD_RECEIVE_WINDOW_SIZE, int)   (CMD_FLOW_CONTROL_ACK, (bytes, window, cookie16))
    (CMD_CONNECTION_TIMEOUT, int)    (CMD_COOKIE, cookie16)
    (CMD_CHANNEL_LIFETIME, int)      (CMD_CLIENT_KEEPALIVE, int)
    (CMD_VERSION, int)               (CMD_EMPTY, None)
    (CMD_PADDING, bytes)             (CMD_NEGATIVE_ANCE, None)   (CMD_ANCE, None)
    (CMD_CLIENT_ADDRESS, ipv4/ipv6 bytes)   (CMD_ASSOCIATION_GROUP_ID, cookie16)
    (CMD_DESTINATION, int)           (CMD_PING_TRAFFIC_SENT_NOTIFY, int)

parse_rts(buf) -> RtsPdu or raises RtsError with a reason naming the field.
"""

import struct

PTYPE_RTS = 20
HEADER_LEN = 20
COMMON_LEN = 16

FLAG_NONE = 0x0000
FLAG_PING = 0x0001
FLAG_OTHER_CMD = 0x0002
FLAG_RECYCLE_CHANNEL = 0x0004
FLAG_IN_CHANNEL = 0x0008
FLAG_OUT_CHANNEL = 0x0010
FLAG_EOF = 0x0020
FLAG_ECHO = 0x0040

CMD_RECEIVE_WINDOW_SIZE = 0x0
CMD_FLOW_CONTROL_ACK = 0x1
CMD_CONNECTION_TIMEOUT = 0x2
CMD_COOKIE = 0x3
CMD_CHANNEL_LIFETIME = 0x4
CMD_CLIENT_KEEPALIVE = 0x5
CMD_VERSION = 0x6
CMD_EMPTY = 0x7
CMD_PADDING = 0x8
CMD_NEGATIVE_ANCE = 0x9
CMD_ANCE = 0xA
CMD_CLIENT_ADDRESS = 0xB
CMD_ASSOCIATION_GROUP_ID = 0xC
CMD_DESTINATION = 0xD
CMD_PING_TRAFFIC_SENT_NOTIFY = 0xE

FD_CLIENT, FD_IN_PROXY, FD_SERVER, FD_OUT_PROXY = 0, 1, 2, 3

_U32_CMDS = (CMD_RECEIVE_WINDOW_SIZE, CMD_CONNECTION_TIMEOUT, CMD_CHANNEL_LIFETIME,
             CMD_CLIENT_KEEPALIVE, CMD_VERSION, CMD_DESTINATION,
             CMD_PING_TRAFFIC_SENT_NOTIFY)
_NULL_CMDS = (CMD_EMPTY, CMD_NEGATIVE_ANCE, CMD_ANCE)
_COOKIE_CMDS = (CMD_COOKIE, CMD_ASSOCIATION_GROUP_ID)

MAX_RTS_LEN = 0xFFFF

# Values a Windows proxy answers with (rpc-over-http.md §2.4, impacket test vectors).
DEFAULT_CONNECTION_TIMEOUT = 120000
DEFAULT_RECEIVE_WINDOW = 65536

ECHO_PDU = bytes.fromhex("0500140310000000140000000000000040000000")
PING_PDU = bytes.fromhex("0500140310000000140000000000000001000000")


class RtsError(ValueError):
    """A malformed RTS PDU; str() names the field and the problem."""


class RtsPdu:
    """A parsed RTS PDU: flags, commands [(type, value)], raw bytes."""

    def __init__(self, flags, commands, raw):
        self.flags = flags
        self.commands = commands
        self.raw = raw

    def types(self):
        return [c[0] for c in self.commands]

    def first(self, ctype, nth=0):
        """Value of the nth command of type ctype, or None."""
        seen = 0
        for t, v in self.commands:
            if t == ctype:
                if seen == nth:
                    return v
                seen += 1
        return None

    def __repr__(self):
        return "RtsPdu(flags=0x%04x, commands=%r)" % (self.flags, self.types())


def _enc_cmd(ctype, value):
    if ctype in _U32_CMDS:
        return struct.pack("<LL", ctype, value)
    if ctype in _NULL_CMDS:
        return struct.pack("<L", ctype)
    if ctype in _COOKIE_CMDS:
        if len(value) != 16:
            raise RtsError("cookie must be 16 bytes")
        return struct.pack("<L", ctype) + bytes(value)
    if ctype == CMD_FLOW_CONTROL_ACK:
        received, window, cookie = value
        return struct.pack("<LLL", ctype, received, window) + bytes(cookie)
    if ctype == CMD_PADDING:
        return struct.pack("<LL", ctype, len(value)) + bytes(value)
    if ctype == CMD_CLIENT_ADDRESS:
        atype = 0 if len(value) == 4 else 1
        return struct.pack("<LL", ctype, atype) + bytes(value) + b"\0" * 12
    raise RtsError("unknown command type %d" % ctype)


def build_rts(flags, commands):
    """Bytes of an RTS PDU with the given flags and [(type, value)] commands."""
    body = b"".join(_enc_cmd(t, v) for t, v in commands)
    length = HEADER_LEN + len(body)
    return struct.pack("<BBBB4sHHLHH", 5, 0, PTYPE_RTS, 0x03, b"\x10\0\0\0",
                       length, 0, 0, flags, len(commands)) + body


def parse_common(buf):
    """(ptype, pfc_flags, frag_length, call_id) of a CO PDU header (>=16 bytes)."""
    if len(buf) < COMMON_LEN:
        raise RtsError("PDU shorter than the 16-byte common header")
    vers, minor, ptype, pfc, drep, frag, _alen, call_id = struct.unpack_from(
        "<BBBB4sHHL", buf)
    if vers != 5 or minor != 0:
        raise RtsError("rpc_vers %d.%d is not 5.0" % (vers, minor))
    if drep[:1] != b"\x10":
        raise RtsError("packed_drep %s is not little-endian ASCII" % drep.hex())
    if frag < COMMON_LEN:
        raise RtsError("frag_length %d is shorter than the 16-byte header" % frag)
    return ptype, pfc, frag, call_id


def parse_rts(buf):
    """Parse one complete RTS PDU (exactly frag_length bytes)."""
    ptype, pfc, frag, call_id = parse_common(buf)
    if ptype != PTYPE_RTS:
        raise RtsError("PTYPE %d is not RTS (20)" % ptype)
    if frag != len(buf):
        raise RtsError("frag_length %d does not match the %d bytes given"
                       % (frag, len(buf)))
    if frag < HEADER_LEN:
        raise RtsError("frag_length %d is shorter than the 20-byte RTS header" % frag)
    if frag % 4:
        raise RtsError("frag_length %d is not a multiple of 4" % frag)
    if pfc != 0x03:
        raise RtsError("pfc_flags 0x%02x is not FIRST|LAST (0x03)" % pfc)
    if struct.unpack_from("<H", buf, 10)[0] != 0:
        raise RtsError("auth_length is not 0")
    if call_id != 0:
        raise RtsError("call_id %d is not 0" % call_id)
    flags, count = struct.unpack_from("<HH", buf, 16)
    off = HEADER_LEN
    cmds = []
    for i in range(count):
        if off + 4 > frag:
            raise RtsError("command %d: truncated CommandType" % i)
        ctype = struct.unpack_from("<L", buf, off)[0]
        off += 4
        if ctype in _U32_CMDS:
            if off + 4 > frag:
                raise RtsError("command %d (type %d): truncated value" % (i, ctype))
            cmds.append((ctype, struct.unpack_from("<L", buf, off)[0]))
            off += 4
        elif ctype in _NULL_CMDS:
            cmds.append((ctype, None))
        elif ctype in _COOKIE_CMDS:
            if off + 16 > frag:
                raise RtsError("command %d (type %d): truncated cookie" % (i, ctype))
            cmds.append((ctype, bytes(buf[off:off + 16])))
            off += 16
        elif ctype == CMD_FLOW_CONTROL_ACK:
            if off + 24 > frag:
                raise RtsError("command %d: truncated FlowControlAck" % i)
            rcv, win = struct.unpack_from("<LL", buf, off)
            cmds.append((ctype, (rcv, win, bytes(buf[off + 8:off + 24]))))
            off += 24
        elif ctype == CMD_PADDING:
            if off + 4 > frag:
                raise RtsError("command %d: truncated Padding count" % i)
            n = struct.unpack_from("<L", buf, off)[0]
            off += 4
            if n > 0xFFFF or off + n > frag:
                raise RtsError("command %d: Padding ConformanceCount %d too large" % (i, n))
            cmds.append((ctype, bytes(buf[off:off + n])))
            off += n
        elif ctype == CMD_CLIENT_ADDRESS:
            if off + 4 > frag:
                raise RtsError("command %d: truncated AddressType" % i)
            atype = struct.unpack_from("<L", buf, off)[0]
            off += 4
            if atype not in (0, 1):
                raise RtsError("command %d: AddressType %d is not 0 or 1" % (i, atype))
            alen = 4 if atype == 0 else 16
            if off + alen + 12 > frag:
                raise RtsError("command %d: truncated ClientAddress" % i)
            cmds.append((ctype, bytes(buf[off:off + alen])))
            off += alen + 12
        else:
            raise RtsError("command %d: CommandType 0x%x is not a valid RTS command"
                           % (i, ctype))
    if off != frag:
        raise RtsError("%d bytes left after %d commands" % (frag - off, count))
    return RtsPdu(flags, cmds, bytes(buf))


def _expect(pdu, name, flags, types):
    if pdu.flags != flags:
        raise RtsError("%s: Flags 0x%04x, expected 0x%04x" % (name, pdu.flags, flags))
    if pdu.types() != list(types):
        raise RtsError("%s: commands %s, expected %s" % (name, pdu.types(), list(types)))


def parse_conn_a1(buf):
    """CONN/A1 -> dict(version, vc_cookie, out_cookie, receive_window)."""
    pdu = parse_rts(buf)
    _expect(pdu, "CONN/A1", FLAG_NONE,
            [CMD_VERSION, CMD_COOKIE, CMD_COOKIE, CMD_RECEIVE_WINDOW_SIZE])
    c = pdu.commands
    return {"version": c[0][1], "vc_cookie": c[1][1], "out_cookie": c[2][1],
            "receive_window": c[3][1]}


def parse_conn_b1(buf):
    """CONN/B1 -> dict(version, vc_cookie, in_cookie, lifetime, keepalive, assoc_group)."""
    pdu = parse_rts(buf)
    _expect(pdu, "CONN/B1", FLAG_NONE,
            [CMD_VERSION, CMD_COOKIE, CMD_COOKIE, CMD_CHANNEL_LIFETIME,
             CMD_CLIENT_KEEPALIVE, CMD_ASSOCIATION_GROUP_ID])
    c = pdu.commands
    return {"version": c[0][1], "vc_cookie": c[1][1], "in_cookie": c[2][1],
            "lifetime": c[3][1], "keepalive": c[4][1], "assoc_group": c[5][1]}


def conn_a2(vc_cookie, out_cookie, lifetime=0x40000000, window=DEFAULT_RECEIVE_WINDOW):
    return build_rts(FLAG_OUT_CHANNEL, [
        (CMD_VERSION, 1), (CMD_COOKIE, vc_cookie), (CMD_COOKIE, out_cookie),
        (CMD_CHANNEL_LIFETIME, lifetime), (CMD_RECEIVE_WINDOW_SIZE, window)])


def parse_conn_a2(buf):
    pdu = parse_rts(buf)
    _expect(pdu, "CONN/A2", FLAG_OUT_CHANNEL,
            [CMD_VERSION, CMD_COOKIE, CMD_COOKIE, CMD_CHANNEL_LIFETIME,
             CMD_RECEIVE_WINDOW_SIZE])
    c = pdu.commands
    return {"version": c[0][1], "vc_cookie": c[1][1], "out_cookie": c[2][1],
            "lifetime": c[3][1], "receive_window": c[4][1]}


def conn_b2(vc_cookie, in_cookie, assoc_group, client_ip4=b"\x7f\0\0\x01",
            window=DEFAULT_RECEIVE_WINDOW, timeout=DEFAULT_CONNECTION_TIMEOUT):
    return build_rts(FLAG_IN_CHANNEL, [
        (CMD_VERSION, 1), (CMD_COOKIE, vc_cookie), (CMD_COOKIE, in_cookie),
        (CMD_RECEIVE_WINDOW_SIZE, window), (CMD_CONNECTION_TIMEOUT, timeout),
        (CMD_ASSOCIATION_GROUP_ID, assoc_group), (CMD_CLIENT_ADDRESS, client_ip4)])


def parse_conn_b2(buf):
    pdu = parse_rts(buf)
    _expect(pdu, "CONN/B2", FLAG_IN_CHANNEL,
            [CMD_VERSION, CMD_COOKIE, CMD_COOKIE, CMD_RECEIVE_WINDOW_SIZE,
             CMD_CONNECTION_TIMEOUT, CMD_ASSOCIATION_GROUP_ID, CMD_CLIENT_ADDRESS])
    c = pdu.commands
    return {"version": c[0][1], "vc_cookie": c[1][1], "in_cookie": c[2][1],
            "receive_window": c[3][1], "timeout": c[4][1], "assoc_group": c[5][1],
            "client_address": c[6][1]}


def conn_a3(timeout=DEFAULT_CONNECTION_TIMEOUT):
    return build_rts(FLAG_NONE, [(CMD_CONNECTION_TIMEOUT, timeout)])


def conn_b3(window=DEFAULT_RECEIVE_WINDOW, version=1):
    return build_rts(FLAG_NONE, [(CMD_RECEIVE_WINDOW_SIZE, window), (CMD_VERSION, version)])


def conn_c1(version=1, window=DEFAULT_RECEIVE_WINDOW, timeout=DEFAULT_CONNECTION_TIMEOUT):
    return build_rts(FLAG_NONE, [(CMD_VERSION, version), (CMD_RECEIVE_WINDOW_SIZE, window),
                                 (CMD_CONNECTION_TIMEOUT, timeout)])


def parse_conn_c1(buf):
    pdu = parse_rts(buf)
    _expect(pdu, "CONN/C1", FLAG_NONE,
            [CMD_VERSION, CMD_RECEIVE_WINDOW_SIZE, CMD_CONNECTION_TIMEOUT])
    c = pdu.commands
    return {"version": c[0][1], "receive_window": c[1][1], "timeout": c[2][1]}


def conn_c2(version=1, window=DEFAULT_RECEIVE_WINDOW, timeout=DEFAULT_CONNECTION_TIMEOUT):
    return build_rts(FLAG_NONE, [(CMD_VERSION, version), (CMD_RECEIVE_WINDOW_SIZE, window),
                                 (CMD_CONNECTION_TIMEOUT, timeout)])


def check_b1_values(b1):
    """Windows-like range checks of CONN/B1; returns None or an error string.

    impacket notes that a ClientKeepalive of 0 gets rpc error 0x6c0 from IIS
    although the spec says 0 means 300000; the lab mirrors that.
    """
    if b1["version"] != 1:
        return "Version %d is not 1" % b1["version"]
    if not 0x20000 <= b1["lifetime"] <= 0x80000000:
        return "ChannelLifetime %d out of 128 KB..2 GB" % b1["lifetime"]
    if b1["keepalive"] < 60000:
        return "ClientKeepalive %d below 60000" % b1["keepalive"]
    return None


def check_a1_values(a1):
    if a1["version"] != 1:
        return "Version %d is not 1" % a1["version"]
    if not 0x2000 <= a1["receive_window"] <= 0x40000000:
        return "ReceiveWindowSize %d out of range" % a1["receive_window"]
    return None
