/*
 * serve_sched.c: the scheduler of `oaprobe serve` (docs/internals/service.md).
 *
 * Each target runs at wall-clock times k * interval + phase, where the
 * phase is a stable hash of its name: targets spread over the interval, and
 * a restart or a reload keeps each one's slot. Once armed, the next slot is
 * the previous one plus the interval on CLOCK_MONOTONIC (no drift, no jump
 * with the wall clock).
 *
 * When a slot comes:
 *  - a run of the target still in flight: an overrun is counted (and flagged
 *    on the next stored run), nothing is queued;
 *  - the caps (checks at once, sockets at once) are reached: the target
 *    waits in a FIFO queue (once; a slot that comes while it waits is an
 *    overrun too);
 *  - else the check starts. The schedule lag (start - slot) goes into
 *    view_service.lag and the stored run, never into the latency, which is
 *    the engine's own measure from its start.
 *
 * A finished check (serve_on_check, or the expire timer past its deadline)
 * gives the run: thresholds decide the target's status, a change opens or
 * closes an incident, the run goes to the writer, the API and the hooks
 * hear of it, run_now callers get the result.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "service/api.h"
#include "service/hooks.h"
#include "service/loop.h"
#include "service/serve.h"
#include "service/serve_caps.h"
#include "service/store_writer.h"
#include "web/render_json.h"

/* ---- running checks: check -> target ------------------------------------- */


static size_t ptr_slot(const void *p, size_t cap)
{
    uintptr_t x = (uintptr_t)p;
    x ^= x >> 17;
    x *= 0xed5ad4bbu;
    x ^= x >> 11;
    return (size_t)x & (cap - 1);
}

static int runmap_put(struct serve *s, struct check *c, struct serve_target *t);

static int runmap_grow(struct serve *s)
{
    size_t cap = s->run_cap ? s->run_cap * 2 : 64;
    struct serve_target **slots = calloc(cap, sizeof *slots);
    struct check **keys = calloc(cap, sizeof *keys);
    if (slots == NULL || keys == NULL) {
        free(slots);
        free(keys);
        return -1;
    }
    struct serve_target **os = s->run_slots;
    struct check **ok = s->run_keys;
    size_t ocap = s->run_cap;
    s->run_slots = slots;
    s->run_keys = keys;
    s->run_cap = cap;
    s->run_n = 0;
    for (size_t i = 0; i < ocap; i++)
        if (ok[i] != NULL)
            (void)runmap_put(s, ok[i], os[i]);
    free(os);
    free(ok);
    return 0;
}

static int runmap_put(struct serve *s, struct check *c, struct serve_target *t)
{
    if ((s->run_n + 1) * 2 > s->run_cap && runmap_grow(s) != 0)
        return -1;
    size_t k = ptr_slot(c, s->run_cap);
    while (s->run_keys[k] != NULL)
        k = (k + 1) & (s->run_cap - 1);
    s->run_keys[k] = c;
    s->run_slots[k] = t;
    s->run_n++;
    return 0;
}

static struct serve_target *runmap_get(struct serve *s, const struct check *c)
{
    if (s->run_cap == 0)
        return NULL;
    size_t k = ptr_slot(c, s->run_cap);
    while (s->run_keys[k] != NULL) {
        if (s->run_keys[k] == c)
            return s->run_slots[k];
        k = (k + 1) & (s->run_cap - 1);
    }
    return NULL;
}

/* Remove with backward shift (no tombstones). */
static void runmap_del(struct serve *s, const struct check *c)
{
    if (s->run_cap == 0)
        return;
    size_t k = ptr_slot(c, s->run_cap);
    while (s->run_keys[k] != NULL && s->run_keys[k] != c)
        k = (k + 1) & (s->run_cap - 1);
    if (s->run_keys[k] == NULL)
        return;
    s->run_keys[k] = NULL;
    s->run_slots[k] = NULL;
    s->run_n--;
    size_t j = k;
    for (;;) {
        j = (j + 1) & (s->run_cap - 1);
        if (s->run_keys[j] == NULL)
            break;
        size_t home = ptr_slot(s->run_keys[j], s->run_cap);
        /* move j back to k when its home is not in (k, j] cyclically */
        bool between = k <= j ? (home > k && home <= j) : (home > k || home <= j);
        if (!between) {
            s->run_keys[k] = s->run_keys[j];
            s->run_slots[k] = s->run_slots[j];
            s->run_keys[j] = NULL;
            s->run_slots[j] = NULL;
            k = j;
        }
    }
}

