/*
 * rts_cmd.h: the 15 RTS command types of RPC over HTTP v2 (MS-RPCH 2.2.3.5),
 * their payloads, value ranges, and a per-command decoder and encoder.
 *
 * A command is a u32 CommandType followed by a type-specific payload; the
 * RTS PDU decoder (rts.h) walks a PDU's commands with rts_cmd_decode().
 * Pure code: no I/O, no allocation, no globals.
 */
#ifndef OAPROBE_RPCH_RTS_CMD_H
#define OAPROBE_RPCH_RTS_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* CommandType values (u32 on the wire). Anything >= RTS_CMD_TYPE_COUNT is invalid. */
enum rts_cmd_type {
    RTS_CMD_RECEIVE_WINDOW_SIZE     = 0x0,
    RTS_CMD_FLOW_CONTROL_ACK        = 0x1,
    RTS_CMD_CONNECTION_TIMEOUT      = 0x2,
    RTS_CMD_COOKIE                  = 0x3,
    RTS_CMD_CHANNEL_LIFETIME        = 0x4,
    RTS_CMD_CLIENT_KEEPALIVE        = 0x5,
    RTS_CMD_VERSION                 = 0x6,
    RTS_CMD_EMPTY                   = 0x7,
    RTS_CMD_PADDING                 = 0x8,
    RTS_CMD_NEGATIVE_ANCE           = 0x9,
    RTS_CMD_ANCE                    = 0xA,
    RTS_CMD_CLIENT_ADDRESS          = 0xB,
    RTS_CMD_ASSOCIATION_GROUP_ID    = 0xC,
    RTS_CMD_DESTINATION             = 0xD,
    RTS_CMD_PING_TRAFFIC_SENT_NOTIFY = 0xE
};
#define RTS_CMD_TYPE_COUNT 15u

/*
 * Value ranges. "Reject" means rts_cmd_decode() fails with WIRE_INVALID;
 * "quirk" means it accepts the value and sets a bit in *quirks so the
 * caller can report an out-of-spec but working peer.
 *
 * ReceiveWindowSize: spec 8 KB..256 KB. Windows lets an admin configure
 *   receive windows up to 1 GB (RpcProxy registry), so 256 KB+1..1 GB is a
 *   quirk; below 8 KB (a window no Windows accepts) and above 1 GB reject.
 * ConnectionTimeout: spec 120 000..14 400 000 ms. Windows derives it from
 *   IIS timeouts an admin may tune, so other non-zero values are a quirk;
 *   0 (no time at all) is rejected.
 * ChannelLifetime 0x20000..0x80000000, ClientKeepalive 0 or >= 60 000 ms,
 *   Version 1, Padding count <= 0xFFFF, ClientAddress type 0 or 1,
 *   Destination 0..3: anything else is rejected (every known client, Windows
 *   included, stays inside these).
 */
#define RTS_RECEIVE_WINDOW_MIN       0x2000u
#define RTS_RECEIVE_WINDOW_SPEC_MAX  0x40000u
#define RTS_RECEIVE_WINDOW_MAX       0x40000000u
#define RTS_CONNECTION_TIMEOUT_MIN   120000u
#define RTS_CONNECTION_TIMEOUT_MAX   14400000u
#define RTS_CHANNEL_LIFETIME_MIN     0x20000u
#define RTS_CHANNEL_LIFETIME_MAX     0x80000000u
#define RTS_CLIENT_KEEPALIVE_MIN     60000u
#define RTS_VERSION_1                1u
#define RTS_PADDING_MAX              0xFFFFu
#define RTS_ADDRESS_IPV4             0u
#define RTS_ADDRESS_IPV6             1u
#define RTS_FD_CLIENT                0u
#define RTS_FD_IN_PROXY              1u
#define RTS_FD_SERVER                2u
#define RTS_FD_OUT_PROXY             3u

/* Bits of *quirks (accepted, out of the spec's range). */
#define RTS_QUIRK_WINDOW_ABOVE_SPEC   0x1u /* ReceiveWindowSize > 256 KB */
#define RTS_QUIRK_TIMEOUT_OUT_OF_SPEC 0x2u /* ConnectionTimeout outside 120 s..4 h */

