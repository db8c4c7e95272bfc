/*
 * test_rts_encode.c: RTS encoders (rts_encode.c) and the client-side
 * classifier (rts_classify.c): byte-exact output against the Outlook and
 * Windows captures, round trips through rts_decode(), every short buffer,
 * classifier verdicts and reasons, NULL arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probes/common/wire.h"
#include "probes/rpch/rts.h"
#include "probes/rpch/rts_classify.h"
#include "probes/rpch/rts_encode.h"
#include "rpch_vectors.h"

static struct rts_cookie cookie(const uint8_t b[16])
{
    struct rts_cookie c;
    memcpy(c.b, b, 16);
    return c;
}

/* ---- byte-exact encodings ---------------------------------------------- */

/* Decode Outlook's CONN/A1 and re-encode it from the decoded values. */
static void test_conn_a1_reencode(void **state)
{
    struct rts_pdu p;
    uint8_t out[128];

    (void)state;
    assert_int_equal(rts_decode(&p, vec_conn_a1, sizeof vec_conn_a1, NULL), 76);
    assert_int_equal(rts_encode_conn_a1(out, sizeof out, &p.cmds[1].u.cookie, &p.cmds[2].u.cookie,
                                        p.cmds[3].u.receive_window_size),
                     RTS_CONN_A1_LEN);
    assert_memory_equal(out, vec_conn_a1, sizeof vec_conn_a1);
    /* and the generic encoder gives the same bytes */
    assert_int_equal(rts_encode(out, sizeof out, &p), 76);
    assert_memory_equal(out, vec_conn_a1, sizeof vec_conn_a1);
}

static void test_conn_b1_reencode(void **state)
{
    struct rts_pdu p;
    uint8_t out[128];
    struct rts_cookie vc = cookie(vec_cookie_vc), in = cookie(vec_cookie_in),
                      ag = cookie(vec_cookie_agid);

    (void)state;
    assert_int_equal(rts_encode_conn_b1(out, sizeof out, &vc, &in, 0x40000000, 300000, &ag),
                     RTS_CONN_B1_LEN);
    assert_memory_equal(out, vec_conn_b1, sizeof vec_conn_b1);
    assert_int_equal(rts_decode(&p, vec_conn_b1, sizeof vec_conn_b1, NULL), 104);
    assert_int_equal(rts_encode(out, sizeof out, &p), 104);
    assert_memory_equal(out, vec_conn_b1, sizeof vec_conn_b1);
}

static void test_server_side_vectors(void **state)
{
    uint8_t out[64];
    struct rts_cookie oc = cookie(vec_cookie_out);

    (void)state;
    assert_int_equal(rts_encode_conn_a3(out, sizeof out, 120000), RTS_CONN_A3_LEN);
    assert_memory_equal(out, vec_conn_a3, sizeof vec_conn_a3);
    assert_int_equal(rts_encode_conn_c2(out, sizeof out, 1, 65536, 120000), RTS_CONN_C2_LEN);
    assert_memory_equal(out, vec_conn_c2, sizeof vec_conn_c2);
    assert_int_equal(rts_encode_ping(out, sizeof out), RTS_PING_LEN);
    assert_memory_equal(out, vec_ping, sizeof vec_ping);
    assert_int_equal(rts_encode_echo(out, sizeof out), RTS_ECHO_LEN);
    assert_memory_equal(out, vec_echo, sizeof vec_echo);
    assert_int_equal(rts_encode_flow_control_ack_dest(out, sizeof out, RTS_FD_OUT_PROXY, 0x8000,
                                                      0x10000, &oc),
                     RTS_FC_ACK_DEST_LEN);
    assert_memory_equal(out, vec_fc_ack_dest, sizeof vec_fc_ack_dest);
    assert_int_equal(rts_encode_flow_control_ack(out, sizeof out, 0x8000, 0x10000, &oc),
                     RTS_FC_ACK_LEN);
    assert_memory_equal(out, vec_fc_ack, sizeof vec_fc_ack);
}

/* ---- short buffers ----------------------------------------------------- */

enum enc_id { E_A1, E_B1, E_A3, E_C2, E_ECHO, E_PING, E_FCA, E_FCA_DEST, E_COUNT };

