/*
 * test_authcodec.c: strict base64 (RFC 4648 vectors, round trips, every
 * rejection) and UTF-16LE -> UTF-8 (every UTF-8 length class, every error).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probes/auth/authcodec.h"
#include "probes/common/wire.h"

/* ---------------------------------------------------------------- base64 */

struct b64_ok {
    const char *text;
    const char *bytes;
    size_t n;
};

/* RFC 4648 section 10 test vectors, plus binary and the whole alphabet. */
static const struct b64_ok b64_ok[] = {
    {"", "", 0},
    {"Zg==", "f", 1},
    {"Zm8=", "fo", 2},
    {"Zm9v", "foo", 3},
    {"Zm9vYg==", "foob", 4},
    {"Zm9vYmE=", "fooba", 5},
    {"Zm9vYmFy", "foobar", 6},
    {"AAAA", "\0\0\0", 3},
    {"////", "\xff\xff\xff", 3},
    {"+/+/", "\xfb\xff\xbf", 3},
    {"TlRMTVNTUAACAAAA", "NTLMSSP\0\x02\0\0\0", 12},
};

static void test_b64_vectors(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(b64_ok) / sizeof(b64_ok[0]); i++) {
        uint8_t out[32];
        const char *why = NULL;
        ssize_t n =
            authcodec_b64_decode(b64_ok[i].text, strlen(b64_ok[i].text), out, sizeof(out), &why);

        assert_int_equal(n, (ssize_t)b64_ok[i].n);
        assert_memory_equal(out, b64_ok[i].bytes, b64_ok[i].n);
        assert_null(why);
    }
}

/* A plain encoder, for round trips only. */
static size_t b64_encode(const uint8_t *in, size_t n, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        out[o++] = a[in[i] >> 2];
        out[o++] = a[(in[i] & 3) << 4 | in[i + 1] >> 4];
        out[o++] = a[(in[i + 1] & 15) << 2 | in[i + 2] >> 6];
        out[o++] = a[in[i + 2] & 63];
    }
    if (n - i == 1) {
        out[o++] = a[in[i] >> 2];
        out[o++] = a[(in[i] & 3) << 4];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        out[o++] = a[in[i] >> 2];
        out[o++] = a[(in[i] & 3) << 4 | in[i + 1] >> 4];
        out[o++] = a[(in[i + 1] & 15) << 2];
        out[o++] = '=';
    }
    return o;
}

static void test_b64_round_trip(void **state)
{
    uint8_t src[300], dst[300];
    char text[404];
    uint32_t x = 12345;
    size_t n, i;

    (void)state;
    for (i = 0; i < sizeof(src); i++) {
        x = x * 1103515245u + 12345u;
        src[i] = (uint8_t)(x >> 16);
    }
    for (n = 0; n <= sizeof(src); n++) {
        size_t t = b64_encode(src, n, text);

        assert_int_equal(authcodec_b64_decode(text, t, dst, sizeof(dst), NULL), (ssize_t)n);
        assert_memory_equal(dst, src, n);
        /* exact-size output buffer is enough */
        assert_int_equal(authcodec_b64_decode(text, t, dst, n, NULL), (ssize_t)n);
    }
}

struct b64_bad {
    const char *text;
    ssize_t rc;
    const char *why;
};

static const struct b64_bad b64_bad[] = {
    {"Zg=", WIRE_INVALID, "base64: length is not a multiple of 4"},
    {"Zm9vY", WIRE_INVALID, "base64: length is not a multiple of 4"},
    {"Zm9*", WIRE_INVALID, "base64: character outside the base64 alphabet"},
    {"Zm9 ", WIRE_INVALID, "base64: character outside the base64 alphabet"},
    {" Zm9", WIRE_INVALID, "base64: character outside the base64 alphabet"},
    {"Zm9v\r\n==", WIRE_INVALID, "base64: character outside the base64 alphabet"},
    {"Zm-_", WIRE_INVALID, "base64: character outside the base64 alphabet"},
    {"Z=9v", WIRE_INVALID, "base64: '=' in the middle of a group"},
    {"=m9v", WIRE_INVALID, "base64: '=' in the middle of a group"},
    {"A===", WIRE_INVALID, "base64: '=' in the middle of a group"},
    {"====", WIRE_INVALID, "base64: '=' in the middle of a group"},
    {"Zm=v", WIRE_INVALID, "base64: '=' followed by a non-padding character"},
    {"Zg==Zg==", WIRE_INVALID, "base64: '=' padding before the last 4-character group"},
    {"Zm8=Zm9v", WIRE_INVALID, "base64: '=' padding before the last 4-character group"},
    {"Zh==", WIRE_INVALID, "base64: non-zero bits before '==' (not canonical)"},
    {"Zm9=", WIRE_INVALID, "base64: non-zero bits before '=' (not canonical)"},
    {"Zm\x80v", WIRE_INVALID, "base64: character outside the base64 alphabet"},
};

