/*
 * config_int.h: what the configuration loader's files share (config.c,
 * config_node.c, config_walk.c, config_target.c, config_hooks.c,
 * config_maint.c). Not for other modules.
 */
#ifndef OAPROBE_CONFIG_INT_H
#define OAPROBE_CONFIG_INT_H

#include <yaml.h>

#include "service/config.h"

#define CFG_PATH_MAX 160u
#define CFG_MAP_MAX 256u /* keys in one mapping */
#define CFG_SEQ_MAX CFG_TARGETS_MAX
#define CFG_STRING_MAX 4096u /* bytes in one string value, after expansion */

/* One walk over a parsed document. */
struct cfg_ctx {
    yaml_document_t *doc;
    struct cfg_errs *errs;
    unsigned char *seen; /* per node: visited (a second visit is an alias) */
    size_t n_nodes;
    bool expand_env; /* ${NAME} expansion (off for API bodies) */
    bool api;        /* an API body: secrets may not be set */
    struct cfg_module *module; /* a module's body is walked: its allow_hosts
                                * goes there (cfg_module_allow); else NULL */
    bool oom; /* an allocation failed: the load fails ("out of memory
               * reading ...", added once by the loader after the walk) */
};

/* cfg_err_add: append one error (copied; msg formatted). */
void cfg_err_add(struct cfg_errs *errs, unsigned line, unsigned col, const char *path,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* cfg_node_err: an error at node's position. */
void cfg_node_err(struct cfg_ctx *ctx, const yaml_node_t *node, const char *path, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));

/*
 * cfg_node: the node idx, marked visited; a node visited twice is an alias
 * (reported once at path, NULL returned). NULL for a bad index.
 */
yaml_node_t *cfg_node(struct cfg_ctx *ctx, int idx, const char *path);

/* cfg_type_name: "a string", "a list", "a mapping". */
const char *cfg_type_name(const yaml_node_t *n);

/* cfg_is_null: a plain "", "~", "null" scalar (a key without value). */
bool cfg_is_null(const yaml_node_t *n);

/*
 * cfg_scalar: node as a string: must be a scalar without NUL bytes; with
 * expand, ${NAME} is expanded. Returns a malloc'd string, or NULL with an
 * error at path (what = "a string", "a duration"... for the message).
 */
char *cfg_scalar(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path, bool expand,
                 const char *what);

/*
 * cfg_map_check: node must be a mapping of scalar keys without duplicates and
 * of at most max pairs; errors at path. Returns true when it may be walked
 * (duplicates are reported but the mapping is walked: the first wins).
 */
bool cfg_map_check(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path, size_t max);

/* cfg_key: the scalar text of a pair's key (cfg_map_check ran first). */
const char *cfg_key(struct cfg_ctx *ctx, const yaml_node_pair_t *p);

/* cfg_path: "parent.key" (or "key" at the top) into buf. Returns buf. */
char *cfg_path(char *buf, size_t len, const char *parent, const char *key);

/* cfg_path_index: "parent[i]" into buf. Returns buf. */
char *cfg_path_index(char *buf, size_t len, const char *parent, size_t i);

/*
 * cfg_expand: ${NAME} from the environment, $$ -> $, any other $ kept.
 * Returns a malloc'd string, or NULL with the problem in err (unset or bad
 * variable name, too long, out of memory: err "out of memory").
 */
char *cfg_expand(const char *in, char *err, size_t len);

/* cfg_target_new: a target with the defaults of the vocabulary and config.h. */
struct cfg_target *cfg_target_new(void);

/* cfg_target_set_name: give t a copy of name. Returns false when out of memory. */
bool cfg_target_set_name(struct cfg_target *t, const char *name);

/* cfg_target_copy: a deep copy of src (its strings duplicated), or NULL. */
struct cfg_target *cfg_target_copy(const struct cfg_target *src);

