"""A real MIT Kerberos KDC on loopback for the oaprobe lab.

    import kdc
    with kdc.LabKdc(hosts=("mail.contoso.lab",),
                    users={"alice": "Alice-Lab-2003!"}) as k:
        k.kinit("alice", "Alice-Lab-2003!")      # ticket into k.ccache
        subprocess.run(["curl", "--negotiate", "-u", ":", ...], env=k.client_env())
        acceptor = negotiate.NegotiateAcceptor(k.keytab)   # server side

Everything lives in one state directory (a fresh temporary one by default):
krb5.conf, kdc.conf, the database, the stash, the HTTP keytab, the default
credential cache, the replay cache directory and the logs. Nothing under /etc or
/var is read or written: every krb5 program is run with KRB5_CONFIG and
KRB5_KDC_PROFILE pointing into the state directory, so a missing (or unrelated)
/etc/krb5.conf does not matter.

The KDC is krb5kdc from Debian's krb5-kdc, run in the foreground (-n) and bound
to 127.0.0.1:<port> only, UDP and TCP, where port is free (chosen) or given.
Principals are created with kadmin.local (krb5-admin-server), tickets obtained
with kinit (krb5-user). Users get +requires_preauth, as in Active Directory.
"""

import atexit
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import ports

__all__ = ["LabKdc", "KdcError", "KinitError", "DEFAULT_REALM",
           "DEFAULT_HOSTS", "DEFAULT_USERS"]

DEFAULT_REALM = "CONTOSO.LAB"
DEFAULT_HOSTS = ("mail.contoso.lab",)
DEFAULT_USERS = {"alice": "Alice-Lab-2003!"}

_SBIN = ("/usr/sbin", "/sbin", "/usr/bin", "/bin")
_REALM_RE = re.compile(r"^[A-Z0-9][A-Z0-9.-]{0,252}$")
_HOST_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
_USER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._$-]{0,63}$")
_SERVICE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,31}$")
_CMD_TIMEOUT = 20.0
_KRB5_VARS = ("KRB5_CONFIG", "KRB5_KDC_PROFILE", "KRB5CCNAME", "KRB5_KTNAME",
              "KRB5_CLIENT_KTNAME", "KRB5RCACHEDIR", "KRB5RCACHENAME",
              "KRB5RCACHETYPE")

_live = set()          # started KDCs, stopped at interpreter exit


@atexit.register
def _stop_all():
    for k in list(_live):
        try:
            k.stop()
        except Exception:  # pragma: no cover - best effort at exit
            pass


class KdcError(Exception):
    """The lab KDC could not be set up, started or used."""


class KinitError(KdcError):
    """kinit failed (wrong password, unknown user, KDC unreachable...).

    Attributes: principal, returncode, stderr (kinit's own message)."""

    def __init__(self, principal, returncode, stderr):
        self.principal = principal
        self.returncode = returncode
        self.stderr = stderr.strip()
        super().__init__("kinit %s failed (exit %s): %s"
                         % (principal, returncode, self.stderr or "no message"))


# The Debian package shipping each program the KDC needs (checked against
# dpkg -S by tests/lint/test_debian_programs.py).
TOOL_PACKAGES = {
    "krb5kdc": "krb5-kdc",
    "kdb5_util": "krb5-kdc",
    "kadmin.local": "krb5-admin-server",
    "kinit": "krb5-user",
    "klist": "krb5-user",
}


def _tool(name):
    p = shutil.which(name)
    if p:
        return p
    for d in _SBIN:
        c = os.path.join(d, name)
        if os.access(c, os.X_OK):
            return c
    pkg = TOOL_PACKAGES.get(name, "?")
    raise KdcError("%s not found: install the Debian package %s "
                   "(deploy/setup-debian.sh installs it)" % (name, pkg))


def _free_port():
    """A port free on 127.0.0.1 for both TCP and UDP (ports.free_port)."""
    try:
        return ports.free_port("127.0.0.1", udp=True)
    except OSError as e:
        raise KdcError("no free loopback port for TCP and UDP: %s" % e)


def _tcp_open(port, timeout=0.2):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


