/*
 * serve_reload.c: reload of the configuration (SIGHUP, POST /-/reload) and
 * the targets added through the API (PUT / DELETE /api/v1/targets/{name}).
 *
 * A reload validates everything first (the file, the tokens file, every
 * target's secret) and changes nothing when any of it fails: the running
 * configuration stays and the error says why. Then, by name:
 *  - same fingerprint (settings and secret): the target keeps its schedule,
 *    state and run in flight; only its settings object is swapped;
 *  - changed: its run in flight is cancelled, it keeps its state and
 *    history and starts again on its (new) phase;
 *  - gone from the file: stopped (run cancelled) and dropped; its history
 *    stays in the store;
 *  - new: started on its phase.
 * API targets are parsed again on top of the new defaults. New listen
 * addresses move the API (a new server first, the old one closes once its
 * connections are done) unless they keep one of the running ones; the
 * storage path of a running service does not change on reload. What only
 * a restart applies is logged, and shown as restart_required in
 * /api/v1/status (the reload's answer too) and /metrics until a restart or
 * a file with the running values again.
 */
#include <stdlib.h>
#include <string.h>

#include "service/config_int.h"
#include "service/hooks.h"
#include "service/loop.h"
#include "service/serve.h"
#include "service/store_writer.h"
#include "service/tokens.h"

static void reload_failed(struct serve *s, const char *why, char *err, size_t len)
{
    snprintf(s->reload_error, sizeof s->reload_error, "%s", why);
    s->view.reload_ok = 0;
    s->view.reload_error = s->reload_error;
    view_touch(&s->view, NULL);
    if (err != NULL && len > 0)
        snprintf(err, len, "%s", why);
    serve_log("reload failed, the running configuration stays: %s", why);
}

/* The first error of errs (and how many more) as one line. */
static void errs_line(const struct cfg_errs *errs, const char *file, char *out, size_t len)
{
    char one[700] = "invalid";
    if (errs->n > 0)
        cfg_errs_format(&errs->v[0], file, one, sizeof one);
    size_t more = errs->n + errs->dropped - (errs->n > 0);
    if (more > 0)
        snprintf(out, len, "%s (and %zu more)", one, more);
    else
        snprintf(out, len, "%s", one);
}

bool serve_api_block(const struct cfg *cfg, struct serve_target *t, const char *when)
{
    char key[32] = "", why[512] = "", line[600] = "";
    int v = t->v.source == VIEW_SOURCE_API
                ? cfg_api_allowed(cfg, t->ct, key, sizeof key, why, sizeof why)
                : CFG_ALLOW_YES;
    if (v != CFG_ALLOW_YES)
        snprintf(line, sizeof line, "%s: %s", key[0] ? key : "host", why);
    bool changed = (v != CFG_ALLOW_YES) != (t->v.blocked != NULL) ||
                   (t->v.blocked != NULL && strcmp(line, t->v.blocked) != 0);
    if (!changed)
        return false;
    if (v != CFG_ALLOW_YES)
        serve_log("%sAPI target %s: not run (kept in the store; DELETE it, or PUT it again "
                  "%s): %s",
                  when, t->v.name,
                  strcmp(key, "cacert") == 0 ? "without cacert"
                                             : "with an allowed host or depth tls or echo",
                  line);
    else
        serve_log("%sAPI target %s: api.allow_hosts admits it now: runs", when, t->v.name);
    serve_target_block(t, v != CFG_ALLOW_YES ? line : NULL);
    if (t->s != NULL)
        view_touch(&t->s->view, &t->v);
    return true;
}

static bool listen_same(const struct cfg *a, const struct cfg *b)
{
    if (a->n_listen != b->n_listen)
        return false;
    for (size_t i = 0; i < a->n_listen; i++)
        if (a->listen[i].port != b->listen[i].port ||
            strcmp(a->listen[i].host, b->listen[i].host) != 0)
            return false;
    return true;
}

/* "127.0.0.1:9780, [::1]:9780" */
static void listen_text(const struct cfg *c, char *out, size_t len)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < c->n_listen && at < len; i++) {
        bool v6 = strchr(c->listen[i].host, ':') != NULL;
        int n = snprintf(out + at, len - at, "%s%s%s%s:%u", i ? ", " : "", v6 ? "[" : "",
                         c->listen[i].host, v6 ? "]" : "", (unsigned)c->listen[i].port);
        if (n < 0)
            break;
        at += (size_t)n;
    }
}

