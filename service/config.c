/*
 * config.c: the service configuration's top level: the file, the document,
 * listen/storage/retention/api/external_url, defaults and targets, duplicate
 * names, and API bodies (see config.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probes/check/check_opts.h"
#include "service/config_int.h"

#define JSON_BODY_MAX (64u * 1024u)

void cfg_free(struct cfg *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < cfg->n_listen; i++)
        free(cfg->listen[i].host);
    free(cfg->listen);
    free(cfg->storage);
    free(cfg->tokens_file);
    free(cfg->api_allow);
    free(cfg->external_url);
    cfg_target_free(cfg->defaults);
    for (size_t i = 0; i < cfg->n_targets; i++)
        cfg_target_free(cfg->targets[i]);
    free(cfg->targets);
    cfg_hooks_free(cfg);
    free(cfg);
}

const struct cfg_target *cfg_target_find(const struct cfg *cfg, const char *name)
{
    if (cfg == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < cfg->n_targets; i++)
        if (strcmp(cfg->targets[i]->name, name) == 0)
            return cfg->targets[i];
    return NULL;
}

/* "host:port" or "[v6]:port" appended to cfg->listen. */
static bool add_listen(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *n, const char *path)
{
    char *s = cfg_scalar(ctx, n, path, true, "host:port");
    if (s == NULL)
        return false;
    char host[CHECK_NAME_MAX];
    unsigned port = 0;
    bool ok = check_host_split(s, 0, host, sizeof host, &port) == 0 && port != 0;
    if (!ok)
        cfg_node_err(ctx, n, path,
                     "\"%.80s\" is not host:port (e.g. 127.0.0.1:9780, [::1]:9780, "
                     "0.0.0.0:9780)",
                     s);
    free(s);
    if (!ok)
        return false;
    if (cfg->n_listen >= CFG_LISTEN_MAX) {
        cfg_node_err(ctx, n, path, "at most %u listen addresses", CFG_LISTEN_MAX);
        return false;
    }
    for (size_t i = 0; i < cfg->n_listen; i++)
        if (cfg->listen[i].port == port && strcmp(cfg->listen[i].host, host) == 0) {
            cfg_node_err(ctx, n, path, "listed twice");
            return false;
        }
    struct cfg_listen *l = realloc(cfg->listen, (cfg->n_listen + 1) * sizeof *l);
    if (l == NULL) {
        ctx->oom = true;
        return false;
    }
    cfg->listen = l;
    l[cfg->n_listen].host = strdup(host);
    l[cfg->n_listen].port = (uint16_t)port;
    if (l[cfg->n_listen].host == NULL) {
        ctx->oom = true;
        return false;
    }
    cfg->n_listen++;
    return true;
}

static void do_listen(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *n, const char *path)
{
    if (n->type != YAML_SEQUENCE_NODE) {
        add_listen(ctx, cfg, n, path);
        return;
    }
    size_t i = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++, i++) {
        char sub[CFG_PATH_MAX];
        yaml_node_t *item = cfg_node(ctx, *it, cfg_path_index(sub, sizeof sub, path, i));
        if (item != NULL)
            add_listen(ctx, cfg, item, sub);
    }
    if (i == 0)
        cfg_node_err(ctx, n, path, "is an empty list");
}

/* A path-like string into *dst (replacing). */
static void do_string(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path, char **dst)
{
    char *s = cfg_scalar(ctx, n, path, true, "a string");
    if (s == NULL)
        return;
    if (s[0] == '\0') {
        cfg_node_err(ctx, n, path, "is empty");
        free(s);
        return;
    }
    free(*dst);
    *dst = s;
}

static void do_bool(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path, bool *dst)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        cfg_bool_parse((const char *)n->data.scalar.value, dst) < 0)
        cfg_node_err(ctx, n, path, "wants true or false");
}

