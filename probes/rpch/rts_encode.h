/*
 * rts_encode.h: build RTS PDUs (MS-RPCH 2.2.4) into a caller buffer.
 *
 * Every encoder writes into buf (capacity cap) and returns the bytes
 * written, or 0 when cap is too small or an argument is NULL/unencodable;
 * nothing is written past cap. Values are written as given and are not
 * range-checked, so a lab can emit out-of-spec PDUs on purpose; run
 * rts_decode() on the result to validate it. Cookies come from the caller:
 * this module has no randomness. Pure code: no I/O, no allocation.
 */
#ifndef OAPROBE_RPCH_RTS_ENCODE_H
#define OAPROBE_RPCH_RTS_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "probes/rpch/rts.h"

#define RTS_CONN_A1_LEN       76u
#define RTS_CONN_B1_LEN       104u
#define RTS_CONN_A3_LEN       28u
#define RTS_CONN_C2_LEN       44u
#define RTS_ECHO_LEN          20u
#define RTS_PING_LEN          20u
#define RTS_FC_ACK_LEN        48u
#define RTS_FC_ACK_DEST_LEN   56u

/*
 * rts_encode: the generic encoder. Writes the header (frag_length computed
 * from the commands, pdu->frag_length ignored) and pdu->cmds[0..num_commands).
 * Returns 0 also when num_commands > RTS_MAX_COMMANDS, a command cannot be
 * encoded (rts_cmd_size() == 0) or the total exceeds 65535 bytes.
 * Padding commands are written as zeros.
 */
size_t rts_encode(uint8_t *buf, size_t cap, const struct rts_pdu *pdu);

/*
 * rts_encode_conn_a1: CONN/A1 (76 bytes, client -> outbound proxy, the
 * whole RPC_OUT_DATA body): flags NONE; Version 1, Cookie vc, Cookie
 * out_channel, ReceiveWindowSize receive_window.
 */
size_t rts_encode_conn_a1(uint8_t *buf, size_t cap, const struct rts_cookie *vc,
                          const struct rts_cookie *out_channel, uint32_t receive_window);

/*
 * rts_encode_conn_b1: CONN/B1 (104 bytes, client -> inbound proxy, the
 * first PDU of the RPC_IN_DATA body): flags NONE; Version 1, Cookie vc,
 * Cookie in_channel, ChannelLifetime, ClientKeepalive, AssociationGroupId.
 */
size_t rts_encode_conn_b1(uint8_t *buf, size_t cap, const struct rts_cookie *vc,
                          const struct rts_cookie *in_channel, uint32_t channel_lifetime,
                          uint32_t client_keepalive, const struct rts_cookie *assoc_group);

/* rts_encode_conn_a3: CONN/A3 (28 bytes): flags NONE; ConnectionTimeout. */
size_t rts_encode_conn_a3(uint8_t *buf, size_t cap, uint32_t connection_timeout);

/*
 * rts_encode_conn_c2: CONN/C2 (44 bytes): flags NONE; Version,
 * ReceiveWindowSize, ConnectionTimeout.
 */
size_t rts_encode_conn_c2(uint8_t *buf, size_t cap, uint32_t version, uint32_t receive_window,
                          uint32_t connection_timeout);

/* rts_encode_echo: the echo PDU (20 bytes): flags ECHO (0x0040), no commands. */
size_t rts_encode_echo(uint8_t *buf, size_t cap);

/* rts_encode_ping: the ping PDU (20 bytes): flags PING (0x0001), no commands. */
size_t rts_encode_ping(uint8_t *buf, size_t cap);

/*
 * rts_encode_flow_control_ack: FlowControlAck (48 bytes): flags OTHER_CMD;
 * FlowControlAck{bytes_received, available_window, channel}.
 */
size_t rts_encode_flow_control_ack(uint8_t *buf, size_t cap, uint32_t bytes_received,
                                   uint32_t available_window, const struct rts_cookie *channel);

/*
 * rts_encode_flow_control_ack_dest: FlowControlAckWithDestination
 * (56 bytes): flags OTHER_CMD; Destination destination (RTS_FD_OUT_PROXY
 * when a client acks OUT-channel traffic), FlowControlAck{bytes_received,
 * available_window, channel (the OUT channel cookie)}.
 */
size_t rts_encode_flow_control_ack_dest(uint8_t *buf, size_t cap, uint32_t destination,
                                        uint32_t bytes_received, uint32_t available_window,
                                        const struct rts_cookie *channel);

#endif /* OAPROBE_RPCH_RTS_ENCODE_H */
