/*
 * test_rts.c: the RTS PDU decoder (probes/rpch/rts.c) and the command
 * codec (rts_cmd.c): byte-exact vectors, every truncation, every header
 * field, every command's payload and range, unknown types, too many
 * commands, frag_length mismatches, NULL arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probes/common/wire.h"
#include "probes/rpch/rts.h"
#include "probes/rpch/rts_encode.h"
#include "rpch_vectors.h"

/* ---- byte-exact vectors ------------------------------------------------ */

static void test_decode_conn_a1(void **state)
{
    struct rts_pdu p;
    const char *why = NULL;

    (void)state;
    assert_int_equal(rts_decode(&p, vec_conn_a1, sizeof vec_conn_a1, &why), 76);
    assert_int_equal(p.frag_length, 76);
    assert_int_equal(p.flags, RTS_FLAG_NONE);
    assert_int_equal(p.num_commands, 4);
    assert_int_equal(p.quirks, 0);
    assert_int_equal(p.cmds[0].type, RTS_CMD_VERSION);
    assert_int_equal(p.cmds[0].u.version, 1);
    assert_int_equal(p.cmds[1].type, RTS_CMD_COOKIE);
    assert_memory_equal(p.cmds[1].u.cookie.b, vec_cookie_vc, 16);
    assert_int_equal(p.cmds[2].type, RTS_CMD_COOKIE);
    assert_memory_equal(p.cmds[2].u.cookie.b, vec_cookie_out, 16);
    assert_int_equal(p.cmds[3].type, RTS_CMD_RECEIVE_WINDOW_SIZE);
    assert_int_equal(p.cmds[3].u.receive_window_size, 0x10000);
    assert_string_equal(p.detail, "");
}

static void test_decode_conn_b1(void **state)
{
    struct rts_pdu p;

    (void)state;
    assert_int_equal(rts_decode(&p, vec_conn_b1, sizeof vec_conn_b1, NULL), 104);
    assert_int_equal(p.flags, RTS_FLAG_NONE);
    assert_int_equal(p.num_commands, 6);
    assert_int_equal(p.cmds[0].u.version, 1);
    assert_memory_equal(p.cmds[1].u.cookie.b, vec_cookie_vc, 16);
    assert_memory_equal(p.cmds[2].u.cookie.b, vec_cookie_in, 16);
    assert_int_equal(p.cmds[3].type, RTS_CMD_CHANNEL_LIFETIME);
    assert_int_equal(p.cmds[3].u.channel_lifetime, 0x40000000);
    assert_int_equal(p.cmds[4].type, RTS_CMD_CLIENT_KEEPALIVE);
    assert_int_equal(p.cmds[4].u.client_keepalive, 300000);
    assert_int_equal(p.cmds[5].type, RTS_CMD_ASSOCIATION_GROUP_ID);
    assert_memory_equal(p.cmds[5].u.association_group_id.b, vec_cookie_agid, 16);
}

static void test_decode_windows_replies(void **state)
{
    struct rts_pdu p;

    (void)state;
    assert_int_equal(rts_decode(&p, vec_conn_a3, sizeof vec_conn_a3, NULL), 28);
    assert_int_equal(p.num_commands, 1);
    assert_int_equal(p.cmds[0].type, RTS_CMD_CONNECTION_TIMEOUT);
    assert_int_equal(p.cmds[0].u.connection_timeout, 120000);

    assert_int_equal(rts_decode(&p, vec_conn_c2, sizeof vec_conn_c2, NULL), 44);
    assert_int_equal(p.num_commands, 3);
    assert_int_equal(p.cmds[0].u.version, 1);
    assert_int_equal(p.cmds[1].u.receive_window_size, 65536);
    assert_int_equal(p.cmds[2].u.connection_timeout, 120000);

    assert_int_equal(rts_decode(&p, vec_ping, sizeof vec_ping, NULL), 20);
    assert_int_equal(p.flags, RTS_FLAG_PING);
    assert_int_equal(p.num_commands, 0);

    assert_int_equal(rts_decode(&p, vec_echo, sizeof vec_echo, NULL), 20);
    assert_int_equal(p.flags, RTS_FLAG_ECHO);
    assert_int_equal(p.num_commands, 0);

    assert_int_equal(rts_decode(&p, vec_fc_ack_dest, sizeof vec_fc_ack_dest, NULL), 56);
    assert_int_equal(p.flags, RTS_FLAG_OTHER_CMD);
    assert_int_equal(p.cmds[0].u.destination, RTS_FD_OUT_PROXY);
    assert_int_equal(p.cmds[1].u.flow_control_ack.bytes_received, 0x8000);
    assert_int_equal(p.cmds[1].u.flow_control_ack.available_window, 0x10000);
    assert_memory_equal(p.cmds[1].u.flow_control_ack.channel_cookie.b, vec_cookie_out, 16);
}

