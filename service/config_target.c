/*
 * config_target.c: one target (or the defaults block, or an API body):
 * every key of the vocabulary (cfg_vocab.h) plus name, interval, labels,
 * location and the alerting thresholds; string ownership, deep copy,
 * cross-key checks and the fingerprint (see config.h, config_int.h).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "probes/common/ascii.h"
#include "service/config_int.h"

/* The private string pool of a target: every string its fields point to. */
struct cfg_pool {
    char **v;
    size_t n, cap;
};

/* The target as allocated: the public part first. */
struct target_box {
    struct cfg_target t;
    struct cfg_pool pool;
};

static struct cfg_pool *pool_of(struct cfg_target *t)
{
    return &((struct target_box *)t)->pool;
}

/* Take ownership of s (malloc'd) into t's pool. Returns s, or NULL (s freed). */
static char *pool_take(struct cfg_target *t, char *s)
{
    struct cfg_pool *p = pool_of(t);
    if (s == NULL)
        return NULL;
    if (p->n == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 16;
        char **v = realloc(p->v, ncap * sizeof *v);
        if (v == NULL) {
            free(s);
            return NULL;
        }
        p->v = v;
        p->cap = ncap;
    }
    p->v[p->n++] = s;
    return s;
}

static char *pool_dup(struct cfg_target *t, const char *s)
{
    return s != NULL ? pool_take(t, strdup(s)) : NULL;
}

struct cfg_target *cfg_target_new(void)
{
    struct target_box *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    check_settings_init(&b->t.set);
    b->t.interval_ms = CFG_DEFAULT_INTERVAL_MS;
    b->t.failure_threshold = CFG_DEFAULT_FAILURE_THRESHOLD;
    b->t.success_threshold = CFG_DEFAULT_SUCCESS_THRESHOLD;
    return &b->t;
}

void cfg_target_free(struct cfg_target *t)
{
    if (t == NULL)
        return;
    struct cfg_pool *p = pool_of(t);
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i]);
    free(p->v);
    free(t->labels);
    free(t);
}

bool cfg_target_set_name(struct cfg_target *t, const char *name)
{
    char *s = pool_dup(t, name);
    if (s == NULL)
        return false;
    t->name = s;
    return true;
}

/* Re-point *s at a copy in dst's pool (NULL stays NULL). */
static bool redup(struct cfg_target *dst, const char **s)
{
    if (*s == NULL)
        return true;
    *s = pool_dup(dst, *s);
    return *s != NULL;
}

struct cfg_target *cfg_target_copy(const struct cfg_target *src)
{
    if (src == NULL)
        return NULL;
    struct cfg_target *t = cfg_target_new();
    if (t == NULL)
        return NULL;
    struct cfg_pool keep = *pool_of(t);
    *t = *src;
    *pool_of(t) = keep;
    t->labels = NULL;
    t->n_labels = 0;
    bool ok = true;
    struct check_opts *o = &t->set.opts;
    ok = ok && redup(t, &o->host) && redup(t, &o->user) && redup(t, &o->cacert) &&
         redup(t, &o->keytab) && redup(t, &t->set.password_file) && redup(t, &t->set.password_env);
    for (size_t i = 0; ok && i < o->n_servers; i++)
        ok = redup(t, &o->servers[i]);
    for (size_t i = 0; ok && i < o->n_resolve; i++)
        ok = redup(t, &o->resolve[i]);
    if (ok && src->name != NULL)
        ok = (t->name = pool_dup(t, src->name)) != NULL;
    if (ok && src->location != NULL)
        ok = (t->location = pool_dup(t, src->location)) != NULL;
    if (ok && src->n_labels > 0) {
        t->labels = calloc(src->n_labels, sizeof *t->labels);
        ok = t->labels != NULL;
        for (size_t i = 0; ok && i < src->n_labels; i++) {
            t->labels[i].key = pool_dup(t, src->labels[i].key);
            t->labels[i].value = pool_dup(t, src->labels[i].value);
            ok = t->labels[i].key != NULL && t->labels[i].value != NULL;
            t->n_labels = i + 1;
        }
    }
    if (!ok) {
        cfg_target_free(t);
        return NULL;
    }
    return t;
}

