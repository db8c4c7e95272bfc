/*
 * store_writer.c: the asynchronous writer (store_writer.h): a bounded FIFO
 * of copied items, one worker thread with its own connection applying each
 * batch in one transaction, completions handed back through an eventfd.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "service/store_int.h"
#include "service/store_writer.h"

/* A completion, allocated at submit time so the worker never allocates. */
struct done {
    struct done *next;
    struct store_done d;
    char target[STORE_NAME_MAX + 1];
    char err[256]; /* as struct store's */
};

struct item {
    struct item *next;
    struct done *done;
    enum store_op op;
    size_t bytes;
    union {
        struct store_run run;
        struct {
            const char *target;
            int from, to;
            int64_t t;
            size_t ncodes;
        } inc;
        struct store_delivery dlv;
        struct {
            const char *name, *json;
            int64_t now;
        } api;
        struct {
            const char *body;
            int64_t id, end_at, now;
        } maint;
        struct {
            int64_t cutoff;
            size_t batch;
            int64_t removed;
        } prune;
    } u;
    const char *codes[STORE_CODES_MAX];
    char data[]; /* the copied strings */
};

/* A callback for one ticket's completion (store_writer_wait). */
struct waiter {
    uint64_t ticket;
    store_done_cb fn;
    void *arg;
};

struct store_writer {
    struct store *st;          /* the worker's connection */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work_cv;    /* worker waits for items */
    pthread_cond_t idle_cv;    /* flush waits for idleness */
    int efd;
    int stopping;
    int busy;                  /* worker holds a batch */
    size_t prunes;             /* prune items not yet finished */
    struct item *head, *tail;  /* queued */
    struct done *dhead, *dtail;/* completions not yet polled */
    size_t outstanding;        /* submitted and not yet polled */
    size_t cap, bytes_cap;
    uint64_t next_ticket;
    struct waiter *waiters;    /* loop thread only, by ticket */
    size_t nwaiters, waiters_cap;
    struct store_writer_stats stats;
    char err[200];             /* last submission failure (loop thread) */
};

/* ---- the worker --------------------------------------------------------- */

static int apply(struct store *st, struct item *it)
{
    struct done *d = it->done;
    switch (it->op) {
    case STORE_OP_RUN:
        return store_run_add(st, &it->u.run, &d->d.id);
    case STORE_OP_INCIDENT_OPEN:
        return store_incident_open(st, it->u.inc.target, it->u.inc.from, it->u.inc.to,
                                   it->u.inc.t, it->codes, it->u.inc.ncodes, &d->d.id);
    case STORE_OP_INCIDENT_CLOSE:
        return store_incident_close(st, it->u.inc.target, it->u.inc.t);
    case STORE_OP_DELIVERY:
        return store_delivery_add(st, &it->u.dlv, &d->d.id);
    case STORE_OP_API_PUT:
        return store_api_target_put(st, it->u.api.name, it->u.api.json, it->u.api.now);
    case STORE_OP_API_DELETE:
        return store_api_target_delete(st, it->u.api.name);
    case STORE_OP_MAINT_PUT: {
        int64_t id = it->u.maint.id;
        int rc = id == 0 ? store_maint_add(st, it->u.maint.body, it->u.maint.end_at,
                                           it->u.maint.now, &id)
                         : store_maint_put(st, id, it->u.maint.body, it->u.maint.end_at,
                                           it->u.maint.now);
        if (rc >= 0) {
            d->d.id = id;
            snprintf(d->target, sizeof d->target, "api-%lld", (long long)id);
        }
        return rc;
    }
    case STORE_OP_MAINT_DELETE:
        return store_maint_delete(st, it->u.maint.id);
    case STORE_OP_ALERT_PUT:
        return store_alert_put(st, it->u.api.name, it->u.api.json, it->u.api.now);
    case STORE_OP_ALERT_DELETE:
        return store_alert_delete(st, it->u.api.name);
    case STORE_OP_PRUNE:
        break;
    }
    return STORE_EINVAL;
}

