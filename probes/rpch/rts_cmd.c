/*
 * rts_cmd.c: decode, validate and encode single RTS commands
 * (MS-RPCH 2.2.3.5). See rts_cmd.h for the value-range policy.
 *
 * Every command starts with a little-endian u32 CommandType:
 *
 *   0                   1                   2                   3
 *  +-------+-------+-------+-------+-------------------------------
 *  |          CommandType          | payload (depends on the type)
 *  +-------+-------+-------+-------+-------------------------------
 *
 *  type  name                    payload                             total
 *  0x0   ReceiveWindowSize       u32 bytes                             8
 *  0x1   FlowControlAck          u32 BytesReceived, u32 AvailableWindow,
 *                                16-byte ChannelCookie                28
 *  0x2   ConnectionTimeout       u32 ms                                8
 *  0x3   Cookie                  16-byte cookie                       20
 *  0x4   ChannelLifetime         u32 bytes                             8
 *  0x5   ClientKeepalive         u32 ms                                8
 *  0x6   Version                 u32                                   8
 *  0x7   Empty                   -                                     4
 *  0x8   Padding                 u32 ConformanceCount, that many bytes 8+N
 *  0x9   NegativeANCE            -                                     4
 *  0xA   ANCE                    -                                     4
 *  0xB   ClientAddress           u32 AddressType, 4 (IPv4) or 16 (IPv6)
 *                                address bytes, 12 bytes padding   24/36
 *  0xC   AssociationGroupId      16-byte cookie                       20
 *  0xD   Destination             u32 (0 client .. 3 out proxy)         8
 *  0xE   PingTrafficSentNotify   u32                                   8
 */
#include "probes/rpch/rts_cmd.h"

#include <string.h>

#include "probes/common/wire.h"

#define ADDR_PAD_LEN 12u

static const char *const cmd_names[RTS_CMD_TYPE_COUNT] = {
    "ReceiveWindowSize", "FlowControlAck", "ConnectionTimeout", "Cookie",
    "ChannelLifetime", "ClientKeepalive", "Version", "Empty", "Padding",
    "NegativeANCE", "ANCE", "ClientAddress", "AssociationGroupId",
    "Destination", "PingTrafficSentNotify",
};

const char *rts_cmd_name(uint32_t type)
{
    if (type >= RTS_CMD_TYPE_COUNT)
        return "unknown";
    return cmd_names[type];
}

uint32_t rts_cmd_value(const struct rts_cmd *cmd)
{
    if (!cmd)
        return 0;
    switch (cmd->type) {
    case RTS_CMD_RECEIVE_WINDOW_SIZE: return cmd->u.receive_window_size;
    case RTS_CMD_FLOW_CONTROL_ACK:    return cmd->u.flow_control_ack.bytes_received;
    case RTS_CMD_CONNECTION_TIMEOUT:  return cmd->u.connection_timeout;
    case RTS_CMD_CHANNEL_LIFETIME:    return cmd->u.channel_lifetime;
    case RTS_CMD_CLIENT_KEEPALIVE:    return cmd->u.client_keepalive;
    case RTS_CMD_VERSION:             return cmd->u.version;
    case RTS_CMD_PADDING:             return cmd->u.padding_count;
    case RTS_CMD_CLIENT_ADDRESS:      return cmd->u.client_address.address_type;
    case RTS_CMD_DESTINATION:         return cmd->u.destination;
    case RTS_CMD_PING_TRAFFIC_SENT_NOTIFY: return cmd->u.ping_traffic_sent;
    default:                          return 0;
    }
}

static ssize_t fail(const char **why, const char *reason, ssize_t rc)
{
    if (why)
        *why = reason;
    return rc;
}