/* Does the new listen list share an address with the running one? */
static bool listen_overlap(const struct cfg *a, const struct cfg *b)
{
    for (size_t i = 0; i < a->n_listen; i++)
        for (size_t j = 0; j < b->n_listen; j++)
            if (a->listen[i].port == b->listen[j].port &&
                strcmp(a->listen[i].host, b->listen[j].host) == 0)
                return true;
    return false;
}

/* A changed listen moves the API when the new addresses share none with
 * the running ones (those are bound until the old server closes): the new
 * one listens first, the old one takes no new connection and closes once
 * its open ones are done. Otherwise the running listen addresses stay, as
 * the storage always does (the store uses it). What the file changed and
 * only a restart applies goes into s->restart_required (the view,
 * /api/v1/status, /metrics) and the log; a file back at the running values
 * clears it. */
static void keep_running_endpoints(struct serve *s, struct cfg *old, struct cfg *nc)
{
    char want[256], have[256], why[300];
    size_t at = 0;
    bool moved = false;
    s->restart_required[0] = '\0';
    if (!listen_same(old, nc)) {
        listen_text(nc, want, sizeof want);
        listen_text(old, have, sizeof have);
        int n = 0;
        if (listen_overlap(old, nc)) {
            n = snprintf(s->restart_required, sizeof s->restart_required,
                         "listen changed to %s: restart needed to apply (it keeps an address "
                         "the running server holds); kept %s", want, have);
        } else if (serve_api_move(s, nc->listen, nc->n_listen, why, sizeof why) != 0) {
            n = snprintf(s->restart_required, sizeof s->restart_required,
                         "listen changed to %s: cannot listen there now (%s); kept %s", want,
                         why, have);
        } else {
            moved = true;
            serve_log("reload: listen changed to %s (was %s): the old addresses take no new "
                      "connection and close once their open ones are done", want, have);
        }
        at = n > 0 ? (size_t)n : 0;
    }
    if (strcmp(old->storage, nc->storage) != 0 && at < sizeof s->restart_required)
        snprintf(s->restart_required + at, sizeof s->restart_required - at,
                 "%sstorage changed to %s: restart needed to apply; kept %s", at ? "; " : "",
                 nc->storage, old->storage);
    if (s->restart_required[0] != '\0')
        serve_log("reload: %s", s->restart_required);
    s->view.restart_required = s->restart_required[0] ? s->restart_required : NULL;
    if (!moved) {
        struct cfg_listen *l = nc->listen;
        size_t nl = nc->n_listen;
        nc->listen = old->listen;
        nc->n_listen = old->n_listen;
        old->listen = l;
        old->n_listen = nl;
    }
    char *st = nc->storage;
    nc->storage = old->storage;
    old->storage = st;
}

/* The API targets' settings parsed again on the new defaults. nt[i] is
 * NULL when parsing failed (the old settings stay) or the name is now in
 * the file (shadow[i]). */
static int reparse_api(struct serve *s, const struct cfg *nc, size_t first_api,
                       struct serve_target **nt, bool *shadow, struct serve_trusts *trusts)
{
    for (size_t i = first_api; i < s->ntargets; i++) {
        struct serve_target *t = s->targets[i];
        size_t k = i - first_api;
        nt[k] = NULL;
        shadow[k] = false;
        for (size_t j = 0; j < nc->n_targets && !shadow[k]; j++)
            shadow[k] = strcmp(nc->targets[j]->name, t->v.name) == 0;
        if (shadow[k])
            continue;
        struct cfg_target *ct = NULL;
        struct cfg_errs errs = {0};
        char err[512] = "";
        if (cfg_target_parse_json(t->api_body, strlen(t->api_body), t->v.name, nc, &ct,
                                  &errs) != 0) {
            char line[600];
            errs_line(&errs, NULL, line, sizeof line);
            serve_log("reload: API target %s keeps its settings: with the new defaults: %s",
                      t->v.name, line);
            cfg_errs_free(&errs);
            continue;
        }
        cfg_errs_free(&errs);
        nt[k] = serve_target_new(ct, VIEW_SOURCE_API, t->api_body, trusts, err, sizeof err);
        if (nt[k] == NULL) {
            serve_log("reload: API target %s keeps its settings: %s", t->v.name, err);
        } else { /* judged by the new api.allow_hosts; logged when that changes */
            serve_target_block(nt[k], t->v.blocked);
            (void)serve_api_block(nc, nt[k], "reload: ");
        }
    }
    return 0;
}

