"""Test PKI for the oaprobe lab: a root CA, an intermediate CA and one server
certificate per TLS scenario, written into a directory and cached there.

    from tests.lab import pki        # or: import pki (with tests/lab on sys.path)
    lab = pki.ensure_pki("/tmp/lab-pki", names=("mail.contoso.lab",))
    s = lab.scenarios["healthy"]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(s.certfile, s.keyfile)   # certfile = the chain served
    # clients trust lab.ca_bundle (the lab root only)

Scenarios (see SCENARIOS and SUPPORT.md for the expected client verdicts):

    healthy        leaf for `names`, issued by the intermediate, served with it
    expired        like healthy, notBefore and notAfter in the past
    expiring       like healthy, notAfter = now + expiring_days days (+ < 1 h)
    wrong_name     like healthy, but SAN/CN carry only `wrong_names`
    self_signed    self-signed leaf for `names`, served alone
    chain_missing  leaf issued by the intermediate, served WITHOUT the intermediate
    untrusted      leaf issued by a second root that is not in the CA bundle,
                   served with that root (a typical private-CA server)
    cn_only        like healthy, CN = names[0], no subjectAltName at all

Only python3-cryptography (Debian) and the standard library are used. Keys are
EC P-256 by default (the whole set takes ~0.1 s); key_type="rsa" gives RSA 2048
(about 1.5 s on first build, the leaves then share one key to stay fast).
Everything is SHA-256. A second call with the same parameters only reads a small
manifest and is instant; certificates are re-issued only when they would no
longer match their scenario (the `expiring` one after 30 minutes). Keys are never
rewritten for the same key_type, so a key file always matches any version of its
certificate file (safe for servers that reload while another process rebuilds).
"""

import datetime
import fcntl
import ipaddress
import json
import os
import ssl
import tempfile
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "SCENARIOS", "ROOT_CN", "INTERMEDIATE_CN", "UNTRUSTED_ROOT_CN",
    "Scenario", "LabPki", "PkiError", "ensure_pki", "scenario_paths",
]

SCENARIOS = ("healthy", "expired", "expiring", "wrong_name", "self_signed",
             "chain_missing", "untrusted", "cn_only")

ROOT_CN = "oaprobe lab root"
INTERMEDIATE_CN = "oaprobe lab issuing CA 1"
UNTRUSTED_ROOT_CN = "oaprobe rogue root"
ORG = "oaprobe lab"

_MANIFEST = "manifest.json"
_LOCK = ".pki.lock"
_FORMAT = 2

_HOUR = datetime.timedelta(hours=1)
_DAY = datetime.timedelta(days=1)
_CA_LIFETIME = 3650 * _DAY
_CA_BACKDATE = 1826 * _DAY       # CAs predate every leaf, even the expired one
_LEAF_LIFETIME = 365 * _DAY
_LEAF_MIN_LEFT = 90 * _DAY       # re-issue "valid" leaves below this
_CA_MIN_LEFT = 365 * _DAY
_EXPIRING_MAX_AGE = 30 * 60      # seconds; re-issue the expiring leaf after this
_EXPIRING_SLACK = _HOUR          # notAfter = issue + N days + 1 h

# What a client that trusts only ca_bundle sees. verify_code is OpenSSL's
# X509_V_ERR_* number (ssl.SSLCertVerificationError.verify_code), None = ok.
# diagnosis is the oaprobe code from docs/field-notes.md.
_EXPECT = {
    "healthy":       (None, "ok"),
    "expired":       (10, "cert_expired"),        # certificate has expired
    "expiring":      (None, "cert_expiring"),
    "wrong_name":    (62, "cert_name_mismatch"),  # hostname mismatch
    "self_signed":   (18, "cert_untrusted"),      # self-signed certificate
    "chain_missing": (20, "cert_chain_incomplete"),  # unable to get local issuer
    "untrusted":     (19, "cert_untrusted"),      # self-signed cert in chain
    "cn_only":       (None, "ok"),  # OpenSSL falls back to CN; 62 if it may not
}


class PkiError(Exception):
    """Raised for bad arguments or an unusable PKI directory."""