/* Range policy for the commands carrying one u32; see rts_cmd.h. */
static ssize_t check_u32(uint32_t type, uint32_t v, uint32_t *quirks, const char **why)
{
    switch (type) {
    case RTS_CMD_RECEIVE_WINDOW_SIZE:
        if (v < RTS_RECEIVE_WINDOW_MIN)
            return fail(why, "ReceiveWindowSize is below 8 KB (0x2000)", WIRE_INVALID);
        if (v > RTS_RECEIVE_WINDOW_MAX)
            return fail(why, "ReceiveWindowSize is above 1 GB (0x40000000)", WIRE_INVALID);
        if (v > RTS_RECEIVE_WINDOW_SPEC_MAX && quirks)
            *quirks |= RTS_QUIRK_WINDOW_ABOVE_SPEC;
        return 0;
    case RTS_CMD_CONNECTION_TIMEOUT:
        if (v == 0)
            return fail(why, "ConnectionTimeout is 0 ms", WIRE_INVALID);
        if ((v < RTS_CONNECTION_TIMEOUT_MIN || v > RTS_CONNECTION_TIMEOUT_MAX) && quirks)
            *quirks |= RTS_QUIRK_TIMEOUT_OUT_OF_SPEC;
        return 0;
    case RTS_CMD_CHANNEL_LIFETIME:
        if (v < RTS_CHANNEL_LIFETIME_MIN || v > RTS_CHANNEL_LIFETIME_MAX)
            return fail(why, "ChannelLifetime is outside 0x20000..0x80000000", WIRE_INVALID);
        return 0;
    case RTS_CMD_CLIENT_KEEPALIVE:
        if (v != 0 && v < RTS_CLIENT_KEEPALIVE_MIN)
            return fail(why, "ClientKeepalive is neither 0 nor at least 60000 ms", WIRE_INVALID);
        return 0;
    case RTS_CMD_VERSION:
        if (v != RTS_VERSION_1)
            return fail(why, "Version is not 1", WIRE_INVALID);
        return 0;
    case RTS_CMD_DESTINATION:
        if (v > RTS_FD_OUT_PROXY)
            return fail(why, "Destination is not 0..3 (client, in proxy, server, out proxy)",
                        WIRE_INVALID);
        return 0;
    default: /* PingTrafficSentNotify: any value */
        return 0;
    }
}

ssize_t rts_cmd_decode(struct rts_cmd *out, const uint8_t *buf, size_t len,
                       uint32_t *quirks, const char **why)
{
    uint32_t v;

    if (!out || !buf)
        return fail(why, "rts_cmd_decode: NULL argument", WIRE_INVALID);
    memset(out, 0, sizeof *out);
    if (len < 4)
        return fail(why, "command is cut short before its CommandType", WIRE_INCOMPLETE);
    out->type = wire_get_u32le(buf);

    switch (out->type) {
    case RTS_CMD_EMPTY:
    case RTS_CMD_NEGATIVE_ANCE:
    case RTS_CMD_ANCE:
        return RTS_CMD_SIZE_BARE;

    case RTS_CMD_RECEIVE_WINDOW_SIZE:
    case RTS_CMD_CONNECTION_TIMEOUT:
    case RTS_CMD_CHANNEL_LIFETIME:
    case RTS_CMD_CLIENT_KEEPALIVE:
    case RTS_CMD_VERSION:
    case RTS_CMD_DESTINATION:
    case RTS_CMD_PING_TRAFFIC_SENT_NOTIFY: {
        ssize_t rc;
        if (len < RTS_CMD_SIZE_U32)
            return fail(why, "command is cut short inside its u32 value", WIRE_INCOMPLETE);
        v = wire_get_u32le(buf + 4);
        /* all these union members are a u32 at the same place */
        out->u.receive_window_size = v;
        rc = check_u32(out->type, v, quirks, why);
        return rc < 0 ? rc : (ssize_t)RTS_CMD_SIZE_U32;
    }

    case RTS_CMD_FLOW_CONTROL_ACK:
        if (len < RTS_CMD_SIZE_FC_ACK)
            return fail(why, "FlowControlAck is cut short (needs 28 bytes)", WIRE_INCOMPLETE);
        out->u.flow_control_ack.bytes_received = wire_get_u32le(buf + 4);
        out->u.flow_control_ack.available_window = wire_get_u32le(buf + 8);
        memcpy(out->u.flow_control_ack.channel_cookie.b, buf + 12, 16);
        return RTS_CMD_SIZE_FC_ACK;

    case RTS_CMD_COOKIE:
    case RTS_CMD_ASSOCIATION_GROUP_ID:
        if (len < RTS_CMD_SIZE_COOKIE)
            return fail(why, "cookie command is cut short (needs 20 bytes)", WIRE_INCOMPLETE);
        memcpy(out->u.cookie.b, buf + 4, 16); /* same place for both members */
        return RTS_CMD_SIZE_COOKIE;

    case RTS_CMD_PADDING:
        if (len < 8)
            return fail(why, "Padding is cut short before its ConformanceCount", WIRE_INCOMPLETE);
        v = wire_get_u32le(buf + 4);
        out->u.padding_count = v;
        if (v > RTS_PADDING_MAX)
            return fail(why, "Padding ConformanceCount is above 0xFFFF", WIRE_INVALID);
        if (len - 8 < v)
            return fail(why, "Padding is shorter than its ConformanceCount", WIRE_INCOMPLETE);
        return (ssize_t)(8 + v);

    case RTS_CMD_CLIENT_ADDRESS: {
        size_t alen, total;
        if (len < 8)
            return fail(why, "ClientAddress is cut short before its AddressType", WIRE_INCOMPLETE);
        v = wire_get_u32le(buf + 4);
        out->u.client_address.address_type = v;
        if (v == RTS_ADDRESS_IPV4)
            alen = 4;
        else if (v == RTS_ADDRESS_IPV6)
            alen = 16;
        else
            return fail(why, "ClientAddress AddressType is neither 0 (IPv4) nor 1 (IPv6)",
                        WIRE_INVALID);
        total = 8 + alen + ADDR_PAD_LEN;
        if (len < total)
            return fail(why, "ClientAddress is cut short inside its address or padding",
                        WIRE_INCOMPLETE);
        memcpy(out->u.client_address.address, buf + 8, alen);
        return (ssize_t)total;
    }

    default:
        return fail(why, "CommandType is not a known RTS command (0x0..0xE)", WIRE_INVALID);
    }
}

