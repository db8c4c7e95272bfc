/*
 * views.c: the sample service view (see views.h).
 */
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "probes/result/tunnel.h"
#include "web/render_json.h"

static void connect_steps(struct oa_result *r, const char *host, int64_t not_after,
                          int64_t days_left, const char *version, const char *cipher)
{
    struct oa_step *st = oa_result_add_step(r, OA_STEP_DNS, NULL, 0);
    oa_step_finish(st, OA_STATE_OK, 2100);
    oa_step_add_str(r, st, OA_DETAIL_ADDRESS, "127.0.0.1");
    st = oa_result_add_step(r, OA_STEP_TCP, NULL, 443);
    oa_step_finish(st, OA_STATE_OK, 350);
    st = oa_result_add_step(r, OA_STEP_TLS, NULL, 443);
    oa_step_finish(st, OA_STATE_OK, 8200);
    oa_step_add_str(r, st, OA_DETAIL_TLS_VERSION, version);
    oa_step_add_str(r, st, OA_DETAIL_TLS_CIPHER, cipher);
    char subject[300];
    snprintf(subject, sizeof subject, "CN=%s,O=Contoso", host);
    oa_step_add_str(r, st, OA_DETAIL_CERT_SUBJECT, subject);
    oa_step_add_str(r, st, OA_DETAIL_CERT_ISSUER, "CN=Contoso Issuing CA 1,O=Contoso");
    oa_step_add_str(r, st, OA_DETAIL_CERT_SAN, host);
    oa_step_add_int(r, st, OA_DETAIL_CERT_SAN_COUNT, 1);
    oa_step_add_time(r, st, OA_DETAIL_CERT_NOT_BEFORE, 1735689600); /* 2025-01-01 */
    oa_step_add_time(r, st, OA_DETAIL_CERT_NOT_AFTER, not_after);
    oa_step_add_int(r, st, OA_DETAIL_CERT_DAYS_LEFT, days_left);
    oa_step_add_time(r, st, OA_DETAIL_CHAIN_NOT_AFTER, not_after);
    oa_step_add_int(r, st, OA_DETAIL_CHAIN_LENGTH, 2);
    oa_step_add_str(r, st, OA_DETAIL_HOST_MATCH, "san");
    oa_step_add_str(r, st, OA_DETAIL_TRUST, "ok");
    oa_result_add_perf(r, "cert_days", days_left, 0, "", "14:", NULL, NULL, NULL);
}

static void echo_steps(struct oa_result *r)
{
    struct oa_step *st = oa_result_add_step(r, OA_STEP_ECHO_UNAUTH, NULL, 0);
    oa_step_finish(st, OA_STATE_OK, 4100);
    oa_step_add_int(r, st, OA_DETAIL_HTTP_STATUS, 401);
    oa_step_add_str(r, st, OA_DETAIL_HTTP_STATUS_LINE, "HTTP/1.1 401 Unauthorized");
    oa_step_add_str(r, st, OA_DETAIL_AUTH_SCHEMES, "NTLM");
    oa_step_add_str(r, st, OA_DETAIL_AUTH_SCHEMES, "Basic");
    st = oa_result_add_step(r, OA_STEP_ECHO_AUTH, NULL, 0);
    oa_step_finish(st, OA_STATE_OK, 9800);
    oa_step_add_int(r, st, OA_DETAIL_HTTP_STATUS, 200);
    oa_step_add_int(r, st, OA_DETAIL_BODY_LENGTH, 20);
    oa_step_add_str(r, st, OA_DETAIL_AUTH_SCHEME, "NTLM");
}

static const uint16_t ports[] = {6001, 6002, 6004};
static const char *const ifaces[] = {"EMSMDB", "RFR", "NSPI"};

struct oa_result *views_result_healthy(const char *host, int64_t started_ms)
{
    struct oa_result *r = oa_result_new(host, started_ms);
    if (r == NULL)
        return NULL;
    oa_result_set_duration(r, 184250);
    connect_steps(r, host, 1782864000 /* 2026-07-01 */, 221, "TLSv1.2",
                  "ECDHE-RSA-AES256-GCM-SHA384");
    echo_steps(r);
    for (size_t i = 0; i < 3; i++) {
        struct oa_step *st = oa_result_add_step(r, OA_STEP_TUNNEL, "EXCH01", ports[i]);
        oa_step_finish(st, OA_STATE_OK, 41000 + 1000 * (int64_t)i);
        oa_step_add_int(r, st, OA_DETAIL_HTTP_STATUS, 200);
        st = oa_result_add_step(r, OA_STEP_BIND, "EXCH01", ports[i]);
        oa_step_finish(st, OA_STATE_OK, 3000);
        oa_step_add_str(r, st, OA_DETAIL_INTERFACE, ifaces[i]);
        oa_step_add_str(r, st, OA_DETAIL_BIND_RESULT, "accepted");
    }
    return r;
}

