/*
 * check_gss.c: Kerberos identities for Negotiate (see check_gss.h).
 *
 * Data on the engine's thread: the identities (struct check_ident, shared by
 * the checks of one identity, kept after their last check so the next check
 * reuses the tickets) and the acquisitions in flight (struct gss_job, at
 * most one per identity, with the checks waiting for it).
 *
 * Workers: at most CHECK_GSS_WORKERS threads, started when a job is queued
 * and none is idle, leaving after GSS_WORKER_IDLE_S without work. A job
 * waits in the FIFO queue (under the mutex) until a worker takes it; from
 * then the worker owns it until it puts it on the done list (under the
 * mutex) and signals the engine's eventfd (check_bg.h). A worker works on
 * the job's own copies of the inputs and never touches an identity. A job
 * still queued whose last waiting check gave up (deadline, cancel) leaves
 * the queue at once, so expired checks never hold up the others.
 */
#include "probes/check/check_gss.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "probes/check/check_bg.h"
#include "probes/check/check_int.h"
#include "probes/check/check_xfer.h"

#define GSS_MAX_HOSTS 16   /* hosts with a service ticket, per identity */
#define GSS_IDLE_MS (3600 * 1000) /* an unused identity is freed after this */
#define GSS_WORKER_IDLE_S 10      /* an idle worker thread leaves after this */

static gss_OID_desc krb5_oid = {9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};
static gss_OID_desc spnego_oid = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};

struct check_ident {
    struct check_ident *next;
    unsigned refs;                 /* checks attached */
    unsigned char key[32];         /* SHA-256 of user, keytab, password */
    char *user, *keytab, *password;
    size_t password_len;
    gss_cred_id_t cred;            /* GSS_C_NO_CREDENTIAL until acquired */
    char ccname[48];               /* our MEMORY: cache, "" for the default cache */
    int64_t expires_ms;            /* monotonic end of the TGT; 0: none */
    int64_t renew_ms;              /* acquire again from then on (check_gss_renew_margin) */
    char hosts[GSS_MAX_HOSTS][CHECK_NAME_MAX]; /* service tickets fetched */
    size_t nhosts, next_host;
    int64_t last_used_ms;
    struct gss_job *job;           /* the acquisition in flight, or NULL */
};

struct gss_job {
    struct gss_job *next;          /* queue or done list (under eng.mu) */
    struct gss_job *prev;          /* queue */
    bool taken;                    /* a worker has it (under eng.mu) */
    struct check_ident *id;        /* NULL once the identity is gone */
    struct check *waiters;         /* checks waiting (linked by their check_gss) */
    /* inputs (copies: the worker reads nothing else) */
    bool renew;                    /* a new TGT into a fresh cache */
    char host[CHECK_NAME_MAX];
    char *user, *keytab, *password;
    size_t password_len;
    char ccname[48];               /* renew: the new cache; else the identity's */
    /* outputs */
    gss_cred_id_t cred;
    OM_uint32 lifetime_s;
    bool failed, rejected;
    char why[CHECK_DETAIL_MAX];
};

/* A check's link to its identity. */
struct check_gss {
    struct check_ident *id;
    struct gss_job *job;           /* waiting for it, or NULL */
    struct check *next_waiter;
};

static struct {
    pthread_mutex_t mu;            /* everything but idents */
    pthread_cond_t work;           /* a job was queued, or idle workers should leave */
    struct gss_job *done;          /* finished by workers */
    struct gss_job *head, *tail;   /* the queue: waiting for a worker, oldest first */
    unsigned queued, workers, idle, peak;
    bool retire;                   /* idle workers leave now (check_gss_cleanup) */
    unsigned long tgts;            /* ticket-granting tickets acquired */
    unsigned long acq_ok, acq_rejected, acq_error; /* finished acquisitions (engine thread) */
    struct check_ident *idents;    /* engine thread only */
} eng = {.mu = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER};

