/*
 * test_tls_cert.c: certificate facts (names, SANs, dates, host match) and
 * the PEM/DER chain readers, with every error path; the CA-file store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "certgen.h"
#include "probes/common/wire.h"
#include "probes/tls/tls_cert.h"
#include "probes/tls/tls_report.h"
#include "probes/tls/tls_verdict.h"

#define NOW 1767225600LL
#define DAY 86400LL

static EVP_PKEY *key;
static X509 *ca, *leaf, *many_san, *utf8, *nosubj;

static int setup(void **unused)
{
    (void)unused;
    key = cg_key();
    struct cg_spec s = {"Unit CA", "Unit", key, NULL, NULL, NOW - DAY, NOW + 3650 * DAY, 1,
                        NULL, NULL, 1};
    ca = cg_cert(&s);
    struct cg_spec l = {"mail.contoso.com", "Contoso", key, ca, key, NOW - DAY,
                        NOW + 30 * DAY, 0,
                        "DNS:mail.contoso.com,email:admin@contoso.com,IP:192.0.2.7,"
                        "URI:https://contoso.com/,DNS:legacy.contoso.com",
                        NULL, 2};
    leaf = cg_cert(&l);
    char san[4096] = "";
    for (int i = 0; i < 40; i++)
        snprintf(san + strlen(san), sizeof san - strlen(san), "%sDNS:host%d.contoso.com",
                 i ? "," : "", i);
    struct cg_spec m = {"many.contoso.com", NULL, key, ca, key, NOW - DAY, NOW + DAY, 0, san,
                        NULL, 3};
    many_san = cg_cert(&m);
    struct cg_spec u = {"courrier.société.fr", "Société Générale d'Exemple", key, ca, key,
                        NOW - DAY, NOW + DAY, 0, NULL, NULL, 4};
    utf8 = cg_cert(&u);
    struct cg_spec n = {NULL, NULL, key, ca, key, NOW - DAY, NOW + DAY, 0,
                        "DNS:only.contoso.com", NULL, 5};
    nosubj = cg_cert(&n);
    return ca && leaf && many_san && utf8 && nosubj ? 0 : -1;
}

static int teardown(void **unused)
{
    (void)unused;
    X509_free(ca);
    X509_free(leaf);
    X509_free(many_san);
    X509_free(utf8);
    X509_free(nosubj);
    EVP_PKEY_free(key);
    return 0;
}

static void test_summary(void **unused)
{
    (void)unused;
    struct tls_cert_summary s;
    assert_int_equal(tls_cert_summarize(leaf, &s), 0);
    assert_string_equal(s.subject, "CN=mail.contoso.com,O=Contoso");
    assert_string_equal(s.issuer, "CN=Unit CA,O=Unit");
    assert_string_equal(s.common_name, "mail.contoso.com");
    /* DNS and IP entries, in order; email and URI are not host names. */
    assert_int_equal(s.san_count, 3);
    assert_int_equal(s.san_total, 3);
    assert_int_equal(s.san_dns, 2);
    assert_string_equal(s.san[0], "mail.contoso.com");
    assert_string_equal(s.san[1], "192.0.2.7");
    assert_string_equal(s.san[2], "legacy.contoso.com");
    assert_int_equal(s.dates_ok, 1);
    assert_int_equal(s.not_before, NOW - DAY);
    assert_int_equal(s.not_after, NOW + 30 * DAY);
    assert_int_equal(s.self_issued, 0);
    assert_int_equal(s.is_ca, 0);

    assert_int_equal(tls_cert_summarize(ca, &s), 0);
    assert_int_equal(s.self_issued, 1);
    assert_int_equal(s.is_ca, 1);
    assert_int_equal(s.san_count, 0);

    /* More SANs than kept: counted. */
    assert_int_equal(tls_cert_summarize(many_san, &s), 0);
    assert_int_equal(s.san_count, TLS_SAN_MAX);
    assert_int_equal(s.san_total, 40);
    assert_string_equal(s.san[31], "host31.contoso.com");

    /* UTF-8 is kept readable, not \-escaped. */
    assert_int_equal(tls_cert_summarize(utf8, &s), 0);
    assert_string_equal(s.common_name, "courrier.société.fr");
    assert_string_equal(s.subject, "CN=courrier.société.fr,O=Société Générale d'Exemple");

    /* No subject at all. */
    assert_int_equal(tls_cert_summarize(nosubj, &s), 0);
    assert_string_equal(s.subject, "");
    assert_string_equal(s.common_name, "");
    assert_int_equal(s.san_count, 1);

    assert_int_equal(tls_cert_summarize(NULL, &s), -1);
    assert_int_equal(tls_cert_summarize(leaf, NULL), -1);
    char buf[8] = "x";
    tls_cert_name_text(NULL, buf, sizeof buf);
    assert_string_equal(buf, "");
    tls_cert_name_text(X509_get_subject_name(leaf), NULL, 10); /* no crash */
    tls_cert_name_text(X509_get_subject_name(leaf), buf, sizeof buf);
    assert_string_equal(buf, "CN=m...");
}

