/*
 * store.h: the service's history in SQLite (docs/internals/store.md).
 *
 * One `struct store` is one connection to one database file (WAL,
 * synchronous=NORMAL, busy_timeout, foreign keys), opened by store_open(),
 * which applies the schema migrations (PRAGMA user_version) in a transaction
 * and refuses a database written by a newer oaprobe. A connection belongs to
 * one thread. The daemon's event loop reads on its own connection (WAL lets
 * reads run beside the writer) and writes through the asynchronous writer of
 * store_writer.h, which owns a second connection on a worker thread and
 * calls the synchronous writes below in batched transactions.
 *
 * Times are unix milliseconds (int64_t, UTC). Statuses are the Nagios codes:
 * 0 ok, 1 warning, 2 critical, 3 unknown. Target names are 1..64 bytes of
 * [a-z0-9._-] (the config's rule); anything else is STORE_EINVAL.
 *
 * Every function returns 0 (or the documented count) on success and a
 * negative STORE_E* code on failure; store_errmsg() then names the field and
 * the problem. Strings passed in are copied; strings passed to callbacks are
 * valid only during the callback. Every SQL statement uses bound parameters.
 *
 * Uptime and response time (rollups): every run is counted in an hourly and
 * a daily (UTC) bucket of its target in the transaction that inserts it:
 *   up    runs with status ok or warning, outside maintenance
 *   down  runs with status critical or unknown, outside maintenance
 *   maint runs in a maintenance window, whatever their status
 *   sum_ms/min_ms/max_ms  durations of the "up" runs only (the response time
 *         of a working endpoint; min/max are -1 when the bucket has none)
 * Uptime ratio = up / (up + down): maintenance is excluded from both sides,
 * as Uptime Kuma does; -1 when the window holds no counted run.
 */
#ifndef OAPROBE_SERVICE_STORE_H
#define OAPROBE_SERVICE_STORE_H

#include <stddef.h>
#include <stdint.h>

/* Error codes (negative). */
#define STORE_EINVAL    (-1)  /* bad argument: NULL, out of range, too long */
#define STORE_ENOTFOUND (-2)  /* no such target / row */
#define STORE_EDB       (-3)  /* SQLite failed (message says what) */
#define STORE_ENOMEM    (-4)  /* out of memory */
#define STORE_EVERSION  (-5)  /* database from a newer schema version */
#define STORE_ENOTDB    (-6)  /* the file is not a SQLite database */
#define STORE_ECURSOR   (-7)  /* the cursor was not issued for this query */
#define STORE_EFULL     (-8)  /* the writer's queue is full (store_writer.h) */
#define STORE_ESTOPPED  (-9)  /* the writer is stopped (store_writer.h) */
#define STORE_EBUSY     (-10) /* the writer's transaction could not begin or
                               * commit: another connection held the
                               * database's lock past busy_timeout */

/* The schema version this build writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 4

/* Caps on what the store accepts. */
#define STORE_NAME_MAX      64          /* target name bytes */
#define STORE_CODES_MAX     32          /* diagnosis codes per run/incident */
#define STORE_CODE_MAX      64          /* bytes of one code, [a-z0-9_.-] */
#define STORE_STEPS_MAX     (16 * 1024) /* step timings JSON */
#define STORE_RESULT_MAX    (256 * 1024)/* full result JSON */
#define STORE_BODY_MAX      (64 * 1024) /* API target JSON body */
#define STORE_PAGE_DEFAULT  100         /* rows per page when limit is 0 */
#define STORE_PAGE_MAX      1000        /* larger limits are capped */
#define STORE_CURSOR_MAX    64          /* cursor text incl. the NUL */

/* Run flags. */
#define STORE_RUN_MAINTENANCE 0x1u /* ran inside a maintenance window */
#define STORE_RUN_OVERRUN     0x2u /* the previous run outlived its interval */
#define STORE_RUN_KEEP_RESULT 0x4u /* keep the full result even if no change */
#define STORE_RUN_CHANGED     0x8u /* set by the store: status differs from
                                      the previous run (or first run) */

struct store;

/* ---- open, close, errors ------------------------------------------------ */

