/*
 * vp_lint.c: completeness, overlap and redundancy checks of a ValidPorts list,
 * and the corrected value (see vp_lint.h).
 */
#include "probes/validports/vp_lint.h"

#include <stdlib.h>
#include <string.h>

#include "probes/validports/vp_match.h"

static const uint16_t default_ports[] = {6001, 6002, 6004};

/* A set of ports 0..65535 as a bitmap. */
struct portset {
    uint8_t bits[65536 / 8];
};

static void ps_add(struct portset *s, unsigned p)
{
    s->bits[p >> 3] |= (uint8_t)(1u << (p & 7u));
}

static bool ps_has(const struct portset *s, unsigned p)
{
    return (s->bits[p >> 3] >> (p & 7u)) & 1u;
}

int vp_ports_parse(const char *spec, uint16_t *ports, size_t cap, size_t *n, size_t *err_off,
                   const char **why)
{
    const char *dummy;
    size_t doff;
    if (!why)
        why = &dummy;
    if (!err_off)
        err_off = &doff;
    *err_off = 0;
    if (!spec || !ports || !n) {
        *why = "NULL argument";
        return WIRE_INVALID;
    }
    *n = 0;
    struct portset *set = calloc(1, sizeof *set);
    if (!set)
        return VP_NOMEM;
    size_t count = 0, i = 0;
    int rc = 0;
    for (;;) {
        unsigned long v[2] = {0, 0};
        int k = 0;
        while (spec[i] == ' ' || spec[i] == '\t')
            i++;
        for (;; k++) {
            size_t start = i;
            while (spec[i] >= '0' && spec[i] <= '9') {
                if (v[k] <= 65535u)
                    v[k] = v[k] * 10u + (unsigned long)(spec[i] - '0');
                i++;
            }
            *err_off = start;
            if (i == start) {
                *why = k == 1                                ? "a range has no high port"
                       : spec[i] == '-'                     ? "a range has no low port"
                       : spec[i] == ',' || spec[i] == '\0' ? "an item of the port list is empty"
                                                            : "a port is not a number";
                rc = WIRE_INVALID;
                goto out;
            }
            if (v[k] == 0 || v[k] > 65535u) {
                *why = "a port is out of range (1-65535)";
                rc = WIRE_INVALID;
                goto out;
            }
            if (k == 1 || spec[i] != '-')
                break;
            i++;
        }
        if (k == 0)
            v[1] = v[0];
        if (v[0] > v[1]) {
            *why = "a range has its low port above its high port";
            rc = WIRE_INVALID;
            goto out;
        }
        while (spec[i] == ' ' || spec[i] == '\t')
            i++;
        if (spec[i] != ',' && spec[i] != '\0') {
            *err_off = i;
            *why = "a port is not a number";
            rc = WIRE_INVALID;
            goto out;
        }
        for (unsigned long p = v[0]; p <= v[1]; p++) {
            if (!ps_has(set, (unsigned)p)) {
                if (++count > cap) {
                    *why = "the port list has more ports than the limit";
                    rc = WIRE_TOOBIG;
                    goto out;
                }
                ps_add(set, (unsigned)p);
            }
        }
        if (spec[i] == '\0')
            break;
        i++;
    }
    for (unsigned byte = 0; byte < sizeof set->bits; byte++)
        for (unsigned bit = 0; set->bits[byte] && bit < 8; bit++)
            if ((set->bits[byte] >> bit) & 1u)
                ports[(*n)++] = (uint16_t)(byte * 8 + bit);
out:
    free(set);
    return rc;
}

void vp_lint_free(struct vp_lint *lint)
{
    if (!lint)
        return;
    for (size_t i = 0; i < lint->n_names; i++)
        free(lint->names[i]);
    free(lint->names);
    free(lint->ports);
    free(lint->checks);
    free(lint->added);
    free(lint->overlaps);
    for (size_t i = 0; i < lint->n_redundant; i++)
        free(lint->redundant[i].by);
    free(lint->redundant);
    free(lint->unlisted);
    free(lint->wildcards);
    free(lint->corrected);
    free(lint);
}

