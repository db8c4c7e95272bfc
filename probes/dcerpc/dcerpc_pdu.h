/*
 * dcerpc_pdu.h: the connection-oriented DCE/RPC common header (C706 12.6.3,
 * MS-RPCE 2.2.2) and the auth verifier that may close any PDU.
 *
 * Every PDU the probe exchanges after the RPC over HTTP tunnel is up (bind,
 * bind_ack, bind_nak, fault, and the RTS PDUs of MS-RPCH) starts with this
 * 16-byte header. All integers are little-endian (packed_drep 10 00 00 00);
 * a big-endian or EBCDIC peer is rejected, not byte-swapped.
 *
 * Pure: bytes in, struct out; no allocation.
 */
#ifndef OAPROBE_DCERPC_PDU_H
#define OAPROBE_DCERPC_PDU_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "probes/common/wire.h"

#define DCERPC_HDR_LEN         16u /* common header */
#define DCERPC_SEC_TRAILER_LEN 8u  /* auth_type .. auth_context_id */
#define DCERPC_RPC_VERS        5u
#define DCERPC_DREP_LE_ASCII   0x10u /* packed_drep[0]: little-endian ints, ASCII */

/* PTYPE values (C706 12.6.4; RTS is MS-RPCH). */
enum dcerpc_ptype {
    DCERPC_PT_REQUEST = 0,
    DCERPC_PT_PING = 1,
    DCERPC_PT_RESPONSE = 2,
    DCERPC_PT_FAULT = 3,
    DCERPC_PT_WORKING = 4,
    DCERPC_PT_NOCALL = 5,
    DCERPC_PT_REJECT = 6,
    DCERPC_PT_ACK = 7,
    DCERPC_PT_CL_CANCEL = 8,
    DCERPC_PT_FACK = 9,
    DCERPC_PT_CANCEL_ACK = 10,
    DCERPC_PT_BIND = 11,
    DCERPC_PT_BIND_ACK = 12,
    DCERPC_PT_BIND_NAK = 13,
    DCERPC_PT_ALTER_CONTEXT = 14,
    DCERPC_PT_ALTER_CONTEXT_RESP = 15,
    DCERPC_PT_AUTH3 = 16,
    DCERPC_PT_SHUTDOWN = 17,
    DCERPC_PT_CO_CANCEL = 18,
    DCERPC_PT_ORPHANED = 19,
    DCERPC_PT_RTS = 20,
};

/* pfc_flags bits. 0x04 means SUPPORT_HEADER_SIGN on bind, bind_ack,
 * alter_context and alter_context_resp, PENDING_CANCEL on the others. */
#define DCERPC_PFC_FIRST_FRAG          0x01u
#define DCERPC_PFC_LAST_FRAG           0x02u
#define DCERPC_PFC_PENDING_CANCEL      0x04u
#define DCERPC_PFC_SUPPORT_HEADER_SIGN 0x04u
#define DCERPC_PFC_RESERVED_1          0x08u
#define DCERPC_PFC_CONC_MPX            0x10u
#define DCERPC_PFC_DID_NOT_EXECUTE     0x20u
#define DCERPC_PFC_MAYBE               0x40u
#define DCERPC_PFC_OBJECT_UUID         0x80u

/*
 * Common header, 16 bytes:
 *
 *   0        1               2       3           4               8
 *   +--------+---------------+-------+-----------+---------------+
 *   |rpc_vers|rpc_vers_minor | PTYPE | pfc_flags | packed_drep[4]|
 *   +--------+---------------+-------+-----------+---------------+
 *   8              10              12                            16
 *   +--------------+---------------+-----------------------------+
 *   | frag_length  | auth_length   |          call_id            |
 *   +--------------+---------------+-----------------------------+
 *     u16 LE         u16 LE          u32 LE
 */
struct dcerpc_hdr {
    uint8_t rpc_vers;
    uint8_t rpc_vers_minor;
    uint8_t ptype;
    uint8_t pfc_flags;
    uint8_t drep[4];
    uint16_t frag_length;
    uint16_t auth_length;
    uint32_t call_id;
};

