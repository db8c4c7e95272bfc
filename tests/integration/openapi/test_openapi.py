#!/usr/bin/python3
"""docs/api/openapi.yaml: its structure (OpenAPI 3.1, every route of issues
8 and 9, unique operation ids, every $ref resolves, path parameters
declared, error responses use the Error schema), and the bodies the
renderers produce for the sample view (render_samples) validated against
its schemas with jsonschema (Draft 2020-12), plus mutated bodies that must
be refused so the schemas are known to be strict; and the server's route
table (`oaprobe serve --list-routes`) against the document's paths,
methods and security.

    test_openapi.py --spec docs/api/openapi.yaml --render-samples PATH
                    [--oaprobe PATH/oaprobe]
"""
import argparse
import copy
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import jsonschema
import yaml

ARGS = None

# method, path: the routes of issues 8 and 9
ROUTES = [
    ("get", "/api/v1/targets"),
    ("get", "/api/v1/targets/{name}"),
    ("put", "/api/v1/targets/{name}"),
    ("delete", "/api/v1/targets/{name}"),
    ("get", "/api/v1/targets/{name}/results"),
    ("get", "/api/v1/targets/{name}/incidents"),
    ("post", "/api/v1/targets/{name}/run"),
    ("get", "/api/v1/targets/{name}/daily"),
    ("get", "/api/v1/daily"),
    ("get", "/"),
    ("get", "/t/{name}"),
    ("get", "/validports"),
    ("get", "/assets/{path}"),
    ("get", "/api/v1/targets/{name}/badge.svg"),
    ("get", "/api/v1/targets/{name}/uptime/{window}/badge.svg"),
    ("get", "/api/v1/status"),
    ("get", "/api/v1/events"),
    ("post", "/api/v1/validports"),
    ("get", "/api/v1/deliveries"),
    ("post", "/api/v1/maintenance"),
    ("delete", "/api/v1/maintenance"),
    ("get", "/healthz"),
    ("post", "/-/reload"),
    ("get", "/metrics"),
    ("get", "/probe"),
]
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def walk(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield path + (k,), k, v
            yield from walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, path + (i,))


def resolve(doc, ref):
    assert ref.startswith("#/"), ref
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part]
    return node


def parse_sse(text):
    """[(event, id, data)] of a text/event-stream."""
    events = []
    for block in text.split("\n\n"):
        if not block:
            continue
        ev, eid, data = None, None, []
        for line in block.split("\n"):
            field, _, value = line.partition(": ")
            if field == "event":
                ev = value
            elif field == "id":
                eid = value
            elif field == "data":
                data.append(value)
            else:
                raise AssertionError("unexpected SSE line %r" % line)
        events.append((ev, eid, "\n".join(data)))
    return events


