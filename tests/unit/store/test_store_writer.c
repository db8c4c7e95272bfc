/*
 * test_store_writer.c: the asynchronous writer: completions through the
 * eventfd, one bad item failing alone in its batch, the bounded queue (items
 * and bytes), every kind of item, prune in steps, stop committing what is
 * queued, start refusing a newer database.
 */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "service/store_writer.h"
#include "store_fixture.h"

struct got {
    size_t n, failed;
    uint64_t last_ticket;
    int in_order;
    int64_t ids[2000];
    int rc[2000];
    char err[8][200];
    enum store_op op[2000];
};

static void on_done(void *arg, const struct store_done *d)
{
    struct got *g = arg;
    if (g->n < 2000) {
        g->ids[g->n] = d->id;
        g->rc[g->n] = d->rc;
        g->op[g->n] = d->op;
        if (g->n < 8)
            snprintf(g->err[g->n], sizeof g->err[0], "%s|%s", d->target, d->err);
    }
    if (d->ticket != g->last_ticket + 1)
        g->in_order = 0;
    g->last_ticket = d->ticket;
    if (d->rc < 0)
        g->failed++;
    g->n++;
}

static struct store_writer *start(struct fx *f, size_t cap, size_t bytes)
{
    struct store_writer *w = NULL;
    char err[256] = "";
    assert_int_equal(store_writer_start(f->path, cap, bytes, &w, err, sizeof err), 0);
    assert_non_null(w);
    return w;
}

static size_t drain(struct store_writer *w, struct got *g)
{
    assert_int_equal(store_writer_flush(w, 20000), 0);
    return store_writer_poll(w, on_done, g);
}

static int count_cb(void *arg, const struct store_row *r)
{
    (void)r;
    (*(size_t *)arg)++;
    return 0;
}

static size_t runs_of(struct store *st, const char *target)
{
    size_t n = 0;
    char cur[STORE_CURSOR_MAX] = "", next[STORE_CURSOR_MAX];
    for (int i = 0; i < 100; i++) {
        assert_int_equal(store_results(st, target, 0, 0, 1000, cur, count_cb, &n, next,
                                       sizeof next), 0);
        if (!next[0])
            break;
        memcpy(cur, next, sizeof cur);
    }
    return n;
}

static void test_runs_and_eventfd(void **state)
{
    struct fx *f = *state;
    struct store_writer *w = start(f, 0, 0);
    struct got *g = calloc(1, sizeof *g);
    g->in_order = 1;
    const char *codes[] = {"tls_cert_expired"};
    for (int i = 0; i < 1500; i++) {
        struct store_run r = {.target = i % 2 ? "odd" : "even", .started_at = T0 + i * 1000,
                              .duration_ms = 10, .status = i % 3 == 0 ? 2 : 0,
                              .codes = codes, .ncodes = 1, .result_json = "{\"a\":1}"};
        uint64_t t = 0;
        assert_int_equal(store_writer_run(w, &r, &t), 0);
        assert_int_equal(t, (uint64_t)i + 1);
    }
    assert_int_equal(store_writer_flush(w, 20000), 0);
    struct pollfd p = {.fd = store_writer_fd(w), .events = POLLIN};
    assert_int_equal(poll(&p, 1, 1000), 1);
    assert_int_equal(store_writer_poll(w, on_done, g), 1500);
    assert_int_equal(g->failed, 0);
    assert_true(g->in_order);
    for (size_t i = 1; i < 1500; i++)
        assert_true(g->ids[i] > g->ids[i - 1]);
    /* Nothing left: the eventfd is clear. */
    assert_int_equal(poll(&p, 1, 0), 0);
    assert_int_equal(store_writer_poll(w, on_done, g), 0);
    struct store_writer_stats s;
    store_writer_stats(w, &s);
    assert_int_equal(s.submitted, 1500);
    assert_int_equal(s.committed, 1500);
    assert_int_equal(s.queued, 0);
    assert_int_equal(s.queued_bytes, 0);
    assert_true(s.batches >= 3 && s.batches <= 1500);
    assert_true(s.batch_max <= STORE_WRITER_BATCH);
    /* Readers on the loop's connection see everything committed. */
    assert_int_equal(runs_of(f->st, "odd"), 750);
    assert_int_equal(runs_of(f->st, "even"), 750);
    struct store_bucket b[STORE_WINDOWS];
    assert_int_equal(store_uptime(f->st, "even", T0 + 1500 * 1000, b), 0);
    assert_int_equal(b[STORE_W24H].up + b[STORE_W24H].down, 750);
    store_writer_stop(w);
    free(g);
}

