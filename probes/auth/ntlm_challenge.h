/*
 * ntlm_challenge.h: decode an NTLM CHALLENGE_MESSAGE (Type 2, [MS-NLMP]
 * 2.2.1.2), as a server sends it in `WWW-Authenticate: NTLM <base64>`.
 *
 * The probe does not answer the challenge here; it reads what the server
 * tells about itself before any credential is checked: the NetBIOS computer
 * and domain names, the DNS computer, domain and forest names, the OS version
 * and the server time. impacket's rpch.py uses MsvAvNbComputerName as the RPC
 * server name when none is given, because the default RpcProxy ValidPorts
 * lists NetBIOS names.
 *
 * The decoder is pure: no allocation, never reads past len, checks every
 * offset/length pair against the buffer before use and every length against
 * an explicit cap. All names come out as NUL-terminated UTF-8 in fixed
 * buffers inside struct ntlm_challenge; nothing points into the input.
 */
#ifndef OAPROBE_AUTH_NTLM_CHALLENGE_H
#define OAPROBE_AUTH_NTLM_CHALLENGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NTLM_CHALLENGE_MAX 16384                    /* bytes of one CHALLENGE_MESSAGE accepted */
#define NTLM_NAME_MAX_UNITS 256                     /* UTF-16 code units (OEM bytes) per name */
#define NTLM_NAME_BUF (NTLM_NAME_MAX_UNITS * 3 + 1) /* worst-case UTF-8 + NUL */
#define NTLM_MAX_AV_PAIRS 32                        /* AV_PAIRs in TargetInfo, MsvAvEOL included */
#define NTLM_HEADER_LEN 48                          /* fixed part without Version */
#define NTLM_VERSION_LEN 8

/* NegotiateFlags, [MS-NLMP] 2.2.2.5. */
#define NTLM_NEGOTIATE_UNICODE 0x00000001u
#define NTLM_NEGOTIATE_OEM 0x00000002u
#define NTLM_REQUEST_TARGET 0x00000004u
#define NTLM_NEGOTIATE_SIGN 0x00000010u
#define NTLM_NEGOTIATE_SEAL 0x00000020u
#define NTLM_NEGOTIATE_DATAGRAM 0x00000040u
#define NTLM_NEGOTIATE_LM_KEY 0x00000080u
#define NTLM_NEGOTIATE_NTLM 0x00000200u
#define NTLM_ANONYMOUS 0x00000800u
#define NTLM_NEGOTIATE_OEM_DOMAIN_SUPPLIED 0x00001000u
#define NTLM_NEGOTIATE_OEM_WORKSTATION_SUPPLIED 0x00002000u
#define NTLM_NEGOTIATE_ALWAYS_SIGN 0x00008000u
#define NTLM_TARGET_TYPE_DOMAIN 0x00010000u
#define NTLM_TARGET_TYPE_SERVER 0x00020000u
#define NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u
#define NTLM_NEGOTIATE_IDENTIFY 0x00100000u
#define NTLM_REQUEST_NON_NT_SESSION_KEY 0x00400000u
#define NTLM_NEGOTIATE_TARGET_INFO 0x00800000u
#define NTLM_NEGOTIATE_VERSION 0x02000000u
#define NTLM_NEGOTIATE_128 0x20000000u
#define NTLM_NEGOTIATE_KEY_EXCH 0x40000000u
#define NTLM_NEGOTIATE_56 0x80000000u

/* AvId values, [MS-NLMP] 2.2.2.1. */
enum ntlm_av_id {
    NTLM_AV_EOL = 0,
    NTLM_AV_NB_COMPUTER_NAME = 1,
    NTLM_AV_NB_DOMAIN_NAME = 2,
    NTLM_AV_DNS_COMPUTER_NAME = 3,
    NTLM_AV_DNS_DOMAIN_NAME = 4,
    NTLM_AV_DNS_TREE_NAME = 5,
    NTLM_AV_FLAGS = 6,
    NTLM_AV_TIMESTAMP = 7,
    NTLM_AV_SINGLE_HOST = 8,
    NTLM_AV_TARGET_NAME = 9,
    NTLM_AV_CHANNEL_BINDINGS = 10,
};

/* VERSION, [MS-NLMP] 2.2.2.10. */
struct ntlm_version {
    uint8_t major;         /* ProductMajorVersion */
    uint8_t minor;         /* ProductMinorVersion */
    uint16_t build;        /* ProductBuild */
    uint8_t ntlm_revision; /* NTLMRevisionCurrent (15 = NTLMSSP_REVISION_W2K3) */
};

/* One AV_PAIR as found on the wire (for reports). */
struct ntlm_av {
    uint16_t id;
    uint16_t len;
    uint32_t offset; /* of the value, from the start of the message */
};

