/*
 * hooks_maint.c: maintenance windows of the running service: those of the
 * configuration and those added through the API (POST/DELETE
 * /api/v1/maintenance), and whether a target is inside one (see hooks.h).
 * A window is evaluated only for the targets it covers, so a recurring
 * window's time zone is read only when it matters.
 */
#include "service/hooks_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/maint.h"

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

int hooks_maint_add(struct hooks *h, struct cfg_maint *m, char id[HOOKS_WINDOW_ID_MAX])
{
    if (h == NULL || m == NULL || h->napi >= HOOKS_API_MAINT_MAX)
        return -1;
    struct api_window *v = realloc(h->api, (h->napi + 1) * sizeof *v);
    if (v == NULL)
        return -1;
    h->api = v;
    v[h->napi].m = *m;
    v[h->napi].id = h->next_id++;
    memset(m, 0, sizeof *m);
    snprintf(id, HOOKS_WINDOW_ID_MAX, "api-%lu", v[h->napi].id);
    h->napi++;
    return 0;
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
            cfg_maint_clear(&h->api[i].m);
            memmove(&h->api[i], &h->api[i + 1], (h->napi - i - 1) * sizeof *h->api);
            h->napi--;
            return 0;
        }
    return -1;
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
