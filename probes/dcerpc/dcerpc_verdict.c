/*
 * dcerpc_verdict.c: classify the response to a bind. See dcerpc_verdict.h.
 */
#include "probes/dcerpc/dcerpc_verdict.h"

#include <string.h>

#include "probes/common/wire.h"

/*
 * Pick the deciding context of a bind_ack: the first accepted one; else the
 * first that is not a bind-time feature negotiation reply; else the first.
 */
static void dcerpc_verdict_classify_ack(struct dcerpc_bind_verdict *out)
{
    const struct dcerpc_bind_ack *ack = &out->u.ack;
    int pick = -1;

    for (unsigned i = 0; i < ack->n_results; i++) {
        if (ack->results[i].result == DCERPC_RESULT_ACCEPTANCE) {
            out->kind = DCERPC_VERDICT_ACCEPTED;
            pick = (int)i;
            break;
        }
    }
    if (pick < 0) {
        out->kind = DCERPC_VERDICT_REJECTED;
        pick = 0;
        for (unsigned i = 0; i < ack->n_results; i++) {
            if (ack->results[i].result != DCERPC_RESULT_NEGOTIATE_ACK) {
                pick = (int)i;
                break;
            }
        }
    }
    out->ctx_index = (uint8_t)pick;
    out->result = ack->results[pick].result;
    out->reason = ack->results[pick].reason;
}

/* Checks on the header and the buffer length shared by every ptype.
 * Returns 0 or a WIRE_ code. */
static int dcerpc_verdict_frame(const uint8_t *buf, size_t len, unsigned flags,
                                struct dcerpc_hdr *h, const char **why)
{
    ssize_t r = dcerpc_hdr_decode(buf, len, h, why);

    if (r == WIRE_INCOMPLETE && (flags & DCERPC_DECODE_EXACT) != 0) {
        wire_set_why(why, "PDU is shorter than the 16-byte common header");
        return WIRE_INVALID;
    }
    if (r < 0)
        return (int)r;
    if (h->frag_length > DCERPC_RESPONSE_FRAG_MAX) {
        wire_set_why(why, "frag_length exceeds the 8192-byte cap for a bind response");
        return WIRE_TOOBIG;
    }
    if ((flags & DCERPC_DECODE_EXACT) != 0 && len != h->frag_length) {
        wire_set_why(why, len < h->frag_length
                                    ? "frag_length is larger than the PDU received"
                                    : "frag_length is smaller than the PDU received");
        return WIRE_INVALID;
    }
    if (len < h->frag_length) {
        wire_set_why(why, "frag_length is larger than the bytes available");
        return WIRE_INCOMPLETE;
    }
    return 0;
}

ssize_t dcerpc_bind_response_decode(const uint8_t *buf, size_t len, unsigned flags,
                                    struct dcerpc_bind_verdict *out, const char **why)
{
    struct dcerpc_hdr h;
    ssize_t r;

    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (buf == NULL || out == NULL) {
        wire_set_why(why, "NULL argument");
        return WIRE_INVALID;
    }
    if ((flags & ~DCERPC_DECODE_EXACT) != 0) {
        wire_set_why(why, "unknown flags");
        return WIRE_INVALID;
    }
    r = dcerpc_verdict_frame(buf, len, flags, &h, why);
    if (r != 0)
        return r;

    switch (h.ptype) {
    case DCERPC_PT_BIND_ACK:
        r = dcerpc_bind_ack_decode(buf, len, &out->u.ack, why);
        if (r >= 0)
            dcerpc_verdict_classify_ack(out);
        break;
    case DCERPC_PT_BIND_NAK:
        r = dcerpc_bind_nak_decode(buf, len, &out->u.nak, why);
        out->kind = DCERPC_VERDICT_NAK;
        break;
    case DCERPC_PT_FAULT:
        r = dcerpc_fault_decode(buf, len, &out->u.fault, why);
        out->kind = DCERPC_VERDICT_FAULT;
        break;
    default:
        r = h.frag_length;
        out->kind = DCERPC_VERDICT_UNEXPECTED;
        break;
    }
    if (r < 0) {
        memset(out, 0, sizeof(*out));
        return r;
    }
    out->hdr = h;
    return h.frag_length;
}

const char *dcerpc_verdict_kind_name(enum dcerpc_verdict_kind kind)
{
    switch (kind) {
    case DCERPC_VERDICT_ACCEPTED:
        return "accepted";
    case DCERPC_VERDICT_REJECTED:
        return "rejected";
    case DCERPC_VERDICT_NAK:
        return "nak";
    case DCERPC_VERDICT_FAULT:
        return "fault";
    case DCERPC_VERDICT_UNEXPECTED:
        return "unexpected";
    case DCERPC_VERDICT_NONE:
        break;
    }
    return "none";
}
