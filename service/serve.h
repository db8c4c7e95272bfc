/*
 * serve.h: what the files of `oaprobe serve` share (docs/internals/service.md).
 * Not for other modules: the API sees the daemon only through struct api_ops
 * (service/api.h), the renderers only through struct view_service.
 *
 *   serve.c         the command: options, start-up, signals, shutdown
 *   serve_target.c  one target: settings, secret, view fields; the name index
 *   serve_sched.c   the scheduler: phases, caps, runs, thresholds, incidents
 *   serve_caps.c    the cap on concurrent checks (fd limit, memory budget)
 *   serve_state.c   the store: restore at start, writer completions, uptime
 *                   cache, retention
 *   serve_reload.c  reload (SIGHUP, POST /-/reload) and API targets (PUT/DELETE)
 *   serve_ops.c     struct api_ops over the above
 *   serve_probe.c   ad-hoc probes (/probe?target=HOST&module=M): the
 *                   modules' secrets and one-off checks that are no target
 *
 * Everything runs on the loop thread; the store writer's worker thread is
 * reached only through store_writer.h.
 */
#ifndef OAPROBE_SERVICE_SERVE_H
#define OAPROBE_SERVICE_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/check/check.h"
#include "service/api.h"
#include "service/config.h"
#include "web/view.h"

struct loop;
struct loop_timer;
struct store;
struct store_writer;
struct tokens;
struct api;
struct hooks;
struct api_ops;
struct api_probe;        /* service/api.h: an ad-hoc probe (serve_probe.c) */
struct api_probe_result;

#define SERVE_UPTIME_REFRESH_MS 60000   /* uptime of a target read at most this often */
#define SERVE_PRUNE_EVERY_MS 600000     /* retention pass every 10 minutes */
#define SERVE_PRUNE_FIRST_MS 60000      /* the first one a minute after start */
#define SERVE_EXPIRE_GRACE_MS 600       /* check_expire this long after a deadline */
#define SERVE_FD_RESERVE 64u            /* fds kept for the store, signals, logs */
#define SERVE_SHUTDOWN_FLUSH_MS 10000   /* wait for the writer at shutdown */
#define SERVE_STORE_QUEUE_MAX 1000000u  /* --store-queue: at most this */
#define SERVE_API_RETIRE_MS 30000       /* a moved API's open connections finish */
#define SERVE_PROBE_GRACE_MS 100        /* an ad-hoc check still running this long
                                         * after its deadline is stopped (a
                                         * timeout) and answered */
#define SERVE_PROBE_TRACE_MAX (64u * 1024u) /* bytes of a debug probe's trace */
#define SERVE_STREAK_MAX 100            /* runs read for the counters at start (the
                                         * largest threshold) */

/* A caller of run_now waiting for the run in flight. */
struct serve_waiter {
    void (*done)(void *arg, const struct view_target *t, const struct oa_result *r);
    void *arg;
};

/* One target. The view comes first: a struct view_target * of the view is a
 * struct serve_target *. */
struct serve_target {
    struct view_target v;    /* v.blocked is owned here (serve_target_block): an
                              * API target not run, and why (serve_api_block) */
    struct serve *s;         /* the daemon it belongs to */
    struct cfg_target *ct;   /* owned */
    char *password;          /* secret_free; NULL: none */
    uint64_t fp;             /* cfg_target_fingerprint_secret */
    char *api_body;          /* API target: its JSON body; NULL: file target */
    struct check_trust *trust; /* the shared trust store of its cacert (a reference) */
    struct check_tls_cache *tls_cache; /* TLS sessions from one run to the next (kept
                                          across reloads: it starts over when the host
                                          or verification settings change), or NULL */
    struct check_opts opts;  /* cfg_target_opts(ct, password); v.opts points here */
    struct view_label *labels;
    enum oa_diag_code codes[OA_RESULT_MAX_DIAGS];
    struct oa_result *latest;/* the latest result (compact form), owned */
    char *latest_json;       /* restored from the store until the first run */
    unsigned sockets;        /* sockets one run may open (for the cap) */

