/*
 * result.c: the bounded result record of `oaprobe check` (see result.h).
 */
#include "probes/result/result.h"

#include <stdarg.h>
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

struct oa_result *oa_result_new(const char *target, int64_t started_at_ms)
{
    struct oa_result *r = malloc(sizeof *r);
    if (r == NULL)
        return NULL;
    oa_result_reset(r, target, started_at_ms);
    return r;
}

void oa_result_free(struct oa_result *r)
{
    free(r);
}

int oa_result_reset(struct oa_result *r, const char *target,
                    int64_t started_at_ms)
{
    if (r == NULL)
        return -1;
    /* The arrays are large; clear only the counters and the headers the
     * accessors read, not the whole 150 KB. */
    oa_text_copy(r->target, sizeof r->target, target);
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
    if (r == NULL || (int)k <= OA_STEP_NONE || (int)k >= OA_STEP__COUNT)
        return NULL;
    if (r->nsteps >= OA_RESULT_MAX_STEPS) {
        r->steps_dropped++;
        return NULL;
    }
    struct oa_step *st = &r->steps[r->nsteps++];
    st->kind = k;
    st->status = OA_STATE_UNKNOWN;
    st->duration_us = 0;
    oa_text_copy(st->server, sizeof st->server, server);
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
    if (p < base || p >= base + sizeof r->steps)
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
    if (st->ndetails >= OA_STEP_MAX_DETAILS)
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
    return oa_result_owns_step(r, st) && (int)key >= 0 && (int)key < OA_DETAIL__COUNT;
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
        st->details_dropped++;
        return -1;
    }
    struct oa_detail *d = detail_slot(st, key);
    if (d == NULL) {
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
    if (r == NULL || fmt == NULL || oa_diag_code_name(code) == NULL ||
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
    memcpy(d->server, srv, sizeof d->server);
    d->port = port;
    va_list ap;
    va_start(ap, fmt);
    int n = oa_text_vformat(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
    if (n < 0)
        oa_text_copy(d->message, sizeof d->message, oa_diag_observed(code));
    oa_text_copy(d->remedy, sizeof d->remedy, oa_diag_default_remedy(code));
    r->ndiags++;
    return d;
}

int oa_diag_set_remedy(struct oa_diag *d, const char *fmt, ...)
{
    if (d == NULL || fmt == NULL)
        return -1;
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
    if (r == NULL || label == NULL || label[0] == '\0' || decimals > 9 ||
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
    oa_text_copy(p->uom, sizeof p->uom, uom);
    oa_text_copy(p->warn, sizeof p->warn, warn);
    oa_text_copy(p->crit, sizeof p->crit, crit);
    oa_text_copy(p->min, sizeof p->min, min);
    oa_text_copy(p->max, sizeof p->max, max);
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