static void finish(struct item *it, int rc, const char *err)
{
    it->done->d.rc = rc;
    if (rc < 0)
        snprintf(it->done->err, sizeof it->done->err, "%s", err);
}

/* STORE_EBUSY when the last statement failed because another connection
 * held the lock past busy_timeout, else STORE_EDB. */
static int busy_or_db(struct store *st)
{
    int code = sqlite3_extended_errcode(st->db) & 0xff;
    return code == SQLITE_BUSY || code == SQLITE_LOCKED ? STORE_EBUSY : STORE_EDB;
}

/* Applies n items (no prune among them) in one transaction. */
static void apply_batch(struct store_writer *w, struct item **v, size_t n)
{
    struct store *st = w->st;
    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = busy_or_db(st);
        store_dberr(st, "writer: begin");
        for (size_t i = 0; i < n; i++)
            finish(v[i], rc, st->err);
        return;
    }
    st->in_batch = 1;
    for (size_t i = 0; i < n; i++) {
        st->err[0] = '\0';
        int rc = apply(st, v[i]);
        finish(v[i], rc, st->err);
    }
    st->in_batch = 0;
    if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = busy_or_db(st);
        store_dberr(st, "writer: commit");
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        for (size_t i = 0; i < n; i++)
            if (v[i]->done->d.rc >= 0) {
                v[i]->done->d.id = 0;
                finish(v[i], rc, st->err);
            }
    }
}

/* Moves the completions of v to the done list (mutex held). */
static void post(struct store_writer *w, struct item **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct done *d = v[i]->done;
        if (d->d.rc < 0)
            w->stats.failed++;
        else
            w->stats.committed++;
        d->next = NULL;
        if (w->dtail)
            w->dtail->next = d;
        else
            w->dhead = d;
        w->dtail = d;
        free(v[i]);
    }
}

static void wake_loop(struct store_writer *w)
{
    uint64_t one = 1;
    ssize_t r;
    do
        r = write(w->efd, &one, sizeof one);
    while (r < 0 && errno == EINTR);
}

static void *worker(void *arg)
{
    struct store_writer *w = arg;
    struct item *batch[STORE_WRITER_BATCH];
    struct item *prunes = NULL, **prunes_tail = &prunes;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->stopping && !prunes)
            pthread_cond_wait(&w->work_cv, &w->mu);
        if (!w->head && w->stopping)
            break;
        size_t n = 0;
        while (w->head && n < STORE_WRITER_BATCH) {
            struct item *it = w->head;
            w->head = it->next;
            if (!w->head)
                w->tail = NULL;
            w->stats.queued--;
            w->stats.queued_bytes -= it->bytes;
            it->next = NULL;
            if (it->op == STORE_OP_PRUNE) {
                *prunes_tail = it;
                prunes_tail = &it->next;
            } else {
                batch[n++] = it;
            }
        }
        w->busy = 1;
        pthread_mutex_unlock(&w->mu);

        struct item *pruned = NULL;
        if (n) {
            apply_batch(w, batch, n);
        } else if (prunes) {
            /* One bounded prune step; other writes go first next round. */
            struct item *p = prunes;
            int64_t removed = 0;
            w->st->err[0] = '\0';
            int rc = store_prune(w->st, p->u.prune.cutoff, p->u.prune.batch, &removed);
            if (rc >= 0)
                p->u.prune.removed += removed;
            if (rc != 1) {
                prunes = p->next;
                if (!prunes)
                    prunes_tail = &prunes;
                p->done->d.id = p->u.prune.removed;
                finish(p, rc, w->st->err);
                pruned = p;
            }
        }

        pthread_mutex_lock(&w->mu);
        if (n) {
            w->stats.batches++;
            if (n > w->stats.batch_max)
                w->stats.batch_max = n;
            post(w, batch, n);
        }
        if (pruned) {
            w->prunes--;
            post(w, &pruned, 1);
        }
        w->busy = 0;
        if (!w->head && !w->prunes)
            pthread_cond_broadcast(&w->idle_cv);
        if (n || pruned)
            wake_loop(w);
    }
    /* Stopping: prunes not finished are dropped (the next start prunes). */
    while (prunes) {
        struct item *p = prunes;
        prunes = p->next;
        p->done->d.id = p->u.prune.removed;
        finish(p, STORE_ESTOPPED, "writer stopped before the prune finished");
        w->prunes--;
        post(w, &p, 1);
    }
    pthread_cond_broadcast(&w->idle_cv);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* ---- start, stop, poll -------------------------------------------------- */