/* ---- caps ------------------------------------------------------------------ */

void serve_sched_caps(struct serve *s, size_t max_checks, const char *from)
{
    struct rlimit rl;
    rlim_t soft = 1024;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        soft = rl.rlim_cur;
        if (rl.rlim_cur != rl.rlim_max) {
            struct rlimit up = {.rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max};
            if (up.rlim_cur == RLIM_INFINITY || up.rlim_cur > (1u << 20))
                up.rlim_cur = 1u << 20;
            if (up.rlim_cur > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &up) == 0)
                soft = up.rlim_cur;
        }
    }
    if (soft == RLIM_INFINITY || soft > (1u << 20))
        soft = 1u << 20;
    struct serve_caps_in in = {
        .fd_soft = soft,
        .fd_reserve = SERVE_FD_RESERVE,
        .api_fds = (size_t)(s->cfg ? s->cfg->n_listen : 1) * API_CONNECTIONS_MAX +
                   API_SSE_CLIENTS_MAX,
        .explicit_checks = max_checks,
        .explicit_from = from,
    };
    serve_mem_read("/proc/self/cgroup", "/sys/fs/cgroup", "/proc/meminfo", &in.mem);
    struct serve_caps c;
    serve_caps_compute(&in, &c);
    s->max_sockets = c.max_sockets;
    s->max_checks = c.max_checks;
    s->view.checks_max = c.max_checks;
    char line[600];
    serve_log("%s", serve_caps_describe(&in, &c, line, sizeof line));
}

static bool can_start(const struct serve *s, const struct serve_target *t)
{
    if (s->running == 0)
        return true; /* one check always runs, however many sockets it wants */
    return s->running < s->max_checks && s->sockets_used + t->sockets <= s->max_sockets;
}

static void enqueue(struct serve *s, struct serve_target *t, bool front)
{
    t->queued = true;
    if (front) {
        t->qprev = NULL;
        t->qnext = s->qhead;
        if (s->qhead)
            s->qhead->qprev = t;
        else
            s->qtail = t;
        s->qhead = t;
    } else {
        t->qnext = NULL;
        t->qprev = s->qtail;
        if (s->qtail)
            s->qtail->qnext = t;
        else
            s->qhead = t;
        s->qtail = t;
    }
    s->queued++;
}

static void dequeue(struct serve *s, struct serve_target *t)
{
    if (!t->queued)
        return;
    if (t->qprev)
        t->qprev->qnext = t->qnext;
    else
        s->qhead = t->qnext;
    if (t->qnext)
        t->qnext->qprev = t->qprev;
    else
        s->qtail = t->qprev;
    t->qnext = t->qprev = NULL;
    t->queued = false;
    s->queued--;
}

/* ---- phases and slots ------------------------------------------------------- */

int64_t serve_phase_ms(const char *name, int64_t interval_ms)
{
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return interval_ms > 0 ? (int64_t)(h % (uint64_t)interval_ms) : 0;
}

static void on_due(void *arg);

static void arm(struct serve *s, struct serve_target *t, int64_t due)
{
    t->due_mono = due;
    t->v.next_run_ms = loop_wall_ms() + (due - loop_now_ms(s->loop));
    view_touch(&s->view, &t->v);
    t->due_timer = loop_timer_at(s->loop, due, on_due, t);
    if (t->due_timer == NULL)
        serve_log("target %s: out of memory: not scheduled", t->v.name);
}

void serve_sched_start(struct serve *s, struct serve_target *t)
{
    t->s = s;
    if (t->v.blocked != NULL) { /* serve_api_block: never run */
        t->v.next_run_ms = 0;
        view_touch(&s->view, &t->v);
        return;
    }
    int64_t iv = t->v.interval_ms;
    int64_t wall = loop_wall_ms();
    int64_t r = ((wall - serve_phase_ms(t->v.name, iv)) % iv + iv) % iv;
    arm(s, t, loop_now_ms(s->loop) + (iv - r));
}

/* ---- starting a run --------------------------------------------------------- */

static void finish(struct serve *s, struct serve_target *t);

