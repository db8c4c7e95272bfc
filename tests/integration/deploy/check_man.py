#!/usr/bin/python3
"""check_man.py: the man pages render cleanly and stay true to the code.

    check_man.py --oaprobe BIN --top DIR

- `man --warnings` and `groff -man -ww -z` on deploy/man/oaprobe.1 and
  oaprobe.yml.5 print nothing (no warning, no error);
- oaprobe(1) has a section (.SS) for every command `oaprobe --help` lists,
  names every option of every `oaprobe COMMAND --help`, and names no option
  that no --help has;
- oaprobe(1) names every diagnosis code of probes/result/diag.h;
- oaprobe.yml(5) describes (.B KEY after .TP) every key name of the paths
  `oaprobe config keys` prints (the loader's own tables).
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_example_config import MIN_PATHS, key_names, loader_keys  # noqa: E402

OPT = re.compile(r"(?<![\w-])(--[a-z][a-z-]*|-vv|-v|-h)\b")


def render(page):
    """The page as text; problems (stderr of man and groff) as a list."""
    env = dict(os.environ, MANWIDTH="200", LC_ALL="C.UTF-8")
    m = subprocess.run(["man", "--warnings", "-l", "-P", "cat", page], env=env,
                       capture_output=True, text=True)
    g = subprocess.run(["groff", "-man", "-ww", "-z", page], capture_output=True, text=True)
    problems = [l for l in (m.stderr + g.stderr).splitlines() if l.strip()]
    if m.returncode or g.returncode:
        problems.append("man exit %d, groff exit %d" % (m.returncode, g.returncode))
    # man may hyphenate and justify: join words split at line ends
    text = re.sub(r"\u2010\n\s*|-\n\s*(?=[a-z])", "", m.stdout)
    return text, problems


def helps(oaprobe):
    """{command: --help text}, plus "" for the top-level help."""
    top = subprocess.run([oaprobe, "--help"], capture_output=True, text=True, check=True).stdout
    cmds = re.findall(r"^  ([a-z]+)  ", top.split("commands:", 1)[1], re.M)
    out = {"": top}
    for c in cmds:
        out[c] = subprocess.run([oaprobe, c, "--help"], capture_output=True, text=True).stdout
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oaprobe", required=True)
    ap.add_argument("--top", required=True)
    a = ap.parse_args()
    man1 = os.path.join(a.top, "deploy/man/oaprobe.1")
    man5 = os.path.join(a.top, "deploy/man/oaprobe.yml.5")
    bad = []
    text1, p1 = render(man1)
    text5, p5 = render(man5)
    bad += ["oaprobe.1: " + p for p in p1] + ["oaprobe.yml.5: " + p for p in p5]
    src1 = open(man1).read()

    h = helps(a.oaprobe)
    if len(h) < 4:
        bad.append("oaprobe --help lists %d commands: the scan is broken" % (len(h) - 1))
    help_opts = set()
    for cmd, text in h.items():
        if cmd and not re.search(r"^\.SS %s$" % re.escape(cmd), src1, re.M):
            bad.append("oaprobe.1 has no section for the command %s" % cmd)
        opts = set(OPT.findall(text))
        help_opts |= opts
        for o in sorted(opts):
            if not re.search(r"(?<![\w-])%s\b" % re.escape(o), text1):
                bad.append("oaprobe.1 does not name %s (oaprobe %s --help)" % (o, cmd))
    for o in sorted(set(OPT.findall(text1)) - help_opts):
        # options of other programs the page cites
        if o not in ("--resolve", "--warnings"):
            bad.append("oaprobe.1 names %s, which no --help has" % o)

    diag = open(os.path.join(a.top, "probes/result/diag.h")).read()
    codes = re.findall(r'X\([A-Z_]+, "([a-z_]+)", (?:CRITICAL|WARNING|UNKNOWN)', diag)
    if len(codes) < 20:
        bad.append("only %d codes in diag.h: the scan is broken" % len(codes))
    for c in codes:
        if not re.search(r"\b%s\b" % c, text1):
            bad.append("oaprobe.1 does not name the diagnosis %s" % c)

    src5 = open(man5).read()
    described = set(re.findall(r"^\.TP\n\.B ([a-z_]+)$", src5, re.M))
    paths = loader_keys(a.oaprobe)
    if len(paths) < MIN_PATHS:
        bad.append("oaprobe config keys printed %d paths: too few" % len(paths))
    for k in sorted(key_names(paths) - described):
        bad.append("oaprobe.yml.5 does not describe the key %s" % k)

    for b in bad:
        print(b)
    if bad:
        return 1
    print("man pages: no warnings; oaprobe.1 covers %d commands, %d options, %d codes; "
          "oaprobe.yml.5 %d keys" % (len(h) - 1, len(help_opts), len(codes), len(described)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