/* Apply new settings nt to the running target t (same name). */
static const char *apply_one(struct serve *s, struct serve_target *t, struct serve_target *nt)
{
    bool same = t->fp == nt->fp && t->v.source == nt->v.source &&
                (t->v.blocked == NULL) == (nt->v.blocked == NULL);
    if (nt->v.blocked != NULL && t->v.blocked == NULL) /* no longer watched: as if removed */
        hooks_forget(s->hooks, &t->v, loop_wall_ms());
    if (same) {
        serve_target_adopt(t, nt);
        return NULL;
    }
    serve_sched_stop(s, t);
    serve_target_adopt(t, nt);
    serve_sched_start(s, t);
    return "changed";
}

int serve_reload(struct serve *s, char *err, size_t len)
{
    char why[1024];
    struct cfg *nc = NULL;
    struct cfg_errs errs = {0};
    if (cfg_load_file(s->config_path, &nc, &errs) != 0) {
        errs_line(&errs, s->config_path, why, sizeof why);
        cfg_errs_free(&errs);
        reload_failed(s, why, err, len);
        return -1;
    }
    struct tokens *tok = NULL;
    if (nc->tokens_file != NULL && tokens_load(nc->tokens_file, &tok, &errs) != 0) {
        errs_line(&errs, nc->tokens_file, why, sizeof why);
        cfg_errs_free(&errs);
        cfg_free(nc);
        reload_failed(s, why, err, len);
        return -1;
    }
    /* every file target built (secrets read, trust stores loaded again)
     * before anything changes */
    struct serve_trusts trusts = {0};
    size_t nfile = nc->n_targets, first_api = serve_file_count(s);
    size_t napi = s->ntargets - first_api;
    struct serve_target **nt = calloc(nfile + napi + 1, sizeof *nt);
    bool *shadow = calloc(napi + 1, sizeof *shadow);
    struct serve_target **list = calloc(nfile + s->ntargets + 1, sizeof *list);
    size_t built = 0; /* nt[0..built) to free on failure */
    struct serve_module *mods = NULL;
    size_t nmods = 0;
    if (nt == NULL || shadow == NULL || list == NULL ||
        serve_reserve(s, nfile + s->ntargets) != 0) {
        snprintf(why, sizeof why, "out of memory");
        goto fail;
    }
    for (; built < nfile; built++) {
        struct cfg_target *ct = nc->targets[built];
        nc->targets[built] = NULL;
        char e[512] = "";
        nt[built] = serve_target_new(ct, VIEW_SOURCE_FILE, NULL, &trusts, e, sizeof e);
        if (nt[built] == NULL) {
            snprintf(why, sizeof why, "%s: targets[%zu]: %s", s->config_path, built, e);
            goto fail;
        }
    }
    nc->n_targets = 0; /* the targets are ours now */
    char me[512] = "";
    if (serve_modules_load(nc, &trusts, &mods, &nmods, me, sizeof me) != 0) {
        snprintf(why, sizeof why, "%s: %s", s->config_path, me);
        goto fail;
    }
    reparse_api(s, nc, first_api, nt + nfile, shadow, &trusts);

    /* from here on nothing fails */
    size_t added = 0, changed = 0, kept = 0, removed = 0, n = 0;
    for (size_t i = 0; i < s->ntargets; i++)
        s->targets[i]->keep = false;
    for (size_t i = 0; i < nfile; i++) {
        struct serve_target *t = serve_find(s, nt[i]->v.name);
        if (t != NULL) {
            const char *what = apply_one(s, t, nt[i]);
            if (what != NULL) {
                serve_log("reload: target %s: settings changed: rescheduled", t->v.name);
                changed++;
            } else {
                kept++;
            }
        } else {
            t = nt[i];
            t->s = s;
            serve_log("reload: target %s: added", t->v.name);
            added++;
        }
        t->keep = true;
        list[n++] = t;
    }
    for (size_t k = 0; k < napi; k++) {
        struct serve_target *t = s->targets[first_api + k];
        if (shadow[k])
            continue; /* the file's target of that name took it over */
        bool settings = nt[nfile + k] != NULL && nt[nfile + k]->fp != t->fp;
        if (nt[nfile + k] != NULL && apply_one(s, t, nt[nfile + k]) != NULL) {
            if (settings)
                serve_log("reload: API target %s: settings changed with the defaults: "
                          "rescheduled",
                          t->v.name);
            changed++;
        } else if (nt[nfile + k] == NULL && serve_api_block(nc, t, "reload: ")) {
            /* its old settings stay: judged by the new api.allow_hosts */
            if (t->v.blocked != NULL)
                hooks_forget(s->hooks, &t->v, loop_wall_ms());
            serve_sched_stop(s, t);
            serve_sched_start(s, t);
            changed++;
        }
        t->keep = true;
        list[n++] = t;
    }
    for (size_t i = 0; i < s->ntargets; i++) {
        struct serve_target *t = s->targets[i];
        if (t->keep)
            continue;
        serve_sched_stop(s, t);
        hooks_forget(s->hooks, &t->v, loop_wall_ms());
        serve_log("reload: target %s: removed%s", t->v.name,
                  t->v.source == VIEW_SOURCE_API ? " (an API target shadowed by the file)" : "");
        serve_target_free(t);
        removed++;
    }
    memcpy(s->targets, list, n * sizeof *list);
    s->ntargets = n;
    (void)serve_reindex(s); /* room reserved above */
    for (size_t i = 0; i < n; i++)
        if (list[i]->due_timer == NULL && !list[i]->v.running && !list[i]->queued)
            serve_sched_start(s, list[i]); /* the added ones */
    free(nt);
    free(shadow);
    free(list);

    keep_running_endpoints(s, s->cfg, nc);
    bool caps_changed = nc->max_checks != s->cfg->max_checks;
    if (nc->tls_session_cache != s->cfg->tls_session_cache) {
        serve_log("reload: tls_session_cache %zu (was %zu)", nc->tls_session_cache,
                  s->cfg->tls_session_cache);
        check_tls_cache_budget(nc->tls_session_cache); /* a smaller one drops sessions now */
    }
    if (nc->max_probes != s->cfg->max_probes) /* read per probe: applies at once */
        serve_log("reload: max_probes %zu (was %zu; %zu ad-hoc probes in flight run on)",
                  nc->max_probes, s->cfg->max_probes, s->nprobes);
    hooks_reload(s->hooks, nc);
    serve_modules_free(s->modules, s->nmodules); /* probes in flight hold copies */
    s->modules = mods;
    s->nmodules = nmods;
    cfg_free(s->cfg);
    s->cfg = nc;
    tokens_free(s->tokens);
    s->tokens = tok;
    serve_trusts_free(&s->trusts); /* the targets hold what they use */
    s->trusts = trusts;
    if (caps_changed && s->cli_max_checks > 0) {
        serve_log("reload: max_checks changed: --max-checks %zu stays", s->cli_max_checks);
    } else if (caps_changed) {
        serve_log("reload: max_checks changed");
        serve_sched_caps(s, nc->max_checks, "max_checks");
        serve_sched_drain(s);
    }
    s->cfg_gen++; /* API targets waiting for the store are built again */
    s->view.reload_ok = 1;
    s->view.reload_success_ms = loop_wall_ms();
    s->reload_error[0] = '\0';
    s->view.reload_error = NULL;
    view_touch(&s->view, NULL);
    serve_log("reload: %zu targets: %zu added, %zu changed, %zu removed, %zu unchanged",
              s->ntargets, added, changed, removed, kept);
    return 0;

fail: /* nothing has changed: the new settings are dropped */
    for (size_t j = 0; j < built; j++)
        serve_target_free(nt[j]);
    serve_trusts_free(&trusts);
    free(nt);
    free(shadow);
    free(list);
    tokens_free(tok);
    cfg_free(nc);
    reload_failed(s, why, err, len);
    return -1;
}