    /* schedule */
    struct loop_timer *due_timer;   /* the next scheduled run */
    int64_t due_mono;               /* when that is (CLOCK_MONOTONIC ms) */
    int64_t run_due_mono;           /* when the run waiting or in flight was due */
    struct serve_target *qnext, *qprev; /* the wait queue (cap reached) */
    bool queued;
    bool overrun;                   /* flag the next stored run */
    bool manual;                    /* the run in flight was asked for (run_now) */
    struct check *check;            /* the run in flight, or NULL */
    struct loop_timer *expire_timer;/* check_expire safety net */
    int64_t start_mono;
    int64_t lag_ms;                 /* schedule lag of the run in flight */

    struct serve_waiter *waiters;   /* run_now callers of the run in flight */
    size_t nwaiters, capwaiters;

    int64_t uptime_read_mono;       /* last store_uptime (0: never) */
    bool uptime_due;                /* read it after the next committed run */
    size_t index;                   /* position in serve.targets */
    bool keep;                      /* reload: still configured */
};

/* The trust stores of one configuration, one per distinct cacert (NULL: the
 * system store), each loaded once (check_trust_load) and shared by the
 * checks of the targets that name it. */
struct serve_trusts {
    struct serve_trust_entry {
        char *cacert;             /* NULL: the system store */
        struct check_trust *trust;/* one reference */
    } *v;
    size_t n, cap;
};

/* A module of `modules:` ready for ad-hoc probes: its secret read and its
 * trust store loaded at start and reload, like a target's. */
struct serve_module {
    const struct cfg_module *m; /* in serve.cfg */
    char *password;             /* secret_free; NULL: none */
    struct check_trust *trust;  /* a reference */
};

/* The daemon. */
struct serve {
    struct loop *loop;
    char *config_path;
    struct cfg *cfg;                 /* its targets are moved into serve_targets */
    struct tokens *tokens;           /* NULL: no tokens file */
    struct store *st;                /* the loop's reads */
    struct store_writer *w;          /* every write */
    struct api *api;                 /* NULL until the API is up */
    struct serve_retired *retired;   /* APIs a reload moved away from */
    struct hooks *hooks;

    struct serve_trusts trusts;      /* of the running configuration */
    struct serve_target **targets;   /* file targets in file order, then API targets */
    size_t ntargets, captargets;
    const struct view_target **vtargets; /* the view's array (same order) */
    struct serve_target **slots;     /* name index: open addressing */
    size_t nslots;

    struct view_service view;
    char reload_error[1024];
    char restart_required[1200];     /* what the last reload could not apply */

    /* the caps */
    size_t max_checks;               /* concurrent checks */
    size_t cli_max_checks;           /* --max-checks (0: none; wins over the file) */
    size_t max_sockets;              /* sockets of concurrent checks */
    size_t running, sockets_used;
    struct serve_target *qhead, *qtail;
    size_t queued;
    struct check **run_keys;         /* running checks -> targets: open */
    struct serve_target **run_slots; /* addressing on the check pointer */
    size_t run_cap, run_n;

    struct serve_module *modules;    /* of serve.cfg->modules, same order */
    size_t nmodules;
    struct api_probe *probes;        /* ad-hoc probes in flight (a list) */
    size_t nprobes;

    struct loop_timer *prune_timer;
    bool prune_pending;
    uint64_t writes_dropped;
    int64_t drop_logged_mono;
    struct serve_apiw *apiw;         /* API target writes waiting for the store */
    uint64_t cfg_gen;                /* bumped by every successful reload */
    bool stopping;
    int sigfd;
};

/* ---- log (serve.c) ---- */

/* serve_log: one line "oaprobe serve: ..." on stderr. Never a secret. */
void serve_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- targets (serve_target.c) ---- */

/*
 * serve_target_new: a target from ct (taken over: freed with the target),
 * reading its secret and taking its trust store from trusts (loading it
 * there the first time: blocking, at (re)load or PUT only).
 * source: VIEW_SOURCE_FILE or _API (api_body copied).
 * err: why it failed (the secret's or the CA file's key and problem, never
 * a secret). Returns NULL on failure (ct is then freed too).
 */
struct serve_target *serve_target_new(struct cfg_target *ct, enum view_source source,
                                      const char *api_body, struct serve_trusts *trusts,
                                      char *err, size_t len);

/* serve_trusts_free: drop the references of trusts (the targets keep theirs). */
void serve_trusts_free(struct serve_trusts *trusts);

/* serve_target_adopt: give t the settings of nt (same fingerprint or not),
 * keeping t's state; nt is freed. The caller has stopped t's run and
 * schedule when the fingerprint changed. */
