#!/usr/bin/python3
"""probe_runs.py: run `oaprobe check ... --json` N times and time each run.

    probe_runs.py --runs 5 [--timeout 60] -- OAPROBE check --json ... HOST

The wall time is taken around the child process here (so it includes the
probe's own start-up and exit, not this interpreter's). One JSON object per
run on stdout:

    {"run": 1, "wall": 0.731, "rc": 0, "status": "ok", "duration_seconds": 0.702,
     "tls_version": "TLSv1.3",
     "steps": [["tcp", null, 443, "ok", 0.0506], ["tunnel", "EXCH01", 6001, "ok", 0.261], ...],
     "diagnoses": []}

A run that does not print a JSON object gets "error" with the first line of
its stderr. Exit status 0 when every run ended with status ok.
"""

import argparse
import json
import subprocess
import sys
import time


def one(cmd, timeout):
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           check=False)
    except subprocess.TimeoutExpired:
        return {"wall": round(time.perf_counter() - t0, 6), "rc": None,
                "error": "no exit within %g s" % timeout}
    wall = time.perf_counter() - t0
    rec = {"wall": round(wall, 6), "rc": p.returncode}
    try:
        d = json.loads(p.stdout.decode("utf-8", "replace"))
    except ValueError:
        err = p.stderr.decode("utf-8", "replace").strip().splitlines()
        rec["error"] = (err[0] if err else "no JSON on stdout")[:300]
        return rec
    rec["status"] = d.get("status")
    rec["duration_seconds"] = d.get("duration_seconds")
    steps = []
    for s in d.get("steps", []):
        det = s.get("details") or {}
        steps.append([s.get("name"), det.get("server"), det.get("port"), s.get("status"),
                      s.get("duration_seconds")])
        if s.get("name") == "tls" and det.get("tls_version"):
            rec["tls_version"] = det["tls_version"]
    rec["steps"] = steps
    rec["diagnoses"] = [[g.get("code"), g.get("severity"), (g.get("message") or "")[:200]]
                        for g in d.get("diagnoses", [])]
    return rec


def main():
    ap = argparse.ArgumentParser(description="time N runs of oaprobe check --json")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd or not 1 <= a.runs <= 100 or not 1 <= a.timeout <= 600:
        ap.error("need -- CMD..., --runs 1..100, --timeout 1..600")
    ok = True
    for i in range(1, a.runs + 1):
        rec = {"run": i}
        rec.update(one(cmd, a.timeout))
        ok = ok and rec.get("status") == "ok"
        print(json.dumps(rec), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
