/*
 * iface.c: interface table and UUID conversions. Table and wire layout in
 * iface.h; the wire bytes are checked against rpc-over-http.md section 4.5 in
 * tests/unit/dcerpc/test_iface.c.
 */
#include "probes/dcerpc/iface.h"
#include "probes/common/ascii.h"

#include <string.h>

static const struct iface_info iface_table[IFACE_COUNT] = {
    [IFACE_EMSMDB] = { IFACE_EMSMDB, "EMSMDB",
                       "MS-OXCRPC Exchange store (EMSMDB), RPC over HTTP port 6001",
                       IFACE_KIND_INTERFACE,
                       { { 0xA4F1DB00u, 0xCA47u, 0x1067u, { 0xB3, 0x1F },
                           { 0x00, 0xDD, 0x01, 0x06, 0x62, 0xDA } }, 0, 81 },
                       6001 },
    [IFACE_RFR] = { IFACE_RFR, "RFR",
                    "MS-OXABREF address book referral (RFR/DSReferral), port 6002",
                    IFACE_KIND_INTERFACE,
                    { { 0x1544F5E0u, 0x613Cu, 0x11D1u, { 0x93, 0xDF },
                        { 0x00, 0xC0, 0x4F, 0xD7, 0xBD, 0x09 } }, 1, 0 },
                    6002 },
    [IFACE_NSPI] = { IFACE_NSPI, "NSPI",
                     "MS-OXNSPI name service provider (NSPI/DSProxy), port 6004",
                     IFACE_KIND_INTERFACE,
                     { { 0xF5CC5A18u, 0x4264u, 0x101Au, { 0x8C, 0x59 },
                         { 0x08, 0x00, 0x2B, 0x2F, 0x84, 0x26 } }, 56, 0 },
                     6004 },
    [IFACE_NDR] = { IFACE_NDR, "NDR", "NDR transfer syntax (C706), version 2.0",
                    IFACE_KIND_TRANSFER,
                    { { 0x8A885D04u, 0x1CEBu, 0x11C9u, { 0x9F, 0xE8 },
                        { 0x08, 0x00, 0x2B, 0x10, 0x48, 0x60 } }, 2, 0 },
                    0 },
    [IFACE_NDR64] = { IFACE_NDR64, "NDR64", "NDR64 transfer syntax (MS-RPCE), version 1.0",
                      IFACE_KIND_TRANSFER,
                      { { 0x71710533u, 0xBEBAu, 0x4937u, { 0x83, 0x19 },
                          { 0xB5, 0xDB, 0xEF, 0x9C, 0xCC, 0x36 } }, 1, 0 },
                      0 },
};

const struct iface_info *iface_get(enum iface_id id)
{
    if ((unsigned)id >= IFACE_COUNT)
        return NULL;
    return &iface_table[id];
}

const struct iface_info *iface_by_port(uint16_t port)
{
    if (port == 0)
        return NULL;
    for (unsigned i = 0; i < IFACE_COUNT; i++)
        if (iface_table[i].port == port)
            return &iface_table[i];
    return NULL;
}

static int iface_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static bool iface_name_eq(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++)
        if (iface_lower((unsigned char)*a) != iface_lower((unsigned char)*b))
            return false;
    return *a == '\0' && *b == '\0';
}

const struct iface_info *iface_by_name(const char *name)
{
    if (name == NULL)
        return NULL;
    for (unsigned i = 0; i < IFACE_COUNT; i++)
        if (iface_name_eq(name, iface_table[i].name))
            return &iface_table[i];
    return NULL;
}

const struct iface_info *iface_by_syntax(const struct iface_syntax *s)
{
    if (s == NULL)
        return NULL;
    for (unsigned i = 0; i < IFACE_COUNT; i++)
        if (iface_syntax_equal(s, &iface_table[i].syntax))
            return &iface_table[i];
    return NULL;
}

int iface_uuid_encode(const struct iface_uuid *u, uint8_t out[IFACE_UUID_WIRE_LEN])
{
    if (u == NULL || out == NULL)
        return WIRE_INVALID;
    wire_put_u32le(out, u->time_low);
    wire_put_u16le(out + 4, u->time_mid);
    wire_put_u16le(out + 6, u->time_hi_and_version);
    memcpy(out + 8, u->clock_seq, 2);
    memcpy(out + 10, u->node, 6);
    return 0;
}

int iface_uuid_decode(const uint8_t in[IFACE_UUID_WIRE_LEN], struct iface_uuid *u)
{
    if (in == NULL || u == NULL)
        return WIRE_INVALID;
    u->time_low = wire_get_u32le(in);
    u->time_mid = wire_get_u16le(in + 4);
    u->time_hi_and_version = wire_get_u16le(in + 6);
    memcpy(u->clock_seq, in + 8, 2);
    memcpy(u->node, in + 10, 6);
    return 0;
}

