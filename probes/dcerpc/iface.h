/*
 * iface.h: the DCE/RPC interfaces and transfer syntaxes an Outlook Anywhere
 * probe binds to, and UUID conversions (text <-> struct <-> wire).
 *
 * | name   | UUID                                 | version | port |
 * |--------|--------------------------------------|---------|------|
 * | EMSMDB | A4F1DB00-CA47-1067-B31F-00DD010662DA | 0.81    | 6001 |  MS-OXCRPC (store)
 * | RFR    | 1544F5E0-613C-11D1-93DF-00C04FD7BD09 | 1.0     | 6002 |  MS-OXABREF (referral)
 * | NSPI   | F5CC5A18-4264-101A-8C59-08002B2F8426 | 56.0    | 6004 |  MS-OXNSPI (address book)
 * | NDR    | 8A885D04-1CEB-11C9-9FE8-08002B104860 | 2.0     |      |  transfer syntax
 * | NDR64  | 71710533-BEBA-4937-8319-B5DBEF9CCC36 | 1.0     |      |  transfer syntax
 *
 * Wire form of a syntax id (20 bytes, C706 p_syntax_id_t):
 *
 *   0          4        6        8          10                16        18        20
 *   +----------+--------+--------+----------+-----------------+---------+---------+
 *   | time_low | t_mid  | t_hi   | clk_seq  | node[6]         | major   | minor   |
 *   +----------+--------+--------+----------+-----------------+---------+---------+
 *     u32 LE     u16 LE   u16 LE   2 bytes    6 bytes           u16 LE    u16 LE
 *
 * i.e. the first three UUID fields are little-endian, the last eight bytes
 * are in text order, and if_version = major | minor << 16.
 *
 * Pure: const tables, no allocation.
 */
#ifndef OAPROBE_DCERPC_IFACE_H
#define OAPROBE_DCERPC_IFACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/common/wire.h"

#define IFACE_UUID_WIRE_LEN   16u
#define IFACE_SYNTAX_WIRE_LEN 20u
#define IFACE_UUID_TEXT_LEN   36u /* xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx */

struct iface_uuid {
    uint32_t time_low;
    uint16_t time_mid;
    uint16_t time_hi_and_version;
    uint8_t clock_seq[2];
    uint8_t node[6];
};

struct iface_syntax {
    struct iface_uuid uuid;
    uint16_t ver_major;
    uint16_t ver_minor;
};

enum iface_id {
    IFACE_EMSMDB = 0,
    IFACE_RFR,
    IFACE_NSPI,
    IFACE_NDR,
    IFACE_NDR64,
    IFACE_COUNT
};

enum iface_kind {
    IFACE_KIND_INTERFACE, /* an abstract syntax we bind to */
    IFACE_KIND_TRANSFER,  /* a transfer syntax */
};

struct iface_info {
    enum iface_id id;
    const char *name;          /* "EMSMDB", "RFR", "NSPI", "NDR", "NDR64" */
    const char *desc;          /* one line: protocol and role */
    enum iface_kind kind;
    struct iface_syntax syntax;
    uint16_t port;             /* RPC over HTTP endpoint; 0 for transfer syntaxes */
};

/* Table entry for id, or NULL when id is out of range. */
const struct iface_info *iface_get(enum iface_id id);

/* The interface whose well-known endpoint is port (6001, 6002, 6004), or NULL. */
const struct iface_info *iface_by_port(uint16_t port);

/* Lookup by name, ASCII case-insensitive ("emsmdb", "NSPI"...); NULL if unknown
 * or name is NULL. */
const struct iface_info *iface_by_name(const char *name);

/* The entry whose UUID and version both equal s, or NULL (s NULL too). */
const struct iface_info *iface_by_syntax(const struct iface_syntax *s);

/*
 * UUID / syntax to and from the 16- / 20-byte wire form.
 *   u or s [in/out] the struct; in/out [in/out] the wire bytes
 * Return 0, or WIRE_INVALID for a NULL argument.
 */
int iface_uuid_encode(const struct iface_uuid *u, uint8_t out[IFACE_UUID_WIRE_LEN]);
int iface_uuid_decode(const uint8_t in[IFACE_UUID_WIRE_LEN], struct iface_uuid *u);
int iface_syntax_encode(const struct iface_syntax *s, uint8_t out[IFACE_SYNTAX_WIRE_LEN]);
int iface_syntax_decode(const uint8_t in[IFACE_SYNTAX_WIRE_LEN], struct iface_syntax *s);

/*
 * Parse the 36-character text form; hex digits in either case, no braces.
 *   text, len [in]  the text (not necessarily NUL-terminated); len must be 36
 *   u         [out] the UUID
 *   why       [out] static reason on failure (may be NULL)
 * Returns 0, or WIRE_INVALID (NULL argument, wrong length, misplaced '-',
 * non-hex character).
 */
int iface_uuid_parse(const char *text, size_t len, struct iface_uuid *u, const char **why);

/*
 * Format as 36 upper-case hex characters with dashes plus a NUL.
 *   u         [in]  the UUID
 *   buf, size [out] destination; needs IFACE_UUID_TEXT_LEN + 1 bytes
 * Returns 36; WIRE_TOOBIG when size is too small (buf gets "" if size > 0);
 * WIRE_INVALID for a NULL argument.
 */
int iface_uuid_format(const struct iface_uuid *u, char *buf, size_t size);

/*
 * Field-by-field equality of two UUIDs, or of two syntax ids (UUID and both
 * version halves). Returns false when either argument is NULL.
 */
bool iface_uuid_equal(const struct iface_uuid *a, const struct iface_uuid *b);
bool iface_syntax_equal(const struct iface_syntax *a, const struct iface_syntax *b);

/*
 * The bind-time feature negotiation pseudo transfer syntax (MS-RPCE 3.3.1.5.3):
 * UUID 6CB71C2C-9812-4540-<features as 8 little-endian bytes>, version 1.0.
 * features: bit 0 security context multiplexing, bit 1 keep connection on
 * orphan (ruler proposes 0x03).
 * Returns 0, or WIRE_INVALID when out is NULL.
 */
int iface_btfn_syntax(uint64_t features, struct iface_syntax *out);

#endif /* OAPROBE_DCERPC_IFACE_H */