static void on_expire(void *arg)
{
    struct serve_target *t = arg;
    struct serve *s = t->s;
    t->expire_timer = NULL;
    if (t->check == NULL || check_expire(t->check)) {
        finish(s, t);
        return;
    }
    t->expire_timer = loop_timer_at(s->loop, loop_now_ms(s->loop) + 200, on_expire, t);
}

static void start(struct serve *s, struct serve_target *t)
{
    char err[256] = "";
    int64_t now = loop_now_ms(s->loop);
    t->start_mono = now;
    t->lag_ms = t->manual ? 0 : now - t->run_due_mono;
    if (t->lag_ms < 0)
        t->lag_ms = 0;
    if (!t->manual)
        view_hist_observe(&s->view.lag, (double)t->lag_ms / 1000.0);
    t->v.running = 1;
    view_touch(&s->view, &t->v);
    s->running++;
    s->sockets_used += t->sockets;
    struct check *c = check_new(&t->opts, err, sizeof err);
    if (c != NULL && runmap_put(s, c, t) != 0) {
        check_free(c);
        c = NULL;
        snprintf(err, sizeof err, "out of memory");
    }
    t->check = c;
    if (c == NULL) {
        serve_log("target %s: cannot start a check: %s", t->v.name, err);
    } else if (check_start(c, loop_multi(s->loop)) == 0 && !check_done(c)) {
        t->expire_timer = loop_timer_at(s->loop, check_deadline_ms(c) + SERVE_EXPIRE_GRACE_MS,
                                        on_expire, t);
        if (t->expire_timer != NULL)
            return;
    }
    /* done already (could not start), or no timer: finish from the loop,
     * never inside the caller (run_now's caller expects done later) */
    t->expire_timer = loop_timer_at(s->loop, now, on_expire, t);
    if (t->expire_timer == NULL)
        finish(s, t);
}

bool serve_sched_room(const struct serve *s, unsigned sockets)
{
    if (s->qhead != NULL)
        return false; /* targets wait for a free place: they go first */
    if (s->running == 0)
        return true;
    return s->running < s->max_checks && s->sockets_used + sockets <= s->max_sockets;
}

static void drain_queue(struct serve *s)
{
    while (s->qhead != NULL && !s->stopping && can_start(s, s->qhead)) {
        struct serve_target *t = s->qhead;
        dequeue(s, t);
        start(s, t);
    }
}

static void try_start(struct serve *s, struct serve_target *t, bool front)
{
    if (s->qhead == NULL && can_start(s, t))
        start(s, t);
    else if (front && can_start(s, t))
        start(s, t);
    else
        enqueue(s, t, front);
}

static void on_due(void *arg)
{
    struct serve_target *t = arg;
    struct serve *s = t->s;
    t->due_timer = NULL;
    if (t->v.blocked != NULL) /* blocked since it was armed (never: the stop cancels) */
        return;
    int64_t due = t->due_mono;
    int64_t iv = t->v.interval_ms;
    int64_t now = loop_now_ms(s->loop);
    int64_t next = due + iv;
    if (next <= now) /* the loop was held up (or the machine slept): next slot ahead */
        next = now + (iv - (now - due) % iv);
    arm(s, t, next);
    if (t->check != NULL || t->queued) {
        if (t->manual && !t->queued)
            return; /* a run asked for through the API covers this slot */
        t->v.overruns++;
        view_touch(&s->view, &t->v);
        t->overrun = true;
        serve_log("target %s: overrun: the previous run is still %s at its next slot",
                  t->v.name, t->queued ? "waiting for a free slot" : "in flight");
        return;
    }
    t->manual = false;
    t->run_due_mono = due;
    try_start(s, t, false);
}

int serve_run_now(struct serve *s, struct serve_target *t, const struct serve_waiter *w)
{
    if (t->v.blocked != NULL)
        return -4;
    if (w != NULL) {
        if (t->nwaiters == t->capwaiters) {
            size_t cap = t->capwaiters ? t->capwaiters * 2 : 4;
            struct serve_waiter *p = realloc(t->waiters, cap * sizeof *p);
            if (p == NULL)
                return -3;
            t->waiters = p;
            t->capwaiters = cap;
        }
        t->waiters[t->nwaiters++] = *w;
    }
    if (t->check != NULL)
        return -2;
    if (t->queued) {
        dequeue(s, t); /* move it to the front */
        enqueue(s, t, true);
        return 0;
    }
    t->manual = true;
    t->run_due_mono = loop_now_ms(s->loop);
    try_start(s, t, true);
    return 0;
}

