/*
 * test_vp_reg.c: finding the ValidPorts value in what admins paste: the bare
 * value, .reg exports (UTF-8, UTF-16LE/BE with a BOM as regedit writes them,
 * UTF-16LE without one, REGEDIT4), single .reg lines, reg query output; the
 * value names, the .reg escapes, every error with its line, and NULL
 * arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/validports/vp_reg.h"

#define KEY "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Rpc\\RpcProxy"

static const char reg_file[] =
    "Windows Registry Editor Version 5.00\r\n"
    "\r\n"
    "[" KEY "]\r\n"
    "\"Enabled\"=dword:00000001\r\n"
    "\"ValidPorts\"=\"EXCH01:6001-6002;EXCH01:6004\"\r\n"
    "\r\n";

/* UTF-8 (BMP and beyond) -> UTF-16 with an optional BOM; *n = bytes. */
static uint8_t *to_utf16(const char *s, bool be, bool bom, size_t *n)
{
    size_t len = strlen(s);
    uint8_t *o = malloc(len * 4 + 2);
    assert_non_null(o);
    size_t k = 0;
    uint32_t units[2];
    if (bom) {
        o[k++] = be ? 0xFE : 0xFF;
        o[k++] = be ? 0xFF : 0xFE;
    }
    for (size_t i = 0; i < len;) {
        const unsigned char *p = (const unsigned char *)s + i;
        uint32_t cp;
        if (p[0] < 0x80) {
            cp = p[0];
            i += 1;
        } else if ((p[0] & 0xE0) == 0xC0) {
            cp = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
            i += 2;
        } else if ((p[0] & 0xF0) == 0xE0) {
            cp = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
            i += 3;
        } else {
            cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
                 (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
            i += 4;
        }
        size_t nu = 1;
        units[0] = cp;
        if (cp >= 0x10000) {
            units[0] = 0xD800 + ((cp - 0x10000) >> 10);
            units[1] = 0xDC00 + ((cp - 0x10000) & 0x3FF);
            nu = 2;
        }
        for (size_t u = 0; u < nu; u++) {
            o[k++] = (uint8_t)(be ? units[u] >> 8 : units[u]);
            o[k++] = (uint8_t)(be ? units[u] : units[u] >> 8);
        }
    }
    *n = k;
    return o;
}

static int read_str(struct vp_input *in, const char *s)
{
    return vp_input_read(in, (const uint8_t *)s, strlen(s), NULL);
}

static void expect_one(const struct vp_input *in, enum vp_input_format fmt, enum vp_encoding enc,
                       enum vp_value_name which, size_t line, const char *key, const char *value)
{
    assert_int_equal(in->format, fmt);
    assert_int_equal(in->encoding, enc);
    assert_int_equal(in->n_found, 1);
    const struct vp_found *f = vp_input_pick(in, NULL);
    assert_ptr_equal(f, &in->found[0]);
    assert_int_equal(f->which, which);
    assert_int_equal(f->line, line);
    if (key)
        assert_string_equal(f->key, key);
    else
        assert_null(f->key);
    assert_string_equal(f->value, value);
    assert_int_equal(f->value_len, strlen(value));
}

static void test_bare_value(void **state)
{
    (void)state;
    struct vp_input in;
    assert_int_equal(read_str(&in, "EXCH01:6001-6002;EXCH01:6004\r\n\n"), 0);
    expect_one(&in, VP_FMT_VALUE, VP_ENC_UTF8, VP_VN_VALIDPORTS, 0, NULL,
               "EXCH01:6001-6002;EXCH01:6004");
    vp_input_clear(&in);
    assert_int_equal(read_str(&in, "\xef\xbb\xbf" "A:1"), 0);
    expect_one(&in, VP_FMT_VALUE, VP_ENC_UTF8_BOM, VP_VN_VALIDPORTS, 0, NULL, "A:1");
    vp_input_clear(&in);
    assert_int_equal(read_str(&in, ""), 0); /* an empty value is still a value */
    expect_one(&in, VP_FMT_VALUE, VP_ENC_UTF8, VP_VN_VALIDPORTS, 0, NULL, "");
    vp_input_clear(&in);
    /* inner line breaks stay: the parser reports them with their column */
    assert_int_equal(read_str(&in, "A:1\nB:2\n"), 0);
    assert_string_equal(in.found[0].value, "A:1\nB:2");
    vp_input_clear(&in);
    /* not one of our names: a bare value (the parser will complain) */
    assert_int_equal(read_str(&in, "\"ValidPortsX\"=\"A:1\""), 0);
    assert_int_equal(in.format, VP_FMT_VALUE);
    vp_input_clear(&in);
}

static void test_reg_file_utf8(void **state)
{
    (void)state;
    struct vp_input in;
    assert_int_equal(read_str(&in, reg_file), 0);
    expect_one(&in, VP_FMT_REG_FILE, VP_ENC_UTF8, VP_VN_VALIDPORTS, 5, KEY,
               "EXCH01:6001-6002;EXCH01:6004");
    vp_input_clear(&in);
    const char *r4 = "REGEDIT4\n\n[" KEY "]\n\"validports\" = \"A:1\"\n";
    assert_int_equal(read_str(&in, r4), 0);
    expect_one(&in, VP_FMT_REG_FILE, VP_ENC_UTF8, VP_VN_VALIDPORTS, 4, KEY, "A:1");
    vp_input_clear(&in);
}

static void test_reg_file_utf16(void **state)
{
    (void)state;
    static const struct {
        bool be, bom;
        enum vp_encoding enc;
    } t[] = {{false, true, VP_ENC_UTF16LE}, {true, true, VP_ENC_UTF16BE},
             {false, false, VP_ENC_UTF16LE}};
    for (size_t i = 0; i < 3; i++) {
        size_t n;
        uint8_t *b = to_utf16(reg_file, t[i].be, t[i].bom, &n);
        struct vp_input in;
        assert_int_equal(vp_input_read(&in, b, n, NULL), 0);
        expect_one(&in, VP_FMT_REG_FILE, t[i].enc, VP_VN_VALIDPORTS, 5, KEY,
                   "EXCH01:6001-6002;EXCH01:6004");
        vp_input_clear(&in);
        free(b);
    }
}

static void test_utf16_code_points(void **state)
{
    (void)state;
    const char *s = "\"ValidPorts\"=\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80:1\"";
    size_t n;
    uint8_t *b = to_utf16(s, false, true, &n);
    struct vp_input in;
    assert_int_equal(vp_input_read(&in, b, n, NULL), 0);
    assert_string_equal(in.found[0].value, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80:1");
    vp_input_clear(&in);
    free(b);
}

static void test_reg_lines_and_escapes(void **state)
{
    (void)state;
    struct vp_input in;
    assert_int_equal(read_str(&in, "\"ValidPorts_Exchange\"=\"CAS01:6001-6002\""), 0);
    expect_one(&in, VP_FMT_REG_LINES, VP_ENC_UTF8, VP_VN_EXCHANGE, 1, NULL, "CAS01:6001-6002");
    vp_input_clear(&in);
    assert_int_equal(read_str(&in, "  \"VALIDPORTS_AUTOCONFIG_EXCHANGE\"=\"A:1\"  \r\n"), 0);
    expect_one(&in, VP_FMT_REG_LINES, VP_ENC_UTF8, VP_VN_AUTOCONFIG, 1, NULL, "A:1");
    vp_input_clear(&in);
    assert_int_equal(read_str(&in, "\"ValidPorts\"=\"A\\\\B:1\\\";\""), 0);
    assert_string_equal(in.found[0].value, "A\\B:1\";");
    vp_input_clear(&in);
    assert_int_equal(read_str(&in, "\"ValidPorts\"=\"\""), 0);
    assert_string_equal(in.found[0].value, "");
    vp_input_clear(&in);
}

static void test_reg_query(void **state)
{
    (void)state;
    struct vp_input in;
    const char *q = "\r\n" KEY "\r\n    Enabled    REG_DWORD    0x1\r\n"
                    "    ValidPorts    REG_SZ    EXCH01:6001-6002;EXCH01:6004\r\n\r\n";
    assert_int_equal(read_str(&in, q), 0);
    expect_one(&in, VP_FMT_REG_QUERY, VP_ENC_UTF8, VP_VN_VALIDPORTS, 4, KEY,
               "EXCH01:6001-6002;EXCH01:6004");
    vp_input_clear(&in);
    assert_int_equal(read_str(&in, "ValidPorts_Exchange\tREG_SZ\tA:1"), 0);
    expect_one(&in, VP_FMT_REG_QUERY, VP_ENC_UTF8, VP_VN_EXCHANGE, 1, NULL, "A:1");
    vp_input_clear(&in);
}

static void test_pick(void **state)
{
    (void)state;
    struct vp_input in;
    const char *f = "Windows Registry Editor Version 5.00\n[" KEY "]\n"
                    "\"ValidPorts\"=\"CAS01:593\"\n"
                    "\"ValidPorts_AutoConfig_Exchange\"=\"B:1\"\n"
                    "\"ValidPorts_Exchange\"=\"C:1\"\n";
    assert_int_equal(read_str(&in, f), 0);
    assert_int_equal(in.n_found, 3);
    assert_string_equal(vp_input_pick(&in, NULL)->value, "C:1");
    assert_string_equal(vp_input_pick(&in, "validports")->value, "CAS01:593");
    assert_string_equal(vp_input_pick(&in, "ValidPorts_AutoConfig_Exchange")->value, "B:1");
    assert_null(vp_input_pick(&in, "Enabled"));
    vp_input_clear(&in);
    /* a value under another key ranks below one under ...\Rpc\RpcProxy */
    const char *g = "Windows Registry Editor Version 5.00\n[HKEY_CURRENT_USER\\Software\\X]\n"
                    "\"ValidPorts_Exchange\"=\"X:1\"\n[" KEY "]\n\"ValidPorts\"=\"Y:1\"\n";
    assert_int_equal(read_str(&in, g), 0);
    assert_string_equal(vp_input_pick(&in, NULL)->value, "Y:1");
    vp_input_clear(&in);
    /* more values than kept */
    char many[1024] = "";
    size_t n = 0;
    for (unsigned i = 0; i < VP_REG_VALUES_MAX + 3; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "\"ValidPorts\"=\"A:%u\"\n", i + 1);
    assert_int_equal(read_str(&in, many), 0);
    assert_int_equal(in.n_found, VP_REG_VALUES_MAX);
    assert_int_equal(in.n_ignored, 3);
    assert_string_equal(vp_input_pick(&in, NULL)->value, "A:1");
    vp_input_clear(&in);
}

/* Expected outcome of the first k characters of reg_file. */
static void expect_prefix(const struct vp_input *in, int rc, size_t k)
{
    static const char hdr[] = "Windows Registry Editor Version 5.00";
    const char *vline = strstr(reg_file, "\"ValidPorts\"");
    size_t name_end = (size_t)(vline - reg_file) + strlen("\"ValidPorts\"");
    size_t close = (size_t)(strstr(vline, "6004\"") - reg_file) + 4;
    if (k < sizeof hdr - 1) {
        assert_int_equal(rc, 0); /* no header yet: a (bad) bare value */
        assert_int_equal(in->format, VP_FMT_VALUE);
    } else if (k < name_end) {
        assert_int_equal(rc, WIRE_INVALID); /* a .reg file without the value */
        assert_int_equal(in->err_line, 0);
    } else if (k <= close) {
        assert_int_equal(rc, WIRE_INVALID); /* the value line is cut */
        assert_int_equal(in->err_line, 5);
    } else {
        assert_int_equal(rc, 0);
        assert_string_equal(in->found[0].value, "EXCH01:6001-6002;EXCH01:6004");
    }
}

/* reg_file cut at every offset, as UTF-8 and as UTF-16LE with a BOM. */
static void test_truncations(void **state)
{
    (void)state;
    size_t len = strlen(reg_file), n16;
    uint8_t *b16 = to_utf16(reg_file, false, true, &n16);
    assert_int_equal(n16, 2 + 2 * len);
    for (size_t k = 0; k <= len; k++) {
        struct vp_input in;
        int rc = vp_input_read(&in, (const uint8_t *)reg_file, k, NULL);
        expect_prefix(&in, rc, k);
        vp_input_clear(&in);
    }
    for (size_t k = 0; k <= n16; k++) {
        struct vp_input in;
        int rc = vp_input_read(&in, b16, k, NULL);
        if (k >= 3 && k % 2) {
            assert_int_equal(rc, WIRE_INVALID); /* half a code unit */
        } else if (k >= 2) {
            assert_int_equal(in.encoding, VP_ENC_UTF16LE);
            expect_prefix(&in, rc, (k - 2) / 2);
        } else {
            assert_int_equal(rc, 0);
        }
        vp_input_clear(&in);
    }
    free(b16);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *input;
        size_t line;
    } t[] = {
        {"\"ValidPorts\"=hex(2):41,00,3a,00,31,00,00,00", 1},
        {"x\n\"ValidPorts\"=hex(7):41,00,00,00,00,00", 2},
        {"\"ValidPorts\"=hex(1):41,00,00,00", 1},
        {"\"ValidPorts\"=hex(b):01,00,00,00,00,00,00,00", 1},
        {"\"ValidPorts\"=hex:01", 1},
        {"\"ValidPorts\"=dword:00001771", 1},
        {"\"ValidPorts\"=-", 1},
        {"\"ValidPorts\"=A:1", 1},
        {"\"ValidPorts\"=", 1},
        {"\"ValidPorts\"=\"A:1", 1},
        {"\"ValidPorts\"=\"A:1\\", 1},
        {"\"ValidPorts\"=\"A\\n:1\"", 1},
        {"\"ValidPorts\"=\"A:1\" ;comment", 1},
        {"\"ValidPorts\" \"A:1\"", 1},
        {"\"ValidPorts\"", 1},
        {"a\r\nb\r\n    ValidPorts    REG_EXPAND_SZ    A:1\r\n", 3},
        {"Windows Registry Editor Version 5.00\r\n\r\n[" KEY "]\r\n\"Enabled\"=dword:1\r\n", 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct vp_input in;
        const char *why = NULL;
        print_message("%s\n", t[i].input);
        assert_int_equal(vp_input_read(&in, (const uint8_t *)t[i].input, strlen(t[i].input), &why),
                         WIRE_INVALID);
        assert_non_null(why);
        assert_int_equal(in.err_line, t[i].line);
        vp_input_clear(&in);
    }
}

static void test_bad_utf16(void **state)
{
    (void)state;
    static const struct {
        uint8_t b[8];
        size_t n;
    } t[] = {
        {{0xFF, 0xFE, 0x41}, 3},                               /* odd length */
        {{0xFF, 0xFE, 0x3D, 0xD8}, 4},                         /* high surrogate at the end */
        {{0xFF, 0xFE, 0x3D, 0xD8, 0x41, 0x00}, 6},             /* high + not low */
        {{0xFF, 0xFE, 0x00, 0xDE, 0x41, 0x00}, 6},             /* lone low */
        {{0xFE, 0xFF, 0xD8, 0x3D, 0x00, 0x41}, 6},             /* BE high + not low */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct vp_input in;
        const char *why = NULL;
        assert_int_equal(vp_input_read(&in, t[i].b, t[i].n, &why), WIRE_INVALID);
        assert_non_null(why);
        vp_input_clear(&in);
    }
    struct vp_input in;
    static const uint8_t ok[] = {0xFF, 0xFE, 0x3D, 0xD8, 0x00, 0xDE};
    assert_int_equal(vp_input_read(&in, ok, sizeof ok, NULL), 0);
    assert_string_equal(in.found[0].value, "\xf0\x9f\x98\x80");
    vp_input_clear(&in);
}

static void test_limit(void **state)
{
    (void)state;
    uint8_t *b = malloc(VP_INPUT_MAX + 1);
    assert_non_null(b);
    memset(b, 'a', VP_INPUT_MAX + 1);
    struct vp_input in;
    const char *why = NULL;
    assert_int_equal(vp_input_read(&in, b, VP_INPUT_MAX + 1, &why), WIRE_TOOBIG);
    assert_non_null(why);
    vp_input_clear(&in);
    assert_int_equal(vp_input_read(&in, b, VP_INPUT_MAX, &why), 0);
    assert_int_equal(in.found[0].value_len, VP_INPUT_MAX);
    vp_input_clear(&in);
    free(b);
}

static void test_names_and_null(void **state)
{
    (void)state;
    assert_string_equal(vp_value_name_str(VP_VN_VALIDPORTS), "ValidPorts");
    assert_string_equal(vp_value_name_str(VP_VN_EXCHANGE), "ValidPorts_Exchange");
    assert_string_equal(vp_value_name_str(VP_VN_AUTOCONFIG), "ValidPorts_AutoConfig_Exchange");
    assert_string_equal(vp_value_name_str((enum vp_value_name)7), "?");
    assert_string_equal(vp_encoding_str(VP_ENC_UTF16LE), "utf-16le");
    assert_string_equal(vp_encoding_str((enum vp_encoding)9), "?");
    assert_string_equal(vp_format_str(VP_FMT_REG_QUERY), "reg_query");
    assert_string_equal(vp_format_str((enum vp_input_format)9), "?");
    struct vp_input in;
    const char *why = NULL;
    assert_int_equal(vp_input_read(NULL, (const uint8_t *)"A", 1, &why), WIRE_INVALID);
    assert_non_null(why);
    assert_int_equal(vp_input_read(&in, NULL, 1, NULL), WIRE_INVALID);
    vp_input_clear(NULL);
    assert_null(vp_input_pick(NULL, NULL));
    memset(&in, 0, sizeof in);
    assert_null(vp_input_pick(&in, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bare_value),
        cmocka_unit_test(test_reg_file_utf8),
        cmocka_unit_test(test_reg_file_utf16),
        cmocka_unit_test(test_utf16_code_points),
        cmocka_unit_test(test_reg_lines_and_escapes),
        cmocka_unit_test(test_reg_query),
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bad_utf16),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_names_and_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