/* Table handlers on the struct cfg field at the entry's offset. */
static bool key_string(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    do_string(ctx, p->value, p->path, cfg_field(obj, p->def));
    return true;
}

static bool key_bool(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    do_bool(ctx, p->value, p->path, cfg_field(obj, p->def));
    return true;
}

/* api.allow_hosts (cfg_allow_list). */
static bool key_api_allow(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    struct cfg *cfg = obj;
    cfg->api_allow_line = (unsigned)p->key_node->start_mark.line + 1u;
    cfg->api_allow_col = (unsigned)p->key_node->start_mark.column + 1u;
    return cfg_allow_list(ctx, &cfg->api_allow, &cfg->n_api_allow, p->value, p->path);
}

static const struct cfg_key api_keys[] = {
    {"tokens_file", key_string, offsetof(struct cfg, tokens_file), NULL},
    {"read_requires_token", key_bool, offsetof(struct cfg, read_requires_token), NULL},
    {"allow_hosts", key_api_allow, 0, NULL},
};

int cfg_api_allowed(const struct cfg *cfg, const struct cfg_target *t, char *key, size_t klen,
                    char *err, size_t len)
{
    if (t == NULL) {
        snprintf(err, len, "no target");
        return CFG_ALLOW_BAD;
    }
    const struct check_settings *set = &t->set;
    const struct check_opts *d = cfg && cfg->defaults ? &cfg->defaults->set.opts : NULL;
    /* a path on the server is the file's to name, credentials or not: a
     * remote caller would learn at least whether the file exists */
    if (set->opts.cacert != NULL &&
        !(d && d->cacert && strcmp(d->cacert, set->opts.cacert) == 0)) {
        snprintf(key, klen, "cacert");
        snprintf(err, len,
                 "a file on the server cannot be set through the API; set it in the "
                 "configuration file (defaults.cacert)");
        return CFG_ALLOW_NO;
    }
    int v = cfg_allow_target(cfg ? cfg->api_allow : NULL, cfg ? cfg->n_api_allow : 0,
                             "api.allow_hosts", &set->opts, set->password_file,
                             set->password_env, key, klen, err, len);
    if (v != CFG_ALLOW_YES || !cfg_allow_credentialed(&set->opts, set->password_file,
                                                      set->password_env))
        return v;
    /* the transport's guards stay the file's: without them whoever answers
     * for the host on the network, not the host, receives the credentials */
    if (set->opts.insecure && !(d && d->insecure)) {
        snprintf(key, klen, "insecure");
        snprintf(err, len,
                 "the target carries credentials: without certificate verification whoever "
                 "answers for its host on the network would receive them; only the file may "
                 "turn it off (defaults.insecure) or name a CA to trust (defaults.cacert)");
        return CFG_ALLOW_NO;
    }
    if (set->opts.http && !(d && d->http)) {
        snprintf(key, klen, "http");
        snprintf(err, len,
                 "the target carries credentials: plain HTTP would send them in clear; only "
                 "the file may choose it (defaults.http)");
        return CFG_ALLOW_NO;
    }
    return CFG_ALLOW_YES;
}

const struct cfg_key *cfg_api_keys(size_t *n)
{
    *n = sizeof api_keys / sizeof api_keys[0];
    return api_keys;
}

static void do_api(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *n, const char *path)
{
    cfg->api_line = (unsigned)n->start_mark.line + 1u;
    cfg->api_col = (unsigned)n->start_mark.column + 1u;
    if (cfg_map_check(ctx, n, path, CFG_MAP_MAX))
        (void)cfg_walk_keys(ctx, n, path, api_keys, sizeof api_keys / sizeof api_keys[0], NULL,
                            cfg);
}

struct named {
    const struct cfg_target *t;
    size_t idx;
};

