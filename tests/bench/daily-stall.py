#!/usr/bin/python3
"""How long the loop stalls while GET /api/v1/daily is built.

For each api_fake binary given (before and after a change), starts it with
--many N targets, commits one run of every target through its stdin
(add-run: a daily rollup row each, as a service with history has), then
while a poller thread asks a cached one-target body over and over on a
keep-alive connection, requests /api/v1/daily?days=D on a cold cache (a new
days value each time) and prints the build's wall time and the longest gap
between two answers of the poller during it: the loop's longest stall
(api_fake runs the API on the real loop, one thread), and the body's size
and SHA-256 (the same data: the same bytes before and after).

    unshare -n sh -c 'ip link set lo up; tests/bench/daily-stall.py \\
        --many 10000 OLD/api_fake build/rel/tests/integration/api/api_fake'

A measurement, not a test: exit 0 when it ran, 1 when something broke.
"""

import argparse
import hashlib
import http.client
import os
import subprocess
import sys
import tempfile
import threading
import time


def run(fake, many, rounds):
    tmp = tempfile.TemporaryDirectory()
    p = subprocess.Popen([fake, "--store", os.path.join(tmp.name, "h.db"), "--many",
                          str(many)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    port = int(p.stdout.readline().split()[1])
    p.stdout.readline()
    names = ["many-%05d" % i for i in range(many)]
    for name in names:
        p.stdin.write("add-run %s\n" % name)
    p.stdin.flush()
    for _ in names:
        if p.stdout.readline().strip() != "ok":
            raise RuntimeError("add-run failed")
    stop = threading.Event()
    stamps = []

    def poll():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while not stop.is_set():
            c.request("GET", "/api/v1/targets/contoso-mail/daily?days=1")
            c.getresponse().read()
            stamps.append(time.monotonic())
        c.close()

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(0.5)
    out = []
    for i in range(rounds):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        t0 = time.monotonic()
        c.request("GET", "/api/v1/daily?days=%d" % (90 + i))
        r = c.getresponse()
        body = r.read()
        t1 = time.monotonic()
        c.close()
        if r.status != 200:
            raise RuntimeError("status %d" % r.status)
        time.sleep(0.2)
        during = [s for s in stamps if t0 - 0.05 <= s <= t1 + 0.05]
        gaps = [b - a for a, b in zip(during, during[1:])]
        out.append((t1 - t0, max(gaps) if gaps else t1 - t0, len(body),
                    hashlib.sha256(body).hexdigest()[:16]))
    stop.set()
    t.join()
    p.stdin.close()
    p.wait(timeout=60)
    tmp.cleanup()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--many", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("fakes", nargs="+")
    a = ap.parse_args()
    for fake in a.fakes:
        for build_s, gap_s, size, digest in run(fake, a.many, a.rounds):
            print("%s: %d targets: build %.3f s, longest loop stall %.1f ms, body %d B "
                  "sha256 %s" % (fake, a.many + 6, build_s, gap_s * 1000, size, digest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
