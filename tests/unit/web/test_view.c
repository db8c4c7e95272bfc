/*
 * test_view.c: the view's names, the schedule lag histogram's buckets and
 * target lookup.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web/view.h"

static void test_names(void **unused)
{
    (void)unused;
    assert_string_equal(view_window_name(VIEW_WINDOW_24H), "24h");
    assert_string_equal(view_window_name(VIEW_WINDOW_90D), "90d");
    assert_null(view_window_name(VIEW_WINDOW__COUNT));
    enum view_window w;
    assert_int_equal(view_window_from_name("30d", &w), 0);
    assert_int_equal(w, VIEW_WINDOW_30D);
    assert_int_equal(view_window_from_name("1y", &w), -1);
    assert_int_equal(view_window_from_name("", &w), -1);
    assert_int_equal(view_window_from_name(NULL, &w), -1);
    assert_string_equal(view_hook_kind_name(VIEW_HOOK_ALERTMANAGER), "alertmanager");
    assert_string_equal(view_hook_kind_name(VIEW_HOOK_EXEC), "exec");
    assert_null(view_hook_kind_name(VIEW_HOOK__COUNT));
    assert_string_equal(view_outcome_name(VIEW_OUTCOME_SUCCESS), "success");
    assert_string_equal(view_outcome_name(VIEW_OUTCOME_DROPPED), "dropped");
    assert_null(view_outcome_name(VIEW_OUTCOME__COUNT));
}

static void test_hist(void **unused)
{
    (void)unused;
    struct view_hist h;
    memset(&h, 0, sizeof h);
    view_hist_observe(&h, 0.001);  /* on the first bound: first bucket (le) */
    view_hist_observe(&h, 0.0011); /* second bucket */
    view_hist_observe(&h, -3);     /* counts as 0 */
    view_hist_observe(&h, NAN);    /* counts as 0 */
    view_hist_observe(&h, 10);     /* last bound */
    view_hist_observe(&h, 11);     /* above every bound */
    view_hist_observe(NULL, 1);
    assert_int_equal(h.count, 6);
    assert_int_equal(h.counts[0], 3);
    assert_int_equal(h.counts[1], 1);
    assert_int_equal(h.counts[VIEW_LAG_NBOUNDS - 1], 1);
    assert_int_equal(h.counts[VIEW_LAG_NBOUNDS], 1);
    assert_true(fabs(h.sum - 21.0021) < 1e-9);
    for (size_t i = 1; i < VIEW_LAG_NBOUNDS; i++)
        assert_true(view_lag_bounds[i] > view_lag_bounds[i - 1]);
}

static void test_find_pending(void **unused)
{
    (void)unused;
    struct view_target a = {.name = "a"}, b = {.name = "b", .last_run_ms = 1};
    const struct view_target *ts[] = {&a, &b};
    struct view_service s = {.targets = ts, .ntargets = 2};
    assert_ptr_equal(view_target_find(&s, "b"), &b);
    assert_null(view_target_find(&s, "c"));
    assert_null(view_target_find(&s, NULL));
    assert_null(view_target_find(NULL, "a"));
    assert_int_equal(view_target_pending(&a), 1);
    assert_int_equal(view_target_pending(&b), 0);
    a.latest_json = "{}";
    assert_int_equal(view_target_pending(&a), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_hist),
        cmocka_unit_test(test_find_pending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
