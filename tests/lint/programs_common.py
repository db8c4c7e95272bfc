"""programs_common.py: what programs_scan.py and programs_python.py share:
the program found so far, a command-line word, what a program name looks
like. See debian-programs.py --help."""

import re

SYS_PATH = re.compile(r"^/(?:usr/)?(?:local/)?s?bin/([A-Za-z0-9_][A-Za-z0-9_.+-]*)$")
NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")
PYTHON = re.compile(r"^python3(?:\.\d+)?$")
SHELLS = {"sh", "bash", "dash"}


class Found:
    """Programs found: name -> list of "file:line" (first few kept)."""

    def __init__(self):
        self.where = {}
        self.modules = {}       # Python module imported -> ["file:line"]
        self.local = set()      # names of the tree's own Python modules
        self.errors = []

    def add_module(self, name, where):
        w = self.modules.setdefault(name, [])
        if where not in w and len(w) < 3:
            w.append(where)

    def add(self, prog, where):
        if prog.startswith("/"):
            m = SYS_PATH.match(prog)
            if not m:
                return
        elif not NAME.match(prog):
            return
        w = self.where.setdefault(prog, [])
        if where not in w and len(w) < 3:
            w.append(where)


class Word:
    """A command-line word: its literal text (None when it depends on the
    run), and strings it may be built from (for `sh -c EXPR` in Python)."""

    def __init__(self, text, parts=()):
        self.text = text
        self.parts = list(parts)


def plausible(text):
    return text is not None and (NAME.match(text) or SYS_PATH.match(text)) \
        and not text.startswith("-")
