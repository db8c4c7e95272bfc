/*
 * test_maint.c: maintenance window evaluation: one-off windows, recurring
 * windows in a time zone of the TZ database across both daylight-saving
 * edges of 2026 in Europe/Berlin (a start in the skipped hour, a start in
 * the repeated hour, a window spanning the change), the next occurrence,
 * and who a window covers (names, label selectors).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "service/maint.h"

#define MIN 60000ll
#define HOUR (60 * MIN)

/* Unix ms of a UTC date and time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi};
    return (int64_t)timegm(&tm) * 1000;
}

static struct cfg_maint rec(const char *tz, unsigned days, unsigned from_min, int64_t dur)
{
    struct cfg_maint m = {0};
    m.days = days;
    m.from_min = from_min;
    m.duration_ms = (uint64_t)dur;
    m.tz = (char *)tz;
    return m;
}

static void test_oneoff(void **state)
{
    (void)state;
    struct cfg_maint m = {0};
    m.start_ms = utc(2026, 12, 5, 22, 0);
    m.end_ms = utc(2026, 12, 6, 2, 0);
    int64_t s, e;
    assert_int_equal(maint_occurrence(&m, m.start_ms - 1, &s, &e), 0);
    assert_int_equal(s, m.start_ms);
    assert_true(maint_active(&m, m.start_ms));
    assert_true(maint_active(&m, m.end_ms - 1));
    assert_false(maint_active(&m, m.end_ms));
    assert_int_equal(maint_occurrence(&m, m.end_ms, &s, &e), -1);
    assert_int_equal(maint_occurrence(NULL, 0, &s, &e), -1);
}

/* "sat 22:00-02:00" Europe/Berlin in winter (CET, UTC+1). */
static void test_weekly_across_midnight(void **state)
{
    (void)state;
    struct cfg_maint m = rec("Europe/Berlin", 1u << 6, 22 * 60, 4 * HOUR);
    int64_t s, e;
    /* Saturday 2026-12-05 20:59 UTC = 21:59 CET: next is 21:00 UTC */
    assert_int_equal(maint_occurrence(&m, utc(2026, 12, 5, 20, 59), &s, &e), 0);
    assert_int_equal(s, utc(2026, 12, 5, 21, 0));
    assert_int_equal(e, utc(2026, 12, 6, 1, 0));
    /* Sunday 00:30 UTC (01:30 CET): inside */
    assert_int_equal(maint_occurrence(&m, utc(2026, 12, 6, 0, 30), &s, &e), 1);
    assert_int_equal(s, utc(2026, 12, 5, 21, 0));
    /* Sunday 01:00 UTC: over; the next is a week later */
    assert_int_equal(maint_occurrence(&m, utc(2026, 12, 6, 1, 0), &s, &e), 0);
    assert_int_equal(s, utc(2026, 12, 12, 21, 0));
    /* The caller's TZ is left as it was. */
    setenv("TZ", "America/New_York", 1);
    assert_true(maint_active(&m, utc(2026, 12, 5, 23, 0)));
    assert_string_equal(getenv("TZ"), "America/New_York");
    unsetenv("TZ");
    assert_true(maint_active(&m, utc(2026, 12, 5, 23, 0)));
    assert_null(getenv("TZ"));
}

/* Summer (CEST, UTC+2): the same window moves an hour in UTC. */
static void test_summer_offset(void **state)
{
    (void)state;
    struct cfg_maint m = rec("Europe/Berlin", 1u << 6, 22 * 60, 4 * HOUR);
    int64_t s, e;
    assert_int_equal(maint_occurrence(&m, utc(2026, 7, 4, 19, 0), &s, &e), 0);
    assert_int_equal(s, utc(2026, 7, 4, 20, 0));
}

/* 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC). A window at 02:30
 * does not exist that day: it starts when the gap ends. */
