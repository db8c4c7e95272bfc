/*
 * hooks_state.c: the alert states kept in the store (alert_json.h) and the
 * notifications they owe (alert_outbox.h), so that neither a restart nor a
 * kill -9 pages twice or loses a page:
 *
 *   event decided   the deliveries are made and held; the record (state +
 *                   "pending": the event and every hook it goes to) is
 *                   written through the writer, and the deliveries leave
 *                   when the writer reports it committed (the gate)
 *   hook done       (taken, or given up) struck off; the record written
 *                   again, after the delivery's own row; a resolved alert
 *                   owing nothing more is deleted
 *   start           every record read back; what it still owes is sent
 *                   again, rendered from the record (same labels, so the
 *                   same fingerprint; same startsAt, endsAt)
 *
 * The store may fail to commit: a locked database (STORE_EBUSY after the
 * busy timeout) is written again until HOOKS_COMMIT_WAIT_MS have passed; any
 * other failure, a refused submission, or the wait running out opens the
 * gate anyway, with a log line saying a restart may repeat or lose it.
 * Alerting never stops for the store, and nothing here blocks the loop.
 *
 * A record of a target the configuration no longer has is resolved at
 * start (as Prometheus resolves the alerts of a rule that is gone).
 */
#include "service/hooks_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/loop.h"
#include "service/store.h"
#include "service/store_writer.h"

/* Write a's record as it stands (or delete it when nothing is left to
 * keep). Returns 0 or a STORE_E* code (STORE_EINVAL without a writer). */
static int record_write(struct hooks *h, struct target_alert *a, uint64_t *ticket)
{
    if (h->w == NULL)
        return STORE_EINVAL;
    if (alert_record_of(&a->st, &a->pend) == ALERT_RECORD_NONE)
        return store_writer_alert_delete(h->w, a->name, ticket);
    if (a->id.name == NULL)
        return STORE_ENOMEM; /* the identity could not be kept */
    struct view_target v;
    alert_saved_view(&a->id, 1, &v);
    char *json = alert_json_write(&a->st, &v, &a->pend);
    int rc = json != NULL ? store_writer_alert_put(h->w, a->name, json, loop_wall_ms(), ticket)
                          : STORE_ENOMEM;
    free(json);
    return rc;
}

static const char *rc_text(struct hooks *h, int rc)
{
    return rc == STORE_ENOMEM ? "out of memory" : store_writer_errmsg(h->w);
}

void hooks_alert_unwait(struct hooks *h, struct target_alert *a)
{
    if (a->gate != 0 && h->w != NULL)
        store_writer_unwait(h->w, a->gate);
    a->gate = 0;
    loop_timer_cancel(h->l, a->gate_timer);
    a->gate_timer = NULL;
}

/* Let a's held deliveries go. why: NULL when the record is committed, else
 * why they leave without it (logged). */
static void gate_open(struct hooks *h, struct target_alert *a, const char *why)
{
    hooks_alert_unwait(h, a);
    if (why != NULL)
        hooks_logf(h, "alert %s: %s not stored (%s): sent anyway; a restart may send it again",
                   a->name, alert_event_name(a->pend.event), why);
    hooks_release(h, a->seq);
}

static void gate_done(void *arg, const struct store_done *d);

/* Wait for ticket's commit before a's deliveries leave (the deadline kept). */
static void gate_wait(struct hooks *h, struct target_alert *a, uint64_t ticket)
{
    if (store_writer_wait(h->w, ticket, gate_done, h) != 0) {
        gate_open(h, a, "out of memory");
        return;
    }
    a->gate = ticket;
}

static void gate_timeout(void *arg)
{
    struct target_alert *a = arg;
    a->gate_timer = NULL;
    char why[80];
    snprintf(why, sizeof why, "the store did not commit it within %lld s",
             HOOKS_COMMIT_WAIT_MS / 1000);
    gate_open(a->h, a, why);
}

