/*
 * api_fake.c: the HTTP API (service/api*.c) on the real loop, against a
 * FAKE struct api_ops, so that the API's robustness tests do not depend on
 * the daemon. The state is the sample view of tests/unit/web/views.h (six
 * file targets) plus the targets PUT through the API; the history is a
 * store file filled with runs and incidents of contoso-mail; a run started
 * through the API ends 50 ms later with the target's sample result.
 *
 *   api_fake --store FILE [--read-token] [--no-tokens] [--many N]
 *       prints "port4 N" and "port6 N" (0: no IPv6) and serves until stdin
 *       closes; commands on stdin, one per line:
 *         burst N BYTES   publish N events of BYTES bytes of data
 *         counts          prints "streams S dropped D"
 *         reload-fails 0|1  whether POST /-/reload fails
 *         touch NAME      a change of target NAME (one more failure in a
 *                         row), as the daemon's view_touch marks it
 *         add-run NAME    a committed run of NAME now (view_touch_history)
 *         cache           prints the API cache's "entries E bytes B pinned
 *                         P pinned_bytes Q builds N hits H evictions V
 *                         daily_builds D daily_running R gzip_sliced G
 *                         responses S" (builds of /api/v1/daily across
 *                         loop turns started, and under way: api_daily.h;
 *                         shared responses alive: api_int.h)
 *   On exit, after api_free, a shared response still alive (a leak) is
 *   reported on stderr and the exit status is 1.
 *   --many N adds N copies of contoso-mail (many-00000 ...), for bodies
 *   large enough to go out of a memfd with sendfile (SIGPIPE is ignored, as
 *   oaprobe serve does).
 *
 * Tokens: "reader" (read) and "writer" (write), secrets below.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "service/api.h"
#include "service/api_cache.h"
#include "service/api_route.h"
#include "service/config.h"
#include "service/loop.h"
#include "service/store.h"
#include "service/tokens.h"
#include "views.h"

#define READ_SECRET "read-secret-0123456789abcdef"
#define WRITE_SECRET "write-secret-0123456789abcdef"
#define API_MAX 32

struct api_target {
    struct view_target t;
    char *name, *host;
};

struct fake {
    struct loop *loop;
    struct api *api;
    struct views *v;
    struct store *st;
    struct tokens *tokens;
    bool read_token, reload_fails;
    struct api_target *api_t[API_MAX];
    size_t n_api;
    const struct view_target **ptrs;  /* VIEWS_N + API_MAX + nmany */
    struct view_target *many;         /* --many */
    char (*many_names)[24];
    size_t nmany;
    struct view_service svc;
    struct view_service gens;         /* the change counters (view_touch) */
    struct oa_result *extra[VIEWS_N]; /* results made for targets without one */
    struct run *runs;                 /* runs in flight */
    char line[256];
    size_t line_len;
    unsigned extra_runs;              /* add-run */
};

static const struct view_service *f_view(void *ctx)
{
    struct fake *f = ctx;
    size_t n = 0;
    for (size_t i = 0; i < VIEWS_N; i++)
        f->ptrs[n++] = &f->v->t[i];
    for (size_t i = 0; i < f->n_api; i++)
        f->ptrs[n++] = &f->api_t[i]->t;
    for (size_t i = 0; i < f->nmany; i++)
        f->ptrs[n++] = &f->many[i];
    f->svc = f->v->svc;
    f->svc.targets = f->ptrs;
    f->svc.ntargets = n;
    f->svc.generation = f->gens.generation;
    f->svc.history_generation = f->gens.history_generation;
    return &f->svc;
}

static struct store *f_store(void *ctx) { return ((struct fake *)ctx)->st; }

/* The target called name (file or API), writable, or NULL. */
static struct view_target *f_find(struct fake *f, const char *name)
{
    for (size_t i = 0; i < VIEWS_N; i++)
        if (strcmp(f->v->t[i].name, name) == 0)
            return &f->v->t[i];
    for (size_t i = 0; i < f->n_api; i++)
        if (strcmp(f->api_t[i]->name, name) == 0)
            return &f->api_t[i]->t;
    for (size_t i = 0; i < f->nmany; i++)
        if (strcmp(f->many[i].name, name) == 0)
            return &f->many[i];
    return NULL;
}

struct run {
    struct fake *f;
    struct loop_timer *timer;
    struct run *next;
    char name[CFG_NAME_MAX + 1];
    void (*done)(void *, const struct view_target *, const struct oa_result *);
    void *arg;
};

static void run_unlink(struct run *run)
{
    for (struct run **p = &run->f->runs; *p; p = &(*p)->next)
        if (*p == run) {
            *p = run->next;
            return;
        }
}

