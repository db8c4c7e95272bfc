/*
 * view.h: the read-only view of the service's state that the renderers of
 * web/ read (the API's JSON bodies, the text lines, /metrics and /probe, the
 * Alertmanager and webhook payloads, the badges).
 *
 * Who fills it: helper "daemon" (service/serve*.c). The daemon owns every
 * byte the view points at; a view is built (or kept up to date) on the
 * loop thread and handed to a renderer for the duration of one call. The
 * renderers never write through it, never keep a pointer after they
 * return, read no clock (the time is a parameter, `now_ms`) and do no I/O.
 *
 * Times are wall-clock milliseconds since the Unix epoch (0 = never /
 * unknown); durations are microseconds; ratios are 0..1.
 *
 * Secrets: a view never needs a password, a token or a key. The one place a
 * secret could be reachable is view_target.opts->password (the engine's
 * options may hold it while a check is built): the renderers never read
 * that field, and the tests render every output of a view whose opts carry
 * a password and assert that it appears nowhere.
 */
#ifndef OAPROBE_WEB_VIEW_H
#define OAPROBE_WEB_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "probes/result/diag.h"
#include "probes/result/result.h"
#include "probes/result/state.h"

struct check_opts; /* probes/check/check.h */

/* ---- uptime windows -------------------------------------------------- */

/* X(ENUM, "name", seconds): the uptime windows, in this order everywhere
 * (view_target.uptime[], JSON "uptime" keys, badge routes). */
#define VIEW_WINDOWS(X)              \
    X(24H, "24h", 86400)             \
    X(7D, "7d", 7 * 86400)           \
    X(30D, "30d", 30 * 86400)        \
    X(90D, "90d", 90 * 86400)

enum view_window {
#define VIEW_WINDOW_ENUM_(e, name, sec) VIEW_WINDOW_##e,
    VIEW_WINDOWS(VIEW_WINDOW_ENUM_)
#undef VIEW_WINDOW_ENUM_
    VIEW_WINDOW__COUNT
};

/* view_window_name: "24h", "7d", "30d", "90d"; NULL when out of range. */
const char *view_window_name(enum view_window w);

/* view_window_from_name: 0 and *out set for "24h".."90d", else -1. */
int view_window_from_name(const char *name, enum view_window *out);

/* ---- hook deliveries (issue 9) --------------------------------------- */

/* X(ENUM, "kind label") */
#define VIEW_HOOK_KINDS(X)              \
    X(ALERTMANAGER, "alertmanager")     \
    X(WEBHOOK, "webhook")               \
    X(EXEC, "exec")

enum view_hook_kind {
#define VIEW_HOOK_KIND_ENUM_(e, name) VIEW_HOOK_##e,
    VIEW_HOOK_KINDS(VIEW_HOOK_KIND_ENUM_)
#undef VIEW_HOOK_KIND_ENUM_
    VIEW_HOOK__COUNT
};

/*
 * X(ENUM, "outcome label"): what one delivery attempt came to.
 *   success  delivered (2xx from a receiver, exit status 0 of an exec hook)
 *   retry    this attempt failed; another one is scheduled
 *   failure  the last attempt failed; the delivery was given up
 *   dropped  never attempted (queue full, hook removed by a reload)
 */
#define VIEW_OUTCOMES(X)      \
    X(SUCCESS, "success")     \
    X(RETRY, "retry")         \
    X(FAILURE, "failure")     \
    X(DROPPED, "dropped")

enum view_outcome {
#define VIEW_OUTCOME_ENUM_(e, name) VIEW_OUTCOME_##e,
    VIEW_OUTCOMES(VIEW_OUTCOME_ENUM_)
#undef VIEW_OUTCOME_ENUM_
    VIEW_OUTCOME__COUNT
};

/* view_hook_kind_name / view_outcome_name: the label values above; NULL
 * when out of range. Static strings. */
const char *view_hook_kind_name(enum view_hook_kind k);
const char *view_outcome_name(enum view_outcome o);

/* ---- ad-hoc probes (/probe?target=HOST&module=M) --------------------- */

