#!/usr/bin/python3
"""impacket_binds.py: the reference client of rtt-check.sh. impacket's RPC
over HTTP v2 transport (python3-impacket) binds EMSMDB on 6001, RFR on 6002
and NSPI on 6004 through the RPC proxy, NTLM on each channel, and is timed.

    impacket_binds.py --lab-json LAB.json [--scenario healthy] [--server EXCH01]
                      [--runs 5] [--mode sequential|parallel|both]

* sequential: one bind after the other, as impacket does naturally (each
  bind = its own IN and OUT channel, opened one after the other, then
  CONN/A1..C2, then bind -> bind_ack);
* parallel: the three binds in three threads at once.

String binding ncacn_http:<server>[<port>,RpcProxy=<host>:443]. The host
name is mapped to the scenario's address inside this process only (a
socket.getaddrinfo wrapper, like tests/lab/fixture.py's lab.resolver());
the user and password come from the lab's JSON. impacket itself connects
with an unverifying TLS context; here its connect is replaced by one that
verifies the server against the lab's CA bundle (as the probe does), so
both clients do the same TLS work.

Times cover the binds only (the interpreter and the impacket import, about
0.3 s, are outside). One JSON object per run on stdout:

    {"mode": "sequential", "run": 1, "seconds": 1.62, "binds": [[6001, 0.54], ...]}

Exit status 0 when every bind of every run was accepted, 1 otherwise.
"""

import argparse
import json
import logging
import socket
import ssl
import sys
import threading
import time
import warnings

from impacket import http as imphttp
from impacket.dcerpc.v5 import transport
from impacket.uuid import uuidtup_to_bin

try:
    from http.client import HTTPConnection, HTTPSConnection
except ImportError:  # pragma: no cover
    sys.exit("impacket_binds: python3 http.client missing")

BINDS = ((6001, "EMSMDB", ("a4f1db00-ca47-1067-b31f-00dd010662da", "0.81")),
         (6002, "RFR", ("1544f5e0-613c-11d1-93df-00c04fd7bd09", "1.0")),
         (6004, "NSPI", ("f5cc5a18-4264-101a-8c59-08002b2f8426", "56.0")))


def map_names(mapping):
    """Resolve the lab's host names to its addresses in this process only."""
    real = socket.getaddrinfo
    low = {k.lower(): v for k, v in mapping.items()}

    def fake(host, port, *args, **kwargs):
        if isinstance(host, str) and host.lower() in low:
            host = low[host.lower()]
        return real(host, port, *args, **kwargs)
    socket.getaddrinfo = fake


def verify_with(cafile):
    """Make impacket's HTTPS channels verify the server against cafile."""
    ctx = ssl.create_default_context(cafile=cafile)

    def connect(self, protocol, host_l6):
        if protocol == "http":
            return HTTPConnection(host_l6, timeout=30)
        return HTTPSConnection(host_l6, context=ctx, timeout=30)
    imphttp.HTTPClientSecurityProvider.connect = connect


def one_bind(sc, server, port, iface, user):
    sb = "ncacn_http:%s[%d,RpcProxy=%s:443]" % (server, port, sc["host"])
    t = transport.DCERPCTransportFactory(sb)
    if sc["https_port"] != 443:     # --port-base: impacket takes 80/443 only in RpcProxy=
        t.set_rpc_proxy_url("https://%s:%d/rpc/rpcproxy.dll" % (sc["host"], sc["https_port"]))
    t.set_credentials(user["user"], user["password"], user["domain"])
    t.set_connect_timeout(30)
    dce = t.get_dce_rpc()
    t0 = time.perf_counter()
    dce.connect()
    try:
        dce.bind(uuidtup_to_bin(iface))
    finally:
        took = time.perf_counter() - t0
        try:
            dce.disconnect()
        except Exception:   # noqa: BLE001 - closing only
            pass
    return took


def run_sequential(sc, server, user):
    out = []
    for port, _name, iface in BINDS:
        out.append([port, round(one_bind(sc, server, port, iface, user), 6)])
    return out


def run_parallel(sc, server, user):
    res = {}
    errs = []

    def worker(port, iface):
        try:
            res[port] = one_bind(sc, server, port, iface, user)
        except Exception as e:   # noqa: BLE001 - reported below
            errs.append("%d: %s" % (port, e))
    threads = [threading.Thread(target=worker, args=(p, i), daemon=True) for p, _n, i in BINDS]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    if errs or len(res) != len(BINDS):
        raise RuntimeError("; ".join(errs) or "a bind did not finish within 60 s")
    return [[p, round(res[p], 6)] for p, _n, _i in BINDS]


def main():
    ap = argparse.ArgumentParser(description="impacket's three binds through the RPC proxy")
    ap.add_argument("--lab-json", required=True)
    ap.add_argument("--scenario", default="healthy")
    ap.add_argument("--server", default=None, help="RPC server name (default: the NetBIOS name)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mode", choices=("sequential", "parallel", "both"), default="sequential")
    a = ap.parse_args()
    if not 1 <= a.runs <= 100:
        ap.error("--runs 1..100")

    logging.getLogger("impacket").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore", ResourceWarning)
    with open(a.lab_json, encoding="utf-8") as f:
        lab = json.load(f)
    sc = lab["scenarios"][a.scenario]
    user = lab["users"][0]
    server = a.server or sc["rpc_servers"]["netbios"]
    map_names({sc["host"]: sc["address"]})
    verify_with(lab["ca_bundle"])

    modes = ("sequential", "parallel") if a.mode == "both" else (a.mode,)
    ok = True
    for mode in modes:
        for run in range(1, a.runs + 1):
            t0 = time.perf_counter()
            rec = {"mode": mode, "run": run}
            try:
                binds = run_sequential(sc, server, user) if mode == "sequential" else \
                    run_parallel(sc, server, user)
                rec["seconds"] = round(time.perf_counter() - t0, 6)
                rec["binds"] = binds
            except Exception as e:   # noqa: BLE001 - reported as a failed run
                rec["seconds"] = None
                rec["error"] = str(e)[:300]
                ok = False
            print(json.dumps(rec), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
