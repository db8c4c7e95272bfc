/*
 * dcerpc_bind.c: bind PDU encoder. Layout drawn in dcerpc_bind.h.
 */
#include "probes/dcerpc/dcerpc_bind.h"

#include <string.h>

#include "probes/common/wire.h"
#include "probes/dcerpc/dcerpc_pdu.h"

#define DCERPC_BIND_FIXED_LEN 28u /* header + max frags + assoc group + n_ctx + 3 reserved */
#define DCERPC_BIND_CTX_FIXED 4u  /* p_cont_id + n_transfer_syn + reserved */

int dcerpc_bind_req_init(struct dcerpc_bind_req *req, const struct iface_syntax *abstract,
                         uint32_t call_id)
{
    if (req == NULL || abstract == NULL)
        return WIRE_INVALID;
    memset(req, 0, sizeof(*req));
    req->call_id = call_id;
    req->pfc_flags = DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG;
    req->max_xmit_frag = DCERPC_FRAG_DEFAULT;
    req->max_recv_frag = DCERPC_FRAG_DEFAULT;
    req->assoc_group_id = 0;
    return dcerpc_bind_req_add(req, abstract, &iface_get(IFACE_NDR)->syntax) == 0 ? 0
                                                                                 : WIRE_INVALID;
}

int dcerpc_bind_req_add(struct dcerpc_bind_req *req, const struct iface_syntax *abstract,
                        const struct iface_syntax *transfer)
{
    struct dcerpc_bind_ctx *c;

    if (req == NULL || abstract == NULL || transfer == NULL)
        return WIRE_INVALID;
    if (req->n_ctx >= DCERPC_BIND_MAX_CTX)
        return WIRE_TOOBIG;
    c = &req->ctx[req->n_ctx];
    memset(c, 0, sizeof(*c));
    c->cont_id = req->n_ctx;
    c->abstract = *abstract;
    c->n_transfer = 1;
    c->transfer[0] = *transfer;
    return req->n_ctx++;
}

/* Check req and compute its size; 0 and *why set when invalid. */
static size_t dcerpc_bind_check(const struct dcerpc_bind_req *req, const char **why)
{
    size_t n = DCERPC_BIND_FIXED_LEN;

    if (req->n_ctx == 0 || req->n_ctx > DCERPC_BIND_MAX_CTX) {
        wire_set_why(why, "n_ctx is 0 or above the 4-context cap");
        return 0;
    }
    if (req->max_xmit_frag < DCERPC_FRAG_MIN || req->max_recv_frag < DCERPC_FRAG_MIN) {
        wire_set_why(why, "max_xmit_frag or max_recv_frag is below the 1432-byte minimum");
        return 0;
    }
    for (unsigned i = 0; i < req->n_ctx; i++) {
        const struct dcerpc_bind_ctx *c = &req->ctx[i];

        if (c->n_transfer == 0 || c->n_transfer > DCERPC_BIND_MAX_TSYN) {
            wire_set_why(why, "a context has 0 transfer syntaxes or more than the cap of 2");
            return 0;
        }
        n += DCERPC_BIND_CTX_FIXED + IFACE_SYNTAX_WIRE_LEN * (1u + c->n_transfer);
    }
    return n;
}

ssize_t dcerpc_bind_size(const struct dcerpc_bind_req *req)
{
    size_t n;

    if (req == NULL)
        return WIRE_INVALID;
    n = dcerpc_bind_check(req, NULL);
    return n == 0 ? WIRE_INVALID : (ssize_t)n;
}

ssize_t dcerpc_bind_encode(const struct dcerpc_bind_req *req, uint8_t *out, size_t size,
                           const char **why)
{
    struct dcerpc_hdr h;
    size_t n, o;

    if (req == NULL || out == NULL) {
        wire_set_why(why, "NULL argument");
        return WIRE_INVALID;
    }
    n = dcerpc_bind_check(req, why);
    if (n == 0)
        return WIRE_INVALID;
    if (size < n) {
        wire_set_why(why, "output buffer is smaller than the bind PDU");
        return WIRE_TOOBIG;
    }

    memset(&h, 0, sizeof(h));
    h.rpc_vers = DCERPC_RPC_VERS;
    h.rpc_vers_minor = 0;
    h.ptype = DCERPC_PT_BIND;
    h.pfc_flags = req->pfc_flags;
    h.drep[0] = DCERPC_DREP_LE_ASCII;
    h.frag_length = (uint16_t)n;
    h.auth_length = 0;
    h.call_id = req->call_id;
    (void)dcerpc_hdr_encode(&h, out, size);

    wire_put_u16le(out + 16, req->max_xmit_frag);
    wire_put_u16le(out + 18, req->max_recv_frag);
    wire_put_u32le(out + 20, req->assoc_group_id);
    out[24] = req->n_ctx;
    out[25] = 0;
    wire_put_u16le(out + 26, 0);
    o = DCERPC_BIND_FIXED_LEN;

    for (unsigned i = 0; i < req->n_ctx; i++) {
        const struct dcerpc_bind_ctx *c = &req->ctx[i];

        wire_put_u16le(out + o, c->cont_id);
        out[o + 2] = c->n_transfer;
        out[o + 3] = 0;
        o += DCERPC_BIND_CTX_FIXED;
        (void)iface_syntax_encode(&c->abstract, out + o);
        o += IFACE_SYNTAX_WIRE_LEN;
        for (unsigned t = 0; t < c->n_transfer; t++) {
            (void)iface_syntax_encode(&c->transfer[t], out + o);
            o += IFACE_SYNTAX_WIRE_LEN;
        }
    }
    return (ssize_t)o;
}