static void test_b64_rejects(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(b64_bad) / sizeof(b64_bad[0]); i++) {
        uint8_t out[16];
        const char *why = NULL;

        assert_int_equal(
            authcodec_b64_decode(b64_bad[i].text, strlen(b64_bad[i].text), out, sizeof(out), &why),
            b64_bad[i].rc);
        assert_string_equal(why, b64_bad[i].why);
    }
}

static void test_b64_embedded_nul(void **state)
{
    uint8_t out[8];
    const char *why = NULL;

    (void)state;
    assert_int_equal(authcodec_b64_decode("Zm\0v", 4, out, sizeof(out), &why), WIRE_INVALID);
    assert_string_equal(why, "base64: character outside the base64 alphabet");
}

static void test_b64_toobig(void **state)
{
    uint8_t out[6];
    const char *why = NULL;

    (void)state;
    assert_int_equal(authcodec_b64_decode("Zm9vYmFy", 8, out, 5, &why), WIRE_TOOBIG);
    assert_string_equal(why, "base64: decoded data does not fit the output buffer");
    why = NULL;
    assert_int_equal(authcodec_b64_decode("Zm9vYg==", 8, out, 3, &why), WIRE_TOOBIG);
    assert_non_null(why);
    assert_int_equal(authcodec_b64_decode("Zm9vYg==", 8, out, 4, NULL), 4);
    assert_int_equal(authcodec_b64_decode("Zg==", 4, out, 0, NULL), WIRE_TOOBIG);
}

static void test_b64_null(void **state)
{
    uint8_t out[4];
    const char *why = NULL;

    (void)state;
    assert_int_equal(authcodec_b64_decode(NULL, 0, out, sizeof(out), &why), WIRE_INVALID);
    assert_string_equal(why, "base64: NULL argument");
    assert_int_equal(authcodec_b64_decode("Zg==", 4, NULL, 4, NULL), WIRE_INVALID);
    /* nothing to write: NULL output is fine */
    assert_int_equal(authcodec_b64_decode("", 0, NULL, 0, NULL), 0);
}

/* ------------------------------------------------------------ UTF-16LE */

struct u16_ok {
    const char *in;
    size_t n;
    const char *utf8;
};

static const struct u16_ok u16_ok[] = {
    {"", 0, ""},
    {"S\0e\0r\0v\0e\0r\0", 12, "Server"},
    {"K\0\xd6\0L\0N\0", 8, "K\xc3\x96LN"},       /* KÖLN: 2-byte UTF-8 */
    {"\x80\0", 2, "\xc2\x80"},                   /* U+0080 */
    {"\xff\x07", 2, "\xdf\xbf"},                 /* U+07FF */
    {"\x00\x08", 2, "\xe0\xa0\x80"},             /* U+0800 */
    {"\xac\x20", 2, "\xe2\x82\xac"},             /* U+20AC euro */
    {"\xff\xff", 2, "\xef\xbf\xbf"},             /* U+FFFF */
    {"\x00\xe0", 2, "\xee\x80\x80"},             /* U+E000, just past surrogates */
    {"\x01\xd8\x37\xdc", 4, "\xf0\x90\x90\xb7"}, /* U+10437 surrogate pair */
    {"\x00\xd8\x00\xdc", 4, "\xf0\x90\x80\x80"}, /* U+10000 */
    {"\xff\xdb\xff\xdf", 4, "\xf4\x8f\xbf\xbf"}, /* U+10FFFF */
    {"a\0\x3d\xd8\x00\xde"
     "b\0",
     8,
     "a\xf0\x9f\x98\x80"
     "b"}, /* U+1F600 mid-string */
};

