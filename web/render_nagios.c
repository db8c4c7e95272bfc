/*
 * render_nagios.c: the Nagios / monitoring-plugins rendering of a result
 * (see render_nagios.h for the format).
 */
#include "web/render_nagios.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/result/timefmt.h"
#include "web/wbuf.h"

/* Text from the result: at most cap bytes (fields may lack their NUL),
 * '|' -> '/', control characters -> ' '. */
static void nb_text(struct wbuf *b, const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        if (c == '|')
            rep = "/";
        else if (c < 0x20 || c == 0x7f)
            rep = " ";
        if (rep != NULL) {
            wbuf_add(b, s + start, i - start);
            wbuf_add(b, rep, 1);
            start = i + 1;
        }
    }
    wbuf_add(b, s + start, n - start);
}

static void nb_seconds(struct wbuf *b, int64_t us, int decimals)
{
    if (us < 0)
        us = 0;
    if (decimals == 3)
        wbuf_printf(b, "%" PRId64 ".%03" PRId64, us / 1000000, us / 1000 % 1000);
    else
        wbuf_printf(b, "%" PRId64 ".%06" PRId64, us / 1000000, us % 1000000);
}

/* "server:port", "[v6]:port", "server", ":port" or nothing. */
static void nb_where(struct wbuf *b, const char *server, size_t cap, uint16_t port)
{
    int has_server = strnlen(server, cap) > 0;
    if (!has_server && port == 0)
        return;
    wbuf_puts(b, " ");
    if (has_server) {
        int v6 = memchr(server, ':', strnlen(server, cap)) != NULL;
        if (v6 && port != 0)
            wbuf_puts(b, "[");
        nb_text(b, server, cap);
        if (v6 && port != 0)
            wbuf_puts(b, "]");
    }
    if (port != 0)
        wbuf_printf(b, "%s%u", has_server ? ":" : "port ", (unsigned)port);
}

static void nb_detail_value(struct wbuf *b, const struct oa_result *r,
                            const struct oa_detail *d)
{
    char t[OA_TIME_RFC3339_MAX];
    switch (d->type) {
    case OA_DT_INT:
        wbuf_printf(b, "%" PRId64, d->i);
        break;
    case OA_DT_BOOL:
        wbuf_puts(b, d->i ? "true" : "false");
        break;
    case OA_DT_TIME:
        wbuf_puts(b, oa_time_format_rfc3339(d->i, -1, t, sizeof t) > 0 ? t : "?");
        break;
    case OA_DT_STR:
    case OA_DT_STRLIST:
    default: {
        const char *s = oa_result_detail_str(r, d);
        nb_text(b, s != NULL ? s : "?", OA_DETAIL_STR_MAX);
        break;
    }
    }
}

static void nb_details(struct wbuf *b, const struct oa_result *r, const struct oa_step *st)
{
    size_t n = st->ndetails < OA_STEP_MAX_DETAILS ? st->ndetails : OA_STEP_MAX_DETAILS;
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        const struct oa_detail *d = &st->details[i];
        const char *key = oa_detail_key_name((enum oa_detail_key)d->key);
        if (key == NULL)
            continue;
        if (d->type == OA_DT_STRLIST) {
            size_t k;
            for (k = 0; k < i; k++)
                if (st->details[k].key == d->key)
                    break;
            if (k < i)
                continue; /* printed with its first entry */
        }
        wbuf_puts(b, first ? ": " : ", ");
        first = 0;
        wbuf_puts(b, key);
        wbuf_puts(b, "=");
        nb_detail_value(b, r, d);
        if (d->type == OA_DT_STRLIST) {
            for (size_t k = i + 1; k < n; k++) {
                if (st->details[k].key != d->key)
                    continue;
                wbuf_puts(b, ",");
                nb_detail_value(b, r, &st->details[k]);
            }
        }
    }
}

