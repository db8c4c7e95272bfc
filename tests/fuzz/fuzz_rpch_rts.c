/*
 * fuzz_rpch_rts.c: rts_decode() + rts_classify() on arbitrary bytes.
 *
 * Invariants checked (abort on violation):
 * - a failure always sets why, and INVALID/TOOBIG also fill pdu.detail;
 * - success consumes frag_length bytes (20..len, a multiple of 4);
 * - every decoded PDU re-encodes with rts_encode() to the same length,
 *   byte-identical unless it holds Padding/ClientAddress (whose padding
 *   bytes are not kept), and decodes again to the same encoding;
 * - every kind the classifier names re-encodes byte-exactly through its
 *   own encoder (CONN/A3, CONN/C2, echo, ping, both flow-control acks).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/common/wire.h"
#include "probes/rpch/rts.h"
#include "probes/rpch/rts_classify.h"
#include "probes/rpch/rts_encode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out1[65536], out2[65536];

static int keeps_all_bytes(const struct rts_pdu *p)
{
    uint16_t i;

    for (i = 0; i < p->num_commands; i++)
        if (p->cmds[i].type == RTS_CMD_PADDING || p->cmds[i].type == RTS_CMD_CLIENT_ADDRESS)
            return 0;
    return 1;
}

static size_t encode_kind(enum rts_kind kind, const struct rts_pdu *p, uint8_t *out, size_t cap)
{
    const struct rts_cmd *c = p->cmds;

    switch (kind) {
    case RTS_KIND_CONN_A3:
        return rts_encode_conn_a3(out, cap, c[0].u.connection_timeout);
    case RTS_KIND_CONN_C2:
        return rts_encode_conn_c2(out, cap, c[0].u.version, c[1].u.receive_window_size,
                                  c[2].u.connection_timeout);
    case RTS_KIND_ECHO:
        return rts_encode_echo(out, cap);
    case RTS_KIND_PING:
        return rts_encode_ping(out, cap);
    case RTS_KIND_FLOW_CONTROL_ACK:
        return rts_encode_flow_control_ack(out, cap, c[0].u.flow_control_ack.bytes_received,
                                           c[0].u.flow_control_ack.available_window,
                                           &c[0].u.flow_control_ack.channel_cookie);
    case RTS_KIND_FLOW_CONTROL_ACK_DEST:
        return rts_encode_flow_control_ack_dest(out, cap, c[0].u.destination,
                                                c[1].u.flow_control_ack.bytes_received,
                                                c[1].u.flow_control_ack.available_window,
                                                &c[1].u.flow_control_ack.channel_cookie);
    default:
        return 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct rts_pdu p, q;
    const char *why = NULL;
    enum rts_kind kind;
    ssize_t n;
    size_t m, k;

    n = rts_decode(&p, data, size, &why);
    if (n < 0) {
        if (!why)
            abort();
        if (n != WIRE_INCOMPLETE && p.detail[0] == '\0')
            abort();
        if (n != WIRE_INCOMPLETE && n != WIRE_INVALID && n != WIRE_TOOBIG)
            abort();
        return 0;
    }
    if (n < (ssize_t)RTS_HEADER_LEN || (size_t)n > size || n % 4 != 0 ||
        p.frag_length != (uint16_t)n || p.num_commands > RTS_MAX_COMMANDS)
        abort();

    m = rts_encode(out1, sizeof out1, &p);
    if (m != (size_t)n)
        abort();
    if (keeps_all_bytes(&p) && memcmp(out1, data, m) != 0)
        abort();
    if (rts_decode(&q, out1, m, &why) != n)
        abort();
    if (rts_encode(out2, sizeof out2, &q) != m || memcmp(out1, out2, m) != 0)
        abort();

    why = NULL;
    kind = rts_classify(&p, &why);
    if (kind == RTS_KIND_INVALID) {
        if (!why)
            abort();
        return 0;
    }
    if ((unsigned)kind >= RTS_KIND_COUNT || !rts_kind_name(kind))
        abort();
    k = encode_kind(kind, &p, out2, sizeof out2);
    if (k != (size_t)n || memcmp(out2, data, k) != 0)
        abort();
    return 0;
}