static size_t run_encoder(enum enc_id id, uint8_t *buf, size_t cap)
{
    struct rts_cookie vc = cookie(vec_cookie_vc), in = cookie(vec_cookie_in),
                      out = cookie(vec_cookie_out), ag = cookie(vec_cookie_agid);

    switch (id) {
    case E_A1: return rts_encode_conn_a1(buf, cap, &vc, &out, 0x10000);
    case E_B1: return rts_encode_conn_b1(buf, cap, &vc, &in, 0x40000000, 300000, &ag);
    case E_A3: return rts_encode_conn_a3(buf, cap, 120000);
    case E_C2: return rts_encode_conn_c2(buf, cap, 1, 65536, 120000);
    case E_ECHO: return rts_encode_echo(buf, cap);
    case E_PING: return rts_encode_ping(buf, cap);
    case E_FCA: return rts_encode_flow_control_ack(buf, cap, 0x8000, 0x10000, &out);
    case E_FCA_DEST:
        return rts_encode_flow_control_ack_dest(buf, cap, RTS_FD_OUT_PROXY, 0x8000, 0x10000, &out);
    default: return 0;
    }
}

static const struct {
    size_t len;
    enum rts_kind kind;
} enc_expect[E_COUNT] = {
    [E_A1] = {76, RTS_KIND_INVALID},      [E_B1] = {104, RTS_KIND_INVALID},
    [E_A3] = {28, RTS_KIND_CONN_A3},      [E_C2] = {44, RTS_KIND_CONN_C2},
    [E_ECHO] = {20, RTS_KIND_ECHO},       [E_PING] = {20, RTS_KIND_PING},
    [E_FCA] = {48, RTS_KIND_FLOW_CONTROL_ACK},
    [E_FCA_DEST] = {56, RTS_KIND_FLOW_CONTROL_ACK_DEST},
};

/* Every capacity below the PDU size gives 0 and writes nothing. */
static void test_encoders_short_buffer(void **state)
{
    uint8_t buf[128];
    int id;
    size_t cap, i;

    (void)state;
    for (id = 0; id < E_COUNT; id++) {
        for (cap = 0; cap < enc_expect[id].len; cap++) {
            memset(buf, 0xAA, sizeof buf);
            assert_int_equal(run_encoder((enum enc_id)id, buf, cap), 0);
            for (i = 0; i < sizeof buf; i++)
                assert_int_equal(buf[i], 0xAA);
        }
        assert_int_equal(run_encoder((enum enc_id)id, buf, enc_expect[id].len),
                         enc_expect[id].len);
    }
}

/* Every encoder's output decodes, classifies as its kind and re-encodes identically. */
static void test_encoders_round_trip(void **state)
{
    uint8_t buf[128], again[128];
    struct rts_pdu p;
    int id;

    (void)state;
    for (id = 0; id < E_COUNT; id++) {
        const char *why = NULL;
        size_t n = run_encoder((enum enc_id)id, buf, sizeof buf);

        assert_int_equal(n, enc_expect[id].len);
        assert_int_equal(rts_decode(&p, buf, n, &why), (ssize_t)n);
        assert_int_equal(rts_classify(&p, &why), enc_expect[id].kind);
        assert_int_equal(rts_encode(again, sizeof again, &p), n);
        assert_memory_equal(again, buf, n);
    }
}

