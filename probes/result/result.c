/*
 * result.c: the bounded result record of `oaprobe check` (see result.h).
 */
#include "probes/result/result.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const step_names[OA_STEP__COUNT] = {
    [OA_STEP_NONE] = "none",
#define OA_STEP_ROW_(e, name) [OA_STEP_##e] = name,
    OA_STEP_KINDS(OA_STEP_ROW_)
#undef OA_STEP_ROW_
};

static const struct {
    const char *name;
    enum oa_detail_type type;
} detail_table[OA_DETAIL__COUNT] = {
#define OA_DETAIL_ROW_(e, name, type) [OA_DETAIL_##e] = {name, OA_DT_##type},
    OA_DETAIL_KEYS(OA_DETAIL_ROW_)
#undef OA_DETAIL_ROW_
};

static int state_ok(enum oa_state s)
{
    return (int)s >= 0 && (int)s < OA_STATE__COUNT;
}

const char *oa_step_kind_name(enum oa_step_kind k)
{
    if ((int)k < 0 || (int)k >= OA_STEP__COUNT)
        return "none";
    return step_names[k];
}

int oa_step_kind_from_name(const char *name, enum oa_step_kind *out)
{
    if (name == NULL || out == NULL)
        return -1;
    for (int i = 0; i < OA_STEP__COUNT; i++) {
        if (strcmp(name, step_names[i]) == 0) {
            *out = (enum oa_step_kind)i;
            return 0;
        }
    }
    return -1;
}

const char *oa_detail_key_name(enum oa_detail_key k)
{
    if ((int)k < 0 || (int)k >= OA_DETAIL__COUNT)
        return NULL;
    return detail_table[k].name;
}

enum oa_detail_type oa_detail_key_type(enum oa_detail_key k)
{
    if ((int)k < 0 || (int)k >= OA_DETAIL__COUNT)
        return OA_DT_STR;
    return detail_table[k].type;
}

/* ---- lifetime ----------------------------------------------------------- */

/* The built form: the record first, then the room its pointers point into. */
struct oa_built {
    struct oa_result r;
    struct oa_step steps[OA_RESULT_MAX_STEPS];
    struct oa_diag diags[OA_RESULT_MAX_DIAGS];
    struct oa_perf perf[OA_RESULT_MAX_PERF];
    struct oa_detail details[OA_RESULT_MAX_STEPS][OA_STEP_MAX_DETAILS];
    char target[OA_TARGET_MAX];
    char step_server[OA_RESULT_MAX_STEPS][OA_SERVER_MAX];
    char diag_server[OA_RESULT_MAX_DIAGS][OA_SERVER_MAX];
    char message[OA_RESULT_MAX_DIAGS][OA_MESSAGE_MAX];
    char remedy[OA_RESULT_MAX_DIAGS][OA_REMEDY_MAX];
    struct {
        char label[OA_PERF_LABEL_MAX], uom[OA_PERF_UOM_MAX];
        char range[4][OA_PERF_RANGE_MAX]; /* warn, crit, min, max */
    } perf_text[OA_RESULT_MAX_PERF];
    char arena[OA_RESULT_ARENA];
};