class Spec(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(ARGS.spec, encoding="utf-8") as f:
            cls.doc = yaml.safe_load(f)

    def test_header(self):
        self.assertTrue(str(self.doc["openapi"]).startswith("3.1"))
        self.assertTrue(self.doc["info"]["title"])
        self.assertTrue(self.doc["info"]["version"])
        self.assertIn("bearer", self.doc["components"]["securitySchemes"])

    def test_every_route(self):
        paths = self.doc["paths"]
        for method, path in ROUTES:
            self.assertIn(path, paths, path)
            self.assertIn(method, paths[path], "%s %s" % (method.upper(), path))

    def test_operations(self):
        ids = set()
        for path, item in self.doc["paths"].items():
            self.assertTrue(path.startswith("/"), path)
            declared = {p["name"] for p in item.get("parameters", [])
                        if "$ref" not in p}
            declared |= {resolve(self.doc, p["$ref"])["name"]
                         for p in item.get("parameters", []) if "$ref" in p}
            for method, op in item.items():
                if method == "parameters":
                    continue
                self.assertIn(method, METHODS, path)
                oid = op.get("operationId")
                self.assertTrue(oid, "%s %s has no operationId" % (method, path))
                self.assertNotIn(oid, ids)
                ids.add(oid)
                self.assertTrue(op.get("summary"), oid)
                self.assertTrue(op.get("responses"), oid)
                params = set(declared)
                for p in op.get("parameters", []):
                    p = resolve(self.doc, p["$ref"]) if "$ref" in p else p
                    params.add(p["name"])
                for name in re.findall(r"\{([^}]+)\}", path):
                    self.assertIn(name, params, "%s: {%s} not declared" % (path, name))
                for code, resp in op["responses"].items():
                    self.assertRegex(str(code), r"^[1-5][0-9][0-9]$")
                    if "$ref" in resp:
                        resolve(self.doc, resp["$ref"])
                    else:
                        self.assertTrue(resp.get("description"), "%s %s" % (oid, code))
                    if str(code).startswith("4") and "$ref" in resp:
                        self.assertEqual(resp["$ref"], "#/components/responses/Error")

    def test_refs_resolve(self):
        n = 0
        for _, key, value in walk(self.doc):
            if key == "$ref":
                resolve(self.doc, value)
                n += 1
        self.assertGreater(n, 50)

    def test_schemas_are_valid_json_schema(self):
        for name, schema in self.doc["components"]["schemas"].items():
            jsonschema.Draft202012Validator.check_schema(schema)


class Samples(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(ARGS.spec, encoding="utf-8") as f:
            cls.doc = yaml.safe_load(f)
        cls.tmp = tempfile.TemporaryDirectory()
        subprocess.run([ARGS.render_samples, cls.tmp.name], check=True, timeout=60)
        cls.dir = cls.tmp.name

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def validator(self, name):
        schema = {"$ref": "#/components/schemas/" + name}
        root = dict(self.doc)
        root.update(schema)
        resolver = jsonschema.RefResolver.from_schema(root)
        return jsonschema.Draft202012Validator(
            schema, resolver=resolver, format_checker=jsonschema.FormatChecker())

    def load(self, name):
        with open(os.path.join(self.dir, name), encoding="utf-8") as f:
            return json.load(f)

    def valid(self, schema, body, what):
        errors = list(self.validator(schema).iter_errors(body))
        self.assertEqual(errors, [], "%s against %s: %s" % (
            what, schema, "; ".join(e.message for e in errors[:5])))

    def invalid(self, schema, body, what):
        self.assertFalse(self.validator(schema).is_valid(body),
                         "%s: %s accepted a bad body" % (what, schema))

    def test_targets(self):
        body = self.load("targets.json")
        self.assertEqual(len(body["targets"]), 6)
        self.valid("TargetList", body, "targets.json")
        bad = copy.deepcopy(body)
        bad["targets"][0]["password"] = "x"
        self.invalid("TargetList", bad, "extra key")
        bad = copy.deepcopy(body)
        bad["targets"][0]["status"] = "down"
        self.invalid("TargetList", bad, "bad state")
        bad = copy.deepcopy(body)
        del bad["targets"][0]["uptime"]["90d"]
        self.invalid("TargetList", bad, "missing window")

    def test_target_details(self):
        files = sorted(glob.glob(os.path.join(self.dir, "target-*.json")))
        self.assertEqual(len(files), 6)
        for f in files:
            body = self.load(os.path.basename(f))
            self.valid("TargetDetail", body, os.path.basename(f))
        body = self.load("target-contoso-vp.json")
        self.assertIsNotNone(body["result"])
        self.assertIsNotNone(body["certificate"])
        bad = copy.deepcopy(body)
        bad["settings"]["password"] = "x"
        self.invalid("TargetDetail", bad, "password in settings")
        bad = copy.deepcopy(body)
        bad["unexpected"] = 1
        self.invalid("TargetDetail", bad, "extra top-level key")
        bad = copy.deepcopy(body)
        bad["result"]["diagnoses"][0]["severity"] = "bad"
        self.invalid("TargetDetail", bad, "bad severity")

    def test_status_pages_errors(self):
        self.valid("Status", self.load("status.json"), "status.json")
        self.valid("ResultsPage", self.load("results.json"), "results.json")
        self.valid("IncidentsPage", self.load("incidents.json"), "incidents.json")
        self.valid("Error", self.load("error.json"), "error.json")
        self.valid("DailyPage", self.load("daily.json"), "daily.json")
        self.valid("DailyAll", self.load("daily-all.json"), "daily-all.json")
        self.valid("Accepted", self.load("accepted.json"), "accepted.json")
        restart = self.load("status.json")
        restart["config"]["restart_required"] = ("listen changed to 127.0.0.1:9781: restart "
                                                 "needed to apply; kept 127.0.0.1:9780")
        self.valid("Status", restart, "status with a restart required")
        restart["config"]["restart_required"] = 1
        self.invalid("Status", restart, "restart_required a number")
        bad = self.load("status.json")
        del bad["counts"]["pending"]
        self.invalid("Status", bad, "counts without pending")
        self.invalid("Error", {"error": "x"}, "error without detail")

    def test_events(self):
        with open(os.path.join(self.dir, "events.txt"), encoding="utf-8") as f:
            events = parse_sse(f.read())
        self.assertEqual([e[0] for e in events], ["result", "state"])
        self.valid("TargetSummary", json.loads(events[0][2]), "result event")
        self.valid("StateEvent", json.loads(events[1][2]), "state event")
        self.invalid("TargetSummary", dict(json.loads(events[0][2]), extra=1), "extra key")


# Routes in the document whose rows the server's table does not have yet,
# with the helper that adds them (service/api_routes.c); each row added must
# leave this list, and nothing else may differ.
PENDING = {}  # routes documented before their handler landed (none now)


class Routes(unittest.TestCase):
    """The server's route table (`oaprobe serve --list-routes` prints
    service/api_routes.c, the table the router uses) and the document list
    the same routes with the same methods and the same token scopes."""

    SECURITY = {  # an operation's security in the document -> the scope
        None: "read",              # the document's default: a token optional
        (("bearer",),): "write",   # a token, always
        ((),): "public",           # never a token
    }

    @classmethod
    def setUpClass(cls):
        if not ARGS.oaprobe:
            raise unittest.SkipTest("no --oaprobe program")
        p = subprocess.run([ARGS.oaprobe, "serve", "--list-routes"], capture_output=True,
                           text=True, timeout=60)
        if p.returncode != 0:
            raise AssertionError("serve --list-routes: exit %d: %s" % (p.returncode, p.stderr))
        cls.table = {}
        for line in p.stdout.splitlines():
            method, pattern, scope = line.split(" ")
            # the table's tail capture {*} is a {path} parameter in OpenAPI
            key = (method.lower(), pattern.replace("{*}", "{path}"))
            assert key not in cls.table, "listed twice: %s" % (key,)
            cls.table[key] = scope
        with open(ARGS.spec, encoding="utf-8") as f:
            cls.doc = yaml.safe_load(f)

    def test_table_matches_document(self):
        table = set(self.table)
        self.assertGreaterEqual(len(table), 14)
        documented = {(m, p) for p, item in self.doc["paths"].items()
                      for m in item if m in METHODS}
        self.assertEqual(sorted(table - documented), [],
                         "routes of the server missing from openapi.yaml")
        missing = documented - table
        self.assertEqual(sorted(missing - set(PENDING)), [],
                         "routes of openapi.yaml the server does not serve")
        self.assertEqual(sorted(set(PENDING) & table), [],
                         "served now: remove from PENDING")

    def test_scopes_match_document(self):
        for (method, path), scope in sorted(self.table.items()):
            op = self.doc["paths"].get(path, {}).get(method)
            if op is None:
                continue  # test_table_matches_document names it
            sec = op.get("security")
            key = None if sec is None else tuple(tuple(sorted(r)) for r in sec)
            self.assertIn(key, self.SECURITY, "%s %s: security %r" % (method, path, sec))
            self.assertEqual(scope, self.SECURITY[key],
                             "%s %s: the server wants %s, the document says %r"
                             % (method.upper(), path, scope, sec))


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", required=True)
    ap.add_argument("--render-samples", required=True)
    ap.add_argument("--oaprobe", help="the oaprobe binary (serve --list-routes)")
    ARGS, rest = ap.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
