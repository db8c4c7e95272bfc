/*
 * loop.c: one epoll, libcurl's multi socket interface, a timer heap and the
 * table of foreign transfers (see loop.h).
 *
 * fds: a table indexed by fd says who owns each watched fd (a user's
 * callback, or libcurl), with a generation number that goes into the epoll
 * event, so an event of an fd deleted (and maybe reused) earlier in the same
 * iteration is dropped. libcurl's timer is one deadline beside the heap.
 *
 * One iteration: epoll_wait until the earliest timer (heap or libcurl's),
 * refresh the clock, dispatch fd events (libcurl's sockets through
 * curl_multi_socket_action), libcurl's timeout if due, finished transfers,
 * then the heap timers that are due.
 *
 * The check engine's eventfd (check_engine_fd: Kerberos tickets acquired on
 * a background thread) is watched from loop_new on; check_engine_poll()
 * runs when it is readable.
 */
#include "service/loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "probes/check/check.h"

#define LOOP_EVENTS 128      /* epoll events read per wait */
#define LOOP_WAIT_MAX_MS 1000 /* longest single wait (a clock sanity bound) */

enum fd_kind { FD_NONE = 0, FD_USER, FD_CURL };

struct fd_slot {
    enum fd_kind kind;
    uint32_t gen;
    uint32_t events;
    loop_fd_fn fn;
    void *arg;
};

struct loop_timer {
    int64_t due;
    uint64_t seq;
    size_t idx; /* in the heap */
    loop_timer_fn fn;
    void *arg;
};

struct xfer {
    CURL *easy;
    loop_xfer_fn done;
    void *arg;
};

struct loop {
    int epfd;
    CURLM *multi;
    int64_t now;
    bool stop;
    uint32_t gen;

    struct fd_slot *fds;
    size_t nfds; /* slots allocated */

    struct loop_timer **heap;
    size_t nheap, capheap;
    uint64_t seq;

    int64_t curl_due; /* -1: no libcurl timeout pending */

    struct xfer *xfers;
    size_t nxfers, capxfers;

    loop_check_fn check_fn;
    void *check_arg;
    int engine_fd; /* check_engine_fd(): the engine's background work; -1 */