int check_gss_principal(const char *user, char *out, size_t cap)
{
    if (user == NULL || out == NULL || cap == 0 || user[0] == '\0')
        return -1;
    const char *bs = strrchr(user, '\\');
    const char *name = bs != NULL ? bs + 1 : user;
    size_t n = strlen(name);
    if (n == 0 || n >= cap)
        return -1;
    memcpy(out, name, n + 1);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* The worker (own thread; touches only its job)                            */

/* GSS major/minor status as one line. */
static void gss_why(OM_uint32 major, OM_uint32 minor, const char *what, char *out, size_t cap)
{
    char text[CHECK_DETAIL_MAX] = "";
    size_t used = 0;
    for (int pass = 0; pass < 2; pass++) {
        OM_uint32 code = pass == 0 ? major : minor, ctx = 0, min2;
        int type = pass == 0 ? GSS_C_GSS_CODE : GSS_C_MECH_CODE;
        if (pass == 1 && minor == 0)
            break;
        for (int i = 0; i < 4; i++) {
            gss_buffer_desc b = GSS_C_EMPTY_BUFFER;
            if (gss_display_status(&min2, code, type, &krb5_oid, &ctx, &b) != GSS_S_COMPLETE)
                break;
            int n = snprintf(text + used, sizeof text - used, "%s%.*s", used ? "; " : "",
                             (int)b.length, (const char *)b.value);
            gss_release_buffer(&min2, &b);
            if (n > 0 && (size_t)n < sizeof text - used)
                used += (size_t)n;
            if (ctx == 0)
                break;
        }
    }
    snprintf(out, cap, "%s: %s", what, text[0] ? text : "GSS-API failure");
}

/* A KDC refusal (a finding about the account or the server), not a local problem. */
static bool kdc_refused(OM_uint32 minor)
{
    switch ((krb5_error_code)minor) {
    case KRB5KDC_ERR_PREAUTH_FAILED:
    case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
    case KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN:
    case KRB5KDC_ERR_CLIENT_REVOKED:
    case KRB5KDC_ERR_KEY_EXP:
    case KRB5KRB_AP_ERR_BAD_INTEGRITY:
        return true;
    default:
        return false;
    }
}

static int job_fail(struct gss_job *j, OM_uint32 major, OM_uint32 minor, const char *what)
{
    j->failed = true;
    j->rejected = kdc_refused(minor);
    gss_why(major, minor, what, j->why, sizeof j->why);
    return -1;
}

/* One context for HTTP@host: fetches the service ticket into the cache. */
static int prewarm(struct gss_job *j, gss_cred_id_t cred)
{
    OM_uint32 major, minor, mn;
    char svc[CHECK_NAME_MAX + 8];
    snprintf(svc, sizeof svc, "HTTP@%s", j->host);
    gss_buffer_desc nb = {strlen(svc), svc};
    gss_name_t target = GSS_C_NO_NAME;
    major = gss_import_name(&minor, &nb, GSS_C_NT_HOSTBASED_SERVICE, &target);
    if (GSS_ERROR(major))
        return job_fail(j, major, minor, "bad service name");
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    major =
        gss_init_sec_context(&minor, cred, &ctx, target, &krb5_oid, GSS_C_MUTUAL_FLAG, 0,
                             GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &out, NULL, NULL);
    gss_release_buffer(&mn, &out);
    gss_delete_sec_context(&mn, &ctx, GSS_C_NO_BUFFER);
    gss_release_name(&mn, &target);
    if (GSS_ERROR(major))
        return job_fail(j, major, minor, svc);
    return 0;
}

/* The identity's credentials: a new TGT (renew) or a handle on its cache. */
static int acquire(struct gss_job *j)
{
    OM_uint32 major, minor, mn;
    gss_name_t name = GSS_C_NO_NAME;
    char princ[CHECK_NAME_MAX];
    if (j->user != NULL && (j->password != NULL || j->keytab != NULL)) {
        if (check_gss_principal(j->user, princ, sizeof princ) < 0)
            return job_fail(j, GSS_S_BAD_NAME, 0, "bad user name");
        gss_buffer_desc nb = {strlen(princ), princ};
        major = gss_import_name(&minor, &nb, GSS_C_NT_USER_NAME, &name);
        if (GSS_ERROR(major))
            return job_fail(j, major, minor, "bad user name");
    }
    gss_key_value_element_desc el[2] = {{"ccache", j->ccname}, {"client_keytab", j->keytab}};
    gss_key_value_set_desc store = {j->keytab != NULL && j->renew ? 2u : 1u, el};
    if (j->ccname[0] == '\0') { /* the default cache, as kinit left it */
        major = gss_acquire_cred(&minor, name, GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
                                 GSS_C_INITIATE, &j->cred, NULL, NULL);
    } else if (j->renew && j->password != NULL) {
        gss_OID_set_desc mechs = {1, &krb5_oid};
        gss_buffer_desc pw = {j->password_len, j->password};
        gss_cred_id_t tmp = GSS_C_NO_CREDENTIAL;
        major = gss_acquire_cred_with_password(&minor, name, &pw, GSS_C_INDEFINITE, &mechs,
                                               GSS_C_INITIATE, &tmp, NULL, NULL);
        if (!GSS_ERROR(major))
            major = gss_store_cred_into(&minor, tmp, GSS_C_INITIATE, &krb5_oid, 1, 0, &store,
                                        NULL, NULL);
        gss_release_cred(&mn, &tmp);
        if (!GSS_ERROR(major))
            major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
                                          GSS_C_INITIATE, &store, &j->cred, NULL, NULL);
    } else {
        major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE, GSS_C_NO_OID_SET,
                                      GSS_C_INITIATE, &store, &j->cred, NULL, NULL);
    }
    gss_release_name(&mn, &name);
    if (GSS_ERROR(major))
        return job_fail(j, major, minor,
                        j->password != NULL ? "password refused or KDC unreachable"
                        : j->keytab != NULL ? "no credentials from the keytab"
                                            : "no credentials in the default cache");
    return 0;
}

