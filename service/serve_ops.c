/*
 * serve_ops.c: the daemon's side of the HTTP API (struct api_ops of
 * service/api.h) and what it tells the API's event stream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/check/check.h"
#include "service/api.h"
#include "service/loop.h"
#include "service/serve.h"
#include "service/store_writer.h"

/* The kind of each store writer operation, for the view's counters. */
static const enum view_store_kind op_kind[STORE_OP_COUNT] = {
    [STORE_OP_RUN] = VIEW_STORE_RUN,
    [STORE_OP_INCIDENT_OPEN] = VIEW_STORE_INCIDENT,
    [STORE_OP_INCIDENT_CLOSE] = VIEW_STORE_INCIDENT,
    [STORE_OP_DELIVERY] = VIEW_STORE_DELIVERY,
    [STORE_OP_API_PUT] = VIEW_STORE_API_TARGET,
    [STORE_OP_API_DELETE] = VIEW_STORE_API_TARGET,
    [STORE_OP_PRUNE] = VIEW_STORE_RETENTION,
    [STORE_OP_MAINT_PUT] = VIEW_STORE_MAINTENANCE,
    [STORE_OP_MAINT_DELETE] = VIEW_STORE_MAINTENANCE,
    [STORE_OP_ALERT_PUT] = VIEW_STORE_ALERT,
    [STORE_OP_ALERT_DELETE] = VIEW_STORE_ALERT,
};

/* The figures only /metrics shows, read when the view is asked for. */
static void refresh_counters(struct serve *s)
{
    s->view.checks_in_flight = s->running;
    s->view.checks_queued = s->queued;
    s->view.adhoc_max = s->cfg->max_probes;
    s->view.adhoc_in_flight = s->nprobes;
    struct check_tls_cache_stats ts;
    check_tls_cache_stats(&ts);
    s->view.tls = (struct view_tls){
        .known = 1,
        .handshakes_resumed = ts.handshakes_resumed,
        .handshakes_full = ts.handshakes_full,
        .cache_targets = ts.held,
        .cache_targets_max = ts.budget,
        .cache_refused = ts.refused,
    };
    struct check_engine_stats es;
    check_engine_stats(&es);
    struct view_kerberos *k = &s->view.kerberos;
    k->workers = es.krb_workers;
    k->workers_max = es.krb_workers_max;
    k->workers_peak = es.krb_workers_peak;
    k->queued = es.krb_queued;
    k->acquisitions[VIEW_KRB_OK] = es.krb_acq_ok;
    k->acquisitions[VIEW_KRB_REJECTED] = es.krb_acq_rejected;
    k->acquisitions[VIEW_KRB_ERROR] = es.krb_acq_error;
    k->tgts = es.krb_tgts;
    k->trust_loads = es.trust_loads;
    if (s->w == NULL)
        return;
    struct store_writer_stats ws;
    store_writer_stats(s->w, &ws);
    struct view_store_queue *q = &s->view.store;
    memset(q->dropped, 0, sizeof q->dropped);
    for (size_t i = 0; i < STORE_OP_COUNT; i++)
        q->dropped[op_kind[i]] += ws.rejected_op[i];
    q->items = ws.outstanding;
    q->capacity = ws.queue_cap;
    q->bytes = ws.queued_bytes;
    q->bytes_capacity = ws.bytes_cap;
}

static const struct view_service *op_view(void *ctx)
{
    struct serve *s = ctx;
    refresh_counters(s);
    return &s->view;
}

static struct store *op_store(void *ctx)
{
    struct serve *s = ctx;
    return s->st;
}

static int op_run_now(void *ctx, const char *name,
                      void (*done)(void *arg, const struct view_target *t,
                                   const struct oa_result *r),
                      void *arg)
{
    struct serve *s = ctx;
    struct serve_target *t = serve_find(s, name);
    if (t == NULL || s->stopping)
        return -1;
    struct serve_waiter w = {done, arg};
    int rc = serve_run_now(s, t, done ? &w : NULL);
    return rc == -3 ? -1 : rc; /* -4: blocked */
}

static int op_target_put(void *ctx, const char *name, const char *body, size_t len,
                         struct cfg_errs *errs, api_write_done done, void *arg)
{
    return serve_target_put(ctx, name, body, len, errs, done, arg);
}

static int op_target_delete(void *ctx, const char *name, api_write_done done, void *arg)
{
    return serve_target_delete(ctx, name, done, arg);
}

static int op_reload(void *ctx, char *err, size_t len)
{
    return serve_reload(ctx, err, len);
}

static const struct tokens *op_tokens(void *ctx)
{
    struct serve *s = ctx;
    return s->tokens;
}

