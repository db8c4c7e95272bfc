#!/usr/bin/python3
"""Tests of tests/lint/debian-programs.py (the lint that every program the
project runs comes from a package deploy/setup-debian.sh installs).

    /usr/bin/python3 tests/lint/test_debian_programs.py -v

Runs the lint against the real tree and setup-debian.sh (passes), against
copies of setup-debian.sh with one package or one program removed (fails
naming it, although the package is installed here), and against small
fixture trees that exercise the scanner: shell, Python and CMake constructs,
a program that is not installed anywhere, an undeclared one.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
LINT = os.path.join(HERE, "debian-programs.py")
SETUP = os.path.join(TOP, "deploy", "setup-debian.sh")
PY = "/usr/bin/python3"


def lint(*args):
    p = subprocess.run([PY, LINT] + list(args), capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout + p.stderr


def fails(out):
    return [line for line in out.splitlines() if line.startswith("FAIL: ")]


def dpkg_owner(prog):
    """The package dpkg -S names for PROG found in the usual directories."""
    for d in ("/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        p = os.path.join(d, prog)
        if os.path.exists(p):
            for c in (p, os.path.realpath(p)):
                r = subprocess.run(["dpkg-query", "-S", c], capture_output=True,
                                   text=True, timeout=60)
                if r.returncode == 0:
                    return r.stdout.split(":")[0]
    return None


class Tmp(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="oaprobe-lint-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, rel, text, mode=0o644):
        path = os.path.join(self.tmp, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(text).lstrip("\n"))
        os.chmod(path, mode)
        return path

    def setup_copy(self, edit):
        """A copy of setup-debian.sh changed by EDIT (a function on its text)."""
        with open(SETUP) as f:
            text = f.read()
        new = edit(text)
        self.assertNotEqual(new, text, "the edit changed nothing")
        return self.write("setup-copy.sh", new, 0o755)


def drop_package(text, pkg):
    """TEXT with PKG removed from the packages=( ... ) array only."""
    m = re.search(r"^packages=\(\n(.*?)^\)", text, re.S | re.M)
    body = re.sub(r"(?<=\s)%s(?=\s)" % re.escape(pkg), "", m.group(1))
    return text[:m.start(1)] + body + text[m.end(1):]


def drop_program(text, entry):
    m = re.search(r"^programs=\(\n(.*?)^\)", text, re.S | re.M)
    body = re.sub(r"(?<=\s)%s(?=\s)" % re.escape(entry), "", m.group(1))
    return text[:m.start(1)] + body + text[m.end(1):]


class RealTree(Tmp):
    def test_real_list_passes(self):
        rc, out = lint()
        self.assertEqual(rc, 0, out)
        self.assertIn(", 0 problems", out)
        # the programs of the issue are found, with the right package
        for prog, pkg in (("kadmin.local", "krb5-admin-server"), ("krb5kdc", "krb5-kdc"),
                          ("kdb5_util", "krb5-kdc"), ("openssl", "openssl"),
                          ("curl", "curl"), ("iptables", "iptables"), ("ip", "iproute2"),
                          ("unshare", "util-linux"), ("kinit", "krb5-user")):
            if dpkg_owner(prog) is None:
                continue        # not installed here: the lint says UNVERIFIED
            self.assertRegex(out, r"(?m)^%s +%s " % (re.escape(prog), re.escape(pkg)))

    def test_removed_package_fails_naming_it(self):
        if dpkg_owner("kadmin.local") != "krb5-admin-server":
            self.skipTest("krb5-admin-server is not installed (run deploy/setup-debian.sh)")
        setup = self.setup_copy(lambda t: drop_package(t, "krb5-admin-server"))
        rc, out = lint("--setup", setup)
        self.assertEqual(rc, 1, out)
        f = fails(out)
        self.assertEqual(len(f), 1, out)
        self.assertIn("kadmin.local", f[0])
        self.assertIn("Debian package krb5-admin-server", f[0])
        self.assertIn("does not install", f[0])

    def test_removed_program_fails_naming_it(self):
        setup = self.setup_copy(lambda t: drop_program(t, "kadmin.local:krb5-admin-server"))
        rc, out = lint("--setup", setup)
        self.assertEqual(rc, 1, out)
        f = fails(out)
        self.assertEqual(len(f), 1, out)
        self.assertIn("kadmin.local", f[0])
        self.assertIn("krb5-admin-server", f[0])

    def test_wrong_declared_package_fails(self):
        if dpkg_owner("kadmin.local") != "krb5-admin-server":
            self.skipTest("krb5-admin-server is not installed (run deploy/setup-debian.sh)")
        setup = self.setup_copy(lambda t: t.replace("kadmin.local:krb5-admin-server",
                                                    "kadmin.local:krb5-user"))
        rc, out = lint("--setup", setup)
        self.assertEqual(rc, 1, out)
        self.assertIn("says kadmin.local comes from krb5-user, but dpkg -S", out)

    def test_lab_error_messages_name_the_packages(self):
        sys.path.insert(0, os.path.join(TOP, "tests", "lab"))
        try:
            import kdc
        finally:
            sys.path.pop(0)
        self.assertEqual(kdc.TOOL_PACKAGES["kadmin.local"], "krb5-admin-server")
        checked = 0
        for prog, pkg in kdc.TOOL_PACKAGES.items():
            owner = dpkg_owner(prog)
            if owner is not None:
                self.assertEqual(owner, pkg, prog)
                checked += 1
        if not checked:
            self.skipTest("no Kerberos program installed here")


class Fixture(Tmp):
    """The scanner on small trees (the machine's packages decide nothing
    in --scan-only)."""

    def scan(self):
        rc, out = lint("--top", self.tmp, "--scan-only")
        self.assertEqual(rc, 0, out)
        return {line.split()[0] for line in out.splitlines() if line.strip()}

    def test_shell_constructs(self):
        self.write("deploy/a.sh", r"""
            #!/usr/bin/env bash
            set -euo pipefail
            top=$(cd "$(dirname "$0")/.." && pwd)
            py=/usr/bin/python3
            sudo=()
            [ "$(id -u)" -eq 0 ] || sudo=(sudo)
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
            unshare -n sh -c 'ip link set lo up; exec curl -s http://127.0.0.1/'
            CC=clang cmake -S . -B build -G Ninja
            run() { local out=$1; shift; "$@" >"$out"; }
            run /tmp/x ip netns exec ns1 timeout 5 openssl version
            step() { local n=$1 log=$2; shift 2; echo "$n"; "$@" >"$log"; }
            step "fetch it" fetch.log wget -q http://127.0.0.1/
            step "a helper" helper.log helper x
            command -v iptables-legacy >/dev/null || echo no
            helper() { echo "$1"; }
            helper gzip
            "$py" - <<'EOF'
            import subprocess
            subprocess.run(["kinit", "alice"])
            EOF
            sh <<'EOF'
            xz --version
            EOF
            for i in $(seq 1 3); do sleep 0.1; done
            "$top/build/oaprobe" check
            ./tests/run.sh
            trap 'rm -f /tmp/x' EXIT
            setpriv --pdeathsig TERM -- krb5kdc -n
            """, 0o755)
        found = self.scan()
        want = {"/usr/bin/env", "bash", "dirname", "/usr/bin/python3", "id", "sudo",
                "env", "apt-get", "unshare", "sh", "ip", "curl", "clang", "cmake",
                "ninja", "timeout", "openssl", "iptables-legacy", "kinit", "xz",
                "seq", "sleep", "rm", "setpriv", "krb5kdc", "wget"}
        self.assertEqual(found, want)

    def test_python_constructs(self):
        self.write("tests/t.py", r"""
            import os, shutil, subprocess
            from subprocess import Popen as P
            CURL = shutil.which("curl") or "/usr/bin/curl"
            SBIN = ("/usr/sbin", "/sbin")

            def _tool(name):
                p = shutil.which(name)
                if p:
                    return p
                raise RuntimeError(name)

            class K:
                def _run(self, args, timeout=5):
                    return subprocess.run(args, timeout=timeout)

                def create(self):
                    self._run([_tool("kadmin.local"), "-q", "addprinc x"])
                    self._run([_tool("kdb5_util"), "create", "-s"])

            def probe(prefix=()):
                if os.geteuid() == 0:
                    prefix = ["unshare", "--net"] + list(prefix)
                cmd = list(prefix) + [CURL, "--version"]
                cmd += ["--silent"]
                return subprocess.run(cmd)

            hide = ("mount --bind /dev/null /etc/krb5.conf; " if os.path.exists("/x")
                    else "mount -t tmpfs none /etc || exit 77; ")
            subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            hide + 'exec /usr/bin/python3 -c "$0"', "print(1)"])
            P(["nginx", "-t"]).wait()
            os.system("promtool check config x.yml")
            subprocess.run("systemd-analyze verify x.service", shell=True)
            names = ["healthy", "tarpit"]          # data, not a command
            """)
        found = self.scan()
        want = {"curl", "/usr/bin/curl", "kadmin.local", "kdb5_util", "unshare",
                "mount", "sh", "/usr/bin/python3", "nginx", "promtool", "systemd-analyze"}
        self.assertEqual(found, want)

    def test_cmake_and_others(self):
        self.write("CMakeLists.txt", r"""
            cmake_minimum_required(VERSION 3.25)
            project(x LANGUAGES C)
            find_package(PkgConfig REQUIRED)
            set(PY /usr/bin/python3)
            add_executable(mytool main.c)
            add_test(NAME a COMMAND ${PY} -B ${CMAKE_CURRENT_SOURCE_DIR}/t.py)
            add_test(NAME b COMMAND mytool --self-test)
            add_test(NAME c COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run.sh)
            add_custom_target(d COMMAND wrk -t1 http://127.0.0.1/ VERBATIM)
            find_program(PROMETHEUS NAMES prometheus)
            """)
        self.write("service/hook.c", r"""
            int f(void) { return execlp("logger", "logger", "x", (char *)0); }
            """)
        self.write("web/package.json", r"""
            {"scripts": {"test": "node --test && npx eslint ."}}
            """)
        self.write("deploy/oaprobe.service", r"""
            [Service]
            ExecStartPre=-/usr/bin/install -d /var/lib/oaprobe
            ExecStart=/usr/local/bin/mytool serve
            """)
        found = self.scan()
        want = {"cc", "pkg-config", "/usr/bin/python3", "wrk", "prometheus", "logger",
                "node", "npx", "/usr/bin/install"}
        self.assertEqual(found, want)

    def test_unparsable_shell_is_an_error(self):
        self.write("deploy/bad.sh", "#!/bin/sh\nif then fi (\n", 0o755)
        rc, out = lint("--top", self.tmp, "--scan-only")
        self.assertEqual(rc, 1, out)
        self.assertIn("deploy/bad.sh: shfmt cannot parse it", out)

    def test_program_not_installed_is_reported(self):
        self.write("deploy/x.sh", "#!/bin/bash\noaprobe-lint-no-such-program --version\n", 0o755)
        # a setup script that installs bash only and declares nothing
        setup = self.write("setup.sh", """
            #!/bin/bash
            [ "$1" = --list ] && echo "package bash"
            """, 0o755)
        rc, out = lint("--top", self.tmp, "--setup", setup)
        self.assertEqual(rc, 1, out)
        f = fails(out)
        self.assertEqual(len(f), 1, out)
        self.assertIn("oaprobe-lint-no-such-program (run at deploy/x.sh:2) is not installed "
                      "on this machine", f[0])
        self.assertIn("does not declare it", f[0])
        # declared with a package the setup installs: passes, said UNVERIFIED
        setup = self.write("setup.sh", """
            #!/bin/bash
            [ "$1" = --list ] && printf '%s\\n' "package bash" \\
              "program oaprobe-lint-no-such-program bash"
            """, 0o755)
        rc, out = lint("--top", self.tmp, "--setup", setup)
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"oaprobe-lint-no-such-program +bash +UNVERIFIED \(not installed")

    def test_package_not_in_list_fails_although_installed(self):
        # dpkg-query is in dpkg (Essential): passes without a listing; curl's
        # package is installed by setup-debian.sh, yet missing from this list
        if dpkg_owner("curl") != "curl":
            self.skipTest("curl is not installed")
        self.write("deploy/x.sh", "#!/bin/bash\ndpkg-query -W dpkg\ncurl --version\n", 0o755)
        setup = self.write("setup.sh", """
            #!/bin/bash
            [ "$1" = --list ] && echo "package bash"
            """, 0o755)
        rc, out = lint("--top", self.tmp, "--setup", setup)
        self.assertEqual(rc, 1, out)
        f = fails(out)
        self.assertEqual(len(f), 1, out)
        self.assertIn("curl (run at deploy/x.sh:3) is shipped by the Debian package curl", f[0])

    def test_python_modules(self):
        # yaml is python3-yaml (installed by setup-debian.sh), missing from
        # this list; the other module is installed nowhere; json is stdlib
        if subprocess.run([PY, "-I", "-c", "import yaml"], capture_output=True).returncode:
            self.skipTest("python3-yaml is not installed")
        self.write("tests/t.py", """
            import json
            import yaml
            import oaprobe_lint_no_such_module
            from helper import x
            """)
        self.write("tests/helper.py", "x = 1\n")
        setup = self.write("setup.sh", """
            #!/bin/bash
            [ "$1" = --list ] && printf '%s\\n' "package python3" "program python3 python3"
            """, 0o755)
        rc, out = lint("--top", self.tmp, "--setup", setup)
        self.assertEqual(rc, 1, out)
        f = fails(out)
        self.assertEqual(len(f), 2, out)
        self.assertIn("python3 module oaprobe_lint_no_such_module (imported at tests/t.py:3) "
                      "is not installed", out)
        self.assertIn("python3 module yaml (imported at tests/t.py:2) is shipped by the "
                      "Debian package python3-yaml", out)
        self.assertIn("python3 stdlib", out)
        self.assertNotIn("module helper", out)


if __name__ == "__main__":
    unittest.main()
