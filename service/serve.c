/*
 * serve.c: `oaprobe serve --config FILE`: the monitoring service
 * (docs/internals/service.md, docs/config.md).
 *
 * Start: load and validate the configuration, the tokens file and every
 * target's secret (any error: exit 1 with every problem named); block the
 * signals it handles (before any thread starts, so they reach the
 * signalfd); raise the fd soft limit and derive the caps; start the store
 * writer and open the loop's read connection; take the targets, restore
 * their state from the store, start the API, schedule. Then the loop runs
 * until SIGINT or SIGTERM; SIGHUP reloads.
 *
 * Shutdown: cancel every run in flight, close the API, let the writer
 * commit what is queued, free everything.
 *
 * Exit: 0 after a clean shutdown (or a valid --check-config), 1 when the
 * configuration, a secret, the tokens or the store are not usable, 3 bad
 * usage.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>


#include "service/api.h"
#include "service/api_route.h"
#include "service/cli.h"
#include "service/hooks.h"
#include "service/loop.h"
#include "service/serve.h"
#include "service/store.h"
#include "service/store_writer.h"
#include "service/tokens.h"
#include "service/version.h"

static const char usage_text[] =
    "usage: oaprobe serve --config FILE [--check-config] [--max-checks N]\n"
    "                     [--store-queue N]\n"
    "       oaprobe serve --list-routes\n"
    "\n"
    "Runs the checks of every target of FILE (YAML, see docs/config.md) on its\n"
    "interval, keeps their history in SQLite (storage:) and serves the HTTP API\n"
    "(listen:). Logs one line per event on stderr; never a secret.\n"
    "\n"
    "  --config FILE     the configuration (required)\n"
    "  --check-config    validate FILE, the tokens file and every target's secret,\n"
    "                    then exit (0 valid, 1 not)\n"
    "  --max-checks N    at most N checks at once, over max_checks: of FILE (default:\n"
    "                    from the fd limit and the memory the process may use)\n"
    "  --store-queue N   the store writer holds at most N writes (default 4096);\n"
    "                    more are dropped, counted and logged\n"
    "  --list-routes     print the HTTP routes (METHOD PATH SCOPE, one a line; GET\n"
    "                    answers HEAD too; SCOPE public, read or write) and exit\n"
    "\n"
    "Signals: SIGHUP reloads FILE (an invalid file keeps the running\n"
    "configuration and logs why); SIGINT and SIGTERM stop cleanly.\n"
    "\n"
    "Exit: 0 clean stop, 1 unusable configuration, secret, tokens or storage,\n"
    "3 bad usage.\n";

void serve_log(const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "oaprobe serve: %s\n", line);
}

struct args {
    const char *config;
    bool check_only;
    size_t max_checks;
    size_t store_queue;
};

/* A whole number from 1 to max, or 0 (and a message naming opt). */
static size_t count_arg(const char *opt, const char *v, unsigned long max)
{
    char *end = NULL;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || v[0] == '-' || n == 0 || n > max) {
        fprintf(stderr, "oaprobe serve: %s: \"%s\" is not a number from 1 to %lu\n%s", opt, v,
                max, usage_text);
        return 0;
    }
    return n;
}

/* The router's table (service/api_routes.c), one route a line. */
static int list_routes(void)
{
    static const char *const scope[] = {
        [API_PUBLIC] = "public", [API_READ] = "read", [API_WRITE] = "write"};
    for (size_t i = 0; i < api_nroutes; i++)
        printf("%s %s %s\n", api_routes[i].method, api_routes[i].pattern,
               scope[api_routes[i].scope]);
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(o, "--list-routes") == 0) {
            return list_routes();
        } else if (strcmp(o, "--check-config") == 0) {
            a->check_only = true;
        } else if (strcmp(o, "--config") == 0 && i + 1 < argc) {
            a->config = argv[++i];
        } else if (strncmp(o, "--config=", 9) == 0) {
            a->config = o + 9;
        } else if (strcmp(o, "--max-checks") == 0 && i + 1 < argc) {
            if ((a->max_checks = count_arg(o, argv[++i], CFG_MAX_CHECKS_MAX)) == 0)
                return 3;
        } else if (strcmp(o, "--store-queue") == 0 && i + 1 < argc) {
            if ((a->store_queue = count_arg(o, argv[++i], SERVE_STORE_QUEUE_MAX)) == 0)
                return 3;
        } else {
            fprintf(stderr, "oaprobe serve: unknown or incomplete option '%s'\n%s", o, usage_text);
            return 3;
        }
    }
    if (a->config == NULL) {
        fprintf(stderr, "oaprobe serve: --config FILE is required\n%s", usage_text);
        return 3;
    }
    return -1;
}

