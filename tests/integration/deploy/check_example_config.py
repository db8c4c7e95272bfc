#!/usr/bin/python3
"""check_example_config.py: deploy/oaprobe.example.yml stays complete and valid.

    check_example_config.py --oaprobe BIN --top DIR

1. `oaprobe config check` accepts it (CREDENTIALS_DIRECTORY set, as systemd
   sets it for the service).
2. Every configuration key the loader knows appears in it (and has a table
   row in docs/config.md), set (not only in
   a comment) and with a comment line above it: the keys are read from the
   sources (the option table of service/cfg_vocab.c, top_keys of
   service/config.c, every `strcmp(k, "KEY")` of service/config*.c).
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


def loader_keys(top):
    keys = set()
    vocab = open(os.path.join(top, "service/cfg_vocab.c")).read()
    keys |= set(re.findall(r'\{CFG_O_[A-Z_]+, "([a-z_]+)"', vocab))
    for path in glob.glob(os.path.join(top, "service/config*.c")):
        text = open(path).read()
        m = re.search(r"top_keys\[\]\s*=\s*\{([^}]*)\}", text)
        if m:
            keys |= set(re.findall(r'"([a-z_]+)"', m.group(1)))
        keys |= set(re.findall(r'strcmp\(k, "([a-z_]+)"\)', text))
    return keys


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

    lines = open(example).read().splitlines()
    keys = loader_keys(a.top)
    if len(keys) < 25:
        print("only %d keys found in the sources: the scan is broken" % len(keys))
        return 1
    bad = 0
    for key in sorted(keys):
        at = [i for i, l in enumerate(lines) if re.match(r"\s*(- )?%s:" % key, l)]
        if not at:
            print("the example does not set '%s'" % key)
            bad += 1
            continue
        # a comment right above one of its uses (or above its list item)
        if not any(i > 0 and lines[i - 1].lstrip().startswith("#") for i in at):
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
    print("deploy/oaprobe.example.yml: valid, sets and comments all %d keys; "
          "docs/config.md describes them" % len(keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
