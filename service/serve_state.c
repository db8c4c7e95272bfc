/*
 * serve_state.c: what `oaprobe serve` keeps in the store and reads back:
 * each target's state at start (latest run, open incident, the thresholds'
 * counters, uptime; alerting's firing alerts and API windows), the
 * API targets, the writer's completions (logged when they fail; a committed
 * run refreshes its target's uptime, at most once a minute), and retention.
 *
 * Reads run on the loop's own connection and are short index lookups
 * (store.md); every write goes through the writer.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "service/hooks.h"
#include "service/loop.h"
#include "service/serve.h"
#include "service/store.h"
#include "service/store_writer.h"

static enum oa_state state_of(int status)
{
    switch (status) {
    case 0:
        return OA_STATE_OK;
    case 1:
        return OA_STATE_WARNING;
    case 2:
        return OA_STATE_CRITICAL;
    default:
        return OA_STATE_UNKNOWN;
    }
}

/* ["code", ...] -> t->codes (unknown names are skipped: a newer oaprobe's) */
static void codes_from_json(struct serve_target *t, const char *text)
{
    t->v.ncodes = 0;
    json_t *a = text ? json_loads(text, 0, NULL) : NULL;
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e)
    {
        enum oa_diag_code c;
        if (t->v.ncodes < OA_RESULT_MAX_DIAGS && json_is_string(e) &&
            oa_diag_code_from_name(json_string_value(e), &c) == 0)
            t->codes[t->v.ncodes++] = c;
    }
    json_decref(a);
}

static int restore_latest(void *arg, const struct store_row *row)
{
    struct serve *s = arg;
    struct serve_target *t = serve_find(s, row->target);
    if (t == NULL)
        return 0; /* a target no longer configured: history only */
    struct view_target *v = &t->v;
    v->last_status = state_of(row->status);
    v->last_run_ms = row->started_at;
    v->latency_us = row->duration_ms * 1000;
    codes_from_json(t, row->codes_json);
    free(t->latest_json);
    t->latest_json = row->result_json ? strdup(row->result_json) : NULL;
    v->latest_json = t->latest_json;
    v->status = OA_STATE_OK; /* unless an incident is open (below) */
    view_touch(&s->view, v);
    return 0;
}

struct newest {
    bool found;
    int to;
    int64_t started, ended;
};

static int newest_incident(void *arg, const struct store_incident *inc)
{
    struct newest *n = arg;
    n->found = true;
    n->to = inc->to_status;
    n->started = inc->started_at;
    n->ended = inc->ended_at;
    return 1; /* the first is the newest */
}

/* The thresholds' consecutive counters: the latest runs in a row of the
 * same kind, as the store has them (at most SERVE_STREAK_MAX, which is also
 * the largest threshold: enough for every decision). */
static void restore_streak(struct serve *s, struct view_target *v)
{
    int bad = 0;
    size_t n = 0;
    if (store_streak(s->st, v->name, SERVE_STREAK_MAX, &bad, &n) < 0) {
        serve_log("store: cannot read the latest runs of %s: %s", v->name, store_errmsg(s->st));
        n = 1;
        bad = v->last_status != OA_STATE_OK;
    }
    v->consecutive_failures = bad ? (unsigned)n : 0;
    v->consecutive_successes = bad ? 0 : (unsigned)n;
}

/* The targets whose alerts go on: a blocked API target is not watched,
 * so its alert is resolved as a removed target's. */
static const struct view_target *find_view(void *ctx, const char *name)
{
    struct serve_target *t = serve_find(ctx, name);
    return t != NULL && t->v.blocked == NULL ? &t->v : NULL;
}