/*
 * cfg_target_apply: apply a target mapping node on top of t.
 *   defaults  true for the defaults block (name not allowed)
 * Errors at path. Returns false when any key had an error.
 */
bool cfg_target_apply(struct cfg_ctx *ctx, struct cfg_target *t, const yaml_node_t *map,
                      const char *path, bool defaults);

/*
 * cfg_target_finish: cross-key checks (host given...), labels sorted, the
 * fingerprint. Errors at the node. Returns false on error.
 */
bool cfg_target_finish(struct cfg_ctx *ctx, struct cfg_target *t, const yaml_node_t *map,
                       const char *path);

/*
 * cfg_hooks_walk: the keys alertmanagers, webhooks, exec, maintenance and
 * modules of the root mapping (config_hooks.c), after defaults.
 */
void cfg_hooks_walk(struct cfg_ctx *ctx, struct cfg *cfg, const yaml_node_t *root);

/* cfg_allow_list: the value n of an `allow_hosts:` (a module's or
 * api.allow_hosts: one pattern or a list of 1 to CFG_ALLOW_MAX) into *out,
 * *n_out patterns (*out NULL before: a second value is a duplicate key
 * already reported); errors at path. Returns false on an error. */
bool cfg_allow_list(struct cfg_ctx *ctx, struct cfg_allow **out, size_t *n_out,
                    const yaml_node_t *n, const char *path);

/* cfg_hooks_free: free what cfg_hooks_walk added to cfg. */
void cfg_hooks_free(struct cfg *cfg);

/* cfg_maint_apply: one maintenance mapping into m (zeroed first). */
bool cfg_maint_apply(struct cfg_ctx *ctx, struct cfg_maint *m, const yaml_node_t *n,
                     const char *path);

/* ---- a mapping of known keys (config_walk.c) ---------------------------- */

#define CFG_KEYS_MAX 32u /* keys in one table */

struct cfg_key;

/* One key of a mapping being walked. */
struct cfg_pair {
    const char *key;
    const yaml_node_t *key_node;
    const yaml_node_t *value; /* visited, not an alias */
    const char *path;         /* "parent.key" */
    const struct cfg_key *def; /* its table entry; NULL in the fallback */
};

/* A key's handler: obj is the walk's object. Returns false when the value
 * had an error (reported at p->path). */
typedef bool (*cfg_key_fn)(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p);

/* One known key: its handler, the offset of its field in the object (for a
 * handler shared by objects of several types; 0 when unused) and, when it
 * must be there, the rest of the message "KEY: missing..." ("" for none). */
struct cfg_key {
    const char *key;
    cfg_key_fn fn;
    size_t off;
    const char *missing;
};

/* cfg_field: the field of obj that the key's entry names by offset. */
static inline void *cfg_field(void *obj, const struct cfg_key *k)
{
    return (char *)obj + k->off;
}

/*
 * cfg_walk_keys: walk mapping map at path (cfg_map_check passed): each
 * key's value to its handler in keys[n] (n <= CFG_KEYS_MAX), in the order of
 * the document; an alias is skipped (cfg_node reported it); a key not in
 * keys to other, or, other NULL, the error "unknown key 'K' (k1, k2, ...)"
 * at the key; then each required key that was not there: "K: missing..."
 * at the mapping. Returns false when anything had an error.
 */
bool cfg_walk_keys(struct cfg_ctx *ctx, const yaml_node_t *map, const char *path,
                   const struct cfg_key *keys, size_t n, cfg_key_fn other, void *obj);

/*
 * cfg_map_each: each pair of mapping map at path (cfg_map_check passed) to
 * fn, in the order of the document, an alias skipped (cfg_node reported
 * it): a mapping whose keys are names the user chose (headers, labels,
 * modules). cfg_walk_keys with no known keys. Returns false when anything
 * had an error.
 */
static inline bool cfg_map_each(struct cfg_ctx *ctx, const yaml_node_t *map, const char *path,
                                cfg_key_fn fn, void *obj)
{
    return cfg_walk_keys(ctx, map, path, NULL, 0, fn, obj);
}