static void test_bad_item_fails_alone(void **state)
{
    struct fx *f = *state;
    struct store_writer *w = start(f, 0, 0);
    struct store_run ok = {.target = "a", .started_at = T0, .duration_ms = 1};
    struct store_run bad = ok;
    bad.status = 9;
    assert_int_equal(store_writer_run(w, &ok, NULL), 0);
    assert_int_equal(store_writer_run(w, &bad, NULL), 0); /* checked by the worker */
    ok.started_at++;
    assert_int_equal(store_writer_run(w, &ok, NULL), 0);
    struct got *g = calloc(1, sizeof *g);
    assert_int_equal(drain(w, g), 3);
    assert_int_equal(g->rc[0], 0);
    assert_int_equal(g->rc[1], STORE_EINVAL);
    assert_non_null(strstr(g->err[1], "a|status: 9 is not 0..3"));
    assert_int_equal(g->ids[1], 0);
    assert_int_equal(g->rc[2], 0);
    assert_int_equal(g->failed, 1);
    assert_int_equal(runs_of(f->st, "a"), 2);
    /* Checked at submission: bounded sizes, names, NULLs. */
    assert_int_equal(store_writer_run(w, NULL, NULL), STORE_EINVAL);
    bad = ok;
    bad.target = "Not A Name";
    assert_int_equal(store_writer_run(w, &bad, NULL), STORE_EINVAL);
    assert_non_null(strstr(store_writer_errmsg(w), "target"));
    char *big = malloc(STORE_RESULT_MAX + 2);
    memset(big, 'x', STORE_RESULT_MAX + 1);
    big[STORE_RESULT_MAX + 1] = '\0';
    bad = ok;
    bad.result_json = big;
    assert_int_equal(store_writer_run(w, &bad, NULL), STORE_EINVAL);
    assert_non_null(strstr(store_writer_errmsg(w), "result_json"));
    free(big);
    bad = ok;
    bad.ncodes = 3;
    assert_int_equal(store_writer_run(w, &bad, NULL), STORE_EINVAL);
    assert_int_equal(store_writer_run(NULL, &ok, NULL), STORE_EINVAL);
    assert_int_equal(store_writer_poll(NULL, on_done, g), 0);
    assert_int_equal(store_writer_fd(NULL), -1);
    store_writer_stop(w);
    store_writer_stop(NULL);
    free(g);
}

static void test_queue_bounded(void **state)
{
    struct fx *f = *state;
    struct store_writer *w = start(f, 4, 0);
    struct store_run r = {.target = "q", .started_at = T0, .duration_ms = 1};
    for (int i = 0; i < 4; i++)
        assert_int_equal(store_writer_run(w, &r, NULL), 0);
    /* Four outstanding until polled, whether committed or not. */
    assert_int_equal(store_writer_run(w, &r, NULL), STORE_EFULL);
    assert_non_null(strstr(store_writer_errmsg(w), "full"));
    assert_int_equal(store_writer_incident_close(w, "q", T0, NULL), STORE_EFULL);
    struct store_writer_stats s0;
    store_writer_stats(w, &s0);
    assert_int_equal(s0.rejected, 2);
    assert_int_equal(s0.rejected_op[STORE_OP_RUN], 1);
    assert_int_equal(s0.rejected_op[STORE_OP_INCIDENT_CLOSE], 1);
    assert_int_equal(s0.rejected_op[STORE_OP_DELIVERY], 0);
    assert_int_equal(s0.outstanding, 4);
    assert_int_equal(s0.queue_cap, 4);
    assert_int_equal(s0.bytes_cap, STORE_WRITER_BYTES_DEFAULT);
    struct got *g = calloc(1, sizeof *g);
    assert_int_equal(drain(w, g), 4);
    assert_int_equal(store_writer_run(w, &r, NULL), 0);
    struct store_writer_stats s;
    store_writer_stats(w, &s);
    assert_int_equal(s.rejected, 2);
    assert_int_equal(s.outstanding, 1);
    store_writer_stop(w);

    /* The byte cap. */
    w = start(f, 0, 4096);
    char *json = malloc(8000);
    memset(json, ' ', 7999);
    json[7999] = '\0';
    r.result_json = json;
    assert_int_equal(store_writer_run(w, &r, NULL), STORE_EFULL);
    r.result_json = "{}";
    assert_int_equal(store_writer_run(w, &r, NULL), 0);
    free(json);
    store_writer_stop(w);
    free(g);
}

