/*
 * config_walk.c: a mapping of known keys walked from a table (config_int.h,
 * struct cfg_key): each key's value to its handler, an unknown key to the
 * caller's fallback or an error naming the keys there are, a required key
 * that is absent to an error at the mapping. Used for the api block, the
 * targets and defaults, the maintenance windows, the Alertmanagers,
 * webhooks and exec hooks; with no known keys (cfg_map_each) for the
 * mappings of names the user chose: labels, headers, modules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/config_int.h"

/* "a, b, c": the table's keys, for the unknown-key message. */
static void key_list(const struct cfg_key *keys, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", keys[i].key);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

bool cfg_walk_keys(struct cfg_ctx *ctx, const yaml_node_t *map, const char *path,
                   const struct cfg_key *keys, size_t n, cfg_key_fn other, void *obj)
{
    if (ctx == NULL || map == NULL || map->type != YAML_MAPPING_NODE || (keys == NULL && n > 0) ||
        n > CFG_KEYS_MAX)
        return false;
    bool ok = true;
    bool seen[CFG_KEYS_MAX] = {false};
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = cfg_key(ctx, p);
        char sub[CFG_PATH_MAX];
        cfg_path(sub, sizeof sub, path, k);
        yaml_node_t *v = cfg_node(ctx, p->value, sub);
        if (v == NULL) { /* an alias: reported */
            ok = false;
            continue;
        }
        struct cfg_pair pair = {.key = k,
                                .key_node = yaml_document_get_node(ctx->doc, p->key),
                                .value = v,
                                .path = sub};
        size_t i = 0;
        while (i < n && strcmp(k, keys[i].key) != 0)
            i++;
        if (i < n) {
            seen[i] = true;
            pair.def = &keys[i];
            ok = keys[i].fn(ctx, obj, &pair) && ok;
        } else if (other != NULL) {
            ok = other(ctx, obj, &pair) && ok;
        } else {
            char list[512];
            key_list(keys, n, list, sizeof list);
            cfg_node_err(ctx, pair.key_node, sub, "unknown key '%.60s' (%s)", k, list);
            ok = false;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (keys[i].missing != NULL && !seen[i]) {
            cfg_node_err(ctx, map, path, "%s: missing%s", keys[i].key, keys[i].missing);
            ok = false;
        }
    return ok;
}

void *cfg_map_alloc(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path, size_t max,
                    size_t size, size_t *count)
{
    *count = 0;
    if (!cfg_map_check(ctx, n, path, max))
        return NULL;
    *count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    void *v = calloc(*count ? *count : 1, size);
    if (v == NULL)
        ctx->oom = true;
    return v;
}

const yaml_node_t *cfg_top_value(struct cfg_ctx *ctx, const yaml_node_t *root, const char *key)
{
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++)
        if (strcmp(cfg_key(ctx, p), key) == 0)
            return cfg_node(ctx, p->value, key);
    return NULL;
}

bool cfg_key_keep(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    (void)ctx;
    struct cfg_kept *kept = cfg_field(obj, p->def);
    kept->node = p->value;
    snprintf(kept->path, sizeof kept->path, "%s", p->path);
    return true;
}
