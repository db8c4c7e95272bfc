#!/usr/bin/python3
"""API targets and the defaults' credentials (api.allow_hosts), against the
real `oaprobe serve` under ASan/LSan, with two loopback "catchers" that ask
for Basic and keep what they are sent (where the password would go):

- PUT of a target that would carry the defaults' credentials (Basic in
  clear over HTTP, depth auth) at the catcher on 127.0.0.1, which
  api.allow_hosts does not admit, is refused under every spelling of its
  address (403 forbidden naming `host`; 400 for the spellings the matcher
  refuses to judge: 127.1, 0x7f.1, 2130706433, 0177.0.0.1, a trailing dot)
  and through `resolve:` (an allowed name pointed at 127.0.0.1: 403 naming
  `resolve[0]`); nothing is stored (no row, not in the list) and the
  catcher sees no connection before the first run it is allowed (an echo
  target at that host, which carries no credentials, is accepted and runs:
  the catcher sees it, without an Authorization header);
- an allowed host (127.0.0.2, and an allowed name resolved to it) is
  accepted and its run brings the catcher the Basic credentials; a body
  may not turn off the transport's guards the defaults keep (insecure,
  http: 403);
- a stored target that a reload or a restart no longer allows is kept
  (store row, listed) but blocked: `blocked` says why, no next run, run
  now and /probe are 403, /metrics has oaprobe_target_blocked and no stale
  probe_success (promtool check metrics accepts it), /api/v1/status is 503
  with it in counts.blocked, its badge reads "blocked", its firing alert is
  resolved (a webhook receiver gets it) as a removed target's, the log
  says so (at a restart too: the alert resolved at start); DELETE works;
  widening api.allow_hosts again runs it;
- no body names a file on the server: cacert is 403 naming the key (the
  same answer for a file that exists and one that does not, with
  credentials or without), password_file and keytab 400; a row with a
  cacert stored by an older version is kept but blocked, and a PUT without
  it runs it;
- `oaprobe config check` warns about write tokens + credentialed defaults
  without api.allow_hosts;
- the password appears in no answer, no log line, not in the database.

    /usr/bin/python3 tests/integration/api/test_api_creds.py --oaprobe BIN
Run inside `unshare -n` (loopback only; about 15 s).
"""

import argparse
import base64
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.abspath(os.path.join(HERE, "..", "..", "lab")))

import service as svc  # noqa: E402  (Serve, wait_for)
from ports import free_port  # noqa: E402

OAPROBE = None
USER = "CONTOSO\\svc-oaprobe"
PASSWORD = "Pw-%x-never-shown" % int.from_bytes(os.urandom(6), "big")
WRITE = "write-T0ken-%x" % int.from_bytes(os.urandom(6), "big")
BASIC = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()


class NoLab:
    """What svc.Serve asks of a lab: the environment (sanitizers that exit
    99/98, no Kerberos or password variables)."""

    def probe_env(self, tmp, extra=None):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("KRB5") and k != "OAPROBE_PASSWORD"}
        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:exitcode=99"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:exitcode=98"
        env.update(extra or {})
        return env