@dataclass(frozen=True)
class Scenario:
    """One server certificate set.

    certfile     PEM to pass as load_cert_chain(certfile=...): the leaf followed
                 by exactly the chain the server sends for this scenario.
    keyfile      PEM private key (PKCS#8, unencrypted) of the leaf.
    leaf         PEM of the leaf certificate alone.
    served       how many certificates certfile holds (1 = leaf only).
    names        DNS names in the leaf's SAN (empty for cn_only).
    common_name  subject CN of the leaf.
    not_before, not_after  aware UTC datetimes of the leaf.
    verify_code  OpenSSL X509_V_ERR_* a client trusting only the lab root gets
                 when it checks names[0] of the lab (None = verifies).
    diagnosis    the oaprobe diagnosis code the probe should report.
    """
    name: str
    certfile: str
    keyfile: str
    leaf: str
    served: int
    names: tuple
    common_name: str
    not_before: datetime.datetime
    not_after: datetime.datetime
    verify_code: object
    diagnosis: str


@dataclass(frozen=True)
class LabPki:
    """The lab PKI in `directory`.

    ca_bundle          what clients should trust: the lab root ONLY.
    root_cert          same certificate as ca_bundle (separate name for clarity).
    intermediate_cert  the issuing CA (for "a client that already has it" tests:
                       openssl verify -untrusted, or chain_bundle).
    chain_bundle       root + intermediate: a trust store with which even
                       chain_missing verifies.
    untrusted_root_cert the rogue root that signs the `untrusted` leaf.
    scenarios          dict scenario name -> Scenario.
    """
    directory: str
    ca_bundle: str
    root_cert: str
    intermediate_cert: str
    chain_bundle: str
    untrusted_root_cert: str
    host: str
    scenarios: dict = field(default_factory=dict)

    def paths(self, scenario):
        """(certfile, keyfile, ca_bundle) for `scenario`; KeyError if unknown."""
        s = self.scenarios[scenario]
        return s.certfile, s.keyfile, self.ca_bundle

    def server_context(self, scenario, minimum_version=None):
        """A fresh ssl.SSLContext(PROTOCOL_TLS_SERVER) serving `scenario`."""
        s = self.scenarios[scenario]
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if minimum_version is not None:
            ctx.minimum_version = minimum_version
        ctx.load_cert_chain(s.certfile, s.keyfile)
        return ctx

    def client_context(self, cafile=None):
        """A verifying client ssl.SSLContext trusting ca_bundle (or cafile)."""
        ctx = ssl.create_default_context(cafile=cafile or self.ca_bundle)
        return ctx


# ---------------------------------------------------------------- helpers

def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _ts(dt):
    return int(dt.timestamp())


def _from_ts(t):
    return datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc)


def _atomic_write(path, data, mode=0o644):
    d = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _new_key(key_type):
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORG),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _san_entry(n):
    try:
        return x509.IPAddress(ipaddress.ip_address(n))
    except ValueError:
        return x509.DNSName(n)