/* Copies, validates and deduplicates the client names. */
static int take_names(struct vp_lint *l, const struct vp_lint_opts *o, const char **why)
{
    if (o->n_names > VP_LINT_MAX_NAMES) {
        *why = "more than 64 client names";
        return WIRE_TOOBIG;
    }
    if (o->n_names && !o->names) {
        *why = "NULL name list";
        return WIRE_INVALID;
    }
    l->names = calloc(o->n_names ? o->n_names : 1, sizeof *l->names);
    if (!l->names)
        return VP_NOMEM;
    for (size_t i = 0; i < o->n_names; i++) {
        const char *nm = o->names[i];
        bool v6 = false;
        if (!nm) {
            *why = "NULL client name";
            return WIRE_INVALID;
        }
        size_t len = strlen(nm);
        if (vp_name_check(nm, len, &v6, why) != 0)
            return WIRE_INVALID;
        bool dup = false;
        for (size_t k = 0; k < l->n_names && !dup; k++)
            dup = vp_name_ieq(l->names[k], strlen(l->names[k]), nm, len);
        if (dup)
            continue;
        if (!(l->names[l->n_names] = malloc(len + 1)))
            return VP_NOMEM;
        memcpy(l->names[l->n_names], nm, len + 1);
        if (v6)
            l->ipv6_names |= UINT64_C(1) << l->n_names;
        l->n_names++;
    }
    return 0;
}

/* Copies the required ports, sorted and unique. */
static int take_ports(struct vp_lint *l, const struct vp_lint_opts *o, const char **why)
{
    const uint16_t *p = default_ports;
    size_t n = sizeof default_ports / sizeof default_ports[0];
    if (o->ports && o->n_ports) {
        p = o->ports;
        n = o->n_ports;
    }
    if (n > VP_LINT_MAX_PORTS) {
        *why = "more than 256 required ports";
        return WIRE_TOOBIG;
    }
    l->ports = malloc(n * sizeof *l->ports);
    if (!l->ports)
        return VP_NOMEM;
    for (size_t i = 0; i < n; i++) { /* insertion sort, dropping duplicates */
        if (p[i] == 0) {
            *why = "port 0 in the required ports";
            return WIRE_INVALID;
        }
        size_t k = l->n_ports;
        while (k > 0 && l->ports[k - 1] > p[i])
            k--;
        if (k > 0 && l->ports[k - 1] == p[i])
            continue;
        memmove(l->ports + k + 1, l->ports + k, (l->n_ports - k) * sizeof *l->ports);
        l->ports[k] = p[i];
        l->n_ports++;
    }
    return 0;
}

/* Checks every (name, port) and plans the additions. */
static int check_pairs(struct vp_lint *l, const struct vp_list *list)
{
    l->n_checks = l->n_names * l->n_ports;
    l->checks = calloc(l->n_checks ? l->n_checks : 1, sizeof *l->checks);
    l->added = calloc(l->n_checks ? l->n_checks : 1, sizeof *l->added);
    if (!l->checks || !l->added)
        return VP_NOMEM;
    for (size_t i = 0; i < l->n_names; i++) {
        bool v6 = (l->ipv6_names >> i) & 1u;
        struct vp_addition *run = NULL;
        for (size_t k = 0; k < l->n_ports; k++) {
            struct vp_check *c = &l->checks[i * l->n_ports + k];
            c->name = i;
            c->port = l->ports[k];
            if (vp_allows(list, l->names[i], c->port, &c->entry)) {
                run = NULL;
                continue;
            }
            l->n_missing++;
            if (v6)
                continue;
            if (run && run->high + 1u == c->port) {
                run->high = c->port;
                continue;
            }
            run = &l->added[l->n_added++];
            run->name = i;
            run->low = run->high = c->port;
        }
    }
    l->complete = l->n_missing == 0;
    return 0;
}

