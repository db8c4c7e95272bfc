/*
 * alert_json.h: the alert state of a target as the store keeps it (the
 * `alerts` table, docs/internals/store.md), so that a restart neither pages
 * again for an outage already paged, nor loses a page it owed, nor loses
 * the alert's identity:
 *
 *   {"v":2,"firing":true,"severity":"critical","code":"backend_refused",
 *    "starts":1796400000000,"notified":1796400000000,
 *    "host":"mail.contoso.com","location":"hq","labels":{"team":"exchange"},
 *    "pending":{"event":"firing","to":["webhook:chat","exec:page"]}}
 *
 * A record exists while the alert fires, and after it resolved for as long
 * as its resolution is owed to some hook ("firing":false, "ends" set,
 * "pending" event "resolved"). "pending" is the event of the last state
 * change and the hooks that have not taken it yet (alert_outbox.h); absent
 * when nothing is owed. Version 1 records (schema 3: firing, nothing owed,
 * no "firing" member) are still read; migration 3 -> 4 rewrites them.
 *
 * severity, code and starts are what Alertmanager's alert is made of (its
 * labels give the fingerprint, startsAt the start): a restored alert is
 * re-sent with the same ones. notified is the last firing or reminder (the
 * remind_every clock). host, location and labels are the target's when it
 * fired: enough to send the resolution of a target that was removed from
 * the configuration while the service was stopped. The last push to
 * Alertmanager is not kept: the first run after a restart re-sends.
 *
 * Pure (jansson only): no clock, no I/O.
 */
#ifndef OAPROBE_SERVICE_ALERT_JSON_H
#define OAPROBE_SERVICE_ALERT_JSON_H

#include <stddef.h>

#include "service/alert.h"
#include "service/alert_outbox.h"
#include "web/view.h"

#define ALERT_JSON_VERSION 2
#define ALERT_JSON_LABELS_MAX 32 /* as CFG_LABELS_MAX */

/* A stored target's identity (owned strings; alert_saved_clear frees). */
struct alert_saved {
    char *name, *host, *location;
    struct view_label labels[ALERT_JSON_LABELS_MAX]; /* name/value owned */
    size_t nlabels;
};

/*
 * alert_json_write: the record of state s of target t owing p (may be
 * NULL: nothing owed); name, host, location and labels read from t, never a
 * setting or a secret. Returns malloc'd JSON text, or NULL: out of memory,
 * or no record is due (alert_record_of() is ALERT_RECORD_NONE; or not
 * firing and p is not a resolution, or no ends_ms).
 */
char *alert_json_write(const struct alert_state *s, const struct view_target *t,
                       const struct alert_pending *p);

/*
 * alert_json_read: parse a record written by alert_json_write for target
 * name into *s (firing, severity, code, starts_ms, notified_ms, ends_ms when
 * resolved; am_pushed_ms zero), *saved and *p (each may be NULL). An
 * unknown code (a newer oaprobe's) reads as none (OA_DIAG__COUNT). Returns
 * 0, or -1 with err naming the field and the problem (not JSON, another
 * version, a severity that does not fire, times missing or negative,
 * notified before starts, more labels than ALERT_JSON_LABELS_MAX, a
 * resolved record without ends or without a resolution owed, a pending
 * event or hook list that does not fit the record).
 */
int alert_json_read(const char *json, const char *name, struct alert_state *s,
                    struct alert_saved *saved, struct alert_pending *p, char *err, size_t len);

/* alert_saved_from_view: copy t's identity (name, host, location, labels)
 * into saved (cleared first). Returns 0 or -1 (out of memory: saved empty). */
int alert_saved_from_view(struct alert_saved *saved, const struct view_target *t);

/* alert_saved_clear: free what saved owns and zero it; NULL ok. */
void alert_saved_clear(struct alert_saved *saved);

/* alert_saved_view: a view of the saved target for rendering its
 * resolution (status ok, no result, last run at at_ms). v borrows saved. */
void alert_saved_view(const struct alert_saved *saved, int64_t at_ms, struct view_target *v);

#endif /* OAPROBE_SERVICE_ALERT_JSON_H */
