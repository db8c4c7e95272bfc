/*
 * validports_render.c: the human output of `oaprobe validports` as a
 * string, and the pieces it shares with the JSON output (validports_json.c):
 * diagnostics as sentences, entries and port ranges as text, and the remedy.
 * The text is written into memory (open_memstream); nothing is printed.
 *
 * Text taken from the value as given (the value line, the names under
 * "Allowed", entries and tokens quoted in diagnostics) goes through
 * esc_append(), which shows control bytes as \xNN, so a hostile value cannot
 * drive the terminal.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "probes/validports/vp_lint.h"
#include "probes/validports/vp_match.h"
#include "probes/validports/vp_parse.h"
#include "probes/validports/vp_reg.h"
#include "web/validports_render.h"

#define SHOW_MAX 60 /* characters of an entry or token shown in a message */

/* ---- text helpers ------------------------------------------------------ */

/* Appends s (n bytes) to buf (size, used *pos), escaping control bytes and
 * shortening to SHOW_MAX characters with "...". */
static void esc_append(char *buf, size_t size, size_t *pos, const char *s, size_t n, bool cut)
{
    size_t shown = cut && n > SHOW_MAX ? SHOW_MAX - 3 : n;
    for (size_t i = 0; i < shown && *pos + 5 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            *pos += (size_t)snprintf(buf + *pos, size - *pos, "\\x%02x", c);
        else
            buf[(*pos)++] = (char)c;
    }
    if (shown < n && *pos + 4 < size) {
        memcpy(buf + *pos, "...", 3);
        *pos += 3;
    }
    buf[*pos] = '\0';
}

static void cat(char *buf, size_t size, size_t *pos, const char *s)
{
    esc_append(buf, size, pos, s, strlen(s), false);
}

/* "entry 3 'EXCH01:60a1' col 37: port '60a1' is not a number" */
void vpr_diag_message(const struct vp_list *l, const struct vp_diag *d, char *buf, size_t size,
                      bool with_place)
{
    size_t pos = 0;
    char tmp[64];
    if (!buf || size == 0)
        return;
    buf[0] = '\0';
    if (!l || !d)
        return;
    if (with_place && d->entry) {
        snprintf(tmp, sizeof tmp, "entry %u '", d->entry);
        cat(buf, size, &pos, tmp);
        esc_append(buf, size, &pos, l->text + d->entry_off, d->entry_len, true);
        snprintf(tmp, sizeof tmp, "' col %zu: ", d->col);
        cat(buf, size, &pos, tmp);
    } else if (with_place && d->col) {
        snprintf(tmp, sizeof tmp, "col %zu: ", d->col);
        cat(buf, size, &pos, tmp);
    }
    if (d->what) {
        cat(buf, size, &pos, d->what);
        if (d->tok_len) {
            cat(buf, size, &pos, " '");
            esc_append(buf, size, &pos, l->text + d->tok_off, d->tok_len, true);
            cat(buf, size, &pos, "'");
        }
        cat(buf, size, &pos, " ");
    }
    cat(buf, size, &pos, d->why ? d->why : "");
    if (d->related) {
        snprintf(tmp, sizeof tmp, " (entry %u)", d->related);
        cat(buf, size, &pos, tmp);
    }
}

void vpr_entry_text(const struct vp_entry *e, char *buf, size_t size)
{
    if (!buf || size == 0)
        return;
    if (!e || vp_entry_format(e, buf, size) >= size)
        snprintf(buf, size, "?");
}

/* "6001-6002, 6004": runs of three or more consecutive ports collapse. */
static void ports_text(const uint16_t *p, size_t n, char *buf, size_t size)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && pos + 16 < size;) {
        size_t j = i;
        while (j + 1 < n && p[j + 1] == p[j] + 1u)
            j++;
        if (j - i >= 2) {
            pos += (size_t)snprintf(buf + pos, size - pos, "%s%u-%u", i ? ", " : "", p[i], p[j]);
            i = j + 1;
        } else {
            pos += (size_t)snprintf(buf + pos, size - pos, "%s%u", i ? ", " : "", p[i]);
            i++;
        }
    }
}

void vpr_range_text(uint16_t low, uint16_t high, char *buf, size_t size)
{
    if (!buf || size == 0)
        return;
    if (low == high)
        snprintf(buf, size, "%u", low);
    else
        snprintf(buf, size, "%u-%u", low, high);
}

