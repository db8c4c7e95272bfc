/*
 * alert.h: the alert state machine of one target, and the retry schedule
 * of deliveries. Pure: no clock (times are parameters), no I/O.
 *
 * The daemon's thresholds (failure_threshold, success_threshold) already
 * turned runs into the target's status; alerting decides what to send:
 *
 *   idle    + status bad, not in maintenance      -> FIRING (starts now)
 *   idle    + status bad, in maintenance          -> nothing (it fires at
 *             the first result after the window if still bad)
 *   firing  + status ok or pending                -> RESOLVED
 *   firing  + bad, remind_every elapsed since the
 *             last notification, not in maintenance -> REMINDER
 *   firing  + bad                                 -> Alertmanager re-send
 *             when ALERT_AM_RESEND_MS passed since the last push (its
 *             endsAt lapses otherwise)
 *
 * "Bad" is warning, critical or unknown (the worst severity seen while
 * firing is kept: a warning that turns critical is re-sent as critical
 * with a FIRING event, since the alert's labels change).
 */
#ifndef OAPROBE_SERVICE_ALERT_H
#define OAPROBE_SERVICE_ALERT_H

#include <stdbool.h>
#include <stdint.h>

#include "probes/result/diag.h"
#include "probes/result/state.h"

#define ALERT_AM_RESEND_MS 60000ll /* Alertmanager re-send period while firing */
#define ALERT_AM_TTL_MS (4 * ALERT_AM_RESEND_MS) /* endsAt = push + this (as
                                                   * Prometheus: 4 resends) */

enum alert_event {
    ALERT_NONE = 0,
    ALERT_FIRING,   /* first notification (or a new severity) */
    ALERT_REMINDER, /* still firing, remind_every elapsed */
    ALERT_RESOLVED, /* back to ok */
};

/* Per-target alerting state. Zero-initialise. */
struct alert_state {
    bool firing;
    enum oa_state severity;  /* while firing */
    enum oa_diag_code code;  /* the reason when it fired (OA_DIAG__COUNT none) */
    int64_t starts_ms;       /* when it started firing */
    int64_t ends_ms;         /* when it resolved (after RESOLVED) */
    int64_t notified_ms;     /* last FIRING or REMINDER */
    int64_t am_pushed_ms;    /* last push to Alertmanager */
};

/* What one result asks for. */
struct alert_step {
    enum alert_event event; /* for webhooks and exec hooks (and Alertmanager) */
    bool am_push;           /* push to Alertmanager now (event or re-send) */
};

/*
 * alert_update: feed the target's status after a result.
 *   status       the target's state after thresholds (OA_STATE_SKIPPED or
 *                pending counts as ok)
 *   code         the reason to report (the worst diagnosis), OA_DIAG__COUNT none
 *   maintenance  the target is inside a maintenance window now
 *   remind_ms    remind_every (0: no reminders)
 *   now_ms       wall-clock ms
 */
struct alert_step alert_update(struct alert_state *s, enum oa_state status, enum oa_diag_code code,
                               bool maintenance, uint64_t remind_ms, int64_t now_ms);

/* alert_am_pushed: record a push to Alertmanager at now_ms. */
void alert_am_pushed(struct alert_state *s, int64_t now_ms);

/*
 * alert_am_ends_ms: the endsAt of a firing alert pushed at now_ms for a
 * target run every interval_ms: now + ALERT_AM_TTL_MS, or now + 3 intervals
 * when that is longer (the re-send rides on the next run, so a slow
 * interval must not let the alert lapse in Alertmanager between runs).
 */
int64_t alert_am_ends_ms(int64_t now_ms, int64_t interval_ms);

/* alert_event_name: "firing", "reminder", "resolved" ("none"). */
const char *alert_event_name(enum alert_event e);

#define RETRY_ATTEMPTS_MAX 5     /* attempts of one delivery, at most */
#define RETRY_BASE_MS 1000ll     /* delay after the first failure */
#define RETRY_CAP_MS 60000ll     /* no delay longer than this */

/*
 * retry_delay_ms: the delay before attempt `attempt` + 1, after `attempt`
 * (1-based) failed: exponential (base * 2^(attempt-1), capped), with
 * jitter taking it to a value in [d/2, d] from `rnd` (any random bits).
 * Returns -1 when attempt >= RETRY_ATTEMPTS_MAX (give up).
 */
int64_t retry_delay_ms(unsigned attempt, uint64_t rnd);

#endif /* OAPROBE_SERVICE_ALERT_H */