/* A buffer holding more than one PDU: only the first is consumed. */
static void test_decode_trailing_bytes(void **state)
{
    uint8_t buf[200];
    struct rts_pdu p;
    size_t i;

    (void)state;
    for (i = 0; i < rpch_vector_count; i++) {
        const struct rpch_vector *v = &rpch_vectors[i];
        memcpy(buf, v->bytes, v->len);
        memcpy(buf + v->len, vec_ping, sizeof vec_ping);
        assert_int_equal(rts_decode(&p, buf, v->len + sizeof vec_ping, NULL), (ssize_t)v->len);
    }
}

/* Every truncation of every vector needs more bytes, never fails. */
static void test_decode_every_truncation(void **state)
{
    struct rts_pdu p;
    size_t i, n;

    (void)state;
    for (i = 0; i < rpch_vector_count; i++) {
        const struct rpch_vector *v = &rpch_vectors[i];
        for (n = 0; n < v->len; n++) {
            const char *why = NULL;
            ssize_t rc = rts_decode(&p, v->bytes, n, &why);
            if (rc != WIRE_INCOMPLETE)
                fail_msg("%s cut to %zu bytes: rc %zd (%s)", v->name, n, rc, why ? why : "-");
            assert_non_null(why);
        }
    }
}

/* ---- header fields ----------------------------------------------------- */

struct hdr_case {
    size_t off;      /* byte to overwrite */
    uint8_t value;
    ssize_t rc;
    const char *why; /* substring of the reason */
    uint32_t err_offset;
};

static const struct hdr_case hdr_cases[] = {
    {0, 4, WIRE_INVALID, "rpc_vers is not 5", 0},
    {0, 6, WIRE_INVALID, "rpc_vers is not 5", 0},
    {1, 1, WIRE_INVALID, "rpc_vers_minor", 1},
    {2, 0x0b, WIRE_INVALID, "PTYPE", 2},
    {2, 0x0c, WIRE_INVALID, "PTYPE", 2},
    {3, 0x01, WIRE_INVALID, "pfc_flags", 3},
    {3, 0x02, WIRE_INVALID, "pfc_flags", 3},
    {3, 0x07, WIRE_INVALID, "pfc_flags", 3},
    {3, 0x83, WIRE_INVALID, "pfc_flags", 3},
    {4, 0x00, WIRE_INVALID, "packed_drep", 4},
    {4, 0x11, WIRE_INVALID, "packed_drep", 4},
    {5, 0x01, WIRE_INVALID, "packed_drep", 5},
    {6, 0x01, WIRE_INVALID, "packed_drep", 6},
    {7, 0x01, WIRE_INVALID, "packed_drep", 7},
    {10, 0x01, WIRE_INVALID, "auth_length", 10},
    {11, 0x01, WIRE_INVALID, "auth_length", 10},
    {12, 0x01, WIRE_INVALID, "call_id", 12},
    {13, 0x01, WIRE_INVALID, "call_id", 12},
    {14, 0x01, WIRE_INVALID, "call_id", 12},
    {15, 0x80, WIRE_INVALID, "call_id", 12},
    {18, 17, WIRE_TOOBIG, "NumberOfCommands", 18},
    {19, 0x01, WIRE_TOOBIG, "NumberOfCommands", 18},
};

/* Each wrong header field, in every vector, at full length. */
static void test_decode_header_fields(void **state)
{
    uint8_t buf[128];
    struct rts_pdu p;
    size_t i, k;

    (void)state;
    for (i = 0; i < rpch_vector_count; i++) {
        const struct rpch_vector *v = &rpch_vectors[i];
        for (k = 0; k < sizeof hdr_cases / sizeof hdr_cases[0]; k++) {
            const struct hdr_case *c = &hdr_cases[k];
            const char *why = NULL;
            ssize_t rc;

            memcpy(buf, v->bytes, v->len);
            buf[c->off] = c->value;
            rc = rts_decode(&p, buf, v->len, &why);
            if (rc != c->rc || !why || !strstr(why, c->why))
                fail_msg("%s byte %zu = 0x%02x: rc %zd (%s)", v->name, c->off, c->value, rc,
                         why ? why : "-");
            assert_int_equal(p.err.offset, c->err_offset);
            assert_int_equal(p.err.cmd_index, 0);
            assert_non_null(strstr(p.detail, "header offset"));
        }
    }
}

