/*
 * ntlm_challenge.c: NTLM CHALLENGE_MESSAGE decoder ([MS-NLMP] 2.2.1.2).
 *
 *   off  size  field
 *    0    8    Signature "NTLMSSP\0"
 *    8    4    MessageType = 2
 *   12    8    TargetNameFields:  Len u16 | MaxLen u16 | BufferOffset u32
 *   20    4    NegotiateFlags
 *   24    8    ServerChallenge
 *   32    8    Reserved
 *   40    8    TargetInfoFields:  Len u16 | MaxLen u16 | BufferOffset u32
 *   48    8    Version (only when NTLM_NEGOTIATE_VERSION is set)
 *   48/56 ...  Payload: TargetName and TargetInfo, where the offsets point
 *
 *   +-----------+------+---------+-------+-----------+---------+---------+---------+--------
 *   | NTLMSSP\0 | type | TgtName | flags | challenge | reservd | TgtInfo | Version | payload
 *   +-----------+------+---------+-------+-----------+---------+---------+---------+--------
 *   0           8      12        20      24          32        40        48        56
 *
 *   Version (2.2.2.10):   Major u8 | Minor u8 | Build u16 | Reserved[3] | NTLMRevisionCurrent u8
 *   TargetInfo (2.2.2.1): AV_PAIR* ending with MsvAvEOL (AvId 0, AvLen 0)
 *                         AV_PAIR = AvId u16 | AvLen u16 | Value[AvLen]
 *
 * All integers are little-endian. Offsets are from the start of the message.
 */
#include "probes/auth/ntlm_challenge.h"

#include <stdio.h>
#include <string.h>

#include "probes/auth/authcodec.h"
#include "probes/common/wire.h"

