/*
 * test_dcerpc_iface.c: the interface table against the wire bytes of
 * rpc-over-http.md section 4.5, lookups, UUID text <-> struct <-> wire.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probes/dcerpc/iface.h"

struct iface_vec {
    enum iface_id id;
    const char *name;
    const char *uuid_text;
    uint16_t major, minor;
    uint16_t port;
    uint8_t wire[IFACE_SYNTAX_WIRE_LEN]; /* rpc-over-http.md 4.5, "Wire bytes" column */
};

static const struct iface_vec iface_vecs[] = {
    { IFACE_EMSMDB, "EMSMDB", "A4F1DB00-CA47-1067-B31F-00DD010662DA", 0, 81, 6001,
      { 0x00, 0xdb, 0xf1, 0xa4, 0x47, 0xca, 0x67, 0x10, 0xb3, 0x1f,
        0x00, 0xdd, 0x01, 0x06, 0x62, 0xda, 0x00, 0x00, 0x51, 0x00 } },
    { IFACE_RFR, "RFR", "1544F5E0-613C-11D1-93DF-00C04FD7BD09", 1, 0, 6002,
      { 0xe0, 0xf5, 0x44, 0x15, 0x3c, 0x61, 0xd1, 0x11, 0x93, 0xdf,
        0x00, 0xc0, 0x4f, 0xd7, 0xbd, 0x09, 0x01, 0x00, 0x00, 0x00 } },
    { IFACE_NSPI, "NSPI", "F5CC5A18-4264-101A-8C59-08002B2F8426", 56, 0, 6004,
      { 0x18, 0x5a, 0xcc, 0xf5, 0x64, 0x42, 0x1a, 0x10, 0x8c, 0x59,
        0x08, 0x00, 0x2b, 0x2f, 0x84, 0x26, 0x38, 0x00, 0x00, 0x00 } },
    { IFACE_NDR, "NDR", "8A885D04-1CEB-11C9-9FE8-08002B104860", 2, 0, 0,
      { 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8,
        0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, 0x02, 0x00, 0x00, 0x00 } },
    { IFACE_NDR64, "NDR64", "71710533-BEBA-4937-8319-B5DBEF9CCC36", 1, 0, 0,
      { 0x33, 0x05, 0x71, 0x71, 0xba, 0xbe, 0x37, 0x49, 0x83, 0x19,
        0xb5, 0xdb, 0xef, 0x9c, 0xcc, 0x36, 0x01, 0x00, 0x00, 0x00 } },
};

#define N_VECS (sizeof(iface_vecs) / sizeof(iface_vecs[0]))

static void test_table_wire_bytes(void **state)
{
    (void)state;
    assert_int_equal(N_VECS, IFACE_COUNT);
    for (size_t i = 0; i < N_VECS; i++) {
        const struct iface_vec *v = &iface_vecs[i];
        const struct iface_info *info = iface_get(v->id);
        uint8_t wire[IFACE_SYNTAX_WIRE_LEN];
        char text[IFACE_UUID_TEXT_LEN + 1];
        struct iface_syntax back;

        assert_non_null(info);
        assert_int_equal(info->id, v->id);
        assert_string_equal(info->name, v->name);
        assert_int_equal(info->port, v->port);
        assert_int_equal(info->syntax.ver_major, v->major);
        assert_int_equal(info->syntax.ver_minor, v->minor);
        assert_int_equal(info->kind, v->port != 0 ? IFACE_KIND_INTERFACE : IFACE_KIND_TRANSFER);
        assert_non_null(info->desc);

        assert_int_equal(iface_syntax_encode(&info->syntax, wire), 0);
        assert_memory_equal(wire, v->wire, sizeof(wire));
        assert_int_equal(iface_syntax_decode(v->wire, &back), 0);
        assert_true(iface_syntax_equal(&back, &info->syntax));

        assert_int_equal(iface_uuid_format(&info->syntax.uuid, text, sizeof(text)), 36);
        assert_string_equal(text, v->uuid_text);
    }
}

