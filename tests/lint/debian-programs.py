#!/usr/bin/python3
"""debian-programs.py: every program the project runs comes from a Debian
package that deploy/setup-debian.sh installs.

    tests/lint/debian-programs.py [--top DIR] [--setup FILE] [--scan-only]

Finds the external programs that the shell scripts, the Python code (the lab,
the tests, the benchmarks), the CMake files, the C sources, npm scripts and
systemd units of the tree run, resolves each to the Debian package shipping
it (dpkg -S on the path found on PATH and the sbin directories, also through
the /bin <-> /usr/bin aliases of usrmerge and alternatives symlinks), and
fails, naming the program and the package, when that package is neither in
setup-debian.sh's package list (nor brought in by one of them through
Depends) nor Essential. It also fails when a program of a non-Essential
package is missing from setup-debian.sh's "programs" list, which that script
checks on PATH after installing. So a missing install step fails even on a
machine that happens to have the package.

A program not installed here at all cannot be resolved with dpkg -S: it is
reported, and passes only when setup-debian.sh declares it (PROGRAM:PACKAGE)
with a package it installs; that declaration is verified by dpkg -S wherever
the program is installed.

How programs are found (static, no code is run except setup-debian.sh
--list): shell is parsed with shfmt (--to-json) and every command word is
taken, through wrappers (sudo env timeout unshare setpriv nice chroot xargs
"ip netns exec" "sh -c" "python3 -c" heredocs fed to sh/python3, functions
that run "$@"), literal variables and "command -v"; Python with the ast
module: subprocess/os.exec*/os.system calls, shutil.which, and the module's
own functions that pass a parameter to those, the argument lists followed
through assignments; CMake: COMMAND and find_program, the C compiler of
project(), pkg-config of pkg_check_modules; everywhere, shebangs and literal
paths such as /usr/bin/python3. Shell builtins (at a shell command
position), shell functions, relative paths and the project's own binaries
are not programs. EXTRA below lists what no file names (the linker that cc
runs); ALLOWED what need not be in the list, each with its reason.

The Python modules the tree imports (not its own) are checked the same way,
where /usr/bin/python3 finds them: python3-impacket, python3-yaml...

Options:
  --top DIR     the tree to scan (default: this repository)
  --setup FILE  the setup script (default: TOP/deploy/setup-debian.sh); run as
                `bash FILE --list`
  --scan-only   print "PROGRAM FILE:LINE" for every program found and stop

Exit 0 when every program is accounted for, 1 otherwise, 2 on bad usage.
"""

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from programs_scan import Scanner  # noqa: E402


# Run by programs the files name, so named by no file: program -> (the
# programs that run it, why).
COMPILERS = ("cc", "gcc", "clang")
EXTRA = {
    "ld": (COMPILERS, "the C compiler links with it"),
    "as": (COMPILERS, "the C compiler assembles with it"),
    "file": (("cpack",), "CPack's DEB generator runs it to find the ELF files "
             "(CPACK_DEBIAN_PACKAGE_SHLIBDEPS)"),
    "dpkg-shlibdeps": (("cpack",), "CPack's DEB generator runs it for the "
                       "Depends of the shared libraries"),
}

# Directories searched for a program besides PATH (root's PATH has them;
# the lab looks there too).
SEARCH_EXTRA = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin",
                "/sbin", "/bin"]

# The interpreter the project's Python runs with (its modules are checked).
PYTHON3 = "/usr/bin/python3"

# Need not be in setup-debian.sh's list.
ALLOWED = {
    "sudo": "setup-debian.sh uses it only when not root, to run apt-get; "
            "without it the script asks for root",
    "apt-get": "the installer setup-debian.sh runs: on every Debian system "
               "(apt is Priority required); it cannot install itself",
}


# ------------------------------------------------------------- resolution
def usr_alias(p):
    for a, b in (("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/"),
                 ("/usr/lib/", "/lib/")):
        if p.startswith(a):
            return b + p[len(a):]
        if p.startswith(b):
            return a + p[len(b):]
    return None