class LabKdc:
    """One MIT KDC for one realm, on 127.0.0.1.

    state_dir        directory for every file (created); None = a fresh
                     temporary directory, deleted again by stop().
                     A given directory is reused: the KDC files in it are
                     recreated by start(), other files are left alone.
    realm            upper-case realm name.
    hosts            lab host names; HTTP/<host> is created for each and put
                     in `keytab`; their domains map to the realm.
    users            dict user -> password (users get +requires_preauth).
    port             0 = pick a free port (TCP and UDP), else that port.
    startup_timeout  seconds start() waits for the KDC to answer.
    services         service names per host (default just "HTTP").
    """

    def __init__(self, state_dir=None, realm=DEFAULT_REALM,
                 hosts=DEFAULT_HOSTS, users=None, port=0,
                 startup_timeout=10.0, services=("HTTP",)):
        if not isinstance(realm, str) or not _REALM_RE.match(realm):
            raise KdcError("bad realm %r (use upper case, e.g. CONTOSO.LAB)"
                           % (realm,))
        if isinstance(hosts, str):
            hosts = (hosts,)
        hosts = tuple(hosts)
        for h in hosts:
            if not isinstance(h, str) or not _HOST_RE.match(h):
                raise KdcError("bad host name %r" % (h,))
        users = dict(DEFAULT_USERS if users is None else users)
        for u, pw in users.items():
            self._check_user(u, pw)
        services = tuple(services)
        for s in services:
            if not isinstance(s, str) or not _SERVICE_RE.match(s):
                raise KdcError("bad service name %r" % (s,))
        if not isinstance(port, int) or not 0 <= port <= 65535:
            raise KdcError("bad port %r" % (port,))
        if not startup_timeout or startup_timeout <= 0:
            raise KdcError("startup_timeout must be > 0")
        self.realm = realm
        self.hosts = hosts
        self.users = users
        self.services = services
        self.startup_timeout = float(startup_timeout)
        self._want_port = port
        self.port = None
        self._own_dir = state_dir is None
        self._state_arg = state_dir
        self.state_dir = None
        self._proc = None
        self._lock = threading.Lock()
        self.startup_seconds = None

    # ------------------------------------------------------------ paths

    def _p(self, name):
        if self.state_dir is None:
            raise KdcError("the KDC has not been started")
        return os.path.join(self.state_dir, name)

    @property
    def krb5_conf(self):
        """Client configuration (KRB5_CONFIG)."""
        return self._p("krb5.conf")

    @property
    def kdc_conf(self):
        """KDC configuration (KRB5_KDC_PROFILE)."""
        return self._p("kdc.conf")

    @property
    def keytab(self):
        """Keytab with every HTTP/<host> (all service/host) key."""
        return self._p("http.keytab")

    @property
    def ccache(self):
        """Path of the default credential cache (a FILE: cache)."""
        return self._p("ccache")

    @property
    def rcache_dir(self):
        """Directory for replay caches (KRB5RCACHEDIR)."""
        return self._p("rcache")

    @property
    def log_path(self):
        """krb5kdc's log (one line per AS/TGS request)."""
        return self._p("kdc.log")

    @property
    def address(self):
        """'127.0.0.1:<port>'."""
        return "127.0.0.1:%d" % self.port

    @property
    def running(self):
        return self._proc is not None and self._proc.poll() is None

    def principal(self, user):
        """'user@REALM'."""
        return "%s@%s" % (user, self.realm)

    def service_principal(self, host, service="HTTP"):
        """'HTTP/host@REALM'."""
        return "%s/%s@%s" % (service, host, self.realm)

    # ------------------------------------------------------------ env

    def _base_env(self, base):
        env = dict(os.environ if base is None else base)
        for v in _KRB5_VARS:
            env.pop(v, None)
        env["KRB5_CONFIG"] = self.krb5_conf
        env["KRB5RCACHEDIR"] = self.rcache_dir
        return env

    def client_env(self, ccache=None, base=None):
        """Full environment for a client process (curl --negotiate, klist,
        oaprobe): base (default os.environ) without other KRB5* variables,
        plus KRB5_CONFIG, KRB5CCNAME=FILE:<ccache> and KRB5RCACHEDIR."""
        env = self._base_env(base)
        env["KRB5CCNAME"] = "FILE:" + (ccache or self.ccache)
        return env

    def server_env(self, base=None):
        """Full environment for an acceptor process: KRB5_CONFIG,
        KRB5_KTNAME=FILE:<keytab>, KRB5RCACHEDIR."""
        env = self._base_env(base)
        env["KRB5_KTNAME"] = "FILE:" + self.keytab
        return env

    def client_vars(self, ccache=None):
        """Only the variables client_env() sets (for docs, logs, shells)."""
        return {k: v for k, v in self.client_env(ccache, base={}).items()}

    @contextlib.contextmanager
    def apply_env(self, ccache=None):
        """Set client+server variables in os.environ for in-process GSSAPI
        (python3-gssapi reads KRB5_CONFIG from the environment); restores the
        previous values on exit. Not thread-safe against other env changes."""
        want = self.client_env(ccache, base={})
        want["KRB5_KTNAME"] = "FILE:" + self.keytab
        saved = {k: os.environ.get(k) for k in set(_KRB5_VARS) | set(want)}
        try:
            for k in _KRB5_VARS:
                os.environ.pop(k, None)
            os.environ.update(want)
            yield want
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def _admin_env(self):
        env = self._base_env(None)
        env["KRB5_KDC_PROFILE"] = self.kdc_conf
        env["KRB5CCNAME"] = "FILE:" + self._p("admin.ccache")
        return env

    # ------------------------------------------------------------ setup

    @staticmethod
    def _check_user(user, password):
        if not isinstance(user, str) or not _USER_RE.match(user):
            raise KdcError("bad user name %r" % (user,))
        if not isinstance(password, str) or not password or any(
                c in password for c in "\r\n\0\"") or len(password) > 256:
            raise KdcError("bad password for %s (no quotes, newlines)" % user)

    def _domains(self):
        out = []
        for h in self.hosts:
            for d in (h, "." + h.split(".", 1)[1] if "." in h else None):
                if d and d not in out:
                    out.append(d)
        return out

    def _write_configs(self):
        d = self.state_dir
        dr = "".join("  %s = %s\n" % (x, self.realm) for x in self._domains())
        krb5 = (
            "# oaprobe lab client configuration (written by tests/lab/kdc.py)\n"
            "[libdefaults]\n"
            "  default_realm = {r}\n"
            "  dns_lookup_kdc = false\n"
            "  dns_lookup_realm = false\n"
            "  dns_uri_lookup = false\n"
            "  dns_canonicalize_hostname = false\n"
            "  rdns = false\n"
            "  forwardable = true\n"
            "  udp_preference_limit = 1465\n"
            "  default_ccache_name = FILE:{d}/ccache\n"
            "  default_keytab_name = FILE:{d}/http.keytab\n"
            "  default_client_keytab_name = FILE:{d}/client.keytab\n"
            "[realms]\n"
            "  {r} = {{\n"
            "    kdc = 127.0.0.1:{p}\n"
            "  }}\n"
            "[domain_realm]\n{dr}"
            "[logging]\n"
            "  default = FILE:{d}/krb5lib.log\n"
        ).format(r=self.realm, d=d, p=self.port, dr=dr)
        kdcc = (
            "# oaprobe lab KDC configuration (written by tests/lab/kdc.py)\n"
            "[kdcdefaults]\n"
            "  kdc_listen = 127.0.0.1:{p}\n"
            "  kdc_tcp_listen = 127.0.0.1:{p}\n"
            "[realms]\n"
            "  {r} = {{\n"
            "    database_name = {d}/principal\n"
            "    key_stash_file = {d}/stash\n"
            "    acl_file = {d}/kadm5.acl\n"
            "    dict_file = {d}/kadm5.dict\n"
            "    admin_keytab = FILE:{d}/kadm5.keytab\n"
            "    kdc_listen = 127.0.0.1:{p}\n"
            "    kdc_tcp_listen = 127.0.0.1:{p}\n"
            "    max_life = 10h 0m 0s\n"
            "    max_renewable_life = 7d 0h 0m 0s\n"
            "    default_principal_flags = +preauth\n"
            "  }}\n"
            "[plugins]\n"
            "  kdcpreauth = {{\n"
            "    disable = spake\n"
            "  }}\n"
            "[logging]\n"
            "  kdc = FILE:{d}/kdc.log\n"
            "  admin_server = FILE:{d}/kadmin.log\n"
            "  default = FILE:{d}/krb5lib.log\n"
        ).format(r=self.realm, d=d, p=self.port)
        for name, text in (("krb5.conf", krb5), ("kdc.conf", kdcc),
                           ("kadm5.acl", ""), ("kadm5.dict", "")):
            with open(os.path.join(d, name), "w", encoding="ascii") as f:
                f.write(text)

    def _run(self, args, what, input_text=None, timeout=_CMD_TIMEOUT):
        try:
            p = subprocess.run(args, input=input_text, capture_output=True,
                               text=True, env=self._admin_env(),
                               timeout=timeout, stdin=None if input_text
                               is not None else subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise KdcError("%s timed out after %.0f s" % (what, timeout))
        if p.returncode != 0:
            raise KdcError("%s failed (exit %d): %s"
                           % (what, p.returncode,
                              (p.stderr or p.stdout).strip()))
        return p

    def _kadmin(self, commands, what):
        """Run kadmin.local commands; kadmin.local's exit status does not
        reflect failed commands, so callers verify the result."""
        p = self._run([_tool("kadmin.local"), "-r", self.realm],
                      what, input_text="".join(c + "\n" for c in commands))
        return p.stdout + p.stderr

    def _create_db(self):
        d = self.state_dir
        for name in ("principal", "principal.ok", "principal.kadm5",
                     "principal.kadm5.lock", "stash", "http.keytab",
                     "ccache", "admin.ccache", "kdc.log", "kdc.stderr"):
            try:
                os.unlink(os.path.join(d, name))
            except FileNotFoundError:
                pass
        self._run([_tool("kdb5_util"), "-r", self.realm, "create", "-s",
                   "-P", secrets.token_urlsafe(24)], "kdb5_util create")
        cmds = []
        for u, pw in self.users.items():
            cmds.append('addprinc +requires_preauth -pw "%s" %s'
                        % (pw, self.principal(u)))
        for h in self.hosts:
            for s in self.services:
                sp = self.service_principal(h, s)
                cmds.append("addprinc -randkey %s" % sp)
                cmds.append("ktadd -k %s -norandkey %s" % (self.keytab, sp))
        out = self._kadmin(cmds, "kadmin.local (creating principals)")
        listed = self._kadmin(["listprincs"], "kadmin.local listprincs")
        have = set(listed.split())
        want = [self.principal(u) for u in self.users] + [
            self.service_principal(h, s) for h in self.hosts
            for s in self.services]
        missing = [w for w in want if w not in have]
        if missing:
            raise KdcError("kadmin.local did not create %s:\n%s"
                           % (", ".join(missing), out.strip()))
        if self.hosts and not os.path.exists(self.keytab):
            raise KdcError("kadmin.local wrote no keytab:\n%s" % out.strip())

    def add_user(self, user, password):
        """Add (or re-key) a user while the KDC runs. Returns user@REALM."""
        self._check_user(user, password)
        princ = self.principal(user)
        out = self._kadmin(['addprinc +requires_preauth -pw "%s" %s'
                            % (password, princ),
                            'cpw -pw "%s" %s' % (password, princ)],
                           "kadmin.local addprinc")
        if princ not in self._kadmin(["listprincs"], "listprincs").split():
            raise KdcError("could not add %s:\n%s" % (princ, out.strip()))
        self.users[user] = password
        return princ

    # ------------------------------------------------------------ lifecycle

    def start(self):
        """Write the configuration, create the database, principals and
        keytab, start krb5kdc and wait (at most startup_timeout seconds) until
        it accepts TCP connections on 127.0.0.1:<port>. Returns self.
        Raises KdcError with the KDC's own log lines when it fails."""
        with self._lock:
            if self.running:
                return self
            t0 = time.monotonic()
            if self._own_dir:
                self.state_dir = tempfile.mkdtemp(prefix="oaprobe-kdc-")
            else:
                self.state_dir = os.path.abspath(self._state_arg)
                os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
            os.makedirs(self.rcache_dir, mode=0o700, exist_ok=True)
            try:
                tries = 3 if self._want_port == 0 else 1
                for attempt in range(tries):
                    self.port = self._want_port or _free_port()
                    self._write_configs()
                    if attempt == 0:
                        self._create_db()
                    err = self._spawn_and_wait(t0)
                    if err is None:
                        break
                    if attempt == tries - 1 or "in use" not in err:
                        raise KdcError(err)
            except BaseException:
                self._cleanup_failed()
                raise
            self.startup_seconds = time.monotonic() - t0
            _live.add(self)
            return self

    def _spawn_and_wait(self, t0):
        """Start krb5kdc; None when it answers, else an error text."""
        args = [_tool("krb5kdc"), "-n", "-r", self.realm]
        setpriv = shutil.which("setpriv")
        if setpriv and threading.current_thread() is threading.main_thread():
            # the KDC dies with this process even on SIGKILL (the parent
            # death signal follows the forking thread, hence main thread only)
            args = [setpriv, "--pdeathsig", "TERM", "--"] + args
        try:
            log_offset = os.path.getsize(self.log_path)
        except OSError:
            log_offset = 0
        errf = open(self._p("kdc.stderr"), "ab")
        try:
            self._proc = subprocess.Popen(
                args, env=self._admin_env(), stdin=subprocess.DEVNULL,
                stdout=errf, stderr=errf, cwd=self.state_dir,
                start_new_session=True)
        finally:
            errf.close()
        # Ready = krb5kdc logged "commencing operation" (it exits instead when
        # any listener cannot be bound) and its TCP port accepts connections.
        ready = "krb5kdc[%d](info): commencing operation" % self._proc.pid
        deadline = t0 + self.startup_timeout
        delay = 0.005
        while True:
            rc = self._proc.poll()
            if rc is not None:
                self._proc = None
                return ("krb5kdc exited with status %d during startup on "
                        "127.0.0.1:%d:\n%s" % (rc, self.port, self._log_tail()))
            if self._log_has(ready, log_offset) and _tcp_open(self.port):
                return None
            if time.monotonic() >= deadline:
                self._kill()
                return ("krb5kdc did not answer on 127.0.0.1:%d within %.1f s "
                        "(startup_timeout):\n%s"
                        % (self.port, self.startup_timeout, self._log_tail()))
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def _log_has(self, text, offset):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                return text.encode() in f.read(1 << 20)
        except OSError:
            return False

    def _log_tail(self, lines=15):
        out = []
        for name in ("kdc.stderr", "kdc.log"):
            try:
                with open(self._p(name), "r", errors="replace") as f:
                    out += f.read().splitlines()[-lines:]
            except OSError:
                pass
        return "\n".join(out) or "(no log output)"

    def _kill(self, timeout=5.0):
        p, self._proc = self._proc, None
        if p is None:
            return
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout)

    def _cleanup_failed(self):
        self._kill()
        if self._own_dir and self.state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)
            self.state_dir = None

    def stop(self):
        """Stop krb5kdc (SIGTERM, then SIGKILL after 5 s) and delete the state
        directory if it was a temporary one. Idempotent."""
        with self._lock:
            self._kill()
            _live.discard(self)
            if self._own_dir and self.state_dir:
                shutil.rmtree(self.state_dir, ignore_errors=True)
                self.state_dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------ clients

    def kinit(self, user, password, ccache=None, timeout=10.0):
        """Get a TGT for user (bare name or user@REALM) into ccache (a path;
        default self.ccache) with kinit, the password on stdin. Returns the
        ccache path. Raises KinitError (wrong password, unknown user...)."""
        if not self.running:
            raise KdcError("the KDC is not running")
        princ = user if "@" in user else self.principal(user)
        cc = ccache or self.ccache
        try:
            p = subprocess.run([_tool("kinit"), "-c", "FILE:" + cc, princ],
                               input=password + "\n", capture_output=True,
                               text=True, env=self.client_env(cc),
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            raise KinitError(princ, None, "timed out after %.0f s" % timeout)
        if p.returncode != 0:
            raise KinitError(princ, p.returncode, p.stderr)
        return cc

    def klist(self, ccache=None):
        """Default principal of ccache, or None if it holds no valid TGT."""
        cc = ccache or self.ccache
        p = subprocess.run([_tool("klist"), "-c", "FILE:" + cc],
                           capture_output=True, text=True, timeout=10,
                           env=self.client_env(cc), stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            return None
        m = re.search(r"Default principal: (\S+)", p.stdout)
        return m.group(1) if m else None


if __name__ == "__main__":
    import sys
    with LabKdc() as k:
        print("KDC %s realm %s up in %.3f s; state %s"
              % (k.address, k.realm, k.startup_seconds, k.state_dir))
        for var, val in sorted(k.client_vars().items()):
            print("export %s=%s" % (var, val))
        if len(sys.argv) > 1 and sys.argv[1] == "--wait":
            print("Ctrl-C to stop")
            try:
                signal.pause()
            except KeyboardInterrupt:
                pass
