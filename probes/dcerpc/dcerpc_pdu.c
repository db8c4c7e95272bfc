/*
 * dcerpc_pdu.c: common header, auth verifier, PTYPE and pfc_flags names.
 * Layouts are drawn in dcerpc_pdu.h.
 */
#include "probes/dcerpc/dcerpc_pdu.h"

#include <stdbool.h>
#include <string.h>

#include "probes/common/wire.h"

ssize_t dcerpc_hdr_decode(const uint8_t *buf, size_t len, struct dcerpc_hdr *out,
                          const char **why)
{
    if (buf == NULL || out == NULL) {
        wire_set_why(why, "NULL argument");
        return WIRE_INVALID;
    }
    memset(out, 0, sizeof(*out));
    if (len < DCERPC_HDR_LEN) {
        wire_set_why(why, "fewer than the 16 bytes of the common header");
        return WIRE_INCOMPLETE;
    }
    out->rpc_vers = buf[0];
    out->rpc_vers_minor = buf[1];
    out->ptype = buf[2];
    out->pfc_flags = buf[3];
    memcpy(out->drep, buf + 4, 4);
    out->frag_length = wire_get_u16le(buf + 8);
    out->auth_length = wire_get_u16le(buf + 10);
    out->call_id = wire_get_u32le(buf + 12);

    if (out->rpc_vers != DCERPC_RPC_VERS) {
        wire_set_why(why, "rpc_vers is not 5 (not a connection-oriented DCE/RPC PDU)");
        return WIRE_INVALID;
    }
    if (out->rpc_vers_minor > 1) {
        wire_set_why(why, "rpc_vers_minor is not 0 or 1");
        return WIRE_INVALID;
    }
    if (out->drep[0] != DCERPC_DREP_LE_ASCII) {
        wire_set_why(why, "packed_drep[0] is not 0x10 (little-endian, ASCII)");
        return WIRE_INVALID;
    }
    if (out->frag_length < DCERPC_HDR_LEN) {
        wire_set_why(why, "frag_length is shorter than the 16-byte common header");
        return WIRE_INVALID;
    }
    if (out->auth_length != 0 &&
        (size_t)out->auth_length + DCERPC_SEC_TRAILER_LEN + DCERPC_HDR_LEN > out->frag_length) {
        wire_set_why(why, "auth_length points outside the PDU (auth verifier does not fit "
                            "after the header within frag_length)");
        return WIRE_INVALID;
    }
    return DCERPC_HDR_LEN;
}

ssize_t dcerpc_hdr_encode(const struct dcerpc_hdr *h, uint8_t *out, size_t size)
{
    if (h == NULL || out == NULL)
        return WIRE_INVALID;
    if (size < DCERPC_HDR_LEN)
        return WIRE_TOOBIG;
    out[0] = h->rpc_vers;
    out[1] = h->rpc_vers_minor;
    out[2] = h->ptype;
    out[3] = h->pfc_flags;
    memcpy(out + 4, h->drep, 4);
    wire_put_u16le(out + 8, h->frag_length);
    wire_put_u16le(out + 10, h->auth_length);
    wire_put_u32le(out + 12, h->call_id);
    return DCERPC_HDR_LEN;
}

size_t dcerpc_body_end(const struct dcerpc_hdr *h)
{
    if (h == NULL)
        return 0;
    if (h->auth_length == 0)
        return h->frag_length;
    return (size_t)h->frag_length - h->auth_length - DCERPC_SEC_TRAILER_LEN;
}

int dcerpc_auth_decode(const uint8_t *pdu, const struct dcerpc_hdr *h, size_t body_min,
                       struct dcerpc_auth *out, const char **why)
{
    size_t t;

    if (pdu == NULL || h == NULL || out == NULL) {
        wire_set_why(why, "NULL argument");
        return WIRE_INVALID;
    }
    memset(out, 0, sizeof(*out));
    if (h->auth_length == 0 ||
        (size_t)h->auth_length + DCERPC_SEC_TRAILER_LEN + DCERPC_HDR_LEN > h->frag_length) {
        wire_set_why(why, "auth_length is 0 or points outside the PDU");
        return WIRE_INVALID;
    }
    t = dcerpc_body_end(h);
    if (t < body_min) {
        wire_set_why(why, "auth verifier overlaps the PDU body");
        return WIRE_INVALID;
    }
    if (t % 4 != 0) {
        wire_set_why(why, "sec_trailer is not 4-byte aligned from the PDU start");
        return WIRE_INVALID;
    }
    out->auth_type = pdu[t];
    out->auth_level = pdu[t + 1];
    out->auth_pad_length = pdu[t + 2];
    out->auth_reserved = pdu[t + 3];
    out->auth_context_id = wire_get_u32le(pdu + t + 4);
    out->trailer_offset = t;
    out->token = pdu + t + DCERPC_SEC_TRAILER_LEN;
    out->token_len = h->auth_length;
    if (out->auth_pad_length > t - body_min) {
        wire_set_why(why, "auth_pad_length is larger than the gap before the sec_trailer");
        return WIRE_INVALID;
    }
    return 0;
}

const char *dcerpc_ptype_name(uint8_t ptype)
{
    static const char *const names[] = {
        "request",  "ping",          "response",           "fault",     "working",
        "nocall",   "reject",        "ack",                "cl_cancel", "fack",
        "cancel_ack", "bind",        "bind_ack",           "bind_nak",  "alter_context",
        "alter_context_resp", "auth3", "shutdown",         "co_cancel", "orphaned",
        "rts",
    };

    if (ptype < sizeof(names) / sizeof(names[0]))
        return names[ptype];
    return "unknown";
}

/* Does bit 0x04 mean SUPPORT_HEADER_SIGN for this ptype (MS-RPCE 2.2.2.3)? */
static bool dcerpc_pfc_is_sign(uint8_t ptype)
{
    return ptype == DCERPC_PT_BIND || ptype == DCERPC_PT_BIND_ACK ||
           ptype == DCERPC_PT_ALTER_CONTEXT || ptype == DCERPC_PT_ALTER_CONTEXT_RESP;
}

/* snprintf-style append: write what fits, always NUL-terminate, return the
 * offset the full text would reach. */
static size_t dcerpc_pfc_append(char *buf, size_t size, size_t at, const char *s)
{
    size_t n = strlen(s);

    if (at < size) {
        size_t room = size - at - 1;
        size_t k = n < room ? n : room;

        memcpy(buf + at, s, k);
        buf[at + k] = '\0';
    }
    return at + n;
}

size_t dcerpc_pfc_flags_format(uint8_t flags, uint8_t ptype, char *buf, size_t size)
{
    const char *const names[8] = {
        "FIRST_FRAG",
        "LAST_FRAG",
        dcerpc_pfc_is_sign(ptype) ? "SUPPORT_HEADER_SIGN" : "PENDING_CANCEL",
        "RESERVED_1",
        "CONC_MPX",
        "DID_NOT_EXECUTE",
        "MAYBE",
        "OBJECT_UUID",
    };
    size_t at = 0;

    if (buf == NULL)
        return 0;
    if (size > 0)
        buf[0] = '\0';
    if (flags == 0)
        return dcerpc_pfc_append(buf, size, 0, "none");
    for (unsigned bit = 0; bit < 8; bit++) {
        if ((flags & (1u << bit)) == 0)
            continue;
        if (at > 0)
            at = dcerpc_pfc_append(buf, size, at, "|");
        at = dcerpc_pfc_append(buf, size, at, names[bit]);
    }
    return at;
}