static int name_cmp(const void *a, const void *b)
{
    const struct named *x = a, *y = b;
    int c = strcmp(x->t->name, y->t->name);
    return c != 0 ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* Every name once: sort a copy, report the later ones of equal runs. */
static void check_duplicates(struct cfg_ctx *ctx, struct cfg *cfg, const size_t *index)
{
    if (cfg->n_targets < 2)
        return;
    struct named *v = malloc(cfg->n_targets * sizeof *v);
    if (v == NULL) {
        ctx->oom = true;
        cfg_err_add(ctx->errs, 0, 0, "targets", "out of memory");
        return;
    }
    for (size_t i = 0; i < cfg->n_targets; i++) {
        v[i].t = cfg->targets[i];
        v[i].idx = index[i];
    }
    qsort(v, cfg->n_targets, sizeof *v, name_cmp);
    for (size_t i = 1; i < cfg->n_targets; i++) {
        if (strcmp(v[i].t->name, v[i - 1].t->name) != 0)
            continue;
        size_t first = i - 1;
        while (first > 0 && strcmp(v[first - 1].t->name, v[i].t->name) == 0)
            first--;
        char sub[CFG_PATH_MAX];
        char path[CFG_PATH_MAX];
        cfg_path_index(sub, sizeof sub, "targets", v[i].idx);
        cfg_err_add(ctx->errs, v[i].t->line, v[i].t->col, cfg_path(path, sizeof path, sub, "name"),
                    "duplicate name \"%s\" (first at line %u)", v[i].t->name, v[first].t->line);
    }
    free(v);
}

static void do_targets(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *n, const char *path)
{
    if (n->type != YAML_SEQUENCE_NODE) {
        if (!cfg_is_null(n))
            cfg_node_err(ctx, n, path, "wants a list of targets (- name: ...), not %s",
                         cfg_type_name(n));
        return;
    }
    size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (count > CFG_TARGETS_MAX) {
        cfg_node_err(ctx, n, path, "%zu targets (at most %u)", count, CFG_TARGETS_MAX);
        return;
    }
    cfg->targets = calloc(count ? count : 1, sizeof *cfg->targets);
    size_t *index = calloc(count ? count : 1, sizeof *index);
    if (cfg->targets == NULL || index == NULL) {
        free(index);
        ctx->oom = true;
        cfg_node_err(ctx, n, path, "out of memory");
        return;
    }
    for (size_t i = 0; i < count; i++) {
        char sub[CFG_PATH_MAX];
        cfg_path_index(sub, sizeof sub, path, i);
        yaml_node_t *item = cfg_node(ctx, n->data.sequence.items.start[i], sub);
        if (item == NULL)
            continue;
        struct cfg_target *t = cfg->defaults ? cfg_target_copy(cfg->defaults) : cfg_target_new();
        if (t == NULL) {
            ctx->oom = true;
            cfg_node_err(ctx, item, sub, "out of memory");
            break;
        }
        t->line = (unsigned)item->start_mark.line + 1u;
        t->col = (unsigned)item->start_mark.column + 1u;
        bool ok = cfg_target_apply(ctx, t, item, sub, false);
        if (item->type == YAML_MAPPING_NODE)
            ok = cfg_target_finish(ctx, t, item, sub) && ok;
        if (t->name == NULL) { /* kept with other errors: its name still counts */
            cfg_target_free(t);
            continue;
        }
        (void)ok;
        index[cfg->n_targets] = i;
        cfg->targets[cfg->n_targets++] = t;
    }
    check_duplicates(ctx, cfg, index);
    free(index);
}

/* The top-level keys, in the order they are applied (defaults before targets). */
static const char *const top_keys[] = {
    "listen",      "storage",  "retention", "api",           "external_url",
    "max_checks",  "max_probes", "tls_session_cache", "defaults",    "targets",
    "alertmanagers", "webhooks", "exec",    "maintenance",   "modules"};

const char *const *cfg_top_keys(size_t *n)
{
    *n = sizeof top_keys / sizeof top_keys[0];
    return top_keys;
}

/* A top-level number from min to max into *out. */
static void top_count(struct cfg_ctx *ctx, const yaml_node_t *v, const char *key,
                      unsigned long min, unsigned long max, size_t *out)
{
    char *s = cfg_scalar(ctx, v, key, true, "a number");
    char *end = NULL;
    errno = 0;
    unsigned long n = s != NULL ? strtoul(s, &end, 10) : 0;
    if (s != NULL && (errno != 0 || end == s || *end != '\0' || s[0] == '-' || n < min ||
                      n > max))
        cfg_node_err(ctx, v, key, "\"%.40s\" is not a number from %lu to %lu", s, min, max);
    else if (s != NULL)
        *out = n;
    free(s);
}

static void walk(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *root)
{
    if (!cfg_map_check(ctx, root, "", CFG_MAP_MAX))
        return;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        const char *k = cfg_key(ctx, p);
        size_t i;
        for (i = 0; i < sizeof top_keys / sizeof top_keys[0]; i++)
            if (strcmp(k, top_keys[i]) == 0)
                break;
        if (i < sizeof top_keys / sizeof top_keys[0])
            continue;
        char list[256];
        size_t used = 0;
        list[0] = '\0';
        for (size_t j = 0; j < sizeof top_keys / sizeof top_keys[0] && used < sizeof list; j++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "",
                                     top_keys[j]);
        cfg_node_err(ctx, yaml_document_get_node(ctx->doc, p->key), k, "unknown key '%.60s' (%s)",
                     k, list);
    }
    const yaml_node_t *v;
    if ((v = cfg_top_value(ctx, root, "listen")) != NULL)
        do_listen(ctx, cfg, v, "listen");
    if ((v = cfg_top_value(ctx, root, "storage")) != NULL)
        do_string(ctx, v, "storage", &cfg->storage);
    if ((v = cfg_top_value(ctx, root, "retention")) != NULL) {
        char *s = cfg_scalar(ctx, v, "retention", true, "a duration");
        uint64_t ms;
        if (s != NULL && (cfg_duration_parse(s, &ms) < 0 || ms < 3600000u))
            cfg_node_err(ctx, v, "retention", "\"%.40s\" is not a duration of at least 1h", s);
        else if (s != NULL)
            cfg->retention_ms = ms;
        free(s);
    }
    if ((v = cfg_top_value(ctx, root, "api")) != NULL)
        do_api(ctx, cfg, v, "api");
    if ((v = cfg_top_value(ctx, root, "external_url")) != NULL) {
        do_string(ctx, v, "external_url", &cfg->external_url);
        if (cfg->external_url != NULL && strncmp(cfg->external_url, "http://", 7) != 0 &&
            strncmp(cfg->external_url, "https://", 8) != 0)
            cfg_node_err(ctx, v, "external_url", "wants an http:// or https:// URL");
    }
    if ((v = cfg_top_value(ctx, root, "max_checks")) != NULL)
        top_count(ctx, v, "max_checks", 1, CFG_MAX_CHECKS_MAX, &cfg->max_checks);
    if ((v = cfg_top_value(ctx, root, "max_probes")) != NULL)
        top_count(ctx, v, "max_probes", 1, CFG_MAX_PROBES_MAX, &cfg->max_probes);
    if ((v = cfg_top_value(ctx, root, "tls_session_cache")) != NULL)
        top_count(ctx, v, "tls_session_cache", 0, CFG_TLS_SESSION_CACHE_MAX,
                  &cfg->tls_session_cache);
    if ((v = cfg_top_value(ctx, root, "defaults")) != NULL && !cfg_is_null(v)) {
        cfg->defaults->line = (unsigned)v->start_mark.line + 1u;
        (void)cfg_target_apply(ctx, cfg->defaults, v, "defaults", true);
        if (cfg->defaults->set.opts.timeout_ms > cfg->defaults->interval_ms)
            cfg_node_err(ctx, v, "defaults", "timeout is longer than interval");
        cfg->defaults->fingerprint = 0;
    }
    if ((v = cfg_top_value(ctx, root, "targets")) != NULL)
        do_targets(ctx, cfg, v, "targets");
    cfg_hooks_walk(ctx, cfg, root);
}