def candidates(path):
    """Paths dpkg may know PATH by: itself, its usrmerge alias, with its
    directory resolved, fully resolved (alternatives), and their aliases."""
    out = []
    for p in (path, os.path.join(os.path.realpath(os.path.dirname(path)),
                                 os.path.basename(path)), os.path.realpath(path)):
        for q in (p, usr_alias(p)):
            if q and q not in out:
                out.append(q)
    return out


def locate(prog):
    if prog.startswith("/"):
        return [prog] if os.access(prog, os.X_OK) else []
    dirs = [d for d in os.environ.get("PATH", "").split(":") if d] + SEARCH_EXTRA
    out = []
    for d in dirs:
        p = os.path.join(d, prog)
        if os.path.isfile(p) and os.access(p, os.X_OK) and p not in out:
            out.append(p)
    return out


def dpkg_owners(paths):
    """path -> [packages] for the paths dpkg knows (one dpkg-query -S)."""
    own = {}
    paths = sorted(set(paths))
    for i in range(0, len(paths), 200):
        p = subprocess.run(["dpkg-query", "-S"] + paths[i:i + 200],
                           capture_output=True, text=True, timeout=120)
        for line in p.stdout.splitlines():
            if line.startswith("diversion ") or ": " not in line:
                continue
            pkgs, path = line.split(": ", 1)
            own.setdefault(path, []).extend(x.strip().split(":")[0]
                                            for x in pkgs.split(","))
    return own


def installed_db():
    """Installed packages: name -> (essential, [dependency alternatives])
    and virtual name -> providers."""
    fmt = "${Package}\\t${Essential}\\t${db:Status-Abbrev}\\t${Pre-Depends}, ${Depends}\\t${Provides}\\n"
    p = subprocess.run(["dpkg-query", "-W", "-f=" + fmt], capture_output=True,
                       text=True, timeout=120)
    db, provides = {}, {}
    for line in p.stdout.splitlines():
        f = line.split("\t")
        if len(f) < 5 or not f[2].startswith("ii"):
            continue
        deps = []
        for alt in f[3].split(","):
            names = [re.sub(r"[\s(].*$", "", a.strip()).split(":")[0]
                     for a in alt.split("|")]
            names = [n for n in names if n]
            if names:
                deps.append(names)
        db[f[0]] = (f[1] == "yes", deps)
        for v in f[4].split(","):
            v = re.sub(r"[\s(].*$", "", v.strip())
            if v:
                provides.setdefault(v, []).append(f[0])
    return db, provides


def closure(roots, db, provides):
    """Installed packages the ROOTS (or the installed packages providing
    them) pull in through Depends/Pre-Depends:
    package -> the first root (in order) that brings it by the fewest steps."""
    via = {}
    # a root that is not installed itself but provided by an installed
    # package (npm by a nodejs that bundles it) counts as that package
    queue = [(m, r) for r in roots for m in ([r] if r in db else []) + provides.get(r, [])]
    while queue:
        nxt = []
        for pkg, root in queue:
            if pkg in via:
                continue
            via[pkg] = root
            for alts in db[pkg][1]:
                for n in alts:
                    for m in ([n] if n in db else []) + provides.get(n, []):
                        if m not in via:
                            nxt.append((m, root))
        queue = nxt
    return via


