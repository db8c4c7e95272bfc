/*
 * api_sse.c: GET /api/v1/events, server-sent events to any number of
 * clients (up to API_SSE_CLIENTS_MAX), each with its own bounded queue.
 *
 * A stream is an MHD response from a content reader. The reader hands out
 * what the client's queue holds; when it is empty it suspends the
 * connection, and the next event (or keep-alive comment) resumes it. An
 * event that would take a queue past API_SSE_QUEUE_MAX marks the client
 * dropped: its stream ends and its memory is freed. A slow reader costs at
 * most API_SSE_QUEUE_MAX bytes, never more.
 */
#include "service/api_int.h"

#include <stdlib.h>
#include <string.h>

#include "service/loop.h"
#include "web/render_sse.h"

struct sse_client {
    struct api_sse *owner;     /* NULL once the api is gone */
    struct MHD_Connection *conn;
    char *buf;                 /* queued bytes [off, len) */
    size_t off, len;
    bool dropped, suspended;
    struct sse_client *prev, *next;
};

struct api_sse {
    struct api *api;
    struct sse_client *clients;
    size_t n;
    uint64_t next_id;
    struct loop_timer *keepalive;
    uint64_t dropped_total;
};

static void client_wake(struct sse_client *c)
{
    if (c->suspended) {
        c->suspended = false;
        MHD_resume_connection(c->conn);
        if (c->owner)
            api_kick(c->owner->api);
    }
}

static void client_push(struct sse_client *c, const char *bytes, size_t n)
{
    if (c->dropped)
        return;
    size_t queued = c->len - c->off;
    if (queued + n > API_SSE_QUEUE_MAX) {
        c->dropped = true; /* the reader ends the stream */
        free(c->buf);
        c->buf = NULL;
        c->off = c->len = 0;
        if (c->owner)
            c->owner->dropped_total++;
        client_wake(c);
        return;
    }
    if (c->off > 0) {
        memmove(c->buf, c->buf + c->off, queued);
        c->off = 0;
        c->len = queued;
    }
    char *b = realloc(c->buf, c->len + n);
    if (b == NULL) {
        c->dropped = true;
        client_wake(c);
        return;
    }
    memcpy(b + c->len, bytes, n);
    c->buf = b;
    c->len += n;
    client_wake(c);
}

static ssize_t client_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct sse_client *c = cls;
    if (c->dropped || c->owner == NULL)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t queued = c->len - c->off;
    if (queued == 0) {
        c->suspended = true;
        MHD_suspend_connection(c->conn);
        return 0;
    }
    size_t n = queued < max ? queued : max;
    memcpy(out, c->buf + c->off, n);
    c->off += n;
    if (c->off == c->len)
        c->off = c->len = 0;
    return (ssize_t)n;
}

static void client_unlink(struct sse_client *c)
{
    struct api_sse *s = c->owner;
    if (s == NULL)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->n--;
    c->owner = NULL;
}

static void client_free(void *cls)
{
    struct sse_client *c = cls;
    client_unlink(c);
    free(c->buf);
    free(c);
}

static void broadcast(struct api_sse *s, const char *bytes, size_t n)
{
    for (struct sse_client *c = s->clients; c; c = c->next)
        client_push(c, bytes, n);
}

static void on_keepalive(void *arg)
{
    struct api_sse *s = arg;
    s->keepalive = NULL;
    static const char ka[] = ": keep-alive\n\n";
    broadcast(s, ka, sizeof ka - 1);
    s->keepalive = loop_timer_at(s->api->loop, loop_now_ms(s->api->loop) + API_SSE_KEEPALIVE_MS,
                                 on_keepalive, s);
}

int api_sse_init(struct api *a)
{
    struct api_sse *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -1;
    s->api = a;
    a->sse = s;
    s->keepalive = loop_timer_at(a->loop, loop_now_ms(a->loop) + API_SSE_KEEPALIVE_MS,
                                 on_keepalive, s);
    return 0;
}

void api_sse_fini(struct api *a)
{
    struct api_sse *s = a->sse;
    if (s == NULL)
        return;
    loop_timer_cancel(a->loop, s->keepalive);
    while (s->clients) {
        struct sse_client *c = s->clients;
        c->dropped = true;
        client_unlink(c);
        client_wake(c);
    }
    free(s);
    a->sse = NULL;
}

void api_sse_start(struct api_req *r)
{
    if (r == NULL)
        return;
    struct api_sse *s = r->api->sse;
    if (s == NULL || s->n >= API_SSE_CLIENTS_MAX) {
        api_error(r, 503, "unavailable", "too many event streams are open (%u)",
                  API_SSE_CLIENTS_MAX);
        return;
    }
    struct sse_client *c = calloc(1, sizeof *c);
    if (c == NULL) {
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    c->conn = r->conn;
    static const char hello[] = "retry: 5000\n: oaprobe events\n\n";
    c->buf = malloc(sizeof hello);
    if (c->buf) {
        memcpy(c->buf, hello, sizeof hello - 1);
        c->len = sizeof hello - 1;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, client_read, c, client_free);
    if (resp == NULL) {
        free(c->buf);
        free(c);
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    c->owner = s;
    c->next = s->clients;
    if (s->clients)
        s->clients->prev = c;
    s->clients = c;
    s->n++;
    api_reply_header(r, "X-Accel-Buffering", "no");
    api_reply_resp(r, 200, "text/event-stream", resp);
}

static void publish_frame(struct api *a, char *frame, size_t len)
{
    if (frame) {
        broadcast(a->sse, frame, len);
        free(frame);
    }
}

void api_publish(struct api *a, const char *event, const char *data)
{
    if (a == NULL || a->sse == NULL || a->sse->n == 0)
        return;
    size_t len = 0;
    char *f = render_sse_frame(event, ++a->sse->next_id, data, &len);
    publish_frame(a, f, len);
}

void api_publish_result(struct api *a, const struct view_target *t)
{
    if (a == NULL || a->sse == NULL || a->sse->n == 0 || t == NULL)
        return;
    size_t len = 0;
    char *f = render_sse_result(t, ++a->sse->next_id, &len);
    publish_frame(a, f, len);
}

void api_publish_state(struct api *a, const struct view_target *t, enum oa_state from,
                       int64_t at_ms)
{
    if (a == NULL || a->sse == NULL || a->sse->n == 0 || t == NULL)
        return;
    size_t len = 0;
    char *f = render_sse_state(t, from, at_ms, ++a->sse->next_id, &len);
    publish_frame(a, f, len);
}

void api_sse_counts(const struct api *a, size_t *streams, uint64_t *dropped)
{
    const struct api_sse *s = a ? a->sse : NULL;
    if (streams)
        *streams = s ? s->n : 0;
    if (dropped)
        *dropped = s ? s->dropped_total : 0;
}
