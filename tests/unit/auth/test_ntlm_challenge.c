/*
 * test_ntlm_challenge.c: NTLM CHALLENGE_MESSAGE decoding.
 *
 * Vectors: the [MS-NLMP] 4.2.4.3 example (same bytes in Samba, impacket,
 * go-ntlmssp and .NET test suites), and messages built by python3-impacket
 * the way impacket's smbserver.py builds them (tests/unit/auth/
 * gen_ntlm_vectors.py regenerates them). Error paths use messages assembled
 * by build() below: every check of the decoder has a case, and every prefix
 * of every vector must come back WIRE_INCOMPLETE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/auth/ntlm_challenge.h"
#include "probes/common/wire.h"

/* [MS-NLMP] 4.2.4.3: the NTLMv2 CHALLENGE_MESSAGE (server "Server", domain "Domain") */
static const uint8_t v_spec[104] = {
    0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0c,
    0x00, 0x38, 0x00, 0x00, 0x00, 0x33, 0x82, 0x8a, 0xe2, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
    0xcd, 0xef, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x24, 0x00, 0x44,
    0x00, 0x00, 0x00, 0x06, 0x00, 0x70, 0x17, 0x00, 0x00, 0x00, 0x0f, 0x53, 0x00, 0x65, 0x00,
    0x72, 0x00, 0x76, 0x00, 0x65, 0x00, 0x72, 0x00, 0x02, 0x00, 0x0c, 0x00, 0x44, 0x00, 0x6f,
    0x00, 0x6d, 0x00, 0x61, 0x00, 0x69, 0x00, 0x6e, 0x00, 0x01, 0x00, 0x0c, 0x00, 0x53, 0x00,
    0x65, 0x00, 0x72, 0x00, 0x76, 0x00, 0x65, 0x00, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00,
};
/* impacket smbserver-style, EXCH01 / CONTOSO / exch01.contoso.local, 10.0.14393 */
static const uint8_t v_exch01[224] = {
    0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x0e, 0x00,
    0x38, 0x00, 0x00, 0x00, 0x05, 0x02, 0x8a, 0xe2, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9a, 0x00, 0x9a, 0x00, 0x46, 0x00, 0x00, 0x00,
    0x0a, 0x00, 0x39, 0x38, 0x00, 0x00, 0x00, 0x0f, 0x43, 0x00, 0x4f, 0x00, 0x4e, 0x00, 0x54, 0x00,
    0x4f, 0x00, 0x53, 0x00, 0x4f, 0x00, 0x02, 0x00, 0x0e, 0x00, 0x43, 0x00, 0x4f, 0x00, 0x4e, 0x00,
    0x54, 0x00, 0x4f, 0x00, 0x53, 0x00, 0x4f, 0x00, 0x01, 0x00, 0x0c, 0x00, 0x45, 0x00, 0x58, 0x00,
    0x43, 0x00, 0x48, 0x00, 0x30, 0x00, 0x31, 0x00, 0x04, 0x00, 0x1a, 0x00, 0x63, 0x00, 0x6f, 0x00,
    0x6e, 0x00, 0x74, 0x00, 0x6f, 0x00, 0x73, 0x00, 0x6f, 0x00, 0x2e, 0x00, 0x6c, 0x00, 0x6f, 0x00,
    0x63, 0x00, 0x61, 0x00, 0x6c, 0x00, 0x03, 0x00, 0x28, 0x00, 0x65, 0x00, 0x78, 0x00, 0x63, 0x00,
    0x68, 0x00, 0x30, 0x00, 0x31, 0x00, 0x2e, 0x00, 0x63, 0x00, 0x6f, 0x00, 0x6e, 0x00, 0x74, 0x00,
    0x6f, 0x00, 0x73, 0x00, 0x6f, 0x00, 0x2e, 0x00, 0x6c, 0x00, 0x6f, 0x00, 0x63, 0x00, 0x61, 0x00,
    0x6c, 0x00, 0x05, 0x00, 0x1a, 0x00, 0x63, 0x00, 0x6f, 0x00, 0x6e, 0x00, 0x74, 0x00, 0x6f, 0x00,
    0x73, 0x00, 0x6f, 0x00, 0x2e, 0x00, 0x6c, 0x00, 0x6f, 0x00, 0x63, 0x00, 0x61, 0x00, 0x6c, 0x00,
    0x07, 0x00, 0x08, 0x00, 0x00, 0xa0, 0x87, 0xfc, 0xcf, 0x6b, 0xda, 0x01, 0x00, 0x00, 0x00, 0x00,
};
/* impacket smbserver verbatim (Version ff*8), EXCH02 / CONTOSO */
static const uint8_t v_impacket[154] = {
    0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x0e, 0x00,
    0x38, 0x00, 0x00, 0x00, 0x05, 0x02, 0x8a, 0xe2, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x54, 0x00, 0x54, 0x00, 0x46, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x43, 0x00, 0x4f, 0x00, 0x4e, 0x00, 0x54, 0x00,
    0x4f, 0x00, 0x53, 0x00, 0x4f, 0x00, 0x01, 0x00, 0x0c, 0x00, 0x45, 0x00, 0x58, 0x00, 0x43, 0x00,
    0x48, 0x00, 0x30, 0x00, 0x32, 0x00, 0x03, 0x00, 0x0c, 0x00, 0x45, 0x00, 0x58, 0x00, 0x43, 0x00,
    0x48, 0x00, 0x30, 0x00, 0x32, 0x00, 0x02, 0x00, 0x0e, 0x00, 0x43, 0x00, 0x4f, 0x00, 0x4e, 0x00,
    0x54, 0x00, 0x4f, 0x00, 0x53, 0x00, 0x4f, 0x00, 0x04, 0x00, 0x0e, 0x00, 0x43, 0x00, 0x4f, 0x00,
    0x4e, 0x00, 0x54, 0x00, 0x4f, 0x00, 0x53, 0x00, 0x4f, 0x00, 0x07, 0x00, 0x08, 0x00, 0x00, 0xa0,
    0x87, 0xfc, 0xcf, 0x6b, 0xda, 0x01, 0x00, 0x00, 0x00, 0x00,
};
/* OEM target name, 48-byte header, no VERSION, no TARGET_INFO */
static const uint8_t v_oem[55] = {
    0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00, 0x07, 0x00,
    0x07, 0x00, 0x30, 0x00, 0x00, 0x00, 0x06, 0x02, 0x01, 0x00, 0x01, 0x02, 0x03, 0x04,
    0x05, 0x06, 0x07, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x37, 0x00, 0x00, 0x00, 0x43, 0x4f, 0x4e, 0x54, 0x4f, 0x53, 0x4f,
};
/* non-ASCII names, surrogate pair, 6.3.9600 */
static const uint8_t v_intl[184] = {
    0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00, 0x08, 0x00, 0x08, 0x00,
    0x38, 0x00, 0x00, 0x00, 0x05, 0x02, 0x8a, 0xe2, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x78, 0x00, 0x78, 0x00, 0x40, 0x00, 0x00, 0x00,
    0x06, 0x03, 0x80, 0x25, 0x00, 0x00, 0x00, 0x0f, 0x4b, 0x00, 0xd6, 0x00, 0x4c, 0x00, 0x4e, 0x00,
    0x02, 0x00, 0x08, 0x00, 0x4b, 0x00, 0xd6, 0x00, 0x4c, 0x00, 0x4e, 0x00, 0x01, 0x00, 0x14, 0x00,
    0x4d, 0x00, 0xdc, 0x00, 0x4e, 0x00, 0x43, 0x00, 0x48, 0x00, 0x45, 0x00, 0x4e, 0x00, 0x2d, 0x00,
    0x45, 0x00, 0x58, 0x00, 0x04, 0x00, 0x18, 0x00, 0x6b, 0x00, 0xf6, 0x00, 0x6c, 0x00, 0x6e, 0x00,
    0x2e, 0x00, 0x65, 0x00, 0x78, 0x00, 0x61, 0x00, 0x6d, 0x00, 0x70, 0x00, 0x6c, 0x00, 0x65, 0x00,
    0x03, 0x00, 0x24, 0x00, 0x65, 0x00, 0x78, 0x00, 0xac, 0x20, 0x01, 0xd8, 0x37, 0xdc, 0x2e, 0x00,
    0x6b, 0x00, 0xf6, 0x00, 0x6c, 0x00, 0x6e, 0x00, 0x2e, 0x00, 0x65, 0x00, 0x78, 0x00, 0x61, 0x00,
    0x6d, 0x00, 0x70, 0x00, 0x6c, 0x00, 0x65, 0x00, 0x07, 0x00, 0x08, 0x00, 0x00, 0xa0, 0x87, 0xfc,
    0xcf, 0x6b, 0xda, 0x01, 0x00, 0x00, 0x00, 0x00,
};

