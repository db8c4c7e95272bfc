/*
 * test_hooks_loop.c: alerting on a real loop (service/hooks.h) against
 * loopback receivers served by the test on the same loop (port 0):
 *
 *   outage      a target goes critical and comes back: exactly one firing
 *               and one resolved webhook notification (v4 payload, the
 *               configured headers), Alertmanager postable alerts (firing
 *               without and resolved with endsAt), one exec run per event
 *               with the Nagios-style environment and the JSON on stdin;
 *               every attempt recorded in the store
 *   maintenance the same outage inside a window sends nothing
 *   slow        a receiver that accepts and never answers, one that
 *               refuses, and an exec hook that sleeps: a 50 ms "schedule"
 *               timer keeps its pace (max lag printed and bounded), the
 *               hanging attempts end at their timeout and are retried
 *   secrets     the header secret reaches the receiver's header only: not
 *               the bodies, the exec environment or output, the store, the
 *               log
 *   persist     API windows and a firing alert through the store and a
 *               second alerting on the same file (a restart): windows kept
 *               with their ids, an ended one expired, a new one never takes
 *               an old id; no second firing, Alertmanager re-sent with the
 *               same startsAt, one resolved, the record gone
 *
 * Run inside `unshare -n` like every socket test (ctest label integration).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "service/config.h"
#include "service/hooks.h"
#include "service/loop.h"
#include "service/store.h"
#include "service/store_writer.h"

#define SECRET "hook-S3cret-4f9a1c"

static int failures;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* ---- a tiny HTTP receiver on the loop -------------------------------- */

enum mode { ANSWER, HANG };

struct req {
    char path[64];
    char *headers;
    char *body;
};

struct recv {
    struct loop *l;
    int lfd;
    int port;
    enum mode mode;
    struct req reqs[64];
    size_t nreq;
    int conns[64];
    size_t nconns;
    char *hung_body; /* the first request left unanswered */
};

struct conn {
    struct recv *r;
    int fd;
    char buf[65536];
    size_t len;
};

static void conn_in(void *arg, int fd, uint32_t ev)
{
    struct conn *c = arg;
    (void)ev;
    ssize_t n = read(fd, c->buf + c->len, sizeof c->buf - 1 - c->len);
    if (n <= 0) {
        loop_fd_del(c->r->l, fd);
        close(fd);
        free(c);
        return;
    }
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    char *end = strstr(c->buf, "\r\n\r\n");
    if (end == NULL)
        return;
    const char *cl = strcasestr(c->buf, "content-length:");
    size_t blen = cl != NULL && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
    if (c->len < (size_t)(end + 4 - c->buf) + blen)
        return;
    struct recv *r = c->r;
    if (r->mode == HANG) {
        if (r->hung_body == NULL)
            r->hung_body = strndup(end + 4, blen);
        if (r->nconns < 64)
            r->conns[r->nconns++] = fd;
        loop_fd_del(r->l, fd);
        free(c);
        return;
    }
    if (r->nreq < 64) {
        struct req *q = &r->reqs[r->nreq++];
        sscanf(c->buf, "POST %63s", q->path);
        q->headers = strndup(c->buf, (size_t)(end - c->buf));
        q->body = strndup(end + 4, blen);
    }
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    (void)!write(fd, ok, sizeof ok - 1);
    loop_fd_del(r->l, fd);
    close(fd);
    free(c);
}

static void on_accept(void *arg, int fd, uint32_t ev)
{
    struct recv *r = arg;
    (void)ev;
    int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0)
        return;
    struct conn *c = calloc(1, sizeof *c);
    c->r = r;
    c->fd = cfd;
    loop_fd_add(r->l, cfd, EPOLLIN, conn_in, c);
}

static void recv_start(struct recv *r, struct loop *l, enum mode m)
{
    memset(r, 0, sizeof *r);
    r->l = l;
    r->mode = m;
    r->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (bind(r->lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(r->lfd, 64) != 0 ||
        getsockname(r->lfd, (struct sockaddr *)&a, &al) != 0) {
        perror("receiver");
        exit(2);
    }
    r->port = ntohs(a.sin_port);
    loop_fd_add(l, r->lfd, EPOLLIN, on_accept, r);
}

static void recv_stop(struct recv *r)
{
    loop_fd_del(r->l, r->lfd);
    close(r->lfd);
    for (size_t i = 0; i < r->nconns; i++)
        close(r->conns[i]);
    for (size_t i = 0; i < r->nreq; i++) {
        free(r->reqs[i].headers);
        free(r->reqs[i].body);
    }
    free(r->hung_body);
}

/* A port nothing listens on (bound, then closed). */
static int dead_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &al);
    close(fd);
    return ntohs(a.sin_port);
}

/* ---- running the loop for a while ------------------------------------ */

struct ticker {
    struct loop *l;
    int64_t period, next, max_lag;
    unsigned ticks;
};