def setup_lists(setup):
    p = subprocess.run(["bash", setup, "--list"], capture_output=True, text=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise SystemExit("debian-programs: %s --list failed (exit %d): %s"
                         % (setup, p.returncode, p.stderr.strip()))
    packages, programs = [], {}
    for line in p.stdout.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == "package":
            packages.append(f[1])
        elif len(f) == 3 and f[0] == "program":
            programs[f[1]] = f[2]
    if not packages:
        raise SystemExit("debian-programs: %s --list named no package" % setup)
    return packages, programs


def check(found, setup):
    packages, declared = setup_lists(setup)
    listed = set(packages)
    db, provides = installed_db()
    via = closure(sorted(listed), db, provides)
    essential = closure(sorted(p for p, v in db.items() if v[0]), db, provides)

    progs = {}                      # program name -> [where]
    for prog, where in found.where.items():
        name = os.path.basename(prog)
        progs.setdefault(name, [])
        progs[name] += [w for w in where if w not in progs[name]]
        progs.setdefault("\0" + name, []).append(prog)   # spellings seen
    for prog, (by, why) in EXTRA.items():
        if any(b in progs for b in by):
            progs.setdefault(prog, []).append("EXTRA in tests/lint/debian-programs.py: %s"
                                              % why)

    paths = {}
    allc = []
    for name in [n for n in progs if not n.startswith("\0")]:
        spell = progs.get("\0" + name, [name])
        locs = []
        for s in spell:
            for p in locate(s if s.startswith("/") else name):
                if p not in locs:
                    locs.append(p)
        if not locs and any(s.startswith("/") for s in spell):
            locs = locate(name)
        paths[name] = locs
        for p in locs:
            allc += candidates(p)
    own = dpkg_owners(allc)

    failures, rows = [], []
    for name in sorted(n for n in progs if not n.startswith("\0")):
        where = progs[name][0]
        if name in ALLOWED:
            rows.append((name, "-", "allowed: " + ALLOWED[name], where))
            continue
        owners, path = [], None
        for p in paths[name]:
            for c in candidates(p):
                if c in own:
                    owners, path = own[c], p
                    break
            if owners:
                break
        decl = declared.get(name)
        if not owners:
            if paths[name]:
                note = "at %s, which no Debian package ships" % paths[name][0]
            else:
                note = "not installed on this machine, so dpkg -S cannot name its package"
            if decl and decl in listed:
                rows.append((name, decl, "UNVERIFIED (%s): setup-debian.sh says %s"
                             % (note, decl), where))
            elif decl:
                failures.append("%s (run at %s) is %s; setup-debian.sh says it comes from %s, "
                                "which it does not install: add %s to its packages"
                                % (name, where, note, decl, decl))
            else:
                failures.append("%s (run at %s) is %s, and deploy/setup-debian.sh does not "
                                "declare it: install the Debian package that ships it, then "
                                "add that package to setup-debian.sh's packages and "
                                "%s:PACKAGE to its programs" % (name, where, note, name))
            continue
        pkg = next((o for o in owners if o in listed), owners[0])
        if any(db.get(o, (False,))[0] for o in owners):
            rows.append((name, pkg, "Essential", where))
            continue
        if pkg in listed:
            how = "listed"
        elif pkg in via:
            how = "via %s" % via[pkg]
        elif pkg in essential:
            rows.append((name, pkg, "Essential (dependency of %s)" % essential[pkg], where))
            continue
        else:
            failures.append("%s (run at %s) is shipped by the Debian package %s (dpkg -S %s), "
                            "which deploy/setup-debian.sh does not install: add %s to its "
                            "packages%s" % (name, where, pkg, path, pkg,
                                            "" if decl else " and %s:%s to its programs"
                                            % (name, pkg)))
            continue
        if not decl:
            failures.append("%s (run at %s, package %s) is missing from the programs "
                            "deploy/setup-debian.sh checks on PATH: add %s:%s"
                            % (name, where, pkg, name, pkg if pkg in listed else via[pkg]))
        elif decl not in owners and pkg not in closure([decl], db, provides):
            failures.append("deploy/setup-debian.sh says %s comes from %s, but dpkg -S %s "
                            "says %s%s, which %s does not depend on"
                            % (name, decl, path, pkg,
                               "" if pkg in listed else " (via %s)" % via[pkg], decl))
        elif decl not in listed:
            failures.append("deploy/setup-debian.sh says %s comes from %s, which it does "
                            "not install: add %s to its packages" % (name, decl, decl))
        rows.append((name, pkg, how, where))

    for name, decl in sorted(declared.items()):
        if name not in progs and name not in ALLOWED:
            rows.append((name, decl, "declared in setup-debian.sh; run by nothing found", "-"))
    check_modules(found, listed, via, db, failures, rows)
    return failures, rows


# Where /usr/bin/python3 (what the lab, the tests and the benchmarks run
# with) finds each module: "name<TAB>path", path "-" when it is built in or
# frozen, "?" when it is not installed. -I: no PYTHONPATH, no user site.
FIND_MODULES = r"""
import importlib.util, sys
for name in sys.argv[1:]:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        print(name, "?", sep="	")
    elif spec.origin in (None, "built-in", "frozen") and not spec.submodule_search_locations:
        print(name, "-", sep="	")
    else:
        print(name, spec.origin if spec.origin not in (None, "built-in", "frozen")
              else list(spec.submodule_search_locations)[0], sep="	")
"""


def check_modules(found, listed, via, db, failures, rows):
    """The Python modules the tree imports (not its own) come from a package
    setup-debian.sh installs (or an Essential one): python3-impacket..."""
    names = sorted(m for m in found.modules if m not in found.local and m != "__future__")
    if not names:
        return
    p = subprocess.run([PYTHON3, "-I", "-c", FIND_MODULES] + names, capture_output=True,
                       text=True, timeout=120, stdin=subprocess.DEVNULL)
    where = {}
    for line in p.stdout.splitlines():
        name, _, path = line.partition("\t")
        where[name] = path
    allc, stdlib = [], []
    for path in where.values():
        if path.startswith("/"):
            allc += candidates(path)
    own = dpkg_owners(allc)
    for name in names:
        at = found.modules[name][0]
        path = where.get(name, "?")
        label = "python3 module " + name
        if path == "-":
            continue                        # built into the interpreter
        if path == "?":
            failures.append("%s (imported at %s) is not installed for %s: install the "
                            "Debian package that ships it (python3-...) and add it to "
                            "deploy/setup-debian.sh's packages" % (label, at, PYTHON3))
            continue
        owners = next((own[c] for c in candidates(path) if c in own), [])
        if not owners:
            failures.append("%s (imported at %s) is %s, which no Debian package ships "
                            "(installed by hand?): use the Debian package and add it to "
                            "deploy/setup-debian.sh's packages" % (label, at, path))
            continue
        pkg = next((o for o in owners if o in listed), owners[0])
        if pkg in listed:
            how = "listed"
        elif any(db.get(o, (False,))[0] for o in owners):
            how = "Essential"
        elif pkg in via:
            how = "via %s" % via[pkg]
        else:
            failures.append("%s (imported at %s) is shipped by the Debian package %s "
                            "(dpkg -S %s), which deploy/setup-debian.sh does not install: "
                            "add %s to its packages" % (label, at, pkg, path, pkg))
            continue
        if pkg.startswith("libpython3"):
            stdlib.append(name)             # the standard library: one row
            continue
        rows.append((label, pkg, how, at))
    if stdlib:
        rows.append(("python3 stdlib", "libpython3.*", "via python3 (%d modules: %s)"
                     % (len(stdlib), " ".join(stdlib)), "-"))


def main(argv):
    top = os.path.dirname(os.path.dirname(HERE))
    setup = None
    scan_only = False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--top", "--setup") and i + 1 < len(argv):
            if a == "--top":
                top = os.path.abspath(argv[i + 1])
            else:
                setup = os.path.abspath(argv[i + 1])
            i += 2
        elif a == "--scan-only":
            scan_only = True
            i += 1
        elif a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        else:
            print("debian-programs: unknown argument %s (--help)" % a, file=sys.stderr)
            return 2
    setup = setup or os.path.join(top, "deploy", "setup-debian.sh")
    found = Scanner(top).scan()
    if scan_only:
        for prog in sorted(found.where):
            print(prog, found.where[prog][0])
        for e in found.errors:
            print("ERROR", e)
        return 1 if found.errors else 0
    failures, rows = check(found, setup)
    failures = ["cannot scan " + e for e in found.errors] + failures
    wn = max(len(r[0]) for r in rows) if rows else 8
    wp = max(len(r[1]) for r in rows) if rows else 8
    for r in rows:
        print("%-*s  %-*s  %s  [%s]" % (wn, r[0], wp, r[1], r[2], r[3]))
    for f in failures:
        print("FAIL: " + f)
    print("debian-programs: %d programs, %d problem%s (setup: %s)"
          % (len(rows), len(failures), "" if len(failures) == 1 else "s", setup))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