static struct waiter *waiter_find(struct store_writer *w, uint64_t t);
static size_t deliver(struct store_writer *w, struct done *d, store_done_cb cb, void *arg);

int store_writer_start(const char *path, size_t queue_cap, size_t bytes_cap,
                       struct store_writer **out, char *err, size_t errlen)
{
    if (!out) {
        if (err && errlen)
            snprintf(err, errlen, "store_writer_start: out is required");
        return STORE_EINVAL;
    }
    *out = NULL;
    struct store_writer *w = calloc(1, sizeof *w);
    if (!w) {
        if (err && errlen)
            snprintf(err, errlen, "store_writer_start: out of memory");
        return STORE_ENOMEM;
    }
    int rc = store_open(path, &w->st, err, errlen);
    if (rc) {
        free(w);
        return rc;
    }
    w->cap = queue_cap ? queue_cap : STORE_WRITER_QUEUE_DEFAULT;
    w->bytes_cap = bytes_cap ? bytes_cap : STORE_WRITER_BYTES_DEFAULT;
    w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->efd < 0) {
        if (err && errlen)
            snprintf(err, errlen, "store writer: eventfd: %s", strerror(errno));
        store_close(w->st);
        free(w);
        return STORE_EDB;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work_cv, NULL);
    pthread_cond_init(&w->idle_cv, NULL);
    int e = pthread_create(&w->thread, NULL, worker, w);
    if (e) {
        if (err && errlen)
            snprintf(err, errlen, "store writer: thread: %s", strerror(e));
        close(w->efd);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->work_cv);
        pthread_cond_destroy(&w->idle_cv);
        store_close(w->st);
        free(w);
        return STORE_EDB;
    }
    *out = w;
    return 0;
}

void store_writer_stop(struct store_writer *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    pthread_cond_signal(&w->work_cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    /* everything queued is committed (or failed): waiters get their answer */
    deliver(w, w->dhead, NULL, NULL);
    w->dhead = w->dtail = NULL;
    free(w->waiters);
    close(w->efd);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->work_cv);
    pthread_cond_destroy(&w->idle_cv);
    store_close(w->st);
    free(w);
}

int store_writer_fd(const struct store_writer *w)
{
    return w ? w->efd : -1;
}

/* Hands the completions of list d to their waiters and to cb, frees them;
 * returns how many (loop thread). */
static size_t deliver(struct store_writer *w, struct done *d, store_done_cb cb, void *arg)
{
    size_t n = 0;
    while (d) {
        struct done *next = d->next;
        d->d.target = d->target;
        d->d.err = d->d.rc < 0 ? d->err : "";
        struct waiter *x = w->nwaiters ? waiter_find(w, d->d.ticket) : NULL;
        if (x) {
            struct waiter one = *x;
            store_writer_unwait(w, one.ticket);
            one.fn(one.arg, &d->d);
        }
        if (cb)
            cb(arg, &d->d);
        free(d);
        d = next;
        n++;
    }
    return n;
}

size_t store_writer_poll(struct store_writer *w, store_done_cb cb, void *arg)
{
    if (!w)
        return 0;
    uint64_t v;
    while (read(w->efd, &v, sizeof v) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&w->mu);
    struct done *d = w->dhead;
    w->dhead = w->dtail = NULL;
    pthread_mutex_unlock(&w->mu);
    size_t n = deliver(w, d, cb, arg);
    pthread_mutex_lock(&w->mu);
    w->outstanding -= n;
    pthread_mutex_unlock(&w->mu);
    return n;
}

