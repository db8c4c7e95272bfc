/*
 * serve_ops.c: the daemon's side of the HTTP API (struct api_ops of
 * service/api.h) and what it tells the API's event stream.
 */
#include <stdlib.h>
#include <string.h>

#include "service/api.h"
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
    return rc == -3 ? -1 : rc;
}

static int op_target_put(void *ctx, const char *name, const char *body, size_t len,
                         struct cfg_errs *errs)
{
    return serve_target_put(ctx, name, body, len, errs);
}

static int op_target_delete(void *ctx, const char *name)
{
    return serve_target_delete(ctx, name);
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

int serve_api_start(struct serve *s, char *err, size_t len)
{
    s->api = api_new(s->loop, s->cfg->listen, s->cfg->n_listen, &ops, s, err, len);
    if (s->api == NULL)
        return -1;
    for (size_t i = 0; i < s->cfg->n_listen; i++) {
        const char *h = s->cfg->listen[i].host;
        bool v6 = strchr(h, ':') != NULL;
        serve_log("API listening on %s%s%s:%u", v6 ? "[" : "", h, v6 ? "]" : "",
                  (unsigned)api_port(s->api, i));
    }
    return 0;
}

void serve_api_stop(struct serve *s)
{
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