static const uint8_t ntlm_signature[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', '\0'};

/* Reasons for one name-valued field, built from its name. */
struct name_why {
    const char *odd;
    const char *bad;
    const char *toolong;
};

#define NAME_WHY(n)                                                                                \
    {                                                                                              \
        n " has an odd length for UTF-16LE",                                                       \
            n " holds an unpaired UTF-16 surrogate or an embedded U+0000",                         \
            n " is longer than 256 UTF-16 code units"                                              \
    }

static const struct av_desc {
    const char *name;
    const char *dup;
    struct name_why nw; /* name-valued pairs only */
    uint16_t size;      /* required AvLen of fixed-size pairs, 0 if none */
    const char *size_why;
} av_desc[] = {
    [NTLM_AV_EOL] = {"MsvAvEOL", NULL, {NULL, NULL, NULL}, 0, NULL},
    [NTLM_AV_NB_COMPUTER_NAME] = {"MsvAvNbComputerName", "duplicate MsvAvNbComputerName",
                                  NAME_WHY("MsvAvNbComputerName"), 0, NULL},
    [NTLM_AV_NB_DOMAIN_NAME] = {"MsvAvNbDomainName", "duplicate MsvAvNbDomainName",
                                NAME_WHY("MsvAvNbDomainName"), 0, NULL},
    [NTLM_AV_DNS_COMPUTER_NAME] = {"MsvAvDnsComputerName", "duplicate MsvAvDnsComputerName",
                                   NAME_WHY("MsvAvDnsComputerName"), 0, NULL},
    [NTLM_AV_DNS_DOMAIN_NAME] = {"MsvAvDnsDomainName", "duplicate MsvAvDnsDomainName",
                                 NAME_WHY("MsvAvDnsDomainName"), 0, NULL},
    [NTLM_AV_DNS_TREE_NAME] = {"MsvAvDnsTreeName", "duplicate MsvAvDnsTreeName",
                               NAME_WHY("MsvAvDnsTreeName"), 0, NULL},
    [NTLM_AV_FLAGS] =
        {"MsvAvFlags", "duplicate MsvAvFlags", {NULL, NULL, NULL}, 4, "MsvAvFlags AvLen is not 4"},
    [NTLM_AV_TIMESTAMP] = {"MsvAvTimestamp",
                           "duplicate MsvAvTimestamp",
                           {NULL, NULL, NULL},
                           8,
                           "MsvAvTimestamp AvLen is not 8"},
    [NTLM_AV_SINGLE_HOST] = {"MsvAvSingleHost",
                             "duplicate MsvAvSingleHost",
                             {NULL, NULL, NULL},
                             48,
                             "MsvAvSingleHost AvLen is not 48"},
    [NTLM_AV_TARGET_NAME] = {"MsvAvTargetName", "duplicate MsvAvTargetName",
                             NAME_WHY("MsvAvTargetName"), 0, NULL},
    [NTLM_AV_CHANNEL_BINDINGS] = {"MsvAvChannelBindings",
                                  "duplicate MsvAvChannelBindings",
                                  {NULL, NULL, NULL},
                                  16,
                                  "MsvAvChannelBindings AvLen is not 16"},
};

#define AV_KNOWN (sizeof(av_desc) / sizeof(av_desc[0]))

static const struct name_why target_name_why = NAME_WHY("TargetName");

/*
 * UTF-16LE name -> out (NTLM_NAME_BUF bytes). Trailing U+0000 units are
 * dropped. Returns 0 or a WIRE_* code with *why set from nw.
 */
static int take_utf16_name(char *out, const uint8_t *p, size_t n, const struct name_why *nw,
                           const char **why)
{
    if (n % 2 != 0) {
        wire_set_why(why, nw->odd);
        return WIRE_INVALID;
    }
    while (n >= 2 && p[n - 2] == 0 && p[n - 1] == 0)
        n -= 2;
    if (n / 2 > NTLM_NAME_MAX_UNITS) {
        wire_set_why(why, nw->toolong);
        return WIRE_TOOBIG;
    }
    if (authcodec_utf16le_to_utf8(p, n, out, NTLM_NAME_BUF, NULL) < 0) {
        wire_set_why(why, nw->bad);
        return WIRE_INVALID;
    }
    return 0;
}

/* OEM TargetName -> printable ASCII; other bytes become '?'. */
static int take_oem_name(struct ntlm_challenge *c, const uint8_t *p, size_t n, const char **why)
{
    size_t i;

    while (n > 0 && p[n - 1] == 0)
        n--;
    if (n > NTLM_NAME_MAX_UNITS) {
        wire_set_why(why, "TargetName (OEM) is longer than 256 bytes");
        return WIRE_TOOBIG;
    }
    for (i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] <= 0x7e) {
            c->target_name[i] = (char)p[i];
        } else {
            c->target_name[i] = '?';
            c->target_name_lossy = true;
        }
    }
    c->target_name[n] = '\0';
    return 0;
}

/* Where a name-valued AV_PAIR is stored, or NULL for other ids. */
static char *av_name_slot(struct ntlm_challenge *c, uint16_t id)
{
    switch (id) {
    case NTLM_AV_NB_COMPUTER_NAME:
        return c->nb_computer;
    case NTLM_AV_NB_DOMAIN_NAME:
        return c->nb_domain;
    case NTLM_AV_DNS_COMPUTER_NAME:
        return c->dns_computer;
    case NTLM_AV_DNS_DOMAIN_NAME:
        return c->dns_domain;
    case NTLM_AV_DNS_TREE_NAME:
        return c->dns_tree;
    case NTLM_AV_TARGET_NAME:
        return c->av_target_name;
    default:
        return NULL;
    }
}

/* One known AV_PAIR value at v (n bytes, already bounds-checked). */
static int take_av_value(struct ntlm_challenge *c, uint16_t id, const uint8_t *v, uint16_t n,
                         const char **why)
{
    const struct av_desc *d = &av_desc[id];
    char *slot = av_name_slot(c, id);

    if (slot)
        return take_utf16_name(slot, v, n, &d->nw, why);
    if (d->size != 0 && n != d->size) {
        wire_set_why(why, d->size_why);
        return WIRE_INVALID;
    }
    switch (id) {
    case NTLM_AV_FLAGS:
        c->av_flags = wire_get_u32le(v);
        break;
    case NTLM_AV_TIMESTAMP:
        c->timestamp = (uint64_t)wire_get_u32le(v) | (uint64_t)wire_get_u32le(v + 4) << 32;
        break;
    case NTLM_AV_CHANNEL_BINDINGS:
        memcpy(c->channel_bindings, v, sizeof(c->channel_bindings));
        break;
    default: /* MsvAvSingleHost: only its size is checked */
        break;
    }
    return 0;
}

