/*
 * dcerpc_ack.h: decoders for the three PDUs a server may answer a bind with:
 * bind_ack (12), bind_nak (13) and fault (3), plus the names of their codes.
 *
 * Each decoder takes the bytes available from the start of the PDU, checks
 * the common header and its ptype, and returns frag_length when the whole
 * PDU is present (bytes after it are the next PDU and are not touched),
 * WIRE_INCOMPLETE while len < frag_length. Every length is checked against
 * frag_length (less the auth verifier) and against an explicit cap.
 *
 * bind_ack (C706 12.6.4.4, MS-RPCE 2.2.2.4):
 *
 *   0               16        18        20            24            26
 *   +---------------+---------+---------+-------------+-------------+------------------+
 *   | common header | max_xmit| max_recv| assoc_group | sec_addr_len| sec_addr (incl.  |
 *   |               | u16     | u16     | u32         | u16         | NUL) ...         |
 *   +---------------+---------+---------+-------------+-------------+------------------+
 *   +------------------+-----------+-----+------+---------------------------------------+
 *   | pad to 4 (from   | n_results | rsv | rsv2 | n_results x { u16 result, u16 reason, |
 *   | the PDU start)   | u8        | u8  | u16  |   transfer syntax (20) }  (24 each)   |
 *   +------------------+-----------+-----+------+---------------------------------------+
 *   [ auth pad | sec_trailer (8) | auth token (auth_length) ]
 *
 * bind_nak (C706 12.6.4.5):
 *
 *   +---------------+------------------------+-------------+--------------------------+
 *   | common header | provider_reject_reason | n_protocols | n x { u8 major, u8 minor}|
 *   |               | u16                    | u8          |                          |
 *   +---------------+------------------------+-------------+--------------------------+
 *   [ anything after: padding, or MS-RPCE's signature + extended error info ]
 *
 * fault (C706 12.6.4.7):
 *
 *   0               16           20          22             23      24       28         32
 *   +---------------+------------+-----------+--------------+-------+--------+----------+
 *   | common header | alloc_hint | p_cont_id | cancel_count | flags | status | reserved |
 *   |               | u32        | u16       | u8           | u8    | u32    | u32      |
 *   +---------------+------------+-----------+--------------+-------+--------+----------+
 *   (status is required; the trailing reserved word is not)
 */
#ifndef OAPROBE_DCERPC_ACK_H
#define OAPROBE_DCERPC_ACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "probes/common/wire.h"
#include "probes/dcerpc/dcerpc_pdu.h"
#include "probes/dcerpc/iface.h"

#define DCERPC_SEC_ADDR_MAX     256u /* sec_addr_len cap, NUL included */
#define DCERPC_MAX_RESULTS      8u   /* n_results cap */
#define DCERPC_MAX_NAK_VERSIONS 8u   /* bind_nak n_protocols cap */
#define DCERPC_BIND_ACK_MIN     26u  /* up to and including sec_addr_len */
#define DCERPC_BIND_NAK_MIN     19u  /* up to and including n_protocols */
#define DCERPC_FAULT_MIN        28u  /* up to and including status */

/* p_cont_def_result_t */
enum dcerpc_ack_result_code {
    DCERPC_RESULT_ACCEPTANCE = 0,
    DCERPC_RESULT_USER_REJECTION = 1,
    DCERPC_RESULT_PROVIDER_REJECTION = 2,
    DCERPC_RESULT_NEGOTIATE_ACK = 3, /* MS-RPCE bind-time feature negotiation */
};

/* p_provider_reason_t (for result 1 and 2; for 3 the field holds feature bits) */
enum dcerpc_ack_reason_code {
    DCERPC_REASON_NOT_SPECIFIED = 0,
    DCERPC_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED = 1,
    DCERPC_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED = 2,
    DCERPC_REASON_LOCAL_LIMIT_EXCEEDED = 3,
};

/* p_reject_reason_t of bind_nak (C706; 8 and 9 from MS-RPCE) */
enum dcerpc_nak_reason_code {
    DCERPC_NAK_NOT_SPECIFIED = 0,
    DCERPC_NAK_TEMPORARY_CONGESTION = 1,
    DCERPC_NAK_LOCAL_LIMIT_EXCEEDED = 2,
    DCERPC_NAK_CALLED_PADDR_UNKNOWN = 3,
    DCERPC_NAK_PROTOCOL_VERSION_NOT_SUPPORTED = 4,
    DCERPC_NAK_DEFAULT_CONTEXT_NOT_SUPPORTED = 5,
    DCERPC_NAK_USER_DATA_NOT_READABLE = 6,
    DCERPC_NAK_NO_PSAP_AVAILABLE = 7,
    DCERPC_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED = 8,
    DCERPC_NAK_INVALID_CHECKSUM = 9,
};

