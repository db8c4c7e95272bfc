#!/usr/bin/python3
"""CPU per check, and how many of a check's TLS connections resume a session.

Runs `oaprobe check -vv` N times in a row against the lab's healthy scenario
(2 names x 3 ports: 15 TLS connections per check) for each binary given, and
prints per binary: the CPU time of the probe process per check (user +
system, from wait4's rusage), the wall time, and from one more
run with -vv how many handshakes libcurl made and how many offered a cached session ("SSL
re-using session ID"). Before its figures it checks that the lab's TLS front
end resumes at all (a Python client offers the session of its first
connection on two more and reads `session_reused`).

    sudo unshare -n sh -c 'ip link set lo up; \\
        tests/bench/tls-cpu.py --runs 20 BEFORE/oaprobe build/release/service/oaprobe'

With --driver PATH (tests/integration/check/check_multi_driver, a release
build) it also measures consecutive checks of one target in ONE process, as
the service runs them: `--sequential` with and without `--tls-cache` (one
TLS session cache for the target's checks, check_tls_cache_new): the CPU
per check is (CPU of 1 + N checks - CPU of 1 check) / N, so the process's
start is not counted, over --rounds alternating rounds; and from one run
with --tls-count, the TLS connections of the later checks that offered a
cached session.

Root: the lab listens on 443 (inside a private network namespace). A
measurement: exit 0 when it ran, 1 when something broke, 2 for bad usage.
"""

import argparse
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lab"))

from fixture import Lab  # noqa: E402


def lab_resumes(lab, sc):
    """True when a second and third connection resume the first's session."""
    ctx = ssl.create_default_context(cafile=lab.data["ca_bundle"])
    sess, reused = None, []
    for _ in range(3):
        raw = socket.create_connection((sc["address"], 443), timeout=10)
        with ctx.wrap_socket(raw, server_hostname=sc["host"], session=sess) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            while s.recv(4096):
                pass
            reused.append(s.session_reused)
            sess = s.session
    return reused == [False, True, True]


def measure(binary, lab, sc, user, pwfile, runs):
    cmd = [binary, "check", "--cacert", lab.data["ca_bundle"],
           "--resolve", "%s:443:%s" % (sc["host"], sc["address"]),
           "--user", "%s\\%s" % (user["domain"], user["user"]), "--password-file", pwfile,
           sc["host"]]
    env = {k: v for k, v in os.environ.items() if k != "OAPROBE_PASSWORD"}
    cpu, wall, hs, resumed, bad = [], [], 0, 0, 0
    for _ in range(runs):
        start = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        _, status, ru = os.wait4(p.pid, 0)  # reaped here: rusage in microseconds
        p.returncode = os.waitstatus_to_exitcode(status)
        wall.append(time.monotonic() - start)
        cpu.append(ru.ru_utime + ru.ru_stime)
        if p.returncode != 0:
            bad += 1
    # one more run with -vv (its tracing costs CPU: not measured) to count
    p = subprocess.run(cmd[:2] + ["-vv"] + cmd[2:], capture_output=True, text=True, env=env,
                       timeout=60)
    hs = p.stderr.count("SSL connection using")
    resumed = p.stderr.count("SSL re-using session ID")
    cpu.sort()
    wall.sort()
    return {"cpu_ms": 1000 * sum(cpu) / runs, "cpu_med_ms": 1000 * cpu[runs // 2],
            "wall_med_ms": 1000 * wall[runs // 2], "handshakes": hs, "resumed": resumed,
            "not_ok": bad}


def driver_cpu(driver, lab, sc, user, n, extra):
    """CPU seconds (user + system) of one driver process running n checks."""
    cmd = [driver, "--sequential", "--cacert", lab.data["ca_bundle"],
           "--user", "%s\\%s" % (user["domain"], user["user"])] + extra
    cmd += ["%s=%s" % (sc["host"], sc["address"])] * n
    env = dict(os.environ, OAPROBE_PASSWORD=user["password"])
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    out = p.stdout.read().decode()
    _, status, ru = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0 or out.count(" ok -") != n:
        raise RuntimeError("%s %s: not every check OK:\n%s" % (driver, " ".join(extra), out))
    return ru.ru_utime + ru.ru_stime, out


def measure_driver(driver, lab, sc, user, runs, rounds):
    res = {}
    for mode, extra in (("per check", []), ("per target", ["--tls-cache"])):
        res[mode] = []
    for _ in range(rounds):
        for mode, extra in (("per check", []), ("per target", ["--tls-cache"])):
            one, _ = driver_cpu(driver, lab, sc, user, 1, extra)
            many, _ = driver_cpu(driver, lab, sc, user, runs + 1, extra)
            res[mode].append(1000 * (many - one) / runs)
    for mode, extra in (("per check", []), ("per target", ["--tls-cache"])):
        _, out = driver_cpu(driver, lab, sc, user, 3, extra + ["--tls-count"])
        last = out.splitlines()[-1].split(" ")  # HOST ok - tls H resumed R
        print("%s, session cache %s: CPU per check %s ms (rounds); a later check: "
              "%s TLS connections, %s offered a cached session"
              % (driver, mode, " / ".join("%.1f" % x for x in res[mode]), last[4], last[6]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--net", type=int, default=81)
    ap.add_argument("--driver", help="check_multi_driver: consecutive checks in one process")
    ap.add_argument("--rounds", type=int, default=2, help="--driver rounds (alternating)")
    ap.add_argument("binaries", nargs="*")
    args = ap.parse_args()
    if os.geteuid() != 0 or args.runs < 1:
        print("tls-cpu: run as root (the lab uses port 443), --runs >= 1", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="oaprobe-tlscpu-") as tmp, \
            Lab(["healthy"], net=args.net, kdc=False) as lab:
        sc = lab.scenario("healthy")
        user = lab.data["users"][0]
        pwfile = os.path.join(tmp, "pw")
        with open(pwfile, "w") as f:
            f.write(user["password"] + "\n")
        os.chmod(pwfile, 0o600)
        print("lab TLS front end resumes sessions (Python client, 3 connections): %s"
              % ("yes" if lab_resumes(lab, sc) else "NO"))
        if args.driver:
            measure_driver(args.driver, lab, sc, user, args.runs, args.rounds)
        for b in args.binaries:
            r = measure(b, lab, sc, user, pwfile, args.runs)
            print("%s: %d checks, CPU %.1f ms/check (median %.1f), wall median %.0f ms, "
                  "%d TLS handshakes/check, %d offered a cached session, %d not OK"
                  % (b, args.runs, r["cpu_ms"], r["cpu_med_ms"], r["wall_med_ms"],
                     r["handshakes"], r["resumed"], r["not_ok"]))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a measurement: say what broke
        print("tls-cpu: %s" % e, file=sys.stderr)
        sys.exit(1)
