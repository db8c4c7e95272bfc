/*
 * validports_json.c: the --json output of `oaprobe validports`, the document
 * "oaprobe.validports/1" described in docs/validports.md, as a jansson
 * object or a string (nothing is printed).
 *
 * Strings from the value go through jstr(): bytes that are not valid UTF-8
 * are replaced so that the document is always valid JSON.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "probes/validports/vp_lint.h"
#include "probes/validports/vp_parse.h"
#include "probes/validports/vp_reg.h"
#include "web/validports_json.h"
#include "web/validports_render.h"

/* A JSON string from bytes that may not be valid UTF-8: when they are not,
 * every non-ASCII byte becomes '?'. */
static json_t *jstr(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    if (j)
        return j;
    char *b = malloc(n + 1);
    if (!b)
        return json_null();
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
    j = json_stringn(b, n);
    free(b);
    return j ? j : json_null();
}

static json_t *jcstr(const char *s)
{
    return jstr(s, strlen(s));
}

static json_t *jentry_text(const struct vp_entry *e)
{
    char b[VP_NAME_MAX + 16];
    vpr_entry_text(e, b, sizeof b);
    return jcstr(b);
}

/* An integer, or NULL (packed as null with "o?") when v is 0. */
static json_t *jint0(size_t v)
{
    return v ? json_integer((json_int_t)v) : NULL;
}

static json_t *json_diags(const struct vp_list *l)
{
    json_t *a = json_array();
    char reason[1024], msg[1024];
    for (size_t i = 0; i < l->n_diags; i++) {
        const struct vp_diag *d = &l->diags[i];
        vpr_diag_message(l, d, reason, sizeof reason, false);
        vpr_diag_message(l, d, msg, sizeof msg, true);
        json_array_append_new(
            a,
            json_pack("{s:s, s:s, s:o?, s:o?, s:o?, s:o?, s:o?, s:o, s:o}", "severity",
                      d->severity == VP_SEV_ERROR ? "error" : "warning", "code",
                      vp_code_name(d->code), "entry", jint0(d->entry), "entry_text",
                      d->entry ? jstr(l->text + d->entry_off, d->entry_len) : NULL, "column",
                      jint0(d->col), "token",
                      d->tok_len ? jstr(l->text + d->tok_off, d->tok_len) : NULL, "related_entry",
                      jint0(d->related), "reason", jcstr(reason), "message", jcstr(msg)));
    }
    return a;
}

static json_t *json_entries(const struct vpr_report *r)
{
    const struct vp_list *l = r->list;
    json_t *a = json_array();
    for (size_t i = 0; i < l->n_entries; i++) {
        const struct vp_entry *e = &l->entries[i];
        bool redundant = false;
        for (size_t k = 0; k < r->lint->n_redundant; k++)
            redundant |= r->lint->redundant[k].entry == e;
        json_array_append_new(
            a, json_pack("{s:i, s:o, s:o, s:b, s:s, s:i, s:i, s:I, s:b, s:b}", "index",
                         (int)e->index, "text", jentry_text(e), "name", jstr(e->name, e->name_len),
                         "wildcard", e->wildcard, "kind", e->kind == VP_NAME_IPV4 ? "ipv4" : "name",
                         "low", (int)e->low, "high", (int)e->high, "column", (json_int_t)e->off + 1,
                         "repaired", e->repaired, "redundant", redundant));
    }
    return a;
}

static void json_lint(const struct vpr_report *r, json_t *root)
{
    const struct vp_lint *L = r->lint;
    json_t *names = json_array(), *ports = json_array(), *checks = json_array(),
           *missing = json_array(), *added = json_array(), *ipv6 = json_array(), *ov = json_array(),
           *red = json_array(), *unl = json_array(), *wc = json_array();
    for (size_t i = 0; i < L->n_names; i++) {
        json_array_append_new(names, jcstr(L->names[i]));
        if (L->ipv6_names >> i & 1u)
            json_array_append_new(ipv6, jcstr(L->names[i]));
    }
    for (size_t i = 0; i < L->n_ports; i++)
        json_array_append_new(ports, json_integer(L->ports[i]));
    for (size_t i = 0; i < L->n_checks; i++) {
        const struct vp_check *c = &L->checks[i];
        json_array_append_new(checks,
                              json_pack("{s:o, s:i, s:b, s:o?}", "name", jcstr(L->names[c->name]),
                                        "port", (int)c->port, "allowed", c->entry != NULL, "entry",
                                        c->entry ? jint0(c->entry->index) : NULL));
        if (!c->entry)
            json_array_append_new(missing, json_pack("{s:o, s:i}", "name", jcstr(L->names[c->name]),
                                                     "port", (int)c->port));
    }
    for (size_t i = 0; i < L->n_added; i++) {
        char t[VP_NAME_MAX + 16], rt[16];
        vpr_range_text(L->added[i].low, L->added[i].high, rt, sizeof rt);
        snprintf(t, sizeof t, "%s:%s", L->names[L->added[i].name], rt);
        json_array_append_new(added, jcstr(t));
    }
    for (size_t i = 0; i < L->n_overlaps; i++) {
        const struct vp_overlap *o = &L->overlaps[i];
        json_array_append_new(ov, json_pack("{s:[ii], s:i, s:i}", "entries", (int)o->a->index,
                                            (int)o->b->index, "low", (int)o->low, "high",
                                            (int)o->high));
    }
    for (size_t i = 0; i < L->n_redundant; i++) {
        json_t *by = json_array();
        for (size_t k = 0; k < L->redundant[i].n_by; k++)
            json_array_append_new(by, json_integer(L->redundant[i].by[k]->index));
        json_array_append_new(red, json_pack("{s:i, s:o}", "entry",
                                             (int)L->redundant[i].entry->index, "covered_by", by));
    }
    for (size_t i = 0; i < L->n_unlisted; i++)
        json_array_append_new(unl, json_integer(L->unlisted[i]->index));
    for (size_t i = 0; i < L->n_wildcards; i++) {
        json_t *m = json_array();
        for (size_t k = 0; k < L->n_names; k++)
            if (L->wildcards[i].names >> k & 1u)
                json_array_append_new(m, jcstr(L->names[k]));
        json_array_append_new(
            wc, json_pack("{s:i, s:o}", "entry", (int)L->wildcards[i].entry->index, "matches", m));
    }
    json_t *all =
        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o}", "names", names,
                  "ports", ports, "checks", checks, "missing", missing, "ipv6_names", ipv6, "added",
                  added, "overlaps", ov, "overlaps_total", (json_int_t)L->n_overlaps_total,
                  "redundant", red, "unlisted", unl, "broad_wildcards", wc);
    json_object_update(root, all);
    json_decref(all);
}

