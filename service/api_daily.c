/*
 * api_daily.c: GET /api/v1/daily built across loop turns (api_daily.h): a
 * build per `days` value under way, the requests waiting for it, one chunk
 * of store queries per loop turn.
 */
#include "service/api_daily.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service/api_cache.h"
#include "service/api_int.h"
#include "service/loop.h"
#include "web/render_api.h"

struct waiter {
    struct api_req *r;              /* NULL once the request is gone */
    struct api_daily *job;
    struct waiter *next;
};

struct api_daily {
    struct api *a;
    struct api_daily *next;         /* a->daily */
    char key[48];
    struct api_cache_spec sp;       /* key, gen, epoch, freshness, ctype */
    size_t days;
    int64_t now_ms;
    uint64_t view_gen;              /* of the snapshot */
    uint64_t writes;                /* api_cache_stats' writes then */
    char **names;                   /* the snapshot */
    size_t n, k;                    /* targets, done */
    struct view_day *d;             /* API_DAILY_CHUNK * days: a turn's */
    const char **cnames;            /* and their names */
    struct store_bucket *b;         /* days */
    char *rows;                     /* the rows rendered so far, joined */
    size_t rows_len, rows_cap, nrows;
    int64_t from_ms;                /* the first row's first day */
    struct loop_timer *timer;
    struct waiter *waiters;
    size_t nwaiting;
    /* the rendered body, while the waiters are answered */
    char *body;
    size_t len;
};

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void api_daily_to_view(const struct store_bucket *b, struct view_day *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        d[i] = (struct view_day){.start_ms = b[i].start, .up = b[i].up, .down = b[i].down,
                                 .maint = b[i].maint, .sum_ms = b[i].sum_ms,
                                 .min_ms = b[i].min_ms, .max_ms = b[i].max_ms};
    }
}

static void job_unlink(struct api_daily *j)
{
    struct api *a = j->a;
    for (struct api_daily **p = &a->daily; *p; p = &(*p)->next) {
        if (*p == j) {
            *p = j->next;
            a->ndaily--;
            break;
        }
    }
}

/* Frees j (unlinked already) and its waiters; a request still waiting is
 * no longer told when it goes. */
static void job_free(struct api_daily *j)
{
    loop_timer_cancel(j->a->loop, j->timer);
    while (j->waiters) {
        struct waiter *w = j->waiters;
        j->waiters = w->next;
        if (w->r) {
            w->r->on_free = NULL;
            w->r->on_free_arg = NULL;
        }
        free(w);
    }
    for (size_t i = 0; j->names && i < j->n; i++)
        free(j->names[i]);
    free(j->names);
    free(j->cnames);
    free(j->rows);
    free(j->d);
    free(j->b);
    free(j->body);
    free(j);
}

/* A waiting request went away (req_free): the build goes on for the others,
 * or is dropped when none is left. */
static void waiter_gone(void *arg)
{
    struct waiter *w = arg;
    struct api_daily *j = w->job;
    w->r = NULL;
    if (--j->nwaiting == 0) {
        job_unlink(j);
        job_free(j);
    }
}

/* Detaches the requests still waiting (from the first to join), for j's end. */
static size_t take_waiters(struct api_daily *j, struct api_req **out, size_t cap)
{
    /* waiters are pushed at the head: reverse to answer the first first */
    size_t n = 0;
    for (struct waiter *w = j->waiters; w; w = w->next)
        if (w->r && n < cap)
            out[n++] = w->r;
    for (size_t i = 0; i < n / 2; i++) {
        struct api_req *t = out[i];
        out[i] = out[n - 1 - i];
        out[n - 1 - i] = t;
    }
    for (struct waiter *w = j->waiters; w; w = w->next) {
        if (w->r) {
            w->r->on_free = NULL;
            w->r->on_free_arg = NULL;
            w->r = NULL;
        }
    }
    return n;
}