static const char exch01_b64[] =
    "TlRMTVNTUAACAAAADgAOADgAAAAFAoriESIzRFVmd4gAAAAAAAAAAJoAmgBGAAAACgA5OAAAAA9DAE8ATgBUAE8A"
    "UwBPAAIADgBDAE8ATgBUAE8AUwBPAAEADABFAFgAQwBIADAAMQAEABoAYwBvAG4AdABvAHMAbwAuAGwAbwBjAGEA"
    "bAADACgAZQB4AGMAaAAwADEALgBjAG8AbgB0AG8AcwBvAC4AbABvAGMAYQBsAAUAGgBjAG8AbgB0AG8AcwBvAC4A"
    "bABvAGMAYQBsAAcACAAAoIf8z2vaAQAAAAA=";

/* 2024-03-01T12:00:00Z, the MsvAvTimestamp of the generated vectors */
#define VEC_UNIX_TIME INT64_C(1709294400)

static struct ntlm_challenge *new_c(void)
{
    struct ntlm_challenge *c = malloc(sizeof(*c));

    assert_non_null(c);
    return c;
}

/* --------------------------------------------------------------- vectors */

static void test_spec_vector(void **state)
{
    static const uint8_t chal[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    struct ntlm_challenge *c = new_c();
    const char *why = NULL;

    (void)state;
    assert_int_equal(ntlm_challenge_decode(c, v_spec, sizeof(v_spec), &why), 104);
    assert_null(why);
    assert_int_equal(c->flags, 0xe28a8233u);
    assert_memory_equal(c->server_challenge, chal, 8);
    assert_true(c->has_version);
    assert_int_equal(c->version.major, 6);
    assert_int_equal(c->version.minor, 0);
    assert_int_equal(c->version.build, 6000);
    assert_int_equal(c->version.ntlm_revision, 15);
    assert_true(c->target_name_unicode);
    assert_false(c->target_name_lossy);
    assert_string_equal(c->target_name, "Server");
    assert_true(c->has_target_info);
    assert_int_equal(c->av_count, 3);
    assert_int_equal(c->av[0].id, NTLM_AV_NB_DOMAIN_NAME);
    assert_int_equal(c->av[0].len, 12);
    assert_int_equal(c->av[0].offset, 72);
    assert_int_equal(c->av[1].id, NTLM_AV_NB_COMPUTER_NAME);
    assert_int_equal(c->av[1].offset, 88);
    assert_int_equal(c->av[2].id, NTLM_AV_EOL);
    assert_int_equal(c->av_seen, 0x7u);
    assert_int_equal(c->av_trailing, 0);
    assert_string_equal(c->nb_domain, "Domain");
    assert_string_equal(c->nb_computer, "Server");
    assert_string_equal(c->dns_computer, "");
    assert_string_equal(c->dns_domain, "");
    assert_false(ntlm_challenge_has(c, NTLM_AV_DNS_COMPUTER_NAME));
    assert_false(ntlm_challenge_has(c, NTLM_AV_TIMESTAMP));
    assert_true(ntlm_challenge_has(c, NTLM_AV_NB_COMPUTER_NAME));
    assert_true(ntlm_challenge_has(c, NTLM_AV_EOL));
    free(c);
}

static void test_exch01_vector(void **state)
{
    static const uint8_t chal[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    struct ntlm_challenge *c = new_c();

    (void)state;
    assert_int_equal(ntlm_challenge_decode(c, v_exch01, sizeof(v_exch01), NULL), 224);
    assert_int_equal(c->flags, 0xe28a0205u);
    assert_memory_equal(c->server_challenge, chal, 8);
    assert_int_equal(c->version.major, 10);
    assert_int_equal(c->version.minor, 0);
    assert_int_equal(c->version.build, 14393);
    assert_int_equal(c->version.ntlm_revision, 15);
    assert_string_equal(c->target_name, "CONTOSO");
    assert_string_equal(c->nb_computer, "EXCH01");
    assert_string_equal(c->nb_domain, "CONTOSO");
    assert_string_equal(c->dns_computer, "exch01.contoso.local");
    assert_string_equal(c->dns_domain, "contoso.local");
    assert_string_equal(c->dns_tree, "contoso.local");
    assert_int_equal(c->av_count, 7);
    assert_true(ntlm_challenge_has(c, NTLM_AV_TIMESTAMP));
    assert_int_equal(ntlm_filetime_to_unix(c->timestamp), VEC_UNIX_TIME);
    free(c);
}

static void test_impacket_vector(void **state)
{
    struct ntlm_challenge *c = new_c();

    (void)state;
    assert_int_equal(ntlm_challenge_decode(c, v_impacket, sizeof(v_impacket), NULL), 154);
    /* impacket's smbserver sends eight 0xff bytes as the Version */
    assert_int_equal(c->version.major, 255);
    assert_int_equal(c->version.minor, 255);
    assert_int_equal(c->version.build, 65535);
    assert_int_equal(c->version.ntlm_revision, 255);
    assert_string_equal(c->nb_computer, "EXCH02");
    assert_string_equal(c->dns_computer, "EXCH02");
    assert_string_equal(c->nb_domain, "CONTOSO");
    assert_string_equal(c->dns_domain, "CONTOSO");
    assert_false(ntlm_challenge_has(c, NTLM_AV_DNS_TREE_NAME));
    assert_int_equal(c->av_count, 6);
    assert_int_equal(ntlm_filetime_to_unix(c->timestamp), VEC_UNIX_TIME);
    free(c);
}

static void test_oem_vector(void **state)
{
    struct ntlm_challenge *c = new_c();

    (void)state;
    assert_int_equal(ntlm_challenge_decode(c, v_oem, sizeof(v_oem), NULL), 55);
    assert_int_equal(c->flags, 0x00010206u);
    assert_false(c->has_version);
    assert_int_equal(c->version.major, 0);
    assert_false(c->target_name_unicode);
    assert_false(c->target_name_lossy);
    assert_string_equal(c->target_name, "CONTOSO");
    assert_false(c->has_target_info);
    assert_int_equal(c->av_count, 0);
    assert_int_equal(c->av_seen, 0);
    free(c);
}

static void test_intl_vector(void **state)
{
    struct ntlm_challenge *c = new_c();

    (void)state;
    assert_int_equal(ntlm_challenge_decode(c, v_intl, sizeof(v_intl), NULL), 184);
    assert_int_equal(c->version.major, 6);
    assert_int_equal(c->version.minor, 3);
    assert_int_equal(c->version.build, 9600);
    assert_string_equal(c->target_name, "K\xc3\x96LN");
    assert_string_equal(c->nb_domain, "K\xc3\x96LN");
    assert_string_equal(c->nb_computer, "M\xc3\x9cNCHEN-EX");
    assert_string_equal(c->dns_domain, "k\xc3\xb6ln.example");
    assert_string_equal(c->dns_computer, "ex\xe2\x82\xac\xf0\x90\x90\xb7.k\xc3\xb6ln.example");
    free(c);
}

static const struct {
    const char *name;
    const uint8_t *b;
    size_t n;
} vectors[] = {
    {"spec", v_spec, sizeof(v_spec)},
    {"exch01", v_exch01, sizeof(v_exch01)},
    {"impacket", v_impacket, sizeof(v_impacket)},
    {"oem", v_oem, sizeof(v_oem)},
    {"intl", v_intl, sizeof(v_intl)},
};

#define NVECTORS (sizeof(vectors) / sizeof(vectors[0]))

/* Every prefix of every vector is WIRE_INCOMPLETE, with a reason. */
static void test_truncation_every_offset(void **state)
{
    struct ntlm_challenge *c = new_c();
    size_t v, n;

    (void)state;
    for (v = 0; v < NVECTORS; v++) {
        for (n = 0; n < vectors[v].n; n++) {
            uint8_t *copy = malloc(n ? n : 1);
            const char *why = NULL;
            ssize_t rc;

            assert_non_null(copy);
            memcpy(copy, vectors[v].b, n); /* exact-size heap copy: ASan sees overreads */
            rc = ntlm_challenge_decode(c, copy, n, &why);
            if (rc != WIRE_INCOMPLETE)
                fail_msg("%s truncated to %zu: rc %zd (%s)", vectors[v].name, n, rc,
                         why ? why : "no reason");
            assert_non_null(why);
            free(copy);
        }
    }
    free(c);
}

/* Bytes after the message are ignored; the extent stays the same. */
static void test_trailing_bytes(void **state)
{
    struct ntlm_challenge *c = new_c();
    uint8_t buf[300];
    size_t v;

    (void)state;
    for (v = 0; v < NVECTORS; v++) {
        memcpy(buf, vectors[v].b, vectors[v].n);
        memset(buf + vectors[v].n, 0xee, 16);
        assert_int_equal(ntlm_challenge_decode(c, buf, vectors[v].n + 16, NULL),
                         (ssize_t)vectors[v].n);
    }
    free(c);
}

/* ------------------------------------------------- message construction */

static uint8_t g_msg[NTLM_CHALLENGE_MAX + 64];

/* Append one AV_PAIR to ti. */
static void av_add(uint8_t *ti, size_t *n, uint16_t id, const void *v, uint16_t len)
{
    wire_put_u16le(ti + *n, id);
    wire_put_u16le(ti + *n + 2, len);
    if (len)
        memcpy(ti + *n + 4, v, len);
    *n += 4u + len;
}

/* UTF-16LE of an ASCII string into out; returns the byte length. */
static uint16_t u16(uint8_t *out, const char *s)
{
    size_t i;

    for (i = 0; s[i]; i++) {
        out[2 * i] = (uint8_t)s[i];
        out[2 * i + 1] = 0;
    }
    return (uint16_t)(2 * i);
}

/* Header (+ Version when flagged) + TargetName + TargetInfo into g_msg. */
static size_t build(uint32_t flags, const uint8_t *tn, uint16_t tn_len, const uint8_t *ti,
                    uint16_t ti_len)
{
    size_t hdr = NTLM_HEADER_LEN + ((flags & NTLM_NEGOTIATE_VERSION) ? 8 : 0);

    memset(g_msg, 0, sizeof(g_msg));
    memcpy(g_msg, "NTLMSSP", 8);
    wire_put_u32le(g_msg + 8, 2);
    wire_put_u16le(g_msg + 12, tn_len);
    wire_put_u16le(g_msg + 14, tn_len);
    wire_put_u32le(g_msg + 16, (uint32_t)hdr);
    wire_put_u32le(g_msg + 20, flags);
    memcpy(g_msg + 24, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    wire_put_u16le(g_msg + 40, ti_len);
    wire_put_u16le(g_msg + 42, ti_len);
    wire_put_u32le(g_msg + 44, (uint32_t)(hdr + tn_len));
    if (flags & NTLM_NEGOTIATE_VERSION)
        memcpy(g_msg + 48, "\x0a\x00\x39\x38\x00\x00\x00\x0f", 8);
    if (tn_len)
        memcpy(g_msg + hdr, tn, tn_len);
    if (ti_len)
        memcpy(g_msg + hdr + tn_len, ti, ti_len);
    return hdr + tn_len + ti_len;
}

#define F_UNI (NTLM_NEGOTIATE_UNICODE | NTLM_NEGOTIATE_TARGET_INFO | NTLM_NEGOTIATE_VERSION)

static void expect_fail(size_t len, ssize_t rc, const char *want_why)
{
    struct ntlm_challenge *c = new_c();
    const char *why = NULL;
    uint8_t *copy = malloc(len ? len : 1);
    ssize_t got;

    assert_non_null(copy);
    memcpy(copy, g_msg, len);
    got = ntlm_challenge_decode(c, copy, len, &why);
    if (got != rc || !why || strcmp(why, want_why) != 0)
        fail_msg("want %zd \"%s\", got %zd \"%s\"", rc, want_why, got, why ? why : "(null)");
    /* strings stay NUL-terminated whatever happened */
    assert_true(memchr(c->target_name, 0, sizeof(c->target_name)) != NULL);
    free(copy);
    free(c);
}

static ssize_t decode_ok(size_t len, struct ntlm_challenge *c)
{
    const char *why = NULL;
    ssize_t rc = ntlm_challenge_decode(c, g_msg, len, &why);

    if (rc < 0)
        fail_msg("unexpected failure %zd: %s", rc, why);
    return rc;
}

/* --------------------------------------------------------- header errors */

static void test_signature_and_type(void **state)
{
    size_t i, len;

    (void)state;
    for (i = 0; i < 8; i++) {
        len = build(NTLM_NEGOTIATE_UNICODE, NULL, 0, NULL, 0);
        g_msg[i] ^= 0x20;
        expect_fail(len, WIRE_INVALID, "Signature is not \"NTLMSSP\\0\"");
        /* a wrong byte is seen even before the whole signature arrived */
        expect_fail(i + 1, WIRE_INVALID, "Signature is not \"NTLMSSP\\0\"");
    }
    len = build(NTLM_NEGOTIATE_UNICODE, NULL, 0, NULL, 0);
    wire_put_u32le(g_msg + 8, 1);
    expect_fail(len, WIRE_INVALID, "MessageType is not 2 (CHALLENGE_MESSAGE)");
    wire_put_u32le(g_msg + 8, 3);
    expect_fail(len, WIRE_INVALID, "MessageType is not 2 (CHALLENGE_MESSAGE)");
    wire_put_u32le(g_msg + 8, 0x00000102);
    expect_fail(len, WIRE_INVALID, "MessageType is not 2 (CHALLENGE_MESSAGE)");
    /* prefixes of a good header */
    wire_put_u32le(g_msg + 8, 2);
    expect_fail(0, WIRE_INCOMPLETE, "message ends before MessageType");
    expect_fail(11, WIRE_INCOMPLETE, "message ends before MessageType");
    expect_fail(12, WIRE_INCOMPLETE,
                "message is shorter than the 48-byte CHALLENGE_MESSAGE header");
    expect_fail(47, WIRE_INCOMPLETE,
                "message is shorter than the 48-byte CHALLENGE_MESSAGE header");
    len = build(NTLM_NEGOTIATE_UNICODE | NTLM_NEGOTIATE_VERSION, NULL, 0, NULL, 0);
    assert_int_equal(len, 56);
    expect_fail(48, WIRE_INCOMPLETE, "message ends inside the Version field");
    expect_fail(55, WIRE_INCOMPLETE, "message ends inside the Version field");
}

static void test_minimal_messages(void **state)
{
    struct ntlm_challenge *c = new_c();
    size_t len;

    (void)state;
    /* 48 bytes, nothing else: valid, empty names */
    len = build(NTLM_NEGOTIATE_UNICODE, NULL, 0, NULL, 0);
    assert_int_equal(decode_ok(len, c), 48);
    assert_string_equal(c->target_name, "");
    assert_false(c->has_version);
    /* an empty field's offset is not checked (some servers send 0) */
    wire_put_u32le(g_msg + 16, 0);
    wire_put_u32le(g_msg + 44, 0xffffffffu);
    g_msg[22] |= 0x80; /* TARGET_INFO, with TargetInfoLen 0 */
    assert_int_equal(decode_ok(len, c), 48);
    assert_false(c->has_target_info);
    /* VERSION set, 56 bytes */
    len = build(NTLM_NEGOTIATE_VERSION, NULL, 0, NULL, 0);
    assert_int_equal(decode_ok(len, c), 56);
    assert_true(c->has_version);
    assert_int_equal(c->version.build, 14393);
    free(c);
}

static void test_field_bounds(void **state)
{
    uint8_t tn[16], ti[32];
    uint16_t tnl = u16(tn, "SRV");
    size_t til = 0, len;

    (void)state;
    av_add(ti, &til, NTLM_AV_EOL, NULL, 0);

    /* TargetName offset into the fixed header and into the Version */
    len = build(F_UNI, tn, tnl, ti, (uint16_t)til);
    wire_put_u32le(g_msg + 16, 20);
    expect_fail(len, WIRE_INVALID,
                "TargetNameBufferOffset points into the CHALLENGE_MESSAGE header");
    wire_put_u32le(g_msg + 16, 0);
    expect_fail(len, WIRE_INVALID,
                "TargetNameBufferOffset points into the CHALLENGE_MESSAGE header");
    wire_put_u32le(g_msg + 16, 48);
    expect_fail(len, WIRE_INVALID,
                "TargetNameBufferOffset points into the CHALLENGE_MESSAGE header");
    wire_put_u32le(g_msg + 16, 55);
    expect_fail(len, WIRE_INVALID,
                "TargetNameBufferOffset points into the CHALLENGE_MESSAGE header");
    /* past the cap: huge offsets, and offset+len overflowing 32 bits */
    wire_put_u32le(g_msg + 16, 0xfffffffeu);
    expect_fail(len, WIRE_TOOBIG, "TargetName ends beyond the 16384-byte CHALLENGE_MESSAGE limit");
    wire_put_u32le(g_msg + 16, NTLM_CHALLENGE_MAX - 5);
    expect_fail(len, WIRE_TOOBIG, "TargetName ends beyond the 16384-byte CHALLENGE_MESSAGE limit");
    /* within the cap but past the bytes we have */
    wire_put_u32le(g_msg + 16, NTLM_CHALLENGE_MAX - 6);
    expect_fail(len, WIRE_INCOMPLETE, "TargetName runs past the end of the message");
    wire_put_u32le(g_msg + 16, (uint32_t)len - 5);
    expect_fail(len, WIRE_INCOMPLETE, "TargetName runs past the end of the message");

    /* the same for TargetInfo */
    len = build(F_UNI, tn, tnl, ti, (uint16_t)til);
    wire_put_u32le(g_msg + 44, 40);
    expect_fail(len, WIRE_INVALID,
                "TargetInfoBufferOffset points into the CHALLENGE_MESSAGE header");
    wire_put_u32le(g_msg + 44, 50);
    expect_fail(len, WIRE_INVALID,
                "TargetInfoBufferOffset points into the CHALLENGE_MESSAGE header");
    wire_put_u32le(g_msg + 44, 0xfffffffdu);
    expect_fail(len, WIRE_TOOBIG, "TargetInfo ends beyond the 16384-byte CHALLENGE_MESSAGE limit");
    wire_put_u32le(g_msg + 44, (uint32_t)len - 3);
    expect_fail(len, WIRE_INCOMPLETE, "TargetInfo runs past the end of the message");

    /* without TARGET_INFO the fields are ignored, even when bogus */
    len = build(NTLM_NEGOTIATE_UNICODE | NTLM_NEGOTIATE_VERSION, tn, tnl, NULL, 0);
    wire_put_u16le(g_msg + 40, 100);
    wire_put_u32le(g_msg + 44, 3);
    {
        struct ntlm_challenge *c = new_c();

        assert_int_equal(decode_ok(len, c), (ssize_t)len);
        assert_false(c->has_target_info);
        assert_string_equal(c->target_name, "SRV");
        free(c);
    }

    /* without VERSION the payload may start at 48 */
    len = build(NTLM_NEGOTIATE_UNICODE | NTLM_NEGOTIATE_TARGET_INFO, tn, tnl, ti, (uint16_t)til);
    assert_int_equal(wire_get_u32le(g_msg + 16), 48);
    {
        struct ntlm_challenge *c = new_c();

        assert_int_equal(decode_ok(len, c), (ssize_t)len);
        free(c);
    }

    /* a whole message beyond the cap */
    memset(g_msg, 0, sizeof(g_msg));
    memcpy(g_msg, "NTLMSSP", 8);
    expect_fail(NTLM_CHALLENGE_MAX + 1, WIRE_TOOBIG, "CHALLENGE_MESSAGE longer than 16384 bytes");
}

/* Fields may overlap or be out of order; the extent is the furthest end. */
static void test_extent(void **state)
{
    struct ntlm_challenge *c = new_c();
    uint8_t tn[16], ti[32];
    uint16_t tnl = u16(tn, "SRV");
    size_t til = 0, len;

    (void)state;
    av_add(ti, &til, NTLM_AV_EOL, NULL, 0);
    len = build(F_UNI, tn, tnl, ti, (uint16_t)til);
    /* TargetInfo first, TargetName after it */
    memcpy(g_msg + 56, ti, til);
    memcpy(g_msg + 56 + til, tn, tnl);
    wire_put_u32le(g_msg + 44, 56);
    wire_put_u32le(g_msg + 16, 56 + (uint32_t)til);
    assert_int_equal(decode_ok(len, c), (ssize_t)len);
    assert_string_equal(c->target_name, "SRV");
    /* a gap after TargetInfo: the extent is the end of TargetName */
    memmove(g_msg + 56 + til + 10, g_msg + 56 + til, tnl);
    wire_put_u32le(g_msg + 16, 56 + (uint32_t)til + 10);
    assert_int_equal(decode_ok(len + 10 + 7, c), (ssize_t)(len + 10));
    assert_string_equal(c->target_name, "SRV");
    /* both fields on the same bytes: allowed, extent unchanged */
    len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
    wire_put_u16le(g_msg + 12, (uint16_t)til);
    wire_put_u32le(g_msg + 16, 56);
    g_msg[20] &= 0xfe; /* TargetName as OEM so the AV bytes are a valid name */
    assert_int_equal(decode_ok(len, c), (ssize_t)len);
    free(c);
}

/* ------------------------------------------------------------ name errors */

static void test_target_name_errors(void **state)
{
    struct ntlm_challenge *c = new_c();
    uint8_t tn[NTLM_NAME_MAX_UNITS * 2 + 8];
    size_t len, i;

    (void)state;
    /* UNICODE: odd length, lone surrogates, embedded NUL */
    len = build(NTLM_NEGOTIATE_UNICODE, (const uint8_t *)"S\0R\0V", 5, NULL, 0);
    expect_fail(len, WIRE_INVALID, "TargetName has an odd length for UTF-16LE");
    len = build(NTLM_NEGOTIATE_UNICODE, (const uint8_t *)"S\0\x01\xd8", 4, NULL, 0);
    expect_fail(len, WIRE_INVALID,
                "TargetName holds an unpaired UTF-16 surrogate or an embedded U+0000");
    len = build(NTLM_NEGOTIATE_UNICODE, (const uint8_t *)"\x37\xdcS\0", 4, NULL, 0);
    expect_fail(len, WIRE_INVALID,
                "TargetName holds an unpaired UTF-16 surrogate or an embedded U+0000");
    len = build(NTLM_NEGOTIATE_UNICODE, (const uint8_t *)"S\0\0\0V\0", 6, NULL, 0);
    expect_fail(len, WIRE_INVALID,
                "TargetName holds an unpaired UTF-16 surrogate or an embedded U+0000");
    /* trailing U+0000 units are dropped */
    len = build(NTLM_NEGOTIATE_UNICODE, (const uint8_t *)"S\0V\0\0\0\0\0", 8, NULL, 0);
    assert_int_equal(decode_ok(len, c), (ssize_t)len);
    assert_string_equal(c->target_name, "SV");
    len = build(NTLM_NEGOTIATE_UNICODE, (const uint8_t *)"\0\0", 2, NULL, 0);
    assert_int_equal(decode_ok(len, c), (ssize_t)len);
    assert_string_equal(c->target_name, "");
    /* 256 units fit (the worst case of 3 UTF-8 bytes each), 257 do not */
    for (i = 0; i < NTLM_NAME_MAX_UNITS + 1; i++) {
        tn[2 * i] = 0xac; /* U+20AC */
        tn[2 * i + 1] = 0x20;
    }
    len = build(NTLM_NEGOTIATE_UNICODE, tn, NTLM_NAME_MAX_UNITS * 2, NULL, 0);
    assert_int_equal(decode_ok(len, c), (ssize_t)len);
    assert_int_equal(strlen(c->target_name), NTLM_NAME_MAX_UNITS * 3);
    len = build(NTLM_NEGOTIATE_UNICODE, tn, NTLM_NAME_MAX_UNITS * 2 + 2, NULL, 0);
    expect_fail(len, WIRE_TOOBIG, "TargetName is longer than 256 UTF-16 code units");

    /* OEM: odd lengths are fine, non-ASCII bytes become '?' */
    len = build(NTLM_NEGOTIATE_OEM, (const uint8_t *)"K\x99LN\x01\0", 6, NULL, 0);
    assert_int_equal(decode_ok(len, c), (ssize_t)len);
    assert_false(c->target_name_unicode);
    assert_true(c->target_name_lossy);
    assert_string_equal(c->target_name, "K?LN?");
    /* neither UNICODE nor OEM: read as OEM */
    len = build(0, (const uint8_t *)"SRV", 3, NULL, 0);
    assert_int_equal(decode_ok(len, c), (ssize_t)len);
    assert_string_equal(c->target_name, "SRV");
    memset(tn, 'A', sizeof(tn));
    len = build(NTLM_NEGOTIATE_OEM, tn, NTLM_NAME_MAX_UNITS, NULL, 0);
    assert_int_equal(decode_ok(len, c), (ssize_t)len);
    assert_int_equal(strlen(c->target_name), NTLM_NAME_MAX_UNITS);
    len = build(NTLM_NEGOTIATE_OEM, tn, NTLM_NAME_MAX_UNITS + 1, NULL, 0);
    expect_fail(len, WIRE_TOOBIG, "TargetName (OEM) is longer than 256 bytes");
    free(c);
}

/* -------------------------------------------------------------- AV_PAIRs */

static void test_av_structure_errors(void **state)
{
    uint8_t ti[128], name[16];
    uint16_t nl = u16(name, "SRV");
    size_t til, len;

    (void)state;
    /* a lone 2-byte fragment where an AV_PAIR header should be */
    til = 0;
    av_add(ti, &til, NTLM_AV_NB_COMPUTER_NAME, name, nl);
    ti[til++] = 0;
    ti[til++] = 0;
    len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
    expect_fail(len, WIRE_INVALID, "AV_PAIR header runs past the end of TargetInfo");
    /* a value longer than what is left of TargetInfo (but inside the message) */
    til = 0;
    av_add(ti, &til, NTLM_AV_NB_COMPUTER_NAME, name, nl);
    av_add(ti, &til, NTLM_AV_EOL, NULL, 0);
    len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
    wire_put_u16le(g_msg + 56 + 2, (uint16_t)(nl + 4)); /* AvLen runs into the EOL... */
    wire_put_u16le(g_msg + 40, (uint16_t)(til - 2));    /* ...and past TargetInfo */
    expect_fail(len, WIRE_INVALID, "AV_PAIR value runs past the end of TargetInfo");
    /* no MsvAvEOL */
    til = 0;
    av_add(ti, &til, NTLM_AV_NB_COMPUTER_NAME, name, nl);
    len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
    expect_fail(len, WIRE_INVALID, "TargetInfo has no MsvAvEOL");
    /* MsvAvEOL with a length */
    til = 0;
    av_add(ti, &til, NTLM_AV_EOL, "\0\0", 2);
    len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
    expect_fail(len, WIRE_INVALID, "MsvAvEOL has a non-zero AvLen");
    /* only an EOL: fine, nothing learned */
    {
        struct ntlm_challenge *c = new_c();

        til = 0;
        av_add(ti, &til, NTLM_AV_EOL, NULL, 0);
        len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
        assert_int_equal(decode_ok(len, c), (ssize_t)len);
        assert_true(c->has_target_info);
        assert_int_equal(c->av_count, 1);
        assert_string_equal(c->nb_computer, "");
        /* bytes after MsvAvEOL inside TargetInfo are counted, not parsed */
        ti[til++] = 0x41;
        ti[til++] = 0x42;
        ti[til++] = 0x43;
        len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
        assert_int_equal(decode_ok(len, c), (ssize_t)len);
        assert_int_equal(c->av_trailing, 3);
        free(c);
    }
}

static void test_av_duplicates(void **state)
{
    static const char *const want[] = {
        NULL,
        "duplicate MsvAvNbComputerName",
        "duplicate MsvAvNbDomainName",
        "duplicate MsvAvDnsComputerName",
        "duplicate MsvAvDnsDomainName",
        "duplicate MsvAvDnsTreeName",
        "duplicate MsvAvFlags",
        "duplicate MsvAvTimestamp",
        "duplicate MsvAvSingleHost",
        "duplicate MsvAvTargetName",
        "duplicate MsvAvChannelBindings",
    };
    static const uint16_t size[] = {0, 6, 6, 6, 6, 6, 4, 8, 48, 6, 16};
    uint8_t ti[256], v[48];
    uint16_t id;

    (void)state;
    memset(v, 0, sizeof(v));
    u16(v, "SRV");
    for (id = 1; id <= 10; id++) {
        struct ntlm_challenge *c = new_c();
        size_t til = 0, len;

        av_add(ti, &til, id, v, size[id]);
        av_add(ti, &til, NTLM_AV_EOL, NULL, 0);
        len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
        assert_int_equal(decode_ok(len, c), (ssize_t)len);
        assert_true(ntlm_challenge_has(c, (enum ntlm_av_id)id));
        til = 0;
        av_add(ti, &til, id, v, size[id]);
        av_add(ti, &til,
               NTLM_AV_NB_DOMAIN_NAME == id ? NTLM_AV_NB_COMPUTER_NAME : NTLM_AV_NB_DOMAIN_NAME, v,
               6);
        av_add(ti, &til, id, v, size[id]);
        av_add(ti, &til, NTLM_AV_EOL, NULL, 0);
        len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
        expect_fail(len, WIRE_INVALID, want[id]);
        free(c);
    }
}

static void test_av_fixed_sizes(void **state)
{
    static const struct {
        uint16_t id, bad;
        const char *why;
    } t[] = {
        {NTLM_AV_FLAGS, 3, "MsvAvFlags AvLen is not 4"},
        {NTLM_AV_FLAGS, 8, "MsvAvFlags AvLen is not 4"},
        {NTLM_AV_TIMESTAMP, 4, "MsvAvTimestamp AvLen is not 8"},
        {NTLM_AV_TIMESTAMP, 0, "MsvAvTimestamp AvLen is not 8"},
        {NTLM_AV_SINGLE_HOST, 44, "MsvAvSingleHost AvLen is not 48"},
        {NTLM_AV_CHANNEL_BINDINGS, 15, "MsvAvChannelBindings AvLen is not 16"},
        {NTLM_AV_CHANNEL_BINDINGS, 17, "MsvAvChannelBindings AvLen is not 16"},
    };
    uint8_t ti[128], v[64];
    size_t i;

    (void)state;
    memset(v, 0x5a, sizeof(v));
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        size_t til = 0, len;

        av_add(ti, &til, t[i].id, v, t[i].bad);
        av_add(ti, &til, NTLM_AV_EOL, NULL, 0);
        len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
        expect_fail(len, WIRE_INVALID, t[i].why);
    }
}

static void test_av_values(void **state)
{
    static const uint8_t cb[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    struct ntlm_challenge *c = new_c();
    uint8_t ti[512], name[64], sh[48];
    size_t til = 0, len;

    (void)state;
    memset(sh, 0, sizeof(sh));
    av_add(ti, &til, NTLM_AV_FLAGS, "\x02\x00\x00\x00", 4);
    av_add(ti, &til, NTLM_AV_TIMESTAMP, "\x00\x00\x6e\x5c\x75\x8a\xca\x01", 8);
    av_add(ti, &til, NTLM_AV_SINGLE_HOST, sh, 48);
    av_add(ti, &til, NTLM_AV_TARGET_NAME, name, u16(name, "HTTP/exch01.contoso.local"));
    av_add(ti, &til, NTLM_AV_CHANNEL_BINDINGS, cb, 16);
    av_add(ti, &til, 0x1234, "xyz", 3); /* unknown: listed, skipped */
    av_add(ti, &til, 0x1234, "xyz", 3); /* ...even twice */
    av_add(ti, &til, 11, NULL, 0);      /* first id past the known ones */
    av_add(ti, &til, NTLM_AV_DNS_TREE_NAME, name, u16(name, "contoso.local"));
    av_add(ti, &til, NTLM_AV_DNS_COMPUTER_NAME, name, 0); /* empty name */
    av_add(ti, &til, NTLM_AV_EOL, NULL, 0);
    len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
    assert_int_equal(decode_ok(len, c), (ssize_t)len);
    assert_int_equal(c->av_flags, 2);
    assert_int_equal(c->timestamp, UINT64_C(0x01ca8a755c6e0000));
    assert_int_equal(ntlm_filetime_to_unix(c->timestamp), INT64_C(1262304000)); /* 2010-01-01 */
    assert_string_equal(c->av_target_name, "HTTP/exch01.contoso.local");
    assert_memory_equal(c->channel_bindings, cb, 16);
    assert_string_equal(c->dns_tree, "contoso.local");
    assert_string_equal(c->dns_computer, "");
    assert_true(ntlm_challenge_has(c, NTLM_AV_DNS_COMPUTER_NAME));
    assert_true(ntlm_challenge_has(c, NTLM_AV_SINGLE_HOST));
    assert_int_equal(c->av_count, 11);
    assert_int_equal(c->av[5].id, 0x1234);
    assert_int_equal(c->av[5].len, 3);
    assert_int_equal(c->av[7].id, 11);
    assert_int_equal(c->av_seen, 0x7e9u); /* 0,3,5,6,7,8,9,10 */
    free(c);
}

static void test_av_name_errors(void **state)
{
    static const struct {
        uint16_t id;
        const char *odd, *bad, *toolong;
    } t[] = {
        {NTLM_AV_NB_COMPUTER_NAME, "MsvAvNbComputerName has an odd length for UTF-16LE",
         "MsvAvNbComputerName holds an unpaired UTF-16 surrogate or an embedded U+0000",
         "MsvAvNbComputerName is longer than 256 UTF-16 code units"},
        {NTLM_AV_NB_DOMAIN_NAME, "MsvAvNbDomainName has an odd length for UTF-16LE",
         "MsvAvNbDomainName holds an unpaired UTF-16 surrogate or an embedded U+0000",
         "MsvAvNbDomainName is longer than 256 UTF-16 code units"},
        {NTLM_AV_DNS_COMPUTER_NAME, "MsvAvDnsComputerName has an odd length for UTF-16LE",
         "MsvAvDnsComputerName holds an unpaired UTF-16 surrogate or an embedded U+0000",
         "MsvAvDnsComputerName is longer than 256 UTF-16 code units"},
        {NTLM_AV_DNS_DOMAIN_NAME, "MsvAvDnsDomainName has an odd length for UTF-16LE",
         "MsvAvDnsDomainName holds an unpaired UTF-16 surrogate or an embedded U+0000",
         "MsvAvDnsDomainName is longer than 256 UTF-16 code units"},
        {NTLM_AV_DNS_TREE_NAME, "MsvAvDnsTreeName has an odd length for UTF-16LE",
         "MsvAvDnsTreeName holds an unpaired UTF-16 surrogate or an embedded U+0000",
         "MsvAvDnsTreeName is longer than 256 UTF-16 code units"},
        {NTLM_AV_TARGET_NAME, "MsvAvTargetName has an odd length for UTF-16LE",
         "MsvAvTargetName holds an unpaired UTF-16 surrogate or an embedded U+0000",
         "MsvAvTargetName is longer than 256 UTF-16 code units"},
    };
    static uint8_t ti[2 * NTLM_NAME_MAX_UNITS + 64], v[2 * NTLM_NAME_MAX_UNITS + 2];
    size_t i, k;

    (void)state;
    for (k = 0; k < NTLM_NAME_MAX_UNITS + 1; k++) {
        v[2 * k] = 'a';
        v[2 * k + 1] = 0;
    }
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct ntlm_challenge *c = new_c();
        size_t til = 0, len;

        av_add(ti, &til, t[i].id, "a\0b", 3);
        av_add(ti, &til, NTLM_AV_EOL, NULL, 0);
        len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
        expect_fail(len, WIRE_INVALID, t[i].odd);
        til = 0;
        av_add(ti, &til, t[i].id, "a\0\x00\xdc", 4);
        av_add(ti, &til, NTLM_AV_EOL, NULL, 0);
        len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
        expect_fail(len, WIRE_INVALID, t[i].bad);
        til = 0;
        av_add(ti, &til, t[i].id, v, 2 * NTLM_NAME_MAX_UNITS + 2);
        av_add(ti, &til, NTLM_AV_EOL, NULL, 0);
        len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
        expect_fail(len, WIRE_TOOBIG, t[i].toolong);
        til = 0;
        av_add(ti, &til, t[i].id, v, 2 * NTLM_NAME_MAX_UNITS);
        av_add(ti, &til, NTLM_AV_EOL, NULL, 0);
        len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
        assert_int_equal(decode_ok(len, c), (ssize_t)len);
        free(c);
    }
}

static void test_av_count_limit(void **state)
{
    struct ntlm_challenge *c = new_c();
    uint8_t ti[4 * (NTLM_MAX_AV_PAIRS + 2)];
    size_t til = 0, len, i;

    (void)state;
    for (i = 0; i < NTLM_MAX_AV_PAIRS - 1; i++)
        av_add(ti, &til, 0x100, NULL, 0);
    av_add(ti, &til, NTLM_AV_EOL, NULL, 0);
    len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
    assert_int_equal(decode_ok(len, c), (ssize_t)len);
    assert_int_equal(c->av_count, NTLM_MAX_AV_PAIRS);
    til = 0;
    for (i = 0; i < NTLM_MAX_AV_PAIRS; i++)
        av_add(ti, &til, 0x100, NULL, 0);
    av_add(ti, &til, NTLM_AV_EOL, NULL, 0);
    len = build(F_UNI, NULL, 0, ti, (uint16_t)til);
    expect_fail(len, WIRE_TOOBIG, "TargetInfo holds more than 32 AV_PAIRs");
    free(c);
}

/* ---------------------------------------------------------------- base64 */

static void test_b64_entry(void **state)
{
    struct ntlm_challenge *c = new_c();
    const char *why = NULL;
    char *big;
    size_t n = strlen(exch01_b64);

    (void)state;
    assert_int_equal(ntlm_challenge_decode_b64(c, exch01_b64, n, &why), (ssize_t)n);
    assert_string_equal(c->nb_computer, "EXCH01");
    assert_string_equal(c->dns_computer, "exch01.contoso.local");
    assert_string_equal(c->nb_domain, "CONTOSO");
    /* malformed base64 */
    assert_int_equal(ntlm_challenge_decode_b64(c, exch01_b64, n - 1, &why), WIRE_INVALID);
    assert_string_equal(why, "base64: length is not a multiple of 4");
    assert_int_equal(ntlm_challenge_decode_b64(c, "TlRM TVNT", 9, &why), WIRE_INVALID);
    /* well-formed base64, not NTLM */
    assert_int_equal(ntlm_challenge_decode_b64(c, "AAAA", 4, &why), WIRE_INVALID);
    assert_string_equal(why, "Signature is not \"NTLMSSP\\0\"");
    /* a whole number of groups but the message is cut short */
    assert_int_equal(ntlm_challenge_decode_b64(c, exch01_b64, 100, &why), WIRE_INCOMPLETE);
    assert_int_equal(ntlm_challenge_decode_b64(c, "", 0, &why), WIRE_INCOMPLETE);
    /* a Type 1 is not a challenge */
    assert_int_equal(
        ntlm_challenge_decode_b64(c, "TlRMTVNTUAABAAAAB4IIAAAAAAAAAAAAAAAAAAAAAAA=", 44, &why),
        WIRE_INVALID);
    assert_string_equal(why, "MessageType is not 2 (CHALLENGE_MESSAGE)");
    /* text that would decode past the cap */
    n = ((size_t)NTLM_CHALLENGE_MAX + 2) / 3 * 4 + 4;
    big = malloc(n);
    assert_non_null(big);
    memset(big, 'A', n);
    assert_int_equal(ntlm_challenge_decode_b64(c, big, n, &why), WIRE_TOOBIG);
    assert_string_equal(why, "base64 CHALLENGE_MESSAGE longer than 16384 bytes");
    /* at the length cap the base64 decoder's own bound applies */
    assert_int_equal(ntlm_challenge_decode_b64(c, big, n - 4, &why), WIRE_TOOBIG);
    assert_string_equal(why, "base64: decoded data does not fit the output buffer");
    free(big);
    free(c);
}

/* ------------------------------------------------------------- helpers */

static void test_flags(void **state)
{
    char buf[512];
    size_t n;
    uint32_t b;

    (void)state;
    n = ntlm_flags_render(0xe28a8233u, buf, sizeof(buf));
    assert_string_equal(buf, "UNICODE|OEM|SIGN|SEAL|NTLM|ALWAYS_SIGN|TARGET_TYPE_SERVER|"
                             "EXTENDED_SESSIONSECURITY|TARGET_INFO|VERSION|128|KEY_EXCH|56");
    assert_int_equal(n, strlen(buf));
    assert_int_equal(ntlm_flags_render(0, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    n = ntlm_flags_render(0x00000409u, buf, sizeof(buf));
    assert_string_equal(buf, "UNICODE|0x00000008|0x00000400");
    assert_int_equal(n, strlen(buf));
    /* truncation keeps the full length and a NUL */
    assert_int_equal(ntlm_flags_render(0x00000409u, buf, 10), n);
    assert_string_equal(buf, "UNICODE|0");
    assert_int_equal(ntlm_flags_render(0x00000409u, buf, 8), n);
    assert_string_equal(buf, "UNICODE");
    assert_int_equal(ntlm_flags_render(0x00000409u, buf, 9), n);
    assert_string_equal(buf, "UNICODE|");
    assert_int_equal(ntlm_flags_render(0x00000409u, buf, 1), n);
    assert_string_equal(buf, "");
    assert_int_equal(ntlm_flags_render(0x00000409u, NULL, 0), n);
    /* every bit renders, named or as hex */
    n = ntlm_flags_render(0xffffffffu, buf, sizeof(buf));
    assert_int_equal(n, strlen(buf));
    assert_non_null(strstr(buf, "EXTENDED_SESSIONSECURITY"));
    assert_non_null(strstr(buf, "0x10000000"));
    for (b = 1; b != 0; b <<= 1) {
        const char *name = ntlm_flag_name(b);

        if (name)
            assert_true(strlen(name) > 0);
    }
    assert_string_equal(ntlm_flag_name(NTLM_NEGOTIATE_TARGET_INFO), "TARGET_INFO");
    assert_null(ntlm_flag_name(0));
    assert_null(ntlm_flag_name(3));
    assert_null(ntlm_flag_name(0x00000008u));
}

static void test_names_and_time(void **state)
{
    (void)state;
    assert_string_equal(ntlm_av_name(NTLM_AV_EOL), "MsvAvEOL");
    assert_string_equal(ntlm_av_name(NTLM_AV_NB_COMPUTER_NAME), "MsvAvNbComputerName");
    assert_string_equal(ntlm_av_name(NTLM_AV_CHANNEL_BINDINGS), "MsvAvChannelBindings");
    assert_string_equal(ntlm_av_name(11), "unknown");
    assert_string_equal(ntlm_av_name(0xffff), "unknown");
    assert_int_equal(ntlm_filetime_to_unix(UINT64_C(116444736000000000)), 0);
    assert_int_equal(ntlm_filetime_to_unix(0), INT64_C(-11644473600));
    assert_int_equal(
        ntlm_filetime_to_unix(UINT64_C(116444736000000000) + UINT64_C(10000000) * 86400u), 86400);
}

static void test_null_args(void **state)
{
    struct ntlm_challenge *c = new_c();
    const char *why = NULL;

    (void)state;
    assert_int_equal(ntlm_challenge_decode(NULL, v_spec, sizeof(v_spec), &why), WIRE_INVALID);
    assert_string_equal(why, "NTLM CHALLENGE_MESSAGE: NULL argument");
    assert_int_equal(ntlm_challenge_decode(c, NULL, 10, NULL), WIRE_INVALID);
    assert_int_equal(ntlm_challenge_decode_b64(NULL, "AAAA", 4, NULL), WIRE_INVALID);
    why = NULL;
    assert_int_equal(ntlm_challenge_decode_b64(c, NULL, 4, &why), WIRE_INVALID);
    assert_string_equal(why, "NTLM CHALLENGE_MESSAGE: NULL argument");
    assert_false(ntlm_challenge_has(NULL, NTLM_AV_EOL));
    assert_int_equal(ntlm_challenge_decode(c, v_spec, sizeof(v_spec), NULL), 104);
    assert_false(ntlm_challenge_has(c, (enum ntlm_av_id)11));
    assert_false(ntlm_challenge_has(c, (enum ntlm_av_id) - 1));
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_vector),
        cmocka_unit_test(test_exch01_vector),
        cmocka_unit_test(test_impacket_vector),
        cmocka_unit_test(test_oem_vector),
        cmocka_unit_test(test_intl_vector),
        cmocka_unit_test(test_truncation_every_offset),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_signature_and_type),
        cmocka_unit_test(test_minimal_messages),
        cmocka_unit_test(test_field_bounds),
        cmocka_unit_test(test_extent),
        cmocka_unit_test(test_target_name_errors),
        cmocka_unit_test(test_av_structure_errors),
        cmocka_unit_test(test_av_duplicates),
        cmocka_unit_test(test_av_fixed_sizes),
        cmocka_unit_test(test_av_values),
        cmocka_unit_test(test_av_name_errors),
        cmocka_unit_test(test_av_count_limit),
        cmocka_unit_test(test_b64_entry),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_names_and_time),
        cmocka_unit_test(test_null_args),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