struct oa_result *views_result_cert_expiring(const char *host, int64_t started_ms)
{
    struct oa_result *r = oa_result_new(host, started_ms);
    if (r == NULL)
        return NULL;
    oa_result_set_duration(r, 96500);
    connect_steps(r, host, 1764547200 /* 2025-12-01 */, 9, "TLSv1.0", "AES128-SHA");
    struct oa_step *tls = oa_result_find_step(r, OA_STEP_TLS, NULL, 0);
    oa_step_raise(tls, OA_STATE_WARNING);
    oa_result_add_diag(r, OA_DIAG_CERT_EXPIRING, OA_STEP_TLS, host, 443,
                       "the certificate 'CN=%s' expires on 2025-12-01T00:00:00Z, in 9 days "
                       "(warning at 14 days)",
                       host);
    echo_steps(r);
    return r;
}

struct oa_result *views_result_backend_down(const char *host, int64_t started_ms)
{
    struct oa_result *r = oa_result_new(host, started_ms);
    if (r == NULL)
        return NULL;
    oa_result_set_duration(r, 2412000);
    connect_steps(r, host, 1782864000, 221, "TLSv1.3", "TLS_AES_256_GCM_SHA384");
    echo_steps(r);
    static const char *const names[] = {"EXCH02", "exch02.tailspin.local"};
    struct oa_tunnel_outcome t[6];
    size_t nt = 0;
    for (size_t n = 0; n < 2; n++) {
        for (size_t i = 0; i < 3; i++) {
            struct oa_step *st = oa_result_add_step(r, OA_STEP_TUNNEL, names[n], ports[i]);
            oa_step_finish(st, OA_STATE_CRITICAL, 21000);
            oa_step_add_int(r, st, OA_DETAIL_HTTP_STATUS, 503);
            oa_step_add_str(r, st, OA_DETAIL_HTTP_STATUS_LINE, "HTTP/1.1 503 RPC Error: 6ba");
            oa_step_add_int(r, st, OA_DETAIL_RPC_ERROR, 0x6ba);
            st = oa_result_add_step(r, OA_STEP_BIND, names[n], ports[i]);
            oa_step_finish(st, OA_STATE_SKIPPED, 0);
            t[nt++] = (struct oa_tunnel_outcome){
                .server = names[n], .port = ports[i], .kind = OA_TUNNEL_RPC_ERROR,
                .rpc_error = 0x6ba, .rpc_error_name = "RPC_S_SERVER_UNAVAILABLE",
                .http_status = 503, .status_line = "HTTP/1.1 503 RPC Error: 6ba"};
        }
    }
    oa_tunnel_verdict(r, t, nt, NULL, 0);
    return r;
}

static const struct view_label labels0[] = {{"site", "hq"}, {"phase", "cutover"}};
static const struct view_label labels2[] = {{"site", "ams"}};
static const struct view_label odd[] = {
    {"site-name", "a \"quoted\" value"},
    {"path", "C:\\Program Files\\Exchange\\"},
    {"note", "line one\nline two"},
    {"ville", "Z\xc3\xbcrich \xe2\x80\x93 \xe6\x9d\xb1\xe4\xba\xac"},
    {"9lives", "starts with a digit"},
    {"target", "clashes with the target label"},
    {"__meta", "reserved prefix"},
    {"\xc3\xbcml", "non-ASCII name"},
    {"", "empty name"},
    {"bad", "invalid \xff utf-8"},
};
static char many_names[20][16];
static char many_values[20][16];
static struct view_label many[20];
static const enum oa_diag_code codes1[] = {OA_DIAG_CERT_EXPIRING};
static const enum oa_diag_code codes2[] = {OA_DIAG_VALIDPORTS_MISSING_ENTRY,
                                           OA_DIAG_CERT_EXPIRING};
