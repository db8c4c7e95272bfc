/*
 * tls_verdict.c: dates, host name and trust class of a presented chain
 * (see tls_verdict.h for the classes and how they are told apart).
 */
#include "probes/tls/tls_verdict.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "probes/result/text.h"
#include "probes/result/timefmt.h"

_Static_assert(TLS_VERIFY_SELF_SIGNED_IN_CHAIN == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
               "tls_facts.h copies OpenSSL's value");

#define VERR_MAX 8

/* One verification error, with what we need of the certificate it names
 * (the certificate itself belongs to the context and dies with it). */
struct verr {
    int code;
    int depth;
    int presented;          /* the certificate was sent by the server */
    int is_ca;
    char subject[TLS_NAME_MAX];
    char issuer[TLS_NAME_MAX];
    int64_t not_after;
    int not_after_ok;
};

struct vstate {
    STACK_OF(X509) *presented;
    STACK_OF(X509) *pool;   /* known intermediates of the second run */
    size_t n;
    struct verr e[VERR_MAX];
    int failed;             /* X509_verify_cert itself failed (no callback) */
    char from_pool[TLS_NAME_MAX]; /* first chain cert taken from pool */
};

static int in_stack(STACK_OF(X509) *sk, X509 *c)
{
    for (int i = 0; sk != NULL && i < sk_X509_num(sk); i++)
        if (X509_cmp(sk_X509_value(sk, i), c) == 0)
            return 1;
    return 0;
}

static int collect_cb(int ok, X509_STORE_CTX *ctx)
{
    if (ok)
        return 1;
    struct vstate *vs = X509_STORE_CTX_get_app_data(ctx);
    if (vs == NULL || vs->n >= VERR_MAX)
        return 1;
    struct verr *e = &vs->e[vs->n++];
    memset(e, 0, sizeof *e);
    e->code = X509_STORE_CTX_get_error(ctx);
    e->depth = X509_STORE_CTX_get_error_depth(ctx);
    X509 *c = X509_STORE_CTX_get_current_cert(ctx);
    if (c != NULL) {
        e->presented = in_stack(vs->presented, c);
        e->is_ca = X509_check_ca(c) > 0;
        tls_cert_name_text(X509_get_subject_name(c), e->subject, sizeof e->subject);
        tls_cert_name_text(X509_get_issuer_name(c), e->issuer, sizeof e->issuer);
        e->not_after_ok = tls_cert_time(X509_get0_notAfter(c), &e->not_after) == 0;
    }
    return 1; /* keep going: we want every error, not the first */
}

/* Verify leaf + untrusted against store at time now, collecting errors. */
static int run_verify(X509_STORE *store, X509 *leaf, STACK_OF(X509) *untrusted,
                      int64_t now, struct vstate *vs)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (ctx == NULL)
        return -1;
    if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1) {
        X509_STORE_CTX_free(ctx);
        return -1;
    }
    X509_STORE_CTX_set_app_data(ctx, vs);
    X509_STORE_CTX_set_verify_cb(ctx, collect_cb);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)now);
    int rc = X509_verify_cert(ctx);
    if (rc <= 0 && vs->n == 0 && vs->n < VERR_MAX) {
        struct verr *e = &vs->e[vs->n++];
        memset(e, 0, sizeof *e);
        e->code = X509_STORE_CTX_get_error(ctx);
        if (e->code == X509_V_OK)
            e->code = X509_V_ERR_UNSPECIFIED;
        e->depth = X509_STORE_CTX_get_error_depth(ctx);
        vs->failed = 1;
    }
    /* The first certificate of the built chain that came from the pool. */
    STACK_OF(X509) *built = X509_STORE_CTX_get0_chain(ctx);
    for (int i = 1; vs->pool != NULL && built != NULL && i < sk_X509_num(built); i++) {
        X509 *c = sk_X509_value(built, i);
        if (!in_stack(vs->presented, c) && in_stack(vs->pool, c)) {
            tls_cert_name_text(X509_get_subject_name(c), vs->from_pool,
                               sizeof vs->from_pool);
            break;
        }
    }
    X509_STORE_CTX_free(ctx);
    return 0;
}

static int is_issuer_error(int code)
{
    return code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
           code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
           code == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
}

static int is_date_error(int code)
{
    return code == X509_V_ERR_CERT_NOT_YET_VALID || code == X509_V_ERR_CERT_HAS_EXPIRED;
}

static const struct verr *find_code(const struct vstate *vs, int (*pred)(int), int code)
{
    for (size_t i = 0; i < vs->n; i++)
        if (pred != NULL ? pred(vs->e[i].code) : vs->e[i].code == code)
            return &vs->e[i];
    return NULL;
}

