#!/usr/bin/python3
"""check_readme.py: the README's troubleshooting names every diagnosis code,
and its links point at files that exist.

    check_readme.py --top DIR

- every code of probes/result/diag.h (OA_DIAG_CODES) has a row
  "| `code` ..." in the README's "## Troubleshooting" section, with a meaning
  and a remedy cell, and the section names no code diag.h lacks;
- every relative Markdown link of the README, [text](path), names a file or
  directory of the tree.
"""
import argparse
import os
import re
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", required=True)
    a = ap.parse_args()
    readme = open(os.path.join(a.top, "README.md"), encoding="utf-8").read()
    diag = open(os.path.join(a.top, "probes/result/diag.h")).read()
    codes = re.findall(r'X\([A-Z_]+, "([a-z_]+)", (?:CRITICAL|WARNING|UNKNOWN)', diag)
    bad = []
    if len(codes) < 20:
        bad.append("only %d codes in diag.h: the scan is broken" % len(codes))
    m = re.search(r"^## Troubleshooting\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    if not m:
        bad.append("README.md has no '## Troubleshooting' section")
        section = ""
    else:
        section = m.group(1)
    rows = {}
    for line in section.splitlines():
        r = re.match(r"\| `([a-z_]+)`[^|]*\|([^|]*)\|([^|]*)\|\s*$", line)
        if r:
            rows[r.group(1)] = (r.group(2).strip(), r.group(3).strip())
    for c in codes:
        if c not in rows:
            bad.append("Troubleshooting has no row for %s" % c)
        elif not all(rows[c]):
            bad.append("Troubleshooting: %s lacks its meaning or its remedy" % c)
    for c in sorted(set(rows) - set(codes)):
        bad.append("Troubleshooting names %s, which diag.h does not have" % c)
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    for l in links:
        if re.match(r"[a-z]+:", l):
            continue
        if not os.path.exists(os.path.join(a.top, l)):
            bad.append("README links to %s, which does not exist" % l)
    for b in bad:
        print(b)
    if bad:
        return 1
    print("README: troubleshooting covers all %d diagnosis codes; %d links resolve"
          % (len(codes), len(links)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
