/*
 * render_metrics.c: Prometheus text exposition for /metrics and /probe
 * (see render_metrics.h for the names and the label rules).
 */
#include "web/render_metrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/result/text.h"
#include "web/wbuf.h"

#define LABEL_VALUE_MAX 1024 /* bytes of one label value, at most */
#define LABEL_NAME_MAX 128

/* ---- labels ------------------------------------------------------------ */

static const char *const reserved[] = {
    "target", "location", "step", "server", "port",  "code", "status", "window",
    "version", "cipher",  "kind", "outcome", "le",   "job",  "instance",
};

size_t render_metrics_label_name(const char *name, char *out, size_t cap)
{
    if (name == NULL || out == NULL || cap < 8)
        return 0;
    char tmp[LABEL_NAME_MAX];
    size_t n = 0;
    for (const char *p = name; *p != '\0' && n + 1 < sizeof tmp; p++) {
        unsigned char c = (unsigned char)*p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                 (c >= '0' && c <= '9');
        tmp[n++] = ok ? (char)c : '_';
    }
    tmp[n] = '\0';
    if (n == 0)
        return 0;
    const char *prefix = "";
    if (tmp[0] >= '0' && tmp[0] <= '9')
        prefix = "_";
    else if (tmp[0] == '_' && tmp[1] == '_')
        prefix = "label_";
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(tmp, reserved[i]) == 0)
            prefix = "label_";
    size_t pl = strlen(prefix);
    if (pl + n + 1 > cap)
        return 0;
    memcpy(out, prefix, pl);
    memcpy(out + pl, tmp, n + 1);
    return pl + n;
}

/* Append an escaped label value: valid UTF-8 (invalid bytes -> '?'),
 * '\\' '"' and LF escaped, other control characters -> ' ', cut at
 * LABEL_VALUE_MAX bytes on a character boundary. */
static void esc_value(struct wbuf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
    size_t n = strlen((const char *)p), i = 0;
    while (i < n && i < LABEL_VALUE_MAX) {
        size_t k = oa_text_utf8_len(p + i, n - i);
        if (k == 0) {
            wbuf_add(b, "?", 1);
            i++;
            continue;
        }
        if (i + k > LABEL_VALUE_MAX)
            break;
        unsigned char c = p[i];
        if (c == '\\')
            wbuf_add(b, "\\\\", 2);
        else if (c == '"')
            wbuf_add(b, "\\\"", 2);
        else if (c == '\n')
            wbuf_add(b, "\\n", 2);
        else if (c < 0x20 || c == 0x7f)
            wbuf_add(b, " ", 1);
        else
            wbuf_add(b, (const char *)p + i, k);
        i += k;
    }
}

/* Append `,name="value"` (no comma when b is empty). */
static void label(struct wbuf *b, const char *name, const char *value)
{
    if (b->len > 0)
        wbuf_add(b, ",", 1);
    wbuf_puts(b, name);
    wbuf_add(b, "=\"", 2);
    esc_value(b, value);
    wbuf_add(b, "\"", 1);
}

static void label_port(struct wbuf *b, unsigned port)
{
    char v[8];
    snprintf(v, sizeof v, "%u", port);
    label(b, "port", v);
}

/* The per-target labels: target, location, configured labels. Returns an
 * allocated string (maybe ""), or NULL when out of memory. */
static char *target_labels(const struct view_target *t)
{
    struct wbuf b;
    wbuf_init(&b, 64u << 10);
    label(&b, "target", t->name);
    if (t->location != NULL && t->location[0] != '\0')
        label(&b, "location", t->location);
    char names[64][LABEL_NAME_MAX];
    size_t nn = 0;
    for (size_t i = 0; i < t->nlabels && t->labels != NULL; i++) {
        char name[LABEL_NAME_MAX];
        if (render_metrics_label_name(t->labels[i].name, name, sizeof name) == 0)
            continue;
        size_t k;
        for (k = 0; k < nn; k++)
            if (strcmp(names[k], name) == 0)
                break;
        if (k < nn)
            continue; /* a duplicate after sanitising */
        if (nn < sizeof names / sizeof names[0])
            memcpy(names[nn++], name, sizeof name);
        else
            continue; /* more than 64 labels: keep the first 64 */
        label(&b, name, t->labels[i].value);
    }
    return wbuf_finish(&b, NULL);
}