struct oa_result *oa_result_new(const char *target, int64_t started_at_ms)
{
    struct oa_built *b = malloc(sizeof *b);
    if (b == NULL)
        return NULL;
    struct oa_result *r = &b->r;
    memset(r, 0, sizeof *r);
    r->target = b->target;
    r->steps = b->steps;
    r->diags = b->diags;
    r->perf = b->perf;
    r->arena = b->arena;
    r->mem_bytes = sizeof *b;
    for (size_t i = 0; i < OA_RESULT_MAX_STEPS; i++) {
        b->steps[i].server = b->step_server[i];
        b->steps[i].details = b->details[i];
        b->steps[i].details_cap = OA_STEP_MAX_DETAILS;
    }
    for (size_t i = 0; i < OA_RESULT_MAX_DIAGS; i++) {
        b->diags[i].server = b->diag_server[i];
        b->diags[i].message = b->message[i];
        b->diags[i].remedy = b->remedy[i];
        b->diags[i].remedy_cap = OA_REMEDY_MAX;
    }
    for (size_t i = 0; i < OA_RESULT_MAX_PERF; i++) {
        b->perf[i].label = b->perf_text[i].label;
        b->perf[i].uom = b->perf_text[i].uom;
        b->perf[i].warn = b->perf_text[i].range[0];
        b->perf[i].crit = b->perf_text[i].range[1];
        b->perf[i].min = b->perf_text[i].range[2];
        b->perf[i].max = b->perf_text[i].range[3];
    }
    oa_result_reset(r, target, started_at_ms);
    return r;
}

void oa_result_free(struct oa_result *r)
{
    free(r); /* both forms: the record is the start of its one allocation */
}

size_t oa_result_mem_bytes(const struct oa_result *r)
{
    return r != NULL ? r->mem_bytes : 0;
}

/*
 * The compact form is built in two passes over the same walk: the first
 * counts the bytes (pack.base == NULL), the second packs them into one
 * allocation. Every string is interned: an equal string already packed is
 * shared (the server names of twelve tunnel and bind steps, "HTTP/1.1 200
 * Success" in every tunnel, "" everywhere).
 */
#define PACK_MAX_STRS (1 + OA_RESULT_MAX_STEPS + 3 * OA_RESULT_MAX_DIAGS + 6 * OA_RESULT_MAX_PERF)

struct pack {
    char *base;     /* NULL: counting pass */
    size_t used;
    size_t nstrs;
    struct {
        const char *src;
        size_t len;
        char *dst;
    } strs[PACK_MAX_STRS];
};

static char empty_str[1]; /* "" of the compact form */

static void *pack_take(struct pack *k, size_t n, size_t align)
{
    k->used = (k->used + (align - 1)) & ~(align - 1);
    void *at = k->base != NULL ? k->base + k->used : NULL;
    k->used += n;
    return at;
}

static char *pack_str(struct pack *k, const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0)
        return empty_str;
    for (size_t i = 0; i < k->nstrs; i++)
        if (k->strs[i].len == n && memcmp(k->strs[i].src, s, n) == 0)
            return k->strs[i].dst;
    char *d = pack_take(k, n + 1, 1);
    if (d != NULL)
        memcpy(d, s, n + 1);
    if (k->nstrs < PACK_MAX_STRS) {
        k->strs[k->nstrs].src = s;
        k->strs[k->nstrs].len = n;
        k->strs[k->nstrs].dst = d;
        k->nstrs++;
    }
    return d;
}

/* The code table's default remedy when d still has it, else NULL. */
static const char *shared_remedy(const struct oa_diag *d)
{
    const char *def = oa_diag_default_remedy(d->code);
    return def != NULL && d->remedy[0] != '\0' && strcmp(def, d->remedy) == 0 ? def : NULL;
}

/* Is the text of string detail (si, dj) of r already the text of an
 * earlier string detail (*pi, *pj)? Linear, on equal lengths only. */
static bool same_text_before(const struct oa_result *r, size_t si, size_t dj, size_t *pi,
                             size_t *pj)
{
    const struct oa_detail *d = &r->steps[si].details[dj];
    const char *text = oa_result_detail_str(r, d);
    for (size_t i = 0; i <= si; i++) {
        size_t end = i == si ? dj : r->steps[i].ndetails;
        for (size_t j = 0; j < end; j++) {
            const struct oa_detail *e = &r->steps[i].details[j];
            if ((e->type != OA_DT_STR && e->type != OA_DT_STRLIST) || e->len != d->len)
                continue;
            const char *t = oa_result_detail_str(r, e);
            if (t != NULL && memcmp(t, text, d->len) == 0) {
                *pi = i;
                *pj = j;
                return true;
            }
        }
    }
    return false;
}

