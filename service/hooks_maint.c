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

int hooks_maint_add(struct hooks *h, struct cfg_maint *m, const char *body, int64_t now_ms,
                    char id[HOOKS_WINDOW_ID_MAX])
{
    if (h == NULL || m == NULL || body == NULL || h->napi >= HOOKS_API_MAINT_MAX)
        return -1;
    unsigned long n = h->next_id;
    /* stored first: a window the store refused (queue full) is not added */
    if (h->w != NULL) {
        int rc = store_writer_maint_put(h->w, (int64_t)n, body, end_of(m), now_ms, NULL);
        if (rc != 0) {
            hooks_logf(h, "maintenance window api-%lu not added: the store refused it (%s)", n,
                       store_writer_errmsg(h->w));
            return -2;
        }
    }
    if (push(h, m, n) != 0) {
        if (h->w != NULL)
            store_writer_maint_delete(h->w, (int64_t)n, NULL);
        return -1;
    }
    h->next_id++;
    snprintf(id, HOOKS_WINDOW_ID_MAX, "api-%lu", n);
    return 0;
}

/* Remove API window i (and from the store). */
static void remove_at(struct hooks *h, size_t i)
{
    if (h->w != NULL && store_writer_maint_delete(h->w, (int64_t)h->api[i].id, NULL) != 0)
        hooks_logf(h, "maintenance window api-%lu: cannot delete it from the store (%s); "
                   "retention removes it once ended", h->api[i].id, store_writer_errmsg(h->w));
    cfg_maint_clear(&h->api[i].m);
    memmove(&h->api[i], &h->api[i + 1], (h->napi - i - 1) * sizeof *h->api);
    h->napi--;
}

int hooks_maint_delete(struct hooks *h, const char *id)
{
    if (h == NULL || id == NULL)
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
    for (size_t i = 0; i < h->napi; i++)
        if (h->api[i].id == n) {
            remove_at(h, i);
            return 0;
        }
    return -1;
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