/* The offset just past the header field holding byte off. */
static size_t field_end(size_t off)
{
    if (off < 8)
        return off + 1; /* single bytes, drep checked byte by byte */
    if (off < 10)
        return 10;
    if (off < 12)
        return 12;
    if (off < 16)
        return 16;
    return 20;
}

/*
 * A wrong header field fails as soon as its bytes are present, before the
 * PDU is whole; one byte earlier it still needs more.
 */
static void test_decode_header_fails_early(void **state)
{
    uint8_t buf[28];
    struct rts_pdu p;
    size_t k;

    (void)state;
    for (k = 0; k < sizeof hdr_cases / sizeof hdr_cases[0]; k++) {
        const struct hdr_case *c = &hdr_cases[k];
        size_t end = field_end(c->off);
        const char *why = NULL;

        memcpy(buf, vec_conn_a3, sizeof buf);
        buf[c->off] = c->value;
        assert_int_equal(rts_decode(&p, buf, end, &why), c->rc);
        assert_non_null(strstr(why, c->why));
        assert_int_equal(rts_decode(&p, buf, end - 1, &why), WIRE_INCOMPLETE);
    }
}

struct frag_case {
    uint16_t frag;
    size_t len; /* bytes handed to the decoder (A1 + zero padding) */
    ssize_t rc;
    const char *why;
};

/* frag_length against the A1 content (76 bytes of header + commands). */
static void test_decode_frag_length(void **state)
{
    static const struct frag_case cases[] = {
        {0, 76, WIRE_INVALID, "shorter than the 20-byte RTS header"},
        {16, 76, WIRE_INVALID, "shorter than the 20-byte RTS header"},
        {19, 76, WIRE_INVALID, "shorter than the 20-byte RTS header"},
        {77, 80, WIRE_INVALID, "multiple of 4"},
        {78, 80, WIRE_INVALID, "multiple of 4"},
        {79, 80, WIRE_INVALID, "multiple of 4"},
        {72, 76, WIRE_INVALID, "runs past frag_length"},  /* last command cut */
        {68, 76, WIRE_INVALID, "runs past frag_length"},
        {24, 76, WIRE_INVALID, "cannot fit"},             /* 4 commands in 4 bytes */
        {80, 80, WIRE_INVALID, "longer than the header plus its commands"},
        {120, 120, WIRE_INVALID, "longer than the header plus its commands"},
        {80, 79, WIRE_INCOMPLETE, "shorter than its frag_length"},
        {76, 76, 76, NULL},
    };
    uint8_t buf[128];
    struct rts_pdu p;
    size_t k;

    (void)state;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *why = NULL;
        ssize_t rc;

        memset(buf, 0, sizeof buf);
        memcpy(buf, vec_conn_a1, sizeof vec_conn_a1);
        wire_put_u16le(buf + 8, cases[k].frag);
        rc = rts_decode(&p, buf, cases[k].len, &why);
        if (rc != cases[k].rc || (cases[k].why && (!why || !strstr(why, cases[k].why))))
            fail_msg("frag_length %u: rc %zd (%s)", cases[k].frag, rc, why ? why : "-");
    }
}

static void test_decode_num_commands_mismatch(void **state)
{
    uint8_t buf[76];
    struct rts_pdu p;
    const char *why = NULL;

    (void)state;
    memcpy(buf, vec_conn_a1, sizeof buf);
    buf[18] = 3; /* the 4th command is left over */
    assert_int_equal(rts_decode(&p, buf, sizeof buf, &why), WIRE_INVALID);
    assert_non_null(strstr(why, "longer than the header plus its commands"));
    buf[18] = 5; /* a 5th command would start at the end */
    assert_int_equal(rts_decode(&p, buf, sizeof buf, &why), WIRE_INVALID);
    assert_non_null(strstr(why, "runs past frag_length"));
    assert_int_equal(p.err.cmd_index, 5);
    assert_int_equal(p.err.offset, 76);
    buf[18] = 0;
    assert_int_equal(rts_decode(&p, buf, sizeof buf, &why), WIRE_INVALID);
    buf[18] = 0xff; buf[19] = 0xff;
    assert_int_equal(rts_decode(&p, buf, sizeof buf, &why), WIRE_TOOBIG);
    assert_int_equal(p.err.value, 0xffff);
}

