/*
 * test_api_shared.c: a request answered from the cache of rendered bodies
 * (service/api_cache.c) holds the response until it is queued, whatever the
 * cache does meanwhile (api_int.h, struct api_shared).
 *
 * A deferred request (/api/v1/daily, a gzip variant made across loop
 * turns) is answered by api_reply_shared when its body is ready, and queued
 * by on_request in a later MHD_run; here the window is forced: the waiter is
 * answered, then the body is rebuilt (a new generation), evicted from the
 * LRU, dropped as too big, or the cache freed, and only then is the held
 * response queued on a real MHD connection: the client gets the bytes the
 * request was answered with, and every response is destroyed exactly once
 * (api_shared_live; ASan sees a body freed early when MHD copies or sends
 * it). Loopback only: MHD binds 127.0.0.1 port 0 itself.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "service/api_cache.h"
#include "service/api_int.h"

static bool no_token(void *ctx)
{
    (void)ctx;
    return false;
}

static const struct api_ops ops = {.read_requires_token = no_token};

struct fixture {
    struct api a;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->a.magic = API_MAGIC;
    f->a.ops = &ops;
    f->a.cache = api_cache_new(7);
    assert_non_null(f->a.cache);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    api_cache_free(f->a.cache);
    assert_int_equal(api_shared_live(), 0);
    free(f);
    return 0;
}

/* A request of f, after its handler ran (REQ_BODY), or deferred by it
 * (REQ_DEFERRED: a waiter of /api/v1/daily or of a gzip variant). */
static struct api_req *req_new(struct fixture *f, bool deferred)
{
    struct api_req *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->magic = API_REQ_MAGIC;
    r->api = &f->a;
    r->state = REQ_BODY;
    if (deferred)
        api_defer(r);
    return r;
}

/* What queue() and req_free() do with r's answer once MHD has it. */
static void req_done(struct api_req *r)
{
    if (r->resp)
        MHD_destroy_response(r->resp);
    api_shared_drop(r->shared);
    for (size_t i = 0; i < r->nh; i++) {
        free(r->hname[i]);
        free(r->hval[i]);
    }
    free(r);
}

struct body {
    const char *text; /* repeated to len bytes */
    size_t len;
};

static char *build(struct api_req *r, void *arg, size_t *len, unsigned *status)
{
    (void)r;
    (void)status;
    const struct body *b = arg;
    size_t n = strlen(b->text);
    char *out = malloc(b->len);
    assert_non_null(out);
    for (size_t i = 0; i < b->len; i++)
        out[i] = b->text[i % n];
    *len = b->len;
    return out;
}

static struct api_cache_spec spec(const char *key, uint64_t gen, struct body *b)
{
    return (struct api_cache_spec){
        .key = key, .gen = gen, .ctype = "application/json", .build = build, .arg = b};
}

/* ---- the held response on a real connection ----------------------------- */

static struct MHD_Response *to_send;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;
    return MHD_queue_response(c, MHD_HTTP_OK, to_send);
}

/* Queues resp on a loopback connection (as on_request queues r->shared)
 * and asserts that the client gets `want` (len bytes). */
static void assert_sends(struct MHD_Response *resp, const struct body *want)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to_send = resp;
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, NULL,
                         MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
    assert_non_null(d);
    const union MHD_DaemonInfo *pi = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(pi);
    sa.sin_port = htons(pi->port);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct timeval tv = {.tv_sec = 60};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    assert_int_equal(connect(s, (struct sockaddr *)&sa, sizeof sa), 0);
    static const char req[] = "GET / HTTP/1.0\r\n\r\n";
    assert_int_equal(send(s, req, sizeof req - 1, 0), (ssize_t)(sizeof req - 1));
    size_t cap = want->len + 4096, got = 0;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    for (;;) {
        ssize_t n = recv(s, buf + got, cap - got, 0);
        assert_true(n >= 0); /* a timeout (60 s) fails */
        if (n == 0)
            break;
        got += (size_t)n;
        assert_true(got < cap);
    }
    close(s);
    MHD_stop_daemon(d);
    buf[got] = '\0';
    char *head_end = strstr(buf, "\r\n\r\n");
    assert_non_null(head_end);
    assert_non_null(strstr(buf, "ETag: \""));
    size_t blen = got - (size_t)(head_end + 4 - buf);
    assert_int_equal(blen, want->len);
    size_t n = strlen(want->text);
    for (size_t i = 0; i < blen; i++)
        if (head_end[4 + i] != want->text[i % n])
            fail_msg("byte %zu differs", i);
    free(buf);
}

/* ---- the window ------------------------------------------------------------ */

/* The waiter is answered, then a request for the same key sees a new
 * generation and rebuilds the body before the waiter is queued. */