/*
 * Auth verifier at the end of a PDU whose auth_length is non-zero:
 *
 *   ... body | auth_pad (auth_pad_length bytes) | sec_trailer | auth token |
 *                                               ^ frag_length - auth_length - 8
 *   sec_trailer (8 bytes, 4-byte aligned from the PDU start):
 *   +-----------+------------+-----------------+---------------+------------------+
 *   | auth_type | auth_level | auth_pad_length | auth_reserved | auth_context_id  |
 *   +-----------+------------+-----------------+---------------+------------------+
 *     u8          u8           u8                u8              u32 LE
 */
struct dcerpc_auth {
    uint8_t auth_type;
    uint8_t auth_level;
    uint8_t auth_pad_length;
    uint8_t auth_reserved;
    uint32_t auth_context_id;
    size_t trailer_offset;   /* offset of the sec_trailer in the PDU */
    const uint8_t *token;    /* borrowed from the PDU buffer */
    uint16_t token_len;      /* == auth_length */
};

/*
 * Decode and check the common header.
 *   buf, len [in]  at least the first 16 bytes of a PDU
 *   out      [out] the header fields
 *   why      [out] static reason on failure (may be NULL)
 * Returns 16; WIRE_INCOMPLETE when len < 16; WIRE_INVALID for a NULL
 * argument, rpc_vers != 5, rpc_vers_minor not 0 or 1, a packed_drep that is
 * not little-endian ASCII, frag_length < 16, or an auth_length whose
 * verifier (8-byte sec_trailer + token) does not fit after the header
 * inside frag_length. Does not require len >= frag_length.
 */
ssize_t dcerpc_hdr_decode(const uint8_t *buf, size_t len, struct dcerpc_hdr *out,
                          const char **why);

/*
 * Encode the common header (fields written as given; drep as in h).
 *   h         [in]  the header
 *   out, size [out] destination; needs 16 bytes
 * Returns 16, WIRE_TOOBIG when size < 16, WIRE_INVALID for a NULL argument.
 */
ssize_t dcerpc_hdr_encode(const struct dcerpc_hdr *h, uint8_t *out, size_t size);

/*
 * Where the PDU body ends: frag_length, less the auth verifier (8 + auth_length)
 * when auth_length is non-zero. h must have passed dcerpc_hdr_decode().
 * Returns 0 for NULL.
 */
size_t dcerpc_body_end(const struct dcerpc_hdr *h);

/*
 * Decode the sec_trailer and locate the auth token of a PDU with
 * auth_length > 0.
 *   pdu      [in]  the whole PDU, at least h->frag_length bytes
 *   h        [in]  its decoded header
 *   body_min [in]  offset where the PDU's own fields end; the auth padding
 *                  and the trailer must lie at or after it
 *   out      [out] trailer fields; out->token borrows from pdu
 *   why      [out] static reason on failure (may be NULL)
 * Returns 0; WIRE_INVALID for a NULL argument, auth_length 0, a trailer
 * that is not 4-byte aligned, or auth_pad_length larger than the gap
 * between body_min and the trailer.
 */
int dcerpc_auth_decode(const uint8_t *pdu, const struct dcerpc_hdr *h, size_t body_min,
                       struct dcerpc_auth *out, const char **why);

/* "bind_ack", "fault", "rts", ...; "unknown" for other values; never NULL. */
const char *dcerpc_ptype_name(uint8_t ptype);

/*
 * Write the pfc_flags as names joined by '|' ("FIRST_FRAG|LAST_FRAG"), "none"
 * for 0. Bit 0x04 is named after ptype (SUPPORT_HEADER_SIGN or PENDING_CANCEL).
 *   flags, ptype [in]
 *   buf, size    [out] destination, always NUL-terminated when size > 0
 * Returns the length the full text needs (like snprintf), or 0 for NULL buf.
 */
size_t dcerpc_pfc_flags_format(uint8_t flags, uint8_t ptype, char *buf, size_t size);

#endif /* OAPROBE_DCERPC_PDU_H */
