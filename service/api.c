/*
 * api.c: libmicrohttpd in external epoll mode on the daemon's loop, one MHD
 * daemon per listen address; the life of a request (target decoded by
 * api_parse.c, route, token, body limit, handler, answer) and the answer
 * helpers of api_route.h. Handlers live in api_h_*.c, the table in
 * api_routes.c, event streams in api_sse.c.
 *
 * A request, as MHD calls the access handler:
 *   1st call   headers known: decode the target, find the route, check the
 *              token and Content-Length; a refusal is kept (or sent now
 *              for a body over API_BODY_MAX)
 *   body calls append up to API_BODY_MAX bytes; beyond, count and drop
 *   last call  answer the kept refusal, 413, or run the handler; a deferred
 *              answer suspends the connection until api_reply resumes it
 */
#include "service/api_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "service/api_cache.h"
#include "service/api_frag.h"
#include "service/loop.h"
#include "service/tokens.h"
#include "web/render_api.h"

/* ---- answers ----------------------------------------------------------- */

static void req_headers_free(struct api_req *r)
{
    for (size_t i = 0; i < r->nh; i++) {
        free(r->hname[i]);
        free(r->hval[i]);
    }
    r->nh = 0;
}

void api_reply_header(struct api_req *r, const char *name, const char *value)
{
    if (r == NULL || name == NULL || value == NULL || r->nh == API_REPLY_HEADERS)
        return;
    char *n = strdup(name), *v = strdup(value);
    if (n == NULL || v == NULL) {
        free(n);
        free(v);
        return;
    }
    r->hname[r->nh] = n;
    r->hval[r->nh] = v;
    r->nh++;
}

static bool has_header(const struct api_req *r, const char *name)
{
    for (size_t i = 0; i < r->nh; i++)
        if (strcasecmp(r->hname[i], name) == 0)
            return true;
    return false;
}

void api_common_headers(struct MHD_Response *resp, const char *ctype)
{
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            ctype ? ctype : "application/octet-stream");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'none'; frame-ancestors 'none'");
}

/* r leaves the deferred list. */
static void deferred_unlink(struct api_req *r)
{
    struct api *a = r->api;
    if (r->prev_deferred)
        r->prev_deferred->next_deferred = r->next_deferred;
    else if (a->deferred == r)
        a->deferred = r->next_deferred;
    if (r->next_deferred)
        r->next_deferred->prev_deferred = r->prev_deferred;
    r->next_deferred = r->prev_deferred = NULL;
}

/* r (answered now) leaves the deferred list; its connection resumes. */
static void undefer(struct api_req *r)
{
    deferred_unlink(r);
    if (r->suspended) {
        r->suspended = false;
        MHD_resume_connection(r->conn);
        api_kick(r->api);
    }
}