/* Walk the AV_PAIR list of TargetInfo (ti_off/ti_len already checked). */
static int take_target_info(struct ntlm_challenge *c, const uint8_t *buf, uint32_t ti_off,
                            uint32_t ti_len, const char **why)
{
    const uint8_t *ti = buf + ti_off;
    uint32_t p = 0;

    while (p < ti_len) {
        uint16_t id, n;
        int rc;

        if (ti_len - p < 4) {
            wire_set_why(why, "AV_PAIR header runs past the end of TargetInfo");
            return WIRE_INVALID;
        }
        id = wire_get_u16le(ti + p);
        n = wire_get_u16le(ti + p + 2);
        if (n > ti_len - p - 4) {
            wire_set_why(why, "AV_PAIR value runs past the end of TargetInfo");
            return WIRE_INVALID;
        }
        if (c->av_count >= NTLM_MAX_AV_PAIRS) {
            wire_set_why(why, "TargetInfo holds more than 32 AV_PAIRs");
            return WIRE_TOOBIG;
        }
        c->av[c->av_count].id = id;
        c->av[c->av_count].len = n;
        c->av[c->av_count].offset = ti_off + p + 4;
        c->av_count++;
        if (id == NTLM_AV_EOL) {
            if (n != 0) {
                wire_set_why(why, "MsvAvEOL has a non-zero AvLen");
                return WIRE_INVALID;
            }
            c->av_seen |= 1u;
            c->av_trailing = ti_len - p - 4;
            return 0;
        }
        if (id < AV_KNOWN) {
            if (c->av_seen & (1u << id)) {
                wire_set_why(why, av_desc[id].dup);
                return WIRE_INVALID;
            }
            c->av_seen |= 1u << id;
            rc = take_av_value(c, id, ti + p + 4, n, why);
            if (rc != 0)
                return rc;
        }
        p += 4u + n;
    }
    wire_set_why(why, "TargetInfo has no MsvAvEOL");
    return WIRE_INVALID;
}

/*
 * Check a Len/MaxLen/Offset field at hdr[at] against the message: returns 0
 * and the offset/length, or a WIRE_* code. Empty fields are not checked.
 */
struct field_why {
    const char *into_header;
    const char *past_cap;
    const char *past_end;
};

static int take_field(const uint8_t *buf, size_t len, size_t at, size_t hdr_end, uint32_t *off,
                      uint32_t *flen, size_t *extent, const struct field_why *fw, const char **why)
{
    uint64_t end;

    *flen = wire_get_u16le(buf + at);
    *off = wire_get_u32le(buf + at + 4);
    if (*flen == 0) {
        *off = 0; /* an empty field's offset is meaningless; never use it */
        return 0;
    }
    if (*off < hdr_end) {
        wire_set_why(why, fw->into_header);
        return WIRE_INVALID;
    }
    end = (uint64_t)*off + *flen;
    if (end > NTLM_CHALLENGE_MAX) {
        wire_set_why(why, fw->past_cap);
        return WIRE_TOOBIG;
    }
    if (end > len) {
        wire_set_why(why, fw->past_end);
        return WIRE_INCOMPLETE;
    }
    if (end > *extent)
        *extent = (size_t)end;
    return 0;
}

static const struct field_why target_name_field_why = {
    "TargetNameBufferOffset points into the CHALLENGE_MESSAGE header",
    "TargetName ends beyond the 16384-byte CHALLENGE_MESSAGE limit",
    "TargetName runs past the end of the message",
};

