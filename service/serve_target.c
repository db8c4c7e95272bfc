/*
 * serve_target.c: one target of `oaprobe serve`: its settings (a
 * struct cfg_target it owns), its secret, the view fields that come from
 * them, and the name index of the daemon's targets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/check/check_tls.h"
#include "probes/verdict/check_obs.h"
#include "service/secret.h"
#include "service/serve.h"

/* Sockets one run of t may hold at once, from its depth and settings: the
 * connect (and plain-HTTP) transfer, the unauthenticated echo, the NTLM
 * info and authenticated echo, then an IN and an OUT channel per server and
 * port, and the direct port checks. */
unsigned serve_sockets_of(const struct check_opts *o)
{
    unsigned ports = o->n_ports ? (unsigned)o->n_ports : 3u;
    unsigned servers = o->n_servers ? (unsigned)o->n_servers : 2u;
    unsigned n = 2;
    if (o->depth != CHECK_DEPTH_TLS)
        n += 1;
    if (o->depth == CHECK_DEPTH_AUTH || o->depth == CHECK_DEPTH_TUNNEL)
        n += 2;
    if (o->depth == CHECK_DEPTH_TUNNEL)
        n += 2 * servers * ports;
    if (o->direct_ports)
        n += ports;
    return n;
}

struct check_trust *serve_trusts_get(struct serve_trusts *trusts, const char *cacert, char *err,
                                     size_t len)
{
    for (size_t i = 0; i < trusts->n; i++) {
        const char *c = trusts->v[i].cacert;
        if ((c == NULL && cacert == NULL) || (c != NULL && cacert != NULL && strcmp(c, cacert) == 0))
            return check_trust_ref(trusts->v[i].trust);
    }
    if (trusts->n == trusts->cap) {
        size_t cap = trusts->cap ? trusts->cap * 2 : 4;
        struct serve_trust_entry *p = realloc(trusts->v, cap * sizeof *p);
        if (p == NULL) {
            snprintf(err, len, "out of memory");
            return NULL;
        }
        trusts->v = p;
        trusts->cap = cap;
    }
    char why[256] = "";
    struct check_trust *t = check_trust_load(cacert, why, sizeof why);
    if (t == NULL) {
        snprintf(err, len, "cacert: %s", why);
        return NULL;
    }
    char *copy = cacert ? strdup(cacert) : NULL;
    if (cacert != NULL && copy == NULL) {
        check_trust_unref(t);
        snprintf(err, len, "out of memory");
        return NULL;
    }
    trusts->v[trusts->n++] = (struct serve_trust_entry){copy, t};
    return check_trust_ref(t);
}

void serve_trusts_free(struct serve_trusts *trusts)
{
    for (size_t i = 0; i < trusts->n; i++) {
        free(trusts->v[i].cacert);
        check_trust_unref(trusts->v[i].trust);
    }
    free(trusts->v);
    *trusts = (struct serve_trusts){0};
}

/* The view fields that come from the settings. */
static int fill_settings(struct serve_target *t, enum view_source source)
{
    const struct cfg_target *ct = t->ct;
    t->opts = cfg_target_opts(ct, t->password);
    t->opts.trust = t->trust;
    t->opts.tls_cache = t->tls_cache;
    free(t->labels);
    t->labels = NULL;
    if (ct->n_labels > 0) {
        t->labels = calloc(ct->n_labels, sizeof *t->labels);
        if (t->labels == NULL)
            return -1;
        for (size_t i = 0; i < ct->n_labels; i++)
            t->labels[i] = (struct view_label){ct->labels[i].key, ct->labels[i].value};
    }
    struct view_target *v = &t->v;
    v->name = ct->name;
    v->host = t->opts.host;
    v->location = ct->location;
    v->depth = check_depth_name(t->opts.depth);
    v->source = source; /* v->blocked: serve_target_block */
    v->labels = t->labels;
    v->nlabels = ct->n_labels;
    v->opts = &t->opts;
    v->interval_ms = (int64_t)ct->interval_ms;
    v->timeout_ms = t->opts.timeout_ms ? t->opts.timeout_ms : CHECK_DEFAULT_TIMEOUT_MS;
    v->failure_threshold = ct->failure_threshold ? ct->failure_threshold : 1;
    v->success_threshold = ct->success_threshold ? ct->success_threshold : 1;
    v->remind_every_ms = ct->remind_every_ms;
    t->sockets = serve_sockets_of(&t->opts);
    return 0;
}