/* ---- commands ---------------------------------------------------------- */

struct cmd_case {
    uint32_t type;
    uint32_t value;  /* the u32 payload (or padding count / address type) */
    ssize_t rc;      /* rts_decode() result for a one-command PDU, or the size */
    uint32_t quirks;
    const char *why;
};

static const struct cmd_case cmd_cases[] = {
    {RTS_CMD_RECEIVE_WINDOW_SIZE, 0, WIRE_INVALID, 0, "below 8 KB"},
    {RTS_CMD_RECEIVE_WINDOW_SIZE, 0x1FFF, WIRE_INVALID, 0, "below 8 KB"},
    {RTS_CMD_RECEIVE_WINDOW_SIZE, 0x2000, 28, 0, NULL},
    {RTS_CMD_RECEIVE_WINDOW_SIZE, 0x40000, 28, 0, NULL},
    {RTS_CMD_RECEIVE_WINDOW_SIZE, 0x40001, 28, RTS_QUIRK_WINDOW_ABOVE_SPEC, NULL},
    {RTS_CMD_RECEIVE_WINDOW_SIZE, 0x40000000, 28, RTS_QUIRK_WINDOW_ABOVE_SPEC, NULL},
    {RTS_CMD_RECEIVE_WINDOW_SIZE, 0x40000001, WIRE_INVALID, 0, "above 1 GB"},
    {RTS_CMD_RECEIVE_WINDOW_SIZE, 0xFFFFFFFF, WIRE_INVALID, 0, "above 1 GB"},
    {RTS_CMD_CONNECTION_TIMEOUT, 0, WIRE_INVALID, 0, "ConnectionTimeout is 0"},
    {RTS_CMD_CONNECTION_TIMEOUT, 1, 28, RTS_QUIRK_TIMEOUT_OUT_OF_SPEC, NULL},
    {RTS_CMD_CONNECTION_TIMEOUT, 119999, 28, RTS_QUIRK_TIMEOUT_OUT_OF_SPEC, NULL},
    {RTS_CMD_CONNECTION_TIMEOUT, 120000, 28, 0, NULL},
    {RTS_CMD_CONNECTION_TIMEOUT, 14400000, 28, 0, NULL},
    {RTS_CMD_CONNECTION_TIMEOUT, 14400001, 28, RTS_QUIRK_TIMEOUT_OUT_OF_SPEC, NULL},
    {RTS_CMD_CHANNEL_LIFETIME, 0, WIRE_INVALID, 0, "ChannelLifetime"},
    {RTS_CMD_CHANNEL_LIFETIME, 0x1FFFF, WIRE_INVALID, 0, "ChannelLifetime"},
    {RTS_CMD_CHANNEL_LIFETIME, 0x20000, 28, 0, NULL},
    {RTS_CMD_CHANNEL_LIFETIME, 0x80000000, 28, 0, NULL},
    {RTS_CMD_CHANNEL_LIFETIME, 0x80000001, WIRE_INVALID, 0, "ChannelLifetime"},
    {RTS_CMD_CLIENT_KEEPALIVE, 0, 28, 0, NULL},
    {RTS_CMD_CLIENT_KEEPALIVE, 1, WIRE_INVALID, 0, "ClientKeepalive"},
    {RTS_CMD_CLIENT_KEEPALIVE, 59999, WIRE_INVALID, 0, "ClientKeepalive"},
    {RTS_CMD_CLIENT_KEEPALIVE, 60000, 28, 0, NULL},
    {RTS_CMD_CLIENT_KEEPALIVE, 0xFFFFFFFF, 28, 0, NULL},
    {RTS_CMD_VERSION, 0, WIRE_INVALID, 0, "Version is not 1"},
    {RTS_CMD_VERSION, 1, 28, 0, NULL},
    {RTS_CMD_VERSION, 2, WIRE_INVALID, 0, "Version is not 1"},
    {RTS_CMD_DESTINATION, 0, 28, 0, NULL},
    {RTS_CMD_DESTINATION, 3, 28, 0, NULL},
    {RTS_CMD_DESTINATION, 4, WIRE_INVALID, 0, "Destination"},
    {RTS_CMD_DESTINATION, 0xFFFFFFFF, WIRE_INVALID, 0, "Destination"},
    {RTS_CMD_PING_TRAFFIC_SENT_NOTIFY, 0, 28, 0, NULL},
    {RTS_CMD_PING_TRAFFIC_SENT_NOTIFY, 0xFFFFFFFF, 28, 0, NULL},
    {RTS_CMD_PADDING, 0, 28, 0, NULL},
    {RTS_CMD_PADDING, 4, 32, 0, NULL},
    {RTS_CMD_PADDING, 1000, 1028, 0, NULL},
    {RTS_CMD_CLIENT_ADDRESS, RTS_ADDRESS_IPV4, 44, 0, NULL},
    {RTS_CMD_CLIENT_ADDRESS, RTS_ADDRESS_IPV6, 56, 0, NULL},
    {RTS_CMD_CLIENT_ADDRESS, 2, WIRE_INVALID, 0, "AddressType"},
    {RTS_CMD_EMPTY, 0, 24, 0, NULL},
    {RTS_CMD_NEGATIVE_ANCE, 0, 24, 0, NULL},
    {RTS_CMD_ANCE, 0, 24, 0, NULL},
    {RTS_CMD_COOKIE, 0, 40, 0, NULL},
    {RTS_CMD_ASSOCIATION_GROUP_ID, 0, 40, 0, NULL},
    {RTS_CMD_FLOW_CONTROL_ACK, 0, 48, 0, NULL},
};