struct ntlm_challenge {
    uint32_t flags;              /* NegotiateFlags */
    uint8_t server_challenge[8]; /* ServerChallenge */
    bool has_version;            /* NTLM_NEGOTIATE_VERSION set */
    struct ntlm_version version;
    bool target_name_unicode; /* decoded as UTF-16LE (else OEM) */
    bool target_name_lossy;   /* OEM bytes outside 0x20-0x7e became '?' */
    char target_name[NTLM_NAME_BUF];
    bool has_target_info; /* TARGET_INFO set and TargetInfoLen > 0 */
    uint32_t av_seen;     /* bit (1u << id) for each AvId 0..10 present */
    size_t av_count;      /* entries in av[], MsvAvEOL included */
    struct ntlm_av av[NTLM_MAX_AV_PAIRS];
    size_t av_trailing;                 /* bytes of TargetInfo after MsvAvEOL (ignored) */
    char nb_computer[NTLM_NAME_BUF];    /* MsvAvNbComputerName */
    char nb_domain[NTLM_NAME_BUF];      /* MsvAvNbDomainName */
    char dns_computer[NTLM_NAME_BUF];   /* MsvAvDnsComputerName */
    char dns_domain[NTLM_NAME_BUF];     /* MsvAvDnsDomainName */
    char dns_tree[NTLM_NAME_BUF];       /* MsvAvDnsTreeName */
    char av_target_name[NTLM_NAME_BUF]; /* MsvAvTargetName */
    uint32_t av_flags;                  /* MsvAvFlags */
    uint64_t timestamp;                 /* MsvAvTimestamp, FILETIME */
    uint8_t channel_bindings[16];       /* MsvAvChannelBindings */
};

/*
 * Decode a CHALLENGE_MESSAGE from raw bytes.
 *   out  [out] filled on success; zeroed first (on failure its content is
 *              unspecified but every string in it is NUL-terminated)
 *   buf  [in]  the message, len bytes; not retained
 *   why  [out] static reason on failure (may be NULL)
 * Returns the extent of the message (>= 48: the end of the header, Version,
 * TargetName or TargetInfo, whichever is last; bytes after it are ignored),
 * or:
 *   WIRE_INCOMPLETE  the bytes end before the header, the Version or a field
 *                    the offsets point to (a truncated token: the message has
 *                    no length of its own, so a prefix is always INCOMPLETE)
 *   WIRE_INVALID     bad signature or MessageType, an offset into the header,
 *                    an AV_PAIR overrunning TargetInfo, a missing MsvAvEOL,
 *                    a duplicate AV_PAIR, a wrong fixed-size AV_PAIR length,
 *                    a name that is not UTF-16LE, or a NULL argument
 *   WIRE_TOOBIG      len or a field end beyond NTLM_CHALLENGE_MAX, a name
 *                    beyond NTLM_NAME_MAX_UNITS, more than NTLM_MAX_AV_PAIRS
 * The TargetName is UTF-16LE when NTLM_NEGOTIATE_UNICODE is set, else OEM
 * (kept as ASCII; other bytes become '?'). TargetInfo is read only when
 * NTLM_NEGOTIATE_TARGET_INFO is set ([MS-NLMP]: the fields are otherwise
 * ignored); its names are always UTF-16LE. Trailing U+0000 code units (NUL
 * bytes in OEM) of a name are dropped; an embedded U+0000 is invalid.
 * AV_PAIRs with unknown AvIds are listed in av[] and otherwise skipped;
 * bytes after MsvAvEOL are counted in av_trailing. MaxLen fields are
 * ignored, as [MS-NLMP] requires.
 */
ssize_t ntlm_challenge_decode(struct ntlm_challenge *out, const uint8_t *buf, size_t len,
                              const char **why);

/*
 * Decode a base64 CHALLENGE_MESSAGE (the token68 of `WWW-Authenticate: NTLM
 * <b64>`), strict RFC 4648 base64 with padding.
 * Returns len (the base64 characters consumed) on success, else as
 * ntlm_challenge_decode, with WIRE_INVALID for malformed base64 and
 * WIRE_TOOBIG for text decoding to more than NTLM_CHALLENGE_MAX bytes.
 */
ssize_t ntlm_challenge_decode_b64(struct ntlm_challenge *out, const char *b64, size_t len,
                                  const char **why);

/* True when the AV_PAIR id was present (false for NULL or id > 10). */
bool ntlm_challenge_has(const struct ntlm_challenge *c, enum ntlm_av_id id);

/* "MsvAvNbComputerName"... for ids 0..10, "unknown" otherwise. */
const char *ntlm_av_name(uint16_t id);

/* Short name of one NegotiateFlags bit ("UNICODE", "TARGET_INFO"...), or NULL
 * for a reserved bit or a value that is not a single bit. */
const char *ntlm_flag_name(uint32_t bit);

/*
 * Render flags as "UNICODE|NTLM|TARGET_INFO|..." (reserved bits as
 * "0x00000400"; "" for 0) into buf, always NUL-terminated when size > 0.
 * Returns the length the full text needs, like snprintf.
 */
size_t ntlm_flags_render(uint32_t flags, char *buf, size_t size);

/* Seconds since 1970-01-01 UTC of a FILETIME (negative before 1970). */
int64_t ntlm_filetime_to_unix(uint64_t filetime);

#endif /* OAPROBE_AUTH_NTLM_CHALLENGE_H */
