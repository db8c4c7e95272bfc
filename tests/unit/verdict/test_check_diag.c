/*
 * test_check_diag.c: check_diag() from hand-built observations: every
 * diagnosis code the engine can reach, the steps' statuses, skipped steps,
 * several diagnoses at once, and NULL arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/result/result.h"
#include "probes/tls/tls_facts.h"
#include "probes/verdict/check_diag.h"
#include "probes/verdict/check_obs.h"

#define NPORTS 3
static const uint16_t ports[NPORTS] = {6001, 6002, 6004};

struct fx {
    struct check_obs o;
    struct check_tunnel_obs t[6];
    struct check_diag_cfg cfg;
};

static void xfer_ok(struct check_xfer_obs *x, unsigned status, const char *line)
{
    x->ran = x->done = true;
    x->fail = CHECK_FAIL_NONE;
    x->phase = CHECK_PHASE_HTTP;
    x->status = status;
    snprintf(x->status_line, sizeof x->status_line, "%s", line);
    x->responses = 1;
    x->tcp_connected = true;
    x->t_dns_us = 100;
    x->t_connect_us = 600;
    x->t_tls_us = 2000;
    x->t_total_us = 5000;
    x->t_end_ms = x->t_start_ms + 5;
}

static void tunnel_bound(struct check_tunnel_obs *t, const char *server, uint16_t port)
{
    memset(t, 0, sizeof *t);
    snprintf(t->server, sizeof t->server, "%s", server);
    t->port = port;
    t->reached = CHECK_TUN_BIND_SENT;
    t->end = CHECK_TUN_END_BOUND;
    t->on_out = true;
    xfer_ok(&t->out, 200, "HTTP/1.1 200 Success");
    t->in.ran = t->in.done = true;
    t->in.saw_continue = true;
    t->in.fail = CHECK_FAIL_ABORTED;
    t->in_body_started = true;
    t->bind_ptype = 12;
    t->t_c2_ms = 30;
    t->t_bind_ms = 35;
    snprintf(t->detail, sizeof t->detail, "bind_ack accepted");
}

static void tunnel_6ba(struct check_tunnel_obs *t)
{
    t->end = CHECK_TUN_END_RPC_ERROR;
    t->reached = CHECK_TUN_OPENING;
    t->rpc_error = 0x6ba;
    t->bind_ptype = 0;
    t->t_c2_ms = 0;
    snprintf(t->rpc_error_name, sizeof t->rpc_error_name, "RPC_S_SERVER_UNAVAILABLE");
    t->out.status = 503;
    snprintf(t->out.status_line, sizeof t->out.status_line, "HTTP/1.0 503 RPC Error: 6ba");
    snprintf(t->detail, sizeof t->detail, "OUT channel: HTTP/1.0 503 RPC Error: 6ba");
}

/* A healthy check of mail.contoso.lab: 2 names x 3 ports, all bound. */
static struct fx *healthy(void)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    struct check_obs *o = &f->o;
    snprintf(o->host, sizeof o->host, "mail.contoso.lab");
    o->port = 443;
    o->tls = true;
    o->elapsed_ms = 400;
    o->timeout_ms = 15000;
    xfer_ok(&o->connect.x, 0, "");
    o->connect.x.status = 0;
    snprintf(o->connect.tls_version, sizeof o->connect.tls_version, "TLSv1.3");
    xfer_ok(&o->echo_unauth.x, 401, "HTTP/1.1 401 Unauthorized");
    snprintf(o->echo_unauth.schemes, sizeof o->echo_unauth.schemes, "Negotiate, NTLM, Basic");
    o->echo_unauth.n_challenges = 3;
    o->echo_unauth.offers_ntlm = o->echo_unauth.offers_basic = true;
    o->echo_unauth.offers_negotiate = true;
    xfer_ok(&o->echo_auth.x, 200, "HTTP/1.1 200 Success");
    o->echo_auth.echo_ok = true;
    o->echo_auth.body_total = 20;
    o->n_servers = 2;
    snprintf(o->servers[0], CHECK_NAME_MAX, "EXCH01");
    snprintf(o->servers[1], CHECK_NAME_MAX, "exch01.contoso.lab");
    o->n_tunnels = 6;
    o->tunnels = f->t;
    for (size_t s = 0; s < 2; s++)
        for (size_t p = 0; p < NPORTS; p++)
            tunnel_bound(&f->t[s * NPORTS + p], o->servers[s], ports[p]);
    f->cfg.auth = CHECK_AUTH_NTLM;
    f->cfg.user = "CONTOSO\\oaprobe";
    f->cfg.started_at_ms = 1700000000000;
    f->cfg.expect_wait_ms = 5000;
    return f;
}

static size_t count_code(const struct oa_result *r, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < r->ndiags; i++)
        if (strcmp(oa_diag_code_name(r->diags[i].code), code) == 0)
            n++;
    return n;
}

