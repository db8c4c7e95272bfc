/*
 * hooks.c: alerting on the loop: per-target alert states, the decision
 * after each run, and the deliveries to Alertmanager and webhooks as
 * deliveries with retries (see hooks.h). The transfers: hooks_http.c; exec
 * hooks: hooks_exec.c; maintenance windows: hooks_maint.c.
 */
#include "service/hooks_int.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service/loop.h"
#include "service/store_writer.h"
#include "web/render_alert.h"

void hooks_logf(struct hooks *h, const char *fmt, ...)
{
    if (h->log == NULL)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    h->log(line);
}

static uint64_t next_rand(struct hooks *h)
{
    uint64_t x = h->rnd;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    h->rnd = x;
    return x;
}

/* ---- alert states by target name ---------------------------------- */

static uint64_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ull;
    }
    return h;
}

static struct target_alert **alert_slot(struct hooks *h, const char *name)
{
    struct target_alert **p = &h->buckets[name_hash(name) % h->nbuckets];
    while (*p != NULL && strcmp((*p)->name, name) != 0)
        p = &(*p)->next;
    return p;
}

static void grow_buckets(struct hooks *h)
{
    size_t n = h->nbuckets * 2;
    struct target_alert **b = calloc(n, sizeof *b);
    if (b == NULL)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < h->nbuckets; i++)
        for (struct target_alert *a = h->buckets[i], *next; a != NULL; a = next) {
            next = a->next;
            size_t j = name_hash(a->name) % n;
            a->next = b[j];
            b[j] = a;
        }
    free(h->buckets);
    h->buckets = b;
    h->nbuckets = n;
}

struct target_alert *hooks_alert_get(struct hooks *h, const char *name, bool create)
{
    struct target_alert **p = alert_slot(h, name);
    if (*p != NULL || !create)
        return *p;
    struct target_alert *a = calloc(1, sizeof *a);
    if (a == NULL || (a->name = strdup(name)) == NULL) {
        free(a);
        return NULL;
    }
    a->h = h;
    *p = a;
    if (++h->nalerts > h->nbuckets * 2)
        grow_buckets(h);
    return a;
}

void hooks_alert_free(struct hooks *h, struct target_alert *a)
{
    struct target_alert **p = alert_slot(h, a->name);
    if (*p != a)
        return;
    *p = a->next;
    h->nalerts--;
    hooks_alert_unwait(h, a);
    alert_saved_clear(&a->id);
    alert_pending_clear(&a->pend);
    free(a->name);
    free(a);
}

/* ---- life cycle ---------------------------------------------------- */

struct hooks *hooks_new(struct loop *l, const struct cfg *cfg, struct store_writer *w,
                        struct view_service *view, void (*log)(const char *line))
{
    struct hooks *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->nbuckets = 64;
    h->buckets = calloc(h->nbuckets, sizeof *h->buckets);
    if (h->buckets == NULL) {
        free(h);
        return NULL;
    }
    h->l = l;
    h->cfg = cfg;
    h->w = w;
    h->view = view;
    h->log = log;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    h->rnd = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)h;
    if (h->rnd == 0)
        h->rnd = 0x9e3779b97f4a7c15ull;
    h->next_id = 1;
    /* an exec hook that closes its stdin early must not kill the daemon */
    signal(SIGPIPE, SIG_IGN);
    return h;
}

void hooks_reload(struct hooks *h, const struct cfg *cfg)
{
    if (h != NULL)
        h->cfg = cfg;
}

const struct cfg *hooks_cfg(const struct hooks *h)
{
    return h != NULL ? h->cfg : NULL;
}

size_t hooks_pending(const struct hooks *h)
{
    return h != NULL ? h->pending : 0;
}