static void gate_done(void *arg, const struct store_done *d)
{
    struct hooks *h = arg;
    struct target_alert *a = hooks_alert_get(h, d->target, false);
    if (a == NULL || a->gate != d->ticket)
        return;
    a->gate = 0; /* the waiter is spent */
    if (d->rc >= 0) {
        gate_open(h, a, NULL);
        return;
    }
    if (d->rc == STORE_EBUSY && loop_now_ms(h->l) < a->gate_until) {
        uint64_t ticket = 0;
        int rc = record_write(h, a, &ticket);
        if (rc == 0) {
            gate_wait(h, a, ticket);
            return;
        }
        gate_open(h, a, rc_text(h, rc));
        return;
    }
    gate_open(h, a, d->err);
}

void hooks_alert_event(struct hooks *h, struct target_alert *a, const struct view_target *t,
                       struct alert_step step, int64_t now_ms)
{
    /* a newer event replaces one still waiting for its record */
    hooks_alert_unwait(h, a);
    hooks_drop_held(h, a->seq);
    /* (at start, t may be a view of a->id itself: nothing to copy) */
    if (t->name != a->id.name && alert_saved_from_view(&a->id, t) != 0)
        hooks_logf(h, "alert %s: out of memory keeping its identity", t->name);
    a->seq = ++h->seq;
    hooks_notify(h, t, &a->st, step, now_ms, a->seq, NULL, true);
    /* what is owed: the deliveries just made */
    char keys[ALERT_PENDING_MAX][ALERT_HOOK_KEY_MAX];
    const char *kv[ALERT_PENDING_MAX];
    size_t n = 0;
    for (struct delivery *d = h->head; d != NULL && n < ALERT_PENDING_MAX; d = d->next)
        if (d->seq == a->seq) {
            hooks_delivery_key(d, keys[n]);
            kv[n] = keys[n];
            n++;
        }
    if (alert_pending_set(&a->pend, step.event, kv, n) != 0)
        hooks_logf(h, "alert %s: out of memory listing the hooks owed", t->name);
    if (h->w == NULL) { /* no store: nothing to wait for */
        hooks_release(h, a->seq);
        return;
    }
    uint64_t ticket = 0;
    int rc = record_write(h, a, &ticket);
    if (rc != 0 && n == 0)
        hooks_logf(h, "alert %s: its state is not stored (%s)", a->name, rc_text(h, rc));
    if (rc != 0 && n > 0)
        gate_open(h, a, rc_text(h, rc));
    if (rc != 0 || n == 0)
        return; /* sent anyway, or nothing to send */
    a->gate_until = loop_now_ms(h->l) + HOOKS_COMMIT_WAIT_MS;
    a->gate_timer = loop_timer_at(h->l, a->gate_until, gate_timeout, a);
    if (a->gate_timer == NULL) {
        gate_open(h, a, "out of memory");
        return;
    }
    gate_wait(h, a, ticket);
}

void hooks_alert_rewrite(struct hooks *h, struct target_alert *a, const struct view_target *t)
{
    if (h->w == NULL || !a->st.firing)
        return;
    if (alert_saved_from_view(&a->id, t) != 0) {
        hooks_logf(h, "alert %s: out of memory keeping its identity", t->name);
        return;
    }
    int rc = record_write(h, a, NULL);
    if (rc != 0)
        hooks_logf(h, "alert %s: its new labels are not stored (%s)", a->name, rc_text(h, rc));
}

void hooks_alert_delivered(struct delivery *d)
{
    struct hooks *h = d->h;
    if (d->seq == 0)
        return;
    struct target_alert *a = hooks_alert_get(h, d->target, false);
    char key[ALERT_HOOK_KEY_MAX];
    hooks_delivery_key(d, key);
    if (a == NULL || a->seq != d->seq || !alert_pending_done(&a->pend, key))
        return;
    if (h->w != NULL) {
        int rc = record_write(h, a, NULL);
        if (rc != 0)
            hooks_logf(h, "alert %s: that %s took its %s is not stored (%s): a restart may "
                       "send it again", a->name, key, d->event, rc_text(h, rc));
    }
    if (a->gone && a->pend.n == 0 && a->gate == 0 && !a->st.firing)
        hooks_alert_free(h, a);
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
    size_t firing, gone, bad, owed;
};