static void run_job(struct gss_job *j)
{
    OM_uint32 mn, lifetime = 0;
    if (acquire(j) == 0 && prewarm(j, j->cred) == 0 &&
        !GSS_ERROR(gss_inquire_cred(&mn, j->cred, NULL, &lifetime, NULL, NULL)))
        j->lifetime_s = lifetime;
    /* libkrb5's crypto is OpenSSL's: free this thread's OpenSSL state now
     * (a process exiting right after the hand-over would not wait for the
     * thread's destructors) */
    OPENSSL_thread_stop();
}

/* The oldest queued job, taken out of the queue (eng.mu held), or NULL. */
static struct gss_job *queue_pop(void)
{
    struct gss_job *j = eng.head;
    if (j == NULL)
        return NULL;
    eng.head = j->next;
    if (eng.head != NULL)
        eng.head->prev = NULL;
    else
        eng.tail = NULL;
    j->next = j->prev = NULL;
    j->taken = true;
    eng.queued--;
    return j;
}

static void *worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&eng.mu);
    for (;;) {
        struct gss_job *j = queue_pop();
        if (j == NULL) {
            if (eng.retire)
                break;
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += GSS_WORKER_IDLE_S;
            eng.idle++;
            int rc = pthread_cond_timedwait(&eng.work, &eng.mu, &until);
            eng.idle--;
            if (rc == ETIMEDOUT && eng.head == NULL)
                break;
            continue;
        }
        pthread_mutex_unlock(&eng.mu);
        run_job(j);
        pthread_mutex_lock(&eng.mu);
        j->next = eng.done;
        eng.done = j;
        check_bg_notify();
    }
    eng.workers--;
    pthread_mutex_unlock(&eng.mu);
    return NULL;
}

/* Queue j for a worker, starting one when none is idle and fewer than
 * CHECK_GSS_WORKERS run. Returns 0, or an errno (no worker at all). */