static void delivery_free(struct delivery *d)
{
    struct hooks *h = d->h;
    hooks_http_cancel(d);
    loop_timer_cancel(h->l, d->retry_timer);
    if (d->kind == VIEW_HOOK_EXEC)
        hooks_exec_cancel(d);
    if (d->prev != NULL)
        d->prev->next = d->next;
    else
        h->head = d->next;
    if (d->next != NULL)
        d->next->prev = d->prev;
    h->pending--;
    if (d->url != NULL)
        explicit_bzero(d->url, strlen(d->url));
    free(d->url);
    free(d->body);
    hooks_strv_free(d->argv);
    hooks_strv_free(d->envp);
    free(d);
}

void hooks_free(struct hooks *h)
{
    if (h == NULL)
        return;
    while (h->head != NULL)
        delivery_free(h->head);
    for (size_t i = 0; i < h->nbuckets; i++)
        for (struct target_alert *a = h->buckets[i], *next; a != NULL; a = next) {
            next = a->next;
            hooks_alert_unwait(h, a); /* what it owes stays in the store */
            alert_saved_clear(&a->id);
            alert_pending_clear(&a->pend);
            free(a->name);
            free(a);
        }
    free(h->buckets);
    hooks_maint_fini(h);
    for (size_t i = 0; i < h->napi; i++)
        cfg_maint_clear(&h->api[i].m);
    free(h->api);
    free(h);
}

/* ---- recording ----------------------------------------------------- */

void hooks_record(struct delivery *d, enum view_outcome o, int status)
{
    struct hooks *h = d->h;
    if (h->view != NULL)
        h->view->hooks[d->kind][o]++;
    if (h->w == NULL)
        return;
    struct store_delivery sd = {
        .target = d->target,
        .kind = view_hook_kind_name(d->kind),
        .event = d->event,
        .dest = d->name,
        .outcome = view_outcome_name(o),
        .status = status,
        .attempts = d->attempt > 0 ? (int)d->attempt : 1,
        .response = d->resp,
        .response_len = d->resp_len,
        .at = loop_wall_ms(),
    };
    int rc = store_writer_delivery(h->w, &sd, NULL);
    if (rc != 0)
        hooks_logf(h, "%s %s: cannot record a delivery (%d)", sd.kind, d->name, rc);
}

/* ---- attempts ------------------------------------------------------ */

static void attempt_start(struct delivery *d);

static void retry_fire(void *arg)
{
    struct delivery *d = arg;
    d->retry_timer = NULL;
    attempt_start(d);
}

void hooks_attempt_done(struct delivery *d, bool ok, int status, const char *why)
{
    struct hooks *h = d->h;
    const char *kind = view_hook_kind_name(d->kind);
    if (ok) {
        hooks_record(d, VIEW_OUTCOME_SUCCESS, status);
        hooks_alert_delivered(d);
        if (d->attempt > 1)
            hooks_logf(h, "%s %s: %s %s delivered at attempt %u", kind, d->name, d->event,
                       d->target, d->attempt);
        delivery_free(d);
        return;
    }
    int64_t delay = retry_delay_ms(d->attempt, next_rand(h));
    if (delay < 0) {
        hooks_record(d, VIEW_OUTCOME_FAILURE, status);
        hooks_alert_delivered(d); /* given up: not sent again after a restart */
        hooks_logf(h, "%s %s: %s %s: %s; gave up after %u attempts", kind, d->name, d->event,
                   d->target, why, d->attempt);
        delivery_free(d);
        return;
    }
    hooks_record(d, VIEW_OUTCOME_RETRY, status);
    hooks_logf(h, "%s %s: %s %s: %s; retry in %.1f s", kind, d->name, d->event, d->target, why,
               (double)delay / 1000.0);
    d->retry_timer = loop_timer_at(h->l, loop_now_ms(h->l) + delay, retry_fire, d);
    if (d->retry_timer == NULL) {
        hooks_record(d, VIEW_OUTCOME_FAILURE, status);
        hooks_alert_delivered(d);
        delivery_free(d);
    }
}