static bool is_text(const struct oa_detail *d)
{
    return d->type == OA_DT_STR || d->type == OA_DT_STRLIST;
}

/* One pass of oa_result_dup (see struct pack). Returns the record (NULL
 * when counting). */
static struct oa_result *pack_result(struct pack *k, const struct oa_result *r, size_t nsteps,
                                     size_t ndiags, size_t nperf)
{
    struct oa_result *c = pack_take(k, sizeof *c, 8);
    struct oa_step *steps = pack_take(k, nsteps * sizeof *steps, 8);
    struct oa_diag *diags = pack_take(k, ndiags * sizeof *diags, 8);
    struct oa_perf *perf = pack_take(k, nperf * sizeof *perf, 8);
    struct oa_detail *details[OA_RESULT_MAX_STEPS];
    for (size_t i = 0; i < nsteps; i++)
        details[i] = pack_take(k, r->steps[i].ndetails * sizeof(struct oa_detail), 8);
    /* strings: the fixed ones, then the details' texts (an arena of their own) */
    char *target = pack_str(k, r->target);
    char *step_server[OA_RESULT_MAX_STEPS];
    for (size_t i = 0; i < nsteps; i++)
        step_server[i] = pack_str(k, r->steps[i].server);
    char *dtext[OA_RESULT_MAX_DIAGS][3];
    for (size_t i = 0; i < ndiags; i++) {
        const char *shared = shared_remedy(&r->diags[i]);
        dtext[i][0] = pack_str(k, r->diags[i].server);
        dtext[i][1] = pack_str(k, r->diags[i].message);
        /* the table's text itself (read-only: remedy_cap is 0) */
        dtext[i][2] = shared != NULL ? (char *)(uintptr_t)shared : pack_str(k, r->diags[i].remedy);
    }
    char *ptext[OA_RESULT_MAX_PERF][6];
    for (size_t i = 0; i < nperf; i++) {
        const struct oa_perf *p = &r->perf[i];
        const char *t[6] = {p->label, p->uom, p->warn, p->crit, p->min, p->max};
        for (size_t j = 0; j < 6; j++)
            ptext[i][j] = pack_str(k, t[j]);
    }
    size_t arena_at = k->used, arena_used = 0;
    for (size_t i = 0; i < nsteps; i++)
        for (size_t j = 0; j < r->steps[i].ndetails; j++) {
            const struct oa_detail *d = &r->steps[i].details[j];
            size_t pi, pj;
            if (is_text(d) && oa_result_detail_str(r, d) != NULL &&
                !same_text_before(r, i, j, &pi, &pj)) {
                if (k->base != NULL) {
                    memcpy(k->base + arena_at + arena_used, oa_result_detail_str(r, d),
                           (size_t)d->len + 1);
                    details[i][j] = *d;
                    details[i][j].off = (uint32_t)arena_used;
                }
                arena_used += (size_t)d->len + 1;
            }
        }
    k->used += arena_used;
    if (k->base == NULL)
        return NULL;

    *c = *r;
    c->compact = 1;
    c->target = target;
    c->nsteps = nsteps;
    c->ndiags = ndiags;
    c->nperf = nperf;
    c->steps = steps;
    c->diags = diags;
    c->perf = perf;
    c->arena = arena_used > 0 ? k->base + arena_at : empty_str;
    c->arena_used = arena_used;
    for (size_t i = 0; i < nsteps; i++) {
        steps[i] = r->steps[i];
        steps[i].server = step_server[i];
        steps[i].details = details[i];
        steps[i].details_cap = 0;
        for (size_t j = 0; j < steps[i].ndetails; j++) {
            const struct oa_detail *d = &r->steps[i].details[j];
            size_t pi, pj;
            if (!is_text(d)) {
                details[i][j] = *d;
            } else if (oa_result_detail_str(r, d) == NULL) {
                details[i][j] = *d; /* not a record of the adders: keep it unreadable */
                details[i][j].off = UINT32_MAX;
            } else if (same_text_before(r, i, j, &pi, &pj)) {
                details[i][j] = *d;
                details[i][j].off = details[pi][pj].off;
            }
        }
    }
    for (size_t i = 0; i < ndiags; i++) {
        diags[i] = r->diags[i];
        diags[i].remedy_cap = 0;
        diags[i].server = dtext[i][0];
        diags[i].message = dtext[i][1];
        diags[i].remedy = dtext[i][2];
    }
    for (size_t i = 0; i < nperf; i++) {
        perf[i] = r->perf[i];
        perf[i].label = ptext[i][0];
        perf[i].uom = ptext[i][1];
        perf[i].warn = ptext[i][2];
        perf[i].crit = ptext[i][3];
        perf[i].min = ptext[i][4];
        perf[i].max = ptext[i][5];
    }
    return c;
}

