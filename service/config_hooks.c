/*
 * config_hooks.c: the configuration keys of issue 9 that are not
 * maintenance windows: alertmanagers, webhooks, exec and modules (see
 * config.h). Errors by line, column and key path like every other key; a
 * header value is never echoed (it may be a token).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probes/common/ascii.h"
#include "service/config_int.h"

/* The items of a sequence node (NULL with an error when n is not one). */
static size_t seq_len(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path, size_t max,
                      const char *what)
{
    if (n->type != YAML_SEQUENCE_NODE) {
        cfg_node_err(ctx, n, path, "wants a list of %s, not %s", what, cfg_type_name(n));
        return 0;
    }
    size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (count > max) {
        cfg_node_err(ctx, n, path, "%zu entries (at most %zu)", count, max);
        return 0;
    }
    return count;
}

/* The array for a list of at most max items (what: for the message), zeroed,
 * with *count; NULL with an error when n is no such list or out of memory. */
static void *seq_alloc(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path, size_t max,
                       const char *what, size_t size, size_t *count)
{
    *count = seq_len(ctx, n, path, max, what);
    if (*count == 0)
        return NULL;
    void *v = calloc(*count, size);
    if (v == NULL) {
        ctx->oom = true;
        cfg_node_err(ctx, n, path, "out of memory");
    }
    return v;
}

/* One item of a list (not an alias) at path "list[i]". */
typedef void (*item_fn)(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *item,
                        const char *path, size_t i);

/* Each of the count items of list n to fn. */
static void seq_each(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *n, const char *path,
                     size_t count, item_fn fn)
{
    for (size_t i = 0; i < count; i++) {
        char sub[CFG_PATH_MAX];
        cfg_path_index(sub, sizeof sub, path, i);
        yaml_node_t *item = cfg_node(ctx, n->data.sequence.items.start[i], sub);
        if (item != NULL)
            fn(ctx, cfg, item, sub, i);
    }
}

static bool url_ok(const char *u)
{
    const char *rest = strncmp(u, "http://", 7) == 0    ? u + 7
                       : strncmp(u, "https://", 8) == 0 ? u + 8
                                                        : NULL;
    if (rest == NULL || rest[0] == '\0' || rest[0] == '/')
        return false;
    for (const unsigned char *p = (const unsigned char *)u; *p; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return false;
    return true;
}

/* A URL: http(s)://, no spaces or control bytes; never echoed (it may hold
 * a token after ${NAME} expansion). */
static char *get_url(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path)
{
    char *s = cfg_scalar(ctx, n, path, true, "a URL");
    if (s != NULL && !url_ok(s)) {
        cfg_node_err(ctx, n, path, "wants an http:// or https:// URL with a host and no spaces");
        free(s);
        return NULL;
    }
    return s;
}

static bool get_timeout(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path,
                        uint64_t *out)
{
    char *s = cfg_scalar(ctx, n, path, true, "a duration");
    if (s == NULL)
        return false;
    uint64_t ms = 0;
    bool ok = cfg_duration_parse(s, &ms) == 0 && ms >= 100 && ms <= 300000;
    if (!ok)
        cfg_node_err(ctx, n, path, "\"%.40s\" is not a duration from 100ms to 5m", s);
    else
        *out = ms;
    free(s);
    return ok;
}

static bool hook_name_ok(const char *s)
{
    return cfg_name_ok(s);
}

/* `name:` of a hook or window into *dst. */
static bool get_name(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path, char **dst)
{
    char *s = cfg_scalar(ctx, n, path, true, "a name");
    if (s != NULL && !hook_name_ok(s)) {
        cfg_node_err(ctx, n, path, "\"%.80s\" is not a valid name ([a-z0-9._-], 1-%u characters)",
                     s, CFG_NAME_MAX);
        free(s);
        return false;
    }
    if (s == NULL)
        return false;
    free(*dst);
    *dst = s;
    return true;
}

/* Handlers of the keys the hooks share, each on the field at the entry's
 * offset: url (char *), timeout (uint64_t ms), name (char *). */
static bool key_url(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    char **dst = cfg_field(obj, p->def);
    free(*dst);
    *dst = get_url(ctx, p->value, p->path);
    return *dst != NULL;
}

static bool key_timeout(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    return get_timeout(ctx, p->value, p->path, cfg_field(obj, p->def));
}

static bool key_name(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    return get_name(ctx, p->value, p->path, cfg_field(obj, p->def));
}

static char *default_name(const char *prefix, size_t i)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%s%zu", prefix, i);
    return strdup(buf);
}

