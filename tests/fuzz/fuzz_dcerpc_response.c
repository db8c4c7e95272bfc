/*
 * fuzz_dcerpc_response.c: libFuzzer driver for the bind-response decoder
 * (dcerpc_bind_response_decode) and the per-PDU decoders under it.
 *
 * Input: the bytes the OUT channel delivered where a bind_ack was expected.
 * Each input is decoded in streaming mode and in DCERPC_DECODE_EXACT mode,
 * and through bind_ack / bind_nak / fault decoders directly.
 * Invariants (trap on violation): success consumes exactly frag_length bytes,
 * never more than the input, and sets a verdict kind; failure leaves kind
 * NONE and a reason; EXACT success implies frag_length == size; the deciding
 * context index is inside n_results; the sec_addr copy is NUL-terminated and
 * as long as sec_addr_len says; an auth token lies inside the PDU; every
 * name function returns a string.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "probes/dcerpc/dcerpc_ack.h"
#include "probes/dcerpc/dcerpc_pdu.h"
#include "probes/dcerpc/dcerpc_verdict.h"
#include "probes/dcerpc/iface.h"
#include "probes/rpcerr/winerr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_auth(const struct dcerpc_auth *a, const struct dcerpc_hdr *h,
                       const uint8_t *data, size_t size)
{
    unsigned sum = 0;

    if (a->token < data || a->token + a->token_len > data + size)
        __builtin_trap();
    if (a->trailer_offset + DCERPC_SEC_TRAILER_LEN + a->token_len != h->frag_length)
        __builtin_trap();
    if (a->trailer_offset % 4 != 0)
        __builtin_trap();
    for (size_t i = 0; i < a->token_len; i++)
        sum += a->token[i];
    (void)sum;
}

static void check_ack(const struct dcerpc_bind_ack *a, const uint8_t *data, size_t size)
{
    char text[IFACE_UUID_TEXT_LEN + 1];

    if (memchr(a->sec_addr, '\0', sizeof(a->sec_addr)) == NULL)
        __builtin_trap();
    if (a->sec_addr_len > DCERPC_SEC_ADDR_MAX)
        __builtin_trap();
    if (a->sec_addr_len > 0 && strlen(a->sec_addr) + 1 != a->sec_addr_len)
        __builtin_trap();
    if (a->n_results == 0 || a->n_results > DCERPC_MAX_RESULTS || a->pad_len > 3)
        __builtin_trap();
    if ((DCERPC_BIND_ACK_MIN + a->sec_addr_len + a->pad_len) % 4 != 0)
        __builtin_trap();
    if (a->results_end > dcerpc_body_end(&a->hdr))
        __builtin_trap();
    for (unsigned i = 0; i < a->n_results; i++) {
        const struct dcerpc_ack_result *r = &a->results[i];

        if (r->result > DCERPC_RESULT_NEGOTIATE_ACK)
            __builtin_trap();
        if (dcerpc_ack_result_name(r->result) == NULL ||
            dcerpc_ack_reason_name(r->result, r->reason) == NULL ||
            dcerpc_ack_explain(r->result, r->reason) == NULL)
            __builtin_trap();
        (void)iface_by_syntax(&r->transfer);
        if (iface_uuid_format(&r->transfer.uuid, text, sizeof(text)) != 36)
            __builtin_trap();
    }
    if (a->has_auth)
        check_auth(&a->auth, &a->hdr, data, size);
}

static void check_verdict(const struct dcerpc_bind_verdict *v, ssize_t r, const uint8_t *data,
                          size_t size, unsigned flags)
{
    char flags_text[128];

    if (r < 0) {
        if (v->kind != DCERPC_VERDICT_NONE)
            __builtin_trap();
        if (r != WIRE_INCOMPLETE && r != WIRE_INVALID && r != WIRE_TOOBIG)
            __builtin_trap();
        if (r == WIRE_INCOMPLETE && (flags & DCERPC_DECODE_EXACT) != 0)
            __builtin_trap();
        return;
    }
    if ((size_t)r > size || (size_t)r != v->hdr.frag_length || r < (ssize_t)DCERPC_HDR_LEN)
        __builtin_trap();
    if ((flags & DCERPC_DECODE_EXACT) != 0 && (size_t)r != size)
        __builtin_trap();
    if (v->hdr.frag_length > DCERPC_RESPONSE_FRAG_MAX)
        __builtin_trap();
    if (dcerpc_verdict_kind_name(v->kind) == NULL || dcerpc_ptype_name(v->hdr.ptype) == NULL)
        __builtin_trap();
    if (dcerpc_pfc_flags_format(v->hdr.pfc_flags, v->hdr.ptype, flags_text,
                                sizeof(flags_text)) >= sizeof(flags_text))
        __builtin_trap();
    switch (v->kind) {
    case DCERPC_VERDICT_ACCEPTED:
    case DCERPC_VERDICT_REJECTED:
        if (v->hdr.ptype != DCERPC_PT_BIND_ACK || v->ctx_index >= v->u.ack.n_results)
            __builtin_trap();
        if (v->result != v->u.ack.results[v->ctx_index].result)
            __builtin_trap();
        if ((v->kind == DCERPC_VERDICT_ACCEPTED) != (v->result == DCERPC_RESULT_ACCEPTANCE))
            __builtin_trap();
        check_ack(&v->u.ack, data, size);
        break;
    case DCERPC_VERDICT_NAK:
        if (v->u.nak.n_protocols > DCERPC_MAX_NAK_VERSIONS ||
            dcerpc_nak_reason_name(v->u.nak.reject_reason) == NULL)
            __builtin_trap();
        if (DCERPC_BIND_NAK_MIN + 2u * v->u.nak.n_protocols + v->u.nak.trailing !=
            v->hdr.frag_length)
            __builtin_trap();
        break;
    case DCERPC_VERDICT_FAULT:
        if (v->u.fault.status_name != winerr_name(v->u.fault.status))
            __builtin_trap();
        if (v->u.fault.status_name != NULL && winerr_desc(v->u.fault.status) == NULL)
            __builtin_trap();
        if (v->u.fault.has_auth)
            check_auth(&v->u.fault.auth, &v->hdr, data, size);
        break;
    case DCERPC_VERDICT_UNEXPECTED:
        if (v->hdr.ptype == DCERPC_PT_BIND_ACK || v->hdr.ptype == DCERPC_PT_BIND_NAK ||
            v->hdr.ptype == DCERPC_PT_FAULT)
            __builtin_trap();
        break;
    default:
        __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned modes[] = { 0, DCERPC_DECODE_EXACT };
    struct dcerpc_bind_verdict v;
    struct dcerpc_bind_ack ack;
    struct dcerpc_bind_nak nak;
    struct dcerpc_fault fault;
    struct dcerpc_hdr h;
    const char *why;
    ssize_t r, streaming = 0;
    int capped;

    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        why = NULL;
        r = dcerpc_bind_response_decode(data, size, modes[m], &v, &why);
        if (r < 0 && why == NULL)
            __builtin_trap();
        check_verdict(&v, r, data, size, modes[m]);
        if (m == 0)
            streaming = r;
        else if (r >= 0 && streaming != r)
            __builtin_trap(); /* exact success implies streaming success */
    }

    /*
     * The per-PDU decoders on their own agree with the entry point, which
     * adds only the DCERPC_RESPONSE_FRAG_MAX cap.
     */
    r = dcerpc_hdr_decode(data, size, &h, &why);
    if (r >= 0 && (r != DCERPC_HDR_LEN || dcerpc_body_end(&h) > h.frag_length))
        __builtin_trap();
    capped = r >= 0 && h.frag_length > DCERPC_RESPONSE_FRAG_MAX;
    r = dcerpc_bind_ack_decode(data, size, &ack, &why);
    if (r >= 0 && ((!capped && streaming != r) || r > (ssize_t)size))
        __builtin_trap();
    if (r >= 0 && !capped)
        check_ack(&ack, data, size);
    r = dcerpc_bind_nak_decode(data, size, &nak, &why);
    if (r >= 0 && ((!capped && streaming != r) || r > (ssize_t)size))
        __builtin_trap();
    r = dcerpc_fault_decode(data, size, &fault, &why);
    if (r >= 0 && ((!capped && streaming != r) || r > (ssize_t)size))
        __builtin_trap();
    return 0;
}
