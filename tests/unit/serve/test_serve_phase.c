/*
 * test_serve_phase.c: the scheduler's phases: stable for a name (the same
 * value in every process, so a restart keeps each target's slot), within
 * the interval, different for different names, and spread over the
 * interval (10,000 names over 60 s: no second holds more than twice its
 * share).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "service/serve.h"

static void test_stable_and_in_range(void **state)
{
    (void)state;
    /* FNV-1a 64 of "contoso-mail" mod 60000, computed independently */
    uint64_t h = 14695981039346656037ull;
    for (const char *p = "contoso-mail"; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 1099511628211ull;
    }
    assert_int_equal(serve_phase_ms("contoso-mail", 60000), (int64_t)(h % 60000));
    assert_int_equal(serve_phase_ms("contoso-mail", 60000), serve_phase_ms("contoso-mail", 60000));
    assert_true(serve_phase_ms("contoso-mail", 60000) != serve_phase_ms("fabrikam-mail", 60000));
    for (int64_t iv = 1000; iv <= 86400000; iv *= 7) {
        int64_t p = serve_phase_ms("x", iv);
        assert_true(p >= 0 && p < iv);
    }
    assert_int_equal(serve_phase_ms("x", 0), 0);
}

static void test_spread(void **state)
{
    (void)state;
    enum { N = 10000, SECONDS = 60 };
    unsigned bucket[SECONDS] = {0};
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "target-%05d", i);
        bucket[serve_phase_ms(name, SECONDS * 1000) / 1000]++;
    }
    for (int s = 0; s < SECONDS; s++) {
        assert_true(bucket[s] > 0);
        assert_true(bucket[s] < 2 * N / SECONDS);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stable_and_in_range),
        cmocka_unit_test(test_spread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