static int queue_push(struct gss_job *j)
{
    int rc = 0;
    pthread_mutex_lock(&eng.mu);
    eng.retire = false;
    j->prev = eng.tail;
    j->next = NULL;
    if (eng.tail != NULL)
        eng.tail->next = j;
    else
        eng.head = j;
    eng.tail = j;
    eng.queued++;
    if (eng.queued > eng.idle && eng.workers < CHECK_GSS_WORKERS) {
        pthread_attr_t attr;
        pthread_t t;
        rc = pthread_attr_init(&attr);
        if (rc == 0) {
            (void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
            rc = pthread_create(&t, &attr, worker, NULL);
            pthread_attr_destroy(&attr);
        }
        if (rc == 0 && ++eng.workers > eng.peak)
            eng.peak = eng.workers;
        if (rc != 0 && eng.workers > 0)
            rc = 0; /* the running workers will take it */
    }
    if (rc == 0) {
        pthread_cond_signal(&eng.work);
    } else { /* no worker can take it: out of the queue again */
        eng.tail = j->prev;
        if (eng.tail != NULL)
            eng.tail->next = NULL;
        else
            eng.head = NULL;
        eng.queued--;
    }
    pthread_mutex_unlock(&eng.mu);
    return rc;
}

/* Take j out of the queue if no worker has it yet. Returns true if so. */
static bool queue_remove(struct gss_job *j)
{
    pthread_mutex_lock(&eng.mu);
    bool queued = !j->taken;
    if (queued) {
        if (j->prev != NULL)
            j->prev->next = j->next;
        else
            eng.head = j->next;
        if (j->next != NULL)
            j->next->prev = j->prev;
        else
            eng.tail = j->prev;
        j->next = j->prev = NULL;
        eng.queued--;
    }
    pthread_mutex_unlock(&eng.mu);
    return queued;
}

/* ---------------------------------------------------------------------- */
/* Identities (engine thread)                                               */

static void wipe_free(char *s, size_t n)
{
    if (s != NULL) {
        explicit_bzero(s, n);
        free(s);
    }
}

static void destroy_cache(const char *ccname)
{
    krb5_context kc;
    krb5_ccache cc;
    if (ccname[0] == '\0' || krb5_init_context(&kc) != 0)
        return;
    if (krb5_cc_resolve(kc, ccname, &cc) == 0)
        (void)krb5_cc_destroy(kc, cc);
    krb5_free_context(kc);
}

static void ident_free(struct check_ident *id)
{
    OM_uint32 mn;
    if (id->cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&mn, &id->cred);
    destroy_cache(id->ccname);
    free(id->user);
    free(id->keytab);
    wipe_free(id->password, id->password_len);
    free(id);
}

static void ident_key(const struct check *c, unsigned char key[32])
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    unsigned len = 32;
    const char *parts[3] = {c->user ? c->user : "", c->keytab ? c->keytab : "",
                            c->password ? c->password : ""};
    int ok = m != NULL && EVP_DigestInit_ex(m, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; ok && i < 3; i++)
        ok = EVP_DigestUpdate(m, parts[i], strlen(parts[i]) + 1) == 1; /* with its NUL */
    if (!ok || EVP_DigestFinal_ex(m, key, &len) != 1)
        memset(key, 0, 32); /* never matches a real one: a fresh identity */
    EVP_MD_CTX_free(m);
}

static char *dup_or_null(const char *s, bool *ok)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        *ok = false;
    return d;
}

/* The identity of c: found, or created (with copies of the options). */
static struct check_ident *ident_get(struct check *c)
{
    unsigned char key[32];
    ident_key(c, key);
    int64_t now = check_now_ms();
    struct check_ident **pp = &eng.idents, *found = NULL;
    while (*pp != NULL) {
        struct check_ident *id = *pp;
        if (found == NULL && memcmp(id->key, key, sizeof key) != 0 && id->refs == 0 &&
            id->job == NULL && now - id->last_used_ms > GSS_IDLE_MS) {
            *pp = id->next; /* idle for an hour: forget it */
            ident_free(id);
            continue;
        }
        if (memcmp(id->key, key, sizeof key) == 0 && found == NULL)
            found = id;
        pp = &id->next;
    }
    if (found != NULL)
        return found;
    struct check_ident *id = calloc(1, sizeof *id);
    if (id == NULL)
        return NULL;
    bool ok = true;
    memcpy(id->key, key, sizeof key);
    id->user = dup_or_null(c->user, &ok);
    id->keytab = dup_or_null(c->keytab, &ok);
    if (c->password != NULL) {
        id->password = malloc(c->password_len + 1);
        ok = ok && id->password != NULL;
        if (id->password != NULL)
            memcpy(id->password, c->password, c->password_len + 1);
        id->password_len = c->password_len;
    }
    id->cred = GSS_C_NO_CREDENTIAL;
    if (!ok) {
        ident_free(id);
        return NULL;
    }
    id->next = eng.idents;
    eng.idents = id;
    return id;
}

