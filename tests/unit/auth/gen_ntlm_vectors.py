#!/usr/bin/python3
"""Regenerate the NTLM CHALLENGE_MESSAGE vectors embedded in test_ntlm_challenge.c.

Builds Type 2 messages with python3-impacket exactly the way impacket's own
smbserver.py does (impacket.ntlm.NTLMAuthChallenge + AV_PAIRS, flags derived
from an impacket Type 1), with fixed challenge, timestamp and version so the
output is deterministic. Prints C arrays; paste them into the test.

Usage: /usr/bin/python3 tests/unit/auth/gen_ntlm_vectors.py
"""
import struct
from impacket import ntlm

# 2024-03-01T12:00:00Z as a FILETIME (100 ns ticks since 1601-01-01).
UNIX_TS = 1709294400
FILETIME = 116444736000000000 + UNIX_TS * 10000000


def answer_flags(type1_flags):
    """smbserver.py's SMB2/SMB1 NEGOTIATE_MESSAGE -> CHALLENGE_MESSAGE flag logic."""
    ans = 0
    for f in (ntlm.NTLMSSP_NEGOTIATE_56, ntlm.NTLMSSP_NEGOTIATE_128,
              ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH,
              ntlm.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
              ntlm.NTLMSSP_NEGOTIATE_UNICODE, ntlm.NTLM_NEGOTIATE_OEM):
        if type1_flags & f:
            ans |= f
    ans |= (ntlm.NTLMSSP_NEGOTIATE_VERSION | ntlm.NTLMSSP_NEGOTIATE_TARGET_INFO |
            ntlm.NTLMSSP_TARGET_TYPE_SERVER | ntlm.NTLMSSP_NEGOTIATE_NTLM |
            ntlm.NTLMSSP_REQUEST_TARGET)
    return ans


def challenge(flags, target, pairs, version, chal):
    av = None
    if pairs is not None:
        av = ntlm.AV_PAIRS()
        for k, v in pairs:
            av[k] = v
    m = ntlm.NTLMAuthChallenge()
    m['flags'] = flags
    m['domain_len'] = len(target)
    m['domain_max_len'] = len(target)
    hdr = 48 + (8 if flags & ntlm.NTLMSSP_NEGOTIATE_VERSION else 0)
    m['domain_offset'] = hdr
    m['challenge'] = chal
    m['domain_name'] = target
    if av is not None:
        m['TargetInfoFields_len'] = len(av)
        m['TargetInfoFields_max_len'] = len(av)
        m['TargetInfoFields'] = av
        m['TargetInfoFields_offset'] = hdr + len(target)
    else:
        m['TargetInfoFields_len'] = 0
        m['TargetInfoFields_max_len'] = 0
        m['TargetInfoFields'] = b''
        m['TargetInfoFields_offset'] = hdr + len(target)
    if flags & ntlm.NTLMSSP_NEGOTIATE_VERSION:
        m['Version'] = version
        m['VersionLen'] = 8
    else:
        m['Version'] = b''
        m['VersionLen'] = 0
    data = m.getData()
    # Sanity: impacket parses its own output back.
    back = ntlm.NTLMAuthChallenge(data)
    assert back['challenge'] == chal
    return data


def u16(s):
    return s.encode('utf-16le')


def carray(name, data, comment):
    out = ['/* %s */' % comment, 'static const uint8_t %s[%d] = {' % (name, len(data))]
    for i in range(0, len(data), 12):
        out.append('    ' + ', '.join('0x%02x' % b for b in data[i:i + 12]) + ',')
    out.append('};')
    return '\n'.join(out)


