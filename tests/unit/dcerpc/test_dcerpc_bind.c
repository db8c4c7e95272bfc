/*
 * test_dcerpc_bind.c: the bind encoder (byte-exact against rpc-over-http.md
 * 4.2 / 4.5), the common header codec, PTYPE and pfc_flags names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probes/dcerpc/dcerpc_bind.h"
#include "probes/dcerpc/dcerpc_pdu.h"
#include "probes/dcerpc/iface.h"

/* rpc-over-http.md 4.2: EMSMDB, call_id 1, max frags 0x10b8. */
static const uint8_t bind_emsmdb[72] = {
    0x05, 0x00, 0x0b, 0x03, 0x10, 0x00, 0x00, 0x00, 0x48, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0xb8, 0x10, 0xb8, 0x10, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0xdb, 0xf1, 0xa4,
    0x47, 0xca, 0x67, 0x10, 0xb3, 0x1f, 0x00, 0xdd, 0x01, 0x06, 0x62, 0xda,
    0x00, 0x00, 0x51, 0x00, 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
    0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, 0x02, 0x00, 0x00, 0x00,
};

/* The same bind for RFR and NSPI: bytes 32..51 are the 4.5 "Wire bytes". */
static const uint8_t wire_rfr[20] = { 0xe0, 0xf5, 0x44, 0x15, 0x3c, 0x61, 0xd1,
                                      0x11, 0x93, 0xdf, 0x00, 0xc0, 0x4f, 0xd7,
                                      0xbd, 0x09, 0x01, 0x00, 0x00, 0x00 };
static const uint8_t wire_nspi[20] = { 0x18, 0x5a, 0xcc, 0xf5, 0x64, 0x42, 0x1a,
                                       0x10, 0x8c, 0x59, 0x08, 0x00, 0x2b, 0x2f,
                                       0x84, 0x26, 0x38, 0x00, 0x00, 0x00 };

static void test_bind_emsmdb_exact(void **state)
{
    struct dcerpc_bind_req req;
    uint8_t out[DCERPC_BIND_MAX_LEN];
    const char *why = NULL;
    (void)state;

    assert_int_equal(dcerpc_bind_req_init(&req, &iface_get(IFACE_EMSMDB)->syntax, 1), 0);
    assert_int_equal(req.max_xmit_frag, 0x10b8);
    assert_int_equal(req.max_recv_frag, 0x10b8);
    assert_int_equal(dcerpc_bind_size(&req), 72);
    assert_int_equal(dcerpc_bind_encode(&req, out, sizeof(out), &why), 72);
    assert_memory_equal(out, bind_emsmdb, sizeof(bind_emsmdb));
    /* exactly-sized buffer works too */
    assert_int_equal(dcerpc_bind_encode(&req, out, 72, &why), 72);
    assert_memory_equal(out, bind_emsmdb, sizeof(bind_emsmdb));
}

static void check_bind_for(enum iface_id id, const uint8_t wire[20], uint32_t call_id)
{
    struct dcerpc_bind_req req;
    uint8_t expect[72], out[72];

    memcpy(expect, bind_emsmdb, sizeof(expect));
    expect[12] = (uint8_t)call_id;
    expect[13] = (uint8_t)(call_id >> 8);
    expect[14] = (uint8_t)(call_id >> 16);
    expect[15] = (uint8_t)(call_id >> 24);
    memcpy(expect + 32, wire, 20);

    assert_int_equal(dcerpc_bind_req_init(&req, &iface_get(id)->syntax, call_id), 0);
    assert_int_equal(dcerpc_bind_encode(&req, out, sizeof(out), NULL), 72);
    assert_memory_equal(out, expect, sizeof(expect));
}

static void test_bind_rfr_nspi(void **state)
{
    (void)state;
    check_bind_for(IFACE_RFR, wire_rfr, 1);
    check_bind_for(IFACE_NSPI, wire_nspi, 1);
    check_bind_for(IFACE_NSPI, wire_nspi, 0xA1B2C3D4u);
}