struct oa_result *oa_result_dup(const struct oa_result *r)
{
    if (r == NULL)
        return NULL;
    size_t nsteps = r->nsteps < OA_RESULT_MAX_STEPS ? r->nsteps : OA_RESULT_MAX_STEPS;
    size_t ndiags = r->ndiags < OA_RESULT_MAX_DIAGS ? r->ndiags : OA_RESULT_MAX_DIAGS;
    size_t nperf = r->nperf < OA_RESULT_MAX_PERF ? r->nperf : OA_RESULT_MAX_PERF;
    struct pack *k = calloc(1, sizeof *k);
    if (k == NULL)
        return NULL;
    (void)pack_result(k, r, nsteps, ndiags, nperf);
    size_t need = k->used;
    memset(k, 0, sizeof *k);
    k->base = malloc(need);
    struct oa_result *c = NULL;
    if (k->base != NULL) {
        c = pack_result(k, r, nsteps, ndiags, nperf);
        c->mem_bytes = need;
    }
    free(k);
    return c;
}

int oa_result_reset(struct oa_result *r, const char *target,
                    int64_t started_at_ms)
{
    if (r == NULL || r->compact)
        return -1;
    /* The room is large; clear only the counters and the headers the
     * accessors read, not the whole 129 KiB. */
    oa_text_copy(r->target, OA_TARGET_MAX, target);
    r->started_at_ms = started_at_ms;
    r->duration_us = 0;
    r->nsteps = r->steps_dropped = 0;
    r->ndiags = r->diags_dropped = 0;
    r->nperf = r->perf_dropped = 0;
    r->arena_used = 0;
    r->arena[0] = '\0';
    return 0;
}

void oa_result_set_duration(struct oa_result *r, int64_t duration_us)
{
    if (r != NULL)
        r->duration_us = duration_us > 0 ? duration_us : 0;
}

/* ---- steps -------------------------------------------------------------- */

struct oa_step *oa_result_add_step(struct oa_result *r, enum oa_step_kind k,
                                   const char *server, uint16_t port)
{
    if (r == NULL || r->compact || (int)k <= OA_STEP_NONE || (int)k >= OA_STEP__COUNT)
        return NULL;
    if (r->nsteps >= OA_RESULT_MAX_STEPS) {
        r->steps_dropped++;
        return NULL;
    }
    struct oa_step *st = &r->steps[r->nsteps++];
    st->kind = k;
    st->status = OA_STATE_UNKNOWN;
    st->duration_us = 0;
    oa_text_copy(st->server, OA_SERVER_MAX, server);
    st->port = port;
    st->ndetails = 0;
    st->details_dropped = 0;
    return st;
}

