/*
 * hooks_maint.c: maintenance windows of the running service: those of the
 * configuration and those added through the API (POST/DELETE
 * /api/v1/maintenance), and whether a target is inside one (see hooks.h).
 * A window is evaluated only for the targets it covers, so a recurring
 * window's time zone is read only when it matters. API windows are stored
 * (the body as posted, under their id) through the writer when added,
 * deleted from the store when removed or ended, and read back at start.
 */
#include "service/hooks_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/maint.h"
#include "service/store.h"
#include "service/store_writer.h"

/* m covers t (by name, or by its labels)? */
static bool covers(const struct cfg_maint *m, const struct view_target *t)
{
    struct cfg_label lab[CFG_LABELS_MAX];
    size_t n = 0;
    for (size_t i = 0; i < t->nlabels && t->labels != NULL && n < CFG_LABELS_MAX; i++) {
        lab[n].key = (char *)t->labels[i].name;
        lab[n].value = (char *)(t->labels[i].value != NULL ? t->labels[i].value : "");
        if (lab[n].key != NULL)
            n++;
    }
    return maint_covers(m, t->name, lab, n);
}

bool hooks_maintenance(struct hooks *h, const struct view_target *t, int64_t now_ms)
{
    if (h == NULL || t == NULL || t->name == NULL)
        return false;
    for (size_t i = 0; h->cfg != NULL && i < h->cfg->n_maint; i++)
        if (covers(&h->cfg->maint[i], t) && maint_active(&h->cfg->maint[i], now_ms))
            return true;
    for (size_t i = 0; i < h->napi; i++)
        if (covers(&h->api[i].m, t) && maint_active(&h->api[i].m, now_ms))
            return true;
    return false;
}

/* A one-off window's end for the store (retention), -1 when recurring. */
static int64_t end_of(const struct cfg_maint *m)
{
    return m->days == 0 ? m->end_ms : -1;
}

/* Append m (moved) as window n. 0 or -1 (out of memory). */
static int push(struct hooks *h, struct cfg_maint *m, unsigned long n)
{
    struct api_window *v = realloc(h->api, (h->napi + 1) * sizeof *v);
    if (v == NULL)
        return -1;
    h->api = v;
    v[h->napi].m = *m;
    v[h->napi].id = n;
    memset(m, 0, sizeof *m);
    h->napi++;
    return 0;
}

/* ---- writes of the API, answered once the store committed them ------- */

static void op_unlink(struct maint_op *op)
{
    struct hooks *h = op->h;
    for (struct maint_op **p = &h->ops; *p != NULL; p = &(*p)->next)
        if (*p == op) {
            *p = op->next;
            break;
        }
    if (!op->del)
        h->nops_add--;
}

static struct maint_op *op_new(struct hooks *h, bool del, hooks_maint_done done, void *arg)
{
    struct maint_op *op = calloc(1, sizeof *op);
    if (op == NULL)
        return NULL;
    op->h = h;
    op->del = del;
    op->done = done;
    op->arg = arg;
    return op;
}

static void op_link(struct maint_op *op)
{
    op->next = op->h->ops;
    op->h->ops = op;
    if (!op->del)
        op->h->nops_add++;
}

/* The store committed (or failed) a window added through the API. */
static void add_done(void *arg, const struct store_done *d)
{
    struct maint_op *op = arg;
    struct hooks *h = op->h;
    op_unlink(op);
    char id[HOOKS_WINDOW_ID_MAX] = "";
    if (d->rc < 0) {
        hooks_logf(h, "maintenance window not added: the store failed: %s", d->err);
        cfg_maint_clear(&op->m);
        op->done(op->arg, d->rc, id, d->err);
        free(op);
        return;
    }
    unsigned long n = (unsigned long)d->id;
    snprintf(id, sizeof id, "api-%lu", n);
    if (n >= h->next_id)
        h->next_id = n + 1;
    if (push(h, &op->m, n) != 0) { /* stored: a restart brings it back */
        cfg_maint_clear(&op->m);
        hooks_logf(h, "maintenance window %s stored but not applied: out of memory", id);
        op->done(op->arg, STORE_ENOMEM, id, "out of memory applying the stored window");
        free(op);
        return;
    }
    op->done(op->arg, 0, id, "");
    free(op);
}

