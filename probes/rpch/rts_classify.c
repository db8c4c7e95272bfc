/*
 * rts_classify.c: tell apart the RTS PDUs a client receives on the OUT
 * channel by their flags and exact command list (MS-RPCH 2.2.4: CONN/A3,
 * CONN/C2, echo (2.2.4.48), ping, FlowControlAck and
 * FlowControlAckWithDestination; rpc-over-http.md 2.4-2.6).
 */
#include "probes/rpch/rts_classify.h"

#include <stddef.h>

static const char *const kind_names[RTS_KIND_COUNT] = {
#define RTS_KIND_NAME(id, name) name,
    RTS_KINDS(RTS_KIND_NAME)
#undef RTS_KIND_NAME
};

const char *rts_kind_name(enum rts_kind kind)
{
    if ((unsigned)kind >= RTS_KIND_COUNT)
        return "unknown";
    return kind_names[kind];
}

/* Does pdu carry exactly the command types in want[0..n)? */
static int has_exactly(const struct rts_pdu *pdu, const uint32_t *want, uint16_t n)
{
    uint16_t i;

    if (pdu->num_commands != n || n > RTS_MAX_COMMANDS)
        return 0;
    for (i = 0; i < n; i++)
        if (pdu->cmds[i].type != want[i])
            return 0;
    return 1;
}

static enum rts_kind invalid(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return RTS_KIND_INVALID;
}

enum rts_kind rts_classify(const struct rts_pdu *pdu, const char **why)
{
    static const uint32_t a3[] = {RTS_CMD_CONNECTION_TIMEOUT};
    static const uint32_t c2[] = {RTS_CMD_VERSION, RTS_CMD_RECEIVE_WINDOW_SIZE,
                                  RTS_CMD_CONNECTION_TIMEOUT};
    static const uint32_t fca[] = {RTS_CMD_FLOW_CONTROL_ACK};
    static const uint32_t fca_dest[] = {RTS_CMD_DESTINATION, RTS_CMD_FLOW_CONTROL_ACK};

    if (!pdu)
        return invalid(why, "rts_classify: NULL argument");

    switch (pdu->flags) {
    case RTS_FLAG_NONE:
        if (has_exactly(pdu, a3, 1))
            return RTS_KIND_CONN_A3;
        if (has_exactly(pdu, c2, 3))
            return RTS_KIND_CONN_C2;
        if (pdu->num_commands == 1)
            return invalid(why, "flags NONE with one command that is not ConnectionTimeout "
                                "(not CONN/A3)");
        if (pdu->num_commands == 3)
            return invalid(why, "flags NONE with 3 commands other than Version, "
                                "ReceiveWindowSize, ConnectionTimeout (not CONN/C2)");
        return invalid(why, "flags NONE with neither 1 command (CONN/A3) nor 3 (CONN/C2): "
                            "not a PDU a client receives");
    case RTS_FLAG_ECHO:
        if (pdu->num_commands == 0)
            return RTS_KIND_ECHO;
        return invalid(why, "echo PDU (flags ECHO) carries commands");
    case RTS_FLAG_PING:
        if (pdu->num_commands == 0)
            return RTS_KIND_PING;
        return invalid(why, "ping PDU (flags PING) carries commands");
    case RTS_FLAG_OTHER_CMD:
        if (has_exactly(pdu, fca, 1))
            return RTS_KIND_FLOW_CONTROL_ACK;
        if (has_exactly(pdu, fca_dest, 2))
            return RTS_KIND_FLOW_CONTROL_ACK_DEST;
        return invalid(why, "flags OTHER_CMD without exactly [FlowControlAck] or "
                            "[Destination, FlowControlAck]");
    default:
        return invalid(why, "RTS flags are none of NONE, PING, ECHO or OTHER_CMD: a "
                            "recycling, EOF or proxy-bound PDU a client does not handle");
    }
}
