/*
 * rts_classify.h: name the RTS PDUs a client can receive on the OUT
 * channel (MS-RPCH 2.2.4): CONN/A3, CONN/C2, echo, ping, and flow-control
 * acks. Anything else is RTS_KIND_INVALID with a reason. Pure code.
 */
#ifndef OAPROBE_RPCH_RTS_CLASSIFY_H
#define OAPROBE_RPCH_RTS_CLASSIFY_H

#include "probes/rpch/rts.h"

/* X(enum suffix, printable name) */
#define RTS_KINDS(X)                                              \
    X(INVALID, "invalid")                                         \
    X(CONN_A3, "CONN/A3")                                         \
    X(CONN_C2, "CONN/C2")                                         \
    X(ECHO, "echo")                                               \
    X(PING, "ping")                                               \
    X(FLOW_CONTROL_ACK, "FlowControlAck")                         \
    X(FLOW_CONTROL_ACK_DEST, "FlowControlAckWithDestination")

enum rts_kind {
#define RTS_KIND_ENUM(id, name) RTS_KIND_##id,
    RTS_KINDS(RTS_KIND_ENUM)
#undef RTS_KIND_ENUM
    RTS_KIND_COUNT
};

/*
 * rts_classify: which client-receivable PDU a decoded RTS PDU is.
 *   CONN/A3   flags NONE, exactly [ConnectionTimeout]
 *   CONN/C2   flags NONE, exactly [Version, ReceiveWindowSize, ConnectionTimeout]
 *   echo      flags ECHO, no commands
 *   ping      flags PING, no commands
 *   FlowControlAck                 flags OTHER_CMD, [FlowControlAck]
 *   FlowControlAckWithDestination  flags OTHER_CMD, [Destination, FlowControlAck]
 *   pdu [in]  a PDU rts_decode() accepted (values are not re-checked)
 *   why [out] static reason when the result is RTS_KIND_INVALID; may be NULL
 * Returns the kind; RTS_KIND_INVALID for NULL or anything else (recycling
 * PDUs, proxy- or server-bound PDUs, wrong command lists).
 */
enum rts_kind rts_classify(const struct rts_pdu *pdu, const char **why);

/* rts_kind_name: "CONN/A3", "echo", ...; "unknown" when out of range. Static. */
const char *rts_kind_name(enum rts_kind kind);

#endif /* OAPROBE_RPCH_RTS_CLASSIFY_H */
