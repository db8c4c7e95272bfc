/*
 * alert.c: the per-target alert state machine and the retry schedule
 * (see alert.h).
 */
#include "service/alert.h"

#include <stddef.h>
#include <stdint.h>

static bool bad(enum oa_state s)
{
    return s == OA_STATE_WARNING || s == OA_STATE_CRITICAL || s == OA_STATE_UNKNOWN;
}

/* Worse of two bad states: critical > unknown > warning (Nagios order would
 * put unknown last; an unknown target is not reachable, which pages). */
static int rank(enum oa_state s)
{
    return s == OA_STATE_CRITICAL ? 3 : s == OA_STATE_UNKNOWN ? 2 : s == OA_STATE_WARNING ? 1 : 0;
}

struct alert_step alert_update(struct alert_state *s, enum oa_state status, enum oa_diag_code code,
                               bool maintenance, uint64_t remind_ms, int64_t now_ms)
{
    struct alert_step st = {ALERT_NONE, false};
    if (s == NULL)
        return st;
    if (!s->firing) {
        if (!bad(status) || maintenance)
            return st;
        s->firing = true;
        s->severity = status;
        s->code = code;
        s->starts_ms = now_ms;
        s->ends_ms = 0;
        s->notified_ms = now_ms;
        st.event = ALERT_FIRING;
        st.am_push = true;
        return st;
    }
    if (!bad(status)) {
        s->firing = false;
        s->ends_ms = now_ms;
        st.event = ALERT_RESOLVED;
        st.am_push = true;
        return st;
    }
    if (rank(status) > rank(s->severity) && !maintenance) {
        s->severity = status;
        s->code = code;
        s->notified_ms = now_ms;
        st.event = ALERT_FIRING;
        st.am_push = true;
        return st;
    }
    if (remind_ms > 0 && !maintenance && now_ms - s->notified_ms >= (int64_t)remind_ms) {
        s->notified_ms = now_ms;
        st.event = ALERT_REMINDER;
    }
    if (now_ms - s->am_pushed_ms >= ALERT_AM_RESEND_MS || st.event != ALERT_NONE)
        st.am_push = true;
    return st;
}

void alert_am_pushed(struct alert_state *s, int64_t now_ms)
{
    if (s != NULL)
        s->am_pushed_ms = now_ms;
}

int64_t alert_am_ends_ms(int64_t now_ms, int64_t interval_ms)
{
    int64_t ttl = ALERT_AM_TTL_MS;
    if (interval_ms > 0 && interval_ms < INT64_MAX / 4 && 3 * interval_ms > ttl)
        ttl = 3 * interval_ms;
    return now_ms + ttl;
}

const char *alert_event_name(enum alert_event e)
{
    switch (e) {
    case ALERT_FIRING:
        return "firing";
    case ALERT_REMINDER:
        return "reminder";
    case ALERT_RESOLVED:
        return "resolved";
    default:
        return "none";
    }
}

int64_t retry_delay_ms(unsigned attempt, uint64_t rnd)
{
    if (attempt == 0 || attempt >= RETRY_ATTEMPTS_MAX)
        return -1;
    int64_t d = RETRY_BASE_MS;
    for (unsigned i = 1; i < attempt && d < RETRY_CAP_MS; i++)
        d *= 2;
    if (d > RETRY_CAP_MS)
        d = RETRY_CAP_MS;
    int64_t half = d / 2;
    return half + (int64_t)(rnd % (uint64_t)(half + 1));
}