struct dcerpc_ack_result {
    uint16_t result;
    uint16_t reason;
    struct iface_syntax transfer;
};

struct dcerpc_bind_ack {
    struct dcerpc_hdr hdr;
    uint16_t max_xmit_frag;
    uint16_t max_recv_frag;
    uint32_t assoc_group_id;
    uint16_t sec_addr_len;               /* as on the wire, NUL included (0 allowed) */
    char sec_addr[DCERPC_SEC_ADDR_MAX];  /* NUL-terminated copy, "" when length 0 */
    uint8_t pad_len;                     /* 0..3 alignment bytes after sec_addr */
    uint8_t n_results;
    struct dcerpc_ack_result results[DCERPC_MAX_RESULTS];
    size_t results_end;                  /* offset just after the last result */
    bool has_auth;
    struct dcerpc_auth auth;             /* when has_auth; token borrows the PDU */
};

struct dcerpc_nak_version {
    uint8_t major;
    uint8_t minor;
};

struct dcerpc_bind_nak {
    struct dcerpc_hdr hdr;
    uint16_t reject_reason;
    uint8_t n_protocols;
    struct dcerpc_nak_version versions[DCERPC_MAX_NAK_VERSIONS];
    size_t trailing;                     /* bytes after the versions list */
};

struct dcerpc_fault {
    struct dcerpc_hdr hdr;
    uint32_t alloc_hint;
    uint16_t cont_id;
    uint8_t cancel_count;
    uint8_t flags;                       /* 0x01: extended error info follows */
    uint32_t status;
    const char *status_name;             /* winerr_name(status), NULL if unknown */
    bool has_auth;
    struct dcerpc_auth auth;
};

/*
 * Decode a bind_ack.
 *   buf, len [in]  bytes from the start of the PDU
 *   out      [out] decoded PDU (auth token borrows from buf)
 *   why      [out] static reason on failure (may be NULL)
 * Returns frag_length; WIRE_INCOMPLETE when len < 16 or len < frag_length;
 * WIRE_TOOBIG when sec_addr_len > DCERPC_SEC_ADDR_MAX or n_results >
 * DCERPC_MAX_RESULTS; WIRE_INVALID for a NULL argument, a bad header, a
 * ptype other than 12, a PDU too short for its fixed part, a sec_addr that
 * runs past the PDU or is not a single NUL-terminated string, n_results 0,
 * results past the PDU, a result code above 3, or a bad auth verifier.
 */
ssize_t dcerpc_bind_ack_decode(const uint8_t *buf, size_t len, struct dcerpc_bind_ack *out,
                               const char **why);

/*
 * Decode a bind_nak. Same conventions; WIRE_TOOBIG when n_protocols >
 * DCERPC_MAX_NAK_VERSIONS; WIRE_INVALID for a ptype other than 13, a body
 * shorter than reason + n_protocols, or versions past the PDU.
 */
ssize_t dcerpc_bind_nak_decode(const uint8_t *buf, size_t len, struct dcerpc_bind_nak *out,
                               const char **why);

/*
 * Decode a fault. Same conventions; WIRE_INVALID for a ptype other than 3,
 * a body too short to hold the status (28 bytes), or a bad auth verifier.
 * out->status_name comes from winerr_name().
 */
ssize_t dcerpc_fault_decode(const uint8_t *buf, size_t len, struct dcerpc_fault *out,
                            const char **why);

/* Code names; "unknown" for values outside the tables; never NULL. */
const char *dcerpc_ack_result_name(uint16_t result);          /* "provider_rejection" */
const char *dcerpc_ack_reason_name(uint16_t result, uint16_t reason);
const char *dcerpc_nak_reason_name(uint16_t reason);          /* "protocol_version_not_supported" */

/*
 * One line for a human about a bind_ack result, e.g. for (2, 1):
 * "abstract syntax not supported: the interface isn't listening on this
 * endpoint". Never NULL.
 */
const char *dcerpc_ack_explain(uint16_t result, uint16_t reason);

#endif /* OAPROBE_DCERPC_ACK_H */
