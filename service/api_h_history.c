/*
 * api_h_history.c: GET /api/v1/targets/{name}/results (since, until, limit,
 * cursor) and .../incidents (limit, cursor), read from the loop thread's
 * store connection, newest first, paged with the store's opaque cursor.
 * Each page is cached (api_cache.h) by target and query until the store
 * commits more history of that target (view_target.history_generation).
 */
#include "service/api_h.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/api_cache.h"
#include "service/api_parse.h"
#include "service/store.h"
#include "web/render_api.h"

/* Rows copied out of the store's callbacks. */
struct page {
    struct view_run *runs;
    struct view_incident *inc;
    size_t n, cap;
    json_t *keep; /* array: the parsed codes arrays, alive until the render */
    bool oom;
};

static enum oa_state state_of(int status)
{
    return status >= 0 && status <= 3 ? (enum oa_state)status : OA_STATE_UNKNOWN;
}

/* The codes of codes_json as strings owned by p->keep; *n set. */
static const char *const *codes_of(struct page *p, const char *codes_json, size_t *n)
{
    *n = 0;
    json_t *a = codes_json ? json_loads(codes_json, 0, NULL) : NULL;
    if (!json_is_array(a)) {
        json_decref(a);
        return NULL;
    }
    if (json_array_append_new(p->keep, a) != 0) {
        p->oom = true;
        return NULL;
    }
    size_t k = json_array_size(a);
    const char **v = calloc(k ? k : 1, sizeof *v);
    if (v == NULL) {
        p->oom = true;
        return NULL;
    }
    for (size_t i = 0; i < k; i++) {
        const char *s = json_string_value(json_array_get(a, i));
        if (s)
            v[(*n)++] = s;
    }
    return v;
}

static bool grow(struct page *p, size_t elem, void **arr)
{
    if (p->n < p->cap)
        return true;
    size_t cap = p->cap ? p->cap * 2 : 32;
    void *n = realloc(*arr, cap * elem);
    if (n == NULL) {
        p->oom = true;
        return false;
    }
    *arr = n;
    p->cap = cap;
    return true;
}

static int on_row(void *arg, const struct store_row *row)
{
    struct page *p = arg;
    if (!grow(p, sizeof *p->runs, (void **)&p->runs))
        return 1;
    struct view_run *v = &p->runs[p->n];
    memset(v, 0, sizeof *v);
    v->started_at_ms = row->started_at;
    v->duration_us = row->duration_ms * 1000;
    v->status = state_of(row->status);
    v->codes = codes_of(p, row->codes_json, &v->ncodes);
    v->in_maintenance = (row->flags & STORE_RUN_MAINTENANCE) != 0;
    v->overrun = (row->flags & STORE_RUN_OVERRUN) != 0;
    v->lag_us = row->lag_ms * 1000;
    v->steps_json = row->steps_json ? strdup(row->steps_json) : NULL;
    v->result_json = row->result_json ? strdup(row->result_json) : NULL;
    p->n++;
    return p->oom ? 1 : 0;
}

static int on_incident(void *arg, const struct store_incident *inc)
{
    struct page *p = arg;
    if (!grow(p, sizeof *p->inc, (void **)&p->inc))
        return 1;
    struct view_incident *v = &p->inc[p->n];
    memset(v, 0, sizeof *v);
    v->started_ms = inc->started_at;
    v->ended_ms = inc->ended_at;
    v->from = inc->from_status == STORE_STATUS_PENDING ? OA_STATE__COUNT
                                                       : state_of(inc->from_status);
    v->to = state_of(inc->to_status);
    v->codes = codes_of(p, inc->codes_json, &v->ncodes);
    p->n++;
    return p->oom ? 1 : 0;
}

static void page_free(struct page *p)
{
    for (size_t i = 0; p->runs && i < p->n; i++) {
        free((void *)p->runs[i].codes);
        free((void *)p->runs[i].steps_json);
        free((void *)p->runs[i].result_json);
    }
    for (size_t i = 0; p->inc && i < p->n; i++)
        free((void *)p->inc[i].codes);
    free(p->runs);
    free(p->inc);
    json_decref(p->keep);
}

/* Common checks: the target exists, limit and cursor parse. Returns the
 * store, or NULL after answering; *t the target. */
static struct store *history_start(struct api_req *r, size_t *limit, const char **cursor,
                                   const struct view_target **t)
{
    const char *name = api_req_cap(r, 0);
    if ((*t = api_req_target(r, name)) == NULL) {
        api_error(r, 404, "not_found", "no target named '%s'", name);
        return NULL;
    }
    const char *why = NULL;
    const char *l = api_req_query(r, "limit");
    *limit = 0;
    if (l && api_parse_limit(l, limit, &why) != 0) {
        api_error(r, 400, "bad_request", "limit: %s", why);
        return NULL;
    }
    *cursor = api_req_query(r, "cursor");
    if (*cursor && api_parse_cursor(*cursor, &why) != 0) {
        api_error(r, 400, "bad_request", "%s", why);
        return NULL;
    }
    struct store *st = api_req_ops(r)->store ? api_req_ops(r)->store(api_req_ctx(r)) : NULL;
    if (st == NULL)
        api_error(r, 503, "unavailable", "the history store is not open");
    return st;
}

