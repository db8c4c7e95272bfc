/*
 * view.c: names of the view's enums, the schedule lag histogram, lookups
 * (see view.h).
 */
#include "web/view.h"

#include <math.h>
#include <string.h>

const double view_lag_bounds[VIEW_LAG_NBOUNDS] = {
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

static const char *const window_names[] = {
#define VIEW_WINDOW_NAME_(e, name, sec) name,
    VIEW_WINDOWS(VIEW_WINDOW_NAME_)
#undef VIEW_WINDOW_NAME_
};

static const char *const hook_names[] = {
#define VIEW_HOOK_NAME_(e, name) name,
    VIEW_HOOK_KINDS(VIEW_HOOK_NAME_)
#undef VIEW_HOOK_NAME_
};

static const char *const outcome_names[] = {
#define VIEW_OUTCOME_NAME_(e, name) name,
    VIEW_OUTCOMES(VIEW_OUTCOME_NAME_)
#undef VIEW_OUTCOME_NAME_
};

const char *view_window_name(enum view_window w)
{
    return (unsigned)w < VIEW_WINDOW__COUNT ? window_names[w] : NULL;
}

int view_window_from_name(const char *name, enum view_window *out)
{
    if (name == NULL || out == NULL)
        return -1;
    for (unsigned i = 0; i < VIEW_WINDOW__COUNT; i++) {
        if (strcmp(name, window_names[i]) == 0) {
            *out = (enum view_window)i;
            return 0;
        }
    }
    return -1;
}

static const char *const adhoc_names[] = {
#define VIEW_ADHOC_NAME_(e, name) name,
    VIEW_ADHOC_OUTCOMES(VIEW_ADHOC_NAME_)
#undef VIEW_ADHOC_NAME_
};

const char *view_adhoc_name(enum view_adhoc a)
{
    return (unsigned)a < VIEW_ADHOC__COUNT ? adhoc_names[a] : NULL;
}

static const char *const krb_names[] = {
#define VIEW_KRB_NAME_(e, name) name,
    VIEW_KRB_OUTCOMES(VIEW_KRB_NAME_)
#undef VIEW_KRB_NAME_
};

const char *view_krb_name(enum view_krb k)
{
    return (unsigned)k < VIEW_KRB__COUNT ? krb_names[k] : NULL;
}

static const char *const store_kind_names[] = {
#define VIEW_STORE_NAME_(e, name) name,
    VIEW_STORE_KINDS(VIEW_STORE_NAME_)
#undef VIEW_STORE_NAME_
};

const char *view_store_kind_name(enum view_store_kind k)
{
    return (unsigned)k < VIEW_STORE__COUNT ? store_kind_names[k] : NULL;
}

const char *view_hook_kind_name(enum view_hook_kind k)
{
    return (unsigned)k < VIEW_HOOK__COUNT ? hook_names[k] : NULL;
}

const char *view_outcome_name(enum view_outcome o)
{
    return (unsigned)o < VIEW_OUTCOME__COUNT ? outcome_names[o] : NULL;
}

void view_hist_observe(struct view_hist *h, double seconds)
{
    if (h == NULL)
        return;
    if (!(seconds > 0)) /* negative, zero and NaN */
        seconds = 0;
    size_t i = 0;
    while (i < VIEW_LAG_NBOUNDS && seconds > view_lag_bounds[i])
        i++;
    h->counts[i]++;
    h->count++;
    if (isfinite(seconds))
        h->sum += seconds;
}

int view_target_pending(const struct view_target *t)
{
    return t == NULL ||
           (t->last_run_ms == 0 && t->latest == NULL && t->latest_json == NULL);
}

const struct view_target *view_target_find(const struct view_service *s,
                                           const char *name)
{
    if (s == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < s->ntargets; i++) {
        const struct view_target *t = s->targets[i];
        if (t != NULL && t->name != NULL && strcmp(t->name, name) == 0)
            return t;
    }
    return NULL;
}

void view_touch(struct view_service *s, struct view_target *t)
{
    if (s == NULL)
        return;
    s->generation++;
    if (t != NULL)
        t->generation = s->generation;
}

void view_touch_history(struct view_service *s, struct view_target *t)
{
    if (s == NULL)
        return;
    s->history_generation++;
    if (t != NULL)
        t->history_generation = s->history_generation;
}