    int prio[LOOP_PRIORITY_MAX]; /* loop_fd_priority */
    size_t nprio;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t loop_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- fd table ------------------------------------------------------------ */

static struct fd_slot *slot_get(struct loop *l, int fd, bool grow)
{
    if (fd < 0)
        return NULL;
    if ((size_t)fd >= l->nfds) {
        if (!grow)
            return NULL;
        size_t n = l->nfds ? l->nfds : 64;
        while (n <= (size_t)fd)
            n *= 2;
        struct fd_slot *p = realloc(l->fds, n * sizeof *p);
        if (p == NULL)
            return NULL;
        memset(p + l->nfds, 0, (n - l->nfds) * sizeof *p);
        l->fds = p;
        l->nfds = n;
    }
    return &l->fds[fd];
}

static int epoll_set(struct loop *l, int op, int fd, uint32_t events, uint32_t gen)
{
    struct epoll_event ev = {.events = events,
                             .data.u64 = ((uint64_t)gen << 32) | (uint32_t)fd};
    return epoll_ctl(l->epfd, op, fd, &ev);
}

int loop_fd_add(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *arg)
{
    if (l == NULL || fn == NULL || fd < 0) {
        errno = EINVAL;
        return -1;
    }
    struct fd_slot *s = slot_get(l, fd, true);
    if (s == NULL) {
        errno = ENOMEM;
        return -1;
    }
    if (s->kind != FD_NONE) {
        errno = EEXIST;
        return -1;
    }
    uint32_t gen = ++l->gen;
    if (epoll_set(l, EPOLL_CTL_ADD, fd, events, gen) != 0)
        return -1;
    *s = (struct fd_slot){.kind = FD_USER, .gen = gen, .events = events, .fn = fn, .arg = arg};
    return 0;
}

int loop_fd_mod(struct loop *l, int fd, uint32_t events)
{
    struct fd_slot *s = l ? slot_get(l, fd, false) : NULL;
    if (s == NULL || s->kind != FD_USER) {
        errno = ENOENT;
        return -1;
    }
    if (epoll_set(l, EPOLL_CTL_MOD, fd, events, s->gen) != 0)
        return -1;
    s->events = events;
    return 0;
}

void loop_fd_del(struct loop *l, int fd)
{
    struct fd_slot *s = l ? slot_get(l, fd, false) : NULL;
    if (s == NULL || s->kind != FD_USER)
        return;
    (void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
    *s = (struct fd_slot){0};
    for (size_t i = 0; i < l->nprio; i++)
        if (l->prio[i] == fd)
            l->prio[i--] = l->prio[--l->nprio];
}

int loop_fd_priority(struct loop *l, int fd)
{
    struct fd_slot *s = l ? slot_get(l, fd, false) : NULL;
    if (s == NULL || s->kind != FD_USER || l->nprio == LOOP_PRIORITY_MAX) {
        errno = s == NULL ? ENOENT : ENOSPC;
        return -1;
    }
    for (size_t i = 0; i < l->nprio; i++)
        if (l->prio[i] == fd)
            return 0;
    l->prio[l->nprio++] = fd;
    return 0;
}

/* The callbacks of the priority fds that are readable now. */
static void run_priority(struct loop *l)
{
    struct pollfd p[LOOP_PRIORITY_MAX];
    size_t n = l->nprio;
    for (size_t i = 0; i < n; i++)
        p[i] = (struct pollfd){.fd = l->prio[i], .events = POLLIN};
    if (n == 0 || poll(p, (nfds_t)n, 0) <= 0)
        return;
    for (size_t i = 0; i < n && !l->stop; i++) {
        struct fd_slot *s = slot_get(l, p[i].fd, false);
        /* a callback may have deleted it meanwhile */
        if ((p[i].revents & POLLIN) && s != NULL && s->kind == FD_USER)
            s->fn(s->arg, p[i].fd, EPOLLIN);
    }
}

/* ---- libcurl's sockets and timer ------------------------------------------ */

static int curl_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    (void)socketp;
    struct loop *l = userp;
    struct fd_slot *s = slot_get(l, fd, what != CURL_POLL_REMOVE);
    if (what == CURL_POLL_REMOVE) {
        if (s != NULL && s->kind == FD_CURL) {
            (void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
            *s = (struct fd_slot){0};
        }
        return 0;
    }
    if (s == NULL || s->kind == FD_USER)
        return -1; /* out of memory, or a user's fd (cannot happen) */
    uint32_t ev = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        ev |= EPOLLIN;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        ev |= EPOLLOUT;
    if (s->kind == FD_CURL) {
        if (epoll_set(l, EPOLL_CTL_MOD, fd, ev, s->gen) != 0)
            return -1;
        s->events = ev;
        return 0;
    }
    uint32_t gen = ++l->gen;
    if (epoll_set(l, EPOLL_CTL_ADD, fd, ev, gen) != 0)
        return -1;
    *s = (struct fd_slot){.kind = FD_CURL, .gen = gen, .events = ev};
    return 0;
}

static int curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    struct loop *l = userp;
    l->curl_due = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
    return 0;
}

/* ---- foreign transfers ----------------------------------------------------- */

static struct xfer *xfer_find(struct loop *l, CURL *easy, size_t *idx)
{
    for (size_t i = 0; i < l->nxfers; i++)
        if (l->xfers[i].easy == easy) {
            if (idx != NULL)
                *idx = i;
            return &l->xfers[i];
        }
    return NULL;
}

static void xfer_remove_at(struct loop *l, size_t i)
{
    l->xfers[i] = l->xfers[--l->nxfers];
}

int loop_xfer_add(struct loop *l, CURL *easy, loop_xfer_fn done, void *arg)
{
    if (l == NULL || easy == NULL || done == NULL || xfer_find(l, easy, NULL) != NULL)
        return -1;
    if (l->nxfers == l->capxfers) {
        size_t n = l->capxfers ? l->capxfers * 2 : 16;
        struct xfer *p = realloc(l->xfers, n * sizeof *p);
        if (p == NULL)
            return -1;
        l->xfers = p;
        l->capxfers = n;
    }
    if (curl_multi_add_handle(l->multi, easy) != CURLM_OK)
        return -1;
    l->xfers[l->nxfers++] = (struct xfer){.easy = easy, .done = done, .arg = arg};
    return 0;
}

void loop_xfer_cancel(struct loop *l, CURL *easy)
{
    size_t i;
    if (l == NULL || easy == NULL || xfer_find(l, easy, &i) == NULL)
        return;
    curl_multi_remove_handle(l->multi, easy);
    xfer_remove_at(l, i);
}

size_t loop_xfers(const struct loop *l)
{
    return l ? l->nxfers : 0;
}

/* Every finished transfer: the engine's first, then ours. */
static void drain_messages(struct loop *l)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(l->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct check *fin = NULL;
        if (check_dispatch(msg, &fin) == CHECK_DISPATCH_OK) {
            if (fin != NULL && l->check_fn != NULL)
                l->check_fn(l->check_arg, fin);
            continue;
        }
        CURL *easy = msg->easy_handle;
        CURLcode rc = msg->data.result;
        size_t i;
        struct xfer *x = xfer_find(l, easy, &i);
        curl_multi_remove_handle(l->multi, easy);
        if (x == NULL)
            continue; /* nobody's: removed, left to whoever added it */
        struct xfer done = *x;
        xfer_remove_at(l, i);
        done.done(done.arg, easy, rc);
    }
}

