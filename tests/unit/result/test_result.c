/*
 * test_result.c: states and their worst-of order, the diagnosis table, the
 * bounded text helpers, the calendar helpers and the result record.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/result/diag.h"
#include "probes/result/result.h"
#include "probes/result/state.h"
#include "probes/result/text.h"
#include "probes/result/timefmt.h"

/* ---- states ------------------------------------------------------------- */

static void test_state_names(void **unused)
{
    (void)unused;
    static const struct {
        enum oa_state s;
        const char *name, *label;
        int rc;
    } t[] = {
        {OA_STATE_OK, "ok", "OK", 0},
        {OA_STATE_WARNING, "warning", "WARNING", 1},
        {OA_STATE_CRITICAL, "critical", "CRITICAL", 2},
        {OA_STATE_UNKNOWN, "unknown", "UNKNOWN", 3},
        {OA_STATE_SKIPPED, "skipped", "SKIPPED", 0},
        {(enum oa_state)99, "unknown", "UNKNOWN", 3},
        {(enum oa_state)-1, "unknown", "UNKNOWN", 3},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        assert_string_equal(oa_state_name(t[i].s), t[i].name);
        assert_string_equal(oa_state_label(t[i].s), t[i].label);
        assert_int_equal(oa_state_exit_code(t[i].s), t[i].rc);
    }
    for (int i = 0; i < OA_STATE__COUNT; i++) {
        enum oa_state back;
        assert_int_equal(oa_state_from_name(oa_state_name((enum oa_state)i), &back), 0);
        assert_int_equal(back, i);
    }
    enum oa_state s;
    assert_int_equal(oa_state_from_name("OK", &s), -1);
    assert_int_equal(oa_state_from_name("", &s), -1);
    assert_int_equal(oa_state_from_name(NULL, &s), -1);
    assert_int_equal(oa_state_from_name("ok", NULL), -1);
}

static void test_state_worst(void **unused)
{
    (void)unused;
    /* Expected worst-of for every pair, written out by hand. */
    enum { K = OA_STATE_OK, W = OA_STATE_WARNING, C = OA_STATE_CRITICAL,
           U = OA_STATE_UNKNOWN, S = OA_STATE_SKIPPED };
    static const struct {
        int a, b, want;
    } t[] = {
        {K, K, K}, {K, W, W}, {K, C, C}, {K, U, U}, {K, S, K},
        {W, W, W}, {W, C, C}, {W, U, U}, {W, S, W},
        {C, C, C}, {C, U, C}, {C, S, C},
        {U, U, U}, {U, S, U},
        {S, S, S},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        assert_int_equal(oa_state_worst(t[i].a, t[i].b), t[i].want);
        assert_int_equal(oa_state_worst(t[i].b, t[i].a), t[i].want);
    }
    /* Out of range counts as unknown. */
    assert_int_equal(oa_state_worst((enum oa_state)42, OA_STATE_OK), OA_STATE_UNKNOWN);
    assert_int_equal(oa_state_worst(OA_STATE_CRITICAL, (enum oa_state)-3),
                     OA_STATE_CRITICAL);
    assert_int_equal(oa_state_rank(OA_STATE_SKIPPED), 0);
    assert_int_equal(oa_state_rank(OA_STATE_CRITICAL), 4);
    assert_int_equal(oa_state_rank((enum oa_state)42), oa_state_rank(OA_STATE_UNKNOWN));
}

/* ---- diagnosis table ---------------------------------------------------- */

