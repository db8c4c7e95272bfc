/*
 * check_diag.c: observations -> result record, for the connect step, the
 * echoes and the direct ports (tunnels: check_diag_tun.c). See check_diag.h.
 */
#include "probes/verdict/check_diag.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "probes/result/result.h"
#include "probes/result/text.h"
#include "probes/tls/tls_facts.h"
#include "probes/tls/tls_report.h"
#include "probes/verdict/check_diag_int.h"

static int64_t us_between(long long from_us, long long to_us)
{
    return to_us > from_us ? (int64_t)(to_us - from_us) : 0;
}

/* "<seconds>.<ms> s" of a span in ms. */
void cdiag_secs(char *buf, size_t cap, int64_t ms)
{
    if (ms < 0)
        ms = 0;
    snprintf(buf, cap, "%lld.%03lld s", (long long)(ms / 1000), (long long)(ms % 1000));
}

/*
 * A transfer failed below HTTP or in a way that is not an HTTP status: add
 * the diagnosis that names it. what names the stage ("the unauthenticated
 * echo"). Returns true when a diagnosis was added.
 */
bool cdiag_transport(struct oa_result *r, enum oa_step_kind step, const char *server, uint16_t port,
                     const struct check_xfer_obs *x, const char *what, const char *endpoint)
{
    char took[32];
    cdiag_secs(took, sizeof took, x->t_end_ms - x->t_start_ms);
    const char *err = x->detail[0] ? x->detail : x->error;
    switch (x->fail) {
    case CHECK_FAIL_DNS:
        oa_result_add_diag(r, OA_DIAG_DNS_FAILED, step, server, port,
                           "%s: %s does not resolve (%s)", what, endpoint, err);
        return true;
    case CHECK_FAIL_TCP_REFUSED:
        oa_result_add_diag(r, OA_DIAG_TCP_REFUSED, step, server, port,
                           "%s: TCP connection to %s%s%s%s refused", what, endpoint,
                           x->ip[0] ? " (" : "", x->ip, x->ip[0] ? ")" : "");
        return true;
    case CHECK_FAIL_TCP_TIMEOUT:
    case CHECK_FAIL_TCP_UNREACHABLE:
        oa_result_add_diag(r, OA_DIAG_TCP_TIMEOUT, step, server, port,
                           "%s: no answer to the TCP connection to %s within %s (%s)", what,
                           endpoint, took, err);
        return true;
    case CHECK_FAIL_TLS:
        oa_result_add_diag(r, OA_DIAG_TLS_HANDSHAKE_FAILED, step, server, port,
                           "%s: TLS handshake with %s failed: %s", what, endpoint, err);
        return true;
    case CHECK_FAIL_TIMEOUT:
        oa_result_add_diag(r, OA_DIAG_TIMEOUT, step, server, port,
                           "%s: %s did not finish %s; stopped after %s", what, endpoint,
                           x->phase == CHECK_PHASE_TLS ? "the TLS handshake (TCP connected, "
                                                         "no TLS answer)"
                           : x->status != 0 || x->responses > 0 ? "the response"
                                                                : "waiting for a response",
                           took);
        return true;
    case CHECK_FAIL_CONN_LOST:
        oa_result_add_diag(r, OA_DIAG_PROTOCOL_ERROR, step, server, port,
                           "%s: %s closed the connection without a complete answer (%s)", what,
                           endpoint, err);
        return true;
    case CHECK_FAIL_PROTOCOL:
    case CHECK_FAIL_TOO_BIG:
        oa_result_add_diag(r, OA_DIAG_PROTOCOL_ERROR, step, server, port,
                           "%s: malformed HTTP from %s: %s", what, endpoint, err);
        return true;
    case CHECK_FAIL_INTERNAL:
        oa_result_add_diag(r, OA_DIAG_INTERNAL_ERROR, step, server, port, "%s: %s", what,
                           err[0] ? err : "the probe could not run this step");
        return true;
    default:
        return false;
    }
}

void cdiag_http_details(struct oa_result *r, struct oa_step *st, const struct check_xfer_obs *x)
{
    if (x->status != 0) {
        oa_step_add_int(r, st, OA_DETAIL_HTTP_STATUS, x->status);
        oa_step_add_str(r, st, OA_DETAIL_HTTP_STATUS_LINE, x->status_line);
    }
    if (x->fail != CHECK_FAIL_NONE && x->fail != CHECK_FAIL_ABORTED)
        oa_step_add_str(r, st, OA_DETAIL_ERROR, x->detail[0] ? x->detail : x->error);
}