static void nb_summary(struct wbuf *b, const struct oa_result *r, enum oa_state status)
{
    size_t nsteps = r->nsteps < OA_RESULT_MAX_STEPS ? r->nsteps : OA_RESULT_MAX_STEPS;
    size_t ndiags = r->ndiags < OA_RESULT_MAX_DIAGS ? r->ndiags : OA_RESULT_MAX_DIAGS;
    const struct oa_diag *w = oa_result_worst_diag(r);
    if (w != NULL) {
        wbuf_puts(b, oa_diag_code_name(w->code) ? oa_diag_code_name(w->code) : "?");
        wbuf_puts(b, ": ");
        nb_text(b, w->message, OA_MESSAGE_MAX);
        size_t more = ndiags - 1 + r->diags_dropped;
        if (more == 0)
            return;
        wbuf_printf(b, " (+%zu more", more);
        const char *sep = ": ";
        for (size_t i = 0; i < ndiags; i++) {
            const struct oa_diag *d = &r->diags[i];
            if (d == w || d->code == w->code)
                continue;
            size_t k;
            for (k = 0; k < i; k++)
                if (r->diags[k].code == d->code)
                    break;
            if (k < i)
                continue;
            wbuf_puts(b, sep);
            sep = ", ";
            wbuf_puts(b, oa_diag_code_name(d->code) ? oa_diag_code_name(d->code) : "?");
        }
        wbuf_puts(b, ")");
        return;
    }
    size_t ok = 0, skipped = 0;
    const struct oa_step *worst = NULL;
    for (size_t i = 0; i < nsteps; i++) {
        const struct oa_step *st = &r->steps[i];
        if (st->status == OA_STATE_OK)
            ok++;
        else if (st->status == OA_STATE_SKIPPED)
            skipped++;
        if (worst == NULL || oa_state_rank(st->status) > oa_state_rank(worst->status))
            worst = st;
    }
    if (nsteps == 0) {
        wbuf_puts(b, "no step ran");
    } else if (status == OA_STATE_OK) {
        wbuf_printf(b, "%zu step%s ok", ok, ok == 1 ? "" : "s");
        if (skipped)
            wbuf_printf(b, ", %zu skipped", skipped);
        wbuf_puts(b, " in ");
        nb_seconds(b, r->duration_us, 3);
        wbuf_puts(b, "s");
    } else {
        wbuf_printf(b, "step %s", oa_step_kind_name(worst->kind));
        nb_where(b, worst->server, OA_SERVER_MAX, worst->port);
        wbuf_printf(b, " is %s", oa_state_name(worst->status));
    }
}

/* "OAPROBE <STATE> - <name or target>: <summary>\n" */
static void nb_first_line(struct wbuf *b, const struct oa_result *r, const char *name,
                          enum oa_state status)
{
    wbuf_printf(b, "OAPROBE %s - ", oa_state_label(status));
    if (name != NULL)
        nb_text(b, name, OA_TARGET_MAX);
    else
        nb_text(b, r->target, OA_TARGET_MAX);
    wbuf_puts(b, ": ");
    nb_summary(b, r, status);
    wbuf_puts(b, "\n");
}

/* Perfdata label: step labels keep [A-Za-z0-9_.-], anything else -> '_'. */
static void step_label(const struct oa_result *r, const struct oa_step *st, char *out,
                       size_t cap)
{
    int per_port = st->kind == OA_STEP_TCP || st->kind == OA_STEP_TUNNEL ||
                   st->kind == OA_STEP_BIND || st->kind == OA_STEP_DIRECT_TCP;
    char server[OA_SERVER_MAX];
    oa_text_copy(server, sizeof server, st->server);
    int with_server = server[0] != '\0' && oa_text_casecmp(server, r->target) != 0;
    char port[8] = "";
    if (per_port && st->port != 0)
        snprintf(port, sizeof port, "_%u", (unsigned)st->port);
    snprintf(out, cap, "%s%s%s%s_time", oa_step_kind_name(st->kind), with_server ? "_" : "",
             with_server ? server : "", port);
    for (char *p = out; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            *p = '_';
    }
}

static int label_needs_quotes(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return 1;
    }
    return 0;
}

static void nb_label(struct wbuf *b, const char *label)
{
    /* oa_result_add_perf already turned '=' and '\'' into '_'; be safe. */
    char l[OA_SERVER_MAX + 64];
    oa_text_copy(l, sizeof l, label);
    for (char *p = l; *p; p++)
        if (*p == '=' || *p == '\'' || *p == '|' || (unsigned char)*p < 0x20)
            *p = '_';
    int q = label_needs_quotes(l);
    if (q)
        wbuf_puts(b, "'");
    wbuf_puts(b, l);
    if (q)
        wbuf_puts(b, "'");
}

static void nb_scaled(struct wbuf *b, int64_t v, unsigned decimals)
{
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t scale = 1;
    for (unsigned i = 0; i < decimals && i < 9; i++)
        scale *= 10;
    if (v < 0)
        wbuf_puts(b, "-");
    if (decimals == 0)
        wbuf_printf(b, "%" PRIu64, mag);
    else
        wbuf_printf(b, "%" PRIu64 ".%0*" PRIu64, mag / scale, (int)decimals, mag % scale);
}

static int label_used(char used[][OA_SERVER_MAX + 64], size_t n, const char *l)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(used[i], l) == 0)
            return 1;
    return 0;
}