static void test_diag_table(void **unused)
{
    (void)unused;
    /* Every code of field-notes.md must be in the table, unchanged. */
    static const char *const field_notes[] = {
        "dns_failed", "tcp_refused", "tcp_timeout", "tls_handshake_failed",
        "cert_expired", "cert_expiring", "cert_name_mismatch", "cert_untrusted",
        "cert_chain_incomplete", "ssl_required", "rpcproxy_missing",
        "auth_no_methods", "auth_scheme_missing", "auth_rejected",
        "ntlm_connection_lost", "echo_invalid", "expect_continue_stall",
        "validports_missing_entry", "backend_unreachable",
        "endpoint_bind_rejected", "protocol_error", "timeout",
    };
    for (size_t i = 0; i < sizeof field_notes / sizeof field_notes[0]; i++) {
        enum oa_diag_code c;
        assert_int_equal(oa_diag_code_from_name(field_notes[i], &c), 0);
        assert_string_equal(oa_diag_code_name(c), field_notes[i]);
    }
    /* The documented additions. */
    static const char *const added[] = {
        "cert_not_yet_valid", "rpc_server_refused", "tunnel_rpc_error",
        "http_status_unexpected", "internal_error",
    };
    for (size_t i = 0; i < sizeof added / sizeof added[0]; i++) {
        enum oa_diag_code c;
        assert_int_equal(oa_diag_code_from_name(added[i], &c), 0);
    }
    assert_int_equal(OA_DIAG__COUNT, 22 + 5);

    for (int i = 0; i < OA_DIAG__COUNT; i++) {
        enum oa_diag_code c = (enum oa_diag_code)i;
        const char *n = oa_diag_code_name(c);
        assert_non_null(n);
        assert_true(strlen(n) > 2);
        for (const char *p = n; *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
        for (int j = 0; j < i; j++)
            assert_string_not_equal(n, oa_diag_code_name((enum oa_diag_code)j));
        enum oa_diag_code back;
        assert_int_equal(oa_diag_code_from_name(n, &back), 0);
        assert_int_equal(back, c);
        assert_non_null(oa_diag_observed(c));
        assert_true(strlen(oa_diag_observed(c)) > 10);
        assert_non_null(oa_diag_default_remedy(c));
        assert_true(strlen(oa_diag_default_remedy(c)) > 10);
        assert_null(strchr(oa_diag_default_remedy(c), '\n'));
        assert_null(strchr(oa_diag_default_remedy(c), '|'));
        enum oa_state want = OA_STATE_CRITICAL;
        if (c == OA_DIAG_CERT_EXPIRING)
            want = OA_STATE_WARNING;
        if (c == OA_DIAG_INTERNAL_ERROR)
            want = OA_STATE_UNKNOWN;
        assert_int_equal(oa_diag_default_severity(c), want);
    }
    enum oa_diag_code c;
    assert_int_equal(oa_diag_code_from_name("DNS_FAILED", &c), -1);
    assert_int_equal(oa_diag_code_from_name(NULL, &c), -1);
    assert_int_equal(oa_diag_code_from_name("dns_failed", NULL), -1);
    assert_null(oa_diag_code_name(OA_DIAG__COUNT));
    assert_null(oa_diag_code_name((enum oa_diag_code)-1));
    assert_null(oa_diag_observed(OA_DIAG__COUNT));
    assert_null(oa_diag_default_remedy(OA_DIAG__COUNT));
    assert_int_equal(oa_diag_default_severity(OA_DIAG__COUNT), OA_STATE_UNKNOWN);
}

/* ---- text --------------------------------------------------------------- */

static void test_text_copy(void **unused)
{
    (void)unused;
    static const struct {
        const char *in;
        size_t inlen;
        size_t cap;
        const char *want;
        int trunc;
    } t[] = {
        {"hello", 5, 16, "hello", 0},
        {"hello", 5, 6, "hello", 0},           /* exact fit */
        {"hello world", 11, 8, "hell...", 1},  /* cut and marked */
        {"hello", 5, 4, "...", 1},             /* only the mark fits */
        {"hello", 5, 3, "he", 1},              /* too small for the mark */
        {"hello", 5, 1, "", 1},
        {"a\xff" "b", 3, 16, "a?b", 0},        /* invalid byte */
        {"a\x80\x80" "b", 4, 16, "a??b", 0},   /* stray continuations */
        {"\xc0\xaf", 2, 16, "??", 0},          /* overlong '/' */
        {"\xe0\x80\xaf", 3, 16, "???", 0},     /* overlong 3-byte */
        {"\xed\xa0\x80", 3, 16, "???", 0},     /* surrogate */
        {"\xf4\x90\x80\x80", 4, 16, "????", 0},/* above U+10FFFF */
        {"\xf0\x80\x80\xaf", 4, 16, "????", 0},/* overlong 4-byte */
        {"\xc3\xa9t\xc3\xa9", 5, 16, "\xc3\xa9t\xc3\xa9", 0}, /* "été" */
        {"\xe2\x82\xac\xe2\x82\xac", 6, 16, "\xe2\x82\xac\xe2\x82\xac", 0},
        {"\xf0\x9f\x98\x80", 4, 16, "\xf0\x9f\x98\x80", 0},
        /* a 2-byte char is never split: 5 bytes + "..." into cap 8 */
        {"abcd\xc3\xa9" "fghij", 11, 8, "abcd...", 1},
        {"abc\xc3\xa9" "fghij", 10, 9, "abc\xc3\xa9...", 1},
        {"a\0b", 3, 16, "a?b", 0},             /* NUL inside a counted string */
        {"\xc3", 1, 16, "?", 0},               /* truncated sequence */
        {"\xe2\x82", 2, 16, "??", 0},
        {NULL, 0, 16, "", 0},
        {"", 0, 16, "", 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char buf[32];
        memset(buf, 'Z', sizeof buf);
        int trunc = -1;
        size_t n = oa_text_copyn(buf, t[i].cap, t[i].in, t[i].inlen, &trunc);
        if (strcmp(buf, t[i].want) != 0)
            fail_msg("case %zu: got \"%s\" want \"%s\"", i, buf, t[i].want);
        assert_int_equal(n, strlen(t[i].want));
        assert_int_equal(trunc, t[i].trunc);
        assert_true(n < t[i].cap);
        assert_int_equal(buf[t[i].cap], 'Z'); /* nothing written past cap */
    }
    /* cap 0 and NULL destination write nothing. */
    assert_int_equal(oa_text_copyn(NULL, 0, "x", 1, NULL), 0);
    assert_int_equal(oa_text_copyn(NULL, 10, "x", 1, NULL), 0);
    char b[8];
    assert_int_equal(oa_text_copy(b, sizeof b, NULL), 0);
    assert_string_equal(b, "");
    assert_int_equal(oa_text_copy(b, sizeof b, "abcdefghij"), 7);
    assert_string_equal(b, "abcd...");
}

static void test_text_format(void **unused)
{
    (void)unused;
    char buf[64];
    assert_int_equal(oa_text_format(buf, sizeof buf, "%s:%u", "exch01", 6001u), 11);
    assert_string_equal(buf, "exch01:6001");
    assert_int_equal(oa_text_format(buf, 8, "%s", "0123456789"), 7);
    assert_string_equal(buf, "0123...");
    assert_int_equal(oa_text_format(buf, sizeof buf, "bad \xff byte"), 10);
    assert_string_equal(buf, "bad ? byte");
    assert_int_equal(oa_text_format(NULL, 10, "x"), -1);
    assert_int_equal(oa_text_format(buf, 0, "x"), -1);

    /* Longer than the formatting buffer: cut and marked. */
    char *big = malloc(OA_TEXT_FORMAT_MAX + 100);
    assert_non_null(big);
    memset(big, 'a', OA_TEXT_FORMAT_MAX + 99);
    big[OA_TEXT_FORMAT_MAX + 99] = '\0';
    char *out = malloc(OA_TEXT_FORMAT_MAX + 200);
    assert_non_null(out);
    int n = oa_text_format(out, OA_TEXT_FORMAT_MAX + 200, "%s", big);
    assert_int_equal(n, OA_TEXT_FORMAT_MAX - 1);
    assert_memory_equal(out + n - 3, "...", 3);
    free(big);
    free(out);
}

static void test_text_utf8_len_and_casecmp(void **unused)
{
    (void)unused;
    assert_int_equal(oa_text_utf8_len((const unsigned char *)"a", 1), 1);
    assert_int_equal(oa_text_utf8_len((const unsigned char *)"\xc3\xa9", 2), 2);
    assert_int_equal(oa_text_utf8_len((const unsigned char *)"\xc3\xa9", 1), 0);
    assert_int_equal(oa_text_utf8_len((const unsigned char *)"\xf4\x8f\xbf\xbf", 4), 4);
    assert_int_equal(oa_text_utf8_len((const unsigned char *)"\xf5\x80\x80\x80", 4), 0);
    assert_int_equal(oa_text_utf8_len(NULL, 3), 0);
    assert_int_equal(oa_text_utf8_len((const unsigned char *)"a", 0), 0);

    assert_int_equal(oa_text_casecmp("EXCH01", "exch01"), 0);
    assert_int_equal(oa_text_casecmp("Exch01.Contoso.LOCAL", "exch01.contoso.local"), 0);
    assert_true(oa_text_casecmp("exch01", "exch02") < 0);
    assert_true(oa_text_casecmp("exch01x", "exch01") > 0);
    assert_true(oa_text_casecmp(NULL, "a") < 0);
    assert_true(oa_text_casecmp("a", NULL) > 0);
    assert_int_equal(oa_text_casecmp(NULL, NULL), 0);
    /* Bytes above 0x7f are not folded. */
    assert_true(oa_text_casecmp("\xc3\x89", "\xc3\xa9") != 0);
}

/* ---- time --------------------------------------------------------------- */

static void test_time_format(void **unused)
{
    (void)unused;
    static const struct {
        int64_t t;
        int ms;
        const char *want;
    } t[] = {
        {0, -1, "1970-01-01T00:00:00Z"},
        {-1, -1, "1969-12-31T23:59:59Z"},
        {951782400, -1, "2000-02-29T00:00:00Z"},
        {951868799, -1, "2000-02-29T23:59:59Z"},
        {1763689320, 123, "2025-11-21T01:42:00.123Z"},
        {1763689320, 0, "2025-11-21T01:42:00.000Z"},
        {4107542400LL, -1, "2100-03-01T00:00:00Z"},
        {OA_TIME_MAX, -1, "9999-12-31T23:59:59Z"},
        {OA_TIME_MIN, -1, "0000-01-01T00:00:00Z"},
        {-2208988800LL, -1, "1900-01-01T00:00:00Z"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char buf[OA_TIME_RFC3339_MAX];
        int n = oa_time_format_rfc3339(t[i].t, t[i].ms, buf, sizeof buf);
        assert_string_equal(buf, t[i].want);
        assert_int_equal(n, (int)strlen(t[i].want));
    }
    char buf[OA_TIME_RFC3339_MAX];
    assert_int_equal(oa_time_format_rfc3339(OA_TIME_MAX + 1, -1, buf, sizeof buf), -1);
    assert_string_equal(buf, "");
    assert_int_equal(oa_time_format_rfc3339(OA_TIME_MIN - 1, -1, buf, sizeof buf), -1);
    assert_int_equal(oa_time_format_rfc3339(INT64_MAX, -1, buf, sizeof buf), -1);
    assert_int_equal(oa_time_format_rfc3339(INT64_MIN, -1, buf, sizeof buf), -1);
    assert_int_equal(oa_time_format_rfc3339(0, 1000, buf, sizeof buf), -1);
    assert_int_equal(oa_time_format_rfc3339(0, -1, buf, 20), -1); /* needs 21 */
    assert_string_equal(buf, "");
    assert_int_equal(oa_time_format_rfc3339(0, -1, buf, 21), 20);
    assert_int_equal(oa_time_format_rfc3339(0, -1, NULL, 21), -1);
}

static void test_time_civil(void **unused)
{
    (void)unused;
    static const struct {
        struct oa_civil c;
        int ok;
        int64_t want;
    } t[] = {
        {{1970, 1, 1, 0, 0, 0}, 1, 0},
        {{2000, 2, 29, 12, 0, 0}, 1, 951825600},
        {{2001, 2, 29, 0, 0, 0}, 0, 0},  /* not a leap year */
        {{1900, 2, 29, 0, 0, 0}, 0, 0},  /* not a leap year */
        {{2024, 2, 29, 0, 0, 0}, 1, 1709164800},
        {{2025, 13, 1, 0, 0, 0}, 0, 0},
        {{2025, 0, 1, 0, 0, 0}, 0, 0},
        {{2025, 4, 31, 0, 0, 0}, 0, 0},
        {{2025, 4, 30, 24, 0, 0}, 0, 0},
        {{2025, 4, 30, 23, 60, 0}, 0, 0},
        {{2025, 4, 30, 23, 59, 61}, 0, 0},
        {{2016, 12, 31, 23, 59, 60}, 1, 1483228800}, /* leap second -> next */
        {{10000, 1, 1, 0, 0, 0}, 0, 0},
        {{-1, 1, 1, 0, 0, 0}, 0, 0},
        {{9999, 12, 31, 23, 59, 60}, 0, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int64_t v = -12345;
        int rc = oa_time_from_civil(&t[i].c, &v);
        assert_int_equal(rc, t[i].ok ? 0 : -1);
        if (t[i].ok)
            assert_int_equal(v, t[i].want);
    }
    /* Round trip over a wide range, stepping by an odd number of seconds. */
    for (int64_t x = OA_TIME_MIN; x <= OA_TIME_MAX - 7777777; x += 7777777) {
        struct oa_civil c;
        int64_t back;
        assert_int_equal(oa_time_to_civil(x, &c), 0);
        assert_int_equal(oa_time_from_civil(&c, &back), 0);
        assert_int_equal(back, x);
    }
    struct oa_civil c;
    int64_t v;
    assert_int_equal(oa_time_to_civil(0, NULL), -1);
    assert_int_equal(oa_time_to_civil(OA_TIME_MAX + 1, &c), -1);
    assert_int_equal(oa_time_from_civil(NULL, &v), -1);
    assert_int_equal(oa_time_from_civil(&c, NULL), -1);
}

static void test_time_days_left(void **unused)
{
    (void)unused;
    static const struct {
        int64_t t, now, want;
    } t[] = {
        {86400 * 5 + 3600, 0, 5},
        {86400 * 5, 0, 5},
        {86400 * 5 - 1, 0, 4},
        {0, 0, 0},
        {-1, 0, -1},
        {-3600, 0, -1},
        {-86400, 0, -1},
        {-86401, 0, -2},
        {INT64_MAX, INT64_MIN, (INT64_C(1) << 62) / 86400},
        {INT64_MIN, INT64_MAX, -(((INT64_C(1) << 62) + 86399) / 86400)},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        assert_int_equal(oa_time_days_left(t[i].t, t[i].now), t[i].want);
}

/* ---- the record --------------------------------------------------------- */

static void test_result_lifecycle(void **unused)
{
    (void)unused;
    struct oa_result *r = oa_result_new("mail.contoso.com", 1763689320123LL);
    assert_non_null(r);
    assert_string_equal(r->target, "mail.contoso.com");
    assert_int_equal(r->started_at_ms, 1763689320123LL);
    assert_int_equal(r->nsteps, 0);
    assert_int_equal(r->ndiags, 0);
    assert_int_equal(oa_result_status(r), OA_STATE_UNKNOWN); /* nothing checked */
    oa_result_set_duration(r, 1234567);
    assert_int_equal(r->duration_us, 1234567);
    oa_result_set_duration(r, -5);
    assert_int_equal(r->duration_us, 0);

    assert_non_null(oa_result_add_step(r, OA_STEP_DNS, NULL, 0));
    assert_non_null(oa_result_add_diag(r, OA_DIAG_DNS_FAILED, OA_STEP_DNS, NULL, 0, "x"));
    assert_int_equal(oa_result_reset(r, "other", 5), 0);
    assert_int_equal(r->nsteps, 0);
    assert_int_equal(r->ndiags, 0);
    assert_string_equal(r->target, "other");
    assert_int_equal(r->started_at_ms, 5);

    /* A long target is cut safely. */
    char longt[600];
    memset(longt, 'x', sizeof longt - 1);
    longt[sizeof longt - 1] = '\0';
    oa_result_reset(r, longt, 0);
    assert_int_equal(strlen(r->target), OA_TARGET_MAX - 1);
    assert_memory_equal(r->target + OA_TARGET_MAX - 4, "...", 3);

    oa_result_free(r);
    oa_result_free(NULL);
    assert_int_equal(oa_result_reset(NULL, "x", 0), -1);
    oa_result_set_duration(NULL, 5);
}

static void test_step_kinds(void **unused)
{
    (void)unused;
    static const char *const names[] = {
        "none", "dns", "tcp", "tls", "http_plain", "echo_unauth", "echo_auth",
        "tunnel", "bind", "direct_tcp",
    };
    assert_int_equal(OA_STEP__COUNT, sizeof names / sizeof names[0]);
    for (int i = 0; i < OA_STEP__COUNT; i++) {
        assert_string_equal(oa_step_kind_name((enum oa_step_kind)i), names[i]);
        enum oa_step_kind k;
        assert_int_equal(oa_step_kind_from_name(names[i], &k), 0);
        assert_int_equal(k, i);
    }
    enum oa_step_kind k;
    assert_string_equal(oa_step_kind_name(OA_STEP__COUNT), "none");
    assert_string_equal(oa_step_kind_name((enum oa_step_kind)-1), "none");
    assert_int_equal(oa_step_kind_from_name("DNS", &k), -1);
    assert_int_equal(oa_step_kind_from_name(NULL, &k), -1);
    assert_int_equal(oa_step_kind_from_name("dns", NULL), -1);

    for (int i = 0; i < OA_DETAIL__COUNT; i++) {
        const char *n = oa_detail_key_name((enum oa_detail_key)i);
        assert_non_null(n);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(n, oa_detail_key_name((enum oa_detail_key)j));
        assert_string_not_equal(n, "server"); /* step fields, not details */
        assert_string_not_equal(n, "port");
    }
    assert_null(oa_detail_key_name(OA_DETAIL__COUNT));
    assert_int_equal(oa_detail_key_type(OA_DETAIL__COUNT), OA_DT_STR);
    assert_int_equal(oa_detail_key_type(OA_DETAIL_CERT_SAN), OA_DT_STRLIST);
    assert_int_equal(oa_detail_key_type(OA_DETAIL_CERT_NOT_AFTER), OA_DT_TIME);
    assert_int_equal(oa_detail_key_type(OA_DETAIL_RPC_ERROR), OA_DT_INT);
    assert_int_equal(oa_detail_key_type(OA_DETAIL_EXPECT_100_CONTINUE), OA_DT_BOOL);
}

static void test_steps(void **unused)
{
    (void)unused;
    struct oa_result *r = oa_result_new("mail.contoso.com", 0);
    assert_non_null(r);
    assert_null(oa_result_add_step(r, OA_STEP_NONE, NULL, 0));
    assert_null(oa_result_add_step(r, OA_STEP__COUNT, NULL, 0));
    assert_null(oa_result_add_step(NULL, OA_STEP_DNS, NULL, 0));

    struct oa_step *st = oa_result_add_step(r, OA_STEP_TUNNEL, "EXCH01", 6001);
    assert_non_null(st);
    assert_int_equal(st->status, OA_STATE_UNKNOWN);
    assert_int_equal(st->duration_us, 0);
    assert_string_equal(st->server, "EXCH01");
    assert_int_equal(st->port, 6001);
    struct oa_step *st2 = oa_result_add_step(r, OA_STEP_TUNNEL, "exch01.contoso.local", 6001);
    struct oa_step *st3 = oa_result_add_step(r, OA_STEP_TUNNEL, "EXCH01", 6004);

    assert_ptr_equal(oa_result_find_step(r, OA_STEP_TUNNEL, "exch01", 6001), st);
    assert_ptr_equal(oa_result_find_step(r, OA_STEP_TUNNEL, "EXCH01", 6004), st3);
    assert_ptr_equal(oa_result_find_step(r, OA_STEP_TUNNEL, "EXCH01.contoso.local", 0), st2);
    assert_ptr_equal(oa_result_find_step(r, OA_STEP_TUNNEL, NULL, 6004), st3);
    assert_ptr_equal(oa_result_find_step(r, OA_STEP_TUNNEL, NULL, 0), st);
    assert_null(oa_result_find_step(r, OA_STEP_BIND, NULL, 0));
    assert_null(oa_result_find_step(r, OA_STEP_TUNNEL, "exch02", 0));
    assert_null(oa_result_find_step(NULL, OA_STEP_TUNNEL, NULL, 0));

    assert_int_equal(oa_step_finish(st, OA_STATE_OK, 120000), 0);
    assert_int_equal(st->status, OA_STATE_OK);
    assert_int_equal(st->duration_us, 120000);
    assert_int_equal(oa_step_finish(st, OA_STATE_OK, -1), 0);
    assert_int_equal(st->duration_us, 0);
    assert_int_equal(oa_step_finish(st, OA_STATE__COUNT, 0), -1);
    assert_int_equal(oa_step_finish(NULL, OA_STATE_OK, 0), -1);

    /* raise: an unfinished (unknown) step takes the state, then worst-of. */
    assert_int_equal(oa_step_raise(st2, OA_STATE_WARNING), 0);
    assert_int_equal(st2->status, OA_STATE_WARNING);
    assert_int_equal(oa_step_raise(st2, OA_STATE_OK), 0);
    assert_int_equal(st2->status, OA_STATE_WARNING);
    assert_int_equal(oa_step_raise(st2, OA_STATE_CRITICAL), 0);
    assert_int_equal(st2->status, OA_STATE_CRITICAL);
    assert_int_equal(oa_step_raise(st2, (enum oa_state)77), -1);
    assert_int_equal(oa_step_raise(NULL, OA_STATE_OK), -1);

    /* Fill up: the rest is dropped and counted. */
    oa_result_reset(r, "t", 0);
    for (int i = 0; i < OA_RESULT_MAX_STEPS; i++)
        assert_non_null(oa_result_add_step(r, OA_STEP_BIND, "s", (uint16_t)i));
    assert_null(oa_result_add_step(r, OA_STEP_BIND, "s", 1));
    assert_null(oa_result_add_step(r, OA_STEP_BIND, "s", 2));
    assert_int_equal(r->nsteps, OA_RESULT_MAX_STEPS);
    assert_int_equal(r->steps_dropped, 2);
    oa_result_free(r);
}

static void test_details(void **unused)
{
    (void)unused;
    struct oa_result *r = oa_result_new("mail.contoso.com", 0);
    assert_non_null(r);
    struct oa_step *tls = oa_result_add_step(r, OA_STEP_TLS, "mail.contoso.com", 443);
    struct oa_step *echo = oa_result_add_step(r, OA_STEP_ECHO_UNAUTH, NULL, 0);
    assert_non_null(tls);
    assert_non_null(echo);

    assert_int_equal(oa_step_add_str(r, tls, OA_DETAIL_TLS_VERSION, "TLSv1.2"), 0);
    assert_int_equal(oa_step_add_str(r, tls, OA_DETAIL_CERT_SAN, "mail.contoso.com"), 0);
    assert_int_equal(oa_step_add_str(r, tls, OA_DETAIL_CERT_SAN, "autodiscover.contoso.com"), 0);
    assert_int_equal(oa_step_add_time(r, tls, OA_DETAIL_CERT_NOT_AFTER, 1767225600), 0);
    assert_int_equal(oa_step_add_int(r, tls, OA_DETAIL_CERT_DAYS_LEFT, 41), 0);
    assert_int_equal(oa_step_add_bool(r, echo, OA_DETAIL_EXPECT_100_CONTINUE, 7), 0);
    /* Scalars overwrite: the last value wins, in the first slot. */
    assert_int_equal(oa_step_add_str(r, tls, OA_DETAIL_TLS_VERSION, "TLSv1.3"), 0);
    assert_int_equal(oa_step_add_int(r, tls, OA_DETAIL_CERT_DAYS_LEFT, 40), 0);
    assert_int_equal(tls->ndetails, 5);

    const struct oa_detail *d = oa_step_find_detail(tls, OA_DETAIL_TLS_VERSION);
    assert_non_null(d);
    assert_ptr_equal(d, &tls->details[0]);
    assert_string_equal(oa_result_detail_str(r, d), "TLSv1.3");
    d = oa_step_find_detail(tls, OA_DETAIL_CERT_DAYS_LEFT);
    assert_int_equal(d->i, 40);
    assert_int_equal(d->type, OA_DT_INT);
    d = oa_step_find_detail(tls, OA_DETAIL_CERT_NOT_AFTER);
    assert_int_equal(d->i, 1767225600);
    assert_null(oa_result_detail_str(r, d)); /* not a string */
    d = oa_step_find_detail(echo, OA_DETAIL_EXPECT_100_CONTINUE);
    assert_int_equal(d->i, 1);
    /* Both SAN entries are kept in order. */
    int seen = 0;
    for (size_t i = 0; i < tls->ndetails; i++) {
        if (tls->details[i].key != OA_DETAIL_CERT_SAN)
            continue;
        const char *v = oa_result_detail_str(r, &tls->details[i]);
        assert_string_equal(v, seen == 0 ? "mail.contoso.com" : "autodiscover.contoso.com");
        seen++;
    }
    assert_int_equal(seen, 2);

    /* Type mismatches are refused. */
    assert_int_equal(oa_step_add_int(r, tls, OA_DETAIL_TLS_VERSION, 3), -1);
    assert_int_equal(oa_step_add_str(r, tls, OA_DETAIL_CERT_DAYS_LEFT, "3"), -1);
    assert_int_equal(oa_step_add_time(r, tls, OA_DETAIL_CERT_DAYS_LEFT, 3), -1);
    assert_int_equal(oa_step_add_bool(r, tls, OA_DETAIL_TLS_VERSION, 1), -1);
    assert_int_equal(oa_step_add_int(r, tls, OA_DETAIL__COUNT, 1), -1);
    assert_int_equal(oa_step_add_int(r, tls, (enum oa_detail_key)-1, 1), -1);

    /* A step of another result, or a stray pointer, is refused. */
    struct oa_result *other = oa_result_new("x", 0);
    assert_non_null(other);
    assert_int_equal(oa_step_add_str(other, tls, OA_DETAIL_TLS_VERSION, "x"), -1);
    struct oa_step fake;
    memset(&fake, 0, sizeof fake);
    assert_int_equal(oa_step_add_str(r, &fake, OA_DETAIL_TLS_VERSION, "x"), -1);
    assert_int_equal(oa_step_add_str(r, (struct oa_step *)((char *)tls + 1),
                                     OA_DETAIL_TLS_VERSION, "x"), -1);
    /* A slot past nsteps is not a step yet. */
    assert_int_equal(oa_step_add_str(r, &r->steps[5], OA_DETAIL_TLS_VERSION, "x"), -1);
    oa_result_free(other);

    /* Auth schemes keep the scheme name only. */
    assert_int_equal(oa_step_add_str(r, echo, OA_DETAIL_AUTH_SCHEMES,
                                     "NTLM TlRMTVNTUAACAAAADAAMADgAAAA="), 0);
    assert_int_equal(oa_step_add_str(r, echo, OA_DETAIL_AUTH_SCHEMES,
                                     "Basic realm=\"mail.contoso.com\""), 0);
    assert_string_equal(oa_result_detail_str(r, &echo->details[1]), "NTLM");
    assert_string_equal(oa_result_detail_str(r, &echo->details[2]), "Basic");

    /* strn with embedded NUL and invalid UTF-8 is sanitized. */
    assert_int_equal(oa_step_add_strn(r, echo, OA_DETAIL_HTTP_STATUS_LINE,
                                      "HTTP/1.1 200\0\xff", 14), 0);
    d = oa_step_find_detail(echo, OA_DETAIL_HTTP_STATUS_LINE);
    assert_string_equal(oa_result_detail_str(r, d), "HTTP/1.1 200??");
    /* Long values are cut to OA_DETAIL_STR_MAX. */
    char big[2000];
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(oa_step_add_str(r, echo, OA_DETAIL_ERROR, big), 0);
    d = oa_step_find_detail(echo, OA_DETAIL_ERROR);
    assert_int_equal(strlen(oa_result_detail_str(r, d)), OA_DETAIL_STR_MAX - 1);

    assert_int_equal(oa_step_add_str(r, echo, OA_DETAIL_ERROR, NULL), -1);
    assert_int_equal(oa_step_add_str(NULL, echo, OA_DETAIL_ERROR, "x"), -1);
    assert_int_equal(oa_step_add_str(r, NULL, OA_DETAIL_ERROR, "x"), -1);
    assert_null(oa_step_find_detail(NULL, OA_DETAIL_ERROR));
    assert_null(oa_step_find_detail(echo, OA_DETAIL_BANNER));
    assert_null(oa_result_detail_str(NULL, d));
    assert_null(oa_result_detail_str(r, NULL));
    /* A forged detail pointing past the arena is refused. */
    struct oa_detail forged = *d;
    forged.off = OA_RESULT_ARENA - 2;
    forged.len = 100;
    assert_null(oa_result_detail_str(r, &forged));

    /* The detail table of a step fills up. */
    oa_result_reset(r, "t", 0);
    struct oa_step *st = oa_result_add_step(r, OA_STEP_DNS, NULL, 0);
    for (int i = 0; i < OA_STEP_MAX_DETAILS; i++)
        assert_int_equal(oa_step_add_str(r, st, OA_DETAIL_ADDRESSES, "192.0.2.1"), 0);
    assert_int_equal(oa_step_add_str(r, st, OA_DETAIL_ADDRESSES, "192.0.2.2"), -1);
    assert_int_equal(oa_step_add_int(r, st, OA_DETAIL_HTTP_STATUS, 1), -1);
    assert_int_equal(st->details_dropped, 2);

    /* The arena fills up. */
    oa_result_reset(r, "t", 0);
    memset(big, 'c', OA_DETAIL_STR_MAX + 10);
    big[OA_DETAIL_STR_MAX + 10] = '\0';
    size_t stored = 0, refused = 0;
    for (int s = 0; s < OA_RESULT_MAX_STEPS; s++) {
        st = oa_result_add_step(r, OA_STEP_BIND, "x", 1);
        for (int i = 0; i < 4; i++) {
            if (oa_step_add_str(r, st, OA_DETAIL_ERROR, big) == 0)
                stored++;
            else
                refused++;
        }
    }
    assert_true(refused > 0);
    assert_true(r->arena_used <= OA_RESULT_ARENA);
    assert_int_equal(stored, OA_RESULT_ARENA / OA_DETAIL_STR_MAX);
    oa_result_free(r);
}

static void test_diags(void **unused)
{
    (void)unused;
    struct oa_result *r = oa_result_new("mail.contoso.com", 0);
    assert_non_null(r);
    struct oa_diag *d = oa_result_add_diag(r, OA_DIAG_CERT_EXPIRING, OA_STEP_TLS,
                                           "mail.contoso.com", 443,
                                           "certificate expires in %d days", 12);
    assert_non_null(d);
    assert_int_equal(d->code, OA_DIAG_CERT_EXPIRING);
    assert_int_equal(d->severity, OA_STATE_WARNING);
    assert_int_equal(d->step, OA_STEP_TLS);
    assert_string_equal(d->server, "mail.contoso.com");
    assert_int_equal(d->port, 443);
    assert_string_equal(d->message, "certificate expires in 12 days");
    assert_string_equal(d->remedy, oa_diag_default_remedy(OA_DIAG_CERT_EXPIRING));
    assert_int_equal(oa_result_status(r), OA_STATE_WARNING);

    /* Same code/step/server/port: not added again, first message kept. */
    struct oa_diag *again = oa_result_add_diag(r, OA_DIAG_CERT_EXPIRING, OA_STEP_TLS,
                                               "MAIL.contoso.com", 443, "other");
    assert_ptr_equal(again, d);
    assert_int_equal(r->ndiags, 1);
    assert_string_equal(d->message, "certificate expires in 12 days");
    /* Another port is another diagnosis. */
    assert_non_null(oa_result_add_diag(r, OA_DIAG_CERT_EXPIRING, OA_STEP_TLS,
                                       "mail.contoso.com", 8443, "x"));
    assert_int_equal(r->ndiags, 2);

    assert_int_equal(oa_diag_set_remedy(d, "renew before %s", "2025-12-03"), 0);
    assert_string_equal(d->remedy, "renew before 2025-12-03");
    assert_int_equal(oa_diag_set_severity(d, OA_STATE_CRITICAL), 0);
    assert_int_equal(d->severity, OA_STATE_CRITICAL);
    assert_int_equal(oa_diag_set_severity(d, OA_STATE_SKIPPED), -1);
    assert_int_equal(oa_diag_set_severity(d, (enum oa_state)9), -1);
    assert_int_equal(oa_diag_set_severity(NULL, OA_STATE_OK), -1);
    assert_int_equal(oa_diag_set_remedy(NULL, "x"), -1);
    assert_int_equal(oa_diag_set_remedy(d, NULL), -1);
    assert_ptr_equal(oa_result_worst_diag(r), d);

    /* Long messages are cut and marked; invalid UTF-8 is replaced. */
    char big[3000];
    memset(big, 'm', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    struct oa_diag *l = oa_result_add_diag(r, OA_DIAG_PROTOCOL_ERROR, OA_STEP_TUNNEL,
                                           "EXCH01", 6001, "%s", big);
    assert_non_null(l);
    assert_int_equal(strlen(l->message), OA_MESSAGE_MAX - 1);
    assert_memory_equal(l->message + OA_MESSAGE_MAX - 4, "...", 3);
    struct oa_diag *u = oa_result_add_diag(r, OA_DIAG_ECHO_INVALID, OA_STEP_ECHO_AUTH,
                                           NULL, 0, "body \xfe\xff");
    assert_string_equal(u->message, "body ??");
    assert_string_equal(u->server, "");
    assert_int_equal(u->port, 0);

    /* Bad arguments. */
    assert_null(oa_result_add_diag(NULL, OA_DIAG_TIMEOUT, OA_STEP_DNS, NULL, 0, "x"));
    assert_null(oa_result_add_diag(r, OA_DIAG__COUNT, OA_STEP_DNS, NULL, 0, "x"));
    assert_null(oa_result_add_diag(r, OA_DIAG_TIMEOUT, OA_STEP__COUNT, NULL, 0, "x"));
    assert_null(oa_result_add_diag(r, OA_DIAG_TIMEOUT, (enum oa_step_kind)-1, NULL, 0, "x"));
    /* NULL fmt: refused (a message is required). */
    const char *nofmt = NULL;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-security"
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    assert_null(oa_result_add_diag(r, OA_DIAG_TIMEOUT, OA_STEP_DNS, NULL, 0, nofmt));
#pragma GCC diagnostic pop
    assert_null(oa_result_worst_diag(NULL));

    /* Full: dropped and counted. */
    oa_result_reset(r, "t", 0);
    assert_null(oa_result_worst_diag(r));
    for (int i = 0; i < OA_RESULT_MAX_DIAGS; i++)
        assert_non_null(oa_result_add_diag(r, OA_DIAG_TIMEOUT, OA_STEP_BIND, "s",
                                           (uint16_t)(i + 1), "t%d", i));
    assert_null(oa_result_add_diag(r, OA_DIAG_TIMEOUT, OA_STEP_BIND, "s", 999, "x"));
    assert_int_equal(r->diags_dropped, 1);
    /* ...but a duplicate of an existing one is still found. */
    assert_non_null(oa_result_add_diag(r, OA_DIAG_TIMEOUT, OA_STEP_BIND, "s", 1, "x"));
    assert_int_equal(r->diags_dropped, 1);
    oa_result_free(r);
}

static void test_worst_diag_order(void **unused)
{
    (void)unused;
    struct oa_result *r = oa_result_new("t", 0);
    assert_non_null(r);
    oa_result_add_diag(r, OA_DIAG_CERT_EXPIRING, OA_STEP_TLS, NULL, 0, "w");
    oa_result_add_diag(r, OA_DIAG_INTERNAL_ERROR, OA_STEP_NONE, NULL, 0, "u");
    assert_int_equal(oa_result_worst_diag(r)->code, OA_DIAG_INTERNAL_ERROR);
    oa_result_add_diag(r, OA_DIAG_TIMEOUT, OA_STEP_BIND, NULL, 0, "c1");
    oa_result_add_diag(r, OA_DIAG_PROTOCOL_ERROR, OA_STEP_BIND, NULL, 0, "c2");
    /* The first of the worst severity. */
    assert_int_equal(oa_result_worst_diag(r)->code, OA_DIAG_TIMEOUT);
    oa_result_free(r);
}

static void test_perf(void **unused)
{
    (void)unused;
    struct oa_result *r = oa_result_new("t", 0);
    assert_non_null(r);
    assert_int_equal(oa_result_add_perf(r, "cert_days", 12, 0, "", "30:", "7:", NULL, NULL), 0);
    assert_string_equal(r->perf[0].label, "cert_days");
    assert_int_equal(r->perf[0].value, 12);
    assert_string_equal(r->perf[0].warn, "30:");
    assert_string_equal(r->perf[0].crit, "7:");
    assert_string_equal(r->perf[0].min, "");
    /* Duplicate label. */
    assert_int_equal(oa_result_add_perf(r, "cert_days", 1, 0, NULL, NULL, NULL, NULL, NULL), -1);
    /* '=' and quote become '_'. */
    assert_int_equal(oa_result_add_perf(r, "a='b", 1, 3, "s", "~:10", "@1:2", "0", "-1.5"), 0);
    assert_string_equal(r->perf[1].label, "a__b");
    /* Validation. */
    static const struct {
        const char *label, *uom, *warn;
        unsigned dec;
    } bad[] = {
        {"", "s", NULL, 0},
        {"x", "KB", NULL, 0},
        {"x", "s", "1e3", 0},
        {"x", "s", "10;", 0},
        {"x", "s", "12345678901234567890123456", 0},
        {"x", "s", NULL, 10},
        {"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "s", NULL, 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(oa_result_add_perf(r, bad[i].label, 1, bad[i].dec, bad[i].uom,
                                            bad[i].warn, NULL, NULL, NULL), -1);
    assert_int_equal(oa_result_add_perf(r, NULL, 1, 0, NULL, NULL, NULL, NULL, NULL), -1);
    assert_int_equal(oa_result_add_perf(NULL, "x", 1, 0, NULL, NULL, NULL, NULL, NULL), -1);
    assert_int_equal(oa_result_add_perf(r, "x", 1, 0, NULL, NULL, "a", NULL, NULL), -1);
    assert_int_equal(oa_result_add_perf(r, "x", 1, 0, NULL, NULL, NULL, "a", NULL), -1);
    assert_int_equal(oa_result_add_perf(r, "x", 1, 0, NULL, NULL, NULL, NULL, "a"), -1);
    assert_int_equal(r->nperf, 2);
    /* Full. */
    for (int i = 2; i < OA_RESULT_MAX_PERF; i++) {
        char lab[16];
        snprintf(lab, sizeof lab, "p%d", i);
        assert_int_equal(oa_result_add_perf(r, lab, i, 0, NULL, NULL, NULL, NULL, NULL), 0);
    }
    assert_int_equal(oa_result_add_perf(r, "more", 1, 0, NULL, NULL, NULL, NULL, NULL), -1);
    assert_int_equal(r->perf_dropped, 1);
    oa_result_free(r);
}

static void test_status(void **unused)
{
    (void)unused;
    enum { K = OA_STATE_OK, W = OA_STATE_WARNING, C = OA_STATE_CRITICAL,
           U = OA_STATE_UNKNOWN, S = OA_STATE_SKIPPED, N = -1 };
    static const struct {
        int steps[4];
        int diag_sev[3];
        int want;
    } t[] = {
        {{N}, {N}, U},                     /* nothing at all */
        {{K, N}, {N}, K},
        {{K, K, S, N}, {N}, K},
        {{S, S, N}, {N}, U},               /* only skipped steps */
        {{S, N}, {C, N}, C},
        {{K, W, N}, {N}, W},
        {{K, K, N}, {W, N}, W},            /* a warning diagnosis alone */
        {{K, U, N}, {W, N}, U},            /* unknown ranks above warning */
        {{K, C, N}, {U, N}, C},
        {{N}, {U, W, N}, U},
        {{K, K, K, K}, {C, W, U}, C},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct oa_result *r = oa_result_new("t", 0);
        assert_non_null(r);
        for (int j = 0; j < 4 && t[i].steps[j] != N; j++) {
            struct oa_step *st = oa_result_add_step(r, OA_STEP_TCP, NULL, (uint16_t)j);
            oa_step_finish(st, (enum oa_state)t[i].steps[j], 1);
        }
        for (int j = 0; j < 3 && t[i].diag_sev[j] != N; j++) {
            struct oa_diag *d = oa_result_add_diag(r, OA_DIAG_TIMEOUT, OA_STEP_TCP, NULL,
                                                   (uint16_t)j, "x");
            assert_int_equal(oa_diag_set_severity(d, (enum oa_state)t[i].diag_sev[j]), 0);
        }
        assert_int_equal(oa_result_status(r), t[i].want);
        oa_result_free(r);
    }
    assert_int_equal(oa_result_status(NULL), OA_STATE_UNKNOWN);
}

/* ---- the compact form (oa_result_dup) ------------------------------------ */

static void assert_same(const struct oa_result *a, const struct oa_result *b)
{
    assert_string_equal(a->target, b->target);
    assert_int_equal(a->started_at_ms, b->started_at_ms);
    assert_int_equal(a->duration_us, b->duration_us);
    assert_int_equal(a->nsteps, b->nsteps);
    assert_int_equal(a->steps_dropped, b->steps_dropped);
    assert_int_equal(a->ndiags, b->ndiags);
    assert_int_equal(a->nperf, b->nperf);
    for (size_t i = 0; i < a->nsteps; i++) {
        const struct oa_step *x = &a->steps[i], *y = &b->steps[i];
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->status, y->status);
        assert_int_equal(x->duration_us, y->duration_us);
        assert_string_equal(x->server, y->server);
        assert_int_equal(x->port, y->port);
        assert_int_equal(x->ndetails, y->ndetails);
        assert_int_equal(x->details_dropped, y->details_dropped);
        for (size_t j = 0; j < x->ndetails; j++) {
            assert_int_equal(x->details[j].key, y->details[j].key);
            assert_int_equal(x->details[j].type, y->details[j].type);
            if (x->details[j].type != OA_DT_STR && x->details[j].type != OA_DT_STRLIST)
                assert_int_equal(x->details[j].i, y->details[j].i);
            const char *sx = oa_result_detail_str(a, &x->details[j]);
            const char *sy = oa_result_detail_str(b, &y->details[j]);
            if (sx == NULL)
                assert_null(sy);
            else
                assert_string_equal(sx, sy);
        }
    }
    for (size_t i = 0; i < a->ndiags; i++) {
        assert_int_equal(a->diags[i].code, b->diags[i].code);
        assert_int_equal(a->diags[i].severity, b->diags[i].severity);
        assert_string_equal(a->diags[i].server, b->diags[i].server);
        assert_string_equal(a->diags[i].message, b->diags[i].message);
        assert_string_equal(a->diags[i].remedy, b->diags[i].remedy);
    }
    for (size_t i = 0; i < a->nperf; i++) {
        const struct oa_perf *x = &a->perf[i], *y = &b->perf[i];
        assert_string_equal(x->label, y->label);
        assert_int_equal(x->value, y->value);
        assert_int_equal(x->decimals, y->decimals);
        assert_string_equal(x->uom, y->uom);
        assert_string_equal(x->warn, y->warn);
        assert_string_equal(x->crit, y->crit);
        assert_string_equal(x->min, y->min);
        assert_string_equal(x->max, y->max);
    }
    assert_int_equal(oa_result_status(a), oa_result_status(b));
}

static void test_dup_compact(void **unused)
{
    (void)unused;
    assert_null(oa_result_dup(NULL));
    assert_int_equal(oa_result_mem_bytes(NULL), 0);
    struct oa_result *r = oa_result_new("mail.contoso.lab", 1700000000000);
    assert_non_null(r);
    assert_false(r->compact);
    oa_result_set_duration(r, 4242);
    struct oa_step *dns = oa_result_add_step(r, OA_STEP_DNS, NULL, 0);
    oa_step_add_str(r, dns, OA_DETAIL_ADDRESSES, "192.0.2.10");
    oa_step_add_str(r, dns, OA_DETAIL_ADDRESSES, "2001:db8::10");
    oa_step_finish(dns, OA_STATE_OK, 100);
    struct oa_step *tun = oa_result_add_step(r, OA_STEP_TUNNEL, "EXCH01", 6001);
    oa_step_add_int(r, tun, OA_DETAIL_HTTP_STATUS, 200);
    oa_step_add_bool(r, tun, OA_DETAIL_EXPECT_100_CONTINUE, 1);
    oa_step_add_str(r, tun, OA_DETAIL_URL, "https://mail.contoso.lab/rpc/rpcproxy.dll?EXCH01:6001");
    oa_step_finish(tun, OA_STATE_CRITICAL, 200);
    struct oa_step *empty = oa_result_add_step(r, OA_STEP_BIND, "EXCH01", 6001);
    (void)empty;
    struct oa_diag *d = oa_result_add_diag(r, OA_DIAG_BACKEND_UNREACHABLE, OA_STEP_TUNNEL,
                                           "EXCH01", 6001, "RPC error 0x%x", 0x6ba);
    assert_non_null(d);
    assert_int_equal(oa_diag_set_remedy(d, "check %s", "the backend"), 0);
    assert_non_null(oa_result_add_diag(r, OA_DIAG_CERT_EXPIRING, OA_STEP_TLS, NULL, 0, "soon"));
    assert_int_equal(oa_result_add_perf(r, "tunnels_ok", 5, 0, "", NULL, NULL, "0", "6"), 0);

    struct oa_result *c = oa_result_dup(r);
    assert_non_null(c);
    assert_true(c->compact);
    assert_same(r, c);
    assert_true(oa_result_mem_bytes(c) < oa_result_mem_bytes(r));
    assert_true(oa_result_mem_bytes(r) >= 100 * 1024);
    assert_true(oa_result_mem_bytes(c) < 2048);
    assert_string_equal(c->steps[2].server, "EXCH01");
    assert_int_equal(c->steps[2].ndetails, 0);

    /* a copy of the copy is the same, and as small */
    struct oa_result *c2 = oa_result_dup(c);
    assert_non_null(c2);
    assert_same(r, c2);
    assert_int_equal(oa_result_mem_bytes(c2), oa_result_mem_bytes(c));

    /* nothing can be added to a compact result; statuses can still change */
    assert_null(oa_result_add_step(c, OA_STEP_DNS, NULL, 0));
    assert_int_equal(c->steps_dropped, 0);
    assert_int_equal(oa_step_add_int(c, &c->steps[1], OA_DETAIL_HTTP_STATUS, 500), -1);
    assert_int_equal(oa_step_add_str(c, &c->steps[0], OA_DETAIL_ADDRESSES, "x"), -1);
    assert_int_equal(c->steps[1].details[0].i, 200);
    assert_null(oa_result_add_diag(c, OA_DIAG_DNS_FAILED, OA_STEP_DNS, NULL, 0, "x"));
    assert_int_equal(oa_diag_set_remedy(&c->diags[0], "longer remedy %d", 1), -1);
    assert_int_equal(oa_result_add_perf(c, "binds_ok", 1, 0, "", NULL, NULL, NULL, NULL), -1);
    assert_int_equal(oa_result_reset(c, "x", 0), -1);
    assert_int_equal(oa_step_raise(&c->steps[0], OA_STATE_WARNING), 0);
    assert_int_equal(oa_diag_set_severity(&c->diags[1], OA_STATE_CRITICAL), 0);
    assert_int_equal(oa_result_status(c), OA_STATE_CRITICAL);

    /* an empty result */
    struct oa_result *e = oa_result_new("", 0);
    struct oa_result *ec = oa_result_dup(e);
    assert_non_null(ec);
    assert_string_equal(ec->target, "");
    assert_int_equal(ec->nsteps, 0);
    assert_int_equal(oa_result_status(ec), OA_STATE_UNKNOWN);
    oa_result_free(ec);
    oa_result_free(e);
    oa_result_free(c2);
    oa_result_free(c);
    oa_result_free(r);
}

/* The worst case: every table full, every string at its cap. Prints the
 * figure (docs/internals/result-model.md). */
static void test_dup_full(void **unused)
{
    (void)unused;
    char big[1024];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    struct oa_result *r = oa_result_new(big, 0);
    char v[1100]; /* every string distinct: nothing is shared */
    for (size_t i = 0; i < OA_RESULT_MAX_STEPS + 2; i++) {
        snprintf(v, sizeof v, "s%zu-%s", i, big);
        struct oa_step *st = oa_result_add_step(r, OA_STEP_TUNNEL, v, (uint16_t)i);
        for (size_t j = 0; st != NULL && j < OA_STEP_MAX_DETAILS + 2; j++) {
            snprintf(v, sizeof v, "d%zu-%zu-%s", i, j, big);
            oa_step_add_str(r, st, OA_DETAIL_ADDRESSES, v);
        }
    }
    for (size_t i = 0; i < OA_RESULT_MAX_DIAGS + 2; i++) {
        snprintf(v, sizeof v, "g%zu-%s", i, big);
        struct oa_diag *d = oa_result_add_diag(r, OA_DIAG_TIMEOUT, OA_STEP_TUNNEL, v,
                                               (uint16_t)i, "m%s", v);
        if (d != NULL)
            oa_diag_set_remedy(d, "r%s", v);
    }
    for (size_t i = 0; i < OA_RESULT_MAX_PERF + 2; i++) {
        char label[16];
        snprintf(label, sizeof label, "p%zu", i);
        oa_result_add_perf(r, label, 1, 0, "", "1:2", "1:3", "0", "9");
    }
    assert_int_equal(r->nsteps, OA_RESULT_MAX_STEPS);
    assert_int_equal(r->ndiags, OA_RESULT_MAX_DIAGS);
    assert_int_equal(r->nperf, OA_RESULT_MAX_PERF);
    struct oa_result *c = oa_result_dup(r);
    assert_non_null(c);
    assert_same(r, c);
    assert_true(oa_result_mem_bytes(c) <= oa_result_mem_bytes(r));
    printf("result bytes: built %zu, compact of a full result %zu\n", oa_result_mem_bytes(r),
           oa_result_mem_bytes(c));
    oa_result_free(c);
    oa_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_names),
        cmocka_unit_test(test_state_worst),
        cmocka_unit_test(test_diag_table),
        cmocka_unit_test(test_text_copy),
        cmocka_unit_test(test_text_format),
        cmocka_unit_test(test_text_utf8_len_and_casecmp),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_time_civil),
        cmocka_unit_test(test_time_days_left),
        cmocka_unit_test(test_result_lifecycle),
        cmocka_unit_test(test_step_kinds),
        cmocka_unit_test(test_steps),
        cmocka_unit_test(test_details),
        cmocka_unit_test(test_diags),
        cmocka_unit_test(test_worst_diag_order),
        cmocka_unit_test(test_perf),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_dup_compact),
        cmocka_unit_test(test_dup_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
