#!/usr/bin/python3
"""Helpers of serve-bench.sh (stdlib only).

  freeport                 print a free TCP port on 127.0.0.1
  config N PORT CA DB LISTEN   print a serve config of N depth:echo targets
  lag METRICS_FILE         print "p50_ms p99_ms count" from the
                           oaprobe_schedule_lag_seconds histogram (bucket
                           upper bounds, linear inside the bucket)
  cpu PID                  print utime+stime of PID in seconds
"""
import os
import re
import socket
import sys


def freeport():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def config(n, port, ca, db, listen):
    host = "oa.bench.test"
    out = [
        f"listen: {listen}",
        f"storage: {db}",
        "defaults:",
        f"  host: {host}:{port}",
        f"  resolve: {host}:{port}:127.0.0.1",
        f"  cacert: {ca}",
        "  depth: echo",
        "  interval: 60s",
        "  timeout: 15s",
    ]
    if n == 0:
        out.append("targets: []")
    else:
        out.append("targets:")
        out += [f"  - name: t{i:05d}" for i in range(n)]
    print("\n".join(out))


def lag(path):
    buckets = []
    count = 0
    with open(path) as f:
        for line in f:
            m = re.match(r'oaprobe_schedule_lag_seconds_bucket\{le="([^"]+)"\} (\S+)', line)
            if m:
                le = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
                buckets.append((le, float(m.group(2))))
            m = re.match(r"oaprobe_schedule_lag_seconds_count (\S+)", line)
            if m:
                count = int(float(m.group(1)))
    if count == 0 or not buckets:
        print("nan nan 0")
        return

    def q(p):
        want = p * count
        lo_le, lo_c = 0.0, 0.0
        for le, c in buckets:
            if c >= want:
                if le == float("inf"):
                    return float("inf")
                frac = (want - lo_c) / (c - lo_c) if c > lo_c else 1.0
                return lo_le + (le - lo_le) * frac
            lo_le, lo_c = le, c
        return float("inf")

    print(f"{q(0.5) * 1000:.1f} {q(0.99) * 1000:.1f} {count}")


def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    print(f"{(int(fields[11]) + int(fields[12])) / tick:.2f}")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "freeport":
        freeport()
    elif cmd == "config":
        config(int(args[0]), args[1], args[2], args[3], args[4])
    elif cmd == "lag":
        lag(args[0])
    elif cmd == "cpu":
        cpu(args[0])
    else:
        sys.exit(f"serve_bench_util: unknown command {cmd}")