int iface_syntax_encode(const struct iface_syntax *s, uint8_t out[IFACE_SYNTAX_WIRE_LEN])
{
    if (s == NULL || out == NULL)
        return WIRE_INVALID;
    (void)iface_uuid_encode(&s->uuid, out);
    wire_put_u16le(out + 16, s->ver_major);
    wire_put_u16le(out + 18, s->ver_minor);
    return 0;
}

int iface_syntax_decode(const uint8_t in[IFACE_SYNTAX_WIRE_LEN], struct iface_syntax *s)
{
    if (in == NULL || s == NULL)
        return WIRE_INVALID;
    (void)iface_uuid_decode(in, &s->uuid);
    s->ver_major = wire_get_u16le(in + 16);
    s->ver_minor = wire_get_u16le(in + 18);
    return 0;
}

int iface_uuid_parse(const char *text, size_t len, struct iface_uuid *u, const char **why)
{
    uint8_t b[16];
    size_t nb = 0;

    if (text == NULL || u == NULL) {
        if (why != NULL)
            *why = "NULL argument";
        return WIRE_INVALID;
    }
    if (len != IFACE_UUID_TEXT_LEN) {
        if (why != NULL)
            *why = "UUID text is not 36 characters";
        return WIRE_INVALID;
    }
    for (size_t i = 0; i < IFACE_UUID_TEXT_LEN;) {
        int hi, lo;

        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-') {
                if (why != NULL)
                    *why = "UUID text has no '-' at position 8, 13, 18 or 23";
                return WIRE_INVALID;
            }
            i++;
            continue;
        }
        hi = ascii_hex_value(text[i]);
        lo = ascii_hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) {
            if (why != NULL)
                *why = "UUID text has a character that is not a hex digit";
            return WIRE_INVALID;
        }
        b[nb++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    /* b[] is in text (big-endian) order. */
    u->time_low = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    u->time_mid = (uint16_t)(b[4] << 8 | b[5]);
    u->time_hi_and_version = (uint16_t)(b[6] << 8 | b[7]);
    memcpy(u->clock_seq, b + 8, 2);
    memcpy(u->node, b + 10, 6);
    return 0;
}

int iface_uuid_format(const struct iface_uuid *u, char *buf, size_t size)
{
    static const char hexd[] = "0123456789ABCDEF";
    uint8_t b[16];
    size_t o = 0;

    if (u == NULL || buf == NULL)
        return WIRE_INVALID;
    if (size < IFACE_UUID_TEXT_LEN + 1) {
        if (size > 0)
            buf[0] = '\0';
        return WIRE_TOOBIG;
    }
    b[0] = (uint8_t)(u->time_low >> 24);
    b[1] = (uint8_t)(u->time_low >> 16);
    b[2] = (uint8_t)(u->time_low >> 8);
    b[3] = (uint8_t)u->time_low;
    b[4] = (uint8_t)(u->time_mid >> 8);
    b[5] = (uint8_t)u->time_mid;
    b[6] = (uint8_t)(u->time_hi_and_version >> 8);
    b[7] = (uint8_t)u->time_hi_and_version;
    memcpy(b + 8, u->clock_seq, 2);
    memcpy(b + 10, u->node, 6);
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            buf[o++] = '-';
        buf[o++] = hexd[b[i] >> 4];
        buf[o++] = hexd[b[i] & 0x0F];
    }
    buf[o] = '\0';
    return (int)o;
}

bool iface_uuid_equal(const struct iface_uuid *a, const struct iface_uuid *b)
{
    if (a == NULL || b == NULL)
        return false;
    return a->time_low == b->time_low && a->time_mid == b->time_mid &&
           a->time_hi_and_version == b->time_hi_and_version &&
           memcmp(a->clock_seq, b->clock_seq, 2) == 0 && memcmp(a->node, b->node, 6) == 0;
}

bool iface_syntax_equal(const struct iface_syntax *a, const struct iface_syntax *b)
{
    if (a == NULL || b == NULL)
        return false;
    return iface_uuid_equal(&a->uuid, &b->uuid) && a->ver_major == b->ver_major &&
           a->ver_minor == b->ver_minor;
}

int iface_btfn_syntax(uint64_t features, struct iface_syntax *out)
{
    if (out == NULL)
        return WIRE_INVALID;
    memset(out, 0, sizeof(*out));
    out->uuid.time_low = 0x6CB71C2Cu;
    out->uuid.time_mid = 0x9812u;
    out->uuid.time_hi_and_version = 0x4540u;
    out->uuid.clock_seq[0] = (uint8_t)features;
    out->uuid.clock_seq[1] = (uint8_t)(features >> 8);
    for (unsigned i = 0; i < 6; i++)
        out->uuid.node[i] = (uint8_t)(features >> (16 + 8 * i));
    out->ver_major = 1;
    out->ver_minor = 0;
    return 0;
}