static bool same_name(const struct vp_entry *a, const struct vp_entry *b)
{
    return a->wildcard == b->wildcard && vp_name_ieq(a->name, a->name_len, b->name, b->name_len);
}

static int find_overlaps(struct vp_lint *l, const struct vp_list *list)
{
    l->overlaps = calloc(VP_LINT_MAX_OVERLAPS, sizeof *l->overlaps);
    if (!l->overlaps)
        return VP_NOMEM;
    for (size_t i = 0; i < list->n_entries; i++)
        for (size_t j = i + 1; j < list->n_entries; j++) {
            const struct vp_entry *a = &list->entries[i], *b = &list->entries[j];
            if (!same_name(a, b) || a->high < b->low || b->high < a->low)
                continue;
            l->n_overlaps_total++;
            if (l->n_overlaps == VP_LINT_MAX_OVERLAPS)
                continue;
            struct vp_overlap *o = &l->overlaps[l->n_overlaps++];
            o->a = a;
            o->b = b;
            o->low = a->low > b->low ? a->low : b->low;
            o->high = a->high < b->high ? a->high : b->high;
        }
    return 0;
}

/* Does f allow every server name that e allows? */
static bool covers_names(const struct vp_entry *f, const struct vp_entry *e)
{
    if (e->wildcard)
        return f->wildcard && vp_name_iprefix(f->name, f->name_len, e->name, e->name_len);
    if (f->wildcard)
        return vp_name_iprefix(f->name, f->name_len, e->name, e->name_len);
    return vp_name_ieq(f->name, f->name_len, e->name, e->name_len);
}

struct span {
    uint16_t low, high;
};

static int cmp_span(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    return (x->low > y->low) - (x->low < y->low);
}

/*
 * Redundant entries, from the last to the first: an entry is redundant when
 * the entries still kept cover every name and port it allows. Walking
 * backwards marks the later copy of a duplicate, not both.
 */
static int find_redundant(struct vp_lint *l, const struct vp_list *list)
{
    size_t n = list->n_entries;
    bool *dropped = calloc(n ? n : 1, sizeof *dropped);
    struct span *sp = calloc(n ? n : 1, sizeof *sp);
    size_t *idx = calloc(n ? n : 1, sizeof *idx);
    l->redundant = calloc(n ? n : 1, sizeof *l->redundant);
    int rc = 0;
    if (!dropped || !sp || !idx || !l->redundant) {
        rc = VP_NOMEM;
        goto out;
    }
    for (size_t i = n; i-- > 0;) {
        const struct vp_entry *e = &list->entries[i];
        size_t m = 0;
        for (size_t j = 0; j < n; j++) {
            const struct vp_entry *f = &list->entries[j];
            if (j == i || dropped[j] || f->high < e->low || e->high < f->low ||
                !covers_names(f, e))
                continue;
            sp[m].low = f->low > e->low ? f->low : e->low;
            sp[m].high = f->high < e->high ? f->high : e->high;
            idx[m++] = j;
        }
        if (m == 0)
            continue;
        qsort(sp, m, sizeof *sp, cmp_span);
        uint32_t next = e->low;
        for (size_t k = 0; k < m && next <= e->high; k++) {
            if (sp[k].low > next)
                break;
            if (sp[k].high + 1u > next)
                next = sp[k].high + 1u;
        }
        if (next <= e->high)
            continue;
        dropped[i] = true;
        struct vp_redundant *r = &l->redundant[l->n_redundant++];
        r->entry = e;
        r->by = malloc(m * sizeof *r->by);
        if (!r->by) {
            rc = VP_NOMEM;
            goto out;
        }
        for (size_t k = 0; k < m; k++)
            r->by[k] = &list->entries[idx[k]];
        r->n_by = m;
    }
    for (size_t a = 0, b = l->n_redundant; a + 1 < b; a++, b--) {
        struct vp_redundant t = l->redundant[a];
        l->redundant[a] = l->redundant[b - 1];
        l->redundant[b - 1] = t;
    }
out:
    free(dropped);
    free(sp);
    free(idx);
    return rc;
}