static void print_errs(const struct cfg_errs *errs, const char *file)
{
    char line[700];
    for (size_t i = 0; i < errs->n; i++)
        fprintf(stderr, "oaprobe serve: %s\n", cfg_errs_format(&errs->v[i], file, line, sizeof line));
    if (errs->dropped > 0)
        fprintf(stderr, "oaprobe serve: %s: %zu more errors not shown\n", file, errs->dropped);
}

/* The configuration, the tokens and every file target (secrets read). */
static int load(struct serve *s, const char *path)
{
    struct cfg_errs errs = {0};
    if (cfg_load_file(path, &s->cfg, &errs) != 0) {
        print_errs(&errs, path);
        cfg_errs_free(&errs);
        return -1;
    }
    if (s->cfg->tokens_file != NULL && tokens_load(s->cfg->tokens_file, &s->tokens, &errs) != 0) {
        print_errs(&errs, s->cfg->tokens_file);
        cfg_errs_free(&errs);
        return -1;
    }
    if (serve_reserve(s, s->cfg->n_targets) != 0) {
        serve_log("out of memory");
        return -1;
    }
    int bad = 0;
    for (size_t i = 0; i < s->cfg->n_targets; i++) {
        struct cfg_target *ct = s->cfg->targets[i];
        s->cfg->targets[i] = NULL;
        char err[512] = "";
        struct serve_target *t = serve_target_new(ct, VIEW_SOURCE_FILE, NULL, &s->trusts, err,
                                                  sizeof err);
        if (t == NULL) {
            fprintf(stderr, "oaprobe serve: %s: targets[%zu]: %s\n", path, i, err);
            bad = 1;
            continue;
        }
        t->s = s;
        s->targets[s->ntargets++] = t;
    }
    s->cfg->n_targets = 0; /* the targets are ours now */
    char err[512] = "";
    if (serve_modules_load(s->cfg, &s->trusts, &s->modules, &s->nmodules, err, sizeof err) != 0) {
        fprintf(stderr, "oaprobe serve: %s: %s\n", path, err);
        bad = 1;
    }
    if (bad)
        return -1;
    return serve_reindex(s);
}

static void on_signal(void *arg, int fd, uint32_t events)
{
    (void)events;
    struct serve *s = arg;
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGHUP) {
            serve_log("SIGHUP: reloading %s", s->config_path);
            char err[1024];
            (void)serve_reload(s, err, sizeof err);
        } else if (!s->stopping) {
            serve_log("%s: shutting down", si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
            s->stopping = true;
            loop_stop(s->loop);
        }
    }
}

static void hooks_log(const char *line)
{
    serve_log("%s", line);
}

static int setup(struct serve *s, const struct args *a, const sigset_t *sigs)
{
    char err[512] = "";
    s->loop = loop_new(err, sizeof err);
    if (s->loop == NULL) {
        serve_log("%s", err);
        return -1;
    }
    s->cli_max_checks = a->max_checks;
    if (a->max_checks > 0)
        serve_sched_caps(s, a->max_checks, "--max-checks");
    else
        serve_sched_caps(s, s->cfg->max_checks, "max_checks");
    check_tls_cache_budget(s->cfg->tls_session_cache);
    int rc = store_writer_start(s->cfg->storage, a->store_queue, 0, &s->w, err, sizeof err);
    if (rc == 0)
        rc = store_open(s->cfg->storage, &s->st, err, sizeof err);
    if (rc != 0) {
        serve_log("storage %s: %s", s->cfg->storage, err);
        return -1;
    }
    s->hooks = hooks_new(s->loop, s->cfg, s->w, &s->view, hooks_log);
    if (s->hooks == NULL) {
        serve_log("out of memory");
        return -1;
    }
    serve_restore_api_targets(s);
    serve_restore(s);
    s->sigfd = signalfd(-1, sigs, SFD_NONBLOCK | SFD_CLOEXEC);
    if (s->sigfd < 0 || loop_fd_add(s->loop, s->sigfd, EPOLLIN, on_signal, s) != 0 ||
        loop_fd_add(s->loop, store_writer_fd(s->w), EPOLLIN, serve_writer_ready, s) != 0) {
        serve_log("cannot watch the signals and the store: %s", strerror(errno));
        return -1;
    }
    loop_on_check(s->loop, serve_on_check, s);
    if (serve_api_start(s, err, sizeof err) != 0) {
        serve_log("%s", err);
        return -1;
    }
    for (size_t i = 0; i < s->ntargets; i++)
        serve_sched_start(s, s->targets[i]);
    serve_prune_schedule(s, SERVE_PRUNE_FIRST_MS);
    s->view.version = OAPROBE_VERSION;
    s->view.started_at_ms = loop_wall_ms();
    s->view.reload_ok = 1;
    s->view.reload_success_ms = s->view.started_at_ms;
    return 0;
}