static const enum oa_diag_code codes3[] = {OA_DIAG_BACKEND_UNREACHABLE};

static void base(struct views *v, size_t i, const char *name, const char *host,
                 const char *location)
{
    struct view_target *t = &v->t[i];
    struct check_opts *o = &v->opts[i];
    o->host = host;
    o->auth = CHECK_AUTH_NTLM;
    o->user = "CONTOSO\\svc-oaprobe";
    o->password = VIEWS_PASSWORD;
    o->timeout_ms = 15000;
    t->name = name;
    t->host = host;
    t->location = location;
    t->depth = "tunnel";
    t->opts = o;
    t->interval_ms = 60000;
    t->timeout_ms = 15000;
    t->failure_threshold = 2;
    t->success_threshold = 1;
    for (unsigned w = 0; w < VIEW_WINDOW__COUNT; w++)
        t->uptime[w] = -1;
    v->ptrs[i] = t;
}

static void ran(struct view_target *t, struct oa_result *r, enum oa_state status,
                int64_t since)
{
    t->latest = r;
    t->status = status;
    t->last_status = oa_result_status(r);
    t->since_ms = since;
    t->last_run_ms = r->started_at_ms;
    t->latency_us = r->duration_us;
    t->next_run_ms = r->started_at_ms + t->interval_ms;
    t->runs[OA_STATE_OK] = 100;
    t->runs[t->last_status] += 3;
    t->uptime[VIEW_WINDOW_24H] = status == OA_STATE_OK ? 1.0 : 0.9875;
    t->uptime[VIEW_WINDOW_7D] = 0.99821;
    t->uptime[VIEW_WINDOW_30D] = 0.9995;
}

struct views *views_new(void)
{
    struct views *v = calloc(1, sizeof *v);
    if (v == NULL)
        return NULL;
    int64_t t0 = VIEWS_NOW - 30000;
    v->results[0] = views_result_healthy("mail.contoso.com", t0);
    v->results[1] = views_result_cert_expiring("mail.fabrikam.com", t0 + 1000);
    v->results[2] = fixture_critical();
    v->results[3] = views_result_backend_down("mail.tailspin.com", t0 + 2000);
    struct oa_result *stored = views_result_backend_down("mail.odd.example", t0 + 3000);
    v->stored_json = stored != NULL ? render_json(stored, 0) : NULL;
    oa_result_free(stored);
    for (size_t i = 0; i < 4; i++)
        if (v->results[i] == NULL)
            goto fail;
    if (v->stored_json == NULL)
        goto fail;

    static const char *const servers[] = {"EXCH01", "exch01.contoso.local"};
    base(v, 0, "contoso-mail", "mail.contoso.com", "fra1");
    v->opts[0].servers[0] = servers[0];
    v->opts[0].servers[1] = servers[1];
    v->opts[0].n_servers = 2;
    v->opts[0].ports[0] = 6001;
    v->opts[0].ports[1] = 6002;
    v->opts[0].ports[2] = 6004;
    v->opts[0].n_ports = 3;
    v->t[0].labels = labels0;
    v->t[0].nlabels = 2;
    ran(&v->t[0], v->results[0], OA_STATE_OK, VIEWS_NOW - 86400000LL * 3);

    base(v, 1, "fabrikam-cert", "mail.fabrikam.com", "fra1");
    ran(&v->t[1], v->results[1], OA_STATE_WARNING, VIEWS_NOW - 3600000);
    v->t[1].codes = codes1;
    v->t[1].ncodes = 1;

    base(v, 2, "contoso-vp", "mail.contoso.com", "ams1");
    v->t[2].labels = labels2;
    v->t[2].nlabels = 1;
    ran(&v->t[2], v->results[2], OA_STATE_CRITICAL, VIEWS_NOW - 600000);
    v->t[2].codes = codes2;
    v->t[2].ncodes = 2;
    v->t[2].consecutive_failures = 5;
    v->t[2].incident_started_ms = VIEWS_NOW - 600000;
    v->t[2].overruns = 1;

    base(v, 3, "tailspin-backend", "mail.tailspin.com", NULL);
    v->t[3].source = VIEW_SOURCE_API;
    ran(&v->t[3], v->results[3], OA_STATE_CRITICAL, VIEWS_NOW - 7200000);
    v->t[3].codes = codes3;
    v->t[3].ncodes = 1;
    v->t[3].consecutive_failures = 120;
    v->t[3].incident_started_ms = VIEWS_NOW - 7200000;
    v->t[3].running = 1;

