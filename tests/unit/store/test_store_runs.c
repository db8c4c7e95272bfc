/*
 * test_store_runs.c: runs and their rollups (hand-computed values across
 * hour and day boundaries, maintenance), the uptime windows, the daily bar,
 * the series, the latest run and which full results are kept, incidents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store_fixture.h"

static void assert_bucket(const struct store_bucket *b, int64_t up, int64_t down,
                          int64_t maint, int64_t sum, int64_t mn, int64_t mx, double ratio)
{
    assert_int_equal(b->up, up);
    assert_int_equal(b->down, down);
    assert_int_equal(b->maint, maint);
    assert_int_equal(b->sum_ms, sum);
    assert_int_equal(b->min_ms, mn);
    assert_int_equal(b->max_ms, mx);
    assert_true(b->ratio > ratio - 1e-9 && b->ratio < ratio + 1e-9);
}

static void test_rollup_math(void **state)
{
    struct store *st = ((struct fx *)*state)->st;
    const int64_t h10 = T0 + 10 * HOUR, h11 = T0 + 11 * HOUR;
    assert_true(fx_run(st, "r", h10, 100, 0, 0) > 0);
    assert_true(fx_run(st, "r", h10 + 30 * 60000, 300, 1, 0) > 0);      /* warning: up */
    assert_true(fx_run(st, "r", h11 - 1, 5000, 2, 0) > 0);              /* last ms of hour 10 */
    assert_true(fx_run(st, "r", h11, 200, 0, 0) > 0);                   /* first ms of hour 11 */
    assert_true(fx_run(st, "r", h11 + 600000, 9000, 2, STORE_RUN_MAINTENANCE) > 0);
    assert_true(fx_run(st, "r", h11 + 1200000, 50, 0, STORE_RUN_MAINTENANCE) > 0);
    assert_true(fx_run(st, "r", h11 + 1800000, 3, 3, STORE_RUN_OVERRUN) > 0); /* unknown: down */
    assert_true(fx_run(st, "other", h10, 7, 0, 0) > 0);                 /* not counted for r */

    struct store_bucket b[4];
    size_t n = 99;
    assert_int_equal(store_series(st, "r", STORE_HOURLY, T0, T0 + DAY, b, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(b[0].start, h10);
    assert_bucket(&b[0], 2, 1, 0, 400, 100, 300, 2.0 / 3.0);
    assert_int_equal(b[1].start, h11);
    assert_bucket(&b[1], 1, 1, 2, 200, 200, 200, 0.5);

    /* A range that starts inside hour 11 still returns its bucket. */
    assert_int_equal(store_series(st, "r", STORE_HOURLY, h11 + 1, h11 + 2, b, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(b[0].start, h11);
    /* cap bounds the output. */
    assert_int_equal(store_series(st, "r", STORE_HOURLY, T0, T0 + DAY, b, 1, &n), 0);
    assert_int_equal(n, 1);

    assert_int_equal(store_series(st, "r", STORE_DAILY, T0, T0 + DAY, b, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(b[0].start, T0);
    assert_bucket(&b[0], 3, 2, 2, 600, 100, 300, 0.6);

    struct store_bucket w[STORE_WINDOWS];
    assert_int_equal(store_uptime(st, "r", h11 + 45 * 60000, w), 0);
    for (int i = 0; i < STORE_WINDOWS; i++)
        assert_bucket(&w[i], 3, 2, 2, 600, 100, 300, 0.6);

    /* A bucket with only down runs: no response time (-1), ratio 0. */
    assert_true(fx_run(st, "d", T0, 80, 2, 0) > 0);
    assert_int_equal(store_series(st, "d", STORE_HOURLY, T0, T0 + HOUR, b, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_bucket(&b[0], 0, 1, 0, 0, -1, -1, 0.0);
    /* Only maintenance: no ratio. */
    assert_true(fx_run(st, "m", T0, 80, 2, STORE_RUN_MAINTENANCE) > 0);
    assert_int_equal(store_uptime(st, "m", T0, w), 0);
    assert_bucket(&w[STORE_W24H], 0, 0, 1, 0, -1, -1, -1.0);
}

static void test_uptime_windows(void **state)
{
    struct store *st = ((struct fx *)*state)->st;
    const int64_t now = T0 + 100 * DAY + 12 * HOUR;
    struct { int64_t ago; int status; unsigned flags; } runs[] = {
        {1 * HOUR, 0, 0},   {23 * HOUR, 0, 0}, /* 24 h */
        {2 * HOUR, 2, STORE_RUN_MAINTENANCE},
        {24 * HOUR, 2, 0},  {6 * DAY, 2, 0},   /* 7 d */
        {8 * DAY, 0, 0},    {29 * DAY, 2, 0},  /* 30 d */
        {30 * DAY, 2, 0},   {60 * DAY, 0, 0},  {89 * DAY, 0, 0}, /* 90 d */
        {90 * DAY, 0, 0},   {-2 * DAY, 2, 0},  /* outside: too old, future */
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++)
        assert_true(fx_run(st, "u", now - runs[i].ago, 10, runs[i].status, runs[i].flags) > 0);
    struct store_bucket w[STORE_WINDOWS];
    assert_int_equal(store_uptime(st, "u", now, w), 0);
    assert_bucket(&w[STORE_W24H], 2, 0, 1, 20, 10, 10, 1.0);
    assert_bucket(&w[STORE_W7D], 2, 2, 1, 20, 10, 10, 0.5);
    assert_bucket(&w[STORE_W30D], 3, 3, 1, 30, 10, 10, 0.5);
    assert_bucket(&w[STORE_W90D], 5, 4, 1, 50, 10, 10, 5.0 / 9.0);

    /* The 3-day bar: oldest first, empty days present with ratio -1. */
    struct store_bucket d[3];
    assert_int_equal(store_daily(st, "u", now, 3, d), 0);
    assert_int_equal(d[0].start, T0 + 98 * DAY);
    assert_bucket(&d[0], 0, 0, 0, 0, -1, -1, -1.0);
    assert_int_equal(d[1].start, T0 + 99 * DAY);
    assert_bucket(&d[1], 1, 1, 0, 10, 10, 10, 0.5);
    assert_int_equal(d[2].start, T0 + 100 * DAY);
    assert_bucket(&d[2], 1, 0, 1, 10, 10, 10, 1.0);

    /* Calendar windows (day-granular): the last 2 days; a 31-day "month"
     * ending today; bad bounds. */
    struct store_bucket m;
    assert_int_equal(store_window(st, "u", T0 + 99 * DAY, T0 + 101 * DAY, &m), 0);
    assert_int_equal(m.start, T0 + 99 * DAY);
    assert_bucket(&m, 2, 1, 1, 20, 10, 10, 2.0 / 3.0);
    /* A bound inside a day takes the whole day. */
    assert_int_equal(store_window(st, "u", T0 + 99 * DAY + 5, T0 + 100 * DAY + 1, &m), 0);
    assert_bucket(&m, 2, 1, 1, 20, 10, 10, 2.0 / 3.0);
    assert_int_equal(store_window(st, "u", T0 + 70 * DAY, T0 + 101 * DAY, &m), 0);
    assert_bucket(&m, 3, 4, 1, 30, 10, 10, 3.0 / 7.0); /* days 70..100 */
    assert_int_equal(store_window(st, "u", T0, T0, &m), STORE_EINVAL);
    assert_int_equal(store_window(st, "u", T0, T0 + 401 * DAY, &m), STORE_EINVAL);
    assert_int_equal(store_window(st, "u", T0, T0 + DAY, NULL), STORE_EINVAL);
    assert_int_equal(store_window(NULL, "u", T0, T0 + DAY, &m), STORE_EINVAL);

    /* A target without runs: zero counts, no ratio. */
    assert_int_equal(store_uptime(st, "nobody", now, w), 0);
    for (int i = 0; i < STORE_WINDOWS; i++)
        assert_bucket(&w[i], 0, 0, 0, 0, -1, -1, -1.0);

    /* Bad arguments. */
    assert_int_equal(store_uptime(st, "u", -1, w), STORE_EINVAL);
    assert_int_equal(store_uptime(st, "U!", now, w), STORE_EINVAL);
    assert_int_equal(store_uptime(st, "u", now, NULL), STORE_EINVAL);
    assert_int_equal(store_uptime(NULL, "u", now, w), STORE_EINVAL);
    assert_int_equal(store_daily(st, "u", now, 0, d), STORE_EINVAL);
    assert_int_equal(store_daily(st, "u", now, 401, d), STORE_EINVAL);
    size_t n;
    assert_int_equal(store_series(st, "u", STORE_DAILY, now, now - 1, d, 3, &n), STORE_EINVAL);
    assert_int_equal(store_series(st, "u", (enum store_grain)7, 0, now, d, 3, &n), STORE_EINVAL);
    assert_int_equal(store_series(st, "u", STORE_DAILY, 0, now, d, 3, NULL), STORE_EINVAL);
}

struct seen {
    int n;
    int64_t id[16];
    int has_result[16];
    unsigned flags[16];
};

static int collect(void *arg, const struct store_row *r)
{
    struct seen *s = arg;
    if (s->n < 16) {
        s->id[s->n] = r->id;
        s->has_result[s->n] = r->result_json != NULL;
        s->flags[s->n] = r->flags;
    }
    s->n++;
    return 0;
}

static void test_results_kept(void **state)
{
    struct store *st = ((struct fx *)*state)->st;
    /* status:            0  0  0  2  2  2(keep)  2 */
    int status[] = {0, 0, 0, 2, 2, 2, 2};
    unsigned flags[] = {0, 0, 0, 0, 0, STORE_RUN_KEEP_RESULT, 0};
    int64_t ids[7];
    for (int i = 0; i < 7; i++) {
        ids[i] = fx_run(st, "k", T0 + i * 60000, 10, status[i], flags[i]);
        assert_true(ids[i] > 0);
    }
    struct seen s = {0};
    char cur[STORE_CURSOR_MAX];
    assert_int_equal(store_results(st, "k", 0, 0, 0, NULL, collect, &s, cur, sizeof cur), 0);
    assert_int_equal(s.n, 7);
    assert_string_equal(cur, "");
    /* Newest first: runs 6..0. Kept: 6 (latest), 5 (asked), 3 (changed), 0 (first). */
    int kept[] = {1, 1, 0, 1, 0, 0, 1};
    for (int i = 0; i < 7; i++) {
        assert_int_equal(s.id[i], ids[6 - i]);
        assert_int_equal(s.has_result[i], kept[i]);
    }
    assert_true(s.flags[6] & STORE_RUN_CHANGED);
    assert_true(s.flags[3] & STORE_RUN_CHANGED);
    assert_false(s.flags[0] & STORE_RUN_CHANGED);
    assert_true(s.flags[1] & STORE_RUN_KEEP_RESULT);

    struct seen l = {0};
    assert_int_equal(store_latest(st, "k", collect, &l), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.id[0], ids[6]);
    assert_int_equal(store_latest(st, "none", collect, &l), STORE_ENOTFOUND);
    assert_non_null(strstr(store_errmsg(st), "none"));

    /* The latest without a result JSON: store_latest_json says so. */
    struct store_run r = {.target = "k", .started_at = T0 + DAY, .status = 2};
    assert_int_equal(store_run_add(st, &r, NULL), 0);
    char *json = (char *)0x1;
    assert_int_equal(store_latest_json(st, "k", &json), STORE_ENOTFOUND);
    assert_null(json);
    assert_non_null(strstr(store_errmsg(st), "no result kept"));
}

static int count_rows(void *arg, const struct store_row *r)
{
    (void)r;
    (*(int *)arg)++;
    return 0;
}

static int stop_at_first(void *arg, const struct store_row *r)
{
    *(int64_t *)arg = r->id;
    return 42;
}

static void test_latest_all_and_codes(void **state)
{
    struct store *st = ((struct fx *)*state)->st;
    const char *codes[] = {"tls_cert_expired", "backend_unreachable"};
    struct store_run r = {.target = "b", .started_at = T0, .duration_ms = 5, .status = 2,
                          .codes = codes, .ncodes = 2, .steps_json = "[{\"n\":\"tls\"}]",
                          .result_json = "{}", .lag_ms = 7};
    assert_int_equal(store_run_add(st, &r, NULL), 0);
    r.target = "a";
    r.ncodes = 0;
    assert_int_equal(store_run_add(st, &r, NULL), 0);
    int n = 0;
    assert_int_equal(store_latest_all(st, count_rows, &n), 0);
    assert_int_equal(n, 2);
    int64_t first = 0;
    assert_int_equal(store_latest_all(st, stop_at_first, &first), 42);
    assert_true(first > 0);
}

/* Checks the codes and steps stored for "b" above. */
static int check_b(void *arg, const struct store_row *r)
{
    (void)arg;
    assert_string_equal(r->target, "b");
    assert_string_equal(r->codes_json, "[\"tls_cert_expired\",\"backend_unreachable\"]");
    assert_string_equal(r->steps_json, "[{\"n\":\"tls\"}]");
    assert_int_equal(r->lag_ms, 7);
    assert_int_equal(r->status, 2);
    assert_int_equal(r->duration_ms, 5);
    return 0;
}

static void test_codes_stored(void **state)
{
    struct store *st = ((struct fx *)*state)->st;
    test_latest_all_and_codes(state);
    assert_int_equal(store_latest(st, "b", check_b, NULL), 0);
}

struct incs {
    int n;
    struct { int64_t id, started, ended; int from, to; char target[16]; char codes[64]; } v[8];
};

static int collect_inc(void *arg, const struct store_incident *i)
{
    struct incs *s = arg;
    if (s->n < 8) {
        s->v[s->n].id = i->id;
        s->v[s->n].started = i->started_at;
        s->v[s->n].ended = i->ended_at;
        s->v[s->n].from = i->from_status;
        s->v[s->n].to = i->to_status;
        snprintf(s->v[s->n].target, sizeof s->v[s->n].target, "%s", i->target);
        snprintf(s->v[s->n].codes, sizeof s->v[s->n].codes, "%s", i->codes_json);
    }
    s->n++;
    return 0;
}

static void test_incidents(void **state)
{
    struct store *st = ((struct fx *)*state)->st;
    const char *codes[] = {"backend_unreachable"};
    int64_t id1 = 0, id2 = 0, id3 = 0;
    assert_int_equal(store_incident_open(st, "a", 0, 2, T0, codes, 1, &id1), 0);
    /* A second change closes the first at its start. */
    assert_int_equal(store_incident_open(st, "a", 2, 1, T0 + 5000, NULL, 0, &id2), 0);
    assert_int_equal(store_incident_close(st, "a", T0 + 10000), 1);
    assert_int_equal(store_incident_close(st, "a", T0 + 20000), 0);
    assert_int_equal(store_incident_close(st, "never-seen", T0), 0);
    /* b's first run was not ok: no state before it */
    assert_int_equal(store_incident_open(st, "b", STORE_STATUS_PENDING, 3, T0 + 7000, NULL, 0, &id3),
                     0);
    assert_true(id1 > 0 && id2 > id1 && id3 > id2);

    struct incs s = {0};
    char cur[STORE_CURSOR_MAX];
    assert_int_equal(store_incidents(st, "a", 0, NULL, collect_inc, &s, cur, sizeof cur), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(cur, "");
    assert_int_equal(s.v[0].id, id2);
    assert_int_equal(s.v[0].started, T0 + 5000);
    assert_int_equal(s.v[0].ended, T0 + 10000);
    assert_int_equal(s.v[0].from, 2);
    assert_int_equal(s.v[0].to, 1);
    assert_string_equal(s.v[0].codes, "[]");
    assert_int_equal(s.v[1].id, id1);
    assert_int_equal(s.v[1].ended, T0 + 5000);
    assert_string_equal(s.v[1].codes, "[\"backend_unreachable\"]");

    /* Every target, newest first, one per page. */
    memset(&s, 0, sizeof s);
    char c2[STORE_CURSOR_MAX];
    assert_int_equal(store_incidents(st, NULL, 1, NULL, collect_inc, &s, cur, sizeof cur), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.v[0].target, "b");
    assert_int_equal(s.v[0].from, STORE_STATUS_PENDING);
    assert_int_equal(s.v[0].ended, 0); /* open */
    assert_string_not_equal(cur, "");
    assert_int_equal(store_incidents(st, NULL, 1, cur, collect_inc, &s, c2, sizeof c2), 0);
    assert_int_equal(store_incidents(st, NULL, 1, c2, collect_inc, &s, cur, sizeof cur), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.v[1].id, id2);
    assert_int_equal(s.v[2].id, id1);
    assert_string_equal(cur, "");
    /* A cursor of the all-targets listing is not one of target a's. */
    assert_int_equal(store_incidents(st, "a", 1, c2, collect_inc, &s, cur, sizeof cur),
                     STORE_ECURSOR);

    /* Bad input. */
    assert_int_equal(store_incident_open(st, "a", 0, 4, T0, NULL, 0, NULL), STORE_EINVAL);
    assert_non_null(strstr(store_errmsg(st), "to_status"));
    assert_int_equal(store_incident_open(st, "a", -1, 2, T0, NULL, 0, NULL), STORE_EINVAL);
    assert_int_equal(store_incident_open(st, "a", STORE_STATUS_PENDING + 1, 2, T0, NULL, 0, NULL),
                     STORE_EINVAL);
    assert_non_null(strstr(store_errmsg(st), "from_status: 5 is not 0..4"));
    assert_int_equal(store_incident_open(st, "a", 0, STORE_STATUS_PENDING, T0, NULL, 0, NULL),
                     STORE_EINVAL); /* pending is never a state an incident goes to */
    assert_int_equal(store_incident_open(st, NULL, 0, 2, T0, NULL, 0, NULL), STORE_EINVAL);
    assert_int_equal(store_incident_open(st, "a", 0, 2, -5, NULL, 0, NULL), STORE_EINVAL);
    assert_int_equal(store_incident_open(st, "a", 0, 2, T0, NULL, 1, NULL), STORE_EINVAL);
    const char *bad[] = {"Bad Code"};
    assert_int_equal(store_incident_open(st, "a", 0, 2, T0, bad, 1, NULL), STORE_EINVAL);
    assert_non_null(strstr(store_errmsg(st), "codes[0]"));
    assert_int_equal(store_incident_close(st, "a", -1), STORE_EINVAL);
    assert_int_equal(store_incidents(st, "a", 1, NULL, NULL, NULL, cur, sizeof cur),
                     STORE_EINVAL);
    assert_int_equal(store_incidents(st, "a", 1, NULL, collect_inc, &s, cur, 8), STORE_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rollup_math, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_uptime_windows, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_results_kept, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_codes_stored, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_incidents, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
