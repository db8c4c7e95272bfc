/*
 * rts.c: the RTS PDU decoder (MS-RPCH 2.2.3.6.1). The wire drawing is on
 * rts_decode() in rts.h; the commands are decoded by rts_cmd.c.
 */
#include "probes/rpch/rts.h"

#include <stdio.h>
#include <string.h>

#include "probes/common/wire.h"

/* Record where the decode failed and format out->detail. */
static ssize_t fail_at(struct rts_pdu *out, const char **why, ssize_t rc, const char *reason,
                       uint32_t offset, uint32_t value, uint16_t cmd_index, uint32_t cmd_type)
{
    *why = reason;
    out->err.offset = offset;
    out->err.value = value;
    out->err.cmd_index = cmd_index;
    out->err.cmd_type = cmd_type;
    if (cmd_index == 0)
        snprintf(out->detail, sizeof out->detail, "header offset %u: %s [value %u = 0x%X]",
                 (unsigned)offset, reason, (unsigned)value, (unsigned)value);
    else
        snprintf(out->detail, sizeof out->detail,
                 "command %u of %u (type 0x%X %s) at offset %u: %s [value %u = 0x%X]",
                 (unsigned)cmd_index, (unsigned)out->num_commands, (unsigned)cmd_type,
                 rts_cmd_name(cmd_type), (unsigned)offset, reason, (unsigned)value,
                 (unsigned)value);
    return rc;
}

static ssize_t hdr_fail(struct rts_pdu *out, const char **why, ssize_t rc, const char *reason,
                        uint32_t offset, uint32_t value)
{
    return fail_at(out, why, rc, reason, offset, value, 0, 0);
}

static const uint8_t drep_le[4] = {0x10, 0x00, 0x00, 0x00};

/*
 * Check the header fields whose bytes are present (len may be < 20).
 * Returns 0 when everything present is valid.
 */
static ssize_t check_header(struct rts_pdu *out, const uint8_t *buf, size_t len, const char **why)
{
    size_t i;

    if (len > 0 && buf[0] != RTS_RPC_VERS)
        return hdr_fail(out, why, WIRE_INVALID, "rpc_vers is not 5", 0, buf[0]);
    if (len > 1 && buf[1] != RTS_RPC_VERS_MINOR)
        return hdr_fail(out, why, WIRE_INVALID, "rpc_vers_minor is not 0", 1, buf[1]);
    if (len > 2 && buf[2] != RTS_PTYPE)
        return hdr_fail(out, why, WIRE_INVALID, "PTYPE is not 20 (rts)", 2, buf[2]);
    if (len > 3 && buf[3] != RTS_PFC_FLAGS)
        return hdr_fail(out, why, WIRE_INVALID,
                        "pfc_flags is not exactly 0x03 (PFC_FIRST_FRAG|PFC_LAST_FRAG)", 3, buf[3]);
    for (i = 4; i < 8 && i < len; i++)
        if (buf[i] != drep_le[i - 4])
            return hdr_fail(out, why, WIRE_INVALID,
                            "packed_drep is not 10 00 00 00 (little-endian, ASCII, IEEE)",
                            (uint32_t)i, buf[i]);
    if (len >= 10) {
        uint16_t frag = wire_get_u16le(buf + 8);
        if (frag < RTS_HEADER_LEN)
            return hdr_fail(out, why, WIRE_INVALID,
                            "frag_length is shorter than the 20-byte RTS header", 8, frag);
        if (frag % 4 != 0)
            return hdr_fail(out, why, WIRE_INVALID, "frag_length is not a multiple of 4", 8, frag);
        out->frag_length = frag;
    }
    if (len >= 12 && wire_get_u16le(buf + 10) != 0)
        return hdr_fail(out, why, WIRE_INVALID, "auth_length is not 0 (RTS PDUs carry no auth)",
                        10, wire_get_u16le(buf + 10));
    if (len >= 16 && wire_get_u32le(buf + 12) != 0)
        return hdr_fail(out, why, WIRE_INVALID, "call_id is not 0", 12, wire_get_u32le(buf + 12));
    if (len >= 18)
        out->flags = wire_get_u16le(buf + 16);
    if (len >= 20) {
        uint16_t n = wire_get_u16le(buf + 18);
        if (n > RTS_MAX_COMMANDS)
            return hdr_fail(out, why, WIRE_TOOBIG, "NumberOfCommands is above the cap of 16",
                            18, n);
        if ((size_t)n * RTS_CMD_SIZE_BARE > (size_t)out->frag_length - RTS_HEADER_LEN)
            return hdr_fail(out, why, WIRE_INVALID,
                            "NumberOfCommands cannot fit in frag_length (4 bytes each at least)",
                            18, n);
        out->num_commands = n;
    }
    return 0;
}

