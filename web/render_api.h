/*
 * render_api.h: the JSON bodies of the service's API routes (issue 8) and
 * the text form for `Accept: text/plain`, from the view of web/view.h.
 * Pure: no I/O, no clock (`now_ms` is a parameter), nothing kept.
 *
 * Conventions (docs/api/openapi.yaml has the schemas): keys in snake_case;
 * durations are float seconds in keys ending in `_seconds`; times are RFC
 * 3339 UTC strings with milliseconds ("2025-11-21T01:42:00.123Z") or null
 * when unknown; ratios are 0..1 or null when there is no data; states are
 * "ok", "warning", "critical", "unknown" and, for a target that never ran,
 * "pending"; diagnosis codes are the stable machine codes of
 * probes/result/diag.h; `reason` is the code of the worst diagnosis.
 *
 * Every function returning char * returns compact JSON (or text) the caller
 * frees with free(), sets *len when len is not NULL, and returns NULL only
 * for bad arguments or when out of memory. Strings from the view are made
 * valid UTF-8; no secret is read (view.h).
 */
#ifndef OAPROBE_WEB_RENDER_API_H
#define OAPROBE_WEB_RENDER_API_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "web/view.h"

/* ---- targets ----------------------------------------------------------- */

/*
 * render_api_target_summary: one target as listed by GET /api/v1/targets:
 *   {"name", "host", "location", "labels": {}, "depth", "source",
 *    "status", "since", "maintenance", "reason", "message", "codes": [],
 *    "last_run", "last_status", "latency_seconds", "cert_days_left",
 *    "uptime": {"24h", "7d", "30d", "90d"}, "consecutive_failures",
 *    "interval_seconds", "next_run", "running"}
 * Returns a new reference, or NULL.
 */
json_t *render_api_target_summary(const struct view_target *t);

/* render_api_target_summary_json: the summary as compact JSON text, exactly
 * as it appears inside render_api_targets' array. */
char *render_api_target_summary_json(const struct view_target *t, size_t *len);

/* render_api_targets: GET /api/v1/targets: {"targets": [summary...]}, that
 * is RENDER_API_TARGETS_OPEN, the summaries joined by ',', and
 * RENDER_API_TARGETS_CLOSE (service/api_frag.c builds it so from the
 * summaries of the targets that changed). */
#define RENDER_API_TARGETS_OPEN "{\"targets\":["
#define RENDER_API_TARGETS_CLOSE "]}"

char *render_api_targets(const struct view_service *s, size_t *len);

/*
 * render_api_target: GET /api/v1/targets/{name} (and the body of a finished
 * POST .../run and of PUT): the summary plus
 *   "settings": {"servers", "ports", "auth", "user", "insecure", "http",
 *                "direct_ports", "timeout_seconds", "cert_warn_days",
 *                "failure_threshold", "success_threshold"},
 *   "incident": {"started_at"} or null,
 *   "counters": {"runs": {"ok", "warning", "critical", "unknown"},
 *                "overruns"},
 *   "certificate": {"subject", "issuer", "san", "not_before", "not_after",
 *                   "days_left", "chain_not_after", "trust", "host_match",
 *                   "tls_version", "tls_cipher"} or null,
 *   "result": the latest result as `oaprobe check --json` prints it
 *             (render_json.h), or null.
 * The certificate facts come from the result's tls step. A latest_json that
 * does not parse is rendered as "result": null.
 */
char *render_api_target(const struct view_target *t, size_t *len);

/* render_api_accepted: the 202 body of POST .../run?wait=false:
 * {"target", "status": "accepted", "location"}. */
char *render_api_accepted(const char *target, const char *location, size_t *len);

/* ---- status ------------------------------------------------------------ */

/*
 * render_api_status_ok: 1 when GET /api/v1/status answers 200 (every target
 * outside a maintenance window has status ok, and none is blocked; no
 * target is fine too), 0 for 503 (a target is warning, critical, unknown
 * or pending, or blocked: an API target that is never run, in a
 * maintenance window or not, is a hole in the monitoring to act on).
 */
int render_api_status_ok(const struct view_service *s);

/*
 * render_api_status: GET /api/v1/status:
 *   {"ok": bool, "status": "ok"|"degraded", "targets": n,
 *    "counts": {"ok", "warning", "critical", "unknown", "pending",
 *               "blocked"} (each target in one: a blocked one only in
 *               blocked, whatever its last state),
 *    "maintenance": n, "version", "started_at", "uptime_seconds",
 *    "config": {"last_reload_successful", "last_reload_success_at",
 *               "error"}}
 * `ok` is render_api_status_ok(); the daemon sends 200 or 503 by it.
 */
char *render_api_status(const struct view_service *s, int64_t now_ms, size_t *len);

/* ---- history ----------------------------------------------------------- */

/* One stored run (a row of store_results), filled by the daemon. */
struct view_run {
    int64_t started_at_ms;
    int64_t duration_us;
    enum oa_state status;         /* raw status of the run */
    const char *const *codes;     /* diagnosis codes, ncodes entries */
    size_t ncodes;
    int in_maintenance;           /* ran inside a maintenance window */
    int overrun;                  /* still running when due again */
    int64_t lag_us;               /* schedule lag of its start */
    const char *steps_json;       /* stored step timings (a JSON array of
                                   * {"name","status","duration_seconds",...}
                                   * or object), NULL: none */
    const char *result_json;      /* the full result JSON when kept, or NULL */
};