/*
 * Build a one-command PDU by hand (header + type + the u32 value + enough
 * zero bytes for the largest payload), sized as the valid command would be.
 */
static size_t build_one(uint8_t *buf, size_t cap, uint32_t type, uint32_t value, size_t cmd_len)
{
    size_t total = RTS_HEADER_LEN + cmd_len;

    assert_true(total <= cap);
    memset(buf, 0, total);
    memcpy(buf, vec_ping, RTS_HEADER_LEN);
    buf[16] = 0;
    wire_put_u16le(buf + 8, (uint16_t)total);
    wire_put_u16le(buf + 18, 1);
    wire_put_u32le(buf + 20, type);
    if (cmd_len >= 8)
        wire_put_u32le(buf + 24, value);
    return total;
}

static size_t nominal_size(uint32_t type, uint32_t value)
{
    switch (type) {
    case RTS_CMD_EMPTY: case RTS_CMD_NEGATIVE_ANCE: case RTS_CMD_ANCE: return 4;
    case RTS_CMD_COOKIE: case RTS_CMD_ASSOCIATION_GROUP_ID: return 20;
    case RTS_CMD_FLOW_CONTROL_ACK: return 28;
    case RTS_CMD_PADDING: return 8 + value;
    case RTS_CMD_CLIENT_ADDRESS: return value == RTS_ADDRESS_IPV6 ? 36 : 24;
    default: return 8;
    }
}

static void test_decode_command_values(void **state)
{
    static uint8_t buf[2048];
    struct rts_pdu p;
    size_t k;

    (void)state;
    for (k = 0; k < sizeof cmd_cases / sizeof cmd_cases[0]; k++) {
        const struct cmd_case *c = &cmd_cases[k];
        size_t n = build_one(buf, sizeof buf, c->type, c->value, nominal_size(c->type, c->value));
        const char *why = NULL;
        ssize_t rc = rts_decode(&p, buf, n, &why);

        if (rc != c->rc || (c->why && (!why || !strstr(why, c->why))))
            fail_msg("%s value %u: rc %zd (%s)", rts_cmd_name(c->type), c->value, rc,
                     why ? why : "-");
        if (rc >= 0) {
            assert_int_equal(p.quirks, c->quirks);
            assert_int_equal(p.cmds[0].type, c->type);
            assert_int_equal(rts_cmd_value(&p.cmds[0]), c->value);
        } else {
            assert_int_equal(p.err.cmd_index, 1);
            assert_int_equal(p.err.cmd_type, c->type);
            assert_int_equal(p.err.offset, 20);
            assert_int_equal(p.err.value, c->value);
            assert_non_null(strstr(p.detail, "command 1 of 1"));
            assert_non_null(strstr(p.detail, rts_cmd_name(c->type)));
        }
    }
}