/*
 * A document into *out; origin names it in an out-of-memory error ("out of
 * memory reading FILE"): any allocation that failed while walking it
 * (ctx.oom) fails the load, so a configuration parsed in part is never
 * used.
 */
static int load_text(const char *text, size_t len, const char *origin, struct cfg **out,
                     struct cfg_errs *errs)
{
    struct cfg_errs local = {0};
    if (errs == NULL)
        errs = &local;
    if (out != NULL)
        *out = NULL;
    if (text == NULL || out == NULL) {
        cfg_err_add(errs, 0, 0, "", "no configuration");
        cfg_errs_free(&local);
        return -1;
    }
    size_t before = errs->n + errs->dropped;
    if (len > CFG_FILE_MAX) {
        cfg_err_add(errs, 0, 0, "", "the configuration is larger than %u bytes", CFG_FILE_MAX);
        cfg_errs_free(&local);
        return -1;
    }
    struct cfg *cfg = calloc(1, sizeof *cfg);
    yaml_document_t doc;
    if (cfg == NULL || (cfg->defaults = cfg_target_new()) == NULL) {
        cfg_err_add(errs, 0, 0, "", "out of memory reading %.200s", origin);
        cfg_free(cfg);
        cfg_errs_free(&local);
        return -1;
    }
    cfg->retention_ms = CFG_DEFAULT_RETENTION_MS;
    cfg->tls_session_cache = CFG_DEFAULT_TLS_SESSION_CACHE;
    cfg->max_probes = CFG_DEFAULT_MAX_PROBES;
    if (cfg_parse_doc(text, len, &doc, errs)) {
        struct cfg_ctx ctx;
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (cfg_ctx_init(&ctx, &doc, errs, false) && root != NULL && !cfg_is_null(root))
            walk(&ctx, cfg, cfg_node(&ctx, 1, ""));
        if (ctx.oom)
            cfg_err_add(errs, 0, 0, "", "out of memory reading %.200s", origin);
        free(ctx.seen);
        yaml_document_delete(&doc);
    }
    if (errs->n + errs->dropped == before && cfg->n_listen == 0) {
        cfg->listen = calloc(1, sizeof *cfg->listen);
        if (cfg->listen == NULL || (cfg->listen[0].host = strdup("127.0.0.1")) == NULL)
            cfg_err_add(errs, 0, 0, "", "out of memory reading %.200s", origin);
        else {
            cfg->listen[0].port = 9780;
            cfg->n_listen = 1;
        }
    }
    if (errs->n + errs->dropped == before && cfg->storage == NULL &&
        (cfg->storage = strdup(CFG_DEFAULT_STORAGE)) == NULL)
        cfg_err_add(errs, 0, 0, "", "out of memory reading %.200s", origin);
    if (errs->n + errs->dropped != before) {
        cfg_free(cfg);
        cfg_errs_free(&local);
        return -1;
    }
    *out = cfg;
    return 0;
}