def main():
    t1 = ntlm.getNTLMSSPType1('', '', signingRequired=True, use_ntlmv2=True)
    flags = answer_flags(t1['flags'])
    ts = struct.pack('<q', FILETIME)

    # Exchange 2016 on Windows Server 2016 (10.0.14393, NTLM revision 15).
    v_exch = challenge(flags, u16('CONTOSO'), [
        (ntlm.NTLMSSP_AV_DOMAINNAME, u16('CONTOSO')),
        (ntlm.NTLMSSP_AV_HOSTNAME, u16('EXCH01')),
        (ntlm.NTLMSSP_AV_DNS_DOMAINNAME, u16('contoso.local')),
        (ntlm.NTLMSSP_AV_DNS_HOSTNAME, u16('exch01.contoso.local')),
        (ntlm.NTLMSSP_AV_DNS_TREENAME, u16('contoso.local')),
        (ntlm.NTLMSSP_AV_TIME, ts),
    ], bytes([10, 0]) + struct.pack('<H', 14393) + b'\0\0\0\x0f',
        bytes.fromhex('1122334455667788'))

    # impacket's smbserver verbatim: DNS names equal the NetBIOS ones and the
    # Version is eight 0xff bytes.
    v_imp = challenge(flags, u16('CONTOSO'), [
        (ntlm.NTLMSSP_AV_HOSTNAME, u16('EXCH02')),
        (ntlm.NTLMSSP_AV_DNS_HOSTNAME, u16('EXCH02')),
        (ntlm.NTLMSSP_AV_DOMAINNAME, u16('CONTOSO')),
        (ntlm.NTLMSSP_AV_DNS_DOMAINNAME, u16('CONTOSO')),
        (ntlm.NTLMSSP_AV_TIME, ts),
    ], b'\xff' * 8, bytes.fromhex('a1a2a3a4a5a6a7a8'))

    # Old-style OEM answer: no UNICODE, no VERSION, no TARGET_INFO; the
    # payload starts right after the 48-byte header.
    oem_flags = (ntlm.NTLM_NEGOTIATE_OEM | ntlm.NTLMSSP_REQUEST_TARGET |
                 ntlm.NTLMSSP_NEGOTIATE_NTLM | ntlm.NTLMSSP_TARGET_TYPE_DOMAIN)
    v_oem = challenge(oem_flags, b'CONTOSO', None, b'',
                      bytes.fromhex('0102030405060708'))

    # Non-ASCII names (Windows Server 2012 R2, 6.3.9600): umlauts (2-byte
    # UTF-8), a Euro sign (3 bytes) and U+10437 as a surrogate pair (4 bytes).
    v_intl = challenge(flags, u16('K\u00d6LN'), [
        (ntlm.NTLMSSP_AV_DOMAINNAME, u16('K\u00d6LN')),
        (ntlm.NTLMSSP_AV_HOSTNAME, u16('M\u00dcNCHEN-EX')),
        (ntlm.NTLMSSP_AV_DNS_DOMAINNAME, u16('k\u00f6ln.example')),
        (ntlm.NTLMSSP_AV_DNS_HOSTNAME, u16('ex\u20ac\U00010437.k\u00f6ln.example')),
        (ntlm.NTLMSSP_AV_TIME, ts),
    ], bytes([6, 3]) + struct.pack('<H', 9600) + b'\0\0\0\x0f',
        bytes.fromhex('0011223344556677'))

    print(carray('v_exch01', v_exch, 'impacket smbserver-style, EXCH01 / CONTOSO / exch01.contoso.local, 10.0.14393'))
    print(carray('v_impacket', v_imp, 'impacket smbserver verbatim (Version ff*8), EXCH02 / CONTOSO'))
    print(carray('v_oem', v_oem, 'OEM target name, 48-byte header, no VERSION, no TARGET_INFO'))
    print(carray('v_intl', v_intl, 'non-ASCII names, surrogate pair, 6.3.9600'))
    import base64
    print('/* base64 of v_exch01 */')
    print('"%s"' % base64.b64encode(v_exch).decode())
    print('/* flags 0x%08x, oem flags 0x%08x */' % (flags, oem_flags))


if __name__ == '__main__':
    main()