/* Every command's payload cut short by the PDU's frag_length. */
static void test_decode_command_payload_cut(void **state)
{
    static const uint32_t types[] = {
        RTS_CMD_RECEIVE_WINDOW_SIZE, RTS_CMD_FLOW_CONTROL_ACK, RTS_CMD_CONNECTION_TIMEOUT,
        RTS_CMD_COOKIE, RTS_CMD_CHANNEL_LIFETIME, RTS_CMD_CLIENT_KEEPALIVE, RTS_CMD_VERSION,
        RTS_CMD_PADDING, RTS_CMD_CLIENT_ADDRESS, RTS_CMD_ASSOCIATION_GROUP_ID,
        RTS_CMD_DESTINATION, RTS_CMD_PING_TRAFFIC_SENT_NOTIFY};
    uint8_t buf[128];
    struct rts_pdu p;
    size_t k;

    (void)state;
    for (k = 0; k < sizeof types / sizeof types[0]; k++) {
        /* valid values so only the length is wrong */
        uint32_t value = types[k] == RTS_CMD_VERSION ? 1
                       : types[k] == RTS_CMD_RECEIVE_WINDOW_SIZE ? 0x10000
                       : types[k] == RTS_CMD_CONNECTION_TIMEOUT ? 120000
                       : types[k] == RTS_CMD_CHANNEL_LIFETIME ? 0x40000000
                       : types[k] == RTS_CMD_PADDING ? 8 : 0;
        size_t full = nominal_size(types[k], value), cut;

        for (cut = 4; cut < full; cut += 4) {
            const char *why = NULL;
            build_one(buf, sizeof buf, types[k], value, full);
            wire_put_u16le(buf + 8, (uint16_t)(RTS_HEADER_LEN + cut));
            assert_int_equal(rts_decode(&p, buf, RTS_HEADER_LEN + cut, &why), WIRE_INVALID);
            if (!strstr(why, "runs past frag_length"))
                fail_msg("%s cut to %zu: %s", rts_cmd_name(types[k]), cut, why);
            assert_int_equal(p.err.cmd_index, 1);
        }
    }
}

static void test_decode_unknown_type(void **state)
{
    static const uint32_t bad[] = {0xF, 0x10, 0xFF, 0x100, 0x80000000, 0xFFFFFFFF};
    uint8_t buf[64];
    struct rts_pdu p;
    size_t k;

    (void)state;
    for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        const char *why = NULL;
        size_t n = build_one(buf, sizeof buf, bad[k], 0, 8);
        assert_int_equal(rts_decode(&p, buf, n, &why), WIRE_INVALID);
        assert_non_null(strstr(why, "CommandType"));
        assert_int_equal(p.err.value, bad[k]);
        assert_int_equal(p.err.offset, 20);
    }
    /* The detail names the type and the offset; here as the second command. */
    {
        const char *why = NULL;
        memcpy(buf, vec_conn_a3, 28);
        wire_put_u16le(buf + 8, 32);
        wire_put_u16le(buf + 18, 2);
        wire_put_u32le(buf + 28, 0xF);
        assert_int_equal(rts_decode(&p, buf, 32, &why), WIRE_INVALID);
        assert_non_null(strstr(p.detail, "type 0xF"));
        assert_non_null(strstr(p.detail, "offset 28"));
        assert_non_null(strstr(p.detail, "command 2 of 2"));
        assert_int_equal(p.err.cmd_index, 2);
    }
}

static void test_decode_padding_too_big(void **state)
{
    uint8_t buf[64];
    struct rts_pdu p;
    const char *why = NULL;
    size_t n = build_one(buf, sizeof buf, RTS_CMD_PADDING, 0x10000, 8);

    (void)state;
    assert_int_equal(rts_decode(&p, buf, n, &why), WIRE_INVALID);
    assert_non_null(strstr(why, "above 0xFFFF"));
    /* a count the frag cannot hold */
    n = build_one(buf, sizeof buf, RTS_CMD_PADDING, 100, 8);
    assert_int_equal(rts_decode(&p, buf, n, &why), WIRE_INVALID);
    assert_non_null(strstr(why, "runs past frag_length"));
}

