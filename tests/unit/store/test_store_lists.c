/*
 * test_store_lists.c: history paging with cursors (stable while runs are
 * inserted, since/until, limit cap, tampered cursors), API targets, hook
 * deliveries, retention, and bad inputs of the run path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store_fixture.h"

struct ids {
    size_t n;
    int64_t id[2100];
    int64_t t[2100];
};

static int collect(void *arg, const struct store_row *r)
{
    struct ids *s = arg;
    if (s->n < 2100) {
        s->id[s->n] = r->id;
        s->t[s->n] = r->started_at;
    }
    s->n++;
    return 0;
}

static void test_paging_stable(void **state)
{
    struct store *st = ((struct fx *)*state)->st;
    int64_t ids[50];
    /* 50 runs, two of them at the same time (ties broken by id). */
    for (int i = 0; i < 50; i++) {
        ids[i] = fx_run(st, "p", T0 + (i == 21 ? 20 : i) * 1000, 1, 0, 0);
        assert_true(ids[i] > 0);
    }
    struct ids *all = calloc(1, sizeof *all);
    char cur[STORE_CURSOR_MAX] = "", next[STORE_CURSOR_MAX];
    int pages = 0;
    do {
        struct ids *pg = calloc(1, sizeof *pg);
        assert_int_equal(store_results(st, "p", 0, 0, 7, cur, collect, pg, next, sizeof next), 0);
        assert_true(pg->n <= 7);
        for (size_t i = 0; i < pg->n; i++) {
            all->id[all->n] = pg->id[i];
            all->t[all->n++] = pg->t[i];
        }
        free(pg);
        /* Insert newer runs between pages: they must not shift the pages. */
        assert_true(fx_run(st, "p", T0 + 1000000 + pages, 1, 0, 0) > 0);
        memcpy(cur, next, sizeof cur);
        pages++;
    } while (cur[0] && pages < 20);
    assert_int_equal(pages, 8); /* 7 x 7 + 1 */
    assert_int_equal(all->n, 50);
    for (size_t i = 0; i < 50; i++)
        assert_int_equal(all->id[i], ids[49 - i]); /* ties: higher id first */
    free(all);
}

static void test_paging_since_until_limit(void **state)
{
    struct store *st = ((struct fx *)*state)->st;
    for (int i = 0; i < 1500; i++)
        assert_true(fx_run(st, "q", T0 + i * 1000, 1, 0, 0) > 0);
    struct ids *s = calloc(1, sizeof *s);
    char cur[STORE_CURSOR_MAX];
    /* since inclusive, until exclusive. */
    assert_int_equal(store_results(st, "q", T0 + 10000, T0 + 20000, 0, NULL, collect, s,
                                   cur, sizeof cur), 0);
    assert_int_equal(s->n, 10);
    assert_int_equal(s->t[0], T0 + 19000);
    assert_int_equal(s->t[9], T0 + 10000);
    assert_string_equal(cur, "");
    /* Default limit 100, cap 1000. */
    s->n = 0;
    assert_int_equal(store_results(st, "q", 0, 0, 0, NULL, collect, s, cur, sizeof cur), 0);
    assert_int_equal(s->n, STORE_PAGE_DEFAULT);
    assert_string_not_equal(cur, "");
    s->n = 0;
    assert_int_equal(store_results(st, "q", 0, 0, 100000, NULL, collect, s, cur, sizeof cur), 0);
    assert_int_equal(s->n, STORE_PAGE_MAX);
    /* The cursor keeps the time bounds of the query it is used with. */
    s->n = 0;
    assert_int_equal(store_results(st, "q", T0 + 1400000, 0, 60, NULL, collect, s, cur,
                                   sizeof cur), 0);
    assert_int_equal(s->n, 60);
    s->n = 0;
    char c2[STORE_CURSOR_MAX];
    assert_int_equal(store_results(st, "q", T0 + 1400000, 0, 60, cur, collect, s, c2,
                                   sizeof c2), 0);
    assert_int_equal(s->n, 40);
    assert_string_equal(c2, "");
    /* An unknown target: an empty page. */
    s->n = 0;
    assert_int_equal(store_results(st, "none", 0, 0, 0, NULL, collect, s, cur, sizeof cur), 0);
    assert_int_equal(s->n, 0);
    free(s);
}