/*
 * store_open: opens (creating if absent) the database at path, sets WAL,
 * synchronous=NORMAL, busy_timeout (5 s), foreign_keys=ON, and applies the
 * migrations up to STORE_SCHEMA_VERSION in one transaction.
 * path: file name (":memory:" works for tests; no WAL then). out: receives
 * the handle (caller frees with store_close). err/errlen: receives a message
 * on failure (may be NULL/0).
 * Returns 0; STORE_EVERSION when the file's user_version is newer ("database
 * schema version 7 is newer than this oaprobe's 2"); STORE_ENOTDB when the
 * file is not a SQLite database, or is one of another program (tables but
 * user_version 0); the file is not changed in either case. STORE_EINVAL,
 * STORE_ENOMEM, STORE_EDB.
 */
int store_open(const char *path, struct store **out, char *err, size_t errlen);

/* store_close: finalizes statements and closes the connection. NULL: no-op. */
void store_close(struct store *st);

/* store_errmsg: the message of the last failure on st ("" if none); valid
 * until the next call on st. st may be NULL (returns a static text). */
const char *store_errmsg(const struct store *st);

/* store_path: the file name st was opened with (owned by st). */
const char *store_path(const struct store *st);

/* store_schema_version: the schema version of the open database. */
int store_schema_version(struct store *st);

/* store_valid_name: 1 if name is a valid target name (1..64 [a-z0-9._-]). */
int store_valid_name(const char *name);

/* ---- runs --------------------------------------------------------------- */

/* One finished check, as given to store_run_add(). Only target is required
 * to be non-NULL; NULL codes/steps/result mean none. */
struct store_run {
    const char *target;       /* target name */
    int64_t started_at;       /* unix ms, >= 0 */
    int64_t duration_ms;      /* >= 0 */
    int status;               /* 0..3 */
    const char *const *codes; /* diagnosis codes, ncodes <= STORE_CODES_MAX */
    size_t ncodes;
    const char *steps_json;   /* step timings, JSON text <= STORE_STEPS_MAX */
    const char *result_json;  /* the full result, JSON text <= STORE_RESULT_MAX */
    int64_t lag_ms;           /* schedule lag, >= 0 */
    unsigned flags;           /* STORE_RUN_MAINTENANCE | _OVERRUN | _KEEP_RESULT */
};

/*
 * store_run_add: inserts one run and updates its target's hourly and daily
 * rollups and latest-run pointer in the same transaction. The full result is
 * kept for the target's latest run and for every run that changed state
 * (STORE_RUN_CHANGED) or asked to (STORE_RUN_KEEP_RESULT); when a run stops
 * being the latest without either, its result is dropped (the summary stays).
 * id: receives the run's id (may be NULL).
 * Returns 0, STORE_EINVAL (names the field), STORE_EDB, STORE_ENOMEM.
 */
int store_run_add(struct store *st, const struct store_run *run, int64_t *id);

/* One stored run, as handed to a store_row_cb. Strings valid during the
 * callback only. */
struct store_row {
    int64_t id;
    const char *target;
    int64_t started_at;
    int64_t duration_ms;
    int status;
    const char *codes_json;   /* JSON array of strings, e.g. ["tls_expired"] */
    const char *steps_json;   /* NULL when none */
    const char *result_json;  /* NULL when not kept */
    int64_t lag_ms;
    unsigned flags;           /* STORE_RUN_* including _CHANGED */
};

/* Row callback: return 0 to go on, nonzero to stop (the listing then returns
 * that value). */
typedef int (*store_row_cb)(void *arg, const struct store_row *row);

/*
 * store_latest: calls cb once with the latest run of target (result
 * included). Returns 0, STORE_ENOTFOUND (no run), STORE_EINVAL, STORE_EDB,
 * or cb's nonzero value.
 */
int store_latest(struct store *st, const char *target, store_row_cb cb, void *arg);

/*
 * store_latest_all: calls cb with the latest run of every target that has
 * one, in name order (to restore state at start). Returns 0, STORE_EDB, or
 * cb's nonzero value.
 */
int store_latest_all(struct store *st, store_row_cb cb, void *arg);