static void test_decode_command_cap(void **state)
{
    uint8_t buf[RTS_HEADER_LEN + 4 * 17];
    struct rts_pdu p;
    const char *why = NULL;
    size_t i;

    (void)state;
    memcpy(buf, vec_ping, RTS_HEADER_LEN);
    buf[16] = 0;
    for (i = 0; i < 17; i++)
        wire_put_u32le(buf + RTS_HEADER_LEN + 4 * i, RTS_CMD_EMPTY);
    wire_put_u16le(buf + 8, RTS_HEADER_LEN + 4 * 16);
    wire_put_u16le(buf + 18, 16);
    assert_int_equal(rts_decode(&p, buf, RTS_HEADER_LEN + 4 * 16, &why), RTS_HEADER_LEN + 64);
    assert_int_equal(p.num_commands, 16);
    wire_put_u16le(buf + 8, RTS_HEADER_LEN + 4 * 17);
    wire_put_u16le(buf + 18, 17);
    assert_int_equal(rts_decode(&p, buf, sizeof buf, &why), WIRE_TOOBIG);
    assert_non_null(strstr(why, "cap of 16"));
}

/* ---- rts_cmd directly -------------------------------------------------- */

static void test_cmd_truncations(void **state)
{
    uint8_t buf[64];
    struct rts_cmd c;
    size_t k, n;

    (void)state;
    for (k = 0; k < sizeof cmd_cases / sizeof cmd_cases[0]; k++) {
        const struct cmd_case *cc = &cmd_cases[k];
        size_t full = nominal_size(cc->type, cc->value);
        if (cc->rc < 0 || full > sizeof buf)
            continue;
        memset(buf, 0, sizeof buf);
        wire_put_u32le(buf, cc->type);
        if (full >= 8)
            wire_put_u32le(buf + 4, cc->value);
        assert_int_equal(rts_cmd_decode(&c, buf, full, NULL, NULL), (ssize_t)full);
        for (n = 0; n < full; n++) {
            const char *why = NULL;
            assert_int_equal(rts_cmd_decode(&c, buf, n, NULL, &why), WIRE_INCOMPLETE);
            assert_non_null(why);
        }
    }
}

static void test_cmd_names_sizes(void **state)
{
    struct rts_cmd c;
    uint32_t t;

    (void)state;
    assert_string_equal(rts_cmd_name(RTS_CMD_RECEIVE_WINDOW_SIZE), "ReceiveWindowSize");
    assert_string_equal(rts_cmd_name(RTS_CMD_PING_TRAFFIC_SENT_NOTIFY), "PingTrafficSentNotify");
    assert_string_equal(rts_cmd_name(0xF), "unknown");
    assert_string_equal(rts_cmd_name(0xFFFFFFFF), "unknown");
    for (t = 0; t < RTS_CMD_TYPE_COUNT; t++)
        assert_string_not_equal(rts_cmd_name(t), "unknown");

    memset(&c, 0, sizeof c);
    c.type = 0x42;
    assert_int_equal(rts_cmd_size(&c), 4);
    assert_int_equal(rts_cmd_value(&c), 0);
    c.type = RTS_CMD_CLIENT_ADDRESS;
    c.u.client_address.address_type = 2;
    assert_int_equal(rts_cmd_size(&c), 0);
    c.type = RTS_CMD_PADDING;
    c.u.padding_count = 0x10000;
    assert_int_equal(rts_cmd_size(&c), 0);
    c.u.padding_count = 0xFFFF;
    assert_int_equal(rts_cmd_size(&c), 8 + 0xFFFF);
    assert_int_equal(rts_cmd_value(&c), 0xFFFF);
    c.type = RTS_CMD_COOKIE;
    assert_int_equal(rts_cmd_size(&c), 20);
    assert_int_equal(rts_cmd_value(&c), 0);
}

static void test_client_address_bytes(void **state)
{
    uint8_t buf[36] = {0};
    struct rts_cmd c;
    uint8_t out[36];

    (void)state;
    wire_put_u32le(buf, RTS_CMD_CLIENT_ADDRESS);
    wire_put_u32le(buf + 4, RTS_ADDRESS_IPV4);
    buf[8] = 192; buf[9] = 0; buf[10] = 2; buf[11] = 7;
    assert_int_equal(rts_cmd_decode(&c, buf, 24, NULL, NULL), 24);
    assert_int_equal(c.u.client_address.address[0], 192);
    assert_int_equal(c.u.client_address.address[3], 7);
    assert_int_equal(rts_cmd_encode(out, sizeof out, &c), 24);
    assert_memory_equal(out, buf, 24);
    wire_put_u32le(buf + 4, RTS_ADDRESS_IPV6);
    memset(buf + 8, 0xfe, 16);
    assert_int_equal(rts_cmd_decode(&c, buf, 36, NULL, NULL), 36);
    assert_int_equal(rts_cmd_encode(out, sizeof out, &c), 36);
    assert_memory_equal(out, buf, 36);
    assert_int_equal(rts_cmd_encode(out, 35, &c), 0);
}

