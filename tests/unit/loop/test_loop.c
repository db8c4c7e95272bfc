/*
 * test_loop.c: the daemon's event loop: timers fire in due order (ties in
 * the order set), a cancelled timer never fires, a timer set for "now" from
 * a timer callback waits for the next pass; an fd's callback, loop_fd_mod,
 * an fd deleted by an earlier callback of the same iteration is not
 * delivered; foreign transfers against an HTTP server on loopback served by
 * the same loop (done with the body, a refused connection, a cancelled
 * transfer); a check finishing through check_dispatch and loop_on_check.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "probes/check/check.h"
#include "service/loop.h"

static struct loop *new_loop(void)
{
    char err[200] = "";
    struct loop *l = loop_new(err, sizeof err);
    assert_non_null(l);
    return l;
}

/* A guard: fails the test if the loop runs longer than it should. */
static void guard_fired(void *arg)
{
    (void)arg;
    fail_msg("the loop did not finish in time");
}

/* ---- timers -------------------------------------------------------------- */

struct order {
    struct loop *l;
    int seen[16];
    int n;
    int stop_at;
};

struct tick {
    struct order *o;
    int id;
};

static void on_tick(void *arg)
{
    struct tick *t = arg;
    t->o->seen[t->o->n++] = t->id;
    if (t->o->n == t->o->stop_at)
        loop_stop(t->o->l);
}

static void test_timers_order_and_cancel(void **state)
{
    (void)state;
    struct loop *l = new_loop();
    struct order o = {.l = l, .stop_at = 4};
    int64_t now = loop_now_ms(l);
    struct tick t[5] = {{&o, 1}, {&o, 2}, {&o, 3}, {&o, 4}, {&o, 5}};
    assert_non_null(loop_timer_at(l, now + 30, on_tick, &t[2]));
    assert_non_null(loop_timer_at(l, now + 10, on_tick, &t[0]));
    struct loop_timer *gone = loop_timer_at(l, now + 15, on_tick, &t[4]);
    assert_non_null(loop_timer_at(l, now + 20, on_tick, &t[1]));
    assert_non_null(loop_timer_at(l, now + 30, on_tick, &t[3])); /* tie: after 3 */
    loop_timer_cancel(l, gone);
    loop_timer_cancel(l, NULL);
    struct loop_timer *g = loop_timer_at(l, now + 5000, guard_fired, NULL);
    assert_int_equal(loop_run(l), 0);
    assert_int_equal(o.n, 4);
    assert_int_equal(o.seen[0], 1);
    assert_int_equal(o.seen[1], 2);
    assert_int_equal(o.seen[2], 3);
    assert_int_equal(o.seen[3], 4);
    assert_true(loop_now_ms(l) >= now + 30);
    loop_timer_cancel(l, g);
    loop_free(l);
}

struct resched {
    struct loop *l;
    int fired;
    int64_t first_now;
};

static void on_resched(void *arg)
{
    struct resched *r = arg;
    r->fired++;
    if (r->fired == 1) {
        r->first_now = loop_now_ms(r->l);
        /* due in the past: fires, but on a later pass */
        assert_non_null(loop_timer_at(r->l, loop_now_ms(r->l) - 100, on_resched, r));
    } else {
        loop_stop(r->l);
    }
}

static void test_timer_past_and_from_callback(void **state)
{
    (void)state;
    struct loop *l = new_loop();
    struct resched r = {.l = l};
    assert_non_null(loop_timer_at(l, loop_now_ms(l) - 1000, on_resched, &r));
    struct loop_timer *g = loop_timer_at(l, loop_now_ms(l) + 5000, guard_fired, NULL);
    assert_int_equal(loop_run(l), 0);
    assert_int_equal(r.fired, 2);
    loop_timer_cancel(l, g);
    /* pending timers are freed by loop_free without firing */
    assert_non_null(loop_timer_at(l, loop_now_ms(l) + 100000, guard_fired, NULL));
    loop_free(l);
}

/* ---- fds ----------------------------------------------------------------- */

struct pipes {
    struct loop *l;
    int a[2], b[2];
    int got_a, got_b, writable;
};

static void on_b(void *arg, int fd, uint32_t ev)
{
    struct pipes *p = arg;
    (void)fd;
    (void)ev;
    p->got_b++;
}

