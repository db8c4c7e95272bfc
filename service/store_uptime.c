/*
 * store_uptime.c: uptime windows, the per-day bar and the response-time
 * series, all read from the hourly and daily rollups (never from runs).
 */
#include <string.h>

#include "service/store_int.h"

#define HOUR_MS 3600000LL
#define DAY_MS 86400000LL

#define SERIES_SQL(table)                                                      \
    "SELECT bucket, up, down, maint, sum_ms, min_ms, max_ms FROM " table       \
    " WHERE tid = (SELECT id FROM names WHERE name = ?1)"                      \
    " AND bucket >= ?2 AND bucket < ?3 ORDER BY bucket"

static void bucket_zero(struct store_bucket *b, int64_t start)
{
    memset(b, 0, sizeof *b);
    b->start = start;
    b->min_ms = b->max_ms = -1;
    b->ratio = -1;
}

/* Adds the rollup row of s (columns as SERIES_SQL) into b. */
static void bucket_add(struct store_bucket *b, sqlite3_stmt *s)
{
    int64_t up = sqlite3_column_int64(s, 1);
    b->up += up;
    b->down += sqlite3_column_int64(s, 2);
    b->maint += sqlite3_column_int64(s, 3);
    b->sum_ms += sqlite3_column_int64(s, 4);
    if (up > 0 && sqlite3_column_type(s, 5) != SQLITE_NULL) {
        int64_t mn = sqlite3_column_int64(s, 5), mx = sqlite3_column_int64(s, 6);
        if (b->min_ms < 0 || mn < b->min_ms)
            b->min_ms = mn;
        if (mx > b->max_ms)
            b->max_ms = mx;
    }
}

static void bucket_ratio(struct store_bucket *b)
{
    b->ratio = b->up + b->down > 0 ? (double)b->up / (double)(b->up + b->down) : -1;
}

/* Walks the rollup rows of target in [lo, hi) buckets, calling fn. */
static int walk(struct store *st, enum store_grain g, const char *target, int64_t lo,
                int64_t hi, void (*fn)(void *, sqlite3_stmt *), void *arg)
{
    sqlite3_stmt *s = g == STORE_HOURLY
                          ? store_stmt(st, SS_SERIES_HOUR, SERIES_SQL("rollup_hour"))
                          : store_stmt(st, SS_SERIES_DAY, SERIES_SQL("rollup_day"));
    if (!s)
        return STORE_EDB;
    sqlite3_bind_text(s, 1, target, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, lo);
    sqlite3_bind_int64(s, 3, hi);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW)
        fn(arg, s);
    sqlite3_reset(s);
    return step == SQLITE_DONE ? 0 : store_dberr(st, "rollups");
}

struct win_ctx {
    struct store_bucket *w[2];
    int64_t from[2]; /* first bucket of each window */
};

static void win_add(void *arg, sqlite3_stmt *s)
{
    struct win_ctx *c = arg;
    int64_t b = sqlite3_column_int64(s, 0);
    for (int i = 0; i < 2; i++)
        if (b >= c->from[i])
            bucket_add(c->w[i], s);
}

static int check_common(struct store *st, const char *target, int64_t now)
{
    int rc = store_check_name(st, "target", target);
    if (rc)
        return rc;
    if (now < 0)
        return store_seterr(st, STORE_EINVAL, "now: negative");
    return 0;
}

int store_uptime(struct store *st, const char *target, int64_t now,
                 struct store_bucket out[STORE_WINDOWS])
{
    if (!st)
        return STORE_EINVAL;
    int rc = check_common(st, target, now);
    if (rc)
        return rc;
    if (!out)
        return store_seterr(st, STORE_EINVAL, "out: missing");
    for (int i = 0; i < STORE_WINDOWS; i++)
        bucket_zero(&out[i], 0);
    int64_t h = now / HOUR_MS, d = now / DAY_MS;
    struct win_ctx hc = {{&out[STORE_W24H], &out[STORE_W7D]}, {h - 23, h - 167}};
    struct win_ctx dc = {{&out[STORE_W30D], &out[STORE_W90D]}, {d - 29, d - 89}};
    if ((rc = walk(st, STORE_HOURLY, target, h - 167, h + 1, win_add, &hc)) != 0 ||
        (rc = walk(st, STORE_DAILY, target, d - 89, d + 1, win_add, &dc)) != 0)
        return rc;
    for (int i = 0; i < STORE_WINDOWS; i++)
        bucket_ratio(&out[i]);
    return 0;
}