static int stop(void *arg, const struct store_row *r)
{
    (void)arg;
    (void)r;
    return 5;
}

static void test_bad_cursor(void **state)
{
    struct store *st = ((struct fx *)*state)->st;
    for (int i = 0; i < 5; i++)
        assert_true(fx_run(st, "c", T0 + i, 1, 0, 0) > 0);
    assert_true(fx_run(st, "d", T0, 1, 0, 0) > 0);
    struct ids *s = calloc(1, sizeof *s);
    char cur[STORE_CURSOR_MAX], out[STORE_CURSOR_MAX];
    assert_int_equal(store_results(st, "c", 0, 0, 2, NULL, collect, s, cur, sizeof cur), 0);
    assert_int_equal(strlen(cur), 30);
    /* Every single-character change is refused (or decodes to the same bytes). */
    const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < strlen(cur); i++) {
        char t[STORE_CURSOR_MAX];
        memcpy(t, cur, sizeof t);
        t[i] = alphabet[(strchr(alphabet, t[i]) - alphabet + 1) % 64];
        int rc = store_results(st, "c", 0, 0, 2, t, collect, s, out, sizeof out);
        if (i < 29)
            assert_int_equal(rc, STORE_ECURSOR);
        else
            assert_true(rc == STORE_ECURSOR || rc == 0);
    }
    const char *bad[] = {"x", "' OR 1=1 --", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "\xff\xfe",
                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(store_results(st, "c", 0, 0, 2, bad[i], collect, s, out, sizeof out),
                         STORE_ECURSOR);
        assert_non_null(strstr(store_errmsg(st), "cursor"));
    }
    /* Another target's cursor. */
    assert_int_equal(store_results(st, "d", 0, 0, 2, cur, collect, s, out, sizeof out),
                     STORE_ECURSOR);
    /* Another listing's cursor. */
    assert_int_equal(store_incidents(st, "c", 2, cur, NULL, NULL, out, sizeof out),
                     STORE_EINVAL); /* callback checked first */
    /* Callback's stop value comes back. */
    assert_int_equal(store_results(st, "c", 0, 0, 2, NULL, stop, NULL, out, sizeof out), 5);
    /* Bad arguments. */
    assert_int_equal(store_results(st, "c", -1, 0, 2, NULL, collect, s, out, sizeof out),
                     STORE_EINVAL);
    assert_int_equal(store_results(st, "c", 10, 5, 2, NULL, collect, s, out, sizeof out),
                     STORE_EINVAL);
    assert_int_equal(store_results(st, "c", 0, 0, 2, NULL, collect, s, out, 10), STORE_EINVAL);
    assert_int_equal(store_results(st, "c", 0, 0, 2, NULL, collect, s, NULL, 64), STORE_EINVAL);
    assert_int_equal(store_results(st, "../c", 0, 0, 2, NULL, collect, s, out, sizeof out),
                     STORE_EINVAL);
    free(s);
}

static int api_cb(void *arg, const char *name, const char *json, int64_t created,
                  int64_t updated)
{
    char *buf = arg;
    size_t l = strlen(buf);
    snprintf(buf + l, 512 - l, "%s=%s@%lld/%lld;", name, json,
             (long long)(created - T0), (long long)(updated - T0));
    return 0;
}