static void on_a(void *arg, int fd, uint32_t ev)
{
    struct pipes *p = arg;
    assert_true(ev & EPOLLIN);
    char c;
    assert_int_equal(read(fd, &c, 1), 1);
    p->got_a++;
    /* b is readable too, in this same iteration: deleting it must drop its
     * pending event */
    loop_fd_del(p->l, p->b[0]);
    loop_fd_del(p->l, p->b[0]); /* twice: no-op */
    loop_stop(p->l);
}

static void on_w(void *arg, int fd, uint32_t ev)
{
    struct pipes *p = arg;
    (void)fd;
    assert_true(ev & EPOLLOUT);
    p->writable++;
    assert_int_equal(loop_fd_mod(p->l, fd, 0), 0); /* stop asking */
    assert_int_equal(write(p->a[1], "x", 1), 1);
    assert_int_equal(write(p->b[1], "y", 1), 1);
}

static void test_fds(void **state)
{
    (void)state;
    struct loop *l = new_loop();
    struct pipes p = {.l = l};
    assert_int_equal(pipe(p.a), 0);
    assert_int_equal(pipe(p.b), 0);
    /* register b before a so that either may come first in epoll's list:
     * whichever comes first, a's callback removes b (if b came first, on_b
     * counts it once) */
    assert_int_equal(loop_fd_add(l, p.b[0], EPOLLIN, on_b, &p), 0);
    assert_int_equal(loop_fd_add(l, p.a[0], EPOLLIN, on_a, &p), 0);
    assert_int_equal(loop_fd_add(l, p.a[0], EPOLLIN, on_a, &p), -1);
    assert_int_equal(errno, EEXIST);
    assert_int_equal(loop_fd_add(l, p.a[1], EPOLLOUT, on_w, &p), 0);
    assert_int_equal(loop_fd_mod(l, 1000, EPOLLIN), -1);
    assert_int_equal(loop_fd_add(l, -1, EPOLLIN, on_a, &p), -1);
    struct loop_timer *g = loop_timer_at(l, loop_now_ms(l) + 5000, guard_fired, NULL);
    assert_int_equal(loop_run(l), 0);
    assert_int_equal(p.writable, 1);
    assert_int_equal(p.got_a, 1);
    assert_true(p.got_b <= 1);
    /* b stays readable but is no longer watched: another turn never calls on_b */
    int before = p.got_b;
    struct order o = {.l = l, .stop_at = 1};
    struct tick t = {&o, 1};
    assert_non_null(loop_timer_at(l, loop_now_ms(l) + 20, on_tick, &t));
    assert_int_equal(loop_run(l), 0);
    assert_int_equal(p.got_b, before);
    loop_timer_cancel(l, g);
    loop_fd_del(l, p.a[0]);
    loop_fd_del(l, p.a[1]);
    for (int i = 0; i < 2; i++) {
        close(p.a[i]);
        close(p.b[i]);
    }
    loop_free(l);
}

/* ---- foreign transfers against a loopback HTTP server on the same loop ---- */

struct srv {
    struct loop *l;
    int lfd;
    uint16_t port;
    int conn;
    char req[2048];
    size_t reqlen;
    int served;
};

static void on_conn(void *arg, int fd, uint32_t ev)
{
    struct srv *s = arg;
    (void)ev;
    ssize_t n = read(fd, s->req + s->reqlen, sizeof s->req - 1 - s->reqlen);
    if (n > 0) {
        s->reqlen += (size_t)n;
        s->req[s->reqlen] = '\0';
        if (strstr(s->req, "\r\n\r\n") == NULL)
            return;
        static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                                   "Connection: close\r\n\r\nhello";
        assert_int_equal(write(fd, resp, sizeof resp - 1), (ssize_t)(sizeof resp - 1));
        s->served++;
    }
    loop_fd_del(s->l, fd);
    close(fd);
    s->conn = -1;
    s->reqlen = 0;
}

static void on_accept(void *arg, int fd, uint32_t ev)
{
    struct srv *s = arg;
    (void)ev;
    int c = accept(fd, NULL, NULL);
    assert_true(c >= 0);
    s->conn = c;
    assert_int_equal(loop_fd_add(s->l, c, EPOLLIN, on_conn, s), 0);
}

static int listen_loopback(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 8), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

struct client {
    struct loop *l;
    char body[64];
    size_t len;
    int done;
    CURLcode rc;
    long status;
    int pending;
};

static size_t on_body(char *p, size_t sz, size_t n, void *arg)
{
    struct client *c = arg;
    size_t k = sz * n;
    if (c->len + k >= sizeof c->body)
        return 0;
    memcpy(c->body + c->len, p, k);
    c->len += k;
    c->body[c->len] = '\0';
    return k;
}