/* ---- families and samples ---------------------------------------------- */

struct out {
    struct wbuf b;     /* the exposition */
    struct wbuf extra; /* scratch: the sample's own labels */
    const char *fam;   /* current family */
    const char *type, *help;
    int header_done;
};

static void family(struct out *o, const char *name, const char *type, const char *help)
{
    o->fam = name;
    o->type = type;
    o->help = help;
    o->header_done = 0;
}

/* name{base,extra} value; the family header before the first sample. */
static void sample(struct out *o, const char *suffix, const char *base, const char *extra,
                   const char *value)
{
    if (!o->header_done) {
        wbuf_printf(&o->b, "# HELP %s %s\n# TYPE %s %s\n", o->fam, o->help, o->fam, o->type);
        o->header_done = 1;
    }
    wbuf_puts(&o->b, o->fam);
    wbuf_puts(&o->b, suffix);
    int hb = base != NULL && base[0] != '\0', he = extra != NULL && extra[0] != '\0';
    if (hb || he) {
        wbuf_add(&o->b, "{", 1);
        wbuf_puts(&o->b, hb ? base : "");
        wbuf_puts(&o->b, hb && he ? "," : "");
        wbuf_puts(&o->b, he ? extra : "");
        wbuf_add(&o->b, "}", 1);
    }
    wbuf_add(&o->b, " ", 1);
    wbuf_puts(&o->b, value);
    wbuf_add(&o->b, "\n", 1);
}

static const char *fmt_i(char *buf, size_t cap, int64_t v)
{
    snprintf(buf, cap, "%" PRId64, v);
    return buf;
}

static const char *fmt_u(char *buf, size_t cap, uint64_t v)
{
    snprintf(buf, cap, "%" PRIu64, v);
    return buf;
}

/* A family of one sample without labels: an unsigned value. */
static void scalar_u(struct out *o, const char *name, const char *type, const char *help,
                     uint64_t value)
{
    char v[32];
    family(o, name, type, help);
    sample(o, "", "", NULL, fmt_u(v, sizeof v, value));
}

/* Microseconds as seconds with 6 decimals, no exponent. */
static const char *fmt_us(char *buf, size_t cap, int64_t us)
{
    if (us < 0)
        us = 0;
    snprintf(buf, cap, "%" PRId64 ".%06" PRId64, us / 1000000, us % 1000000);
    return buf;
}

/* Milliseconds since the epoch as seconds with 3 decimals. */
static const char *fmt_ms(char *buf, size_t cap, int64_t ms)
{
    if (ms < 0)
        ms = 0;
    snprintf(buf, cap, "%" PRId64 ".%03" PRId64, ms / 1000, ms % 1000);
    return buf;
}

static const char *fmt_d(char *buf, size_t cap, double v)
{
    if (isnan(v))
        snprintf(buf, cap, "NaN");
    else if (isinf(v))
        snprintf(buf, cap, v > 0 ? "+Inf" : "-Inf");
    else
        snprintf(buf, cap, "%.9g", v);
    return buf;
}

/* ---- facts of one result ------------------------------------------------ */

struct facts {
    int dns_ran;
    int64_t dns_us;
    int ip_protocol;        /* 4, 6, or 0 unknown */
    int connected;          /* a tcp step ran */
    int tls_ran;
    const char *tls_version;/* in the result's arena, or NULL */
    const char *tls_cipher;
    int has_chain_expiry;
    int64_t chain_not_after;
    int echo_ran;
    int64_t http_status;    /* 0: no answer */
};

static const char *detail_str(const struct oa_result *r, const struct oa_step *st,
                              enum oa_detail_key k)
{
    const struct oa_detail *d = oa_step_find_detail(st, k);
    return d != NULL ? oa_result_detail_str(r, d) : NULL;
}