static void test_api_targets(void **state)
{
    struct store *st = ((struct fx *)*state)->st;
    assert_int_equal(store_api_target_put(st, "web-b", "{\"host\":\"b\"}", T0), 1);
    assert_int_equal(store_api_target_put(st, "web-a", "{\"host\":\"a\"}", T0 + 1), 1);
    assert_int_equal(store_api_target_put(st, "web-b", "{\"host\":\"b2\"}", T0 + 2), 0);
    char buf[512] = "";
    assert_int_equal(store_api_targets(st, api_cb, buf), 0);
    assert_string_equal(buf, "web-a={\"host\":\"a\"}@1/1;web-b={\"host\":\"b2\"}@0/2;");
    buf[0] = '\0';
    assert_int_equal(store_api_target_get(st, "web-b", api_cb, buf), 0);
    assert_string_equal(buf, "web-b={\"host\":\"b2\"}@0/2;");
    assert_int_equal(store_api_target_get(st, "nope", api_cb, buf), STORE_ENOTFOUND);
    assert_int_equal(store_api_target_delete(st, "web-a"), 0);
    assert_int_equal(store_api_target_delete(st, "web-a"), STORE_ENOTFOUND);
    assert_non_null(strstr(store_errmsg(st), "web-a"));
    buf[0] = '\0';
    assert_int_equal(store_api_targets(st, api_cb, buf), 0);
    assert_string_equal(buf, "web-b={\"host\":\"b2\"}@0/2;");

    /* Bad input changes nothing. */
    assert_int_equal(store_api_target_put(st, "web-b", "{\"host\":", T0 + 3), STORE_EINVAL);
    assert_non_null(strstr(store_errmsg(st), "body"));
    assert_int_equal(store_api_target_put(st, "web-b", "[1,2]", T0 + 3), STORE_EINVAL);
    assert_int_equal(store_api_target_put(st, "web-b", NULL, T0 + 3), STORE_EINVAL);
    assert_int_equal(store_api_target_put(st, "Web B", "{}", T0 + 3), STORE_EINVAL);
    assert_non_null(strstr(store_errmsg(st), "name"));
    assert_int_equal(store_api_target_put(st, "web-b", "{}", -1), STORE_EINVAL);
    char *big = malloc(STORE_BODY_MAX + 10);
    memset(big, ' ', STORE_BODY_MAX + 9);
    big[0] = '{';
    big[STORE_BODY_MAX + 8] = '}';
    big[STORE_BODY_MAX + 9] = '\0';
    assert_int_equal(store_api_target_put(st, "web-b", big, T0 + 3), STORE_EINVAL);
    assert_non_null(strstr(store_errmsg(st), "longer than"));
    free(big);
    char name65[66];
    memset(name65, 'a', 65);
    name65[65] = '\0';
    assert_int_equal(store_api_target_put(st, name65, "{}", T0), STORE_EINVAL);
    name65[64] = '\0';
    assert_int_equal(store_api_target_put(st, name65, "{}", T0), 1);
    assert_int_equal(store_api_target_delete(st, NULL), STORE_EINVAL);
    assert_int_equal(store_api_targets(st, NULL, NULL), STORE_EINVAL);
    buf[0] = '\0';
    assert_int_equal(store_api_target_get(st, "web-b", api_cb, buf), 0);
    assert_string_equal(buf, "web-b={\"host\":\"b2\"}@0/2;");
}

struct dl {
    int n;
    char text[8][256];
};

static int dl_cb(void *arg, const struct store_delivery *d)
{
    struct dl *s = arg;
    if (s->n < 8)
        snprintf(s->text[s->n], 256, "%s %s %s %s %s %d %d %zu %lld", d->target, d->kind,
                 d->event, d->dest, d->outcome, d->status, d->attempts, d->response_len,
                 (long long)(d->at - T0));
    s->n++;
    return 0;
}

