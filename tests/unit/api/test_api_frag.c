/*
 * test_api_frag.c: service/api_frag.c: the target list put together from
 * per-target pieces is byte for byte render_api_targets /
 * render_api_text_list, on the sample view, after a target changed (and was
 * touched), after targets were added and removed, and with none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "service/api_frag.h"
#include "views.h"
#include "web/render_api.h"

static void same(struct api_frags *f, const struct view_service *s)
{
    for (int text = 0; text < 2; text++) {
        size_t a = 0, b = 0;
        char *got = api_frags_targets(f, s, text, &a);
        char *want = text ? render_api_text_list(s, &b) : render_api_targets(s, &b);
        assert_non_null(got);
        assert_non_null(want);
        assert_int_equal(a, b);
        assert_memory_equal(got, want, a);
        assert_int_equal(strlen(got), a);
        free(got);
        free(want);
    }
}

static void test_frags(void **state)
{
    (void)state;
    struct views *v = views_new();
    assert_non_null(v);
    struct view_service s = v->svc;
    struct view_target *t = v->t;
    for (size_t i = 0; i < VIEWS_N; i++)
        view_touch(&s, &t[i]);
    struct api_frags *f = api_frags_new();
    assert_non_null(f);
    same(f, &s);
    same(f, &s); /* every piece reused */

    /* a change noted with view_touch is in the next list */
    t[1].consecutive_failures = 7;
    t[1].running = 1;
    view_touch(&s, &t[1]);
    same(f, &s);
    size_t len = 0;
    char *body = api_frags_targets(f, &s, false, &len);
    assert_non_null(strstr(body, "\"consecutive_failures\":7"));
    free(body);

    /* fewer targets, another order, more again, none */
    const struct view_target *ptrs[VIEWS_N];
    for (size_t i = 0; i < VIEWS_N; i++)
        ptrs[i] = &t[VIEWS_N - 1 - i];
    s.targets = ptrs;
    s.ntargets = 3;
    same(f, &s);
    s.ntargets = VIEWS_N;
    same(f, &s);
    s.ntargets = 0;
    same(f, &s);
    api_frags_free(f);
    views_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