/* ---- alertmanagers -------------------------------------------------- */

static const struct cfg_key am_keys[] = {
    {"url", key_url, offsetof(struct cfg_alertmanager, url), NULL},
    {"timeout", key_timeout, offsetof(struct cfg_alertmanager, timeout_ms), NULL},
};

/* A URL, or {url, timeout}. */
static void am_item(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *item,
                    const char *sub, size_t i)
{
    (void)i;
    struct cfg_alertmanager *a = &cfg->alertmanagers[cfg->n_alertmanagers];
    a->timeout_ms = CFG_HOOK_TIMEOUT_MS;
    if (item->type == YAML_MAPPING_NODE) {
        if (!cfg_map_check(ctx, item, sub, 8))
            return;
        (void)cfg_walk_keys(ctx, item, sub, am_keys, sizeof am_keys / sizeof am_keys[0], NULL, a);
        if (a->url == NULL && !ctx->oom)
            cfg_node_err(ctx, item, sub, "url: missing");
    } else {
        a->url = get_url(ctx, item, sub);
    }
    if (a->url == NULL)
        return;
    size_t l = strlen(a->url);
    while (l > 0 && a->url[l - 1] == '/')
        a->url[--l] = '\0';
    cfg->n_alertmanagers++;
}

static void do_alertmanagers(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *n)
{
    size_t count;
    cfg->alertmanagers = seq_alloc(ctx, n, "alertmanagers", CFG_HOOKS_MAX, "Alertmanager URLs",
                                   sizeof *cfg->alertmanagers, &count);
    if (cfg->alertmanagers != NULL)
        seq_each(ctx, cfg, n, "alertmanagers", count, am_item);
}

/* ---- webhooks ------------------------------------------------------- */

static bool header_name_ok(const char *s)
{
    if (s[0] == '\0' || strlen(s) > 64)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (!ascii_isalnum(*p) && strchr("!#$%&'*+.^_`|~-", *p) == NULL)
            return false;
    return true;
}

/* One header of a webhook's headers: mapping. */
static bool header_pair(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    struct cfg_webhook *w = obj;
    const char *k = p->key;
    if (!header_name_ok(k) || strncasecmp(k, "content-", 8) == 0 || strcasecmp(k, "host") == 0) {
        cfg_node_err(ctx, p->key_node, p->path,
                     "not a header name oaprobe may set (a token of at most 64 bytes; not "
                     "Host or Content-*)");
        return false;
    }
    const yaml_node_t *v = p->value;
    bool secret = v->type == YAML_SCALAR_NODE &&
                  strstr((const char *)v->data.scalar.value, "${") != NULL;
    char *val = cfg_scalar(ctx, v, p->path, true, "a header value");
    if (val == NULL)
        return false;
    if (strpbrk(val, "\r\n") != NULL) {
        cfg_node_err(ctx, v, p->path, "the value holds a line break");
        free(val);
        return false;
    }
    struct cfg_header *h = &w->headers[w->n_headers];
    h->name = strdup(k);
    h->value = val;
    h->secret = secret;
    if (h->name == NULL) {
        free(val);
        ctx->oom = true;
        return false;
    }
    w->n_headers++;
    return true;
}

static void do_headers(struct cfg_ctx *ctx, struct cfg_webhook *w, const yaml_node_t *n,
                       const char *path)
{
    size_t count;
    w->headers = cfg_map_alloc(ctx, n, path, CFG_HEADERS_MAX, sizeof *w->headers, &count);
    if (w->headers != NULL)
        (void)cfg_map_each(ctx, n, path, header_pair, w);
}

