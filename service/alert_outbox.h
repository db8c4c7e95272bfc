/*
 * alert_outbox.h: the notification a target's alert still owes, kept in its
 * stored record (alert_json.h) so that a kill -9 neither pages twice nor
 * loses a page. Pure: no clock, no I/O.
 *
 * When alerting decides an event (firing, reminder, resolved), the record
 * that says so AND lists the hooks it is owed to ("pending") is committed
 * first; only then do the deliveries leave (hooks_state.c). Each hook that
 * took it (success) or that gave up (retries exhausted, dropped) is struck
 * off, and the record is written again; when nothing is owed any more, a
 * resolved alert's record is deleted. At start, every hook still listed is
 * sent the event again, rendered from the record: same labels (so the same
 * fingerprint), same startsAt and endsAt.
 *
 * So a receiver gets each event at least once: twice only when the kill
 * falls between its answer and the commit of the record that strikes it off
 * (no sender can do better when the receiver cannot tell a repeat; webhook
 * receivers can by fingerprint + startsAt + status, Alertmanager does).
 */
#ifndef OAPROBE_SERVICE_ALERT_OUTBOX_H
#define OAPROBE_SERVICE_ALERT_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "service/alert.h"

#define ALERT_PENDING_MAX 48u  /* hooks an event is owed to (3 kinds x CFG_HOOKS_MAX) */
#define ALERT_HOOK_KEY_MAX 96u /* "alertmanager:" + a 64-byte name + NUL, rounded up */

/* The event owed and to whom. Zero-initialise; alert_pending_clear frees. */
struct alert_pending {
    enum alert_event event; /* ALERT_NONE: nothing owed */
    char **to;              /* hook keys (alert_hook_key), malloc'd */
    size_t n;
};

/* What the store should hold for an alert. */
enum alert_record {
    ALERT_RECORD_NONE, /* no record (not firing, nothing owed) */
    ALERT_RECORD_PUT,  /* firing, or a resolution still owed */
};

/* alert_hook_key: "kind:name" into out[len]; returns 0, or -1 when it does
 * not fit or an argument is missing. */
int alert_hook_key(char *out, size_t len, const char *kind, const char *name);

/* alert_pending_set: p owes event to keys[0..n) (copied; duplicates kept
 * once). n == 0 or ALERT_NONE leaves p empty. Returns 0, or -1 (out of
 * memory, n > ALERT_PENDING_MAX, a key too long: p left empty). */
int alert_pending_set(struct alert_pending *p, enum alert_event event, const char *const *keys,
                      size_t n);

/* alert_pending_has: is key owed? */
bool alert_pending_has(const struct alert_pending *p, const char *key);

/* alert_pending_done: strike key off; when none is left the event is
 * ALERT_NONE. Returns true when key was owed (the record must be written). */
bool alert_pending_done(struct alert_pending *p, const char *key);

/* alert_pending_clear: free and zero. NULL ok. */
void alert_pending_clear(struct alert_pending *p);

/* alert_record_of: what the store should hold for state s owing p. */
enum alert_record alert_record_of(const struct alert_state *s, const struct alert_pending *p);

#endif /* OAPROBE_SERVICE_ALERT_OUTBOX_H */
