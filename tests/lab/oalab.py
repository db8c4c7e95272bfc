#!/usr/bin/python3
"""oalab: the Exchange lab, a legacy Outlook Anywhere front end on loopback.

    /usr/bin/python3 tests/lab/oalab.py --scenarios healthy,acl_fqdn_missing \\
        --state /tmp/oalab [--json /tmp/oalab/lab.json] [--net N] [--port-base N]

Runs in the foreground until SIGTERM/SIGINT. When everything listens it writes
the JSON description (hosts, addresses, ports, CA bundle, users and passwords,
KRB5_CONFIG, names) and prints one line "READY <json path>" on stdout.
Exit status: 0 after a clean stop, 2 for bad arguments or a bad scenario file
(including any non-loopback address), 1 when starting failed.
See README.md.
"""

import argparse
import json
import logging
import os
import signal
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import labconfig  # noqa: E402
from runtime import Runtime  # noqa: E402

DEFAULT_FILE = os.path.join(HERE, "scenarios.yaml")
log = logging.getLogger("oalab")


class LabContext:
    """What the servers need from the lab as a whole."""

    def __init__(self, labfile, port_base, pki_obj, kdc_obj):
        self.netbios_domain = labfile.netbios_domain
        self.dns_domain = labfile.dns_domain
        self.realm = labfile.realm
        self.port_base = port_base
        self.pki = pki_obj
        self.kdc = kdc_obj
        self.keytab = kdc_obj.keytab if kdc_obj is not None else None

    def cert_paths(self, kind):
        s = self.pki.scenarios[kind]
        return s.certfile, s.keyfile


class Control:
    """Changes made to a running lab (a target broken and mended at run time).

    A test writes STATE/control.json atomically (write a temporary file,
    rename it): {"seq": N, "down": ["scenario", ...]}. The lab applies it
    within 0.1 s: the front ends of the scenarios in "down" stop listening
    (connections are refused: tcp_refused), every other one listens again;
    then it writes STATE/control.ack holding N. fixture.Lab.set_down() does
    both steps and waits for the ack.
    """

    def __init__(self, state, frontends):
        self.path = os.path.join(state, "control.json")
        self.ack = os.path.join(state, "control.ack")
        self.frontends = frontends
        self.seen = None

    def poll(self):
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return
        key = (st.st_mtime_ns, st.st_ino, st.st_size)
        if key == self.seen:
            return
        self.seen = key
        try:
            with open(self.path, "r", encoding="utf-8") as f:
                req = json.load(f)
            seq = int(req["seq"])
            down = set(req.get("down", []))
        except (OSError, ValueError, KeyError, TypeError) as e:
            log.warning("control: ignoring %s: %s", self.path, e)
            return
        unknown = down - set(self.frontends)
        if unknown:
            log.warning("control: unknown scenarios %s", ", ".join(sorted(unknown)))
        for name, fe in self.frontends.items():
            if name in down:
                fe.pause()
            else:
                fe.resume()
        log.info("control %d: down: %s", seq, ", ".join(sorted(down)) or "none")
        _write_text(self.ack, "%d\n" % seq)


def _write_text(path, text):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".ack-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def _write_json(path, data):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".lab-json-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)


