#!/usr/bin/python3
"""report.py: the figures of rtt-check.sh, from the files its runs wrote.

    report.py --rtt-ms 50.6 --delay-ms 25 [--tls-version TLSv1.3] [--target 1.3]
              --case 'LABEL|PROBE.jsonl|IMPACKET.jsonl|BASELINE.jsonl' ... [--judge LABEL]

PROBE.jsonl is probe_runs.py output, IMPACKET.jsonl impacket_binds.py
output, BASELINE.jsonl probe_runs.py output without the delay line; any
of them may be an empty string or a missing file (that part is skipped).

Prints: the round-trip model of the probe (stages it must run one after
the other, round trips of each, times the measured RTT), per case the
impacket and probe figures and the probe's own per-stage durations against
their round-trip floor, then the final table with PASS/FAIL against
--target for every case (--judge names the case the target is judged on).
Always exits 0 unless its arguments are wrong: it is a measurement.
"""

import argparse
import json
import os
import statistics
import sys


def load(path):
    out = []
    if not path or not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out


def med(values):
    return statistics.median(values) if values else None


def fmt(v, unit="s", digits=3):
    return "-" if v is None else ("%.*f %s" % (digits, v, unit)).strip()


def tls_rtts(version):
    """Round trips of a full handshake before the client may send data."""
    return 1 if version in (None, "", "TLSv1.3") else 2


def probe_model(t):
    """(stage, round trips, what) of the probe's pipeline (check-engine.md)."""
    return [
        ("connect || echo_unauth", 2 + t,
         "TCP 1 + TLS %d + echo request -> 401 1 (the connect step, TCP + TLS = %d, runs beside it)"
         % (t, 1 + t)),
        ("echo_auth", 3 + t,
         "new connection: TCP 1 + TLS %d + NTLM NEGOTIATE -> 401 challenge 1 + "
         "AUTHENTICATE with the 4-byte echo body -> 200 1" % t),
        ("tunnels + binds (all in parallel)", 5 + t,
         "per channel, new connections: TCP 1 + TLS %d + NEGOTIATE -> 401 1 + "
         "AUTHENTICATE (IN: Expect: 100-continue -> 100; OUT: CONN/A1 -> 200 + CONN/A3) 1 + "
         "CONN/B1 -> CONN/C2 1 + bind -> bind_ack 1" % t),
    ]


def impacket_model(t):
    per_channel = 3 + t         # TCP, TLS, NEGOTIATE leg, AUTHENTICATE + Expect -> 100
    per_bind = 2 * per_channel + 2   # IN then OUT, one after the other; A1/B1 -> C2; bind
    return per_bind


def steps_by_name(runs):
    """name -> list over runs of the max duration of that step in the run."""
    out = {}
    for r in runs:
        seen = {}
        for name, _server, _port, _status, dur in r.get("steps") or []:
            if dur is None:
                continue
            seen[name] = max(seen.get(name, 0.0), dur)
        for k, v in seen.items():
            out.setdefault(k, []).append(v)
    return out


def tunnel_bind_max(runs):
    """per run: the slowest tunnel + its bind (the tunnel stage's length)."""
    out = []
    for r in runs:
        tun = {}
        bind = {}
        for name, server, port, _status, dur in r.get("steps") or []:
            if dur is None:
                continue
            if name == "tunnel":
                tun[(server, port)] = dur
            elif name == "bind":
                bind[(server, port)] = dur
        if tun:
            out.append(max(v + bind.get(k, 0.0) for k, v in tun.items()))
    return out