int hooks_maint_add(struct hooks *h, struct cfg_maint *m, const char *body, int64_t now_ms,
                    hooks_maint_done done, void *arg)
{
    if (h == NULL || m == NULL || body == NULL || done == NULL ||
        h->napi + h->nops_add >= HOOKS_API_MAINT_MAX)
        return -1;
    if (h->w == NULL) { /* no store: a counter, applied at once */
        unsigned long n = h->next_id;
        if (push(h, m, n) != 0)
            return -1;
        h->next_id++;
        char id[HOOKS_WINDOW_ID_MAX];
        snprintf(id, sizeof id, "api-%lu", n);
        done(arg, 0, id, "");
        return 0;
    }
    struct maint_op *op = op_new(h, false, done, arg);
    if (op == NULL)
        return -1;
    /* id 0: the store gives the next of its sequence */
    int rc = store_writer_maint_put(h->w, 0, body, end_of(m), now_ms, &op->ticket);
    if (rc != 0) {
        hooks_logf(h, "maintenance window not added: the store refused it (%s)",
                   store_writer_errmsg(h->w));
        free(op);
        return rc == STORE_EFULL ? -2 : -1;
    }
    if (store_writer_wait(h->w, op->ticket, add_done, op) != 0) {
        /* queued all the same: stored, found again at the next start */
        hooks_logf(h, "maintenance window: out of memory waiting for the store");
        free(op);
        return -1;
    }
    op->m = *m;
    memset(m, 0, sizeof *m);
    op_link(op);
    return 0;
}

/* Remove API window i from memory. */
static void drop_at(struct hooks *h, size_t i)
{
    cfg_maint_clear(&h->api[i].m);
    memmove(&h->api[i], &h->api[i + 1], (h->napi - i - 1) * sizeof *h->api);
    h->napi--;
}

/* Remove API window i (and from the store, without waiting). */
static void remove_at(struct hooks *h, size_t i)
{
    if (h->w != NULL && store_writer_maint_delete(h->w, (int64_t)h->api[i].id, NULL) != 0)
        hooks_logf(h, "maintenance window api-%lu: cannot delete it from the store (%s); "
                   "retention removes it once ended", h->api[i].id, store_writer_errmsg(h->w));
    drop_at(h, i);
}

static void delete_done(void *arg, const struct store_done *d)
{
    struct maint_op *op = arg;
    struct hooks *h = op->h;
    op_unlink(op);
    char id[HOOKS_WINDOW_ID_MAX];
    snprintf(id, sizeof id, "api-%lu", op->id);
    if (d->rc < 0) {
        hooks_logf(h, "maintenance window %s not removed: the store failed: %s", id, d->err);
        op->done(op->arg, d->rc, id, d->err);
        free(op);
        return;
    }
    bool found = false;
    for (size_t i = 0; i < h->napi && !found; i++)
        if (h->api[i].id == op->id) {
            drop_at(h, i);
            found = true;
        }
    /* not in memory and no row: another DELETE (or the end of the window)
     * came first */
    op->done(op->arg, found || d->rc > 0 ? 0 : -1, id, "");
    free(op);
}

int hooks_maint_delete(struct hooks *h, const char *id, hooks_maint_done done, void *arg)
{
    if (h == NULL || id == NULL || done == NULL)
        return -1;
    if (strncmp(id, "cfg-", 4) == 0) {
        char *end;
        unsigned long i = strtoul(id + 4, &end, 10);
        return *end == '\0' && h->cfg != NULL && i < h->cfg->n_maint ? -2 : -1;
    }
    if (strncmp(id, "api-", 4) != 0)
        return -1;
    char *end;
    unsigned long n = strtoul(id + 4, &end, 10);
    if (*end != '\0')
        return -1;
    size_t i = 0;
    while (i < h->napi && h->api[i].id != n)
        i++;
    if (i == h->napi)
        return -1;
    if (h->w == NULL) {
        drop_at(h, i);
        done(arg, 0, id, "");
        return 0;
    }
    struct maint_op *op = op_new(h, true, done, arg);
    if (op == NULL)
        return -1;
    op->id = n;
    int rc = store_writer_maint_delete(h->w, (int64_t)n, &op->ticket);
    if (rc != 0) {
        hooks_logf(h, "maintenance window %s not removed: the store refused it (%s)", id,
                   store_writer_errmsg(h->w));
        free(op);
        return rc == STORE_EFULL ? -3 : -1;
    }
    if (store_writer_wait(h->w, op->ticket, delete_done, op) != 0) {
        hooks_logf(h, "maintenance window %s: out of memory waiting for the store", id);
        free(op);
        return -1;
    }
    op_link(op);
    return 0;
}

bool hooks_maint_pending(const struct hooks *h)
{
    return h != NULL && h->ops != NULL;
}

