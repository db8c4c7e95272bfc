"""The RpcProxy ValidPorts ACL with Windows' matching rules (rpc-over-http.md §3.1).

Value: entries separated by ';', each  NAME:PORT  or  NAME:LOW-HIGH  (inclusive).
  * NAME matches the server name of the request query exactly, case-insensitive,
    with no canonicalisation: 'exch01.contoso.lab' does not match 'EXCH01', an IP
    literal does not match a name.
  * NAME may end in '*': a prefix wildcard ('Data*' matches 'DATA01', '*' matches all).
  * Malformed entries are ignored (they allow nothing); empty entries are skipped.
  * IPv6 literals are not supported (an entry with a second ':' is malformed).
Surrounding whitespace of each entry is stripped (UNCONFIRMED on Windows).
"""

import re

_PORT = re.compile(r"^[0-9]{1,5}$")


class Entry:
    def __init__(self, name, low, high, text):
        self.name = name
        self.low = low
        self.high = high
        self.text = text

    def matches(self, server, port):
        if not self.low <= port <= self.high:
            return False
        if self.name.endswith("*"):
            return server.lower().startswith(self.name[:-1].lower())
        return server.lower() == self.name.lower()

    def __repr__(self):
        return "Entry(%r, %d, %d)" % (self.name, self.low, self.high)


def parse(value):
    """-> (entries, errors): errors are (index, entry text, reason)."""
    entries, errors = [], []
    for i, raw in enumerate((value or "").split(";")):
        text = raw.strip()
        if not text:
            continue
        if text.count(":") != 1:
            errors.append((i, text, "expected exactly one ':' between name and ports"))
            continue
        name, ports = text.split(":")
        if not name or "*" in name[:-1]:
            errors.append((i, text, "bad server name"))
            continue
        if "-" in ports:
            lo, _, hi = ports.partition("-")
        else:
            lo = hi = ports
        if not _PORT.match(lo) or not _PORT.match(hi):
            errors.append((i, text, "bad port or port range"))
            continue
        lo, hi = int(lo), int(hi)
        if lo > 65535 or hi > 65535 or lo > hi:
            errors.append((i, text, "port range out of order or above 65535"))
            continue
        entries.append(Entry(name, lo, hi, text))
    return entries, errors


class ValidPorts:
    def __init__(self, value):
        self.value = value or ""
        self.entries, self.errors = parse(self.value)

    def allows(self, server, port):
        """True if server:port is allowed (Windows semantics)."""
        if not server or port is None:
            return False
        return any(e.matches(server, port) for e in self.entries)