static bool key_headers(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    struct cfg_webhook *w = obj;
    if (w->headers == NULL) /* a duplicate key is reported; the first wins */
        do_headers(ctx, w, p->value, p->path);
    return true;
}

static const struct cfg_key webhook_keys[] = {
    {"name", key_name, offsetof(struct cfg_webhook, name), NULL},
    {"url", key_url, offsetof(struct cfg_webhook, url), NULL},
    {"headers", key_headers, 0, NULL},
    {"timeout", key_timeout, offsetof(struct cfg_webhook, timeout_ms), NULL},
};

static void webhook_item(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *item,
                         const char *sub, size_t i)
{
    if (!cfg_map_check(ctx, item, sub, 8))
        return;
    struct cfg_webhook *w = &cfg->webhooks[cfg->n_webhooks++];
    w->timeout_ms = CFG_HOOK_TIMEOUT_MS;
    (void)cfg_walk_keys(ctx, item, sub, webhook_keys, sizeof webhook_keys / sizeof webhook_keys[0],
                        NULL, w);
    if (w->url == NULL)
        cfg_node_err(ctx, item, sub, "url: missing (or invalid)");
    if (w->name == NULL && (w->name = default_name("webhook", i)) == NULL)
        ctx->oom = true;
}

static void do_webhooks(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *n)
{
    size_t count;
    cfg->webhooks = seq_alloc(ctx, n, "webhooks", CFG_HOOKS_MAX,
                              "webhooks ({url, headers, timeout})", sizeof *cfg->webhooks, &count);
    if (cfg->webhooks != NULL)
        seq_each(ctx, cfg, n, "webhooks", count, webhook_item);
}

/* ---- exec ----------------------------------------------------------- */

static void do_argv(struct cfg_ctx *ctx, struct cfg_exec *e, const yaml_node_t *n,
                    const char *path)
{
    size_t count = seq_len(ctx, n, path, CFG_ARGV_MAX, "arguments ([/path/to/program, arg...])");
    if (count == 0) {
        if (n->type == YAML_SEQUENCE_NODE)
            cfg_node_err(ctx, n, path, "is an empty list");
        return;
    }
    e->argv = calloc(count + 1, sizeof *e->argv);
    if (e->argv == NULL) {
        ctx->oom = true;
        return;
    }
    for (size_t i = 0; i < count; i++) {
        char sub[CFG_PATH_MAX];
        cfg_path_index(sub, sizeof sub, path, i);
        yaml_node_t *item = cfg_node(ctx, n->data.sequence.items.start[i], sub);
        char *s = item ? cfg_scalar(ctx, item, sub, true, "a string") : NULL;
        if (s == NULL)
            return;
        if (i == 0 && s[0] != '/') {
            cfg_node_err(ctx, item, sub,
                         "the program must be an absolute path (no shell, no PATH search)");
            free(s);
            return;
        }
        e->argv[e->argc++] = s;
    }
}

static bool key_command(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    struct cfg_exec *e = obj;
    if (e->argv == NULL) /* a duplicate key is reported; the first wins */
        do_argv(ctx, e, p->value, p->path);
    return true;
}

static const struct cfg_key exec_keys[] = {
    {"name", key_name, offsetof(struct cfg_exec, name), NULL},
    {"command", key_command, 0, " ([/path/to/program, arg...])"},
    {"timeout", key_timeout, offsetof(struct cfg_exec, timeout_ms), NULL},
};

static void exec_item(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *item,
                      const char *sub, size_t i)
{
    if (!cfg_map_check(ctx, item, sub, 8))
        return;
    struct cfg_exec *e = &cfg->execs[cfg->n_execs++];
    e->timeout_ms = CFG_HOOK_TIMEOUT_MS;
    (void)cfg_walk_keys(ctx, item, sub, exec_keys, sizeof exec_keys / sizeof exec_keys[0], NULL,
                        e);
    if (e->name == NULL && (e->name = default_name("exec", i)) == NULL)
        ctx->oom = true;
}

