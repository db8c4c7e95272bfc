#!/usr/bin/python3
"""serve_lab.py: the Exchange lab (tests/lab) and a real `oaprobe serve`
watching its scenarios, for the browser tests (page.test.js).

    serve_lab.py --oaprobe BIN

Prints one JSON line: {"url", "read", "write", "expected": {target:
[codes]}}, then reads commands on stdin, one per line, each answered with
"ok" (or "error ..."):
    down NAME...   the lab's front ends of these scenarios stop listening
    up             every front end listens again
Stops serve (SIGTERM, exit status checked) and the lab when stdin closes;
exits 1 when serve did not exit 0. Loopback only; serve's port is free.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.abspath(os.path.join(HERE, "..", "lab")))

from fixture import Lab, free_port, net_for, write_secret  # noqa: E402

SCENARIOS = ["healthy", "cert_expiring", "acl_fqdn_missing", "auth_rejected",
             "port_closed", "no_rpcproxy"]
READ = "page-reader-5c1e9a7b3d2f4e6a8b0c"
WRITE = "page-writer-8d2c6e0a4b1f3e5d7c9a"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oaprobe", required=True)
    args = ap.parse_args()
    import yaml
    with open(os.path.join(HERE, "..", "lab", "scenarios.yaml"), encoding="utf-8") as f:
        table = yaml.safe_load(f)["scenarios"]
    lab = Lab(list(SCENARIOS), net=net_for("browser_page")).start()
    tmp = tempfile.mkdtemp(prefix="oaprobe-page-")
    proc = log = None
    try:
        user = lab.data["users"][0]
        pw = write_secret(os.path.join(tmp, "password"), user["password"])
        tokens = write_secret(os.path.join(tmp, "tokens"),
                              "page read %s\npage-admin write %s" % (READ, WRITE))
        port = free_port()
        lines = ["listen: 127.0.0.1:%d" % port,
                 "storage: %s" % os.path.join(tmp, "oaprobe.db"),
                 "api: {tokens_file: %s}" % tokens,
                 "defaults:",
                 "  interval: 5s",
                 "  timeout: 5s",
                 "  failure_threshold: 1",
                 "  success_threshold: 1",
                 "  cacert: %s" % lab.data["ca_bundle"],
                 "  user: '%s'" % lab.user_spec(),
                 "  password_file: %s" % pw,
                 "targets:"]
        expected = {}
        for name in SCENARIOS:
            tname = name.replace("_", "-")
            site = "hq" if name == "healthy" else "branch"
            lines += lab.target_yaml(name, tname, ["labels: {scenario: %s, site: %s}" % (name, site)])
            expected[tname] = table[name].get("diagnoses", [])
        config = os.path.join(tmp, "oaprobe.yml")
        with open(config, "w") as f:
            f.write("\n".join(lines) + "\n")
        log = open(os.path.join(tmp, "serve.log"), "w+")
        proc = subprocess.Popen([args.oaprobe, "serve", "--config", config], stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        url = "http://127.0.0.1:%d" % port
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                sys.stderr.write("serve_lab: oaprobe serve did not come up:\n" + log.read())
                return 1
            time.sleep(0.1)
        print(json.dumps({"url": url, "read": READ, "write": WRITE, "expected": expected}),
              flush=True)
        for line in sys.stdin:
            words = line.split()
            try:
                if words and words[0] == "down":
                    lab.set_down(words[1:])
                elif words == ["up"]:
                    lab.set_down([])
                else:
                    raise ValueError("unknown command %r" % line.strip())
                print("ok", flush=True)
            except Exception as e:  # the test reads the reason
                print("error %s" % e, flush=True)
        return 0
    finally:
        rc = 0
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(60)
            rc = proc.returncode
            if rc != 0:
                log.seek(0)
                sys.stderr.write("serve_lab: oaprobe serve exited %s:\n%s" % (rc, log.read()[-4000:]))
        if log is not None:
            log.close()
        lab.stop()
        lab.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)
        if rc != 0:
            sys.exit(1)


if __name__ == "__main__":
    sys.exit(main())