void api_reply_shared(struct api_req *r, unsigned status, struct api_shared *s)
{
    if (r == NULL || (r->state != REQ_BODY && r->state != REQ_DEFERRED))
        return;
    if (s == NULL) {
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    req_headers_free(r);
    if (r->resp)
        MHD_destroy_response(r->resp);
    r->resp = NULL;
    /* r's own reference: a deferred request is queued in a later MHD_run
     * (after undefer resumes it), and the cache may rebuild or evict the
     * body before that (api_int.h, struct api_shared) */
    struct api_shared *had = r->shared;
    r->shared = api_shared_hold(s);
    api_shared_drop(had);
    r->status = status;
    enum api_req_state was = r->state;
    r->state = REQ_REPLIED;
    if (was == REQ_DEFERRED)
        undefer(r);
}

void api_reply_resp(struct api_req *r, unsigned status, const char *ctype,
                           struct MHD_Response *resp)
{
    if (resp == NULL) {
        static const char oom[] = "{\"error\":\"internal\",\"detail\":\"out of memory\"}";
        resp = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom,
                                               MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        ctype = "application/json";
        if (resp == NULL)
            return; /* MHD closes the connection */
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            ctype ? ctype : "application/octet-stream");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (!has_header(r, "X-Frame-Options"))
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    if (!has_header(r, "Content-Security-Policy"))
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; frame-ancestors 'none'");
    if (!has_header(r, "Cache-Control"))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    for (size_t i = 0; i < r->nh; i++)
        MHD_add_response_header(resp, r->hname[i], r->hval[i]);
    req_headers_free(r);
    if (r->resp)
        MHD_destroy_response(r->resp);
    api_shared_drop(r->shared);
    r->shared = NULL;
    if (r->match.route && r->match.route->scope == API_WRITE)
        api_cache_written(r->api->cache); /* the client reads its own write */
    r->resp = resp;
    r->status = status;
    enum api_req_state was = r->state;
    r->state = REQ_REPLIED;
    if (was == REQ_DEFERRED)
        undefer(r);
}

void api_reply(struct api_req *r, unsigned status, const char *ctype, char *body, size_t len)
{
    if (r == NULL || r->state == REQ_REPLIED || r->state == REQ_QUEUED) {
        free(body);
        return;
    }
    struct MHD_Response *resp = NULL;
    if (body == NULL && len == 0)
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    else if (body != NULL)
        resp = MHD_create_response_from_buffer_with_free_callback(len, body, free);
    if (resp == NULL)
        free(body);
    api_reply_resp(r, status, ctype, resp);
}

void api_reply_static(struct api_req *r, unsigned status, const char *ctype,
                      const void *body, size_t len)
{
    if (r == NULL || r->state == REQ_REPLIED || r->state == REQ_QUEUED)
        return;
    api_reply_resp(r, status, ctype,
                   MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT));
}