def describe(labfile, scenarios, ctx, state, kdc_obj, started):
    users = [{"user": u["user"], "password": u["password"], "domain": labfile.netbios_domain,
              "upn": "%s@%s" % (u["user"], labfile.dns_domain),
              "principal": "%s@%s" % (u["user"], labfile.realm)} for u in labfile.users]
    out = {
        "pid": os.getpid(),
        "state_dir": state,
        "ready_seconds": round(time.monotonic() - started, 3),
        "port_base": ctx.port_base,
        "domain": {"netbios": labfile.netbios_domain, "dns": labfile.dns_domain,
                   "realm": labfile.realm},
        "users": users,
        "ca_bundle": ctx.pki.ca_bundle,
        "chain_bundle": ctx.pki.chain_bundle,
        "intermediate_cert": ctx.pki.intermediate_cert,
        "kdc": None,
        "scenarios": {},
    }
    if kdc_obj is not None:
        out["kdc"] = {"address": kdc_obj.address, "realm": kdc_obj.realm,
                      "krb5_config": kdc_obj.krb5_conf, "keytab": kdc_obj.keytab,
                      "ccache": kdc_obj.ccache, "client_env": kdc_obj.client_vars()}
    for sc in scenarios:
        if sc["address"] is None:
            out["scenarios"][sc["name"]] = {
                "host": sc["host"], "address": None, "resolvable": False, "https_port": None,
                "http_port": None, "url": None, "curl_resolve": [], "backends": [],
                "diagnoses": sc["diagnoses"], "description": sc["description"]}
            continue
        cert = ctx.pki.scenarios[sc["cert"]]
        entry = {
            "resolvable": True,
            "host": sc["host"],
            "address": sc["address"],
            "https_port": sc["https_bind_port"] if sc["https"] else None,
            "http_port": sc["http_bind_port"] if sc["http"] else None,
            "url": ("https://%s:%d/rpc/rpcproxy.dll" % (sc["host"], sc["https_bind_port"])
                    if sc["https"] else None),
            "curl_resolve": ["%s:%d:%s" % (sc["host"], p, sc["address"]) for p in
                             ([sc["https_bind_port"]] if sc["https"] else []) +
                             ([sc["http_bind_port"]] if sc["http"] else [])],
            "cert": {"kind": sc["cert"], "certfile": cert.certfile, "names": list(cert.names),
                     "common_name": cert.common_name,
                     "not_after": cert.not_after.isoformat(), "diagnosis": cert.diagnosis},
            "auth": [] if sc["hide_auth"] else sc["auth"],
            "rpc_servers": {"netbios": sc["netbios"], "fqdn": sc["dns_name"]},
            "names": sc["names"],
            "validports": sc["validports"],
            "backend_address": sc["backend_address"],
            "backends": [{"port": b["port"], "bind_port": b["bind_port"], "up": b["up"],
                          "interfaces": b["interfaces"], "options": b["options"]}
                         for b in sc["backends"]],
            "direct_ports": sc["direct_ports"],
            "ssl_required": sc["ssl_required"],
            "rpcproxy": sc["rpcproxy"],
            "users": sc["users"],
            "quirks": {k: v for k, v in sc["quirks"].items()},
            "diagnoses": sc["diagnoses"],
            "description": sc["description"],
        }
        out["scenarios"][sc["name"]] = entry
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog="oalab.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenarios", help="comma-separated scenario names, or 'all'")
    ap.add_argument("--state", help="state directory (PKI, KDC, logs, JSON)")
    ap.add_argument("--json", help="where to write the lab description (default STATE/lab.json)")
    ap.add_argument("--file", default=DEFAULT_FILE, help="scenario file (default: scenarios.yaml)")
    ap.add_argument("--net", type=int, default=0,
                    help="rewrite every 127.A.B.C address to 127.NET.B.C (run labs side by side)")
    ap.add_argument("--port-base", type=int, default=0,
                    help="add this to every port (443, 80, 6001...) for non-root use")
    ap.add_argument("--no-kdc", action="store_true", help="do not start the Kerberos KDC")
    ap.add_argument("--list", action="store_true", help="list the scenarios and exit")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = ap.parse_args(argv)

    try:
        labfile = labconfig.load(args.file)
    except (OSError, labconfig.ConfigError) as e:
        print("oalab: error: %s" % e, file=sys.stderr)
        return 2
    if args.list:
        for name in labfile.names():
            sc = labfile.select([name])[0]
            print("%-26s %-16s %s" % (name, sc["address"], sc["description"]))
        return 0
    if not args.scenarios or not args.state:
        print("oalab: error: --scenarios and --state are required", file=sys.stderr)
        return 2
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    try:
        scenarios = labfile.select(names, net=args.net, port_base=args.port_base)
    except labconfig.ConfigError as e:
        print("oalab: error: %s" % e, file=sys.stderr)
        return 2
    if args.port_base == 0 and os.geteuid() != 0:
        print("oalab: error: ports 443/80 need root; use --port-base N (e.g. 20000)",
              file=sys.stderr)
        return 2

    state = os.path.abspath(args.state)
    os.makedirs(state, exist_ok=True)
    json_path = os.path.abspath(args.json or os.path.join(state, "lab.json"))
    try:
        os.unlink(json_path)
    except FileNotFoundError:
        pass
    logging.basicConfig(level=logging.INFO, filename=os.path.join(state, "oalab.log"),
                        format="%(asctime)s %(threadName)s %(name)s %(levelname)s %(message)s")
    err = logging.StreamHandler(sys.stderr)
    err.setLevel(logging.INFO if args.verbose else logging.WARNING)
    err.setFormatter(logging.Formatter("oalab: %(message)s"))
    logging.getLogger().addHandler(err)
    logging.getLogger("impacket").setLevel(logging.CRITICAL)

    stop_event = threading.Event()

    def on_signal(signum, _frame):
        stop_event.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    started = time.monotonic()
    rt = Runtime()
    kdc_obj = None
    backends, frontends = [], []
    rc = 0
    try:
        import pki
        hosts = labfile.all_hosts()
        if "mail.contoso.lab" in hosts:
            hosts.remove("mail.contoso.lab")
        pki_obj = pki.ensure_pki(os.path.join(state, "pki"),
                                 names=["mail.contoso.lab", "autodiscover.contoso.lab"] + hosts,
                                 wrong_names=("wrong.fabrikam.lab",))
        if not args.no_kdc:
            import kdc
            sel_hosts = []
            for sc in scenarios:
                if sc["address"] is not None and sc["host"] not in sel_hosts:
                    sel_hosts.append(sc["host"])
            kdc_obj = kdc.LabKdc(state_dir=os.path.join(state, "kdc"), realm=labfile.realm,
                                 hosts=sel_hosts,
                                 users={u["user"]: u["password"] for u in labfile.users})
            kdc_obj.start()
        ctx = LabContext(labfile, args.port_base, pki_obj, kdc_obj)

        import backend
        import frontend
        for sc in scenarios:
            if sc["address"] is None:
                continue          # an unresolvable name: nothing to serve
            up = [b for b in sc["backends"] if b["up"]]
            if up:
                bh = backend.BackendHost(rt, sc["backend_address"], up)
                bh.start()
                backends.append(bh)
            fe = frontend.Frontend(rt, sc, ctx)
            fe.start()
            frontends.append(fe)
        data = describe(labfile, scenarios, ctx, state, kdc_obj, started)
        _write_json(json_path, data)
        for sc in scenarios:
            e = data["scenarios"][sc["name"]]
            print("%-26s %-34s %-15s https:%s http:%s" % (sc["name"], sc["host"], sc["address"],
                                                        e["https_port"], e["http_port"]))
        print("CA bundle: %s" % ctx.pki.ca_bundle)
        if kdc_obj is not None:
            print("KRB5_CONFIG=%s" % kdc_obj.krb5_conf)
        for u in data["users"]:
            print("user: %s\\%s password: %s" % (u["domain"], u["user"], u["password"]))
        print("READY %s" % json_path, flush=True)
        control = Control(state, {fe.sc["name"]: fe for fe in frontends})
        while not stop_event.wait(0.1):
            control.poll()
    except Exception as e:
        # the traceback goes to oalab.log (and to stderr with --verbose);
        # the terminal gets the one line that says what to do
        log.info("start failed", exc_info=True)
        print("oalab: error: %s" % e, file=sys.stderr)
        rc = 1
    finally:
        for fe in frontends:
            fe.stop()
        for bh in backends:
            bh.stop()
        left = rt.stop(timeout=5.0)
        if kdc_obj is not None:
            kdc_obj.stop()
        if rc == 0:
            print("STOPPED (%d threads still ending)" % left if left else "STOPPED", flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
