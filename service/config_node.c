/*
 * config_node.c: the loader's plumbing: the error list, YAML parsing into a
 * document, node access with alias detection, scalars, mappings without
 * duplicate keys, key paths and ${NAME} expansion (see config_int.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/common/ascii.h"
#include "probes/common/errbuf.h"
#include "service/config_int.h"

void cfg_err_add(struct cfg_errs *errs, unsigned line, unsigned col, const char *path,
                 const char *fmt, ...)
{
    if (errs == NULL)
        return;
    if (errs->n >= CFG_ERRS_MAX) {
        errs->dropped++;
        return;
    }
    if (errs->v == NULL) {
        errs->v = calloc(CFG_ERRS_MAX, sizeof *errs->v);
        if (errs->v == NULL) {
            errs->dropped++;
            return;
        }
    }
    struct cfg_err *e = &errs->v[errs->n++];
    e->line = line;
    e->col = col;
    snprintf(e->path, sizeof e->path, "%s", path != NULL ? path : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

void cfg_node_err(struct cfg_ctx *ctx, const yaml_node_t *node, const char *path, const char *fmt,
                  ...)
{
    char msg[sizeof((struct cfg_err *)0)->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned line = 0, col = 0;
    if (node != NULL) {
        line = (unsigned)node->start_mark.line + 1u;
        col = (unsigned)node->start_mark.column + 1u;
    }
    cfg_err_add(ctx->errs, line, col, path, "%s", msg);
}

void cfg_errs_free(struct cfg_errs *errs)
{
    if (errs == NULL)
        return;
    free(errs->v);
    errs->v = NULL;
    errs->n = 0;
    errs->dropped = 0;
}

char *cfg_errs_format(const struct cfg_err *e, const char *file, char *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return buf;
    buf[0] = '\0';
    if (e == NULL)
        return buf;
    size_t n = 0;
    if (file != NULL)
        n += (size_t)snprintf(buf, len, "%s:", file);
    if (e->line > 0 && n < len)
        n += (size_t)snprintf(buf + n, len - n, "%u:%u:", e->line, e->col);
    if (n > 0 && n < len)
        n += (size_t)snprintf(buf + n, len - n, " ");
    if (e->path[0] != '\0' && n < len)
        n += (size_t)snprintf(buf + n, len - n, "%s: ", e->path);
    if (n < len)
        snprintf(buf + n, len - n, "%s", e->msg);
    return buf;
}

bool cfg_ctx_init(struct cfg_ctx *ctx, yaml_document_t *doc, struct cfg_errs *errs, bool api)
{
    *ctx = (struct cfg_ctx){.doc = doc, .errs = errs, .expand_env = !api, .api = api};
    ctx->n_nodes = (size_t)(doc->nodes.top - doc->nodes.start);
    ctx->seen = calloc(ctx->n_nodes ? ctx->n_nodes : 1, 1);
    if (ctx->seen == NULL) {
        ctx->oom = true; /* the caller reports it, naming what it reads */
        return false;
    }
    return true;
}

bool cfg_parse_doc(const char *text, size_t len, yaml_document_t *doc, struct cfg_errs *errs)
{
    yaml_parser_t parser;
    memset(doc, 0, sizeof *doc);
    if (!yaml_parser_initialize(&parser)) {
        cfg_err_add(errs, 0, 0, "", "out of memory");
        return false;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, doc)) {
        const yaml_mark_t *m = &parser.problem_mark;
        cfg_err_add(errs, (unsigned)m->line + 1u, (unsigned)m->column + 1u, "",
                    "not valid YAML: %s%s%s", parser.problem ? parser.problem : "parse error",
                    parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        memset(doc, 0, sizeof *doc);
        return false;
    }
    /* A second document is an error (the file is one configuration). */
    yaml_document_t next;
    if (yaml_document_get_root_node(doc) != NULL) {
        if (!yaml_parser_load(&parser, &next)) {
            const yaml_mark_t *m = &parser.problem_mark;
            cfg_err_add(errs, (unsigned)m->line + 1u, (unsigned)m->column + 1u, "",
                        "not valid YAML: %s", parser.problem ? parser.problem : "parse error");
            yaml_parser_delete(&parser);
            yaml_document_delete(doc);
            memset(doc, 0, sizeof *doc);
            return false;
        }
        bool more = yaml_document_get_root_node(&next) != NULL;
        if (more) {
            yaml_node_t *r = yaml_document_get_root_node(&next);
            cfg_err_add(errs, (unsigned)r->start_mark.line + 1u, 1, "",
                        "a second YAML document: the configuration is one document");
        }
        yaml_document_delete(&next);
        if (more) {
            yaml_parser_delete(&parser);
            yaml_document_delete(doc);
            memset(doc, 0, sizeof *doc);
            return false;
        }
    }
    yaml_parser_delete(&parser);
    return true;
}

yaml_node_t *cfg_node(struct cfg_ctx *ctx, int idx, const char *path)
{
    yaml_node_t *n = yaml_document_get_node(ctx->doc, idx);
    if (n == NULL)
        return NULL;
    size_t i = (size_t)(idx - 1);
    if (i < ctx->n_nodes) {
        if (ctx->seen[i]) {
            cfg_node_err(ctx, n, path,
                         "YAML aliases (*name) are not supported: write the value out");
            return NULL;
        }
        ctx->seen[i] = 1;
    }
    return n;
}

const char *cfg_type_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return "a single value";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_MAPPING_NODE:
        return "a mapping";
    default:
        return "nothing";
    }
}

