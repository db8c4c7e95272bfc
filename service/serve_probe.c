/*
 * serve_probe.c: ad-hoc probes, GET /probe?target=HOST&module=M (issue 9,
 * blackbox_exporter's multi-target pattern): one check of a host that is
 * no configured target, with the settings of a module of `modules:`.
 *
 * An ad-hoc probe is not a target: nothing is stored, nothing alerts, it is
 * not in the view (/api/v1/targets, /metrics). It runs on the loop like a
 * target's run and counts within the caps of the scheduler (checks and
 * sockets at once); at most `max_probes:` of the configuration (default 8)
 * run at once, and one never waits in the scheduler's queue: when there is
 * no room, the request is refused (503) and Prometheus tries again at its
 * next scrape. A reload's new max_probes applies to the probes that start
 * after it; those in flight run on (a smaller value refuses new ones until
 * enough have ended).
 *
 * Its deadline is the smaller of the scrape's budget and the module's
 * timeout, given to the engine as the check's timeout; a check still
 * running SERVE_PROBE_GRACE_MS after it is stopped as a timeout
 * (check_expire_now) and answered. A client that goes away cancels it
 * (serve_probe_cancel: check_free, nothing left behind).
 *
 * A module that carries credentials (cfg_module_credentialed) probes only
 * the hosts of its allow_hosts, matched on the host as the request gives
 * it (cfg_allow.h); a module without credentials probes any host unless it
 * has allow_hosts. A refused host is answered 403 before anything is
 * started: no connection, no DNS query.
 *
 * The modules' secrets (password_file, password: ${NAME}) are read and
 * their trust stores loaded at start and reload, like a target's
 * (serve_modules_load): nothing is read from disk per probe.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "probes/check/check_tls.h"
#include "service/api.h"
#include "service/loop.h"
#include "service/secret.h"
#include "service/serve.h"
#include "web/render_probe.h"

#define PROBE_MAGIC 0x70726f62u /* "prob" */

struct api_probe {
    unsigned magic;
    struct serve *s;
    struct api_probe *next, *prev; /* s->probes */
    struct check *check;
    struct loop_timer *timer; /* the hard stop (deadline + grace), or "now" */
    unsigned sockets;         /* counted in s->sockets_used */
    unsigned timeout_ms;
    char *host;
    void (*done)(void *arg, const struct api_probe_result *res);
    void *arg;
    /* debug */
    char *trace;
    size_t tlen, tcap;
    size_t tdropped;          /* lines beyond SERVE_PROBE_TRACE_MAX */
    char *profile;
};

/* ---- the modules ------------------------------------------------------------ */

void serve_modules_free(struct serve_module *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++) {
        secret_free(v[i].password);
        check_trust_unref(v[i].trust);
    }
    free(v);
}

int serve_modules_load(const struct cfg *cfg, struct serve_trusts *trusts,
                       struct serve_module **out, size_t *n, char *err, size_t len)
{
    *out = NULL;
    *n = 0;
    if (cfg == NULL || cfg->n_modules == 0)
        return 0;
    struct serve_module *v = calloc(cfg->n_modules, sizeof *v);
    if (v == NULL) {
        snprintf(err, len, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < cfg->n_modules; i++) {
        const struct cfg_module *m = &cfg->modules[i];
        char e[512] = "";
        v[i].m = m;
        int rc = cfg_secret_load(m->t, &v[i].password, e, sizeof e);
        if (rc == SECRET_WARN)
            serve_log("module %s: warning: %s", m->name, e);
        if (rc != SECRET_ERROR)
            v[i].trust = serve_trusts_get(trusts, m->t->set.opts.cacert, e, sizeof e);
        if (rc == SECRET_ERROR || v[i].trust == NULL) {
            snprintf(err, len, "modules.%s: %s", m->name, e);
            serve_modules_free(v, i + 1);
            return -1;
        }
    }
    struct cfg_errs warns = {0};
    cfg_warnings(cfg, &warns);
    for (size_t i = 0; i < warns.n; i++) {
        char line[700];
        serve_log("config: %s", cfg_errs_format(&warns.v[i], NULL, line, sizeof line));
    }
    cfg_errs_free(&warns);
    *out = v;
    *n = cfg->n_modules;
    return 0;
}

static const struct serve_module *module_find(const struct serve *s, const char *name)
{
    for (size_t i = 0; i < s->nmodules; i++)
        if (strcmp(s->modules[i].m->name, name) == 0)
            return &s->modules[i];
    return NULL;
}

/* "a, b, c" (the first few module names) into buf. */
static void module_names(const struct serve *s, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->nmodules && off + 1 < len; i++) {
        int k = snprintf(buf + off, len - off, "%s%s", i ? ", " : "", s->modules[i].m->name);
        if (k < 0 || (size_t)k >= len - off) {
            snprintf(buf + (off < len - 5 ? off : len - 5), 5, ", ..");
            return;
        }
        off += (size_t)k;
    }
}

/* ---- one probe -------------------------------------------------------------- */

