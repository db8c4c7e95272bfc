/*
 * api_h_hooks.c: the routes of issue 9:
 *
 *   GET /metrics                 render_metrics() of the view
 *   GET /probe?target=&module=&debug=
 *        blackbox-compatible: runs the configured target `target` now and
 *        answers its metrics (a failed check is 200 with probe_success 0).
 *        The deadline is X-Prometheus-Scrape-Timeout-Seconds minus 0.5 s
 *        (120 s without the header), or the target's timeout when smaller:
 *        when the scrape deadline comes first the answer is probe_success 0
 *        at that deadline (the run goes on and is recorded). `module` must
 *        name a profile of `modules:` when given; 400 for a missing target
 *        or an unknown module. debug=true: text with the check's output,
 *        the metrics and the target's settings (no secret).
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

#define PROBE_OFFSET_S 0.5
#define PROBE_DEFAULT_S 120.0

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

/* ---- /probe -------------------------------------------------------- */

struct probe_wait {
    struct api_req *r;  /* NULL once the request is gone or answered */
    struct loop *l;
    struct loop_timer *deadline;
    double timeout_s;
    bool debug;
    bool answered;      /* the deadline answered first */
    bool done;          /* the run came back */
};

static void probe_text(struct api_req *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void probe_text(struct api_req *r, unsigned status, const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t n = strlen(buf);
    char *body = malloc(n + 1);
    if (body != NULL)
        memcpy(body, buf, n + 1);
    api_reply(r, status, "text/plain; charset=utf-8", body, n);
}

static void probe_answer(struct probe_wait *w, const struct view_target *t,
                         const struct oa_result *res)
{
    struct api_req *r = w->r;
    r->on_free = NULL;
    r->on_free_arg = NULL;
    w->r = NULL;
    size_t mlen = 0;
    char *metrics = render_metrics_probe(res, w->timeout_s, &mlen);
    if (metrics == NULL) {
        api_error(r, 500, "internal", "cannot render the metrics");
        return;
    }
    if (!w->debug) {
        api_reply(r, 200, RENDER_METRICS_CONTENT_TYPE, metrics, mlen);
        return;
    }
    char *trace = res != NULL ? render_nagios(res) : NULL;
    size_t slen = 0;
    char *settings = t != NULL ? render_api_target(t, &slen) : NULL;
    json_t *doc = settings != NULL ? json_loads(settings, 0, NULL) : NULL;
    char *conf = doc != NULL ? json_dumps(json_object_get(doc, "settings"), JSON_INDENT(2)) : NULL;
    size_t cap = mlen + (trace ? strlen(trace) : 0) + (conf ? strlen(conf) : 0) + 256;
    char *out = malloc(cap);
    if (out != NULL)
        snprintf(out, cap,
                 "Logs for the probe:\n%s\n\nMetrics that would have been returned:\n%s\n"
                 "Module configuration:\n%s\n",
                 trace != NULL ? trace : (res == NULL ? "(no result before the deadline)" : ""),
                 metrics, conf != NULL ? conf : "{}");
    free(trace);
    free(settings);
    free(conf);
    json_decref(doc);
    free(metrics);
    api_reply(r, 200, "text/plain; charset=utf-8", out, out != NULL ? strlen(out) : 0);
}

static void probe_release(void *arg)
{
    struct probe_wait *w = arg;
    w->r = NULL; /* the client is gone */
    loop_timer_cancel(w->l, w->deadline);
    w->deadline = NULL;
    if (w->done)
        free(w);
}

static void probe_done(void *arg, const struct view_target *t, const struct oa_result *res)
{
    struct probe_wait *w = arg;
    w->done = true;
    loop_timer_cancel(w->l, w->deadline);
    w->deadline = NULL;
    if (w->r != NULL && w->r->state == REQ_DEFERRED)
        probe_answer(w, t, res);
    free(w);
}

static void probe_deadline(void *arg)
{
    struct probe_wait *w = arg;
    w->deadline = NULL;
    if (w->r != NULL && w->r->state == REQ_DEFERRED)
        probe_answer(w, NULL, NULL); /* probe_success 0; the run goes on */
}

void api_h_probe(struct api_req *r)
{
    const char *target = api_req_query(r, "target");
    const char *module = api_req_query(r, "module");
    const char *dbg = api_req_query(r, "debug");
    bool debug = false;
    const char *why = NULL;
    if (dbg != NULL && api_parse_bool(dbg, &debug, &why) != 0) {
        probe_text(r, 400, "debug: %s\n", why);
        return;
    }
    if (target == NULL || target[0] == '\0') {
        probe_text(r, 400, "Target parameter is missing\n");
        return;
    }
    const struct api_ops *ops = api_req_ops(r);
    struct hooks *h = ops->hooks != NULL ? ops->hooks(api_req_ctx(r)) : NULL;
    const struct cfg *cfg = h != NULL ? hooks_cfg(h) : NULL;
    if (module != NULL && module[0] != '\0' && cfg_module_find(cfg, module) == NULL) {
        probe_text(r, 400, "Unknown module \"%.100s\"\n", module);
        return;
    }
    const struct view_service *s = ops->view(api_req_ctx(r));
    const struct view_target *t = s != NULL ? view_target_find(s, target) : NULL;
    if (t == NULL) {
        probe_text(r, 400,
                   "Unknown target \"%.100s\": /probe runs a configured target by its name "
                   "(probing another host with a module is not implemented)\n",
                   target);
        return;
    }
    double timeout_s = PROBE_DEFAULT_S;
    const char *hdr = api_req_header(r, "X-Prometheus-Scrape-Timeout-Seconds");
    if (hdr != NULL) {
        char *end = NULL;
        double v = strtod(hdr, &end);
        if (end != hdr && *end == '\0' && isfinite(v) && v > 0)
            timeout_s = v - PROBE_OFFSET_S > 0.1 ? v - PROBE_OFFSET_S : 0.1;
    }
    double own_s = (double)t->timeout_ms / 1000.0;
    if (own_s > 0 && own_s < timeout_s)
        timeout_s = own_s;
    if (ops->run_now == NULL) {
        api_error(r, 503, "unavailable", "runs cannot be started through this server");
        return;
    }
    struct probe_wait *w = calloc(1, sizeof *w);
    if (w == NULL) {
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    w->r = r;
    w->l = api_req_api(r)->loop;
    w->timeout_s = timeout_s;
    w->debug = debug;
    r->on_free = probe_release;
    r->on_free_arg = w;
    api_defer(r);
    /* the answer at the scrape deadline at the latest (+ 50 ms of slack
     * when the target's own timeout is what limits the run) */
    int64_t due = loop_now_ms(w->l) + (int64_t)(timeout_s * 1000.0) +
                  (own_s > 0 && own_s <= timeout_s ? 1000 : 0);
    w->deadline = loop_timer_at(w->l, due, probe_deadline, w);
    int rc = ops->run_now(api_req_ctx(r), target, probe_done, w);
    if (rc == -1) {
        loop_timer_cancel(w->l, w->deadline);
        r->on_free = NULL;
        r->on_free_arg = NULL;
        free(w);
        probe_text(r, 400, "Unknown target \"%.100s\"\n", target);
    }
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
    char id[HOOKS_WINDOW_ID_MAX];
    int rc = hooks_maint_add(h, &m, body, api_req_now_ms(r), id);
    if (rc != 0) {
        cfg_maint_clear(&m);
        if (rc == -2)
            api_error(r, 503, "unavailable", "the store is busy: the window was not added; "
                      "try again");
        else
            api_error(r, 409, "conflict", "at most %u windows through the API",
                      HOOKS_API_MAINT_MAX);
        return;
    }
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
    int rc = hooks_maint_delete(h, id);
    if (rc == -2) {
        api_error(r, 409, "conflict", "window '%s' comes from the configuration file", id);
        return;
    }
    if (rc != 0) {
        api_error(r, 404, "not_found", "no window with id '%s'", id);
        return;
    }
    api_reply(r, 204, "text/plain", NULL, 0);
}