/* ---- the remedy, shared by both outputs --------------------------------- */

/* Prints a remedy line indented, wrapped at WRAP columns; command lines
 * (starting with two spaces) are left whole for copy and paste. */
static void print_wrapped(FILE *f, const char *s)
{
    enum { WRAP = 96 };
    size_t n = strlen(s);
    if (n + 2 <= WRAP || s[0] == ' ') {
        fprintf(f, "  %s\n", s);
        return;
    }
    const char *indent = "  ";
    while (n > 0) {
        size_t room = WRAP - strlen(indent), cut = n;
        if (n > room) {
            cut = room;
            while (cut > 0 && s[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = room;
        }
        fprintf(f, "%s%.*s\n", indent, (int)cut, s);
        s += cut;
        n -= cut;
        while (n > 0 && *s == ' ') {
            s++;
            n--;
        }
        indent = "    ";
    }
}

struct sink {
    FILE *f;
    json_t *arr;
};

static void sink_line(struct sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sink_line(struct sink *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    char *b = malloc((size_t)n + 1);
    if (!b)
        return;
    va_start(ap, fmt);
    vsnprintf(b, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (s->f)
        print_wrapped(s->f, b);
    if (s->arr) {
        json_t *j = json_string(b);
        json_array_append_new(s->arr, j ? j : json_null());
    }
    free(b);
}

static void remedy(const struct vpr_report *r, struct sink *s)
{
    const char *vn = vp_value_name_str(r->found->which);
    const char *value = r->lint->corrected;
    if (r->found->which == VP_VN_VALIDPORTS) {
        sink_line(s,
                  "Set %s\\ValidPorts (REG_SZ) to the corrected value on every RPC proxy "
                  "server (the Exchange front-end or Client Access server that serves "
                  "/rpc), in regedit or with:",
                  VPR_RPCPROXY_KEY);
        sink_line(s, "  reg add \"%s\" /v ValidPorts /t REG_SZ /d \"%s\" /f", VPR_RPCPROXY_KEY,
                  value);
        sink_line(s, "RpcProxy re-reads ValidPorts about every 5 minutes; iisreset applies it at "
                     "once.");
        sink_line(s, "Exchange 2003: the System Attendant rewrites ValidPorts when it starts and "
                     "every 15 minutes (MSExchangeSA\\Parameters\\HTTPFEPollingInterval), so a "
                     "hand edit reverts. Make the fix where Exchange configures it: Exchange "
                     "System Manager, server Properties, RPC-HTTP tab (the managed RPC-HTTP "
                     "front-end/back-end topology decides the names it writes), or take the "
                     "server out of the managed topology and keep the value by hand.");
        sink_line(s, "Restarting the Microsoft Exchange System Attendant (to rewrite the value "
                     "at once) also restarts the Microsoft Exchange Information Store: "
                     "mailboxes are offline meanwhile; plan it.");
        sink_line(s, "Exchange 2010 keeps its list in ValidPorts_Exchange, which it writes "
                     "itself: do not edit ValidPorts there; check ValidPorts_Exchange instead.");
    } else {
        sink_line(s,
                  "%s is Exchange 2010's own list (%s\\%s, written by Exchange); do not "
                  "edit ValidPorts for it.",
                  vn, VPR_RPCPROXY_KEY, vn);
        sink_line(s, "Set %s to the corrected value on every Client Access server:", vn);
        sink_line(s, "  reg add \"%s\" /v %s /t REG_SZ /d \"%s\" /f", VPR_RPCPROXY_KEY, vn, value);
        sink_line(s, "Exchange writes this value itself and may write it again: if the entries "
                     "disappear, fix the server names in the Exchange configuration (Outlook "
                     "Anywhere) rather than the value.");
        sink_line(s, "RpcProxy re-reads the list about every 5 minutes; iisreset applies it at "
                     "once.");
    }
}

void vpr_remedy(const struct vpr_report *r, FILE *f, json_t *arr)
{
    if (!r || !r->found || !r->lint)
        return;
    struct sink s = {f, arr};
    remedy(r, &s);
}

/* Needed whenever the corrected value differs from the value. */
bool vpr_needs_remedy(const struct vpr_report *r)
{
    return r && r->lint && r->lint->changed;
}

/* ---- human output -------------------------------------------------------- */

static const char *input_desc(const struct vpr_report *r, char *buf, size_t size)
{
    static const char *const fmts[] = {[VP_FMT_VALUE] = "",
                                       [VP_FMT_REG_FILE] = ", .reg file",
                                       [VP_FMT_REG_LINES] = ", .reg line",
                                       [VP_FMT_REG_QUERY] = ", reg query output"};
    const char *fmt = fmts[r->in->format];
    const char *src = r->source;
    if (strcmp(src, "file") == 0)
        src = r->file;
    if (r->found->line)
        snprintf(buf, size, "%s (%s%s, line %zu, %s)", vp_value_name_str(r->found->which), src, fmt,
                 r->found->line, vp_encoding_str(r->in->encoding));
    else
        snprintf(buf, size, "%s (%s%s%s%s)", vp_value_name_str(r->found->which), src, fmt,
                 r->in->encoding == VP_ENC_UTF8 ? "" : ", ",
                 r->in->encoding == VP_ENC_UTF8 ? "" : vp_encoding_str(r->in->encoding));
    return buf;
}

static void text_diags(FILE *f, const struct vp_list *l, enum vp_severity sev, const char *title)
{
    size_t total = sev == VP_SEV_ERROR ? l->n_errors : l->n_warnings;
    if (total == 0)
        return;
    fprintf(f, "\n%s (%zu):\n", title, total);
    char msg[1024];
    size_t shown = 0;
    for (size_t i = 0; i < l->n_diags; i++) {
        if (l->diags[i].severity != sev)
            continue;
        vpr_diag_message(l, &l->diags[i], msg, sizeof msg, true);
        fprintf(f, "  %s\n", msg);
        shown++;
    }
    if (shown < total)
        fprintf(f, "  ... and %zu more\n", total - shown);
}

/* "Allowed:" one line per distinct name, its ranges and the entries. */
static void text_allowed(FILE *f, const struct vp_list *l)
{
    fprintf(f, "\nAllowed (%zu entr%s):\n", l->n_entries, l->n_entries == 1 ? "y" : "ies");
    if (l->n_entries == 0) {
        fprintf(f, "  nothing: the proxy can reach only RPC over HTTP servers on itself\n");
        return;
    }
    bool *done = calloc(l->n_entries, sizeof *done);
    if (!done)
        return;
    size_t width = 0;
    for (size_t i = 0; i < l->n_entries; i++) {
        size_t w = l->entries[i].name_len + l->entries[i].wildcard;
        if (w > width)
            width = w;
    }
    if (width > 40)
        width = 40;
    for (size_t i = 0; i < l->n_entries; i++) {
        if (done[i])
            continue;
        const struct vp_entry *e = &l->entries[i];
        char name[VP_NAME_MAX * 4 + 8];
        size_t pos = 0;
        esc_append(name, sizeof name, &pos, e->name, e->name_len, false);
        if (e->wildcard)
            cat(name, sizeof name, &pos, "*");
        fprintf(f, "  %-*s ", (int)width, name);
        const char *sep = "";
        for (size_t j = i; j < l->n_entries; j++) {
            const struct vp_entry *g = &l->entries[j];
            if (done[j] || g->wildcard != e->wildcard ||
                !vp_name_ieq(g->name, g->name_len, e->name, e->name_len))
                continue;
            done[j] = true;
            char rt[16];
            vpr_range_text(g->low, g->high, rt, sizeof rt);
            fprintf(f, "%s%s (entry %u)", sep, rt, g->index);
            sep = ", ";
        }
        if (e->wildcard && e->name_len == 0)
            fprintf(f, "  [wildcard: every server name]");
        else if (e->wildcard)
            fprintf(f, "  [wildcard: every name that starts with '%.*s']", (int)(pos - 1), name);
        else if (e->kind == VP_NAME_IPV4)
            fprintf(f, "  [IPv4 address: only clients that use this address]");
        fprintf(f, "\n");
    }
    free(done);
}

static void text_checks(FILE *f, const struct vpr_report *r)
{
    const struct vp_lint *L = r->lint;
    char pt[2048];
    ports_text(L->ports, L->n_ports, pt, sizeof pt);
    fprintf(f, "\nCheck (%zu name%s x ports %s):\n", L->n_names, L->n_names == 1 ? "" : "s", pt);
    size_t width = 0;
    for (size_t i = 0; i < L->n_names; i++)
        if (strlen(L->names[i]) > width)
            width = strlen(L->names[i]);
    if (width > 40)
        width = 40;
    for (size_t i = 0; i < L->n_names; i++) {
        const struct vp_check *c = &L->checks[i * L->n_ports];
        size_t ok = 0;
        for (size_t k = 0; k < L->n_ports; k++)
            ok += c[k].entry != NULL;
        const char *st = (L->ipv6_names >> i & 1u) ? "IPv6"
                         : ok == L->n_ports        ? "ok"
                         : ok == 0                 ? "MISSING"
                                                   : "PARTIAL";
        fprintf(f, "  %-*s %-8s", (int)width, L->names[i], st);
        const char *sep = " ";
        for (size_t k = 0; k < L->n_ports; k++)
            if (c[k].entry) {
                fprintf(f, "%s%u entry %u", sep, c[k].port, c[k].entry->index);
                sep = ", ";
            }
        if (ok < L->n_ports) {
            fprintf(f, "%s", ok ? "; missing " : " ");
            sep = "";
            for (size_t k = 0; k < L->n_ports; k++)
                if (!c[k].entry) {
                    fprintf(f, "%s%u", sep, c[k].port);
                    sep = ", ";
                }
        }
        fprintf(f, "\n");
    }
}

static void text_missing(FILE *f, const struct vpr_report *r)
{
    const struct vp_lint *L = r->lint;
    if (L->n_missing == 0)
        return;
    fprintf(f, "\nMissing (%zu of %zu name:port pairs not allowed); entries to add:\n", L->n_missing,
           L->n_checks);
    for (size_t i = 0; i < L->n_added; i++) {
        char rt[16];
        vpr_range_text(L->added[i].low, L->added[i].high, rt, sizeof rt);
        fprintf(f, "  %s:%s\n", L->names[L->added[i].name], rt);
    }
    for (size_t i = 0; i < L->n_names; i++)
        if (L->ipv6_names >> i & 1u)
            fprintf(f, "  %s: an IPv6 address; ValidPorts cannot allow it (clients must use a "
                   "host name)\n",
                   L->names[i]);
}

static void text_findings(FILE *f, const struct vpr_report *r)
{
    const struct vp_lint *L = r->lint;
    char a[VP_NAME_MAX + 16], b[VP_NAME_MAX + 16], rt[16];
    if (L->n_overlaps_total) {
        fprintf(f, "\nOverlapping entries (same name, shared ports):\n");
        for (size_t i = 0; i < L->n_overlaps; i++) {
            const struct vp_overlap *o = &L->overlaps[i];
            vpr_entry_text(o->a, a, sizeof a);
            vpr_entry_text(o->b, b, sizeof b);
            vpr_range_text(o->low, o->high, rt, sizeof rt);
            fprintf(f, "  entries %u '%s' and %u '%s' both allow port%s %s\n", o->a->index, a,
                   o->b->index, b, o->low == o->high ? "" : "s", rt);
        }
        if (L->n_overlaps < L->n_overlaps_total)
            fprintf(f, "  ... and %zu more\n", L->n_overlaps_total - L->n_overlaps);
    }
    if (L->n_redundant) {
        fprintf(f, "\nRedundant entries (other entries allow everything they allow; kept in the "
               "corrected value, remove them if you like):\n");
        for (size_t i = 0; i < L->n_redundant; i++) {
            vpr_entry_text(L->redundant[i].entry, a, sizeof a);
            fprintf(f, "  entry %u '%s', covered by entr%s", L->redundant[i].entry->index, a,
                   L->redundant[i].n_by == 1 ? "y" : "ies");
            for (size_t k = 0; k < L->redundant[i].n_by; k++)
                fprintf(f, "%s%u", k ? ", " : " ", L->redundant[i].by[k]->index);
            fprintf(f, "\n");
        }
    }
    if (L->n_unlisted) {
        fprintf(f, "\nEntries for names not in --names (informational: another server, or a name "
               "from before a rename?):\n");
        for (size_t i = 0; i < L->n_unlisted; i++) {
            vpr_entry_text(L->unlisted[i], a, sizeof a);
            fprintf(f, "  entry %u '%s'\n", L->unlisted[i]->index, a);
        }
    }
    if (L->n_wildcards) {
        fprintf(f, "\nWildcards that match the names (broad: they allow every name with that "
               "prefix):\n");
        for (size_t i = 0; i < L->n_wildcards; i++) {
            const struct vp_wildcard_note *w = &L->wildcards[i];
            vpr_entry_text(w->entry, a, sizeof a);
            fprintf(f, "  entry %u '%s' matches", w->entry->index, a);
            const char *sep = " ";
            for (size_t k = 0; k < L->n_names; k++)
                if (w->names >> k & 1u) {
                    fprintf(f, "%s%s", sep, L->names[k]);
                    sep = ", ";
                }
            fprintf(f, "\n");
        }
    }
}

static void render_text(FILE *f, const struct vpr_report *r)
{
    const struct vp_list *l = r->list;
    const struct vp_lint *L = r->lint;
    char desc[512];
    fprintf(f, "%s: %u entr%s\n", input_desc(r, desc, sizeof desc), l->n_pieces,
           l->n_pieces == 1 ? "y" : "ies");
    if (r->in->n_found > 1 || r->in->n_ignored) {
        fprintf(f, "  (also in the input:");
        for (size_t i = 0; i < r->in->n_found; i++)
            if (&r->in->found[i] != r->found)
                fprintf(f, " %s line %zu;", vp_value_name_str(r->in->found[i].which),
                       r->in->found[i].line);
        fprintf(f, " pick one with --value NAME)\n");
    }
    char *shown = malloc(l->text_len * 4 + 8);
    if (shown) {
        size_t pos = 0;
        esc_append(shown, l->text_len * 4 + 8, &pos, l->text, l->text_len, false);
        fprintf(f, "  %s\n", shown);
        free(shown);
    }
    text_diags(f, l, VP_SEV_ERROR, "Errors");
    text_diags(f, l, VP_SEV_WARNING, "Warnings");
    text_allowed(f, l);
    if (L->n_names) {
        text_checks(f, r);
        text_missing(f, r);
    }
    text_findings(f, r);
    if (L->changed || l->n_errors) {
        fprintf(f, "\nCorrected value:\n%s\n", L->corrected);
        if (l->n_broken)
            fprintf(f, "(%u broken entr%s left out: fix %s by hand if %s meant to allow "
                   "something)\n",
                   l->n_broken, l->n_broken == 1 ? "y" : "ies", l->n_broken == 1 ? "it" : "them",
                   l->n_broken == 1 ? "it was" : "they were");
        if (!L->corrected_fits)
            fprintf(f, "(longer than oaprobe's own limits of %u bytes / %u entries; check it "
                   "again in parts)\n",
                   VP_VALUE_MAX, VP_ENTRIES_MAX);
    } else if (L->n_names) {
        fprintf(f, "\nNo change needed.\n");
    }
    if (vpr_needs_remedy(r)) {
        struct sink s = {f, NULL};
        fprintf(f, "\nRemedy:\n");
        remedy(r, &s);
    }
    fprintf(f, "\nResult: ");
    if (r->exit_code == VPR_EXIT_SYNTAX)
        fprintf(f, "INVALID: the value has %zu error%s (exit 2)\n", l->n_errors,
               l->n_errors == 1 ? "" : "s");
    else if (r->exit_code == VPR_EXIT_MISSING)
        fprintf(f, "INCOMPLETE: %zu of %zu name:port pairs are not allowed (exit 1)\n", L->n_missing,
               L->n_checks);
    else if (L->n_names)
        fprintf(f, "COMPLETE: all %zu name:port pairs are allowed (exit 0)\n", L->n_checks);
    else
        fprintf(f, "PARSED: %zu valid entr%s; give --names to check completeness (exit 0)\n",
               l->n_entries, l->n_entries == 1 ? "y" : "ies");
}

char *vpr_render_text(const struct vpr_report *r)
{
    if (!r || !r->source || !r->in || !r->found || !r->list || !r->lint)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len); /* memory only: nothing is written out */
    if (!f)
        return NULL;
    render_text(f, r);
    bool bad = ferror(f) != 0;
    if (fclose(f) != 0 || bad) {
        free(text);
        return NULL;
    }
    return text;
}