int cfg_load_string(const char *text, size_t len, struct cfg **out, struct cfg_errs *errs)
{
    return load_text(text, len, "the configuration", out, errs);
}

char *cfg_read_file(const char *path, size_t max, const char *private_why, size_t *len,
                    struct cfg_errs *errs)
{
    *len = 0;
    if (path == NULL) {
        cfg_err_add(errs, 0, 0, "", "no file name");
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        cfg_err_add(errs, 0, 0, "", "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        cfg_err_add(errs, 0, 0, "", "not a regular file");
    } else if (private_why != NULL && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        cfg_err_add(errs, 0, 0, "",
                    "group or others may read or write it (mode %04o): %s; chmod 600 it",
                    (unsigned)(st.st_mode & 07777), private_why);
    } else if (st.st_size > (off_t)max) {
        cfg_err_add(errs, 0, 0, "", "larger than %zu bytes", max);
    } else if ((buf = malloc(cap = (size_t)st.st_size + 1)) == NULL) {
        cfg_err_add(errs, 0, 0, "", "out of memory reading %.200s", path);
    } else {
        bool ok = false;
        for (;;) {
            ssize_t r = read(fd, buf + n, cap - n);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                cfg_err_add(errs, 0, 0, "", "read error: %s", strerror(errno));
                break;
            }
            if (r == 0) {
                ok = true;
                break;
            }
            n += (size_t)r;
            if (n == cap) { /* the file grew since fstat */
                cfg_err_add(errs, 0, 0, "", "the file changed while being read");
                break;
            }
        }
        if (ok) {
            *len = n;
        } else {
            explicit_bzero(buf, n);
            free(buf);
            buf = NULL;
        }
    }
    close(fd);
    return buf;
}

