/*
 * test_tls_verdict.c: certificate verdicts on chains generated in the test
 * (healthy, expired, expiring, wrong name, self-signed, CN-only, missing
 * intermediate, untrusted root, wrong intermediate, expired/expiring
 * intermediate, expired trust anchor, wrong purpose...), both with a trust
 * store and from a handshake verify code, and their report into a result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/x509_vfy.h>

#include "certgen.h"
#include "probes/result/result.h"
#include "probes/tls/tls_report.h"
#include "probes/tls/tls_verdict.h"

#define NOW 1767225600LL /* 2026-01-01T00:00:00Z */
#define DAY 86400LL
#define YEAR (365 * DAY)
#define HOST "mail.contoso.com"

static EVP_PKEY *k_root, *k_int, *k_leaf, *k_oroot, *k_oint, *k_old;
static X509 *root, *inter, *inter_expired, *inter_soon;
static X509 *oroot, *oint, *old_root, *old_int;
static X509 *leaf_ok, *leaf_expired, *leaf_expiring, *leaf_wrong, *leaf_self,
    *leaf_cn_only, *leaf_cn_not_san, *leaf_wild, *leaf_other, *leaf_priv,
    *leaf_future, *leaf_ip, *leaf_client, *leaf_old, *leaf_self_expired, *leaf_1day,
    *leaf_just_expired, *leaf_future_exact;

static X509 *mk(const char *cn, const char *org, EVP_PKEY *key, X509 *iss, EVP_PKEY *ikey,
                int64_t nb, int64_t na, int ca, const char *san, const char *eku)
{
    static long serial = 100;
    struct cg_spec s = {cn, org, key, iss, ikey, nb, na, ca, san, eku, serial++};
    X509 *x = cg_cert(&s);
    if (x == NULL)
        fail_msg("cannot make certificate %s", cn);
    return x;
}