static const struct field_why target_info_field_why = {
    "TargetInfoBufferOffset points into the CHALLENGE_MESSAGE header",
    "TargetInfo ends beyond the 16384-byte CHALLENGE_MESSAGE limit",
    "TargetInfo runs past the end of the message",
};

ssize_t ntlm_challenge_decode(struct ntlm_challenge *out, const uint8_t *buf, size_t len,
                              const char **why)
{
    uint32_t type, tn_off, tn_len, ti_off, ti_len;
    size_t hdr_end = NTLM_HEADER_LEN, extent;
    int rc;

    if (!out || !buf) {
        wire_set_why(why, "NTLM CHALLENGE_MESSAGE: NULL argument");
        return WIRE_INVALID;
    }
    memset(out, 0, sizeof(*out));
    if (len > NTLM_CHALLENGE_MAX) {
        wire_set_why(why, "CHALLENGE_MESSAGE longer than 16384 bytes");
        return WIRE_TOOBIG;
    }
    if (memcmp(buf, ntlm_signature, len < 8 ? len : 8) != 0) {
        wire_set_why(why, "Signature is not \"NTLMSSP\\0\"");
        return WIRE_INVALID;
    }
    if (len < 12) {
        wire_set_why(why, "message ends before MessageType");
        return WIRE_INCOMPLETE;
    }
    type = wire_get_u32le(buf + 8);
    if (type != 2) {
        wire_set_why(why, "MessageType is not 2 (CHALLENGE_MESSAGE)");
        return WIRE_INVALID;
    }
    if (len < NTLM_HEADER_LEN) {
        wire_set_why(why, "message is shorter than the 48-byte CHALLENGE_MESSAGE header");
        return WIRE_INCOMPLETE;
    }
    out->flags = wire_get_u32le(buf + 20);
    memcpy(out->server_challenge, buf + 24, 8);
    if (out->flags & NTLM_NEGOTIATE_VERSION) {
        hdr_end += NTLM_VERSION_LEN;
        if (len < hdr_end) {
            wire_set_why(why, "message ends inside the Version field");
            return WIRE_INCOMPLETE;
        }
        out->has_version = true;
        out->version.major = buf[48];
        out->version.minor = buf[49];
        out->version.build = wire_get_u16le(buf + 50);
        out->version.ntlm_revision = buf[55];
    }
    extent = hdr_end;
    rc = take_field(buf, len, 12, hdr_end, &tn_off, &tn_len, &extent, &target_name_field_why, why);
    if (rc != 0)
        return rc;
    ti_len = 0;
    ti_off = 0;
    if (out->flags & NTLM_NEGOTIATE_TARGET_INFO) {
        rc = take_field(buf, len, 40, hdr_end, &ti_off, &ti_len, &extent, &target_info_field_why,
                        why);
        if (rc != 0)
            return rc;
    }
    if (out->flags & NTLM_NEGOTIATE_UNICODE) {
        out->target_name_unicode = true;
        rc = take_utf16_name(out->target_name, buf + tn_off, tn_len, &target_name_why, why);
    } else {
        rc = take_oem_name(out, buf + tn_off, tn_len, why);
    }
    if (rc != 0)
        return rc;
    if (ti_len > 0) {
        out->has_target_info = true;
        rc = take_target_info(out, buf, ti_off, ti_len, why);
        if (rc != 0)
            return rc;
    }
    return (ssize_t)extent;
}

ssize_t ntlm_challenge_decode_b64(struct ntlm_challenge *out, const char *b64, size_t len,
                                  const char **why)
{
    uint8_t raw[NTLM_CHALLENGE_MAX];
    ssize_t n, rc;

    if (!out || !b64) {
        wire_set_why(why, "NTLM CHALLENGE_MESSAGE: NULL argument");
        return WIRE_INVALID;
    }
    memset(out, 0, sizeof(*out));
    if (len > ((size_t)NTLM_CHALLENGE_MAX + 2) / 3 * 4) {
        wire_set_why(why, "base64 CHALLENGE_MESSAGE longer than 16384 bytes");
        return WIRE_TOOBIG;
    }
    n = authcodec_b64_decode(b64, len, raw, sizeof(raw), why);
    if (n < 0)
        return n;
    rc = ntlm_challenge_decode(out, raw, (size_t)n, why);
    return rc < 0 ? rc : (ssize_t)len;
}

