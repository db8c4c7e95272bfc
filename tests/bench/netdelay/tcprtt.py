#!/usr/bin/python3
"""tcprtt.py: measure the round trip of a path with TCP connects.

    tcprtt.py listen ADDR PORT [--seconds 60]      (one side; prints READY)
    tcprtt.py connect ADDR PORT [--count 20]       (the other side)
    tcprtt.py tls ADDR PORT --sni HOST [--cafile F] (prints TLS_VERSION TLSv1.3)

connect() returns when the SYN-ACK is back, so its duration is one round
trip of the path (plus the two stacks' handling, microseconds). `connect`
prints every sample and a last line

    RTT_MS min=50.412 median=50.530 max=50.901 n=20

`tls` does one verified TLS handshake (default client settings of Python's
ssl, like curl's) and prints the protocol version the server chose.

The listener accepts and closes at once; it stops after --seconds. Both
sides take 127.0.0.0/8 addresses only.
"""

import argparse
import ipaddress
import socket
import ssl
import statistics
import sys
import time


def loopback(text):
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%s is not an IP address" % text)
    if ip.version != 4 or not ip.is_loopback:
        raise argparse.ArgumentTypeError("%s is not in 127.0.0.0/8" % text)
    return text


def listen(addr, port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    s.settimeout(0.5)
    print("READY %s:%d" % (addr, port), flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        c.close()
    s.close()
    return 0


def connect(addr, port, count, pause):
    samples = []
    failures = 0
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(3.0)
        t0 = time.perf_counter()
        try:
            s.connect((addr, port))
            samples.append((time.perf_counter() - t0) * 1000.0)
        except OSError as e:
            failures += 1
            print("connect %s:%d: %s" % (addr, port, e), file=sys.stderr)
        finally:
            s.close()
        time.sleep(pause)
    if not samples:
        print("RTT_MS none (every connect failed)")
        return 1
    print("samples_ms " + " ".join("%.3f" % v for v in samples))
    print("RTT_MS min=%.3f median=%.3f max=%.3f n=%d failed=%d"
          % (min(samples), statistics.median(samples), max(samples), len(samples), failures))
    return 0 if failures == 0 else 1


def tls_version(addr, port, sni, cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection((addr, port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=sni) as s:
            print("TLS_VERSION %s" % s.version())
    return 0


def main():
    ap = argparse.ArgumentParser(description="TCP connect round-trip time")
    sub = ap.add_subparsers(dest="mode", required=True)
    lp = sub.add_parser("listen")
    lp.add_argument("addr", type=loopback)
    lp.add_argument("port", type=int)
    lp.add_argument("--seconds", type=float, default=60.0)
    cp = sub.add_parser("connect")
    cp.add_argument("addr", type=loopback)
    cp.add_argument("port", type=int)
    cp.add_argument("--count", type=int, default=20)
    cp.add_argument("--pause", type=float, default=0.02, help="seconds between connects")
    tp = sub.add_parser("tls")
    tp.add_argument("addr", type=loopback)
    tp.add_argument("port", type=int)
    tp.add_argument("--sni", required=True)
    tp.add_argument("--cafile", default=None)
    a = ap.parse_args()
    if a.mode == "tls":
        return tls_version(a.addr, a.port, a.sni, a.cafile)
    if a.mode == "listen":
        return listen(a.addr, a.port, min(max(a.seconds, 1.0), 3600.0))
    return connect(a.addr, a.port, min(max(a.count, 1), 1000), min(max(a.pause, 0.0), 5.0))


if __name__ == "__main__":
    sys.exit(main())
