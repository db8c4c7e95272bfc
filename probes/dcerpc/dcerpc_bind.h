/*
 * dcerpc_bind.h: the unauthenticated bind PDU (ptype 11) a probe sends to
 * EMSMDB / RFR / NSPI once the RPC over HTTP tunnel is open.
 *
 *   0                16        18        20             24      25   26       28
 *   +----------------+---------+---------+--------------+-------+----+--------+
 *   | common header  | max_xmit| max_recv| assoc_group  | n_ctx | rsv| rsv2   |
 *   +----------------+---------+---------+--------------+-------+----+--------+
 *   per context (n_ctx times):
 *   +-----------+--------+-----+------------------------+----------------------+
 *   | p_cont_id | n_tsyn | rsv | abstract syntax (20)   | n_tsyn x transfer(20)|
 *   +-----------+--------+-----+------------------------+----------------------+
 *     u16 LE      u8       u8
 *
 * One context with one transfer syntax gives 16 + 12 + 4 + 20 + 20 = 72 bytes.
 * EMSMDB, call_id 1, max frags 0x10B8 (rpc-over-http.md 4.2):
 *   05 00 0b 03 10 00 00 00 48 00 00 00 01 00 00 00 b8 10 b8 10 00 00 00 00
 *   01 00 00 00 00 00 01 00 00 db f1 a4 47 ca 67 10 b3 1f 00 dd 01 06 62 da
 *   00 00 51 00 04 5d 88 8a eb 1c c9 11 9f e8 08 00 2b 10 48 60 02 00 00 00
 *
 * No auth verifier is produced (the probe binds unauthenticated).
 */
#ifndef OAPROBE_DCERPC_BIND_H
#define OAPROBE_DCERPC_BIND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "probes/common/wire.h"
#include "probes/dcerpc/iface.h"

#define DCERPC_FRAG_IMPACKET 4280u   /* 0x10B8: impacket's max_xmit/max_recv */
#define DCERPC_FRAG_FREERDP  0x0FF8u /* 4088: ruler and FreeRDP */
#define DCERPC_FRAG_DEFAULT  DCERPC_FRAG_IMPACKET
#define DCERPC_FRAG_MIN      1432u   /* C706 MustRecvFragSize */
#define DCERPC_BIND_MAX_CTX  4u      /* contexts per bind */
#define DCERPC_BIND_MAX_TSYN 2u      /* transfer syntaxes per context */
/* Largest bind this encoder can produce. */
#define DCERPC_BIND_MAX_LEN                                                            \
    (28u + DCERPC_BIND_MAX_CTX * (4u + IFACE_SYNTAX_WIRE_LEN * (1u + DCERPC_BIND_MAX_TSYN)))

struct dcerpc_bind_ctx {
    uint16_t cont_id;
    struct iface_syntax abstract;
    uint8_t n_transfer;                                /* 1..DCERPC_BIND_MAX_TSYN */
    struct iface_syntax transfer[DCERPC_BIND_MAX_TSYN];
};

struct dcerpc_bind_req {
    uint32_t call_id;
    uint8_t pfc_flags;          /* FIRST_FRAG|LAST_FRAG by default */
    uint16_t max_xmit_frag;
    uint16_t max_recv_frag;
    uint32_t assoc_group_id;    /* 0 = new association */
    uint8_t n_ctx;              /* 1..DCERPC_BIND_MAX_CTX */
    struct dcerpc_bind_ctx ctx[DCERPC_BIND_MAX_CTX];
};

/*
 * Start a bind with one context (p_cont_id 0) for abstract, transfer syntax
 * NDR 2.0, max frags DCERPC_FRAG_DEFAULT, assoc_group 0, pfc_flags
 * FIRST_FRAG|LAST_FRAG.
 *   req      [out] the request
 *   abstract [in]  the interface, e.g. &iface_get(IFACE_EMSMDB)->syntax
 *   call_id  [in]  the call_id to put in the header
 * Returns 0, or WIRE_INVALID for a NULL argument.
 */
int dcerpc_bind_req_init(struct dcerpc_bind_req *req, const struct iface_syntax *abstract,
                         uint32_t call_id);

/*
 * Append a context (p_cont_id = its index) proposing one transfer syntax.
 *   req      [in/out] the request
 *   abstract [in]     interface of the new context
 *   transfer [in]     its transfer syntax (NDR, NDR64 or a BTFN syntax)
 * Returns the new context's index; WIRE_TOOBIG when the request already has
 * DCERPC_BIND_MAX_CTX contexts; WIRE_INVALID for a NULL argument.
 */
int dcerpc_bind_req_add(struct dcerpc_bind_req *req, const struct iface_syntax *abstract,
                        const struct iface_syntax *transfer);

/*
 * Size in bytes of the encoded bind, or WIRE_INVALID when req is NULL or
 * has an out-of-range n_ctx / n_transfer.
 */
ssize_t dcerpc_bind_size(const struct dcerpc_bind_req *req);

/*
 * Encode the bind PDU.
 *   req       [in]  the request
 *   out, size [out] destination buffer
 *   why       [out] static reason on failure (may be NULL)
 * Returns the bytes written (frag_length); WIRE_TOOBIG when size is too
 * small; WIRE_INVALID for a NULL argument, n_ctx 0 or above the cap, a
 * context with 0 or too many transfer syntaxes, or a max frag size below
 * 1432. Nothing is written on failure.
 */
ssize_t dcerpc_bind_encode(const struct dcerpc_bind_req *req, uint8_t *out, size_t size,
                           const char **why);

#endif /* OAPROBE_DCERPC_BIND_H */