static const struct oa_step *step(const struct oa_result *r, enum oa_step_kind k,
                                  const char *server, uint16_t port)
{
    return oa_result_find_step((struct oa_result *)r, k, server, port);
}

static struct oa_result *run(struct fx *f)
{
    struct oa_result *r = check_diag(&f->o, &f->cfg);
    assert_non_null(r);
    return r;
}

static void test_healthy(void **state)
{
    (void)state;
    struct fx *f = healthy();
    struct oa_result *r = run(f);
    assert_int_equal(r->ndiags, 0);
    assert_int_equal(oa_result_status(r), OA_STATE_OK);
    /* dns tcp tls echo_unauth echo_auth + 6 tunnels + 6 binds */
    assert_int_equal(r->nsteps, 17);
    assert_int_equal(step(r, OA_STEP_BIND, "exch01.contoso.lab", 6004)->status, OA_STATE_OK);
    check_diag_free(r);
    free(f);
}

static void test_dns_failed(void **state)
{
    (void)state;
    struct fx *f = healthy();
    f->o.connect.x.fail = CHECK_FAIL_DNS;
    f->o.connect.x.tcp_connected = false;
    f->o.echo_unauth.x.fail = CHECK_FAIL_DNS;
    f->o.echo_auth.x.ran = false;
    f->o.n_tunnels = 0;
    struct oa_result *r = run(f);
    assert_int_equal(r->ndiags, 1);
    assert_int_equal(count_code(r, "dns_failed"), 1);
    assert_int_equal(step(r, OA_STEP_TCP, NULL, 0)->status, OA_STATE_SKIPPED);
    assert_int_equal(step(r, OA_STEP_ECHO_UNAUTH, NULL, 0)->status, OA_STATE_SKIPPED);
    assert_int_equal(oa_result_status(r), OA_STATE_CRITICAL);
    check_diag_free(r);
    free(f);
}