static void on_xfer(void *arg, CURL *easy, CURLcode rc)
{
    struct client *c = arg;
    c->done++;
    c->rc = rc;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &c->status);
    curl_easy_cleanup(easy);
    if (--c->pending == 0)
        loop_stop(c->l);
}

static CURL *easy_to(const char *url, struct client *c)
{
    CURL *e = curl_easy_init();
    assert_non_null(e);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    return e;
}

/* ---- priority fds ---------------------------------------------------------- */

#define BATCH 64

struct prio {
    struct loop *l;
    int batch[BATCH][2];
    int fast[2];
    int seen;         /* batch callbacks so far */
    int fast_at;      /* batch callbacks before the priority one; -1 */
};

static void on_batch(void *arg, int fd, uint32_t events)
{
    (void)events;
    struct prio *p = arg;
    loop_fd_del(p->l, fd);
    if (++p->seen == BATCH && p->fast_at >= 0)
        loop_stop(p->l);
}

static void on_fast(void *arg, int fd, uint32_t events)
{
    (void)events;
    struct prio *p = arg;
    assert_int_equal(p->fast_at, -1); /* once: deleted below */
    p->fast_at = p->seen;
    loop_fd_del(p->l, fd);
    if (p->seen == BATCH)
        loop_stop(p->l);
}

/* 64 readable fds in one batch and a priority fd that became readable
 * last: its callback runs after LOOP_PRIORITY_EVERY of them, not after all. */
static void test_priority_fd(void **state)
{
    (void)state;
    struct loop *l = new_loop();
    struct prio p = {.l = l, .fast_at = -1};
    for (int i = 0; i < BATCH; i++) {
        assert_int_equal(pipe(p.batch[i]), 0);
        assert_int_equal(write(p.batch[i][1], "x", 1), 1);
        assert_int_equal(loop_fd_add(l, p.batch[i][0], EPOLLIN, on_batch, &p), 0);
    }
    assert_int_equal(pipe(p.fast), 0);
    assert_int_equal(loop_fd_priority(l, p.fast[0]), -1); /* not watched yet */
    assert_int_equal(write(p.fast[1], "x", 1), 1);
    assert_int_equal(loop_fd_add(l, p.fast[0], EPOLLIN, on_fast, &p), 0);
    assert_int_equal(loop_fd_priority(l, p.fast[0]), 0);
    assert_int_equal(loop_fd_priority(l, p.fast[0]), 0); /* twice: once */
    struct loop_timer *g = loop_timer_at(l, loop_now_ms(l) + 5000, guard_fired, NULL);
    assert_int_equal(loop_run(l), 0);
    loop_timer_cancel(l, g);
    assert_int_equal(p.seen, BATCH);
    assert_true(p.fast_at >= 0);
    assert_true(p.fast_at <= LOOP_PRIORITY_EVERY);
    for (int i = 0; i < BATCH; i++) {
        close(p.batch[i][0]);
        close(p.batch[i][1]);
    }
    close(p.fast[0]);
    close(p.fast[1]);
    loop_free(l);
}

static void test_foreign_transfers(void **state)
{
    (void)state;
    struct loop *l = new_loop();
    struct srv s = {.l = l, .conn = -1};
    s.lfd = listen_loopback(&s.port);
    assert_int_equal(loop_fd_add(l, s.lfd, EPOLLIN, on_accept, &s), 0);

    /* a port that refuses: bind one, close it */
    uint16_t closed_port;
    close(listen_loopback(&closed_port));

    char url[128];
    struct client ok = {.l = l, .pending = 1};
    snprintf(url, sizeof url, "http://127.0.0.1:%u/rpc/rpcproxy.dll", (unsigned)s.port);
    CURL *e1 = easy_to(url, &ok);
    assert_int_equal(loop_xfer_add(l, e1, on_xfer, &ok), 0);
    assert_int_equal(loop_xfer_add(l, e1, on_xfer, &ok), -1); /* already in */

    struct client refused = {.l = l, .pending = 1};
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", (unsigned)closed_port);
    CURL *e2 = easy_to(url, &refused);
    assert_int_equal(loop_xfer_add(l, e2, on_xfer, &refused), 0);

    struct client cancelled = {.l = l, .pending = 1};
    CURL *e3 = easy_to(url, &cancelled);
    assert_int_equal(loop_xfer_add(l, e3, on_xfer, &cancelled), 0);
    assert_int_equal(loop_xfers(l), 3);
    loop_xfer_cancel(l, e3);
    loop_xfer_cancel(l, e3); /* no longer pending: no-op */
    curl_easy_cleanup(e3);
    assert_int_equal(loop_xfers(l), 2);

    struct loop_timer *g = loop_timer_at(l, loop_now_ms(l) + 10000, guard_fired, NULL);
    while (ok.done + refused.done < 2)
        assert_int_equal(loop_run(l), 0);
    loop_timer_cancel(l, g);

    assert_int_equal(ok.done, 1);
    assert_int_equal(ok.rc, CURLE_OK);
    assert_int_equal(ok.status, 200);
    assert_string_equal(ok.body, "hello");
    assert_int_equal(s.served, 1);
    assert_memory_equal(s.req, "GET /rpc/rpcproxy.dll ", 22);
    assert_int_equal(refused.done, 1);
    assert_int_equal(refused.rc, CURLE_COULDNT_CONNECT);
    assert_int_equal(cancelled.done, 0);
    assert_int_equal(loop_xfers(l), 0);

    if (s.conn >= 0) {
        loop_fd_del(l, s.conn);
        close(s.conn);
    }
    loop_fd_del(l, s.lfd);
    close(s.lfd);
    loop_free(l);
}

