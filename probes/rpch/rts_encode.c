/*
 * rts_encode.c: RTS PDU encoders. The header written is the one drawn on
 * rts_decode() in rts.h (rpc_vers 5.0, PTYPE 20, pfc_flags 0x03, packed_drep
 * 10 00 00 00, auth_length 0, call_id 0); the commands are rts_cmd.c's.
 */
#include "probes/rpch/rts_encode.h"

#include <string.h>

#include "probes/common/wire.h"

#define FRAG_MAX 0xFFFFu

size_t rts_encode(uint8_t *buf, size_t cap, const struct rts_pdu *pdu)
{
    size_t total = RTS_HEADER_LEN, off, n;
    uint16_t i;

    if (!buf || !pdu || pdu->num_commands > RTS_MAX_COMMANDS)
        return 0;
    for (i = 0; i < pdu->num_commands; i++) {
        n = rts_cmd_size(&pdu->cmds[i]);
        if (n == 0)
            return 0;
        total += n;
    }
    if (total > FRAG_MAX || total > cap)
        return 0;

    buf[0] = RTS_RPC_VERS;
    buf[1] = RTS_RPC_VERS_MINOR;
    buf[2] = RTS_PTYPE;
    buf[3] = RTS_PFC_FLAGS;
    buf[4] = 0x10;
    buf[5] = buf[6] = buf[7] = 0;
    wire_put_u16le(buf + 8, (uint16_t)total);
    wire_put_u16le(buf + 10, 0);
    wire_put_u32le(buf + 12, 0);
    wire_put_u16le(buf + 16, pdu->flags);
    wire_put_u16le(buf + 18, pdu->num_commands);
    off = RTS_HEADER_LEN;
    for (i = 0; i < pdu->num_commands; i++) {
        n = rts_cmd_encode(buf + off, cap - off, &pdu->cmds[i]);
        if (n == 0)
            return 0; /* cannot happen: sizes were checked above */
        off += n;
    }
    return off;
}

/* A PDU being built on the stack by the fixed-shape encoders below. */
static void pdu_init(struct rts_pdu *p, uint16_t flags)
{
    memset(p, 0, sizeof *p);
    p->flags = flags;
}

static void add_u32(struct rts_pdu *p, uint32_t type, uint32_t v)
{
    struct rts_cmd *c = &p->cmds[p->num_commands++];
    c->type = type;
    c->u.receive_window_size = v; /* the u32 members share one place */
}

static void add_cookie(struct rts_pdu *p, uint32_t type, const struct rts_cookie *ck)
{
    struct rts_cmd *c = &p->cmds[p->num_commands++];
    c->type = type;
    c->u.cookie = *ck; /* Cookie and AssociationGroupId share one place */
}

static void add_fc_ack(struct rts_pdu *p, uint32_t bytes_received, uint32_t available_window,
                       const struct rts_cookie *ck)
{
    struct rts_cmd *c = &p->cmds[p->num_commands++];
    c->type = RTS_CMD_FLOW_CONTROL_ACK;
    c->u.flow_control_ack.bytes_received = bytes_received;
    c->u.flow_control_ack.available_window = available_window;
    c->u.flow_control_ack.channel_cookie = *ck;
}

size_t rts_encode_conn_a1(uint8_t *buf, size_t cap, const struct rts_cookie *vc,
                          const struct rts_cookie *out_channel, uint32_t receive_window)
{
    struct rts_pdu p;

    if (!vc || !out_channel)
        return 0;
    pdu_init(&p, RTS_FLAG_NONE);
    add_u32(&p, RTS_CMD_VERSION, RTS_VERSION_1);
    add_cookie(&p, RTS_CMD_COOKIE, vc);
    add_cookie(&p, RTS_CMD_COOKIE, out_channel);
    add_u32(&p, RTS_CMD_RECEIVE_WINDOW_SIZE, receive_window);
    return rts_encode(buf, cap, &p);
}

size_t rts_encode_conn_b1(uint8_t *buf, size_t cap, const struct rts_cookie *vc,
                          const struct rts_cookie *in_channel, uint32_t channel_lifetime,
                          uint32_t client_keepalive, const struct rts_cookie *assoc_group)
{
    struct rts_pdu p;

    if (!vc || !in_channel || !assoc_group)
        return 0;
    pdu_init(&p, RTS_FLAG_NONE);
    add_u32(&p, RTS_CMD_VERSION, RTS_VERSION_1);
    add_cookie(&p, RTS_CMD_COOKIE, vc);
    add_cookie(&p, RTS_CMD_COOKIE, in_channel);
    add_u32(&p, RTS_CMD_CHANNEL_LIFETIME, channel_lifetime);
    add_u32(&p, RTS_CMD_CLIENT_KEEPALIVE, client_keepalive);
    add_cookie(&p, RTS_CMD_ASSOCIATION_GROUP_ID, assoc_group);
    return rts_encode(buf, cap, &p);
}

size_t rts_encode_conn_a3(uint8_t *buf, size_t cap, uint32_t connection_timeout)
{
    struct rts_pdu p;

    pdu_init(&p, RTS_FLAG_NONE);
    add_u32(&p, RTS_CMD_CONNECTION_TIMEOUT, connection_timeout);
    return rts_encode(buf, cap, &p);
}

size_t rts_encode_conn_c2(uint8_t *buf, size_t cap, uint32_t version, uint32_t receive_window,
                          uint32_t connection_timeout)
{
    struct rts_pdu p;

    pdu_init(&p, RTS_FLAG_NONE);
    add_u32(&p, RTS_CMD_VERSION, version);
    add_u32(&p, RTS_CMD_RECEIVE_WINDOW_SIZE, receive_window);
    add_u32(&p, RTS_CMD_CONNECTION_TIMEOUT, connection_timeout);
    return rts_encode(buf, cap, &p);
}

size_t rts_encode_echo(uint8_t *buf, size_t cap)
{
    struct rts_pdu p;

    pdu_init(&p, RTS_FLAG_ECHO);
    return rts_encode(buf, cap, &p);
}

size_t rts_encode_ping(uint8_t *buf, size_t cap)
{
    struct rts_pdu p;

    pdu_init(&p, RTS_FLAG_PING);
    return rts_encode(buf, cap, &p);
}

size_t rts_encode_flow_control_ack(uint8_t *buf, size_t cap, uint32_t bytes_received,
                                   uint32_t available_window, const struct rts_cookie *channel)
{
    struct rts_pdu p;

    if (!channel)
        return 0;
    pdu_init(&p, RTS_FLAG_OTHER_CMD);
    add_fc_ack(&p, bytes_received, available_window, channel);
    return rts_encode(buf, cap, &p);
}

size_t rts_encode_flow_control_ack_dest(uint8_t *buf, size_t cap, uint32_t destination,
                                        uint32_t bytes_received, uint32_t available_window,
                                        const struct rts_cookie *channel)
{
    struct rts_pdu p;

    if (!channel)
        return 0;
    pdu_init(&p, RTS_FLAG_OTHER_CMD);
    add_u32(&p, RTS_CMD_DESTINATION, destination);
    add_fc_ack(&p, bytes_received, available_window, channel);
    return rts_encode(buf, cap, &p);
}
