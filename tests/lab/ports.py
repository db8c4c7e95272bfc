"""Loopback ports for tests: free_port(host, udp=False).

A port is chosen at random below the kernel's ephemeral range
(net.ipv4.ip_local_port_range, 32768-60999 by default) and above the lab's
--port-base 20000 block, and is checked bindable. Binding 0 and closing, the
old way, hands out an ephemeral port, which an outgoing connection of a test
running beside this one can take between the choice and the server's bind
(seen in CI: "Address already in use").

Below the ephemeral range only another free_port() caller could take the
port, and it is reserved against those until the process that chose it
exits: never handed out twice by one process (a test asking for five ports
gets five), and locked for the others (a byte-range lock at offset PORT of
one file in the temporary directory, which the kernel drops when the
process ends). A port chosen is often bound later by a child (the service
under test) or never bound at all (an address where nothing must listen);
without the reservation a test running beside it could pick it meanwhile.
"""

import fcntl
import os
import random
import socket
import tempfile

RANGE = (28000, 32700)
LOCK_FILE = os.path.join(tempfile.gettempdir(), "oaprobe-test-ports.lock")

_given = set()    # ports this process has handed out
_lock_fd = None   # kept open for the life of the process: closing any fd of
                  # the file would drop every lock this process holds on it


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


def _reserve(port):
    """Reserve port for this process; False when this process or another
    one (free_port in another test) has it already. Without the lock file
    (not writable) only this process's own choices are excluded."""
    global _lock_fd
    if port in _given:
        return False
    if _lock_fd is None:
        try:
            _lock_fd = os.open(LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
            try:
                os.fchmod(_lock_fd, 0o666)  # other users' tests lock it too
            except OSError:
                pass  # not ours
        except OSError:
            _lock_fd = -1
    if _lock_fd >= 0:
        try:
            fcntl.lockf(_lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, port)
        except BlockingIOError:
            return False  # another process holds it
        except OSError:
            pass  # locking not possible here: this process's set only
    _given.add(port)
    return True


def free_port(host="127.0.0.1", udp=False):
    """A port free on host for TCP (and UDP when udp), reserved for this
    process until it exits; 200 random tries in RANGE, then the kernel's
    choice."""
    lo, hi = RANGE[0], min(RANGE[1], _ephemeral_low())
    rnd = random.SystemRandom()
    for _ in range(200 if hi - lo > 100 else 0):
        port = rnd.randrange(lo, hi)
        if port not in _given and bindable(host, port, udp) and _reserve(port):
            return port
    for _ in range(50):
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        s.bind((host, 0))
        port = s.getsockname()[1]
        s.close()
        if port not in _given and bindable(host, port, udp) and _reserve(port):
            return port
    raise OSError("no free port on %s after 250 tries" % host)