static int setup(void **unused)
{
    (void)unused;
    k_root = cg_key();
    k_int = cg_key();
    k_leaf = cg_key();
    k_oroot = cg_key();
    k_oint = cg_key();
    k_old = cg_key();
    const char *san = "DNS:mail.contoso.com,DNS:autodiscover.contoso.com";
    root = mk("Test Root CA", "Test", k_root, NULL, NULL, NOW - 10 * YEAR, NOW + 10 * YEAR,
              1, NULL, NULL);
    inter = mk("Test Issuing CA 1", "Test", k_int, root, k_root, NOW - 5 * YEAR,
               NOW + 5 * YEAR, 1, NULL, NULL);
    inter_expired = mk("Test Issuing CA 1", "Test", k_int, root, k_root, NOW - 5 * YEAR,
                       NOW - DAY, 1, NULL, NULL);
    inter_soon = mk("Test Issuing CA 1", "Test", k_int, root, k_root, NOW - 5 * YEAR,
                    NOW + 3 * DAY + 3600, 1, NULL, NULL);
    oroot = mk("Other Root CA", "Other", k_oroot, NULL, NULL, NOW - 10 * YEAR,
               NOW + 10 * YEAR, 1, NULL, NULL);
    oint = mk("Other Issuing CA", "Other", k_oint, oroot, k_oroot, NOW - 5 * YEAR,
              NOW + 5 * YEAR, 1, NULL, NULL);
    old_root = mk("Old Root CA", "Old", k_old, NULL, NULL, NOW - 20 * YEAR, NOW - DAY, 1,
                  NULL, NULL);
    old_int = mk("Old Issuing CA", "Old", k_int, old_root, k_old, NOW - 5 * YEAR,
                 NOW + 5 * YEAR, 1, NULL, NULL);

    leaf_ok = mk(HOST, "Contoso", k_leaf, inter, k_int, NOW - 30 * DAY, NOW + 90 * DAY, 0,
                 san, NULL);
    leaf_expired = mk(HOST, "Contoso", k_leaf, inter, k_int, NOW - YEAR, NOW - 3 * DAY, 0,
                      san, NULL);
    leaf_expiring = mk(HOST, "Contoso", k_leaf, inter, k_int, NOW - YEAR,
                       NOW + 5 * DAY + 3600, 0, san, NULL);
    leaf_wrong = mk("www.fabrikam.com", "Fabrikam", k_leaf, inter, k_int, NOW - DAY,
                    NOW + YEAR, 0, "DNS:www.fabrikam.com", NULL);
    leaf_self = mk(HOST, "Contoso", k_leaf, NULL, NULL, NOW - DAY, NOW + YEAR, 0, san, NULL);
    leaf_self_expired = mk(HOST, "Contoso", k_leaf, NULL, NULL, NOW - YEAR, NOW - 10 * DAY,
                           0, san, NULL);
    leaf_cn_only = mk(HOST, "Contoso", k_leaf, inter, k_int, NOW - DAY, NOW + YEAR, 0, NULL,
                      NULL);
    leaf_cn_not_san = mk(HOST, "Contoso", k_leaf, inter, k_int, NOW - DAY, NOW + YEAR, 0,
                         "DNS:legacy.contoso.com", NULL);
    leaf_wild = mk("*.contoso.com", "Contoso", k_leaf, inter, k_int, NOW - DAY, NOW + YEAR,
                   0, "DNS:*.contoso.com", NULL);
    leaf_other = mk(HOST, "Contoso", k_leaf, oint, k_oint, NOW - DAY, NOW + YEAR, 0, san,
                    NULL);
    leaf_priv = mk(HOST, "Contoso", k_leaf, oroot, k_oroot, NOW - DAY, NOW + YEAR, 0, san,
                   NULL);
    leaf_future = mk(HOST, "Contoso", k_leaf, inter, k_int, NOW + 2 * DAY - 3600,
                     NOW + YEAR, 0, san, NULL);
    leaf_1day = mk(HOST, "Contoso", k_leaf, inter, k_int, NOW - YEAR, NOW + DAY + 3600, 0,
                   san, NULL);
    leaf_just_expired = mk(HOST, "Contoso", k_leaf, inter, k_int, NOW - YEAR, NOW - 3600, 0,
                           san, NULL);
    leaf_future_exact = mk(HOST, "Contoso", k_leaf, inter, k_int, NOW + 2 * DAY, NOW + YEAR,
                           0, san, NULL);
    leaf_ip = mk("192.0.2.10", NULL, k_leaf, inter, k_int, NOW - DAY, NOW + YEAR, 0,
                 "IP:192.0.2.10,IP:2001:db8::10", NULL);
    leaf_client = mk(HOST, "Contoso", k_leaf, inter, k_int, NOW - DAY, NOW + YEAR, 0, san,
                     "clientAuth");
    leaf_old = mk(HOST, "Contoso", k_leaf, old_int, k_int, NOW - DAY, NOW + YEAR, 0, san,
                  NULL);
    return 0;
}

static int teardown(void **unused)
{
    (void)unused;
    X509 *all[] = {root, inter, inter_expired, inter_soon, oroot, oint, old_root, old_int,
                   leaf_ok, leaf_expired, leaf_expiring, leaf_wrong, leaf_self,
                   leaf_cn_only, leaf_cn_not_san, leaf_wild, leaf_other, leaf_priv,
                   leaf_future, leaf_ip, leaf_client, leaf_old, leaf_self_expired,
                   leaf_1day, leaf_just_expired, leaf_future_exact};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        X509_free(all[i]);
    EVP_PKEY *keys[] = {k_root, k_int, k_leaf, k_oroot, k_oint, k_old};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        EVP_PKEY_free(keys[i]);
    return 0;
}

enum store_kind { ST_NONE, ST_ROOT, ST_OLD };

struct vcase {
    const char *name;
    X509 **chain[3];
    int n;
    enum store_kind store;
    int pool;                /* intermediates = {inter} */
    long hs;                 /* handshake code when store is ST_NONE */
    const char *host;
    int warn;
    /* expected */
    enum tls_trust trust;
    enum tls_name_match match;
    int certain, wrong;
    const char *codes;       /* diagnosis codes in order, comma-separated */
    const char *msg_has[3];  /* substrings of the joined messages */
};