void api_reply_json(struct api_req *r, unsigned status, char *body, size_t len)
{
    if (body == NULL) {
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    api_reply(r, status, "application/json", body, len);
}

/* JSON text with '<', '>' and '&' as \u escapes (they only occur inside
 * strings), so that no client text reads as markup even if sniffed. Frees
 * json; NULL when out of memory. */
static char *html_safe(char *json, size_t *len)
{
    if (json == NULL)
        return NULL;
    size_t extra = 0;
    for (size_t i = 0; i < *len; i++)
        if (json[i] == '<' || json[i] == '>' || json[i] == '&')
            extra += 5;
    if (extra == 0)
        return json;
    char *out = malloc(*len + extra + 1);
    if (out != NULL) {
        size_t o = 0;
        for (size_t i = 0; i < *len; i++) {
            unsigned char c = (unsigned char)json[i];
            if (c == '<' || c == '>' || c == '&') {
                static const char hex[] = "0123456789abcdef";
                memcpy(out + o, "\\u00", 4);
                out[o + 4] = hex[c >> 4];
                out[o + 5] = hex[c & 15];
                o += 6;
            } else {
                out[o++] = (char)c;
            }
        }
        out[o] = '\0';
        *len = o;
    }
    free(json);
    return out;
}

void api_error(struct api_req *r, unsigned status, const char *word, const char *fmt, ...)
{
    if (r == NULL)
        return;
    char detail[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    size_t len = 0;
    char *body = html_safe(render_api_error(word, detail, &len), &len);
    if (status == 401)
        api_reply_header(r, "WWW-Authenticate", "Bearer realm=\"oaprobe\"");
    api_reply_json(r, status, body, len);
}

void api_defer(struct api_req *r)
{
    if (r == NULL || r->state != REQ_BODY)
        return;
    struct api *a = r->api;
    r->state = REQ_DEFERRED;
    r->prev_deferred = NULL;
    r->next_deferred = a->deferred;
    if (a->deferred)
        a->deferred->prev_deferred = r;
    a->deferred = r;
}

/* ---- what a handler reads ---------------------------------------------- */

struct api *api_req_api(struct api_req *r) { return r ? r->api : NULL; }
const struct api_ops *api_req_ops(struct api_req *r) { return r ? r->api->ops : NULL; }
void *api_req_ctx(struct api_req *r) { return r ? r->api->ctx : NULL; }
const char *api_req_method(struct api_req *r) { return r ? r->method : NULL; }
int64_t api_req_now_ms(struct api_req *r) { (void)r; return loop_wall_ms(); }

const struct view_target *api_req_target(struct api_req *r, const char *name)
{
    if (r == NULL || name == NULL)
        return NULL;
    const struct api_ops *ops = r->api->ops;
    if (ops->target != NULL)
        return ops->target(r->api->ctx, name);
    return view_target_find(ops->view(r->api->ctx), name);
}

const char *api_req_cap(struct api_req *r, size_t i)
{
    return r && i < r->match.ncap ? r->match.cap[i] : "";
}

const char *api_req_query(struct api_req *r, const char *key)
{
    return r ? api_uri_query(&r->uri, key) : NULL;
}

const char *api_req_header(struct api_req *r, const char *name)
{
    return r && r->conn ? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name) : NULL;
}

const char *api_req_body(struct api_req *r, size_t *len)
{
    if (len)
        *len = r && r->body ? r->body_len : 0;
    return r && r->body ? r->body : "";
}

bool api_req_text(struct api_req *r)
{
    const char *f = api_req_query(r, "format");
    if (f)
        return strcmp(f, "text") == 0;
    const char *acc = api_req_header(r, MHD_HTTP_HEADER_ACCEPT);
    if (acc == NULL)
        return false;
    const char *t = strstr(acc, "text/plain");
    const char *j = strstr(acc, "application/json");
    return t != NULL && (j == NULL || t < j);
}

/* ---- the life of a request --------------------------------------------- */

/* Keeps a refusal to answer once the body is read. */
static void refuse(struct api_req *r, unsigned status, const char *word, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void refuse(struct api_req *r, unsigned status, const char *word, const char *fmt, ...)
{
    if (r->err_status)
        return;
    r->err_status = status;
    r->err_word = word;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err_detail, sizeof r->err_detail, fmt, ap);
    va_end(ap);
}

/* The token check of the route's scope. */
static void check_token(struct api_req *r, enum api_scope scope)
{
    const struct api_ops *ops = r->api->ops;
    void *ctx = r->api->ctx;
    if (scope == API_PUBLIC)
        return;
    if (scope == API_READ && !(ops->read_requires_token && ops->read_requires_token(ctx)))
        return;
    const struct tokens *tk = ops->tokens ? ops->tokens(ctx) : NULL;
    if (tk == NULL) {
        if (scope == API_WRITE)
            refuse(r, 403, "forbidden", "writes are disabled: no api.tokens_file is configured");
        else
            refuse(r, 401, "unauthorized", "reads need a token and no api.tokens_file is configured");
        return;
    }
    const char *auth = api_req_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    if (auth == NULL) {
        refuse(r, 401, "unauthorized", "this needs Authorization: Bearer <token> (scope %s)",
               scope == API_WRITE ? "write" : "read");
        return;
    }
    if (strncasecmp(auth, "Bearer ", 7) != 0) {
        refuse(r, 401, "unauthorized", "only Bearer tokens are accepted");
        return;
    }
    const char *bearer = auth + 7;
    while (*bearer == ' ')
        bearer++;
    const char *who = NULL;
    if (!tokens_check(tk, bearer, TOKEN_READ, &who)) {
        refuse(r, 401, "unauthorized", "the token is not valid");
        return;
    }
    if (scope == API_WRITE && !tokens_check(tk, bearer, TOKEN_WRITE, NULL))
        refuse(r, 403, "forbidden", "token '%s' has scope read; this needs write",
               who ? who : "?");
}

/* First call: decode, route, token, Content-Length. Returns false when an
 * answer was queued already (413 by Content-Length). */
static void req_prepare(struct api_req *r)
{
    if (r->target == NULL) {
        refuse(r, 500, "internal", "out of memory");
        return;
    }
    if (api_uri_parse(r->target, &r->uri) != 0) {
        refuse(r, strstr(r->uri.why, "longer than") ? 414 : 400, "bad_request", "%s",
               r->uri.why);
        return;
    }
    r->kind = api_route_find(api_routes, api_nroutes, r->method, &r->uri, &r->match);
    switch (r->kind) {
    case API_MATCH_NONE:
        refuse(r, 404, "not_found", "no route %s %.200s", r->method, r->target);
        return;
    case API_MATCH_METHOD:
        api_reply_header(r, "Allow", r->match.allow);
        refuse(r, 405, "method_not_allowed", "%s is not allowed here; allowed: %s", r->method,
               r->match.allow);
        return;
    default:
        break;
    }
    check_token(r, r->match.route->scope);
    if (r->kind == API_MATCH_BADQUERY)
        refuse(r, 400, "bad_request", "%s", r->match.why);
    else if (r->kind == API_MATCH_BADNAME)
        refuse(r, r->match.route->scope == API_WRITE &&
                          strcmp(r->method, "PUT") == 0 ? 400 : 404,
               r->match.route->scope == API_WRITE && strcmp(r->method, "PUT") == 0
                   ? "bad_request" : "not_found",
               "%s", r->match.why);
    const char *fmt = api_req_query(r, "format");
    if (fmt && strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0)
        refuse(r, 400, "bad_request", "format must be json or text");
}

static enum MHD_Result queue(struct api_req *r)
{
    struct MHD_Response *resp = r->shared ? r->shared->resp : r->resp;
    if (resp == NULL)
        return MHD_NO;
    /* MHD takes its own reference (kept while the connection sends it);
     * r lets go of its one, queued or not */
    enum MHD_Result ret = MHD_queue_response(r->conn, r->status, resp);
    if (r->resp)
        MHD_destroy_response(r->resp);
    api_shared_drop(r->shared);
    r->resp = NULL;
    r->shared = NULL;
    r->state = REQ_QUEUED;
    return ret;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct api_listener *l = cls;
    struct api_req *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->magic = API_REQ_MAGIC;
    r->api = l->api;
    r->conn = c;
    r->target = strdup(uri ? uri : "");
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    struct api_req *r = *con_cls;
    if (r == NULL || r->magic != API_REQ_MAGIC)
        return MHD_NO; /* out of memory: MHD closes the connection */
    r->conn = c;
    switch (r->state) {
    case REQ_NEW: {
        r->method = method;
        r->state = REQ_BODY;
        req_prepare(r);
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > API_BODY_MAX) {
            api_error(r, 413, "payload_too_large", "the body is larger than %u bytes",
                      API_BODY_MAX);
            return queue(r);
        }
        return MHD_YES;
    }
    case REQ_BODY:
        if (*upload_size != 0) {
            size_t n = *upload_size;
            *upload_size = 0;
            if (r->body_too_big || r->err_status)
                return MHD_YES; /* drained, not kept */
            if (r->body_len + n > API_BODY_MAX) {
                r->body_too_big = true;
                free(r->body);
                r->body = NULL;
                r->body_len = 0;
                return MHD_YES;
            }
            char *b = realloc(r->body, r->body_len + n + 1);
            if (b == NULL) {
                refuse(r, 500, "internal", "out of memory");
                return MHD_YES;
            }
            memcpy(b + r->body_len, upload, n);
            r->body = b;
            r->body_len += n;
            r->body[r->body_len] = '\0';
            return MHD_YES;
        }
        if (r->err_status)
            api_error(r, r->err_status, r->err_word, "%s", r->err_detail);
        else if (r->body_too_big)
            api_error(r, 413, "payload_too_large", "the body is larger than %u bytes",
                      API_BODY_MAX);
        else
            r->match.route->fn(r);
        if (r->state == REQ_DEFERRED) {
            r->suspended = true;
            MHD_suspend_connection(c);
            return MHD_YES;
        }
        if (r->state == REQ_QUEUED)
            return MHD_YES; /* an event stream */
        if (r->state != REQ_REPLIED)
            api_error(r, 500, "internal", "the handler gave no answer");
        return queue(r);
    case REQ_DEFERRED:
        return MHD_YES;
    case REQ_REPLIED: /* resumed: answered meanwhile; a cached body is held by
                       * r's own reference (api_shared), whatever the cache did since */
        return queue(r);
    case REQ_QUEUED:
        return MHD_YES;
    }
    return MHD_NO;
}

