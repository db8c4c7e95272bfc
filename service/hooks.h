/*
 * hooks.h: alerting on the daemon's loop (issue 9): the per-target alert
 * state machine (alert.h) fed after every run, maintenance windows (from
 * the configuration and the API), and the deliveries:
 *
 *   alertmanager  POST <url>/api/v2/alerts, the postable alerts of
 *                 render_alert_postable(); re-sent at the first run
 *                 ALERT_AM_RESEND_MS after the last push while firing
 *                 (endsAt = alert_am_ends_ms(): 4 min, or 3 intervals when
 *                 longer), a last one with endsAt when resolved
 *   webhook       POST <url>, the webhook "version 4" payload of
 *                 render_alert_webhook(), with the configured headers
 *   exec          posix_spawn() of argv (never a shell), the same JSON on
 *                 stdin, a clean environment with Nagios-style variables:
 *                 OAPROBE_EVENT (firing, reminder, resolved), OAPROBE_STATE
 *                 (OK, WARNING, CRITICAL, UNKNOWN), OAPROBE_STATE_ID (0..3),
 *                 OAPROBE_TARGET, OAPROBE_HOST, OAPROBE_OUTPUT (the target's
 *                 text line), OAPROBE_CODES (comma-separated diagnosis
 *                 codes), OAPROBE_LOCATION, PATH=/usr/bin:/bin; its pidfd on
 *                 the loop; SIGKILL to its process group at the timeout
 *
 * Every transfer is a foreign transfer on the loop's multi (loop_xfer_add)
 * with the hook's timeout and a cap on the response kept; nothing blocks:
 * a dead or slow receiver costs a socket and a timer, never a check's
 * schedule. A failed attempt is retried after retry_delay_ms() (alert.h:
 * exponential, jittered, at most RETRY_ATTEMPTS_MAX attempts); a newer
 * notification for the same hook and target drops the older one's pending
 * retry, or the older one still held for its record (so a late "firing"
 * never follows a "resolved"). At most
 * HOOKS_INFLIGHT_MAX deliveries are pending; beyond, new ones are dropped.
 * Every attempt is recorded (store_writer_delivery: kind, event, the hook's
 * name as dest, outcome success/retry/failure/dropped, HTTP or exit status,
 * the first bytes of the answer or output) and counted in view->hooks.
 *
 * Secrets: header values and URLs are never logged, stored or shown (the
 * hook's name stands for it); payloads and the exec environment hold no
 * secret (render_alert reads no setting of a target; the environment is
 * built from scratch, not inherited).
 *
 * Alert states and the API's maintenance windows are stored through the
 * writer and read back at start (hooks_alert_restore, hooks_maint_restore).
 * A notification of a state change (firing, reminder, resolved, to every
 * hook, Alertmanager included) leaves only once the target's record saying
 * that it is owed, and to which hooks, is committed; each hook that took it
 * (or gave up) is struck off in the record, and at start the hooks still
 * owed are sent it again with the same fingerprint, startsAt and endsAt
 * (service/alert_outbox.h): a kill -9 at any moment loses no page and
 * repeats one only to a hook that answered just before the kill (at least
 * once; exactly once is impossible when the receiver cannot tell). A store
 * that cannot commit (locked: retried; full disk, queue full: not) does not
 * stop alerting: after at most HOOKS_COMMIT_WAIT_MS the notifications leave
 * anyway and the log says that a restart may repeat them.
 *
 * Everything runs on the loop thread.
 */
#ifndef OAPROBE_SERVICE_HOOKS_H
#define OAPROBE_SERVICE_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/result/state.h"
#include "service/config.h"
#include "web/view.h"

struct loop;
struct store;
struct store_writer;
struct hooks;

#define HOOKS_INFLIGHT_MAX 1024u   /* deliveries pending (attempt or retry wait) */
#define HOOKS_RESPONSE_MAX 512u    /* bytes of an answer or output kept */
#define HOOKS_COMMIT_WAIT_MS 30000ll /* a notification waits for its alert
                                      * record's commit at most this long */
#define HOOKS_API_MAINT_MAX 1024u  /* windows added through the API */
#define HOOKS_WINDOW_ID_MAX (sizeof "api-18446744073709551615")  /* "api-" + any unsigned long + NUL */

/*
 * hooks_new: alerting for the configuration cfg (borrowed: the caller keeps
 * it alive until hooks_reload() with the next one or hooks_free()).
 *   w     the store writer deliveries are recorded through (may be NULL)
 *   view  the view whose `hooks` counters are kept (may be NULL)
 *   log   one line per event ("webhook chat: firing contoso-mail: HTTP 503,
 *         retry in 1.2 s"), never a secret; NULL: silent
 * Returns NULL when out of memory.
 */
struct hooks *hooks_new(struct loop *l, const struct cfg *cfg, struct store_writer *w,
                        struct view_service *view, void (*log)(const char *line));

/* hooks_reload: use cfg from now on (deliveries in flight keep their copy;
 * alert states are kept by target name). */
void hooks_reload(struct hooks *h, const struct cfg *cfg);

