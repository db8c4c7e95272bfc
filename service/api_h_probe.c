/*
 * api_h_probe.c: GET /probe?target=&module=&debug= (issue 9), blackbox
 * compatible: Prometheus' scrape drives one check and gets that check's
 * metrics only; a failed check is 200 with probe_success 0, only a bad
 * request is an error (400 with a message naming the problem).
 *
 *   target=NAME of a configured target: runs that target now (a run like
 *      POST .../run: stored, alerting). `module`, when given, must name a
 *      module.
 *   target=HOST&module=M, HOST no target's name: an ad-hoc probe of HOST
 *      (NAME, NAME:PORT, [IPv6], [IPv6]:PORT: what a target's `host:`
 *      accepts) with the settings of module M of `modules:`, through
 *      api_ops.probe_start: not stored, no alert, not in /api/v1/targets or
 *      /metrics. Needs `modules:` in the configuration. A module that
 *      carries credentials is sent only to the hosts of its allow_hosts
 *      (and any module that has allow_hosts): another host is 403 with a
 *      message naming the module and the key, and nothing is sent.
 *
 * Deadline: X-Prometheus-Scrape-Timeout-Seconds minus API_PROBE_OFFSET_MS
 * (blackbox_exporter's default --timeout-offset, 0.5 s; at least
 * API_PROBE_MIN_MS), or API_PROBE_DEFAULT_MS without the header; the
 * target's or module's own timeout wins when smaller; exported as
 * probe_timeout_seconds.
 *  - ad-hoc: the deadline is the check's timeout; a check still running
 *    shortly after it is stopped as a timeout (the daemon does it) and
 *    answered with probe_success 0 and the `timeout` diagnosis;
 *  - configured target: the run keeps its own timeout and is recorded in
 *    full; when the scrape deadline comes first the answer is
 *    probe_success 0 with a `timeout` diagnosis at that deadline, and the
 *    run goes on.
 *
 * While the check runs the connection is suspended (nothing blocks the
 * loop) and its socket is watched on the loop for the client going away
 * (EPOLLRDHUP, HUP, ERR: a suspended connection is out of MHD's own epoll
 * set): then an ad-hoc probe is cancelled and freed at once, a configured
 * run goes on and is recorded. The request's end (MHD's completion
 * callback, api_req.on_free) cancels the same way.
 *
 * debug=true: text/plain as blackbox: the engine's trace (ad-hoc), the
 * result's plugin text, the metrics that would have been returned and the
 * settings the check ran with, secrets redacted.
 */
#include "service/api_h.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "service/api_int.h"
#include "service/hooks.h"
#include "service/loop.h"
#include "web/render_metrics.h"
#include "web/render_probe.h"