static void run_end(void *arg)
{
    struct run *run = arg;
    struct fake *f = run->f;
    run_unlink(run);
    const struct view_service *s = f_view(f);
    const struct view_target *t = view_target_find(s, run->name);
    const struct oa_result *r = NULL;
    for (size_t i = 0; t && i < VIEWS_N; i++) {
        if (t != &f->v->t[i])
            continue;
        if (f->v->results[i] == NULL && f->extra[i] == NULL)
            f->extra[i] = views_result_healthy(t->host, VIEWS_NOW);
        r = f->v->results[i] ? f->v->results[i] : f->extra[i];
    }
    if (t && r == NULL) { /* an API target */
        for (size_t i = 0; i < VIEWS_N && r == NULL; i++)
            r = f->v->results[i];
    }
    if (t) {
        view_touch(&f->gens, f_find(f, run->name));
        api_publish_result(f->api, t);
        api_publish_state(f->api, t, OA_STATE__COUNT, VIEWS_NOW);
    }
    run->done(run->arg, t, t ? r : NULL);
    free(run);
}

static int f_run_now(void *ctx, const char *name,
                     void (*done)(void *, const struct view_target *, const struct oa_result *),
                     void *arg)
{
    struct fake *f = ctx;
    if (view_target_find(f_view(f), name) == NULL)
        return -1;
    struct run *run = calloc(1, sizeof *run);
    if (run == NULL)
        return -3;
    run->f = f;
    snprintf(run->name, sizeof run->name, "%s", name);
    run->done = done;
    run->arg = arg;
    run->timer = loop_timer_at(f->loop, loop_now_ms(f->loop) + 50, run_end, run);
    run->next = f->runs;
    f->runs = run;
    return 0;
}

static bool file_target(struct fake *f, const char *name)
{
    for (size_t i = 0; i < VIEWS_N; i++)
        if (strcmp(f->v->t[i].name, name) == 0)
            return true;
    return false;
}

static int target_put_now(void *ctx, const char *name, const char *body, size_t len,
                          struct cfg_errs *errs)
{
    struct fake *f = ctx;
    if (file_target(f, name))
        return -2;
    struct cfg_target *ct = NULL;
    if (cfg_target_parse_json(body, len, name, NULL, &ct, errs) != 0)
        return -1;
    size_t i = 0;
    while (i < f->n_api && strcmp(f->api_t[i]->name, name) != 0)
        i++;
    int rc = i < f->n_api ? 1 : 0;
    if (rc == 0 && f->n_api == API_MAX) {
        cfg_target_free(ct);
        return -3;
    }
    struct api_target *a = calloc(1, sizeof *a);
    if (a == NULL) {
        cfg_target_free(ct);
        return -3;
    }
    a->name = strdup(name);
    a->host = strdup(ct->set.opts.host ? ct->set.opts.host : name);
    a->t.name = a->name;
    a->t.host = a->host;
    a->t.depth = "tunnel";
    a->t.source = VIEW_SOURCE_API;
    a->t.interval_ms = (int64_t)ct->interval_ms;
    a->t.status = OA_STATE_UNKNOWN;
    for (int w = 0; w < VIEW_WINDOW__COUNT; w++)
        a->t.uptime[w] = -1;
    cfg_target_free(ct);
    if (rc == 1) {
        free(f->api_t[i]->name);
        free(f->api_t[i]->host);
        free(f->api_t[i]);
        f->api_t[i] = a;
    } else {
        f->api_t[f->n_api++] = a;
    }
    view_touch(&f->gens, &a->t);
    return rc;
}

static int target_delete_now(void *ctx, const char *name)
{
    struct fake *f = ctx;
    if (file_target(f, name))
        return -2;
    for (size_t i = 0; i < f->n_api; i++) {
        if (strcmp(f->api_t[i]->name, name) != 0)
            continue;
        free(f->api_t[i]->name);
        free(f->api_t[i]->host);
        free(f->api_t[i]);
        f->api_t[i] = f->api_t[--f->n_api];
        view_touch(&f->gens, NULL);
        return 0;
    }
    return -1;
}

/* The fake has no store: a write is "committed" at once. */
static int f_target_put(void *ctx, const char *name, const char *body, size_t len,
                        struct cfg_errs *errs, api_write_done done, void *arg)
{
    int rc = target_put_now(ctx, name, body, len, errs);
    if (rc < 0)
        return rc;
    done(arg, rc, "");
    return 0;
}

static int f_target_delete(void *ctx, const char *name, api_write_done done, void *arg)
{
    int rc = target_delete_now(ctx, name);
    if (rc < 0)
        return rc;
    done(arg, rc, "");
    return 0;
}

static int f_reload(void *ctx, char *err, size_t len)
{
    struct fake *f = ctx;
    if (f->reload_fails) {
        snprintf(err, len, "oaprobe.yaml:4:15: targets[0].interval: \"6O s\" is not a duration");
        return -1;
    }
    return 0;
}