/* A PDU with one command of every type survives encode -> decode -> encode. */
static void test_generic_all_commands(void **state)
{
    struct rts_pdu in, out;
    uint8_t buf[512], again[512];
    size_t n;
    uint32_t t;

    (void)state;
    memset(&in, 0, sizeof in);
    in.flags = RTS_FLAG_OUT_CHANNEL | RTS_FLAG_RECYCLE_CHANNEL;
    for (t = 0; t < RTS_CMD_TYPE_COUNT; t++) {
        struct rts_cmd *c = &in.cmds[in.num_commands++];
        c->type = t;
        switch (t) {
        case RTS_CMD_RECEIVE_WINDOW_SIZE: c->u.receive_window_size = 0x10000; break;
        case RTS_CMD_FLOW_CONTROL_ACK:
            c->u.flow_control_ack.bytes_received = 1;
            c->u.flow_control_ack.available_window = 2;
            memcpy(c->u.flow_control_ack.channel_cookie.b, vec_cookie_out, 16);
            break;
        case RTS_CMD_CONNECTION_TIMEOUT: c->u.connection_timeout = 900000; break;
        case RTS_CMD_COOKIE: memcpy(c->u.cookie.b, vec_cookie_vc, 16); break;
        case RTS_CMD_CHANNEL_LIFETIME: c->u.channel_lifetime = 0x40000000; break;
        case RTS_CMD_CLIENT_KEEPALIVE: c->u.client_keepalive = 300000; break;
        case RTS_CMD_VERSION: c->u.version = 1; break;
        case RTS_CMD_PADDING: c->u.padding_count = 12; break;
        case RTS_CMD_CLIENT_ADDRESS:
            c->u.client_address.address_type = RTS_ADDRESS_IPV6;
            memset(c->u.client_address.address, 0x20, 16);
            break;
        case RTS_CMD_ASSOCIATION_GROUP_ID:
            memcpy(c->u.association_group_id.b, vec_cookie_agid, 16);
            break;
        case RTS_CMD_DESTINATION: c->u.destination = RTS_FD_SERVER; break;
        case RTS_CMD_PING_TRAFFIC_SENT_NOTIFY: c->u.ping_traffic_sent = 77; break;
        default: break;
        }
    }
    n = rts_encode(buf, sizeof buf, &in);
    assert_int_equal(n, 20 + 8 + 28 + 8 + 20 + 8 + 8 + 8 + 4 + 20 + 4 + 4 + 36 + 20 + 8 + 8);
    assert_int_equal(wire_get_u16le(buf + 8), n);
    assert_int_equal(rts_decode(&out, buf, n, NULL), (ssize_t)n);
    assert_int_equal(out.num_commands, RTS_CMD_TYPE_COUNT);
    assert_int_equal(out.flags, in.flags);
    for (t = 0; t < RTS_CMD_TYPE_COUNT; t++) {
        assert_int_equal(out.cmds[t].type, t);
        assert_int_equal(rts_cmd_value(&out.cmds[t]), rts_cmd_value(&in.cmds[t]));
    }
    assert_memory_equal(out.cmds[RTS_CMD_CLIENT_ADDRESS].u.client_address.address,
                        in.cmds[RTS_CMD_CLIENT_ADDRESS].u.client_address.address, 16);
    assert_int_equal(rts_encode(again, sizeof again, &out), n);
    assert_memory_equal(again, buf, n);
}

static void test_generic_rejects(void **state)
{
    static struct rts_pdu p;
    static uint8_t big[70000];
    uint16_t i;

    (void)state;
    memset(&p, 0, sizeof p);
    p.num_commands = RTS_MAX_COMMANDS + 1;
    assert_int_equal(rts_encode(big, sizeof big, &p), 0);

    memset(&p, 0, sizeof p);
    p.num_commands = 1;
    p.cmds[0].type = RTS_CMD_CLIENT_ADDRESS;
    p.cmds[0].u.client_address.address_type = 9;
    assert_int_equal(rts_encode(big, sizeof big, &p), 0);

    /* 16 maximal paddings exceed the 65535-byte frag_length */
    memset(&p, 0, sizeof p);
    p.num_commands = RTS_MAX_COMMANDS;
    for (i = 0; i < RTS_MAX_COMMANDS; i++) {
        p.cmds[i].type = RTS_CMD_PADDING;
        p.cmds[i].u.padding_count = 0xFFFF;
    }
    assert_int_equal(rts_encode(big, sizeof big, &p), 0);

    /* an unknown type encodes bare (lab fault injection) and the decoder refuses it */
    memset(&p, 0, sizeof p);
    p.num_commands = 1;
    p.cmds[0].type = 0xF;
    assert_int_equal(rts_encode(big, sizeof big, &p), 24);
    assert_int_equal(rts_decode(&p, big, 24, NULL), WIRE_INVALID);
    assert_non_null(strstr(p.detail, "type 0xF"));

    /* out-of-range values are written as given */
    assert_int_equal(rts_encode_conn_a3(big, sizeof big, 0), 28);
    assert_int_equal(rts_decode(&p, big, 28, NULL), WIRE_INVALID);
}

/* ---- classifier -------------------------------------------------------- */