/*
 * X(ENUM, "outcome label"): how one ad-hoc probe ended.
 *   success    answered, probe_success 1
 *   failure    answered, probe_success 0 (a timeout included)
 *   refused    503: the cap of ad-hoc probes or of checks was reached
 *   cancelled  the client went away, or the service stopped
 *   forbidden  403: the host is not in the module's allow_hosts (not run)
 */
#define VIEW_ADHOC_OUTCOMES(X)  \
    X(SUCCESS, "success")       \
    X(FAILURE, "failure")       \
    X(REFUSED, "refused")       \
    X(CANCELLED, "cancelled")   \
    X(FORBIDDEN, "forbidden")

enum view_adhoc {
#define VIEW_ADHOC_ENUM_(e, name) VIEW_ADHOC_##e,
    VIEW_ADHOC_OUTCOMES(VIEW_ADHOC_ENUM_)
#undef VIEW_ADHOC_ENUM_
    VIEW_ADHOC__COUNT
};

/* view_adhoc_name: the label value above; NULL when out of range. */
const char *view_adhoc_name(enum view_adhoc a);

/*
 * X(ENUM, "outcome label"): how one Kerberos acquisition of the check
 * engine ended (oaprobe_kerberos_acquisitions_total):
 *   ok        tickets obtained
 *   rejected  the KDC rejected the credentials (wrong password, locked)
 *   error     another failure (KDC unreachable, unknown realm, ...)
 */
#define VIEW_KRB_OUTCOMES(X) \
    X(OK, "ok")              \
    X(REJECTED, "rejected")  \
    X(ERROR, "error")

enum view_krb {
#define VIEW_KRB_ENUM_(e, name) VIEW_KRB_##e,
    VIEW_KRB_OUTCOMES(VIEW_KRB_ENUM_)
#undef VIEW_KRB_ENUM_
    VIEW_KRB__COUNT
};

/* view_krb_name: the label value above; NULL when out of range. */
const char *view_krb_name(enum view_krb k);

/*
 * What the store writer was asked to write, as the `kind` label of
 * oaprobe_store_dropped_writes_total:
 *   run          a finished run
 *   incident     an incident opened or closed
 *   delivery     a hook delivery's record
 *   api_target   a target added or deleted through the API
 *   maintenance  a maintenance window of the API
 *   alert        an alert's state
 *   retention    a retention pass
 */
#define VIEW_STORE_KINDS(X)        \
    X(RUN, "run")                  \
    X(INCIDENT, "incident")        \
    X(DELIVERY, "delivery")        \
    X(API_TARGET, "api_target")    \
    X(MAINTENANCE, "maintenance")  \
    X(ALERT, "alert")              \
    X(RETENTION, "retention")

enum view_store_kind {
#define VIEW_STORE_ENUM_(e, name) VIEW_STORE_##e,
    VIEW_STORE_KINDS(VIEW_STORE_ENUM_)
#undef VIEW_STORE_ENUM_
    VIEW_STORE__COUNT
};

/* view_store_kind_name: the label value above; NULL when out of range. */
const char *view_store_kind_name(enum view_store_kind k);

/* ---- schedule lag histogram ------------------------------------------ */

/* Upper bounds (seconds) of the schedule lag histogram buckets; a last,
 * implicit bucket holds everything above the largest bound (+Inf). */
#define VIEW_LAG_NBOUNDS 12
extern const double view_lag_bounds[VIEW_LAG_NBOUNDS];

/*
 * A histogram the daemon updates with view_hist_observe() and the metrics
 * renderer prints as oaprobe_schedule_lag_seconds (cumulative buckets).
 * Zero-initialise it; it holds no pointers.
 */
struct view_hist {
    uint64_t counts[VIEW_LAG_NBOUNDS + 1]; /* per bucket, NOT cumulative;
                                            * [VIEW_LAG_NBOUNDS] = above all */
    uint64_t count;                        /* observations */
    double sum;                            /* seconds, sum of observations */
};

/* view_hist_observe: count one observation of `seconds` (negative and NaN
 * count as 0) in h. No-op on NULL. */
void view_hist_observe(struct view_hist *h, double seconds);

/* ---- one target ------------------------------------------------------ */

