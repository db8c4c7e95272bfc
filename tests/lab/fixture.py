"""Start and stop the lab from tests.

    from fixture import Lab
    with Lab(["healthy", "acl_fqdn_missing"], net=11) as lab:
        sc = lab.scenario("healthy")      # the JSON entry of that scenario
        lab.data["ca_bundle"], lab.data["users"][0]["password"], ...
        with lab.resolver():              # lab host names -> their 127.x addresses
            ...                           # (this process only; /etc/hosts untouched)

For the tests that run oaprobe against it: lab.target_yaml(scenario) (an
oaprobe target's YAML lines), lab.user_spec(), lab.probe_env(tmp) (the
environment of an oaprobe under test), and free_port(), write_secret(),
expected_status(codes).

The lab runs as a subprocess (/usr/bin/python3 tests/lab/oalab.py); start()
waits for its READY line (bounded), stop() sends SIGTERM and waits (bounded),
then SIGKILL. As root the standard ports are used, otherwise --port-base 20000.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from ports import free_port  # noqa: F401  (re-exported for the tests)

HERE = os.path.dirname(os.path.abspath(__file__))
OALAB = os.path.join(HERE, "oalab.py")
PYTHON = "/usr/bin/python3"


class LabError(Exception):
    pass


class Lab:
    def __init__(self, scenarios, net=0, port_base=None, kdc=True, state=None,
                 timeout=60.0, extra_args=()):
        self.scenarios = list(scenarios)
        self.net = net
        if port_base is None:
            port_base = 0 if os.geteuid() == 0 else 20000
        self.port_base = port_base
        self.kdc = kdc
        self._own_state = state is None
        self.state = state or tempfile.mkdtemp(prefix="oalab-test-")
        self.timeout = timeout
        self.extra_args = list(extra_args)
        self.proc = None
        self.data = None
        self.json_path = os.path.join(self.state, "lab.json")
        self.stdout_path = os.path.join(self.state, "oalab.stdout")
        self.stderr_path = os.path.join(self.state, "oalab.stderr")

    def command(self):
        cmd = [PYTHON, OALAB, "--scenarios", ",".join(self.scenarios), "--state", self.state,
               "--json", self.json_path, "--net", str(self.net),
               "--port-base", str(self.port_base)]
        if not self.kdc:
            cmd.append("--no-kdc")
        return cmd + self.extra_args

    def start(self):
        out = open(self.stdout_path, "wb")
        err = open(self.stderr_path, "wb")
        try:
            self.proc = subprocess.Popen(self.command(), stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, cwd=HERE)
        finally:
            out.close()
            err.close()
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise LabError("oalab exited with %s during startup:\n%s"
                               % (self.proc.returncode, self._tail()))
            with open(self.stdout_path, "rb") as f:
                if b"READY " in f.read():
                    with open(self.json_path, "r", encoding="utf-8") as j:
                        self.data = json.load(j)
                    return self
            time.sleep(0.05)
        self.stop()
        raise LabError("oalab not ready within %.0f s:\n%s" % (self.timeout, self._tail()))

    def _tail(self):
        text = ""
        for p in (self.stdout_path, self.stderr_path):
            try:
                with open(p, "r", errors="replace") as f:
                    text += f.read()[-3000:]
            except OSError:
                pass
        return text

    def stop(self, timeout=15.0):
        """SIGTERM, wait, SIGKILL. Returns the exit status."""
        p = self.proc
        if p is None:
            return None
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout)
        self.proc = None
        return p.returncode

    def cleanup(self):
        if self._own_state:
            shutil.rmtree(self.state, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()

    # ------------------------------------------------------------ helpers

    def scenario(self, name):
        return self.data["scenarios"][name]

    def user(self, i=0):
        return self.data["users"][i]

    def host_map(self):
        """host name -> address for every scenario of this lab."""
        return {sc["host"]: sc["address"] for sc in self.data["scenarios"].values()
                if sc["address"] is not None}

    def set_down(self, names, timeout=10.0):
        """Take the front ends of the scenarios in names down (connections
        refused) and bring every other one back up; returns once the lab
        applied it (oalab.py's Control)."""
        self._seq = getattr(self, "_seq", 0) + 1
        path = os.path.join(self.state, "control.json")
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"seq": self._seq, "down": list(names)}, f)
        os.replace(tmp, path)
        ack = os.path.join(self.state, "control.ack")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(ack, "r", encoding="utf-8") as f:
                    if f.read().strip() == str(self._seq):
                        return
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        raise LabError("the lab did not apply control %d within %.0f s:\n%s"
                       % (self._seq, timeout, self._tail()))

    def user_spec(self, i=0):
        """DOMAIN\\user of lab user i, as oaprobe's `user` takes it."""
        u = self.user(i)
        return "%s\\%s" % (u["domain"], u["user"])

    def target_yaml(self, scenario, name=None, extra=()):
        """The YAML lines of an oaprobe `targets` item for this scenario
        (name, host[:port], resolve to the lab's address), each extra line
        ("key: value") added to it. name: default the scenario's, '-' for '_'."""
        sc = self.scenario(scenario)
        port = sc.get("https_port") or 443
        host = sc["host"] if port == 443 else "%s:%d" % (sc["host"], port)
        lines = ["  - name: %s" % (name or scenario.replace("_", "-")),
                 "    host: '%s'" % host,
                 "    resolve: ['%s:%d:%s']" % (sc["host"], port, sc["address"])]
        return lines + ["    %s" % e for e in extra]

    def probe_env(self, tmp, extra=None):
        """The environment for an oaprobe under test: this one without KRB5*
        and OAPROBE_PASSWORD, sanitizers that exit 99 (ASan/LSan) or 98
        (UBSan), the lab's krb5.conf and an empty ticket cache (tmp's
        no-such-ccache); extra is added last."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("KRB5") and k != "OAPROBE_PASSWORD"}
        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:exitcode=99"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:exitcode=98"
        kdc = self.data.get("kdc")
        if kdc:
            env["KRB5_CONFIG"] = kdc["krb5_config"]
            env["KRB5CCNAME"] = "FILE:" + os.path.join(tmp, "no-such-ccache")
        env.update(extra or {})
        return env

    def log_text(self):
        try:
            with open(os.path.join(self.state, "oalab.log"), "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    @contextlib.contextmanager
    def resolver(self, mapping=None):
        """Resolve lab host names to lab addresses in this process only."""
        mapping = {k.lower(): v for k, v in (mapping or self.host_map()).items()}
        real = socket.getaddrinfo

        def fake(host, port, *args, **kwargs):
            if isinstance(host, str) and host.lower() in mapping:
                host = mapping[host.lower()]
            return real(host, port, *args, **kwargs)
        socket.getaddrinfo = fake
        try:
            yield mapping
        finally:
            socket.getaddrinfo = real


def write_secret(path, text):
    """A file that only its owner reads (0600, as oaprobe insists) holding
    text and a newline; returns path."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    os.chmod(path, 0o600)
    return path


def expected_status(codes):
    """The overall status oaprobe gives for a scenario's diagnosis codes
    (scenarios.yaml `diagnoses`): ok with none, warning for an expiring
    certificate alone, unknown for internal_error alone, else critical."""
    if not codes:
        return "ok"
    if set(codes) == {"cert_expiring"}:
        return "warning"
    if set(codes) == {"internal_error"}:
        return "unknown"
    return "critical"


def net_for(name):
    """A stable --net value per test module (so labs of parallel tests differ)."""
    return 100 + (sum(name.encode()) % 150)


if __name__ == "__main__":
    names = sys.argv[1:] or ["healthy"]
    with Lab(names) as lab:
        print(json.dumps(lab.data, indent=1)[:2000])
