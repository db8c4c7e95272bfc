"""programs_python.py: the programs a Python module runs (ast based).
Used by programs_scan.py; see debian-programs.py --help."""

import ast

from programs_common import SYS_PATH, Word


class PyModule:
    """The programs one Python module runs."""

    SUBPROCESS = {"subprocess.run", "subprocess.Popen", "subprocess.call",
                  "subprocess.check_call", "subprocess.check_output",
                  "pty.spawn", "os.execv", "os.execve", "os.execvp", "os.execvpe",
                  "os.spawnv", "os.spawnvp", "os.posix_spawn", "os.posix_spawnp"}
    SPREAD = {"asyncio.create_subprocess_exec", "os.execl", "os.execle",
              "os.execlp", "os.execlpe"}
    SHELL = {"os.system", "os.popen", "subprocess.getoutput",
             "subprocess.getstatusoutput", "asyncio.create_subprocess_shell"}
    WHICH = {"shutil.which"}

    def __init__(self, scanner, tree, rel, base_line=None):
        self.s = scanner
        self.tree = tree
        self.rel = rel
        self.base_line = base_line      # for code inside a string
        self.alias = {}
        self.funcs = {}                 # name -> FunctionDef nodes
        self.parent = {}
        self.runners = {}               # user function -> param index (argv)
        self.whiches = {}               # user function -> param index (name)

    def where(self, node):
        return self.base_line or "%s:%d" % (self.rel, getattr(node, "lineno", 0))

    def scan(self):
        for node in ast.walk(self.tree):
            for c in ast.iter_child_nodes(node):
                self.parent[c] = node
            if isinstance(node, ast.Import):
                for a in node.names:
                    self.alias[a.asname or a.name] = a.name
                    self.s.found.add_module(a.name.split(".")[0], self.where(node))
            elif isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    self.alias[a.asname or a.name] = node.module + "." + a.name
                if not node.level:
                    self.s.found.add_module(node.module.split(".")[0], self.where(node))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.funcs.setdefault(node.name, []).append(node)
        self.find_wrappers()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                self.call(node)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and SYS_PATH.match(node.value):
                self.s.found.add(node.value, self.where(node))

    def dotted(self, f):
        if isinstance(f, ast.Name):
            return self.alias.get(f.id, f.id)
        if isinstance(f, ast.Attribute):
            base = self.dotted(f.value)
            return base + "." + f.attr if base else f.attr
        return None

    def callee(self, call):
        """(kind, index) of a call: kind in run/spread/shell/which or None."""
        d = self.dotted(call.func)
        if d in self.SUBPROCESS:
            return "run", 0
        if d in self.SPREAD:
            return "spread", 0
        if d in self.SHELL:
            return "shell", 0
        if d in self.WHICH:
            return "which", 0
        name = call.func.attr if isinstance(call.func, ast.Attribute) else \
            call.func.id if isinstance(call.func, ast.Name) else None
        for table, kind in ((self.runners, "run"), (self.whiches, "which")):
            if name in table:
                idx, method = table[name]
                if method and isinstance(call.func, ast.Attribute):
                    idx -= 1
                return kind, idx
        return None, None

    def find_wrappers(self):
        """Module functions that pass a parameter on as the argv of a
        subprocess call (or the name of shutil.which), to a fixed point."""
        changed = True
        while changed:
            changed = False
            for name, defs in self.funcs.items():
                for fn in defs:
                    params = [a.arg for a in fn.args.args]
                    method = isinstance(self.parent.get(fn), ast.ClassDef)
                    for node in ast.walk(fn):
                        if not isinstance(node, ast.Call) or not node.args:
                            continue
                        kind, idx = self.callee(node)
                        if kind not in ("run", "which") or idx is None or idx >= len(node.args):
                            continue
                        a = node.args[idx]
                        if isinstance(a, ast.Name) and a.id in params:
                            table = self.runners if kind == "run" else self.whiches
                            if name not in table:
                                table[name] = (params.index(a.id), method)
                                changed = True

    def call(self, node):
        kind, idx = self.callee(node)
        if kind is None or idx is None or idx < 0 or idx >= len(node.args):
            return
        where = self.where(node)
        arg = node.args[idx]
        if kind == "which":
            s = self.const(arg)
            if s:
                self.s.found.add(s, where + " (which)")
            return
        if kind == "spread":
            self.s.argv([self.element(a) for a in node.args[idx:]], where, False)
            return
        shell = kind == "shell" or any(
            k.arg == "shell" and isinstance(k.value, ast.Constant) and k.value.value
            for k in node.keywords)
        for expr in self.argv_exprs(arg, self.scope(node), set()):
            if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
                if shell:
                    self.s.shell_string(expr.value, where, strict=False)
                else:
                    self.s.argv([Word(expr.value)], where, False)
            elif isinstance(expr, (ast.List, ast.Tuple)):
                words = [self.element(e) for e in expr.elts]
                if words and words[0].text is not None and not words[0].text.startswith("-"):
                    self.s.argv(words, "%s" % (self.base_line or "%s:%d" % (
                        self.rel, expr.lineno)), False)

    def scope(self, node):
        n = node
        while n in self.parent:
            n = self.parent[n]
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return n
        return self.tree

    def assigned(self, name, scope):
        """Expressions assigned to NAME in SCOPE and at module level."""
        out = []
        for sc in (scope, self.tree) if scope is not self.tree else (self.tree,):
            if isinstance(sc, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = sc.args
                pos = args.args[len(args.args) - len(args.defaults):]
                for a, d in list(zip(pos, args.defaults)) + \
                        [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d]:
                    if a.arg == name:
                        out.append(d)
            for n in ast.walk(sc):
                if isinstance(n, ast.Assign):
                    if any(isinstance(t, ast.Name) and t.id == name for t in n.targets):
                        out.append(n.value)
                elif isinstance(n, (ast.AugAssign, ast.AnnAssign)):
                    if isinstance(n.target, ast.Name) and n.target.id == name and n.value:
                        out.append(n.value)
        return out

    def argv_exprs(self, expr, scope, seen, depth=0):
        """The list literals (and strings) EXPR may be made of."""
        if depth > 6 or expr is None:
            return
        if isinstance(expr, (ast.List, ast.Tuple)):
            yield expr
        elif isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            yield expr
        elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            yield from self.argv_exprs(expr.left, scope, seen, depth + 1)
            yield from self.argv_exprs(expr.right, scope, seen, depth + 1)
        elif isinstance(expr, ast.IfExp):
            yield from self.argv_exprs(expr.body, scope, seen, depth + 1)
            yield from self.argv_exprs(expr.orelse, scope, seen, depth + 1)
        elif isinstance(expr, ast.BoolOp):
            for v in expr.values:
                yield from self.argv_exprs(v, scope, seen, depth + 1)
        elif isinstance(expr, ast.Name):
            key = (expr.id, id(scope))
            if key in seen:
                return
            seen.add(key)
            for v in self.assigned(expr.id, scope):
                yield from self.argv_exprs(v, scope, seen, depth + 1)
        elif isinstance(expr, ast.Call):
            d = self.dotted(expr.func)
            if d in ("list", "tuple") and expr.args:
                yield from self.argv_exprs(expr.args[0], scope, seen, depth + 1)
                return
            name = expr.func.attr if isinstance(expr.func, ast.Attribute) else \
                expr.func.id if isinstance(expr.func, ast.Name) else None
            for fn in self.funcs.get(name, []):
                if ("fn", fn.name) in seen:
                    continue
                seen.add(("fn", fn.name))
                for r in ast.walk(fn):
                    if isinstance(r, ast.Return):
                        yield from self.argv_exprs(r.value, fn, seen, depth + 1)

    def const(self, expr, scope=None, depth=0):
        """The string EXPR is, if it is one: a literal, a name assigned one
        literal, or which("x") / which("x") or "/usr/bin/x"."""
        if depth > 4:
            return None
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value
        if isinstance(expr, ast.BoolOp):
            for v in expr.values:
                c = self.const(v, scope, depth + 1)
                if c:
                    return c
        if isinstance(expr, ast.Call) and expr.args:
            kind, idx = self.callee(expr)
            if kind == "which" and 0 <= idx < len(expr.args):
                return self.const(expr.args[idx], scope, depth + 1)
        if isinstance(expr, ast.Name):
            vals = self.assigned(expr.id, scope or self.tree)
            consts = {self.const(v, scope, depth + 1) for v in vals}
            if len(consts) == 1 and None not in consts:
                return consts.pop()
        return None

    def element(self, e):
        text = self.const(e, self.scope(e))
        parts = [n.value for n in ast.walk(e) if isinstance(n, ast.Constant)
                 and isinstance(n.value, str)]
        for n in ast.walk(e):
            if isinstance(n, ast.Name):
                for v in self.assigned(n.id, self.scope(e)):
                    parts += [m.value for m in ast.walk(v) if isinstance(m, ast.Constant)
                              and isinstance(m.value, str)]
        return Word(text, parts)