static void attempt_start(struct delivery *d)
{
    d->attempt++;
    char why[200] = "";
    int rc = d->kind == VIEW_HOOK_EXEC ? hooks_exec_start(d, why, sizeof why)
                                       : hooks_http_start(d, why, sizeof why);
    if (rc != 0)
        hooks_attempt_done(d, false, -1, why);
}

/* ---- deciding ------------------------------------------------------ */

/* A newer notification for the same hook and target: drop the older one's
 * pending retry (or the older one still held for its record's commit), so it
 * never arrives after this one. (An Alertmanager re-send cannot meet a held
 * event: it comes ALERT_AM_RESEND_MS after the last push, and a gate opens
 * after HOOKS_COMMIT_WAIT_MS at most.) */
static void supersede(struct hooks *h, enum view_hook_kind kind, size_t idx, const char *target)
{
    for (struct delivery *d = h->head, *next; d != NULL; d = next) {
        next = d->next;
        if (d->kind == kind && d->hook_index == idx && (d->retry_timer != NULL || d->held) &&
            strcmp(d->target, target) == 0) {
            hooks_record(d, VIEW_OUTCOME_DROPPED, -1);
            delivery_free(d);
        }
    }
}

static struct delivery *delivery_new(struct hooks *h, enum view_hook_kind kind, size_t idx,
                                     const char *name, const struct view_target *t,
                                     const char *event, char *body, size_t len,
                                     uint64_t timeout_ms)
{
    struct delivery tmp = {.h = h, .kind = kind};
    snprintf(tmp.name, sizeof tmp.name, "%s", name);
    snprintf(tmp.target, sizeof tmp.target, "%s", t->name);
    snprintf(tmp.event, sizeof tmp.event, "%s", event);
    supersede(h, kind, idx, t->name);
    struct delivery *d = h->pending < HOOKS_INFLIGHT_MAX ? calloc(1, sizeof *d) : NULL;
    if (d == NULL) {
        tmp.attempt = 0;
        hooks_record(&tmp, VIEW_OUTCOME_DROPPED, -1);
        hooks_logf(h, "%s %s: %s %s dropped (%zu deliveries pending)", view_hook_kind_name(kind),
                   name, event, t->name, h->pending);
        free(body);
        return NULL;
    }
    *d = tmp;
    d->hook_index = idx;
    d->body = body;
    d->len = len;
    d->timeout_ms = timeout_ms;
    d->pidfd = d->in_fd = d->out_fd = -1;
    d->next = h->head;
    if (h->head != NULL)
        h->head->prev = d;
    h->head = d;
    h->pending++;
    return d;
}

static const char *reason_of(enum alert_event e)
{
    return e == ALERT_RESOLVED   ? "all alerts resolved"
           : e == ALERT_REMINDER ? "repeat interval elapsed"
                                 : "first notification";
}

static enum oa_diag_code worst_code(const struct view_target *t)
{
    if (t->latest != NULL) {
        const struct oa_diag *w = oa_result_worst_diag(t->latest);
        if (w != NULL)
            return w->code;
    }
    return t->codes != NULL && t->ncodes > 0 ? t->codes[0] : OA_DIAG__COUNT;
}

void hooks_delivery_key(const struct delivery *d, char out[ALERT_HOOK_KEY_MAX])
{
    if (alert_hook_key(out, ALERT_HOOK_KEY_MAX, view_hook_kind_name(d->kind), d->name) != 0)
        out[0] = '\0';
}

/* Is the hook (kind, name) wanted by only (NULL: every hook)? */
static bool wanted(const struct alert_pending *only, enum view_hook_kind kind, const char *name)
{
    char key[ALERT_HOOK_KEY_MAX];
    return only == NULL ||
           (alert_hook_key(key, sizeof key, view_hook_kind_name(kind), name) == 0 &&
            alert_pending_has(only, key));
}

/* Start d now, or hold it for hooks_release(). */
static void go(struct delivery *d, uint64_t seq, bool hold)
{
    d->seq = seq;
    if (hold)
        d->held = true;
    else
        attempt_start(d);
}