/* Append line and a newline to the trace when it stays within limit bytes. */
static bool trace_add(struct api_probe *p, const char *line, size_t limit)
{
    size_t n = strlen(line);
    if (p->tlen + n + 2 > limit)
        return false;
    if (p->tlen + n + 2 > p->tcap) {
        size_t cap = p->tcap ? p->tcap * 2 : 4096;
        while (cap < p->tlen + n + 2)
            cap *= 2;
        if (cap > SERVE_PROBE_TRACE_MAX)
            cap = SERVE_PROBE_TRACE_MAX;
        char *t = realloc(p->trace, cap);
        if (t == NULL)
            return false;
        p->trace = t;
        p->tcap = cap;
    }
    memcpy(p->trace + p->tlen, line, n);
    p->tlen += n;
    p->trace[p->tlen++] = '\n';
    p->trace[p->tlen] = '\0';
    return true;
}

/* The engine's trace sink (debug=true): lines kept up to the cap, with room
 * left for the note of what was dropped. */
static void on_trace(void *arg, const char *line)
{
    struct api_probe *p = arg;
    if (!trace_add(p, line, SERVE_PROBE_TRACE_MAX - 64))
        p->tdropped++;
}

static void unlink_probe(struct serve *s, struct api_probe *p)
{
    if (p->prev != NULL)
        p->prev->next = p->next;
    else
        s->probes = p->next;
    if (p->next != NULL)
        p->next->prev = p->prev;
    p->next = p->prev = NULL;
    s->nprobes--;
    s->running--;
    s->sockets_used -= p->sockets;
}

static void probe_free(struct api_probe *p)
{
    check_free(p->check); /* cancels it if it still runs */
    free(p->host);
    free(p->trace);
    free(p->profile);
    p->magic = 0;
    free(p);
}

/* The check ended (or is stopped now: r NULL when stopped at shutdown):
 * answer, free, let waiting targets start. */
static void finish(struct api_probe *p, bool shutdown)
{
    struct serve *s = p->s;
    loop_timer_cancel(s->loop, p->timer);
    p->timer = NULL;
    unlink_probe(s, p);
    if (p->tdropped > 0) {
        char more[64];
        snprintf(more, sizeof more, "(%zu more lines not kept)", p->tdropped);
        (void)trace_add(p, more, SERVE_PROBE_TRACE_MAX);
    }
    const struct oa_result *r = shutdown ? NULL : check_result(p->check);
    enum oa_state st = r != NULL ? oa_result_status(r) : OA_STATE_UNKNOWN;
    s->view.adhoc[r == NULL                                            ? VIEW_ADHOC_CANCELLED
                  : st == OA_STATE_OK || st == OA_STATE_WARNING ? VIEW_ADHOC_SUCCESS
                                                                : VIEW_ADHOC_FAILURE]++;
    struct api_probe_result res = {
        .r = r,
        .timeout_ms = p->timeout_ms,
        .trace = p->trace,
        .profile = p->profile,
    };
    p->done(p->arg, &res);
    probe_free(p);
    if (!shutdown)
        serve_sched_drain(s);
}

static void on_deadline(void *arg)
{
    struct api_probe *p = arg;
    p->timer = NULL;
    if (!check_done(p->check))
        (void)check_expire_now(p->check); /* libcurl's own timeouts did not fire */
    finish(p, false);
}

bool serve_probe_finished(struct serve *s, struct check *c)
{
    for (struct api_probe *p = s->probes; p != NULL; p = p->next)
        if (p->check == c) {
            finish(p, false);
            return true;
        }
    return false;
}

