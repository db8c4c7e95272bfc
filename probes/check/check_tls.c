/*
 * check_tls.c: the certificate verdict of the connect step (see check_tls.h).
 */
#include "probes/check/check_tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/x509.h>

#include "probes/check/check_int.h"
#include "probes/check/check_xfer.h"
#include "probes/tls/tls_verdict.h"

struct check_trust {
    unsigned refs;
    X509_STORE *store;
};

static _Atomic unsigned long trust_loads;

unsigned long check_trust_loads(void)
{
    return trust_loads;
}

static X509_STORE *load_store(const char *cacert, const char **why)
{
    trust_loads++;
    return tls_store_from_file(cacert, why);
}

struct check_trust *check_trust_load(const char *cacert, char *err, size_t len)
{
    const char *why = NULL;
    struct check_trust *t = calloc(1, sizeof *t);
    if (t != NULL)
        t->store = load_store(cacert, &why);
    if (t == NULL || t->store == NULL) {
        if (err != NULL && len > 0)
            snprintf(err, len, "cannot load the trust store%s%s: %s", cacert ? " " : "",
                     cacert ? cacert : "", t == NULL ? "out of memory" : why ? why : "?");
        free(t);
        return NULL;
    }
    t->refs = 1;
    return t;
}

struct check_trust *check_trust_ref(struct check_trust *t)
{
    if (t != NULL)
        t->refs++;
    return t;
}

void check_trust_unref(struct check_trust *t)
{
    if (t == NULL || --t->refs > 0)
        return;
    X509_STORE_free(t->store);
    free(t);
}

void check_tls_judge(struct check *c)
{
    if (c == NULL || c->tls_verdict != NULL)
        return;
    if (c->tls_chain == NULL) {
        snprintf(c->tls_verdict_why, sizeof c->tls_verdict_why,
                 "the server presented no certificate chain");
        return;
    }
    const char *why = NULL;
    X509_STORE *store = NULL;
    if (!c->insecure && c->trust != NULL) {
        store = c->trust->store; /* shared: loaded once for the configuration */
        if (X509_STORE_up_ref(store) != 1)
            store = NULL;
    } else if (!c->insecure) {
        store = load_store(c->cacert, &why);
    }
    if (!c->insecure) {
        if (store == NULL) {
            snprintf(c->tls_verdict_why, sizeof c->tls_verdict_why,
                     "cannot load the trust store%s%s: %s", c->cacert ? " " : "",
                     c->cacert ? c->cacert : "", why ? why : "?");
            return;
        }
    }
    struct tls_verdict *v = malloc(sizeof *v);
    struct tls_verdict_params p = {
        .chain = (STACK_OF(X509) *)c->tls_chain,
        .store = store,
        .handshake_verify = -1,
        .host = c->insecure ? NULL : c->host,
        .now = (int64_t)time(NULL),
        .warn_days = (int)c->cert_warn_days,
    };
    if (v == NULL || tls_verdict_compute(&p, v, &why) != 0) {
        snprintf(c->tls_verdict_why, sizeof c->tls_verdict_why,
                 "the certificate chain could not be judged: %s", v ? why : "out of memory");
        free(v);
    } else {
        c->tls_verdict = v;
        check_tracef(c, "certificate: trust %s, name %s, %lld days left", tls_trust_name(v->trust),
                     tls_name_match_name(v->name_match), (long long)v->earliest_days_left);
    }
    X509_STORE_free(store);
}

bool check_tls_trustworthy(const struct check *c)
{
    if (c == NULL || c->http)
        return true;
    const struct tls_verdict *v = c->tls_verdict;
    if (v == NULL)
        return false;
    if (v->leaf_expired || v->leaf_not_yet_valid)
        return false;
    if (c->insecure)
        return true;
    return v->trust == TLS_TRUST_OK && v->name_match != TLS_NAME_MISMATCH;
}

const struct tls_verdict *check_tls_verdict(const struct check *c)
{
    return c != NULL ? c->tls_verdict : NULL;
}

void check_tls_free(struct check *c)
{
    if (c == NULL)
        return;
    free(c->tls_verdict);
    c->tls_verdict = NULL;
}