/* The engine's background work (Kerberos tickets) finished: it moves the
 * checks that waited on; those it completed go where finished checks go. */
static void engine_finished(void *arg, struct check *c)
{
    struct loop *l = arg;
    if (l->check_fn != NULL)
        l->check_fn(l->check_arg, c);
}

static void on_engine(void *arg, int fd, uint32_t events)
{
    (void)fd;
    (void)events;
    check_engine_poll(engine_finished, arg);
}

/* ---- timers ---------------------------------------------------------------- */

static bool timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_place(struct loop *l, size_t i, struct loop_timer *t)
{
    l->heap[i] = t;
    t->idx = i;
}

static void heap_up(struct loop *l, size_t i)
{
    struct loop_timer *t = l->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!timer_before(t, l->heap[p]))
            break;
        heap_place(l, i, l->heap[p]);
        i = p;
    }
    heap_place(l, i, t);
}

static void heap_down(struct loop *l, size_t i)
{
    struct loop_timer *t = l->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= l->nheap)
            break;
        if (c + 1 < l->nheap && timer_before(l->heap[c + 1], l->heap[c]))
            c++;
        if (!timer_before(l->heap[c], t))
            break;
        heap_place(l, i, l->heap[c]);
        i = c;
    }
    heap_place(l, i, t);
}

static void heap_remove(struct loop *l, struct loop_timer *t)
{
    size_t i = t->idx;
    struct loop_timer *last = l->heap[--l->nheap];
    if (i == l->nheap)
        return;
    heap_place(l, i, last);
    heap_up(l, i);
    heap_down(l, last->idx);
}

struct loop_timer *loop_timer_at(struct loop *l, int64_t due_mono_ms, loop_timer_fn fn,
                                 void *arg)
{
    if (l == NULL || fn == NULL)
        return NULL;
    if (l->nheap == l->capheap) {
        size_t n = l->capheap ? l->capheap * 2 : 64;
        struct loop_timer **p = realloc(l->heap, n * sizeof *p);
        if (p == NULL)
            return NULL;
        l->heap = p;
        l->capheap = n;
    }
    struct loop_timer *t = malloc(sizeof *t);
    if (t == NULL)
        return NULL;
    *t = (struct loop_timer){.due = due_mono_ms, .seq = l->seq++, .fn = fn, .arg = arg};
    l->heap[l->nheap++] = t;
    heap_up(l, l->nheap - 1);
    return t;
}

void loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
    if (l == NULL || t == NULL)
        return;
    heap_remove(l, t);
    free(t);
}

/* Fire the timers due now that were set before this pass began (a callback
 * setting a timer for "now" does not starve the loop). */
static void fire_timers(struct loop *l)
{
    uint64_t seq_end = l->seq;
    unsigned fired = 0;
    while (l->nheap > 0 && !l->stop) {
        struct loop_timer *t = l->heap[0];
        if (t->due > l->now || t->seq >= seq_end)
            break;
        heap_remove(l, t);
        loop_timer_fn fn = t->fn;
        void *arg = t->arg;
        free(t);
        fn(arg);
        if (++fired % LOOP_PRIORITY_EVERY == 0)
            run_priority(l);
    }
}

/* ---- the loop -------------------------------------------------------------- */