    base(v, 4, "many-labels", "mail.many.example", "fra1");
    for (size_t i = 0; i < 20; i++) {
        snprintf(many_names[i], sizeof many_names[i], "label_%02zu", i);
        snprintf(many_values[i], sizeof many_values[i], "value-%zu", i * 7);
        many[i].name = many_names[i];
        many[i].value = many_values[i];
    }
    v->t[4].labels = many;
    v->t[4].nlabels = 20;
    v->t[4].depth = "echo";
    v->t[4].status = OA_STATE_UNKNOWN;

    base(v, 5, "odd-labels", "mail.odd.example", "ams1");
    v->t[5].labels = odd;
    v->t[5].nlabels = sizeof odd / sizeof odd[0];
    v->t[5].latest_json = v->stored_json;
    v->t[5].status = OA_STATE_CRITICAL;
    v->t[5].last_status = OA_STATE_CRITICAL;
    v->t[5].since_ms = VIEWS_NOW - 100000;
    v->t[5].last_run_ms = t0 + 3000;
    v->t[5].latency_us = 2412000;
    v->t[5].codes = codes3;
    v->t[5].ncodes = 1;
    v->t[5].maintenance = 1;
    v->t[5].runs[OA_STATE_CRITICAL] = 7;

    v->svc.version = "0.1.0";
    v->svc.started_at_ms = VIEWS_NOW - 3600000 * 5;
    v->svc.reload_ok = 1;
    v->svc.reload_success_ms = VIEWS_NOW - 3600000;
    static const double lags[] = {0.0004, 0.0021, 0.0021, 0.013, 0.3, 12.5};
    for (size_t i = 0; i < sizeof lags / sizeof lags[0]; i++)
        view_hist_observe(&v->svc.lag, lags[i]);
    v->svc.hooks[VIEW_HOOK_WEBHOOK][VIEW_OUTCOME_SUCCESS] = 4;
    v->svc.hooks[VIEW_HOOK_WEBHOOK][VIEW_OUTCOME_RETRY] = 2;
    v->svc.hooks[VIEW_HOOK_ALERTMANAGER][VIEW_OUTCOME_SUCCESS] = 9;
    v->svc.hooks[VIEW_HOOK_EXEC][VIEW_OUTCOME_FAILURE] = 1;
    v->svc.adhoc[VIEW_ADHOC_SUCCESS] = 7;
    v->svc.adhoc[VIEW_ADHOC_REFUSED] = 3;
    v->svc.adhoc[VIEW_ADHOC_FORBIDDEN] = 5;
    v->svc.checks_max = 512;
    v->svc.adhoc_max = 8;
    v->svc.tls = (struct view_tls){.known = 1,
                                   .handshakes_resumed = 4180,
                                   .handshakes_full = 311,
                                   .cache_targets = 8,
                                   .cache_targets_max = 8,
                                   .cache_refused = 92};
    v->svc.adhoc_in_flight = 2;
    v->svc.checks_in_flight = 37;
    v->svc.checks_queued = 4;
    v->svc.store.dropped[VIEW_STORE_RUN] = 12;
    v->svc.store.dropped[VIEW_STORE_INCIDENT] = 1;
    v->svc.store.items = 3;
    v->svc.store.capacity = 4096;
    v->svc.store.bytes = 9000;
    v->svc.store.bytes_capacity = 64u << 20;
    v->svc.kerberos.workers = 2;
    v->svc.kerberos.workers_max = 8;
    v->svc.kerberos.workers_peak = 5;
    v->svc.kerberos.queued = 3;
    v->svc.kerberos.acquisitions[VIEW_KRB_OK] = 41;
    v->svc.kerberos.acquisitions[VIEW_KRB_REJECTED] = 2;
    v->svc.kerberos.tgts = 6;
    v->svc.kerberos.trust_loads = 11;
    v->svc.targets = v->ptrs;
    v->svc.ntargets = VIEWS_N;
    return v;
fail:
    views_free(v);
    return NULL;
}

void views_free(struct views *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < VIEWS_N; i++)
        oa_result_free(v->results[i]);
    free(v->stored_json);
    free(v);
}