static void test_utf16_vectors(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(u16_ok) / sizeof(u16_ok[0]); i++) {
        char out[32];
        const char *why = NULL;
        ssize_t n = authcodec_utf16le_to_utf8((const uint8_t *)u16_ok[i].in, u16_ok[i].n, out,
                                              sizeof(out), &why);

        assert_int_equal(n, (ssize_t)strlen(u16_ok[i].utf8));
        assert_string_equal(out, u16_ok[i].utf8);
        assert_null(why);
        /* exactly enough room: text + NUL */
        assert_int_equal(authcodec_utf16le_to_utf8((const uint8_t *)u16_ok[i].in, u16_ok[i].n, out,
                                                   (size_t)n + 1, NULL),
                         n);
        if (n > 0) {
            why = NULL;
            assert_int_equal(authcodec_utf16le_to_utf8((const uint8_t *)u16_ok[i].in, u16_ok[i].n,
                                                       out, (size_t)n, &why),
                             WIRE_TOOBIG);
            assert_string_equal(why, "UTF-16LE: UTF-8 result does not fit the output buffer");
            assert_string_equal(out, "");
        }
    }
}

struct u16_bad {
    const char *in;
    size_t n;
    const char *why;
};

static const struct u16_bad u16_bad[] = {
    {"S\0e", 3, "UTF-16LE: odd byte length"},
    {"S", 1, "UTF-16LE: odd byte length"},
    {"\x01\xd8", 2, "UTF-16LE: high surrogate at the end of the string"},
    {"a\0\x01\xd8", 4, "UTF-16LE: high surrogate at the end of the string"},
    {"\x01\xd8"
     "a\0",
     4, "UTF-16LE: high surrogate not followed by a low surrogate"},
    {"\x01\xd8\x01\xd8", 4, "UTF-16LE: high surrogate not followed by a low surrogate"},
    {"\x01\xd8\x00\xe0", 4, "UTF-16LE: high surrogate not followed by a low surrogate"},
    {"\x37\xdc", 2, "UTF-16LE: low surrogate without a high surrogate"},
    {"a\0\xff\xdf", 4, "UTF-16LE: low surrogate without a high surrogate"},
    {"\0\0", 2, "UTF-16LE: U+0000 inside the string"},
    {"a\0\0\0b\0", 6, "UTF-16LE: U+0000 inside the string"},
};

static void test_utf16_rejects(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(u16_bad) / sizeof(u16_bad[0]); i++) {
        char out[16];
        const char *why = NULL;

        memset(out, 'x', sizeof(out));
        assert_int_equal(authcodec_utf16le_to_utf8((const uint8_t *)u16_bad[i].in, u16_bad[i].n,
                                                   out, sizeof(out), &why),
                         WIRE_INVALID);
        assert_string_equal(why, u16_bad[i].why);
        assert_string_equal(out, "");
    }
}

static void test_utf16_null(void **state)
{
    char out[4];
    const char *why = NULL;

    (void)state;
    assert_int_equal(authcodec_utf16le_to_utf8(NULL, 2, out, sizeof(out), &why), WIRE_INVALID);
    assert_string_equal(why, "UTF-16LE: NULL argument or empty output buffer");
    assert_int_equal(authcodec_utf16le_to_utf8((const uint8_t *)"a\0", 2, NULL, 4, NULL),
                     WIRE_INVALID);
    assert_int_equal(authcodec_utf16le_to_utf8((const uint8_t *)"a\0", 2, out, 0, NULL),
                     WIRE_INVALID);
    assert_int_equal(authcodec_utf16le_to_utf8(NULL, 0, out, sizeof(out), NULL), 0);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64_vectors),   cmocka_unit_test(test_b64_round_trip),
        cmocka_unit_test(test_b64_rejects),   cmocka_unit_test(test_b64_embedded_nul),
        cmocka_unit_test(test_b64_toobig),    cmocka_unit_test(test_b64_null),
        cmocka_unit_test(test_utf16_vectors), cmocka_unit_test(test_utf16_rejects),
        cmocka_unit_test(test_utf16_null),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
