/*
 * api_int.h: the internals shared by service/api*.c (not for handlers of
 * other modules: they use api_route.h).
 */
#ifndef OAPROBE_SERVICE_API_INT_H
#define OAPROBE_SERVICE_API_INT_H

#include <microhttpd.h>

#include "service/api.h"
#include "service/api_parse.h"
#include "service/api_route.h"

#define API_MAGIC 0x61706931u      /* "api1" */
#define API_REQ_MAGIC 0x61726571u  /* "areq" */
#define API_REPLY_HEADERS 8

struct api_sse; /* api_sse.c */

/*
 * A response shared by the cache and the requests answered with it
 * (api_shared.c), with its own count of holders. MHD's count covers only
 * the connections that queued it (MHD_queue_response takes a reference);
 * a request answered from the cache holds the response from
 * api_reply_shared until on_request queues it, and a deferred request
 * (/api/v1/daily, a gzip variant made across loop turns) is queued in a
 * later MHD_run, after its connection was resumed: the cache may rebuild or
 * evict the body meanwhile. So the cache holds one reference per body,
 * every request answered with it one more until it is queued or freed, and
 * the last to let go destroys the MHD response (MHD's own references, one
 * per connection still sending it, go on).
 */
struct api_shared {
    unsigned refs;
    struct MHD_Response *resp;
};

/* api_shared_new: resp (not NULL) with one reference, the caller's; NULL
 * when out of memory (resp is destroyed then). */
struct api_shared *api_shared_new(struct MHD_Response *resp);

/* api_shared_hold: one more reference to s; returns s. */
struct api_shared *api_shared_hold(struct api_shared *s);

/* api_shared_drop: let go of a reference; the last destroys the response.
 * NULL is a no-op. */
void api_shared_drop(struct api_shared *s);

/* api_shared_live: the shared responses not yet destroyed in the process
 * (the cache's bodies and the answers not yet queued): 0 after api_free. */
size_t api_shared_live(void);

struct api_listener {
    struct api *api;
    struct MHD_Daemon *d;
    int epfd;
    uint16_t port;
};

enum api_req_state {
    REQ_NEW = 0,   /* headers not seen yet */
    REQ_BODY,      /* reading the body */
    REQ_DEFERRED,  /* waiting for api_reply (connection suspended) */
    REQ_REPLIED,   /* an answer is ready to queue */
    REQ_QUEUED,    /* the answer was queued */
};

struct api_req {
    unsigned magic;
    struct api *api;
    struct MHD_Connection *conn;
    enum api_req_state state;
    char *target;              /* the raw request target */
    const char *method;
    struct api_uri uri;
    struct api_match match;
    enum api_match_kind kind;
    char *body;                /* API_BODY_MAX + 1 at most */
    size_t body_len;
    bool body_too_big;
    bool suspended;
    /* a pre-decided error (auth, bad path) answered once the body is read */
    unsigned err_status;
    const char *err_word;
    char err_detail[256];
    /* the answer */
    unsigned status;
    struct MHD_Response *resp; /* r's own answer, or NULL */
    struct api_shared *shared; /* or a cached body: r's reference, until
                                * it is queued or r is freed */
    char *hname[API_REPLY_HEADERS], *hval[API_REPLY_HEADERS];
    size_t nh;
    struct api_req *next_deferred, *prev_deferred; /* a->deferred list */
    void (*on_free)(void *arg); /* called when r is freed (a waiter lets go) */
    void *on_free_arg;
};

struct api {
    unsigned magic;
    struct loop *loop;
    const struct api_ops *ops;
    void *ctx;
    struct api_listener *ls;
    size_t nls;
    struct loop_timer *timer;   /* MHD's timeouts */
    struct api_req *deferred;   /* requests waiting for api_reply */
    struct api_sse *sse;        /* event streams */
    struct api_cache *cache;    /* rendered bodies (api_cache.c) */
    struct api_frags *frags;    /* the target list's pieces (api_frag.c) */
    struct api_daily *daily;    /* /api/v1/daily builds under way (api_daily.c) */
    size_t ndaily;
    uint64_t daily_builds;      /* started since the start */
    bool freeing;
};

/* api_sse.c */
int api_sse_init(struct api *a);
void api_sse_fini(struct api *a);

/* api_daily.c: end the builds of /api/v1/daily under way (shutdown): their
 * requests stay deferred (api_free answers them), their memory is freed. */
void api_daily_fini(struct api *a);

/* api.c: rearm the MHD timer (after handlers changed something). */
void api_rearm(struct api *a);

/* api.c: run MHD soon (after a connection was resumed). */
void api_kick(struct api *a);

/* api.c: Content-Type and the security headers every answer carries. */
void api_common_headers(struct MHD_Response *resp, const char *ctype);

/* api.c: answer r with s as it is (its headers set already): r takes a
 * reference of its own (released once queued, or when r is freed), the
 * caller keeps its own. */
void api_reply_shared(struct api_req *r, unsigned status, struct api_shared *s);

/* api.c: answer r with a response built by the caller (NULL: 500); the
 * common headers are added. */
void api_reply_resp(struct api_req *r, unsigned status, const char *ctype,
                    struct MHD_Response *resp);

#endif /* OAPROBE_SERVICE_API_INT_H */