/* ---- connect step -------------------------------------------------------- */

static void connect_steps(struct oa_result *r, const struct check_obs *o,
                          const struct check_diag_cfg *cfg)
{
    const struct check_xfer_obs *x = &o->connect.x;
    char endpoint[CHECK_NAME_MAX + 8];
    snprintf(endpoint, sizeof endpoint, "%s:%u", o->host, o->port);
    if (!x->ran)
        return;
    struct oa_step *dns = oa_result_add_step(r, OA_STEP_DNS, NULL, 0);
    struct oa_step *tcp = oa_result_add_step(r, OA_STEP_TCP, NULL, o->port);
    struct oa_step *tls = o->tls ? oa_result_add_step(r, OA_STEP_TLS, NULL, o->port) : NULL;
    if (x->ip[0])
        oa_step_add_str(r, dns, OA_DETAIL_ADDRESS, x->ip);
    if (x->fail == CHECK_FAIL_DNS) {
        oa_step_finish(dns, OA_STATE_OK, (x->t_end_ms - x->t_start_ms) * 1000);
        oa_step_finish(tcp, OA_STATE_SKIPPED, 0);
        oa_step_finish(tls, OA_STATE_SKIPPED, 0);
        cdiag_transport(r, OA_STEP_DNS, NULL, 0, x, "DNS", o->host);
        return;
    }
    oa_step_finish(dns, OA_STATE_OK, x->t_dns_us);
    bool tcp_ok = x->tcp_connected || x->t_connect_us > 0 || x->fail == CHECK_FAIL_NONE ||
                  x->fail == CHECK_FAIL_TLS;
    if (!tcp_ok) {
        oa_step_finish(tcp, OA_STATE_OK, (x->t_end_ms - x->t_start_ms) * 1000);
        oa_step_finish(tls, OA_STATE_SKIPPED, 0);
        cdiag_transport(r, OA_STEP_TCP, NULL, o->port, x, "TCP", endpoint);
        return;
    }
    oa_step_finish(tcp, OA_STATE_OK,
                   x->t_connect_us > 0 ? us_between(x->t_dns_us, x->t_connect_us) : 0);
    if (tls == NULL) {
        if (x->fail != CHECK_FAIL_NONE)
            cdiag_transport(r, OA_STEP_TCP, NULL, o->port, x, "TCP", endpoint);
        return;
    }
    oa_step_finish(tls, OA_STATE_OK,
                   x->t_tls_us > 0 ? us_between(x->t_connect_us, x->t_tls_us)
                                   : (x->t_end_ms - x->t_start_ms) * 1000);
    if (x->fail != CHECK_FAIL_NONE) {
        cdiag_transport(r, OA_STEP_TLS, NULL, o->port, x, "TLS", endpoint);
        return;
    }
    if (o->connect.tls_version[0])
        oa_step_add_str(r, tls, OA_DETAIL_TLS_VERSION, o->connect.tls_version);
    if (o->connect.tls_cipher[0])
        oa_step_add_str(r, tls, OA_DETAIL_TLS_CIPHER, o->connect.tls_cipher);
    if (cfg->tls != NULL)
        tls_report_verdict(cfg->tls, r, tls);
    else if (cfg->tls_why != NULL && cfg->tls_why[0])
        oa_result_add_diag(r, OA_DIAG_INTERNAL_ERROR, OA_STEP_TLS, NULL, o->port,
                           "the certificate was not judged: %s", cfg->tls_why);
}

/* ---- echoes ---------------------------------------------------------------- */

/* A final status the echo should not get: name the layer that answered. */
static void echo_status(struct oa_result *r, enum oa_step_kind kind, const struct check_obs *o,
                        const struct check_echo_obs *e, const char *what)
{
    const struct check_xfer_obs *x = &e->x;
    if (x->status == 404) {
        oa_result_add_diag(r, OA_DIAG_RPCPROXY_MISSING, kind, NULL, 0,
                           "%s of https://%s/rpc/rpcproxy.dll got %s", what, o->host,
                           x->status_line);
    } else if (x->status == 403 && (!o->tls || strstr(x->status_line, "403.4") != NULL)) {
        oa_result_add_diag(r, OA_DIAG_SSL_REQUIRED, kind, NULL, 0, "%s over plain HTTP got %s",
                           what, x->status_line);
    } else if (x->status == 200 && !e->echo_ok) {
        oa_result_add_diag(r, OA_DIAG_ECHO_INVALID, kind, NULL, 0, "%s got %s but %s", what,
                           x->status_line, e->echo_why[0] ? e->echo_why : "no echo PDU");
    } else {
        oa_result_add_diag(r, OA_DIAG_HTTP_STATUS_UNEXPECTED, kind, NULL, 0,
                           "%s got %s where the RPC proxy answers 401 or 200", what,
                           x->status_line[0] ? x->status_line : "no status");
    }
}