static void test_spring_gap(void **state)
{
    (void)state;
    struct cfg_maint m = rec("Europe/Berlin", 1u << 0, 2 * 60 + 30, HOUR);
    int64_t s, e;
    assert_int_equal(maint_occurrence(&m, utc(2026, 3, 28, 12, 0), &s, &e), 0);
    assert_int_equal(s, utc(2026, 3, 29, 1, 0));
    assert_int_equal(e - s, HOUR);
    /* the Sunday before: 02:30 CET = 01:30 UTC */
    assert_int_equal(maint_occurrence(&m, utc(2026, 3, 21, 12, 0), &s, &e), 0);
    assert_int_equal(s, utc(2026, 3, 22, 1, 30));
    /* the Sunday after: 02:30 CEST = 00:30 UTC */
    assert_int_equal(maint_occurrence(&m, utc(2026, 3, 30, 12, 0), &s, &e), 0);
    assert_int_equal(s, utc(2026, 4, 5, 0, 30));
}

/* 2026-10-25: 03:00 CEST falls back to 02:00 CET (01:00 UTC); 02:30 occurs
 * twice (00:30 and 01:30 UTC): the window starts at the first. */
static void test_autumn_repeat(void **state)
{
    (void)state;
    struct cfg_maint m = rec("Europe/Berlin", 1u << 0, 2 * 60 + 30, 30 * MIN);
    int64_t s, e;
    assert_int_equal(maint_occurrence(&m, utc(2026, 10, 24, 12, 0), &s, &e), 0);
    assert_int_equal(s, utc(2026, 10, 25, 0, 30));
    assert_true(maint_active(&m, utc(2026, 10, 25, 0, 45)));
    assert_false(maint_active(&m, utc(2026, 10, 25, 1, 30)));
    /* a night window across the change lasts its elapsed duration */
    struct cfg_maint n = rec("Europe/Berlin", 1u << 6, 22 * 60, 8 * HOUR);
    assert_int_equal(maint_occurrence(&n, utc(2026, 10, 24, 12, 0), &s, &e), 0);
    assert_int_equal(s, utc(2026, 10, 24, 20, 0));
    assert_int_equal(e, utc(2026, 10, 25, 4, 0));
}

/* Weekdays in UTC, and a 7-day window that is always open. */
static void test_days(void **state)
{
    (void)state;
    struct cfg_maint m = rec("UTC", 0x3e, 1 * 60, 30 * MIN);
    /* 2026-12-05 is a Saturday */
    assert_false(maint_active(&m, utc(2026, 12, 5, 1, 10)));
    assert_false(maint_active(&m, utc(2026, 12, 6, 1, 10)));
    assert_true(maint_active(&m, utc(2026, 12, 7, 1, 10)));
    assert_true(maint_active(&m, utc(2026, 12, 11, 1, 29)));
    struct cfg_maint w = rec("UTC", 1u << 1, 0, 7 * 24 * HOUR);
    for (int d = 0; d < 14; d++)
        assert_true(maint_active(&w, utc(2026, 12, 1 + d, 13, 0)));
}

static void test_covers(void **state)
{
    (void)state;
    char *names[] = {"contoso-mail"};
    struct cfg_label sel[] = {{"site", "hq"}, {"env", "prod"}};
    struct cfg_label lab_hq[] = {{"env", "prod"}, {"site", "hq"}, {"x", "y"}};
    struct cfg_label lab_dc[] = {{"env", "prod"}, {"site", "dc2"}};
    struct cfg_maint m = {0};
    m.targets = names;
    m.n_targets = 1;
    assert_true(maint_covers(&m, "contoso-mail", NULL, 0));
    assert_false(maint_covers(&m, "fabrikam-mail", lab_hq, 3));
    m.match = sel;
    m.n_match = 2;
    assert_true(maint_covers(&m, "fabrikam-mail", lab_hq, 3));
    assert_false(maint_covers(&m, "fabrikam-mail", lab_dc, 2));
    assert_false(maint_covers(&m, "fabrikam-mail", NULL, 0));
    assert_false(maint_covers(NULL, "x", NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oneoff),        cmocka_unit_test(test_weekly_across_midnight),
        cmocka_unit_test(test_summer_offset), cmocka_unit_test(test_spring_gap),
        cmocka_unit_test(test_autumn_repeat), cmocka_unit_test(test_days),
        cmocka_unit_test(test_covers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