/* The waiter of ticket t, or NULL (binary search: tickets only grow). */
static struct waiter *waiter_find(struct store_writer *w, uint64_t t)
{
    size_t lo = 0, hi = w->nwaiters;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->waiters[mid].ticket < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < w->nwaiters && w->waiters[lo].ticket == t ? &w->waiters[lo] : NULL;
}

int store_writer_wait(struct store_writer *w, uint64_t ticket, store_done_cb fn, void *arg)
{
    if (!w || !fn || ticket == 0 || ticket > w->next_ticket || waiter_find(w, ticket))
        return STORE_EINVAL;
    if (w->nwaiters == w->waiters_cap) {
        size_t cap = w->waiters_cap ? 2 * w->waiters_cap : 8;
        struct waiter *v = realloc(w->waiters, cap * sizeof *v);
        if (!v)
            return STORE_ENOMEM;
        w->waiters = v;
        w->waiters_cap = cap;
    }
    size_t i = w->nwaiters; /* kept sorted: usually the newest ticket */
    while (i > 0 && w->waiters[i - 1].ticket > ticket)
        i--;
    memmove(&w->waiters[i + 1], &w->waiters[i], (w->nwaiters - i) * sizeof *w->waiters);
    w->waiters[i] = (struct waiter){ticket, fn, arg};
    w->nwaiters++;
    return 0;
}

void store_writer_unwait(struct store_writer *w, uint64_t ticket)
{
    struct waiter *x = w ? waiter_find(w, ticket) : NULL;
    if (!x)
        return;
    size_t i = (size_t)(x - w->waiters);
    memmove(x, x + 1, (w->nwaiters - i - 1) * sizeof *x);
    w->nwaiters--;
}