struct daily_ctx {
    struct store_bucket *out;
    int64_t first;
    size_t days;
};

static void daily_add(void *arg, sqlite3_stmt *s)
{
    struct daily_ctx *c = arg;
    int64_t b = sqlite3_column_int64(s, 0);
    if (b >= c->first && (uint64_t)(b - c->first) < c->days)
        bucket_add(&c->out[b - c->first], s);
}

int store_daily(struct store *st, const char *target, int64_t now, size_t days,
                struct store_bucket *out)
{
    if (!st)
        return STORE_EINVAL;
    int rc = check_common(st, target, now);
    if (rc)
        return rc;
    if (!out)
        return store_seterr(st, STORE_EINVAL, "out: missing");
    if (days < 1 || days > 400)
        return store_seterr(st, STORE_EINVAL, "days: %zu is not 1..400", days);
    int64_t d = now / DAY_MS;
    struct daily_ctx c = {out, d - (int64_t)days + 1, days};
    for (size_t i = 0; i < days; i++)
        bucket_zero(&out[i], (c.first + (int64_t)i) * DAY_MS);
    if ((rc = walk(st, STORE_DAILY, target, c.first, d + 1, daily_add, &c)) != 0)
        return rc;
    for (size_t i = 0; i < days; i++)
        bucket_ratio(&out[i]);
    return 0;
}

struct series_ctx {
    struct store_bucket *out;
    size_t cap, n;
    int64_t unit;
};

static void series_add(void *arg, sqlite3_stmt *s)
{
    struct series_ctx *c = arg;
    if (c->n >= c->cap)
        return;
    struct store_bucket *b = &c->out[c->n++];
    bucket_zero(b, sqlite3_column_int64(s, 0) * c->unit);
    bucket_add(b, s);
    bucket_ratio(b);
}

int store_series(struct store *st, const char *target, enum store_grain grain,
                 int64_t from, int64_t to, struct store_bucket *out, size_t cap,
                 size_t *n)
{
    if (!st)
        return STORE_EINVAL;
    if (n)
        *n = 0;
    int rc = check_common(st, target, from);
    if (rc)
        return rc;
    if (grain != STORE_HOURLY && grain != STORE_DAILY)
        return store_seterr(st, STORE_EINVAL, "grain: %d is not hourly or daily", (int)grain);
    if (!n || (cap && !out))
        return store_seterr(st, STORE_EINVAL, "out: missing");
    if (to < from)
        return store_seterr(st, STORE_EINVAL, "to: before from");
    int64_t unit = grain == STORE_HOURLY ? HOUR_MS : DAY_MS;
    struct series_ctx c = {out, cap, 0, unit};
    /* Buckets that overlap [from, to). */
    rc = walk(st, grain, target, from / unit, to / unit + (to % unit != 0), series_add, &c);
    *n = c.n;
    return rc;
}

static void sum_add(void *arg, sqlite3_stmt *s)
{
    bucket_add(arg, s);
}

int store_window(struct store *st, const char *target, int64_t from, int64_t to,
                 struct store_bucket *out)
{
    if (!st)
        return STORE_EINVAL;
    int rc = check_common(st, target, from);
    if (rc)
        return rc;
    if (!out)
        return store_seterr(st, STORE_EINVAL, "out: missing");
    if (to <= from)
        return store_seterr(st, STORE_EINVAL, "to: not after from");
    int64_t lo = from / DAY_MS, hi = to / DAY_MS + (to % DAY_MS != 0);
    if (hi - lo > 400)
        return store_seterr(st, STORE_EINVAL, "window: more than 400 days");
    bucket_zero(out, lo * DAY_MS);
    if ((rc = walk(st, STORE_DAILY, target, lo, hi, sum_add, out)) != 0)
        return rc;
    bucket_ratio(out);
    return 0;
}