static void job_fail(struct api_daily *j, unsigned status, const char *word, const char *detail)
{
    job_unlink(j);
    size_t n = j->nwaiting;
    struct api_req **rs = calloc(n ? n : 1, sizeof *rs);
    if (rs != NULL) {
        n = take_waiters(j, rs, n);
        for (size_t i = 0; i < n; i++)
            api_error(rs[i], status, word, "%s", detail);
    }
    /* without memory for the list the requests stay deferred: api_free or
     * the client's timeout ends them */
    job_free(j);
    free(rs);
}

/* The builder of the cache entry: a copy of the body rendered (a body too
 * big for the LRU is built once per request that gets it). */
static char *copy_body(struct api_req *r, void *arg, size_t *len, unsigned *status)
{
    (void)status;
    const struct api_daily *j = arg;
    char *out = malloc(j->len ? j->len : 1);
    if (out == NULL) {
        api_error(r, 500, "internal", "out of memory");
        return NULL;
    }
    memcpy(out, j->body, j->len);
    *len = j->len;
    return out;
}

static void job_finish(struct api_daily *j)
{
    j->body = render_api_daily_frame(j->nrows > 0 ? j->from_ms : 0, j->days, j->rows,
                                     j->rows_len, &j->len);
    if (j->body == NULL) {
        job_fail(j, 500, "internal", "out of memory");
        return;
    }
    job_unlink(j);
    size_t n = j->nwaiting;
    struct api_req **rs = calloc(n ? n : 1, sizeof *rs);
    if (rs == NULL) {
        job_free(j); /* the requests stay deferred (see job_fail) */
        return;
    }
    n = take_waiters(j, rs, n);
    struct api_cache_spec sp = j->sp;
    sp.key = j->key;
    sp.build = copy_body;
    sp.arg = j;
    /* the first builds the entry from the body, the others hit it */
    for (size_t i = 0; i < n; i++)
        api_cache_reply(rs[i], &sp);
    free(rs);
    /* a write through the API during the build: the body may not show it,
     * so the next read rebuilds (a client reads its own writes) */
    struct api_cache_stats cs;
    api_cache_stats(j->a->cache, &cs);
    if (cs.writes != j->writes)
        api_cache_written(j->a->cache);
    job_free(j);
}

/* Renders the m targets of this turn and appends them to j's rows. */
static int rows_add(struct api_daily *j, size_t m)
{
    if (m == 0)
        return 0;
    size_t len = 0;
    char *r = render_api_daily_rows(j->cnames, m, j->d, j->days, &len);
    if (r == NULL)
        return -1;
    size_t need = j->rows_len + 1 + len + 1;
    if (need > j->rows_cap) {
        size_t cap = j->rows_cap ? j->rows_cap : 64 * 1024;
        while (cap < need)
            cap *= 2;
        char *grown = realloc(j->rows, cap);
        if (grown == NULL) {
            free(r);
            return -1;
        }
        j->rows = grown;
        j->rows_cap = cap;
    }
    if (j->nrows > 0)
        j->rows[j->rows_len++] = ',';
    else
        j->from_ms = j->d[0].start_ms;
    memcpy(j->rows + j->rows_len, r, len);
    j->rows_len += len;
    j->rows[j->rows_len] = '\0';
    j->nrows += m;
    free(r);
    return 0;
}