void hooks_release(struct hooks *h, uint64_t seq)
{
    if (seq == 0)
        return;
    for (struct delivery *d = h->head, *next; d != NULL; d = next) {
        next = d->next;
        if (d->held && d->seq == seq) {
            d->held = false;
            attempt_start(d); /* frees no other delivery */
        }
    }
}

void hooks_drop_held(struct hooks *h, uint64_t seq)
{
    if (seq == 0)
        return;
    for (struct delivery *d = h->head, *next; d != NULL; d = next) {
        next = d->next;
        if (d->held && d->seq == seq) {
            hooks_record(d, VIEW_OUTCOME_DROPPED, -1);
            delivery_free(d);
        }
    }
}

void hooks_notify(struct hooks *h, const struct view_target *t, struct alert_state *s,
                  struct alert_step step, int64_t now_ms, uint64_t seq,
                  const struct alert_pending *only, bool hold)
{
    const struct cfg *cfg = h->cfg;
    const char *ext = cfg->external_url != NULL ? cfg->external_url : "";
    struct alert_item a = {
        .t = t,
        .severity = s->severity,
        .code = s->code,
        .resolved = step.event == ALERT_RESOLVED || (!s->firing && step.am_push),
        .starts_ms = s->starts_ms,
    };
    const char *event = alert_event_name(step.event);
    if (step.event != ALERT_NONE) {
        a.ends_ms = a.resolved ? s->ends_ms : 0;
        for (size_t i = 0; i < cfg->n_webhooks; i++) {
            const struct cfg_webhook *wh = &cfg->webhooks[i];
            if (!wanted(only, VIEW_HOOK_WEBHOOK, wh->name))
                continue;
            struct alert_webhook_meta m = {.receiver = wh->name,
                                           .external_url = ext,
                                           .notification_reason = reason_of(step.event)};
            size_t len = 0;
            char *body = render_alert_webhook(&a, 1, &m, &len);
            struct delivery *d =
                body ? delivery_new(h, VIEW_HOOK_WEBHOOK, i, wh->name, t, event, body, len,
                                    wh->timeout_ms)
                     : NULL;
            if (d == NULL)
                continue;
            d->url = strdup(wh->url);
            if (d->url == NULL || hooks_http_headers(d, wh->headers, wh->n_headers) != 0) {
                hooks_record(d, VIEW_OUTCOME_DROPPED, -1);
                delivery_free(d);
                continue;
            }
            go(d, seq, hold);
        }
        for (size_t i = 0; i < cfg->n_execs; i++) {
            const struct cfg_exec *ex = &cfg->execs[i];
            if (!wanted(only, VIEW_HOOK_EXEC, ex->name))
                continue;
            struct alert_webhook_meta m = {.receiver = ex->name,
                                           .external_url = ext,
                                           .notification_reason = reason_of(step.event)};
            size_t len = 0;
            char *body = render_alert_webhook(&a, 1, &m, &len);
            struct delivery *d = body ? delivery_new(h, VIEW_HOOK_EXEC, i, ex->name, t, event,
                                                     body, len, ex->timeout_ms)
                                      : NULL;
            if (d == NULL)
                continue;
            d->argv = calloc(ex->argc + 1, sizeof *d->argv);
            bool ok = d->argv != NULL;
            for (size_t k = 0; ok && k < ex->argc; k++)
                ok = (d->argv[k] = strdup(ex->argv[k])) != NULL;
            d->envp = ok ? hooks_exec_env(t, event) : NULL;
            if (d->envp == NULL) {
                hooks_record(d, VIEW_OUTCOME_DROPPED, -1);
                delivery_free(d);
                continue;
            }
            go(d, seq, hold);
        }
    }
    if (step.am_push && cfg->n_alertmanagers > 0) {
        a.ends_ms = a.resolved ? s->ends_ms : alert_am_ends_ms(now_ms, t->interval_ms);
        size_t len = 0;
        char *body = render_alert_postable(&a, 1, ext, &len);
        for (size_t i = 0; body != NULL && i < cfg->n_alertmanagers; i++) {
            const struct cfg_alertmanager *am = &cfg->alertmanagers[i];
            char name[CFG_NAME_MAX + 1];
            snprintf(name, sizeof name, "alertmanager%zu", i);
            if (!wanted(only, VIEW_HOOK_ALERTMANAGER, name))
                continue;
            char *copy = malloc(len + 1);
            if (copy != NULL)
                memcpy(copy, body, len + 1);
            struct delivery *d =
                copy ? delivery_new(h, VIEW_HOOK_ALERTMANAGER, i, name, t,
                                    step.event == ALERT_NONE ? "refresh" : event, copy, len,
                                    am->timeout_ms)
                     : NULL;
            if (d == NULL)
                continue;
            size_t ul = strlen(am->url) + sizeof "/api/v2/alerts";
            d->url = malloc(ul);
            if (d->url != NULL)
                snprintf(d->url, ul, "%s/api/v2/alerts", am->url);
            if (d->url == NULL || hooks_http_headers(d, NULL, 0) != 0) {
                hooks_record(d, VIEW_OUTCOME_DROPPED, -1);
                delivery_free(d);
                continue;
            }
            go(d, step.event == ALERT_NONE ? 0 : seq, hold && step.event != ALERT_NONE);
        }
        free(body);
        alert_am_pushed(s, now_ms);
    }
}