/* Entries matching none of the names; wildcards matching some. */
static int find_notes(struct vp_lint *l, const struct vp_list *list)
{
    size_t n = list->n_entries;
    l->unlisted = calloc(n ? n : 1, sizeof *l->unlisted);
    l->wildcards = calloc(n ? n : 1, sizeof *l->wildcards);
    if (!l->unlisted || !l->wildcards)
        return VP_NOMEM;
    if (l->n_names == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        const struct vp_entry *e = &list->entries[i];
        uint64_t mask = 0;
        for (size_t k = 0; k < l->n_names; k++)
            if (vp_entry_matches_name(e, l->names[k], strlen(l->names[k])))
                mask |= UINT64_C(1) << k;
        if (!mask)
            l->unlisted[l->n_unlisted++] = e;
        else if (e->wildcard) {
            l->wildcards[l->n_wildcards].entry = e;
            l->wildcards[l->n_wildcards++].names = mask;
        }
    }
    return 0;
}

/* Appends "sep text" to the corrected value being built. */
static void put(struct vp_lint *l, const char *s, size_t n)
{
    if (l->corrected_len)
        l->corrected[l->corrected_len++] = ';';
    memcpy(l->corrected + l->corrected_len, s, n);
    l->corrected_len += n;
    l->corrected[l->corrected_len] = '\0';
    l->corrected_entries++;
}

static int build_corrected(struct vp_lint *l, const struct vp_list *list)
{
    size_t size = 1;
    for (size_t i = 0; i < list->n_entries; i++)
        size += vp_entry_format(&list->entries[i], NULL, 0) + 1;
    for (size_t i = 0; i < l->n_added; i++)
        size += strlen(l->names[l->added[i].name]) + 13;
    l->corrected = malloc(size);
    if (!l->corrected)
        return VP_NOMEM;
    l->corrected[0] = '\0';
    char buf[VP_NAME_MAX + 16];
    for (size_t i = 0; i < list->n_entries; i++) {
        size_t n = vp_entry_format(&list->entries[i], buf, sizeof buf);
        put(l, buf, n);
    }
    for (size_t i = 0; i < l->n_added; i++) {
        struct vp_entry e;
        memset(&e, 0, sizeof e);
        const char *nm = l->names[l->added[i].name];
        e.name_len = strlen(nm);
        memcpy(e.name, nm, e.name_len + 1);
        e.low = l->added[i].low;
        e.high = l->added[i].high;
        size_t n = vp_entry_format(&e, buf, sizeof buf);
        put(l, buf, n);
    }
    l->corrected_fits = l->corrected_len <= VP_VALUE_MAX &&
                        l->corrected_entries <= VP_ENTRIES_MAX;
    l->changed = l->corrected_len != list->text_len ||
                 memcmp(l->corrected, list->text, l->corrected_len) != 0;
    return 0;
}

int vp_lint_run(const struct vp_list *list, const struct vp_lint_opts *opts,
                struct vp_lint **out, const char **why)
{
    const char *dummy;
    static const struct vp_lint_opts none = {NULL, 0, NULL, 0};
    if (!why)
        why = &dummy;
    if (out)
        *out = NULL;
    if (!list || !out) {
        *why = "NULL argument";
        return WIRE_INVALID;
    }
    if (!opts)
        opts = &none;
    struct vp_lint *l = calloc(1, sizeof *l);
    if (!l)
        return VP_NOMEM;
    int rc = take_names(l, opts, why);
    if (!rc)
        rc = take_ports(l, opts, why);
    if (!rc)
        rc = check_pairs(l, list);
    if (!rc)
        rc = find_overlaps(l, list);
    if (!rc)
        rc = find_redundant(l, list);
    if (!rc)
        rc = find_notes(l, list);
    if (!rc)
        rc = build_corrected(l, list);
    if (rc) {
        if (rc == VP_NOMEM)
            *why = "out of memory";
        vp_lint_free(l);
        return rc;
    }
    *out = l;
    return 0;
}