/* One loop turn of j: a chunk of targets, then the next turn or the end. */
static void job_step(void *arg)
{
    struct api_daily *j = arg;
    struct api *a = j->a;
    j->timer = NULL;
    struct store *st = a->ops->store ? a->ops->store(a->ctx) : NULL;
    if (st == NULL) {
        job_fail(j, 503, "unavailable", "the history store is not open");
        return;
    }
    const struct view_service *s = a->ops->view(a->ctx);
    bool same = s != NULL && s->generation == j->view_gen;
    int64_t t0 = mono_us();
    size_t m = 0; /* targets read this turn */
    for (size_t i = 0; j->k < j->n && i < API_DAILY_CHUNK; i++, j->k++) {
        if (i > 0 && mono_us() - t0 >= API_DAILY_SLICE_US)
            break;
        const char *name = j->names[j->k];
        if (!same) {
            const struct view_target *t = a->ops->target ? a->ops->target(a->ctx, name)
                                                         : view_target_find(s, name);
            if (t == NULL)
                continue; /* removed before its turn: left out */
        }
        if (store_daily(st, name, j->now_ms, j->days, j->b) != 0) {
            job_fail(j, 500, "internal", "the daily history could not be read");
            return;
        }
        api_daily_to_view(j->b, j->d + m * j->days, j->days);
        j->cnames[m++] = name;
    }
    if (rows_add(j, m) != 0) {
        job_fail(j, 500, "internal", "out of memory");
        return;
    }
    if (j->k < j->n) {
        j->timer = loop_timer_at(a->loop, loop_now_ms(a->loop), job_step, j);
        if (j->timer == NULL)
            job_fail(j, 500, "internal", "out of memory");
        return;
    }
    job_finish(j);
}

/* A new build of sp's body: the snapshot of the target names. */
static struct api_daily *job_new(struct api *a, const struct api_cache_spec *sp, size_t days,
                                 int64_t now_ms)
{
    const struct view_service *s = a->ops->view(a->ctx);
    size_t n = s != NULL ? s->ntargets : 0;
    struct api_daily *j = calloc(1, sizeof *j);
    if (j == NULL)
        return NULL;
    j->a = a;
    snprintf(j->key, sizeof j->key, "%s", sp->key);
    j->sp = *sp;
    j->sp.key = j->key;
    j->days = days;
    j->now_ms = now_ms;
    j->view_gen = s != NULL ? s->generation : 0;
    struct api_cache_stats cs;
    api_cache_stats(a->cache, &cs);
    j->writes = cs.writes;
    j->n = n;
    j->names = calloc(n ? n : 1, sizeof *j->names);
    j->cnames = calloc(API_DAILY_CHUNK, sizeof *j->cnames);
    j->d = calloc(API_DAILY_CHUNK * days, sizeof *j->d);
    j->b = calloc(days, sizeof *j->b);
    bool ok = j->names && j->cnames && j->d && j->b;
    for (size_t i = 0; ok && i < n; i++)
        ok = (j->names[i] = strdup(s->targets[i]->name)) != NULL;
    if (!ok) {
        job_free(j);
        return NULL;
    }
    j->next = a->daily;
    a->daily = j;
    a->ndaily++;
    a->daily_builds++;
    return j;
}

void api_daily_reply(struct api_req *r, const struct api_cache_spec *sp, size_t days,
                     int64_t now_ms)
{
    struct api *a = r->api;
    struct api_daily *j = a->daily;
    while (j != NULL && strcmp(j->key, sp->key) != 0)
        j = j->next;
    bool started = j == NULL;
    if (started && a->ndaily >= API_DAILY_BUILDS_MAX) {
        api_reply_header(r, "Retry-After", "1");
        api_error(r, 503, "unavailable", "%d other daily figures are being built: retry",
                  API_DAILY_BUILDS_MAX);
        return;
    }
    if (started && (j = job_new(a, sp, days, now_ms)) == NULL) {
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    struct waiter *w = calloc(1, sizeof *w);
    if (w == NULL) {
        if (started && j->nwaiting == 0) {
            job_unlink(j);
            job_free(j);
        }
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    w->r = r;
    w->job = j;
    w->next = j->waiters;
    j->waiters = w;
    j->nwaiting++;
    r->on_free = waiter_gone;
    r->on_free_arg = w;
    api_defer(r);
    if (started)
        job_step(j); /* a small service is answered in this turn */
}

void api_daily_fini(struct api *a)
{
    while (a->daily) {
        struct api_daily *j = a->daily;
        job_unlink(j);
        job_free(j);
    }
}
