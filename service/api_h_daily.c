/*
 * api_h_daily.c: daily availability from the store's daily rollups
 * (store_daily): GET /api/v1/targets/{name}/daily?days=N (counts, ratio and
 * response time per UTC day) and GET /api/v1/daily?days=N (the ratio of
 * every target per day: the status page's 90-day bars). days: 1..400,
 * default 90, the last one being today (UTC).
 *
 * Both are cached (api_cache.h) for the UTC day: a target's until the store
 * commits more of its history, the list of every target (one store query
 * per target to build: 0.3 s of store queries at 10,000 targets) once a
 * minute at most (API_CACHE_DAILY_STALE_MS) while the history changes, and
 * built across loop turns (api_daily.h): the loop is not held up 0.3 s.
 */
#include "service/api_h.h"

#include <stdio.h>
#include <stdlib.h>

#include "service/api_cache.h"
#include "service/api_daily.h"
#include "service/store.h"
#include "web/render_api.h"

#define DAYS_DEFAULT 90
#define DAYS_MAX 400

/* The days parameter, or 0 after answering 400. */
static size_t days_param(struct api_req *r)
{
    const char *v = api_req_query(r, "days");
    if (v == NULL)
        return DAYS_DEFAULT;
    size_t n = 0;
    const char *p = v;
    for (; *p >= '0' && *p <= '9' && n <= DAYS_MAX; p++)
        n = n * 10 + (size_t)(*p - '0');
    if (*p != '\0' || p == v || n < 1 || n > DAYS_MAX) {
        api_error(r, 400, "bad_request", "days: an integer from 1 to %d", DAYS_MAX);
        return 0;
    }
    return n;
}

static struct store *store_of(struct api_req *r)
{
    struct store *st = api_req_ops(r)->store ? api_req_ops(r)->store(api_req_ctx(r)) : NULL;
    if (st == NULL)
        api_error(r, 503, "unavailable", "the history store is not open");
    return st;
}

struct daily_q {
    struct store *st;
    const char *name;
    size_t days;
};

static char *build_daily(struct api_req *r, void *arg, size_t *len, unsigned *status)
{
    (void)status;
    const struct daily_q *q = arg;
    size_t days = q->days;
    char *body = NULL;
    struct store_bucket *b = calloc(days, sizeof *b);
    struct view_day *d = calloc(days, sizeof *d);
    if (b == NULL || d == NULL) {
        api_error(r, 500, "internal", "out of memory");
    } else if (store_daily(q->st, q->name, api_req_now_ms(r), days, b) != 0) {
        api_error(r, 500, "internal", "the daily history could not be read");
    } else {
        api_daily_to_view(b, d, days);
        body = render_api_daily(q->name, d, days, len);
        if (body == NULL)
            api_error(r, 500, "internal", "out of memory");
    }
    free(b);
    free(d);
    return body;
}

void api_h_daily(struct api_req *r)
{
    const char *name = api_req_cap(r, 0);
    const struct view_target *t = api_req_target(r, name);
    if (t == NULL) {
        api_error(r, 404, "not_found", "no target named '%s'", name);
        return;
    }
    size_t days = days_param(r);
    struct store *st = days ? store_of(r) : NULL;
    if (st == NULL)
        return;
    struct daily_q q = {.st = st, .name = t->name, .days = days};
    char key[CFG_NAME_MAX + 48];
    snprintf(key, sizeof key, "daily %s %zu", t->name, days);
    struct api_cache_spec sp = {
        .key = key,
        .gen = t->history_generation,
        .epoch = (uint64_t)(api_req_now_ms(r) / 86400000),
        .ctype = "application/json",
        .build = build_daily,
        .arg = &q,
    };
    api_cache_reply(r, &sp);
}

void api_h_daily_all(struct api_req *r)
{
    const struct view_service *s = api_req_ops(r)->view(api_req_ctx(r));
    size_t days = days_param(r);
    struct store *st = days ? store_of(r) : NULL;
    if (st == NULL)
        return;
    char key[48];
    snprintf(key, sizeof key, "daily-all %zu", days);
    /* the targets and their history: a change of either is a new state */
    uint64_t gen = s ? s->history_generation * 1000003u + s->generation : 0;
    struct api_cache_spec sp = {
        .key = key,
        .gen = gen,
        .epoch = (uint64_t)(api_req_now_ms(r) / 86400000),
        .stale_ms = API_CACHE_DAILY_STALE_MS,
        .min_ms = API_CACHE_DAILY_STALE_MS, /* 0.3 s of queries at 10,000 targets */
        .pinned = days == DAYS_DEFAULT,
        .ctype = "application/json",
    };
    if (api_cache_fresh(r, &sp))
        api_cache_reply(r, &sp); /* no build: sp.build is not called */
    else
        api_daily_reply(r, &sp, days, api_req_now_ms(r));
}