static const struct vcase cases[] = {
    {"healthy", {&leaf_ok, &inter}, 2, ST_ROOT, 0, -1, HOST, 30, TLS_TRUST_OK, TLS_NAME_SAN,
     0, 0, "", {NULL}},
    {"healthy, root sent along", {&leaf_ok, &inter, &root}, 3, ST_ROOT, 0, -1, HOST, 30,
     TLS_TRUST_OK, TLS_NAME_SAN, 0, 0, "", {NULL}},
    {"second SAN name", {&leaf_ok, &inter}, 2, ST_ROOT, 0, -1, "AutoDiscover.contoso.com",
     30, TLS_TRUST_OK, TLS_NAME_SAN, 0, 0, "", {NULL}},
    {"expired", {&leaf_expired, &inter}, 2, ST_ROOT, 0, -1, HOST, 30, TLS_TRUST_OK,
     TLS_NAME_SAN, 0, 0, "cert_expired",
     {"'CN=mail.contoso.com,O=Contoso' expired on 2025-12-29T00:00:00Z (3 days ago)"}},
    {"expiring in 5 days", {&leaf_expiring, &inter}, 2, ST_ROOT, 0, -1, HOST, 30,
     TLS_TRUST_OK, TLS_NAME_SAN, 0, 0, "cert_expiring",
     {"expires on 2026-01-06T01:00:00Z, in 5 days (warning at 30 days)"}},
    {"expiring outside a 5-day window", {&leaf_expiring, &inter}, 2, ST_ROOT, 0, -1, HOST,
     5, TLS_TRUST_OK, TLS_NAME_SAN, 0, 0, "", {NULL}},
    {"expiring inside a 6-day window", {&leaf_expiring, &inter}, 2, ST_ROOT, 0, -1, HOST,
     6, TLS_TRUST_OK, TLS_NAME_SAN, 0, 0, "cert_expiring", {"in 5 days"}},
    {"no warning window", {&leaf_expiring, &inter}, 2, ST_ROOT, 0, -1, HOST, 0,
     TLS_TRUST_OK, TLS_NAME_SAN, 0, 0, "", {NULL}},
    {"wrong name", {&leaf_wrong, &inter}, 2, ST_ROOT, 0, -1, HOST, 30, TLS_TRUST_OK,
     TLS_NAME_MISMATCH, 0, 0, "cert_name_mismatch",
     {"mail.contoso.com is not among the certificate's names (SAN: www.fabrikam.com; CN: "
      "www.fabrikam.com)"}},
    {"self-signed", {&leaf_self}, 1, ST_ROOT, 0, -1, HOST, 30, TLS_TRUST_SELF_SIGNED,
     TLS_NAME_SAN, 0, 0, "cert_untrusted",
     {"'CN=mail.contoso.com,O=Contoso' is self-signed"}},
    {"self-signed and expired", {&leaf_self_expired}, 1, ST_ROOT, 0, -1, HOST, 30,
     TLS_TRUST_SELF_SIGNED, TLS_NAME_SAN, 0, 0, "cert_expired,cert_untrusted",
     {"(10 days ago)", "is self-signed"}},
    {"CN only", {&leaf_cn_only, &inter}, 2, ST_ROOT, 0, -1, HOST, 30, TLS_TRUST_OK,
     TLS_NAME_CN, 0, 0, "", {NULL}},
    {"CN matches but the SAN list does not", {&leaf_cn_not_san, &inter}, 2, ST_ROOT, 0, -1,
     HOST, 30, TLS_TRUST_OK, TLS_NAME_MISMATCH, 0, 0, "cert_name_mismatch",
     {"(SAN: legacy.contoso.com; CN: mail.contoso.com)",
      "clients ignore the CN when the certificate has DNS SANs"}},
    {"wildcard", {&leaf_wild, &inter}, 2, ST_ROOT, 0, -1, HOST, 30, TLS_TRUST_OK,
     TLS_NAME_SAN, 0, 0, "", {NULL}},
    {"wildcard covers one label only", {&leaf_wild, &inter}, 2, ST_ROOT, 0, -1,
     "a.mail.contoso.com", 30, TLS_TRUST_OK, TLS_NAME_MISMATCH, 0, 0, "cert_name_mismatch",
     {"(SAN: *.contoso.com; CN: *.contoso.com)"}},
    {"intermediate missing", {&leaf_ok}, 1, ST_ROOT, 0, -1, HOST, 30,
     TLS_TRUST_CHAIN_INCOMPLETE, TLS_NAME_SAN, 0, 0, "cert_chain_incomplete",
     {"sends only the leaf; its issuer 'CN=Test Issuing CA 1,O=Test' is neither sent nor "
      "a trusted root", "if 'CN=Test Issuing CA 1,O=Test' is a private CA instead"}},
    {"intermediate missing, proven with the pool", {&leaf_ok}, 1, ST_ROOT, 1, -1, HOST, 30,
     TLS_TRUST_CHAIN_INCOMPLETE, TLS_NAME_SAN, 1, 0, "cert_chain_incomplete",
     {"does not send the intermediate 'CN=Test Issuing CA 1,O=Test' that issued "
      "'CN=mail.contoso.com,O=Contoso'; the chain verifies once it is added"}},
    {"untrusted root, intermediate sent", {&leaf_other, &oint}, 2, ST_ROOT, 1, -1, HOST,
     30, TLS_TRUST_UNKNOWN_CA, TLS_NAME_SAN, 0, 0, "cert_untrusted",
     {"ends at 'CN=Other Issuing CA,O=Other', issued by 'CN=Other Root CA,O=Other', which "
      "is not a trusted CA"}},
    {"untrusted root sent", {&leaf_other, &oint, &oroot}, 3, ST_ROOT, 0, -1, HOST, 30,
     TLS_TRUST_UNKNOWN_CA, TLS_NAME_SAN, 0, 0, "cert_untrusted",
     {"ends at the root 'CN=Other Root CA,O=Other', which is not a trusted CA"}},
    {"wrong intermediate sent", {&leaf_ok, &oint}, 2, ST_ROOT, 0, -1, HOST, 30,
     TLS_TRUST_CHAIN_INCOMPLETE, TLS_NAME_SAN, 0, 1, "cert_chain_incomplete",
     {"sends 2 certificates, but none issued the leaf: its issuer 'CN=Test Issuing CA "
      "1,O=Test' is missing"}},
    {"leaf issued straight by a private root: ambiguous", {&leaf_priv}, 1, ST_ROOT, 0, -1,
     HOST, 30, TLS_TRUST_CHAIN_INCOMPLETE, TLS_NAME_SAN, 0, 0, "cert_chain_incomplete",
     {"'CN=Other Root CA,O=Other' is a private CA instead"}},
    {"expired intermediate sent", {&leaf_ok, &inter_expired}, 2, ST_ROOT, 0, -1, HOST, 30,
     TLS_TRUST_OK, TLS_NAME_SAN, 0, 0, "cert_expired",
     {"the chain certificate 'CN=Test Issuing CA 1,O=Test' (sent by the server) expired "
      "on 2025-12-31T00:00:00Z"}},
    {"intermediate expires before the leaf", {&leaf_ok, &inter_soon}, 2, ST_ROOT, 0, -1,
     HOST, 30, TLS_TRUST_OK, TLS_NAME_SAN, 0, 0, "cert_expiring",
     {"chain certificate 'CN=Test Issuing CA 1,O=Test' expires on 2026-01-04T01:00:00Z, in "
      "3 days, before the leaf"}},
    {"not yet valid", {&leaf_future, &inter}, 2, ST_ROOT, 0, -1, HOST, 30, TLS_TRUST_OK,
     TLS_NAME_SAN, 0, 0, "cert_not_yet_valid",
     {"not valid before 2026-01-02T23:00:00Z (in 2 days)"}},
    {"one day left", {&leaf_1day, &inter}, 2, ST_ROOT, 0, -1, HOST, 30, TLS_TRUST_OK,
     TLS_NAME_SAN, 0, 0, "cert_expiring", {"in 1 day (warning at 30 days)"}},
    {"expired an hour ago", {&leaf_just_expired, &inter}, 2, ST_ROOT, 0, -1, HOST, 30,
     TLS_TRUST_OK, TLS_NAME_SAN, 0, 0, "cert_expired", {"(1 day ago)"}},
    {"valid in exactly two days", {&leaf_future_exact, &inter}, 2, ST_ROOT, 0, -1, HOST, 30,
     TLS_TRUST_OK, TLS_NAME_SAN, 0, 0, "cert_not_yet_valid",
     {"not valid before 2026-01-03T00:00:00Z (in 2 days)"}},
    {"IP literal in the SAN", {&leaf_ip, &inter}, 2, ST_ROOT, 0, -1, "192.0.2.10", 30,
     TLS_TRUST_OK, TLS_NAME_SAN, 0, 0, "", {NULL}},
    {"IPv6 literal in the SAN", {&leaf_ip, &inter}, 2, ST_ROOT, 0, -1, "2001:db8::10", 30,
     TLS_TRUST_OK, TLS_NAME_SAN, 0, 0, "", {NULL}},
    {"IP literal not in the SAN", {&leaf_ip, &inter}, 2, ST_ROOT, 0, -1, "192.0.2.11", 30,
     TLS_TRUST_OK, TLS_NAME_MISMATCH, 0, 0, "cert_name_mismatch",
     {"(SAN: 192.0.2.10, 2001:db8::10; CN: 192.0.2.10)"}},
    {"client-only certificate", {&leaf_client, &inter}, 2, ST_ROOT, 0, -1, HOST, 30,
     TLS_TRUST_INVALID, TLS_NAME_SAN, 0, 0, "cert_untrusted",
     {"unsuitable certificate purpose (X509_V_ERR 26 at depth 0)"}},
    {"expired trust anchor", {&leaf_old, &old_int}, 2, ST_OLD, 0, -1, HOST, 30,
     TLS_TRUST_OK, TLS_NAME_SAN, 0, 0, "cert_expired",
     {"the chain certificate 'CN=Old Root CA,O=Old' (the trust anchor in the local store) "
      "expired on 2025-12-31T00:00:00Z"}},
    {"expired, wrong name, intermediate missing", {&leaf_expired}, 1, ST_ROOT, 0, -1,
     "owa.contoso.com", 30, TLS_TRUST_CHAIN_INCOMPLETE, TLS_NAME_MISMATCH, 0, 0,
     "cert_expired,cert_name_mismatch,cert_chain_incomplete", {NULL}},
    {"no host name", {&leaf_ok, &inter}, 2, ST_ROOT, 0, -1, NULL, 30, TLS_TRUST_OK,
     TLS_NAME_NOT_CHECKED, 0, 0, "", {NULL}},
    {"trailing dot", {&leaf_ok, &inter}, 2, ST_ROOT, 0, -1, "mail.contoso.com.", 30,
     TLS_TRUST_OK, TLS_NAME_SAN, 0, 0, "", {NULL}},

    /* From the handshake's verify code, without a store. */
    {"hs ok", {&leaf_ok, &inter}, 2, ST_NONE, 0, X509_V_OK, HOST, 30, TLS_TRUST_OK,
     TLS_NAME_SAN, 0, 0, "", {NULL}},
    {"hs 20, leaf only", {&leaf_ok}, 1, ST_NONE, 0,
     X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, HOST, 30, TLS_TRUST_CHAIN_INCOMPLETE,
     TLS_NAME_SAN, 0, 0, "cert_chain_incomplete", {"sends only the leaf"}},
    {"hs 21, leaf only, pool proves it", {&leaf_ok}, 1, ST_NONE, 1,
     X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, HOST, 30, TLS_TRUST_CHAIN_INCOMPLETE,
     TLS_NAME_SAN, 1, 0, "cert_chain_incomplete",
     {"does not send the intermediate 'CN=Test Issuing CA 1,O=Test'"}},
    {"hs 20, intermediate sent, root unknown", {&leaf_other, &oint}, 2, ST_NONE, 0,
     X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, HOST, 30, TLS_TRUST_UNKNOWN_CA,
     TLS_NAME_SAN, 0, 0, "cert_untrusted", {"issued by 'CN=Other Root CA,O=Other'"}},
    {"hs 2, wrong intermediate", {&leaf_ok, &oint}, 2, ST_NONE, 0,
     X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, HOST, 30, TLS_TRUST_CHAIN_INCOMPLETE,
     TLS_NAME_SAN, 0, 1, "cert_chain_incomplete", {"sends 2 certificates"}},
    {"hs 18", {&leaf_self}, 1, ST_NONE, 0, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, HOST,
     30, TLS_TRUST_SELF_SIGNED, TLS_NAME_SAN, 0, 0, "cert_untrusted", {"self-signed"}},
    {"hs 19", {&leaf_other, &oint, &oroot}, 3, ST_NONE, 0,
     X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, HOST, 30, TLS_TRUST_UNKNOWN_CA, TLS_NAME_SAN, 0,
     0, "cert_untrusted", {"ends at the root 'CN=Other Root CA,O=Other'"}},
    {"hs 20 with the root sent", {&leaf_other, &oint, &oroot}, 3, ST_NONE, 0,
     X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, HOST, 30, TLS_TRUST_UNKNOWN_CA,
     TLS_NAME_SAN, 0, 0, "cert_untrusted", {"ends at 'CN=Other Root CA,O=Other'"}},
    {"hs 10: dates judged apart", {&leaf_expired, &inter}, 2, ST_NONE, 0,
     X509_V_ERR_CERT_HAS_EXPIRED, HOST, 30, TLS_TRUST_OK, TLS_NAME_SAN, 0, 0,
     "cert_expired", {"3 days ago"}},
    {"hs 7", {&leaf_ok, &inter}, 2, ST_NONE, 0, X509_V_ERR_CERT_SIGNATURE_FAILURE, HOST, 30,
     TLS_TRUST_INVALID, TLS_NAME_SAN, 0, 0, "cert_untrusted",
     {"certificate signature failure (X509_V_ERR 7 at depth 1)"}},
    {"no store, no code", {&leaf_self}, 1, ST_NONE, 0, -1, HOST, 30,
     TLS_TRUST_NOT_CHECKED, TLS_NAME_SAN, 0, 0, "", {NULL}},
};