static void test_bind_options(void **state)
{
    struct dcerpc_bind_req req;
    struct iface_syntax btfn;
    uint8_t out[DCERPC_BIND_MAX_LEN];
    (void)state;

    /* ruler/FreeRDP frag size and CONC_MPX, assoc group kept */
    assert_int_equal(dcerpc_bind_req_init(&req, &iface_get(IFACE_EMSMDB)->syntax, 2), 0);
    req.max_xmit_frag = DCERPC_FRAG_FREERDP;
    req.max_recv_frag = DCERPC_FRAG_FREERDP;
    req.assoc_group_id = 0x00012345;
    req.pfc_flags = DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG | DCERPC_PFC_CONC_MPX;
    assert_int_equal(dcerpc_bind_encode(&req, out, sizeof(out), NULL), 72);
    assert_int_equal(out[3], 0x13);
    assert_memory_equal(out + 16, "\xf8\x0f\xf8\x0f\x45\x23\x01\x00", 8);
    assert_int_equal(out[12], 2);

    /* two contexts: NDR and a BTFN syntax, as ruler proposes */
    assert_int_equal(iface_btfn_syntax(3, &btfn), 0);
    assert_int_equal(dcerpc_bind_req_add(&req, &iface_get(IFACE_EMSMDB)->syntax, &btfn), 1);
    assert_int_equal(dcerpc_bind_size(&req), 72 + 44);
    assert_int_equal(dcerpc_bind_encode(&req, out, sizeof(out), NULL), 116);
    assert_int_equal(out[8], 116);
    assert_int_equal(out[24], 2);                          /* n_context_elem */
    assert_memory_equal(out + 72, "\x01\x00\x01\x00", 4);  /* p_cont_id 1, 1 syntax */
    assert_memory_equal(out + 76, bind_emsmdb + 32, 20);   /* abstract syntax */
    assert_memory_equal(out + 96, "\x2c\x1c\xb7\x6c\x12\x98\x40\x45\x03\x00", 10);

    /* a second transfer syntax in one context (NDR + NDR64) */
    assert_int_equal(dcerpc_bind_req_init(&req, &iface_get(IFACE_NSPI)->syntax, 1), 0);
    req.ctx[0].transfer[1] = iface_get(IFACE_NDR64)->syntax;
    req.ctx[0].n_transfer = 2;
    assert_int_equal(dcerpc_bind_encode(&req, out, sizeof(out), NULL), 92);
    assert_int_equal(out[30], 2);
    assert_memory_equal(out + 72, "\x33\x05\x71\x71\xba\xbe\x37\x49", 8);

    /* up to the context cap */
    assert_int_equal(dcerpc_bind_req_add(&req, &iface_get(IFACE_RFR)->syntax,
                                         &iface_get(IFACE_NDR)->syntax), 1);
    assert_int_equal(dcerpc_bind_req_add(&req, &iface_get(IFACE_RFR)->syntax,
                                         &iface_get(IFACE_NDR)->syntax), 2);
    assert_int_equal(dcerpc_bind_req_add(&req, &iface_get(IFACE_RFR)->syntax,
                                         &iface_get(IFACE_NDR)->syntax), 3);
    assert_int_equal(dcerpc_bind_req_add(&req, &iface_get(IFACE_RFR)->syntax,
                                         &iface_get(IFACE_NDR)->syntax), WIRE_TOOBIG);
    assert_int_equal(dcerpc_bind_size(&req), 92 + 3 * 44);
    assert_true(dcerpc_bind_size(&req) <= (ssize_t)DCERPC_BIND_MAX_LEN);
    assert_int_equal(dcerpc_bind_encode(&req, out, sizeof(out), NULL), 92 + 3 * 44);
}