/*
 * store_latest_json: the latest run's full result JSON of target, malloc'd
 * into *json (caller frees). Returns 0, STORE_ENOTFOUND (no run, or its
 * result was not kept), STORE_EINVAL, STORE_EDB, STORE_ENOMEM.
 */
int store_latest_json(struct store *st, const char *target, char **json);

/* ---- uptime and response time (rollups only) ---------------------------- */

enum store_window { STORE_W24H, STORE_W7D, STORE_W30D, STORE_W90D, STORE_WINDOWS };

/* Counts over a window or a bucket; see the top of this file. */
struct store_bucket {
    int64_t start;      /* bucket start (unix ms); 0 for a window */
    int64_t up, down, maint;
    int64_t sum_ms;     /* of up runs */
    int64_t min_ms;     /* -1 when up == 0 */
    int64_t max_ms;     /* -1 when up == 0 */
    double ratio;       /* up / (up + down), -1 when up + down == 0 */
};

/*
 * store_uptime: uptime of target over the last 24 h, 7 d (hourly buckets:
 * the current hour and the 23 / 167 before it) and 30 d, 90 d (daily UTC
 * buckets: today and the 29 / 89 days before), from the rollups only.
 * now: unix ms; buckets after now's bucket are ignored.
 * out: STORE_WINDOWS entries, filled (zero counts, ratio -1 when no data).
 * Returns 0, STORE_EINVAL, STORE_EDB. An unknown target gives zero counts.
 */
int store_uptime(struct store *st, const char *target, int64_t now,
                 struct store_bucket out[STORE_WINDOWS]);

/*
 * store_daily: per-day availability for a bar of `days` days ending with
 * now's UTC day, oldest first. out: `days` entries (caller's array), each
 * with start = the day's midnight, zeros when no run. days: 1..400.
 * Returns 0, STORE_EINVAL, STORE_EDB.
 */
int store_daily(struct store *st, const char *target, int64_t now, size_t days,
                struct store_bucket *out);

/*
 * store_window: availability of target over the UTC days that overlap
 * [from, to) (day-granular, from the daily rollups), e.g. a calendar month
 * for an SLA report: from = the 1st 00:00 UTC, to = the next 1st.
 * out: filled (start = from's day). Returns 0, STORE_EINVAL (to <= from,
 * more than 400 days), STORE_EDB.
 */
int store_window(struct store *st, const char *target, int64_t from, int64_t to,
                 struct store_bucket *out);

enum store_grain { STORE_HOURLY, STORE_DAILY };

/*
 * store_series: the response-time / availability series of target between
 * from (inclusive) and to (exclusive), one entry per existing bucket of the
 * grain, oldest first, at most cap entries. n: receives the count.
 * Returns 0, STORE_EINVAL, STORE_EDB.
 */
int store_series(struct store *st, const char *target, enum store_grain grain,
                 int64_t from, int64_t to, struct store_bucket *out, size_t cap,
                 size_t *n);

/* ---- incidents ---------------------------------------------------------- */

struct store_incident {
    int64_t id;
    const char *target;
    int from_status, to_status;
    int64_t started_at;
    int64_t ended_at;         /* 0 while open */
    const char *codes_json;   /* JSON array of strings */
};

typedef int (*store_incident_cb)(void *arg, const struct store_incident *inc);

/* An incident's from_status when the target had no state before: the first
 * run of a new target was not ok. */
#define STORE_STATUS_PENDING 4

/*
 * store_incident_open: records a state change of target from from_status to
 * to_status at started, with the codes seen. from_status may also be
 * STORE_STATUS_PENDING: the target had no state before (its first run). An
 * incident of target still
 * open is closed at `started` first (one open incident per target).
 * id: receives the new incident's id (may be NULL).
 * Returns 0, STORE_EINVAL, STORE_EDB.
 */
int store_incident_open(struct store *st, const char *target, int from_status,
                        int to_status, int64_t started, const char *const *codes,
                        size_t ncodes, int64_t *id);

/*
 * store_incident_close: closes target's open incident at ended.
 * Returns 1 when one was closed, 0 when none was open, STORE_EINVAL, STORE_EDB.
 */
int store_incident_close(struct store *st, const char *target, int64_t ended);

