/*
 * dcerpc_ack.c: bind_ack, bind_nak and fault decoders and their code names.
 * Wire layouts are drawn in dcerpc_ack.h.
 */
#include "probes/dcerpc/dcerpc_ack.h"

#include <string.h>

#include "probes/common/wire.h"
#include "probes/rpcerr/winerr.h"

#define DCERPC_ACK_RESULT_LEN (4u + IFACE_SYNTAX_WIRE_LEN) /* result, reason, syntax */

/*
 * Shared start of every decoder: header, expected ptype, whole PDU present.
 * Returns 0 or a WIRE_ code (why set).
 */
static int dcerpc_ack_frame(const uint8_t *buf, size_t len, uint8_t ptype,
                            const char *wrong_ptype, struct dcerpc_hdr *h, const char **why)
{
    ssize_t r = dcerpc_hdr_decode(buf, len, h, why);

    if (r < 0)
        return (int)r;
    if (h->ptype != ptype) {
        wire_set_why(why, wrong_ptype);
        return WIRE_INVALID;
    }
    if (len < h->frag_length) {
        wire_set_why(why, "frag_length is larger than the bytes available");
        return WIRE_INCOMPLETE;
    }
    return 0;
}

/* sec_addr: length (NUL included) then the string, which must end at its
 * only NUL. Copies it into out->sec_addr. */
static int dcerpc_ack_sec_addr(const uint8_t *buf, size_t body_end, struct dcerpc_bind_ack *out,
                               const char **why)
{
    size_t n = out->sec_addr_len;
    const uint8_t *s = buf + DCERPC_BIND_ACK_MIN;

    if (n > body_end - DCERPC_BIND_ACK_MIN) {
        wire_set_why(why, "sec_addr_len runs past the end of the PDU");
        return WIRE_INVALID;
    }
    if (n > DCERPC_SEC_ADDR_MAX) {
        wire_set_why(why, "sec_addr_len exceeds the 256-byte cap");
        return WIRE_TOOBIG;
    }
    if (n == 0)
        return 0;
    if (s[n - 1] != '\0') {
        wire_set_why(why, "sec_addr is not NUL-terminated within sec_addr_len");
        return WIRE_INVALID;
    }
    if (memchr(s, '\0', n - 1) != NULL) {
        wire_set_why(why, "sec_addr has a NUL before its last byte");
        return WIRE_INVALID;
    }
    memcpy(out->sec_addr, s, n);
    return 0;
}

ssize_t dcerpc_bind_ack_decode(const uint8_t *buf, size_t len, struct dcerpc_bind_ack *out,
                               const char **why)
{
    size_t body_end, off;
    int r;

    if (buf == NULL || out == NULL) {
        wire_set_why(why, "NULL argument");
        return WIRE_INVALID;
    }
    memset(out, 0, sizeof(*out));
    r = dcerpc_ack_frame(buf, len, DCERPC_PT_BIND_ACK, "PDU is not a bind_ack (ptype 12)",
                         &out->hdr, why);
    if (r != 0)
        return r;
    body_end = dcerpc_body_end(&out->hdr);
    if (body_end < DCERPC_BIND_ACK_MIN) {
        wire_set_why(why, "bind_ack is shorter than its 26-byte fixed part");
        return WIRE_INVALID;
    }
    out->max_xmit_frag = wire_get_u16le(buf + 16);
    out->max_recv_frag = wire_get_u16le(buf + 18);
    out->assoc_group_id = wire_get_u32le(buf + 20);
    out->sec_addr_len = wire_get_u16le(buf + 24);
    r = dcerpc_ack_sec_addr(buf, body_end, out, why);
    if (r != 0)
        return r;

    off = DCERPC_BIND_ACK_MIN + out->sec_addr_len;
    out->pad_len = (uint8_t)((4u - off % 4u) % 4u);
    off += out->pad_len;
    if (off + 4 > body_end) {
        wire_set_why(why, "n_results (after sec_addr and its padding) is past the end of the PDU");
        return WIRE_INVALID;
    }
    out->n_results = buf[off];
    if (out->n_results == 0) {
        wire_set_why(why, "n_results is 0");
        return WIRE_INVALID;
    }
    if (out->n_results > DCERPC_MAX_RESULTS) {
        wire_set_why(why, "n_results exceeds the cap of 8");
        return WIRE_TOOBIG;
    }
    off += 4;
    if ((size_t)out->n_results * DCERPC_ACK_RESULT_LEN > body_end - off) {
        wire_set_why(why, "results run past the end of the PDU");
        return WIRE_INVALID;
    }
    for (unsigned i = 0; i < out->n_results; i++) {
        struct dcerpc_ack_result *res = &out->results[i];

        res->result = wire_get_u16le(buf + off);
        res->reason = wire_get_u16le(buf + off + 2);
        (void)iface_syntax_decode(buf + off + 4, &res->transfer);
        if (res->result > DCERPC_RESULT_NEGOTIATE_ACK) {
            wire_set_why(why, "a result is not 0..3 (acceptance..negotiate_ack)");
            return WIRE_INVALID;
        }
        off += DCERPC_ACK_RESULT_LEN;
    }
    out->results_end = off;

    if (out->hdr.auth_length != 0) {
        if (dcerpc_auth_decode(buf, &out->hdr, off, &out->auth, why) != 0)
            return WIRE_INVALID;
        out->has_auth = true;
    }
    return out->hdr.frag_length;
}