static void test_bind_errors(void **state)
{
    struct dcerpc_bind_req req, bad;
    uint8_t out[DCERPC_BIND_MAX_LEN];
    const char *why;
    (void)state;

    assert_int_equal(dcerpc_bind_req_init(&req, &iface_get(IFACE_EMSMDB)->syntax, 1), 0);

    /* every output size below 72 is too small, and nothing is written */
    for (size_t size = 0; size < 72; size++) {
        memset(out, 0xEE, sizeof(out));
        why = NULL;
        assert_int_equal(dcerpc_bind_encode(&req, out, size, &why), WIRE_TOOBIG);
        assert_string_equal(why, "output buffer is smaller than the bind PDU");
        assert_int_equal(out[0], 0xEE);
    }

    bad = req;
    bad.n_ctx = 0;
    assert_int_equal(dcerpc_bind_encode(&bad, out, sizeof(out), &why), WIRE_INVALID);
    assert_string_equal(why, "n_ctx is 0 or above the 4-context cap");
    assert_int_equal(dcerpc_bind_size(&bad), WIRE_INVALID);
    bad.n_ctx = DCERPC_BIND_MAX_CTX + 1;
    assert_int_equal(dcerpc_bind_encode(&bad, out, sizeof(out), &why), WIRE_INVALID);
    assert_string_equal(why, "n_ctx is 0 or above the 4-context cap");

    bad = req;
    bad.ctx[0].n_transfer = 0;
    assert_int_equal(dcerpc_bind_encode(&bad, out, sizeof(out), &why), WIRE_INVALID);
    assert_string_equal(why, "a context has 0 transfer syntaxes or more than the cap of 2");
    bad.ctx[0].n_transfer = DCERPC_BIND_MAX_TSYN + 1;
    assert_int_equal(dcerpc_bind_encode(&bad, out, sizeof(out), &why), WIRE_INVALID);
    assert_int_equal(dcerpc_bind_size(&bad), WIRE_INVALID);

    bad = req;
    bad.max_xmit_frag = DCERPC_FRAG_MIN - 1;
    assert_int_equal(dcerpc_bind_encode(&bad, out, sizeof(out), &why), WIRE_INVALID);
    assert_string_equal(why, "max_xmit_frag or max_recv_frag is below the 1432-byte minimum");
    bad = req;
    bad.max_recv_frag = 16;
    assert_int_equal(dcerpc_bind_encode(&bad, out, sizeof(out), &why), WIRE_INVALID);
    bad.max_recv_frag = DCERPC_FRAG_MIN;
    assert_int_equal(dcerpc_bind_encode(&bad, out, sizeof(out), &why), 72);
}

static void test_hdr_roundtrip(void **state)
{
    struct dcerpc_hdr h, h2;
    uint8_t buf[16];
    const char *why = NULL;
    (void)state;

    assert_int_equal(dcerpc_hdr_decode(bind_emsmdb, sizeof(bind_emsmdb), &h, &why), 16);
    assert_int_equal(h.rpc_vers, 5);
    assert_int_equal(h.rpc_vers_minor, 0);
    assert_int_equal(h.ptype, DCERPC_PT_BIND);
    assert_int_equal(h.pfc_flags, 0x03);
    assert_int_equal(h.frag_length, 72);
    assert_int_equal(h.auth_length, 0);
    assert_int_equal(h.call_id, 1);
    assert_int_equal(dcerpc_body_end(&h), 72);
    assert_int_equal(dcerpc_hdr_encode(&h, buf, sizeof(buf)), 16);
    assert_memory_equal(buf, bind_emsmdb, 16);
    assert_int_equal(dcerpc_hdr_encode(&h, buf, 15), WIRE_TOOBIG);

    /* only the header is needed, not the whole fragment */
    assert_int_equal(dcerpc_hdr_decode(bind_emsmdb, 16, &h2, &why), 16);
    assert_memory_equal(&h, &h2, sizeof(h));
    for (size_t len = 0; len < 16; len++) {
        why = NULL;
        assert_int_equal(dcerpc_hdr_decode(bind_emsmdb, len, &h2, &why), WIRE_INCOMPLETE);
        assert_non_null(why);
    }

    h.auth_length = 8;
    h.frag_length = 40;
    assert_int_equal(dcerpc_body_end(&h), 24);
    assert_int_equal(dcerpc_body_end(NULL), 0);
}