/*
 * render_api_results: GET /api/v1/targets/{name}/results:
 *   {"target", "results": [{"started_at", "status", "duration_seconds",
 *     "codes", "maintenance", "overrun", "lag_seconds", "steps",
 *     "result"}...], "next_cursor": "..." or null}
 * newest first, as given. steps/result are embedded when their stored JSON
 * parses, null otherwise.
 */
char *render_api_results(const char *target, const struct view_run *runs, size_t n,
                         const char *next_cursor, size_t *len);

/* One incident (a state change and how long it lasted). */
struct view_incident {
    int64_t started_ms;
    int64_t ended_ms;             /* 0: still open */
    enum oa_state from, to;       /* state before and during the incident; from
                                     OA_STATE__COUNT: pending (a new target) */
    const char *const *codes;     /* codes when it started */
    size_t ncodes;
};

/*
 * render_api_incidents: GET /api/v1/targets/{name}/incidents:
 *   {"target", "incidents": [{"started_at", "ended_at", "from", "to",
 *     "codes", "open", "duration_seconds"}...], "next_cursor"}
 * duration_seconds of an open incident runs to now_ms; "from" is "pending"
 * for a new target's first incident.
 */
char *render_api_incidents(const char *target, const struct view_incident *inc,
                           size_t n, const char *next_cursor, int64_t now_ms,
                           size_t *len);

/* One UTC day of availability (a daily rollup of the store), filled by the
 * daemon from store_daily(). */
struct view_day {
    int64_t start_ms;             /* the day's midnight UTC */
    int64_t up, down, maint;      /* runs: ok/warning, critical/unknown,
                                   * inside maintenance */
    int64_t sum_ms;               /* durations of the up runs */
    int64_t min_ms, max_ms;       /* of the up runs; -1 when up == 0 */
};

/*
 * render_api_daily: GET /api/v1/targets/{name}/daily:
 *   {"target", "days": [{"date": "2025-11-21", "up", "down",
 *     "maintenance", "ratio", "avg_seconds", "min_seconds",
 *     "max_seconds"}...]}
 * oldest first, as given; ratio = up / (up + down) or null, the latency
 * keys null when the day has no up run.
 */
char *render_api_daily(const char *target, const struct view_day *d, size_t n,
                       size_t *len);

/*
 * render_api_daily_all: GET /api/v1/daily (the status page's 90-day bars):
 *   {"from": "2025-08-24", "days": ndays,
 *    "targets": {"name": [ratio or null, ...ndays, oldest first]...}}
 * day row i of target k is d[k * ndays + i]; every target covers the same
 * days (from = the first one's date). Ratios are rounded to 4 decimals.
 */
char *render_api_daily_all(const char *const *names, size_t ntargets,
                           const struct view_day *d, size_t ndays, size_t *len);

/*
 * The same in pieces, for a body built a chunk of targets at a time:
 * render_api_daily_all is render_api_daily_frame(first day's start_ms or 0
 * without targets, ndays, the rows of every target joined by ","):
 *   render_api_daily_rows   "name":[...],"name":[...] of these ntargets
 *                           ("" for none)
 *   render_api_daily_frame  {"from":...,"days":ndays,"targets":{ROWS}}
 */
char *render_api_daily_rows(const char *const *names, size_t ntargets,
                            const struct view_day *d, size_t ndays, size_t *len);
char *render_api_daily_frame(int64_t from_ms, size_t ndays, const char *rows, size_t rows_len,
                             size_t *len);

/* ---- errors ------------------------------------------------------------- */

/*
 * render_api_error: {"error": error, "detail": detail}. error is a short
 * machine word chosen by the daemon ("not_found", "bad_request",
 * "unauthorized", "forbidden", "conflict", "payload_too_large",
 * "method_not_allowed", "unavailable", "internal"); detail may quote client
 * input: it is made valid UTF-8, control characters become spaces, it is
 * cut at 512 bytes, and the whole body is ASCII (every other character is a
 * \u escape), so nothing the client sent comes back unescaped. NULL detail
 * renders "".
 */
char *render_api_error(const char *error, const char *detail, size_t *len);

/* ---- text/plain --------------------------------------------------------- */

/*
 * render_api_text_line: the one line of a target for `Accept: text/plain`:
 * the first line of `oaprobe check` for its latest result, with the target
 * name in place of the host ("OAPROBE CRITICAL - contoso-mail: <summary>"),
 * ending in "\n". A target that never ran: "OAPROBE UNKNOWN - name: pending,
 * no run yet"; one restored from the store without a record: the state and
 * the codes.
 */
char *render_api_text_line(const struct view_target *t, size_t *len);

/* render_api_text_list: render_api_text_line() of every target, in order. */
char *render_api_text_list(const struct view_service *s, size_t *len);

#endif /* OAPROBE_WEB_RENDER_API_H */