/* Send again what a's record owes, to the hooks still configured; the
 * others are struck off. */
static void redeliver(struct hooks *h, struct target_alert *a, int64_t now_ms)
{
    struct view_target v;
    alert_saved_view(&a->id, now_ms, &v);
    struct alert_step step = {a->pend.event, false};
    for (size_t i = 0; i < a->pend.n; i++)
        step.am_push |= strncmp(a->pend.to[i], "alertmanager:", 13) == 0;
    a->seq = ++h->seq;
    if (h->cfg != NULL)
        hooks_notify(h, &v, &a->st, step, now_ms, a->seq, &a->pend, false);
    bool struck = false;
    for (size_t i = 0; i < a->pend.n;) {
        bool made = false;
        char key[ALERT_HOOK_KEY_MAX];
        for (struct delivery *d = h->head; d != NULL && !made; d = d->next) {
            hooks_delivery_key(d, key);
            made = d->seq == a->seq && strcmp(key, a->pend.to[i]) == 0;
        }
        if (made) {
            i++;
            continue;
        }
        hooks_logf(h, "alert %s: %s owed to %s, no longer configured: not sent", a->name,
                   alert_event_name(a->pend.event), a->pend.to[i]);
        snprintf(key, sizeof key, "%s", a->pend.to[i]);
        alert_pending_done(&a->pend, key);
        struck = true;
    }
    if (struck && h->w != NULL && record_write(h, a, NULL) != 0)
        hooks_logf(h, "alert %s: its record is not rewritten (%s)", a->name,
                   store_writer_errmsg(h->w));
}

static int restore_one(void *arg, const char *name, const char *json, int64_t updated_at)
{
    (void)updated_at;
    struct restore *r = arg;
    struct hooks *h = r->h;
    struct alert_state st;
    struct alert_saved saved;
    struct alert_pending pend = {0};
    char err[200];
    if (alert_json_read(json, name, &st, &saved, &pend, err, sizeof err) != 0) {
        hooks_logf(h, "%s: dropped (the next failed run fires again)", err);
        if (h->w != NULL)
            store_writer_alert_delete(h->w, name, NULL);
        r->bad++;
        return 0;
    }
    const struct view_target *t = r->find != NULL ? r->find(r->ctx, name) : NULL;
    struct target_alert *a = hooks_alert_get(h, name, true);
    if (a == NULL) {
        alert_saved_clear(&saved);
        alert_pending_clear(&pend);
        return 0;
    }
    a->st = st; /* am_pushed_ms 0: the first run re-sends to Alertmanager */
    alert_saved_clear(&a->id);
    a->id = saved;
    alert_pending_clear(&a->pend);
    a->pend = pend;
    struct view_target v;
    alert_saved_view(&a->id, r->now_ms, &v);
    a->ident = st.firing ? hooks_alert_ident(&v) : 0; /* the first run rewrites it if changed */
    if (t == NULL && st.firing) {
        /* removed from the configuration while the service was stopped */
        struct alert_step step =
            alert_update(&a->st, OA_STATE_OK, OA_DIAG__COUNT, false, 0, r->now_ms);
        hooks_logf(h, "alert %s: resolved (the target is no longer configured)", name);
        a->gone = true;
        if (h->cfg != NULL)
            hooks_alert_event(h, a, &v, step, r->now_ms);
        a->ident = 0;
        r->gone++;
    } else {
        a->gone = t == NULL;
        if (a->pend.n > 0) {
            hooks_logf(h, "alert %s: %s owed to %zu hook(s) by the previous process: sent again",
                       name, alert_event_name(a->pend.event), a->pend.n);
            redeliver(h, a, r->now_ms);
            r->owed++;
        }
        if (st.firing)
            r->firing++;
    }
    if (a->gone && a->pend.n == 0 && a->gate == 0)
        hooks_alert_free(h, a);
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
    if (r.firing || r.gone || r.bad || r.owed)
        hooks_logf(h, "alert states from the store: %zu firing, %zu resolved (targets gone), "
                   "%zu unreadable, %zu with a notification owed", r.firing, r.gone, r.bad,
                   r.owed);
}