static void test_lookups(void **state)
{
    (void)state;
    assert_ptr_equal(iface_by_port(6001), iface_get(IFACE_EMSMDB));
    assert_ptr_equal(iface_by_port(6002), iface_get(IFACE_RFR));
    assert_ptr_equal(iface_by_port(6004), iface_get(IFACE_NSPI));
    assert_null(iface_by_port(6003));
    assert_null(iface_by_port(0));
    assert_null(iface_by_port(593));

    assert_ptr_equal(iface_by_name("EMSMDB"), iface_get(IFACE_EMSMDB));
    assert_ptr_equal(iface_by_name("emsmdb"), iface_get(IFACE_EMSMDB));
    assert_ptr_equal(iface_by_name("Rfr"), iface_get(IFACE_RFR));
    assert_ptr_equal(iface_by_name("nspi"), iface_get(IFACE_NSPI));
    assert_ptr_equal(iface_by_name("ndr64"), iface_get(IFACE_NDR64));
    assert_ptr_equal(iface_by_name("NDR"), iface_get(IFACE_NDR));
    assert_null(iface_by_name("NDR6"));
    assert_null(iface_by_name("NSPIX"));
    assert_null(iface_by_name(""));
    assert_null(iface_by_name(NULL));

    assert_null(iface_get(IFACE_COUNT));
    assert_null(iface_get((enum iface_id)-1));

    for (unsigned i = 0; i < IFACE_COUNT; i++) {
        const struct iface_info *info = iface_get((enum iface_id)i);
        struct iface_syntax s = info->syntax;

        assert_ptr_equal(iface_by_syntax(&s), info);
        s.ver_minor ^= 1; /* same UUID, other version: no match */
        assert_null(iface_by_syntax(&s));
    }
    assert_null(iface_by_syntax(NULL));
}

static void test_uuid_parse_roundtrip(void **state)
{
    static const char *const texts[] = {
        "A4F1DB00-CA47-1067-B31F-00DD010662DA",
        "a4f1db00-ca47-1067-b31f-00dd010662da",
        "00000000-0000-0000-0000-000000000000",
        "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
        "6cb71c2c-9812-4540-0300-000000000000",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct iface_uuid u, u2;
        uint8_t wire[16];
        char out[37];
        const char *why = NULL;

        assert_int_equal(iface_uuid_parse(texts[i], strlen(texts[i]), &u, &why), 0);
        assert_int_equal(iface_uuid_format(&u, out, sizeof(out)), 36);
        for (size_t k = 0; k < 36; k++) {
            char c = texts[i][k];

            if (c >= 'a' && c <= 'f')
                c = (char)(c - 'a' + 'A');
            assert_int_equal(out[k], c);
        }
        assert_int_equal(iface_uuid_encode(&u, wire), 0);
        assert_int_equal(iface_uuid_decode(wire, &u2), 0);
        assert_true(iface_uuid_equal(&u, &u2));
    }
    /* The EMSMDB text parses to the table's UUID and to the 4.5 wire bytes. */
    {
        struct iface_uuid u;
        uint8_t wire[16];

        assert_int_equal(iface_uuid_parse(texts[1], 36, &u, NULL), 0);
        assert_true(iface_uuid_equal(&u, &iface_get(IFACE_EMSMDB)->syntax.uuid));
        assert_int_equal(iface_uuid_encode(&u, wire), 0);
        assert_memory_equal(wire, iface_vecs[0].wire, 16);
    }
}