/* ---- API targets ------------------------------------------------------------------ */

/*
 * A PUT or DELETE of an API target waits for the store: the target changes
 * (and the client is answered) only once the writer committed the change,
 * so a 2xx survives kill -9 and a failed write changes nothing. Writes of
 * one name are applied in the order they were made (the writer is FIFO).
 */
struct serve_apiw {
    struct serve *s;
    struct serve_apiw *next;
    uint64_t ticket;
    bool del;
    char name[CFG_NAME_MAX + 1];
    struct serve_target *nt;  /* PUT: built from the body at submission */
    char *body;               /* PUT: built again if a reload came first */
    uint64_t cfg_gen;
    api_write_done done;
    void *arg;
};

static void apiw_unlink(struct serve_apiw *a)
{
    for (struct serve_apiw **p = &a->s->apiw; *p != NULL; p = &(*p)->next)
        if (*p == a) {
            *p = a->next;
            return;
        }
}

static void apiw_free(struct serve_apiw *a)
{
    serve_target_free(a->nt);
    free(a->body);
    free(a);
}

/* A PUT of name waiting for the store? */
static bool put_pending(struct serve *s, const char *name)
{
    for (struct serve_apiw *a = s->apiw; a != NULL; a = a->next)
        if (!a->del && strcmp(a->name, name) == 0)
            return true;
    return false;
}

