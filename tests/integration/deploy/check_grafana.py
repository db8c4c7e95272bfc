#!/usr/bin/python3
"""check_grafana.py: deploy/grafana/oaprobe-dashboard.json queries only what
oaprobe renders, in valid PromQL.

    check_grafana.py --dashboard FILE --render-samples BIN

render_samples (tests/unit/web) writes /metrics and /probe expositions of a
sample service; every metric name a panel or a variable queries must be a
sample name of those expositions, every label it matches or groups by one of
their label names, and every expression (Grafana's variables replaced) must
pass `promtool check rules` as a recording rule. Panel ids are unique and
every panel has a data source, a position and a description.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

METRIC = re.compile(r"\b((?:oaprobe|probe)_[A-Za-z0-9_]+)\b")
LABEL_MATCH = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)\s*\"")
GROUPING = re.compile(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)")
PROMQL_KEYWORDS = {"le"}  # histogram_quantile's bucket label, rendered by _bucket


def exposition(render_samples):
    """(sample names, label names) of every rendered exposition."""
    names, labels = set(), set()
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([render_samples, d], check=True, stdout=subprocess.DEVNULL)
        for f in os.listdir(d):
            if not f.endswith(".txt") or not (f.startswith("metrics") or f.startswith("probe-")):
                continue
            for line in open(os.path.join(d, f), encoding="utf-8"):
                if line.startswith("#") or not line.strip():
                    continue
                m = re.match(r"([A-Za-z_:][A-Za-z0-9_:]*)(\{.*\})? ", line)
                if m:
                    names.add(m.group(1))
                    labels |= set(re.findall(r'([A-Za-z_][A-Za-z0-9_]*)="', m.group(2) or ""))
    return names, labels


def queries(dash):
    """(where, expr) of every panel target and query variable."""
    out = []
    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                out.append(("panel %d '%s' %s" % (p["id"], p["title"], t["refId"]), t["expr"]))
            walk(p.get("panels", []))
    walk(dash["panels"])
    for v in dash["templating"]["list"]:
        if v["type"] == "query":
            q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
            m = re.match(r"label_values\((.*),\s*([A-Za-z_]+)\)$", q)
            if not m:
                raise SystemExit("variable %s: unexpected query %s" % (v["name"], q))
            out.append(("variable %s" % v["name"], m.group(1)))
            out.append(("variable %s label" % v["name"], 'x{%s=""}' % m.group(2)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dashboard", required=True)
    ap.add_argument("--render-samples", required=True)
    a = ap.parse_args()
    dash = json.load(open(a.dashboard))
    names, labels = exposition(a.render_samples)
    if len(names) < 20 or "target" not in labels:
        print("render_samples gave %d names: the exposition scan is broken" % len(names))
        return 1
    bad = []
    ids = set()
    def walk(panels):
        for p in panels:
            if p["id"] in ids:
                bad.append("panel id %d used twice" % p["id"])
            ids.add(p["id"])
            if p["type"] != "row":
                for k in ("datasource", "gridPos", "description", "targets"):
                    if not p.get(k):
                        bad.append("panel %d '%s' has no %s" % (p["id"], p["title"], k))
            walk(p.get("panels", []))
    walk(dash["panels"])

    qs = queries(dash)
    used = set()
    for where, expr in qs:
        for m in METRIC.findall(expr):
            used.add(m)
            if m not in names:
                bad.append("%s: %s is not a metric oaprobe renders" % (where, m))
        found = set(LABEL_MATCH.findall(expr))
        for g in GROUPING.findall(expr):
            found |= {x.strip() for x in g.split(",") if x.strip()}
        for label in found - {"x"}:
            if label not in labels and label not in PROMQL_KEYWORDS:
                bad.append("%s: label %s is on no rendered series" % (where, label))

    # PromQL syntax: each expression as a recording rule, through promtool.
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": "dashboard:q%d" % i,
         "expr": e.replace("$__rate_interval", "5m").replace("$target", ".*").replace("$location", ".*")}
        for i, (_, e) in enumerate(qs) if not e.startswith("x{")]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
        json.dump(rules, f)  # JSON is YAML
        f.flush()
        p = subprocess.run(["promtool", "check", "rules", f.name], capture_output=True, text=True)
        if p.returncode != 0:
            bad.append("promtool check rules: " + p.stdout + p.stderr)
    for b in bad:
        print(b)
    if bad:
        return 1
    print("grafana dashboard: %d panels, %d queries over %d metrics, all rendered by oaprobe; "
          "PromQL valid" % (len(ids), len(qs), len(used)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