static void test_find_cmd_and_flag_names(void **state)
{
    struct rts_pdu p;
    char names[64];
    char tiny[6];

    (void)state;
    assert_int_equal(rts_decode(&p, vec_conn_b1, sizeof vec_conn_b1, NULL), 104);
    assert_ptr_equal(rts_find_cmd(&p, RTS_CMD_COOKIE), &p.cmds[1]);
    assert_ptr_equal(rts_find_cmd(&p, RTS_CMD_ASSOCIATION_GROUP_ID), &p.cmds[5]);
    assert_null(rts_find_cmd(&p, RTS_CMD_PADDING));
    assert_null(rts_find_cmd(NULL, RTS_CMD_COOKIE));

    assert_string_equal(rts_flag_names(0, names, sizeof names), "NONE");
    assert_string_equal(rts_flag_names(RTS_FLAG_ECHO, names, sizeof names), "ECHO");
    assert_string_equal(rts_flag_names(RTS_FLAG_OTHER_CMD | RTS_FLAG_ECHO, names, sizeof names),
                        "OTHER_CMD|ECHO");
    assert_string_equal(rts_flag_names(0x0180, names, sizeof names), "0x0080|0x0100");
    assert_string_equal(rts_flag_names(0x007F, names, sizeof names),
                        "PING|OTHER_CMD|RECYCLE_CHANNEL|IN_CHANNEL|OUT_CHANNEL|EOF|ECHO");
    assert_string_equal(rts_flag_names(RTS_FLAG_OTHER_CMD | RTS_FLAG_ECHO, tiny, sizeof tiny),
                        "OTHER");
    assert_string_equal(rts_flag_names(1, NULL, 10), "");
    assert_string_equal(rts_flag_names(1, names, 0), "");
}

static void test_null_arguments(void **state)
{
    struct rts_pdu p;
    struct rts_cmd c;
    const char *why = NULL;

    (void)state;
    assert_int_equal(rts_decode(NULL, vec_ping, sizeof vec_ping, &why), WIRE_INVALID);
    assert_non_null(why);
    assert_int_equal(rts_decode(&p, NULL, 20, &why), WIRE_INVALID);
    assert_int_equal(rts_decode(&p, NULL, 0, NULL), WIRE_INVALID);
    assert_int_equal(rts_decode(NULL, NULL, 0, NULL), WIRE_INVALID);
    assert_int_equal(rts_cmd_decode(NULL, vec_conn_a3 + 20, 8, NULL, &why), WIRE_INVALID);
    assert_int_equal(rts_cmd_decode(&c, NULL, 8, NULL, NULL), WIRE_INVALID);
    assert_int_equal(rts_cmd_size(NULL), 0);
    assert_int_equal(rts_cmd_value(NULL), 0);
    assert_int_equal(rts_cmd_encode(NULL, 8, &c), 0);
    assert_int_equal(rts_cmd_encode((uint8_t *)&p, sizeof p, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_conn_a1),
        cmocka_unit_test(test_decode_conn_b1),
        cmocka_unit_test(test_decode_windows_replies),
        cmocka_unit_test(test_decode_trailing_bytes),
        cmocka_unit_test(test_decode_every_truncation),
        cmocka_unit_test(test_decode_header_fields),
        cmocka_unit_test(test_decode_header_fails_early),
        cmocka_unit_test(test_decode_frag_length),
        cmocka_unit_test(test_decode_num_commands_mismatch),
        cmocka_unit_test(test_decode_command_values),
        cmocka_unit_test(test_decode_command_payload_cut),
        cmocka_unit_test(test_decode_unknown_type),
        cmocka_unit_test(test_decode_padding_too_big),
        cmocka_unit_test(test_decode_command_cap),
        cmocka_unit_test(test_cmd_truncations),
        cmocka_unit_test(test_cmd_names_sizes),
        cmocka_unit_test(test_client_address_bytes),
        cmocka_unit_test(test_find_cmd_and_flag_names),
        cmocka_unit_test(test_null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