/* The target of an API body on top of the running defaults, or NULL
 * (errs, err filled). */
static struct serve_target *api_target_build(struct serve *s, const char *name,
                                             const char *body, size_t len,
                                             struct cfg_errs *errs)
{
    struct cfg_target *ct = NULL;
    if (cfg_target_parse_json(body, len, name, s->cfg, &ct, errs) != 0)
        return NULL;
    char err[512] = "";
    struct serve_target *nt = serve_target_new(ct, VIEW_SOURCE_API, body, &s->trusts, err,
                                               sizeof err);
    if (nt == NULL)
        cfg_err_add(errs, 0, 0, "", "%s", err);
    return nt;
}

static void put_committed(void *arg, const struct store_done *d)
{
    struct serve_apiw *a = arg;
    struct serve *s = a->s;
    apiw_unlink(a);
    if (d->rc < 0) {
        serve_log("API target %s: not stored, nothing changed: %s", a->name, d->err);
        a->done(a->arg, d->rc, d->err);
        apiw_free(a);
        return;
    }
    struct serve_target *old = serve_find(s, a->name);
    if (old != NULL && old->v.source == VIEW_SOURCE_FILE) {
        serve_log("API target %s: stored, but a reload gave the name to the file, which wins "
                  "(the API's definition stays in the store)", a->name);
        a->done(a->arg, API_WRITE_ECONFLICT, "");
        apiw_free(a);
        return;
    }
    if (a->cfg_gen != s->cfg_gen) { /* a reload came: the new defaults */
        struct cfg_errs errs = {0};
        struct serve_target *nt = api_target_build(s, a->name, a->body, strlen(a->body), &errs);
        if (nt != NULL) {
            serve_target_free(a->nt);
            a->nt = nt;
        } else {
            serve_log("API target %s: no longer valid with the reloaded defaults: keeps the "
                      "settings it was validated with", a->name);
        }
        cfg_errs_free(&errs);
    }
    struct serve_target *nt = a->nt;
    a->nt = NULL;
    (void)serve_api_block(s->cfg, nt, ""); /* a reload may have narrowed api.allow_hosts */
    int rc;
    if (old != NULL && s->stopping) { /* shutdown: the view only, no run */
        serve_target_adopt(old, nt);
        rc = 1;
    } else if (old != NULL) {
        if (apply_one(s, old, nt) != NULL)
            serve_log("API target %s: replaced: rescheduled", a->name);
        else
            serve_log("API target %s: replaced (same settings)", a->name);
        rc = 1;
    } else {
        nt->s = s;
        if (serve_insert(s, nt, s->ntargets) != 0) {
            serve_target_free(nt);
            serve_log("API target %s: stored but not started: out of memory", a->name);
            a->done(a->arg, STORE_ENOMEM, "out of memory starting the stored target");
            apiw_free(a);
            return;
        }
        if (!s->stopping)
            serve_sched_start(s, nt);
        serve_log("API target %s: added", a->name);
        rc = 0;
    }
    a->done(a->arg, rc, "");
    apiw_free(a);
}

/* Queue a's write (ticket) and wait for it; a is freed on failure.
 * Returns 0 or -3 / -4 (api_ops). */
static int apiw_submit(struct serve *s, struct serve_apiw *a, int rc, const char *what,
                       store_done_cb fn)
{
    if (rc < 0) {
        serve_writer_full(s, what, a->name, rc);
        apiw_free(a);
        return rc == STORE_EFULL ? -4 : -3;
    }
    if (store_writer_wait(s->w, a->ticket, fn, a) != 0) {
        serve_log("API target %s: out of memory waiting for the store (the write is queued)",
                  a->name);
        apiw_free(a);
        return -3;
    }
    a->cfg_gen = s->cfg_gen;
    a->next = s->apiw;
    s->apiw = a;
    return 0;
}

