"""Loopback ports for tests: free_port(host, udp=False).

A port is chosen at random below the kernel's ephemeral range
(net.ipv4.ip_local_port_range, 32768-60999 by default) and above the lab's
--port-base 20000 block, and is checked bindable. Binding 0 and closing, the
old way, hands out an ephemeral port, which an outgoing connection of a test
running beside this one can take between the choice and the server's bind
(seen in CI: "Address already in use"). Below the ephemeral range only
another free_port() caller could collide, one chance in thousands.
"""

import random
import socket

RANGE = (28000, 32700)


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def bindable(host, port, udp=False):
    """True when TCP (and UDP when udp) can bind host:port now."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    kinds = [socket.SOCK_STREAM] + ([socket.SOCK_DGRAM] if udp else [])
    socks = []
    try:
        for k in kinds:
            s = socket.socket(fam, k)
            socks.append(s)
            s.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def free_port(host="127.0.0.1", udp=False):
    """A port free on host for TCP (and UDP when udp); 200 random tries in
    RANGE, then the kernel's choice."""
    lo, hi = RANGE[0], min(RANGE[1], _ephemeral_low())
    rnd = random.SystemRandom()
    for _ in range(200 if hi - lo > 100 else 0):
        port = rnd.randrange(lo, hi)
        if bindable(host, port, udp):
            return port
    for _ in range(50):
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        s.bind((host, 0))
        port = s.getsockname()[1]
        s.close()
        if bindable(host, port, udp):
            return port
    raise OSError("no free port on %s after 250 tries" % host)
