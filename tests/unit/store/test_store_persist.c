/*
 * test_store_persist.c: what a restart must not forget (store_maint.c,
 * store_alerts.c): API maintenance windows (put, replace, delete, listing,
 * ids never reused, retention of ended ones), alert state records (put,
 * replace, delete, bad input), the streak of a target's latest runs, the
 * same writes through the asynchronous writer, and waiting for one of them
 * (store_writer_wait: how the API answers only after the commit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "service/store_writer.h"
#include "store_fixture.h"

struct seen {
    int64_t id[8], end[8];
    char body[8][64];
    size_t n;
};

static int on_maint(void *arg, int64_t id, const char *body, int64_t end_at, int64_t created)
{
    struct seen *s = arg;
    assert_true(created >= 0);
    if (s->n < 8) {
        s->id[s->n] = id;
        s->end[s->n] = end_at;
        snprintf(s->body[s->n], sizeof s->body[0], "%s", body);
    }
    s->n++;
    return 0;
}

static void test_maint_put_list_delete(void **state)
{
    struct fx *f = *state;
    struct seen s = {0};
    int64_t last = -1;
    assert_int_equal(store_maints(f->st, on_maint, &s, &last), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(last, 0);
    assert_int_equal(store_maint_put(f->st, 1, "{\"targets\": \"a\"}", T0 + HOUR, T0), 0);
    assert_int_equal(store_maint_put(f->st, 2, "{recurring: sat 22:00-02:00}", -1, T0), 0);
    /* replace keeps one row */
    assert_int_equal(store_maint_put(f->st, 1, "{\"targets\": \"b\"}", T0 + 2 * HOUR, T0), 0);
    assert_int_equal(store_maints(f->st, on_maint, &s, &last), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(last, 2);
    assert_int_equal(s.id[0], 1);
    assert_string_equal(s.body[0], "{\"targets\": \"b\"}");
    assert_int_equal(s.end[0], T0 + 2 * HOUR);
    assert_int_equal(s.id[1], 2);
    assert_int_equal(s.end[1], -1);
    /* the largest id is remembered after its row is gone: never reused */
    assert_int_equal(store_maint_delete(f->st, 2), 1);
    assert_int_equal(store_maint_delete(f->st, 2), 0);
    memset(&s, 0, sizeof s);
    assert_int_equal(store_maints(f->st, on_maint, &s, &last), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(last, 2);
    /* retention: ended one-off windows go, recurring ones stay */
    assert_int_equal(store_maint_put(f->st, 3, "{}", -1, T0), 0);
    int64_t removed = 0;
    assert_int_equal(store_prune(f->st, T0 + 3 * HOUR, 0, &removed), 0);
    assert_int_equal(removed, 1);
    memset(&s, 0, sizeof s);
    assert_int_equal(store_maints(f->st, on_maint, &s, NULL), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.id[0], 3);
}

static void test_maint_bad_input(void **state)
{
    struct fx *f = *state;
    assert_int_equal(store_maint_put(f->st, 0, "{}", -1, T0), STORE_EINVAL);
    assert_non_null(strstr(store_errmsg(f->st), "id"));
    assert_int_equal(store_maint_put(f->st, 1, NULL, -1, T0), STORE_EINVAL);
    assert_non_null(strstr(store_errmsg(f->st), "body"));
    assert_int_equal(store_maint_put(f->st, 1, "{}", -2, T0), STORE_EINVAL);
    assert_int_equal(store_maint_put(f->st, 1, "{}", -1, -5), STORE_EINVAL);
    char *big = malloc(STORE_MAINT_BODY_MAX + 2);
    assert_non_null(big);
    memset(big, 'x', STORE_MAINT_BODY_MAX + 1);
    big[STORE_MAINT_BODY_MAX + 1] = '\0';
    assert_int_equal(store_maint_put(f->st, 1, big, -1, T0), STORE_EINVAL);
    free(big);
    assert_int_equal(store_maint_delete(f->st, -1), STORE_EINVAL);
    assert_int_equal(store_maints(f->st, NULL, NULL, NULL), STORE_EINVAL);
}

struct alerts_seen {
    char name[4][65], json[4][128];
    size_t n;
};

static int on_alert(void *arg, const char *name, const char *json, int64_t updated)
{
    struct alerts_seen *s = arg;
    assert_true(updated >= 0);
    if (s->n < 4) {
        snprintf(s->name[s->n], sizeof s->name[0], "%s", name);
        snprintf(s->json[s->n], sizeof s->json[0], "%s", json);
    }
    s->n++;
    return 0;
}

static void test_alerts(void **state)
{
    struct fx *f = *state;
    assert_int_equal(store_alert_put(f->st, "b", "{\"v\":1}", T0), 0);
    assert_int_equal(store_alert_put(f->st, "a", "{\"v\":2}", T0), 0);
    assert_int_equal(store_alert_put(f->st, "b", "{\"v\":3}", T0 + 1), 0);
    struct alerts_seen s = {0};
    assert_int_equal(store_alerts(f->st, on_alert, &s), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.name[0], "a");
    assert_string_equal(s.name[1], "b");
    assert_string_equal(s.json[1], "{\"v\":3}");
    assert_int_equal(store_alert_delete(f->st, "b"), 1);
    assert_int_equal(store_alert_delete(f->st, "b"), 0);
    memset(&s, 0, sizeof s);
    assert_int_equal(store_alerts(f->st, on_alert, &s), 0);
    assert_int_equal(s.n, 1);
    /* bad input names the field */
    assert_int_equal(store_alert_put(f->st, "Bad Name", "{}", T0), STORE_EINVAL);
    assert_non_null(strstr(store_errmsg(f->st), "name"));
    assert_int_equal(store_alert_put(f->st, "a", "[1]", T0), STORE_EINVAL);
    assert_non_null(strstr(store_errmsg(f->st), "state: not a JSON object"));
    assert_int_equal(store_alert_put(f->st, "a", "{nope", T0), STORE_EINVAL);
    assert_int_equal(store_alert_put(f->st, "a", "{}", -1), STORE_EINVAL);
    assert_int_equal(store_alert_delete(f->st, ""), STORE_EINVAL);
    /* prune never touches alert states */
    assert_int_equal(store_prune(f->st, T0 + 1000 * DAY, 0, NULL), 0);
    memset(&s, 0, sizeof s);
    assert_int_equal(store_alerts(f->st, on_alert, &s), 0);
    assert_int_equal(s.n, 1);
}

static void test_streak(void **state)
{
    struct fx *f = *state;
    int bad = -1;
    size_t n = 99;
    assert_int_equal(store_streak(f->st, "a", 10, &bad, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(bad, 0);
    /* ok ok crit warn crit: the latest three are bad */
    int st[] = {0, 0, 2, 1, 2};
    for (int i = 0; i < 5; i++)
        assert_true(fx_run(f->st, "a", T0 + i * 1000, 5, st[i], 0) > 0);
    assert_int_equal(store_streak(f->st, "a", 10, &bad, &n), 0);
    assert_int_equal(bad, 1);
    assert_int_equal(n, 3);
    assert_int_equal(store_streak(f->st, "a", 2, &bad, &n), 0);
    assert_int_equal(n, 2);
    assert_true(fx_run(f->st, "a", T0 + 9000, 5, 0, 0) > 0);
    assert_int_equal(store_streak(f->st, "a", 10, &bad, &n), 0);
    assert_int_equal(bad, 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_streak(f->st, "a", 0, &bad, &n), STORE_EINVAL);
    assert_int_equal(store_streak(f->st, "a", 1001, &bad, &n), STORE_EINVAL);
    assert_int_equal(store_streak(f->st, "A", 10, &bad, &n), STORE_EINVAL);
    assert_int_equal(store_streak(f->st, "a", 10, NULL, &n), STORE_EINVAL);
}

static uint64_t done_count;
static int done_failed;

static void on_done(void *arg, const struct store_done *d)
{
    (void)arg;
    done_count++;
    if (d->rc < 0)
        done_failed++;
}

static void test_through_the_writer(void **state)
{
    struct fx *f = *state;
    struct store_writer *w = NULL;
    char err[256] = "";
    assert_int_equal(store_writer_start(f->path, 0, 0, &w, err, sizeof err), 0);
    assert_int_equal(store_writer_maint_put(w, 7, "{\"targets\": \"a\"}", T0, T0, NULL), 0);
    assert_int_equal(store_writer_maint_put(w, 8, "{}", -1, T0, NULL), 0);
    assert_int_equal(store_writer_maint_delete(w, 8, NULL), 0);
    assert_int_equal(store_writer_alert_put(w, "a", "{\"v\":1}", T0, NULL), 0);
    assert_int_equal(store_writer_alert_put(w, "b", "{\"v\":1}", T0, NULL), 0);
    assert_int_equal(store_writer_alert_delete(w, "b", NULL), 0);
    /* checked at submission */
    assert_int_equal(store_writer_alert_put(w, "B!", "{}", T0, NULL), STORE_EINVAL);
    assert_int_equal(store_writer_maint_put(w, 9, NULL, -1, T0, NULL), STORE_EINVAL);
    /* checked by the worker: fails alone */
    assert_int_equal(store_writer_alert_put(w, "c", "not json", T0, NULL), 0);
    assert_int_equal(store_writer_flush(w, 10000), 0);
    done_count = 0;
    done_failed = 0;
    assert_int_equal(store_writer_poll(w, on_done, NULL), 7);
    assert_int_equal(done_count, 7);
    assert_int_equal(done_failed, 1);
    store_writer_stop(w);
    struct seen s = {0};
    int64_t last = 0;
    assert_int_equal(store_maints(f->st, on_maint, &s, &last), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.id[0], 7);
    assert_int_equal(last, 8);
    struct alerts_seen a = {0};
    assert_int_equal(store_alerts(f->st, on_alert, &a), 0);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.name[0], "a");
}

/* store_maint_add: the next id of the AUTOINCREMENT sequence, larger than
 * any stored before (a deleted window's included). */
static void test_maint_add(void **state)
{
    struct fx *f = *state;
    int64_t a = 0, b = 0, c = 0;
    assert_int_equal(store_maint_add(f->st, "{\"targets\": \"a\"}", T0 + HOUR, T0, &a), 0);
    assert_int_equal(store_maint_add(f->st, "{}", -1, T0, &b), 0);
    assert_true(a >= 1 && b == a + 1);
    assert_int_equal(store_maint_delete(f->st, b), 1);
    assert_int_equal(store_maint_add(f->st, "{}", -1, T0, &c), 0);
    assert_int_equal(c, b + 1); /* b is not given again */
    assert_int_equal(store_maint_put(f->st, 50, "{}", -1, T0), 0);
    assert_int_equal(store_maint_add(f->st, "{}", -1, T0, &c), 0);
    assert_int_equal(c, 51);
    assert_int_equal(store_maint_add(f->st, "{}", -1, T0, NULL), STORE_EINVAL);
    assert_int_equal(store_maint_add(f->st, NULL, -1, T0, &c), STORE_EINVAL);
    assert_int_equal(store_maint_add(f->st, "{}", -2, T0, &c), STORE_EINVAL);
    assert_int_equal(store_maint_add(NULL, "{}", -1, T0, &c), STORE_EINVAL);
}

struct waited {
    int calls, rc, order;
    int64_t id;
    char target[40];
};

static int seq;

static void on_waited(void *arg, const struct store_done *d)
{
    struct waited *x = arg;
    x->calls++;
    x->rc = d->rc;
    x->id = d->id;
    x->order = ++seq;
    snprintf(x->target, sizeof x->target, "%s", d->target);
}

static int poll_order;

static void on_polled(void *arg, const struct store_done *d)
{
    (void)arg;
    (void)d;
    if (poll_order == 0)
        poll_order = ++seq;
}

/* store_writer_wait: the ticket's completion, once, before poll's own
 * callback; unwait forgets it; stop hands the rest to their waiters. */
static void test_writer_wait(void **state)
{
    struct fx *f = *state;
    struct store_writer *w = NULL;
    char err[256] = "";
    assert_int_equal(store_writer_start(f->path, 0, 0, &w, err, sizeof err), 0);
    uint64_t t1 = 0, t2 = 0, t3 = 0, t4 = 0;
    assert_int_equal(store_writer_maint_put(w, 0, "{}", -1, T0, &t1), 0);
    assert_int_equal(store_writer_maint_put(w, 0, "{}", -1, T0, &t2), 0);
    assert_int_equal(store_writer_alert_put(w, "c", "not json", T0, &t3), 0);
    assert_int_equal(store_writer_alert_put(w, "d", "{}", T0, &t4), 0);
    struct waited x1 = {0}, x2 = {0}, x3 = {0}, x4 = {0};
    /* registered out of order: kept sorted */
    assert_int_equal(store_writer_wait(w, t2, on_waited, &x2), 0);
    assert_int_equal(store_writer_wait(w, t1, on_waited, &x1), 0);
    assert_int_equal(store_writer_wait(w, t3, on_waited, &x3), 0);
    assert_int_equal(store_writer_wait(w, t4, on_waited, &x4), 0);
    assert_int_equal(store_writer_wait(w, t1, on_waited, &x1), STORE_EINVAL); /* twice */
    assert_int_equal(store_writer_wait(w, t4 + 1, on_waited, &x1), STORE_EINVAL); /* unknown */
    assert_int_equal(store_writer_wait(w, 0, on_waited, &x1), STORE_EINVAL);
    assert_int_equal(store_writer_wait(w, t1, NULL, NULL), STORE_EINVAL);
    store_writer_unwait(w, t4);
    store_writer_unwait(w, t4); /* no-op */
    assert_int_equal(store_writer_flush(w, 10000), 0);
    seq = 0;
    poll_order = 0;
    assert_int_equal(store_writer_poll(w, on_polled, NULL), 4);
    assert_int_equal(x1.calls, 1);
    assert_int_equal(x1.order, 1); /* before poll's callback */
    assert_int_equal(poll_order, 2);
    assert_int_equal(x1.rc, 0);
    assert_int_equal(x2.rc, 0);
    assert_true(x1.id >= 1 && x2.id == x1.id + 1); /* the ids the store gave */
    char want[40];
    snprintf(want, sizeof want, "api-%lld", (long long)x2.id);
    assert_string_equal(x2.target, want);
    assert_int_equal(x3.calls, 1);
    assert_true(x3.rc < 0); /* failed alone */
    assert_int_equal(x4.calls, 0); /* unwaited */
    assert_int_equal(store_writer_poll(w, on_polled, NULL), 0);
    assert_int_equal(x1.calls, 1); /* once */
    /* not polled before stop: the waiter still gets its completion */
    uint64_t t5 = 0;
    struct waited x5 = {0};
    assert_int_equal(store_writer_maint_delete(w, x1.id, &t5), 0);
    assert_int_equal(store_writer_wait(w, t5, on_waited, &x5), 0);
    store_writer_stop(w);
    assert_int_equal(x5.calls, 1);
    assert_int_equal(x5.rc, 1); /* deleted */
    store_writer_unwait(NULL, 1);
    assert_int_equal(store_writer_wait(NULL, 1, on_waited, &x5), STORE_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_maint_put_list_delete, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_maint_bad_input, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_alerts, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_streak, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_through_the_writer, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_maint_add, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_writer_wait, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