ssize_t rts_decode(struct rts_pdu *out, const uint8_t *buf, size_t len, const char **why)
{
    const char *dummy;
    size_t off, end;
    ssize_t rc;
    uint16_t i;

    if (!why)
        why = &dummy;
    if (!out || !buf) {
        *why = "rts_decode: NULL argument";
        return WIRE_INVALID;
    }
    memset(out, 0, sizeof *out);

    rc = check_header(out, buf, len, why);
    if (rc < 0)
        return rc;
    if (len < RTS_HEADER_LEN) {
        *why = "RTS PDU is shorter than the 20-byte header";
        return WIRE_INCOMPLETE;
    }
    if (len < out->frag_length) {
        *why = "RTS PDU is shorter than its frag_length";
        return WIRE_INCOMPLETE;
    }

    off = RTS_HEADER_LEN;
    end = out->frag_length;
    for (i = 0; i < out->num_commands; i++) {
        struct rts_cmd *c = &out->cmds[i];
        const char *cwhy = NULL;

        rc = rts_cmd_decode(c, buf + off, end - off, &out->quirks, &cwhy);
        if (rc == WIRE_INCOMPLETE)
            return fail_at(out, why, WIRE_INVALID,
                           "command runs past frag_length (NumberOfCommands or frag_length is wrong)",
                           (uint32_t)off, (uint32_t)end, (uint16_t)(i + 1), c->type);
        if (rc < 0)
            return fail_at(out, why, rc, cwhy, (uint32_t)off,
                           c->type >= RTS_CMD_TYPE_COUNT ? c->type : rts_cmd_value(c),
                           (uint16_t)(i + 1), c->type);
        off += (size_t)rc;
    }
    if (off != end)
        return hdr_fail(out, why, WIRE_INVALID,
                        "frag_length is longer than the header plus its commands", 8,
                        out->frag_length);
    out->detail[0] = '\0';
    return (ssize_t)out->frag_length;
}

const struct rts_cmd *rts_find_cmd(const struct rts_pdu *pdu, uint32_t type)
{
    uint16_t i;

    if (!pdu)
        return NULL;
    for (i = 0; i < pdu->num_commands && i < RTS_MAX_COMMANDS; i++)
        if (pdu->cmds[i].type == type)
            return &pdu->cmds[i];
    return NULL;
}

const char *rts_flag_names(uint16_t flags, char *dst, size_t cap)
{
    static const char *const names[] = {"PING", "OTHER_CMD", "RECYCLE_CHANNEL", "IN_CHANNEL",
                                        "OUT_CHANNEL", "EOF", "ECHO"};
    size_t used = 0;
    unsigned bit;

    if (!dst || cap == 0)
        return "";
    dst[0] = '\0';
    if (flags == 0) {
        snprintf(dst, cap, "NONE");
        return dst;
    }
    for (bit = 0; bit < 16; bit++) {
        unsigned mask = 1u << bit;
        int n;
        if (!(flags & mask))
            continue;
        if (bit < sizeof names / sizeof names[0])
            n = snprintf(dst + used, cap - used, "%s%s", used ? "|" : "", names[bit]);
        else
            n = snprintf(dst + used, cap - used, "%s0x%04X", used ? "|" : "", mask);
        if (n < 0 || (size_t)n >= cap - used)
            break; /* truncated; snprintf has NUL-terminated it */
        used += (size_t)n;
    }
    return dst;
}