static const struct tokens *f_tokens(void *ctx) { return ((struct fake *)ctx)->tokens; }
static bool f_read_requires(void *ctx) { return ((struct fake *)ctx)->read_token; }

static const struct api_ops fake_ops = {
    .view = f_view,
    .store = f_store,
    .run_now = f_run_now,
    .target_put = f_target_put,
    .target_delete = f_target_delete,
    .reload = f_reload,
    .tokens = f_tokens,
    .read_requires_token = f_read_requires,
};

/* contoso-mail: 7 runs a minute apart; contoso-vp: one closed and one open
 * incident. */
static int fill_store(struct store *st)
{
    static const char *const codes[] = {"tls_cert_expiring"};
    for (int i = 0; i < 7; i++) {
        struct store_run r = {
            .target = "contoso-mail",
            .started_at = VIEWS_NOW - (7 - i) * 60000,
            .duration_ms = 180 + i,
            .status = i == 3 ? 1 : 0,
            .codes = i == 3 ? codes : NULL,
            .ncodes = i == 3 ? 1 : 0,
            .steps_json = "[{\"name\":\"dns\",\"status\":\"ok\",\"duration_seconds\":0.002}]",
            .lag_ms = 3,
        };
        if (store_run_add(st, &r, NULL) != 0)
            return -1;
    }
    if (store_incident_open(st, "contoso-vp", 0, 2, VIEWS_NOW - 7200000, codes, 1, NULL) != 0 ||
        store_incident_close(st, "contoso-vp", VIEWS_NOW - 3600000) < 0 ||
        store_incident_open(st, "contoso-vp", 0, 2, VIEWS_NOW - 600000, codes, 1, NULL) != 0)
        return -1;
    return 0;
}

static void burst(struct fake *f, unsigned n, size_t bytes)
{
    char *data = malloc(bytes + 3);
    if (data == NULL)
        return;
    data[0] = '"';
    memset(data + 1, 'x', bytes);
    data[bytes + 1] = '"';
    data[bytes + 2] = '\0';
    for (unsigned i = 0; i < n; i++)
        api_publish(f->api, "result", data);
    free(data);
}

static void command(struct fake *f, char *line)
{
    unsigned n = 0;
    size_t bytes = 0;
    int flag = 0;
    if (sscanf(line, "burst %u %zu", &n, &bytes) == 2) {
        burst(f, n, bytes);
        printf("burst done\n");
    } else if (strcmp(line, "counts") == 0) {
        size_t s = 0;
        uint64_t d = 0;
        api_sse_counts(f->api, &s, &d);
        printf("streams %zu dropped %llu\n", s, (unsigned long long)d);
    } else if (sscanf(line, "reload-fails %d", &flag) == 1) {
        f->reload_fails = flag != 0;
        printf("ok\n");
    } else if (strncmp(line, "touch ", 6) == 0 && f_find(f, line + 6) != NULL) {
        struct view_target *t = f_find(f, line + 6);
        t->consecutive_failures++;
        view_touch(&f->gens, t);
        printf("ok\n");
    } else if (strncmp(line, "add-run ", 8) == 0 && f_find(f, line + 8) != NULL) {
        struct view_target *t = f_find(f, line + 8);
        struct store_run run = {.target = t->name, .started_at = VIEWS_NOW + 1000 * (int64_t)
                                (++f->extra_runs), .duration_ms = 99, .status = 0,
                                .steps_json = "[]"};
        if (store_run_add(f->st, &run, NULL) == 0) {
            view_touch_history(&f->gens, t);
            printf("ok\n");
        } else {
            printf("store failed\n");
        }
    } else if (strcmp(line, "cache") == 0) {
        struct api_cache_stats cs;
        api_cache_counts(f->api, &cs);
        printf("entries %zu bytes %zu pinned %zu pinned_bytes %zu builds %llu hits %llu "
               "evictions %llu daily_builds %llu daily_running %zu gzip_sliced %llu "
               "responses %zu\n",
               cs.entries, cs.bytes, cs.pinned, cs.pinned_bytes, (unsigned long long)cs.builds,
               (unsigned long long)cs.hits, (unsigned long long)cs.evictions,
               (unsigned long long)cs.daily_builds, cs.daily_running,
               (unsigned long long)cs.gzip_sliced, cs.responses);
    } else {
        printf("unknown command\n");
    }
    fflush(stdout);
}

static void on_stdin(void *arg, int fd, uint32_t events)
{
    (void)events;
    struct fake *f = arg;
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) {
        if (n < 0 && errno == EINTR)
            return;
        loop_fd_del(f->loop, 0);
        loop_stop(f->loop);
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n' || f->line_len + 1 == sizeof f->line) {
            f->line[f->line_len] = '\0';
            f->line_len = 0;
            command(f, f->line);
        } else {
            f->line[f->line_len++] = buf[i];
        }
    }
}

