/*
 * config_maint.c: maintenance windows in the configuration and in API
 * bodies (config.h struct cfg_maint):
 *
 *   - name: exchange-patching
 *     targets: [contoso-mail]          # names, and/or
 *     labels: {site: hq}               # every pair must match
 *     start: 2026-12-05T22:00:00Z      # one-off: start and end (RFC 3339)
 *     end: 2026-12-06T02:00:00+01:00
 *   - recurring: "sat 22:00-02:00"     # or days/from/to|duration:
 *     days: [sat, sun]                 #   mon..sun, daily, weekdays, weekends
 *     from: "22:00"
 *     to: "02:00"                      #   (next day when earlier than from)
 *     duration: 4h
 *     time_zone: Europe/Berlin         # the TZ database; UTC by default
 *     reason: System Attendant restart
 */
#define _GNU_SOURCE /* timegm */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "probes/common/ascii.h"
#include "service/config_int.h"

#define MAINT_DURATION_MAX (7ull * 86400000ull)
#define ZONEINFO "/usr/share/zoneinfo/"

void cfg_maint_clear(struct cfg_maint *m)
{
    if (m == NULL)
        return;
    free(m->name);
    free(m->tz);
    for (size_t i = 0; i < m->n_targets; i++)
        free(m->targets[i]);
    free(m->targets);
    for (size_t i = 0; i < m->n_match; i++) {
        free(m->match[i].key);
        free(m->match[i].value);
    }
    free(m->match);
    free(m->reason);
    memset(m, 0, sizeof *m);
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!ascii_isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int cfg_rfc3339_parse(const char *s, int64_t *ms)
{
    if (s == NULL || strlen(s) < 20)
        return -1;
    int Y = digits(s, 4), M = digits(s + 5, 2), D = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
    if (Y < 1970 || Y > 9999 || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || mi > 59 ||
        se > 60 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':' || h < 0 || mi < 0 || se < 0)
        return -1;
    const char *p = s + 19;
    int frac = 0, scale = 1000;
    if (*p == '.') {
        p++;
        if (!ascii_isdigit((unsigned char)*p))
            return -1;
        for (; ascii_isdigit((unsigned char)*p); p++)
            if (scale > 1) {
                scale /= 10;
                frac += (*p - '0') * scale;
            }
    }
    int off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6) {
        int oh = digits(p + 1, 2), om = p[3] == ':' ? digits(p + 4, 2) : -1;
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return -1;
        off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D,
                    .tm_hour = h, .tm_min = mi, .tm_sec = se > 59 ? 59 : se};
    time_t t = timegm(&tm);
    if (tm.tm_mday != D) /* 31 February */
        return -1;
    *ms = ((int64_t)t - (int64_t)off * 60) * 1000 + frac;
    return 0;
}

/* "HH:MM" into minutes after midnight. */
static int hhmm(const char *s, size_t n)
{
    if (n != 5 || s[2] != ':')
        return -1;
    int h = digits(s, 2), m = digits(s + 3, 2);
    return h < 0 || h > 23 || m < 0 || m > 59 ? -1 : h * 60 + m;
}

static const char *const day_names[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

/* One day word: mon..sun (or monday..), daily, weekdays, weekends. */
static int day_bits(const char *s, size_t n)
{
    char w[16];
    if (n == 0 || n >= sizeof w)
        return -1;
    for (size_t i = 0; i < n; i++)
        w[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    w[n] = '\0';
    if (strcmp(w, "daily") == 0 || strcmp(w, "*") == 0)
        return 0x7f;
    if (strcmp(w, "weekdays") == 0)
        return 0x3e;
    if (strcmp(w, "weekends") == 0)
        return 0x41;
    static const char *const full[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                        "thursday", "friday", "saturday"};
    for (int i = 0; i < 7; i++)
        if (strcmp(w, day_names[i]) == 0 || strcmp(w, full[i]) == 0)
            return 1 << i;
    return -1;
}

/* "sat,sun" or "mon-fri" into bits. */
static int days_list(const char *s, size_t n)
{
    int bits = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != ',')
            j++;
        const char *dash = memchr(s + i, '-', j - i);
        if (dash != NULL) { /* mon-fri */
            int a = day_bits(s + i, (size_t)(dash - s - (ptrdiff_t)i));
            int b = day_bits(dash + 1, (size_t)(s + j - dash - 1));
            if (a <= 0 || b <= 0 || (a & (a - 1)) || (b & (b - 1)))
                return -1;
            int ia = __builtin_ctz((unsigned)a), ib = __builtin_ctz((unsigned)b);
            for (int k = ia;; k = (k + 1) % 7) {
                bits |= 1 << k;
                if (k == ib)
                    break;
            }
        } else {
            int b = day_bits(s + i, j - i);
            if (b < 0)
                return -1;
            bits |= b;
        }
        i = j + 1;
    }
    return bits;
}