/* A configured label (YAML `labels:` map), in configuration order. The
 * renderers escape values for their format; names that are not valid
 * Prometheus label names are sanitised by the metrics renderer. */
struct view_label {
    const char *name;  /* as configured */
    const char *value; /* as configured; never a secret (config rule) */
};

/* Where a target's definition lives: the YAML file (read-only through the
 * API: PUT/DELETE answer 409) or the API (persisted in SQLite). */
enum view_source {
    VIEW_SOURCE_FILE = 0,
    VIEW_SOURCE_API,
};

/*
 * One target. Identity and settings come from the configuration, state and
 * counters from the scheduler; the daemon fills every field. Pointers are
 * borrowed and must stay valid during a render call; a NULL string is
 * rendered as absent/null.
 */
struct view_target {
    /* identity and settings (from struct cfg_target) */
    const char *name;             /* unique, [a-z0-9._-]{1,64} */
    const char *host;             /* the public name checked (opts->host) */
    const char *location;         /* `location:`; NULL or "" when none */
    const char *depth;            /* "tls", "echo", "auth" or "tunnel" */
    enum view_source source;      /* file or API target */
    const char *blocked;          /* an API target the service does not run,
                                   * and why (its credentials would go to a
                                   * host api.allow_hosts does not admit);
                                   * NULL: it runs */
    const struct view_label *labels; /* `labels:`, nlabels entries */
    size_t nlabels;
    const struct check_opts *opts;/* the check's settings, may be NULL; the
                                   * renderers read servers, ports, auth,
                                   * user, insecure, http, direct_ports,
                                   * timeout_ms, cert_warn_days; NEVER
                                   * password (nor keytab contents) */
    int64_t interval_ms;          /* run interval */
    int64_t timeout_ms;           /* effective check deadline */
    unsigned failure_threshold;   /* consecutive bad runs before "down" */
    unsigned success_threshold;   /* consecutive good runs before "up" */
    uint64_t remind_every_ms;     /* `remind_every` (0: no reminders) */

    /* state (from the scheduler, after thresholds) */
    enum oa_state status;         /* the target's state: ok, warning,
                                   * critical or unknown; a target that never
                                   * ran is rendered "pending" (last_run_ms 0
                                   * and latest NULL and latest_json NULL) */
    int64_t since_ms;             /* when `status` began; 0 unknown */
    enum oa_state last_status;    /* raw status of the latest run */
    int64_t last_run_ms;          /* start of the latest completed run; 0 */
    int64_t latency_us;           /* duration of the latest run (without
                                   * schedule lag) */
    int64_t next_run_ms;          /* when the next run is due; 0 unknown */
    int running;                  /* 1 while a run is in flight */
    int maintenance;              /* 1 inside a maintenance window now */
    unsigned consecutive_failures;/* bad runs in a row (0 after a good one) */
    unsigned consecutive_successes;/* good runs in a row */
    int64_t incident_started_ms;  /* start of the open incident; 0 none */
    double uptime[VIEW_WINDOW__COUNT]; /* ratio up/(up+down) per window,
                                   * maintenance excluded; < 0: no data */
    const enum oa_diag_code *codes; /* diagnosis codes of the latest run,
                                   * each once, ncodes entries */
    size_t ncodes;
    const struct oa_result *latest; /* the latest result in memory, or NULL
                                   * (not yet run, or restored from the store
                                   * without the record) */
    const char *latest_json;      /* when latest is NULL: the stored JSON
                                   * document of the latest result (as
                                   * render_json wrote it), or NULL */

    /* counters since the process started (Prometheus counters) */
    uint64_t runs[OA_STATE__COUNT]; /* completed runs by raw status, indexed
                                   * by enum oa_state (SKIPPED stays 0) */
    uint64_t overruns;            /* runs still in flight when due again */

    /* change counters (view_touch, view_touch_history), for the API's
     * cache of rendered bodies (service/api_cache.h) */
    uint64_t generation;          /* bumped whenever a field above changes;
                                   * values come from the service's counter,
                                   * so a new target never reuses one */
    uint64_t history_generation;  /* bumped when the store committed a run
                                   * or incident of this target */
};

/* ---- the service ----------------------------------------------------- */

