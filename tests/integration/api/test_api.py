#!/usr/bin/python3
"""The HTTP API (service/api*.c) against a fake daemon (api_fake): every
route of issue 8 answers as docs/api/openapi.yaml says, and every bad
request (path traversal, odd names, NUL, overlong targets, unknown query
parameters, missing/wrong tokens, wrong scope, malformed, oversized or
unknown-field bodies) gets a clear JSON error and changes nothing. A slow
event-stream client is dropped instead of growing the server's memory.

    test_api.py --fake PATH/api_fake
"""
import argparse
import http.client
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None
READ = "read-secret-0123456789abcdef"
WRITE = "write-secret-0123456789abcdef"
SECRETS = (READ, WRITE, "Pa55-w0rd!secret-7f3a")


class Fake:
    """One api_fake process; commands go to its stdin."""

    def __init__(self, *flags):
        self.tmp = tempfile.TemporaryDirectory()
        self.p = subprocess.Popen(
            [ARGS.fake, "--store", os.path.join(self.tmp.name, "h.db")] + list(flags),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        self.port4 = int(self.p.stdout.readline().split()[1])
        self.port6 = int(self.p.stdout.readline().split()[1])

    def command(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def stop(self):
        self.p.stdin.close()
        rc = self.p.wait(timeout=30)
        err = self.p.stderr.read()
        self.p.stdout.close()
        self.p.stderr.close()
        self.tmp.cleanup()
        return rc, err


def wait_counts(fake, want, timeout=10.0):
    """The fake's "counts" answer once it is want (streams open and
    dropped), polled for at most timeout seconds: a stream counts once the
    loop has read its request, which a loaded machine can delay."""
    end = time.monotonic() + timeout
    got = fake.command("counts")
    while got != want and time.monotonic() < end:
        time.sleep(0.02)
        got = fake.command("counts")
    return got


def request(port, method, target, body=None, headers=None, host="127.0.0.1"):
    c = http.client.HTTPConnection(host, port, timeout=10)
    h = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        h.setdefault("Content-Type", "application/json")
    c.request(method, target, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def raw(port, data, host="127.0.0.1"):
    """Sends bytes as they are; returns the status code and the body."""
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(data)
    out = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
        if b"\r\n\r\n" in out:
            head, _, rest = out.partition(b"\r\n\r\n")
            length = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
            if length and len(rest) >= int(length[0].split(b":")[1]):
                break
    s.close()
    status = int(out.split(b" ", 2)[1]) if out.startswith(b"HTTP/") else 0
    return status, out.partition(b"\r\n\r\n")[2]


def bearer(tok):
    return {"Authorization": "Bearer " + tok}


class Api(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()
        cls.port = cls.fake.port4

    @classmethod
    def tearDownClass(cls):
        rc, err = cls.fake.stop()
        assert rc == 0, "api_fake exited %d: %s" % (rc, err)
        for s in SECRETS:
            assert s not in err, "a secret in the log"

    def get(self, target, **kw):
        return request(self.port, "GET", target, **kw)

    def error(self, status, method, target, word, detail_part, **kw):
        st, h, body = request(self.port, method, target, **kw)
        self.assertEqual(st, status, "%s %s: %s" % (method, target, body))
        self.assertEqual(h["content-type"], "application/json")
        doc = json.loads(body)
        self.assertEqual(set(doc), {"error", "detail"})
        self.assertEqual(doc["error"], word, body)
        self.assertIn(detail_part, doc["detail"], body)
        for s in SECRETS:
            self.assertNotIn(s.encode(), body)
        return h, doc

    def names(self):
        st, _, body = self.get("/api/v1/targets")
        self.assertEqual(st, 200)
        return [t["name"] for t in json.loads(body)["targets"]]

    # ---- every route ---------------------------------------------------

    def test_healthz_and_headers(self):
        st, h, body = self.get("/healthz")
        self.assertEqual((st, body), (200, b"ok\n"))
        self.assertEqual(h["x-content-type-options"], "nosniff")
        self.assertIn("default-src 'none'", h["content-security-policy"])
        self.assertEqual(h["cache-control"], "no-store")
        self.assertTrue(h["content-type"].startswith("text/plain"))
        st, h, body = request(self.port, "HEAD", "/healthz")
        self.assertEqual((st, body), (200, b""))

    def test_targets(self):
        st, h, body = self.get("/api/v1/targets")
        self.assertEqual(st, 200)
        self.assertEqual(h["content-type"], "application/json")
        doc = json.loads(body)
        self.assertEqual(len(doc["targets"]), 6)
        self.assertEqual(doc["targets"][0]["name"], "contoso-mail")
        for s in SECRETS:
            self.assertNotIn(s.encode(), body)

    def test_text(self):
        for headers, target in (({"Accept": "text/plain"}, "/api/v1/targets"),
                                ({}, "/api/v1/targets?format=text")):
            st, h, body = self.get(target, headers=headers)
            self.assertEqual(st, 200)
            self.assertTrue(h["content-type"].startswith("text/plain"))
            lines = body.decode().splitlines()
            self.assertEqual(len(lines), 6)
            self.assertTrue(lines[0].startswith("OAPROBE OK - contoso-mail: "), lines[0])
        st, _, body = self.get("/api/v1/targets/contoso-vp?format=text")
        self.assertTrue(body.startswith(b"OAPROBE CRITICAL - contoso-vp: "), body)
        st, h, _ = self.get("/api/v1/targets", headers={"Accept": "application/json, text/plain"})
        self.assertEqual(h["content-type"], "application/json")
        self.error(400, "GET", "/api/v1/targets?format=xml", "bad_request", "json or text")

    def test_target(self):
        st, _, body = self.get("/api/v1/targets/contoso-vp")
        self.assertEqual(st, 200)
        doc = json.loads(body)
        self.assertEqual(doc["status"], "critical")
        self.assertEqual(doc["reason"], "validports_missing_entry")
        self.assertIsNotNone(doc["result"])
        self.error(404, "GET", "/api/v1/targets/no-such", "not_found", "no target named 'no-such'")

    def test_results_paged(self):
        st, _, body = self.get("/api/v1/targets/contoso-mail/results?limit=3")
        self.assertEqual(st, 200)
        page1 = json.loads(body)
        self.assertEqual(len(page1["results"]), 3)
        times = [r["started_at"] for r in page1["results"]]
        self.assertEqual(times, sorted(times, reverse=True))
        seen = list(times)
        cursor = page1["next_cursor"]
        while cursor:
            st, _, body = self.get("/api/v1/targets/contoso-mail/results?limit=3&cursor=" + cursor)
            self.assertEqual(st, 200)
            page = json.loads(body)
            seen += [r["started_at"] for r in page["results"]]
            cursor = page["next_cursor"]
        self.assertEqual(len(seen), 7)
        self.assertEqual(len(set(seen)), 7)
        st, _, body = self.get("/api/v1/targets/contoso-mail/results"
                               "?since=2025-11-21T01:50:20Z&until=2025-11-21T01:52:20Z")
        self.assertEqual([r["started_at"] for r in json.loads(body)["results"]],
                         ["2025-11-21T01:51:20.000Z", "2025-11-21T01:50:20.000Z"])
        st, _, body = self.get("/api/v1/targets/contoso-mail/results"
                               "?since=2025-11-21T02%3A50%3A20%2B01%3A00")
        self.assertEqual(len(json.loads(body)["results"]), 3)

    def test_results_bad_queries(self):
        base = "/api/v1/targets/contoso-mail/results"
        cur = json.loads(self.get(base + "?limit=1")[2])["next_cursor"]
        other = json.loads(self.get("/api/v1/targets/contoso-vp/incidents?limit=1")[2])["next_cursor"]
        for q, part in (("limit=0", "limit: limit must be a whole number from 1 to 1000"),
                        ("limit=1001", "1 to 1000"), ("limit=ten", "1 to 1000"),
                        ("since=yesterday", "since: not an RFC 3339 time"),
                        ("until=2025-13-01T00:00:00Z", "until: not an RFC 3339 time"),
                        ("since=2025-11-21T02:00:00Z&until=2025-11-21T01:00:00Z",
                         "since must be before until"),
                        ("cursor=" + cur[:-2] + "AA", "cursor"),
                        ("cursor=" + other, "cursor was not issued for this query"),
                        ("cursor=%3Cx%3E", "cursor is not one this server issued"),
                        ("page=2", "unknown query parameter 'page'"),
                        ("limit=1&limit=2", "given twice")):
            self.error(400, "GET", base + "?" + q, "bad_request", part)

    def test_incidents(self):
        st, _, body = self.get("/api/v1/targets/contoso-vp/incidents")
        self.assertEqual(st, 200)
        inc = json.loads(body)["incidents"]
        self.assertEqual(len(inc), 2)
        self.assertTrue(inc[0]["open"])
        self.assertFalse(inc[1]["open"])
        self.assertEqual(inc[1]["to"], "critical")

    def test_status(self):
        st, h, body = self.get("/api/v1/status")
        self.assertEqual(st, 503)  # the sample has critical targets
        doc = json.loads(body)
        self.assertFalse(doc["ok"])
        self.assertEqual(doc["counts"]["critical"], 3)
        self.assertEqual(doc["targets"], 6)

    def test_ipv6(self):
        if not self.fake.port6:
            self.skipTest("no IPv6 loopback")
        st, _, body = request(self.fake.port6, "GET", "/healthz", host="::1")
        self.assertEqual((st, body), (200, b"ok\n"))

    def test_badges(self):
        st, h, body = self.get("/api/v1/targets/contoso-mail/badge.svg")
        self.assertEqual(st, 200)
        self.assertEqual(h["content-type"], "image/svg+xml")
        self.assertIn(b"<svg", body)
        self.assertIn("max-age", h["cache-control"])
        etag = h["etag"]
        st, h2, body2 = self.get("/api/v1/targets/contoso-mail/badge.svg",
                                 headers={"If-None-Match": etag})
        self.assertEqual((st, body2), (304, b""))
        st, h, body = self.get("/api/v1/targets/contoso-mail/uptime/7d/badge.svg")
        self.assertEqual(st, 200)
        self.assertIn(b"uptime 7d", body)
        self.error(400, "GET", "/api/v1/targets/contoso-mail/uptime/1y/badge.svg",
                   "bad_request", "window '1y' is not one of 24h, 7d, 30d, 90d")
        self.error(404, "GET", "/api/v1/targets/nope/badge.svg", "not_found", "nope")

    def test_validports(self):
        st, _, body = request(self.port, "POST", "/api/v1/validports",
                              body={"value": "EXCH01:6001-6002;EXCH01:6004",
                                    "names": ["EXCH01", "exch01.contoso.local"]})
        self.assertEqual(st, 200, body)
        doc = json.loads(body)
        self.assertEqual(doc["schema"], "oaprobe.validports/1")
        self.assertEqual(doc["exit_code"], 1)  # the FQDN is missing
        st, _, body = request(self.port, "POST", "/api/v1/validports",
                              body={"value": "EXCH01:6001-6002;EXCH01:6004", "ports": "6001"})
        self.assertEqual(st, 200, body)
        self.error(400, "POST", "/api/v1/validports", "bad_request",
                   "unknown field 'valeu'", body={"valeu": "x"})
        self.error(400, "POST", "/api/v1/validports", "bad_request", "value: missing",
                   body={"names": []})
        self.error(400, "POST", "/api/v1/validports", "bad_request", "names[0]",
                   body={"value": "A:1", "names": ["bad name!"]})
        self.error(400, "POST", "/api/v1/validports", "bad_request", "not JSON",
                   body="{\"value\": ")
        self.error(400, "POST", "/api/v1/validports", "bad_request", "not JSON",
                   body="{\"value\": \"a\", \"value\": \"b\"}")
        self.error(400, "POST", "/api/v1/validports", "bad_request", "must be a JSON object",
                   body="[1]")

    # ---- run now -------------------------------------------------------

    def test_run_wait(self):
        t0 = time.monotonic()
        st, _, body = request(self.port, "POST", "/api/v1/targets/contoso-mail/run",
                              headers=bearer(WRITE))
        self.assertEqual(st, 200, body)
        self.assertGreaterEqual(time.monotonic() - t0, 0.04)  # waited for the run
        self.assertEqual(json.loads(body)["name"], "contoso-mail")

    def test_run_nowait(self):
        st, h, body = request(self.port, "POST", "/api/v1/targets/contoso-vp/run?wait=false",
                              headers=bearer(WRITE))
        self.assertEqual(st, 202)
        self.assertEqual(h["location"], "/api/v1/targets/contoso-vp")
        self.assertEqual(json.loads(body)["status"], "accepted")
        self.error(400, "POST", "/api/v1/targets/contoso-vp/run?wait=maybe", "bad_request",
                   "wait: must be true or false", headers=bearer(WRITE))
        self.error(404, "POST", "/api/v1/targets/nope/run", "not_found", "nope",
                   headers=bearer(WRITE))

    def test_run_client_gone(self):
        # the client leaves while its run is in flight: the server carries on
        s = socket.create_connection(("127.0.0.1", self.port))
        s.sendall(("POST /api/v1/targets/contoso-mail/run HTTP/1.1\r\nHost: x\r\n"
                   "Authorization: Bearer %s\r\nContent-Length: 0\r\n\r\n" % WRITE).encode())
        s.close()
        time.sleep(0.2)
        self.assertEqual(self.get("/healthz")[0], 200)

    # ---- tokens and scopes ---------------------------------------------

    def test_tokens(self):
        run = "/api/v1/targets/contoso-mail/run"
        h, _ = self.error(401, "POST", run, "unauthorized", "Authorization: Bearer")
        self.assertIn("Bearer", h["www-authenticate"])
        self.error(401, "POST", run, "unauthorized", "not valid", headers=bearer("x" * 40))
        self.error(401, "POST", run, "unauthorized", "not valid", headers=bearer(WRITE[:-1]))
        self.error(401, "POST", run, "unauthorized", "only Bearer",
                   headers={"Authorization": "Basic " + WRITE})
        self.error(403, "POST", run, "forbidden", "token 'reader' has scope read",
                   headers=bearer(READ))
        self.error(403, "POST", "/-/reload", "forbidden", "scope read", headers=bearer(READ))
        self.error(401, "DELETE", "/api/v1/targets/contoso-mail", "unauthorized", "Bearer")
        self.assertEqual(len(self.names()), 6)

    def test_reload(self):
        st, _, body = request(self.port, "POST", "/-/reload", headers=bearer(WRITE))
        self.assertEqual(st, 200, body)
        self.assertIn("counts", json.loads(body))
        self.assertEqual(self.fake.command("reload-fails 1"), "ok")
        try:
            self.error(400, "POST", "/-/reload", "bad_request",
                       "the old one runs: oaprobe.yaml:4:15: targets[0].interval",
                       headers=bearer(WRITE))
        finally:
            self.fake.command("reload-fails 0")
        self.error(405, "GET", "/-/reload", "method_not_allowed", "allowed: POST")

    # ---- API targets ---------------------------------------------------

    def test_put_delete(self):
        url = "/api/v1/targets/api-one"
        st, h, body = request(self.port, "PUT", url, body={"host": "mail.example.org",
                                                           "interval": "30s"},
                              headers=bearer(WRITE))
        self.assertEqual(st, 201, body)
        self.assertEqual(json.loads(body)["source"], "api")
        self.assertEqual(h["location"], url)
        self.assertIn("api-one", self.names())
        st, _, body = request(self.port, "PUT", url, body={"host": "mail2.example.org"},
                              headers=bearer(WRITE))
        self.assertEqual(st, 200, body)
        self.assertEqual(json.loads(body)["host"], "mail2.example.org")
        st, _, body = request(self.port, "DELETE", url, headers=bearer(WRITE))
        self.assertEqual((st, body), (204, b""))
        self.assertNotIn("api-one", self.names())
        self.error(404, "DELETE", url, "not_found", "no API target named 'api-one'",
                   headers=bearer(WRITE))

    def test_put_refused_changes_nothing(self):
        before = self.names()
        url = "/api/v1/targets/api-two"
        w = bearer(WRITE)
        self.error(409, "PUT", "/api/v1/targets/contoso-mail", "conflict",
                   "defined in the configuration file", body={"host": "x.example"}, headers=w)
        self.error(409, "DELETE", "/api/v1/targets/contoso-mail", "conflict",
                   "defined in the configuration file", headers=w)
        self.error(400, "PUT", url, "bad_request", "bogus", body={"host": "x.example",
                                                                  "bogus": 1}, headers=w)
        self.error(400, "PUT", url, "bad_request", "interval",
                   body={"host": "x.example", "interval": "6O s"}, headers=w)
        self.error(400, "PUT", url, "bad_request", "", body="{not json", headers=w)
        self.error(400, "PUT", url, "bad_request", "JSON object", body="", headers=w)
        self.error(413, "PUT", url, "payload_too_large", "larger than 65536 bytes",
                   body=json.dumps({"host": "x" * 70000}), headers=w)
        self.error(400, "PUT", "/api/v1/targets/Bad_Name", "bad_request",
                   "'Bad_Name' is not a target name", body={"host": "x.example"}, headers=w)
        self.error(400, "PUT", "/api/v1/targets/" + "a" * 65, "bad_request",
                   "is not a target name", body={"host": "x.example"}, headers=w)
        self.error(403, "PUT", url, "forbidden", "scope read", body={"host": "x.example"},
                   headers=bearer(READ))
        self.assertEqual(self.names(), before)

    def test_oversized_chunked_body(self):
        # no Content-Length: the limit holds while reading, the rest is dropped
        chunk = b"x" * 8192
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(10)) + b"0\r\n\r\n"
        st, out = raw(self.port, ("PUT /api/v1/targets/api-three HTTP/1.1\r\nHost: x\r\n"
                                  "Authorization: Bearer %s\r\nTransfer-Encoding: chunked\r\n"
                                  "Connection: close\r\n\r\n" % WRITE).encode() + body)
        self.assertEqual(st, 413, out)
        self.assertNotIn("api-three", self.names())

    # ---- paths, names, methods -----------------------------------------

    def test_paths_and_names(self):
        for target, status, part in (
                ("/api/v1/targets/%2e%2e/results", 400, "'..' segment"),
                ("/api/v1/targets/../../etc/passwd", 400, "'..' segment"),
                ("/api/v1/targets/a%2Fb", 400, "encoded '/'"),
                ("/api/v1/targets/a%00b", 400, "NUL"),
                ("/api/v1/targets/a%0d%0aSet-Cookie:x", 400, "control character"),
                ("/api/v1/targets/a%zz", 400, "two hex digits"),
                ("/api/v1/targets/Contoso-Mail", 404, "'Contoso-Mail' is not a target name"),
                ("/api/v1/targets/" + "a" * 65, 404, "is not a target name"),
                ("/api/v1/targets/%3Cscript%3Ealert(1)%3C%2Fscript%3E", 400, "encoded '/'"),
                ("/api/v1/targets/%3Cscript%3E", 404, "is not a target name"),
                ("/api/v1/nothing", 404, "no route GET /api/v1/nothing"),
                ("/api/v1/targets/", 404, "no route"),
                ("/" + "a" * 3000, 414, "longer than 2048 bytes"),
                ("/api/v1/targets?limit=5", 400, "unknown query parameter 'limit'")):
            word = {400: "bad_request", 404: "not_found", 414: "bad_request"}[status]
            st, _, body = self.get(target)
            self.assertEqual(st, status, "%s: %s" % (target, body))
            doc = json.loads(body)
            self.assertEqual(doc["error"], word, target)
            self.assertIn(part, doc["detail"], target)
            # nothing the client sent comes back as markup or raw control bytes
            self.assertNotIn(b"<", body)
            self.assertFalse(any(b < 0x20 for b in body), body)

    def test_methods(self):
        h, _ = self.error(405, "DELETE", "/api/v1/targets", "method_not_allowed",
                          "allowed: GET, HEAD")
        self.assertEqual(h["allow"], "GET, HEAD")
        h, _ = self.error(405, "POST", "/api/v1/targets/contoso-mail", "method_not_allowed",
                          "allowed: GET, HEAD, PUT, DELETE")
        self.error(405, "GET", "/api/v1/targets/contoso-mail/run", "method_not_allowed",
                   "allowed: POST")

    def test_malformed_http(self):
        st, _ = raw(self.port, b"GARBAGE\r\n\r\n")
        self.assertIn(st, (0, 400))
        st, _ = raw(self.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
        self.assertIn(st, (0, 400))
        st, body = raw(self.port, b"GET relative HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertIn(st, (0, 400))
        self.assertEqual(self.get("/healthz")[0], 200)

    # ---- events ----------------------------------------------------------

    def test_events(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
        buf = b""
        while b": oaprobe events" not in buf:
            buf += s.recv(4096)
        self.assertIn(b"text/event-stream", buf)
        st, _, _ = request(self.port, "POST", "/api/v1/targets/fabrikam-cert/run?wait=false",
                           headers=bearer(WRITE))
        self.assertEqual(st, 202)
        deadline = time.monotonic() + 10
        while b"event: state" not in buf and time.monotonic() < deadline:
            buf += s.recv(65536)
        s.close()
        text = buf.decode("utf-8", "replace")
        self.assertIn("event: result", text)
        data = [l[6:] for l in text.split("\n") if l.startswith("data: ")]
        self.assertEqual(json.loads(data[0])["name"], "fabrikam-cert")
        self.assertEqual(json.loads(data[1])["target"], "fabrikam-cert")

    def test_slow_event_client_dropped(self):
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.connect(("127.0.0.1", self.port))
        slow.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(wait_counts(self.fake, "streams 1 dropped 0"), "streams 1 dropped 0")
        # 16 MiB of events to a client that reads nothing
        self.assertEqual(self.fake.command("burst 4000 4096"), "burst done")
        self.assertEqual(self.fake.command("counts"), "streams 0 dropped 1")
        # the stream ends after what was queued (at most the queue cap)
        slow.settimeout(10)
        got = 0
        while True:
            chunk = slow.recv(1 << 16)
            if not chunk:
                break
            got += len(chunk)
        slow.close()
        self.assertLess(got, 4 << 20)
        self.assertEqual(self.get("/healthz")[0], 200)


class Concurrency(unittest.TestCase):
    """Many clients at once on the one loop thread: waiting runs, event
    streams and bad requests interleaved; every one gets its answer."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake()

    @classmethod
    def tearDownClass(cls):
        rc, err = cls.fake.stop()
        assert rc == 0, err

    def test_many_clients(self):
        import concurrent.futures
        p = self.fake.port4
        streams = []
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", p), timeout=10)
            s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
            streams.append(s)
        self.assertEqual(wait_counts(self.fake, "streams 20 dropped 0"), "streams 20 dropped 0")

        def one(i):
            if i % 3 == 0:
                return request(p, "POST", "/api/v1/targets/contoso-mail/run",
                               headers=bearer(WRITE))[0]
            if i % 3 == 1:
                return request(p, "GET", "/api/v1/targets/%2e%2e")[0]
            return request(p, "GET", "/api/v1/targets")[0]

        with concurrent.futures.ThreadPoolExecutor(64) as ex:
            codes = list(ex.map(one, range(192)))
        self.assertEqual(codes.count(200), 128)
        self.assertEqual(codes.count(400), 64)
        for s in streams:  # each stream saw the 64 runs' result events
            buf = b""
            while buf.count(b"event: result") < 64:
                chunk = s.recv(1 << 16)
                self.assertTrue(chunk, "stream closed early")
                buf += chunk
            s.close()
        # a closed stream is noticed at its next write (an event, a keep-alive)
        deadline = time.monotonic() + 20
        while self.fake.command("counts") != "streams 0 dropped 0":
            self.assertLess(time.monotonic(), deadline, self.fake.command("counts"))
            self.fake.command("burst 1 10")
            time.sleep(0.1)


class ReadToken(unittest.TestCase):
    """api.read_requires_token: reads need a token too; /healthz never."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("--read-token")

    @classmethod
    def tearDownClass(cls):
        rc, err = cls.fake.stop()
        assert rc == 0, err

    def test_reads(self):
        p = self.fake.port4
        self.assertEqual(request(p, "GET", "/api/v1/targets")[0], 401)
        self.assertEqual(request(p, "GET", "/api/v1/events")[0], 401)
        self.assertEqual(request(p, "GET", "/api/v1/targets/contoso-mail/badge.svg")[0], 401)
        self.assertEqual(request(p, "GET", "/api/v1/targets", headers=bearer("y" * 30))[0], 401)
        self.assertEqual(request(p, "GET", "/api/v1/targets", headers=bearer(READ))[0], 200)
        self.assertEqual(request(p, "GET", "/api/v1/targets", headers=bearer(WRITE))[0], 200)
        self.assertEqual(request(p, "GET", "/healthz")[0], 200)


class NoTokens(unittest.TestCase):
    """No tokens file: every write is refused."""

    @classmethod
    def setUpClass(cls):
        cls.fake = Fake("--no-tokens")

    @classmethod
    def tearDownClass(cls):
        rc, err = cls.fake.stop()
        assert rc == 0, err

    def test_writes_refused(self):
        p = self.fake.port4
        st, _, body = request(p, "POST", "/-/reload", headers=bearer(WRITE))
        self.assertEqual(st, 403)
        self.assertIn("no api.tokens_file", json.loads(body)["detail"])
        self.assertEqual(request(p, "GET", "/api/v1/targets")[0], 200)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--fake", required=True)
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
