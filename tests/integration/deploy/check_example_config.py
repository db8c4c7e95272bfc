#!/usr/bin/python3
"""check_example_config.py: deploy/oaprobe.example.yml stays complete and valid.

    check_example_config.py --oaprobe BIN --top DIR

1. `oaprobe config check` accepts it (CREDENTIALS_DIRECTORY set, as systemd
   sets it for the service).
2. Every key path the loader accepts is set in it at that path, unless
   ABSENT says why not: the paths are what `oaprobe config keys` prints
   (read from the loader's own tables, so a key added there is checked
   here). A key name the listing has under several of defaults, targets[]
   and modules.NAME (a check option, one vocabulary; a schedule key, which
   defaults gives every target) is set in any of them. Each key
   name has a comment line above one of its uses, and a table row in
   docs/config.md.
3. The check can fail: a copy with an unknown key is refused.
4. deploy/prometheus/ agrees with it: every `module` a scrape config sends
   to /probe is a module of the example, every /probe target that is a
   name (no dot, no port) is a target of the example, and every host sent
   with a module that has allow_hosts is a name its name or *.zone patterns
   admit (other hosts would be 403).
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

import yaml

# Key paths deliberately not set in the example, with the reason.
ABSENT = {}

# The sections that take a target's check options (the one vocabulary).
OPTION_SECTIONS = ("defaults.", "targets[].", "modules.NAME.")

# `oaprobe config keys` printed 97 paths (51 key names) when this was written.
MIN_PATHS = 90


def loader_keys(oaprobe):
    """The key paths the loader accepts: `oaprobe config keys`, in its order."""
    p = subprocess.run([oaprobe, "config", "keys"], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("oaprobe config keys failed (exit %d): %s" % (p.returncode, p.stderr))
    return [l for l in p.stdout.splitlines() if l]


def key_names(paths):
    """The key names (the last part of each path)."""
    return set(p.rsplit(".", 1)[-1] for p in paths)


def is_set(node, parts):
    """Whether the parsed document sets the path parts ("x[]" every item of
    list x, "NAME" any value of a mapping) in at least one place."""
    if not parts:
        return True
    part, rest = parts[0], parts[1:]
    if part == "NAME":
        return isinstance(node, dict) and any(is_set(v, rest) for v in node.values())
    if part.endswith("[]"):
        v = node.get(part[:-2]) if isinstance(node, dict) else None
        return isinstance(v, list) and any(is_set(i, rest) for i in v)
    return isinstance(node, dict) and part in node and is_set(node[part], rest)


def unset_paths(doc, paths):
    """The paths the example does not set. A key name listed under several
    of OPTION_SECTIONS (a check option, or a schedule key of defaults and
    targets[]: what defaults sets every target starts from) counts as set
    when any of those sections sets it."""
    missing = []
    for path in paths:
        if is_set(doc, path.split(".")):
            continue
        sec = next((s for s in OPTION_SECTIONS if path.startswith(s)), None)
        name = path[len(sec):] if sec else None
        group = [s + name for s in OPTION_SECTIONS if sec and s + name in paths]
        if len(group) > 1 and any(is_set(doc, p.split(".")) for p in group):
            continue
        missing.append(path)
    return missing


def prometheus_agrees(top, lines):
    """The modules and target names deploy/prometheus sends exist in the example."""
    modules, targets, section, allow, module = set(), set(), None, {}, None
    for l in lines:
        m = re.match(r"([a-z_]+):", l)
        if m:
            section = m.group(1)
        elif section == "modules" and re.match(r"  ([a-z0-9._-]+):", l):
            module = re.match(r"  ([a-z0-9._-]+):", l).group(1)
            modules.add(module)
        elif section == "modules" and re.match(r"    allow_hosts: \[(.*)\]", l):
            allow[module] = [x.strip(" '\"").lower() for x in
                             re.match(r"    allow_hosts: \[(.*)\]", l).group(1).split(",")]
        elif section == "targets" and re.match(r"  - name: ([a-z0-9._-]+)", l):
            targets.add(re.match(r"  - name: ([a-z0-9._-]+)", l).group(1))
    bad, sent = 0, 0
    for path in sorted(glob.glob(os.path.join(top, "deploy/prometheus/prometheus-*.yml"))):
        text = re.sub(r"(?m)(^|[ \t])#.*$", "", open(path).read())  # comments are no targets
        for job in re.split(r"\n  - job_name: ", text)[1:]:
            if "metrics_path: /probe" not in job:
                continue
            mods = [x.strip(" '\"") for x in re.findall(r"module: \[([^\]]*)\]", job)]
            for mod in mods:
                sent += 1
                if mod not in modules:
                    print("%s: module %s is not a module of the example (%s)"
                          % (os.path.basename(path), mod, sorted(modules)))
                    bad += 1
            for lst in re.findall(r"targets: \[([^\]]*)\]", job):
                for t in (x.strip(" '\"") for x in lst.split(",")):
                    if t and "." not in t and ":" not in t and t not in targets:
                        print("%s: target %s is not a target of the example"
                              % (os.path.basename(path), t))
                        bad += 1
                    elif t and ("." in t or ":" in t):
                        host = re.sub(r":[0-9]+$", "", t).lower().rstrip(".")
                        for mod in (x for x in mods if x in allow):
                            if not any(p == "*" or p == host or (p.startswith("*.") and
                                       host.endswith(p[1:])) for p in allow[mod]):
                                print("%s: host %s is not in the allow_hosts of module %s "
                                      "(%s): /probe would refuse it"
                                      % (os.path.basename(path), t, mod, allow[mod]))
                                bad += 1
    if sent == 0:
        print("no /probe job with a module found in deploy/prometheus: the scan is broken")
        bad += 1
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oaprobe", required=True)
    ap.add_argument("--top", required=True)
    a = ap.parse_args()
    example = os.path.join(a.top, "deploy/oaprobe.example.yml")
    env = dict(os.environ, CREDENTIALS_DIRECTORY="/run/credentials/oaprobe.service")
    p = subprocess.run([a.oaprobe, "config", "check", example], env=env,
                       capture_output=True, text=True)
    print(p.stdout, p.stderr, end="")
    if p.returncode != 0:
        print("oaprobe config check refused the example (exit %d)" % p.returncode)
        return 1

    text = open(example).read()
    lines = text.splitlines()
    paths = loader_keys(a.oaprobe)
    if len(paths) < MIN_PATHS:
        print("oaprobe config keys printed %d paths (%d or more expected)" % (len(paths), MIN_PATHS))
        return 1
    keys = key_names(paths)
    bad = 0
    for path in sorted(set(ABSENT) - set(paths)):
        print("ABSENT names %s, which the loader does not accept: remove it" % path)
        bad += 1
    doc = yaml.safe_load(text)
    for path in unset_paths(doc, paths):
        if path in ABSENT:
            continue
        print("the example does not set %s (set it, or say in ABSENT why not)" % path)
        bad += 1
    for path in sorted(set(ABSENT) & set(paths)):
        if is_set(doc, path.split(".")):
            print("%s is in ABSENT but the example sets it: remove it from ABSENT" % path)
            bad += 1
    for key in sorted(keys):
        at = [i for i, l in enumerate(lines) if re.match(r"\s*(- )?%s:" % key, l)]
        # a comment right above one of its uses (or above its list item)
        if at and not any(i > 0 and lines[i - 1].lstrip().startswith("#") for i in at):
            print("'%s' (line %d) has no comment above it" % (key, at[0] + 1))
            bad += 1
    # docs/config.md: a table row per key
    ref = open(os.path.join(a.top, "docs/config.md")).read()
    for key in sorted(keys):
        if not re.search(r"^\| `%s` \|" % key, ref, re.M):
            print("docs/config.md has no row for '%s'" % key)
            bad += 1
    if bad:
        return 1

    bad += prometheus_agrees(a.top, lines)
    if bad:
        return 1

    with tempfile.NamedTemporaryFile("w", suffix=".yml") as f:
        f.write("\n".join(lines) + "\nnot_an_option: 1\n")
        f.flush()
        p = subprocess.run([a.oaprobe, "config", "check", f.name], env=env,
                           capture_output=True, text=True)
        if p.returncode != 1 or "not_an_option" not in p.stdout:
            print("config check accepted an unknown key; the test proves nothing")
            return 1
    print("deploy/oaprobe.example.yml: valid, sets all %d key paths of `oaprobe config keys` "
          "(%d deliberately absent) and comments all %d key names; docs/config.md describes them"
          % (len(paths), len(ABSENT), len(keys)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