int64_t check_gss_renew_margin_ms(int64_t lifetime_ms)
{
    int64_t cap = (int64_t)CHECK_GSS_RENEW_S * 1000;
    int64_t quarter = lifetime_ms > 0 ? lifetime_ms / 4 : 0;
    return quarter < cap ? quarter : cap;
}

static bool ident_fresh(const struct check_ident *id)
{
    return id->cred != GSS_C_NO_CREDENTIAL && check_now_ms() < id->renew_ms;
}

static bool ident_has_host(const struct check_ident *id, const char *host)
{
    for (size_t i = 0; i < id->nhosts; i++)
        if (strcasecmp(id->hosts[i], host) == 0)
            return true;
    return false;
}

static void ident_add_host(struct check_ident *id, const char *host)
{
    if (ident_has_host(id, host))
        return;
    size_t i = id->nhosts < GSS_MAX_HOSTS ? id->nhosts++ : id->next_host++ % GSS_MAX_HOSTS;
    snprintf(id->hosts[i], sizeof id->hosts[i], "%s", host);
}

static void set_failed(struct check *c, bool rejected, const char *why)
{
    c->obs.creds_failed = true;
    c->obs.creds_rejected = rejected;
    snprintf(c->obs.creds_why, sizeof c->obs.creds_why, "%s", why);
    check_tracef(c, "negotiate: %s", c->obs.creds_why);
}

static void job_free(struct gss_job *j)
{
    OM_uint32 mn;
    if (j->cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&mn, &j->cred);
    free(j->user);
    free(j->keytab);
    wipe_free(j->password, j->password_len);
    free(j);
}