int cfg_load_file(const char *path, struct cfg **out, struct cfg_errs *errs)
{
    if (out != NULL)
        *out = NULL;
    size_t n;
    char *buf = cfg_read_file(path, CFG_FILE_MAX, NULL, &n, errs);
    if (buf == NULL)
        return -1;
    int rc = load_text(buf, n, path, out, errs);
    free(buf);
    return rc;
}

int cfg_target_parse_json(const char *body, size_t len, const char *name,
                          const struct cfg *defaults_from, struct cfg_target **out,
                          struct cfg_errs *errs)
{
    if (out != NULL)
        *out = NULL;
    if (body == NULL || out == NULL) {
        cfg_err_add(errs, 0, 0, "", "no body");
        return -1;
    }
    if (len > JSON_BODY_MAX) {
        cfg_err_add(errs, 0, 0, "", "the body is larger than %u bytes", JSON_BODY_MAX);
        return -1;
    }
    if (name != NULL && !cfg_name_ok(name)) {
        cfg_err_add(errs, 0, 0, "name", "not a valid name ([a-z0-9._-], 1-%u characters)",
                    CFG_NAME_MAX);
        return -1;
    }
    size_t before = errs != NULL ? errs->n + errs->dropped : 0;
    struct cfg_errs local = {0};
    if (errs == NULL)
        errs = &local;
    yaml_document_t doc;
    if (!cfg_parse_doc(body, len, &doc, errs)) {
        cfg_errs_free(&local);
        return -1;
    }
    struct cfg_ctx ctx;
    struct cfg_target *t = NULL;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!cfg_ctx_init(&ctx, &doc, errs, true)) {
        /* out of memory: ctx.oom, reported below */
    } else if (root == NULL || root->type != YAML_MAPPING_NODE) {
        cfg_err_add(errs, 1, 1, "", "the body must be a JSON object");
    } else {
        t = defaults_from && defaults_from->defaults ? cfg_target_copy(defaults_from->defaults)
                                                     : cfg_target_new();
        if (t == NULL) {
            cfg_err_add(errs, 0, 0, "", "out of memory");
        } else {
            t->line = 0;
            if (name != NULL && !cfg_target_set_name(t, name)) {
                cfg_target_free(t);
                t = NULL;
            }
            if (t == NULL) {
                cfg_err_add(errs, 0, 0, "", "out of memory");
            } else {
                root = cfg_node(&ctx, 1, "");
                bool ok = cfg_target_apply(&ctx, t, root, "", false);
                ok = cfg_target_finish(&ctx, t, root, "") && ok;
                (void)ok;
            }
        }
    }
    if (ctx.oom)
        cfg_err_add(errs, 0, 0, "", "out of memory reading the request body");
    free(ctx.seen);
    yaml_document_delete(&doc);
    if (errs->n + errs->dropped != before) {
        cfg_target_free(t);
        cfg_errs_free(&local);
        return -1;
    }
    *out = t;
    return 0;
}