static void test_hdr_errors(void **state)
{
    static const struct {
        unsigned off;
        uint8_t val;
        const char *why;
    } bad[] = {
        { 0, 4, "rpc_vers is not 5 (not a connection-oriented DCE/RPC PDU)" },
        { 0, 6, "rpc_vers is not 5 (not a connection-oriented DCE/RPC PDU)" },
        { 1, 2, "rpc_vers_minor is not 0 or 1" },
        { 4, 0x00, "packed_drep[0] is not 0x10 (little-endian, ASCII)" },
        { 4, 0x11, "packed_drep[0] is not 0x10 (little-endian, ASCII)" },
        { 8, 15, "frag_length is shorter than the 16-byte common header" },
        { 8, 0, "frag_length is shorter than the 16-byte common header" },
        /* auth_length 49: 16 + 8 + 49 > 72 */
        { 10, 49, "auth_length points outside the PDU (auth verifier does not fit after "
                  "the header within frag_length)" },
    };
    struct dcerpc_hdr h;
    uint8_t buf[72];
    const char *why;
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memcpy(buf, bind_emsmdb, sizeof(buf));
        buf[bad[i].off] = bad[i].val;
        why = NULL;
        assert_int_equal(dcerpc_hdr_decode(buf, sizeof(buf), &h, &why), WIRE_INVALID);
        assert_string_equal(why, bad[i].why);
    }
    /* rpc_vers_minor 1 (DCE 1.1) is accepted; auth_length 48 fits exactly */
    memcpy(buf, bind_emsmdb, sizeof(buf));
    buf[1] = 1;
    buf[10] = 48;
    assert_int_equal(dcerpc_hdr_decode(buf, sizeof(buf), &h, NULL), 16);
    assert_int_equal(dcerpc_body_end(&h), 16);
    /* the drep float/reserved bytes are not checked */
    buf[5] = 0x01;
    assert_int_equal(dcerpc_hdr_decode(buf, sizeof(buf), &h, NULL), 16);
}

/* dcerpc_auth_decode() called directly, on a PDU laid out by hand:
 * 16-byte header, 8 body bytes, sec_trailer at 24, 4-byte token. */
static void test_auth_decode_direct(void **state)
{
    static const uint8_t pdu[36] = {
        0x05, 0x00, 0x02, 0x03, 0x10, 0x00, 0x00, 0x00, 0x24, 0x00, 0x04, 0x00,
        0x05, 0x00, 0x00, 0x00,
        0x01, 0x02, 0x03, 0x04, 0xAA, 0xAA, 0xAA, 0xAA,       /* body, then 4 pad */
        0x10, 0x05, 0x04, 0x00, 0x78, 0x56, 0x34, 0x12,       /* krb5, integrity, pad 4 */
        0xde, 0xad, 0xbe, 0xef,
    };
    struct dcerpc_hdr h;
    struct dcerpc_auth a;
    const char *why = NULL;
    (void)state;

    assert_int_equal(dcerpc_hdr_decode(pdu, sizeof(pdu), &h, &why), 16);
    assert_int_equal(dcerpc_body_end(&h), 24);
    assert_int_equal(dcerpc_auth_decode(pdu, &h, 20, &a, &why), 0);
    assert_int_equal(a.auth_type, 16);
    assert_int_equal(a.auth_level, 5);
    assert_int_equal(a.auth_pad_length, 4);
    assert_int_equal(a.auth_reserved, 0);
    assert_int_equal(a.auth_context_id, 0x12345678u);
    assert_int_equal(a.trailer_offset, 24);
    assert_int_equal(a.token_len, 4);
    assert_ptr_equal(a.token, pdu + 32);
    /* the body claims to run to 21: only 3 bytes of gap for 4 pad bytes */
    assert_int_equal(dcerpc_auth_decode(pdu, &h, 21, &a, &why), WIRE_INVALID);
    assert_string_equal(why, "auth_pad_length is larger than the gap before the sec_trailer");
    /* the body claims to run past the trailer */
    assert_int_equal(dcerpc_auth_decode(pdu, &h, 25, &a, &why), WIRE_INVALID);
    assert_string_equal(why, "auth verifier overlaps the PDU body");
    /* no verifier at all, or one the header check would have refused */
    h.auth_length = 0;
    assert_int_equal(dcerpc_auth_decode(pdu, &h, 16, &a, &why), WIRE_INVALID);
    assert_string_equal(why, "auth_length is 0 or points outside the PDU");
    h.auth_length = 13;
    assert_int_equal(dcerpc_auth_decode(pdu, &h, 16, &a, &why), WIRE_INVALID);
    assert_string_equal(why, "auth_length is 0 or points outside the PDU");
}