const struct cfg_key *cfg_hook_keys(enum cfg_hook_kind kind, size_t *n)
{
    switch (kind) {
    case CFG_HOOK_ALERTMANAGER:
        *n = sizeof am_keys / sizeof am_keys[0];
        return am_keys;
    case CFG_HOOK_WEBHOOK:
        *n = sizeof webhook_keys / sizeof webhook_keys[0];
        return webhook_keys;
    case CFG_HOOK_EXEC:
        break;
    }
    *n = sizeof exec_keys / sizeof exec_keys[0];
    return exec_keys;
}

static void do_exec(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *n)
{
    size_t count;
    cfg->execs = seq_alloc(ctx, n, "exec", CFG_HOOKS_MAX, "programs ({command: [...], timeout})",
                           sizeof *cfg->execs, &count);
    if (cfg->execs != NULL)
        seq_each(ctx, cfg, n, "exec", count, exec_item);
}

/* ---- maintenance ---------------------------------------------------- */

static void maint_item(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *item,
                       const char *sub, size_t i)
{
    struct cfg_maint *m = &cfg->maint[cfg->n_maint];
    if (!cfg_maint_apply(ctx, m, item, sub)) {
        cfg_maint_clear(m);
        return;
    }
    if (m->name == NULL && (m->name = default_name("maintenance", i)) == NULL)
        ctx->oom = true;
    cfg->n_maint++;
}

static void do_maintenance(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *n)
{
    size_t count;
    cfg->maint = seq_alloc(ctx, n, "maintenance", CFG_MAINT_MAX, "windows", sizeof *cfg->maint,
                           &count);
    if (cfg->maint != NULL)
        seq_each(ctx, cfg, n, "maintenance", count, maint_item);
}

/* ---- modules -------------------------------------------------------- */

/* A module holds what one check does: the vocabulary of a target's check
 * options (cfg_vocab.h) but host. Scheduling, thresholds, reminders,
 * labels and location are a target's: an error, not silently ignored. */
static bool module_keys_ok(struct cfg_ctx *ctx, const yaml_node_t *map, const char *path)
{
    size_t n_refused;
    const struct cfg_key *refused = cfg_target_keys(CFG_SCOPE_MODULE_REFUSED, &n_refused);
    if (map->type != YAML_MAPPING_NODE)
        return true; /* cfg_target_apply reports it */
    bool ok = true;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = cfg_key(ctx, p);
        for (size_t i = 0; i < n_refused; i++) {
            if (strcmp(k, refused[i].key) != 0)
                continue;
            char sub[CFG_PATH_MAX];
            cfg_path(sub, sizeof sub, path, k);
            cfg_node_err(ctx, yaml_document_get_node(ctx->doc, p->key), sub,
                         "not a module key: a module holds the check's options (servers, "
                         "ports, auth, user, password_file, depth, timeout, ...) and "
                         "allow_hosts; %s belongs to a target",
                         k);
            ok = false;
        }
    }
    return ok;
}

/* One pattern of allow_hosts into *out. */
static bool allow_one(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path,
                      struct cfg_allow *out)
{
    char *s = cfg_scalar(ctx, n, path, true, "a host pattern");
    if (s == NULL)
        return false;
    char why[300];
    bool ok = cfg_allow_parse(s, out, why, sizeof why) == 0;
    if (!ok)
        cfg_node_err(ctx, n, path, "%s", why);
    free(s);
    return ok;
}

bool cfg_allow_list(struct cfg_ctx *ctx, struct cfg_allow **out, size_t *n_out,
                    const yaml_node_t *v, const char *path)
{
    if (*out != NULL)
        return false; /* a duplicate key (cfg_map_check reported it) */
    size_t count = 1;
    if (v->type == YAML_SEQUENCE_NODE) {
        count = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
        if (count == 0 || count > CFG_ALLOW_MAX) {
            cfg_node_err(ctx, v, path,
                         count == 0 ? "is an empty list (leave it out, or list the hosts)"
                                    : "%zu patterns (at most %u)",
                         count, CFG_ALLOW_MAX);
            return false;
        }
    }
    *out = calloc(count, sizeof **out);
    if (*out == NULL) {
        ctx->oom = true;
        return false;
    }
    if (v->type != YAML_SEQUENCE_NODE) {
        if (!allow_one(ctx, v, path, &(*out)[0]))
            return false;
        *n_out = 1;
        return true;
    }
    bool ok = true;
    for (size_t i = 0; i < count; i++) {
        char is[CFG_PATH_MAX];
        cfg_path_index(is, sizeof is, path, i);
        yaml_node_t *item = cfg_node(ctx, v->data.sequence.items.start[i], is);
        if (item != NULL && allow_one(ctx, item, is, &(*out)[*n_out]))
            (*n_out)++;
        else
            ok = false;
    }
    return ok;
}