/* A transfer still pending at loop_free is removed and cleaned up (LSan
 * would name the leak otherwise). */
static void test_free_with_pending_transfer(void **state)
{
    (void)state;
    struct loop *l = new_loop();
    struct client c = {.l = l, .pending = 1};
    CURL *e = easy_to("http://127.0.0.1:9/", &c);
    assert_int_equal(loop_xfer_add(l, e, on_xfer, &c), 0);
    loop_free(l);
    assert_int_equal(c.done, 0);
}

/* ---- a check through the loop -------------------------------------------- */

struct checked {
    struct loop *l;
    struct check *c;
    int n;
};

static void on_check(void *arg, struct check *c)
{
    struct checked *k = arg;
    k->c = c;
    k->n++;
    loop_stop(k->l);
}

static void test_check_through_loop(void **state)
{
    (void)state;
    struct loop *l = new_loop();
    struct checked k = {.l = l};
    loop_on_check(l, on_check, &k);
    /* plain HTTP to loopback port 80 (nothing listens there in the test's
     * network namespace): the check ends quickly, whatever it finds */
    static const char resolve[] = "oa.test:80:127.0.0.1";
    struct check_opts o = {
        .host = "oa.test",
        .depth = CHECK_DEPTH_TLS,
        .http = true,
        .resolve = {resolve},
        .n_resolve = 1,
        .timeout_ms = 3000,
    };
    char err[200] = "";
    struct check *c = check_new(&o, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(check_start(c, loop_multi(l)), 0);
    struct loop_timer *g = loop_timer_at(l, loop_now_ms(l) + 10000, guard_fired, NULL);
    assert_int_equal(loop_run(l), 0);
    loop_timer_cancel(l, g);
    assert_int_equal(k.n, 1);
    assert_ptr_equal(k.c, c);
    assert_true(check_done(c));
    assert_non_null(check_result(c));
    check_free(c);
    loop_free(l);
}

static void test_null_args(void **state)
{
    (void)state;
    loop_free(NULL);
    loop_stop(NULL);
    loop_on_check(NULL, NULL, NULL);
    assert_null(loop_multi(NULL));
    assert_int_equal(loop_xfers(NULL), 0);
    assert_int_equal(loop_run(NULL), -1);
    assert_null(loop_timer_at(NULL, 0, on_tick, NULL));
    loop_fd_del(NULL, 0);
    loop_xfer_cancel(NULL, NULL);
    assert_int_equal(loop_xfer_add(NULL, NULL, on_xfer, NULL), -1);
    assert_int_equal(loop_fd_add(NULL, 0, EPOLLIN, on_b, NULL), -1);
    assert_true(loop_wall_ms() > 1600000000000LL);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_order_and_cancel),
        cmocka_unit_test(test_timer_past_and_from_callback),
        cmocka_unit_test(test_fds),
        cmocka_unit_test(test_priority_fd),
        cmocka_unit_test(test_foreign_transfers),
        cmocka_unit_test(test_free_with_pending_transfer),
        cmocka_unit_test(test_check_through_loop),
        cmocka_unit_test(test_null_args),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    check_engine_cleanup();
    curl_global_cleanup();
    return rc;
}
