/*
 * hooks_state.c: the alert states kept in the store (see alert_json.h), so
 * that a restart in the middle of an outage sends no second page: a firing
 * or a reminder writes the target's record through the writer, a
 * resolution deletes it, and at start every record is read back. A record
 * of a target the configuration no longer has is resolved then (as
 * Prometheus resolves the alerts of a rule that is gone) and deleted.
 */
#include "service/hooks_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/alert_json.h"
#include "service/store.h"
#include "service/store_writer.h"

void hooks_alert_save(struct hooks *h, const struct view_target *t, const struct alert_state *s,
                      enum alert_event event)
{
    if (h->w == NULL || (event == ALERT_NONE && !s->firing))
        return;
    int rc;
    if (event == ALERT_RESOLVED) {
        rc = store_writer_alert_delete(h->w, t->name, NULL);
    } else {
        char *json = alert_json_write(s, t);
        rc = json != NULL ? store_writer_alert_put(h->w, t->name, json, s->notified_ms, NULL)
                          : STORE_ENOMEM;
        free(json);
    }
    if (rc != 0)
        hooks_logf(h, "alert %s: its state is not stored (%s): a restart would %s", t->name,
                   rc == STORE_ENOMEM ? "out of memory" : store_writer_errmsg(h->w),
                   event == ALERT_RESOLVED ? "resolve it again" : "page it again");
}

static uint64_t fnv(uint64_t x, const char *s)
{
    for (; s != NULL && *s; s++) {
        x ^= (unsigned char)*s;
        x *= 0x100000001b3ull;
    }
    x ^= 0xff; /* a separator: ("ab", "c") differs from ("a", "bc") */
    return x * 0x100000001b3ull;
}

uint64_t hooks_alert_ident(const struct view_target *t)
{
    uint64_t x = fnv(0xcbf29ce484222325ull, t->host);
    x = fnv(x, t->location);
    /* the labels in any order (the record keeps them sorted) */
    uint64_t sum = 0;
    for (size_t i = 0; t->labels != NULL && i < t->nlabels; i++)
        sum += fnv(fnv(0xcbf29ce484222325ull, t->labels[i].name), t->labels[i].value);
    x = (x ^ sum) * 0x100000001b3ull;
    return x != 0 ? x : 1;
}

struct restore {
    struct hooks *h;
    const struct view_target *(*find)(void *ctx, const char *name);
    void *ctx;
    int64_t now_ms;
    size_t firing, gone, bad;
};

static int restore_one(void *arg, const char *name, const char *json, int64_t updated_at)
{
    (void)updated_at;
    struct restore *r = arg;
    struct hooks *h = r->h;
    struct alert_state st;
    struct alert_saved saved;
    char err[200];
    if (alert_json_read(json, name, &st, &saved, err, sizeof err) != 0) {
        hooks_logf(h, "%s: dropped (it was firing; the next failed run fires again)", err);
        if (h->w != NULL)
            store_writer_alert_delete(h->w, name, NULL);
        r->bad++;
        return 0;
    }
    const struct view_target *t = r->find != NULL ? r->find(r->ctx, name) : NULL;
    if (t != NULL) {
        struct target_alert *a = hooks_alert_get(h, name, true);
        if (a != NULL) {
            a->st = st; /* am_pushed_ms 0: the first run re-sends to Alertmanager */
            struct view_target v;
            alert_saved_view(&saved, r->now_ms, &v);
            a->ident = hooks_alert_ident(&v); /* the first run rewrites it if it changed */
            r->firing++;
        }
        alert_saved_clear(&saved);
        return 0;
    }
    /* removed from the configuration while the service was stopped */
    struct view_target v;
    alert_saved_view(&saved, r->now_ms, &v);
    struct alert_step step = alert_update(&st, OA_STATE_OK, OA_DIAG__COUNT, false, 0, r->now_ms);
    hooks_logf(h, "alert %s: resolved (the target is no longer configured)", name);
    if (h->cfg != NULL)
        hooks_notify(h, &v, &st, step, r->now_ms);
    hooks_alert_save(h, &v, &st, ALERT_RESOLVED);
    alert_saved_clear(&saved);
    r->gone++;
    return 0;
}

void hooks_alert_restore(struct hooks *h, struct store *st,
                         const struct view_target *(*find)(void *ctx, const char *name),
                         void *ctx, int64_t now_ms)
{
    if (h == NULL || st == NULL)
        return;
    struct restore r = {.h = h, .find = find, .ctx = ctx, .now_ms = now_ms};
    if (store_alerts(st, restore_one, &r) < 0)
        hooks_logf(h, "store: cannot read the alert states: %s", store_errmsg(st));
    if (r.firing || r.gone || r.bad)
        hooks_logf(h, "alert states from the store: %zu firing, %zu resolved (targets gone), "
                   "%zu unreadable", r.firing, r.gone, r.bad);
}