static void run_case(const struct vcase *c, int use_array)
{
    X509 *certs[3] = {NULL, NULL, NULL};
    for (int i = 0; i < c->n; i++)
        certs[i] = *c->chain[i];
    STACK_OF(X509) *sk = use_array ? NULL : cg_stack(c->n, certs[0], certs[1], certs[2]);
    STACK_OF(X509) *pool = c->pool ? cg_stack(1, inter, NULL, NULL) : NULL;
    X509_STORE *store = c->store == ST_ROOT ? cg_store(root, NULL)
                        : c->store == ST_OLD ? cg_store(old_root, NULL)
                                             : NULL;
    struct tls_verdict_params p = {
        .chain = sk, .certs = use_array ? certs : NULL, .ncerts = use_array ? (size_t)c->n : 0,
        .store = store, .intermediates = pool, .handshake_verify = c->hs, .host = c->host,
        .now = NOW, .warn_days = c->warn,
    };
    struct tls_verdict v;
    const char *why = NULL;
    if (tls_verdict_compute(&p, &v, &why) != 0)
        fail_msg("%s: compute failed: %s", c->name, why);
    if (v.trust != c->trust)
        fail_msg("%s: trust %s, want %s (code %d %s)", c->name, tls_trust_name(v.trust),
                 tls_trust_name(c->trust), v.verify_code, v.verify_text);
    if (v.name_match != c->match)
        fail_msg("%s: match %s, want %s", c->name, tls_name_match_name(v.name_match),
                 tls_name_match_name(c->match));
    assert_int_equal(v.incomplete_certain, c->certain);
    assert_int_equal(v.wrong_intermediate, c->wrong);
    assert_int_equal(v.chain_len, (size_t)c->n);

    struct oa_result *r = oa_result_new(HOST, 0);
    assert_non_null(r);
    struct oa_step *st = oa_result_add_step(r, OA_STEP_TLS, HOST, 443);
    int n = tls_report_verdict(&v, r, st);
    char codes[256] = "", msgs[4096] = "";
    for (size_t i = 0; i < r->ndiags; i++) {
        snprintf(codes + strlen(codes), sizeof codes - strlen(codes), "%s%s", i ? "," : "",
                 oa_diag_code_name(r->diags[i].code));
        snprintf(msgs + strlen(msgs), sizeof msgs - strlen(msgs), "%s | ",
                 r->diags[i].message);
        assert_int_equal(r->diags[i].step, OA_STEP_TLS);
        assert_int_equal(r->diags[i].port, 443);
        assert_string_equal(r->diags[i].server, c->host ? c->host : "");
    }
    if (strcmp(codes, c->codes) != 0)
        fail_msg("%s: diagnoses \"%s\", want \"%s\" (%s)", c->name, codes, c->codes, msgs);
    assert_int_equal(n, (int)r->ndiags);
    for (int k = 0; k < 3; k++)
        if (c->msg_has[k] != NULL && strstr(msgs, c->msg_has[k]) == NULL)
            fail_msg("%s: messages \"%s\" lack \"%s\"", c->name, msgs, c->msg_has[k]);
    /* The step status follows the worst diagnosis. */
    enum oa_state want = OA_STATE_OK;
    for (size_t i = 0; i < r->ndiags; i++)
        want = oa_state_worst(want, r->diags[i].severity);
    assert_int_equal(st->status, want);

    oa_result_free(r);
    X509_STORE_free(store);
    sk_X509_free(pool);
    sk_X509_free(sk);
}

