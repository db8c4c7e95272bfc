"""programs_scan.py: finds the external programs a source tree runs
(shell, CMake, C, npm scripts, systemd units; Python in programs_python.py).
Used by debian-programs.py, whose --help says what is found and how."""

import ast
import json
import os
import re
import subprocess

from programs_common import PYTHON, SHELLS, SYS_PATH, Found, Word, plausible
from programs_python import PyModule


# Not scanned: the lint's own tests, whose strings are fixtures naming
# programs that nothing runs.
SKIP_FILES = {"tests/lint/test_debian_programs.py"}

# Shell builtins and keywords: not programs at a shell command position
# (they are when a wrapper such as unshare or a Python list runs them).
BUILTINS = set("""
. : [ [[ ]] alias bg bind break builtin caller cd command compgen complete
compopt continue declare dirs disown echo enable eval exec exit export false
fc fg getopts hash help history jobs kill let local logout mapfile popd
printf pushd pwd read readarray readonly return set shift shopt source
suspend test times trap true type typeset ulimit umask unalias unset wait
if then else elif fi case esac for select while until do done in function
time coproc { } !
""".split())

# Wrappers: program -> options that take a separate value. The first word
# after the options (and, for some, fixed operands) is the wrapped command.
WRAP_OPTS = {
    "sudo": {"-u", "-g", "-h", "-p", "-C", "-D", "-R", "-T", "-U", "-r", "-t",
             "--user", "--group", "--host", "--prompt", "--chdir", "--chroot"},
    "env": {"-u", "--unset", "-C", "--chdir", "-S", "--split-string"},
    "timeout": {"-s", "--signal", "-k", "--kill-after"},
    "nice": {"-n", "--adjustment"},
    "ionice": {"-c", "--class", "-n", "--classdata", "-p", "-P", "-u"},
    "nohup": set(),
    "setsid": set(),
    "stdbuf": {"-i", "-o", "-e", "--input", "--output", "--error"},
    "unshare": {"--propagation", "--setgroups", "--map-user", "--map-group",
                "--map-users", "--map-groups", "-S", "--setuid", "-G",
                "--setgid", "-R", "--root", "-w", "--wd", "--monotonic",
                "--boottime"},
    "setpriv": {"--pdeathsig", "--reuid", "--regid", "--ruid", "--rgid",
                "--euid", "--egid", "--groups", "--inh-caps",
                "--ambient-caps", "--bounding-set", "--securebits",
                "--selinux-label", "--apparmor-profile"},
    "chroot": {"--userspec", "--groups"},
    "xargs": {"-a", "--arg-file", "-d", "--delimiter", "-E", "-I", "-L",
              "-n", "--max-args", "-P", "--max-procs", "-s", "--max-chars"},
    "flock": {"-w", "--timeout", "-E", "--conflict-exit-code"},
    "taskset": set(),
    "chrt": set(),
}
# fixed operands before the command: timeout DURATION, chroot DIR, flock FILE,
# taskset MASK, chrt PRIO
WRAP_OPERANDS = {"timeout": 1, "chroot": 1, "flock": 1, "taskset": 1, "chrt": 1}