static void tick(void *arg)
{
    struct ticker *t = arg;
    int64_t lag = loop_now_ms(t->l) - t->next;
    if (lag > t->max_lag)
        t->max_lag = lag;
    t->ticks++;
    t->next += t->period;
    loop_timer_at(t->l, t->next, tick, t);
}

static void stop_cb(void *arg)
{
    loop_stop(arg);
}

static void run_for(struct loop *l, int64_t ms)
{
    loop_timer_at(l, loop_now_ms(l) + ms, stop_cb, l);
    loop_run(l);
}

/* The writer's completions reach their waiters on the loop, as in the
 * daemon (a notification leaves once its alert record is committed). */
static void writer_ready(void *arg, int fd, uint32_t ev)
{
    (void)fd;
    (void)ev;
    store_writer_poll(arg, NULL, NULL);
}

static void watch_writer(struct loop *l, struct store_writer *w)
{
    loop_fd_add(l, store_writer_fd(w), EPOLLIN, writer_ready, w);
}

/* A scenario's store: DIR/FILE (its path in db), its writer started and
 * watched on the loop; NULL (a failed CHECK) when it does not start. */
static struct store_writer *open_writer(struct loop *l, const char *dir, const char *file,
                                        char *db, size_t dblen)
{
    snprintf(db, dblen, "%s/%s", dir, file);
    struct store_writer *w = NULL;
    char err[256];
    if (store_writer_start(db, 0, 0, &w, err, sizeof err) != 0) {
        CHECK(0, "store_writer_start: %s", err);
        return NULL;
    }
    watch_writer(l, w);
    return w;
}

static void unwatch_writer(struct loop *l, struct store_writer *w)
{
    loop_fd_del(l, store_writer_fd(w));
}

/* ---- the log ------------------------------------------------------------ */

static char logbuf[65536];
static size_t loglen;
static void logline(const char *line)
{
    loglen += (size_t)snprintf(logbuf + loglen, sizeof logbuf - loglen, "%s\n", line);
    if (loglen >= sizeof logbuf)
        loglen = sizeof logbuf - 1;
}

/* ---- a target ----------------------------------------------------------- */

static struct view_target target(void)
{
    static const struct view_label labels[] = {{"site", "hq"}};
    struct view_target t = {0};
    t.name = "contoso-mail";
    t.host = "mail.contoso.com";
    t.location = "fra1";
    t.labels = labels;
    t.nlabels = 1;
    t.last_run_ms = 1;
    t.status = OA_STATE_OK;
    return t;
}

static const enum oa_diag_code down_codes[] = {OA_DIAG_TCP_REFUSED};