def _issue(subject_cn, subject_key, issuer_cert, issuer_key, not_before,
           not_after, ca=False, path_length=None, san=()):
    """Sign a certificate. issuer_cert None = self-signed."""
    subject = _name(subject_cn)
    issuer = issuer_cert.subject if issuer_cert is not None else subject
    pub = subject_key.public_key()
    b = (x509.CertificateBuilder()
         .subject_name(subject)
         .issuer_name(issuer)
         .public_key(pub)
         .serial_number(x509.random_serial_number())
         .not_valid_before(not_before)
         .not_valid_after(not_after)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length),
                        critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub),
                        critical=False))
    signer_pub = (issuer_cert.public_key() if issuer_cert is not None else pub)
    b = b.add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_pub),
        critical=False)
    if ca:
        b = b.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    else:
        is_rsa = isinstance(pub, rsa.RSAPublicKey)
        b = b.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False,
            key_encipherment=is_rsa, data_encipherment=False,
            key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        b = b.add_extension(x509.ExtendedKeyUsage(
            [ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        if san:
            b = b.add_extension(x509.SubjectAlternativeName(
                [_san_entry(n) for n in san]), critical=False)
    signer = issuer_key if issuer_cert is not None else subject_key
    return b.sign(signer, hashes.SHA256())


def _load_cert(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def _load_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def _check_names(label, names):
    if isinstance(names, str):
        names = (names,)
    names = tuple(names)
    if not names:
        raise PkiError("%s must hold at least one name" % label)
    for n in names:
        if not isinstance(n, str) or not n or len(n) > 253 or any(
                c.isspace() for c in n):
            raise PkiError("%s: bad host name %r" % (label, n))
    return names


# ---------------------------------------------------------------- builder

class _Builder:
    def __init__(self, directory, names, wrong_names, expiring_days,
                 expired_days_ago, key_type):
        self.d = directory
        self.names = names
        self.wrong_names = wrong_names
        self.expiring_days = expiring_days
        self.expired_days_ago = expired_days_ago
        self.key_type = key_type
        self.keys = {}

    def p(self, fname):
        return os.path.join(self.d, fname)

    def params(self):
        return {"format": _FORMAT, "key_type": self.key_type,
                "names": list(self.names), "wrong_names": list(self.wrong_names),
                "expiring_days": self.expiring_days,
                "expired_days_ago": self.expired_days_ago}

    def key(self, stem):
        """Load or create <stem>.key (never rewritten for one key_type)."""
        if self.key_type == "rsa" and stem in SCENARIOS:
            stem = "leaf"     # RSA: all leaves share one key (speed)
        if stem in self.keys:
            return self.keys[stem]
        path = self.p(stem + ".key")
        k = None
        if os.path.exists(path):
            try:
                k = _load_key(path)
            except (ValueError, TypeError, OSError):
                k = None
            want = ec.EllipticCurvePrivateKey if self.key_type == "ec" \
                else rsa.RSAPrivateKey
            if k is not None and not isinstance(k, want):
                k = None
        if k is None:
            k = _new_key(self.key_type)
            _atomic_write(path, _key_pem(k), 0o600)
        self.keys[stem] = k
        return k

    def key_file(self, stem):
        """File name of <stem>'s key (RSA leaves share leaf.key)."""
        if self.key_type == "rsa" and stem in SCENARIOS:
            return "leaf.key"
        return stem + ".key"

    def build(self, old):
        """Create what is missing or stale. old = previous manifest or None."""
        now = _now()
        same = old is not None and old.get("params") == self.params()
        oldc = (old or {}).get("certs", {}) if same else {}
        certs = {}

        def fresh(stem, min_left=None, max_age=None, files=()):
            """True if the manifest says <stem> can be kept."""
            m = oldc.get(stem)
            if not m:
                return False
            for f in files:
                if not os.path.exists(self.p(f)):
                    return False
            if min_left is not None and m["not_after"] - _ts(now) < \
                    min_left.total_seconds():
                return False
            if max_age is not None and _ts(now) - m["issued"] > max_age:
                return False
            return True

        # CAs
        rebuilt_ca = False
        for stem, cn in (("root-ca", ROOT_CN), ("untrusted-root-ca",
                                                 UNTRUSTED_ROOT_CN)):
            if fresh(stem, _CA_MIN_LEFT, files=(stem + ".crt",
                                                 self.key_file(stem))):
                certs[stem] = oldc[stem]
                continue
            k = self.key(stem)
            c = _issue(cn, k, None, None, now - _CA_BACKDATE,
                       now + _CA_LIFETIME, ca=True)
            _atomic_write(self.p(stem + ".crt"), _cert_pem(c))
            certs[stem] = self._meta(c, now, 1)
            rebuilt_ca = True
        root = _load_cert(self.p("root-ca.crt"))
        rogue = _load_cert(self.p("untrusted-root-ca.crt"))
        if rebuilt_ca or not fresh("intermediate-ca", _CA_MIN_LEFT,
                                   files=("intermediate-ca.crt",
                                          "intermediate-ca.key")):
            c = _issue(INTERMEDIATE_CN, self.key("intermediate-ca"), root,
                       self.key("root-ca"), now - _CA_BACKDATE + _DAY,
                       now + _CA_LIFETIME - _DAY, ca=True, path_length=0)
            _atomic_write(self.p("intermediate-ca.crt"), _cert_pem(c))
            certs["intermediate-ca"] = self._meta(c, now, 1)
            rebuilt_ca = True
        else:
            certs["intermediate-ca"] = oldc["intermediate-ca"]
        inter = _load_cert(self.p("intermediate-ca.crt"))
        root_pem, inter_pem = _cert_pem(root), _cert_pem(inter)
        if rebuilt_ca or not os.path.exists(self.p("ca-bundle.pem")):
            _atomic_write(self.p("ca-bundle.pem"), root_pem)
        if rebuilt_ca or not os.path.exists(self.p("chain-bundle.pem")):
            _atomic_write(self.p("chain-bundle.pem"), root_pem + inter_pem)

        # leaves: scenario -> (cn, san, not_before, not_after, issuer, extra)
        expiring_after = now + self.expiring_days * _DAY + _EXPIRING_SLACK
        expired_after = now - self.expired_days_ago * _DAY
        plan = {
            "healthy": (self.names[0], self.names, now - _HOUR,
                        now + _LEAF_LIFETIME, "inter", [inter_pem]),
            "expired": (self.names[0], self.names,
                        expired_after - _LEAF_LIFETIME, expired_after,
                        "inter", [inter_pem]),
            "expiring": (self.names[0], self.names, now - _HOUR,
                         expiring_after, "inter", [inter_pem]),
            "wrong_name": (self.wrong_names[0], self.wrong_names,
                           now - _HOUR, now + _LEAF_LIFETIME, "inter",
                           [inter_pem]),
            "self_signed": (self.names[0], self.names, now - _HOUR,
                            now + _LEAF_LIFETIME, None, []),
            "chain_missing": (self.names[0], self.names, now - _HOUR,
                              now + _LEAF_LIFETIME, "inter", []),
            "untrusted": (self.names[0], self.names, now - _HOUR,
                          now + _LEAF_LIFETIME, "rogue",
                          [_cert_pem(rogue)]),
            "cn_only": (self.names[0], (), now - _HOUR, now + _LEAF_LIFETIME,
                        "inter", [inter_pem]),
        }
        for sc in SCENARIOS:
            cn, san, nb, na, issuer, extra = plan[sc]
            files = (sc + ".crt", sc + ".chain.pem", self.key_file(sc))
            if sc == "expiring":
                keep = fresh(sc, max_age=_EXPIRING_MAX_AGE, files=files)
            elif sc == "expired":
                keep = fresh(sc, files=files)
            else:
                keep = fresh(sc, _LEAF_MIN_LEFT, files=files)
            if keep and not (rebuilt_ca and issuer is not None):
                certs[sc] = oldc[sc]
                continue
            k = self.key(sc)
            if issuer == "inter":
                c = _issue(cn, k, inter, self.key("intermediate-ca"), nb, na,
                           san=san)
            elif issuer == "rogue":
                c = _issue(cn, k, rogue, self.key("untrusted-root-ca"), nb, na,
                           san=san)
            else:
                c = _issue(cn, k, None, None, nb, na, san=san)
            leaf = _cert_pem(c)
            _atomic_write(self.p(sc + ".crt"), leaf)
            _atomic_write(self.p(sc + ".chain.pem"), leaf + b"".join(extra))
            certs[sc] = self._meta(c, now, 1 + len(extra))
            certs[sc].update({"cn": cn, "san": list(san)})
        return {"params": self.params(), "certs": certs}

    @staticmethod
    def _meta(cert, now, served):
        nb = cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)
        na = cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
        return {"issued": _ts(now), "not_before": _ts(nb),
                "not_after": _ts(na), "served": served}


def ensure_pki(directory, names=("mail.contoso.lab",
                                 "autodiscover.contoso.lab"),
               wrong_names=("wrong.fabrikam.lab",), expiring_days=5,
               expired_days_ago=30, key_type="ec"):
    """Create (or reuse) the lab PKI in `directory` and describe it.

    directory        created if missing (mode 0700); holds keys, certs, bundles
                     and manifest.json. Use one parameter set per directory:
                     other parameters re-issue every certificate.
    names            DNS names (or IP literals) of the healthy leaf; names[0]
                     is the host the lab serves and clients check (LabPki.host).
    wrong_names      names of the wrong_name leaf; must not contain names[0].
    expiring_days    the expiring leaf's notAfter is between expiring_days days
                     + 30 min and expiring_days days + 1 h from now, so
                     floor(days left) == expiring_days. 0..3650.
    expired_days_ago the expired leaf's notAfter is that many days ago (1..1000);
                     its notBefore a year before that.
    key_type         "ec" (P-256, default) or "rsa" (2048).
    Returns a LabPki. Raises PkiError on bad arguments; OSError on I/O errors.
    Safe to call concurrently from several processes (flock on the directory).
    """
    if not isinstance(directory, (str, os.PathLike)) or not str(directory):
        raise PkiError("directory must be a path")
    names = _check_names("names", names)
    wrong_names = _check_names("wrong_names", wrong_names)
    if names[0].lower() in (n.lower() for n in wrong_names):
        raise PkiError("wrong_names must not contain %r" % names[0])
    if key_type not in ("ec", "rsa"):
        raise PkiError("key_type must be 'ec' or 'rsa', not %r" % (key_type,))
    if not isinstance(expiring_days, int) or not 0 <= expiring_days <= 3650:
        raise PkiError("expiring_days must be an int in 0..3650")
    if not isinstance(expired_days_ago, int) or not 1 <= expired_days_ago \
            <= 1000:
        raise PkiError("expired_days_ago must be an int in 1..1000")
    directory = os.path.abspath(os.fspath(directory))
    os.makedirs(directory, mode=0o700, exist_ok=True)

    b = _Builder(directory, names, wrong_names, expiring_days,
                 expired_days_ago, key_type)
    with open(os.path.join(directory, _LOCK), "a+") as lockf:
        fcntl.flock(lockf, fcntl.LOCK_EX)
        try:
            old = None
            try:
                with open(b.p(_MANIFEST), "r", encoding="utf-8") as f:
                    old = json.load(f)
            except (OSError, ValueError):
                old = None
            if old is not None and old.get("params", {}).get("key_type") \
                    != key_type:
                old = None   # keys of the other type get replaced by key()
            new = b.build(old)
            if new != old:
                _atomic_write(b.p(_MANIFEST),
                              json.dumps(new, indent=1, sort_keys=True)
                              .encode())
            # make sure the key paths exist even when nothing was re-issued
            scen = {}
            for sc in SCENARIOS:
                m = new["certs"][sc]
                code, diag = _EXPECT[sc]
                scen[sc] = Scenario(
                    name=sc, certfile=b.p(sc + ".chain.pem"),
                    keyfile=(b.p("leaf.key") if key_type == "rsa"
                             else b.p(sc + ".key")),
                    leaf=b.p(sc + ".crt"), served=m["served"],
                    names=tuple(m["san"]), common_name=m["cn"],
                    not_before=_from_ts(m["not_before"]),
                    not_after=_from_ts(m["not_after"]),
                    verify_code=code, diagnosis=diag)
                if not os.path.exists(scen[sc].keyfile):
                    raise PkiError("key file %s vanished" % scen[sc].keyfile)
        finally:
            fcntl.flock(lockf, fcntl.LOCK_UN)
    return LabPki(directory=directory, ca_bundle=b.p("ca-bundle.pem"),
                  root_cert=b.p("root-ca.crt"),
                  intermediate_cert=b.p("intermediate-ca.crt"),
                  chain_bundle=b.p("chain-bundle.pem"),
                  untrusted_root_cert=b.p("untrusted-root-ca.crt"),
                  host=names[0], scenarios=scen)


def scenario_paths(directory, scenario, **kwargs):
    """Shortcut: (certfile, keyfile, ca_bundle) of `scenario` after
    ensure_pki(directory, **kwargs). Raises PkiError for an unknown scenario."""
    if scenario not in SCENARIOS:
        raise PkiError("unknown scenario %r (known: %s)"
                       % (scenario, ", ".join(SCENARIOS)))
    return ensure_pki(directory, **kwargs).paths(scenario)


if __name__ == "__main__":
    import sys
    import time
    if len(sys.argv) != 2:
        print("usage: pki.py DIRECTORY", file=sys.stderr)
        sys.exit(2)
    t0 = time.monotonic()
    lab = ensure_pki(sys.argv[1])
    print("built in %.3f s; CA bundle %s" % (time.monotonic() - t0,
                                            lab.ca_bundle))
    for s in lab.scenarios.values():
        print("%-14s %s %s (%s)" % (s.name, s.certfile, s.keyfile,
                                    s.diagnosis))