static void test_names(void **state)
{
    char buf[128];
    (void)state;

    assert_string_equal(dcerpc_ptype_name(DCERPC_PT_REQUEST), "request");
    assert_string_equal(dcerpc_ptype_name(DCERPC_PT_FAULT), "fault");
    assert_string_equal(dcerpc_ptype_name(DCERPC_PT_BIND), "bind");
    assert_string_equal(dcerpc_ptype_name(DCERPC_PT_BIND_ACK), "bind_ack");
    assert_string_equal(dcerpc_ptype_name(DCERPC_PT_BIND_NAK), "bind_nak");
    assert_string_equal(dcerpc_ptype_name(DCERPC_PT_ALTER_CONTEXT_RESP), "alter_context_resp");
    assert_string_equal(dcerpc_ptype_name(DCERPC_PT_AUTH3), "auth3");
    assert_string_equal(dcerpc_ptype_name(DCERPC_PT_ORPHANED), "orphaned");
    assert_string_equal(dcerpc_ptype_name(DCERPC_PT_RTS), "rts");
    assert_string_equal(dcerpc_ptype_name(21), "unknown");
    assert_string_equal(dcerpc_ptype_name(255), "unknown");

    assert_int_equal(dcerpc_pfc_flags_format(0x03, DCERPC_PT_BIND, buf, sizeof(buf)), 20);
    assert_string_equal(buf, "FIRST_FRAG|LAST_FRAG");
    dcerpc_pfc_flags_format(0x17, DCERPC_PT_BIND, buf, sizeof(buf));
    assert_string_equal(buf, "FIRST_FRAG|LAST_FRAG|SUPPORT_HEADER_SIGN|CONC_MPX");
    dcerpc_pfc_flags_format(0x04, DCERPC_PT_RESPONSE, buf, sizeof(buf));
    assert_string_equal(buf, "PENDING_CANCEL");
    dcerpc_pfc_flags_format(0xE8, DCERPC_PT_FAULT, buf, sizeof(buf));
    assert_string_equal(buf, "RESERVED_1|DID_NOT_EXECUTE|MAYBE|OBJECT_UUID");
    assert_int_equal(dcerpc_pfc_flags_format(0, DCERPC_PT_BIND, buf, sizeof(buf)), 4);
    assert_string_equal(buf, "none");
    /* truncation: snprintf-like */
    assert_int_equal(dcerpc_pfc_flags_format(0x03, DCERPC_PT_BIND, buf, 8), 20);
    assert_string_equal(buf, "FIRST_F");
    assert_int_equal(dcerpc_pfc_flags_format(0x03, DCERPC_PT_BIND, buf, 12), 20);
    assert_string_equal(buf, "FIRST_FRAG|");
    assert_int_equal(dcerpc_pfc_flags_format(0, DCERPC_PT_BIND, buf, 3), 4);
    assert_string_equal(buf, "no");
    buf[0] = 'x';
    assert_int_equal(dcerpc_pfc_flags_format(0x03, DCERPC_PT_BIND, buf, 0), 20);
    assert_int_equal(buf[0], 'x');
    {
        size_t need = dcerpc_pfc_flags_format(0xFF, DCERPC_PT_BIND, buf, sizeof(buf));

        assert_int_equal(need, strlen(buf));
        assert_string_equal(buf, "FIRST_FRAG|LAST_FRAG|SUPPORT_HEADER_SIGN|RESERVED_1|"
                                 "CONC_MPX|DID_NOT_EXECUTE|MAYBE|OBJECT_UUID");
    }
}