/*
 * The whole service. `targets` is an array of ntargets pointers (the
 * daemon may embed a struct view_target in its own per-target state), in
 * configuration order (file targets, then API targets).
 */
struct view_service {
    const char *version;          /* oaprobe's version string */
    int64_t started_at_ms;        /* process start */
    int reload_ok;                /* 1: the last (re)load of the config
                                   * succeeded; 0: it failed and the previous
                                   * config runs */
    int64_t reload_success_ms;    /* last successful (re)load (the start
                                   * counts as one) */
    const char *reload_error;     /* why the last reload failed; NULL/"" ok.
                                   * Names a file/line/key, never a secret */
    const char *restart_required; /* what the file changes that only a
                                   * restart applies (listen, storage), the
                                   * running values kept; NULL: nothing */
    struct view_hist lag;         /* schedule lag of every run start */
    uint64_t hooks[VIEW_HOOK__COUNT][VIEW_OUTCOME__COUNT];
                                  /* hook deliveries by kind and outcome */
    uint64_t adhoc[VIEW_ADHOC__COUNT];
                                  /* ad-hoc /probe checks by outcome */
    size_t adhoc_max;             /* the most ad-hoc checks at once
                                   * (max_probes; 0: none known, not
                                   * exported) */
    size_t adhoc_in_flight;       /* ad-hoc checks running now */
    size_t checks_max;            /* the cap on checks at once (0: none
                                   * known: not exported) */
    size_t checks_in_flight;      /* checks running now, ad-hoc ones too */
    size_t checks_queued;         /* scheduled runs waiting under the cap */
    struct view_store_queue {     /* the store writer (capacity 0: none,
                                   * not exported) */
        uint64_t dropped[VIEW_STORE__COUNT]; /* writes refused: queue full */
        size_t items, capacity;   /* items held (queued or done and not yet
                                   * collected), the most it holds */
        size_t bytes, bytes_capacity; /* bytes copied into queued items */
    } store;
    struct view_kerberos {        /* the check engine's Kerberos threads
                                   * (workers_max 0: unknown, not exported) */
        unsigned workers;         /* worker threads now */
        unsigned workers_max;     /* the most there can be */
        unsigned workers_peak;    /* the most at once since the start */
        unsigned queued;          /* acquisitions waiting for a worker */
        uint64_t acquisitions[VIEW_KRB__COUNT]; /* finished, by outcome */
        uint64_t tgts;            /* ticket-granting tickets acquired */
        uint64_t trust_loads;     /* trust stores (CA bundles) loaded */
    } kerberos;
    struct view_tls {             /* the check engine's TLS handshakes and
                                   * per-target session caches (known 0:
                                   * no engine, not exported) */
        int known;
        uint64_t handshakes_resumed; /* the server resumed the session offered */
        uint64_t handshakes_full;    /* a full handshake (none offered, or refused) */
        size_t cache_targets;     /* targets whose cache holds sessions now */
        size_t cache_targets_max; /* the budget: tls_session_cache */
        uint64_t cache_refused;   /* checks whose target found the budget full */
    } tls;
    const struct view_target *const *targets;
    size_t ntargets;

    /* change counters (service/api_cache.h): generation is bumped with
     * every change of a target or of the fields above (not by lag, hooks
     * and adhoc, which only /metrics shows, uncached); history_generation
     * with every committed write the history routes read (runs, incidents,
     * retention). */
    uint64_t generation;
    uint64_t history_generation;
};

/*
 * view_touch: note that something the API renders changed: bumps
 * s->generation and gives t (NULL: the service only, e.g. the target set)
 * the new value. The daemon calls it wherever it writes the view.
 */
void view_touch(struct view_service *s, struct view_target *t);

/* view_touch_history: the store committed history of t (NULL: of every
 * target, e.g. retention): bumps s->history_generation, and t's. */
void view_touch_history(struct view_service *s, struct view_target *t);

/* view_target_pending: 1 when t has never completed a run (nothing known
 * about it yet), else 0. */
int view_target_pending(const struct view_target *t);

/* view_target_find: the target named `name` in s, or NULL. */
const struct view_target *view_target_find(const struct view_service *s,
                                           const char *name);

#endif /* OAPROBE_WEB_VIEW_H */