/* Start the acquisition id needs for host. Returns the job, or NULL (why). */
static struct gss_job *job_start(struct check_ident *id, const char *host, char *why, size_t len)
{
    struct gss_job *j = calloc(1, sizeof *j);
    if (j == NULL) {
        snprintf(why, len, "out of memory");
        return NULL;
    }
    bool ok = true;
    j->id = id;
    j->cred = GSS_C_NO_CREDENTIAL;
    j->renew = !ident_fresh(id);
    snprintf(j->host, sizeof j->host, "%s", host);
    j->user = dup_or_null(id->user, &ok);
    j->keytab = dup_or_null(id->keytab, &ok);
    if (id->password != NULL) {
        j->password = malloc(id->password_len + 1);
        ok = ok && j->password != NULL;
        if (j->password != NULL)
            memcpy(j->password, id->password, id->password_len + 1);
        j->password_len = id->password_len;
    }
    if (id->password == NULL && id->keytab == NULL) {
        j->ccname[0] = '\0'; /* the default cache */
    } else if (j->renew) {
        uint8_t rnd[8];
        ok = ok && RAND_bytes(rnd, sizeof rnd) == 1;
        snprintf(j->ccname, sizeof j->ccname, "MEMORY:oaprobe-%02x%02x%02x%02x%02x%02x%02x%02x",
                 rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    } else {
        memcpy(j->ccname, id->ccname, sizeof j->ccname);
    }
    if (!ok || check_bg_fd() < 0) {
        snprintf(why, len, "cannot start the Kerberos worker (out of memory or descriptors)");
        job_free(j);
        return NULL;
    }
    int rc = queue_push(j);
    if (rc != 0) {
        snprintf(why, len, "cannot start the Kerberos worker thread: %s", strerror(rc));
        job_free(j);
        return NULL;
    }
    id->job = j;
    return j;
}

static void wait_on(struct check *c, struct gss_job *j)
{
    c->gss->job = j;
    c->gss->next_waiter = j->waiters;
    j->waiters = c;
}

static void unwait(struct check *c)
{
    struct gss_job *j = c->gss != NULL ? c->gss->job : NULL;
    if (j == NULL)
        return;
    for (struct check **pp = &j->waiters; *pp != NULL; pp = &(*pp)->gss->next_waiter)
        if (*pp == c) {
            *pp = c->gss->next_waiter;
            break;
        }
    c->gss->job = NULL;
    c->gss->next_waiter = NULL;
    if (j->waiters == NULL && queue_remove(j)) { /* nobody waits and no worker has it */
        if (j->id != NULL)
            j->id->job = NULL;
        job_free(j);
    }
}

int check_gss_request(struct check *c)
{
    if (c->gss == NULL) {
        c->gss = calloc(1, sizeof *c->gss);
        if (c->gss == NULL) {
            set_failed(c, false, "out of memory");
            return -1;
        }
    }
    if (c->password != NULL && c->user == NULL) {
        set_failed(c, false, "bad user name: a password needs --user");
        return -1;
    }
    struct check_ident *id = c->gss->id;
    if (id == NULL) {
        id = ident_get(c);
        if (id == NULL) {
            set_failed(c, false, "out of memory");
            return -1;
        }
        id->refs++;
        c->gss->id = id;
    }
    id->last_used_ms = check_now_ms();
    if (ident_fresh(id) && ident_has_host(id, c->host)) {
        check_tracef(c, "negotiate: tickets for HTTP@%s in %s", c->host,
                     id->ccname[0] ? id->ccname : "the default cache");
        return 1;
    }
    struct gss_job *j = id->job;
    if (j == NULL) {
        char why[CHECK_DETAIL_MAX];
        j = job_start(id, c->host, why, sizeof why);
        if (j == NULL) {
            set_failed(c, false, why);
            return -1;
        }
        check_tracef(c, "negotiate: %s in the background", j->renew ? "getting tickets"
                                                                    : "getting a service ticket");
    }
    wait_on(c, j);
    return 0;
}

bool check_gss_pending(const struct check *c)
{
    return c != NULL && c->gss != NULL && c->gss->job != NULL;
}

bool check_gss_ready(const struct check *c)
{
    const struct check_ident *id = c != NULL && c->gss != NULL ? c->gss->id : NULL;
    return id != NULL && c->gss->job == NULL && !c->obs.creds_failed &&
           id->cred != GSS_C_NO_CREDENTIAL && ident_has_host(id, c->host);
}

void check_gss_expire(struct check *c)
{
    if (!check_gss_pending(c))
        return;
    pthread_mutex_lock(&eng.mu);
    bool queued = !c->gss->job->taken;
    unsigned workers = eng.workers, ahead = eng.queued;
    pthread_mutex_unlock(&eng.mu);
    unwait(c);
    char why[CHECK_DETAIL_MAX];
    if (queued)
        snprintf(why, sizeof why,
                 "no Kerberos worker free within the %u ms deadline (getting tickets for "
                 "HTTP@%s: %u workers busy, %u acquisitions queued)",
                 c->timeout_ms, c->host, workers, ahead);
    else
        snprintf(why, sizeof why,
                 "no answer from the KDC within the %u ms deadline (getting tickets for HTTP@%s)",
                 c->timeout_ms, c->host);
    c->obs.creds_timeout = true;
    set_failed(c, false, why);
}

/* Apply a finished job to its identity. */
static void job_apply(struct gss_job *j)
{
    if (!j->failed)
        eng.acq_ok++;
    else if (j->rejected)
        eng.acq_rejected++;
    else
        eng.acq_error++;
    struct check_ident *id = j->id;
    if (id == NULL)
        return;
    id->job = NULL;
    if (j->failed) {
        if (j->renew) /* the tickets of the old cache, if any, are past their time */
            id->expires_ms = id->renew_ms = 0;
        if (j->renew && j->ccname[0] != '\0' && strcmp(j->ccname, id->ccname) != 0)
            destroy_cache(j->ccname);
        return;
    }
    if (j->renew) {
        OM_uint32 mn;
        if (id->cred != GSS_C_NO_CREDENTIAL)
            gss_release_cred(&mn, &id->cred);
        if (strcmp(id->ccname, j->ccname) != 0)
            destroy_cache(id->ccname);
        id->cred = j->cred;
        j->cred = GSS_C_NO_CREDENTIAL;
        memcpy(id->ccname, j->ccname, sizeof id->ccname);
        id->nhosts = id->next_host = 0;
        int64_t life_ms = (int64_t)j->lifetime_s * 1000;
        id->expires_ms = check_now_ms() + life_ms;
        id->renew_ms = id->expires_ms - check_gss_renew_margin_ms(life_ms);
        eng.tgts++;
    }
    ident_add_host(id, j->host);
}

void check_gss_poll(void (*resume)(struct check *c, void *arg), void *arg)
{
    pthread_mutex_lock(&eng.mu);
    struct gss_job *done = eng.done;
    eng.done = NULL;
    pthread_mutex_unlock(&eng.mu);
    while (done != NULL) {
        struct gss_job *j = done;
        done = j->next;
        job_apply(j);
        /* each waiter: the failure if it concerns it, else ask again (its
         * host may need an acquisition of its own) */
        while (j->waiters != NULL) {
            struct check *c = j->waiters;
            unwait(c);
            if (j->failed && (j->renew || strcasecmp(j->host, c->host) == 0))
                set_failed(c, j->rejected, j->why);
            else if (check_gss_request(c) == 0)
                continue; /* waits for the next acquisition */
            if (resume != NULL)
                resume(c, arg);
        }
        job_free(j);
    }
}

int check_gss_header(struct check *c, struct curl_slist **headers)
{
    const struct check_ident *id = c->gss != NULL ? c->gss->id : NULL;
    if (id == NULL || id->cred == GSS_C_NO_CREDENTIAL) {
        set_failed(c, false, "no Kerberos credentials");
        return -1;
    }
    OM_uint32 major, minor, mn;
    char svc[CHECK_NAME_MAX + 8];
    snprintf(svc, sizeof svc, "HTTP@%s", c->host);
    gss_buffer_desc nb = {strlen(svc), svc};
    gss_name_t target = GSS_C_NO_NAME;
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    major = gss_import_name(&minor, &nb, GSS_C_NT_HOSTBASED_SERVICE, &target);
    if (!GSS_ERROR(major))
        major = gss_init_sec_context(&minor, id->cred, &ctx, target, &spnego_oid,
                                     GSS_C_MUTUAL_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS,
                                     GSS_C_NO_BUFFER, NULL, &out, NULL, NULL);
    gss_delete_sec_context(&mn, &ctx, GSS_C_NO_BUFFER);
    gss_release_name(&mn, &target);
    int rc = -1;
    if (GSS_ERROR(major) || out.length == 0) {
        gss_why(major, minor, svc, c->obs.creds_why, sizeof c->obs.creds_why);
    } else {
        size_t cap = 32 + 4 * ((out.length + 2) / 3) + 1;
        char *line = malloc(cap);
        int n = line != NULL ? snprintf(line, cap, "Authorization: Negotiate ") : -1;
        if (n > 0 && out.length < (size_t)INT32_MAX / 2 &&
            EVP_EncodeBlock((unsigned char *)line + n, out.value, (int)out.length) > 0) {
            struct curl_slist *t = curl_slist_append(*headers, line);
            if (t != NULL) {
                *headers = t;
                rc = 0;
            }
        }
        if (line != NULL) {
            explicit_bzero(line, cap);
            free(line);
        }
        if (rc < 0)
            snprintf(c->obs.creds_why, sizeof c->obs.creds_why, "out of memory");
    }
    gss_release_buffer(&mn, &out);
    return rc;
}

void check_gss_free(struct check *c)
{
    if (c == NULL || c->gss == NULL)
        return;
    unwait(c);
    if (c->gss->id != NULL) {
        c->gss->id->refs--;
        c->gss->id->last_used_ms = check_now_ms();
    }
    free(c->gss);
    c->gss = NULL;
}

void check_gss_stats(unsigned *workers, unsigned *peak, unsigned *queued, unsigned long *tgts,
                     unsigned long acq[3])
{
    pthread_mutex_lock(&eng.mu);
    *workers = eng.workers;
    *peak = eng.peak;
    *queued = eng.queued;
    pthread_mutex_unlock(&eng.mu);
    *tgts = eng.tgts; /* engine thread only */
    acq[0] = eng.acq_ok;
    acq[1] = eng.acq_rejected;
    acq[2] = eng.acq_error;
}

void check_gss_cleanup(void)
{
    pthread_mutex_lock(&eng.mu); /* idle workers leave now, busy ones after their job */
    eng.retire = true;
    pthread_cond_broadcast(&eng.work);
    pthread_mutex_unlock(&eng.mu);
    check_gss_poll(NULL, NULL); /* apply what has finished */
    struct check_ident **pp = &eng.idents;
    while (*pp != NULL) {
        struct check_ident *id = *pp;
        if (id->refs == 0 && id->job == NULL) {
            *pp = id->next;
            ident_free(id);
        } else {
            pp = &id->next;
        }
    }
}