static bool op_read_requires_token(void *ctx)
{
    struct serve *s = ctx;
    return s->cfg->read_requires_token;
}

static const struct view_target *op_target(void *ctx, const char *name)
{
    struct serve_target *t = serve_find(ctx, name);
    return t ? &t->v : NULL;
}

static struct hooks *op_hooks(void *ctx)
{
    return ((struct serve *)ctx)->hooks;
}

static int op_probe_start(void *ctx, const char *host, const char *module, unsigned budget_ms,
                          bool debug, void (*done)(void *arg, const struct api_probe_result *res),
                          void *arg, struct api_probe **out, char *err, size_t len)
{
    return serve_probe_start(ctx, host, module, budget_ms, debug, done, arg, out, err, len);
}

static void op_probe_cancel(void *ctx, struct api_probe *p)
{
    serve_probe_cancel(ctx, p);
}

static const struct api_ops ops = {
    .view = op_view,
    .store = op_store,
    .run_now = op_run_now,
    .target_put = op_target_put,
    .target_delete = op_target_delete,
    .reload = op_reload,
    .tokens = op_tokens,
    .read_requires_token = op_read_requires_token,
    .hooks = op_hooks,
    .probe_start = op_probe_start,
    .probe_cancel = op_probe_cancel,
    .target = op_target,
};

const struct api_ops *serve_api_ops(void)
{
    return &ops;
}

static void log_listening(struct serve *s, const struct cfg_listen *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool v6 = strchr(l[i].host, ':') != NULL;
        serve_log("API listening on %s%s%s:%u", v6 ? "[" : "", l[i].host, v6 ? "]" : "",
                  (unsigned)api_port(s->api, i));
    }
}

int serve_api_start(struct serve *s, char *err, size_t len)
{
    s->api = api_new(s->loop, s->cfg->listen, s->cfg->n_listen, &ops, s, err, len);
    if (s->api == NULL)
        return -1;
    log_listening(s, s->cfg->listen, s->cfg->n_listen);
    return 0;
}

/* ---- moving the API (reload) --------------------------------------------- */

/* An API a reload moved away from: it takes no new connection; the open
 * ones finish (SERVE_API_RETIRE_MS at most), then it is freed. */
struct serve_retired {
    struct serve *s;
    struct api *api;
    struct loop_timer *timer;
    int64_t until;
    bool quiet;
    struct serve_retired *next;
};

static void retired_free(struct serve *s, struct serve_retired *r)
{
    for (struct serve_retired **p = &s->retired; *p != NULL; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            break;
        }
    }
    loop_timer_cancel(s->loop, r->timer);
    api_free(r->api);
    free(r);
}

static void retire_tick(void *arg)
{
    struct serve_retired *r = arg;
    struct serve *s = r->s;
    int64_t now = loop_now_ms(s->loop);
    r->timer = NULL;
    if (!r->quiet) {
        /* from a timer, not from the request that asked for the reload */
        api_quiesce(r->api);
        r->quiet = true;
    }
    size_t open = api_connections(r->api);
    if (open > 0 && now < r->until) {
        r->timer = loop_timer_at(s->loop, now + 100, retire_tick, r);
        return;
    }
    if (open > 0)
        serve_log("API: the old listener's last %zu connections closed after %d s", open,
                  SERVE_API_RETIRE_MS / 1000);
    retired_free(s, r);
}

int serve_api_move(struct serve *s, const struct cfg_listen *l, size_t n, char *err,
                   size_t len)
{
    struct serve_retired *r = calloc(1, sizeof *r);
    if (r == NULL) {
        snprintf(err, len, "out of memory");
        return -1;
    }
    struct api *na = api_new(s->loop, l, n, &ops, s, err, len);
    if (na == NULL) {
        free(r);
        return -1;
    }
    int64_t now = loop_now_ms(s->loop);
    r->s = s;
    r->api = s->api;
    r->until = now + SERVE_API_RETIRE_MS;
    r->timer = loop_timer_at(s->loop, now, retire_tick, r);
    r->next = s->retired;
    s->retired = r;
    s->api = na;
    log_listening(s, l, n);
    return 0;
}

void serve_api_stop(struct serve *s)
{
    while (s->retired != NULL)
        retired_free(s, s->retired);
    api_free(s->api);
    s->api = NULL;
}

void serve_publish_result(struct serve *s, struct serve_target *t)
{
    api_publish_result(s->api, &t->v);
}

void serve_publish_state(struct serve *s, struct serve_target *t, enum oa_state from,
                         int64_t at_ms)
{
    api_publish_state(s->api, &t->v, from, at_ms);
}