struct oa_step *oa_result_find_step(struct oa_result *r, enum oa_step_kind k,
                                    const char *server, uint16_t port)
{
    if (r == NULL)
        return NULL;
    for (size_t i = 0; i < r->nsteps && i < OA_RESULT_MAX_STEPS; i++) {
        struct oa_step *st = &r->steps[i];
        if (st->kind != k)
            continue;
        if (server != NULL && oa_text_casecmp(server, st->server) != 0)
            continue;
        if (port != 0 && port != st->port)
            continue;
        return st;
    }
    return NULL;
}

int oa_step_finish(struct oa_step *st, enum oa_state status,
                   int64_t duration_us)
{
    if (st == NULL || !state_ok(status))
        return -1;
    st->status = status;
    st->duration_us = duration_us > 0 ? duration_us : 0;
    return 0;
}

int oa_step_raise(struct oa_step *st, enum oa_state s)
{
    if (st == NULL || !state_ok(s))
        return -1;
    st->status = st->status == OA_STATE_UNKNOWN ? s
                                                : oa_state_worst(st->status, s);
    return 0;
}

int oa_result_owns_step(const struct oa_result *r, const struct oa_step *st)
{
    if (r == NULL || st == NULL)
        return 0;
    uintptr_t p = (uintptr_t)st, base = (uintptr_t)r->steps;
    if (p < base || p >= base + r->nsteps * sizeof r->steps[0])
        return 0;
    if ((p - base) % sizeof r->steps[0] != 0)
        return 0;
    return (size_t)((p - base) / sizeof r->steps[0]) < r->nsteps;
}

/* A slot for key in st: the existing one for scalar keys, else a new one. */
static struct oa_detail *detail_slot(struct oa_step *st, enum oa_detail_key key)
{
    if (detail_table[key].type != OA_DT_STRLIST) {
        for (size_t i = 0; i < st->ndetails; i++)
            if (st->details[i].key == key)
                return &st->details[i];
    }
    if (st->ndetails >= st->details_cap || st->ndetails >= OA_STEP_MAX_DETAILS)
        return NULL;
    struct oa_detail *d = &st->details[st->ndetails++];
    memset(d, 0, sizeof *d);
    d->key = (uint8_t)key;
    d->type = (uint8_t)detail_table[key].type;
    return d;
}

static int detail_check(const struct oa_result *r, const struct oa_step *st,
                        enum oa_detail_key key)
{
    return r != NULL && !r->compact && oa_result_owns_step(r, st) && (int)key >= 0 &&
           (int)key < OA_DETAIL__COUNT;
}

int oa_step_add_strn(struct oa_result *r, struct oa_step *st,
                     enum oa_detail_key key, const char *value, size_t len)
{
    if (!detail_check(r, st, key) || value == NULL)
        return -1;
    enum oa_detail_type t = detail_table[key].type;
    if (t != OA_DT_STR && t != OA_DT_STRLIST)
        return -1;
    if (key == OA_DETAIL_AUTH_SCHEMES) {
        /* Scheme names only: never a token or a realm's neighbours. */
        const char *sp = memchr(value, ' ', len);
        if (sp != NULL)
            len = (size_t)(sp - value);
    }
    char tmp[OA_DETAIL_STR_MAX];
    size_t n = oa_text_copyn(tmp, sizeof tmp, value, len, NULL);
    if (r->arena_used > OA_RESULT_ARENA ||
        OA_RESULT_ARENA - r->arena_used < n + 1) {
        if (st->details_dropped < UINT16_MAX)
            st->details_dropped++;
        return -1;
    }
    struct oa_detail *d = detail_slot(st, key);
    if (d == NULL) {
        if (st->details_dropped < UINT16_MAX)
            st->details_dropped++;
        return -1;
    }
    memcpy(r->arena + r->arena_used, tmp, n + 1);
    d->off = (uint32_t)r->arena_used;
    d->len = (uint16_t)n;
    r->arena_used += n + 1;
    return 0;
}