/* Total encoded sizes (CommandType included) of the fixed-size commands. */
#define RTS_CMD_SIZE_U32       8u  /* type + one u32 */
#define RTS_CMD_SIZE_BARE      4u  /* Empty, NegativeANCE, ANCE */
#define RTS_CMD_SIZE_COOKIE    20u /* Cookie, AssociationGroupId */
#define RTS_CMD_SIZE_FC_ACK    28u
#define RTS_CMD_SIZE_ADDR_IPV4 24u
#define RTS_CMD_SIZE_ADDR_IPV6 36u

/* A 16-byte RTS cookie (a GUID, kept as raw wire bytes). */
struct rts_cookie {
    uint8_t b[16];
};

/* FlowControlAck payload (2.2.3.5.2). */
struct rts_flow_control_ack {
    uint32_t bytes_received;
    uint32_t available_window;
    struct rts_cookie channel_cookie;
};

/* ClientAddress payload (2.2.3.5.11); the 12 padding bytes are not kept. */
struct rts_client_address {
    uint32_t address_type; /* RTS_ADDRESS_IPV4 (4 bytes used) or _IPV6 (16) */
    uint8_t address[16];   /* network byte order */
};

/*
 * One decoded command. `type` is a u32 so an encoder can also emit unknown
 * types (fault injection); the decoder never yields one.
 */
struct rts_cmd {
    uint32_t type;
    union {
        uint32_t receive_window_size;
        struct rts_flow_control_ack flow_control_ack;
        uint32_t connection_timeout;
        struct rts_cookie cookie;
        uint32_t channel_lifetime;
        uint32_t client_keepalive;
        uint32_t version;
        uint32_t padding_count; /* the padding bytes themselves are skipped */
        struct rts_client_address client_address;
        struct rts_cookie association_group_id;
        uint32_t destination;
        uint32_t ping_traffic_sent;
    } u;
};

/*
 * rts_cmd_name: the MS-RPCH name of a command type ("ReceiveWindowSize").
 * Returns "unknown" for types >= RTS_CMD_TYPE_COUNT. Static string.
 */
const char *rts_cmd_name(uint32_t type);

/*
 * rts_cmd_value: the command's main scalar (the u32 payload, the padding
 * count, the address type, FlowControlAck's BytesReceived), or 0 for
 * commands without one. Used to name an offending value in reasons.
 */
uint32_t rts_cmd_value(const struct rts_cmd *cmd);

/*
 * rts_cmd_decode: decode and validate one command at buf.
 *   out     [out] the command (filled as far as read, also on failure)
 *   buf,len [in]  the bytes left in the PDU (len bounds every read)
 *   quirks  [in,out] RTS_QUIRK_* bits are OR-ed in; may be NULL
 *   why     [out] static reason on failure; may be NULL
 * Returns the command's size in bytes, WIRE_INCOMPLETE when len is shorter
 * than the command, or WIRE_INVALID (unknown type, value out of range).
 */
ssize_t rts_cmd_decode(struct rts_cmd *out, const uint8_t *buf, size_t len,
                       uint32_t *quirks, const char **why);

/*
 * rts_cmd_size: the encoded size of cmd, or 0 when it cannot be encoded
 * (NULL, a ClientAddress type other than 0/1, a padding count > 0xFFFF).
 * Unknown types (>= 0xF) encode as the bare 4-byte CommandType.
 */
size_t rts_cmd_size(const struct rts_cmd *cmd);

/*
 * rts_cmd_encode: write cmd into buf (capacity cap). Values are written as
 * given, not range-checked; padding and ClientAddress padding are zeros.
 * Returns the bytes written, or 0 if cmd cannot be encoded or cap is short.
 */
size_t rts_cmd_encode(uint8_t *buf, size_t cap, const struct rts_cmd *cmd);

#endif /* OAPROBE_RPCH_RTS_CMD_H */
