#!/usr/bin/python3
"""CA file I/O per check: how often OpenSSL opens the system trust store.

Runs tests/integration/check/check_multi_driver (the engine as the service
drives it: many checks on one multi, one process) under `strace -f -e
trace=openat,open` against the lab's healthy scenario with the SYSTEM trust
store (`--cacert system`), once with 1 check and once with N checks, for
each driver binary given (before and after a change), in two modes:

  shared  the store loaded once and shared (--shared-trust,
          check_trust_load(NULL)), as the service does per configuration
  cache   no store given: the engine's cache loads it in a background thread

and prints the opens of files under /etc/ssl and /usr/lib/ssl (OpenSSL's
OPENSSLDIR and the CA bundle and hashed directory it points to): in total,
on the engine's (the process's first) thread, and per check after the first
((opens with N checks - opens with 1) / (N - 1)); and the stat calls on
them per check (the hashed directory's HASH.0 lookups). The lab's CA is not in the
system store, so every check ends cert_untrusted; that changes nothing to
the lookups (a trusted chain's intermediate is looked up the same way).

    sudo unshare -n sh -c 'ip link set lo up; \\
        tests/bench/ca-io.py --checks 10 BEFORE/check_multi_driver \\
            build/test/tests/integration/check/check_multi_driver'

Root: the lab listens on 443 (inside a private network namespace). A
measurement: exit 0 when it ran, 1 when something broke, 2 for bad usage.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lab"))

from fixture import Lab  # noqa: E402

CA_DIRS = ("/etc/ssl/", "/usr/lib/ssl/")
LINE = re.compile(r'^(\d+)\s+(openat|open|newfstatat|stat|lstat|statx|access)\((?:AT_FDCWD, )?"([^"]*)"')
OPENS = ("openat", "open")


def traced_opens(driver, lab, sc, user, n, shared, tmp):
    """(CA opens, CA opens on the first thread, CA stats, checks not ending) of one run."""
    out = os.path.join(tmp, "strace.out")
    cmd = ["strace", "-f", "-qq", "-e", "trace=openat,open,newfstatat,stat,lstat,statx,access", "-o", out, driver,
           "--cacert", "system", "--user", "%s\\%s" % (user["domain"], user["user"])]
    if shared:
        cmd.append("--shared-trust")
    cmd += ["%s=%s" % (sc["host"], sc["address"])] * n
    env = dict(os.environ, OAPROBE_PASSWORD=user["password"],
               ASAN_OPTIONS="detect_leaks=0")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    if p.returncode != 0:
        raise RuntimeError("%s exited %d:\n%s" % (driver, p.returncode, p.stderr[-2000:]))
    total = main_thread = stats = 0
    first_pid = None
    with open(out) as f:
        for ln in f:
            m = LINE.match(ln)
            if not m:
                continue
            pid = int(m.group(1))
            if first_pid is None:
                first_pid = pid
            if not m.group(3).startswith(CA_DIRS):
                continue
            if m.group(2) in OPENS:
                total += 1
                main_thread += pid == first_pid
            else:
                stats += 1
    ended = p.stdout.count("\n")
    return total, main_thread, stats, n - ended


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checks", type=int, default=10, help="checks in the second run (>= 2)")
    ap.add_argument("driver", nargs="+", help="check_multi_driver binaries")
    args = ap.parse_args()
    if args.checks < 2 or shutil.which("strace") is None:
        print("ca-io: need --checks >= 2 and strace (package strace)", file=sys.stderr)
        return 2
    for d in args.driver:
        if not os.access(d, os.X_OK):
            print("ca-io: %s is not executable" % d, file=sys.stderr)
            return 2
    lab = Lab(["healthy"], kdc=False).start()
    tmp = tempfile.mkdtemp(prefix="oaprobe-ca-io-")
    try:
        sc = lab.scenario("healthy")
        user = lab.data["users"][0]
        print("CA opens under %s, system store, lab healthy, 1 vs %d checks in one process"
              % (" ".join(CA_DIRS), args.checks))
        print("%-8s %-6s %18s %18s %16s %16s" % ("driver", "mode", "opens 1 (engine)",
                                                 "opens N (engine)", "opens per check",
                                                 "stats per check"))
        for i, d in enumerate(args.driver):
            for mode in ("shared", "cache"):
                one, one_main, one_st, _ = traced_opens(d, lab, sc, user, 1, mode == "shared",
                                                        tmp)
                many, many_main, many_st, lost = traced_opens(d, lab, sc, user, args.checks,
                                                              mode == "shared", tmp)
                per = (many - one) / (args.checks - 1)
                per_st = (many_st - one_st) / (args.checks - 1)
                print("%-8s %-6s %11d (%4d) %11d (%4d) %16.1f %16.1f%s"
                      % ("#%d" % (i + 1), mode, one, one_main, many, many_main, per, per_st,
                         "  (%d checks did not end)" % lost if lost else ""))
        for i, d in enumerate(args.driver):
            print("#%d = %s" % (i + 1, d))
        return 0
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        print("ca-io: %s" % e, file=sys.stderr)
        return 1
    finally:
        lab.stop()
        lab.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
