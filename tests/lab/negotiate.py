"""Server side of HTTP Negotiate (RFC 4559) for the oaprobe lab front end.

One NegotiateAcceptor per HTTP connection (a Negotiate exchange is bound to its
connection, like IIS does):

    acc = NegotiateAcceptor(kdc.keytab)              # any principal in keytab
    token = parse_authorization(headers["Authorization"])  # "Negotiate <b64>"
    done, out, who = acc.step(token)
    if done:   # 200, who == "alice@CONTOSO.LAB"; send out (mutual auth) if any
        reply.headers["WWW-Authenticate"] = www_authenticate(out)
    else:      # 401 with the continuation token
        ...

Both SPNEGO-wrapped (curl --negotiate, browsers) and raw Kerberos tokens are
accepted. Uses python3-gssapi (Debian) over MIT krb5 with the credential store
extension, so the keytab and the replay cache are given explicitly and no
process-wide KRB5_KTNAME is needed. Bad input raises NegotiateError, whose
`kind` says what was wrong: "empty", "ntlm", "header", "config", "state" or
"gss" (GSS-API rejected the token; `gss_error` holds the original exception).
"""

import base64
import binascii
import os
import threading

import gssapi
import gssapi.exceptions

__all__ = ["NegotiateAcceptor", "NegotiateError", "parse_authorization",
           "www_authenticate", "SPNEGO_OID", "KRB5_OID"]

SPNEGO_OID = "1.3.6.1.5.5.2"
KRB5_OID = "1.2.840.113554.1.2.2"
_NTLM_OID_DER = b"\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"
_KRB5_OID_DER = b"\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"
_KRB5_OLD_OID_DER = b"\x06\x09\x2a\x86\x48\x82\xf7\x12\x01\x02\x02"  # MS
_SPNEGO_OID_DER = b"\x06\x06\x2b\x06\x01\x05\x05\x02"
_MAX_TOKEN = 64 * 1024      # IIS's default MaxFieldLength is 64 KiB too


class NegotiateError(Exception):
    """A Negotiate token or header could not be accepted.

    kind:      "empty", "ntlm", "header", "config", "state" or "gss".
    gss_error: the gssapi.exceptions.GSSError behind a "gss"/"config" error.
    """

    def __init__(self, message, kind="gss", gss_error=None):
        super().__init__(message)
        self.kind = kind
        self.gss_error = gss_error


def _gss_text(e):
    try:
        return e.gen_message()
    except Exception:  # pragma: no cover - very old python-gssapi
        return str(e)


def _is_spnego(token):
    """True if an initial token is SPNEGO ([APPLICATION 0] + SPNEGO OID)."""
    if len(token) < 2 or token[0] != 0x60:
        return False
    n = token[1]
    off = 2 if n < 0x80 else 2 + (n & 0x7F)
    return token[off:off + len(_SPNEGO_OID_DER)] == _SPNEGO_OID_DER