void hooks_on_result(struct hooks *h, const struct view_target *t, enum oa_state from,
                     int64_t now_ms)
{
    (void)from;
    if (h == NULL || t == NULL || t->name == NULL || h->cfg == NULL)
        return;
    struct target_alert *a = hooks_alert_get(h, t->name, true);
    if (a == NULL)
        return;
    struct alert_state *s = &a->st;
    enum oa_state status = view_target_pending(t) ? OA_STATE_SKIPPED : t->status;
    /* remind_every: the view's; else the config's target (or defaults) */
    uint64_t remind = t->remind_every_ms;
    if (remind == 0) {
        const struct cfg_target *ct = cfg_target_find(h->cfg, t->name);
        remind = ct != NULL                ? ct->remind_every_ms
                 : h->cfg->defaults != NULL ? h->cfg->defaults->remind_every_ms
                                            : 0;
    }
    struct alert_step step =
        alert_update(s, status, worst_code(t), t->maintenance != 0, remind, now_ms);
    a->gone = false;
    uint64_t ident = s->firing ? hooks_alert_ident(t) : 0;
    if (step.event != ALERT_NONE) {
        hooks_logf(h, "alert %s: %s (%s)", t->name, alert_event_name(step.event),
                   oa_state_name(s->firing ? s->severity : status));
        hooks_alert_event(h, a, t, step, now_ms);
        a->ident = ident;
        return;
    }
    if (ident != a->ident) {
        hooks_alert_rewrite(h, a, t);
        a->ident = ident;
    }
    if (step.am_push) /* a re-send to Alertmanager: owed to nobody */
        hooks_notify(h, t, s, step, now_ms, 0, NULL, false);
}

void hooks_forget(struct hooks *h, const struct view_target *t, int64_t now_ms)
{
    if (h == NULL || t == NULL || t->name == NULL)
        return;
    struct target_alert **p = alert_slot(h, t->name);
    if (*p == NULL)
        return;
    struct target_alert *a = *p;
    if (a->st.firing && h->cfg != NULL) {
        struct alert_step step = alert_update(&a->st, OA_STATE_OK, OA_DIAG__COUNT, false, 0,
                                              now_ms);
        hooks_alert_event(h, a, t, step, now_ms);
        a->ident = 0;
    }
    if (a->pend.n > 0 || a->gate != 0) {
        a->gone = true; /* freed once its resolution is delivered */
        return;
    }
    hooks_alert_free(h, a);
}