void serve_target_adopt(struct serve_target *t, struct serve_target *nt);

/* serve_target_block: set t->v.blocked to a copy of why,
 * or clear it (why NULL). Out of memory keeps it blocked with a fixed
 * message: never run for want of memory to say why. */
void serve_target_block(struct serve_target *t, const char *why);

/* serve_target_free: free t (its run must be stopped). NULL ok. */
void serve_target_free(struct serve_target *t);

/* serve_trusts_get: the shared trust store for cacert (NULL: the system
 * store), loaded into trusts the first time (blocking: at start, reload or
 * PUT only). Returns a new reference, or NULL (err). */
struct check_trust *serve_trusts_get(struct serve_trusts *trusts, const char *cacert, char *err,
                                     size_t len);

/* serve_sockets_of: the sockets one check with options o may hold at once
 * (for the cap). Pure. */
unsigned serve_sockets_of(const struct check_opts *o);

/* serve_find: the target called name, or NULL. */
struct serve_target *serve_find(struct serve *s, const char *name);

/* serve_insert / serve_remove: add t at the end of the list (file targets
 * before API targets: pos is where) / take t out; both keep the index and
 * the view's array. Return 0 / -1 (out of memory). */
int serve_insert(struct serve *s, struct serve_target *t, size_t pos);
void serve_remove(struct serve *s, struct serve_target *t);

/* serve_reserve: room for n targets in s->targets and s->vtargets. 0 / -1. */
int serve_reserve(struct serve *s, size_t n);

/* serve_reindex: rebuild the name index and the view's array after
 * s->targets changed (never fails when the count did not grow). 0 / -1. */
int serve_reindex(struct serve *s);

/* serve_file_count: the number of file targets (they come first). */
size_t serve_file_count(const struct serve *s);

/* serve_set_codes: the distinct diagnosis codes of r into t. */
void serve_set_codes(struct serve_target *t, const struct oa_result *r);

/* ---- scheduler (serve_sched.c) ---- */

/* serve_sched_caps: set max_checks/max_sockets from the fd limit (raising
 * the soft limit first) and the memory the process may use
 * (serve_caps.h), or an explicit cap on checks (0: none; from: where it
 * comes from, "--max-checks" or "max_checks"), and log them. */
void serve_sched_caps(struct serve *s, size_t max_checks, const char *from);

/* serve_sched_start: schedule t's next run at its phase (none for a
 * blocked target: next_run_ms 0). */
void serve_sched_start(struct serve *s, struct serve_target *t);

/* serve_sched_stop: cancel t's timers, take it off the wait queue, cancel
 * its run in flight (waiters get a NULL result). */
void serve_sched_stop(struct serve *s, struct serve_target *t);

/* serve_run_now: start t now (or queue it first in line). Returns 0, or -2
 * when a run is in flight (the waiter is added either way), -3 out of
 * memory, -4 t is blocked (serve_api_block: never run; no waiter added). */
int serve_run_now(struct serve *s, struct serve_target *t, const struct serve_waiter *w);

/* serve_sched_room: may a check holding `sockets` sockets start now
 * within the caps, with no target waiting for a place? (An ad-hoc probe
 * asks; it never waits in the queue.) */
bool serve_sched_room(const struct serve *s, unsigned sockets);

/* serve_sched_drain: start waiting targets while the caps allow (after a
 * check that was no target's ended). */
void serve_sched_drain(struct serve *s);

/* serve_on_check: the loop's loop_check_fn (a finished check). */
void serve_on_check(void *arg, struct check *c);

/* serve_phase_ms: the stable phase of name within interval_ms. Pure. */
int64_t serve_phase_ms(const char *name, int64_t interval_ms);

/* ---- state (serve_state.c) ---- */

/* serve_restore: latest run, open incident, consecutive counters and
 * uptime of every target from the store; then alerting's firing alerts
 * and the API's maintenance windows. */
void serve_restore(struct serve *s);

/* serve_restore_api_targets: the targets added through the API (stored),
 * minus names the file now has. */
void serve_restore_api_targets(struct serve *s);

/* serve_writer_ready: the loop_fd_fn of the writer's eventfd. */
void serve_writer_ready(void *arg, int fd, uint32_t events);

/* serve_uptime_read: refresh t's uptime from the rollups now. */
void serve_uptime_read(struct serve *s, struct serve_target *t);