/* to (minutes) after from: the same day, or the next when earlier. */
static uint64_t span_ms(int from, int to)
{
    int d = to - from;
    if (d <= 0)
        d += 1440;
    return (uint64_t)d * 60000u;
}

/* "sat 22:00-02:00", "mon-fri 01:00+2h", "daily 03:00-03:30". */
static const char *recurring_parse(struct cfg_maint *m, const char *s)
{
    const char *sp = strchr(s, ' ');
    if (sp == NULL)
        return "wants \"DAYS HH:MM-HH:MM\" or \"DAYS HH:MM+DURATION\" (e.g. \"sat 22:00-02:00\")";
    int bits = days_list(s, (size_t)(sp - s));
    if (bits <= 0)
        return "bad days (mon..sun, mon-fri, sat,sun, daily, weekdays, weekends)";
    while (*sp == ' ')
        sp++;
    int from = hhmm(sp, strlen(sp) >= 5 ? 5 : strlen(sp));
    if (from < 0 || (sp[5] != '-' && sp[5] != '+'))
        return "bad time (HH:MM-HH:MM or HH:MM+DURATION)";
    uint64_t dur = 0;
    if (sp[5] == '-') {
        int to = hhmm(sp + 6, strlen(sp + 6));
        if (to < 0)
            return "bad end time (HH:MM)";
        dur = span_ms(from, to);
    } else if (cfg_duration_parse(sp + 6, &dur) < 0 || dur < 60000 || dur > MAINT_DURATION_MAX) {
        return "bad duration (1m to 7d, e.g. 2h or 1h30m)";
    }
    m->days = (unsigned)bits;
    m->from_min = (unsigned)from;
    m->duration_ms = dur;
    return NULL;
}

static bool tz_ok(const char *tz)
{
    if (strcmp(tz, "UTC") == 0)
        return true;
    size_t n = strlen(tz);
    if (n == 0 || n > 64 || tz[0] == '/' || strstr(tz, "..") != NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!ascii_isalnum((unsigned char)tz[i]) && strchr("/_+-", tz[i]) == NULL)
            return false;
    char path[128];
    snprintf(path, sizeof path, ZONEINFO "%s", tz);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool str_list(struct cfg_ctx *ctx, const yaml_node_t *n, const char *path, char ***out,
                     size_t *count)
{
    size_t len = n->type == YAML_SEQUENCE_NODE
                     ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
                     : 1;
    if (len == 0 || len > 1024) {
        cfg_node_err(ctx, n, path, "wants 1 to 1024 names");
        return false;
    }
    char **v = calloc(len, sizeof *v);
    if (v == NULL) {
        ctx->oom = true;
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < len && ok; i++) {
        char sub[CFG_PATH_MAX];
        const yaml_node_t *item = n;
        if (n->type == YAML_SEQUENCE_NODE)
            item = cfg_node(ctx, n->data.sequence.items.start[i],
                            cfg_path_index(sub, sizeof sub, path, i));
        else
            snprintf(sub, sizeof sub, "%s", path);
        v[i] = item ? cfg_scalar(ctx, item, sub, true, "a target name") : NULL;
        if (v[i] != NULL && !cfg_name_ok(v[i])) {
            cfg_node_err(ctx, item, sub, "\"%.80s\" is not a valid target name", v[i]);
            ok = false;
        }
        ok = ok && v[i] != NULL;
    }
    if (!ok) {
        for (size_t i = 0; i < len; i++)
            free(v[i]);
        free(v);
        return false;
    }
    *out = v;
    *count = len;
    return true;
}

/* The match: labels; the first bad one ends the walk (an alias too, so
 * not cfg_map_each). */
static bool selector(struct cfg_ctx *ctx, struct cfg_maint *m, const yaml_node_t *n,
                     const char *path)
{
    size_t len;
    m->match = cfg_map_alloc(ctx, n, path, CFG_LABELS_MAX, sizeof *m->match, &len);
    if (m->match == NULL)
        return false;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = cfg_key(ctx, p);
        char sub[CFG_PATH_MAX];
        cfg_path(sub, sizeof sub, path, k);
        yaml_node_t *v = cfg_node(ctx, p->value, sub);
        char *val = v ? cfg_scalar(ctx, v, sub, true, "a label value") : NULL;
        if (val == NULL)
            return false;
        m->match[m->n_match].key = strdup(k);
        m->match[m->n_match].value = val;
        if (m->match[m->n_match].key == NULL) {
            free(val);
            ctx->oom = true;
            return false;
        }
        m->n_match++;
    }
    return true;
}