static void test_deliveries(void **state)
{
    struct store *st = ((struct fx *)*state)->st;
    unsigned char resp[2000];
    memset(resp, 'r', sizeof resp);
    struct store_delivery d = {
        .target = "t1", .kind = "webhook", .event = "firing",
        .dest = "https://user:s3cret@hooks.example.test:8443/path/x?token=abc#frag",
        .outcome = "ok", .status = 200, .attempts = 1, .response = resp,
        .response_len = sizeof resp, .at = T0};
    int64_t id1 = 0, id2 = 0;
    assert_int_equal(store_delivery_add(st, &d, &id1), 0);
    struct store_delivery e = {.target = "t2", .kind = "exec", .event = "resolved",
                               .dest = "/usr/local/bin/notify", .outcome = "timeout",
                               .status = -1, .attempts = 3, .at = T0 + 5};
    assert_int_equal(store_delivery_add(st, &e, &id2), 0);
    assert_true(id2 > id1);
    struct dl s = {0};
    char cur[STORE_CURSOR_MAX];
    assert_int_equal(store_deliveries(st, NULL, 0, NULL, dl_cb, &s, cur, sizeof cur), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.text[0], "t2 exec resolved /usr/local/bin/notify timeout -1 3 0 5");
    assert_string_equal(s.text[1],
                        "t1 webhook firing https://hooks.example.test:8443/path/x ok 200 1 512 0");
    memset(&s, 0, sizeof s);
    assert_int_equal(store_deliveries(st, "t1", 1, NULL, dl_cb, &s, cur, sizeof cur), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(cur, "");
    /* Paging over all. */
    memset(&s, 0, sizeof s);
    assert_int_equal(store_deliveries(st, NULL, 1, NULL, dl_cb, &s, cur, sizeof cur), 0);
    char c2[STORE_CURSOR_MAX];
    assert_int_equal(store_deliveries(st, NULL, 1, cur, dl_cb, &s, c2, sizeof c2), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(c2, "");
    assert_int_equal(store_deliveries(st, "t1", 1, cur, dl_cb, &s, c2, sizeof c2),
                     STORE_ECURSOR);

    /* Bad input. */
    struct store_delivery b = d;
    b.kind = "Web Hook";
    assert_int_equal(store_delivery_add(st, &b, NULL), STORE_EINVAL);
    assert_non_null(strstr(store_errmsg(st), "kind"));
    b = d;
    b.attempts = 0;
    assert_int_equal(store_delivery_add(st, &b, NULL), STORE_EINVAL);
    b = d;
    b.outcome = NULL;
    assert_int_equal(store_delivery_add(st, &b, NULL), STORE_EINVAL);
    b = d;
    b.response = NULL;
    assert_int_equal(store_delivery_add(st, &b, NULL), STORE_EINVAL);
    b = d;
    char longdest[STORE_DEST_MAX + 2];
    memset(longdest, 'x', sizeof longdest - 1);
    longdest[sizeof longdest - 1] = '\0';
    b.dest = longdest;
    assert_int_equal(store_delivery_add(st, &b, NULL), STORE_EINVAL);
    assert_int_equal(store_delivery_add(st, NULL, NULL), STORE_EINVAL);
}

static int64_t count(struct store *st, const char *target)
{
    struct ids *s = calloc(1, sizeof *s);
    char cur[STORE_CURSOR_MAX];
    assert_int_equal(store_results(st, target, 0, 0, 1000, NULL, collect, s, cur, sizeof cur), 0);
    int64_t n = (int64_t)s->n;
    free(s);
    return n;
}

static void test_retention(void **state)
{
    struct store *st = ((struct fx *)*state)->st;
    /* 30 runs of "old" one per hour ending 40 days ago; "new" today. */
    for (int i = 0; i < 30; i++)
        assert_true(fx_run(st, "old", T0 + i * HOUR, 1, i % 2 ? 2 : 0, 0) > 0);
    for (int i = 0; i < 10; i++)
        assert_true(fx_run(st, "new", T0 + 40 * DAY + i * HOUR, 1, 0, 0) > 0);
    assert_int_equal(store_incident_open(st, "old", 0, 2, T0, NULL, 0, NULL), 0);
    struct store_delivery d = {.target = "old", .kind = "exec", .event = "firing",
                               .dest = "/bin/true", .outcome = "ok", .status = 0,
                               .attempts = 1, .at = T0};
    assert_int_equal(store_delivery_add(st, &d, NULL), 0);

    const int64_t cutoff = T0 + 30 * DAY;
    int64_t removed = 0, total = 0;
    int rc, calls = 0;
    while ((rc = store_prune(st, cutoff, 7, &removed)) == 1 && calls < 100) {
        assert_true(removed > 0);
        total += removed;
        calls++;
    }
    assert_int_equal(rc, 0);
    total += removed;
    assert_true(calls >= 4); /* 29 runs in batches of 7 */
    /* The latest run of "old" stays; everything of "new" stays. */
    assert_int_equal(count(st, "old"), 1);
    assert_int_equal(count(st, "new"), 10);
    /* Rollups of "old" are gone (2 days of hours + 2 days + 29 runs + 1 delivery). */
    struct store_bucket b[64];
    size_t n = 9;
    assert_int_equal(store_series(st, "old", STORE_HOURLY, 0, cutoff, b, 64, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_series(st, "old", STORE_DAILY, 0, cutoff, b, 64, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(store_series(st, "new", STORE_HOURLY, cutoff, cutoff + 20 * DAY, b, 64, &n), 0);
    assert_int_equal(n, 10);
    assert_int_equal(total, 29 + 30 + 2 + 1);
    /* Incidents are kept. */
    char cur[STORE_CURSOR_MAX];
    struct dl s = {0};
    assert_int_equal(store_deliveries(st, "old", 0, NULL, dl_cb, &s, cur, sizeof cur), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(store_prune(st, -1, 0, NULL), STORE_EINVAL);
    assert_int_equal(store_prune(st, cutoff, 100001, NULL), STORE_EINVAL);
    assert_int_equal(store_prune(st, cutoff, 0, NULL), 0);
}

static int inc_count(void *arg, const struct store_incident *i)
{
    (void)i;
    (*(int *)arg)++;
    return 0;
}

static void test_retention_keeps_incidents(void **state)
{
    struct store *st = ((struct fx *)*state)->st;
    assert_int_equal(store_incident_open(st, "x", 0, 2, T0, NULL, 0, NULL), 0);
    assert_int_equal(store_incident_close(st, "x", T0 + 1), 1);
    assert_int_equal(store_prune(st, T0 + 400 * DAY, 0, NULL), 0);
    int n = 0;
    char cur[STORE_CURSOR_MAX];
    assert_int_equal(store_incidents(st, "x", 0, NULL, inc_count, &n, cur, sizeof cur), 0);
    assert_int_equal(n, 1);
}

static void test_run_bad_inputs(void **state)
{
    struct store *st = ((struct fx *)*state)->st;
    struct store_run ok = {.target = "g", .started_at = T0, .duration_ms = 1, .status = 0};
    struct store_run r;
    assert_int_equal(store_run_add(st, NULL, NULL), STORE_EINVAL);
    assert_int_equal(store_run_add(NULL, &ok, NULL), STORE_EINVAL);
    r = ok; r.target = NULL;
    assert_int_equal(store_run_add(st, &r, NULL), STORE_EINVAL);
    assert_non_null(strstr(store_errmsg(st), "target: missing"));
    r = ok; r.target = "";
    assert_int_equal(store_run_add(st, &r, NULL), STORE_EINVAL);
    r = ok; r.target = "a'; DROP TABLE runs; --";
    assert_int_equal(store_run_add(st, &r, NULL), STORE_EINVAL);
    r = ok; r.status = 4;
    assert_int_equal(store_run_add(st, &r, NULL), STORE_EINVAL);
    assert_non_null(strstr(store_errmsg(st), "status"));
    r = ok; r.status = -1;
    assert_int_equal(store_run_add(st, &r, NULL), STORE_EINVAL);
    r = ok; r.started_at = -1;
    assert_int_equal(store_run_add(st, &r, NULL), STORE_EINVAL);
    r = ok; r.duration_ms = -1;
    assert_int_equal(store_run_add(st, &r, NULL), STORE_EINVAL);
    r = ok; r.lag_ms = -1;
    assert_int_equal(store_run_add(st, &r, NULL), STORE_EINVAL);
    r = ok; r.flags = STORE_RUN_CHANGED;
    assert_int_equal(store_run_add(st, &r, NULL), STORE_EINVAL);
    assert_non_null(strstr(store_errmsg(st), "flags"));
    r = ok; r.ncodes = 1;
    assert_int_equal(store_run_add(st, &r, NULL), STORE_EINVAL);
    const char *many[STORE_CODES_MAX + 1];
    for (int i = 0; i <= STORE_CODES_MAX; i++)
        many[i] = "c";
    r = ok; r.codes = many; r.ncodes = STORE_CODES_MAX + 1;
    assert_int_equal(store_run_add(st, &r, NULL), STORE_EINVAL);
    r.ncodes = STORE_CODES_MAX;
    assert_int_equal(store_run_add(st, &r, NULL), 0);
    const char *quote[] = {"a\"b"};
    r = ok; r.codes = quote; r.ncodes = 1;
    assert_int_equal(store_run_add(st, &r, NULL), STORE_EINVAL);
    const char *nullcode[] = {NULL};
    r.codes = nullcode;
    assert_int_equal(store_run_add(st, &r, NULL), STORE_EINVAL);
    char *big = malloc(STORE_RESULT_MAX + 2);
    memset(big, 'x', STORE_RESULT_MAX + 1);
    big[STORE_RESULT_MAX + 1] = '\0';
    r = ok; r.result_json = big;
    assert_int_equal(store_run_add(st, &r, NULL), STORE_EINVAL);
    assert_non_null(strstr(store_errmsg(st), "result_json"));
    big[STORE_STEPS_MAX + 1] = '\0';
    r = ok; r.steps_json = big;
    assert_int_equal(store_run_add(st, &r, NULL), STORE_EINVAL);
    free(big);
    /* Only the one valid run was stored. */
    assert_int_equal(count(st, "g"), 1);
}

static int api_nop(void *arg, const char *n, const char *j, int64_t c, int64_t u)
{
    (void)arg, (void)n, (void)j, (void)c, (void)u;
    return 0;
}

static int inc_nop(void *arg, const struct store_incident *i)
{
    (void)arg, (void)i;
    return 0;
}

static int dl_nop(void *arg, const struct store_delivery *d)
{
    (void)arg, (void)d;
    return 0;
}

/* Every public function with a NULL store, then with NULL arguments. */
static void test_null_arguments(void **state)
{
    struct store *st = ((struct fx *)*state)->st;
    struct store_run r = {.target = "n", .started_at = T0};
    struct store_bucket b[STORE_WINDOWS];
    struct store_delivery d = {.target = "n", .kind = "exec", .event = "firing",
                               .dest = "/bin/true", .outcome = "ok", .attempts = 1};
    char cur[STORE_CURSOR_MAX];
    char *json = NULL;
    size_t n = 0;
    assert_int_equal(store_run_add(NULL, &r, NULL), STORE_EINVAL);
    assert_int_equal(store_latest(NULL, "n", stop, NULL), STORE_EINVAL);
    assert_int_equal(store_latest_all(NULL, stop, NULL), STORE_EINVAL);
    assert_int_equal(store_latest_json(NULL, "n", &json), STORE_EINVAL);
    assert_int_equal(store_uptime(NULL, "n", T0, b), STORE_EINVAL);
    assert_int_equal(store_daily(NULL, "n", T0, 1, b), STORE_EINVAL);
    assert_int_equal(store_series(NULL, "n", STORE_HOURLY, 0, T0, b, 4, &n), STORE_EINVAL);
    assert_int_equal(store_incident_open(NULL, "n", 0, 2, T0, NULL, 0, NULL), STORE_EINVAL);
    assert_int_equal(store_incident_close(NULL, "n", T0), STORE_EINVAL);
    assert_int_equal(store_incidents(NULL, "n", 0, NULL, inc_nop, NULL, cur, sizeof cur),
                     STORE_EINVAL);
    assert_int_equal(store_results(NULL, "n", 0, 0, 0, NULL, collect, NULL, cur, sizeof cur),
                     STORE_EINVAL);
    assert_int_equal(store_api_target_put(NULL, "n", "{}", T0), STORE_EINVAL);
    assert_int_equal(store_api_target_delete(NULL, "n"), STORE_EINVAL);
    assert_int_equal(store_api_target_get(NULL, "n", api_nop, NULL), STORE_EINVAL);
    assert_int_equal(store_api_targets(NULL, api_nop, NULL), STORE_EINVAL);
    assert_int_equal(store_delivery_add(NULL, &d, NULL), STORE_EINVAL);
    assert_int_equal(store_deliveries(NULL, NULL, 0, NULL, dl_nop, NULL, cur, sizeof cur),
                     STORE_EINVAL);
    assert_int_equal(store_prune(NULL, T0, 0, NULL), STORE_EINVAL);
    assert_int_equal(store_valid_name(NULL), 0);

    /* NULL arguments on a good store. */
    assert_int_equal(store_latest(st, NULL, stop, NULL), STORE_EINVAL);
    assert_int_equal(store_latest(st, "n", NULL, NULL), STORE_EINVAL);
    assert_int_equal(store_latest_all(st, NULL, NULL), STORE_EINVAL);
    assert_int_equal(store_latest_json(st, "n", NULL), STORE_EINVAL);
    assert_int_equal(store_latest_json(st, NULL, &json), STORE_EINVAL);
    assert_int_equal(store_daily(st, "n", T0, 1, NULL), STORE_EINVAL);
    assert_int_equal(store_daily(st, NULL, T0, 1, b), STORE_EINVAL);
    assert_int_equal(store_series(st, "n", STORE_HOURLY, 0, T0, NULL, 4, &n), STORE_EINVAL);
    assert_int_equal(store_series(st, NULL, STORE_HOURLY, 0, T0, b, 4, &n), STORE_EINVAL);
    assert_int_equal(store_series(st, "n", STORE_HOURLY, -1, T0, b, 4, &n), STORE_EINVAL);
    assert_int_equal(store_incident_close(st, NULL, T0), STORE_EINVAL);
    assert_int_equal(store_incidents(st, "N", 0, NULL, inc_nop, NULL, cur, sizeof cur),
                     STORE_EINVAL);
    assert_int_equal(store_results(st, NULL, 0, 0, 0, NULL, collect, NULL, cur, sizeof cur),
                     STORE_EINVAL);
    assert_int_equal(store_results(st, "n", 0, 0, 0, NULL, NULL, NULL, cur, sizeof cur),
                     STORE_EINVAL);
    assert_int_equal(store_api_target_get(st, "n", NULL, NULL), STORE_EINVAL);
    assert_int_equal(store_api_target_get(st, NULL, api_nop, NULL), STORE_EINVAL);
    assert_int_equal(store_deliveries(st, NULL, 0, NULL, NULL, NULL, cur, sizeof cur),
                     STORE_EINVAL);
    assert_int_equal(store_deliveries(st, NULL, 0, NULL, dl_nop, NULL, NULL, 0), STORE_EINVAL);
    assert_int_equal(store_deliveries(st, "a b", 0, NULL, dl_nop, NULL, cur, sizeof cur),
                     STORE_EINVAL);
    d.target = NULL;
    assert_int_equal(store_delivery_add(st, &d, NULL), STORE_EINVAL);
    d.target = "n";
    d.event = NULL;
    assert_int_equal(store_delivery_add(st, &d, NULL), STORE_EINVAL);
    d.event = "";
    assert_int_equal(store_delivery_add(st, &d, NULL), STORE_EINVAL);
    d.event = "firing";
    d.at = -1;
    assert_int_equal(store_delivery_add(st, &d, NULL), STORE_EINVAL);
    /* Nothing was written by any of these. */
    assert_int_equal(store_latest(st, "n", stop, NULL), STORE_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_paging_stable, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_paging_since_until_limit, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_bad_cursor, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_api_targets, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_deliveries, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_retention, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_retention_keeps_incidents, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_run_bad_inputs, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_null_arguments, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