def write_secret(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    return path


class ApiCreds(unittest.TestCase):
    lab = NoLab()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="oaprobe-apicreds-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.pw = write_secret(os.path.join(self.tmp, "pw"), PASSWORD)
        self.tokens = write_secret(os.path.join(self.tmp, "tokens"), "ops write %s" % WRITE)
        self.db = os.path.join(self.tmp, "oa.db")
        self.port = free_port("127.0.0.1")
        self.seen = []  # every answer body, for the password grep
        self.bad = svc.Catcher("127.0.0.1")    # never allowed
        self.good = svc.Catcher("127.0.0.2")   # allowed
        self.addCleanup(self.bad.close)
        self.addCleanup(self.good.close)

    def tearDown(self):
        svc.kill_current()  # a test that failed half-way

    def config(self, allow, clear=True, extra=""):
        api = "api: {tokens_file: %s%s}\n" % (
            self.tokens, ", allow_hosts: %s" % json.dumps(allow) if allow is not None else "")
        # Basic in clear over plain HTTP (insecure allows it), past the
        # unauthenticated steps: what a host would receive; a week's
        # interval: only runs asked for
        return ("listen: 127.0.0.1:%d\nstorage: %s\n%s"
                "defaults:\n  interval: 1w\n  timeout: 5s\n  user: '%s'\n"
                "  password_file: %s\n  auth: basic\n  depth: auth\n%s"
                % (self.port, self.db, api, USER, self.pw,
                   "  http: true\n  insecure: true\n" if clear else "") + extra)

    def serve(self, allow, clear=True, extra=""):
        return svc.Serve(self, self.config(allow, clear, extra), self.tmp).start()

    def http(self, method, path, body=None, token=WRITE):
        st, raw = svc.api(self.port, method, path,
                          json.dumps(body) if body is not None else None, token, 60)
        text = raw.decode("utf-8", "replace")
        self.seen.append(text)
        try:
            return st, json.loads(text) if text else None
        except ValueError:
            return st, text

    def stored(self):
        return sorted(r[0] for r in svc.query(self.db, "SELECT name FROM api_targets"))

    def listed(self):
        st, doc = self.http("GET", "/api/v1/targets", token=None)
        self.assertEqual(st, 200, doc)
        return {t["name"]: t for t in doc["targets"]}

    def assert_no_secret(self, s, log_text):
        for where, text in (("answers", "\n".join(self.seen)), ("log", log_text)):
            self.assertNotIn(PASSWORD, text, where)
            self.assertNotIn(BASIC, text, where)
        with open(self.db, "rb") as f:
            raw = f.read()
        for suffix in ("-wal",):
            if os.path.exists(self.db + suffix):
                with open(self.db + suffix, "rb") as f:
                    raw += f.read()
        self.assertNotIn(PASSWORD.encode(), raw)

    # ------------------------------------------------------------ tests

    def test_put_refused_and_allowed(self):
        """Refused under every spelling and through resolve; nothing stored
        or sent; echo anywhere; an allowed host gets the credentials."""
        s = self.serve(["127.0.0.2", "allowed.test"])
        self.assertIn("oaprobe serve:", s.log())
        bp = self.bad.port
        refused = [
            ({"host": "127.0.0.1:%d" % bp}, 403, "host"),
            ({"host": "[::ffff:127.0.0.1]:%d" % bp}, 403, "host"),
            ({"host": "[::ffff:7f00:1]:%d" % bp}, 403, "host"),
            ({"host": "localhost:%d" % bp}, 403, "host"),
            ({"host": "localhost.:%d" % bp}, 403, "host"),
            ({"host": "LOCALHOST:%d" % bp}, 403, "host"),
            ({"host": "127.1:%d" % bp}, 400, "host"),
            ({"host": "0x7f.1:%d" % bp}, 400, "host"),
            ({"host": "0x7f000001:%d" % bp}, 400, "host"),
            ({"host": "2130706433:%d" % bp}, 400, "host"),
            ({"host": "0177.0.0.1:%d" % bp}, 400, "host"),
            ({"host": "127.0.0.1.:%d" % bp}, 400, "host"),
            # the other schemes carry credentials too
            ({"host": "127.0.0.1:%d" % bp, "auth": "ntlm", "depth": "tunnel"}, 403, "host"),
            ({"host": "127.0.0.1:%d" % bp, "auth": "negotiate"}, 403, "host"),
            # an allowed name pointed at a refused address
            ({"host": "allowed.test:%d" % bp,
              "resolve": ["allowed.test:%d:127.0.0.1" % bp]}, 403, "resolve[0]"),
            ({"host": "ALLOWED.TEST.:%d" % bp,
              "resolve": ["allowed.test:%d:127.0.0.2" % bp,
                          "allowed.test:%d:[::ffff:127.0.0.1]" % bp]}, 403, "resolve[1]"),
        ]
        for i, (body, status, key) in enumerate(refused):
            st, doc = self.http("PUT", "/api/v1/targets/evil-%d" % i, body)
            self.assertEqual(st, status, (body, doc))
            self.assertEqual(sorted(doc), ["detail", "error"], doc)
            self.assertEqual(doc["error"], "forbidden" if st == 403 else "bad_request", doc)
            self.assertTrue(doc["detail"].startswith(key + ": "), (body, doc))
            if st == 403:
                self.assertIn("is not in api.allow_hosts", doc["detail"])
            else:
                self.assertIn("is not an IPv4 address in its one accepted form", doc["detail"])
        st, doc = self.http("PUT", "/api/v1/targets/evil-0", refused[0][0])
        self.assertEqual(doc["detail"],
                         'host: the target carries credentials and host "127.0.0.1:%d" is not '
                         'in api.allow_hosts (list it there, or use depth tls or echo)' % bp)
        self.assertEqual(self.stored(), [])
        self.assertEqual(list(self.listed()), [])
        # no credentials: any host, any spelling; it runs (the first
        # connection the catcher sees, without an Authorization header)
        with self.bad.lock:
            self.assertEqual(self.bad.connections, 0, self.bad.heads)
        st, doc = self.http("PUT", "/api/v1/targets/echo-any",
                            {"host": "127.0.0.1:%d" % bp, "depth": "echo"})
        self.assertEqual(st, 201, doc)
        self.assertIsNone(doc["blocked"])
        st, doc = self.http("PUT", "/api/v1/targets/tls-odd",
                            {"host": "127.1:%d" % bp, "depth": "tls"})
        self.assertEqual(st, 201, doc)
        st, doc = self.http("POST", "/api/v1/targets/echo-any/run")
        self.assertEqual(st, 200, doc)
        with self.bad.lock:
            self.assertGreaterEqual(self.bad.connections, 1)
            self.assertEqual(self.bad.auth, [], self.bad.heads)
        # allowed: by address, and by name through an allowed resolve address
        gp = self.good.port
        st, doc = self.http("PUT", "/api/v1/targets/good-addr", {"host": "127.0.0.2:%d" % gp})
        self.assertEqual(st, 201, doc)
        self.assertIsNone(doc["blocked"])
        self.assertIsNotNone(doc["next_run"])
        st, doc = self.http("PUT", "/api/v1/targets/good-name",
                            {"host": "Allowed.Test:%d" % gp,
                             "resolve": ["allowed.test:%d:127.0.0.2" % gp]})
        self.assertEqual(st, 201, doc)
        for name in ("good-addr", "good-name"):
            st, doc = self.http("POST", "/api/v1/targets/%s/run" % name)
            self.assertEqual(st, 200, doc)
        with self.good.lock:
            self.assertIn("Authorization: Basic " + BASIC, self.good.auth)
            self.assertIn("Allowed.Test:%d" % gp, self.good.hosts)
        self.assertEqual(self.stored(), ["echo-any", "good-addr", "good-name", "tls-odd"])
        log_text = s.stop()
        self.assertIn("API target evil-0: PUT refused: host: the target carries credentials",
                      log_text)
        self.assert_no_secret(s, log_text)
        print("api creds: %d PUTs refused, the refused catcher saw %d connection(s) (the echo "
              "run's) and no credentials; the allowed one got them"
              % (len(refused) + 1, self.bad.connections))

    def test_stored_target_narrowed(self):
        """A stored target that a reload, then a restart, no longer allows is
        kept but never run; DELETE works; widening runs it again."""
        gp = self.good.port
        hook = svc.Receiver()
        self.addCleanup(hook.close)
        # the first failed run fires; a block resolves the alert, as a removal
        extra = ("  failure_threshold: 1\nwebhooks:\n  - {name: w, url: 'http://127.0.0.1:%d/'}\n"
                 % hook.port)
        s = self.serve(["127.0.0.2"], extra=extra)
        for name in ("kept", "gone"):
            st, doc = self.http("PUT", "/api/v1/targets/" + name,
                                {"host": "127.0.0.2:%d" % gp, "labels": {"n": name}})
            self.assertEqual(st, 201, doc)
        st, doc = self.http("POST", "/api/v1/targets/kept/run")  # a result to go stale
        self.assertEqual(st, 200, doc)
        st, text = self.http("GET", "/metrics", token=None)
        self.assertIn('probe_success{target="kept",n="kept"} 0', text)

        def alerts(status):
            return [a for b in hook.bodies() for a in b["alerts"]
                    if a["labels"].get("target") == "kept" and a["status"] == status]
        svc.wait_for("the firing alert of kept", lambda: alerts("firing"), 30)
        # narrowed by a reload (and a target without credentials is untouched)
        st, doc = self.http("PUT", "/api/v1/targets/plain", {"host": "127.0.0.1:1",
                                                             "depth": "tls"})
        self.assertEqual(st, 201, doc)
        s.write_config(self.config(["allowed.test"], extra=extra))
        st, doc = self.http("POST", "/-/reload")
        self.assertEqual(st, 200, doc)
        svc.wait_for("the resolved alert of kept", lambda: alerts("resolved"), 30)
        with self.good.lock:
            caught = self.good.connections
        ts = self.listed()
        for name in ("kept", "gone"):
            self.assertEqual(ts[name]["blocked"],
                             'host: the target carries credentials and host "127.0.0.2:%d" is '
                             'not in api.allow_hosts (list it there, or use depth tls or echo)'
                             % gp)
            self.assertIsNone(ts[name]["next_run"])
        self.assertIsNone(ts["plain"]["blocked"])
        st, doc = self.http("POST", "/api/v1/targets/kept/run")
        self.assertEqual((st, doc["error"]), (403, "forbidden"), doc)
        self.assertIn("target 'kept' is not run: host: ", doc["detail"])
        st, doc = self.http("POST", "/api/v1/targets/kept/run?wait=false")
        self.assertEqual(st, 403, doc)
        st, doc = self.http("GET", "/probe?target=kept", token=None)
        self.assertEqual(st, 403, doc)
        self.assertIn('Target "kept" is not run: host: ', doc)
        st, text = self.http("GET", "/api/v1/targets/kept?format=text", token=None)
        self.assertEqual(st, 200, text)
        self.assertTrue(text.startswith("OAPROBE UNKNOWN - kept: not run: host: "), text)
        # /metrics: no stale series, the block instead
        st, text = self.http("GET", "/metrics", token=None)
        self.assertEqual(st, 200)
        self.assertIn('oaprobe_target_blocked{target="kept",n="kept"} 1', text)
        self.assertNotIn('oaprobe_target_blocked{target="plain"', text)
        self.assertNotIn('probe_success{target="kept"', text)
        pt = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                            capture_output=True, timeout=60)
        self.assertEqual(pt.returncode, 0, pt.stdout + pt.stderr)
        # /api/v1/status: counted as blocked only (not as its last state), not ok
        st, doc = self.http("GET", "/api/v1/status", token=None)
        self.assertEqual((st, doc["ok"], doc["status"]), (503, False, "degraded"), doc)
        self.assertEqual(doc["counts"]["blocked"], 2, doc)
        self.assertEqual(sum(doc["counts"].values()), doc["targets"], doc)
        # the badge: "blocked" in grey, not the stale critical
        st, svg = self.http("GET", "/api/v1/targets/kept/badge.svg", token=None)
        self.assertEqual(st, 200)
        self.assertIn("<title>kept: blocked</title>", svg)
        self.assertIn('fill="#9f9f9f"', svg)
        self.assertNotIn("critical", svg)
        self.assertIn("reload: API target kept: not run (kept in the store; DELETE it, or PUT "
                      "it again with an allowed host or depth tls or echo): host: ", s.log())
        # a restart: loaded, still blocked, nothing lost
        log1 = s.stop()
        s = self.serve(["allowed.test"], extra=extra)
        self.assertIn("API target gone: not run (kept in the store", s.log())
        self.assertIn("(some not run: api.allow_hosts)", s.log())
        self.assertEqual(self.stored(), ["gone", "kept", "plain"])
        ts = self.listed()
        self.assertIsNotNone(ts["kept"]["blocked"])
        self.assertEqual(ts["kept"]["labels"], {"n": "kept"})
        st, doc = self.http("POST", "/api/v1/targets/gone/run")
        self.assertEqual(st, 403, doc)
        st, doc = self.http("DELETE", "/api/v1/targets/gone")
        self.assertEqual(st, 204, doc)
        self.assertEqual(self.stored(), ["kept", "plain"])
        with self.good.lock:
            self.assertEqual(self.good.connections, caught, self.good.heads)
        # widened again: it runs, and the allowed host gets the credentials
        s.write_config(self.config(["127.0.0.0/8"], extra=extra))
        st, doc = self.http("POST", "/-/reload")
        self.assertEqual(st, 200, doc)
        st, doc = self.http("GET", "/api/v1/targets/kept", token=None)
        self.assertIsNone(doc["blocked"], doc)
        self.assertIsNotNone(doc["next_run"], doc)
        st, doc = self.http("POST", "/api/v1/targets/kept/run")
        self.assertEqual(st, 200, doc)
        with self.good.lock:
            self.assertGreater(self.good.connections, caught)
            self.assertIn("Authorization: Basic " + BASIC, self.good.auth)
        log2 = s.stop()
        self.assertIn("reload: API target kept: api.allow_hosts admits it now: runs", log2)
        self.assert_no_secret(s, log1 + log2)

    def test_restart_resolves_firing(self):
        """A firing API target that a restart finds blocked has its alert
        resolved at start, as a target gone from the file."""
        hook = svc.Receiver()
        self.addCleanup(hook.close)
        extra = ("  failure_threshold: 1\nwebhooks:\n  - {name: w, url: 'http://127.0.0.1:%d/'}\n"
                 % hook.port)
        s = self.serve(["127.0.0.2"], extra=extra)
        st, doc = self.http("PUT", "/api/v1/targets/kept",
                            {"host": "127.0.0.2:%d" % self.good.port})
        self.assertEqual(st, 201, doc)
        st, doc = self.http("POST", "/api/v1/targets/kept/run")
        self.assertEqual((st, doc["status"]), (200, "critical"), doc)

        def alerts(status):
            return [a for b in hook.bodies() for a in b["alerts"]
                    if a["labels"].get("target") == "kept" and a["status"] == status]
        svc.wait_for("the firing alert of kept", lambda: alerts("firing"), 30)
        log1 = s.stop()
        s = self.serve(["10.0.0.0/8"], extra=extra)
        svc.wait_for("the resolved alert of kept", lambda: alerts("resolved"), 30)
        self.assertEqual(len(alerts("firing")), 1)
        st, doc = self.http("GET", "/api/v1/targets/kept", token=None)
        self.assertIsNotNone(doc["blocked"], doc)
        self.assert_no_secret(s, log1 + s.stop())

    def test_transport_guards(self):
        """Defaults that verify certificates over HTTPS: a body may not turn
        that off for a target with credentials, even at an allowed host."""
        s = self.serve(["127.0.0.2"], clear=False)
        gp = self.good.port
        for body, key in (({"host": "127.0.0.2:%d" % gp, "insecure": True}, "insecure"),
                          ({"host": "127.0.0.2:%d" % gp, "http": True}, "http"),
                          ({"host": "127.0.0.2:%d" % gp, "http": True, "insecure": True},
                           "insecure")):
            st, doc = self.http("PUT", "/api/v1/targets/downgrade", body)
            self.assertEqual((st, doc["error"]), (403, "forbidden"), (body, doc))
            self.assertTrue(doc["detail"].startswith(key + ": the target carries credentials"),
                            doc)
        st, doc = self.http("PUT", "/api/v1/targets/no-creds",
                            {"host": "127.0.0.1:9", "depth": "tls", "insecure": True})
        self.assertEqual(st, 201, doc)
        self.assertEqual(self.stored(), ["no-creds"])
        with self.good.lock:
            self.assertEqual(self.good.connections, 0, self.good.heads)
        self.assert_no_secret(s, s.stop())

    def test_server_files(self):
        """No API body names a file on the server: cacert (an existing file
        or not, credentials or not) is 403 naming the key, the same answer
        either way; password_file and keytab 400; nothing stored or sent. A
        body stored with a cacert by an older version is kept but blocked."""
        s = self.serve(["127.0.0.2"])
        gp = self.good.port
        want = ("cacert: a file on the server cannot be set through the API; set it in the "
                "configuration file (defaults.cacert)")
        for body in ({"host": "127.0.0.2:%d" % gp, "cacert": self.tokens},
                     {"host": "127.0.0.2:%d" % gp, "cacert": self.tokens + ".missing"},
                     {"host": "127.0.0.1:9", "depth": "tls", "cacert": "/etc/shadow"}):
            st, doc = self.http("PUT", "/api/v1/targets/files", body)
            self.assertEqual((st, doc), (403, {"error": "forbidden", "detail": want}), body)
        for key, value in (("password_file", self.pw), ("keytab", self.tokens)):
            st, doc = self.http("PUT", "/api/v1/targets/files",
                                {"host": "127.0.0.2:%d" % gp, key: value})
            self.assertEqual((st, doc["error"]), (400, "bad_request"), doc)
            self.assertIn(key + ": credentials are not set through the API", doc["detail"])
        self.assertEqual(self.stored(), [])
        self.assertIn("API target files: PUT refused: cacert: a file on the server", s.log())
        log1 = s.stop()
        # a row an older version stored: kept, listed, blocked, never run
        ca = os.path.join(self.tmp, "ca.pem")
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                            os.path.join(self.tmp, "ca.key"), "-out", ca, "-days", "2",
                            "-subj", "/CN=oaprobe test CA"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        con = sqlite3.connect(self.db, timeout=10)
        with con:
            con.execute("INSERT INTO api_targets(name, body, created_at, updated_at) "
                        "VALUES ('old', ?, 0, 0)",
                        (json.dumps({"host": "127.0.0.2:%d" % gp, "cacert": ca}),))
        con.close()
        s = self.serve(["127.0.0.2"])
        ts = self.listed()
        self.assertEqual(ts["old"]["blocked"], want)
        self.assertIsNone(ts["old"]["next_run"])
        st, doc = self.http("POST", "/api/v1/targets/old/run")
        self.assertEqual(st, 403, doc)
        self.assertIn("API target old: not run (kept in the store; DELETE it, or PUT it again "
                      "without cacert): cacert: ", s.log())
        with self.good.lock:
            self.assertEqual(self.good.connections, 0, self.good.heads)
        # PUT again without cacert: runs (and the allowed host is sent the credentials)
        st, doc = self.http("PUT", "/api/v1/targets/old", {"host": "127.0.0.2:%d" % gp})
        self.assertEqual(st, 200, doc)
        self.assertIsNone(doc["blocked"], doc)
        st, doc = self.http("POST", "/api/v1/targets/old/run")
        self.assertEqual(st, 200, doc)
        with self.good.lock:
            self.assertIn("Authorization: Basic " + BASIC, self.good.auth)
        self.assert_no_secret(s, log1 + s.stop())

    def test_config_check_warns(self):
        """Write tokens + credentials in defaults + no api.allow_hosts: a
        warning (exit 0); with api.allow_hosts none."""
        cfg = os.path.join(self.tmp, "c.yml")
        for allow, warned in ((None, True), (["mail.contoso.com"], False)):
            with open(cfg, "w") as f:
                f.write(self.config(allow))
            p = subprocess.run([OAPROBE, "config", "check", cfg], capture_output=True,
                               text=True, env=NoLab().probe_env(self.tmp))
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertEqual("api: warning: defaults carry credentials and api.allow_hosts is "
                             "not set" in p.stdout, warned, p.stdout)
            self.assertNotIn(PASSWORD, p.stdout + p.stderr)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--oaprobe", required=True)
    a, rest = ap.parse_known_args()
    OAPROBE = svc.OAPROBE = a.oaprobe
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