/*
 * hooks_maintenance: is target t inside a maintenance window (configured or
 * added through the API) at now_ms (wall clock)? The daemon sets
 * t->maintenance from it before recording a run.
 */
bool hooks_maintenance(struct hooks *h, const struct view_target *t, int64_t now_ms);

/*
 * hooks_on_result: after every completed run of t (t->status already after
 * thresholds, t->maintenance set), at now_ms (wall clock). from is the
 * status before this run. Decides and starts the deliveries.
 */
void hooks_on_result(struct hooks *h, const struct view_target *t, enum oa_state from,
                     int64_t now_ms);

/* hooks_forget: t is removed (reload, API DELETE): its alert, if firing, is
 * resolved now, and its state dropped (from the store too). */
void hooks_forget(struct hooks *h, const struct view_target *t, int64_t now_ms);

/*
 * hooks_alert_restore: at start, before the first run, the alert states
 * stored by the previous process (read on st, the loop's connection). A
 * firing target still configured (find(ctx, name) returns it) goes on
 * firing: no new firing notification; reminders follow remind_every from
 * the stored last notification; the first run re-sends to Alertmanager
 * with the same startsAt (and labels, so the same fingerprint); a good
 * run resolves it once. An event the record still owes (the previous
 * process was stopped or killed before every hook took it) is sent again
 * to the hooks owed that are still configured, rendered from the record.
 * A firing target no longer configured is resolved now (webhooks, exec,
 * Alertmanager) and its record deleted once that is delivered.
 */
void hooks_alert_restore(struct hooks *h, struct store *st,
                         const struct view_target *(*find)(void *ctx, const char *name),
                         void *ctx, int64_t now_ms);

/* hooks_cfg: the configuration in use (for /probe's modules). */
const struct cfg *hooks_cfg(const struct hooks *h);

/* hooks_pending: deliveries in flight or waiting for a retry. */
size_t hooks_pending(const struct hooks *h);

/* ---- maintenance windows of the API (POST/DELETE /api/v1/maintenance) ---- */

/* One window as listed: from the configuration or the API. */
struct hooks_window {
    const struct cfg_maint *m;
    char id[HOOKS_WINDOW_ID_MAX];  /* "cfg-<index>" or "api-<n>" */
    bool api;
    bool active;       /* open at now_ms */
    int64_t next_start_ms, next_end_ms; /* the current or next occurrence (0: none) */
};

/*
 * The end of hooks_maint_add / hooks_maint_delete, called exactly once on
 * the loop thread: rc 0 done (id: the window's "api-<n>"), -1 (delete) no
 * such window any more, or the STORE_E* code of the store's failure
 * (service/store.h) with err saying what failed: then nothing changed.
 */
typedef void (*hooks_maint_done)(void *arg, int rc, const char *id, const char *err);

/*
 * hooks_maint_add: take m (moved: zeroed when 0 is returned) as a new API
 * window, parsed from body (the text posted, stored through the writer so
 * that the window and its id survive a restart; at now_ms, wall clock).
 * The window is added once the store committed it, under the id the store
 * gave it (its AUTOINCREMENT sequence: never an id handed out before, kill
 * -9 and restarts included); then done is called (without a writer: at
 * once, ids from a counter). Returns 0 (done comes), -1 (HOOKS_API_MAINT_MAX
 * reached with the adds in flight, or out of memory), -2 the store refused
 * it (queue full): nothing added, done is not called.
 */
int hooks_maint_add(struct hooks *h, struct cfg_maint *m, const char *body, int64_t now_ms,
                    hooks_maint_done done, void *arg);

/* hooks_maint_delete: remove an API window once the store committed its
 * removal (done as above; the window stays when the store fails). Returns 0
 * (done comes), -1 unknown id, -2 a configured window (only the file
 * removes it), -3 the store refused it (queue full): done is not called. */
int hooks_maint_delete(struct hooks *h, const char *id, hooks_maint_done done, void *arg);

/* hooks_maint_pending: API writes of windows waiting for the store. */
bool hooks_maint_pending(const struct hooks *h);

/* hooks_maint_expire: remove the one-off API windows that ended at now_ms
 * (and from the store); returns how many. The daemon calls it with its
 * retention pass. */
size_t hooks_maint_expire(struct hooks *h, int64_t now_ms);

/* hooks_maint_restore: at start, the API windows stored by earlier runs
 * (read on st, the loop's connection), with their ids; ended ones are
 * deleted; ids given from now on are larger than any ever stored. */
void hooks_maint_restore(struct hooks *h, struct store *st, int64_t now_ms);

/* hooks_maint_list: every window (configured first) into out[cap]; returns
 * how many there are (may exceed cap). */
size_t hooks_maint_list(struct hooks *h, int64_t now_ms, struct hooks_window *out, size_t cap);

/* hooks_free: cancel every delivery (transfers removed, children killed and
 * reaped), free h. NULL ok. */
void hooks_free(struct hooks *h);

#endif /* OAPROBE_SERVICE_HOOKS_H */