/* One module of the modules: mapping. */
static bool module_pair(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    struct cfg *cfg = obj;
    const char *k = p->key;
    const yaml_node_t *v = p->value;
    const char *sub = p->path;
    if (!cfg_name_ok(k)) {
        cfg_node_err(ctx, p->key_node, sub,
                     "not a valid module name ([a-z0-9._-], 1-%u characters)", CFG_NAME_MAX);
        return false;
    }
    struct cfg_target *t = cfg_target_copy(cfg->defaults);
    if (t == NULL) {
        ctx->oom = true;
        return false;
    }
    t->set.opts.host = NULL; /* /probe?target= gives it */
    struct cfg_module *m = &cfg->modules[cfg->n_modules];
    m->line = (unsigned)p->key_node->start_mark.line + 1u;
    m->col = (unsigned)p->key_node->start_mark.column + 1u;
    bool ok = true;
    if (!cfg_is_null(v)) {
        bool keys = module_keys_ok(ctx, v, sub);
        ctx->module = m;
        ok = cfg_target_apply(ctx, t, v, sub, true) && keys;
        ctx->module = NULL;
    }
    if (ok && t->set.opts.host != NULL) {
        cfg_node_err(ctx, v, sub, "a module has no host: /probe?target= gives it");
        ok = false;
    }
    if (ok) {
        /* the checks across options a target gets, with a stand-in
         * host (the request's host is checked per probe) */
        struct check_settings set = t->set;
        set.opts.host = "module.invalid";
        char why[400];
        if (check_settings_finish(&set, false, why, sizeof why) < 0) {
            cfg_node_err(ctx, v, sub, "%s", why);
            ok = false;
        }
    }
    m->name = strdup(k);
    m->t = t;
    if (m->name == NULL)
        ctx->oom = true;
    cfg->n_modules++;
    return ok;
}

static void do_modules(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *n)
{
    size_t count;
    cfg->modules = cfg_map_alloc(ctx, n, "modules", CFG_MODULES_MAX, sizeof *cfg->modules, &count);
    if (cfg->modules != NULL)
        (void)cfg_map_each(ctx, n, "modules", module_pair, cfg);
}

const struct cfg_module *cfg_module_find(const struct cfg *cfg, const char *name)
{
    if (cfg == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < cfg->n_modules; i++)
        if (cfg->modules[i].name != NULL && strcmp(cfg->modules[i].name, name) == 0)
            return &cfg->modules[i];
    return NULL;
}

bool cfg_module_credentialed(const struct cfg_module *m)
{
    if (m == NULL || m->t == NULL)
        return false;
    const struct check_settings *set = &m->t->set;
    return cfg_allow_credentialed(&set->opts, set->password_file, set->password_env);
}

/* The API's warnings: with write tokens possible (api.tokens_file) and
 * credentials in the defaults (that an API target at depth auth or tunnel
 * would send), api.allow_hosts unset (every such PUT is refused) or "*"
 * (every write-token holder picks who receives them). */