def parse_authorization(value):
    """Token bytes from an Authorization (or Proxy-Authorization) header value
    "Negotiate <base64>". Raises NegotiateError(kind="header"|"empty"|"ntlm")."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        raise NegotiateError("Authorization header must be a string", "header")
    parts = value.strip().split(None, 1)
    if not parts or parts[0].lower() != "negotiate":
        scheme = parts[0] if parts else ""
        raise NegotiateError("Authorization scheme is %r, not Negotiate"
                             % scheme, "ntlm" if scheme.lower() == "ntlm"
                             else "header")
    if len(parts) == 1 or not parts[1].strip():
        raise NegotiateError("Negotiate header carries no token", "empty")
    b64 = parts[1].strip()
    if len(b64) > _MAX_TOKEN * 4 // 3 + 4:
        raise NegotiateError("Negotiate token longer than %d bytes"
                             % _MAX_TOKEN, "header")
    try:
        return base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise NegotiateError("Negotiate token is not valid base64", "header")


def www_authenticate(out_token):
    """The WWW-Authenticate header value for an output token (or None)."""
    if not out_token:
        return "Negotiate"
    return "Negotiate " + base64.b64encode(out_token).decode("ascii")


class NegotiateAcceptor:
    """GSS-API acceptor for one HTTP connection.

    keytab     path of the keytab holding HTTP/<host> keys (required).
    principal  None: accept for any key in the keytab (like IIS with several
               host names). "HTTP/mail.contoso.lab[@REALM]" (contains "/"):
               that Kerberos principal. "HTTP@mail.contoso.lab": host-based
               service name.
    rcache     replay cache: None = "file2:<keytab dir>/negotiate.rcache2"
               (replays are rejected, even across connections), or any MIT
               rcache name, e.g. "none:" to switch replay detection off.
    Raises NegotiateError(kind="config") when the keytab cannot be used.
    """

    def __init__(self, keytab, principal=None, rcache=None):
        if not isinstance(keytab, (str, os.PathLike)) or not os.fspath(keytab):
            raise NegotiateError("keytab must be a path", "config")
        path = os.path.abspath(os.fspath(keytab).replace("FILE:", "", 1))
        if not os.path.isfile(path):
            raise NegotiateError("keytab %s does not exist" % path, "config")
        if rcache is None:
            rcache = "file2:" + os.path.join(os.path.dirname(path),
                                             "negotiate.rcache2")
        store = {"keytab": "FILE:" + path, "rcache": rcache}
        name = None
        if principal:
            ntype = (gssapi.NameType.kerberos_principal if "/" in principal
                     else gssapi.NameType.hostbased_service)
            name = gssapi.Name(principal, ntype)
        try:
            self._creds = gssapi.Credentials(name=name, usage="accept",
                                             store=store)
        except gssapi.exceptions.GSSError as e:
            raise NegotiateError("cannot use keytab %s for %s: %s"
                                 % (path, principal or "any principal",
                                    _gss_text(e)), "config", e)
        self.keytab = path
        self.principal = principal
        self._ctx = gssapi.SecurityContext(creds=self._creds, usage="accept")
        self._lock = threading.Lock()
        self._failed = None
        self.client_principal = None
        self.steps = 0
        self.spnego = None    # True/False after the first token

    @property
    def complete(self):
        """True once the security context is established."""
        return self.client_principal is not None

    @property
    def mech(self):
        """The negotiated mechanism: "krb5" (also under SPNEGO) or a dotted
        OID; None before the first token. See also `spnego`."""
        try:
            m = self._ctx.mech
        except (gssapi.exceptions.GSSError, AttributeError):
            return None
        if m is None:
            return None
        s = m.dotted_form
        return {SPNEGO_OID: "spnego", KRB5_OID: "krb5"}.get(s, s)

    @property
    def context(self):
        """The underlying gssapi.SecurityContext (for wrap/unwrap, flags)."""
        return self._ctx

    def step(self, token):
        """Feed one client token (raw bytes, already base64-decoded).

        Returns (done, out_token, client_principal):
          done              True when authenticated.
          out_token         bytes to send back in WWW-Authenticate (the mutual
                            auth reply when done), or None.
          client_principal  "alice@CONTOSO.LAB" when done, else None.
        Raises NegotiateError for empty, NTLM, malformed, forged, replayed or
        expired tokens, and for steps after completion or after a failure.
        """
        if not isinstance(token, (bytes, bytearray, memoryview)):
            raise NegotiateError("token must be bytes, not %s"
                                 % type(token).__name__, "header")
        token = bytes(token)
        with self._lock:
            if self.complete:
                raise NegotiateError("the context is already established; "
                                     "a new exchange needs a new connection",
                                     "state")
            if self._failed is not None:
                raise NegotiateError("a previous token failed on this "
                                     "connection (%s)" % self._failed, "state")
            if not token:
                raise NegotiateError("empty Negotiate token", "empty")
            if len(token) > _MAX_TOKEN:
                raise NegotiateError("Negotiate token of %d bytes exceeds %d"
                                     % (len(token), _MAX_TOKEN), "header")
            if token.startswith(b"NTLMSSP\x00"):
                self._failed = "NTLM"
                raise NegotiateError(
                    "the client sent a raw NTLMSSP message inside Negotiate "
                    "(it fell back to NTLM); the lab accepts only Kerberos",
                    "ntlm")
            self.steps += 1
            if self.steps == 1:
                self.spnego = _is_spnego(token)
            try:
                out = self._ctx.step(token)
                # python-gssapi keeps errors that come with an error token
                # (SPNEGO rejects) and raises them on the next access
                done = self._ctx.complete
            except gssapi.exceptions.GSSError as e:
                msg = _gss_text(e)
                self._failed = msg
                kind = "gss"
                head = token[:128]
                if _NTLM_OID_DER in head and _KRB5_OID_DER not in head and \
                        _KRB5_OLD_OID_DER not in head:
                    kind = "ntlm"
                    msg = "SPNEGO offers only NTLM; " + msg
                raise NegotiateError("Negotiate token rejected: %s" % msg,
                                     kind, e)
            if done:
                self.client_principal = str(self._ctx.initiator_name)
                return True, out or None, self.client_principal
            return False, out or None, None