static int has_chain_error(const struct vstate *vs)
{
    for (size_t i = 0; i < vs->n; i++) {
        int c = vs->e[i].code;
        if (is_issuer_error(c) || c == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
            c == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN)
            return 1;
    }
    return 0;
}

static void set_code(struct tls_verdict *v, int code, int depth)
{
    v->verify_code = code;
    v->verify_depth = depth;
    oa_text_copy(v->verify_text, sizeof v->verify_text,
                 X509_verify_cert_error_string(code));
}

/* Does some certificate of pool issue c? Copies its subject when it does. */
static int pool_issues(STACK_OF(X509) *pool, X509 *c, char *subject, size_t cap)
{
    for (int i = 0; pool != NULL && i < sk_X509_num(pool); i++) {
        X509 *p = sk_X509_value(pool, i);
        if (X509_check_issued(p, c) == X509_V_OK) {
            tls_cert_name_text(X509_get_subject_name(p), subject, cap);
            return 1;
        }
    }
    return 0;
}

static void trust_from_store(const struct tls_verdict_params *p, STACK_OF(X509) *pres,
                             struct tls_verdict *v, const char **why, int *err)
{
    X509 *leaf = sk_X509_value(pres, 0);
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    if (untrusted == NULL) {
        *why = "out of memory";
        *err = 1;
        return;
    }
    for (int i = 1; i < sk_X509_num(pres); i++) {
        if (!sk_X509_push(untrusted, sk_X509_value(pres, i))) {
            sk_X509_free(untrusted);
            *why = "out of memory";
            *err = 1;
            return;
        }
    }

    struct vstate vs;
    memset(&vs, 0, sizeof vs);
    vs.presented = pres;
    if (run_verify(p->store, leaf, untrusted, p->now, &vs) != 0) {
        sk_X509_free(untrusted);
        *why = "cannot set up the OpenSSL verification context";
        *err = 1;
        return;
    }

    const struct verr *e;
    if ((e = find_code(&vs, NULL, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT)) != NULL) {
        v->trust = TLS_TRUST_SELF_SIGNED;
        oa_text_copy(v->untrusted_subject, sizeof v->untrusted_subject, e->subject);
        set_code(v, e->code, e->depth);
    } else if ((e = find_code(&vs, NULL, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN)) != NULL) {
        v->trust = TLS_TRUST_UNKNOWN_CA;
        oa_text_copy(v->untrusted_subject, sizeof v->untrusted_subject, e->subject);
        set_code(v, e->code, e->depth);
    } else if ((e = find_code(&vs, is_issuer_error, 0)) != NULL) {
        set_code(v, e->code, e->depth);
        oa_text_copy(v->untrusted_subject, sizeof v->untrusted_subject, e->subject);
        oa_text_copy(v->missing_issuer, sizeof v->missing_issuer, e->issuer);
        int certain = 0;
        if (p->intermediates != NULL && sk_X509_num(p->intermediates) > 0) {
            struct vstate vs2;
            memset(&vs2, 0, sizeof vs2);
            vs2.presented = pres;
            vs2.pool = p->intermediates;
            STACK_OF(X509) *more = sk_X509_dup(untrusted);
            for (int i = 0; more != NULL && i < sk_X509_num(p->intermediates); i++) {
                if (!sk_X509_push(more, sk_X509_value(p->intermediates, i))) {
                    sk_X509_free(more);
                    more = NULL; /* out of memory: stay "not certain" */
                }
            }
            if (more != NULL && run_verify(p->store, leaf, more, p->now, &vs2) == 0 &&
                !vs2.failed && !has_chain_error(&vs2)) {
                certain = 1;
                if (vs2.from_pool[0] != '\0')
                    oa_text_copy(v->missing_issuer, sizeof v->missing_issuer,
                                 vs2.from_pool);
            }
            sk_X509_free(more);
        }
        if (certain) {
            v->trust = TLS_TRUST_CHAIN_INCOMPLETE;
            v->incomplete_certain = 1;
        } else if (e->depth == 0 || !e->is_ca) {
            v->trust = TLS_TRUST_CHAIN_INCOMPLETE;
            v->wrong_intermediate = sk_X509_num(pres) > 1;
        } else {
            v->trust = TLS_TRUST_UNKNOWN_CA;
        }
    } else {
        v->trust = TLS_TRUST_OK;
        for (size_t i = 0; i < vs.n; i++) {
            if (!is_date_error(vs.e[i].code)) {
                v->trust = TLS_TRUST_INVALID;
                set_code(v, vs.e[i].code, vs.e[i].depth);
                oa_text_copy(v->untrusted_subject, sizeof v->untrusted_subject,
                             vs.e[i].subject);
                break;
            }
        }
    }