static void teardown(struct serve *s)
{
    s->stopping = true;
    for (size_t i = 0; i < s->ntargets; i++)
        serve_sched_stop(s, s->targets[i]); /* runs in flight cancelled */
    serve_probes_stop(s);                    /* ad-hoc probes too */
    serve_api_writes_finish(s);              /* committed, then answered */
    serve_api_stop(s);
    hooks_free(s->hooks); /* deliveries in flight cancelled (each recorded) */
    s->hooks = NULL;
    if (s->loop != NULL) {
        loop_timer_cancel(s->loop, s->prune_timer);
        if (s->sigfd > 0)
            loop_fd_del(s->loop, s->sigfd);
    }
    if (s->w != NULL) {
        if (s->loop != NULL)
            loop_fd_del(s->loop, store_writer_fd(s->w));
        if (store_writer_flush(s->w, SERVE_SHUTDOWN_FLUSH_MS) != 0)
            serve_log("store: the writer did not finish in %d ms", SERVE_SHUTDOWN_FLUSH_MS);
        store_writer_poll(s->w, NULL, NULL);
        struct store_writer_stats ws;
        store_writer_stats(s->w, &ws);
        store_writer_stop(s->w);
        serve_log("store: %llu writes committed, %llu failed, %llu dropped",
                  (unsigned long long)ws.committed, (unsigned long long)ws.failed,
                  (unsigned long long)(ws.rejected));
    }
    store_close(s->st);
    for (size_t i = 0; i < s->ntargets; i++)
        serve_target_free(s->targets[i]);
    free(s->targets);
    free(s->vtargets);
    free(s->slots);
    free(s->run_keys);
    free(s->run_slots);
    if (s->sigfd > 0)
        close(s->sigfd);
    loop_free(s->loop);
    serve_modules_free(s->modules, s->nmodules);
    serve_trusts_free(&s->trusts);
    check_engine_cleanup(); /* the Kerberos identities kept for the next checks */
    cfg_free(s->cfg);
    tokens_free(s->tokens);
}

int cmd_serve(int argc, char **argv)
{
    struct args a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    struct serve s = {.config_path = (char *)a.config, .sigfd = -1};
    if (load(&s, a.config) != 0) {
        teardown(&s);
        return 1;
    }
    if (a.check_only) {
        printf("%s: ok, %zu targets, secrets and tokens readable\n", a.config, s.ntargets);
        teardown(&s);
        return 0;
    }
    /* the signals go to the signalfd: block them before any thread starts
     * (libcurl's resolver threads and the store writer inherit the mask) */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    sigprocmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        serve_log("libcurl: cannot initialise");
        teardown(&s);
        return 1;
    }
    rc = 1;
    if (setup(&s, &a, &sigs) == 0) {
        serve_log("oaprobe %s: %zu targets, storage %s", OAPROBE_VERSION, s.ntargets,
                  s.cfg->storage);
        if (loop_run(s.loop) == 0)
            rc = 0;
        else
            serve_log("the event loop failed: %s", strerror(errno));
    }
    teardown(&s);
    curl_global_cleanup();
    if (rc == 0)
        serve_log("stopped");
    return rc;
}
