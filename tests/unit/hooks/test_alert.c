/*
 * test_alert.c: the alert state machine (firing after the status goes bad,
 * reminders every remind_every while down, resolved when back, nothing
 * during maintenance, Alertmanager re-sends before endsAt lapses) and the
 * retry schedule (bounded, exponential, jittered).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "service/alert.h"

#define MIN 60000ll
#define OK OA_STATE_OK
#define CRIT OA_STATE_CRITICAL
#define WARN OA_STATE_WARNING
#define NOCODE OA_DIAG__COUNT

/* One run per minute for 30 minutes: down at 5, back at 20; remind 10m. */
static void test_outage_sequence(void **state)
{
    (void)state;
    struct alert_state s = {0};
    int firing = 0, reminders = 0, resolved = 0, pushes = 0;
    int64_t t0 = 1700000000000ll;
    for (int m = 0; m < 30; m++) {
        enum oa_state st = m >= 5 && m < 20 ? CRIT : OK;
        int64_t now = t0 + m * MIN;
        struct alert_step step = alert_update(&s, st, NOCODE, false, 10 * MIN, now);
        if (step.am_push) {
            pushes++;
            alert_am_pushed(&s, now);
        }
        firing += step.event == ALERT_FIRING;
        reminders += step.event == ALERT_REMINDER;
        resolved += step.event == ALERT_RESOLVED;
        if (m == 5)
            assert_int_equal(step.event, ALERT_FIRING);
        if (m == 15)
            assert_int_equal(step.event, ALERT_REMINDER);
        if (m == 20) {
            assert_int_equal(step.event, ALERT_RESOLVED);
            assert_int_equal(s.ends_ms, now);
            assert_int_equal(s.starts_ms, t0 + 5 * MIN);
        }
    }
    assert_int_equal(firing, 1);
    assert_int_equal(reminders, 1);
    assert_int_equal(resolved, 1);
    /* every minute while firing (5..19) is a push, then the resolution */
    assert_int_equal(pushes, 16);
}

/* Broken and mended inside a window: nothing at all. */
static void test_maintenance_silences(void **state)
{
    (void)state;
    struct alert_state s = {0};
    for (int m = 0; m < 10; m++) {
        struct alert_step st =
            alert_update(&s, m < 5 ? CRIT : OK, NOCODE, true, MIN, (int64_t)m * MIN);
        assert_int_equal(st.event, ALERT_NONE);
        assert_false(st.am_push);
    }
    /* Still bad when the window ends: it fires then. */
    assert_int_equal(alert_update(&s, CRIT, NOCODE, true, 0, 11 * MIN).event, ALERT_NONE);
    assert_int_equal(alert_update(&s, CRIT, NOCODE, false, 0, 12 * MIN).event, ALERT_FIRING);
    /* Firing, then a window: no reminders, but the resolution is sent. */
    assert_int_equal(alert_update(&s, CRIT, NOCODE, true, MIN, 20 * MIN).event, ALERT_NONE);
    assert_int_equal(alert_update(&s, OK, NOCODE, true, MIN, 21 * MIN).event, ALERT_RESOLVED);
}

static void test_severity_and_resend(void **state)
{
    (void)state;
    struct alert_state s = {0};
    struct alert_step st = alert_update(&s, WARN, OA_DIAG__COUNT, false, 0, 0);
    assert_int_equal(st.event, ALERT_FIRING);
    alert_am_pushed(&s, 0);
    /* worse: fires again with the new severity */
    st = alert_update(&s, CRIT, OA_DIAG__COUNT, false, 0, 1000);
    assert_int_equal(st.event, ALERT_FIRING);
    assert_int_equal(s.severity, CRIT);
    alert_am_pushed(&s, 1000);
    /* better but still bad: nothing; no re-send before the period */
    st = alert_update(&s, WARN, OA_DIAG__COUNT, false, 0, 2000);
    assert_int_equal(st.event, ALERT_NONE);
    assert_false(st.am_push);
    assert_int_equal(s.severity, CRIT);
    /* a re-send once the period passed, well before the TTL */
    st = alert_update(&s, CRIT, OA_DIAG__COUNT, false, 0, 1000 + ALERT_AM_RESEND_MS);
    assert_int_equal(st.event, ALERT_NONE);
    assert_true(st.am_push);
    assert_true(ALERT_AM_RESEND_MS * 2 <= ALERT_AM_TTL_MS);
    /* endsAt outlives the next run: 4 min, or 3 intervals when longer */
    assert_int_equal(alert_am_ends_ms(1000, 60000), 1000 + ALERT_AM_TTL_MS);
    assert_int_equal(alert_am_ends_ms(1000, 0), 1000 + ALERT_AM_TTL_MS);
    assert_int_equal(alert_am_ends_ms(1000, 10 * 60000), 1000 + 30 * 60000);
    /* unknown and pending/skipped */
    struct alert_state u = {0};
    assert_int_equal(alert_update(&u, OA_STATE_SKIPPED, NOCODE, false, 0, 0).event, ALERT_NONE);
    assert_int_equal(alert_update(&u, OA_STATE_UNKNOWN, NOCODE, false, 0, 0).event, ALERT_FIRING);
    assert_int_equal(alert_update(&u, OA_STATE_SKIPPED, NOCODE, false, 0, 1).event,
                     ALERT_RESOLVED);
    assert_string_equal(alert_event_name(ALERT_RESOLVED), "resolved");
    assert_int_equal(alert_update(NULL, CRIT, NOCODE, false, 0, 0).event, ALERT_NONE);
}

static void test_retry_schedule(void **state)
{
    (void)state;
    int64_t prev_hi = 0;
    for (unsigned a = 1; a < RETRY_ATTEMPTS_MAX; a++) {
        int64_t lo = retry_delay_ms(a, 0), hi = retry_delay_ms(a, UINT64_MAX - 1);
        int64_t d = RETRY_BASE_MS << (a - 1);
        if (d > RETRY_CAP_MS)
            d = RETRY_CAP_MS;
        assert_int_equal(lo, d / 2);
        assert_true(hi >= lo && hi <= d);
        assert_true(lo >= prev_hi / 2); /* grows */
        prev_hi = hi;
        for (uint64_t r = 0; r < 1000; r += 7) {
            int64_t x = retry_delay_ms(a, r * 2654435761u);
            assert_true(x >= d / 2 && x <= d);
        }
    }
    assert_int_equal(retry_delay_ms(RETRY_ATTEMPTS_MAX, 5), -1);
    assert_int_equal(retry_delay_ms(0, 5), -1);
    /* jitter spreads: two random inputs give different delays */
    assert_true(retry_delay_ms(3, 1) != retry_delay_ms(3, 1234));
    /* the whole schedule is bounded */
    int64_t total = 0;
    for (unsigned a = 1; a < RETRY_ATTEMPTS_MAX; a++)
        total += retry_delay_ms(a, UINT64_MAX);
    assert_true(total <= 4 * RETRY_CAP_MS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outage_sequence),
        cmocka_unit_test(test_maintenance_silences),
        cmocka_unit_test(test_severity_and_resend),
        cmocka_unit_test(test_retry_schedule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