/*
 * cfg_map_alloc: cfg_map_check(n, path, max), then a zeroed array of one
 * element of size bytes per pair (at least one), *count the pairs. NULL when
 * the check failed or out of memory (ctx->oom set).
 */
void *cfg_map_alloc(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path, size_t max,
                    size_t size, size_t *count);

/* cfg_top_value: the value of top-level key in mapping root (cfg_map_check
 * ran first); NULL when it is absent or an alias (cfg_node reported it). */
const yaml_node_t *cfg_top_value(struct cfg_ctx *ctx, const yaml_node_t *root, const char *key);

/* A key's node and path, kept for checks across keys (cfg_key_keep). */
struct cfg_kept {
    const yaml_node_t *node; /* NULL: the key was not there */
    char path[CFG_PATH_MAX];
};

/* cfg_key_keep: a handler storing the value into the struct cfg_kept at the
 * entry's offset. */
bool cfg_key_keep(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p);

/* ---- the tables, for the key list (config_keys.c) ---------------------- */

/* cfg_top_keys: the top-level keys, in the order they are applied. */
const char *const *cfg_top_keys(size_t *n);

/* cfg_api_keys: the keys of the api mapping. */
const struct cfg_key *cfg_api_keys(size_t *n);

/* Where a target's mapping is walked (cfg_target_apply). */
enum cfg_scope {
    CFG_SCOPE_TARGET,        /* targets[i]: name and the schedule keys */
    CFG_SCOPE_DEFAULTS,      /* defaults: the schedule keys */
    CFG_SCOPE_MODULE_OWN,    /* modules.NAME: allow_hosts */
    CFG_SCOPE_MODULE_REFUSED /* the schedule keys a module refuses (a target's) */
};

/* cfg_target_keys: the keys of the target table a scope accepts (or, for
 * CFG_SCOPE_MODULE_REFUSED, refuses), beyond the check options (cfg_opts;
 * a module's but host). */
const struct cfg_key *cfg_target_keys(enum cfg_scope scope, size_t *n);

enum cfg_hook_kind { CFG_HOOK_ALERTMANAGER, CFG_HOOK_WEBHOOK, CFG_HOOK_EXEC };

/* cfg_hook_keys: the keys of an alertmanagers, webhooks or exec item. */
const struct cfg_key *cfg_hook_keys(enum cfg_hook_kind kind, size_t *n);

/* cfg_maint_keys: the keys of a maintenance window. */
const struct cfg_key *cfg_maint_keys(size_t *n);

/*
 * cfg_read_file: the whole regular file path (at most max bytes) into a
 * malloc'd buffer (*len bytes, one spare; the caller frees it). private_why:
 * non-NULL refuses a file that group or others may read or write, saying
 * why it must be private. NULL, with the problem in errs (no file name,
 * cannot open, not a regular file, mode, larger than max, out of memory,
 * read error, the file changed while being read).
 */
char *cfg_read_file(const char *path, size_t max, const char *private_why, size_t *len,
                    struct cfg_errs *errs);

/* cfg_parse_doc: libyaml parse of text into doc; a parse error goes to errs. */
bool cfg_parse_doc(const char *text, size_t len, yaml_document_t *doc, struct cfg_errs *errs);

/*
 * cfg_ctx_init: a walk context over doc (${NAME} expansion for a file, none
 * and no secrets for an API body). Returns false, with ctx->oom set, when
 * the per-node table could not be allocated; free(ctx->seen) in every case.
 * After the walk, the caller turns ctx->oom into the error "out of memory
 * reading FILE" (or "... the request body"): an allocation that failed
 * anywhere in the walk fails the load.
 */
bool cfg_ctx_init(struct cfg_ctx *ctx, yaml_document_t *doc, struct cfg_errs *errs, bool api);

#endif /* OAPROBE_CONFIG_INT_H */