    /* An expired certificate the server did not send: the trust anchor. */
    for (size_t i = 0; i < vs.n && !v->chain_expired; i++) {
        e = &vs.e[i];
        if (e->code == X509_V_ERR_CERT_HAS_EXPIRED && !e->presented && e->not_after_ok) {
            v->chain_expired = 1;
            v->chain_expired_presented = 0;
            v->chain_expired_not_after = e->not_after;
            oa_text_copy(v->chain_expired_subject, sizeof v->chain_expired_subject,
                         e->subject);
        }
    }
    sk_X509_free(untrusted);
}

/* From the handshake's single code: walk the presented chain ourselves. */
static void trust_from_code(const struct tls_verdict_params *p, STACK_OF(X509) *pres,
                            struct tls_verdict *v)
{
    int code = (int)p->handshake_verify;
    set_code(v, code, -1);
    if (code == X509_V_OK || is_date_error(code)) {
        /* OpenSSL checks trust before dates: a date error came after a
         * trusted chain was built. Dates are judged separately. */
        v->trust = TLS_TRUST_OK;
        if (code == X509_V_OK)
            v->verify_text[0] = '\0';
        return;
    }
    int n = sk_X509_num(pres);
    X509 *top = sk_X509_value(pres, 0);
    int depth = 0;
    unsigned char used[TLS_CHAIN_MAX] = {0};
    used[0] = 1;
    for (int step = 1; step < n && step < TLS_CHAIN_MAX; step++) {
        int next = -1;
        for (int j = 1; j < n && j < TLS_CHAIN_MAX; j++) {
            if (!used[j] && X509_check_issued(sk_X509_value(pres, j), top) == X509_V_OK) {
                next = j;
                break;
            }
        }
        if (next < 0 || X509_self_signed(top, 0) == 1)
            break;
        used[next] = 1;
        top = sk_X509_value(pres, next);
        depth++;
    }
    v->verify_depth = depth;
    tls_cert_name_text(X509_get_subject_name(top), v->untrusted_subject,
                       sizeof v->untrusted_subject);

    if (code == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT) {
        v->trust = TLS_TRUST_SELF_SIGNED;
        v->verify_depth = 0;
    } else if (code == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN) {
        v->trust = TLS_TRUST_UNKNOWN_CA;
    } else if (is_issuer_error(code)) {
        tls_cert_name_text(X509_get_issuer_name(top), v->missing_issuer,
                           sizeof v->missing_issuer);
        char from_pool[TLS_NAME_MAX];
        if (pool_issues(p->intermediates, top, from_pool, sizeof from_pool)) {
            v->trust = TLS_TRUST_CHAIN_INCOMPLETE;
            v->incomplete_certain = 1;
            oa_text_copy(v->missing_issuer, sizeof v->missing_issuer, from_pool);
        } else if (X509_self_signed(top, 0) == 1 && depth > 0) {
            v->trust = TLS_TRUST_UNKNOWN_CA;
        } else if (depth == 0 || X509_check_ca(top) <= 0) {
            v->trust = TLS_TRUST_CHAIN_INCOMPLETE;
            v->wrong_intermediate = n > 1;
        } else {
            v->trust = TLS_TRUST_UNKNOWN_CA;
        }
        } else {
        v->trust = TLS_TRUST_INVALID;
    }
}

/* Leaf dates, earliest notAfter, expired chain certificates. */
static void judge_dates(const struct tls_verdict_params *p, STACK_OF(X509) *pres,
                        struct tls_verdict *v)
{
    const struct tls_cert_summary *l = &v->leaf;
    if (l->dates_ok) {
        v->leaf_days_left = oa_time_days_left(l->not_after, p->now);
        v->leaf_expired = p->now > l->not_after;
        v->leaf_not_yet_valid = p->now < l->not_before;
    }
    int have = 0;
    for (int i = 0; i < sk_X509_num(pres) && i < TLS_CHAIN_MAX; i++) {
        X509 *c = sk_X509_value(pres, i);
        if (i > 0 && X509_self_signed(c, 0) == 1)
            continue; /* a root the server sends along: clients use their own */
        int64_t na;
        if (tls_cert_time(X509_get0_notAfter(c), &na) != 0)
            continue;
        if (!have || na < v->earliest_not_after) {
            have = 1;
            v->earliest_not_after = na;
            v->earliest_depth = i;
            tls_cert_name_text(X509_get_subject_name(c), v->earliest_subject,
                               sizeof v->earliest_subject);
        }
        if (i > 0 && p->now > na && !v->chain_expired) {
            v->chain_expired = 1;
            v->chain_expired_presented = 1;
            v->chain_expired_not_after = na;
            tls_cert_name_text(X509_get_subject_name(c), v->chain_expired_subject,
                               sizeof v->chain_expired_subject);
        }
    }
    if (have)
        v->earliest_days_left = oa_time_days_left(v->earliest_not_after, p->now);
    else
        v->earliest_depth = -1;
}