static void test_uuid_parse_errors(void **state)
{
    static const struct {
        const char *text;
        const char *why;
    } bad[] = {
        { "A4F1DB00-CA47-1067-B31F-00DD010662D", "UUID text is not 36 characters" },
        { "A4F1DB00-CA47-1067-B31F-00DD010662DAA", "UUID text is not 36 characters" },
        { "", "UUID text is not 36 characters" },
        { "{4F1DB00-CA47-1067-B31F-00DD010662DA", "UUID text has a character that is not a hex digit" },
        { "A4F1DB00-CA47-1067-B31F-00DD010662DG", "UUID text has a character that is not a hex digit" },
        { "A4F1DB00 CA47-1067-B31F-00DD010662DA", "UUID text has no '-' at position 8, 13, 18 or 23" },
        { "A4F1DB00-CA47x1067-B31F-00DD010662DA", "UUID text has no '-' at position 8, 13, 18 or 23" },
        { "A4F1DB00-CA47-1067xB31F-00DD010662DA", "UUID text has no '-' at position 8, 13, 18 or 23" },
        { "A4F1DB00-CA47-1067-B31Fx00DD010662DA", "UUID text has no '-' at position 8, 13, 18 or 23" },
        { "A4F1DB0-0CA47-1067-B31F-00DD010662DA", "UUID text has a character that is not a hex digit" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct iface_uuid u;
        const char *why = NULL;

        assert_int_equal(iface_uuid_parse(bad[i].text, strlen(bad[i].text), &u, &why),
                         WIRE_INVALID);
        assert_non_null(why);
        assert_string_equal(why, bad[i].why);
    }
}

static void test_uuid_format_small_buffer(void **state)
{
    const struct iface_uuid *u = &iface_get(IFACE_NSPI)->syntax.uuid;
    char buf[37];
    (void)state;

    for (size_t size = 1; size < sizeof(buf); size++) {
        memset(buf, 'x', sizeof(buf));
        assert_int_equal(iface_uuid_format(u, buf, size), WIRE_TOOBIG);
        assert_int_equal(buf[0], '\0');
    }
    assert_int_equal(iface_uuid_format(u, buf, 0), WIRE_TOOBIG);
    assert_int_equal(iface_uuid_format(u, buf, sizeof(buf)), 36);
    assert_string_equal(buf, "F5CC5A18-4264-101A-8C59-08002B2F8426");
}

static void test_btfn_syntax(void **state)
{
    /* rpc-over-http.md 4.5: BTFN with features 0x03 */
    static const uint8_t expect[20] = { 0x2c, 0x1c, 0xb7, 0x6c, 0x12, 0x98, 0x40,
                                        0x45, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
                                        0x00, 0x00, 0x01, 0x00, 0x00, 0x00 };
    struct iface_syntax s;
    uint8_t wire[20];
    (void)state;

    assert_int_equal(iface_btfn_syntax(0x03, &s), 0);
    assert_int_equal(iface_syntax_encode(&s, wire), 0);
    assert_memory_equal(wire, expect, sizeof(expect));
    assert_null(iface_by_syntax(&s));

    assert_int_equal(iface_btfn_syntax(0x0807060504030201ull, &s), 0);
    assert_int_equal(iface_syntax_encode(&s, wire), 0);
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(wire[8 + i], i + 1);
}

static void test_null_arguments(void **state)
{
    struct iface_uuid u;
    struct iface_syntax s;
    uint8_t wire[20];
    char buf[40];
    const char *why = NULL;
    (void)state;

    assert_int_equal(iface_uuid_encode(NULL, wire), WIRE_INVALID);
    assert_int_equal(iface_uuid_encode(&u, NULL), WIRE_INVALID);
    assert_int_equal(iface_uuid_decode(NULL, &u), WIRE_INVALID);
    assert_int_equal(iface_uuid_decode(wire, NULL), WIRE_INVALID);
    assert_int_equal(iface_syntax_encode(NULL, wire), WIRE_INVALID);
    assert_int_equal(iface_syntax_encode(&s, NULL), WIRE_INVALID);
    assert_int_equal(iface_syntax_decode(NULL, &s), WIRE_INVALID);
    assert_int_equal(iface_syntax_decode(wire, NULL), WIRE_INVALID);
    assert_int_equal(iface_uuid_parse(NULL, 36, &u, &why), WIRE_INVALID);
    assert_string_equal(why, "NULL argument");
    assert_int_equal(iface_uuid_parse("A4F1DB00-CA47-1067-B31F-00DD010662DA", 36, NULL, NULL),
                     WIRE_INVALID);
    assert_int_equal(iface_uuid_format(NULL, buf, sizeof(buf)), WIRE_INVALID);
    assert_int_equal(iface_uuid_format(&iface_get(IFACE_RFR)->syntax.uuid, NULL, 40),
                     WIRE_INVALID);
    assert_false(iface_uuid_equal(NULL, &u));
    assert_false(iface_uuid_equal(&u, NULL));
    assert_false(iface_syntax_equal(NULL, &s));
    assert_false(iface_syntax_equal(&s, NULL));
    assert_int_equal(iface_btfn_syntax(3, NULL), WIRE_INVALID);
    assert_null(iface_by_name(NULL));
    assert_null(iface_by_syntax(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_wire_bytes),
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_uuid_parse_roundtrip),
        cmocka_unit_test(test_uuid_parse_errors),
        cmocka_unit_test(test_uuid_format_small_buffer),
        cmocka_unit_test(test_btfn_syntax),
        cmocka_unit_test(test_null_arguments),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
