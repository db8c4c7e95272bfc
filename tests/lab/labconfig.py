"""Scenario file (scenarios.yaml) loading and validation for the lab.

load(path) -> LabFile;  LabFile.select(names, net=0, port_base=0) -> [scenario dict]

The file format is documented in README.md and at the top of scenarios.yaml.
Every address must be a loopback literal; anything else is refused.
"""

import copy
import ipaddress

import yaml

from runtime import LoopbackError, check_loopback

INTERFACE_NAMES = ("EMSMDB", "RFR", "NSPI", "EPM")
AUTH_SCHEMES = ("Negotiate", "NTLM", "Basic")
LISTENER_MODES = ("normal", "tarpit", "tls_broken", "filtered", "closed", "garbage_http")
EXPECT_MODES = ("normal", "stall", "reject")
GARBAGE_RTS = ("bad_command", "bad_length", "bad_version", "junk")
CERT_KINDS = ("healthy", "expired", "expiring", "wrong_name", "self_signed",
              "chain_missing", "untrusted", "cn_only")

SCENARIO_KEYS = {
    "host", "address", "backend_address", "direct_ports", "https", "https_port", "http",
    "http_port", "ssl_required", "cert", "iis", "windows_version", "rpcproxy", "auth",
    "hide_auth", "anonymous", "basic_require_domain", "ntlm_accept_v1", "netbios",
    "dns_name", "extra_names", "validports", "backends", "users", "quirks", "diagnoses",
    "description", "claims", "resolvable",
}
QUIRK_KEYS = {
    "listener", "expect", "close_after_401", "portal", "garbage_rts", "giant_headers",
    "chunked_out", "continue_via", "reason_phrases", "pings_before_c2",
    "pings_before_bind_ack", "midstream_503",
}
BACKEND_KEYS = {"up", "interfaces", "banner", "delay_banner", "delay_c1", "delay_bind_ack"}
DIAGNOSES = {
    "dns_failed", "tcp_refused", "tcp_timeout", "tls_handshake_failed", "cert_expired",
    "cert_expiring", "cert_name_mismatch", "cert_untrusted", "cert_chain_incomplete",
    "ssl_required", "rpcproxy_missing", "auth_no_methods", "auth_scheme_missing",
    "auth_rejected", "ntlm_connection_lost", "echo_invalid", "expect_continue_stall",
    "validports_missing_entry", "backend_unreachable", "endpoint_bind_rejected",
    "protocol_error", "timeout",
}


class ConfigError(ValueError):
    pass


def _merge(base, over):
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def rewrite_net(address, net):
    """127.a.b.c -> 127.<net>.b.c (lets several labs run side by side)."""
    ip = ipaddress.ip_address(address)
    if ip.version != 4 or not net:
        return str(ip)
    parts = str(ip).split(".")
    parts[1] = str(net)
    return ".".join(parts)


def _backend_addr_default(address):
    parts = address.split(".")
    parts[2] = str((int(parts[2]) + 1) % 256)
    return ".".join(parts)


