"""Server side of NTLM (MS-NLMP) for the lab's IIS, built on impacket.ntlm.

One NtlmAcceptor per TCP connection (NTLM is connection-bound on IIS):

    acc = NtlmAcceptor(identity, users)
    challenge = acc.challenge(type1_bytes)        # -> CHALLENGE_MESSAGE bytes
    ok, who, why = acc.authenticate(type3_bytes)  # verifies against the user table

Verification recomputes the responses from the password in the user table with
impacket's primitives: NTLMv2 (NTProofStr = HMAC_MD5(NTOWFv2, ServerChallenge ||
blob)), NTLMv1 with extended session security ("NTLM2 session response") and plain
NTLMv1. Anonymous AUTHENTICATE messages are refused.
"""

import calendar
import hashlib
import hmac
import os
import struct
import time

from impacket import ntlm

NEGOTIATE = 1
CHALLENGE = 2
AUTHENTICATE = 3

_TARGET_TYPE_DOMAIN = 0x00010000
_REQUEST_TARGET = 0x00000004


class NtlmError(ValueError):
    pass


def message_type(data):
    """NTLM message type (1, 2, 3) of data, or 0 if it is not NTLMSSP."""
    if len(data) < 12 or data[:8] != b"NTLMSSP\0":
        return 0
    return struct.unpack_from("<L", data, 8)[0]


class Identity:
    """Names the proxy announces in its CHALLENGE (AV pairs)."""

    def __init__(self, netbios_computer, netbios_domain, dns_computer, dns_domain,
                 os_version=(6, 1, 7601)):
        self.netbios_computer = netbios_computer
        self.netbios_domain = netbios_domain
        self.dns_computer = dns_computer
        self.dns_domain = dns_domain
        self.os_version = os_version


class UserTable:
    """Accounts: (user, password) with the domains they may be qualified by."""

    def __init__(self, users, domains, disabled=()):
        """users: (user, password) pairs; disabled: names whose logon fails."""
        self._users = {u.lower(): p for u, p in users}
        self._disabled = {u.lower() for u in disabled}
        self._domains = {d.lower() for d in domains if d}

    def password(self, user, domain):
        """Password of DOMAIN\\user (domain '' = unqualified), or None if the
        account is unknown, disabled, or qualified by a foreign domain."""
        if domain and domain.lower() not in self._domains:
            return None
        if user.lower() in self._disabled:
            return None
        return self._users.get(user.lower())