static void get_facts(const struct oa_result *r, struct facts *f)
{
    memset(f, 0, sizeof *f);
    size_t n = r->nsteps < OA_RESULT_MAX_STEPS ? r->nsteps : OA_RESULT_MAX_STEPS;
    int64_t echo_auth = -1, echo_unauth = -1;
    for (size_t i = 0; i < n; i++) {
        const struct oa_step *st = &r->steps[i];
        if (st->status == OA_STATE_SKIPPED)
            continue;
        const struct oa_detail *d;
        switch (st->kind) {
        case OA_STEP_DNS:
            if (f->dns_ran)
                break;
            f->dns_ran = 1;
            f->dns_us = st->duration_us;
            d = oa_step_find_detail(st, OA_DETAIL_ADDRESS);
            if (d == NULL)
                d = oa_step_find_detail(st, OA_DETAIL_ADDRESSES);
            if (d != NULL && oa_result_detail_str(r, d) != NULL)
                f->ip_protocol = strchr(oa_result_detail_str(r, d), ':') ? 6 : 4;
            break;
        case OA_STEP_TCP:
            f->connected = 1;
            break;
        case OA_STEP_TLS:
            if (f->tls_ran)
                break;
            f->tls_ran = 1;
            f->tls_version = detail_str(r, st, OA_DETAIL_TLS_VERSION);
            f->tls_cipher = detail_str(r, st, OA_DETAIL_TLS_CIPHER);
            d = oa_step_find_detail(st, OA_DETAIL_CHAIN_NOT_AFTER);
            if (d != NULL && d->type == OA_DT_TIME) {
                f->has_chain_expiry = 1;
                f->chain_not_after = d->i;
            }
            break;
        case OA_STEP_ECHO_UNAUTH:
        case OA_STEP_ECHO_AUTH:
            f->echo_ran = 1;
            d = oa_step_find_detail(st, OA_DETAIL_HTTP_STATUS);
            if (d != NULL && d->type == OA_DT_INT)
                *(st->kind == OA_STEP_ECHO_AUTH ? &echo_auth : &echo_unauth) = d->i;
            break;
        default:
            break;
        }
    }
    f->http_status = echo_auth >= 0 ? echo_auth : echo_unauth >= 0 ? echo_unauth : 0;
}