/* One window's walk: the window, and the keys judged together afterwards. */
struct maint_walk {
    struct cfg_maint *m;
    struct cfg_kept start, end, days, from, to, dur, rec, tz;
};

static bool key_name(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    struct cfg_maint *m = ((struct maint_walk *)obj)->m;
    char *s = cfg_scalar(ctx, p->value, p->path, true, "a name");
    if (s != NULL && !cfg_name_ok(s)) {
        cfg_node_err(ctx, p->value, p->path, "\"%.80s\" is not a valid name", s);
        free(s);
        s = NULL;
    }
    free(m->name);
    m->name = s;
    return s != NULL;
}

static bool key_targets(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    struct cfg_maint *m = ((struct maint_walk *)obj)->m;
    if (m->targets != NULL) /* a duplicate key is reported; the first wins */
        return true;
    return str_list(ctx, p->value, p->path, &m->targets, &m->n_targets);
}

static bool key_labels(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    struct cfg_maint *m = ((struct maint_walk *)obj)->m;
    return m->match != NULL || selector(ctx, m, p->value, p->path);
}

static bool key_reason(struct cfg_ctx *ctx, void *obj, const struct cfg_pair *p)
{
    struct cfg_maint *m = ((struct maint_walk *)obj)->m;
    free(m->reason);
    m->reason = cfg_scalar(ctx, p->value, p->path, true, "a string");
    return m->reason != NULL;
}

#define KEPT(k, field) {k, cfg_key_keep, offsetof(struct maint_walk, field), NULL}
static const struct cfg_key maint_keys[] = {
    {"name", key_name, 0, NULL},       {"targets", key_targets, 0, NULL},
    {"labels", key_labels, 0, NULL},   KEPT("start", start),
    KEPT("end", end),                  KEPT("recurring", rec),
    KEPT("days", days),                KEPT("from", from),
    KEPT("to", to),                    KEPT("duration", dur),
    KEPT("time_zone", tz),             {"reason", key_reason, 0, NULL},
};
#undef KEPT

const struct cfg_key *cfg_maint_keys(size_t *n)
{
    *n = sizeof maint_keys / sizeof maint_keys[0];
    return maint_keys;
}

