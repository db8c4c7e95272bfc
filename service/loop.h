/*
 * loop.h: the daemon's event loop (docs/internals/service.md).
 *
 * One thread, one epoll. The process's single libcurl multi handle is
 * driven through CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION and
 * curl_multi_socket_action(); every other fd (the HTTP server's epoll fd,
 * the store writer's eventfd, a signalfd, pidfds of exec hooks) is
 * registered on the same epoll with loop_fd_add(). Timers are kept in a
 * binary heap on CLOCK_MONOTONIC milliseconds.
 *
 * Finished transfers: every CURLMSG_DONE goes first to check_dispatch()
 * (probes/check/check.h); when that completes a check, the function set with
 * loop_on_check() gets it. A message check_dispatch() calls FOREIGN goes to
 * the transfer added with loop_xfer_add(): the loop removes the easy handle
 * from the multi and calls its done function, which then owns the handle.
 *
 * The engine's eventfd (check_engine_fd()) is watched from loop_new() on:
 * checks waiting for Kerberos tickets acquired off the loop move on from
 * check_engine_poll() and, when that completes them, reach loop_on_check()'s
 * function like the others.
 *
 * Foreign easy handles (webhooks, Alertmanager) must NOT set
 * CURLOPT_PRIVATE: the check engine reads the private pointer of every
 * finished transfer to recognise its own. The loop keeps its own table.
 *
 * Callbacks may add and remove fds, timers and transfers (and start and
 * free checks) freely; they must not call curl_multi_socket_action() or
 * curl_multi_perform() on loop_multi() themselves. Nothing here is
 * thread-safe: every function runs on the loop's thread (loop_wall_ms()
 * excepted).
 */
#ifndef OAPROBE_SERVICE_LOOP_H
#define OAPROBE_SERVICE_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

struct loop;
struct loop_timer;
struct check;

/* An fd is ready: events is a mask of EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP. */
typedef void (*loop_fd_fn)(void *arg, int fd, uint32_t events);
/* A timer is due. The timer is already freed (do not cancel it). */
typedef void (*loop_timer_fn)(void *arg);
/* A foreign transfer finished: the easy handle is already removed from the
 * multi; the callee owns it (curl_easy_cleanup). */
typedef void (*loop_xfer_fn)(void *arg, CURL *easy, CURLcode result);
/* A check started on loop_multi() is done (check_result() is final). */
typedef void (*loop_check_fn)(void *arg, struct check *c);

/*
 * loop_new: an epoll instance and a multi handle wired to it.
 *   err, len [out] why on failure
 * Returns the loop (loop_free), or NULL.
 */
struct loop *loop_new(char *err, size_t len);

/*
 * loop_free: free the loop, after every user removed its fds, timers,
 * transfers and checks. Timers still pending are freed without firing;
 * foreign transfers still in flight are removed and cleaned up (their done
 * is not called). NULL is a no-op.
 */
void loop_free(struct loop *l);

/* loop_multi: the process's single multi handle (checks and hook transfers). */
CURLM *loop_multi(struct loop *l);

/* loop_on_check: who receives finished checks (one function; NULL: none). */
void loop_on_check(struct loop *l, loop_check_fn fn, void *arg);

/* loop_now_ms: CLOCK_MONOTONIC in ms, refreshed each iteration (and by
 * loop_new). */
int64_t loop_now_ms(struct loop *l);

/* loop_wall_ms: CLOCK_REALTIME in ms (unix time, for stored times). */
int64_t loop_wall_ms(void);

/*
 * loop_fd_add: watch fd for events (EPOLLIN, EPOLLOUT; EPOLLERR and EPOLLHUP
 * are always reported), calling fn(arg, fd, ready) each time it is ready
 * (level-triggered). Returns 0, or -1 (errno: EEXIST already watched,
 * EINVAL, ENOMEM, or epoll's).
 */
int loop_fd_add(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *arg);

/* loop_fd_mod: change the events watched on fd. Returns 0 or -1 (ENOENT). */
int loop_fd_mod(struct loop *l, int fd, uint32_t events);

/*
 * loop_fd_priority: fd (added with loop_fd_add for EPOLLIN) is also checked,
 * without waiting, after every LOOP_PRIORITY_EVERY events and every
 * LOOP_PRIORITY_EVERY timers of an iteration, and its callback runs when it
 * is readable. The HTTP API's fds are: after the loop was held up, one
 * iteration can carry 128 events of checks catching up, each with TLS work,
 * and the API would otherwise wait for its turn in epoll's order (seconds).
 * At most LOOP_PRIORITY_MAX fds; loop_fd_del ends it. Returns 0 or -1.
 */
#define LOOP_PRIORITY_EVERY 16
#define LOOP_PRIORITY_MAX 8
int loop_fd_priority(struct loop *l, int fd);

/* loop_fd_del: stop watching fd (before closing it). No-op when not watched;
 * a pending event of fd in the current iteration is not delivered. */
void loop_fd_del(struct loop *l, int fd);

/*
 * loop_timer_at: call fn(arg) once, at due_mono_ms (CLOCK_MONOTONIC ms, as
 * loop_now_ms) or as soon after as the loop gets to it; a time in the past
 * fires on the next iteration. Timers due together fire in due order, ties
 * in the order they were set.
 * Returns the timer (valid until it fires or is cancelled), or NULL (out of
 * memory).
 */
struct loop_timer *loop_timer_at(struct loop *l, int64_t due_mono_ms, loop_timer_fn fn,
                                 void *arg);

/* loop_timer_cancel: the timer will not fire and is freed. NULL ok; never
 * on a timer that has fired (it is gone). */
void loop_timer_cancel(struct loop *l, struct loop_timer *t);

/*
 * loop_xfer_add: add a foreign easy handle (a hook's transfer; no
 * CURLOPT_PRIVATE) to the multi; done(arg, easy, result) is called once when
 * it finishes. Returns 0, or -1 (out of memory, curl refused the handle).
 */
int loop_xfer_add(struct loop *l, CURL *easy, loop_xfer_fn done, void *arg);

/* loop_xfer_cancel: remove easy from the multi without calling done; the
 * caller frees easy. No-op when easy is not a pending transfer. */
void loop_xfer_cancel(struct loop *l, CURL *easy);

/* loop_xfers: the number of foreign transfers in flight. */
size_t loop_xfers(const struct loop *l);

/*
 * loop_run: wait for and dispatch events until loop_stop() is called.
 * Returns 0, or -1 when epoll failed (errno).
 */
int loop_run(struct loop *l);

/* loop_stop: make loop_run return after the current iteration. */
void loop_stop(struct loop *l);

#endif /* OAPROBE_SERVICE_LOOP_H */