static void test_classify_vectors(void **state)
{
    static const struct {
        const uint8_t *bytes;
        size_t len;
        enum rts_kind kind;
    } cases[] = {
        {vec_conn_a3, sizeof vec_conn_a3, RTS_KIND_CONN_A3},
        {vec_conn_c2, sizeof vec_conn_c2, RTS_KIND_CONN_C2},
        {vec_ping, sizeof vec_ping, RTS_KIND_PING},
        {vec_echo, sizeof vec_echo, RTS_KIND_ECHO},
        {vec_fc_ack, sizeof vec_fc_ack, RTS_KIND_FLOW_CONTROL_ACK},
        {vec_fc_ack_dest, sizeof vec_fc_ack_dest, RTS_KIND_FLOW_CONTROL_ACK_DEST},
        /* client -> proxy PDUs are not something a client receives */
        {vec_conn_a1, sizeof vec_conn_a1, RTS_KIND_INVALID},
        {vec_conn_b1, sizeof vec_conn_b1, RTS_KIND_INVALID},
    };
    struct rts_pdu p;
    size_t k;

    (void)state;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *why = NULL;
        assert_int_equal(rts_decode(&p, cases[k].bytes, cases[k].len, NULL),
                         (ssize_t)cases[k].len);
        assert_int_equal(rts_classify(&p, &why), cases[k].kind);
        if (cases[k].kind == RTS_KIND_INVALID)
            assert_non_null(why);
    }
}

/* Build a PDU struct from flags and a list of command types. */
static void make(struct rts_pdu *p, uint16_t flags, const uint32_t *types, uint16_t n)
{
    uint16_t i;

    memset(p, 0, sizeof *p);
    p->flags = flags;
    p->num_commands = n;
    for (i = 0; i < n; i++)
        p->cmds[i].type = types[i];
}

static void test_classify_invalid(void **state)
{
    static const uint32_t t_to[] = {RTS_CMD_CONNECTION_TIMEOUT};
    static const uint32_t t_ver[] = {RTS_CMD_VERSION};
    static const uint32_t t_c2_swapped[] = {RTS_CMD_VERSION, RTS_CMD_CONNECTION_TIMEOUT,
                                            RTS_CMD_RECEIVE_WINDOW_SIZE};
    static const uint32_t t_two[] = {RTS_CMD_VERSION, RTS_CMD_CONNECTION_TIMEOUT};
    static const uint32_t t_fca[] = {RTS_CMD_FLOW_CONTROL_ACK};
    static const uint32_t t_fca_swapped[] = {RTS_CMD_FLOW_CONTROL_ACK, RTS_CMD_DESTINATION};
    static const uint32_t t_dest[] = {RTS_CMD_DESTINATION};
    static const struct {
        uint16_t flags;
        const uint32_t *types;
        uint16_t n;
        enum rts_kind kind;
        const char *why;
    } cases[] = {
        {RTS_FLAG_NONE, t_to, 1, RTS_KIND_CONN_A3, NULL},
        {RTS_FLAG_NONE, t_ver, 1, RTS_KIND_INVALID, "not CONN/A3"},
        {RTS_FLAG_NONE, t_c2_swapped, 3, RTS_KIND_INVALID, "not CONN/C2"},
        {RTS_FLAG_NONE, t_two, 2, RTS_KIND_INVALID, "neither 1 command"},
        {RTS_FLAG_NONE, NULL, 0, RTS_KIND_INVALID, "neither 1 command"},
        {RTS_FLAG_ECHO, t_to, 1, RTS_KIND_INVALID, "echo PDU"},
        {RTS_FLAG_PING, t_to, 1, RTS_KIND_INVALID, "ping PDU"},
        {RTS_FLAG_OTHER_CMD, t_fca_swapped, 2, RTS_KIND_INVALID, "OTHER_CMD"},
        {RTS_FLAG_OTHER_CMD, t_dest, 1, RTS_KIND_INVALID, "OTHER_CMD"},
        {RTS_FLAG_OTHER_CMD, NULL, 0, RTS_KIND_INVALID, "OTHER_CMD"},
        {RTS_FLAG_RECYCLE_CHANNEL, NULL, 0, RTS_KIND_INVALID, "recycling"},
        {RTS_FLAG_PING | RTS_FLAG_ECHO, NULL, 0, RTS_KIND_INVALID, "none of"},
        {RTS_FLAG_OUT_CHANNEL, t_fca, 1, RTS_KIND_INVALID, "none of"},
        {RTS_FLAG_EOF, NULL, 0, RTS_KIND_INVALID, "none of"},
        {RTS_FLAG_OTHER_CMD | RTS_FLAG_IN_CHANNEL, t_fca, 1, RTS_KIND_INVALID, "none of"},
    };
    struct rts_pdu p;
    size_t k;

    (void)state;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *why = NULL;
        make(&p, cases[k].flags, cases[k].types, cases[k].n);
        assert_int_equal(rts_classify(&p, &why), cases[k].kind);
        if (cases[k].why) {
            assert_non_null(why);
            if (!strstr(why, cases[k].why))
                fail_msg("case %zu: reason \"%s\" lacks \"%s\"", k, why, cases[k].why);
        }
        (void)rts_classify(&p, NULL); /* why is optional */
    }
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(rts_kind_name(RTS_KIND_INVALID), "invalid");
    assert_string_equal(rts_kind_name(RTS_KIND_CONN_A3), "CONN/A3");
    assert_string_equal(rts_kind_name(RTS_KIND_CONN_C2), "CONN/C2");
    assert_string_equal(rts_kind_name(RTS_KIND_ECHO), "echo");
    assert_string_equal(rts_kind_name(RTS_KIND_PING), "ping");
    assert_string_equal(rts_kind_name(RTS_KIND_FLOW_CONTROL_ACK), "FlowControlAck");
    assert_string_equal(rts_kind_name(RTS_KIND_FLOW_CONTROL_ACK_DEST),
                        "FlowControlAckWithDestination");
    assert_string_equal(rts_kind_name(RTS_KIND_COUNT), "unknown");
    assert_string_equal(rts_kind_name((enum rts_kind)99), "unknown");
}

