/*
 * api.h: the service's HTTP API (issue 8; docs/api/openapi.yaml), served by
 * libmicrohttpd in external mode (MHD_USE_EPOLL) on the daemon's loop
 * (service/loop.h): one MHD daemon per listen address, its epoll fd and a
 * timer from MHD_get_timeout registered on the loop. Nothing blocks: a
 * request that waits (POST .../run, GET /api/v1/events) suspends its
 * connection and is resumed from the loop.
 *
 * The daemon (service/serve*.c) owns the state and implements struct
 * api_ops; the api only reads the view, reads history from the store and
 * asks the daemon to act. The routes and their handlers are in
 * service/api_route.h (one table, service/api_routes.c).
 *
 * Every function here runs on the loop thread.
 */
#ifndef OAPROBE_SERVICE_API_H
#define OAPROBE_SERVICE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service/config.h"
#include "web/view.h"

struct api;
struct loop;   /* service/loop.h */
struct store;  /* service/store.h */
struct tokens; /* service/tokens.h */
struct hooks;  /* service/hooks.h */

/* What an ad-hoc probe (GET /probe?target=HOST&module=M) gives back. */
struct api_probe; /* the daemon's handle of one ad-hoc probe */
struct api_probe_result {
    const struct oa_result *r; /* the check's result; NULL: stopped unfinished
                                * (the service shuts down) */
    unsigned timeout_ms;       /* the deadline the check was given */
    const char *trace;         /* debug: the engine's trace lines (no secret),
                                * else NULL */
    const char *profile;       /* debug: the module's settings, secrets
                                * redacted, else NULL */
};

#define API_PROBE_EBAD (-1)      /* 400: err says what (module, host) */
#define API_PROBE_EBUSY (-2)     /* 503: err says which cap */
#define API_PROBE_EINTERNAL (-3) /* 500 */
#define API_PROBE_EFORBIDDEN (-4) /* 403: the module may not be sent to that
                                   * host (allow_hosts): err names both */

/*
 * The end of a write asked for through the API (target_put, target_delete),
 * called exactly once on the loop thread when the store writer reports the
 * commit (the write survives kill -9 from then on; the API answers only
 * now) or its failure (nothing changed). rc: >= 0 committed (the op's
 * meaning), API_WRITE_ENOTFOUND, API_WRITE_ECONFLICT, or the STORE_E* code
 * of the failure (service/store.h: STORE_EBUSY and STORE_ESTOPPED are
 * temporary) with err saying what failed ("writer: begin: database is
 * locked"; never a secret).
 */
typedef void (*api_write_done)(void *arg, int rc, const char *err);
#define API_WRITE_ENOTFOUND (-101) /* 404: nothing of that name (any more) */
#define API_WRITE_ECONFLICT (-102) /* 409: a reload gave the name to the file */

/* What the daemon does for the API. ctx is api_new's ctx. */
struct api_ops {
    /* The current view, valid until the handler returns (not kept). */
    const struct view_service *(*view)(void *ctx);

    /* The loop thread's read-only store connection (history routes). */
    struct store *(*store)(void *ctx);

    /*
     * Start a run of `name` now. done(arg, t, r) is called later on the loop
     * thread, exactly once, when it ends: t the target's view after the run
     * (valid during the call), r its result, or r NULL when the run was
     * cancelled (target removed, shutdown). Returns 0 started, -1 unknown
     * name (done is not called), -2 already running (then done is called
     * when the running one ends), -4 the target is blocked (view_target's
     * blocked: never run; done is not called).
     */
    int (*run_now)(void *ctx, const char *name,
                   void (*done)(void *arg, const struct view_target *t,
                                const struct oa_result *r),
                   void *arg);

    /*
     * Add or replace the API target `name` from its JSON body (len bytes;
     * the keys of a YAML target: validate with cfg_target_parse_json and
     * persist it). The target changes only once the store committed it.
     * Returns 0 submitted: done(arg, rc, err) comes later with rc 0
     * created, 1 replaced, or a failure (api_write_done); or at once,
     * without done: -1 invalid (errs filled: each problem names its key),
     * -2 the name belongs to the file (409), -3 internal, -4 the store's
     * queue is full (503, nothing changed), -5 forbidden (403: the target
     * would carry the defaults' credentials to a host or address that
     * api.allow_hosts does not admit; errs names the key and why).
     */
    int (*target_put)(void *ctx, const char *name, const char *body, size_t len,
                      struct cfg_errs *errs, api_write_done done, void *arg);

    /* Remove the API target `name` once the store committed its removal:
     * 0 submitted (done later: 0 removed, or a failure), or at once: -1 not
     * found, -2 file target (409), -3 internal, -4 queue full (503). */
    int (*target_delete)(void *ctx, const char *name, api_write_done done, void *arg);

    /* Reload the configuration as SIGHUP does: 0 ok, -1 the old one is kept
     * (err says why: file, line, key; never a secret). */
    int (*reload)(void *ctx, char *err, size_t len);

    /* The API tokens, or NULL without a tokens file (writes are refused). */
    const struct tokens *(*tokens)(void *ctx);