class Scanner:
    def __init__(self, top):
        self.top = top
        self.found = Found()
        self.sh_functions = set()       # every shell function, any file
        self.sh_runners = {}            # shell function running "$@" -> shifts
        self.sh_literals = {}           # var -> literal values (per file)
        self.sh_arrays = {}             # var -> list of literal word lists
        self.targets = set()            # the project's own executables

    # ----------------------------------------------------------- commands
    def argv(self, words, where, direct):
        """Programs run by the command line WORDS; direct: at a shell
        command position (builtins and functions apply)."""
        if not words:
            return
        w0 = words[0].text
        if w0 is None:
            return
        if direct:
            if w0 in self.sh_runners:
                # run OUT ERR CMD...: the function shifts its own arguments
                # away, then runs the rest
                self.argv(words[1 + self.sh_runners[w0]:], where, True)
                return
            if w0 in self.sh_functions:
                return
            if w0 in BUILTINS:
                self.builtin(w0, words, where)
                return
        if not plausible(w0):
            return                          # a path into the project, $var...
        name = os.path.basename(w0)
        if name in self.targets and "/" not in w0:
            return
        self.found.add(w0, where)
        rest = words[1:]
        texts = [w.text for w in rest]
        if name in WRAP_OPTS:
            self.wrapped(name, rest, where)
        elif name == "ip" and texts[:2] == ["netns", "exec"] and len(rest) > 3:
            self.argv(rest[3:], where, False)
        elif name in SHELLS:
            self.shell_args(rest, where)
        elif PYTHON.match(name):
            if "-c" in texts:
                i = texts.index("-c")
                if i + 1 < len(rest):
                    self.python_string(rest[i + 1], where)
        elif name == "cmake":
            for i, t in enumerate(texts[:-1]):
                if t == "-G" and texts[i + 1] and texts[i + 1].startswith("Ninja"):
                    self.found.add("ninja", where + " (cmake -G Ninja)")

    def builtin(self, w0, words, where):
        texts = [w.text for w in words]
        if w0 == "exec":
            i = 1
            while i < len(words) and texts[i] in ("-c", "-l", "-a"):
                i += 2 if texts[i] == "-a" else 1
            self.argv(words[i:], where, False)
        elif w0 == "command":
            if len(words) > 2 and texts[1] in ("-v", "-V"):
                for w in words[2:]:
                    if w.text and w.text not in BUILTINS and w.text not in self.sh_functions:
                        self.found.add(w.text, where + " (command -v)")
            else:
                i = 1
                while i < len(words) and texts[i] == "-p":
                    i += 1
                self.argv(words[i:], where, True)
        elif w0 in ("type", "hash"):
            for w in words[1:]:
                if w.text and not w.text.startswith("-") and w.text not in BUILTINS \
                        and w.text not in self.sh_functions:
                    self.found.add(w.text, where + " (%s)" % w0)
        elif w0 in ("eval", "trap") and len(words) > 1 and texts[1] is not None:
            self.shell_string(texts[1], where, strict=False)

    def wrapped(self, name, rest, where):
        texts = [w.text for w in rest]
        if name == "setpriv" and "--" in texts:
            self.argv(rest[texts.index("--") + 1:], where, False)
            return
        opts = WRAP_OPTS[name]
        i = 0
        while i < len(rest):
            t = texts[i]
            if t is None:
                return
            if t == "--":
                i += 1
                break
            if name == "env" and "=" in t and not t.startswith("-"):
                i += 1
                continue
            if not t.startswith("-"):
                break
            i += 2 if (t in opts and "=" not in t) else 1
        i += WRAP_OPERANDS.get(name, 0)
        self.argv(rest[i:], where, False)

    def shell_args(self, rest, where):
        texts = [w.text for w in rest]
        for i, t in enumerate(texts):
            if t is not None and t.startswith("-") and "c" in t[1:] and not t.startswith("--"):
                if i + 1 < len(rest):
                    w = rest[i + 1]
                    if w.text is not None:
                        self.shell_string(w.text, where, strict=False)
                    for p in w.parts:
                        self.shell_string(p, where, strict=False)
                return

    def python_string(self, word, where):
        for s in ([word.text] if word.text is not None else []) + word.parts:
            try:
                tree = ast.parse(s)
            except (SyntaxError, ValueError):
                continue
            PyModule(self, tree, where.split(":")[0], base_line=where).scan()

    # ------------------------------------------------------------- shell
    def shfmt(self, text):
        try:
            p = subprocess.run(["shfmt", "--to-json", "-ln", "bash"], input=text,
                               capture_output=True, text=True, timeout=60)
        except FileNotFoundError:
            raise SystemExit("debian-programs: shfmt not found: install the Debian "
                             "package shfmt (deploy/setup-debian.sh)")
        if p.returncode != 0:
            return None, p.stderr.strip()
        return json.loads(p.stdout), None

    def shell_string(self, text, where, strict):
        tree, err = self.shfmt(text)
        if tree is None:
            if strict:
                self.found.errors.append("%s: shfmt cannot parse it: %s" % (where, err))
            return
        self.collect_sh_defs(tree)
        self.walk_sh(tree, where.rsplit(":", 1)[0] if strict else where,
                     None if strict else where)

    def collect_sh_defs(self, node):
        if isinstance(node, list):
            for n in node:
                self.collect_sh_defs(n)
            return
        if not isinstance(node, dict):
            return
        if node.get("Type") == "FuncDecl":
            name = node["Name"]["Value"]
            self.sh_functions.add(name)
            if self.runs_args(node.get("Body")):
                self.sh_runners[name] = self.shifts(node.get("Body"))
        if node.get("Type") == "CallExpr" or node.get("Type") == "DeclClause":
            for a in node.get("Assigns") or node.get("Args") or []:
                if not isinstance(a, dict) or "Name" not in a or not a.get("Name"):
                    continue
                var = a["Name"]["Value"]
                if a.get("Array"):
                    elems = [self.word(e.get("Value")) for e in a["Array"].get("Elems") or []]
                    self.sh_arrays.setdefault(var, []).append(elems)
                elif a.get("Value"):
                    self.sh_literals.setdefault(var, []).append(
                        self.word(a["Value"]).text)
                else:
                    self.sh_literals.setdefault(var, []).append("")
        for v in node.values():
            if isinstance(v, (dict, list)):
                self.collect_sh_defs(v)

    def shifts(self, node):
        """How many arguments the `shift` commands in a function body drop."""
        if isinstance(node, list):
            return sum(self.shifts(n) for n in node)
        if not isinstance(node, dict):
            return 0
        n = 0
        if node.get("Type") == "CallExpr" and node.get("Args"):
            words = [self.word(a).text for a in node["Args"]]
            if words[0] == "shift":
                n = int(words[1]) if len(words) > 1 and (words[1] or "").isdigit() else 1
        return n + sum(self.shifts(v) for v in node.values() if isinstance(v, (dict, list)))

    def runs_args(self, node):
        """Does this function body run "$@" (or "${@}") as a command?"""
        if isinstance(node, list):
            return any(self.runs_args(n) for n in node)
        if not isinstance(node, dict):
            return False
        if node.get("Type") == "CallExpr" and node.get("Args"):
            parts = node["Args"][0].get("Parts") or []
            if len(parts) == 1:
                p = parts[0]
                if p.get("Type") == "DblQuoted" and len(p.get("Parts") or []) == 1:
                    p = p["Parts"][0]
                if p.get("Type") == "ParamExp" and p["Param"]["Value"] == "@":
                    return True
        return any(self.runs_args(v) for v in node.values() if isinstance(v, (dict, list)))

    def word(self, w):
        """Word object for a shfmt Word (None text when not literal)."""
        if not w:
            return Word(None)
        out = []
        for p in w.get("Parts") or []:
            t = p.get("Type")
            if t in ("Lit", "SglQuoted"):
                out.append(p.get("Value", ""))
            elif t == "DblQuoted":
                inner = p.get("Parts") or []
                if all(q.get("Type") == "Lit" for q in inner):
                    out.append("".join(q.get("Value", "") for q in inner))
                else:
                    return self.param_word(w)
            else:
                return self.param_word(w)
        return Word("".join(out))

    def param_word(self, w):
        """A word that is only "$var": the variable's one literal value."""
        parts = w.get("Parts") or []
        if len(parts) == 1 and parts[0].get("Type") == "DblQuoted":
            parts = parts[0].get("Parts") or []
        if len(parts) == 1 and parts[0].get("Type") == "ParamExp":
            pe = parts[0]
            var = pe["Param"]["Value"]
            if not pe.get("Exp") and not pe.get("Index") and not pe.get("Length"):
                vals = set(self.sh_literals.get(var, []))
                if len(vals) == 1 and None not in vals:
                    return Word(vals.pop())
        return Word(None)

    def array_call(self, args, where, line):
        """"${arr[@]}" REST: each literal value of arr, and REST alone when
        arr can be empty."""
        parts = args[0].get("Parts") or []
        if len(parts) == 1 and parts[0].get("Type") == "DblQuoted":
            parts = parts[0].get("Parts") or []
        if not (len(parts) == 1 and parts[0].get("Type") == "ParamExp"
                and parts[0].get("Index")):
            return False
        var = parts[0]["Param"]["Value"]
        if var not in self.sh_arrays:
            return False
        rest = [self.word(a) for a in args[1:]]
        for elems in self.sh_arrays[var]:
            self.argv(elems + rest, where, True)
        return True

    def walk_sh(self, node, path, fixed_where=None):
        if isinstance(node, list):
            for n in node:
                self.walk_sh(n, path, fixed_where)
            return
        if not isinstance(node, dict):
            return
        cmd = node.get("Cmd")
        if isinstance(cmd, dict) and cmd.get("Type") == "CallExpr":
            line = cmd["Pos"]["Line"]
            where = fixed_where or "%s:%d" % (path, line)
            for a in cmd.get("Assigns") or []:
                v = self.word(a.get("Value")) if a.get("Value") else Word(None)
                if v.text and SYS_PATH.match(v.text):
                    self.found.add(v.text, where)
                if a["Name"]["Value"] in ("CC", "CXX") and v.text:
                    self.found.add(v.text, where + " (%s=)" % a["Name"]["Value"])
                for e in (a.get("Array") or {}).get("Elems") or []:
                    t = self.word(e.get("Value")).text
                    if t and SYS_PATH.match(t):
                        self.found.add(t, where)
            args = cmd.get("Args") or []
            if args and not self.array_call(args, where, line):
                words = [self.word(a) for a in args]
                self.argv(words, where, True)
                for w in words[1:]:
                    if w.text and SYS_PATH.match(w.text):
                        self.found.add(w.text, where)
                # a heredoc fed to a shell or to python3 -
                texts = [w.text for w in words]
                prog = os.path.basename(texts[0] or "")
                for r in node.get("Redirs") or []:
                    if not r.get("Hdoc"):
                        continue
                    body = "".join(p.get("Value", "") for p in r["Hdoc"].get("Parts") or []
                                   if p.get("Type") == "Lit")
                    if PYTHON.match(prog) and ("-" in texts or len(texts) == 1):
                        self.python_string(Word(body), where)
                    elif prog in SHELLS and len(texts) == 1:
                        self.shell_string(body, where, strict=False)
        for k, v in node.items():
            if isinstance(v, (dict, list)):
                self.walk_sh(v, path, fixed_where)

    # -------------------------------------------------------------- files
    def files(self):
        skip_top = re.compile(r"^(build.*|\.git|node_modules)$")
        for root, dirs, files in os.walk(self.top):
            rel = os.path.relpath(root, self.top)
            dirs[:] = sorted(d for d in dirs
                             if not (rel == "." and skip_top.match(d))
                             and d not in (".git", "node_modules", "__pycache__"))
            for f in sorted(files):
                if os.path.relpath(os.path.join(root, f), self.top) not in SKIP_FILES:
                    yield os.path.join(root, f)

    def kind(self, path):
        base = os.path.basename(path)
        if base == "CMakeLists.txt" or base.endswith(".cmake"):
            return "cmake", None
        if base.endswith((".c", ".h")):
            return "c", None
        if base == "package.json":
            return "npm", None
        if base.endswith((".service", ".timer", ".socket")):
            return "systemd", None
        try:
            with open(path, "rb") as f:
                head = f.readline(200)
        except OSError:
            return None, None
        shebang = None
        if head.startswith(b"#!"):
            shebang = head[2:].decode("utf-8", "replace").split()
        if base.endswith(".py") or (shebang and any("python" in s for s in shebang[:2])):
            return "python", shebang
        if base.endswith((".sh", ".bash")) or (shebang and any(
                os.path.basename(s) in SHELLS for s in shebang[:2])):
            return "shell", shebang
        return None, shebang

    def scan(self):
        todo = []
        for path in self.files():
            kind, shebang = self.kind(path)
            if kind is None:
                continue
            rel = os.path.relpath(path, self.top)
            if kind == "python":
                self.found.local.add(os.path.basename(path)[:-3])
                self.found.local.update(os.path.dirname(rel).split(os.sep))
            if shebang:
                words = [Word(s) for s in shebang]
                self.argv(words, rel + ":1 (#!)", False)
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
            except OSError as e:
                self.found.errors.append("%s: %s" % (rel, e))
                continue
            todo.append((kind, rel, text))
        # targets and shell functions first: they are not programs anywhere
        for kind, rel, text in todo:
            if kind == "cmake":
                self.cmake_targets(text)
        trees = []
        for kind, rel, text in todo:
            if kind == "shell":
                tree, err = self.shfmt(text)
                if tree is None:
                    self.found.errors.append("%s: shfmt cannot parse it: %s" % (rel, err))
                    continue
                self.sh_literals = {}
                self.sh_arrays = {}
                self.collect_sh_defs(tree)
                trees.append((rel, tree, self.sh_literals, self.sh_arrays))
        for rel, tree, lits, arrays in trees:
            self.sh_literals, self.sh_arrays = lits, arrays
            self.walk_sh(tree, rel)
        self.sh_literals, self.sh_arrays = {}, {}
        for kind, rel, text in todo:
            if kind == "python":
                try:
                    tree = ast.parse(text, filename=rel)
                except SyntaxError as e:
                    self.found.errors.append("%s:%s: Python cannot parse it: %s"
                                             % (rel, e.lineno, e.msg))
                    continue
                PyModule(self, tree, rel).scan()
            elif kind == "cmake":
                self.cmake(rel, text)
            elif kind == "c":
                self.c_source(rel, text)
            elif kind == "npm":
                self.npm(rel, text)
            elif kind == "systemd":
                self.systemd(rel, text)
        for prog in list(self.found.where):
            if os.path.basename(prog) in self.targets:
                del self.found.where[prog]      # the project's own binary
        return self.found

    # -------------------------------------------------------------- cmake
    CMAKE_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[^\s()"]+|[()]')
    CMAKE_KEYWORDS = {"WORKING_DIRECTORY", "NAME", "CONFIGURATIONS",
                      "COMMAND_EXPAND_LISTS", "DEPENDS", "OUTPUT", "COMMENT",
                      "VERBATIM", "BYPRODUCTS", "USES_TERMINAL", "WORKING",
                      "RESULT_VARIABLE", "OUTPUT_VARIABLE", "ERROR_VARIABLE",
                      "TIMEOUT", "OUTPUT_QUIET", "ERROR_QUIET", "COMMAND"}

    def cmake_tokens(self, text):
        out = []
        for n, line in enumerate(text.splitlines(), 1):
            line = re.sub(r'(^|\s)#.*$', "", line) if '"' not in line else \
                re.sub(r'^\s*#.*$', "", line)
            for m in self.CMAKE_TOKEN.finditer(line):
                t = m.group(0)
                if t.startswith('"'):
                    t = t[1:-1]
                out.append((t, n))
        return out

    def cmake_targets(self, text):
        toks = self.cmake_tokens(text)
        makers = set()
        # function(NAME p1 ...) whose body has add_executable(${p1}
        for i, (t, _) in enumerate(toks):
            if t.lower() == "function" and i + 3 < len(toks) and toks[i + 1][0] == "(":
                fname, p1 = toks[i + 2][0], toks[i + 3][0]
                j = i + 4
                while j < len(toks) and toks[j][0].lower() != "endfunction":
                    if toks[j][0].lower() == "add_executable" and j + 2 < len(toks) \
                            and toks[j + 2][0] == "${%s}" % p1:
                        makers.add(fname.lower())
                    j += 1
        for i, (t, _) in enumerate(toks):
            tl = t.lower()
            if (tl == "add_executable" or tl in makers) and i + 2 < len(toks) \
                    and toks[i + 1][0] == "(" and "${" not in toks[i + 2][0]:
                self.targets.add(toks[i + 2][0])

    def cmake(self, rel, text):
        toks = self.cmake_tokens(text)
        sets = {}
        for i, (t, _) in enumerate(toks):
            if t.lower() == "set" and i + 3 < len(toks) and toks[i + 1][0] == "(" \
                    and toks[i + 3][0] != ")" and (i + 4 >= len(toks) or toks[i + 4][0] == ")"):
                sets[toks[i + 2][0]] = toks[i + 3][0]

        def expand(t):
            for _ in range(5):
                m = re.search(r"\$\{(\w+)\}", t)
                if not m or m.group(1) not in sets:
                    break
                t = t.replace(m.group(0), sets[m.group(1)])
            if t.startswith("${CMAKE_COMMAND}"):
                return "cmake"
            if t.startswith("${CMAKE_CTEST_COMMAND}"):
                return "ctest"
            return None if ("${" in t or "$<" in t) else t

        for i, (t, n) in enumerate(toks):
            tl = t.lower()
            where = "%s:%d" % (rel, n)
            if t == "COMMAND":
                words = []
                for u, _ in toks[i + 1:]:
                    if u in (")",) or u in self.CMAKE_KEYWORDS:
                        break
                    words.append(Word(expand(u)))
                self.argv(words, where, False)
            elif tl == "find_program" and i + 3 < len(toks):
                j = i + 3
                while j < len(toks) and toks[j][0] != ")":
                    u = toks[j][0]
                    if u == "NAMES":
                        j += 1
                        continue
                    if u.isupper():
                        break
                    self.found.add(u, where + " (find_program)")
                    j += 1
            elif tl == "project":
                j = i + 1
                langs = []
                while j < len(toks) and toks[j][0] != ")":
                    langs.append(toks[j][0])
                    j += 1
                if "LANGUAGES" not in langs or "C" in langs:
                    self.found.add("cc", where + " (project(): the C compiler)")
            elif tl == "pkg_check_modules" or (tl == "find_package" and i + 2 < len(toks)
                                               and toks[i + 2][0] == "PkgConfig"):
                self.found.add("pkg-config", where + " (%s)" % t)
            for u in (t,):
                e = expand(u)
                if e and SYS_PATH.match(e):
                    self.found.add(e, where)

    # ------------------------------------------------------ C, npm, units
    C_EXEC = re.compile(r'\b(exec[lv]p?e?|posix_spawnp?|popen|system)\s*\(\s*'
                        r'(?:[^,"()]*,\s*)?"((?:[^"\\]|\\.)*)"')

    def c_source(self, rel, text):
        for m in self.C_EXEC.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            where = "%s:%d" % (rel, line)
            fn, s = m.group(1), m.group(2)
            if fn in ("popen", "system"):
                self.shell_string(s, where, strict=False)
            else:
                self.argv([Word(s)], where, False)

    def npm(self, rel, text):
        try:
            scripts = json.loads(text).get("scripts") or {}
        except (ValueError, AttributeError):
            self.found.errors.append("%s: not valid JSON" % rel)
            return
        for name, cmd in sorted(scripts.items()):
            if isinstance(cmd, str):
                self.shell_string(cmd, "%s (script %s)" % (rel, name), strict=False)

    def systemd(self, rel, text):
        for n, line in enumerate(text.splitlines(), 1):
            m = re.match(r"\s*Exec\w*\s*=\s*[-@:+!]*(\S+)", line)
            if m:
                self.argv([Word(m.group(1))], "%s:%d" % (rel, n), False)