bool cfg_name_ok(const char *name)
{
    if (name == NULL)
        return false;
    size_t n = strlen(name);
    if (n == 0 || n > CFG_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!((c >= 'a' && c <= 'z') || ascii_isdigit(c) || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static bool label_key_ok(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n >= CFG_LABEL_MAX || ascii_isdigit((unsigned char)k[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(k[i] == '_' || ascii_isalnum((unsigned char)k[i])))
            return false;
    return strncmp(k, "__", 2) != 0;
}

/* Labels reserved for what the service sets itself. */
static bool label_reserved(const char *k)
{
    static const char *const r[] = {"target", "location", "alertname", "severity",
                                    "code",   "job",      "instance",  "module"};
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (strcmp(k, r[i]) == 0)
            return true;
    return false;
}

/* A labels: walk; out of memory ends it. */
struct labels_walk {
    struct cfg_target *t;
    bool oom;
};

/* One label of a labels: mapping. */
static bool label_pair(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    struct labels_walk *w = obj;
    struct cfg_target *t = w->t;
    const char *k = p->key;
    if (w->oom)
        return false;
    if (!label_key_ok(k)) {
        cfg_node_err(ctx, p->key_node, p->path,
                     "bad label name (letters, digits and _, not starting with a digit "
                     "or __, at most %u bytes)",
                     CFG_LABEL_MAX - 1);
        return false;
    }
    if (label_reserved(k)) {
        cfg_node_err(ctx, p->key_node, p->path,
                     "'%s' is set by oaprobe itself; choose another label name", k);
        return false;
    }
    char *val = cfg_scalar(ctx, p->value, p->path, true, "a label value");
    if (val == NULL)
        return false;
    if (strlen(val) >= CFG_LABEL_MAX) {
        cfg_node_err(ctx, p->value, p->path, "label value longer than %u bytes",
                     CFG_LABEL_MAX - 1);
        free(val);
        return false;
    }
    size_t i;
    for (i = 0; i < t->n_labels; i++)
        if (strcmp(t->labels[i].key, k) == 0)
            break;
    if (i == t->n_labels) {
        if (t->n_labels >= CFG_LABELS_MAX) {
            cfg_node_err(ctx, p->value, p->path, "more than %u labels", CFG_LABELS_MAX);
            free(val);
            return false;
        }
        struct cfg_label *l = realloc(t->labels, (t->n_labels + 1) * sizeof *l);
        char *key = pool_dup(t, k);
        if (l == NULL || key == NULL) {
            if (l != NULL)
                t->labels = l;
            free(val);
            ctx->oom = w->oom = true;
            return false;
        }
        t->labels = l;
        t->labels[t->n_labels].key = key;
        t->n_labels++;
    }
    t->labels[i].value = pool_take(t, val);
    if (t->labels[i].value == NULL) {
        ctx->oom = w->oom = true;
        return false;
    }
    return true;
}

static bool apply_labels(struct cfg_ctx *ctx, struct cfg_target *t, const yaml_node_t *n,
                         const char *path)
{
    if (!cfg_map_check(ctx, n, path, CFG_LABELS_MAX))
        return false;
    struct labels_walk w = {.t = t, .oom = false};
    return cfg_map_each(ctx, n, path, label_pair, &w);
}

/* A whole number lo..hi. */
static bool apply_uint(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path, unsigned lo,
                       unsigned hi, unsigned *out)
{
    char *s = cfg_scalar(ctx, n, path, true, "a whole number");
    if (s == NULL)
        return false;
    unsigned long v = 0;
    size_t i = 0;
    for (; ascii_isdigit((unsigned char)s[i]) && i < 10; i++)
        v = v * 10u + (unsigned long)(s[i] - '0');
    bool ok = i > 0 && s[i] == '\0' && v >= lo && v <= hi;
    if (!ok)
        cfg_node_err(ctx, n, path, "\"%.40s\" is not a whole number from %u to %u", s, lo, hi);
    else
        *out = (unsigned)v;
    free(s);
    return ok;
}

/* A duration, at least min_ms (0: "0" allowed too, meaning off). */
static bool apply_duration(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path,
                           uint64_t min_ms, uint64_t *out)
{
    char *s = cfg_scalar(ctx, n, path, true, "a duration");
    if (s == NULL)
        return false;
    uint64_t ms = 0;
    bool ok = true;
    if (min_ms == 0 && strcmp(s, "0") == 0)
        ms = 0;
    else if (cfg_duration_parse(s, &ms) < 0) {
        cfg_node_err(ctx, n, path,
                     "\"%.40s\" is not a duration (e.g. 500ms, 15s, 5m, 2h, 90d, 1h30m)", s);
        ok = false;
    } else if (ms < min_ms) {
        cfg_node_err(ctx, n, path, "\"%.40s\" is shorter than %llu ms", s,
                     (unsigned long long)min_ms);
        ok = false;
    }
    if (ok)
        *out = ms;
    free(s);
    return ok;
}

/* Hand one string value to the vocabulary's setter; the string joins the pool. */
static bool set_one(struct cfg_ctx *ctx, struct cfg_target *t, const struct cfg_opt *o,
                    const yaml_node_t *n, const char *path, char *val)
{
    if (pool_take(t, val) == NULL) {
        ctx->oom = true;
        cfg_node_err(ctx, n, path, "out of memory");
        return false;
    }
    char why[400];
    if (cfg_opt_set(o, &t->set, val, why, sizeof why) < 0) {
        cfg_node_err(ctx, n, path, "%s", why);
        return false;
    }
    return true;
}

/* The ports of a sequence, joined with ',' for the one port-list grammar. */
static char *join_ports(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path)
{
    size_t cap = 1, len = 0;
    char *out = NULL;
    size_t i = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++, i++) {
        char sub[CFG_PATH_MAX];
        yaml_node_t *item = cfg_node(ctx, *it, cfg_path_index(sub, sizeof sub, path, i));
        char *s = item ? cfg_scalar(ctx, item, sub, true, "a port or LOW-HIGH") : NULL;
        if (s == NULL) {
            free(out);
            return NULL;
        }
        size_t sl = strlen(s);
        char *t = realloc(out, cap + len + sl + 1);
        if (t == NULL) {
            free(s);
            free(out);
            ctx->oom = true;
            return NULL;
        }
        out = t;
        if (len > 0)
            out[len++] = ',';
        memcpy(out + len, s, sl);
        len += sl;
        out[len] = '\0';
        free(s);
    }
    if (out == NULL) {
        cfg_node_err(ctx, n, path, "is an empty list");
        return NULL;
    }
    return out;
}

static bool apply_opt(struct cfg_ctx *ctx, struct cfg_target *t, const struct cfg_opt *o,
                      const yaml_node_t *n, const char *path)
{
    if (ctx->api &&
        (o->id == CFG_O_PASSWORD || o->id == CFG_O_PASSWORD_FILE || o->id == CFG_O_KEYTAB)) {
        cfg_node_err(ctx, n, path,
                     "credentials are not set through the API: put them in the configuration "
                     "file's defaults");
        return false;
    }
    bool expand = (o->flags & CFG_OPT_SECRET) == 0;
    switch (o->type) {
    case CFG_VT_BOOL:
        if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
            (strcmp((const char *)n->data.scalar.value, "true") != 0 &&
             strcmp((const char *)n->data.scalar.value, "false") != 0)) {
            cfg_node_err(ctx, n, path, "wants true or false");
            return false;
        }
        return set_one(ctx, t, o, n, path, strdup((const char *)n->data.scalar.value));
    case CFG_VT_LIST:
        cfg_opt_reset(o, &t->set);
        if (n->type == YAML_SEQUENCE_NODE) {
            bool ok = true;
            size_t i = 0;
            for (yaml_node_item_t *it = n->data.sequence.items.start;
                 it < n->data.sequence.items.top; it++, i++) {
                char sub[CFG_PATH_MAX];
                cfg_path_index(sub, sizeof sub, path, i);
                yaml_node_t *item = cfg_node(ctx, *it, sub);
                char *s = item ? cfg_scalar(ctx, item, sub, expand, "a string") : NULL;
                if (s == NULL || !set_one(ctx, t, o, item, sub, s))
                    ok = false;
            }
            return ok;
        }
        break;
    case CFG_VT_PORTS:
        if (n->type == YAML_SEQUENCE_NODE) {
            char *s = join_ports(ctx, n, path);
            return s != NULL && set_one(ctx, t, o, n, path, s);
        }
        break;
    default:
        break;
    }
    char *s = cfg_scalar(ctx, n, path, expand,
                         o->type == CFG_VT_LIST ? "a string or a list" : "a single value");
    return s != NULL && set_one(ctx, t, o, n, path, s);
}

/* A hint for a key that is an option spelled the command-line way. */
static void unknown_key(struct cfg_ctx *ctx, const yaml_node_t *k, const char *path,
                        const char *key)
{
    char fixed[64];
    size_t n = strlen(key);
    const char *p = key;
    while (*p == '-')
        p++;
    size_t m = 0;
    for (; *p != '\0' && m + 1 < sizeof fixed; p++)
        fixed[m++] = *p == '-' ? '_' : *p;
    fixed[m] = '\0';
    if (m > 0 && strcmp(fixed, key) != 0 && cfg_opt_by_key(fixed, m) != NULL)
        cfg_node_err(ctx, k, path, "unknown key '%.60s' (did you mean %s?)", key, fixed);
    else if (n > 0 && strcmp(key, "server") == 0)
        cfg_node_err(ctx, k, path, "unknown key 'server' (did you mean servers?)");
    else
        cfg_node_err(ctx, k, path, "unknown key '%.60s'", key);
}

/* One target's (or the defaults') walk. */
struct target_walk {
    struct cfg_target *t;
    bool defaults;
};

static bool key_name(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    struct target_walk *w = obj;
    struct cfg_target *t = w->t;
    if (w->defaults) {
        cfg_node_err(ctx, p->key_node, p->path, "a name is not a default: give each target its own");
        return false;
    }
    char *s = cfg_scalar(ctx, p->value, p->path, true, "a name");
    if (s != NULL && !cfg_name_ok(s)) {
        cfg_node_err(ctx, p->value, p->path,
                     "\"%.80s\" is not a valid name ([a-z0-9._-], 1-%u characters)", s,
                     CFG_NAME_MAX);
        free(s);
        s = NULL;
    } else if (s != NULL && t->name != NULL && strcmp(s, t->name) != 0) {
        cfg_node_err(ctx, p->value, p->path, "\"%s\" differs from the name in the URL", s);
        free(s);
        s = NULL;
    } else if (s != NULL) {
        s = pool_take(t, s);
        if (s == NULL)
            ctx->oom = true;
        else
            t->name = s;
    }
    return s != NULL;
}

static bool key_interval(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    struct cfg_target *t = ((struct target_walk *)obj)->t;
    return apply_duration(ctx, p->value, p->path, CFG_MIN_INTERVAL_MS, &t->interval_ms);
}

static bool key_remind_every(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    struct cfg_target *t = ((struct target_walk *)obj)->t;
    if (!apply_duration(ctx, p->value, p->path, 0, &t->remind_every_ms))
        return false;
    if (t->remind_every_ms != 0 && t->remind_every_ms < 60000u) {
        cfg_node_err(ctx, p->value, p->path, "reminders at most once a minute (at least 1m, or 0)");
        return false;
    }
    return true;
}

/* failure_threshold, success_threshold: the unsigned at the entry's offset. */
static bool key_threshold(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    return apply_uint(ctx, p->value, p->path, 1, 100,
                      cfg_field(((struct target_walk *)obj)->t, p->def));
}

static bool key_labels(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    return apply_labels(ctx, ((struct target_walk *)obj)->t, p->value, p->path);
}

static bool key_location(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    struct cfg_target *t = ((struct target_walk *)obj)->t;
    char *s = cfg_scalar(ctx, p->value, p->path, true, "a string");
    if (s != NULL && (s[0] == '\0' || strlen(s) >= CFG_LABEL_MAX)) {
        cfg_node_err(ctx, p->value, p->path, "wants 1-%u bytes", CFG_LABEL_MAX - 1);
        free(s);
        s = NULL;
    }
    if (s != NULL && (t->location = pool_take(t, s)) == NULL)
        ctx->oom = true;
    return s != NULL && t->location != NULL;
}

/* Any other key: a check option of the vocabulary (cfg_vocab.h), or unknown. */
static bool key_option(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    const struct cfg_opt *o = cfg_opt_by_key(p->key, strlen(p->key));
    if (o == NULL) {
        unknown_key(ctx, p->key_node, p->path, p->key);
        return false;
    }
    return apply_opt(ctx, ((struct target_walk *)obj)->t, o, p->value, p->path);
}

/* allow_hosts: a module's own (cfg_allow_list). */
static bool key_allow_hosts(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    (void)obj;
    return cfg_allow_list(ctx, &ctx->module->allow, &ctx->module->n_allow, p->value, p->path);
}

/*
 * The keys of a target's mapping beyond the check options (key_option), in
 * runs: name, a target's own; the schedule keys, a target's and the
 * defaults' (a module refuses them: cfg_hooks' module_keys_ok); allow_hosts,
 * a module's own. cfg_target_keys hands out the runs a scope accepts.
 */
enum { TK_NAME = 0, TK_SCHEDULE = 1, TK_MODULE = 7, TK_END = 8 };
static const struct cfg_key target_keys[] = {
    [TK_NAME] = {"name", key_name, 0, NULL},
    [TK_SCHEDULE] = {"interval", key_interval, 0, NULL},
    {"remind_every", key_remind_every, 0, NULL},
    {"failure_threshold", key_threshold, offsetof(struct cfg_target, failure_threshold), NULL},
    {"success_threshold", key_threshold, offsetof(struct cfg_target, success_threshold), NULL},
    {"labels", key_labels, 0, NULL},
    {"location", key_location, 0, NULL},
    [TK_MODULE] = {"allow_hosts", key_allow_hosts, 0, NULL},
};
_Static_assert(sizeof target_keys / sizeof target_keys[0] == TK_END, "the runs cover the table");

const struct cfg_key *cfg_target_keys(enum cfg_scope scope, size_t *n)
{
    size_t from = TK_SCHEDULE, to = TK_MODULE; /* defaults; what a module refuses */
    if (scope == CFG_SCOPE_TARGET)
        from = TK_NAME;
    else if (scope == CFG_SCOPE_MODULE_OWN) {
        from = TK_MODULE;
        to = TK_END;
    }
    *n = to - from;
    return target_keys + from;
}

bool cfg_target_apply(struct cfg_ctx *ctx, struct cfg_target *t, const yaml_node_t *map,
                      const char *path, bool defaults)
{
    if (!cfg_map_check(ctx, map, path, CFG_MAP_MAX))
        return false;
    if (t->line == 0 && !defaults && !ctx->api)
        t->line = (unsigned)map->start_mark.line + 1u;
    struct target_walk w = {.t = t, .defaults = defaults};
    /* a module's walk has its allow_hosts too; elsewhere it is unknown */
    size_t n = ctx->module != NULL ? TK_END : TK_MODULE;
    return cfg_walk_keys(ctx, map, path, target_keys, n, key_option, &w);
}

static int label_cmp(const void *a, const void *b)
{
    return strcmp(((const struct cfg_label *)a)->key, ((const struct cfg_label *)b)->key);
}

/* FNV-1a, 64 bits. */
static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* One field: a tag, the bytes, a terminator (so "ab"+"c" != "a"+"bc"). */
static uint64_t fnv_str(uint64_t h, char tag, const char *s)
{
    h = fnv(h, &tag, 1);
    if (s == NULL)
        return fnv(h, "\xff", 1);
    return fnv(h, s, strlen(s) + 1);
}

static uint64_t fnv_u64(uint64_t h, char tag, uint64_t v)
{
    unsigned char b[9];
    b[0] = (unsigned char)tag;
    for (int i = 0; i < 8; i++)
        b[1 + i] = (unsigned char)(v >> (8 * i));
    return fnv(h, b, sizeof b);
}

static uint64_t fingerprint(const struct cfg_target *t)
{
    const struct check_opts *o = &t->set.opts;
    uint64_t h = 0xcbf29ce484222325ull;
    h = fnv_str(h, 'n', t->name);
    h = fnv_str(h, 'h', o->host);
    for (size_t i = 0; i < o->n_servers; i++)
        h = fnv_str(h, 'S', o->servers[i]);
    for (size_t i = 0; i < o->n_ports; i++)
        h = fnv_u64(h, 'P', o->ports[i]);
    h = fnv_str(h, 'u', o->user);
    h = fnv_str(h, 'f', t->set.password_file);
    h = fnv_str(h, 'e', t->set.password_env);
    h = fnv_u64(h, 'a', (uint64_t)o->auth);
    h = fnv_str(h, 'k', o->keytab);
    h = fnv_u64(h, 'd', t->set.opts.depth);
    for (size_t i = 0; i < o->n_resolve; i++)
        h = fnv_str(h, 'R', o->resolve[i]);
    h = fnv_str(h, 'c', o->cacert);
    h = fnv_u64(h, 'b',
                (uint64_t)o->insecure | (uint64_t)o->http << 1 | (uint64_t)o->direct_ports << 2);
    h = fnv_u64(h, 't', o->timeout_ms);
    h = fnv_u64(h, 'w', o->cert_warn_days);
    h = fnv_u64(h, 'i', t->interval_ms);
    for (size_t i = 0; i < t->n_labels; i++) {
        h = fnv_str(h, 'L', t->labels[i].key);
        h = fnv_str(h, 'V', t->labels[i].value);
    }
    h = fnv_str(h, 'l', t->location);
    h = fnv_u64(h, 'F', t->failure_threshold);
    h = fnv_u64(h, 'O', t->success_threshold);
    h = fnv_u64(h, 'r', t->remind_every_ms);
    return h;
}

uint64_t cfg_target_fingerprint_secret(const struct cfg_target *t, const char *password)
{
    if (t == NULL)
        return 0;
    return fnv_str(t->fingerprint, 'p', password);
}

bool cfg_target_finish(struct cfg_ctx *ctx, struct cfg_target *t, const yaml_node_t *map,
                       const char *path)
{
    bool ok = true;
    bool name_key = false;
    if (map->type == YAML_MAPPING_NODE)
        for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
             p++)
            name_key = name_key || strcmp(cfg_key(ctx, p), "name") == 0;
    if (t->name == NULL && !name_key)
        cfg_node_err(ctx, map, path, "name: missing (every target needs a name)");
    if (t->name == NULL)
        ok = false;
    char why[400];
    if (check_settings_finish(&t->set, false, why, sizeof why) < 0) {
        cfg_node_err(ctx, map, path, "%s", why);
        ok = false;
    }
    if (t->set.opts.timeout_ms > t->interval_ms) {
        cfg_node_err(ctx, map, path,
                     "timeout (%u ms) is longer than interval (%llu ms): runs would overlap",
                     t->set.opts.timeout_ms, (unsigned long long)t->interval_ms);
        ok = false;
    }
    if (t->n_labels > 1)
        qsort(t->labels, t->n_labels, sizeof *t->labels, label_cmp);
    t->fingerprint = fingerprint(t);
    return ok;
}

struct check_opts cfg_target_opts(const struct cfg_target *t, const char *password)
{
    struct check_opts o;
    memset(&o, 0, sizeof o);
    if (t == NULL)
        return o;
    o = t->set.opts;
    o.password = password;
    return o;
}
