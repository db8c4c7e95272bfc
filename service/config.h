/*
 * config.h: the service's configuration (YAML, docs/config.md) as a
 * struct cfg, with every problem reported by line, column and key path.
 *
 *   listen: 127.0.0.1:9780          # or a list; [::1]:9780 too
 *   storage: /var/lib/oaprobe/oaprobe.db
 *   retention: 90d
 *   api: {tokens_file: /etc/oaprobe/tokens, read_requires_token: false}
 *   defaults: {interval: 60s, ...}  # any target key but name
 *   targets:
 *     - name: contoso-mail           # [a-z0-9._-]{1,64}, unique
 *       host: mail.contoso.com
 *       ...                          # every `oaprobe check` option (cfg_vocab.h)
 *       interval: 60s
 *       labels: {site: hq}
 *       location: dc1
 *       depth: tunnel
 *
 * Loading never stops at the first problem: every error found is appended to
 * a struct cfg_errs (up to CFG_ERRS_MAX; the rest are counted), and a
 * configuration with any error is not returned. Unknown keys, duplicate keys
 * in a mapping, duplicate target names, bad names, bad durations, wrong
 * types and out-of-range values are errors. YAML aliases are refused (they
 * would let a small file expand without bound).
 *
 * String values expand "${NAME}" from the environment ("$$" is a literal
 * "$"; any other "$" is kept as is); an unset variable is an error. The
 * password is never in the configuration: password_file, keytab, or
 * password: "${NAME}", which is kept as a reference and read by
 * cfg_secret_load() (service/secret.h) at start and reload.
 *
 * Ownership: a struct cfg owns everything it points to, including the
 * strings inside each target's struct check_opts; cfg_free() frees it all.
 * Nothing here is thread-safe; a loaded struct cfg is read-only and may be
 * shared between threads.
 */
#ifndef OAPROBE_CONFIG_H
#define OAPROBE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service/cfg_allow.h"
#include "service/cfg_vocab.h"

#define CFG_ERRS_MAX 100u       /* errors kept; the rest counted */
#define CFG_FILE_MAX (4u << 20) /* bytes in a configuration file */
#define CFG_TARGETS_MAX 100000u /* targets in one file */
#define CFG_NAME_MAX 64u        /* target name, [a-z0-9._-] */
#define CFG_LABELS_MAX 32u      /* labels per target */
#define CFG_LABEL_MAX 128u      /* bytes in a label key or value */
#define CFG_LISTEN_MAX 8u       /* listen addresses */
#define CFG_DEFAULT_LISTEN "127.0.0.1:9780"
#define CFG_DEFAULT_STORAGE "/var/lib/oaprobe/oaprobe.db"
#define CFG_DEFAULT_RETENTION_MS (90ull * 86400000ull)
#define CFG_MAX_CHECKS_MAX 1000000u /* max_checks: at most this (--max-checks too) */
#define CFG_TLS_SESSION_CACHE_MAX 1000000u /* tls_session_cache: at most this */
#define CFG_MAX_PROBES_MAX 10000u /* max_probes: at most this */
#define CFG_DEFAULT_MAX_PROBES 8u /* ad-hoc /probe checks at once (503 beyond) */
#define CFG_DEFAULT_TLS_SESSION_CACHE 8u /* targets keeping TLS sessions (docs/config.md) */
#define CFG_DEFAULT_INTERVAL_MS 60000ull
#define CFG_MIN_INTERVAL_MS 1000ull
#define CFG_DEFAULT_FAILURE_THRESHOLD 2u
#define CFG_DEFAULT_SUCCESS_THRESHOLD 1u

/* One problem in a configuration. line and col are 1-based (0: unknown). */
struct cfg_err {
    unsigned line, col;
    char path[160]; /* "targets[3].interval"; "" for the document */
    char msg[320];  /* the problem, never a secret */
};

/* The problems of one load. Zero-initialise; cfg_errs_free() when done. */
struct cfg_errs {
    struct cfg_err *v;
    size_t n;       /* kept (<= CFG_ERRS_MAX) */
    size_t dropped; /* found beyond CFG_ERRS_MAX */
};

/* One label (a Prometheus label name and its value). */
struct cfg_label {
    char *key; /* [a-zA-Z_][a-zA-Z0-9_]*, not "target", "location", "__*" */
    char *value;
};

