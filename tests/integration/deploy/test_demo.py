#!/usr/bin/python3
"""test_demo.py: deploy/demo.sh, the service demo, end to end.

    test_demo.py --demo deploy/demo.sh [--oaprobe BIN] [--net 60] [--flap 40]

Starts the demo (with --oaprobe: as --bin, so it builds nothing; without:
as the README says, so it installs and builds; its own port; the lab on
127.NET.x.y), waits for its banner, then checks through the API that /healthz answers and that each lab
target reaches its expected state and diagnosis, that the flapping target
goes down after the demo stops its lab, then sends SIGINT to the demo alone
and checks that it exits 0 within 30 s, that every process it started is
gone and that its state directory is removed.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lab"))
from ports import free_port  # noqa: E402

EXPECT = {  # target: (status, a code that must be among its codes)
    "healthy": ("ok", None),
    "acl-fqdn-missing": ("critical", "validports_missing_entry"),
    "cert-expiring": ("warning", "cert_expiring"),
    "backend-down-6004": ("critical", "backend_unreachable"),
    "auth-rejected": ("critical", "auth_rejected"),
    "flapping": ("ok", None),
}




def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.read().decode()


def descendants(pid):
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = open("/proc/%s/stat" % d).read()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


def alive(pid):
    try:
        stat = open("/proc/%d/stat" % pid).read()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def targets(base):
    _, body = get(base + "/api/v1/targets")
    return {t["name"]: t for t in json.loads(body)["targets"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo", required=True)
    ap.add_argument("--oaprobe", help="the binary (default: the demo builds one)")
    ap.add_argument("--net", type=int, default=60)
    ap.add_argument("--flap", type=int, default=40)
    a = ap.parse_args()
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    t0 = time.monotonic()
    argv = [a.demo, "--port", str(port), "--net", str(a.net), "--flap", str(a.flap)]
    if a.oaprobe:
        argv += ["--bin", a.oaprobe]
    demo = subprocess.Popen(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    out = []
    state = None
    try:
        for line in demo.stdout:
            out.append(line)
            m = re.search(r"The service's log: (\S+)/serve.log", line)
            if m:
                state = m.group(1)
                break
        if state is None:
            raise SystemExit("the demo ended before its banner:\n" + "".join(out))
        print("demo up after %.1f s, state %s" % (time.monotonic() - t0, state))
        status, body = get(base + "/healthz")
        assert status == 200, (status, body)

        deadline = time.monotonic() + 90
        seen = {}
        while time.monotonic() < deadline:
            seen = targets(base)
            wrong = [n for n, (st, code) in EXPECT.items()
                     if n not in seen or seen[n]["status"] != st
                     or (code and code not in seen[n]["codes"])]
            if not wrong:
                break
            time.sleep(2)
        else:
            raise SystemExit("states after 90 s: %s" % {n: (t["status"], t["codes"])
                                                      for n, t in seen.items()})
        print("every target in its expected state after %.1f s" % (time.monotonic() - t0))

        deadline = time.monotonic() + a.flap + 60
        while time.monotonic() < deadline:
            f = targets(base)["flapping"]
            if f["status"] == "critical":
                break
            time.sleep(2)
        else:
            raise SystemExit("flapping never went down: %s" % targets(base)["flapping"])
        print("flapping went down (%s) after %.1f s" % (f["codes"], time.monotonic() - t0))

        kids = descendants(demo.pid)
        assert kids, "the demo has no child processes"
        demo.send_signal(signal.SIGINT)
        rc = demo.wait(timeout=30)
        rest = demo.stdout.read()
        assert rc == 0, "demo exited %d after SIGINT:\n%s" % (rc, rest)
        # the demo waited for its children; their own children (the lab's
        # KDC, which a parent's death signals) may take a moment on a loaded
        # machine: wait for them, bounded, instead of a fixed 0.5 s
        end = time.monotonic() + 15
        left = [k for k in kids if alive(k)]
        while left and time.monotonic() < end:
            time.sleep(0.05)
            left = [k for k in kids if alive(k)]
        assert not left, "still running 15 s after the demo stopped: %s" % left
        assert not os.path.exists(state), "state directory %s left behind" % state
        print("SIGINT: the demo exited 0, its %d processes are gone, its state removed" % len(kids))
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