/*
 * store_incidents: incidents of target (NULL: every target), newest first
 * (started_at, then id), at most limit (0: STORE_PAGE_DEFAULT; capped at
 * STORE_PAGE_MAX), continuing after cursor_in (NULL or "": first page).
 * cursor_out (cursor_len >= STORE_CURSOR_MAX): receives the cursor of the
 * next page, or "" when this page is the last.
 * Returns 0, STORE_ECURSOR, STORE_EINVAL, STORE_EDB, or cb's nonzero value.
 */
int store_incidents(struct store *st, const char *target, size_t limit,
                    const char *cursor_in, store_incident_cb cb, void *arg,
                    char *cursor_out, size_t cursor_len);

/* ---- history ------------------------------------------------------------ */

/*
 * store_results: runs of target with since <= started_at < until (0: no
 * bound), newest first (started_at, then id), at most limit (0:
 * STORE_PAGE_DEFAULT; capped at STORE_PAGE_MAX), continuing after cursor_in.
 * The cursor is opaque base64url text naming the last row's (time, id) and
 * bound to the target and the query kind; a tampered or foreign cursor is
 * STORE_ECURSOR. Pages are stable while runs are inserted (new runs are
 * newer than any cursor). cursor_out as in store_incidents().
 * Returns 0, STORE_ECURSOR, STORE_EINVAL, STORE_EDB, or cb's nonzero value.
 */
int store_results(struct store *st, const char *target, int64_t since,
                  int64_t until, size_t limit, const char *cursor_in,
                  store_row_cb cb, void *arg, char *cursor_out, size_t cursor_len);

/* ---- targets added through the API -------------------------------------- */

typedef int (*store_api_target_cb)(void *arg, const char *name, const char *json,
                                   int64_t created_at, int64_t updated_at);

/*
 * store_api_target_put: stores (creates or replaces) the JSON body of an API
 * target. json: valid JSON text, <= STORE_BODY_MAX. now: unix ms (the
 * created time is kept on replace). Returns 1 created, 0 replaced,
 * STORE_EINVAL, STORE_EDB.
 */
int store_api_target_put(struct store *st, const char *name, const char *json,
                         int64_t now);

/* store_api_target_delete: Returns 0, STORE_ENOTFOUND, STORE_EINVAL, STORE_EDB. */
int store_api_target_delete(struct store *st, const char *name);

/* store_api_target_get: calls cb once. Returns 0, STORE_ENOTFOUND, ... */
int store_api_target_get(struct store *st, const char *name,
                         store_api_target_cb cb, void *arg);

/* store_api_targets: every API target in name order. Returns 0, STORE_EDB,
 * or cb's nonzero value. */
int store_api_targets(struct store *st, store_api_target_cb cb, void *arg);

/* ---- hook deliveries (issue 9) ------------------------------------------ */

#define STORE_DEST_MAX     512   /* url or argv[0] bytes */
#define STORE_WORD_MAX     32    /* kind, event, outcome bytes */
#define STORE_RESPONSE_MAX 512   /* first bytes of the response kept */

struct store_delivery {
    int64_t id;               /* set by the store */
    const char *target;       /* target name */
    const char *kind;         /* "alertmanager", "webhook", "exec" ([a-z0-9_]) */
    const char *event;        /* "firing", "resolved", "reminder"... ([a-z0-9_]) */
    const char *dest;         /* url or argv[0]; a url is stored without its
                                 userinfo, query and fragment (secrets) */
    const char *outcome;      /* "ok", "failed", "timeout", "gave_up"... ([a-z0-9_]) */
    int status;               /* HTTP status or exit status; -1 none */
    int attempts;             /* >= 1 */
    const unsigned char *response; /* first bytes; longer is cut to STORE_RESPONSE_MAX */
    size_t response_len;
    int64_t at;               /* unix ms of the last attempt */
};

typedef int (*store_delivery_cb)(void *arg, const struct store_delivery *d);

/* store_delivery_add: records one delivery. id: may be NULL.
 * Returns 0, STORE_EINVAL, STORE_EDB. */
int store_delivery_add(struct store *st, const struct store_delivery *d, int64_t *id);

/* store_deliveries: deliveries of target (NULL: all), newest first, paged as
 * store_incidents(). */