struct serve_target *serve_target_new(struct cfg_target *ct, enum view_source source,
                                      const char *api_body, struct serve_trusts *trusts,
                                      char *err, size_t len)
{
    char *password = NULL;
    int rc = cfg_secret_load(ct, &password, err, len);
    if (rc == SECRET_ERROR) {
        cfg_target_free(ct);
        return NULL;
    }
    if (rc == SECRET_WARN)
        serve_log("target %s: warning: %s", ct->name, err);
    struct serve_target *t = calloc(1, sizeof *t);
    if (t == NULL || (api_body != NULL && (t->api_body = strdup(api_body)) == NULL)) {
        snprintf(err, len, "out of memory");
        secret_free(password);
        cfg_target_free(ct);
        free(t);
        return NULL;
    }
    t->ct = ct;
    t->password = password;
    t->fp = cfg_target_fingerprint_secret(ct, password);
    t->tls_cache = check_tls_cache_new(); /* NULL: each run starts without sessions */
    t->trust = serve_trusts_get(trusts, ct->set.opts.cacert, err, len);
    if (t->trust == NULL) {
        serve_target_free(t);
        return NULL;
    }
    if (fill_settings(t, source) != 0) {
        snprintf(err, len, "out of memory");
        serve_target_free(t);
        return NULL;
    }
    struct view_target *v = &t->v;
    v->status = OA_STATE_UNKNOWN; /* pending until the first run */
    v->last_status = OA_STATE_UNKNOWN;
    v->codes = t->codes;
    for (size_t w = 0; w < VIEW_WINDOW__COUNT; w++)
        v->uptime[w] = -1;
    return t;
}

static const char blocked_oom[] = "not run: out of memory";

static void blocked_free(const char *p)
{
    if (p != blocked_oom)
        free((void *)(uintptr_t)p); /* v.blocked is the view's const; ours */
}

void serve_target_block(struct serve_target *t, const char *why)
{
    blocked_free(t->v.blocked);
    t->v.blocked = NULL;
    if (why != NULL && (t->v.blocked = strdup(why)) == NULL)
        t->v.blocked = blocked_oom;
}

void serve_target_adopt(struct serve_target *t, struct serve_target *nt)
{
    cfg_target_free(t->ct);
    secret_free(t->password);
    free(t->api_body);
    blocked_free(t->v.blocked);
    check_trust_unref(t->trust);
    t->ct = nt->ct;
    t->v.blocked = nt->v.blocked;
    nt->v.blocked = NULL;
    t->password = nt->password;
    t->api_body = nt->api_body;
    t->fp = nt->fp;
    t->trust = nt->trust;
    nt->ct = NULL;
    nt->password = NULL;
    nt->api_body = NULL;
    nt->trust = NULL;
    enum view_source source = nt->v.source;
    serve_target_free(nt);
    if (fill_settings(t, source) != 0) {
        /* out of memory for the labels: run without them */
        t->v.labels = NULL;
        t->v.nlabels = 0;
    }
    if (t->s != NULL)
        view_touch(&t->s->view, &t->v);
}

void serve_target_free(struct serve_target *t)
{
    if (t == NULL)
        return;
    cfg_target_free(t->ct);
    secret_free(t->password);
    free(t->api_body);
    blocked_free(t->v.blocked);
    check_trust_unref(t->trust);
    check_tls_cache_free(t->tls_cache); /* a run in flight keeps its sessions until freed */
    free(t->labels);
    free(t->latest_json);
    oa_result_free(t->latest);
    free(t->waiters);
    explicit_bzero(&t->opts, sizeof t->opts); /* held a pointer to the secret */
    free(t);
}