bool cfg_is_null(const yaml_node_t *n)
{
    if (n == NULL || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *v = (const char *)n->data.scalar.value;
    return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0;
}

char *cfg_scalar(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path, bool expand,
                 const char *what)
{
    if (n == NULL)
        return NULL;
    if (n->type != YAML_SCALAR_NODE) {
        cfg_node_err(ctx, n, path, "wants %s, not %s", what, cfg_type_name(n));
        return NULL;
    }
    if (cfg_is_null(n)) {
        cfg_node_err(ctx, n, path, "has no value (wants %s)", what);
        return NULL;
    }
    const char *v = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;
    if (strlen(v) != len) {
        cfg_node_err(ctx, n, path, "contains a NUL byte");
        return NULL;
    }
    if (len > CFG_STRING_MAX) {
        cfg_node_err(ctx, n, path, "is longer than %u bytes", CFG_STRING_MAX);
        return NULL;
    }
    char err[200];
    char *out = expand && ctx->expand_env ? cfg_expand(v, err, sizeof err) : strdup(v);
    if (out == NULL) {
        if (!expand || !ctx->expand_env || strcmp(err, "out of memory") == 0)
            ctx->oom = true;
        cfg_node_err(ctx, n, path, "%s", expand && ctx->expand_env ? err : "out of memory");
    }
    return out;
}

const char *cfg_key(struct cfg_ctx *ctx, const yaml_node_pair_t *p)
{
    yaml_node_t *k = yaml_document_get_node(ctx->doc, p->key);
    return k != NULL && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
}

bool cfg_map_check(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path, size_t max)
{
    if (n == NULL)
        return false;
    if (n->type != YAML_MAPPING_NODE) {
        if (cfg_is_null(n))
            cfg_node_err(ctx, n, path, "is empty (wants a mapping of key: value)");
        else
            cfg_node_err(ctx, n, path, "wants a mapping of key: value, not %s", cfg_type_name(n));
        return false;
    }
    size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (count > max) {
        cfg_node_err(ctx, n, path, "has %zu keys (at most %zu)", count, max);
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < count; i++) {
        const yaml_node_pair_t *p = &n->data.mapping.pairs.start[i];
        yaml_node_t *k = yaml_document_get_node(ctx->doc, p->key);
        if (k == NULL || k->type != YAML_SCALAR_NODE) {
            cfg_node_err(ctx, k, path, "a key must be a plain name, not %s",
                         k ? cfg_type_name(k) : "nothing");
            ok = false;
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            yaml_node_t *kj = yaml_document_get_node(ctx->doc, n->data.mapping.pairs.start[j].key);
            if (kj != NULL && kj->type == YAML_SCALAR_NODE &&
                kj->data.scalar.length == k->data.scalar.length &&
                memcmp(kj->data.scalar.value, k->data.scalar.value, k->data.scalar.length) == 0) {
                char sub[CFG_PATH_MAX];
                cfg_node_err(
                    ctx, k, cfg_path(sub, sizeof sub, path, (const char *)k->data.scalar.value),
                    "duplicate key (first at line %u)", (unsigned)kj->start_mark.line + 1u);
                break;
            }
        }
    }
    return ok;
}

char *cfg_path(char *buf, size_t len, const char *parent, const char *key)
{
    if (parent == NULL || parent[0] == '\0')
        snprintf(buf, len, "%.100s", key);
    else
        snprintf(buf, len, "%s.%.100s", parent, key);
    return buf;
}

char *cfg_path_index(char *buf, size_t len, const char *parent, size_t i)
{
    snprintf(buf, len, "%s[%zu]", parent != NULL ? parent : "", i);
    return buf;
}

char *cfg_expand(const char *in, char *err, size_t len)
{
    size_t cap = strlen(in) + 1, n = 0;
    char *out = malloc(cap);
    if (out == NULL) {
        errbuf_fail(err, len, "out of memory");
        return NULL;
    }
    for (const char *p = in; *p != '\0';) {
        const char *piece = p;
        size_t plen = 1;
        char name[CFG_ENV_NAME_MAX];
        if (p[0] == '$' && p[1] == '$') {
            p += 2;
        } else if (p[0] == '$' && p[1] == '{') {
            const char *end = strchr(p, '}');
            size_t nl = end != NULL ? (size_t)(end - p - 2) : 0;
            bool good =
                end != NULL && nl > 0 && nl < sizeof name && !ascii_isdigit((unsigned char)p[2]);
            for (size_t i = 0; good && i < nl; i++)
                good = p[2 + i] == '_' || ascii_isalnum((unsigned char)p[2 + i]);
            if (!good) {
                free(out);
                errbuf_fail(err, len,
                            "bad ${...} reference (want ${NAME}, NAME of letters, digits and _; "
                            "write $$ for a literal $)");
                return NULL;
            }
            memcpy(name, p + 2, nl);
            name[nl] = '\0';
            piece = getenv(name);
            if (piece == NULL) {
                free(out);
                errbuf_fail(err, len, "environment variable %s is not set", name);
                return NULL;
            }
            plen = strlen(piece);
            p = end + 1;
        } else {
            p++;
        }
        if (n + plen + 1 > CFG_STRING_MAX + 1) {
            free(out);
            errbuf_fail(err, len, "is longer than %u bytes once expanded", CFG_STRING_MAX);
            return NULL;
        }
        if (n + plen + 1 > cap) {
            size_t ncap = (n + plen + 1) * 2;
            char *t = realloc(out, ncap);
            if (t == NULL) {
                free(out);
                errbuf_fail(err, len, "out of memory");
                return NULL;
            }
            out = t;
            cap = ncap;
        }
        memcpy(out + n, piece, plen);
        n += plen;
    }
    out[n] = '\0';
    return out;
}
