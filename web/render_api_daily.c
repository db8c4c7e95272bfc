/*
 * render_api_daily.c: the daily availability of one target and the 90-day
 * bars of every target (see render_api.h).
 */
#include "web/render_api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "web/jsonutil.h"

/* "2025-11-21" of a day's midnight (the date part of ju_time_fmt). */
static json_t *date_value(int64_t ms)
{
    char buf[64];
    if (ms <= 0 || ju_time_fmt(ms, buf, sizeof buf) < 10)
        return json_null();
    buf[10] = '\0';
    return json_string(buf);
}

static double day_ratio(const struct view_day *d)
{
    return d->up + d->down > 0 ? (double)d->up / (double)(d->up + d->down) : -1.0;
}

static json_t *ms_seconds(int64_t ms, int valid)
{
    return valid && ms >= 0 ? json_real((double)ms / 1e3) : json_null();
}

static json_t *day_object(const struct view_day *d)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int has = d->up > 0;
    int bad = ju_set(o, "date", date_value(d->start_ms));
    bad |= ju_set(o, "up", json_integer(d->up));
    bad |= ju_set(o, "down", json_integer(d->down));
    bad |= ju_set(o, "maintenance", json_integer(d->maint));
    bad |= ju_set(o, "ratio", ju_ratio(day_ratio(d)));
    bad |= ju_set(o, "avg_seconds", ms_seconds(has ? d->sum_ms / d->up : -1, has));
    bad |= ju_set(o, "min_seconds", ms_seconds(d->min_ms, has));
    bad |= ju_set(o, "max_seconds", ms_seconds(d->max_ms, has));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *render_api_daily(const char *target, const struct view_day *d, size_t n, size_t *len)
{
    if (target == NULL || (d == NULL && n > 0))
        return NULL;
    json_t *o = json_object();
    json_t *arr = json_array();
    if (o == NULL || arr == NULL) {
        json_decref(o);
        json_decref(arr);
        return NULL;
    }
    int bad = ju_set(o, "target", ju_str(target));
    for (size_t i = 0; i < n && !bad; i++)
        bad |= ju_append(arr, day_object(&d[i]));
    bad |= ju_set(o, "days", arr);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return ju_dump(o, len);
}

static json_t *rounded_ratio(const struct view_day *d)
{
    double r = day_ratio(d);
    return r < 0 ? json_null() : json_real(round(r * 1e4) / 1e4);
}

char *render_api_daily_rows(const char *const *names, size_t ntargets,
                            const struct view_day *d, size_t ndays, size_t *len)
{
    if ((names == NULL || d == NULL) && ntargets > 0)
        return NULL;
    json_t *all = json_object();
    int bad = all == NULL;
    for (size_t k = 0; k < ntargets && !bad; k++) {
        json_t *arr = json_array();
        for (size_t i = 0; i < ndays && arr != NULL && !bad; i++)
            bad |= ju_append(arr, rounded_ratio(&d[k * ndays + i]));
        char name[256];
        ju_clean(name, sizeof name, names[k]);
        bad |= ju_set(all, name, arr);
    }
    if (bad) {
        json_decref(all);
        return NULL;
    }
    size_t n = 0;
    char *s = ju_dump(all, &n); /* {ROWS} */
    if (s == NULL || n < 2) {
        free(s);
        return NULL;
    }
    memmove(s, s + 1, n - 2);
    s[n - 2] = '\0';
    if (len != NULL)
        *len = n - 2;
    return s;
}

char *render_api_daily_frame(int64_t from_ms, size_t ndays, const char *rows, size_t rows_len,
                             size_t *len)
{
    if (rows == NULL && rows_len > 0)
        return NULL;
    json_t *o = json_object();
    int bad = o == NULL;
    if (!bad) {
        bad |= ju_set(o, "from", date_value(from_ms));
        bad |= ju_set(o, "days", json_integer((json_int_t)ndays));
        bad |= ju_set(o, "targets", json_object());
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    size_t n = 0;
    char *head = ju_dump(o, &n); /* {"from":...,"days":N,"targets":{}} */
    if (head == NULL || n < 3) {
        free(head);
        return NULL;
    }
    n -= 2; /* keep the "{" of targets */
    char *out = malloc(n + rows_len + 3);
    if (out != NULL) {
        memcpy(out, head, n);
        if (rows_len > 0)
            memcpy(out + n, rows, rows_len);
        memcpy(out + n + rows_len, "}}", 3);
        if (len != NULL)
            *len = n + rows_len + 2;
    }
    free(head);
    return out;
}

char *render_api_daily_all(const char *const *names, size_t ntargets,
                           const struct view_day *d, size_t ndays, size_t *len)
{
    size_t rlen = 0;
    char *rows = render_api_daily_rows(names, ntargets, d, ndays, &rlen);
    if (rows == NULL)
        return NULL;
    char *out = render_api_daily_frame(ntargets > 0 && ndays > 0 ? d[0].start_ms : 0, ndays,
                                       rows, rlen, len);
    free(rows);
    return out;
}