static struct oa_step *echo_step(struct oa_result *r, enum oa_step_kind kind,
                                 const struct check_echo_obs *e)
{
    struct oa_step *st = oa_result_add_step(r, kind, NULL, 0);
    if (st == NULL)
        return NULL;
    cdiag_http_details(r, st, &e->x);
    if (e->n_challenges > 0) {
        char buf[CHECK_SCHEMES_MAX];
        snprintf(buf, sizeof buf, "%s", e->schemes);
        char *save = NULL;
        for (char *tok = strtok_r(buf, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save))
            oa_step_add_str(r, st, OA_DETAIL_AUTH_SCHEMES, tok);
    }
    if (e->x.status != 0)
        oa_step_add_int(r, st, OA_DETAIL_BODY_LENGTH, (int64_t)e->body_total);
    oa_step_finish(st, OA_STATE_OK,
                   e->x.t_total_us > 0 ? e->x.t_total_us
                                       : (e->x.t_end_ms - e->x.t_start_ms) * 1000);
    return st;
}

/* The unauthenticated echo step and its diagnoses. */
static void echo_unauth(struct oa_result *r, const struct check_obs *o,
                        const struct check_diag_cfg *cfg, bool below_ok)
{
    const struct check_echo_obs *e = &o->echo_unauth;
    if (!e->x.ran)
        return;
    struct oa_step *st = echo_step(r, OA_STEP_ECHO_UNAUTH, e);
    if (!below_ok) { /* the connect step failed and said why */
        oa_step_finish(st, OA_STATE_SKIPPED, 0);
        return;
    }
    const char *what = "the unauthenticated echo";
    if (e->x.fail != CHECK_FAIL_NONE) {
        cdiag_transport(r, OA_STEP_ECHO_UNAUTH, NULL, 0, &e->x, what, o->host);
        return;
    }
    if (e->x.status == 401) {
        if (e->n_challenges == 0 && e->auth_header_bad) {
            oa_result_add_diag(r, OA_DIAG_PROTOCOL_ERROR, OA_STEP_ECHO_UNAUTH, NULL, 0,
                               "%s got %s whose WWW-Authenticate header does not parse: %s",
                               what, e->x.status_line, e->auth_header_why);
            return;
        }
        if (e->n_challenges == 0) {
            oa_result_add_diag(r, OA_DIAG_AUTH_NO_METHODS, OA_STEP_ECHO_UNAUTH, NULL, 0,
                               "%s got %s without any WWW-Authenticate header%s%s", what,
                               e->x.status_line, e->auth_header_bad ? ": " : "",
                               e->auth_header_why);
            return;
        }
        if (!check_obs_offers(e, cfg->auth)) {
            oa_result_add_diag(r, OA_DIAG_AUTH_SCHEME_MISSING, OA_STEP_ECHO_UNAUTH, NULL, 0,
                               "%s is not offered on /rpc: the 401 offers %s%s",
                               check_auth_scheme(cfg->auth), e->schemes,
                               e->offers_cut ? " and more challenges than the probe reads" : "");
            return;
        }
        return;
    }
    if (e->x.status == 200 && e->echo_ok)
        return; /* anonymous access allowed (AllowAnonymous / SSL offloading) */
    echo_status(r, OA_STEP_ECHO_UNAUTH, o, e, what);
}