int store_deliveries(struct store *st, const char *target, size_t limit,
                     const char *cursor_in, store_delivery_cb cb, void *arg,
                     char *cursor_out, size_t cursor_len);

/* ---- what a restart must not forget (issue 9) --------------------------- */
/* Maintenance windows added through the API: the body as posted (parsed
 * again at start), under the id the daemon gave it ("api-<id>"). */
#define STORE_MAINT_BODY_MAX (16 * 1024)
typedef int (*store_maint_cb)(void *arg, int64_t id, const char *body, int64_t end_at,
                              int64_t created_at);
/*
 * store_maint_put: stores (creates or replaces) window id (>= 1) with its
 * body (text, <= STORE_MAINT_BODY_MAX). end_at: a one-off window's end
 * (unix ms; retention removes it once older than the cutoff), -1 for a
 * recurring one. Returns 0, STORE_EINVAL, STORE_EDB.
 */
int store_maint_put(struct store *st, int64_t id, const char *body, int64_t end_at,
                    int64_t now);
/*
 * store_maint_add: stores a new window under the next id of the table's
 * AUTOINCREMENT sequence (larger than every id ever stored, deleted ones
 * and those of earlier processes included), returned in *id. Returns 0,
 * STORE_EINVAL, STORE_EDB.
 */
int store_maint_add(struct store *st, const char *body, int64_t end_at, int64_t now,
                    int64_t *id);
/* store_maint_delete: Returns 1 deleted, 0 there was none, STORE_EINVAL,
 * STORE_EDB. */
int store_maint_delete(struct store *st, int64_t id);
/*
 * store_maints: every stored window in id order (end_at -1 when recurring).
 * last_id: receives the largest id ever stored, deleted ones included (the
 * next window takes a larger one: an id is never reused); may be NULL.
 * Returns 0, STORE_EDB, or cb's nonzero value.
 */
int store_maints(struct store *st, store_maint_cb cb, void *arg, int64_t *last_id);

/* Alert states of firing targets, and of resolved ones whose resolution is
 * still owed to a hook: a JSON record per target name (service/alert_json.h;
 * the store only keeps it). 32 labels of 128-byte keys and values and 48
 * hooks owed fit (JSON escapes included). */
#define STORE_ALERT_MAX (64 * 1024)
typedef int (*store_alert_cb)(void *arg, const char *name, const char *json,
                              int64_t updated_at);
/* store_alert_put: creates or replaces target name's record (JSON object
 * text, <= STORE_ALERT_MAX). Returns 0, STORE_EINVAL, STORE_EDB. */
int store_alert_put(struct store *st, const char *name, const char *json, int64_t now);
/* store_alert_delete: Returns 1 deleted, 0 there was none, STORE_EINVAL,
 * STORE_EDB. */
int store_alert_delete(struct store *st, const char *name);
/* store_alerts: every record in name order. Returns 0, STORE_EDB, or cb's
 * nonzero value. */
int store_alerts(struct store *st, store_alert_cb cb, void *arg);

/*
 * store_streak: how many of target's latest runs in a row (newest first,
 * at most cap, 1..1000) are of the same kind as the latest one: good
 * (status 0) or bad (anything else), for the thresholds' consecutive
 * counters at start. *bad: 1 when the latest run is bad. *n: 0 when the
 * target has no run. Returns 0, STORE_EINVAL, STORE_EDB.
 */
int store_streak(struct store *st, const char *target, size_t cap, int *bad, size_t *n);

/* ---- retention ---------------------------------------------------------- */

/*
 * store_prune: deletes, in one transaction, at most `batch` rows of each of
 * runs, hourly and daily rollups and deliveries older than cutoff (unix ms;
 * a bucket goes when it ends before cutoff). The latest run of each target
 * and every incident are kept; API maintenance windows that ended before
 * cutoff go too. batch: 1..100000 (0: 5000).
 * removed: receives the number of rows deleted (may be NULL).
 * Returns 1 when rows older than cutoff remain (call again), 0 when done,
 * STORE_EINVAL, STORE_EDB.
 */
int store_prune(struct store *st, int64_t cutoff, size_t batch, int64_t *removed);

#endif /* OAPROBE_SERVICE_STORE_H */