    /* api.read_requires_token: reads need a read (or write) token too. */
    bool (*read_requires_token)(void *ctx);

    /* The target called name in the current view, or NULL; a lookup by
     * index (NULL op: the API searches the view). */
    const struct view_target *(*target)(void *ctx, const char *name);

    /* Alerting (service/hooks.h): maintenance windows, /probe's modules;
     * NULL (or a NULL op): those routes answer 503. */
    struct hooks *(*hooks)(void *ctx);

    /*
     * Ad-hoc probe: check `host` (NAME, NAME:PORT, [IPv6], [IPv6]:PORT) once
     * with the settings of module `module` (`modules:` in the
     * configuration), within budget_ms or the module's timeout when that is
     * smaller. The check is no target: nothing is stored, alerted or put in
     * the view. done(arg, res) is called later on the loop thread, exactly
     * once, unless probe_cancel is called first. *out receives the handle.
     * debug: collect the engine's trace and the module's profile.
     * Returns 0 started, API_PROBE_EBAD (no modules configured, no or an
     * unknown module, a bad host: err names the problem),
     * API_PROBE_EFORBIDDEN (the host is not in the module's allow_hosts, which
     * a module that carries credentials needs: nothing was sent anywhere),
     * API_PROBE_EBUSY (the cap of ad-hoc probes or of checks is reached: err
     * says which), API_PROBE_EINTERNAL. NULL op: /probe runs configured targets only.
     */
    int (*probe_start)(void *ctx, const char *host, const char *module, unsigned budget_ms,
                       bool debug, void (*done)(void *arg, const struct api_probe_result *res),
                       void *arg, struct api_probe **out, char *err, size_t len);

    /* probe_cancel: the client went away: stop the check and free it now;
     * done is not called. */
    void (*probe_cancel)(void *ctx, struct api_probe *p);
};

/* Limits. */
#define API_BODY_MAX (64u * 1024u)       /* request body bytes (413 above) */
#define API_URL_MAX 2048u                /* request target bytes (414 above) */
#define API_SSE_CLIENTS_MAX 256u         /* concurrent /api/v1/events streams */
#define API_SSE_QUEUE_MAX (256u * 1024u) /* bytes queued per stream; a client
                                          * that falls further behind is
                                          * disconnected */
#define API_SSE_KEEPALIVE_MS 15000       /* ": keep-alive" comment interval */
#define API_CONNECTIONS_MAX 1000u        /* per listen address */
#define API_IDLE_TIMEOUT_S 30u           /* an idle connection is closed */

/*
 * api_new: listen on every address of listen[0..n) (IPv4 or IPv6 literals,
 * "localhost"), register on the loop l, and serve.
 *   ops, ctx  the daemon's operations (ops is not copied: keep it alive)
 *   err       receives why on failure ("listen [::1]:9780: Address already
 *             in use")
 * Returns the api (api_free), or NULL.
 */
struct api *api_new(struct loop *l, const struct cfg_listen *listen, size_t n,
                    const struct api_ops *ops, void *ctx, char *err, size_t len);

/*
 * api_free: close the listeners and every connection; pending POST .../run
 * requests are answered 503 first. Call it after every run started through
 * ops->run_now has called its done (cancel the runs first): done's arg
 * points into the api. NULL is a no-op.
 */
void api_free(struct api *a);

/*
 * api_quiesce: stop taking connections (the listening sockets are closed,
 * so another api may listen there) and end the event streams; requests on
 * the connections already open are still served. For a reload that moves
 * the API: api_free it once api_connections says they are done.
 */
void api_quiesce(struct api *a);

/* api_connections: connections open now, over every listen address. */
size_t api_connections(const struct api *a);

/*
 * api_port: the port of listen address i (useful when it was 0: the
 * kernel's choice). Returns 0 when i is out of range.
 */
uint16_t api_port(const struct api *a, size_t i);

/*
 * Server-sent events (GET /api/v1/events). Each event gets the next id; a
 * client whose queue is full is disconnected, never buffered without bound.
 */

/* api_publish: send event `event` with data `data` (compact JSON, one line)
 * to every stream. */
void api_publish(struct api *a, const char *event, const char *data);

/* api_publish_result: event "result" after a run of t completed
 * (render_sse_result). */
void api_publish_result(struct api *a, const struct view_target *t);

/* api_publish_state: event "state" when t's status changed from `from`
 * (OA_STATE__COUNT: pending) at at_ms (render_sse_state). */
void api_publish_state(struct api *a, const struct view_target *t, enum oa_state from,
                       int64_t at_ms);

/* api_cache_counts: the sizes and counters of the cache of rendered bodies
 * (service/api_cache.h; out is a struct api_cache_stats). a may be NULL
 * (freed): every count 0 but `responses`, which is 0 then unless a cached
 * body leaked (the tests' check). */
struct api_cache_stats;
void api_cache_counts(const struct api *a, struct api_cache_stats *out);

/* api_sse_counts: the open event streams, and the streams dropped since the
 * start because their client fell API_SSE_QUEUE_MAX bytes behind. */
void api_sse_counts(const struct api *a, size_t *streams, uint64_t *dropped);

#endif /* OAPROBE_SERVICE_API_H */
