/*
 * maint.c: maintenance window evaluation (see maint.h).
 */
#include "service/maint.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_MS 86400000ll

/* The process TZ set to tz for a conversion, and put back after. */
struct tz_swap {
    char *old;
    bool had;
};

static void tz_enter(struct tz_swap *s, const char *tz)
{
    const char *o = getenv("TZ");
    s->had = o != NULL;
    s->old = o != NULL ? strdup(o) : NULL;
    setenv("TZ", tz != NULL ? tz : "UTC", 1);
    tzset();
}

static void tz_leave(struct tz_swap *s)
{
    if (s->had && s->old != NULL)
        setenv("TZ", s->old, 1);
    else
        unsetenv("TZ");
    tzset();
    free(s->old);
}

/*
 * The instant of local date (y, mo, d) at minute `min` in the current TZ:
 * a time in the spring gap is moved past the gap; an ambiguous one takes the
 * first (daylight) instant.
 */
static int64_t local_start(int y, int mo, int d, unsigned min)
{
    int64_t best = INT64_MAX;
    for (int dst = 0; dst <= 1; dst++) {
        struct tm tm = {.tm_year = y, .tm_mon = mo, .tm_mday = d, .tm_hour = (int)(min / 60),
                        .tm_min = (int)(min % 60), .tm_isdst = dst};
        time_t t = mktime(&tm);
        if (t == (time_t)-1)
            continue;
        struct tm back;
        localtime_r(&t, &back);
        /* exact when the local time reads back as asked */
        if (back.tm_mday == d && back.tm_hour == (int)(min / 60) &&
            back.tm_min == (int)(min % 60) && (int64_t)t * 1000 < best)
            best = (int64_t)t * 1000;
    }
    if (best != INT64_MAX)
        return best;
    /* In the gap: the first instant whose local time is after it. */
    struct tm tm = {.tm_year = y, .tm_mon = mo, .tm_mday = d, .tm_hour = (int)(min / 60),
                    .tm_min = (int)(min % 60), .tm_isdst = -1};
    time_t t = mktime(&tm); /* normalised to some instant near the gap */
    for (time_t probe = t - 3 * 3600; probe <= t + 3 * 3600; probe += 60) {
        struct tm lt;
        localtime_r(&probe, &lt);
        int lm = lt.tm_hour * 60 + lt.tm_min;
        if (lt.tm_mday == d && lm > (int)min)
            return (int64_t)probe * 1000 - (int64_t)lt.tm_sec * 1000;
        if (lt.tm_mday != d && probe > t)
            break;
    }
    return (int64_t)t * 1000;
}

int maint_occurrence(const struct cfg_maint *m, int64_t now_ms, int64_t *start_ms,
                     int64_t *end_ms)
{
    if (m == NULL)
        return -1;
    if (m->days == 0) {
        if (m->end_ms <= m->start_ms || now_ms >= m->end_ms)
            return -1;
        *start_ms = m->start_ms;
        *end_ms = m->end_ms;
        return now_ms >= m->start_ms ? 1 : 0;
    }
    if ((m->days & 0x7f) == 0 || m->duration_ms == 0)
        return -1;
    struct tz_swap sw;
    tz_enter(&sw, m->tz);
    /* Occurrences starting from 8 days back (a 7-day window may still be
     * open) to 8 days ahead: the first that ends after now. */
    int rc = -1;
    time_t now_s = (time_t)(now_ms / 1000);
    struct tm today;
    localtime_r(&now_s, &today);
    for (int off = -8; off <= 8 && rc < 0; off++) {
        /* local dates stepped at noon: no DST change skips or repeats one */
        struct tm lt = {.tm_year = today.tm_year, .tm_mon = today.tm_mon,
                        .tm_mday = today.tm_mday + off, .tm_hour = 12, .tm_isdst = -1};
        if (mktime(&lt) == (time_t)-1)
            continue;
        if ((m->days & (1u << lt.tm_wday)) == 0)
            continue;
        int64_t s = local_start(lt.tm_year, lt.tm_mon, lt.tm_mday, m->from_min);
        int64_t e = s + (int64_t)m->duration_ms;
        if (e <= now_ms)
            continue;
        *start_ms = s;
        *end_ms = e;
        rc = now_ms >= s ? 1 : 0;
    }
    tz_leave(&sw);
    return rc;
}

bool maint_active(const struct cfg_maint *m, int64_t now_ms)
{
    int64_t s, e;
    return maint_occurrence(m, now_ms, &s, &e) == 1;
}

bool maint_covers(const struct cfg_maint *m, const char *name, const struct cfg_label *labels,
                  size_t n)
{
    if (m == NULL || name == NULL)
        return false;
    for (size_t i = 0; i < m->n_targets; i++)
        if (strcmp(m->targets[i], name) == 0)
            return true;
    if (m->n_match == 0)
        return false;
    for (size_t i = 0; i < m->n_match; i++) {
        bool found = false;
        for (size_t j = 0; j < n && !found; j++)
            found = strcmp(labels[j].key, m->match[i].key) == 0 &&
                    strcmp(labels[j].value, m->match[i].value) == 0;
        if (!found)
            return false;
    }
    return true;
}