void hooks_maint_fini(struct hooks *h)
{
    while (h->ops != NULL) {
        struct maint_op *op = h->ops;
        op_unlink(op);
        store_writer_unwait(h->w, op->ticket);
        cfg_maint_clear(&op->m);
        op->done(op->arg, STORE_ESTOPPED, "", "the service stopped before the store answered");
        free(op);
    }
}

size_t hooks_maint_expire(struct hooks *h, int64_t now_ms)
{
    size_t n = 0;
    for (size_t i = 0; h != NULL && i < h->napi;) {
        const struct cfg_maint *m = &h->api[i].m;
        if (m->days == 0 && m->end_ms <= now_ms) {
            hooks_logf(h, "maintenance window api-%lu (%s) ended: removed", h->api[i].id,
                       m->name != NULL ? m->name : "");
            remove_at(h, i);
            n++;
        } else {
            i++;
        }
    }
    return n;
}

/* ---- restored at start ---------------------------------------------- */

struct restore {
    struct hooks *h;
    int64_t now_ms;
    unsigned long max_id;
    size_t n, ended, bad;
};

static int restore_one(void *arg, int64_t id, const char *body, int64_t end_at,
                       int64_t created_at)
{
    (void)end_at;
    (void)created_at;
    struct restore *r = arg;
    struct hooks *h = r->h;
    if (id > 0 && (unsigned long)id > r->max_id)
        r->max_id = (unsigned long)id;
    struct cfg_maint m;
    struct cfg_errs errs = {0};
    if (cfg_maint_parse_json(body, strlen(body), &m, &errs) != 0) {
        char line[600] = "invalid window";
        if (errs.n > 0)
            cfg_errs_format(&errs.v[0], NULL, line, sizeof line);
        cfg_errs_free(&errs);
        hooks_logf(h, "maintenance window api-%lld from the store not restored: %s "
                   "(it stays in the store)", (long long)id, line);
        r->bad++;
        return 0;
    }
    if (m.days == 0 && m.end_ms <= r->now_ms) {
        cfg_maint_clear(&m);
        if (h->w != NULL)
            store_writer_maint_delete(h->w, id, NULL);
        r->ended++;
        return 0;
    }
    if (h->napi >= HOOKS_API_MAINT_MAX || push(h, &m, (unsigned long)id) != 0) {
        cfg_maint_clear(&m);
        hooks_logf(h, "maintenance window api-%lld from the store not restored: %s",
                   (long long)id, h->napi >= HOOKS_API_MAINT_MAX ? "too many windows"
                                                                 : "out of memory");
        r->bad++;
    } else {
        r->n++;
    }
    return 0;
}

void hooks_maint_restore(struct hooks *h, struct store *st, int64_t now_ms)
{
    if (h == NULL || st == NULL)
        return;
    struct restore r = {.h = h, .now_ms = now_ms};
    int64_t last = 0;
    if (store_maints(st, restore_one, &r, &last) < 0)
        hooks_logf(h, "store: cannot read the maintenance windows: %s", store_errmsg(st));
    if (last > 0 && (unsigned long)last > r.max_id)
        r.max_id = (unsigned long)last;
    if (r.max_id >= h->next_id)
        h->next_id = r.max_id + 1;
    if (r.n || r.ended || r.bad)
        hooks_logf(h, "%zu maintenance windows of the API restored from the store "
                   "(%zu ended, removed; %zu not restored)", r.n, r.ended, r.bad);
}

static void fill(struct hooks_window *w, const struct cfg_maint *m, bool api, unsigned long n,
                 int64_t now_ms)
{
    memset(w, 0, sizeof *w);
    w->m = m;
    w->api = api;
    snprintf(w->id, sizeof w->id, "%s-%lu", api ? "api" : "cfg", n);
    int64_t s = 0, e = 0;
    int rc = maint_occurrence(m, now_ms, &s, &e);
    w->active = rc == 1;
    if (rc >= 0) {
        w->next_start_ms = s;
        w->next_end_ms = e;
    }
}

size_t hooks_maint_list(struct hooks *h, int64_t now_ms, struct hooks_window *out, size_t cap)
{
    if (h == NULL)
        return 0;
    size_t n = 0;
    for (size_t i = 0; h->cfg != NULL && i < h->cfg->n_maint; i++, n++)
        if (n < cap)
            fill(&out[n], &h->cfg->maint[i], false, i, now_ms);
    for (size_t i = 0; i < h->napi; i++, n++)
        if (n < cap)
            fill(&out[n], &h->api[i].m, true, h->api[i].id, now_ms);
    return n;
}
