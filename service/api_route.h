/*
 * api_route.h: the API's route table and the interface of a handler.
 *
 * Every route is one row of api_routes[] (service/api_routes.c): method,
 * path pattern, the scope it needs, and the handler. To add a route, add a
 * row there and write the handler in your own file (hooks: /metrics,
 * /probe, /api/v1/deliveries, /api/v1/maintenance; page: /, /t/{name},
 * /validports, /assets/{*}). docs/api/openapi.yaml must list the same
 * routes: `oaprobe serve --list-routes` prints the table and the openapi
 * test compares.
 *
 * Answers carry a strict CSP (default-src 'none'); a handler serving a
 * page sets its own with api_reply_header(r, "Content-Security-Policy",
 * ...). docs/internals/api.md describes the whole path of a request.
 *
 * Patterns: literal segments, "{name}" captures one segment (decoded; see
 * api_parse.h for what a segment may hold), and a last "{*}" captures the
 * rest of the path. A path matching a pattern with another method is
 * answered 405 with Allow; a path matching nothing 404, as JSON errors.
 *
 * A handler runs on the loop thread. Before it runs, the router has
 * checked the scope (401/403), the body size (413) and the query string
 * (api_query); it answers exactly once with api_reply*() or api_error(),
 * now or later after api_defer() (then from a loop callback).
 */
#ifndef OAPROBE_SERVICE_API_ROUTE_H
#define OAPROBE_SERVICE_API_ROUTE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service/api.h"

struct api_req; /* one request; owned by the api */

enum api_scope {
    API_PUBLIC = 0, /* no token ever (/healthz) */
    API_READ,       /* a read token when read_requires_token */
    API_WRITE,      /* a write token, always */
};

typedef void (*api_handler_fn)(struct api_req *r);

#define API_ROUTE_CAPS 4 /* captures in one pattern, at most */

struct api_route {
    const char *method;  /* "GET", "POST", "PUT", "DELETE" (GET allows HEAD) */
    const char *pattern; /* "/api/v1/targets/{name}" */
    enum api_scope scope;
    api_handler_fn fn;
    const char *const *query; /* query parameters it accepts, NULL-ended
                               * (NULL: none); any other is a 400 naming it */
};

extern const struct api_route api_routes[];
extern const size_t api_nroutes;

/* ---- what a handler reads -------------------------------------------- */

struct api *api_req_api(struct api_req *r);
const struct api_ops *api_req_ops(struct api_req *r);
void *api_req_ctx(struct api_req *r);
const char *api_req_method(struct api_req *r);

/* api_req_cap: capture i of the pattern, percent-decoded and checked
 * (never NULL for i < the pattern's captures; "" otherwise). */
const char *api_req_cap(struct api_req *r, size_t i);

/* api_req_target: the target called name in the current view, or NULL
 * (by the daemon's name index when it has one). */
const struct view_target *api_req_target(struct api_req *r, const char *name);

/* api_req_query: the decoded value of query parameter key, or NULL. */
const char *api_req_query(struct api_req *r, const char *key);

/* api_req_header: a request header, or NULL. */
const char *api_req_header(struct api_req *r, const char *name);

/* api_req_body: the request body (NUL-terminated, len bytes; "" none). */
const char *api_req_body(struct api_req *r, size_t *len);

/* api_req_text: the client asked for text (Accept: text/plain before
 * application/json, or ?format=text). */
bool api_req_text(struct api_req *r);

/* api_req_now_ms: wall clock, ms since the epoch. */
int64_t api_req_now_ms(struct api_req *r);

/* ---- how a handler answers ------------------------------------------- */

/* api_reply_header: add a header to the coming answer (copied). */
void api_reply_header(struct api_req *r, const char *name, const char *value);

/*
 * api_reply: answer status with body (len bytes) of content type ctype.
 * Takes ownership of body (malloc'd; NULL: empty, or out of memory when
 * len > 0: then 500). Security headers and Cache-Control: no-store (unless
 * the handler set Cache-Control) are added.
 */
void api_reply(struct api_req *r, unsigned status, const char *ctype, char *body,
               size_t len);

/* api_reply_static: the same with bytes that outlive the answer. */
void api_reply_static(struct api_req *r, unsigned status, const char *ctype,
                      const void *body, size_t len);

/* api_reply_json: body from a render_api_* function (NULL: 500). */
void api_reply_json(struct api_req *r, unsigned status, char *body, size_t len);

/*
 * api_error: the JSON error {"error": word, "detail": printf(fmt, ...)}
 * (render_api_error escapes what the client sent). word: "bad_request",
 * "not_found", "unauthorized", "forbidden", "conflict", ...
 */
void api_error(struct api_req *r, unsigned status, const char *word, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * api_defer: the answer comes later: the connection is suspended until the
 * handler's callback calls api_reply*() or api_error() on r. If the api is
 * freed first, r is answered 503. r stays valid until it is answered.
 */
void api_defer(struct api_req *r);

/*
 * A write that answers once the store committed it (api_wait.c):
 * api_wait_new defers r (answers 500 and returns NULL when out of memory);
 * the daemon's callback calls api_wait_take, which frees the waiter and
 * gives r back, or NULL when the client went away or the api answered it
 * already (shutdown): then answer nothing. When the daemon refuses the
 * write at once (no callback will come), call api_wait_take right away and
 * answer r as usual.
 */
struct api_wait;
struct api_wait *api_wait_new(struct api_req *r);
struct api_req *api_wait_take(struct api_wait *w);

/*
 * api_store_error: answer the failure of a write in the store: rc a STORE_E*
 * code (service/store.h), err the store's text; what: "target 'x' not
 * stored". 503 "store_busy" for a full queue or a lock held by another
 * connection, 503 "unavailable" when the service stopped first, else 500
 * "store_failed"; the detail says nothing changed.
 */
void api_store_error(struct api_req *r, const char *what, int rc, const char *err);

/*
 * api_sse_start: turn r into an event stream (GET /api/v1/events): 200,
 * text/event-stream, every api_publish*() from now on. Answers 503 when
 * API_SSE_CLIENTS_MAX streams are open.
 */
void api_sse_start(struct api_req *r);

#endif /* OAPROBE_SERVICE_API_ROUTE_H */