static void store_failed(struct api_req *r, struct store *st, int rc)
{
    if (rc == STORE_ECURSOR)
        api_error(r, 400, "bad_request",
                  "cursor was not issued for this query (copy next_cursor as it is)");
    else if (rc == STORE_EINVAL)
        api_error(r, 400, "bad_request", "%s", store_errmsg(st));
    else
        api_error(r, 500, "internal", "the history could not be read");
}

/* What a page is built from. */
struct query {
    struct store *st;
    int64_t since, until;
    size_t limit;
    const char *cursor;
};

static char *build_results(struct api_req *r, void *arg, size_t *len, unsigned *status)
{
    (void)status;
    const struct query *q = arg;
    struct page p = {.keep = json_array()};
    char next[STORE_CURSOR_MAX] = "";
    char *body = NULL;
    int rc = p.keep ? store_results(q->st, api_req_cap(r, 0), q->since, q->until, q->limit,
                                    q->cursor, on_row, &p, next, sizeof next)
                    : STORE_ENOMEM;
    if (rc != 0 || p.oom) {
        store_failed(r, q->st, p.oom ? STORE_ENOMEM : rc);
    } else {
        body = render_api_results(api_req_cap(r, 0), p.runs, p.n, next, len);
        if (body == NULL)
            api_error(r, 500, "internal", "out of memory");
    }
    page_free(&p);
    return body;
}

static char *build_incidents(struct api_req *r, void *arg, size_t *len, unsigned *status)
{
    (void)status;
    const struct query *q = arg;
    struct page p = {.keep = json_array()};
    char next[STORE_CURSOR_MAX] = "";
    char *body = NULL;
    int rc = p.keep ? store_incidents(q->st, api_req_cap(r, 0), q->limit, q->cursor,
                                      on_incident, &p, next, sizeof next)
                    : STORE_ENOMEM;
    if (rc != 0 || p.oom) {
        store_failed(r, q->st, p.oom ? STORE_ENOMEM : rc);
    } else {
        body = render_api_incidents(api_req_cap(r, 0), p.inc, p.n, next, api_req_now_ms(r),
                                    len);
        if (body == NULL)
            api_error(r, 500, "internal", "out of memory");
    }
    page_free(&p);
    return body;
}

void api_h_results(struct api_req *r)
{
    size_t limit;
    const char *cursor, *why = NULL;
    const struct view_target *t;
    struct store *st = history_start(r, &limit, &cursor, &t);
    if (st == NULL)
        return;
    int64_t since = 0, until = 0;
    const char *v = api_req_query(r, "since");
    if (v && api_parse_time(v, &since, &why) != 0) {
        api_error(r, 400, "bad_request", "since: %s", why);
        return;
    }
    v = api_req_query(r, "until");
    if (v && api_parse_time(v, &until, &why) != 0) {
        api_error(r, 400, "bad_request", "until: %s", why);
        return;
    }
    if (since && until && since >= until) {
        api_error(r, 400, "bad_request", "since must be before until");
        return;
    }
    struct query q = {st, since, until, limit, cursor};
    char key[API_URL_MAX + 160];
    snprintf(key, sizeof key, "results %s %" PRId64 " %" PRId64 " %zu %s", t->name, since,
             until, limit, cursor ? cursor : "");
    struct api_cache_spec sp = {
        .key = key,
        .gen = t->history_generation,
        .ctype = "application/json",
        .build = build_results,
        .arg = &q,
    };
    api_cache_reply(r, &sp);
}

/* The page shows how long open incidents have lasted: a new one each
 * second at most, or after a change. */
void api_h_incidents(struct api_req *r)
{
    size_t limit;
    const char *cursor;
    const struct view_target *t;
    struct store *st = history_start(r, &limit, &cursor, &t);
    if (st == NULL)
        return;
    struct query q = {.st = st, .limit = limit, .cursor = cursor};
    char key[API_URL_MAX + 160];
    snprintf(key, sizeof key, "incidents %s %zu %s", t->name, limit, cursor ? cursor : "");
    struct api_cache_spec sp = {
        .key = key,
        .gen = t->history_generation,
        .epoch = (uint64_t)(api_req_now_ms(r) / 1000),
        .ctype = "application/json",
        .build = build_incidents,
        .arg = &q,
    };
    api_cache_reply(r, &sp);
}
