/*
 * api_h_hooks.c: the routes of issue 9:
 *
 *   GET /metrics                 render_metrics() of the view
 *   (GET /probe is service/api_h_probe.c)
 *   GET /api/v1/deliveries       hook deliveries from the store, newest first
 *   GET/POST/DELETE /api/v1/maintenance  the windows (writes: write token)
 */
#include "service/api_h.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "service/api_int.h"
#include "service/hooks.h"
#include "service/loop.h"
#include "service/store.h"
#include "web/render_api.h"
#include "web/render_metrics.h"
#include "web/render_nagios.h"

/* ---- /metrics ------------------------------------------------------ */

void api_h_metrics(struct api_req *r)
{
    const struct view_service *s = api_req_ops(r)->view(api_req_ctx(r));
    size_t len = 0;
    char *out = s != NULL ? render_metrics(s, &len) : NULL;
    if (out == NULL) {
        api_error(r, 500, "internal", "cannot render the metrics");
        return;
    }
    api_reply(r, 200, RENDER_METRICS_CONTENT_TYPE, out, len);
}

/* ---- /api/v1/deliveries --------------------------------------------- */

/* RFC 3339 UTC with milliseconds. */
static void fmt_time(char out[64], int64_t ms)
{
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (tm.tm_year + 1900) % 10000,
             (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
             tm.tm_sec % 100, (int)(ms % 1000));
}

static int delivery_row(void *arg, const struct store_delivery *d)
{
    json_t *arr = arg;
    json_t *o = json_object();
    char at[64];
    fmt_time(at, d->at);
    bool exec = strcmp(d->kind, "exec") == 0;
    json_object_set_new(o, "at", json_string(at));
    json_object_set_new(o, "kind", json_string(d->kind));
    json_object_set_new(o, "hook", json_string(d->dest));
    json_object_set_new(o, "target", json_string(d->target));
    json_object_set_new(o, "event", json_string(d->event));
    json_object_set_new(o, "outcome", json_string(d->outcome));
    json_object_set_new(o, "attempt", json_integer(d->attempts));
    json_object_set_new(o, "http_status",
                        !exec && d->status >= 0 ? json_integer(d->status) : json_null());
    json_object_set_new(o, "exit_status",
                        exec && d->status >= 0 ? json_integer(d->status) : json_null());
    json_t *resp = d->response_len > 0
                       ? json_stringn((const char *)d->response, d->response_len) /* NULL: not UTF-8 */
                       : NULL;
    json_object_set_new(o, "response", resp != NULL ? resp : json_null());
    json_array_append_new(arr, o);
    return 0;
}

void api_h_deliveries(struct api_req *r)
{
    const struct api_ops *ops = api_req_ops(r);
    struct store *st = ops->store != NULL ? ops->store(api_req_ctx(r)) : NULL;
    if (st == NULL) {
        api_error(r, 503, "unavailable", "no store");
        return;
    }
    long limit = 100;
    const char *ls = api_req_query(r, "limit");
    if (ls != NULL) {
        char *end = NULL;
        limit = strtol(ls, &end, 10);
        if (end == ls || *end != '\0' || limit < 1 || limit > 1000) {
            api_error(r, 400, "bad_request", "limit: a whole number from 1 to 1000");
            return;
        }
    }
    json_t *arr = json_array();
    char next[256] = "";
    int rc = store_deliveries(st, NULL, (size_t)limit, api_req_query(r, "cursor"), delivery_row,
                              arr, next, sizeof next);
    if (rc == STORE_EINVAL) {
        json_decref(arr);
        api_error(r, 400, "bad_request", "cursor: not a cursor of this list");
        return;
    }
    if (rc < 0) {
        json_decref(arr);
        api_error(r, 500, "internal", "the store failed");
        return;
    }
    json_t *doc = json_pack("{s:o, s:o}", "deliveries", arr, "next_cursor",
                            next[0] ? json_string(next) : json_null());
    char *out = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    api_reply_json(r, 200, out, out != NULL ? strlen(out) : 0);
}

/* ---- /api/v1/maintenance -------------------------------------------- */

static json_t *time_or_null(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char at[64];
    fmt_time(at, ms);
    return json_string(at);
}