void serve_restore(struct serve *s)
{
    int rc = store_latest_all(s->st, restore_latest, s);
    if (rc < 0)
        serve_log("store: cannot read the latest runs: %s", store_errmsg(s->st));
    size_t restored = 0, open = 0;
    for (size_t i = 0; i < s->ntargets; i++) {
        struct serve_target *t = s->targets[i];
        struct view_target *v = &t->v;
        if (v->last_run_ms != 0) {
            restored++;
            restore_streak(s, v);
            struct newest n = {0};
            char cursor[STORE_CURSOR_MAX];
            rc = store_incidents(s->st, v->name, 1, NULL, newest_incident, &n, cursor,
                                 sizeof cursor);
            if (rc < 0 && rc != 1)
                serve_log("store: cannot read the incidents of %s: %s", v->name,
                          store_errmsg(s->st));
            if (n.found && n.ended == 0) {
                v->status = state_of(n.to);
                v->since_ms = n.started;
                v->incident_started_ms = n.started;
                open++;
            } else if (n.found) {
                v->since_ms = n.ended;
            }
            view_touch(&s->view, v);
        }
        serve_uptime_read(s, t);
    }
    serve_log("restored the state of %zu of %zu targets from the store (%zu open incidents)",
              restored, s->ntargets, open);
    /* alerting: firing alerts (no second page) and the API's windows */
    hooks_alert_restore(s->hooks, s->st, find_view, s, loop_wall_ms());
    hooks_maint_restore(s->hooks, s->st, loop_wall_ms());
}

struct api_restore {
    struct serve *s;
    size_t n, bad, blocked;
};

static int restore_api(void *arg, const char *name, const char *json, int64_t created,
                       int64_t updated)
{
    (void)created;
    (void)updated;
    struct api_restore *a = arg;
    struct serve *s = a->s;
    if (serve_find(s, name) != NULL) {
        serve_log("API target %s: the file has a target of that name, which wins "
                  "(the API's definition stays in the store)", name);
        return 0;
    }
    struct cfg_target *ct = NULL;
    struct cfg_errs errs = {0};
    char err[512] = "";
    if (cfg_target_parse_json(json, strlen(json), name, s->cfg, &ct, &errs) != 0) {
        char line[600];
        serve_log("API target %s: not started: %s", name,
                  errs.n ? cfg_errs_format(&errs.v[0], NULL, line, sizeof line) : "invalid");
        cfg_errs_free(&errs);
        a->bad++;
        return 0;
    }
    cfg_errs_free(&errs);
    struct serve_target *t = serve_target_new(ct, VIEW_SOURCE_API, json, &s->trusts, err,
                                                  sizeof err);
    if (t == NULL || serve_insert(s, t, s->ntargets) != 0) {
        serve_log("API target %s: not started: %s", name, t ? "out of memory" : err);
        serve_target_free(t);
        a->bad++;
        return 0;
    }
    t->s = s;
    if (serve_api_block(s->cfg, t, ""))
        a->blocked++;
    a->n++;
    return 0;
}

void serve_restore_api_targets(struct serve *s)
{
    struct api_restore a = {.s = s};
    if (store_api_targets(s->st, restore_api, &a) < 0)
        serve_log("store: cannot read the API targets: %s", store_errmsg(s->st));
    if (a.n || a.bad)
        serve_log("%zu API targets from the store%s%s", a.n, a.bad ? " (some not started)" : "",
                  a.blocked ? " (some not run: api.allow_hosts)" : "");
}

void serve_uptime_read(struct serve *s, struct serve_target *t)
{
    struct store_bucket b[STORE_WINDOWS];
    t->uptime_read_mono = loop_now_ms(s->loop);
    t->uptime_due = false;
    if (store_uptime(s->st, t->v.name, loop_wall_ms(), b) < 0) {
        serve_log("store: cannot read the uptime of %s: %s", t->v.name, store_errmsg(s->st));
        return;
    }
    /* enum store_window and enum view_window list the same windows */
    for (size_t w = 0; w < VIEW_WINDOW__COUNT && w < STORE_WINDOWS; w++)
        t->v.uptime[w] = b[w].ratio;
    view_touch(&s->view, &t->v);
}

/* ---- the writer's completions ------------------------------------------------ */