ssize_t dcerpc_bind_nak_decode(const uint8_t *buf, size_t len, struct dcerpc_bind_nak *out,
                               const char **why)
{
    size_t body_end, off;
    int r;

    if (buf == NULL || out == NULL) {
        wire_set_why(why, "NULL argument");
        return WIRE_INVALID;
    }
    memset(out, 0, sizeof(*out));
    r = dcerpc_ack_frame(buf, len, DCERPC_PT_BIND_NAK, "PDU is not a bind_nak (ptype 13)",
                         &out->hdr, why);
    if (r != 0)
        return r;
    body_end = dcerpc_body_end(&out->hdr);
    if (body_end < DCERPC_BIND_NAK_MIN) {
        wire_set_why(why, "bind_nak is too short for provider_reject_reason and n_protocols");
        return WIRE_INVALID;
    }
    out->reject_reason = wire_get_u16le(buf + 16);
    out->n_protocols = buf[18];
    if (out->n_protocols > DCERPC_MAX_NAK_VERSIONS) {
        wire_set_why(why, "bind_nak n_protocols exceeds the cap of 8");
        return WIRE_TOOBIG;
    }
    off = DCERPC_BIND_NAK_MIN;
    if ((size_t)out->n_protocols * 2u > body_end - off) {
        wire_set_why(why, "bind_nak protocol versions run past the end of the PDU");
        return WIRE_INVALID;
    }
    for (unsigned i = 0; i < out->n_protocols; i++) {
        out->versions[i].major = buf[off];
        out->versions[i].minor = buf[off + 1];
        off += 2;
    }
    out->trailing = out->hdr.frag_length - off;
    return out->hdr.frag_length;
}

ssize_t dcerpc_fault_decode(const uint8_t *buf, size_t len, struct dcerpc_fault *out,
                            const char **why)
{
    int r;

    if (buf == NULL || out == NULL) {
        wire_set_why(why, "NULL argument");
        return WIRE_INVALID;
    }
    memset(out, 0, sizeof(*out));
    r = dcerpc_ack_frame(buf, len, DCERPC_PT_FAULT, "PDU is not a fault (ptype 3)", &out->hdr,
                         why);
    if (r != 0)
        return r;
    if (dcerpc_body_end(&out->hdr) < DCERPC_FAULT_MIN) {
        wire_set_why(why, "fault is shorter than 28 bytes, so it has no status");
        return WIRE_INVALID;
    }
    out->alloc_hint = wire_get_u32le(buf + 16);
    out->cont_id = wire_get_u16le(buf + 20);
    out->cancel_count = buf[22];
    out->flags = buf[23];
    out->status = wire_get_u32le(buf + 24);
    out->status_name = winerr_name(out->status);
    if (out->hdr.auth_length != 0) {
        if (dcerpc_auth_decode(buf, &out->hdr, DCERPC_FAULT_MIN, &out->auth, why) != 0)
            return WIRE_INVALID;
        out->has_auth = true;
    }
    return out->hdr.frag_length;
}

const char *dcerpc_ack_result_name(uint16_t result)
{
    switch (result) {
    case DCERPC_RESULT_ACCEPTANCE:
        return "acceptance";
    case DCERPC_RESULT_USER_REJECTION:
        return "user_rejection";
    case DCERPC_RESULT_PROVIDER_REJECTION:
        return "provider_rejection";
    case DCERPC_RESULT_NEGOTIATE_ACK:
        return "negotiate_ack";
    default:
        return "unknown";
    }
}

const char *dcerpc_ack_reason_name(uint16_t result, uint16_t reason)
{
    if (result == DCERPC_RESULT_NEGOTIATE_ACK)
        return "bind_time_features";
    switch (reason) {
    case DCERPC_REASON_NOT_SPECIFIED:
        return "reason_not_specified";
    case DCERPC_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED:
        return "abstract_syntax_not_supported";
    case DCERPC_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED:
        return "proposed_transfer_syntaxes_not_supported";
    case DCERPC_REASON_LOCAL_LIMIT_EXCEEDED:
        return "local_limit_exceeded";
    default:
        return "unknown";
    }
}

const char *dcerpc_nak_reason_name(uint16_t reason)
{
    static const char *const names[] = {
        "reason_not_specified",
        "temporary_congestion",
        "local_limit_exceeded",
        "called_paddr_unknown",
        "protocol_version_not_supported",
        "default_context_not_supported",
        "user_data_not_readable",
        "no_psap_available",
        "authentication_type_not_recognized",
        "invalid_checksum",
    };

    if (reason < sizeof(names) / sizeof(names[0]))
        return names[reason];
    return "unknown";
}

const char *dcerpc_ack_explain(uint16_t result, uint16_t reason)
{
    switch (result) {
    case DCERPC_RESULT_ACCEPTANCE:
        return "accepted: the interface is listening on this endpoint";
    case DCERPC_RESULT_NEGOTIATE_ACK:
        return "bind-time feature negotiation reply (not a verdict on the interface)";
    case DCERPC_RESULT_USER_REJECTION:
    case DCERPC_RESULT_PROVIDER_REJECTION:
        break;
    default:
        return "unknown bind result";
    }
    switch (reason) {
    case DCERPC_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED:
        return "abstract syntax not supported: the interface isn't listening on this endpoint";
    case DCERPC_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED:
        return "proposed transfer syntaxes not supported: the server does not accept the "
               "proposed transfer syntax for this interface";
    case DCERPC_REASON_LOCAL_LIMIT_EXCEEDED:
        return "local limit exceeded: the server refused the context for lack of resources";
    case DCERPC_REASON_NOT_SPECIFIED:
        return "the server rejected the context without giving a reason";
    default:
        return "the server rejected the context with an unknown reason";
    }
}