/* serve_prune_schedule: arm the retention timer. */
void serve_prune_schedule(struct serve *s, int64_t in_ms);

/* serve_writer_full: count (and log, at most every 10 s) a write refused
 * by the writer (queue full). */
void serve_writer_full(struct serve *s, const char *what, const char *target, int rc);

/* ---- reload and API targets (serve_reload.c) ---- */

/*
 * serve_api_block: judge the API target t under cfg's api.allow_hosts
 * (cfg_api_allowed) and set or clear t->v.blocked: a
 * blocked target is kept (view, store) but never run, since it would send
 * the defaults' credentials to a host the file does not allow. Logs a
 * change, prefixed by when ("", "reload: "). File targets are never
 * blocked. Returns true when the verdict changed. The caller stops or
 * starts the schedule.
 */
bool serve_api_block(const struct cfg *cfg, struct serve_target *t, const char *when);

/* serve_reload: load the file again and apply it (see service.md). Returns
 * 0, or -1 with the old configuration still running and err saying why. */
int serve_reload(struct serve *s, char *err, size_t len);

/* serve_target_put / serve_target_delete: api_ops.target_put / _delete
 * (the target changes once the store committed the write). */
int serve_target_put(struct serve *s, const char *name, const char *body, size_t len,
                     struct cfg_errs *errs, api_write_done done, void *arg);
int serve_target_delete(struct serve *s, const char *name, api_write_done done, void *arg);

/* serve_api_writes_finish: at shutdown, before the API closes: wait for the
 * writer (SERVE_SHUTDOWN_FLUSH_MS at most) and answer the API's writes it
 * committed (targets, maintenance windows); the target writes still waiting
 * are answered STORE_ESTOPPED (the windows' by hooks_free). */
void serve_api_writes_finish(struct serve *s);

/* ---- ad-hoc probes (serve_probe.c) ---- */

/*
 * serve_modules_load: every module of cfg with its secret read and its
 * trust store taken from trusts, into *out / *n (serve_modules_free).
 * Returns 0, or -1 with err naming the module and the problem.
 */
int serve_modules_load(const struct cfg *cfg, struct serve_trusts *trusts,
                       struct serve_module **out, size_t *n, char *err, size_t len);

/* serve_modules_free: wipe the secrets, drop the trust references. */
void serve_modules_free(struct serve_module *v, size_t n);

/* serve_probe_start / serve_probe_cancel: api_ops.probe_start / _cancel. */
int serve_probe_start(struct serve *s, const char *host, const char *module, unsigned budget_ms,
                      bool debug, void (*done)(void *arg, const struct api_probe_result *res),
                      void *arg, struct api_probe **out, char *err, size_t len);
void serve_probe_cancel(struct serve *s, struct api_probe *p);

/* serve_probe_finished: the finished check c is an ad-hoc probe's: answer
 * it and free it. Returns false when c is no probe's. */
bool serve_probe_finished(struct serve *s, struct check *c);

/* serve_probes_stop: at shutdown: stop every ad-hoc probe (done gets a
 * NULL result). */
void serve_probes_stop(struct serve *s);

/* ---- the API's operations (serve_ops.c) ---- */

/* serve_api_ops: the daemon's struct api_ops (ctx: the struct serve). */
const struct api_ops *serve_api_ops(void);

/* serve_api_start: api_new on cfg->listen with the daemon's ops. Returns 0
 * or -1 (err). */
int serve_api_start(struct serve *s, char *err, size_t len);

/* serve_api_move: listen on l (n addresses) instead: a new API first (on
 * failure -1 with err, nothing changed), then the old one takes no new
 * connection and is freed once its open ones are done (at most
 * SERVE_API_RETIRE_MS; its event streams end at once). */
int serve_api_move(struct serve *s, const struct cfg_listen *l, size_t n, char *err,
                   size_t len);

/* serve_api_stop: close the API and those still retiring (after every run
 * was stopped). */
void serve_api_stop(struct serve *s);

/* serve_publish_result / serve_publish_state: tell the API's event stream
 * and the hooks. from: OA_STATE__COUNT when t was pending. */
void serve_publish_result(struct serve *s, struct serve_target *t);
void serve_publish_state(struct serve *s, struct serve_target *t, enum oa_state from,
                         int64_t at_ms);

#endif /* OAPROBE_SERVICE_SERVE_H */