bool cfg_maint_apply(struct cfg_ctx *ctx, struct cfg_maint *m, const yaml_node_t *n,
                     const char *path)
{
    memset(m, 0, sizeof *m);
    if (!cfg_map_check(ctx, n, path, 16))
        return false;
    struct maint_walk w = {.m = m};
    bool ok = cfg_walk_keys(ctx, n, path, maint_keys, sizeof maint_keys / sizeof maint_keys[0],
                            NULL, &w);
    const yaml_node_t *start = w.start.node, *end = w.end.node, *days = w.days.node,
                      *from = w.from.node, *to = w.to.node, *dur = w.dur.node, *rec = w.rec.node,
                      *tz = w.tz.node;
    const char *ps = w.start.path, *pe = w.end.path, *pd = w.days.path, *pf = w.from.path,
               *pt = w.to.path, *pu = w.dur.path, *pr = w.rec.path, *pz = w.tz.path;
    if (!ok)
        return false;
    if (m->n_targets == 0 && m->n_match == 0) {
        cfg_node_err(ctx, n, path, "names no target: give targets: [...] and/or labels: {...}");
        return false;
    }
    bool oneoff = start != NULL || end != NULL;
    bool recurring = rec != NULL || days != NULL || from != NULL || to != NULL || dur != NULL;
    if (oneoff == recurring) {
        cfg_node_err(ctx, n, path,
                     oneoff ? "one-off (start/end) and recurring keys at once: choose one"
                            : "wants start and end, or recurring (or days, from, to/duration)");
        return false;
    }
    if (oneoff) {
        if (start == NULL || end == NULL) {
            cfg_node_err(ctx, n, path, "a one-off window wants both start and end");
            return false;
        }
        char *a = cfg_scalar(ctx, start, ps, true, "a time");
        char *b = a ? cfg_scalar(ctx, end, pe, true, "a time") : NULL;
        if (a != NULL && cfg_rfc3339_parse(a, &m->start_ms) < 0) {
            cfg_node_err(ctx, start, ps, "\"%.40s\" is not an RFC 3339 time (2026-12-05T22:00:00Z)",
                         a);
            ok = false;
        } else if (b != NULL && cfg_rfc3339_parse(b, &m->end_ms) < 0) {
            cfg_node_err(ctx, end, pe, "\"%.40s\" is not an RFC 3339 time (2026-12-06T02:00:00Z)",
                         b);
            ok = false;
        } else if (a != NULL && b != NULL && m->end_ms <= m->start_ms) {
            cfg_node_err(ctx, end, pe, "ends before it starts");
            ok = false;
        }
        ok = ok && a != NULL && b != NULL;
        free(a);
        free(b);
        if (tz != NULL) {
            cfg_node_err(ctx, tz, pz, "a one-off window's times carry their offset; no time_zone");
            ok = false;
        }
        return ok;
    }
    if (rec != NULL) {
        if (days != NULL || from != NULL || to != NULL || dur != NULL) {
            cfg_node_err(ctx, rec, pr, "recurring and days/from/to/duration at once: choose one");
            return false;
        }
        char *s = cfg_scalar(ctx, rec, pr, true, "a string");
        const char *why = s ? recurring_parse(m, s) : "";
        if (s != NULL && why != NULL)
            cfg_node_err(ctx, rec, pr, "\"%.60s\": %s", s, why);
        free(s);
        if (why != NULL)
            return false;
    } else {
        if (days == NULL || from == NULL || (to == NULL) == (dur == NULL)) {
            cfg_node_err(ctx, n, path, "a recurring window wants days, from and one of to or "
                                       "duration");
            return false;
        }
        int bits = 0;
        if (days->type == YAML_SEQUENCE_NODE) {
            size_t i = 0;
            for (yaml_node_item_t *it = days->data.sequence.items.start;
                 it < days->data.sequence.items.top; it++, i++) {
                char sub[CFG_PATH_MAX];
                yaml_node_t *item = cfg_node(ctx, *it, cfg_path_index(sub, sizeof sub, pd, i));
                char *s = item ? cfg_scalar(ctx, item, sub, true, "a day") : NULL;
                int b = s ? days_list(s, strlen(s)) : -1;
                if (s != NULL && b <= 0)
                    cfg_node_err(ctx, item, sub, "\"%.20s\" is not a day (mon..sun)", s);
                free(s);
                if (b <= 0)
                    return false;
                bits |= b;
            }
        } else {
            char *s = cfg_scalar(ctx, days, pd, true, "days");
            bits = s ? days_list(s, strlen(s)) : -1;
            if (s != NULL && bits <= 0)
                cfg_node_err(ctx, days, pd,
                             "\"%.40s\" is not days (mon..sun, mon-fri, daily, weekdays)", s);
            free(s);
        }
        if (bits <= 0) {
            if (days->type == YAML_SEQUENCE_NODE)
                cfg_node_err(ctx, days, pd, "is an empty list");
            return false;
        }
        m->days = (unsigned)bits;
        char *f = cfg_scalar(ctx, from, pf, true, "a time (HH:MM)");
        int fm = f ? hhmm(f, strlen(f)) : -1;
        if (f != NULL && fm < 0)
            cfg_node_err(ctx, from, pf, "\"%.20s\" is not a time of day (HH:MM)", f);
        free(f);
        if (fm < 0)
            return false;
        m->from_min = (unsigned)fm;
        if (to != NULL) {
            char *t = cfg_scalar(ctx, to, pt, true, "a time (HH:MM)");
            int tm = t ? hhmm(t, strlen(t)) : -1;
            if (t != NULL && tm < 0)
                cfg_node_err(ctx, to, pt, "\"%.20s\" is not a time of day (HH:MM)", t);
            free(t);
            if (tm < 0)
                return false;
            m->duration_ms = span_ms(fm, tm);
        } else {
            char *d = cfg_scalar(ctx, dur, pu, true, "a duration");
            uint64_t ms = 0;
            bool good = d != NULL && cfg_duration_parse(d, &ms) == 0 && ms >= 60000 &&
                        ms <= MAINT_DURATION_MAX;
            if (d != NULL && !good)
                cfg_node_err(ctx, dur, pu, "\"%.40s\" is not a duration from 1m to 7d", d);
            free(d);
            if (!good)
                return false;
            m->duration_ms = ms;
        }
    }
    char *z = tz ? cfg_scalar(ctx, tz, pz, true, "a time zone") : strdup("UTC");
    if (z == NULL) {
        if (tz == NULL) /* else cfg_scalar reported it (and set oom if it was) */
            ctx->oom = true;
        return false;
    }
    if (!tz_ok(z)) {
        cfg_node_err(ctx, tz, pz,
                     "\"%.60s\" is not a time zone of the TZ database (e.g. Europe/Berlin, UTC)",
                     z);
        free(z);
        return false;
    }
    m->tz = z;
    return true;
}

