/*
 * check_tls.c: the certificate verdict of the connect step (see check_tls.h).
 */
#include "probes/check/check_tls.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "probes/check/check_bg.h"
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

/* ---------------------------------------------------------------------- */
/* The engine's cache for checks given no store: one per file (NULL: the
 * system store), loaded by a background thread, reused for TRUST_FRESH_MS. */

#define TRUST_FRESH_MS (300 * 1000)

struct trust_entry {
    struct trust_entry *next;
    char *path;                 /* NULL: the system store */
    struct check_trust *trust;  /* the cache's reference, or NULL */
    int64_t loaded_ms;
    struct trust_job *job;      /* a load in flight, or NULL */
    struct check *waiters;      /* linked by check->trust_next */
};

struct trust_job {
    struct trust_job *next;
    struct trust_entry *e;
    char *path;
    X509_STORE *store;          /* NULL: failed (why) */
    char why[CHECK_DETAIL_MAX];
};

static struct {
    pthread_mutex_t mu;         /* done */
    struct trust_job *done;
    struct trust_entry *entries; /* engine thread only */
} tc = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL};

static void *trust_worker(void *arg)
{
    struct trust_job *j = arg;
    const char *why = NULL;
    j->store = load_store(j->path, &why);
    if (j->store == NULL)
        snprintf(j->why, sizeof j->why, "%s", why ? why : "?");
    /* free this thread's OpenSSL state now: a process exiting right after
     * the job is handed over would not wait for the thread's destructors */
    OPENSSL_thread_stop();
    pthread_mutex_lock(&tc.mu);
    j->next = tc.done;
    tc.done = j;
    pthread_mutex_unlock(&tc.mu);
    check_bg_notify();
    return NULL;
}

static bool same_path(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void job_free(struct trust_job *j)
{
    X509_STORE_free(j->store);
    free(j->path);
    free(j);
}

static struct trust_job *trust_job_start(struct trust_entry *e)
{
    struct trust_job *j = calloc(1, sizeof *j);
    if (j == NULL)
        return NULL;
    j->e = e;
    j->path = e->path != NULL ? strdup(e->path) : NULL;
    pthread_attr_t attr;
    pthread_t t;
    if ((e->path != NULL && j->path == NULL) || check_bg_fd() < 0 ||
        pthread_attr_init(&attr) != 0) {
        job_free(j);
        return NULL;
    }
    (void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, trust_worker, j);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        job_free(j);
        return NULL;
    }
    e->job = j;
    return j;
}

int check_trust_request(struct check *c)
{
    if (c->trust != NULL || c->insecure || c->http)
        return 1;
    struct trust_entry *e = tc.entries;
    while (e != NULL && !same_path(e->path, c->cacert))
        e = e->next;
    if (e == NULL) {
        e = calloc(1, sizeof *e);
        if (e == NULL || (c->cacert != NULL && (e->path = strdup(c->cacert)) == NULL)) {
            free(e);
            return -1; /* the check loads its own when it judges */
        }
        e->next = tc.entries;
        tc.entries = e;
    }
    if (e->trust != NULL && check_now_ms() - e->loaded_ms < TRUST_FRESH_MS) {
        c->trust = check_trust_ref(e->trust);
        return 1;
    }
    if (e->job == NULL && trust_job_start(e) == NULL)
        return -1;
    c->trust_wait = e;
    c->trust_next = e->waiters;
    e->waiters = c;
    check_tracef(c, "trust store %s: loading in the background", c->cacert ? c->cacert : "(system)");
    return 0;
}

bool check_trust_pending(const struct check *c)
{
    return c != NULL && c->trust_wait != NULL;
}

void check_trust_unwait(struct check *c, const char *why)
{
    struct trust_entry *e = c != NULL ? c->trust_wait : NULL;
    if (e == NULL)
        return;
    for (struct check **pp = &e->waiters; *pp != NULL; pp = &(*pp)->trust_next)
        if (*pp == c) {
            *pp = c->trust_next;
            break;
        }
    c->trust_wait = NULL;
    c->trust_next = NULL;
    if (why != NULL && c->tls_verdict == NULL) {
        snprintf(c->tls_verdict_why, sizeof c->tls_verdict_why, "%s", why);
        c->judge_deferred = false;
        c->trust_failed = true; /* no second, blocking load when it judges */
    }
}

void check_trust_poll(void (*resume)(struct check *c, void *arg), void *arg)
{
    pthread_mutex_lock(&tc.mu);
    struct trust_job *done = tc.done;
    tc.done = NULL;
    pthread_mutex_unlock(&tc.mu);
    while (done != NULL) {
        struct trust_job *j = done;
        done = j->next;
        struct trust_entry *e = j->e;
        e->job = NULL;
        struct check_trust *t = j->store != NULL ? calloc(1, sizeof *t) : NULL;
        if (t != NULL) {
            t->refs = 1;
            t->store = j->store;
            j->store = NULL;
            check_trust_unref(e->trust);
            e->trust = t;
            e->loaded_ms = check_now_ms();
        }
        while (e->waiters != NULL) {
            struct check *c = e->waiters;
            char why[CHECK_DETAIL_MAX];
            snprintf(why, sizeof why, "cannot load the trust store %.80s: %.120s",
                     e->path ? e->path : "(system)", j->why[0] ? j->why : "out of memory");
            check_trust_unwait(c, t != NULL ? NULL : why);
            if (t != NULL)
                c->trust = check_trust_ref(t);
            if (c->judge_deferred) { /* the connect step ended meanwhile */
                c->judge_deferred = false;
                check_tls_judge(c);
            }
            if (resume != NULL)
                resume(c, arg);
        }
        job_free(j);
    }
}

void check_trust_cleanup(void)
{
    check_trust_poll(NULL, NULL);
    struct trust_entry **pp = &tc.entries;
    while (*pp != NULL) {
        struct trust_entry *e = *pp;
        if (e->job == NULL && e->waiters == NULL) {
            *pp = e->next;
            check_trust_unref(e->trust);
            free(e->path);
            free(e);
        } else {
            pp = &e->next;
        }
    }
}

void check_tls_judge(struct check *c)
{
    if (c == NULL || c->tls_verdict != NULL)
        return;
    if (c->trust_wait != NULL) { /* the store is still loading: judge when it is in */
        c->judge_deferred = true;
        return;
    }
    if (c->trust_failed && !c->insecure)
        return; /* tls_verdict_why says why */
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
