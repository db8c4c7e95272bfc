#!/usr/bin/python3
"""The API's cache of rendered bodies (service/api_cache.c) against the fake
daemon (api_fake): strong ETags and 304, gzip bodies equal to the identity
ones, a fresh body after a change (at once for a target's own pages and
after a write through the API, within API_CACHE_STALE_MAX_MS for the
lists), a history page rebuilt after a new run, tokens checked before a
cached body is served, and the LRU's bounds under many distinct queries.

    test_api_cache.py --fake PATH/api_fake
"""
import argparse
import gzip
import http.client
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_api as base  # noqa: E402  (Fake, request, bearer)

STALE_MAX_S = 1.0  # API_CACHE_STALE_MAX_MS
ENTRIES_MAX = 1024  # API_CACHE_ENTRIES_MAX
BYTES_MAX = 16 << 20  # API_CACHE_BYTES_MAX


def cache_stats(fake):
    words = fake.command("cache").split()
    return {words[i]: int(words[i + 1]) for i in range(0, len(words), 2)}


class Cache(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = base.Fake()
        cls.port = cls.fake.port4

    @classmethod
    def tearDownClass(cls):
        rc, err = cls.fake.stop()
        assert rc == 0, "api_fake exited %d: %s" % (rc, err)

    def get(self, target, headers=None):
        return base.request(self.port, "GET", target, headers=headers)

    def test_etag_and_304(self):
        for path in ("/api/v1/targets", "/api/v1/targets?format=text", "/api/v1/status",
                     "/api/v1/targets/contoso-mail", "/api/v1/targets/contoso-mail/results",
                     "/api/v1/targets/contoso-mail/daily?days=7", "/api/v1/daily"):
            st, h, body = self.get(path)
            self.assertIn(st, (200, 503), path)
            etag = h["etag"]
            self.assertTrue(etag.startswith('"') and etag.endswith('"'), etag)
            self.assertEqual(h["cache-control"], "no-cache", path)
            self.assertIn("Accept-Encoding", h["vary"])
            self.assertNotIn("Authorization", h["vary"])
            self.assertEqual(h["x-content-type-options"], "nosniff")
            self.assertIn("default-src 'none'", h["content-security-policy"])
            # the same body again: the same tag (a cached body, nothing changed)
            st2, h2, body2 = self.get(path)
            if path != "/api/v1/status":  # its age in seconds may tick
                self.assertEqual((h2["etag"], body2), (etag, body), path)
            for inm in (etag, "W/" + etag, '"nope", ' + etag, "*"):
                st3, h3, body3 = self.get(path, {"If-None-Match": inm})
                if h3.get("etag") != etag:  # status: a new second
                    continue
                self.assertEqual((st3, body3), (304, b""), "%s %s" % (path, inm))
                self.assertEqual(h3["cache-control"], "no-cache")
            st4, _, body4 = self.get(path, {"If-None-Match": '"other"'})
            self.assertIn(st4, (200, 503))
            self.assertTrue(body4)

    def test_gzip_round_trip(self):
        for path in ("/api/v1/targets", "/api/v1/targets?format=text",
                     "/api/v1/targets/contoso-mail", "/api/v1/daily?days=30"):
            _, h, plain = self.get(path)
            st, hz, zipped = self.get(path, {"Accept-Encoding": "gzip"})
            self.assertEqual(st, 200)
            if len(plain) < 1024:  # API_CACHE_GZIP_MIN: sent as it is
                self.assertNotIn("content-encoding", hz)
                self.assertEqual(zipped, plain)
                continue
            self.assertEqual(hz["content-encoding"], "gzip", path)
            self.assertLess(len(zipped), len(plain))
            self.assertEqual(gzip.decompress(zipped), plain, path)
            self.assertNotEqual(hz["etag"], h["etag"])  # another representation
            self.assertEqual(hz["content-type"], h["content-type"])
            st, h304, _ = self.get(path, {"Accept-Encoding": "gzip",
                                          "If-None-Match": hz["etag"]})
            self.assertEqual(st, 304)
            # q=0 refuses it; "*" accepts it; identity by default
            _, hq, bq = self.get(path, {"Accept-Encoding": "gzip;q=0, identity"})
            self.assertNotIn("content-encoding", hq)
            self.assertEqual(bq, plain)
            _, hs, bs = self.get(path, {"Accept-Encoding": "br, *;q=0.5"})
            self.assertEqual(hs.get("content-encoding"), "gzip")
            self.assertEqual(gzip.decompress(bs), plain)

    def summary(self, name):
        _, h, body = self.get("/api/v1/targets")
        return h["etag"], [t for t in json.loads(body)["targets"] if t["name"] == name][0]

    def test_fresh_after_change(self):
        etag0, before = self.summary("contoso-vp")
        _, _, one0 = self.get("/api/v1/targets/contoso-vp")
        self.assertEqual(self.fake.command("touch contoso-vp"), "ok")
        # the target's own page: at once
        _, _, one = self.get("/api/v1/targets/contoso-vp")
        self.assertEqual(json.loads(one)["consecutive_failures"],
                         json.loads(one0)["consecutive_failures"] + 1)
        # the list: within the documented staleness
        t0 = time.monotonic()
        while True:
            etag, now = self.summary("contoso-vp")
            if now["consecutive_failures"] == before["consecutive_failures"] + 1:
                break
            self.assertEqual(etag, etag0)  # a stale body keeps its tag
            self.assertLess(time.monotonic() - t0, STALE_MAX_S + 0.5, "still stale")
            time.sleep(0.05)
        self.assertNotEqual(etag, etag0)
        st, _, _ = self.get("/api/v1/targets", {"If-None-Match": etag0})
        self.assertEqual(st, 200)  # the old tag no longer matches

    def test_write_seen_at_once(self):
        w = base.bearer(base.WRITE)
        self.get("/api/v1/targets")
        st, _, _ = base.request(self.port, "PUT", "/api/v1/targets/cache-one",
                                body={"host": "c1.example.org"}, headers=w)
        self.assertEqual(st, 201)
        _, _, body = self.get("/api/v1/targets")
        self.assertIn("cache-one", [t["name"] for t in json.loads(body)["targets"]])
        st, _, _ = base.request(self.port, "DELETE", "/api/v1/targets/cache-one", headers=w)
        self.assertEqual(st, 204)
        _, _, body = self.get("/api/v1/targets")
        self.assertNotIn("cache-one", [t["name"] for t in json.loads(body)["targets"]])

    def test_history_after_new_run(self):
        for path in ("/api/v1/targets/contoso-mail/results?limit=3",
                     "/api/v1/targets/contoso-mail/daily?days=3"):
            _, h0, b0 = self.get(path)
            _, h1, b1 = self.get(path)
            self.assertEqual((h1["etag"], b1), (h0["etag"], b0))  # cached
            self.assertEqual(self.fake.command("add-run contoso-mail"), "ok")
            _, h2, b2 = self.get(path)
            self.assertNotEqual(h2["etag"], h0["etag"], path)
            if "results" in path:
                newest = json.loads(b2)["results"][0]
                self.assertEqual(newest["duration_seconds"], 0.099)
        # another target's pages are not rebuilt by it
        _, ha, _ = self.get("/api/v1/targets/contoso-vp/incidents")
        self.assertEqual(self.fake.command("add-run contoso-mail"), "ok")
        _, hb, _ = self.get("/api/v1/targets/contoso-vp/incidents")
        self.assertEqual(ha["etag"], hb["etag"])

    def test_bad_queries_not_cached(self):
        st, _, body = self.get("/api/v1/targets/contoso-mail/results?limit=0")
        self.assertEqual(st, 400, body)
        st, _, body = self.get("/api/v1/targets/nobody/results")
        self.assertEqual(st, 404, body)
        st, _, body = self.get("/api/v1/targets/contoso-mail/results?cursor=bogus")
        self.assertEqual(st, 400, body)

    def test_lru_bound(self):
        # distinct history queries: each one a page of its own, never more
        # than the bounds kept
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        n = ENTRIES_MAX + 600
        for i in range(n):
            since = "2020-01-01T00:00:%02d.%03dZ" % (i // 1000, i % 1000)
            c.request("GET", "/api/v1/targets/contoso-mail/results?since=" + since)
            r = c.getresponse()
            r.read()
            self.assertEqual(r.status, 200)
        c.close()
        s = cache_stats(self.fake)
        self.assertLessEqual(s["entries"], ENTRIES_MAX)
        self.assertLessEqual(s["bytes"], BYTES_MAX)
        self.assertGreaterEqual(s["evictions"], n - ENTRIES_MAX)
        self.assertLessEqual(s["pinned"], 6)


class BigBodies(unittest.TestCase):
    """A list of 3,000 targets (over API_CACHE_FD_MIN: kept in a memfd and
    sent with sendfile): whole, identical for concurrent clients and for
    gzip, a new body after a change while an old one is still being read."""

    @classmethod
    def setUpClass(cls):
        cls.fake = base.Fake("--many", "3000")
        cls.port = cls.fake.port4

    @classmethod
    def tearDownClass(cls):
        rc, err = cls.fake.stop()
        assert rc == 0, "api_fake exited %d: %s" % (rc, err)

    def test_big_list(self):
        st, h, plain = base.request(self.port, "GET", "/api/v1/targets")
        self.assertEqual(st, 200)
        self.assertGreater(len(plain), 256 * 1024)
        self.assertEqual(int(h["content-length"]), len(plain))
        doc = json.loads(plain)
        self.assertEqual(len(doc["targets"]), 3006)
        st, h, head = base.request(self.port, "HEAD", "/api/v1/targets")
        self.assertEqual((st, head), (200, b""))
        # many clients at once, some stalled half-way: every body whole
        conns = []
        for _ in range(8):
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            c.request("GET", "/api/v1/targets")
            conns.append(c)
        slow = conns[0].getresponse()
        first = slow.read(1000)
        self.assertEqual(self.fake.command("touch many-00007"), "ok")
        for c in conns[1:]:
            r = c.getresponse()
            self.assertEqual(r.read(), plain)
            c.close()
        self.assertEqual(first + slow.read(), plain)  # the old body, whole
        conns[0].close()
        # the change, within the documented staleness; gzip of the same bytes
        t0 = time.monotonic()
        while True:
            _, h2, now = base.request(self.port, "GET", "/api/v1/targets")
            if now != plain:
                break
            self.assertLess(time.monotonic() - t0, STALE_MAX_S + 0.5)
            time.sleep(0.05)
        self.assertNotEqual(h2["etag"], h["etag"])
        _, hz, zipped = base.request(self.port, "GET", "/api/v1/targets",
                                     headers={"Accept-Encoding": "gzip"})
        self.assertEqual(hz["content-encoding"], "gzip")
        self.assertEqual(gzip.decompress(zipped), now)
        self.assertLess(len(zipped), len(now) // 5)

    def test_gzip_across_turns(self):
        """The list's gzip is made across loop turns (service/api_cache.c,
        API_CACHE_GZIP_SYNC_MAX): requests at once share one compression,
        each gets the gzip of the current identity body; a client that
        leaves while it waits changes nothing for the others."""
        _, _, old = base.request(self.port, "GET", "/api/v1/targets")
        self.assertEqual(self.fake.command("touch many-00011"), "ok")
        t0 = time.monotonic()
        while True:  # the new body (within the staleness), its gzip not made
            _, _, plain = base.request(self.port, "GET", "/api/v1/targets")
            if plain != old:
                break
            self.assertLess(time.monotonic() - t0, STALE_MAX_S + 0.5)
            time.sleep(0.05)
        before = cache_stats(self.fake)["gzip_sliced"]
        gone = socket.create_connection(("127.0.0.1", self.port))
        gone.sendall(b"GET /api/v1/targets HTTP/1.1\r\nHost: x\r\n"
                     b"Accept-Encoding: gzip\r\n\r\n")
        gone.close()
        conns = []
        for _ in range(6):
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            c.request("GET", "/api/v1/targets", headers={"Accept-Encoding": "gzip"})
            conns.append(c)
        etags = set()
        for c in conns:
            r = c.getresponse()
            self.assertEqual((r.status, r.getheader("content-encoding")), (200, "gzip"))
            self.assertEqual(gzip.decompress(r.read()), plain)
            etags.add(r.getheader("etag"))
            c.close()
        self.assertEqual(len(etags), 1, etags)
        self.assertEqual(cache_stats(self.fake)["gzip_sliced"] - before, 1)
        # made: the next one is answered from it, no new compression
        _, hz, zipped = base.request(self.port, "GET", "/api/v1/targets",
                                     headers={"Accept-Encoding": "gzip"})
        self.assertEqual(hz["etag"], etags.pop())
        self.assertEqual(gzip.decompress(zipped), plain)
        self.assertEqual(cache_stats(self.fake)["gzip_sliced"] - before, 1)


class DailyAcrossTurns(unittest.TestCase):
    """GET /api/v1/daily over 2,006 targets, built API_DAILY_CHUNK (200)
    targets per loop turn (service/api_daily.h): concurrent requests on a
    cold cache share one build and get the same bytes, each target's row
    equals its own /daily, a client gone mid-build or a target removed
    mid-build harms nothing, and a stop mid-build frees everything (the
    fake's exit status: LeakSanitizer in the test build)."""

    @classmethod
    def setUpClass(cls):
        cls.fake = base.Fake("--many", "2000")
        cls.port = cls.fake.port4
        for name in ("contoso-mail", "many-00003", "many-01999"):
            assert cls.fake.command("add-run " + name) == "ok"

    @classmethod
    def tearDownClass(cls):
        rc, err = cls.fake.stop()
        assert rc == 0, "api_fake exited %d: %s" % (rc, err)

    def builds(self):
        return cache_stats(self.fake)["daily_builds"]

    def concurrent(self, target, n):
        conns = []
        for _ in range(n):
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            c.request("GET", target)
            conns.append(c)
        out = []
        for c in conns:
            r = c.getresponse()
            out.append((r.status, r.getheader("ETag"), r.read()))
            c.close()
        return out

    def test_concurrent_share_one_build(self):
        before = self.builds()
        got = self.concurrent("/api/v1/daily?days=37", 8)
        self.assertEqual(self.builds() - before, 1)
        self.assertEqual({st for st, _, _ in got}, {200})
        self.assertEqual(len({(tag, body) for _, tag, body in got}), 1)
        doc = json.loads(got[0][2])
        self.assertEqual(doc["days"], 37)
        # the targets in the service's order, each row its own /daily's
        _, _, lst = base.request(self.port, "GET", "/api/v1/targets")
        names = [t["name"] for t in json.loads(lst)["targets"]]
        self.assertEqual(list(doc["targets"]), names)
        for name in ("contoso-mail", "fabrikam-cert", "many-00000", "many-00003",
                     "many-01999"):
            _, _, one = base.request(self.port, "GET",
                                     "/api/v1/targets/%s/daily?days=37" % name)
            ratios = [d["ratio"] for d in json.loads(one)["days"]]
            self.assertEqual(doc["targets"][name], ratios, name)
        # fresh now: a hit, no build; 304 and gzip as for every cached body
        st, h, again = base.request(self.port, "GET", "/api/v1/daily?days=37")
        self.assertEqual((st, again), (200, got[0][2]))
        st, _, _ = base.request(self.port, "GET", "/api/v1/daily?days=37",
                                headers={"If-None-Match": h["etag"]})
        self.assertEqual(st, 304)
        _, hz, z = base.request(self.port, "GET", "/api/v1/daily?days=37",
                                headers={"Accept-Encoding": "gzip"})
        self.assertEqual(hz["content-encoding"], "gzip")
        self.assertEqual(gzip.decompress(z), again)
        self.assertEqual(self.builds() - before, 1)

    def test_client_gone_mid_build(self):
        before = self.builds()
        # alone: the build is dropped with its last client
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("GET", "/api/v1/daily?days=38")
        c.close()
        # one of two gone: the other still gets the body
        gone = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        gone.request("GET", "/api/v1/daily?days=39")
        stays = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        stays.request("GET", "/api/v1/daily?days=39")
        gone.close()
        r = stays.getresponse()
        body = r.read()
        stays.close()
        self.assertEqual(r.status, 200)
        self.assertEqual(len(json.loads(body)["targets"]), 2006)
        self.assertIn(self.builds() - before, (1, 2))
        self.assertEqual(base.request(self.port, "GET", "/api/v1/daily?days=38")[0], 200)

    def test_target_removed_mid_build(self):
        url = "/api/v1/targets/daily-gone"
        st, _, body = base.request(self.port, "PUT", url, body={"host": "mail.example.org"},
                                   headers=base.bearer(base.WRITE))
        self.assertEqual(st, 201, body)
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("GET", "/api/v1/daily?days=40")
        st, _, _ = base.request(self.port, "DELETE", url, headers=base.bearer(base.WRITE))
        self.assertEqual(st, 204)
        r = c.getresponse()
        doc = json.loads(r.read())
        c.close()
        self.assertEqual(r.status, 200)
        # left out when its turn came after the DELETE, else read before it
        self.assertIn(len(doc["targets"]), (2006, 2007))
        self.assertIn("many-01999", doc["targets"])
        # the client reads its own write: a build that began before it is
        # not kept as fresh
        _, _, now = base.request(self.port, "GET", "/api/v1/daily?days=40")
        self.assertFalse("daily-gone" in json.loads(now)["targets"])

    def test_stop_mid_build(self):
        fake = base.Fake("--many", "20000")
        try:
            c = http.client.HTTPConnection("127.0.0.1", fake.port4, timeout=30)
            c.request("GET", "/api/v1/daily?days=400")
            while cache_stats(fake)["daily_builds"] == 0:
                time.sleep(0.001)
            running = cache_stats(fake)["daily_running"]
        finally:
            rc, err = fake.stop()
        self.assertEqual(running, 1)  # stopped mid-build (20,000 targets)
        self.assertEqual(rc, 0, err)
        try:
            st = c.getresponse().status
        except (ConnectionError, http.client.HTTPException):
            st = None
        c.close()
        self.assertIn(st, (200, 503, None))


class CacheReadToken(unittest.TestCase):
    """read_requires_token: a cached body is never served without a token."""

    @classmethod
    def setUpClass(cls):
        cls.fake = base.Fake("--read-token")
        cls.port = cls.fake.port4

    @classmethod
    def tearDownClass(cls):
        rc, err = cls.fake.stop()
        assert rc == 0, "api_fake exited %d: %s" % (rc, err)

    def test_token_still_needed(self):
        for path in ("/api/v1/targets", "/api/v1/targets/contoso-mail",
                     "/api/v1/targets/contoso-mail/results", "/api/v1/status"):
            st, h, body = base.request(self.port, "GET", path, headers=base.bearer(base.READ))
            self.assertIn(st, (200, 503), path)
            self.assertIn("Authorization", h["vary"])
            for headers in ({}, base.bearer("wrong"), {"If-None-Match": h["etag"]},
                            {"Accept-Encoding": "gzip"}):
                st2, _, body2 = base.request(self.port, "GET", path, headers=headers)
                self.assertEqual(st2, 401, "%s %s" % (path, headers))
                self.assertNotEqual(body2, body)
                self.assertEqual(json.loads(body2)["error"], "unauthorized")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fake", required=True)
    base.ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