/* The authenticated echo step and its diagnoses. */
static void echo_auth(struct oa_result *r, const struct check_obs *o,
                      const struct check_diag_cfg *cfg)
{
    const struct check_echo_obs *e = &o->echo_auth;
    const char *scheme = check_auth_scheme(cfg->auth);
    if (o->creds_failed) {
        struct oa_step *st = oa_result_add_step(r, OA_STEP_ECHO_AUTH, NULL, 0);
        oa_step_add_str(r, st, OA_DETAIL_AUTH_SCHEME, scheme);
        oa_step_add_str(r, st, OA_DETAIL_ERROR, o->creds_why);
        oa_step_finish(st, OA_STATE_OK, 0);
        enum oa_diag_code code = o->creds_rejected  ? OA_DIAG_AUTH_REJECTED
                                 : o->creds_timeout ? OA_DIAG_TIMEOUT
                                                    : OA_DIAG_INTERNAL_ERROR;
        oa_result_add_diag(r, code, OA_STEP_ECHO_AUTH, NULL, 0,
                           "no Kerberos credentials for %s: %s",
                           cfg->user ? cfg->user : "the default principal", o->creds_why);
        return;
    }
    if (!e->x.ran) {
        if (o->auth_skipped) {
            struct oa_step *st = oa_result_add_step(r, OA_STEP_ECHO_AUTH, NULL, 0);
            oa_step_add_str(r, st, OA_DETAIL_ERROR, o->auth_skip_why);
            oa_step_finish(st, OA_STATE_SKIPPED, 0);
        }
        return;
    }
    struct oa_step *st = echo_step(r, OA_STEP_ECHO_AUTH, e);
    oa_step_add_str(r, st, OA_DETAIL_AUTH_SCHEME, scheme);
    const char *what = "the authenticated echo";
    if (e->x.fail == CHECK_FAIL_CONN_LOST && e->x.status == 200) {
        /* the credentials were accepted: a broken body is not NTLM's fault */
        oa_result_add_diag(r, OA_DIAG_PROTOCOL_ERROR, OA_STEP_ECHO_AUTH, NULL, 0,
                           "%s got %s (%s accepted) but its body broke off: %s", what,
                           e->x.status_line, scheme, e->x.detail[0] ? e->x.detail : e->x.error);
        return;
    }
    if (e->x.fail == CHECK_FAIL_CONN_LOST && e->x.ntlm_challenge) {
        oa_result_add_diag(r, OA_DIAG_NTLM_CONNECTION_LOST, OA_STEP_ECHO_AUTH, NULL, 0, "%s: %s",
                           what, e->x.detail[0] ? e->x.detail : e->x.error);
        return;
    }
    if (e->x.fail != CHECK_FAIL_NONE) {
        cdiag_transport(r, OA_STEP_ECHO_AUTH, NULL, 0, &e->x, what, o->host);
        return;
    }
    if (e->x.status == 401) {
        if (check_obs_ntlm_lost(&e->x))
            oa_result_add_diag(r, OA_DIAG_NTLM_CONNECTION_LOST, OA_STEP_ECHO_AUTH, NULL, 0,
                               "%s: the connection was closed after the NTLM challenge (%s), "
                               "so the response could not be sent on it; final answer %s",
                               what,
                               e->x.close_after_challenge ? "Connection: close"
                                                          : "a new connection was opened",
                               e->x.status_line);
        else if (e->x.rechallenged)
            oa_result_add_diag(r, OA_DIAG_AUTH_REJECTED, OA_STEP_ECHO_AUTH, NULL, 0,
                               "%s with %s as %s got %s again: the server answered the "
                               "AUTHENTICATE with a new CHALLENGE on the same connection",
                               what, scheme, cfg->user ? cfg->user : "the default principal",
                               e->x.status_line);
        else
            oa_result_add_diag(r, OA_DIAG_AUTH_REJECTED, OA_STEP_ECHO_AUTH, NULL, 0,
                               "%s with %s as %s got %s again%s", what, scheme,
                               cfg->user ? cfg->user : "the default principal", e->x.status_line,
                               cfg->auth == CHECK_AUTH_NTLM
                                   ? " (a balancer without connection affinity looks the same "
                                     "from outside: retry with --auth basic to tell)"
                                   : "");
        return;
    }
    if (e->x.status == 200 && e->echo_ok)
        return;
    echo_status(r, OA_STEP_ECHO_AUTH, o, e, what);
}

/* ---- direct ports --------------------------------------------------------- */

static void direct_steps(struct oa_result *r, const struct check_obs *o)
{
    for (size_t i = 0; i < o->n_direct; i++) {
        const struct check_direct_obs *d = &o->direct[i];
        if (!d->x.ran)
            continue;
        struct oa_step *st = oa_result_add_step(r, OA_STEP_DIRECT_TCP, NULL, d->port);
        if (d->x.ip[0])
            oa_step_add_str(r, st, OA_DETAIL_ADDRESS, d->x.ip);
        if (d->banner[0])
            oa_step_add_str(r, st, OA_DETAIL_BANNER, d->banner);
        oa_step_finish(st, OA_STATE_OK,
                       d->x.t_connect_us > 0 ? d->x.t_connect_us
                                             : (d->x.t_end_ms - d->x.t_start_ms) * 1000);
        char endpoint[CHECK_NAME_MAX + 8];
        snprintf(endpoint, sizeof endpoint, "%s:%u", o->host, d->port);
        if (!cdiag_direct_open(d))
            cdiag_transport(r, OA_STEP_DIRECT_TCP, NULL, d->port, &d->x, "the direct TCP check",
                            endpoint);
    }
}