class NtlmAcceptor:
    def __init__(self, identity, users, accept_v1=True):
        self.identity = identity
        self.users = users
        self.accept_v1 = accept_v1
        self.server_challenge = None
        self.flags = 0
        self.version_used = None

    def challenge(self, type1):
        if message_type(type1) != NEGOTIATE:
            raise NtlmError("not an NTLM NEGOTIATE message")
        neg = ntlm.NTLMAuthNegotiate()
        neg.fromString(type1)
        cflags = neg["flags"]
        flags = (ntlm.NTLMSSP_NEGOTIATE_UNICODE | ntlm.NTLMSSP_NEGOTIATE_NTLM |
                 ntlm.NTLMSSP_NEGOTIATE_TARGET_INFO | _TARGET_TYPE_DOMAIN |
                 _REQUEST_TARGET | ntlm.NTLMSSP_NEGOTIATE_VERSION |
                 ntlm.NTLMSSP_NEGOTIATE_ALWAYS_SIGN)
        for f in (ntlm.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
                  ntlm.NTLMSSP_NEGOTIATE_128, ntlm.NTLMSSP_NEGOTIATE_56,
                  ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH, ntlm.NTLMSSP_NEGOTIATE_SIGN,
                  ntlm.NTLMSSP_NEGOTIATE_SEAL):
            flags |= cflags & f
        if not cflags & ntlm.NTLMSSP_NEGOTIATE_UNICODE:
            flags &= ~ntlm.NTLMSSP_NEGOTIATE_UNICODE
            flags |= 0x00000002  # NTLM_NEGOTIATE_OEM
        self.flags = flags
        self.server_challenge = os.urandom(8)

        ident = self.identity
        av = ntlm.AV_PAIRS()
        av[ntlm.NTLMSSP_AV_DOMAINNAME] = ident.netbios_domain.encode("utf-16le")
        av[ntlm.NTLMSSP_AV_HOSTNAME] = ident.netbios_computer.encode("utf-16le")
        av[ntlm.NTLMSSP_AV_DNS_DOMAINNAME] = ident.dns_domain.encode("utf-16le")
        av[ntlm.NTLMSSP_AV_DNS_HOSTNAME] = ident.dns_computer.encode("utf-16le")
        av[ntlm.NTLMSSP_AV_DNS_TREENAME] = ident.dns_domain.encode("utf-16le")
        filetime = 116444736000000000 + calendar.timegm(time.gmtime()) * 10000000
        av[ntlm.NTLMSSP_AV_TIME] = struct.pack("<q", filetime)

        ch = ntlm.NTLMAuthChallenge()
        ch["flags"] = flags
        ch["challenge"] = self.server_challenge
        if flags & ntlm.NTLMSSP_NEGOTIATE_UNICODE:
            ch["domain_name"] = ident.netbios_domain.encode("utf-16le")
        else:
            ch["domain_name"] = ident.netbios_domain.encode("ascii")
        major, minor, build = ident.os_version
        ch["Version"] = struct.pack("<BBH3xB", major, minor, build, 15)
        ch["VersionLen"] = 8
        ch["TargetInfoFields"] = av.getData()
        ch["TargetInfoFields_len"] = len(ch["TargetInfoFields"])
        ch["TargetInfoFields_max_len"] = len(ch["TargetInfoFields"])
        ch["domain_offset"] = 56
        ch["TargetInfoFields_offset"] = 56 + len(ch["domain_name"])
        return ch.getData()

    def _decode(self, raw, flags):
        if flags & ntlm.NTLMSSP_NEGOTIATE_UNICODE:
            return raw.decode("utf-16le", errors="replace")
        return raw.decode("latin-1")

    def authenticate(self, type3):
        """-> (ok, 'DOMAIN\\user', reason)."""
        if self.server_challenge is None:
            return False, None, "AUTHENTICATE without a CHALLENGE on this connection"
        if message_type(type3) != AUTHENTICATE:
            return False, None, "not an NTLM AUTHENTICATE message"
        try:
            msg = ntlm.NTLMAuthChallengeResponse()
            msg.fromString(type3)
        except Exception as e:  # impacket raises assorted errors on short input
            return False, None, "malformed AUTHENTICATE: %s" % e
        flags = msg["flags"]
        user = self._decode(msg["user_name"], flags)
        domain = self._decode(msg["domain_name"], flags)
        nt = bytes(msg["ntlm"])
        lm = bytes(msg["lanman"])
        who = "%s\\%s" % (domain, user) if domain else user
        chal = self.server_challenge
        self.server_challenge = None  # one AUTHENTICATE per CHALLENGE
        if not user and len(nt) == 0:
            return False, who, "anonymous NTLM refused"
        password = self.users.password(user, domain)
        if password is None:
            return False, who, "unknown user or domain"
        nthash = ntlm.compute_nthash(password)
        if len(nt) > 24:
            key = ntlm.NTOWFv2(user, password, domain)
            proof = ntlm.hmac_md5(key, chal + nt[16:])
            self.version_used = "NTLMv2"
            if hmac.compare_digest(proof, nt[:16]):
                return True, who, "NTLMv2"
            return False, who, "NTLMv2 response does not match"
        if len(nt) == 24:
            if not self.accept_v1:
                return False, who, "NTLMv1 refused (LmCompatibilityLevel 5)"
            if flags & ntlm.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY and len(lm) >= 8:
                sess = hashlib.md5(chal + lm[:8]).digest()[:8]
                want = ntlm.ntlmssp_DES_encrypt(nthash, sess)
                self.version_used = "NTLM2 session"
            else:
                want = ntlm.ntlmssp_DES_encrypt(nthash, chal)
                self.version_used = "NTLMv1"
            if hmac.compare_digest(want, nt):
                return True, who, self.version_used
            return False, who, "%s response does not match" % self.version_used
        return False, who, "NT response of %d bytes" % len(nt)