static void test_null_arguments(void **state)
{
    struct dcerpc_bind_req req;
    struct dcerpc_hdr h;
    struct dcerpc_auth a;
    uint8_t out[80];
    const char *why = NULL;
    (void)state;

    memset(&h, 0, sizeof(h));
    assert_int_equal(dcerpc_bind_req_init(NULL, &iface_get(IFACE_EMSMDB)->syntax, 1),
                     WIRE_INVALID);
    assert_int_equal(dcerpc_bind_req_init(&req, NULL, 1), WIRE_INVALID);
    assert_int_equal(dcerpc_bind_req_init(&req, &iface_get(IFACE_EMSMDB)->syntax, 1), 0);
    assert_int_equal(dcerpc_bind_req_add(NULL, &iface_get(IFACE_RFR)->syntax,
                                         &iface_get(IFACE_NDR)->syntax), WIRE_INVALID);
    assert_int_equal(dcerpc_bind_req_add(&req, NULL, &iface_get(IFACE_NDR)->syntax),
                     WIRE_INVALID);
    assert_int_equal(dcerpc_bind_req_add(&req, &iface_get(IFACE_RFR)->syntax, NULL),
                     WIRE_INVALID);
    assert_int_equal(req.n_ctx, 1);
    assert_int_equal(dcerpc_bind_size(NULL), WIRE_INVALID);
    assert_int_equal(dcerpc_bind_encode(NULL, out, sizeof(out), &why), WIRE_INVALID);
    assert_string_equal(why, "NULL argument");
    assert_int_equal(dcerpc_bind_encode(&req, NULL, sizeof(out), NULL), WIRE_INVALID);
    assert_int_equal(dcerpc_hdr_decode(NULL, 16, &h, &why), WIRE_INVALID);
    assert_string_equal(why, "NULL argument");
    assert_int_equal(dcerpc_hdr_decode(bind_emsmdb, 72, NULL, NULL), WIRE_INVALID);
    assert_int_equal(dcerpc_hdr_encode(NULL, out, sizeof(out)), WIRE_INVALID);
    assert_int_equal(dcerpc_hdr_encode(&h, NULL, 16), WIRE_INVALID);
    assert_int_equal(dcerpc_auth_decode(NULL, &h, 16, &a, &why), WIRE_INVALID);
    assert_int_equal(dcerpc_auth_decode(bind_emsmdb, NULL, 16, &a, &why), WIRE_INVALID);
    assert_int_equal(dcerpc_auth_decode(bind_emsmdb, &h, 16, NULL, &why), WIRE_INVALID);
    assert_int_equal(dcerpc_pfc_flags_format(3, 11, NULL, 10), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bind_emsmdb_exact),
        cmocka_unit_test(test_bind_rfr_nspi),
        cmocka_unit_test(test_bind_options),
        cmocka_unit_test(test_bind_errors),
        cmocka_unit_test(test_hdr_roundtrip),
        cmocka_unit_test(test_hdr_errors),
        cmocka_unit_test(test_auth_decode_direct),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_null_arguments),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