int oa_step_add_str(struct oa_result *r, struct oa_step *st,
                    enum oa_detail_key key, const char *value)
{
    if (value == NULL)
        return -1;
    return oa_step_add_strn(r, st, key, value, strlen(value));
}

static int add_scalar(struct oa_result *r, struct oa_step *st,
                      enum oa_detail_key key, enum oa_detail_type want,
                      int64_t v)
{
    if (!detail_check(r, st, key) || detail_table[key].type != want)
        return -1;
    struct oa_detail *d = detail_slot(st, key);
    if (d == NULL) {
        if (st->details_dropped < UINT16_MAX)
            st->details_dropped++;
        return -1;
    }
    d->i = v;
    return 0;
}

int oa_step_add_int(struct oa_result *r, struct oa_step *st,
                    enum oa_detail_key key, int64_t value)
{
    return add_scalar(r, st, key, OA_DT_INT, value);
}

int oa_step_add_bool(struct oa_result *r, struct oa_step *st,
                     enum oa_detail_key key, int value)
{
    return add_scalar(r, st, key, OA_DT_BOOL, value != 0);
}

int oa_step_add_time(struct oa_result *r, struct oa_step *st,
                     enum oa_detail_key key, int64_t unix_seconds)
{
    return add_scalar(r, st, key, OA_DT_TIME, unix_seconds);
}

const struct oa_detail *oa_step_find_detail(const struct oa_step *st,
                                            enum oa_detail_key k)
{
    if (st == NULL)
        return NULL;
    for (size_t i = 0; i < st->ndetails && i < OA_STEP_MAX_DETAILS; i++)
        if (st->details[i].key == k)
            return &st->details[i];
    return NULL;
}

const char *oa_result_detail_str(const struct oa_result *r,
                                 const struct oa_detail *d)
{
    if (r == NULL || d == NULL ||
        (d->type != OA_DT_STR && d->type != OA_DT_STRLIST))
        return NULL;
    if ((size_t)d->off + d->len >= r->arena_used ||
        r->arena[d->off + d->len] != '\0')
        return NULL;
    return r->arena + d->off;
}

/* ---- diagnoses ---------------------------------------------------------- */

struct oa_diag *oa_result_add_diag(struct oa_result *r, enum oa_diag_code code,
                                   enum oa_step_kind step, const char *server,
                                   uint16_t port, const char *fmt, ...)
{
    if (r == NULL || r->compact || fmt == NULL || oa_diag_code_name(code) == NULL ||
        (int)step < 0 || (int)step >= OA_STEP__COUNT)
        return NULL;
    char srv[OA_SERVER_MAX];
    oa_text_copy(srv, sizeof srv, server);
    for (size_t i = 0; i < r->ndiags && i < OA_RESULT_MAX_DIAGS; i++) {
        struct oa_diag *d = &r->diags[i];
        if (d->code == code && d->step == step && d->port == port &&
            oa_text_casecmp(d->server, srv) == 0)
            return d;
    }
    if (r->ndiags >= OA_RESULT_MAX_DIAGS) {
        r->diags_dropped++;
        return NULL;
    }
    struct oa_diag *d = &r->diags[r->ndiags];
    d->code = code;
    d->severity = oa_diag_default_severity(code);
    d->step = step;
    memcpy(d->server, srv, sizeof srv);
    d->port = port;
    va_list ap;
    va_start(ap, fmt);
    int n = oa_text_vformat(d->message, OA_MESSAGE_MAX, fmt, ap);
    va_end(ap);
    if (n < 0)
        oa_text_copy(d->message, OA_MESSAGE_MAX, oa_diag_observed(code));
    oa_text_copy(d->remedy, OA_REMEDY_MAX, oa_diag_default_remedy(code));
    r->ndiags++;
    return d;
}