bool cdiag_direct_open(const struct check_direct_obs *d)
{
    return d->x.tcp_connected || d->x.t_connect_us > 0 || d->banner[0] != '\0';
}

/* ---- depth ---------------------------------------------------------------- */

/* A stage past the check's depth: a skipped step that says so. */
static void not_run(struct oa_result *r, enum oa_step_kind kind, enum check_depth d)
{
    struct oa_step *st = oa_result_add_step(r, kind, NULL, 0);
    char why[64];
    snprintf(why, sizeof why, "not run: the check depth is %s", check_depth_name(d));
    oa_step_add_str(r, st, OA_DETAIL_ERROR, why);
    oa_step_finish(st, OA_STATE_SKIPPED, 0);
}

/* ---- the whole result ------------------------------------------------------ */

/* Raise every step to the worst severity of the diagnoses about it. */
static void raise_steps(struct oa_result *r)
{
    for (size_t i = 0; i < r->ndiags; i++) {
        const struct oa_diag *d = &r->diags[i];
        for (size_t k = 0; k < r->nsteps; k++) {
            struct oa_step *st = &r->steps[k];
            if (st->kind != d->step || st->status == OA_STATE_SKIPPED)
                continue;
            if (d->server[0] && oa_text_casecmp(d->server, st->server) != 0)
                continue;
            if (d->port != 0 && st->port != 0 && d->port != st->port)
                continue;
            oa_step_raise(st, d->severity);
        }
    }
}

struct oa_result *check_diag(const struct check_obs *o, const struct check_diag_cfg *cfg)
{
    if (o == NULL || cfg == NULL)
        return NULL;
    char target[CHECK_NAME_MAX + 8];
    if (o->port == (o->tls ? 443 : 80))
        snprintf(target, sizeof target, "%s", o->host);
    else
        snprintf(target, sizeof target, "%s:%u", o->host, o->port);
    struct oa_result *r = oa_result_new(target, cfg->started_at_ms);
    if (r == NULL)
        return NULL;
    oa_result_set_duration(r, o->elapsed_ms * 1000);
    if (o->cancelled) { /* stopped from outside: what ran is no verdict */
        oa_result_add_diag(r, OA_DIAG_INTERNAL_ERROR, OA_STEP_NONE, NULL, 0,
                           "the check was cancelled in its %s stage: no verdict",
                           o->cancelled_in[0] ? o->cancelled_in : "running");
        return r;
    }
    connect_steps(r, o, cfg);
    bool below_ok = o->connect.x.ran && o->connect.x.fail == CHECK_FAIL_NONE;
    if (check_depth_runs(cfg->depth, CHECK_DEPTH_ECHO))
        echo_unauth(r, o, cfg, below_ok);
    else
        not_run(r, OA_STEP_ECHO_UNAUTH, cfg->depth);
    if (check_depth_runs(cfg->depth, CHECK_DEPTH_AUTH))
        echo_auth(r, o, cfg);
    else
        not_run(r, OA_STEP_ECHO_AUTH, cfg->depth);
    if (o->no_servers && o->no_servers_fault)
        oa_result_add_diag(r, OA_DIAG_PROTOCOL_ERROR, OA_STEP_ECHO_AUTH, NULL, 0,
                           "no RPC server name to test: %s (or give --server)",
                           o->no_servers_why);
    else if (o->no_servers)
        oa_result_add_diag(r, OA_DIAG_INTERNAL_ERROR, OA_STEP_ECHO_AUTH, NULL, 0,
                           "no RPC server name to test: %s; give --server", o->no_servers_why);
    if (check_depth_runs(cfg->depth, CHECK_DEPTH_TUNNEL)) {
        cdiag_tunnels(r, o, cfg, below_ok);
    } else {
        not_run(r, OA_STEP_TUNNEL, cfg->depth);
        not_run(r, OA_STEP_BIND, cfg->depth);
    }
    direct_steps(r, o);
    raise_steps(r);
    return r;
}

void check_diag_free(struct oa_result *r)
{
    oa_result_free(r);
}
