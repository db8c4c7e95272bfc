/*
 * config_keys.c: every key path the loader accepts (cfg_keys_each), read
 * from the tables the loader walks: the top-level keys (config.c), the api
 * keys, the target table's runs per scope (config_target.c) with the check
 * options of the vocabulary (cfg_vocab.c), the hooks' items
 * (config_hooks.c) and the maintenance windows (config_maint.c). A key added
 * to a table is listed without a change here.
 */
#include <stdio.h>
#include <string.h>

#include "service/cfg_vocab.h"
#include "service/config_int.h"

/* What is under a top-level key. */
enum section {
    SEC_API,
    SEC_DEFAULTS,
    SEC_TARGETS,
    SEC_ALERTMANAGERS,
    SEC_WEBHOOKS,
    SEC_EXEC,
    SEC_MAINTENANCE,
    SEC_MODULES
};

static const struct {
    const char *top;    /* the top-level key */
    const char *prefix; /* of its keys' paths */
    enum section sec;
} sections[] = {
    {"api", "api.", SEC_API},
    {"defaults", "defaults.", SEC_DEFAULTS},
    {"targets", "targets[].", SEC_TARGETS},
    {"alertmanagers", "alertmanagers[].", SEC_ALERTMANAGERS},
    {"webhooks", "webhooks[].", SEC_WEBHOOKS},
    {"exec", "exec[].", SEC_EXEC},
    {"maintenance", "maintenance[].", SEC_MAINTENANCE},
    {"modules", "modules.NAME.", SEC_MODULES},
};

struct emit {
    void (*fn)(const char *path, void *arg);
    void *arg;
    size_t n;
};

static void emit(struct emit *e, const char *prefix, const char *key)
{
    char path[CFG_PATH_MAX];
    snprintf(path, sizeof path, "%s%s", prefix, key);
    e->fn(path, e->arg);
    e->n++;
}

static void emit_table(struct emit *e, const char *prefix, const struct cfg_key *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        emit(e, prefix, keys[i].key);
}

/* The check options; a module's without host (/probe?target= gives it:
 * config_hooks.c do_modules refuses one). */
static void emit_opts(struct emit *e, const char *prefix, bool module)
{
    size_t n;
    const struct cfg_opt *o = cfg_opts(&n);
    for (size_t i = 0; i < n; i++)
        if (!module || o[i].id != CFG_O_HOST)
            emit(e, prefix, o[i].key);
}

static void emit_section(struct emit *e, const char *prefix, enum section sec)
{
    const struct cfg_key *keys;
    size_t n;
    switch (sec) {
    case SEC_API:
        keys = cfg_api_keys(&n);
        break;
    case SEC_DEFAULTS:
        keys = cfg_target_keys(CFG_SCOPE_DEFAULTS, &n);
        break;
    case SEC_TARGETS:
        keys = cfg_target_keys(CFG_SCOPE_TARGET, &n);
        break;
    case SEC_ALERTMANAGERS:
        keys = cfg_hook_keys(CFG_HOOK_ALERTMANAGER, &n);
        break;
    case SEC_WEBHOOKS:
        keys = cfg_hook_keys(CFG_HOOK_WEBHOOK, &n);
        break;
    case SEC_EXEC:
        keys = cfg_hook_keys(CFG_HOOK_EXEC, &n);
        break;
    case SEC_MAINTENANCE:
        keys = cfg_maint_keys(&n);
        break;
    case SEC_MODULES:
    default:
        keys = cfg_target_keys(CFG_SCOPE_MODULE_OWN, &n);
        break;
    }
    emit_table(e, prefix, keys, n);
    if (sec == SEC_DEFAULTS || sec == SEC_TARGETS || sec == SEC_MODULES)
        emit_opts(e, prefix, sec == SEC_MODULES);
}

size_t cfg_keys_each(void (*fn)(const char *path, void *arg), void *arg)
{
    if (fn == NULL)
        return 0;
    struct emit e = {.fn = fn, .arg = arg, .n = 0};
    size_t n_top;
    const char *const *top = cfg_top_keys(&n_top);
    for (size_t i = 0; i < n_top; i++) {
        emit(&e, "", top[i]);
        for (size_t j = 0; j < sizeof sections / sizeof sections[0]; j++)
            if (strcmp(top[i], sections[j].top) == 0)
                emit_section(&e, sections[j].prefix, sections[j].sec);
    }
    return e.n;
}