#define API_PROBE_OFFSET_MS 500      /* subtracted from the scrape timeout */
#define API_PROBE_DEFAULT_MS 120000  /* without X-Prometheus-Scrape-Timeout-Seconds */
#define API_PROBE_MIN_MS 100         /* the shortest deadline a header gives */
#define API_PROBE_RUN_GRACE_MS 650   /* a configured run limited by its own
                                      * timeout gets this long past it to come
                                      * back (the daemon's expire net is 600 ms) */
#define PROBE_WAIT_MAGIC 0x70776169u /* "pwai" */

struct probe_wait {
    unsigned magic;
    struct api_req *r;           /* NULL once answered or the client is gone */
    struct loop *l;
    const struct api_ops *ops;
    void *ctx;
    int fd;                      /* the client's socket watched on the loop; -1 */
    struct loop_timer *deadline; /* configured target: the answer at the deadline */
    struct api_probe *p;         /* ad-hoc: the daemon's probe while it runs */
    bool running;                /* configured: the run has not called back yet */
    bool debug;
    unsigned timeout_ms;
    int64_t started_ms;          /* wall clock, for the deadline's result */
    char host[300];              /* for the deadline's result */
};

static void probe_text(struct api_req *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void probe_text(struct api_req *r, unsigned status, const char *fmt, ...)
{
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t n = strlen(buf);
    char *body = malloc(n + 2);
    if (body != NULL) {
        memcpy(body, buf, n);
        body[n++] = '\n';
        body[n] = '\0';
    }
    api_reply(r, status, "text/plain; charset=utf-8", body, body != NULL ? n : 0);
}

static void wait_unwatch(struct probe_wait *w)
{
    if (w->fd >= 0)
        loop_fd_del(w->l, w->fd);
    w->fd = -1;
}

/* Nobody holds w any more: free it. */
static void wait_maybe_free(struct probe_wait *w)
{
    if (w->r == NULL && w->p == NULL && !w->running) {
        loop_timer_cancel(w->l, w->deadline);
        w->magic = 0;
        free(w);
    }
}

/* Take the request out of w to answer it (nothing fires for it after). */
static struct api_req *wait_take(struct probe_wait *w)
{
    struct api_req *r = w->r;
    wait_unwatch(w);
    loop_timer_cancel(w->l, w->deadline);
    w->deadline = NULL;
    w->r = NULL;
    if (r != NULL) {
        r->on_free = NULL;
        r->on_free_arg = NULL;
    }
    return r;
}

/* Answer with the metrics of res (NULL: none) and, for debug, the text. */
static void answer(struct api_req *r, bool debug, const struct oa_result *res, unsigned timeout_ms,
                   const char *trace, const char *profile)
{
    size_t mlen = 0;
    char *metrics = render_metrics_probe(res, (double)timeout_ms / 1000.0, &mlen);
    if (metrics == NULL) {
        api_error(r, 500, "internal", "cannot render the metrics");
        return;
    }
    if (!debug) {
        api_reply(r, 200, RENDER_METRICS_CONTENT_TYPE, metrics, mlen);
        return;
    }
    size_t len = 0;
    char *text = render_probe_debug(trace, res, "the check did not end", metrics, profile, &len);
    free(metrics);
    if (text == NULL) {
        api_error(r, 500, "internal", "cannot render the debug text");
        return;
    }
    api_reply(r, 200, "text/plain; charset=utf-8", text, len);
}

/* The settings of a configured target as a profile (never its password). */
static char *target_profile(const struct view_target *t)
{
    if (t == NULL)
        return NULL;
    struct render_probe_profile pr = {
        .target = t->name,
        .opts = t->opts,
        .password_key = t->opts != NULL && t->opts->password != NULL ? "password" : NULL,
    };
    return render_probe_profile(&pr);
}

/* ---- the client going away while suspended -------------------------------- */

static void on_client(void *arg, int fd, uint32_t events)
{
    (void)fd;
    (void)events;
    struct probe_wait *w = arg;
    if (w->p != NULL) {
        w->ops->probe_cancel(w->ctx, w->p); /* freed now; done is not called */
        w->p = NULL;
    }
    struct api_req *r = wait_take(w);
    /* resume the connection: MHD finds it closed and completes it */
    if (r != NULL)
        api_error(r, 503, "unavailable", "the client went away");
    wait_maybe_free(w);
}

static void wait_watch(struct probe_wait *w, struct api_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci == NULL)
        return;
    int fd = (int)ci->connect_fd;
    if (loop_fd_add(w->l, fd, EPOLLRDHUP, on_client, w) == 0)
        w->fd = fd;
}

/* The request ended without an answer from us (MHD completed it, or the api
 * is freed). */
static void on_req_free(void *arg)
{
    struct probe_wait *w = arg;
    w->r = NULL;
    wait_unwatch(w);
    loop_timer_cancel(w->l, w->deadline);
    w->deadline = NULL;
    if (w->p != NULL) {
        w->ops->probe_cancel(w->ctx, w->p);
        w->p = NULL;
    }
    wait_maybe_free(w);
}

static struct probe_wait *wait_new(struct api_req *r, bool debug, unsigned timeout_ms,
                                   const char *host)
{
    struct probe_wait *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->magic = PROBE_WAIT_MAGIC;
    w->r = r;
    w->l = api_req_api(r)->loop;
    w->ops = api_req_ops(r);
    w->ctx = api_req_ctx(r);
    w->fd = -1;
    w->debug = debug;
    w->timeout_ms = timeout_ms;
    w->started_ms = api_req_now_ms(r);
    snprintf(w->host, sizeof w->host, "%s", host);
    return w;
}

/* ---- a configured target ---------------------------------------------------- */

static void target_done(void *arg, const struct view_target *t, const struct oa_result *res)
{
    struct probe_wait *w = arg;
    w->running = false;
    struct api_req *r = w->r != NULL && w->r->state == REQ_DEFERRED ? wait_take(w) : NULL;
    if (r != NULL) {
        char *profile = w->debug ? target_profile(t) : NULL;
        answer(r, w->debug, res, w->timeout_ms, NULL, profile);
        free(profile);
    }
    wait_maybe_free(w);
}

/* The scrape deadline came before the run: probe_success 0 and a timeout
 * diagnosis now; the run goes on and is recorded. */
static void target_deadline(void *arg)
{
    struct probe_wait *w = arg;
    w->deadline = NULL;
    struct api_req *r = w->r != NULL && w->r->state == REQ_DEFERRED ? wait_take(w) : NULL;
    if (r == NULL)
        return;
    struct oa_result *res = oa_result_new(w->host, w->started_ms);
    if (res != NULL) {
        oa_result_set_duration(res, (int64_t)w->timeout_ms * 1000);
        oa_result_add_diag(res, OA_DIAG_TIMEOUT, OA_STEP_NONE, NULL, 0,
                           "the scrape's deadline of %u ms passed before the run ended (the "
                           "run goes on and is recorded)",
                           w->timeout_ms);
    }
    answer(r, w->debug, res, w->timeout_ms, NULL, NULL);
    oa_result_free(res);
}

static void probe_target(struct api_req *r, const struct view_target *t, unsigned budget_ms,
                         bool debug)
{
    const struct api_ops *ops = api_req_ops(r);
    unsigned own = t->timeout_ms > 0 ? (unsigned)t->timeout_ms : 0;
    unsigned timeout_ms = own > 0 && own < budget_ms ? own : budget_ms;
    if (t->blocked != NULL) { /* never run (run_now would say -4) */
        probe_text(r, 403, "Target \"%.100s\" is not run: %.400s", t->name, t->blocked);
        return;
    }
    if (ops->run_now == NULL) {
        api_error(r, 503, "unavailable", "runs cannot be started through this server");
        return;
    }
    struct probe_wait *w = wait_new(r, debug, timeout_ms, t->host != NULL ? t->host : t->name);
    if (w == NULL) {
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    r->on_free = on_req_free;
    r->on_free_arg = w;
    api_defer(r);
    /* the answer at the scrape deadline at the latest; when the target's
     * own timeout is shorter, its own result (a timeout of its own) is
     * waited for a little past it, within the scrape deadline */
    unsigned wait_ms = budget_ms;
    if (own > 0 && own < budget_ms && own + API_PROBE_RUN_GRACE_MS < budget_ms)
        wait_ms = own + API_PROBE_RUN_GRACE_MS;
    w->deadline = loop_timer_at(w->l, loop_now_ms(w->l) + wait_ms, target_deadline, w);
    w->running = true;
    int rc = ops->run_now(api_req_ctx(r), t->name, target_done, w);
    if (rc == -1 || rc == -4) {
        w->running = false;
        (void)wait_take(w);
        wait_maybe_free(w);
        if (rc == -4)
            probe_text(r, 403, "Target \"%.100s\" is not run (api.allow_hosts)", t->name);
        else
            probe_text(r, 400, "Unknown target \"%.100s\"", t->name);
        return;
    }
    wait_watch(w, r);
}

/* ---- an ad-hoc probe -------------------------------------------------------- */

static void adhoc_done(void *arg, const struct api_probe_result *res)
{
    struct probe_wait *w = arg;
    w->p = NULL;
    struct api_req *r = w->r != NULL && w->r->state == REQ_DEFERRED ? wait_take(w) : NULL;
    if (r != NULL) {
        if (res->r == NULL)
            api_error(r, 503, "unavailable", "the service is shutting down");
        else
            answer(r, w->debug, res->r, res->timeout_ms, res->trace, res->profile);
    }
    wait_maybe_free(w);
}

static void probe_adhoc(struct api_req *r, const char *host, const char *module,
                        unsigned budget_ms, bool debug)
{
    const struct api_ops *ops = api_req_ops(r);
    if (ops->probe_start == NULL || ops->probe_cancel == NULL) {
        probe_text(r, 400,
                   "Unknown target \"%.100s\": this server probes configured targets only",
                   host);
        return;
    }
    struct probe_wait *w = wait_new(r, debug, budget_ms, host);
    if (w == NULL) {
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    char err[512] = "";
    struct api_probe *p = NULL;
    int rc = ops->probe_start(api_req_ctx(r), host, module, budget_ms, debug, adhoc_done, w, &p,
                              err, sizeof err);
    if (rc != 0) {
        free(w);
        if (rc == API_PROBE_EBAD)
            probe_text(r, 400, "%s", err);
        else if (rc == API_PROBE_EFORBIDDEN)
            probe_text(r, 403, "%s", err);
        else if (rc == API_PROBE_EBUSY)
            probe_text(r, 503, "%s", err);
        else
            api_error(r, 500, "internal", "%s", err[0] ? err : "cannot start the probe");
        return;
    }
    w->p = p;
    r->on_free = on_req_free;
    r->on_free_arg = w;
    api_defer(r);
    wait_watch(w, r);
}

/* ---- the route -------------------------------------------------------------- */

/* The deadline from X-Prometheus-Scrape-Timeout-Seconds (ms). */
static unsigned scrape_budget_ms(struct api_req *r)
{
    const char *hdr = api_req_header(r, "X-Prometheus-Scrape-Timeout-Seconds");
    if (hdr == NULL)
        return API_PROBE_DEFAULT_MS;
    char *end = NULL;
    double v = strtod(hdr, &end);
    if (end == hdr || *end != '\0' || !isfinite(v) || v <= 0)
        return API_PROBE_DEFAULT_MS;
    double ms = v * 1000.0 - API_PROBE_OFFSET_MS;
    if (ms > API_PROBE_DEFAULT_MS)
        ms = API_PROBE_DEFAULT_MS;
    return ms < API_PROBE_MIN_MS ? API_PROBE_MIN_MS : (unsigned)ms;
}

void api_h_probe(struct api_req *r)
{
    const char *target = api_req_query(r, "target");
    const char *module = api_req_query(r, "module");
    const char *dbg = api_req_query(r, "debug");
    bool debug = false;
    const char *why = NULL;
    if (dbg != NULL && api_parse_bool(dbg, &debug, &why) != 0) {
        probe_text(r, 400, "debug: %s", why);
        return;
    }
    if (target == NULL || target[0] == '\0') {
        probe_text(r, 400, "Target parameter is missing");
        return;
    }
    unsigned budget_ms = scrape_budget_ms(r);
    const struct api_ops *ops = api_req_ops(r);
    const struct view_service *s = ops->view(api_req_ctx(r));
    const struct view_target *t = s != NULL ? view_target_find(s, target) : NULL;
    if (t == NULL) {
        probe_adhoc(r, target, module, budget_ms, debug);
        return;
    }
    struct hooks *h = ops->hooks != NULL ? ops->hooks(api_req_ctx(r)) : NULL;
    const struct cfg *cfg = h != NULL ? hooks_cfg(h) : NULL;
    if (module != NULL && module[0] != '\0' && cfg_module_find(cfg, module) == NULL) {
        probe_text(r, 400, "Unknown module \"%.100s\"", module);
        return;
    }
    probe_target(r, t, budget_ms, debug);
}