static void nb_perfdata(struct wbuf *b, const struct oa_result *r)
{
    enum { MAXL = OA_RESULT_MAX_STEPS + OA_RESULT_MAX_PERF + 1 };
    static const size_t lcap = OA_SERVER_MAX + 64;
    char (*used)[OA_SERVER_MAX + 64] = calloc(MAXL, lcap);
    if (used == NULL) {
        b->failed = 1;
        return;
    }
    size_t nused = 0;
    wbuf_puts(b, "| time=");
    nb_seconds(b, r->duration_us, 6);
    wbuf_puts(b, "s;;;0");
    memcpy(used[nused++], "time", 5);

    size_t nsteps = r->nsteps < OA_RESULT_MAX_STEPS ? r->nsteps : OA_RESULT_MAX_STEPS;
    for (size_t i = 0; i < nsteps; i++) {
        const struct oa_step *st = &r->steps[i];
        if (st->status == OA_STATE_SKIPPED)
            continue;
        char l[OA_SERVER_MAX + 64];
        step_label(r, st, l, sizeof l);
        if (label_used(used, nused, l)) {
            char base[OA_SERVER_MAX + 64];
            memcpy(base, l, sizeof base);
            base[strlen(base) - 5] = '\0'; /* drop "_time" */
            for (unsigned k = 2; label_used(used, nused, l) && k < 100; k++)
                snprintf(l, sizeof l, "%.*s_%u_time", (int)(sizeof l - 16), base, k);
        }
        memcpy(used[nused++], l, sizeof l);
        wbuf_puts(b, " ");
        nb_label(b, l);
        wbuf_puts(b, "=");
        nb_seconds(b, st->duration_us, 6);
        wbuf_puts(b, "s;;;0");
    }

    size_t nperf = r->nperf < OA_RESULT_MAX_PERF ? r->nperf : OA_RESULT_MAX_PERF;
    for (size_t i = 0; i < nperf; i++) {
        const struct oa_perf *p = &r->perf[i];
        char l[OA_SERVER_MAX + 64];
        oa_text_copyn(l, sizeof l, p->label, strnlen(p->label, OA_PERF_LABEL_MAX), NULL);
        if (l[0] == '\0' || label_used(used, nused, l))
            continue; /* a label appears once */
        memcpy(used[nused++], l, sizeof l);
        wbuf_puts(b, " ");
        nb_label(b, l);
        wbuf_puts(b, "=");
        nb_scaled(b, p->value, p->decimals);
        nb_text(b, p->uom, OA_PERF_UOM_MAX);
        /* ;warn;crit;min;max with trailing empty fields left out */
        const char *f[4] = {p->warn, p->crit, p->min, p->max};
        size_t cf[4] = {OA_PERF_RANGE_MAX, OA_PERF_RANGE_MAX, OA_PERF_RANGE_MAX, OA_PERF_RANGE_MAX};
        int last = -1;
        for (int k = 0; k < 4; k++)
            if (strnlen(f[k], cf[k]) > 0)
                last = k;
        for (int k = 0; k <= last; k++) {
            wbuf_puts(b, ";");
            nb_text(b, f[k], cf[k]);
        }
    }
    wbuf_puts(b, "\n");
    free(used);
}

char *render_nagios(const struct oa_result *r)
{
    if (r == NULL)
        return NULL;
    struct wbuf b;
    wbuf_init(&b, RENDER_NAGIOS_MAX);
    enum oa_state status = oa_result_status(r);

    nb_first_line(&b, r, NULL, status);

    size_t nsteps = r->nsteps < OA_RESULT_MAX_STEPS ? r->nsteps : OA_RESULT_MAX_STEPS;
    for (size_t i = 0; i < nsteps; i++) {
        const struct oa_step *st = &r->steps[i];
        wbuf_printf(&b, "[%s] %s", oa_state_label(st->status), oa_step_kind_name(st->kind));
        nb_where(&b, st->server, OA_SERVER_MAX, st->port);
        if (st->status != OA_STATE_SKIPPED) {
            wbuf_puts(&b, " ");
            nb_seconds(&b, st->duration_us, 3);
            wbuf_puts(&b, "s");
        }
        nb_details(&b, r, st);
        wbuf_puts(&b, "\n");
    }

    size_t ndiags = r->ndiags < OA_RESULT_MAX_DIAGS ? r->ndiags : OA_RESULT_MAX_DIAGS;
    for (size_t i = 0; i < ndiags; i++) {
        const struct oa_diag *d = &r->diags[i];
        const char *code = oa_diag_code_name(d->code);
        wbuf_printf(&b, "[%s] %s (%s", oa_state_label(d->severity), code ? code : "?",
                  oa_step_kind_name(d->step));
        nb_where(&b, d->server, OA_SERVER_MAX, d->port);
        wbuf_puts(&b, "): ");
        nb_text(&b, d->message, OA_MESSAGE_MAX);
        wbuf_puts(&b, " - remedy: ");
        nb_text(&b, d->remedy, OA_REMEDY_MAX);
        wbuf_puts(&b, "\n");
    }

    size_t details_dropped = 0;
    for (size_t i = 0; i < nsteps; i++)
        details_dropped += r->steps[i].details_dropped;
    if (r->steps_dropped || r->diags_dropped || r->perf_dropped || details_dropped)
        wbuf_printf(&b,
                  "[NOTE] result full: %zu steps, %zu diagnoses, %zu details and %zu "
                  "perfdata not recorded\n",
                  r->steps_dropped, r->diags_dropped, details_dropped, r->perf_dropped);

    nb_perfdata(&b, r);
    return wbuf_finish(&b, NULL);
}

char *render_nagios_line(const struct oa_result *r, const char *name)
{
    if (r == NULL)
        return NULL;
    struct wbuf b;
    wbuf_init(&b, RENDER_NAGIOS_MAX);
    nb_first_line(&b, r, name, oa_result_status(r));
    return wbuf_finish(&b, NULL);
}

int render_nagios_exit_code(const struct oa_result *r)
{
    return r == NULL ? 3 : oa_state_exit_code(oa_result_status(r));
}