static void test_every_kind(void **state)
{
    struct fx *f = *state;
    struct store_writer *w = start(f, 0, 0);
    const char *codes[] = {"backend_unreachable"};
    unsigned char resp[] = "HTTP/1.1 500";
    struct store_delivery d = {.target = "k", .kind = "webhook", .event = "firing",
                               .dest = "https://u:p@h.test/x?k=1", .outcome = "failed",
                               .status = 500, .attempts = 3, .response = resp,
                               .response_len = sizeof resp - 1, .at = T0};
    uint64_t t[8];
    assert_int_equal(store_writer_incident_open(w, "k", 0, 2, T0, codes, 1, &t[0]), 0);
    assert_int_equal(store_writer_incident_close(w, "k", T0 + 5, &t[1]), 0);
    assert_int_equal(store_writer_delivery(w, &d, &t[2]), 0);
    assert_int_equal(store_writer_api_put(w, "k", "{\"host\":\"h\"}", T0, &t[3]), 0);
    assert_int_equal(store_writer_api_put(w, "k", "not json", T0, &t[4]), 0);
    assert_int_equal(store_writer_api_delete(w, "zz", &t[5]), 0);
    struct store_run r = {.target = "k", .started_at = T0 - 40 * DAY, .duration_ms = 1};
    assert_int_equal(store_writer_run(w, &r, NULL), 0);
    r.started_at = T0;
    assert_int_equal(store_writer_run(w, &r, NULL), 0);
    assert_int_equal(store_writer_prune(w, T0 - 30 * DAY, 1, &t[6]), 0);
    struct got *g = calloc(1, sizeof *g);
    assert_int_equal(drain(w, g), 9);
    assert_int_equal(g->op[0], STORE_OP_INCIDENT_OPEN);
    assert_true(g->ids[0] > 0);
    assert_int_equal(g->rc[1], 1);               /* one incident closed */
    assert_true(g->ids[2] > 0);                  /* delivery id */
    assert_int_equal(g->rc[3], 1);               /* created */
    assert_int_equal(g->rc[4], STORE_EINVAL);    /* not JSON */
    assert_int_equal(g->rc[5], STORE_ENOTFOUND);
    assert_int_equal(g->op[8], STORE_OP_PRUNE);
    assert_int_equal(g->rc[8], 0);
    assert_int_equal(g->ids[8], 3);              /* 1 run + 1 hourly + 1 daily, batch 1 */
    assert_int_equal(runs_of(f->st, "k"), 1);
    /* Submission checks. */
    assert_int_equal(store_writer_prune(w, -1, 0, NULL), STORE_EINVAL);
    assert_int_equal(store_writer_api_put(w, "k", NULL, T0, NULL), STORE_EINVAL);
    assert_int_equal(store_writer_api_delete(w, "K", NULL), STORE_EINVAL);
    assert_int_equal(store_writer_delivery(w, NULL, NULL), STORE_EINVAL);
    d.dest = NULL;
    assert_int_equal(store_writer_delivery(w, &d, NULL), 0); /* the worker says "dest: missing" */
    assert_int_equal(store_writer_incident_open(w, "k", 0, 2, T0, NULL, 2, NULL), STORE_EINVAL);
    assert_int_equal(store_writer_incident_close(w, NULL, T0, NULL), STORE_EINVAL);
    memset(g, 0, sizeof *g);
    assert_int_equal(drain(w, g), 1);
    assert_int_equal(g->rc[0], STORE_EINVAL);
    assert_non_null(strstr(g->err[0], "dest: missing"));
    store_writer_stop(w);
    free(g);
}

static void test_stop_commits_queue(void **state)
{
    struct fx *f = *state;
    struct store_writer *w = start(f, 0, 0);
    for (int i = 0; i < 300; i++) {
        struct store_run r = {.target = "s", .started_at = T0 + i, .duration_ms = 1};
        assert_int_equal(store_writer_run(w, &r, NULL), 0);
    }
    store_writer_stop(w); /* no flush, no poll */
    assert_int_equal(runs_of(f->st, "s"), 300);
}

static void test_start_errors(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    f->st = NULL;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION + 1);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    struct store_writer *w = (struct store_writer *)0x1;
    char err[256] = "";
    assert_int_equal(store_writer_start(f->path, 0, 0, &w, err, sizeof err), STORE_EVERSION);
    assert_null(w);
    snprintf(sql, sizeof sql, "version %d is newer", STORE_SCHEMA_VERSION + 1);
    assert_non_null(strstr(err, sql));
    assert_int_equal(store_writer_start(f->path, 0, 0, NULL, err, sizeof err), STORE_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_runs_and_eventfd, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_bad_item_fails_alone, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_queue_bounded, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_every_kind, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_stop_commits_queue, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_start_errors, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