int store_writer_flush(struct store_writer *w, int timeout_ms)
{
    if (!w)
        return STORE_EINVAL;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int rc = 0;
    pthread_mutex_lock(&w->mu);
    while ((w->head || w->busy || w->prunes) && rc == 0)
        if (pthread_cond_timedwait(&w->idle_cv, &w->mu, &until) == ETIMEDOUT)
            rc = STORE_EFULL;
    if (!w->head && !w->busy && !w->prunes)
        rc = 0;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

void store_writer_stats(struct store_writer *w, struct store_writer_stats *out)
{
    if (!w || !out)
        return;
    pthread_mutex_lock(&w->mu);
    *out = w->stats;
    out->outstanding = w->outstanding;
    out->queue_cap = w->cap;
    out->bytes_cap = w->bytes_cap;
    pthread_mutex_unlock(&w->mu);
}

const char *store_writer_errmsg(const struct store_writer *w)
{
    return w ? w->err : "no writer";
}

/* ---- submissions -------------------------------------------------------- */

static int fail(struct store_writer *w, int rc, const char *what)
{
    snprintf(w->err, sizeof w->err, "%s", what);
    return rc;
}

/* Size of s copied with its NUL (0 for NULL); SIZE_MAX when over max. */
static size_t need(const char *s, size_t max)
{
    if (!s)
        return 0;
    size_t n = strnlen(s, max + 1);
    return n > max ? SIZE_MAX : n + 1;
}

/* Copies s into *p (advancing it); NULL stays NULL. */
static const char *pack(char **p, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    memcpy(*p, s, n);
    const char *r = *p;
    *p += n;
    return r;
}

/* Allocates an item with room for `extra` bytes of strings, and its done. */
static struct item *item_new(struct store_writer *w, enum store_op op, size_t extra,
                             const char *target)
{
    struct item *it = calloc(1, sizeof *it + extra);
    struct done *d = calloc(1, sizeof *d);
    if (!it || !d) {
        free(it);
        free(d);
        fail(w, STORE_ENOMEM, "writer: out of memory");
        return NULL;
    }
    it->op = op;
    it->done = d;
    it->bytes = sizeof *it + extra;
    d->d.op = op;
    snprintf(d->target, sizeof d->target, "%s", target ? target : "");
    return it;
}

static int submit(struct store_writer *w, struct item *it, uint64_t *ticket)
{
    pthread_mutex_lock(&w->mu);
    int rc = 0;
    if (w->stopping)
        rc = STORE_ESTOPPED;
    else if (w->outstanding >= w->cap || w->stats.queued_bytes + it->bytes > w->bytes_cap)
        rc = STORE_EFULL;
    if (rc) {
        if (rc == STORE_EFULL) {
            w->stats.rejected++;
            w->stats.rejected_op[it->op]++;
        }
        pthread_mutex_unlock(&w->mu);
        free(it->done);
        free(it);
        return fail(w, rc, rc == STORE_EFULL ? "writer: queue full" : "writer: stopped");
    }
    it->done->d.ticket = ++w->next_ticket;
    if (ticket)
        *ticket = it->done->d.ticket;
    if (it->op == STORE_OP_PRUNE)
        w->prunes++;
    if (w->tail)
        w->tail->next = it;
    else
        w->head = it;
    w->tail = it;
    w->outstanding++;
    w->stats.submitted++;
    w->stats.queued++;
    w->stats.queued_bytes += it->bytes;
    pthread_cond_signal(&w->work_cv);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

/* Sums the sizes of n strings under caps; SIZE_MAX (and err) when one is
 * over its cap. */
static size_t sizes(struct store_writer *w, const char *const *s, const size_t *max,
                    const char *const *field, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = need(s[i], max[i]);
        if (k == SIZE_MAX) {
            snprintf(w->err, sizeof w->err, "%s: longer than %zu bytes", field[i], max[i]);
            return SIZE_MAX;
        }
        total += k;
    }
    return total;
}

static size_t codes_size(struct store_writer *w, const char *const *codes, size_t ncodes)
{
    if (ncodes > STORE_CODES_MAX || (ncodes && !codes)) {
        fail(w, STORE_EINVAL, "codes: missing or more than 32");
        return SIZE_MAX;
    }
    size_t total = 0;
    for (size_t i = 0; i < ncodes; i++) {
        size_t k = need(codes[i], STORE_CODE_MAX);
        if (k == SIZE_MAX || k == 0) {
            snprintf(w->err, sizeof w->err, "codes[%zu]: missing or too long", i);
            return SIZE_MAX;
        }
        total += k;
    }
    return total;
}

static int check_target(struct store_writer *w, const char *field, const char *name)
{
    if (!store_valid_name(name)) {
        snprintf(w->err, sizeof w->err, "%s: %s", field,
                 name ? "not a target name (1 to 64 of a-z 0-9 . _ -)" : "missing");
        return STORE_EINVAL;
    }
    return 0;
}

int store_writer_run(struct store_writer *w, const struct store_run *r, uint64_t *ticket)
{
    if (!w)
        return STORE_EINVAL;
    if (!r)
        return fail(w, STORE_EINVAL, "run: missing");
    if (check_target(w, "target", r->target))
        return STORE_EINVAL;
    const char *s[] = {r->target, r->steps_json, r->result_json};
    const size_t mx[] = {STORE_NAME_MAX, STORE_STEPS_MAX, STORE_RESULT_MAX};
    const char *f[] = {"target", "steps_json", "result_json"};
    size_t a = sizes(w, s, mx, f, 3), b = codes_size(w, r->codes, r->ncodes);
    if (a == SIZE_MAX || b == SIZE_MAX)
        return STORE_EINVAL;
    struct item *it = item_new(w, STORE_OP_RUN, a + b, r->target);
    if (!it)
        return STORE_ENOMEM;
    char *p = it->data;
    it->u.run = *r;
    it->u.run.target = pack(&p, r->target);
    it->u.run.steps_json = pack(&p, r->steps_json);
    it->u.run.result_json = pack(&p, r->result_json);
    for (size_t i = 0; i < r->ncodes; i++)
        it->codes[i] = pack(&p, r->codes[i]);
    it->u.run.codes = it->codes;
    return submit(w, it, ticket);
}

int store_writer_incident_open(struct store_writer *w, const char *target, int from_status,
                               int to_status, int64_t started, const char *const *codes,
                               size_t ncodes, uint64_t *ticket)
{
    if (!w)
        return STORE_EINVAL;
    if (check_target(w, "target", target))
        return STORE_EINVAL;
    size_t b = codes_size(w, codes, ncodes);
    if (b == SIZE_MAX)
        return STORE_EINVAL;
    struct item *it = item_new(w, STORE_OP_INCIDENT_OPEN, STORE_NAME_MAX + 1 + b, target);
    if (!it)
        return STORE_ENOMEM;
    char *p = it->data;
    it->u.inc.target = pack(&p, target);
    it->u.inc.from = from_status;
    it->u.inc.to = to_status;
    it->u.inc.t = started;
    it->u.inc.ncodes = ncodes;
    for (size_t i = 0; i < ncodes; i++)
        it->codes[i] = pack(&p, codes[i]);
    return submit(w, it, ticket);
}

int store_writer_incident_close(struct store_writer *w, const char *target, int64_t ended,
                                uint64_t *ticket)
{
    if (!w)
        return STORE_EINVAL;
    if (check_target(w, "target", target))
        return STORE_EINVAL;
    struct item *it = item_new(w, STORE_OP_INCIDENT_CLOSE, STORE_NAME_MAX + 1, target);
    if (!it)
        return STORE_ENOMEM;
    char *p = it->data;
    it->u.inc.target = pack(&p, target);
    it->u.inc.t = ended;
    return submit(w, it, ticket);
}

int store_writer_delivery(struct store_writer *w, const struct store_delivery *d,
                          uint64_t *ticket)
{
    if (!w)
        return STORE_EINVAL;
    if (!d)
        return fail(w, STORE_EINVAL, "delivery: missing");
    if (check_target(w, "target", d->target))
        return STORE_EINVAL;
    if (d->response_len && !d->response)
        return fail(w, STORE_EINVAL, "response: missing");
    const char *s[] = {d->target, d->kind, d->event, d->dest, d->outcome};
    const size_t mx[] = {STORE_NAME_MAX, STORE_WORD_MAX, STORE_WORD_MAX, STORE_DEST_MAX,
                         STORE_WORD_MAX};
    const char *f[] = {"target", "kind", "event", "dest", "outcome"};
    size_t a = sizes(w, s, mx, f, 5);
    if (a == SIZE_MAX)
        return STORE_EINVAL;
    size_t rlen = d->response_len > STORE_RESPONSE_MAX ? STORE_RESPONSE_MAX : d->response_len;
    struct item *it = item_new(w, STORE_OP_DELIVERY, a + rlen, d->target);
    if (!it)
        return STORE_ENOMEM;
    char *p = it->data;
    it->u.dlv = *d;
    it->u.dlv.target = pack(&p, d->target);
    it->u.dlv.kind = pack(&p, d->kind);
    it->u.dlv.event = pack(&p, d->event);
    it->u.dlv.dest = pack(&p, d->dest);
    it->u.dlv.outcome = pack(&p, d->outcome);
    if (rlen)
        memcpy(p, d->response, rlen);
    it->u.dlv.response = rlen ? (const unsigned char *)p : NULL;
    it->u.dlv.response_len = rlen;
    return submit(w, it, ticket);
}

/* A target's JSON document (an API target's body, an alert's state) put
 * by op, at most max bytes; missing and toolong: the errors. A delete:
 * missing NULL, no document. */
static int named_json(struct store_writer *w, enum store_op op, const char *name,
                      const char *json, size_t max, const char *missing, const char *toolong,
                      int64_t now, uint64_t *ticket)
{
    if (!w)
        return STORE_EINVAL;
    if (check_target(w, "name", name))
        return STORE_EINVAL;
    size_t k = 0;
    if (missing) {
        if (!json)
            return fail(w, STORE_EINVAL, missing);
        k = need(json, max);
        if (k == SIZE_MAX)
            return fail(w, STORE_EINVAL, toolong);
    } else {
        json = NULL;
    }
    struct item *it = item_new(w, op, STORE_NAME_MAX + 1 + k, name);
    if (!it)
        return STORE_ENOMEM;
    char *p = it->data;
    it->u.api.name = pack(&p, name);
    if (json) {
        it->u.api.json = pack(&p, json);
        it->u.api.now = now;
    }
    return submit(w, it, ticket);
}

int store_writer_api_put(struct store_writer *w, const char *name, const char *json,
                         int64_t now, uint64_t *ticket)
{
    return named_json(w, STORE_OP_API_PUT, name, json, STORE_BODY_MAX, "body: missing",
                      "body: longer than 65536 bytes", now, ticket);
}

int store_writer_api_delete(struct store_writer *w, const char *name, uint64_t *ticket)
{
    return named_json(w, STORE_OP_API_DELETE, name, NULL, 0, NULL, NULL, 0, ticket);
}

int store_writer_maint_put(struct store_writer *w, int64_t id, const char *body, int64_t end_at,
                           int64_t now, uint64_t *ticket)
{
    if (!w)
        return STORE_EINVAL;
    if (!body)
        return fail(w, STORE_EINVAL, "body: missing");
    size_t k = need(body, STORE_MAINT_BODY_MAX);
    if (k == SIZE_MAX)
        return fail(w, STORE_EINVAL, "body: longer than 16384 bytes");
    char name[32];
    snprintf(name, sizeof name, "api-%lld", (long long)id);
    struct item *it = item_new(w, STORE_OP_MAINT_PUT, k, name);
    if (!it)
        return STORE_ENOMEM;
    char *p = it->data;
    it->u.maint.body = pack(&p, body);
    it->u.maint.id = id;
    it->u.maint.end_at = end_at;
    it->u.maint.now = now;
    return submit(w, it, ticket);
}

int store_writer_maint_delete(struct store_writer *w, int64_t id, uint64_t *ticket)
{
    if (!w)
        return STORE_EINVAL;
    char name[32];
    snprintf(name, sizeof name, "api-%lld", (long long)id);
    struct item *it = item_new(w, STORE_OP_MAINT_DELETE, 0, name);
    if (!it)
        return STORE_ENOMEM;
    it->u.maint.id = id;
    return submit(w, it, ticket);
}

int store_writer_alert_put(struct store_writer *w, const char *name, const char *json,
                           int64_t now, uint64_t *ticket)
{
    return named_json(w, STORE_OP_ALERT_PUT, name, json, STORE_ALERT_MAX, "state: missing",
                      "state: longer than 8192 bytes", now, ticket);
}

int store_writer_alert_delete(struct store_writer *w, const char *name, uint64_t *ticket)
{
    return named_json(w, STORE_OP_ALERT_DELETE, name, NULL, 0, NULL, NULL, 0, ticket);
}

int store_writer_prune(struct store_writer *w, int64_t cutoff, size_t batch,
                       uint64_t *ticket)
{
    if (!w)
        return STORE_EINVAL;
    if (cutoff < 0 || batch > 100000)
        return fail(w, STORE_EINVAL, cutoff < 0 ? "cutoff: negative" : "batch: above 100000");
    struct item *it = item_new(w, STORE_OP_PRUNE, 0, "");
    if (!it)
        return STORE_ENOMEM;
    it->u.prune.cutoff = cutoff;
    it->u.prune.batch = batch;
    return submit(w, it, ticket);
}