int cfg_maint_parse_json(const char *body, size_t len, struct cfg_maint *out,
                         struct cfg_errs *errs)
{
    struct cfg_errs local = {0};
    if (errs == NULL)
        errs = &local;
    memset(out, 0, sizeof *out);
    if (body == NULL || len > 16384) {
        cfg_err_add(errs, 0, 0, "", "no body, or a body larger than 16384 bytes");
        return -1;
    }
    size_t before = errs->n + errs->dropped;
    yaml_document_t doc;
    if (!cfg_parse_doc(body, len, &doc, errs)) {
        cfg_errs_free(&local);
        return -1;
    }
    struct cfg_ctx ctx;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!cfg_ctx_init(&ctx, &doc, errs, true)) {
        /* out of memory: ctx.oom, reported below */
    } else if (root == NULL || root->type != YAML_MAPPING_NODE) {
        cfg_err_add(errs, 1, 1, "", "the body must be a JSON object");
    } else if (cfg_maint_apply(&ctx, out, cfg_node(&ctx, 1, ""), "") && out->name == NULL &&
               (out->name = strdup("api")) == NULL) {
        cfg_err_add(errs, 0, 0, "", "out of memory");
    }
    if (ctx.oom)
        cfg_err_add(errs, 0, 0, "", "out of memory reading the request body");
    free(ctx.seen);
    yaml_document_delete(&doc);
    if (errs->n + errs->dropped != before) {
        cfg_maint_clear(out);
        cfg_errs_free(&local);
        return -1;
    }
    return 0;
}