size_t rts_cmd_size(const struct rts_cmd *cmd)
{
    if (!cmd)
        return 0;
    switch (cmd->type) {
    case RTS_CMD_EMPTY:
    case RTS_CMD_NEGATIVE_ANCE:
    case RTS_CMD_ANCE:
        return RTS_CMD_SIZE_BARE;
    case RTS_CMD_FLOW_CONTROL_ACK:
        return RTS_CMD_SIZE_FC_ACK;
    case RTS_CMD_COOKIE:
    case RTS_CMD_ASSOCIATION_GROUP_ID:
        return RTS_CMD_SIZE_COOKIE;
    case RTS_CMD_PADDING:
        return cmd->u.padding_count > RTS_PADDING_MAX ? 0 : 8 + (size_t)cmd->u.padding_count;
    case RTS_CMD_CLIENT_ADDRESS:
        if (cmd->u.client_address.address_type == RTS_ADDRESS_IPV4)
            return RTS_CMD_SIZE_ADDR_IPV4;
        if (cmd->u.client_address.address_type == RTS_ADDRESS_IPV6)
            return RTS_CMD_SIZE_ADDR_IPV6;
        return 0;
    case RTS_CMD_RECEIVE_WINDOW_SIZE:
    case RTS_CMD_CONNECTION_TIMEOUT:
    case RTS_CMD_CHANNEL_LIFETIME:
    case RTS_CMD_CLIENT_KEEPALIVE:
    case RTS_CMD_VERSION:
    case RTS_CMD_DESTINATION:
    case RTS_CMD_PING_TRAFFIC_SENT_NOTIFY:
        return RTS_CMD_SIZE_U32;
    default:
        return RTS_CMD_SIZE_BARE; /* unknown type: bare CommandType */
    }
}

size_t rts_cmd_encode(uint8_t *buf, size_t cap, const struct rts_cmd *cmd)
{
    size_t n = rts_cmd_size(cmd);

    if (!buf || n == 0 || cap < n)
        return 0;
    memset(buf, 0, n);
    wire_put_u32le(buf, cmd->type);
    switch (cmd->type) {
    case RTS_CMD_FLOW_CONTROL_ACK:
        wire_put_u32le(buf + 4, cmd->u.flow_control_ack.bytes_received);
        wire_put_u32le(buf + 8, cmd->u.flow_control_ack.available_window);
        memcpy(buf + 12, cmd->u.flow_control_ack.channel_cookie.b, 16);
        break;
    case RTS_CMD_COOKIE:
    case RTS_CMD_ASSOCIATION_GROUP_ID:
        memcpy(buf + 4, cmd->u.cookie.b, 16);
        break;
    case RTS_CMD_PADDING:
        wire_put_u32le(buf + 4, cmd->u.padding_count);
        break;
    case RTS_CMD_CLIENT_ADDRESS:
        wire_put_u32le(buf + 4, cmd->u.client_address.address_type);
        memcpy(buf + 8, cmd->u.client_address.address, n - 8 - ADDR_PAD_LEN);
        break;
    case RTS_CMD_RECEIVE_WINDOW_SIZE:
    case RTS_CMD_CONNECTION_TIMEOUT:
    case RTS_CMD_CHANNEL_LIFETIME:
    case RTS_CMD_CLIENT_KEEPALIVE:
    case RTS_CMD_VERSION:
    case RTS_CMD_DESTINATION:
    case RTS_CMD_PING_TRAFFIC_SENT_NOTIFY:
        wire_put_u32le(buf + 4, cmd->u.receive_window_size);
        break;
    default:
        break; /* bare commands and unknown types: CommandType only */
    }
    return n;
}