static const char *op_name(enum store_op op)
{
    switch (op) {
    case STORE_OP_RUN:
        return "run";
    case STORE_OP_INCIDENT_OPEN:
        return "incident open";
    case STORE_OP_INCIDENT_CLOSE:
        return "incident close";
    case STORE_OP_DELIVERY:
        return "delivery";
    case STORE_OP_API_PUT:
        return "API target put";
    case STORE_OP_API_DELETE:
        return "API target delete";
    case STORE_OP_PRUNE:
        return "retention";
    case STORE_OP_MAINT_PUT:
        return "maintenance window put";
    case STORE_OP_MAINT_DELETE:
        return "maintenance window delete";
    case STORE_OP_ALERT_PUT:
        return "alert state put";
    case STORE_OP_ALERT_DELETE:
        return "alert state delete";
    }
    return "write";
}

/* The history routes' cached pages (service/api_cache.h) follow what the
 * store committed: a run or an incident of one target, or retention (of
 * every target). */
static void touch_history(struct serve *s, const struct store_done *d)
{
    switch (d->op) {
    case STORE_OP_RUN:
    case STORE_OP_INCIDENT_OPEN:
    case STORE_OP_INCIDENT_CLOSE:
    case STORE_OP_API_DELETE: {
        struct serve_target *t = serve_find(s, d->target);
        view_touch_history(&s->view, t ? &t->v : NULL);
        break;
    }
    case STORE_OP_PRUNE:
        for (size_t i = 0; i < s->ntargets; i++)
            view_touch_history(&s->view, &s->targets[i]->v);
        break;
    default:
        break;
    }
}

static void on_done(void *arg, const struct store_done *d)
{
    struct serve *s = arg;
    if (d->op == STORE_OP_PRUNE) {
        s->prune_pending = false;
        if (d->rc >= 0 && d->id > 0)
            serve_log("retention: removed %lld rows older than the retention",
                      (long long)d->id);
    }
    if (d->rc < 0) {
        serve_log("store: %s%s%s failed: %s", op_name(d->op), d->target[0] ? " of " : "",
                  d->target, d->err);
        return;
    }
    touch_history(s, d);
    if (d->op != STORE_OP_RUN || s->stopping)
        return;
    struct serve_target *t = serve_find(s, d->target);
    if (t == NULL || !t->uptime_due)
        return;
    bool no_data = t->v.uptime[0] < 0;
    if (no_data || loop_now_ms(s->loop) - t->uptime_read_mono >= SERVE_UPTIME_REFRESH_MS)
        serve_uptime_read(s, t);
}

void serve_writer_ready(void *arg, int fd, uint32_t events)
{
    (void)fd;
    (void)events;
    struct serve *s = arg;
    store_writer_poll(s->w, on_done, s);
}

void serve_writer_full(struct serve *s, const char *what, const char *target, int rc)
{
    s->writes_dropped++;
    int64_t now = loop_now_ms(s->loop);
    if (s->drop_logged_mono != 0 && now - s->drop_logged_mono < 10000)
        return;
    s->drop_logged_mono = now;
    serve_log("store: %s of %s not written (%s: %s); %llu writes dropped so far", what, target,
              rc == STORE_EFULL ? "queue full" : "refused", store_writer_errmsg(s->w),
              (unsigned long long)s->writes_dropped);
}

/* ---- retention ------------------------------------------------------------------ */

static void on_prune(void *arg)
{
    struct serve *s = arg;
    s->prune_timer = NULL;
    hooks_maint_expire(s->hooks, loop_wall_ms());
    if (!s->prune_pending && s->cfg->retention_ms > 0) {
        int64_t cutoff = loop_wall_ms() - (int64_t)s->cfg->retention_ms;
        int rc = store_writer_prune(s->w, cutoff > 0 ? cutoff : 0, 0, NULL);
        if (rc == 0)
            s->prune_pending = true;
        else
            serve_writer_full(s, "retention", "every target", rc);
    }
    serve_prune_schedule(s, SERVE_PRUNE_EVERY_MS);
}

void serve_prune_schedule(struct serve *s, int64_t in_ms)
{
    loop_timer_cancel(s->loop, s->prune_timer);
    s->prune_timer = loop_timer_at(s->loop, loop_now_ms(s->loop) + in_ms, on_prune, s);
}
