/*
 * rts.h: RTS PDUs of RPC over HTTP v2 (MS-RPCH 2.2.3.6): the 20-byte RTS
 * header, the RTS flags and a validating decoder that fills a fixed-size
 * struct with the flags and up to RTS_MAX_COMMANDS commands.
 *
 * Encoders live in rts_encode.h, the "what did the proxy send" classifier
 * in rts_classify.h, the OUT-channel stream splitter in pdu_stream.h.
 * Pure code: no I/O, no allocation, no globals.
 */
#ifndef OAPROBE_RPCH_RTS_H
#define OAPROBE_RPCH_RTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "probes/rpch/rts_cmd.h"

#define RTS_HEADER_LEN      20u
#define RTS_MAX_COMMANDS    16u  /* more is WIRE_TOOBIG; real PDUs carry <= 8 */
#define RTS_RPC_VERS        5u
#define RTS_RPC_VERS_MINOR  0u
#define RTS_PTYPE           20u  /* 0x14 */
#define RTS_PFC_FLAGS       0x03u /* PFC_FIRST_FRAG | PFC_LAST_FRAG, nothing else */
#define RTS_DETAIL_MAX      160u

/* RTS flags (u16 at offset 16). */
#define RTS_FLAG_NONE            0x0000u
#define RTS_FLAG_PING            0x0001u
#define RTS_FLAG_OTHER_CMD       0x0002u
#define RTS_FLAG_RECYCLE_CHANNEL 0x0004u
#define RTS_FLAG_IN_CHANNEL      0x0008u
#define RTS_FLAG_OUT_CHANNEL     0x0010u
#define RTS_FLAG_EOF             0x0020u
#define RTS_FLAG_ECHO            0x0040u

/* Where a decode failed: filled by rts_decode() on WIRE_INVALID/WIRE_TOOBIG. */
struct rts_error {
    uint32_t offset;    /* byte offset in the PDU of the offending field */
    uint32_t value;     /* the offending value (field, CommandType or command value) */
    uint16_t cmd_index; /* 1-based number of the offending command, 0 = header */
    uint32_t cmd_type;  /* its CommandType when cmd_index != 0 */
};

/* A decoded RTS PDU. Everything is copied out of the input buffer. */
struct rts_pdu {
    uint16_t frag_length;
    uint16_t flags;        /* RTS_FLAG_* */
    uint16_t num_commands; /* <= RTS_MAX_COMMANDS */
    uint32_t quirks;       /* RTS_QUIRK_* (rts_cmd.h): accepted out-of-spec values */
    struct rts_cmd cmds[RTS_MAX_COMMANDS];
    struct rts_error err;  /* on failure */
    /* On failure: one sentence with the field, offset and value, e.g.
     * "command 1 of 1 (type 0xF unknown) at offset 20: CommandType is not
     * a known RTS command (0x0..0xE) [value 15 = 0xF]". Empty on success. */
    char detail[RTS_DETAIL_MAX];
};

/*
 * rts_decode: decode and validate one RTS PDU at the start of buf.
 *
 *  0       1       2       3       4       5       6       7
 * +-------+-------+-------+-------+-------+-------+-------+-------+
 * |rpc_vers minor | PTYPE |pfc_flg|     packed_drep 10 00 00 00   |
 * |   5   |   0   |  20   | 0x03  |                               |
 * +-------+-------+-------+-------+-------+-------+-------+-------+
 * |  frag_length  |  auth_length  |            call_id            |
 * | 20+commands,%4|       0       |               0               |
 * +-------+-------+-------+-------+-------+-------+-------+-------+
 * |     Flags     |NumberOfCommands| commands (rts_cmd.h) ...
 * +-------+-------+-------+-------+-------------------------------
 *
 * The commands must exactly fill frag_length. Every header field is
 * checked as soon as its bytes are present, so a wrong prefix fails
 * early even when the PDU is incomplete.
 *
 *   out     [out] the PDU; on failure out->err and out->detail say where
 *   buf,len [in]  input; may hold more than one PDU (only the first is read)
 *   why     [out] static reason on any non-success return; may be NULL
 * Returns frag_length (bytes consumed), WIRE_INCOMPLETE (need more bytes),
 * WIRE_INVALID (a field is wrong), or WIRE_TOOBIG (more than
 * RTS_MAX_COMMANDS commands). NULL out or buf: WIRE_INVALID.
 */
ssize_t rts_decode(struct rts_pdu *out, const uint8_t *buf, size_t len, const char **why);

/*
 * rts_find_cmd: the first command of the given type in pdu, or NULL.
 * The pointer points into *pdu.
 */
const struct rts_cmd *rts_find_cmd(const struct rts_pdu *pdu, uint32_t type);

/*
 * rts_flag_names: write the names of the set flags into dst, joined by
 * '|' ("OTHER_CMD|ECHO", "NONE" for 0, unknown bits as "0x0100").
 * Always NUL-terminates when cap > 0; truncates to cap. Returns dst, or
 * "" when dst is NULL or cap is 0.
 */
const char *rts_flag_names(uint16_t flags, char *dst, size_t cap);

#endif /* OAPROBE_RPCH_RTS_H */