int serve_probe_start(struct serve *s, const char *host, const char *module, unsigned budget_ms,
                      bool debug, void (*done)(void *arg, const struct api_probe_result *res),
                      void *arg, struct api_probe **out, char *err, size_t len)
{
    *out = NULL;
    if (s->stopping) {
        snprintf(err, len, "the service is shutting down");
        return API_PROBE_EBUSY;
    }
    if (s->nmodules == 0) {
        snprintf(err, len,
                 "Unknown target \"%.100s\": it is not a configured target, and probing "
                 "another host needs a module: this configuration has no `modules:`",
                 host);
        return API_PROBE_EBAD;
    }
    char names[200];
    module_names(s, names, sizeof names);
    if (module == NULL || module[0] == '\0') {
        snprintf(err, len,
                 "module: missing: \"%.100s\" is not a configured target; to probe it as a "
                 "host, name a module (%s)",
                 host, names);
        return API_PROBE_EBAD;
    }
    const struct serve_module *sm = module_find(s, module);
    if (sm == NULL) {
        snprintf(err, len, "Unknown module \"%.100s\" (modules: %s)", module, names);
        return API_PROBE_EBAD;
    }
    /* the host through the vocabulary's own setter and cross-checks: what
     * a target's `host:` accepts, nothing else (no URL, no path) */
    struct check_settings set = sm->m->t->set;
    const struct cfg_opt *ho = cfg_opt_by_key("host", 4);
    char why[400];
    if (ho == NULL || cfg_opt_set(ho, &set, host, why, sizeof why) != 0) {
        snprintf(err, len, "target: %s", ho != NULL ? why : "no host option");
        return API_PROBE_EBAD;
    }
    if (check_settings_finish(&set, false, why, sizeof why) != 0) {
        snprintf(err, len, "target \"%.100s\" with module %s: %s", host, sm->m->name, why);
        return API_PROBE_EBAD;
    }
    const struct cfg_module *cm = sm->m;
    bool creds = cfg_allow_credentialed(&set.opts, set.password_file, set.password_env);
    if (creds || cm->n_allow > 0) {
        int v = cfg_allow_check(cm->allow, cm->n_allow, host, why, sizeof why);
        if (v == CFG_ALLOW_BAD) {
            snprintf(err, len, "target: %s", why);
            return API_PROBE_EBAD;
        }
        if (v != CFG_ALLOW_YES) {
            s->view.adhoc[VIEW_ADHOC_FORBIDDEN]++;
            if (creds && cm->n_allow == 0)
                snprintf(err, len,
                         "module \"%s\" carries credentials; host \"%.100s\" is not in its "
                         "allow_hosts (it has none: list the hosts it may be sent to in "
                         "modules.%s.allow_hosts)",
                         cm->name, host, cm->name);
            else if (creds)
                snprintf(err, len,
                         "module \"%s\" carries credentials; host \"%.100s\" is not in its "
                         "allow_hosts",
                         cm->name, host);
            else
                snprintf(err, len, "host \"%.100s\" is not in the allow_hosts of module \"%s\"",
                         host, cm->name);
            return API_PROBE_EFORBIDDEN;
        }
    }
    unsigned sockets = serve_sockets_of(&set.opts);
    if (s->nprobes >= s->cfg->max_probes) {
        s->view.adhoc[VIEW_ADHOC_REFUSED]++;
        snprintf(err, len,
                 "%zu ad-hoc probes are running, the most at once (%zu, max_probes); try "
                 "again later",
                 s->nprobes, s->cfg->max_probes);
        return API_PROBE_EBUSY;
    }
    if (!serve_sched_room(s, sockets)) {
        s->view.adhoc[VIEW_ADHOC_REFUSED]++;
        snprintf(err, len,
                 "the service runs as many checks as it may (%zu of at most %zu, %zu targets "
                 "waiting); try again later",
                 s->running, s->max_checks, s->queued);
        return API_PROBE_EBUSY;
    }
    struct api_probe *p = calloc(1, sizeof *p);
    if (p == NULL || (p->host = strdup(host)) == NULL) {
        free(p);
        snprintf(err, len, "out of memory");
        return API_PROBE_EINTERNAL;
    }
    p->magic = PROBE_MAGIC;
    p->s = s;
    p->done = done;
    p->arg = arg;
    p->sockets = sockets;
    struct check_opts o = cfg_target_opts(sm->m->t, sm->password);
    o.host = p->host;
    o.trust = sm->trust;
    unsigned own = o.timeout_ms ? o.timeout_ms : CHECK_DEFAULT_TIMEOUT_MS;
    o.timeout_ms = budget_ms > 0 && budget_ms < own ? budget_ms : own;
    p->timeout_ms = o.timeout_ms;
    if (debug) {
        o.verbose = 2; /* states and HTTP headers, Authorization redacted */
        o.trace = on_trace;
        o.trace_arg = p;
        const struct check_settings *ms = &sm->m->t->set;
        struct render_probe_profile pr = {
            .module = sm->m->name,
            .opts = &o,
            .password_key = ms->password_file != NULL  ? "password_file"
                            : ms->password_env != NULL ? "password"
                                                       : NULL,
        };
        p->profile = render_probe_profile(&pr);
    }
    p->check = check_new(&o, why, sizeof why);
    explicit_bzero(&o, sizeof o); /* held a pointer to the module's secret */
    if (p->check == NULL) {
        probe_free(p);
        snprintf(err, len, "cannot start the check: %s", why);
        return API_PROBE_EINTERNAL;
    }
    p->next = s->probes;
    if (s->probes != NULL)
        s->probes->prev = p;
    s->probes = p;
    s->nprobes++;
    s->running++;
    s->sockets_used += sockets;
    int64_t due = loop_now_ms(s->loop); /* ended at once: answer from the loop */
    if (check_start(p->check, loop_multi(s->loop)) == 0 && !check_done(p->check))
        due = check_deadline_ms(p->check) + SERVE_PROBE_GRACE_MS;
    p->timer = loop_timer_at(s->loop, due, on_deadline, p);
    if (p->timer == NULL) {
        unlink_probe(s, p);
        probe_free(p);
        snprintf(err, len, "out of memory");
        return API_PROBE_EINTERNAL;
    }
    *out = p;
    return 0;
}

void serve_probe_cancel(struct serve *s, struct api_probe *p)
{
    if (p == NULL || p->magic != PROBE_MAGIC)
        return;
    loop_timer_cancel(s->loop, p->timer);
    p->timer = NULL;
    unlink_probe(s, p);
    probe_free(p);
    s->view.adhoc[VIEW_ADHOC_CANCELLED]++;
    serve_sched_drain(s);
}

void serve_probes_stop(struct serve *s)
{
    while (s->probes != NULL)
        finish(s->probes, true);
}