/* "TLSv1.2" -> "TLS 1.2" (blackbox's spelling); others as they are. */
static const char *tls_version_name(const char *v, char *buf, size_t cap)
{
    static const char *const map[][2] = {
        {"TLSv1", "TLS 1.0"},   {"TLSv1.0", "TLS 1.0"}, {"TLSv1.1", "TLS 1.1"},
        {"TLSv1.2", "TLS 1.2"}, {"TLSv1.3", "TLS 1.3"}, {"SSLv3", "SSL 3.0"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(v, map[i][0]) == 0)
            return map[i][1];
    snprintf(buf, cap, "%s", v);
    return buf;
}

static int success_of(enum oa_state s)
{
    return s == OA_STATE_OK || s == OA_STATE_WARNING;
}

/* 1 when steps[0..i) already has a non-skipped step like steps[i]. */
static int step_seen(const struct oa_result *r, size_t i)
{
    const struct oa_step *a = &r->steps[i];
    for (size_t k = 0; k < i; k++) {
        const struct oa_step *b = &r->steps[k];
        if (b->status != OA_STATE_SKIPPED && b->kind == a->kind && b->port == a->port &&
            strncmp(b->server, a->server, OA_SERVER_MAX) == 0)
            return 1;
    }
    return 0;
}

/* The step's own labels into o->extra. */
static void step_labels(struct out *o, const struct oa_step *st, int with_step)
{
    char server[OA_SERVER_MAX];
    oa_text_copyn(server, sizeof server, st->server, strnlen(st->server, OA_SERVER_MAX),
                  NULL);
    wbuf_reset(&o->extra);
    if (with_step)
        label(&o->extra, "step", oa_step_kind_name(st->kind));
    if (server[0] != '\0')
        label(&o->extra, "server", server);
    if (st->port != 0)
        label_port(&o->extra, st->port);
}

/* ---- the result families, shared by /metrics and /probe ---------------- */

/* One family over a set of (labels, result) pairs. */
struct subject {
    const char *labels;          /* base labels ("" on /probe) */
    const struct oa_result *r;   /* NULL: no record */
    struct facts f;
};

enum rfam {
    RF_DNS, RF_IP, RF_SSL, RF_HTTP, RF_CERT, RF_TLSV, RF_CIPHER, RF_STEP, RF_TUNNEL,
    RF_BIND, RF__COUNT,
};

static void result_family(struct out *o, enum rfam which, const struct subject *s, size_t n)
{
    static const struct {
        const char *name, *type, *help;
    } fams[RF__COUNT] = {
        {"probe_dns_lookup_time_seconds", "gauge", "Returns the time taken for probe dns lookup in seconds"},
        {"probe_ip_protocol", "gauge", "Specifies whether probe ip protocol is IP4 or IP6"},
        {"probe_http_ssl", "gauge", "Indicates if SSL was used for the connection to the RPC proxy"},
        {"probe_http_status_code", "gauge", "Response HTTP status code of the last echo request (0: no answer)"},
        {"probe_ssl_earliest_cert_expiry", "gauge", "Returns last SSL chain expiry in unixtime (earliest notAfter among the presented non-root certificates)"},
        {"probe_tls_version_info", "gauge", "Returns the TLS version used or NaN when unknown"},
        {"probe_tls_cipher_info", "gauge", "Returns the TLS cipher negotiated during handshake (OpenSSL name)"},
        {"oaprobe_step_duration_seconds", "gauge", "Duration of each step of the check that ran, in seconds"},
        {"oaprobe_tunnel_success", "gauge", "Whether the RPC over HTTP tunnel to this server name and port came up (1) or not (0)"},
        {"oaprobe_bind_success", "gauge", "Whether the DCE/RPC bind through the tunnel to this server name and port was accepted (1) or not (0)"},
    };
    family(o, fams[which].name, fams[which].type, fams[which].help);
    char v[64], tmp[128];
    for (size_t i = 0; i < n; i++) {
        const struct subject *x = &s[i];
        const struct facts *f = &x->f;
        if (x->r == NULL)
            continue;
        switch (which) {
        case RF_DNS:
            if (f->dns_ran)
                sample(o, "", x->labels, NULL, fmt_us(v, sizeof v, f->dns_us));
            break;
        case RF_IP:
            if (f->ip_protocol)
                sample(o, "", x->labels, NULL, fmt_i(v, sizeof v, f->ip_protocol));
            break;
        case RF_SSL:
            if (f->connected)
                sample(o, "", x->labels, NULL, f->tls_ran ? "1" : "0");
            break;
        case RF_HTTP:
            if (f->echo_ran)
                sample(o, "", x->labels, NULL, fmt_i(v, sizeof v, f->http_status));
            break;
        case RF_CERT:
            if (f->has_chain_expiry)
                sample(o, "", x->labels, NULL, fmt_i(v, sizeof v, f->chain_not_after));
            break;
        case RF_TLSV:
        case RF_CIPHER: {
            const char *val = which == RF_TLSV ? f->tls_version : f->tls_cipher;
            if (val == NULL || val[0] == '\0')
                break;
            wbuf_reset(&o->extra);
            if (which == RF_TLSV)
                label(&o->extra, "version", tls_version_name(val, tmp, sizeof tmp));
            else
                label(&o->extra, "cipher", val);
            sample(o, "", x->labels, o->extra.p, "1");
            break;
        }
        case RF_STEP:
        case RF_TUNNEL:
        case RF_BIND: {
            const struct oa_result *r = x->r;
            size_t ns = r->nsteps < OA_RESULT_MAX_STEPS ? r->nsteps : OA_RESULT_MAX_STEPS;
            for (size_t k = 0; k < ns; k++) {
                const struct oa_step *st = &r->steps[k];
                if (st->status == OA_STATE_SKIPPED || step_seen(r, k))
                    continue;
                if (which == RF_STEP) {
                    step_labels(o, st, 1);
                    sample(o, "", x->labels, o->extra.p, fmt_us(v, sizeof v, st->duration_us));
                } else if (st->kind == (which == RF_TUNNEL ? OA_STEP_TUNNEL : OA_STEP_BIND)) {
                    step_labels(o, st, 0);
                    sample(o, "", x->labels, o->extra.p, success_of(st->status) ? "1" : "0");
                }
            }
            break;
        }
        default:
            break;
        }
    }
}

/* oaprobe_diagnosis{code} for one subject: its codes, each once. */
static void diag_samples(struct out *o, const char *labels, const enum oa_diag_code *codes,
                         size_t ncodes, const struct oa_result *r)
{
    int seen[OA_DIAG__COUNT] = {0};
    size_t nd = r == NULL ? 0 : r->ndiags < OA_RESULT_MAX_DIAGS ? r->ndiags : OA_RESULT_MAX_DIAGS;
    size_t total = codes != NULL && ncodes > 0 ? ncodes : nd;
    for (size_t i = 0; i < total; i++) {
        enum oa_diag_code c = codes != NULL && ncodes > 0 ? codes[i] : r->diags[i].code;
        if ((unsigned)c >= OA_DIAG__COUNT || seen[c])
            continue;
        seen[c] = 1;
        wbuf_reset(&o->extra);
        label(&o->extra, "code", oa_diag_code_name(c));
        sample(o, "", labels, o->extra.p, "1");
    }
}

static const char *const diag_help =
    "1 for each diagnosis code in the latest result (codes: docs/diagnoses.md)";

static int out_init(struct out *o)
{
    wbuf_init(&o->b, RENDER_METRICS_MAX);
    wbuf_init(&o->extra, 64u << 10);
    wbuf_add(&o->extra, "", 0);
    return o->extra.failed ? -1 : 0;
}

static char *out_finish(struct out *o, size_t *len)
{
    int bad = o->extra.failed;
    wbuf_free(&o->extra);
    if (bad) {
        wbuf_free(&o->b);
        return NULL;
    }
    return wbuf_finish(&o->b, len);
}

/* ---- /probe ------------------------------------------------------------- */

char *render_metrics_probe(const struct oa_result *r, double timeout_seconds, size_t *len)
{
    struct out o;
    if (out_init(&o) != 0)
        return NULL;
    char v[64];
    struct subject s = {"", r, {0}};
    if (r != NULL)
        get_facts(r, &s.f);
    family(&o, "probe_success", "gauge", "Displays whether or not the probe was a success");
    sample(&o, "", "", NULL, r != NULL && success_of(oa_result_status(r)) ? "1" : "0");
    family(&o, "probe_duration_seconds", "gauge",
           "Returns how long the probe took to complete in seconds");
    sample(&o, "", "", NULL, fmt_us(v, sizeof v, r != NULL ? r->duration_us : 0));
    family(&o, "probe_timeout_seconds", "gauge", "Returns how long the probe timeout is in seconds");
    sample(&o, "", "", NULL, fmt_d(v, sizeof v, timeout_seconds));
    for (int k = 0; k < RF__COUNT; k++)
        result_family(&o, (enum rfam)k, &s, 1);
    family(&o, "oaprobe_diagnosis", "gauge", diag_help);
    diag_samples(&o, "", NULL, 0, r);
    return out_finish(&o, len);
}

/* ---- /metrics ------------------------------------------------------------ */

/* Has t a current result to export? Not while pending (never run), nor
 * when blocked (an API target that is not run: its latest result, if any,
 * is no longer the state of anything; oaprobe_target_blocked says why the
 * series are absent). */
static int current(const struct view_target *t)
{
    return t != NULL && !view_target_pending(t) && t->blocked == NULL;
}

static void target_families(struct out *o, const struct view_service *s, char **labels)
{
    char v[64];
    family(o, "oaprobe_target_status", "gauge",
           "State of the target after thresholds: 0 ok, 1 warning, 2 critical, 3 unknown");
    for (size_t i = 0; i < s->ntargets; i++)
        if (current(s->targets[i]))
            sample(o, "", labels[i], NULL,
                   fmt_i(v, sizeof v, oa_state_exit_code(s->targets[i]->status)));
    family(o, "oaprobe_target_blocked", "gauge",
           "1 for an API target that is not run: it would send the credentials of defaults "
           "to a host api.allow_hosts does not admit");
    for (size_t i = 0; i < s->ntargets; i++)
        if (s->targets[i] != NULL && s->targets[i]->blocked != NULL)
            sample(o, "", labels[i], NULL, "1");
    family(o, "oaprobe_consecutive_failures", "gauge", "Failed runs in a row");
    for (size_t i = 0; i < s->ntargets; i++)
        if (s->targets[i] != NULL)
            sample(o, "", labels[i], NULL,
                   fmt_i(v, sizeof v, s->targets[i]->consecutive_failures));
    family(o, "oaprobe_maintenance", "gauge", "1 while the target is in a maintenance window");
    for (size_t i = 0; i < s->ntargets; i++)
        if (s->targets[i] != NULL)
            sample(o, "", labels[i], NULL, s->targets[i]->maintenance ? "1" : "0");
    family(o, "oaprobe_last_run_timestamp_seconds", "gauge",
           "Start of the latest completed run, in Unix seconds");
    for (size_t i = 0; i < s->ntargets; i++)
        if (s->targets[i] != NULL && s->targets[i]->last_run_ms > 0)
            sample(o, "", labels[i], NULL, fmt_ms(v, sizeof v, s->targets[i]->last_run_ms));
    family(o, "oaprobe_uptime_ratio", "gauge",
           "Share of runs that were up in the window, maintenance excluded");
    for (size_t i = 0; i < s->ntargets; i++) {
        const struct view_target *t = s->targets[i];
        for (unsigned w = 0; t != NULL && w < VIEW_WINDOW__COUNT; w++) {
            if (!(t->uptime[w] >= 0))
                continue;
            wbuf_reset(&o->extra);
            label(&o->extra, "window", view_window_name((enum view_window)w));
            sample(o, "", labels[i], o->extra.p,
                   fmt_d(v, sizeof v, t->uptime[w] > 1 ? 1.0 : t->uptime[w]));
        }
    }
    family(o, "oaprobe_runs_total", "counter", "Completed runs by status");
    static const enum oa_state st[] = {OA_STATE_OK, OA_STATE_WARNING, OA_STATE_CRITICAL,
                                       OA_STATE_UNKNOWN};
    for (size_t i = 0; i < s->ntargets; i++) {
        const struct view_target *t = s->targets[i];
        for (size_t k = 0; t != NULL && k < 4; k++) {
            wbuf_reset(&o->extra);
            label(&o->extra, "status", oa_state_name(st[k]));
            sample(o, "", labels[i], o->extra.p, fmt_u(v, sizeof v, t->runs[st[k]]));
        }
    }
    family(o, "oaprobe_overruns_total", "counter",
           "Runs that were still in flight when the next one was due");
    for (size_t i = 0; i < s->ntargets; i++)
        if (s->targets[i] != NULL)
            sample(o, "", labels[i], NULL, fmt_u(v, sizeof v, s->targets[i]->overruns));
}

static void service_families(struct out *o, const struct view_service *s)
{
    char v[64], le[32];
    family(o, "oaprobe_schedule_lag_seconds", "histogram",
           "How late each run started after its scheduled time");
    uint64_t cum = 0;
    for (size_t i = 0; i <= VIEW_LAG_NBOUNDS; i++) {
        cum += s->lag.counts[i];
        wbuf_reset(&o->extra);
        label(&o->extra, "le", i < VIEW_LAG_NBOUNDS ? fmt_d(le, sizeof le, view_lag_bounds[i])
                                                    : "+Inf");
        sample(o, "_bucket", "", o->extra.p, fmt_u(v, sizeof v, cum));
    }
    sample(o, "_sum", "", NULL, fmt_d(v, sizeof v, s->lag.sum));
    sample(o, "_count", "", NULL, fmt_u(v, sizeof v, s->lag.count));
    family(o, "oaprobe_config_last_reload_successful", "gauge",
           "Whether the last configuration reload attempt was successful");
    sample(o, "", "", NULL, s->reload_ok ? "1" : "0");
    family(o, "oaprobe_config_reload_restart_required", "gauge",
           "1 when the configuration changes listen or storage, which only a restart applies");
    sample(o, "", "", NULL, s->restart_required != NULL && s->restart_required[0] ? "1" : "0");
    family(o, "oaprobe_config_last_reload_success_timestamp_seconds", "gauge",
           "Timestamp of the last successful configuration reload");
    sample(o, "", "", NULL, fmt_ms(v, sizeof v, s->reload_success_ms));
    family(o, "oaprobe_hook_deliveries_total", "counter",
           "Alert hook delivery attempts by hook kind and outcome");
    for (unsigned k = 0; k < VIEW_HOOK__COUNT; k++) {
        for (unsigned x = 0; x < VIEW_OUTCOME__COUNT; x++) {
            wbuf_reset(&o->extra);
            label(&o->extra, "kind", view_hook_kind_name((enum view_hook_kind)k));
            label(&o->extra, "outcome", view_outcome_name((enum view_outcome)x));
            sample(o, "", "", o->extra.p, fmt_u(v, sizeof v, s->hooks[k][x]));
        }
    }
    family(o, "oaprobe_adhoc_probes_total", "counter",
           "Ad-hoc /probe checks of hosts with a module, by outcome");
    for (unsigned k = 0; k < VIEW_ADHOC__COUNT; k++) {
        wbuf_reset(&o->extra);
        label(&o->extra, "outcome", view_adhoc_name((enum view_adhoc)k));
        sample(o, "", "", o->extra.p, fmt_u(v, sizeof v, s->adhoc[k]));
    }
    if (s->adhoc_max > 0) {
        scalar_u(o, "oaprobe_adhoc_probes_max", "gauge",
                 "The most ad-hoc /probe checks run at once (max_probes); more are refused",
                 s->adhoc_max);
        scalar_u(o, "oaprobe_adhoc_probes_in_flight", "gauge", "Ad-hoc /probe checks running now",
                 s->adhoc_in_flight);
    }
    if (s->checks_max > 0) {
        scalar_u(o, "oaprobe_checks_max", "gauge",
                 "The most checks the scheduler runs at once (from the fd limit and the memory "
                 "budget, or --max-checks / max_checks)",
                 s->checks_max);
        scalar_u(o, "oaprobe_checks_in_flight", "gauge",
                 "Checks running now, ad-hoc /probe checks included", s->checks_in_flight);
        scalar_u(o, "oaprobe_checks_queued", "gauge",
                 "Scheduled runs waiting for a free place under the cap", s->checks_queued);
    }
    if (s->store.capacity > 0) {
        family(o, "oaprobe_store_dropped_writes_total", "counter",
               "Writes to the history the store writer refused because its queue was full");
        for (unsigned k = 0; k < VIEW_STORE__COUNT; k++) {
            wbuf_reset(&o->extra);
            label(&o->extra, "kind", view_store_kind_name((enum view_store_kind)k));
            sample(o, "", "", o->extra.p, fmt_u(v, sizeof v, s->store.dropped[k]));
        }
        scalar_u(o, "oaprobe_store_queue_items", "gauge",
                 "Writes the store writer holds now (queued, or done and not yet collected)",
                 s->store.items);
        scalar_u(o, "oaprobe_store_queue_capacity_items", "gauge",
                 "The most writes the store writer holds; more are dropped", s->store.capacity);
        scalar_u(o, "oaprobe_store_queue_bytes", "gauge",
                 "Bytes copied into the writes the store writer has queued", s->store.bytes);
        scalar_u(o, "oaprobe_store_queue_capacity_bytes", "gauge",
                 "The most bytes the store writer queues; more are dropped",
                 s->store.bytes_capacity);
    }
    const struct view_kerberos *k = &s->kerberos;
    if (k->workers_max > 0) {
        scalar_u(o, "oaprobe_kerberos_workers", "gauge",
                 "Kerberos worker threads of the check engine now (tickets are acquired off "
                 "the event loop)",
                 k->workers);
        scalar_u(o, "oaprobe_kerberos_workers_max", "gauge",
                 "The most Kerberos worker threads the check engine starts", k->workers_max);
        scalar_u(o, "oaprobe_kerberos_workers_peak", "gauge",
                 "The most Kerberos worker threads at once since the start", k->workers_peak);
        scalar_u(o, "oaprobe_kerberos_queue_length", "gauge",
                 "Kerberos ticket acquisitions waiting for a free worker", k->queued);
        family(o, "oaprobe_kerberos_acquisitions_total", "counter",
               "Kerberos ticket acquisitions finished, by outcome (ok, rejected by the KDC, "
               "error)");
        for (unsigned i = 0; i < VIEW_KRB__COUNT; i++) {
            wbuf_reset(&o->extra);
            label(&o->extra, "outcome", view_krb_name((enum view_krb)i));
            sample(o, "", "", o->extra.p, fmt_u(v, sizeof v, k->acquisitions[i]));
        }
        scalar_u(o, "oaprobe_kerberos_tgts_acquired_total", "counter",
                 "Kerberos ticket-granting tickets acquired (first or renewed)", k->tgts);
        scalar_u(o, "oaprobe_trust_store_loads_total", "counter",
                 "Trust stores (CA bundles) the check engine loaded", k->trust_loads);
    }
    const struct view_tls *tls = &s->tls;
    if (tls->known) {
        family(o, "oaprobe_tls_handshakes_total", "counter",
               "TLS handshakes of the checks, by whether the server resumed the session "
               "offered (resumed) or not (full; the connect step's always is)");
        wbuf_reset(&o->extra);
        label(&o->extra, "session", "resumed");
        sample(o, "", "", o->extra.p, fmt_u(v, sizeof v, tls->handshakes_resumed));
        wbuf_reset(&o->extra);
        label(&o->extra, "session", "full");
        sample(o, "", "", o->extra.p, fmt_u(v, sizeof v, tls->handshakes_full));
        scalar_u(o, "oaprobe_tls_session_cache_targets", "gauge",
                 "Targets whose TLS session cache holds sessions from one run to the next now",
                 tls->cache_targets);
        scalar_u(o, "oaprobe_tls_session_cache_targets_max", "gauge",
                 "The most targets whose TLS session caches hold sessions (tls_session_cache)",
                 tls->cache_targets_max);
        scalar_u(o, "oaprobe_tls_session_cache_refused_total", "counter",
                 "Checks whose target found the session cache budget full (their sessions are "
                 "resumed only within the check)",
                 tls->cache_refused);
    }
    family(o, "oaprobe_start_time_seconds", "gauge", "Start time of the service in Unix seconds");
    sample(o, "", "", NULL, fmt_ms(v, sizeof v, s->started_at_ms));
    family(o, "oaprobe_build_info", "gauge", "A metric with a constant '1' value labeled by version");
    wbuf_reset(&o->extra);
    label(&o->extra, "version", s->version != NULL ? s->version : "unknown");
    sample(o, "", "", o->extra.p, "1");
}

char *render_metrics(const struct view_service *s, size_t *len)
{
    if (s == NULL)
        return NULL;
    struct out o;
    if (out_init(&o) != 0)
        return NULL;
    size_t n = s->ntargets;
    char **labels = calloc(n ? n : 1, sizeof *labels);
    struct subject *subj = calloc(n ? n : 1, sizeof *subj);
    int bad = labels == NULL || subj == NULL;
    for (size_t i = 0; i < n && !bad; i++) {
        const struct view_target *t = s->targets[i];
        labels[i] = target_labels(t != NULL ? t : &(struct view_target){.name = ""});
        bad = labels[i] == NULL;
        subj[i].labels = labels[i];
        subj[i].r = current(t) ? t->latest : NULL;
        if (subj[i].r != NULL)
            get_facts(subj[i].r, &subj[i].f);
    }
    if (!bad) {
        char v[64];
        family(&o, "probe_success", "gauge", "Displays whether or not the probe was a success");
        for (size_t i = 0; i < n; i++) {
            const struct view_target *t = s->targets[i];
            if (current(t))
                sample(&o, "", labels[i], NULL,
                       success_of(t->latest ? oa_result_status(t->latest) : t->last_status)
                           ? "1" : "0");
        }
        family(&o, "probe_duration_seconds", "gauge",
               "Returns how long the probe took to complete in seconds");
        for (size_t i = 0; i < n; i++) {
            const struct view_target *t = s->targets[i];
            if (current(t))
                sample(&o, "", labels[i], NULL,
                       fmt_us(v, sizeof v, t->latest ? t->latest->duration_us : t->latency_us));
        }
        for (int k = 0; k < RF__COUNT; k++)
            result_family(&o, (enum rfam)k, subj, n);
        family(&o, "oaprobe_diagnosis", "gauge", diag_help);
        for (size_t i = 0; i < n; i++) {
            const struct view_target *t = s->targets[i];
            if (current(t))
                diag_samples(&o, labels[i], t->codes, t->ncodes, t->latest);
        }
        target_families(&o, s, labels);
        service_families(&o, s);
    }
    for (size_t i = 0; labels != NULL && i < n; i++)
        free(labels[i]);
    free(labels);
    free(subj);
    if (bad) {
        wbuf_free(&o.extra);
        wbuf_free(&o.b);
        return NULL;
    }
    return out_finish(&o, len);
}