struct loop *loop_new(char *err, size_t len)
{
    struct loop *l = calloc(1, sizeof *l);
    if (l == NULL) {
        snprintf(err, len, "out of memory");
        return NULL;
    }
    l->curl_due = -1;
    l->engine_fd = -1;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0) {
        snprintf(err, len, "epoll_create1: %s", strerror(errno));
        free(l);
        return NULL;
    }
    l->multi = curl_multi_init();
    if (l->multi == NULL) {
        snprintf(err, len, "libcurl: cannot create a multi handle");
        close(l->epfd);
        free(l);
        return NULL;
    }
    curl_multi_setopt(l->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
    curl_multi_setopt(l->multi, CURLMOPT_SOCKETDATA, l);
    curl_multi_setopt(l->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
    curl_multi_setopt(l->multi, CURLMOPT_TIMERDATA, l);
    l->now = mono_ms();
    l->engine_fd = check_engine_fd();
    if (l->engine_fd < 0 || loop_fd_add(l, l->engine_fd, EPOLLIN, on_engine, l) != 0) {
        snprintf(err, len, "cannot watch the check engine's eventfd: %s", strerror(errno));
        loop_free(l);
        return NULL;
    }
    return l;
}

void loop_free(struct loop *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->nxfers; i++) {
        curl_multi_remove_handle(l->multi, l->xfers[i].easy);
        curl_easy_cleanup(l->xfers[i].easy);
    }
    free(l->xfers);
    for (size_t i = 0; i < l->nheap; i++)
        free(l->heap[i]);
    free(l->heap);
    if (l->engine_fd >= 0)
        loop_fd_del(l, l->engine_fd); /* the engine's: not closed here */
    curl_multi_cleanup(l->multi);
    free(l->fds);
    close(l->epfd);
    free(l);
}

CURLM *loop_multi(struct loop *l)
{
    return l ? l->multi : NULL;
}

void loop_on_check(struct loop *l, loop_check_fn fn, void *arg)
{
    if (l == NULL)
        return;
    l->check_fn = fn;
    l->check_arg = arg;
}

int64_t loop_now_ms(struct loop *l)
{
    return l ? l->now : mono_ms();
}

void loop_stop(struct loop *l)
{
    if (l != NULL)
        l->stop = true;
}

static int wait_ms(struct loop *l)
{
    int64_t due = -1;
    if (l->nheap > 0)
        due = l->heap[0]->due;
    if (l->curl_due >= 0 && (due < 0 || l->curl_due < due))
        due = l->curl_due;
    if (due < 0)
        return LOOP_WAIT_MAX_MS;
    int64_t d = due - mono_ms();
    return d <= 0 ? 0 : d > LOOP_WAIT_MAX_MS ? LOOP_WAIT_MAX_MS : (int)d;
}

static void dispatch(struct loop *l, const struct epoll_event *ev)
{
    int fd = (int)(uint32_t)(ev->data.u64 & 0xffffffffu);
    uint32_t gen = (uint32_t)(ev->data.u64 >> 32);
    struct fd_slot *s = slot_get(l, fd, false);
    if (s == NULL || s->gen != gen)
        return; /* deleted earlier in this iteration */
    if (s->kind == FD_USER) {
        s->fn(s->arg, fd, ev->events);
        return;
    }
    if (s->kind == FD_CURL) {
        int mask = 0;
        if (ev->events & EPOLLIN)
            mask |= CURL_CSELECT_IN;
        if (ev->events & EPOLLOUT)
            mask |= CURL_CSELECT_OUT;
        if (ev->events & (EPOLLERR | EPOLLHUP))
            mask |= CURL_CSELECT_ERR;
        int running;
        curl_multi_socket_action(l->multi, fd, mask, &running);
        drain_messages(l);
    }
}

int loop_run(struct loop *l)
{
    if (l == NULL) {
        errno = EINVAL;
        return -1;
    }
    struct epoll_event evs[LOOP_EVENTS];
    l->stop = false;
    while (!l->stop) {
        int n = epoll_wait(l->epfd, evs, LOOP_EVENTS, wait_ms(l));
        if (n < 0) {
            if (errno == EINTR)
                n = 0;
            else
                return -1;
        }
        l->now = mono_ms();
        for (int i = 0; i < n && !l->stop; i++) {
            dispatch(l, &evs[i]);
            if ((i + 1) % LOOP_PRIORITY_EVERY == 0 && i + 1 < n)
                run_priority(l);
        }
        if (l->curl_due >= 0 && l->curl_due <= mono_ms()) {
            int running;
            l->curl_due = -1;
            curl_multi_socket_action(l->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        }
        drain_messages(l); /* also finishes transfers added and failed at once */
        l->now = mono_ms();
        fire_timers(l);
    }
    return 0;
}