bool ntlm_challenge_has(const struct ntlm_challenge *c, enum ntlm_av_id id)
{
    if (!c || (unsigned)id >= AV_KNOWN)
        return false;
    return (c->av_seen & (1u << id)) != 0;
}

const char *ntlm_av_name(uint16_t id)
{
    return id < AV_KNOWN ? av_desc[id].name : "unknown";
}

static const struct {
    uint32_t bit;
    const char *name;
} flag_names[] = {
    {NTLM_NEGOTIATE_UNICODE, "UNICODE"},
    {NTLM_NEGOTIATE_OEM, "OEM"},
    {NTLM_REQUEST_TARGET, "REQUEST_TARGET"},
    {NTLM_NEGOTIATE_SIGN, "SIGN"},
    {NTLM_NEGOTIATE_SEAL, "SEAL"},
    {NTLM_NEGOTIATE_DATAGRAM, "DATAGRAM"},
    {NTLM_NEGOTIATE_LM_KEY, "LM_KEY"},
    {NTLM_NEGOTIATE_NTLM, "NTLM"},
    {NTLM_ANONYMOUS, "ANONYMOUS"},
    {NTLM_NEGOTIATE_OEM_DOMAIN_SUPPLIED, "OEM_DOMAIN_SUPPLIED"},
    {NTLM_NEGOTIATE_OEM_WORKSTATION_SUPPLIED, "OEM_WORKSTATION_SUPPLIED"},
    {NTLM_NEGOTIATE_ALWAYS_SIGN, "ALWAYS_SIGN"},
    {NTLM_TARGET_TYPE_DOMAIN, "TARGET_TYPE_DOMAIN"},
    {NTLM_TARGET_TYPE_SERVER, "TARGET_TYPE_SERVER"},
    {NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY, "EXTENDED_SESSIONSECURITY"},
    {NTLM_NEGOTIATE_IDENTIFY, "IDENTIFY"},
    {NTLM_REQUEST_NON_NT_SESSION_KEY, "REQUEST_NON_NT_SESSION_KEY"},
    {NTLM_NEGOTIATE_TARGET_INFO, "TARGET_INFO"},
    {NTLM_NEGOTIATE_VERSION, "VERSION"},
    {NTLM_NEGOTIATE_128, "128"},
    {NTLM_NEGOTIATE_KEY_EXCH, "KEY_EXCH"},
    {NTLM_NEGOTIATE_56, "56"},
};

const char *ntlm_flag_name(uint32_t bit)
{
    size_t i;

    for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
        if (flag_names[i].bit == bit)
            return flag_names[i].name;
    }
    return NULL;
}

size_t ntlm_flags_render(uint32_t flags, char *buf, size_t size)
{
    size_t need = 0;
    int b;

    if (buf && size > 0)
        buf[0] = '\0';
    for (b = 0; b < 32; b++) {
        uint32_t bit = 1u << b;
        const char *name;
        char hex[11];
        size_t n;

        if (!(flags & bit))
            continue;
        name = ntlm_flag_name(bit);
        if (!name) {
            snprintf(hex, sizeof(hex), "0x%08x", (unsigned)bit);
            name = hex;
        }
        n = strlen(name);
        if (need > 0) {
            if (buf && need + 1 < size)
                buf[need] = '|';
            need++;
        }
        if (buf && need + 1 < size) {
            size_t room = size - 1 - need;

            memcpy(buf + need, name, n < room ? n : room);
        }
        need += n;
    }
    if (buf && size > 0)
        buf[need < size ? need : size - 1] = '\0';
    return need;
}

int64_t ntlm_filetime_to_unix(uint64_t filetime)
{
    /* 100 ns ticks from 1601-01-01 to 1970-01-01 = 11644473600 s */
    return (int64_t)(filetime / 10000000u) - INT64_C(11644473600);
}