static size_t api_warnings(const struct cfg *cfg, struct cfg_errs *warns)
{
    if (cfg->tokens_file == NULL || cfg->defaults == NULL)
        return 0;
    const struct check_settings *set = &cfg->defaults->set;
    struct check_opts deep = set->opts;
    deep.depth = CHECK_DEPTH_TUNNEL; /* a body may ask for it */
    if (!cfg_allow_credentialed(&deep, set->password_file, set->password_env))
        return 0;
    bool any = false;
    for (size_t j = 0; j < cfg->n_api_allow; j++)
        any = any || cfg->api_allow[j].kind == CFG_ALLOW_ANY;
    if (cfg->n_api_allow == 0)
        cfg_err_add(warns, cfg->api_line, cfg->api_col, "api",
                    "warning: defaults carry credentials and api.allow_hosts is not set: "
                    "PUT /api/v1/targets refuses every target that would send them (depth "
                    "auth or tunnel); list the hosts API targets may send them to in "
                    "api.allow_hosts");
    else if (any)
        cfg_err_add(warns, cfg->api_allow_line, cfg->api_allow_col, "api.allow_hosts",
                    "warning: \"*\" lets whoever holds a write token send the defaults' "
                    "credentials to any host (PUT /api/v1/targets with a host of their "
                    "choice)");
    else
        return 0;
    return 1;
}

size_t cfg_warnings(const struct cfg *cfg, struct cfg_errs *warns)
{
    size_t n = 0;
    if (cfg != NULL && warns != NULL)
        n += api_warnings(cfg, warns);
    for (size_t i = 0; cfg != NULL && warns != NULL && i < cfg->n_modules; i++) {
        const struct cfg_module *m = &cfg->modules[i];
        if (!cfg_module_credentialed(m))
            continue;
        char path[CFG_PATH_MAX];
        cfg_path(path, sizeof path, "modules", m->name);
        bool any = false;
        for (size_t j = 0; j < m->n_allow; j++)
            any = any || m->allow[j].kind == CFG_ALLOW_ANY;
        if (m->n_allow == 0) {
            cfg_err_add(warns, m->line, m->col, path,
                        "warning: carries credentials and has no allow_hosts: /probe will "
                        "refuse every ad-hoc host with it (list the hosts it may be sent to)");
            n++;
        } else if (any && !cfg->read_requires_token) {
            cfg_err_add(warns, m->line, m->col, path,
                        "warning: allow_hosts \"*\" sends its credentials to any host "
                        "whoever may read /probe names, and reads need no token "
                        "(api.read_requires_token: false)");
            n++;
        }
    }
    return n;
}

void cfg_hooks_walk(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *root)
{
    static const struct {
        const char *key;
        void (*fn)(struct cfg_ctx *, struct cfg *, const yaml_node_t *);
    } keys[] = {{"alertmanagers", do_alertmanagers},
                {"webhooks", do_webhooks},
                {"exec", do_exec},
                {"maintenance", do_maintenance},
                {"modules", do_modules}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const yaml_node_t *v = cfg_top_value(ctx, root, keys[i].key);
        if (v != NULL && !cfg_is_null(v))
            keys[i].fn(ctx, cfg, v);
    }
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n && v != NULL; i++)
        free(v[i]);
    free(v);
}

void cfg_hooks_free(struct cfg *cfg)
{
    for (size_t i = 0; i < cfg->n_alertmanagers; i++)
        free(cfg->alertmanagers[i].url);
    free(cfg->alertmanagers);
    for (size_t i = 0; i < cfg->n_webhooks; i++) {
        struct cfg_webhook *w = &cfg->webhooks[i];
        free(w->name);
        free(w->url);
        for (size_t j = 0; j < w->n_headers; j++) {
            free(w->headers[j].name);
            if (w->headers[j].value != NULL)
                explicit_bzero(w->headers[j].value, strlen(w->headers[j].value));
            free(w->headers[j].value);
        }
        free(w->headers);
    }
    free(cfg->webhooks);
    for (size_t i = 0; i < cfg->n_execs; i++) {
        free(cfg->execs[i].name);
        free_strv(cfg->execs[i].argv, cfg->execs[i].argc);
    }
    free(cfg->execs);
    for (size_t i = 0; i < cfg->n_maint; i++)
        cfg_maint_clear(&cfg->maint[i]);
    free(cfg->maint);
    for (size_t i = 0; i < cfg->n_modules; i++) {
        free(cfg->modules[i].name);
        cfg_target_free(cfg->modules[i].t);
        free(cfg->modules[i].allow);
    }
    free(cfg->modules);
}