static int compute(const struct tls_verdict_params *p, struct tls_verdict *v,
                   const char **why)
{
    const char *dummy;
    if (why == NULL)
        why = &dummy;
    if (v != NULL)
        memset(v, 0, sizeof *v);
    if (p == NULL || v == NULL) {
        *why = "NULL argument";
        return -1;
    }
    v->verify_depth = -1;
    v->earliest_depth = -1;

    STACK_OF(X509) *pres = NULL;
    int own = 0;
    if (p->chain != NULL) {
        pres = p->chain;
    } else if (p->certs != NULL && p->ncerts > 0) {
        pres = sk_X509_new_null();
        own = 1;
        for (size_t i = 0; pres != NULL && i < p->ncerts && i < TLS_CHAIN_MAX; i++)
            if (p->certs[i] == NULL || !sk_X509_push(pres, p->certs[i]))
                break;
    }
    if (pres == NULL || sk_X509_num(pres) == 0 || sk_X509_value(pres, 0) == NULL) {
        if (own)
            sk_X509_free(pres);
        *why = pres == NULL && own ? "out of memory" : "no certificate presented";
        return -1;
    }

    X509 *leaf = sk_X509_value(pres, 0);
    v->chain_len = own ? p->ncerts : (size_t)sk_X509_num(pres);
    v->now = p->now;
    v->warn_days = p->warn_days > 0 ? p->warn_days : 0;
    oa_text_copy(v->host, sizeof v->host, p->host);
    tls_cert_summarize(leaf, &v->leaf);
    judge_dates(p, pres, v);
    v->name_match = tls_cert_match_host(leaf, p->host, v->matched_name,
                                        sizeof v->matched_name);

    int err = 0;
    if (p->store != NULL)
        trust_from_store(p, pres, v, why, &err);
    else if (p->handshake_verify >= 0)
        trust_from_code(p, pres, v);
    else
        v->trust = TLS_TRUST_NOT_CHECKED;
    if (own)
        sk_X509_free(pres);
    if (err)
        return -1;

    /* floor(seconds left / 1 day) < warn_days  <=>  seconds left < window */
    if (v->earliest_depth >= 0 && v->warn_days > 0 && !v->leaf_expired &&
        !v->chain_expired && v->earliest_days_left < v->warn_days)
        v->expiring = 1;
    return 0;
}

/*
 * The system store: every certificate of OpenSSL's default CA file
 * (SSL_CERT_FILE, else OPENSSLDIR/cert.pem: /etc/ssl/certs/ca-certificates.crt
 * on Debian) loaded into the store now, and no lazy lookup.
 * X509_STORE_set_default_paths would also add the hashed directory
 * (/etc/ssl/certs) and OpenSSL 3's "file:" store lookup on it, which open
 * the directory and stat HASH.0 on every verification that misses the
 * store (an intermediate, an unknown root): about 3 opens per check, on
 * the engine's thread. Debian's update-ca-certificates writes the same
 * certificates to both. Only when there is no such file (a system with a
 * hashed directory alone) does it fall back to the default paths.
 */
static int system_store(X509_STORE *s)
{
    const char *file = getenv(X509_get_default_cert_file_env());
    if (file == NULL || file[0] == '\0')
        file = X509_get_default_cert_file();
    if (X509_STORE_load_file(s, file) == 1)
        return 1;
    return X509_STORE_set_default_paths(s);
}

static X509_STORE *store_from_file(const char *cafile, const char **why)
{
    const char *dummy;
    if (why == NULL)
        why = &dummy;
    X509_STORE *s = X509_STORE_new();
    if (s == NULL) {
        *why = "out of memory";
        return NULL;
    }
    int ok = cafile != NULL ? X509_STORE_load_file(s, cafile) : system_store(s);
    if (ok != 1) {
        X509_STORE_free(s);
        *why = cafile != NULL ? "cannot read the CA bundle (missing, or no PEM certificate)"
                              : "cannot load the system trust store";
        return NULL;
    }
    return s;
}

/* Entry points: leave OpenSSL's error queue as it was (see tls_cert.c). */
int tls_verdict_compute(const struct tls_verdict_params *p, struct tls_verdict *v,
                        const char **why)
{
    ERR_set_mark();
    int rc = compute(p, v, why);
    ERR_pop_to_mark();
    return rc;
}

X509_STORE *tls_store_from_file(const char *cafile, const char **why)
{
    ERR_set_mark();
    X509_STORE *s = store_from_file(cafile, why);
    ERR_pop_to_mark();
    return s;
}