/* One listen address. */
struct cfg_listen {
    char *host; /* "127.0.0.1", "::1" (no brackets), "localhost" */
    uint16_t port;
};

/*
 * One target. set.opts holds the check options; its strings (and
 * set.password_file, set.password_env) are owned by the target.
 * set.opts.password is always NULL: see cfg_secret_load().
 */
struct cfg_target {
    char *name;                /* NULL for the defaults block */
    struct check_settings set; /* the vocabulary's options (depth: set.opts.depth) */
    uint64_t interval_ms;      /* default CFG_DEFAULT_INTERVAL_MS */
    struct cfg_label *labels;
    size_t n_labels;
    char *location;             /* NULL: none */
    unsigned failure_threshold; /* consecutive failures to go down (default 2) */
    unsigned success_threshold; /* consecutive successes to come back (default 1) */
    uint64_t remind_every_ms;   /* 0: no reminders */
    uint64_t fingerprint;       /* over every setting above (not the secret) */
    unsigned line, col;         /* where it starts in the file (0: API body) */
};

/* ---- hooks, maintenance, modules (issue 9; service/config_hooks.c) ---- */

#define CFG_HOOKS_MAX 16u          /* entries in alertmanagers, webhooks, exec */
#define CFG_HEADERS_MAX 16u        /* headers of one webhook */
#define CFG_ARGV_MAX 32u           /* argv entries of one exec hook */
#define CFG_MAINT_MAX 256u         /* maintenance windows in the file */
#define CFG_MODULES_MAX 64u        /* /probe profiles */
#define CFG_HOOK_TIMEOUT_MS 10000u /* default webhook/exec/alertmanager timeout */

/* One HTTP header of a webhook. A value written with ${NAME} is a secret
 * (a token): it is never logged, shown or put in an error message. */
struct cfg_header {
    char *name;  /* a token ([!#$%&'*+.^_`|~0-9A-Za-z-]) */
    char *value; /* expanded; no CR, LF or NUL */
    bool secret; /* the value came (at least partly) from ${NAME} */
};

/* An Alertmanager (alerts go to url + "/api/v2/alerts"). */
struct cfg_alertmanager {
    char *url;           /* http(s)://host[:port][/prefix], no trailing '/' */
    uint64_t timeout_ms; /* default CFG_HOOK_TIMEOUT_MS */
};

/* A webhook receiver (Alertmanager's webhook "version 4" payload). */
struct cfg_webhook {
    char *name; /* `name:`, default "webhook<index>" ([a-z0-9._-]) */
    char *url;  /* http(s)://... (may hold a ${NAME} token: never shown) */
    struct cfg_header *headers;
    size_t n_headers;
    uint64_t timeout_ms; /* default CFG_HOOK_TIMEOUT_MS */
};

/* A program run per notification, without a shell. */
struct cfg_exec {
    char *name;  /* `name:`, default "exec<index>" */
    char **argv; /* argc entries + NULL; argv[0] an absolute path */
    size_t argc;
    uint64_t timeout_ms; /* killed (SIGKILL) after it; default CFG_HOOK_TIMEOUT_MS */
};

/*
 * A maintenance window: one-off (start_ms..end_ms, unix ms) or recurring
 * (on the days of `days`, from `from_min` minutes after local midnight, for
 * duration_ms, in time zone tz). It covers the targets named in targets[]
 * and those whose labels include every pair of match[] (either may be
 * empty, not both).
 */
struct cfg_maint {
    char *name;               /* `name:`, default "maintenance<index>" */
    int64_t start_ms, end_ms; /* one-off; both 0 when recurring */
    unsigned days;            /* recurring: bit 0 = Sunday .. bit 6 = Saturday */
    unsigned from_min;        /* recurring: 0..1439 */
    uint64_t duration_ms;     /* recurring: 1 min .. 7 days */
    char *tz;                 /* recurring: IANA name ("Europe/Berlin"); "UTC" default */
    char **targets;           /* target names */
    size_t n_targets;
    struct cfg_label *match; /* label selector, all must match */
    size_t n_match;
    char *reason; /* free text for people, NULL none */
};