static json_t *window_json(const struct hooks_window *w)
{
    const struct cfg_maint *m = w->m;
    json_t *o = json_object();
    json_t *targets = json_array(), *labels = json_object();
    for (size_t i = 0; i < m->n_targets; i++)
        json_array_append_new(targets, json_string(m->targets[i]));
    for (size_t i = 0; i < m->n_match; i++)
        json_object_set_new(labels, m->match[i].key, json_string(m->match[i].value));
    json_object_set_new(o, "id", json_string(w->id));
    json_object_set_new(o, "name", json_string(m->name != NULL ? m->name : ""));
    json_object_set_new(o, "targets", targets);
    json_object_set_new(o, "labels", labels);
    if (m->days == 0) {
        json_object_set_new(o, "start", time_or_null(m->start_ms));
        json_object_set_new(o, "end", time_or_null(m->end_ms));
    } else {
        static const char *const dn[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
        char rec[96] = "";
        size_t n = 0;
        for (int d = 0; d < 7; d++)
            if (m->days & (1u << d))
                n += (size_t)snprintf(rec + n, sizeof rec - n, "%s%s", n ? "," : "", dn[d]);
        unsigned long mins = (unsigned long)(m->duration_ms / 60000u);
        snprintf(rec + n, sizeof rec - n, " %02u:%02u+%luh%02lum", m->from_min / 60,
                 m->from_min % 60, mins / 60, mins % 60);
        json_object_set_new(o, "recurring", json_string(rec));
        json_object_set_new(o, "time_zone", json_string(m->tz != NULL ? m->tz : "UTC"));
    }
    json_object_set_new(o, "reason", m->reason != NULL ? json_string(m->reason) : json_null());
    json_object_set_new(o, "source", json_string(w->api ? "api" : "config"));
    json_object_set_new(o, "active", json_boolean(w->active));
    json_object_set_new(o, "next_start", time_or_null(w->next_start_ms));
    json_object_set_new(o, "next_end", time_or_null(w->next_end_ms));
    return o;
}

static struct hooks *hooks_of(struct api_req *r)
{
    const struct api_ops *ops = api_req_ops(r);
    struct hooks *h = ops->hooks != NULL ? ops->hooks(api_req_ctx(r)) : NULL;
    if (h == NULL)
        api_error(r, 503, "unavailable", "alerting is not running");
    return h;
}

void api_h_maintenance(struct api_req *r)
{
    struct hooks *h = hooks_of(r);
    if (h == NULL)
        return;
    size_t n = hooks_maint_list(h, api_req_now_ms(r), NULL, 0);
    struct hooks_window *v = calloc(n ? n : 1, sizeof *v);
    if (v == NULL) {
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    hooks_maint_list(h, api_req_now_ms(r), v, n);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, window_json(&v[i]));
    free(v);
    json_t *doc = json_pack("{s:o}", "windows", arr);
    char *out = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    api_reply_json(r, 200, out, out != NULL ? strlen(out) : 0);
}

/* A window's store write ended: 201 with the window as listed now. */
static void maint_added(void *arg, int rc, const char *id, const char *err)
{
    struct api_req *r = api_wait_take(arg);
    if (r == NULL)
        return;
    if (rc < 0) {
        api_store_error(r, "the window was not added", rc, err);
        return;
    }
    struct hooks *h = hooks_of(r);
    if (h == NULL)
        return;
    size_t n = hooks_maint_list(h, api_req_now_ms(r), NULL, 0);
    struct hooks_window *v = calloc(n ? n : 1, sizeof *v);
    json_t *o = NULL;
    if (v != NULL) {
        hooks_maint_list(h, api_req_now_ms(r), v, n);
        for (size_t i = 0; i < n && o == NULL; i++)
            if (strcmp(v[i].id, id) == 0)
                o = window_json(&v[i]);
    }
    free(v);
    char *out = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/maintenance?id=%s", id);
    api_reply_header(r, "Location", loc);
    api_reply_json(r, 201, out, out != NULL ? strlen(out) : 0);
}

void api_h_maintenance_add(struct api_req *r)
{
    struct hooks *h = hooks_of(r);
    if (h == NULL)
        return;
    size_t len = 0;
    const char *body = api_req_body(r, &len);
    struct cfg_maint m;
    struct cfg_errs errs = {0};
    if (cfg_maint_parse_json(body, len, &m, &errs) != 0) {
        char line[600] = "invalid window";
        if (errs.n > 0)
            cfg_errs_format(&errs.v[0], NULL, line, sizeof line);
        cfg_errs_free(&errs);
        api_error(r, 400, "bad_request", "%s", line);
        return;
    }
    struct api_wait *w = api_wait_new(r);
    if (w == NULL) {
        cfg_maint_clear(&m);
        return;
    }
    int rc = hooks_maint_add(h, &m, body, api_req_now_ms(r), maint_added, w);
    if (rc != 0) { /* maint_added will not be called */
        api_wait_take(w);
        cfg_maint_clear(&m);
        if (rc == -2)
            api_store_error(r, "the window was not added", STORE_EFULL, "");
        else
            api_error(r, 409, "conflict", "at most %u windows through the API",
                      HOOKS_API_MAINT_MAX);
    }
}

static void maint_deleted(void *arg, int rc, const char *id, const char *err)
{
    struct api_req *r = api_wait_take(arg);
    if (r == NULL)
        return;
    if (rc == -1) {
        api_error(r, 404, "not_found", "no window with id '%s'", id);
    } else if (rc < 0) {
        char what[64];
        snprintf(what, sizeof what, "window '%s' not removed", id);
        api_store_error(r, what, rc, err);
    } else {
        api_reply(r, 204, "text/plain", NULL, 0);
    }
}

void api_h_maintenance_delete(struct api_req *r)
{
    struct hooks *h = hooks_of(r);
    if (h == NULL)
        return;
    const char *id = api_req_query(r, "id");
    if (id == NULL || id[0] == '\0') {
        api_error(r, 400, "bad_request", "id: missing");
        return;
    }
    struct api_wait *w = api_wait_new(r);
    if (w == NULL)
        return;
    int rc = hooks_maint_delete(h, id, maint_deleted, w);
    if (rc == 0)
        return;
    api_wait_take(w); /* maint_deleted will not be called */
    if (rc == -2)
        api_error(r, 409, "conflict", "window '%s' comes from the configuration file", id);
    else if (rc == -3)
        api_store_error(r, "the window was not removed", STORE_EFULL, "");
    else
        api_error(r, 404, "not_found", "no window with id '%s'", id);
}