int main(int argc, char **argv)
{
    const char *store_path = NULL;
    bool read_token = false, no_tokens = false;
    size_t nmany = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--store") == 0 && i + 1 < argc) {
            store_path = argv[++i];
        } else if (strcmp(argv[i], "--read-token") == 0) {
            read_token = true;
        } else if (strcmp(argv[i], "--no-tokens") == 0) {
            no_tokens = true;
        } else if (strcmp(argv[i], "--many") == 0 && i + 1 < argc) {
            nmany = strtoul(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: api_fake --store FILE [--read-token] [--no-tokens] "
                            "[--many N]\n");
            return 2;
        }
    }
    if (store_path == NULL) {
        fprintf(stderr, "api_fake: --store FILE is needed\n");
        return 2;
    }
    struct fake f;
    memset(&f, 0, sizeof f);
    f.read_token = read_token;
    char err[256] = "";
    struct cfg_errs errs = {0};
    static const char toks[] = "reader read " READ_SECRET "\nwriter write " WRITE_SECRET "\n";
    signal(SIGPIPE, SIG_IGN); /* as oaprobe serve: MHD may use sendfile */
    f.v = views_new();
    f.loop = loop_new(err, sizeof err);
    f.nmany = nmany;
    f.ptrs = calloc(VIEWS_N + API_MAX + nmany, sizeof *f.ptrs);
    f.many = calloc(nmany ? nmany : 1, sizeof *f.many);
    f.many_names = calloc(nmany ? nmany : 1, sizeof *f.many_names);
    for (size_t i = 0; f.v && f.many && f.many_names && i < nmany; i++) {
        f.many[i] = f.v->t[0];
        snprintf(f.many_names[i], sizeof f.many_names[i], "many-%05u", (unsigned)(i % 100000));
        f.many[i].name = f.many_names[i];
        view_touch(&f.gens, &f.many[i]);
    }
    if (f.v == NULL || f.loop == NULL || f.ptrs == NULL || f.many == NULL ||
        f.many_names == NULL) {
        fprintf(stderr, "api_fake: %s\n", err[0] ? err : "out of memory");
        return 1;
    }
    if (!no_tokens && tokens_parse(toks, sizeof toks - 1, &f.tokens, &errs) != 0) {
        fprintf(stderr, "api_fake: tokens refused\n");
        return 1;
    }
    if (store_open(store_path, &f.st, err, sizeof err) != 0 || fill_store(f.st) != 0) {
        fprintf(stderr, "api_fake: store: %s %s\n", err, store_errmsg(f.st));
        return 1;
    }
    struct cfg_listen ls[2] = {{.host = (char *)"127.0.0.1", .port = 0},
                               {.host = (char *)"::1", .port = 0}};
    size_t nls = 2;
    f.api = api_new(f.loop, ls, nls, &fake_ops, &f, err, sizeof err);
    if (f.api == NULL) { /* no IPv6 loopback here: IPv4 alone */
        nls = 1;
        f.api = api_new(f.loop, ls, nls, &fake_ops, &f, err, sizeof err);
    }
    if (f.api == NULL) {
        fprintf(stderr, "api_fake: %s\n", err);
        return 1;
    }
    printf("port4 %u\nport6 %u\n", api_port(f.api, 0), nls == 2 ? api_port(f.api, 1) : 0);
    fflush(stdout);
    loop_fd_add(f.loop, 0, EPOLLIN, on_stdin, &f);
    int rc = loop_run(f.loop);
    while (f.runs) { /* cancel the runs in flight first (api_free's rule) */
        struct run *run = f.runs;
        f.runs = run->next;
        loop_timer_cancel(f.loop, run->timer);
        run->done(run->arg, NULL, NULL);
        free(run);
    }
    api_free(f.api);
    struct api_cache_stats left;
    api_cache_counts(NULL, &left);
    if (left.responses != 0) { /* a cached body nobody lets go of */
        fprintf(stderr, "api_fake: %zu shared responses left after api_free\n",
                left.responses);
        rc = -1;
    }
    loop_free(f.loop);
    store_close(f.st);
    tokens_free(f.tokens);
    for (size_t i = 0; i < f.n_api; i++) {
        free(f.api_t[i]->name);
        free(f.api_t[i]->host);
        free(f.api_t[i]);
    }
    for (size_t i = 0; i < VIEWS_N; i++)
        oa_result_free(f.extra[i]);
    views_free(f.v);
    free(f.ptrs);
    free(f.many);
    free(f.many_names);
    cfg_errs_free(&errs);
    return rc == 0 ? 0 : 1;
}
