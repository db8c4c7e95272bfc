#!/usr/bin/python3
"""Generate bind_ack vectors for test_dcerpc_resp.c from impacket's own server.

Feeds the 72-byte EMSMDB bind of rpc-over-http.md section 4.2 (the bytes our
encoder must produce) to impacket.dcerpc.v5.rpcrt.DCERPCServer.processRequest()
and prints the bind_ack it answers, as C arrays. Nothing touches the network:
the server's client socket is replaced by an object that records send().
(DCERPCServer() binds a listening socket on 127.0.0.1:0 in its constructor;
it is never listened on or connected to.)

Run with Debian's interpreter: /usr/bin/python3 gen_impacket_vectors.py
Checked with python3-impacket 0.10.0-4.
"""
from impacket.dcerpc.v5 import rpcrt

BIND_EMSMDB = bytes.fromhex(
    "05000b03100000004800000001000000b810b81000000000"
    "0100000000000100"
    "00dbf1a447ca6710b31f00dd010662da00005100"
    "045d888aeb1cc9119fe808002b10486002000000")


class Sink:
    """Stands in for the accepted client socket; keeps what the server sends."""

    def __init__(self):
        self.sent = []

    def send(self, data):
        self.sent.append(bytes(data))
        return len(data)

    def close(self):
        pass


def bind_ack_from(iface, secondary_addr):
    srv = rpcrt.DCERPCServer()
    try:
        srv.addCallbacks(iface, secondary_addr, {})
        srv._clientSock = Sink()
        srv.processRequest(BIND_EMSMDB)
        return srv._clientSock.sent[0]
    finally:
        srv._sock.close()


def c_array(name, data):
    lines = []
    for i in range(0, len(data), 12):
        lines.append("    " + ", ".join("0x%02x" % b for b in data[i:i + 12]) + ",")
    return "static const uint8_t %s[%d] = {\n%s\n};" % (name, len(data), "\n".join(lines))


def main():
    # impacket 0.10 formats the rejected interface with '%s' % tuple, which
    # raises; make bin_to_uuidtup return a string so the rejection path runs.
    orig = rpcrt.bin_to_uuidtup
    rpcrt.bin_to_uuidtup = lambda b: repr(orig(b))
    accepted = bind_ack_from(("A4F1DB00-CA47-1067-B31F-00DD010662DA", "0.81"), "6001")
    rejected = bind_ack_from(("F5CC5A18-4264-101A-8C59-08002B2F8426", "56.0"), "6004")
    print(c_array("imp_ack_accept_6001", accepted))
    print(c_array("imp_ack_reject_unknown_if", rejected))


if __name__ == "__main__":
    main()