class LabFile:
    def __init__(self, data, path):
        if not isinstance(data, dict):
            raise ConfigError("%s: top level must be a mapping" % path)
        self.path = path
        dom = data.get("domain") or {}
        self.netbios_domain = dom.get("netbios", "CONTOSO")
        self.dns_domain = dom.get("dns", "contoso.lab")
        self.realm = dom.get("realm", self.dns_domain.upper())
        self.users = data.get("users") or []
        for u in self.users:
            if not isinstance(u, dict) or "user" not in u or "password" not in u:
                raise ConfigError("%s: users entries need user and password" % path)
        self.defaults = data.get("defaults") or {}
        self.scenarios = data.get("scenarios") or {}
        if not isinstance(self.scenarios, dict) or not self.scenarios:
            raise ConfigError("%s: no scenarios" % path)
        for name, sc in self.scenarios.items():
            if not isinstance(sc, dict):
                raise ConfigError("scenario %s: must be a mapping" % name)
            unknown = set(sc) - SCENARIO_KEYS
            if unknown:
                raise ConfigError("scenario %s: unknown keys %s" % (name, sorted(unknown)))

    def names(self):
        return list(self.scenarios)

    def all_hosts(self):
        hosts = []
        for name in self.scenarios:
            raw = _merge(self.defaults, self.scenarios[name])
            h = raw.get("host")
            if h and h not in hosts and raw.get("resolvable", True):
                hosts.append(h)
        return hosts

    def select(self, names, net=0, port_base=0):
        """Validated, normalized scenarios for the given names ('all' = every one)."""
        if not isinstance(net, int) or not 0 <= net <= 255:
            raise ConfigError("--net must be 0..255")
        if not isinstance(port_base, int) or not 0 <= port_base <= 50000:
            raise ConfigError("--port-base must be 0..50000")
        if names == ["all"] or names == "all":
            names = self.names()
        out = []
        unknown = [n for n in names if n not in self.scenarios]
        if unknown:
            raise ConfigError("unknown scenario%s %s (known: %s)"
                              % ("s" if len(unknown) > 1 else "", ", ".join(unknown),
                                 ", ".join(self.names())))
        seen = {}
        for n in names:
            sc = self._normalize(n, net, port_base)
            for key in sc["_binds"]:
                if key in seen:
                    raise ConfigError("scenarios %s and %s both bind %s:%d"
                                      % (seen[key], n, key[0], key[1]))
                seen[key] = n
            out.append(sc)
        return out

    def _normalize(self, name, net, port_base):
        raw = _merge(self.defaults, self.scenarios[name])
        sc = {"name": name}

        def need(key):
            if raw.get(key) is None:
                raise ConfigError("scenario %s: %s is required" % (name, key))
            return raw[key]

        sc["host"] = str(need("host"))
        sc["resolvable"] = bool(raw.get("resolvable", True))
        if not sc["resolvable"]:
            return self._unresolvable(sc, raw)
        try:
            address = check_loopback(str(need("address")), "scenario %s address" % name)
        except LoopbackError as e:
            raise ConfigError(str(e))
        address = rewrite_net(address, net)
        if ipaddress.ip_address(address).version != 4:
            raise ConfigError("scenario %s: only IPv4 loopback addresses are supported" % name)
        sc["address"] = address
        sc["direct_ports"] = bool(raw.get("direct_ports", False))
        if sc["direct_ports"]:
            backend = address
        elif raw.get("backend_address"):
            try:
                backend = check_loopback(str(raw["backend_address"]),
                                         "scenario %s backend_address" % name)
            except LoopbackError as e:
                raise ConfigError(str(e))
            backend = rewrite_net(backend, net)
        else:
            backend = _backend_addr_default(address)
        sc["backend_address"] = backend
        sc["port_base"] = port_base
        sc["https"] = bool(raw.get("https", True))
        sc["http"] = bool(raw.get("http", False))
        sc["https_port"] = int(raw.get("https_port", 443))
        sc["http_port"] = int(raw.get("http_port", 80))
        sc["https_bind_port"] = sc["https_port"] + port_base
        sc["http_bind_port"] = sc["http_port"] + port_base
        sc["ssl_required"] = bool(raw.get("ssl_required", True))
        sc["cert"] = raw.get("cert", "healthy")
        if sc["cert"] not in CERT_KINDS:
            raise ConfigError("scenario %s: cert %r not one of %s" % (name, sc["cert"], CERT_KINDS))
        sc["iis"] = str(raw.get("iis", "Microsoft-IIS/6.0"))
        wv = str(raw.get("windows_version", "5.2.3790")).split(".")
        if len(wv) != 3 or not all(x.isdigit() for x in wv):
            raise ConfigError("scenario %s: windows_version must be like 5.2.3790" % name)
        sc["windows_version"] = [int(x) for x in wv]
        sc["rpcproxy"] = bool(raw.get("rpcproxy", True))
        auth = raw.get("auth", list(AUTH_SCHEMES))
        for a in auth:
            if a not in AUTH_SCHEMES:
                raise ConfigError("scenario %s: auth scheme %r not one of %s" % (name, a, AUTH_SCHEMES))
        sc["auth"] = list(auth)
        sc["hide_auth"] = bool(raw.get("hide_auth", False))
        sc["anonymous"] = bool(raw.get("anonymous", False))
        sc["basic_require_domain"] = bool(raw.get("basic_require_domain", False))
        sc["ntlm_accept_v1"] = bool(raw.get("ntlm_accept_v1", True))
        sc["netbios"] = str(raw.get("netbios", "EXCH01"))
        sc["dns_name"] = str(raw.get("dns_name", "exch01." + self.dns_domain))
        names = {sc["netbios"].lower(): backend, sc["dns_name"].lower(): backend}
        for n, a in (raw.get("extra_names") or {}).items():
            if a == "backend":
                a = backend
            elif a is None:
                names.pop(str(n).lower(), None)
                continue
            else:
                try:
                    a = rewrite_net(check_loopback(str(a), "scenario %s name %s" % (name, n)), net)
                except LoopbackError as e:
                    raise ConfigError(str(e))
            names[str(n).lower()] = a
        sc["names"] = names
        sc["validports"] = str(raw.get("validports") or "")
        users = raw.get("users", self.users)
        sc["users"] = []
        for u in users:
            if "user" not in u or "password" not in u:
                raise ConfigError("scenario %s: users need user and password" % name)
            sc["users"].append({"user": str(u["user"]), "password": str(u["password"]),
                                "disabled": bool(u.get("disabled", False))})
        backends = []
        for port, b in sorted((raw.get("backends") or {}).items(), key=lambda kv: int(kv[0])):
            b = b or {}
            unknown = set(b) - BACKEND_KEYS
            if unknown:
                raise ConfigError("scenario %s backend %s: unknown keys %s" % (name, port, sorted(unknown)))
            ifaces = list(b.get("interfaces", []))
            for i in ifaces:
                if i not in INTERFACE_NAMES:
                    raise ConfigError("scenario %s backend %s: interface %r not one of %s"
                                      % (name, port, i, INTERFACE_NAMES))
            backends.append({
                "port": int(port), "bind_port": int(port) + port_base,
                "up": bool(b.get("up", True)), "interfaces": ifaces,
                "options": {k: b[k] for k in ("banner", "delay_banner", "delay_c1",
                                               "delay_bind_ack") if k in b}})
        sc["backends"] = backends
        quirks = dict(raw.get("quirks") or {})
        unknown = set(quirks) - QUIRK_KEYS
        if unknown:
            raise ConfigError("scenario %s: unknown quirks %s" % (name, sorted(unknown)))
        if quirks.get("listener", "normal") not in LISTENER_MODES:
            raise ConfigError("scenario %s: listener must be one of %s" % (name, LISTENER_MODES))
        if quirks.get("expect") and quirks["expect"].get("mode", "normal") not in EXPECT_MODES:
            raise ConfigError("scenario %s: expect.mode must be one of %s" % (name, EXPECT_MODES))
        if quirks.get("garbage_rts") and quirks["garbage_rts"] not in GARBAGE_RTS:
            raise ConfigError("scenario %s: garbage_rts must be one of %s" % (name, GARBAGE_RTS))
        if quirks.get("reason_phrases"):
            quirks["reason_phrases"] = {int(k): str(v) for k, v in quirks["reason_phrases"].items()}
        sc["quirks"] = quirks
        diags = list(raw.get("diagnoses") or [])
        for d in diags:
            if d not in DIAGNOSES:
                raise ConfigError("scenario %s: unknown diagnosis code %r" % (name, d))
        sc["diagnoses"] = diags
        sc["description"] = " ".join(str(raw.get("description", "")).split())
        sc["claims"] = raw.get("claims") or []
        binds = []
        if quirks.get("listener", "normal") != "closed":
            if sc["https"]:
                binds.append((address, sc["https_bind_port"]))
            if sc["http"]:
                binds.append((address, sc["http_bind_port"]))
        for b in backends:
            if b["up"]:
                binds.append((backend, b["bind_port"]))
        sc["_binds"] = binds
        return sc


    def _unresolvable(self, sc, raw):
        """A host name the lab does not serve at all (dns_failed): no address."""
        sc.update({
            "address": None, "backend_address": None, "direct_ports": False, "port_base": 0,
            "https": False, "http": False, "https_port": None, "http_port": None,
            "https_bind_port": None, "http_bind_port": None, "ssl_required": True,
            "cert": "healthy", "iis": "", "windows_version": [0, 0, 0], "rpcproxy": False,
            "auth": [], "hide_auth": False, "anonymous": False, "basic_require_domain": False,
            "ntlm_accept_v1": True, "netbios": "", "dns_name": "", "names": {},
            "validports": "", "users": [], "backends": [], "quirks": {},
            "diagnoses": list(raw.get("diagnoses") or []),
            "description": " ".join(str(raw.get("description", "")).split()),
            "claims": [], "_binds": []})
        for d in sc["diagnoses"]:
            if d not in DIAGNOSES:
                raise ConfigError("scenario %s: unknown diagnosis code %r" % (sc["name"], d))
        return sc


def load(path):
    with open(path, "r", encoding="utf-8") as f:
        try:
            data = yaml.safe_load(f)
        except yaml.YAMLError as e:
            raise ConfigError("%s: %s" % (path, e))
    return LabFile(data, path)