int serve_target_put(struct serve *s, const char *name, const char *body, size_t len,
                     struct cfg_errs *errs, api_write_done done, void *arg)
{
    struct serve_target *old = serve_find(s, name);
    if (old != NULL && old->v.source == VIEW_SOURCE_FILE)
        return -2;
    if (strlen(name) > CFG_NAME_MAX)
        return -1;
    struct serve_apiw *a = calloc(1, sizeof *a);
    if (a == NULL || (a->body = malloc(len + 1)) == NULL) {
        free(a);
        return -3;
    }
    memcpy(a->body, body, len);
    a->body[len] = '\0';
    struct cfg_target *ct = NULL;
    if (cfg_target_parse_json(a->body, len, name, s->cfg, &ct, errs) != 0) {
        apiw_free(a);
        return -1;
    }
    /* judged before the target is built: building it reads its files */
    char key[32] = "", why[512] = "";
    int v = cfg_api_allowed(s->cfg, ct, key, sizeof key, why, sizeof why);
    if (v != CFG_ALLOW_YES) { /* refused: nothing stored, nothing read or sent */
        serve_log("API target %s: PUT refused: %s: %s", name, key, why);
        cfg_err_add(errs, 0, 0, key, "%s", why);
        cfg_target_free(ct);
        apiw_free(a);
        return v == CFG_ALLOW_BAD ? -1 : -5;
    }
    char err[512] = "";
    a->nt = serve_target_new(ct, VIEW_SOURCE_API, a->body, &s->trusts, err, sizeof err);
    if (a->nt == NULL) {
        cfg_err_add(errs, 0, 0, "", "%s", err);
        apiw_free(a);
        return -1;
    }
    a->s = s;
    a->done = done;
    a->arg = arg;
    snprintf(a->name, sizeof a->name, "%s", name);
    int rc = store_writer_api_put(s->w, name, a->body, loop_wall_ms(), &a->ticket);
    return apiw_submit(s, a, rc, "API target", put_committed);
}

static void delete_committed(void *arg, const struct store_done *d)
{
    struct serve_apiw *a = arg;
    struct serve *s = a->s;
    apiw_unlink(a);
    if (d->rc < 0 && d->rc != STORE_ENOTFOUND) {
        serve_log("API target %s: not removed from the store, nothing changed: %s", a->name,
                  d->err);
        a->done(a->arg, d->rc, d->err);
        apiw_free(a);
        return;
    }
    struct serve_target *t = serve_find(s, a->name);
    if (t == NULL || t->v.source != VIEW_SOURCE_API) {
        /* no row and nothing running: another DELETE came first */
        a->done(a->arg, d->rc == STORE_ENOTFOUND ? API_WRITE_ENOTFOUND : 0, "");
        apiw_free(a);
        return;
    }
    if (!s->stopping) {
        serve_sched_stop(s, t);
        hooks_forget(s->hooks, &t->v, loop_wall_ms());
        serve_remove(s, t);
        serve_target_free(t);
        serve_log("API target %s: deleted", a->name);
    }
    a->done(a->arg, 0, "");
    apiw_free(a);
}

int serve_target_delete(struct serve *s, const char *name, api_write_done done, void *arg)
{
    struct serve_target *t = serve_find(s, name);
    if (t != NULL && t->v.source == VIEW_SOURCE_FILE)
        return -2;
    if (t == NULL && !put_pending(s, name))
        return -1;
    struct serve_apiw *a = calloc(1, sizeof *a);
    if (a == NULL)
        return -3;
    a->s = s;
    a->del = true;
    a->done = done;
    a->arg = arg;
    snprintf(a->name, sizeof a->name, "%s", name);
    int rc = store_writer_api_delete(s->w, name, &a->ticket);
    return apiw_submit(s, a, rc, "API target delete", delete_committed);
}

void serve_api_writes_finish(struct serve *s)
{
    if ((s->apiw != NULL || hooks_maint_pending(s->hooks)) && s->w != NULL) {
        if (store_writer_flush(s->w, SERVE_SHUTDOWN_FLUSH_MS) != 0)
            serve_log("store: the writer did not finish in %d ms", SERVE_SHUTDOWN_FLUSH_MS);
        serve_writer_ready(s, -1, 0); /* the completions: answers */
    }
    while (s->apiw != NULL) { /* the writer is stuck: answer 503 */
        struct serve_apiw *a = s->apiw;
        s->apiw = a->next;
        store_writer_unwait(s->w, a->ticket);
        a->done(a->arg, STORE_ESTOPPED, "the service stopped before the store committed it");
        apiw_free(a);
    }
}