static void test_rebuilt_before_queued(void **state)
{
    struct fixture *f = *state;
    struct body one = {"one,", 3000}, two = {"two;", 5000};
    struct api_cache_spec s1 = spec("daily-all 90", 1, &one);
    s1.pinned = true;
    struct api_req *waiter = req_new(f, true);
    api_cache_reply(waiter, &s1);
    assert_int_equal(waiter->state, REQ_REPLIED);
    assert_null(f->a.deferred);
    assert_non_null(waiter->shared);
    assert_int_equal(waiter->shared->refs, 2); /* the cache's and the waiter's */
    assert_int_equal(api_shared_live(), 1);
    struct MHD_Response *held = waiter->shared->resp; /* what on_request queues */

    struct api_cache_spec s2 = spec("daily-all 90", 2, &two);
    s2.pinned = true;
    struct api_req *other = req_new(f, false);
    api_cache_reply(other, &s2); /* rebuilt: the cache lets go of "one" */
    struct api_cache_stats st;
    api_cache_stats(f->a.cache, &st);
    assert_int_equal(st.builds, 2);
    assert_ptr_not_equal(other->shared, waiter->shared);
    assert_int_equal(waiter->shared->refs, 1);
    assert_int_equal(api_shared_live(), 2);

    assert_sends(held, &one);
    assert_sends(other->shared->resp, &two);
    req_done(waiter);
    assert_int_equal(api_shared_live(), 1); /* "one" destroyed, once */
    req_done(other);
    assert_int_equal(api_shared_live(), 1); /* "two": the cache's */
}

/* The waiter's body is evicted from the LRU (1,024 entries) before it is
 * queued. */
static void test_evicted_before_queued(void **state)
{
    struct fixture *f = *state;
    struct body mine = {"mine", 2000}, small = {"x", 10};
    struct api_cache_spec sp = spec("daily-all 7", 1, &mine);
    struct api_req *waiter = req_new(f, true);
    api_cache_reply(waiter, &sp);
    assert_int_equal(waiter->state, REQ_REPLIED);
    struct MHD_Response *held = waiter->shared->resp;
    for (unsigned i = 0; i < API_CACHE_ENTRIES_MAX + 10; i++) {
        char key[32];
        snprintf(key, sizeof key, "results %u", i);
        struct api_cache_spec o = spec(key, 1, &small);
        struct api_req *r = req_new(f, false);
        api_cache_reply(r, &o);
        req_done(r);
    }
    struct api_cache_stats st;
    api_cache_stats(f->a.cache, &st);
    assert_int_equal(st.entries, API_CACHE_ENTRIES_MAX);
    assert_true(st.evictions >= 11); /* "daily-all 7" among them */
    assert_int_equal(waiter->shared->refs, 1);
    assert_int_equal(api_shared_live(), API_CACHE_ENTRIES_MAX + 1);

    assert_sends(held, &mine);
    req_done(waiter);
    assert_int_equal(api_shared_live(), API_CACHE_ENTRIES_MAX);
}

/* Several waiters of one build (job_finish answers them in turn), then the
 * cache is freed before any is queued. */
static void test_cache_freed_before_queued(void **state)
{
    struct fixture *f = *state;
    struct body b = {"abc", 4000};
    struct api_cache_spec sp = spec("targets json", 3, &b);
    sp.pinned = true;
    struct api_req *w[3];
    for (int i = 0; i < 3; i++)
        w[i] = req_new(f, true);
    for (int i = 0; i < 3; i++)
        api_cache_reply(w[i], &sp);
    assert_ptr_equal(w[0]->shared, w[2]->shared);
    assert_int_equal(w[0]->shared->refs, 4);
    api_cache_free(f->a.cache);
    f->a.cache = api_cache_new(8);
    assert_non_null(f->a.cache);
    assert_int_equal(w[0]->shared->refs, 3);
    assert_sends(w[1]->shared->resp, &b);
    for (int i = 0; i < 3; i++)
        req_done(w[i]);
    assert_int_equal(api_shared_live(), 0);
}

/* A body too big for the LRU is not kept: the request holds the only
 * reference. */
static void test_not_kept(void **state)
{
    struct fixture *f = *state;
    struct body big = {"0123456789", API_CACHE_BYTES_MAX / 4 + 1};
    struct api_cache_spec sp = spec("results big", 1, &big);
    struct api_req *r = req_new(f, true);
    api_cache_reply(r, &sp);
    assert_int_equal(r->state, REQ_REPLIED);
    assert_int_equal(r->shared->refs, 1);
    struct api_cache_stats st;
    api_cache_stats(f->a.cache, &st);
    assert_int_equal(st.entries, 0);
    assert_int_equal(api_shared_live(), 1);
    assert_sends(r->shared->resp, &big);
    req_done(r);
    assert_int_equal(api_shared_live(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rebuilt_before_queued, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evicted_before_queued, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_freed_before_queued, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_kept, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