static void req_free(struct api_req *r)
{
    if (r == NULL)
        return;
    if (r->on_free)
        r->on_free(r->on_free_arg);
    if (r->resp) /* answered, never queued: the client left, or a stop */
        MHD_destroy_response(r->resp);
    api_shared_drop(r->shared);
    req_headers_free(r);
    free(r->body);
    free(r->target);
    r->magic = 0;
    free(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct api_req *r = *con_cls;
    *con_cls = NULL;
    if (r == NULL || r->magic != API_REQ_MAGIC)
        return;
    if (r->state == REQ_DEFERRED) /* not expected: api_free answers them first */
        deferred_unlink(r);
    req_free(r);
}

/* ---- the loop ---------------------------------------------------------- */

static void run_all(struct api *a)
{
    for (size_t i = 0; i < a->nls; i++)
        if (a->ls[i].d)
            MHD_run(a->ls[i].d);
}

static void on_timer(void *arg)
{
    struct api *a = arg;
    a->timer = NULL;
    run_all(a);
    api_rearm(a);
}

void api_rearm(struct api *a)
{
    if (a == NULL || a->freeing)
        return;
    MHD_UNSIGNED_LONG_LONG best = 0;
    bool any = false;
    for (size_t i = 0; i < a->nls; i++) {
        MHD_UNSIGNED_LONG_LONG t;
        if (a->ls[i].d && MHD_get_timeout(a->ls[i].d, &t) == MHD_YES && (!any || t < best)) {
            best = t;
            any = true;
        }
    }
    loop_timer_cancel(a->loop, a->timer);
    a->timer = NULL;
    if (any)
        a->timer = loop_timer_at(a->loop, loop_now_ms(a->loop) + (int64_t)best, on_timer, a);
}

/* MHD (0.9.75, external epoll) does not put its wake-up fd in its epoll
 * set, and MHD_get_timeout does not count resumed connections: after a
 * resume, run MHD from a timer due now. */
void api_kick(struct api *a)
{
    if (a == NULL || a->freeing)
        return;
    loop_timer_cancel(a->loop, a->timer);
    a->timer = loop_timer_at(a->loop, loop_now_ms(a->loop), on_timer, a);
}

static void on_fd(void *arg, int fd, uint32_t events)
{
    (void)fd;
    (void)events;
    struct api_listener *l = arg;
    MHD_run(l->d);
    api_rearm(l->api);
}

/* ---- start and stop ---------------------------------------------------- */

static int listen_one(struct api *a, struct api_listener *l, const struct cfg_listen *cl,
                      char *err, size_t len)
{
    struct sockaddr_in v4 = {0};
    struct sockaddr_in6 v6 = {0};
    struct sockaddr *sa;
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
    const char *host = cl->host;
    if (host == NULL || strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons(cl->port);
        sa = (struct sockaddr *)&v4;
    } else if (inet_pton(AF_INET6, host, &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(cl->port);
        sa = (struct sockaddr *)&v6;
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, len, "listen %s:%u: not an IP address (or localhost)", cl->host,
                 cl->port);
        return -1;
    }
    l->api = a;
    l->epfd = -1;
    /* MHD may use sendfile() (memfd bodies, api_cache.c) only when SIGPIPE
     * cannot kill the process: oaprobe serve ignores it */
    struct sigaction sp;
    int sigpipe_ignored = sigaction(SIGPIPE, NULL, &sp) == 0 && sp.sa_handler == SIG_IGN;
    errno = 0;
    l->d = MHD_start_daemon(flags, cl->port, NULL, NULL, on_request, l,
                            MHD_OPTION_SOCK_ADDR, sa,
                            MHD_OPTION_URI_LOG_CALLBACK, on_uri, l,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, l,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)API_CONNECTIONS_MAX,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)API_IDLE_TIMEOUT_S,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                            MHD_OPTION_SIGPIPE_HANDLED_BY_APP, sigpipe_ignored,
                            MHD_OPTION_END);
    if (l->d == NULL) {
        snprintf(err, len, "listen %s%s%s:%u: cannot start the HTTP server%s%s",
                 flags & MHD_USE_IPv6 ? "[" : "", cl->host, flags & MHD_USE_IPv6 ? "]" : "",
                 cl->port, errno ? ": " : "", errno ? strerror(errno) : "");
        return -1;
    }
    const union MHD_DaemonInfo *ei = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_EPOLL_FD);
    const union MHD_DaemonInfo *pi = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_BIND_PORT);
    l->port = pi ? pi->port : cl->port;
    if (ei == NULL || loop_fd_add(a->loop, ei->epoll_fd, EPOLLIN, on_fd, l) != 0) {
        snprintf(err, len, "listen %s:%u: cannot register on the event loop", cl->host,
                 cl->port);
        return -1;
    }
    l->epfd = ei->epoll_fd;
    /* answered between the events of a long batch of checks (loop.h); best
     * effort beyond LOOP_PRIORITY_MAX listen addresses */
    (void)loop_fd_priority(a->loop, l->epfd);
    return 0;
}