/* A /probe profile (`modules: {NAME: {...}}`): the target keys but name,
 * applied over the defaults; the host comes from the request, and must
 * match allow (cfg_allow.h) when the module carries credentials
 * (cfg_module_credentialed) or allow_hosts is given. */
struct cfg_module {
    char *name;
    struct cfg_target *t;    /* t->name NULL, set.opts.host NULL */
    struct cfg_allow *allow; /* `allow_hosts:`, n_allow patterns; NULL: none */
    size_t n_allow;
    unsigned line, col;      /* of the module's name in the file */
};

/* A whole configuration. */
struct cfg {
    struct cfg_listen *listen; /* at least one (default CFG_DEFAULT_LISTEN) */
    size_t n_listen;
    char *storage;               /* SQLite path (default CFG_DEFAULT_STORAGE) */
    uint64_t retention_ms;       /* default CFG_DEFAULT_RETENTION_MS */
    char *tokens_file;           /* api.tokens_file; NULL: no tokens, no writes */
    bool read_requires_token;    /* api.read_requires_token */
    struct cfg_allow *api_allow; /* api.allow_hosts: where API targets may send
                                  * credentials (cfg_api_allowed); NULL none */
    size_t n_api_allow;
    unsigned api_line, api_col;  /* of the api mapping, of its allow_hosts key */
    unsigned api_allow_line, api_allow_col; /* (for warnings; 0: absent) */
    char *external_url;          /* external_url: base of links; NULL: none */
    size_t max_checks;           /* max_checks: checks at once (0: derived
                                  * from the fd limit and the memory) */
    size_t max_probes;           /* max_probes: ad-hoc /probe checks at once
                                  * (default CFG_DEFAULT_MAX_PROBES) */
    size_t tls_session_cache;    /* tls_session_cache: targets whose TLS sessions
                                  * are kept from run to run (0: none) */
    struct cfg_target *defaults; /* the defaults: block, as a nameless target */
    struct cfg_target **targets; /* in file order */
    size_t n_targets;
    struct cfg_alertmanager *alertmanagers; /* `alertmanagers:` */
    size_t n_alertmanagers;
    struct cfg_webhook *webhooks; /* `webhooks:` */
    size_t n_webhooks;
    struct cfg_exec *execs; /* `exec:` */
    size_t n_execs;
    struct cfg_maint *maint; /* `maintenance:` */
    size_t n_maint;
    struct cfg_module *modules; /* `modules:` */
    size_t n_modules;
};

/* cfg_module_find: the /probe profile called name, or NULL. */
const struct cfg_module *cfg_module_find(const struct cfg *cfg, const char *name);

/* cfg_module_credentialed: does a check with module m send credentials
 * (cfg_allow_credentialed on its settings)? */
bool cfg_module_credentialed(const struct cfg_module *m);

/*
 * cfg_api_allowed: may the API target t (parsed on cfg's defaults) be run?
 * When it carries credentials, its host and its resolve addresses must be
 * in api.allow_hosts (cfg_allow_target): otherwise whoever holds a write
 * token would choose who receives the defaults' credentials. Nor may it
 * turn off the transport's guards the defaults keep (insecure: true, http:
 * true): the network, not the allowed host, would receive them. Nor may
 * any API target name a file on the server (cacert other than the
 * defaults'; password_file and keytab are refused by the parser): the
 * caller would choose a server path and learn at least whether it exists.
 * Judge ct before building the target (serve_target_new loads the cacert).
 *   key, klen [out] with NO or BAD: "cacert", "host", "resolve[i]",
 *   "insecure", "http"
 *   err, len  [out] with NO or BAD: why
 * Returns CFG_ALLOW_YES, CFG_ALLOW_NO (403 for a PUT) or CFG_ALLOW_BAD (a
 * host or address api.allow_hosts cannot judge: 400).
 */
int cfg_api_allowed(const struct cfg *cfg, const struct cfg_target *t, char *key, size_t klen,
                    char *err, size_t len);

/*
 * cfg_warnings: what is valid but likely not what the operator wants, as
 * errors are reported (line, column, key path, message): a module that
 * carries credentials without allow_hosts (/probe refuses every ad-hoc
 * host with it), or with allow_hosts "*" while reads need no token.
 *   warns [out] appended to; the caller frees it with cfg_errs_free()
 * Returns the number of warnings found.
 */
size_t cfg_warnings(const struct cfg *cfg, struct cfg_errs *warns);

