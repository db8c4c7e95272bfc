/*
 * dcerpc_verdict.h: the one call the probe makes on whatever PDU answered
 * its bind. It decodes the PDU (bind_ack, bind_nak, fault, or anything else
 * with a valid common header) and returns a tagged verdict:
 *
 *   ACCEPTED    bind_ack with a context whose result is acceptance (0)
 *   REJECTED    bind_ack where no context was accepted; result + reason of
 *               the deciding context, e.g. (2, 1) provider_rejection /
 *               abstract_syntax_not_supported: the interface isn't listening
 *               on this endpoint
 *   NAK         bind_nak with its provider_reject_reason
 *   FAULT       fault with its status (e.g. 0x1C010003 nca_s_unk_if, 0x5
 *               access denied) and the status name when known
 *   UNEXPECTED  a well-formed PDU of another ptype (e.g. an RTS PDU on the
 *               OUT channel, or alter_context_resp); hdr.ptype says which
 *
 * Common header layout: dcerpc_pdu.h; bind_ack / bind_nak / fault layouts:
 * dcerpc_ack.h.
 */
#ifndef OAPROBE_DCERPC_VERDICT_H
#define OAPROBE_DCERPC_VERDICT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "probes/common/wire.h"
#include "probes/dcerpc/dcerpc_ack.h"
#include "probes/dcerpc/dcerpc_pdu.h"

/* Largest bind response accepted (frag_length); room for a Kerberos or
 * NTLM token in the auth verifier while still far below 64 KiB. */
#define DCERPC_RESPONSE_FRAG_MAX 8192u

/* flags for dcerpc_bind_response_decode() */
#define DCERPC_DECODE_EXACT 0x1u /* buf is exactly one PDU: len must equal frag_length */

enum dcerpc_verdict_kind {
    DCERPC_VERDICT_NONE = 0, /* nothing decoded (set on failure) */
    DCERPC_VERDICT_ACCEPTED,
    DCERPC_VERDICT_REJECTED,
    DCERPC_VERDICT_NAK,
    DCERPC_VERDICT_FAULT,
    DCERPC_VERDICT_UNEXPECTED,
};

struct dcerpc_bind_verdict {
    enum dcerpc_verdict_kind kind;
    struct dcerpc_hdr hdr;         /* always filled on success */
    /* ACCEPTED / REJECTED: the deciding entry of u.ack.results[] */
    uint8_t ctx_index;
    uint16_t result;
    uint16_t reason;
    union {
        struct dcerpc_bind_ack ack;   /* ACCEPTED, REJECTED */
        struct dcerpc_bind_nak nak;   /* NAK */
        struct dcerpc_fault fault;    /* FAULT */
    } u;
};

/*
 * Decode the response to a bind and classify it.
 *   buf, len [in]  bytes from the start of the response PDU
 *   flags    [in]  0, or DCERPC_DECODE_EXACT when buf holds exactly one
 *                  PDU (then len != frag_length is WIRE_INVALID instead of
 *                  WIRE_INCOMPLETE / trailing bytes left unread)
 *   out      [out] the verdict; pointers in it borrow from buf
 *   why      [out] static reason on failure (may be NULL)
 * Returns frag_length (the bytes of this PDU; any bytes after it are left to
 * the caller); WIRE_INCOMPLETE when fewer than 16 bytes or fewer than
 * frag_length are available (without DCERPC_DECODE_EXACT); WIRE_TOOBIG when
 * frag_length exceeds DCERPC_RESPONSE_FRAG_MAX or a field exceeds its cap;
 * WIRE_INVALID for a NULL argument, unknown flags, a bad header or a
 * malformed bind_ack / bind_nak / fault. The call_id is not compared with
 * the bind's: the caller does that with out->hdr.call_id.
 * On failure out->kind is DCERPC_VERDICT_NONE.
 */
ssize_t dcerpc_bind_response_decode(const uint8_t *buf, size_t len, unsigned flags,
                                    struct dcerpc_bind_verdict *out, const char **why);

/* "accepted", "rejected", "nak", "fault", "unexpected", "none"; never NULL. */
const char *dcerpc_verdict_kind_name(enum dcerpc_verdict_kind kind);

#endif /* OAPROBE_DCERPC_VERDICT_H */