/* The connect step fails in various ways; only its diagnosis is reported. */
static void test_connect_failures(void **state)
{
    (void)state;
    static const struct {
        enum check_fail fail;
        bool tcp_connected;
        enum check_phase phase;
        const char *code;
        enum oa_step_kind step;
    } cases[] = {
        {CHECK_FAIL_TCP_REFUSED, false, CHECK_PHASE_TCP, "tcp_refused", OA_STEP_TCP},
        {CHECK_FAIL_TCP_TIMEOUT, false, CHECK_PHASE_TCP, "tcp_timeout", OA_STEP_TCP},
        {CHECK_FAIL_TLS, true, CHECK_PHASE_TLS, "tls_handshake_failed", OA_STEP_TLS},
        {CHECK_FAIL_TIMEOUT, true, CHECK_PHASE_TLS, "timeout", OA_STEP_TLS},
        {CHECK_FAIL_INTERNAL, true, CHECK_PHASE_TLS, "internal_error", OA_STEP_TLS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fx *f = healthy();
        f->o.connect.x.fail = cases[i].fail;
        f->o.connect.x.tcp_connected = cases[i].tcp_connected;
        f->o.connect.x.phase = cases[i].phase;
        f->o.connect.x.t_connect_us = 0;
        f->o.connect.x.t_tls_us = 0;
        f->o.echo_unauth.x.fail = cases[i].fail;
        f->o.echo_auth.x.ran = false;
        f->o.n_tunnels = 0;
        struct oa_result *r = run(f);
        assert_int_equal(r->ndiags, 1);
        assert_int_equal(count_code(r, cases[i].code), 1);
        assert_int_equal(r->diags[0].step, cases[i].step);
        assert_int_equal(step(r, OA_STEP_ECHO_UNAUTH, NULL, 0)->status, OA_STATE_SKIPPED);
        check_diag_free(r);
        free(f);
    }
}

/* The unauthenticated echo decides. */
static void test_echo_unauth(void **state)
{
    (void)state;
    static const struct {
        unsigned status;
        const char *line;
        bool tls;
        unsigned challenges;
        bool ntlm;
        bool echo_ok;
        enum check_fail fail;
        const char *code;
    } cases[] = {
        {404, "HTTP/1.1 404 Not Found", true, 0, false, false, CHECK_FAIL_NONE, "rpcproxy_missing"},
        {403, "HTTP/1.1 403 Forbidden", false, 0, false, false, CHECK_FAIL_NONE, "ssl_required"},
        {403, "HTTP/1.1 403 Forbidden", true, 0, false, false, CHECK_FAIL_NONE,
         "http_status_unexpected"},
        {401, "HTTP/1.1 401 Unauthorized", true, 0, false, false, CHECK_FAIL_NONE,
         "auth_no_methods"},
        {401, "HTTP/1.1 401 Unauthorized", true, 1, false, false, CHECK_FAIL_NONE,
         "auth_scheme_missing"},
        {200, "HTTP/1.1 200 OK", true, 0, false, false, CHECK_FAIL_NONE, "echo_invalid"},
        {500, "HTTP/1.1 500 Internal Server Error", true, 0, false, false, CHECK_FAIL_NONE,
         "http_status_unexpected"},
        {0, "", true, 0, false, false, CHECK_FAIL_TOO_BIG, "protocol_error"},
        {0, "", true, 0, false, false, CHECK_FAIL_PROTOCOL, "protocol_error"},
        {0, "", true, 0, false, false, CHECK_FAIL_CONN_LOST, "protocol_error"},
        {0, "", true, 0, false, false, CHECK_FAIL_TIMEOUT, "timeout"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fx *f = healthy();
        struct check_echo_obs *e = &f->o.echo_unauth;
        f->o.tls = cases[i].tls;
        f->o.port = cases[i].tls ? 443 : 80;
        e->x.status = cases[i].status;
        snprintf(e->x.status_line, sizeof e->x.status_line, "%s", cases[i].line);
        e->x.fail = cases[i].fail;
        e->n_challenges = cases[i].challenges;
        e->offers_ntlm = cases[i].ntlm;
        e->offers_negotiate = false;
        e->offers_basic = cases[i].challenges > 0;
        e->echo_ok = cases[i].echo_ok;
        f->o.echo_auth.x.ran = false;
        f->o.n_tunnels = 0;
        struct oa_result *r = run(f);
        assert_int_equal(r->ndiags, 1);
        assert_int_equal(count_code(r, cases[i].code), 1);
        assert_int_equal(step(r, OA_STEP_ECHO_UNAUTH, NULL, 0)->status,
                         oa_diag_default_severity(r->diags[0].code));
        check_diag_free(r);
        free(f);
    }
}

static void test_echo_auth(void **state)
{
    (void)state;
    /* 401 again: rejected */
    struct fx *f = healthy();
    f->o.echo_auth.x.status = 401;
    f->o.echo_auth.echo_ok = false;
    f->o.echo_auth.x.ntlm_challenge = true;
    f->o.n_tunnels = 0;
    struct oa_result *r = run(f);
    assert_int_equal(count_code(r, "auth_rejected"), 1);
    assert_non_null(strstr(r->diags[0].message, "CONTOSO\\oaprobe"));
    check_diag_free(r);
    /* 401 after a challenge that closed the connection: the balancer */
    f->o.echo_auth.x.close_after_challenge = true;
    r = run(f);
    assert_int_equal(count_code(r, "ntlm_connection_lost"), 1);
    assert_int_equal(r->ndiags, 1);
    check_diag_free(r);
    /* the engine stopped a restarted handshake */
    f->o.echo_auth.x.status = 0;
    f->o.echo_auth.x.fail = CHECK_FAIL_CONN_LOST;
    r = run(f);
    assert_int_equal(count_code(r, "ntlm_connection_lost"), 1);
    check_diag_free(r);
    /* a 200 whose body broke off: the credentials worked, the body did not */
    free(f);
    f = healthy();
    f->o.echo_auth.x.fail = CHECK_FAIL_CONN_LOST;
    f->o.echo_auth.x.ntlm_challenge = true;
    f->o.n_tunnels = 0;
    snprintf(f->o.echo_auth.x.error, sizeof f->o.echo_auth.x.error,
             "transfer closed with 15 bytes remaining to read");
    r = run(f);
    assert_int_equal(count_code(r, "protocol_error"), 1);
    assert_int_equal(r->ndiags, 1);
    assert_null(strstr(r->diags[0].message, "balancer"));
    assert_non_null(strstr(r->diags[0].message, "15 bytes"));
    check_diag_free(r);
    /* 200 that is not an echo: reported, and the tunnels still count */
    free(f);
    f = healthy();
    f->o.echo_auth.echo_ok = false;
    r = run(f);
    assert_int_equal(count_code(r, "echo_invalid"), 1);
    assert_int_equal(r->ndiags, 1);
    check_diag_free(r);
    free(f);
}

static void test_auth_skipped_and_creds(void **state)
{
    (void)state;
    struct fx *f = healthy();
    f->o.echo_auth.x.ran = false;
    f->o.n_tunnels = 0;
    f->o.auth_skipped = true;
    snprintf(f->o.auth_skip_why, sizeof f->o.auth_skip_why, "no --user given");
    struct oa_result *r = run(f);
    assert_int_equal(r->ndiags, 0);
    assert_int_equal(step(r, OA_STEP_ECHO_AUTH, NULL, 0)->status, OA_STATE_SKIPPED);
    assert_int_equal(oa_result_status(r), OA_STATE_OK);
    check_diag_free(r);

    f->o.auth_skipped = false;
    f->o.creds_failed = true;
    f->o.creds_rejected = true;
    f->cfg.auth = CHECK_AUTH_NEGOTIATE;
    snprintf(f->o.creds_why, sizeof f->o.creds_why, "Preauthentication failed");
    r = run(f);
    assert_int_equal(count_code(r, "auth_rejected"), 1);
    check_diag_free(r);
    f->o.creds_rejected = false;
    r = run(f);
    assert_int_equal(count_code(r, "internal_error"), 1);
    assert_int_equal(oa_result_status(r), OA_STATE_UNKNOWN);
    check_diag_free(r);
    free(f);
}

static void test_validports_vs_backend(void **state)
{
    (void)state;
    /* the FQDN is refused on every port, the NetBIOS name works */
    struct fx *f = healthy();
    for (size_t p = 0; p < NPORTS; p++)
        tunnel_6ba(&f->t[NPORTS + p]);
    struct oa_result *r = run(f);
    assert_int_equal(count_code(r, "validports_missing_entry"), 3);
    assert_int_equal(count_code(r, "backend_unreachable"), 0);
    assert_int_equal(step(r, OA_STEP_TUNNEL, "exch01.contoso.lab", 6002)->status,
                     OA_STATE_CRITICAL);
    assert_int_equal(step(r, OA_STEP_TUNNEL, "EXCH01", 6002)->status, OA_STATE_OK);
    check_diag_free(r);
    /* 6004 refused under both names: the backend (or no entry at all) */
    free(f);
    f = healthy();
    tunnel_6ba(&f->t[2]);
    tunnel_6ba(&f->t[5]);
    r = run(f);
    assert_int_equal(count_code(r, "backend_unreachable"), 1);
    assert_int_equal(count_code(r, "validports_missing_entry"), 0);
    assert_non_null(strstr(r->diags[0].message, "cannot be told apart"));
    /* it concerns the port under every name: each refused tunnel is critical */
    assert_string_equal(r->diags[0].server, "");
    assert_int_equal(step(r, OA_STEP_TUNNEL, "EXCH01", 6004)->status, OA_STATE_CRITICAL);
    assert_int_equal(step(r, OA_STEP_TUNNEL, "exch01.contoso.lab", 6004)->status,
                     OA_STATE_CRITICAL);
    assert_int_equal(step(r, OA_STEP_TUNNEL, "EXCH01", 6001)->status, OA_STATE_OK);
    check_diag_free(r);
    free(f);
}

static void test_tunnel_outcomes(void **state)
{
    (void)state;
    static const struct {
        enum check_tun_end end;
        enum check_tun_state reached;
        unsigned in_status;
        const char *code;
        const char *needle;
    } cases[] = {
        {CHECK_TUN_END_BIND_REJECTED, CHECK_TUN_BIND_SENT, 0, "endpoint_bind_rejected", NULL},
        {CHECK_TUN_END_TIMEOUT, CHECK_TUN_WAIT_C2, 0, "timeout", "waiting for CONN/C2"},
        {CHECK_TUN_END_EXPECT_STALL, CHECK_TUN_WAIT_C2, 0, "expect_continue_stall",
         "waiting for CONN/C2"},
        {CHECK_TUN_END_EXPECT_STALL, CHECK_TUN_OPENING, 417, "expect_continue_stall", "417"},
        {CHECK_TUN_END_PROTOCOL, CHECK_TUN_WAIT_A3, 0, "protocol_error", "CommandType"},
        {CHECK_TUN_END_NTLM_LOST, CHECK_TUN_OPENING, 0, "ntlm_connection_lost", NULL},
        {CHECK_TUN_END_AUTH_REJECTED, CHECK_TUN_OPENING, 0, "auth_rejected", NULL},
        {CHECK_TUN_END_INTERNAL, CHECK_TUN_OPENING, 0, "internal_error", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fx *f = healthy();
        struct check_tunnel_obs *t = &f->t[0];
        t->end = cases[i].end;
        t->reached = cases[i].reached;
        t->in.status = cases[i].in_status;
        if (cases[i].in_status)
            snprintf(t->in.status_line, sizeof t->in.status_line,
                     "HTTP/1.1 417 Expectation Failed");
        t->on_out = cases[i].in_status == 0;
        if (cases[i].end == CHECK_TUN_END_AUTH_REJECTED) {
            t->out.status = 401;
            snprintf(t->out.status_line, sizeof t->out.status_line, "HTTP/1.1 401 Unauthorized");
        }
        snprintf(t->detail, sizeof t->detail, "%s",
                 cases[i].end == CHECK_TUN_END_PROTOCOL ? "malformed RTS PDU: CommandType 0xF"
                 : cases[i].end == CHECK_TUN_END_BIND_REJECTED ? "bind_ack provider_rejection"
                                                               : "waiting for CONN/C2");
        t->bind_result = 2;
        t->bind_reason = 1;
        struct oa_result *r = run(f);
        assert_int_equal(count_code(r, cases[i].code), 1);
        assert_int_equal(r->ndiags, 1);
        if (cases[i].needle != NULL)
            assert_non_null(strstr(r->diags[0].message, cases[i].needle));
        assert_int_equal(oa_result_status(r), oa_diag_default_severity(r->diags[0].code));
        check_diag_free(r);
        free(f);
    }
}

static void test_expect_waited_warning(void **state)
{
    (void)state;
    struct fx *f = healthy();
    for (size_t i = 0; i < 6; i++) {
        f->t[i].expect_waited = true;
        f->t[i].in.saw_continue = false;
    }
    struct oa_result *r = run(f);
    assert_int_equal(count_code(r, "expect_continue_stall"), 6);
    assert_int_equal(r->diags[0].severity, OA_STATE_WARNING);
    assert_int_equal(oa_result_status(r), OA_STATE_WARNING);
    check_diag_free(r);
    free(f);
}

static void test_tunnel_conn_failed(void **state)
{
    (void)state;
    struct fx *f = healthy();
    struct check_tunnel_obs *t = &f->t[1];
    t->end = CHECK_TUN_END_CONN_FAILED;
    t->on_out = true;
    t->out.fail = CHECK_FAIL_TCP_REFUSED;
    t->out.status = 0;
    struct oa_result *r = run(f);
    assert_int_equal(count_code(r, "tcp_refused"), 1);
    assert_int_equal(r->diags[0].step, OA_STEP_TUNNEL);
    assert_int_equal(r->diags[0].port, 6002);
    check_diag_free(r);
    free(f);
}

static void test_direct_ports(void **state)
{
    (void)state;
    struct fx *f = healthy();
    f->o.n_direct = NPORTS;
    for (size_t i = 0; i < NPORTS; i++) {
        struct check_direct_obs *d = &f->o.direct[i];
        d->port = ports[i];
        d->x.ran = d->x.done = true;
        d->x.fail = CHECK_FAIL_TCP_REFUSED;
    }
    struct oa_result *r = run(f);
    assert_int_equal(count_code(r, "tcp_refused"), 3);
    assert_int_equal(step(r, OA_STEP_DIRECT_TCP, NULL, 6004)->status, OA_STATE_CRITICAL);
    check_diag_free(r);
    /* open with the banner: fine */
    for (size_t i = 0; i < NPORTS; i++) {
        f->o.direct[i].x.fail = CHECK_FAIL_NONE;
        f->o.direct[i].x.tcp_connected = true;
        snprintf(f->o.direct[i].banner, sizeof f->o.direct[i].banner, "ncacn_http/1.0");
    }
    r = run(f);
    assert_int_equal(r->ndiags, 0);
    check_diag_free(r);
    free(f);
}

static void test_no_servers(void **state)
{
    (void)state;
    struct fx *f = healthy();
    f->o.n_tunnels = 0;
    f->o.no_servers = true;
    snprintf(f->o.no_servers_why, sizeof f->o.no_servers_why, "no NTLM challenge");
    struct oa_result *r = run(f);
    assert_int_equal(count_code(r, "internal_error"), 1);
    assert_non_null(strstr(r->diags[0].message, "--server"));
    check_diag_free(r);
    /* a malformed NTLM CHALLENGE is the server's fault, not the probe's */
    f->o.no_servers_fault = true;
    r = run(f);
    assert_int_equal(count_code(r, "protocol_error"), 1);
    assert_int_equal(r->ndiags, 1);
    assert_int_equal(oa_result_status(r), OA_STATE_CRITICAL);
    check_diag_free(r);
    free(f);
}

/* A 401 whose WWW-Authenticate does not parse; more challenges than kept. */
static void test_www_authenticate_faults(void **state)
{
    (void)state;
    struct fx *f = healthy();
    struct check_echo_obs *e = &f->o.echo_unauth;
    f->o.echo_auth.x.ran = false;
    f->o.n_tunnels = 0;
    e->n_challenges = 0;
    e->offers_ntlm = false;
    e->auth_header_bad = true;
    snprintf(e->auth_header_why, sizeof e->auth_header_why,
             "header 1, offset 16401: header value longer than 16384 bytes");
    struct oa_result *r = run(f);
    assert_int_equal(count_code(r, "protocol_error"), 1);
    assert_null(strstr(r->diags[0].message, "without any"));
    assert_non_null(strstr(r->diags[0].message, "16384"));
    check_diag_free(r);
    e->auth_header_bad = false;
    e->n_challenges = 16;
    e->offers_cut = true;
    snprintf(e->schemes, sizeof e->schemes, "S0, S1");
    r = run(f);
    assert_int_equal(count_code(r, "auth_scheme_missing"), 1);
    assert_non_null(strstr(r->diags[0].message, "more challenges"));
    check_diag_free(r);
    free(f);
}

/* A bind sent and never answered: the bind step is not OK. */
static void test_bind_unanswered(void **state)
{
    (void)state;
    struct fx *f = healthy();
    struct check_tunnel_obs *t = &f->o.tunnels[0];
    t->end = CHECK_TUN_END_TIMEOUT;
    t->reached = CHECK_TUN_BIND_SENT;
    t->out.fail = CHECK_FAIL_TIMEOUT;
    t->out.t_end_ms = t->out.t_start_ms + 4889;
    snprintf(t->detail, sizeof t->detail, "waiting for the bind answer");
    struct oa_result *r = run(f);
    const struct oa_step *b = step(r, OA_STEP_BIND, t->server, t->port);
    assert_non_null(b);
    assert_int_equal(b->status, OA_STATE_CRITICAL);
    assert_int_equal(count_code(r, "timeout"), 1);
    for (size_t i = 0; i < r->ndiags; i++)
        if (strcmp(oa_diag_code_name(r->diags[i].code), "timeout") == 0)
            assert_non_null(strstr(r->diags[i].message, "(4.889 s)"));
    check_diag_free(r);
    free(f);
}

/* Two faults at once: an expired certificate and a ValidPorts gap. */
static void test_combined_cert_and_acl(void **state)
{
    (void)state;
    struct fx *f = healthy();
    for (size_t p = 0; p < NPORTS; p++)
        tunnel_6ba(&f->t[NPORTS + p]);
    struct tls_verdict *v = calloc(1, sizeof *v);
    assert_non_null(v);
    snprintf(v->host, sizeof v->host, "mail.contoso.lab");
    v->chain_len = 2;
    v->leaf.dates_ok = 1;
    v->leaf.not_before = 1600000000;
    v->leaf.not_after = 1690000000;
    v->now = 1700000000;
    v->leaf_expired = 1;
    v->leaf_days_left = -115;
    v->earliest_not_after = v->leaf.not_after;
    v->earliest_days_left = -115;
    v->name_match = TLS_NAME_SAN;
    v->trust = TLS_TRUST_OK;
    f->cfg.tls = v;
    struct oa_result *r = run(f);
    assert_int_equal(count_code(r, "cert_expired"), 1);
    assert_int_equal(count_code(r, "validports_missing_entry"), 3);
    assert_int_equal(step(r, OA_STEP_TLS, NULL, 443)->status, OA_STATE_CRITICAL);
    check_diag_free(r);
    free(v);
    free(f);
}

/* A stage past the depth is a skipped step that says so, never a failure. */
static void assert_not_run(const struct oa_result *r, enum oa_step_kind k, const char *depth)
{
    const struct oa_step *st = step(r, k, NULL, 0);
    assert_non_null(st);
    assert_int_equal(st->status, OA_STATE_SKIPPED);
    const struct oa_detail *d = oa_step_find_detail(st, OA_DETAIL_ERROR);
    assert_non_null(d);
    char want[64];
    snprintf(want, sizeof want, "not run: the check depth is %s", depth);
    assert_string_equal(oa_result_detail_str(r, d), want);
}

static void test_depth(void **state)
{
    (void)state;
    /* tls: what the engine observes at that depth (no echo, no tunnels) */
    struct fx *f = healthy();
    f->cfg.depth = CHECK_DEPTH_TLS;
    memset(&f->o.echo_unauth, 0, sizeof f->o.echo_unauth);
    memset(&f->o.echo_auth, 0, sizeof f->o.echo_auth);
    f->o.n_tunnels = 0;
    f->o.n_servers = 0;
    struct oa_result *r = run(f);
    assert_int_equal(r->ndiags, 0);
    assert_int_equal(oa_result_status(r), OA_STATE_OK);
    assert_int_equal(r->nsteps, 7); /* dns tcp tls + 4 not run */
    assert_int_equal(step(r, OA_STEP_TLS, NULL, 443)->status, OA_STATE_OK);
    assert_not_run(r, OA_STEP_ECHO_UNAUTH, "tls");
    assert_not_run(r, OA_STEP_ECHO_AUTH, "tls");
    assert_not_run(r, OA_STEP_TUNNEL, "tls");
    assert_not_run(r, OA_STEP_BIND, "tls");
    assert_int_equal(r->nperf, 0); /* no tunnels_ok=0 that would read as a failure */
    check_diag_free(r);

    /* echo: the unauthenticated echo judged, no credentials needed */
    f->cfg.depth = CHECK_DEPTH_ECHO;
    f->cfg.user = NULL;
    xfer_ok(&f->o.echo_unauth.x, 401, "HTTP/1.1 401 Unauthorized");
    snprintf(f->o.echo_unauth.schemes, sizeof f->o.echo_unauth.schemes, "NTLM");
    f->o.echo_unauth.n_challenges = 1;
    f->o.echo_unauth.offers_ntlm = true;
    r = run(f);
    assert_int_equal(r->ndiags, 0);
    assert_int_equal(oa_result_status(r), OA_STATE_OK);
    assert_int_equal(step(r, OA_STEP_ECHO_UNAUTH, NULL, 0)->status, OA_STATE_OK);
    assert_not_run(r, OA_STEP_ECHO_AUTH, "echo");
    assert_not_run(r, OA_STEP_TUNNEL, "echo");
    check_diag_free(r);

    /* echo still finds what the echo finds (a 404) */
    f->o.echo_unauth.x.status = 404;
    snprintf(f->o.echo_unauth.x.status_line, sizeof f->o.echo_unauth.x.status_line,
             "HTTP/1.1 404 Not Found");
    r = run(f);
    assert_int_equal(count_code(r, "rpcproxy_missing"), 1);
    assert_int_equal(oa_result_status(r), OA_STATE_CRITICAL);
    check_diag_free(r);

    /* auth: the authenticated echo judged, tunnels not run */
    free(f);
    f = healthy();
    f->cfg.depth = CHECK_DEPTH_AUTH;
    f->o.n_tunnels = 0;
    r = run(f);
    assert_int_equal(r->ndiags, 0);
    assert_int_equal(oa_result_status(r), OA_STATE_OK);
    assert_int_equal(step(r, OA_STEP_ECHO_AUTH, NULL, 0)->status, OA_STATE_OK);
    assert_not_run(r, OA_STEP_TUNNEL, "auth");
    assert_not_run(r, OA_STEP_BIND, "auth");
    check_diag_free(r);

    /* auth: a refused password is still a failure of what ran */
    f->o.echo_auth.x.status = 401;
    f->o.echo_auth.echo_ok = false;
    snprintf(f->o.echo_auth.x.status_line, sizeof f->o.echo_auth.x.status_line,
             "HTTP/1.1 401 Unauthorized");
    r = run(f);
    assert_int_equal(count_code(r, "auth_rejected"), 1);
    assert_int_equal(oa_result_status(r), OA_STATE_CRITICAL);
    check_diag_free(r);
    free(f);
}

static void test_auth_names(void **state)
{
    (void)state;
    static const struct {
        const char *name, *scheme;
        enum check_auth a;
    } t[] = {{"ntlm", "NTLM", CHECK_AUTH_NTLM},
             {"basic", "Basic", CHECK_AUTH_BASIC},
             {"negotiate", "Negotiate", CHECK_AUTH_NEGOTIATE}};
    for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
        enum check_auth a = CHECK_AUTH_BASIC;
        assert_int_equal(check_auth_parse(t[i].name, &a), 0);
        assert_int_equal(a, t[i].a);
        assert_string_equal(check_auth_name(a), t[i].name);
        assert_string_equal(check_auth_scheme(a), t[i].scheme);
    }
    enum check_auth a = CHECK_AUTH_NEGOTIATE;
    assert_int_equal(check_auth_parse("NTLM", &a), -1); /* the scheme token is no config word */
    assert_int_equal(check_auth_parse("", &a), -1);
    assert_int_equal(check_auth_parse("kerberos", &a), -1);
    assert_int_equal(check_auth_parse(NULL, &a), -1);
    assert_int_equal(check_auth_parse("ntlm", NULL), -1);
    assert_int_equal(a, CHECK_AUTH_NEGOTIATE);
    assert_string_equal(check_auth_name((enum check_auth)7), "unknown");
    assert_string_equal(check_auth_scheme((enum check_auth)7), "unknown");
}

static void test_depth_names(void **state)
{
    (void)state;
    const char *names[] = {"tunnel", "auth", "echo", "tls"};
    for (unsigned i = 0; i < 4; i++) {
        enum check_depth d = CHECK_DEPTH_TLS;
        assert_int_equal(check_depth_parse(names[i], &d), 0);
        assert_int_equal(d, (enum check_depth)i);
        assert_string_equal(check_depth_name(d), names[i]);
    }
    enum check_depth d = CHECK_DEPTH_AUTH;
    assert_int_equal(check_depth_parse("TLS", &d), -1);
    assert_int_equal(check_depth_parse("", &d), -1);
    assert_int_equal(check_depth_parse("tunnels", &d), -1);
    assert_int_equal(check_depth_parse(NULL, &d), -1);
    assert_int_equal(check_depth_parse("tls", NULL), -1);
    assert_int_equal(d, CHECK_DEPTH_AUTH);
    assert_string_equal(check_depth_name((enum check_depth)7), "unknown");
    assert_true(check_depth_runs(CHECK_DEPTH_TUNNEL, CHECK_DEPTH_TUNNEL));
    assert_true(check_depth_runs(CHECK_DEPTH_TUNNEL, CHECK_DEPTH_TLS));
    assert_true(check_depth_runs(CHECK_DEPTH_ECHO, CHECK_DEPTH_ECHO));
    assert_true(check_depth_runs(CHECK_DEPTH_ECHO, CHECK_DEPTH_TLS));
    assert_false(check_depth_runs(CHECK_DEPTH_ECHO, CHECK_DEPTH_AUTH));
    assert_false(check_depth_runs(CHECK_DEPTH_TLS, CHECK_DEPTH_ECHO));
    assert_false(check_depth_runs(CHECK_DEPTH_AUTH, CHECK_DEPTH_TUNNEL));
}

/* The compact copy the service keeps: a typical result (2 names x 3
 * ports, healthy or with a few diagnoses) takes at most 4 KiB. Prints the
 * figures (docs/internals/result-model.md). */
static void test_compact_size(void **state)
{
    (void)state;
    for (int variant = 0; variant < 3; variant++) {
        struct fx *f = healthy();
        if (variant == 1) { /* one port refused under both names */
            for (size_t i = 0; i < 6; i += 3) {
                f->t[i].end = CHECK_TUN_END_TIMEOUT;
                f->t[i].reached = CHECK_TUN_WAIT_C2;
                snprintf(f->t[i].detail, sizeof f->t[i].detail, "waiting for CONN/C2");
            }
        } else if (variant == 2) { /* a bind rejected on every tunnel */
            for (size_t i = 0; i < 6; i++) {
                f->t[i].end = CHECK_TUN_END_BIND_REJECTED;
                f->t[i].reached = CHECK_TUN_BIND_SENT;
                f->t[i].bind_result = 2;
                f->t[i].bind_reason = 1;
                snprintf(f->t[i].detail, sizeof f->t[i].detail, "bind_ack provider_rejection");
            }
        }
        struct oa_result *r = run(f);
        struct oa_result *c = oa_result_dup(r);
        assert_non_null(c);
        assert_true(c->nsteps >= 15);
        printf("result bytes (%s, %zu diagnoses): built %zu, compact %zu\n",
               variant == 0 ? "healthy" : variant == 1 ? "2 tunnels timed out" : "6 binds rejected",
               c->ndiags, oa_result_mem_bytes(r), oa_result_mem_bytes(c));
        assert_true(oa_result_mem_bytes(c) <= 4096);
        oa_result_free(c);
        check_diag_free(r);
        free(f);
    }
}

/* A cancelled check (reload, shutdown) is no verdict: UNKNOWN, no steps,
 * whatever had run (here a healthy run stopped in its tunnels). */
static void test_cancelled(void **state)
{
    (void)state;
    struct fx *f = healthy();
    f->o.cancelled = true;
    snprintf(f->o.cancelled_in, sizeof f->o.cancelled_in, "tunnels");
    struct oa_result *r = run(f);
    assert_int_equal(r->nsteps, 0);
    assert_int_equal(r->ndiags, 1);
    assert_int_equal(r->diags[0].code, OA_DIAG_INTERNAL_ERROR);
    assert_non_null(strstr(r->diags[0].message, "cancelled in its tunnels stage"));
    assert_int_equal(oa_result_status(r), OA_STATE_UNKNOWN);
    check_diag_free(r);
    free(f);
}

static void test_null(void **state)
{
    (void)state;
    struct fx *f = healthy();
    assert_null(check_diag(NULL, &f->cfg));
    assert_null(check_diag(&f->o, NULL));
    check_diag_free(NULL);
    /* no tunnels array with a count: nothing read */
    f->o.tunnels = NULL;
    struct oa_result *r = run(f);
    assert_int_equal(r->ndiags, 0);
    check_diag_free(r);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthy),
        cmocka_unit_test(test_cancelled),
        cmocka_unit_test(test_compact_size),
        cmocka_unit_test(test_dns_failed),
        cmocka_unit_test(test_connect_failures),
        cmocka_unit_test(test_echo_unauth),
        cmocka_unit_test(test_echo_auth),
        cmocka_unit_test(test_auth_skipped_and_creds),
        cmocka_unit_test(test_validports_vs_backend),
        cmocka_unit_test(test_tunnel_outcomes),
        cmocka_unit_test(test_expect_waited_warning),
        cmocka_unit_test(test_tunnel_conn_failed),
        cmocka_unit_test(test_direct_ports),
        cmocka_unit_test(test_no_servers),
        cmocka_unit_test(test_www_authenticate_faults),
        cmocka_unit_test(test_bind_unanswered),
        cmocka_unit_test(test_combined_cert_and_acl),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_depth_names),
        cmocka_unit_test(test_auth_names),
        cmocka_unit_test(test_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