int oa_diag_set_remedy(struct oa_diag *d, const char *fmt, ...)
{
    if (d == NULL || fmt == NULL || d->remedy_cap < OA_REMEDY_MAX)
        return -1; /* a compact result's remedy has no room to change */
    char tmp[OA_REMEDY_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = oa_text_vformat(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    memcpy(d->remedy, tmp, (size_t)n + 1);
    return 0;
}

int oa_diag_set_severity(struct oa_diag *d, enum oa_state sev)
{
    if (d == NULL || !state_ok(sev) || sev == OA_STATE_SKIPPED)
        return -1;
    d->severity = sev;
    return 0;
}

const struct oa_diag *oa_result_worst_diag(const struct oa_result *r)
{
    if (r == NULL)
        return NULL;
    const struct oa_diag *w = NULL;
    for (size_t i = 0; i < r->ndiags && i < OA_RESULT_MAX_DIAGS; i++) {
        const struct oa_diag *d = &r->diags[i];
        if (w == NULL || oa_state_rank(d->severity) > oa_state_rank(w->severity))
            w = d;
    }
    return w;
}

/* ---- perfdata and status ------------------------------------------------ */

static int perf_range_ok(const char *s)
{
    if (s == NULL)
        return 1;
    size_t n = strlen(s);
    if (n >= OA_PERF_RANGE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strchr("0123456789.:~@-", s[i]) == NULL)
            return 0;
    return 1;
}

static int perf_uom_ok(const char *u)
{
    static const char *const ok[] = {"", "s", "ms", "us", "%", "B", "c"};
    if (u == NULL)
        return 1;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strcmp(u, ok[i]) == 0)
            return 1;
    return 0;
}

int oa_result_add_perf(struct oa_result *r, const char *label, int64_t value,
                       unsigned decimals, const char *uom, const char *warn,
                       const char *crit, const char *min, const char *max)
{
    if (r == NULL || r->compact || label == NULL || label[0] == '\0' || decimals > 9 ||
        !perf_uom_ok(uom) || !perf_range_ok(warn) || !perf_range_ok(crit) ||
        !perf_range_ok(min) || !perf_range_ok(max))
        return -1;
    char lab[OA_PERF_LABEL_MAX];
    int cut = 0;
    size_t n = oa_text_copyn(lab, sizeof lab, label, strlen(label), &cut);
    if (cut)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)lab[i];
        if (c == '=' || c == '\'' || c < 0x20 || c == 0x7f)
            lab[i] = '_';
    }
    for (size_t i = 0; i < r->nperf && i < OA_RESULT_MAX_PERF; i++)
        if (strcmp(r->perf[i].label, lab) == 0)
            return -1;
    if (r->nperf >= OA_RESULT_MAX_PERF) {
        r->perf_dropped++;
        return -1;
    }
    struct oa_perf *p = &r->perf[r->nperf++];
    memcpy(p->label, lab, n + 1);
    p->value = value;
    p->decimals = decimals;
    oa_text_copy(p->uom, OA_PERF_UOM_MAX, uom);
    oa_text_copy(p->warn, OA_PERF_RANGE_MAX, warn);
    oa_text_copy(p->crit, OA_PERF_RANGE_MAX, crit);
    oa_text_copy(p->min, OA_PERF_RANGE_MAX, min);
    oa_text_copy(p->max, OA_PERF_RANGE_MAX, max);
    return 0;
}

enum oa_state oa_result_status(const struct oa_result *r)
{
    if (r == NULL)
        return OA_STATE_UNKNOWN;
    enum oa_state s = OA_STATE_SKIPPED;
    for (size_t i = 0; i < r->nsteps && i < OA_RESULT_MAX_STEPS; i++)
        s = oa_state_worst(s, r->steps[i].status);
    for (size_t i = 0; i < r->ndiags && i < OA_RESULT_MAX_DIAGS; i++)
        s = oa_state_worst(s, r->diags[i].severity);
    return s == OA_STATE_SKIPPED ? OA_STATE_UNKNOWN : s;
}