static void test_null_arguments(void **state)
{
    uint8_t buf[128];
    struct rts_cookie c = cookie(vec_cookie_vc);
    struct rts_pdu p;
    const char *why = NULL;

    (void)state;
    memset(&p, 0, sizeof p);
    assert_int_equal(rts_encode(NULL, sizeof buf, &p), 0);
    assert_int_equal(rts_encode(buf, sizeof buf, NULL), 0);
    assert_int_equal(rts_encode_conn_a1(NULL, sizeof buf, &c, &c, 0x10000), 0);
    assert_int_equal(rts_encode_conn_a1(buf, sizeof buf, NULL, &c, 0x10000), 0);
    assert_int_equal(rts_encode_conn_a1(buf, sizeof buf, &c, NULL, 0x10000), 0);
    assert_int_equal(rts_encode_conn_b1(buf, sizeof buf, NULL, &c, 1, 1, &c), 0);
    assert_int_equal(rts_encode_conn_b1(buf, sizeof buf, &c, NULL, 1, 1, &c), 0);
    assert_int_equal(rts_encode_conn_b1(buf, sizeof buf, &c, &c, 1, 1, NULL), 0);
    assert_int_equal(rts_encode_conn_b1(NULL, sizeof buf, &c, &c, 1, 1, &c), 0);
    assert_int_equal(rts_encode_conn_a3(NULL, sizeof buf, 120000), 0);
    assert_int_equal(rts_encode_conn_c2(NULL, sizeof buf, 1, 65536, 120000), 0);
    assert_int_equal(rts_encode_echo(NULL, sizeof buf), 0);
    assert_int_equal(rts_encode_ping(NULL, sizeof buf), 0);
    assert_int_equal(rts_encode_flow_control_ack(buf, sizeof buf, 1, 1, NULL), 0);
    assert_int_equal(rts_encode_flow_control_ack(NULL, sizeof buf, 1, 1, &c), 0);
    assert_int_equal(rts_encode_flow_control_ack_dest(buf, sizeof buf, 3, 1, 1, NULL), 0);
    assert_int_equal(rts_encode_flow_control_ack_dest(NULL, sizeof buf, 3, 1, 1, &c), 0);
    assert_int_equal(rts_classify(NULL, &why), RTS_KIND_INVALID);
    assert_non_null(why);
    assert_int_equal(rts_classify(NULL, NULL), RTS_KIND_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conn_a1_reencode),
        cmocka_unit_test(test_conn_b1_reencode),
        cmocka_unit_test(test_server_side_vectors),
        cmocka_unit_test(test_encoders_short_buffer),
        cmocka_unit_test(test_encoders_round_trip),
        cmocka_unit_test(test_generic_all_commands),
        cmocka_unit_test(test_generic_rejects),
        cmocka_unit_test(test_classify_vectors),
        cmocka_unit_test(test_classify_invalid),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
