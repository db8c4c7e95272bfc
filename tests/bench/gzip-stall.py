#!/usr/bin/python3
"""How long the loop stalls while the target list's gzip variant is made.

For each api_fake binary given (before and after a change), starts it with
--many N targets; while a poller thread asks a small cached body over and
over on a keep-alive connection, each round changes one target (stdin:
touch), gets the new /api/v1/targets as identity (the rebuild, then a pause
so that it is not measured), and then with Accept-Encoding: gzip on a cold
gzip variant: it prints that request's wall time, the longest gap between
two answers of the poller during it (the loop's longest stall: api_fake runs
the API on the real loop, one thread; next to it the poller's median gap
right after, alone: its own round trip), the gzip size and the SHA-256 of
the body decompressed next to the identity body's (the same bytes).

    unshare -n sh -c 'ip link set lo up; tests/bench/gzip-stall.py \\
        --many 10000 OLD/api_fake build/rel/tests/integration/api/api_fake'

Like daily-stall.py: a measurement, not a test: exit 0 when it ran, 1 when
something broke.
"""

import argparse
import gzip
import hashlib
import http.client
import os
import subprocess
import sys
import tempfile
import threading
import time


def get(port, headers):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", "/api/v1/targets", headers=headers)
    r = c.getresponse()
    body = r.read()
    c.close()
    if r.status != 200:
        raise RuntimeError("status %d" % r.status)
    return r, body


def run(fake, many, rounds):
    tmp = tempfile.TemporaryDirectory()
    p = subprocess.Popen([fake, "--store", os.path.join(tmp.name, "h.db"), "--many",
                          str(many)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    port = int(p.stdout.readline().split()[1])
    p.stdout.readline()
    stop = threading.Event()
    stamps = []

    def poll():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while not stop.is_set():
            c.request("GET", "/api/v1/targets/contoso-mail")
            c.getresponse().read()
            stamps.append(time.monotonic())
        c.close()

    t = threading.Thread(target=poll)
    t.start()
    get(port, {})  # the first build of the list, not measured
    time.sleep(0.5)
    out = []
    for i in range(rounds):
        p.stdin.write("touch many-%05d\n" % i)
        p.stdin.flush()
        if p.stdout.readline().strip() != "ok":
            raise RuntimeError("touch failed")
        time.sleep(1.1)  # past API_CACHE_STALE_MAX_MS: the next read rebuilds
        _, plain = get(port, {})
        time.sleep(0.3)
        t0 = time.monotonic()
        r, zipped = get(port, {"Accept-Encoding": "gzip"})
        t1 = time.monotonic()
        if r.getheader("content-encoding") != "gzip":
            raise RuntimeError("no gzip answer")
        time.sleep(0.2)
        during = [s for s in stamps if t0 - 0.05 <= s <= t1 + 0.05]
        gaps = [b - a for a, b in zip(during, during[1:])]
        # the same length of time right after, the poller alone: the noise
        # floor of the machine (the scheduler, other processes)
        idle = [s for s in stamps if t1 + 0.05 <= s <= t1 + 0.05 + max(t1 - t0, 0.02)]
        igaps = [b - a for a, b in zip(idle, idle[1:])] or [0.0]
        out.append((t1 - t0, max(gaps) if gaps else t1 - t0, max(igaps),
                    len(plain), len(zipped),
                    hashlib.sha256(plain).hexdigest()[:16],
                    hashlib.sha256(gzip.decompress(zipped)).hexdigest()[:16]))
    stop.set()
    t.join()
    p.stdin.close()
    p.wait(timeout=60)
    tmp.cleanup()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--many", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("fakes", nargs="+")
    a = ap.parse_args()
    for fake in a.fakes:
        rows = run(fake, a.many, a.rounds)
        for wall, gap, idle, n, nz, d, dz in rows:
            print("%s: %d targets: gzip answer %.1f ms, longest loop stall %.1f ms (the "
                  "poller alone right after: %.1f ms), body %d B gzip %d B, sha256 %s, "
                  "decompressed %s" % (fake, a.many + 6, wall * 1000, gap * 1000, idle * 1000,
                                       n, nz, d, dz))
        stalls = sorted(r[1] * 1000 for r in rows)
        alone = sorted(r[2] * 1000 for r in rows)
        print("%s: longest loop stall median %.1f ms, max %.1f ms; the poller alone median "
              "%.1f ms" % (fake, stalls[len(stalls) // 2], stalls[-1], alone[len(alone) // 2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