struct api *api_new(struct loop *l, const struct cfg_listen *listen, size_t n,
                    const struct api_ops *ops, void *ctx, char *err, size_t len)
{
    char dummy[8];
    if (err == NULL || len == 0) {
        err = dummy;
        len = sizeof dummy;
    }
    err[0] = '\0';
    if (l == NULL || listen == NULL || n == 0 || ops == NULL || ops->view == NULL) {
        snprintf(err, len, "api_new: bad arguments");
        return NULL;
    }
    struct api *a = calloc(1, sizeof *a);
    if (a == NULL || (a->ls = calloc(n, sizeof *a->ls)) == NULL) {
        free(a);
        snprintf(err, len, "out of memory");
        return NULL;
    }
    a->magic = API_MAGIC;
    a->loop = l;
    a->ops = ops;
    a->ctx = ctx;
    a->nls = n;
    for (size_t i = 0; i < n; i++)
        a->ls[i].epfd = -1;
    a->cache = api_cache_new((uint64_t)loop_wall_ms() ^ ((uint64_t)getpid() << 44));
    a->frags = api_frags_new();
    if (a->cache == NULL || a->frags == NULL || api_sse_init(a) != 0) {
        snprintf(err, len, "out of memory");
        api_free(a);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (listen_one(a, &a->ls[i], &listen[i], err, len) != 0) {
            api_free(a);
            return NULL;
        }
    }
    api_rearm(a);
    return a;
}