static void test_cases(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_case(&cases[i], 0);
        run_case(&cases[i], 1);
    }
}

static void test_fields(void **unused)
{
    (void)unused;
    STACK_OF(X509) *sk = cg_stack(2, leaf_expiring, inter, NULL);
    X509_STORE *store = cg_store(root, NULL);
    struct tls_verdict_params p = {.chain = sk, .store = store, .handshake_verify = -1,
                                   .host = HOST, .now = NOW, .warn_days = 30};
    struct tls_verdict v;
    assert_int_equal(tls_verdict_compute(&p, &v, NULL), 0);
    assert_string_equal(v.host, HOST);
    assert_string_equal(v.leaf.subject, "CN=mail.contoso.com,O=Contoso");
    assert_string_equal(v.leaf.issuer, "CN=Test Issuing CA 1,O=Test");
    assert_string_equal(v.leaf.common_name, HOST);
    assert_int_equal(v.leaf.san_count, 2);
    assert_string_equal(v.leaf.san[1], "autodiscover.contoso.com");
    assert_int_equal(v.leaf.not_after, NOW + 5 * DAY + 3600);
    assert_int_equal(v.leaf_days_left, 5);
    assert_int_equal(v.earliest_not_after, NOW + 5 * DAY + 3600);
    assert_int_equal(v.earliest_depth, 0);
    assert_int_equal(v.earliest_days_left, 5);
    assert_int_equal(v.expiring, 1);
    assert_int_equal(v.leaf_expired, 0);
    assert_string_equal(v.matched_name, HOST);
    assert_int_equal(v.verify_code, 0);
    assert_int_equal(v.verify_depth, -1);

    /* Report: details, perfdata, remedy with the date. */
    struct oa_result *r = oa_result_new(HOST, 0);
    struct oa_step *st = oa_result_add_step(r, OA_STEP_TLS, HOST, 443);
    oa_step_finish(st, OA_STATE_OK, 34000);
    assert_int_equal(tls_report_verdict(&v, r, st), 1);
    assert_int_equal(st->status, OA_STATE_WARNING);
    assert_int_equal(r->diags[0].severity, OA_STATE_WARNING);
    assert_string_equal(r->diags[0].remedy,
                        "renew the certificate before 2026-01-06T01:00:00Z and rebind it in IIS");
    assert_int_equal(r->nperf, 1);
    assert_string_equal(r->perf[0].label, "cert_days");
    assert_int_equal(r->perf[0].value, 5);
    assert_string_equal(r->perf[0].warn, "30:");
    const struct oa_detail *d = oa_step_find_detail(st, OA_DETAIL_CERT_SUBJECT);
    assert_string_equal(oa_result_detail_str(r, d), "CN=mail.contoso.com,O=Contoso");
    d = oa_step_find_detail(st, OA_DETAIL_CERT_NOT_AFTER);
    assert_int_equal(d->i, NOW + 5 * DAY + 3600);
    d = oa_step_find_detail(st, OA_DETAIL_CERT_DAYS_LEFT);
    assert_int_equal(d->i, 5);
    d = oa_step_find_detail(st, OA_DETAIL_CHAIN_LENGTH);
    assert_int_equal(d->i, 2);
    d = oa_step_find_detail(st, OA_DETAIL_HOST_MATCH);
    assert_string_equal(oa_result_detail_str(r, d), "san");
    d = oa_step_find_detail(st, OA_DETAIL_TRUST);
    assert_string_equal(oa_result_detail_str(r, d), "ok");
    assert_null(oa_step_find_detail(st, OA_DETAIL_VERIFY_CODE));
    int sans = 0;
    for (size_t i = 0; i < st->ndetails; i++)
        sans += st->details[i].key == OA_DETAIL_CERT_SAN;
    assert_int_equal(sans, 2);
    /* A second report does not duplicate cert_days nor the diagnosis. */
    assert_int_equal(tls_report_verdict(&v, r, st), 0);
    assert_int_equal(r->nperf, 1);
    assert_int_equal(r->ndiags, 1);
    oa_result_free(r);

    /* Missing intermediate: verify code, missing issuer detail. */
    sk_X509_free(sk);
    sk = cg_stack(1, leaf_ok, NULL, NULL);
    p.chain = sk;
    assert_int_equal(tls_verdict_compute(&p, &v, NULL), 0);
    assert_true(v.verify_code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                v.verify_code == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE);
    assert_int_equal(v.verify_depth, 0);
    assert_string_equal(v.missing_issuer, "CN=Test Issuing CA 1,O=Test");
    r = oa_result_new(HOST, 0);
    st = oa_result_add_step(r, OA_STEP_TLS, HOST, 443);
    assert_int_equal(tls_report_verdict(&v, r, st), 1);
    assert_int_equal(st->status, OA_STATE_CRITICAL);
    d = oa_step_find_detail(st, OA_DETAIL_MISSING_ISSUER);
    assert_string_equal(oa_result_detail_str(r, d), "CN=Test Issuing CA 1,O=Test");
    d = oa_step_find_detail(st, OA_DETAIL_VERIFY_RESULT);
    assert_non_null(oa_result_detail_str(r, d));
    assert_string_equal(r->diags[0].remedy,
                        "install the intermediate certificate 'CN=Test Issuing CA 1,O=Test' "
                        "on the server (Intermediate Certification Authorities store) so "
                        "that IIS sends it");
    oa_result_free(r);
    X509_STORE_free(store);
    sk_X509_free(sk);
}