static void test_time(void **unused)
{
    (void)unused;
    static const struct {
        const char *text;
        int ok;
        int64_t want;
    } t[] = {
        {"260101000000Z", 1, NOW},           /* UTCTime */
        {"20260101000000Z", 1, NOW},         /* GeneralizedTime */
        {"491231235959Z", 1, 2524607999LL},  /* UTCTime 2049 */
        {"500101000000Z", 1, -631152000LL},  /* UTCTime 1950 */
        {"99991231235959Z", 1, 253402300799LL},
        {"20261301000000Z", 0, 0},           /* month 13 */
        {"garbage", 0, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        ASN1_TIME *a = ASN1_TIME_new();
        int set = ASN1_TIME_set_string(a, t[i].text);
        int64_t v = 0;
        int rc = set == 1 ? tls_cert_time(a, &v) : -1;
        assert_int_equal(rc, t[i].ok ? 0 : -1);
        if (t[i].ok)
            assert_int_equal(v, t[i].want);
        ASN1_TIME_free(a);
    }
    int64_t v;
    assert_int_equal(tls_cert_time(NULL, &v), -1);
    ASN1_TIME *a = ASN1_TIME_new();
    ASN1_TIME_set(a, 0);
    assert_int_equal(tls_cert_time(a, NULL), -1);
    ASN1_TIME_free(a);
}

static void test_match(void **unused)
{
    (void)unused;
    static const struct {
        X509 **cert;
        const char *host;
        enum tls_name_match want;
        const char *matched;
    } t[] = {
        {&leaf, "mail.contoso.com", TLS_NAME_SAN, "mail.contoso.com"},
        {&leaf, "MAIL.Contoso.COM", TLS_NAME_SAN, "mail.contoso.com"},
        {&leaf, "legacy.contoso.com.", TLS_NAME_SAN, "legacy.contoso.com"},
        {&leaf, "192.0.2.7", TLS_NAME_SAN, "192.0.2.7"},
        {&leaf, "192.0.2.8", TLS_NAME_MISMATCH, ""},
        {&leaf, "::1", TLS_NAME_MISMATCH, ""},
        {&leaf, "autodiscover.contoso.com", TLS_NAME_MISMATCH, ""},
        {&leaf, "contoso.com", TLS_NAME_MISMATCH, ""},
        {&leaf, ".", TLS_NAME_MISMATCH, ""},
        {&leaf, "", TLS_NAME_NOT_CHECKED, ""},
        {&leaf, NULL, TLS_NAME_NOT_CHECKED, ""},
        /* byte-wise UTF-8 CN match, no SAN */
        {&utf8, "courrier.société.fr", TLS_NAME_CN, "courrier.société.fr"},
        {&nosubj, "only.contoso.com", TLS_NAME_SAN, "only.contoso.com"},
        {&ca, "unit.example", TLS_NAME_MISMATCH, ""},
        {&ca, "Unit CA", TLS_NAME_CN, "Unit CA"}, /* no syntax check of host */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char m[TLS_NAME_MAX] = "junk";
        enum tls_name_match got = tls_cert_match_host(*t[i].cert, t[i].host, m, sizeof m);
        if (got != t[i].want)
            fail_msg("case %zu (%s): %s, want %s", i, t[i].host ? t[i].host : "NULL",
                     tls_name_match_name(got), tls_name_match_name(t[i].want));
        assert_string_equal(m, t[i].matched);
    }
    /* A host longer than any name. */
    char longh[400];
    memset(longh, 'a', sizeof longh - 1);
    longh[sizeof longh - 1] = '\0';
    assert_int_equal(tls_cert_match_host(leaf, longh, NULL, 0), TLS_NAME_MISMATCH);
    assert_int_equal(tls_cert_match_host(NULL, "x", NULL, 0), TLS_NAME_NOT_CHECKED);
    assert_int_equal(tls_cert_match_host(leaf, "mail.contoso.com", NULL, 0), TLS_NAME_SAN);
    assert_string_equal(tls_name_match_name(TLS_NAME_CN), "cn");
    assert_string_equal(tls_name_match_name((enum tls_name_match)42), "not_checked");
}

static void test_pem(void **unused)
{
    (void)unused;
    static char pem[4 * 8192];
    size_t a = cg_pem(leaf, pem, sizeof pem);
    assert_true(a > 0);
    /* Text around and between blocks is skipped. */
    const char *between = "subject=CN = Unit CA\nissuer=CN = Unit CA\n";
    memmove(pem + 12, pem, a);
    memcpy(pem, "Cert chain:\n", 12);
    a += 12;
    memcpy(pem + a, between, strlen(between));
    a += strlen(between);
    a += cg_pem(ca, pem + a, sizeof pem - a);

    STACK_OF(X509) *sk = NULL;
    const char *why = NULL;
    assert_int_equal(tls_chain_from_pem(pem, a, &sk, &why), 2);
    assert_int_equal(X509_cmp(sk_X509_value(sk, 0), leaf), 0);
    assert_int_equal(X509_cmp(sk_X509_value(sk, 1), ca), 0);
    tls_chain_free(sk);

    /* Every truncation inside the first block: invalid, never a crash. A
     * cut before the first "-----BEGIN" leaves no block at all. */
    size_t first_end = strstr(pem, "-----END CERTIFICATE-----") - pem;
    for (size_t cut = 0; cut < first_end; cut += 7) {
        sk = (STACK_OF(X509) *)1;
        int rc = tls_chain_from_pem(pem, cut, &sk, &why);
        assert_int_equal(rc, WIRE_INVALID);
        assert_null(sk);
        assert_non_null(why);
    }
    /* A corrupted base64 body. */
    static char bad[8192];
    size_t b = cg_pem(leaf, bad, sizeof bad);
    bad[40] = '*';
    bad[41] = '*';
    assert_int_equal(tls_chain_from_pem(bad, b, &sk, &why), WIRE_INVALID);
    assert_string_equal(why, "a CERTIFICATE block is not valid base64 DER");
    /* Valid base64 that is not a certificate. */
    const char *notcert = "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n";
    assert_int_equal(tls_chain_from_pem(notcert, strlen(notcert), &sk, &why), WIRE_INVALID);
    /* No block at all. */
    assert_int_equal(tls_chain_from_pem("hello", 5, &sk, &why), WIRE_INVALID);
    assert_string_equal(why, "no CERTIFICATE block in the PEM input");
    assert_int_equal(tls_chain_from_pem("", 0, &sk, &why), WIRE_INVALID);
    /* Too many certificates. */
    static char many[20 * 1200];
    size_t m = 0, one = cg_pem(ca, pem, sizeof pem);
    for (int i = 0; i < TLS_CHAIN_MAX + 1; i++) {
        memcpy(many + m, pem, one);
        m += one;
    }
    assert_int_equal(tls_chain_from_pem(many, m, &sk, &why), WIRE_TOOBIG);
    assert_null(sk);
    assert_int_equal(tls_chain_from_pem(many, m - one, &sk, &why), TLS_CHAIN_MAX);
    tls_chain_free(sk);
    /* Over the input cap. */
    assert_int_equal(tls_chain_from_pem(pem, TLS_INPUT_MAX + 1, &sk, &why), WIRE_TOOBIG);
    /* NULL arguments. */
    assert_int_equal(tls_chain_from_pem(NULL, 3, &sk, &why), WIRE_INVALID);
    assert_int_equal(tls_chain_from_pem(pem, one, NULL, &why), WIRE_INVALID);
    assert_int_equal(tls_chain_from_pem(pem, one, &sk, NULL), 1);
    tls_chain_free(sk);
    tls_chain_free(NULL);
}

static void test_der(void **unused)
{
    (void)unused;
    static unsigned char der[8192];
    size_t a = cg_der(leaf, der, sizeof der);
    size_t b = cg_der(ca, der + a, sizeof der - a);
    assert_true(a > 0 && b > 0);
    STACK_OF(X509) *sk = NULL;
    const char *why = NULL;
    assert_int_equal(tls_chain_from_der(der, a + b, &sk, &why), 2);
    assert_int_equal(X509_cmp(sk_X509_value(sk, 1), ca), 0);
    tls_chain_free(sk);
    /* Truncated at every offset: invalid (0 is "empty"). */
    for (size_t cut = 1; cut < a; cut++) {
        sk = (STACK_OF(X509) *)1;
        assert_int_equal(tls_chain_from_der(der, cut, &sk, &why), WIRE_INVALID);
        assert_null(sk);
    }
    /* Cut inside the second certificate. */
    for (size_t cut = a + 1; cut < a + b; cut += 13)
        assert_int_equal(tls_chain_from_der(der, cut, &sk, &why), WIRE_INVALID);
    assert_string_equal(why, "bytes that are not a DER certificate");
    /* Trailing garbage. */
    der[a + b] = 0x00;
    assert_int_equal(tls_chain_from_der(der, a + b + 1, &sk, &why), WIRE_INVALID);
    assert_int_equal(tls_chain_from_der(der, 0, &sk, &why), WIRE_INVALID);
    assert_string_equal(why, "empty DER input");
    /* Too many. */
    static unsigned char many[20 * 1000];
    size_t m = 0;
    for (int i = 0; i < TLS_CHAIN_MAX + 1; i++)
        m += cg_der(ca, many + m, sizeof many - m);
    assert_int_equal(tls_chain_from_der(many, m, &sk, &why), WIRE_TOOBIG);
    assert_string_equal(why, "more than 16 certificates");
    assert_int_equal(tls_chain_from_der(der, TLS_INPUT_MAX + 1, &sk, &why), WIRE_TOOBIG);
    assert_int_equal(tls_chain_from_der(NULL, 1, &sk, &why), WIRE_INVALID);
    assert_int_equal(tls_chain_from_der(der, a, NULL, &why), WIRE_INVALID);
    assert_int_equal(tls_chain_from_der(der, a, &sk, NULL), 1);
    tls_chain_free(sk);
}

static void test_store_file(void **unused)
{
    (void)unused;
    char path[] = "/tmp/oaprobe-test-ca-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static char pem[8192];
    size_t n = cg_pem(ca, pem, sizeof pem);
    assert_int_equal(write(fd, pem, n), (ssize_t)n);
    close(fd);

    const char *why = NULL;
    X509_STORE *s = tls_store_from_file(path, &why);
    assert_non_null(s);
    STACK_OF(X509) *sk = cg_stack(1, leaf, NULL, NULL);
    struct tls_verdict_params p = {.chain = sk, .store = s, .handshake_verify = -1,
                                   .host = "mail.contoso.com", .now = NOW, .warn_days = 7};
    struct tls_verdict v;
    assert_int_equal(tls_verdict_compute(&p, &v, &why), 0);
    assert_int_equal(v.trust, TLS_TRUST_OK);
    X509_STORE_free(s);

    /* the system store is OpenSSL's default CA file (SSL_CERT_FILE here),
     * every certificate loaded at once */
    assert_int_equal(setenv("SSL_CERT_FILE", path, 1), 0);
    s = tls_store_from_file(NULL, &why);
    assert_non_null(s);
    assert_int_equal(sk_X509_OBJECT_num(X509_STORE_get0_objects(s)), 1);
    p.store = s;
    assert_int_equal(tls_verdict_compute(&p, &v, &why), 0);
    assert_int_equal(v.trust, TLS_TRUST_OK);
    X509_STORE_free(s);
    /* no such file: the default paths (the hashed directory), still a store */
    assert_int_equal(setenv("SSL_CERT_FILE", "/nonexistent/ca.pem", 1), 0);
    s = tls_store_from_file(NULL, &why);
    assert_non_null(s);
    X509_STORE_free(s);
    assert_int_equal(unsetenv("SSL_CERT_FILE"), 0);
    sk_X509_free(sk);
    unlink(path);

    assert_null(tls_store_from_file(path, &why)); /* gone */
    assert_non_null(why);
    assert_null(tls_store_from_file("/nonexistent/ca.pem", NULL));
    s = tls_store_from_file(NULL, &why); /* the system store */
    assert_non_null(s);
    X509_STORE_free(s);
}

/* The caller's entries on OpenSSL's error queue survive our calls, and
 * ours do not leak out (libcurl reads the queue after its own calls). */
static void test_error_queue(void **unused)
{
    (void)unused;
    ERR_clear_error();
    ERR_raise(ERR_LIB_USER, 42);
    STACK_OF(X509) *sk = NULL;
    static const char badpem[] = "-----BEGIN CERTIFICATE-----\n!!\n"
                                 "-----END CERTIFICATE-----\n";
    assert_int_equal(tls_chain_from_pem(badpem, strlen(badpem), &sk, NULL), WIRE_INVALID);
    static const unsigned char junk[] = {0x30, 0x82, 0xff, 0xff, 0x01};
    assert_int_equal(tls_chain_from_der(junk, sizeof junk, &sk, NULL), WIRE_INVALID);
    ASN1_TIME *a = ASN1_TIME_new();
    int64_t v;
    assert_int_equal(tls_cert_time(a, &v), -1); /* empty time */
    ASN1_TIME_free(a);
    struct tls_cert_summary s;
    tls_cert_summarize(leaf, &s);
    tls_cert_match_host(leaf, "x.example", NULL, 0);
    struct tls_verdict vd;
    STACK_OF(X509) *one = cg_stack(1, leaf, NULL, NULL);
    X509_STORE *st = X509_STORE_new();
    struct tls_verdict_params p = {.chain = one, .store = st, .handshake_verify = -1,
                                   .host = "mail.contoso.com", .now = NOW};
    assert_int_equal(tls_verdict_compute(&p, &vd, NULL), 0);
    assert_int_equal(vd.trust, TLS_TRUST_CHAIN_INCOMPLETE);
    assert_null(tls_store_from_file("/nonexistent/ca.pem", NULL));
    X509_STORE_free(st);
    sk_X509_free(one);
    unsigned long e = ERR_get_error();
    assert_int_equal(ERR_GET_LIB(e), ERR_LIB_USER);
    assert_int_equal(ERR_GET_REASON(e), 42);
    assert_int_equal(ERR_get_error(), 0);
}

/* A certificate with 40 names records the first 16 as cert_san details
 * plus the true count, and leaves room for the details after them. */
static void test_report_many_sans(void **unused)
{
    (void)unused;
    struct tls_verdict v;
    memset(&v, 0, sizeof v);
    assert_int_equal(tls_cert_summarize(many_san, &v.leaf), 0);
    v.earliest_depth = -1;
    struct oa_result *r = oa_result_new("many.contoso.com", 0);
    assert_non_null(r);
    struct oa_step *st = oa_result_add_step(r, OA_STEP_TLS, "many.contoso.com", 443);
    assert_non_null(st);
    tls_report_verdict(&v, r, st);
    size_t sans = 0;
    for (size_t i = 0; i < st->ndetails; i++)
        if (st->details[i].key == OA_DETAIL_CERT_SAN)
            sans++;
    assert_int_equal(sans, 16);
    const struct oa_detail *d = oa_step_find_detail(st, OA_DETAIL_CERT_SAN_COUNT);
    assert_non_null(d);
    assert_int_equal(d->i, 40);
    assert_non_null(oa_step_find_detail(st, OA_DETAIL_TRUST));
    assert_int_equal(st->details_dropped, 0);
    oa_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary),  cmocka_unit_test(test_time),
        cmocka_unit_test(test_report_many_sans),
        cmocka_unit_test(test_match),    cmocka_unit_test(test_pem),
        cmocka_unit_test(test_der),      cmocka_unit_test(test_store_file),
        cmocka_unit_test(test_error_queue),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