/* The input could not be read as a ValidPorts value (exit 2). */
char *vpj_render_input_error(const struct vpr_report *r, const struct vp_input *in,
                             const char *why)
{
    if (!r || !r->source || !in || !why)
        return NULL;
    json_t *root = json_pack("{s:s, s:{s:s, s:o?, s:s, s:s, s:o?}, s:s, s:i, s:s}", "schema",
                             "oaprobe.validports/1", "input", "source", r->source, "file",
                             r->file && strcmp(r->source, "file") == 0 ? jcstr(r->file) : NULL,
                             "format", vp_format_str(in->format), "encoding",
                             vp_encoding_str(in->encoding), "line", jint0(in->err_line), "status",
                             "invalid", "exit_code", VPR_EXIT_SYNTAX, "input_error", why);
    char *out = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
    json_decref(root);
    return out;
}

json_t *vpj_render_object(const struct vpr_report *r)
{
    if (!r || !r->source || !r->in || !r->found || !r->list || !r->lint)
        return NULL;
    const struct vp_list *l = r->list;
    const struct vp_lint *L = r->lint;
    json_t *others = json_array();
    for (size_t i = 0; i < r->in->n_found; i++)
        if (&r->in->found[i] != r->found)
            json_array_append_new(others, json_pack("{s:s, s:I}", "value_name",
                                                    vp_value_name_str(r->in->found[i].which),
                                                    "line", (json_int_t)r->in->found[i].line));
    json_t *root =
        json_pack("{s:s, s:{s:s, s:o?, s:s, s:s, s:s, s:o?, s:o?, s:o}}", "schema",
                  "oaprobe.validports/1", "input", "source", r->source, "file",
                  r->file && strcmp(r->source, "file") == 0 ? jcstr(r->file) : NULL, "format",
                  vp_format_str(r->in->format), "encoding", vp_encoding_str(r->in->encoding),
                  "value_name", vp_value_name_str(r->found->which), "line", jint0(r->found->line),
                  "key", r->found->key ? jcstr(r->found->key) : NULL, "other_values", others);
    if (!root)
        return NULL;
    json_object_set_new(root, "value", jstr(l->text, l->text_len));
    const char *status = r->exit_code == VPR_EXIT_SYNTAX    ? "invalid"
                         : r->exit_code == VPR_EXIT_MISSING ? "incomplete"
                         : L->n_names                       ? "complete"
                                                            : "parsed";
    json_object_set_new(root, "status", json_string(status));
    json_object_set_new(root, "exit_code", json_integer(r->exit_code));
    json_object_set_new(root, "errors", json_integer((json_int_t)l->n_errors));
    json_object_set_new(root, "warnings", json_integer((json_int_t)l->n_warnings));
    json_object_set_new(root, "broken_entries", json_integer(l->n_broken));
    json_object_set_new(root, "diagnostics", json_diags(l));
    json_object_set_new(root, "entries", json_entries(r));
    json_lint(r, root);
    json_object_set_new(root, "corrected_value", jstr(L->corrected, L->corrected_len));
    json_object_set_new(root, "changed", json_boolean(L->changed));
    json_object_set_new(root, "corrected_fits", json_boolean(L->corrected_fits));
    json_t *rem = json_array();
    if (vpr_needs_remedy(r))
        vpr_remedy(r, NULL, rem);
    json_object_set_new(root, "remedy", rem);
    return root;
}

char *vpj_render(const struct vpr_report *r)
{
    json_t *root = vpj_render_object(r);
    char *out = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
    json_decref(root);
    return out;
}