/* ---- a finished run --------------------------------------------------------- */

/* The step timings kept with every run: [{"name","status","duration_seconds",
 * "server","port"}...]. NULL when out of memory or too long. */
static char *steps_json(const struct oa_result *r)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < r->nsteps; i++) {
        const struct oa_step *st = &r->steps[i];
        json_t *o = json_pack("{s:s, s:s, s:f}", "name", oa_step_kind_name(st->kind), "status",
                              oa_state_name(st->status), "duration_seconds",
                              (double)st->duration_us / 1e6);
        if (o != NULL && st->server[0] != '\0')
            json_object_set_new(o, "server", json_string(st->server));
        if (o != NULL && st->port != 0)
            json_object_set_new(o, "port", json_integer(st->port));
        if (o == NULL || json_array_append_new(a, o) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    char *text = a ? json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
    json_decref(a);
    if (text != NULL && strlen(text) > STORE_STEPS_MAX) {
        free(text);
        text = NULL;
    }
    return text;
}

/* The Nagios code the store keeps for a state. */
static int store_status(enum oa_state st)
{
    return oa_state_exit_code(st == OA_STATE_SKIPPED ? OA_STATE_UNKNOWN : st);
}

static void log_change(const struct serve_target *t, const char *from, enum oa_state to)
{
    char codes[512] = "";
    size_t off = 0;
    for (size_t i = 0; i < t->v.ncodes && off < sizeof codes; i++) {
        int n = snprintf(codes + off, sizeof codes - off, "%s%s", i ? "," : "",
                         oa_diag_code_name(t->codes[i]));
        if (n < 0)
            break;
        off += (size_t)n;
    }
    serve_log("target %s: %s -> %s%s%s%s", t->v.name, from, oa_state_name(to),
              t->v.ncodes ? " (" : "", codes, t->v.ncodes ? ")" : "");
}

/* Thresholds: the target's status after a run with status raw. */
static void apply_thresholds(struct serve *s, struct serve_target *t, enum oa_state raw,
                             int64_t at_ms, bool was_pending)
{
    struct view_target *v = &t->v;
    bool bad = raw != OA_STATE_OK;
    if (bad) {
        v->consecutive_failures++;
        v->consecutive_successes = 0;
    } else {
        v->consecutive_successes++;
        v->consecutive_failures = 0;
    }
    enum oa_state from = v->status, to = from;
    if (was_pending)
        to = raw; /* nothing to protect yet: the first run decides */
    else if (from == OA_STATE_OK)
        to = bad && v->consecutive_failures >= v->failure_threshold ? raw : from;
    else if (!bad)
        to = v->consecutive_successes >= v->success_threshold ? OA_STATE_OK : from;
    else
        to = raw; /* from one problem to another */
    if (!was_pending && to == from)
        return;
    v->status = to;
    v->since_ms = at_ms;
    const char *codes[OA_RESULT_MAX_DIAGS];
    for (size_t i = 0; i < v->ncodes; i++)
        codes[i] = oa_diag_code_name(t->codes[i]);
    int rc = 0;
    if (to != OA_STATE_OK) {
        /* a new problem, or another one: an incident (the store closes the
         * previous one at the same time) */
        rc = store_writer_incident_open(s->w, v->name,
                                        was_pending ? STORE_STATUS_PENDING : store_status(from),
                                        store_status(to), at_ms, codes, v->ncodes, NULL);
        v->incident_started_ms = at_ms;
    } else if (!was_pending) {
        rc = store_writer_incident_close(s->w, v->name, at_ms, NULL);
        v->incident_started_ms = 0;
    }
    if (rc < 0)
        serve_writer_full(s, "incident", v->name, rc);
    log_change(t, was_pending ? "pending" : oa_state_name(from), to);
    serve_publish_state(s, t, was_pending ? OA_STATE__COUNT : from, at_ms);
}

static void record(struct serve *s, struct serve_target *t, struct oa_result *r)
{
    struct view_target *v = &t->v;
    bool was_pending = view_target_pending(v);
    enum oa_state raw = oa_result_status(r);
    enum oa_state from = v->status;
    int64_t now_wall = loop_wall_ms();
    v->maintenance = hooks_maintenance(s->hooks, v, r->started_at_ms) ? 1 : 0;
    v->last_status = raw;
    v->last_run_ms = r->started_at_ms;
    v->latency_us = r->duration_us;
    if (raw < OA_STATE__COUNT)
        v->runs[raw]++;
    serve_set_codes(t, r);
    oa_result_free(t->latest);
    t->latest = r;
    v->latest = r;
    free(t->latest_json);
    t->latest_json = NULL;
    v->latest_json = NULL;
    apply_thresholds(s, t, raw, r->started_at_ms, was_pending);
    view_touch(&s->view, v);

    const char *codes[OA_RESULT_MAX_DIAGS];
    for (size_t i = 0; i < v->ncodes; i++)
        codes[i] = oa_diag_code_name(t->codes[i]);
    char *steps = steps_json(r);
    char *json = render_json(r, 0);
    if (json != NULL && strlen(json) > STORE_RESULT_MAX) {
        free(json);
        json = NULL;
    }
    struct store_run run = {
        .target = v->name,
        .started_at = r->started_at_ms,
        .duration_ms = r->duration_us / 1000,
        .status = store_status(raw),
        .codes = codes,
        .ncodes = v->ncodes,
        .steps_json = steps,
        .result_json = json,
        .lag_ms = t->lag_ms,
        .flags = (t->overrun ? STORE_RUN_OVERRUN : 0u) | (t->manual ? STORE_RUN_KEEP_RESULT : 0u) |
                 (v->maintenance ? STORE_RUN_MAINTENANCE : 0u),
    };
    t->overrun = false;
    int rc = store_writer_run(s->w, &run, NULL);
    free(steps);
    free(json);
    if (rc < 0)
        serve_writer_full(s, "run", v->name, rc);
    else
        t->uptime_due = true; /* read the rollups once this run is committed */
    serve_publish_result(s, t);
    hooks_on_result(s->hooks, v, from, now_wall);
}

static void call_waiters(struct serve_target *t, const struct oa_result *r)
{
    /* a waiter may ask for another run: take the list first */
    struct serve_waiter *w = t->waiters;
    size_t n = t->nwaiters;
    t->waiters = NULL;
    t->nwaiters = t->capwaiters = 0;
    for (size_t i = 0; i < n; i++)
        w[i].done(w[i].arg, &t->v, r);
    free(w);
}

/* The run of t ended (or could not start, or was cancelled: r NULL). */
static void end_run(struct serve *s, struct serve_target *t, bool cancelled)
{
    struct check *c = t->check;
    loop_timer_cancel(s->loop, t->expire_timer);
    t->expire_timer = NULL;
    t->check = NULL;
    if (c != NULL)
        runmap_del(s, c);
    s->running--;
    s->sockets_used -= t->sockets;
    t->v.running = 0;
    view_touch(&s->view, &t->v);
    struct oa_result *r = NULL;
    if (c != NULL && !cancelled) {
        r = check_take_result(c); /* kept as the target's latest */
        if (r != NULL)
            record(s, t, r);
        else
            serve_log("target %s: the check ended without a result (out of memory)", t->v.name);
    }
    call_waiters(t, r);
    t->manual = false;
    check_free(c);
}

static void finish(struct serve *s, struct serve_target *t)
{
    end_run(s, t, false);
    drain_queue(s);
}

void serve_sched_drain(struct serve *s)
{
    drain_queue(s);
}

void serve_on_check(void *arg, struct check *c)
{
    struct serve *s = arg;
    struct serve_target *t = runmap_get(s, c);
    if (t == NULL && serve_probe_finished(s, c))
        return; /* an ad-hoc probe (serve_probe.c) */
    if (t == NULL) {
        serve_log("a finished check belongs to no target (freed)");
        check_free(c);
        return;
    }
    finish(s, t);
}

void serve_sched_stop(struct serve *s, struct serve_target *t)
{
    loop_timer_cancel(s->loop, t->due_timer);
    t->due_timer = NULL;
    t->v.next_run_ms = 0;
    view_touch(&s->view, &t->v);
    dequeue(s, t);
    if (t->v.running) {
        check_cancel(t->check);
        end_run(s, t, true);
    } else {
        call_waiters(t, NULL); /* waiting in the queue for a run_now */
    }
    t->manual = false;
    t->overrun = false;
    drain_queue(s);
}