def main():
    ap = argparse.ArgumentParser(description="rtt-check.sh figures")
    ap.add_argument("--rtt-ms", type=float, required=True)
    ap.add_argument("--delay-ms", type=float, required=True)
    ap.add_argument("--tls-version", default=None)
    ap.add_argument("--target", type=float, default=1.3)
    ap.add_argument("--case", action="append", default=[])
    ap.add_argument("--judge", default=None)
    a = ap.parse_args()

    cases = []
    for c in a.case:
        parts = (c.split("|") + ["", "", "", ""])[:4]
        cases.append({"label": parts[0], "probe": load(parts[1]), "imp": load(parts[2]),
                      "base": load(parts[3])})

    version = a.tls_version
    for c in cases:
        for r in c["probe"]:
            version = r.get("tls_version") or version
    t = tls_rtts(version)
    rtt = a.rtt_ms / 1000.0
    model = probe_model(t)
    total = sum(n for _s, n, _w in model)
    floor = total * rtt

    print()
    print("== Round-trip minimum of oaprobe check (measured RTT %.3f ms, %s negotiated: "
          "%d round trip%s per TLS handshake)" % (a.rtt_ms, version or "TLS version unknown, "
                                                  "assumed TLSv1.3", t, "" if t == 1 else "s"))
    print("   Stages the probe must run one after the other (probes/check, "
          "docs/internals/check-engine.md);")
    print("   every stage opens new connections (FRESH_CONNECT + FORBID_REUSE), "
          "names come from --resolve (no DNS round trip):")
    for stage, n, what in model:
        print("   %-38s %2d RTT = %7.1f ms   %s" % (stage, n, n * rtt * 1000, what))
    print("   %-38s %2d RTT = %7.1f ms" % ("total", total, floor * 1000))
    print("   Assumes: NTLM (server names from --server or the authenticated echo's challenge: "
          "no extra leg); a stage")
    print("   starts only when the previous one has ended (a wrong password must cost one logon, "
          "not 13); the IN channel")
    print("   sends CONN/B1 after its 100 Continue; the proxy answers at once (its own time shows "
          "as 'excess' below);")
    print("   %s as negotiated (with TLS 1.2 the same pipeline is %d RTT)."
          % (version or "TLSv1.3 (assumed)", 10 + 3 * 2))
    per_bind = impacket_model(t)
    print("   (impacket, for comparison: %d RTT per bind = IN channel %d + OUT channel %d, "
          "opened one after the other, + CONN/A1,B1 -> C2 1 + bind 1; three binds one after "
          "the other %d RTT = %.1f ms, in three threads %d RTT = %.1f ms)"
          % (per_bind, 3 + t, 3 + t, 3 * per_bind, 3 * per_bind * rtt * 1000, per_bind,
             per_bind * rtt * 1000))

    rows = []
    for c in cases:
        print()
        print("== %s" % c["label"])
        seq = [r["seconds"] for r in c["imp"] if r.get("mode") == "sequential" and r.get("seconds")]
        par = [r["seconds"] for r in c["imp"] if r.get("mode") == "parallel" and r.get("seconds")]
        bad = [r for r in c["imp"] if not r.get("seconds")]
        if c["imp"]:
            print("   impacket, 3 binds one after the other: min %s  median %s  (n=%d)"
                  % (fmt(min(seq) if seq else None), fmt(med(seq)), len(seq)))
            if par:
                print("   impacket, 3 binds in 3 threads:        min %s  median %s  (n=%d)"
                      % (fmt(min(par)), fmt(med(par)), len(par)))
            for r in bad:
                print("   impacket run %s (%s) failed: %s" % (r.get("run"), r.get("mode"),
                                                              r.get("error")))
        else:
            print("   impacket: not run")
        good = [r for r in c["probe"] if r.get("status") == "ok"]
        for r in c["probe"]:
            if r.get("status") != "ok":
                print("   probe run %s: status %s rc %s %s %s"
                      % (r.get("run"), r.get("status"), r.get("rc"), r.get("error") or "",
                         "; ".join("%s: %s" % (d[0], d[2]) for d in r.get("diagnoses") or [])))
        walls = [r["wall"] for r in good]
        durs = [r["duration_seconds"] for r in good if r.get("duration_seconds") is not None]
        base = [r["wall"] for r in c["base"] if r.get("status") == "ok"]
        if c["probe"]:
            print("   oaprobe check wall time:               min %s  median %s  (n=%d ok of %d)"
                  % (fmt(min(walls) if walls else None), fmt(med(walls)), len(walls),
                     len(c["probe"])))
            print("   oaprobe check duration_seconds (JSON): median %s" % fmt(med(durs)))
            if base:
                print("   oaprobe check wall time, no delay line: median %s  (local processing "
                      "of probe and lab; n=%d)" % (fmt(med(base)), len(base)))
                print("   round-trip minimum + that local processing: %s (a loose bound: "
                      "some processing overlaps the waits)" % fmt(floor + med(base)))
            sb = steps_by_name(good)
            tb = tunnel_bind_max(good)
            expect = {"dns": 0, "tcp": 1, "tls": t, "echo_unauth": 2 + t, "echo_auth": 3 + t,
                      "tunnel": 4 + t, "bind": 1}
            print("   per step (median over runs; tunnel/bind: the slowest of the run):")
            print("     %-28s %8s %11s %11s %9s" % ("step", "RTTs", "floor", "measured",
                                                     "excess"))
            for name in ("dns", "tcp", "tls", "echo_unauth", "echo_auth", "tunnel", "bind"):
                if name not in sb:
                    continue
                m = med(sb[name])
                fl = expect[name] * rtt
                print("     %-28s %8d %9.1f ms %8.1f ms %6.1f ms"
                      % (name, expect[name], fl * 1000, m * 1000, (m - fl) * 1000))
            if tb:
                m = med(tb)
                fl = (5 + t) * rtt
                print("     %-28s %8d %9.1f ms %8.1f ms %6.1f ms"
                      % ("tunnel + bind (stage)", 5 + t, fl * 1000, m * 1000, (m - fl) * 1000))
        else:
            print("   oaprobe check: not run")
        rows.append({"label": c["label"], "probe": med(walls), "imp": med(seq), "par": med(par)})

    print()
    print("== Result (target: oaprobe check within %.2fx of the round-trip minimum)" % a.target)
    hdr = "%-34s %12s %12s %7s %16s %14s  %s" % ("case", "probe median", "RTT minimum",
                                                 "ratio", "impacket median", "(3 threads)",
                                                 "target")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        ratio = r["probe"] / floor if r["probe"] else None
        if ratio is None:
            verdict = "n/a (probe not measured)"
        else:
            verdict = "PASS" if ratio <= a.target else "FAIL"
            if a.judge and r["label"] != a.judge:
                verdict += " (informative)"
        print("%-34s %12s %12s %7s %16s %14s  %s"
              % (r["label"][:34], fmt(r["probe"]), fmt(floor),
                 "-" if ratio is None else "%.2fx" % ratio, fmt(r["imp"]), fmt(r["par"]),
                 verdict))
    return 0


if __name__ == "__main__":
    sys.exit(main())
