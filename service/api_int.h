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
    struct MHD_Response *resp;
    bool resp_shared;          /* resp belongs to the cache (api_cache.c) */
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

/* api.c: answer r with resp as it is (its headers set already). shared:
 * the caller keeps its reference (a cached body); else r takes it over. */
void api_reply_shared(struct api_req *r, unsigned status, struct MHD_Response *resp,
                      bool shared);

/* api.c: answer r with a response built by the caller (NULL: 500); the
 * common headers are added. */
void api_reply_resp(struct api_req *r, unsigned status, const char *ctype,
                    struct MHD_Response *resp);

#endif /* OAPROBE_SERVICE_API_INT_H */