static void set_state(struct view_target *t, enum oa_state s)
{
    t->status = s;
    t->codes = s == OA_STATE_OK ? NULL : down_codes;
    t->ncodes = s == OA_STATE_OK ? 0 : 1;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return strdup("");
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

struct rows {
    size_t n, by_outcome[4];
    char all[65536];
    size_t len;
};

static int row_cb(void *arg, const struct store_delivery *d)
{
    struct rows *r = arg;
    r->n++;
    static const char *const o[] = {"success", "retry", "failure", "dropped"};
    for (int i = 0; i < 4; i++)
        r->by_outcome[i] += strcmp(d->outcome, o[i]) == 0;
    r->len += (size_t)snprintf(r->all + r->len, sizeof r->all - r->len, "%s %s %s %s %s %d %.*s\n",
                               d->target, d->kind, d->event, d->dest, d->outcome, d->status,
                               (int)d->response_len, (const char *)d->response);
    if (r->len >= sizeof r->all)
        r->len = sizeof r->all - 1;
    return 0;
}

static void read_rows(const char *db, struct rows *r)
{
    memset(r, 0, sizeof *r);
    struct store *st = NULL;
    char err[256];
    if (store_open(db, &st, err, sizeof err) != 0) {
        CHECK(0, "store_open: %s", err);
        return;
    }
    char cur[128];
    store_deliveries(st, NULL, 1000, NULL, row_cb, r, cur, sizeof cur);
    store_close(st);
}

static struct cfg *config(const char *dir, int wh_port, int am_port, const char *extra,
                          unsigned timeout_ms)
{
    char text[4096];
    snprintf(text, sizeof text,
             "external_url: http://oaprobe.example.net\n"
             "targets:\n"
             "  - {name: contoso-mail, host: mail.contoso.com, remind_every: 0}\n"
             "alertmanagers: [{url: 'http://127.0.0.1:%d', timeout: %ums}]\n"
             "webhooks:\n"
             "  - name: chat\n"
             "    url: 'http://127.0.0.1:%d/hook'\n"
             "    headers: {Authorization: 'Bearer ${HOOKS_TEST_TOKEN}'}\n"
             "    timeout: %ums\n"
             "exec:\n"
             "  - {name: log, command: [%s/hook.sh, arg1], timeout: %ums}\n"
             "%s",
             am_port, timeout_ms, wh_port, timeout_ms, dir, timeout_ms, extra);
    struct cfg *c = NULL;
    struct cfg_errs errs = {0};
    if (cfg_load_string(text, strlen(text), &c, &errs) != 0) {
        char line[600];
        for (size_t i = 0; i < errs.n; i++)
            fprintf(stderr, "%s\n", cfg_errs_format(&errs.v[i], NULL, line, sizeof line));
        exit(2);
    }
    return c;
}

static void write_script(const char *dir, const char *body)
{
    char path[512];
    snprintf(path, sizeof path, "%s/hook.sh", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    chmod(path, 0755);
}

/* ---- scenarios -------------------------------------------------------- */

static void scenario_outage(const char *dir, struct loop *l)
{
    char db[512];
    struct store_writer *w = open_writer(l, dir, "outage.db", db, sizeof db);
    if (w == NULL)
        return;
    write_script(dir, "{ echo \"RUN $OAPROBE_EVENT $OAPROBE_STATE $OAPROBE_STATE_ID "
                      "$OAPROBE_TARGET $OAPROBE_HOST $OAPROBE_CODES $OAPROBE_LOCATION $1\"; "
                      "env; echo STDIN; cat; echo; } >> \"$(dirname \"$0\")/exec.log\"; "
                      "echo hook-output");
    struct recv wh, am;
    recv_start(&wh, l, ANSWER);
    recv_start(&am, l, ANSWER);
    struct cfg *c = config(dir, wh.port, am.port, "", 2000);
    struct view_service view = {0};
    struct hooks *h = hooks_new(l, c, w, &view, logline);
    struct view_target t = target();
    int64_t now = 1796508000000ll;
    /* runs: ok, critical x 3, ok x 2 (one every "minute"; the loop runs
     * 300 ms between them so the deliveries finish) */
    enum oa_state seq[] = {OA_STATE_OK, OA_STATE_CRITICAL, OA_STATE_CRITICAL,
                           OA_STATE_CRITICAL, OA_STATE_OK, OA_STATE_OK};
    for (size_t i = 0; i < sizeof seq / sizeof seq[0]; i++) {
        enum oa_state from = t.status;
        set_state(&t, seq[i]);
        t.maintenance = hooks_maintenance(h, &t, now);
        hooks_on_result(h, &t, from, now);
        run_for(l, 400);
        now += 60000;
    }
    CHECK(hooks_pending(h) == 0, "%zu deliveries still pending", hooks_pending(h));
    /* webhook: one firing, one resolved */
    CHECK(wh.nreq == 2, "webhook got %zu requests, wanted 2", wh.nreq);
    for (size_t i = 0; i < wh.nreq && i < 2; i++) {
        json_t *j = json_loads(wh.reqs[i].body, 0, NULL);
        CHECK(j != NULL, "webhook body is not JSON");
        const char *st = json_string_value(json_object_get(j, "status"));
        CHECK(st != NULL && strcmp(st, i == 0 ? "firing" : "resolved") == 0, "status %s", st);
        CHECK(strcmp(json_string_value(json_object_get(j, "version")), "4") == 0, "version");
        json_t *a0 = json_array_get(json_object_get(j, "alerts"), 0);
        json_t *lab = json_object_get(a0, "labels");
        CHECK(strcmp(json_string_value(json_object_get(lab, "target")), "contoso-mail") == 0,
              "target label");
        CHECK(strcmp(json_string_value(json_object_get(lab, "code")), "tcp_refused") == 0,
              "code label %s", json_string_value(json_object_get(lab, "code")));
        CHECK(strcmp(json_string_value(json_object_get(lab, "site")), "hq") == 0, "site label");
        CHECK(strstr(wh.reqs[i].headers, "Authorization: Bearer " SECRET) != NULL,
              "the header did not arrive");
        CHECK(strcmp(wh.reqs[i].path, "/hook") == 0, "path %s", wh.reqs[i].path);
        json_decref(j);
    }
    /* Alertmanager: a push per run while firing (3) and the resolution */
    CHECK(am.nreq == 4, "alertmanager got %zu requests, wanted 4", am.nreq);
    for (size_t i = 0; i < am.nreq; i++) {
        CHECK(strcmp(am.reqs[i].path, "/api/v2/alerts") == 0, "am path %s", am.reqs[i].path);
        json_t *j = json_loads(am.reqs[i].body, 0, NULL);
        json_t *a0 = json_array_get(j, 0);
        const char *ends = json_string_value(json_object_get(a0, "endsAt"));
        const char *starts = json_string_value(json_object_get(a0, "startsAt"));
        CHECK(ends != NULL && starts != NULL, "am alert %zu lacks startsAt/endsAt", i);
        /* firing: endsAt = push + 4 min (in the future); resolved: the end */
        if (i == 3)
            CHECK(ends != NULL && strncmp(ends, "2026-12-05T22:04:00", 19) == 0,
                  "resolved endsAt %s", ends);
        else
            CHECK(ends != NULL && strcmp(ends, starts) > 0, "firing endsAt %s", ends);
        json_decref(j);
    }
    /* exec: two runs, the environment, stdin */
    char path[512];
    snprintf(path, sizeof path, "%s/exec.log", dir);
    char *log = read_file(path);
    CHECK(count(log, "RUN ") == 2, "exec ran %zu times", count(log, "RUN "));
    CHECK(strstr(log, "RUN firing CRITICAL 2 contoso-mail mail.contoso.com tcp_refused fra1 "
                      "arg1") != NULL,
          "exec environment (firing):\n%s", log);
    CHECK(strstr(log, "RUN resolved OK 0 contoso-mail") != NULL, "exec (resolved)");
    CHECK(strstr(log, "OAPROBE_OUTPUT=OAPROBE ") != NULL, "OAPROBE_OUTPUT");
    CHECK(strstr(log, "\"version\": \"4\"") != NULL || strstr(log, "\"version\":\"4\"") != NULL,
          "the JSON on stdin");
    CHECK(strstr(log, "HOOKS_TEST_TOKEN") == NULL, "the parent's environment leaked");
    CHECK(strstr(log, SECRET) == NULL, "the secret reached the exec hook");
    /* the store: 2 webhook + 4 alertmanager + 2 exec successes */
    store_writer_flush(w, 5000);
    struct rows r;
    read_rows(db, &r);
    CHECK(r.n == 8 && r.by_outcome[0] == 8, "store: %zu rows, %zu successes:\n%s", r.n,
          r.by_outcome[0], r.all);
    CHECK(strstr(r.all, "exec resolved log success 0 hook-output") != NULL, "exec row:\n%s",
          r.all);
    CHECK(strstr(r.all, SECRET) == NULL && strstr(r.all, "127.0.0.1") == NULL,
          "the store holds a secret or a URL");
    CHECK(view.hooks[VIEW_HOOK_WEBHOOK][VIEW_OUTCOME_SUCCESS] == 2 &&
              view.hooks[VIEW_HOOK_ALERTMANAGER][VIEW_OUTCOME_SUCCESS] == 4 &&
              view.hooks[VIEW_HOOK_EXEC][VIEW_OUTCOME_SUCCESS] == 2,
          "view counters");
    for (size_t i = 0; i < am.nreq; i++)
        CHECK(strstr(am.reqs[i].body, SECRET) == NULL, "secret in an alertmanager body");
    for (size_t i = 0; i < wh.nreq; i++)
        CHECK(strstr(wh.reqs[i].body, SECRET) == NULL, "secret in a webhook body");
    printf("outage: webhook %zu, alertmanager %zu, exec %zu, stored %zu\n", wh.nreq, am.nreq,
           count(log, "RUN "), r.n);
    free(log);
    hooks_free(h);
    cfg_free(c);
    recv_stop(&wh);
    recv_stop(&am);
    unwatch_writer(l, w);
    store_writer_stop(w);
}

static void scenario_maintenance(const char *dir, struct loop *l)
{
    write_script(dir, "echo RUN >> \"$(dirname \"$0\")/exec-maint.log\"");
    struct recv wh, am;
    recv_start(&wh, l, ANSWER);
    recv_start(&am, l, ANSWER);
    struct cfg *c = config(dir, wh.port, am.port,
                           "maintenance:\n"
                           "  - {targets: [contoso-mail], start: 2026-12-05T21:00:00Z, "
                           "end: 2026-12-05T23:00:00Z}\n",
                           2000);
    struct view_service view = {0};
    struct hooks *h = hooks_new(l, c, NULL, &view, logline);
    struct view_target t = target();
    int64_t now = 1796508000000ll; /* 22:00, inside */
    enum oa_state seq[] = {OA_STATE_CRITICAL, OA_STATE_CRITICAL, OA_STATE_CRITICAL, OA_STATE_OK};
    for (size_t i = 0; i < 4; i++) {
        enum oa_state from = t.status;
        set_state(&t, seq[i]);
        t.maintenance = hooks_maintenance(h, &t, now);
        CHECK(t.maintenance, "not in maintenance at run %zu", i);
        hooks_on_result(h, &t, from, now);
        run_for(l, 150);
        now += 60000;
    }
    /* an API window for another name covers nothing here; after the
     * configured one ends (23:00), the target is outside */
    CHECK(!hooks_maintenance(h, &t, 1796515200000ll), "still in maintenance at 23:00");
    char path[512];
    snprintf(path, sizeof path, "%s/exec-maint.log", dir);
    char *log = read_file(path);
    CHECK(wh.nreq == 0 && am.nreq == 0 && count(log, "RUN") == 0,
          "maintenance: webhook %zu, alertmanager %zu, exec %zu", wh.nreq, am.nreq,
          count(log, "RUN"));
    printf("maintenance: webhook %zu, alertmanager %zu, exec %zu\n", wh.nreq, am.nreq,
           count(log, "RUN"));
    free(log);
    hooks_free(h);
    cfg_free(c);
    recv_stop(&wh);
    recv_stop(&am);
}

static void scenario_slow(const char *dir, struct loop *l)
{
    write_script(dir, "exec sleep 30");
    struct recv hang;
    recv_start(&hang, l, HANG);
    int refused = dead_port();
    struct cfg *c = config(dir, hang.port, refused, "", 500);
    struct view_service view = {0};
    struct hooks *h = hooks_new(l, c, NULL, &view, logline);
    struct ticker tk = {.l = l, .period = 50};
    tk.next = loop_now_ms(l) + tk.period;
    loop_timer_at(l, tk.next, tick, &tk);
    struct view_target t = target();
    set_state(&t, OA_STATE_CRITICAL);
    int64_t now = 1796508000000ll;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    hooks_on_result(h, &t, OA_STATE_OK, now);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double call_ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    run_for(l, 2500);
    /* within 2.5 s: the first attempts timed out (500 ms) or were refused,
     * and the retries (after 0.5-1 s) ran */
    uint64_t retries = view.hooks[VIEW_HOOK_WEBHOOK][VIEW_OUTCOME_RETRY] +
                       view.hooks[VIEW_HOOK_ALERTMANAGER][VIEW_OUTCOME_RETRY] +
                       view.hooks[VIEW_HOOK_EXEC][VIEW_OUTCOME_RETRY];
    printf("slow receivers: hooks_on_result took %.2f ms; %u ticks of 50 ms, max lag %lld ms; "
           "%llu retries (webhook %llu, alertmanager %llu, exec %llu); %zu pending\n",
           call_ms, tk.ticks, (long long)tk.max_lag, (unsigned long long)retries,
           (unsigned long long)view.hooks[VIEW_HOOK_WEBHOOK][VIEW_OUTCOME_RETRY],
           (unsigned long long)view.hooks[VIEW_HOOK_ALERTMANAGER][VIEW_OUTCOME_RETRY],
           (unsigned long long)view.hooks[VIEW_HOOK_EXEC][VIEW_OUTCOME_RETRY], hooks_pending(h));
    CHECK(call_ms < 100.0, "hooks_on_result blocked for %.1f ms", call_ms);
    /* a receiver that blocked the loop would show its whole 500 ms timeout
     * here; what is left is the machine's own noise (figure printed) */
    CHECK(tk.max_lag < 250, "the schedule lagged %lld ms behind", (long long)tk.max_lag);
    CHECK(tk.ticks >= 40, "only %u ticks in 2.5 s", tk.ticks);
    CHECK(view.hooks[VIEW_HOOK_WEBHOOK][VIEW_OUTCOME_RETRY] >= 1 &&
              view.hooks[VIEW_HOOK_ALERTMANAGER][VIEW_OUTCOME_RETRY] >= 1 &&
              view.hooks[VIEW_HOOK_EXEC][VIEW_OUTCOME_RETRY] >= 1,
          "every kind failed and was retried");
    CHECK(strstr(logbuf, "killed at its timeout") != NULL, "the exec hook was not killed");
    CHECK(hooks_pending(h) == 3, "%zu pending, wanted 3 (one per hook)", hooks_pending(h));
    hooks_free(h); /* cancels transfers, kills and reaps the sleeping child */
    cfg_free(c);
    recv_stop(&hang);
}

/* ---- what a restart keeps (hooks_maint_restore, hooks_alert_restore) ---- */

/* How an API window's write ended (hooks_maint_done). */
struct maint_end {
    int calls, rc;
    char id[HOOKS_WINDOW_ID_MAX];
};

static void on_maint(void *arg, int rc, const char *id, const char *err)
{
    (void)err;
    struct maint_end *e = arg;
    e->calls++;
    e->rc = rc;
    snprintf(e->id, sizeof e->id, "%s", id);
}

/* The writer commits what is queued; its completions reach their waiters
 * (what the daemon's loop does when the writer's eventfd is readable). */
static void commit(struct store_writer *w)
{
    CHECK(store_writer_flush(w, 10000) == 0, "writer flushed");
    store_writer_poll(w, NULL, NULL);
}

static const struct view_target *find_target(void *ctx, const char *name)
{
    const struct view_target *t = ctx;
    return strcmp(name, t->name) == 0 ? t : NULL;
}

static char *starts_at(const struct recv *am, size_t i)
{
    json_t *j = json_loads(am->reqs[i].body, 0, NULL);
    const char *s = json_string_value(json_object_get(json_array_get(j, 0), "startsAt"));
    char *out = strdup(s != NULL ? s : "none");
    json_decref(j);
    return out;
}

static int count_alerts(void *arg, const char *name, const char *json, int64_t at)
{
    (void)name;
    (void)json;
    (void)at;
    (*(size_t *)arg)++;
    return 0;
}

static void scenario_persist(const char *dir, struct loop *l)
{
    char db[512];
    struct store_writer *w = open_writer(l, dir, "persist.db", db, sizeof db);
    if (w == NULL)
        return;
    write_script(dir, "cat > /dev/null");
    struct recv wh, am;
    recv_start(&wh, l, ANSWER);
    recv_start(&am, l, ANSWER);
    struct cfg *c = config(dir, wh.port, am.port, "", 2000);
    struct view_service view = {0};
    struct hooks *h = hooks_new(l, c, w, &view, logline);
    int64_t now = 1796508000000ll; /* 2026-12-05 */
    const char *bodies[] = {
        "{\"targets\": [\"other\"], \"start\": \"2026-12-01T00:00:00Z\","
        " \"end\": \"2027-01-01T00:00:00Z\"}",
        "{\"targets\": [\"other\"], \"start\": \"2026-12-01T00:00:00Z\","
        " \"end\": \"2026-12-02T00:00:00Z\"}",
        "{\"labels\": {\"site\": \"elsewhere\"}, \"recurring\": \"sun 03:00+1h\"}",
    };
    struct maint_end ends[3] = {{0}};
    for (size_t i = 0; i < 3; i++) {
        struct cfg_maint m;
        CHECK(cfg_maint_parse_json(bodies[i], strlen(bodies[i]), &m, NULL) == 0, "window %zu",
              i);
        CHECK(hooks_maint_add(h, &m, bodies[i], now, on_maint, &ends[i]) == 0, "add %zu", i);
        CHECK(hooks_maint_list(h, now, NULL, 0) == 0, "window %zu not listed before its commit",
              i);
        cfg_maint_clear(&m);
    }
    commit(w);
    CHECK(ends[0].calls == 1 && ends[2].calls == 1 && ends[0].rc == 0, "adds answered");
    CHECK(strcmp(ends[0].id, "api-1") == 0 && strcmp(ends[2].id, "api-3") == 0, "ids %s %s",
          ends[0].id, ends[2].id);
    CHECK(hooks_maint_expire(h, now) == 1, "the ended window is expired");
    CHECK(hooks_maint_expire(h, now) == 0, "nothing more to expire");
    struct maint_end del = {0};
    CHECK(hooks_maint_delete(h, "api-3", on_maint, &del) == 0, "delete api-3");
    CHECK(hooks_maint_list(h, now, NULL, 0) == 2, "api-3 kept until the store committed");
    commit(w);
    CHECK(del.calls == 1 && del.rc == 0 && hooks_maint_list(h, now, NULL, 0) == 1,
          "api-3 deleted");
    /* a target fires */
    struct view_target t = target();
    set_state(&t, OA_STATE_CRITICAL);
    hooks_on_result(h, &t, OA_STATE_OK, now);
    run_for(l, 400);
    CHECK(wh.nreq == 1 && am.nreq == 1, "firing: webhook %zu, alertmanager %zu", wh.nreq,
          am.nreq);
    hooks_free(h);
    CHECK(store_writer_flush(w, 10000) == 0, "writer flushed");

    /* "restart": a new alerting on the same file */
    char err[256];
    struct store *st = NULL;
    if (store_open(db, &st, err, sizeof err) != 0) {
        CHECK(0, "store_open: %s", err);
        return;
    }
    h = hooks_new(l, c, w, &view, logline);
    hooks_alert_restore(h, st, find_target, &t, now + 60000);
    hooks_maint_restore(h, st, now + 60000);
    struct hooks_window win[4];
    size_t n = hooks_maint_list(h, now + 60000, win, 4);
    CHECK(n == 1 && strcmp(win[0].id, "api-1") == 0 && win[0].api, "restored: %zu windows", n);
    struct cfg_maint m;
    struct maint_end e = {0};
    CHECK(cfg_maint_parse_json(bodies[2], strlen(bodies[2]), &m, NULL) == 0, "window");
    CHECK(hooks_maint_add(h, &m, bodies[2], now, on_maint, &e) == 0, "add after the restart");
    commit(w);
    CHECK(e.calls == 1 && strcmp(e.id, "api-4") == 0,
          "a new window takes api-4, not an old id: %s", e.id);
    cfg_maint_clear(&m);
    /* still down: no second firing; Alertmanager again with the same startsAt */
    hooks_on_result(h, &t, OA_STATE_CRITICAL, now + 60000);
    run_for(l, 400);
    CHECK(wh.nreq == 1, "webhook got %zu requests after the restart, wanted 1", wh.nreq);
    CHECK(am.nreq == 2, "alertmanager got %zu requests, wanted 2 (the re-send)", am.nreq);
    if (am.nreq == 2) {
        char *a = starts_at(&am, 0), *b = starts_at(&am, 1);
        CHECK(strcmp(a, b) == 0, "startsAt %s then %s", a, b);
        free(a);
        free(b);
    }
    /* mended: one resolved; the record goes */
    set_state(&t, OA_STATE_OK);
    hooks_on_result(h, &t, OA_STATE_CRITICAL, now + 120000);
    run_for(l, 400);
    CHECK(wh.nreq == 2 && strstr(wh.reqs[1].body, "\"status\":\"resolved\"") != NULL,
          "one resolved (webhook %zu)", wh.nreq);
    hooks_free(h);
    CHECK(store_writer_flush(w, 10000) == 0, "writer flushed");
    size_t alerts = 0;
    store_alerts(st, count_alerts, &alerts);
    CHECK(alerts == 0, "%zu alert states left in the store", alerts);
    printf("persist: windows %s %s %s then %s; webhook %zu, alertmanager %zu\n", ends[0].id,
           ends[1].id, ends[2].id, e.id, wh.nreq, am.nreq);
    store_close(st);
    cfg_free(c);
    recv_stop(&wh);
    recv_stop(&am);
    unwatch_writer(l, w);
    store_writer_stop(w);
}

struct owed {
    char json[4096];
    size_t n;
};

static int get_alert(void *arg, const char *name, const char *json, int64_t at)
{
    (void)name;
    (void)at;
    struct owed *o = arg;
    snprintf(o->json, sizeof o->json, "%s", json);
    o->n++;
    return 0;
}

static void stored_alert(const char *db, struct owed *o)
{
    struct store *st = NULL;
    char err[256];
    memset(o, 0, sizeof *o);
    if (store_open(db, &st, err, sizeof err) != 0) {
        CHECK(0, "store_open: %s", err);
        return;
    }
    store_alerts(st, get_alert, o);
    store_close(st);
}

static const char *alert0(json_t *webhook_body, const char *key)
{
    json_t *a0 = json_array_get(json_object_get(webhook_body, "alerts"), 0);
    const char *v = json_string_value(json_object_get(a0, key));
    return v != NULL ? v : "(none)";
}

/* A "kill" (hooks_free: nothing more is recorded), the hung connections
 * dropped, the receiver answering from now on. */
static struct hooks *kill_hooks(struct hooks *h, struct recv *wh)
{
    hooks_free(h);
    for (size_t i = 0; i < wh->nconns; i++)
        close(wh->conns[i]);
    wh->nconns = 0;
    wh->mode = ANSWER;
    return NULL;
}

/* The outbox: a firing leaves only once its record is committed; a "kill"
 * while the webhook's delivery hangs, and a "restart" on the same file: the
 * record still owes the firing to the webhook only (Alertmanager and the
 * exec hook took it), so the webhook alone gets it again, with the same
 * fingerprint and startsAt; then nothing is owed and no second firing
 * follows. A resolution owed the same way is sent again once, and the
 * record goes. */
static void scenario_owed(const char *dir, struct loop *l)
{
    char db[512];
    struct store_writer *w = open_writer(l, dir, "owed.db", db, sizeof db);
    if (w == NULL)
        return;
    write_script(dir, "cat > /dev/null");
    struct recv wh, am;
    recv_start(&wh, l, HANG);
    recv_start(&am, l, ANSWER);
    struct cfg *c = config(dir, wh.port, am.port, "", 60000);
    struct view_service view = {0};
    struct hooks *h = hooks_new(l, c, w, &view, logline);
    int64_t now = 1796508000000ll;
    struct view_target t = target();
    set_state(&t, OA_STATE_CRITICAL);
    hooks_on_result(h, &t, OA_STATE_OK, now);
    CHECK(wh.nconns == 0 && am.nreq == 0 && hooks_pending(h) == 3,
          "sent before the record was committed (%zu pending)", hooks_pending(h));
    for (int i = 0; i < 100 && (wh.nconns == 0 || am.nreq == 0 || hooks_pending(h) > 1); i++)
        run_for(l, 100);
    CHECK(wh.nconns == 1 && am.nreq == 1 && hooks_pending(h) == 1,
          "firing: webhook hung %zu, alertmanager %zu, pending %zu", wh.nconns, am.nreq,
          hooks_pending(h));
    CHECK(store_writer_flush(w, 10000) == 0, "writer flushed");
    struct owed o;
    stored_alert(db, &o);
    CHECK(o.n == 1 && strstr(o.json, "\"pending\":{\"event\":\"firing\","
                                     "\"to\":[\"webhook:chat\"]}") != NULL,
          "the record owes the firing to the webhook only: %s", o.json);
    h = kill_hooks(h, &wh);
    /* the restart */
    char err[256];
    struct store *st = NULL;
    if (store_open(db, &st, err, sizeof err) != 0) {
        CHECK(0, "store_open: %s", err);
        return;
    }
    h = hooks_new(l, c, w, &view, logline);
    hooks_alert_restore(h, st, find_target, &t, now + 60000);
    for (int i = 0; i < 100 && (wh.nreq == 0 || hooks_pending(h) > 0); i++)
        run_for(l, 100);
    CHECK(wh.nreq == 1 && am.nreq == 1, "after the restart: webhook %zu, alertmanager %zu",
          wh.nreq, am.nreq);
    json_t *hung = wh.hung_body ? json_loads(wh.hung_body, 0, NULL) : NULL;
    json_t *again = wh.nreq ? json_loads(wh.reqs[0].body, 0, NULL) : NULL;
    CHECK(hung != NULL && again != NULL, "webhook bodies");
    if (hung != NULL && again != NULL) {
        CHECK(strcmp(alert0(again, "status"), "firing") == 0, "status %s",
              alert0(again, "status"));
        CHECK(strcmp(alert0(hung, "fingerprint"), alert0(again, "fingerprint")) == 0,
              "fingerprint %s then %s", alert0(hung, "fingerprint"),
              alert0(again, "fingerprint"));
        CHECK(strcmp(alert0(hung, "startsAt"), alert0(again, "startsAt")) == 0,
              "startsAt %s then %s", alert0(hung, "startsAt"), alert0(again, "startsAt"));
    }
    json_decref(hung);
    json_decref(again);
    CHECK(store_writer_flush(w, 10000) == 0, "writer flushed");
    stored_alert(db, &o);
    CHECK(o.n == 1 && strstr(o.json, "pending") == NULL &&
              strstr(o.json, "\"firing\":true") != NULL,
          "nothing owed any more: %s", o.json);
    /* the next run, still down: no new firing (Alertmanager's re-send only) */
    hooks_on_result(h, &t, OA_STATE_CRITICAL, now + 120000);
    run_for(l, 300);
    CHECK(wh.nreq == 1, "a second firing after the restart: %zu", wh.nreq);
    /* mended while the webhook hangs: the resolution is owed to it */
    wh.mode = HANG;
    set_state(&t, OA_STATE_OK);
    hooks_on_result(h, &t, OA_STATE_CRITICAL, now + 180000);
    for (int i = 0; i < 100 && (wh.nconns == 0 || hooks_pending(h) > 1); i++)
        run_for(l, 100);
    CHECK(store_writer_flush(w, 10000) == 0, "writer flushed");
    stored_alert(db, &o);
    CHECK(o.n == 1 && strstr(o.json, "\"firing\":false") != NULL &&
              strstr(o.json, "\"pending\":{\"event\":\"resolved\","
                             "\"to\":[\"webhook:chat\"]}") != NULL,
          "the record owes the resolution: %s", o.json);
    h = kill_hooks(h, &wh);
    h = hooks_new(l, c, w, &view, logline);
    hooks_alert_restore(h, st, find_target, &t, now + 240000);
    for (int i = 0; i < 100 && (wh.nreq < 2 || hooks_pending(h) > 0); i++)
        run_for(l, 100);
    CHECK(wh.nreq == 2 && strstr(wh.reqs[1].body, "\"status\":\"resolved\"") != NULL,
          "the resolution sent again once: webhook %zu", wh.nreq);
    hooks_on_result(h, &t, OA_STATE_OK, now + 300000);
    run_for(l, 300);
    CHECK(wh.nreq == 2, "webhook %zu", wh.nreq);
    hooks_free(h);
    CHECK(store_writer_flush(w, 10000) == 0, "writer flushed");
    stored_alert(db, &o);
    CHECK(o.n == 0, "the record of a delivered resolution is deleted: %s", o.json);
    printf("owed: webhook hung twice, answered %zu (firing, resolved), alertmanager %zu\n",
           wh.nreq, am.nreq);
    store_close(st);
    cfg_free(c);
    recv_stop(&wh);
    recv_stop(&am);
    unwatch_writer(l, w);
    store_writer_stop(w);
}


int main(void)
{
    char dir[] = "/tmp/oaprobe-hooks-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    setenv("HOOKS_TEST_TOKEN", SECRET, 1);
    char err[256];
    struct loop *l = loop_new(err, sizeof err);
    if (l == NULL) {
        fprintf(stderr, "loop_new: %s\n", err);
        return 2;
    }
    scenario_outage(dir, l);
    scenario_maintenance(dir, l);
    scenario_slow(dir, l);
    scenario_persist(dir, l);
    scenario_owed(dir, l);
    CHECK(strstr(logbuf, SECRET) == NULL, "the secret is in the log");
    CHECK(strstr(logbuf, "127.0.0.1") == NULL, "a URL is in the log");
    fputs(logbuf, stdout);
    loop_free(l);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "%s/hook.sh", dir);
    unlink(cmd);
    const char *files[] = {"exec.log",     "exec-maint.log", "outage.db",     "outage.db-wal",
                           "outage.db-shm", "persist.db",     "persist.db-wal", "persist.db-shm",
                           "owed.db",       "owed.db-wal",    "owed.db-shm"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(cmd, sizeof cmd, "%s/%s", dir, files[i]);
        unlink(cmd);
    }
    rmdir(dir);
    if (failures)
        fprintf(stderr, "%d failures\n", failures);
    return failures ? 1 : 0;
}