static void test_null_args(void **unused)
{
    (void)unused;
    struct tls_verdict v;
    const char *why = NULL;
    struct tls_verdict_params p = {.handshake_verify = -1, .now = NOW};
    assert_int_equal(tls_verdict_compute(NULL, &v, &why), -1);
    assert_non_null(why);
    assert_int_equal(tls_verdict_compute(&p, NULL, &why), -1);
    assert_int_equal(tls_verdict_compute(&p, &v, &why), -1);
    assert_string_equal(why, "no certificate presented");
    STACK_OF(X509) *empty = sk_X509_new_null();
    p.chain = empty;
    assert_int_equal(tls_verdict_compute(&p, &v, &why), -1);
    sk_X509_free(empty);
    X509 *nulls[2] = {NULL, NULL};
    p.chain = NULL;
    p.certs = nulls;
    p.ncerts = 2;
    assert_int_equal(tls_verdict_compute(&p, &v, NULL), -1);

    struct oa_result *r = oa_result_new(HOST, 0);
    struct oa_step *st = oa_result_add_step(r, OA_STEP_TLS, HOST, 443);
    struct oa_step stray;
    memset(&stray, 0, sizeof stray);
    memset(&v, 0, sizeof v);
    assert_int_equal(tls_report_verdict(NULL, r, st), -1);
    assert_int_equal(tls_report_verdict(&v, NULL, st), -1);
    assert_int_equal(tls_report_verdict(&v, r, NULL), -1);
    assert_int_equal(tls_report_verdict(&v, r, &stray), -1);
    oa_result_free(r);
    assert_string_equal(tls_trust_name((enum tls_trust)99), "not_checked");
    assert_string_equal(tls_trust_name(TLS_TRUST_CHAIN_INCOMPLETE), "chain_incomplete");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_null_args),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