/*
 * cfg_maint_parse_json: one maintenance window from an API body (the keys
 * of a `maintenance:` entry; ${NAME} not expanded). Returns 0 with *out
 * filled (cfg_maint_clear when done) or -1 with errs filled.
 */
int cfg_maint_parse_json(const char *body, size_t len, struct cfg_maint *out,
                         struct cfg_errs *errs);

/* cfg_maint_clear: free what a window owns and zero it; NULL ok. */
void cfg_maint_clear(struct cfg_maint *m);

/* cfg_rfc3339_parse: "2026-12-05T22:00:00Z", "...+01:00", fractions
 * allowed, into unix ms. Returns 0 or -1. */
int cfg_rfc3339_parse(const char *s, int64_t *ms);

/*
 * cfg_load_file: read and validate a configuration file.
 *   path  [in]  the file (at most CFG_FILE_MAX bytes)
 *   out   [out] the configuration (cfg_free) when 0 is returned, else NULL
 *   errs  [out] every problem (errs->n > 0 exactly when -1 is returned);
 *               the caller frees it with cfg_errs_free()
 * Returns 0, or -1 (unreadable file, bad YAML, invalid values, out of
 * memory: each reported in errs).
 */
int cfg_load_file(const char *path, struct cfg **out, struct cfg_errs *errs);

/*
 * cfg_keys_each: every key path the loader accepts, in the order of the
 * loader's tables, to fn (`oaprobe config keys`). Notation: "listen" a
 * top-level key; "api.tokens_file" key tokens_file of mapping api;
 * "targets[].interval" key interval of each item of list targets;
 * "modules.NAME.allow_hosts" key allow_hosts of each module NAME. The free
 * keys of labels and webhooks' headers are the operator's, not listed.
 * Returns the count.
 */
size_t cfg_keys_each(void (*fn)(const char *path, void *arg), void *arg);

/* cfg_load_string: the same for a document in memory (len bytes, any content). */
int cfg_load_string(const char *text, size_t len, struct cfg **out, struct cfg_errs *errs);

/* cfg_free: free a configuration; NULL is a no-op. */
void cfg_free(struct cfg *cfg);

/* cfg_target_find: the target called name, or NULL. */
const struct cfg_target *cfg_target_find(const struct cfg *cfg, const char *name);

/*
 * cfg_target_parse_json: one target from an API body (a JSON object with the
 * keys of a YAML target), validated the same way, on top of the defaults of
 * defaults_from (may be NULL).
 *   name  [in]  the target's name (from the URL); a "name" key in the body
 *               must equal it. Validated like a file target's name.
 *   out   [out] the new target (cfg_target_free) when 0 is returned
 *   errs  [out] every problem; paths are the keys ("interval")
 * Returns 0 or -1.
 */
int cfg_target_parse_json(const char *body, size_t len, const char *name,
                          const struct cfg *defaults_from, struct cfg_target **out,
                          struct cfg_errs *errs);

/* cfg_target_free: free one target; NULL is a no-op. */
void cfg_target_free(struct cfg_target *t);

/*
 * cfg_target_opts: the engine options of a target, ready for check_new():
 * a copy of t->set.opts whose strings still belong to t, with the password
 * (from cfg_secret_load, may be NULL) filled in.
 */
struct check_opts cfg_target_opts(const struct cfg_target *t, const char *password);

/*
 * cfg_target_fingerprint_secret: the target's fingerprint mixed with the
 * content of its secret (password, may be NULL), for a reload to notice a
 * changed password file. Pure.
 */
uint64_t cfg_target_fingerprint_secret(const struct cfg_target *t, const char *password);

/* cfg_name_ok: is name a valid target name ([a-z0-9._-]{1,64})? */
bool cfg_name_ok(const char *name);

/*
 * cfg_errs_format: one error as "FILE:LINE:COL: key.path: problem" (FILE
 * omitted when NULL, LINE:COL when 0, the path when empty) into buf.
 * Returns buf.
 */
char *cfg_errs_format(const struct cfg_err *e, const char *file, char *buf, size_t len);

/* cfg_errs_free: free the errors and zero errs; NULL is a no-op. */
void cfg_errs_free(struct cfg_errs *errs);

#endif /* OAPROBE_CONFIG_H */