void serve_set_codes(struct serve_target *t, const struct oa_result *r)
{
    size_t n = 0;
    for (size_t i = 0; r != NULL && i < r->ndiags && n < OA_RESULT_MAX_DIAGS; i++) {
        bool seen = false;
        for (size_t j = 0; j < n && !seen; j++)
            seen = t->codes[j] == r->diags[i].code;
        if (!seen)
            t->codes[n++] = r->diags[i].code;
    }
    t->v.ncodes = n;
}

/* ---- the list and the name index ----------------------------------------- */

static uint64_t name_hash(const char *name)
{
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return h;
}

int serve_reindex(struct serve *s)
{
    size_t want = s->nslots ? s->nslots : 64;
    while (want < s->ntargets * 2 + 1)
        want *= 2;
    if (want != s->nslots) {
        struct serve_target **p = calloc(want, sizeof *p);
        if (p == NULL)
            return -1;
        free(s->slots);
        s->slots = p;
        s->nslots = want;
    } else {
        memset(s->slots, 0, s->nslots * sizeof *s->slots);
    }
    for (size_t i = 0; i < s->ntargets; i++) {
        struct serve_target *t = s->targets[i];
        t->index = i;
        size_t k = (size_t)(name_hash(t->v.name) & (s->nslots - 1));
        while (s->slots[k] != NULL)
            k = (k + 1) & (s->nslots - 1);
        s->slots[k] = t;
        s->vtargets[i] = &t->v;
        if (t->v.generation == 0) /* new: a generation no other target had */
            view_touch(&s->view, &t->v);
    }
    s->view.targets = s->vtargets;
    s->view.ntargets = s->ntargets;
    view_touch(&s->view, NULL);
    return 0;
}

struct serve_target *serve_find(struct serve *s, const char *name)
{
    if (s->nslots == 0 || name == NULL)
        return NULL;
    size_t k = (size_t)(name_hash(name) & (s->nslots - 1));
    while (s->slots[k] != NULL) {
        if (strcmp(s->slots[k]->v.name, name) == 0)
            return s->slots[k];
        k = (k + 1) & (s->nslots - 1);
    }
    return NULL;
}

int serve_reserve(struct serve *s, size_t n)
{
    if (n <= s->captargets)
        return 0;
    size_t cap = s->captargets ? s->captargets : 64;
    while (cap < n)
        cap *= 2;
    struct serve_target **a = realloc(s->targets, cap * sizeof *a);
    if (a == NULL)
        return -1;
    s->targets = a;
    const struct view_target **v = realloc(s->vtargets, cap * sizeof *v);
    if (v == NULL)
        return -1;
    s->vtargets = v;
    s->captargets = cap;
    return 0;
}

int serve_insert(struct serve *s, struct serve_target *t, size_t pos)
{
    if (serve_reserve(s, s->ntargets + 1) != 0)
        return -1;
    if (pos > s->ntargets)
        pos = s->ntargets;
    memmove(&s->targets[pos + 1], &s->targets[pos], (s->ntargets - pos) * sizeof *s->targets);
    s->targets[pos] = t;
    s->ntargets++;
    if (serve_reindex(s) != 0) {
        memmove(&s->targets[pos], &s->targets[pos + 1], (--s->ntargets - pos) * sizeof *s->targets);
        (void)serve_reindex(s);
        return -1;
    }
    return 0;
}

void serve_remove(struct serve *s, struct serve_target *t)
{
    size_t pos = t->index;
    if (pos >= s->ntargets || s->targets[pos] != t)
        return;
    memmove(&s->targets[pos], &s->targets[pos + 1], (s->ntargets - pos - 1) * sizeof *s->targets);
    s->ntargets--;
    (void)serve_reindex(s); /* never grows: cannot fail */
}

size_t serve_file_count(const struct serve *s)
{
    size_t n = 0;
    while (n < s->ntargets && s->targets[n]->v.source == VIEW_SOURCE_FILE)
        n++;
    return n;
}