void api_cache_counts(const struct api *a, struct api_cache_stats *out)
{
    api_cache_stats(a ? a->cache : NULL, out);
    if (a != NULL && out != NULL) {
        out->daily_builds = a->daily_builds;
        out->daily_running = a->ndaily;
    }
    if (out != NULL)
        out->responses = api_shared_live();
}

uint16_t api_port(const struct api *a, size_t i)
{
    return a && i < a->nls ? a->ls[i].port : 0;
}

void api_quiesce(struct api *a)
{
    if (a == NULL || a->freeing)
        return;
    api_sse_fini(a); /* the streams end; their clients reconnect elsewhere */
    for (size_t i = 0; i < a->nls; i++) {
        if (a->ls[i].d == NULL)
            continue;
        MHD_socket fd = MHD_quiesce_daemon(a->ls[i].d);
        if (fd != MHD_INVALID_SOCKET)
            close(fd);
    }
    api_kick(a);
}

size_t api_connections(const struct api *a)
{
    size_t n = 0;
    for (size_t i = 0; a != NULL && i < a->nls; i++) {
        const union MHD_DaemonInfo *ci =
            a->ls[i].d ? MHD_get_daemon_info(a->ls[i].d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS)
                       : NULL;
        if (ci != NULL)
            n += ci->num_connections;
    }
    return n;
}

void api_free(struct api *a)
{
    if (a == NULL)
        return;
    /* answer what still waits, then let MHD send it */
    api_daily_fini(a);
    while (a->deferred)
        api_error(a->deferred, 503, "unavailable", "the service is stopping");
    api_sse_fini(a);
    run_all(a);
    a->freeing = true;
    loop_timer_cancel(a->loop, a->timer);
    a->timer = NULL;
    for (size_t i = 0; i < a->nls; i++) {
        if (a->ls[i].epfd >= 0)
            loop_fd_del(a->loop, a->ls[i].epfd);
        if (a->ls[i].d)
            MHD_stop_daemon(a->ls[i].d);
    }
    free(a->ls);
    api_cache_free(a->cache);
    api_frags_free(a->frags);
    a->magic = 0;
    free(a);
}
