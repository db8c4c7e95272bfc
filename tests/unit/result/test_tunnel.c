/*
 * test_tunnel.c: the tunnel verdict (validports_missing_entry versus
 * backend_unreachable, direct TCP evidence, and every other outcome).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "probes/result/result.h"
#include "probes/result/tunnel.h"

#define NB "EXCH01"
#define FQDN "exch01.contoso.local"
#define PUB "mail.contoso.com"
#define L6BA "HTTP/1.1 503 RPC Error: 6ba"

#define OK(srv, p) {.server = srv, .port = p, .kind = OA_TUNNEL_OK}
#define REFUSED(srv, p)                                                    \
    {.server = srv, .port = p, .kind = OA_TUNNEL_RPC_ERROR,                \
     .rpc_error = 0x6ba, .http_status = 503, .status_line = L6BA}

struct want {
    enum oa_diag_code code;
    enum oa_step_kind step;
    const char *server;
    uint16_t port;
    const char *msg_has[3];
    const char *msg_lacks;
    const char *remedy_has;
};

struct tcase {
    const char *name;
    struct oa_tunnel_outcome t[8];
    size_t nt;
    struct oa_direct_outcome d[4];
    size_t nd;
    struct want w[6];
    size_t nw;
};

static const struct tcase cases[] = {
    {"all ok", {OK(NB, 6001), OK(FQDN, 6001), OK(NB, 6004), OK(FQDN, 6004)}, 4,
     {{0}}, 0, {{0}}, 0},

    {"fqdn missing from ValidPorts",
     {OK(NB, 6001), REFUSED(FQDN, 6001)}, 2, {{0}}, 0,
     {{OA_DIAG_VALIDPORTS_MISSING_ENTRY, OA_STEP_TUNNEL, FQDN, 6001,
       {"refuses exch01.contoso.local:6001", "\"" L6BA "\"", "while EXCH01:6001 works"},
       "cannot be told apart",
       "add exch01.contoso.local:6001 to ValidPorts"}}, 1},

    {"netbios missing, reverse order",
     {REFUSED(NB, 6004), OK(FQDN, 6004)}, 2, {{0}}, 0,
     {{OA_DIAG_VALIDPORTS_MISSING_ENTRY, OA_STEP_TUNNEL, NB, 6004,
       {"refuses EXCH01:6004", "while exch01.contoso.local:6004 works"}, NULL,
       "EXCH01:6001-6002;EXCH01:6004"}}, 1},

    {"same name in two cases merges, success wins",
     {REFUSED("exch01", 6001), OK(NB, 6001)}, 2, {{0}}, 0, {{0}}, 0},

    {"refused under both names, no direct check",
     {REFUSED(NB, 6001), REFUSED(FQDN, 6001)}, 2, {{0}}, 0,
     {{OA_DIAG_BACKEND_UNREACHABLE, OA_STEP_TUNNEL, "", 6001,
       {"under every name tried (EXCH01, exch01.contoso.local;",
        "cannot be told apart from outside", "check port 6001 directly"},
       "other name", "ValidPorts has an entry at all"}}, 1},

    {"refused under the only name tried suggests the other name",
     {REFUSED(NB, 6002)}, 1, {{0}}, 0,
     {{OA_DIAG_BACKEND_UNREACHABLE, OA_STEP_TUNNEL, "", 6002,
       {"(EXCH01;", "other name (NetBIOS vs FQDN)", "cannot be told apart"}, NULL,
       NULL}}, 1},

    {"refused everywhere but the endpoint answers directly: ACL",
     {REFUSED(NB, 6001), REFUSED(FQDN, 6001)}, 2,
     {{PUB, 6001, OA_DIRECT_NCACN_HTTP}}, 1,
     {{OA_DIAG_VALIDPORTS_MISSING_ENTRY, OA_STEP_TUNNEL, NB, 6001,
       {"under every name tried", "mail.contoso.com:6001 answers ncacn_http/1.0",
        "no entry for EXCH01:6001"}, NULL, "add EXCH01:6001 to ValidPorts"},
      {OA_DIAG_VALIDPORTS_MISSING_ENTRY, OA_STEP_TUNNEL, FQDN, 6001,
       {"no entry for exch01.contoso.local:6001"}, NULL,
       "restart the System Attendant"}}, 2},

    {"refused everywhere and refused directly: dead backend",
     {REFUSED(NB, 6004), REFUSED(FQDN, 6004)}, 2,
     {{PUB, 6004, OA_DIRECT_REFUSED}}, 1,
     {{OA_DIAG_BACKEND_UNREACHABLE, OA_STEP_TUNNEL, "", 6004,
       {"mail.contoso.com:6004 is refused too", "nothing listens"},
       "cannot be told apart", "start the Exchange service"}}, 1},

    {"direct check timed out separates nothing",
     {REFUSED(NB, 6004), REFUSED(FQDN, 6004)}, 2,
     {{PUB, 6004, OA_DIRECT_TIMEOUT}}, 1,
     {{OA_DIAG_BACKEND_UNREACHABLE, OA_STEP_TUNNEL, "", 6004,
       {"timed out (filtered from here)", "does not tell ACL deny from a dead backend"},
       NULL, "ValidPorts has an entry at all"}}, 1},

    {"direct check finds another listener",
     {REFUSED(NB, 6002), REFUSED(FQDN, 6002)}, 2,
     {{PUB, 6002, OA_DIRECT_OPEN_OTHER}}, 1,
     {{OA_DIAG_BACKEND_UNREACHABLE, OA_STEP_TUNNEL, "", 6002,
       {"connects but does not answer ncacn_http/1.0"}, NULL,
       "register the Exchange endpoint for ncacn_http"}}, 1},

    {"direct check of another port is not evidence",
     {REFUSED(NB, 6002), REFUSED(FQDN, 6002)}, 2,
     {{PUB, 6001, OA_DIRECT_NCACN_HTTP}, {PUB, 6004, OA_DIRECT_REFUSED}}, 2,
     {{OA_DIAG_BACKEND_UNREACHABLE, OA_STEP_TUNNEL, "", 6002,
       {"cannot be told apart from outside"}, "6001", NULL}}, 1},

    {"the most telling direct result wins",
     {REFUSED(NB, 6001)}, 1,
     {{"198.51.100.7", 6001, OA_DIRECT_TIMEOUT}, {PUB, 6001, OA_DIRECT_NCACN_HTTP},
      {"x", 6001, OA_DIRECT_NOT_RUN}, {"y", 6001, (enum oa_direct_kind)99}}, 4,
     {{OA_DIAG_VALIDPORTS_MISSING_ENTRY, OA_STEP_TUNNEL, NB, 6001,
       {"mail.contoso.com:6001 answers"}, NULL, NULL}}, 1},

    {"three ports, three stories",
     {OK(NB, 6001), OK(FQDN, 6001), REFUSED(NB, 6002), REFUSED(FQDN, 6002),
      OK(NB, 6004), REFUSED(FQDN, 6004)}, 6, {{0}}, 0,
     {{OA_DIAG_BACKEND_UNREACHABLE, OA_STEP_TUNNEL, "", 6002, {"port 6002"}, NULL, NULL},
      {OA_DIAG_VALIDPORTS_MISSING_ENTRY, OA_STEP_TUNNEL, FQDN, 6004,
       {"while EXCH01:6004 works"}, NULL, NULL}}, 2},

    {"other RPC error code",
     {{.server = NB, .port = 6001, .kind = OA_TUNNEL_RPC_ERROR, .rpc_error = 5,
       .rpc_error_name = "ERROR_ACCESS_DENIED", .http_status = 503,
       .status_line = "HTTP/1.1 503 RPC Error: 5"}}, 1, {{0}}, 0,
     {{OA_DIAG_TUNNEL_RPC_ERROR, OA_STEP_TUNNEL, NB, 6001,
       {"RPC error 0x5 ERROR_ACCESS_DENIED", "\"HTTP/1.1 503 RPC Error: 5\""}, NULL,
       NULL}}, 1},

    {"6ba without a status line rebuilds the evidence",
     {{.server = NB, .port = 6001, .kind = OA_TUNNEL_RPC_ERROR, .rpc_error = 0x6ba}}, 1,
     {{0}}, 0,
     {{OA_DIAG_BACKEND_UNREACHABLE, OA_STEP_TUNNEL, "", 6001,
       {"503 RPC Error: 6ba"}, NULL, NULL}}, 1},

    {"unknown RPC error without a name",
     {{.server = NB, .port = 6001, .kind = OA_TUNNEL_RPC_ERROR, .rpc_error = 0x1234,
       .rpc_error_name = ""}}, 1, {{0}}, 0,
     {{OA_DIAG_TUNNEL_RPC_ERROR, OA_STEP_TUNNEL, NB, 6001,
       {"503 RPC Error: 1234", "(RPC error 0x1234)"}, NULL, NULL}}, 1},

    {"401 on the tunnel",
     {{.server = NB, .port = 6001, .kind = OA_TUNNEL_HTTP_STATUS, .http_status = 401,
       .status_line = "HTTP/1.1 401 Unauthorized", .auth_scheme = "NTLM"},
      {.server = NB, .port = 6002, .kind = OA_TUNNEL_AUTH_REJECTED, .http_status = 401,
       .auth_scheme = "Basic"}}, 2, {{0}}, 0,
     {{OA_DIAG_AUTH_REJECTED, OA_STEP_TUNNEL, NB, 6001,
       {"401 Unauthorized", "balancer moving the channel"}, NULL, NULL},
      {OA_DIAG_AUTH_REJECTED, OA_STEP_TUNNEL, NB, 6002, {"HTTP status 401"},
       "balancer", NULL}}, 2},

    {"404 on the tunnel: server name not routed",
     {{.server = "mbx-guid@contoso.com", .port = 6001, .kind = OA_TUNNEL_HTTP_STATUS,
       .http_status = 404, .status_line = "HTTP/1.1 404 Not Found"}}, 1, {{0}}, 0,
     {{OA_DIAG_RPC_SERVER_REFUSED, OA_STEP_TUNNEL, "mbx-guid@contoso.com", 6001,
       {"404 Not Found", "does not route to this RPC server name"}, NULL,
       "Autodiscover"}}, 1},

    {"417 and 501 after Expect, 417 without",
     {{.server = NB, .port = 6001, .kind = OA_TUNNEL_HTTP_STATUS, .http_status = 417,
       .expect_sent = 1},
      {.server = NB, .port = 6002, .kind = OA_TUNNEL_HTTP_STATUS, .http_status = 501,
       .expect_sent = 1, .status_line = "HTTP/1.1 501 Not Implemented"},
      {.server = NB, .port = 6004, .kind = OA_TUNNEL_HTTP_STATUS, .http_status = 417}},
     3, {{0}}, 0,
     {{OA_DIAG_EXPECT_CONTINUE_STALL, OA_STEP_TUNNEL, NB, 6001, {"HTTP status 417"},
       NULL, "100-continue"},
      {OA_DIAG_EXPECT_CONTINUE_STALL, OA_STEP_TUNNEL, NB, 6002, {"501 Not Implemented"},
       NULL, NULL},
      {OA_DIAG_HTTP_STATUS_UNEXPECTED, OA_STEP_TUNNEL, NB, 6004, {"HTTP status 417"},
       NULL, NULL}}, 3},

    {"502 from a balancer",
     {{.server = NB, .port = 6001, .kind = OA_TUNNEL_HTTP_STATUS, .http_status = 502,
       .status_line = "HTTP/1.1 502 Bad Gateway"}}, 1, {{0}}, 0,
     {{OA_DIAG_HTTP_STATUS_UNEXPECTED, OA_STEP_TUNNEL, NB, 6001,
       {"\"HTTP/1.1 502 Bad Gateway\"", "does not send here"}, NULL, "balancer"}}, 1},

    {"status with no line and no code",
     {{.server = NB, .port = 6001, .kind = OA_TUNNEL_HTTP_STATUS}}, 1, {{0}}, 0,
     {{OA_DIAG_HTTP_STATUS_UNEXPECTED, OA_STEP_TUNNEL, NB, 6001, {"no status line"},
       NULL, NULL}}, 1},

    {"timeout",
     {{.server = FQDN, .port = 6004, .kind = OA_TUNNEL_TIMEOUT, .elapsed_us = 2500000},
      {.server = FQDN, .port = 6001, .kind = OA_TUNNEL_TIMEOUT, .elapsed_us = -4}}, 2,
     {{0}}, 0,
     {{OA_DIAG_TIMEOUT, OA_STEP_TUNNEL, FQDN, 6004, {"within 2.500 s"}, NULL, NULL},
      {OA_DIAG_TIMEOUT, OA_STEP_TUNNEL, FQDN, 6001, {"within 0.000 s"}, NULL, NULL}}, 2},

    {"connection lost: NTLM, Negotiate, unknown scheme, Basic",
     {{.server = NB, .port = 6001, .kind = OA_TUNNEL_CONN_LOST, .auth_scheme = "NTLM"},
      {.server = NB, .port = 6002, .kind = OA_TUNNEL_CONN_LOST, .auth_scheme = "Negotiate"},
      {.server = NB, .port = 6004, .kind = OA_TUNNEL_CONN_LOST},
      {.server = FQDN, .port = 6004, .kind = OA_TUNNEL_CONN_LOST, .auth_scheme = "Basic"}},
     4, {{0}}, 0,
     {{OA_DIAG_NTLM_CONNECTION_LOST, OA_STEP_TUNNEL, NB, 6001, {"during the NTLM exchange"},
       NULL, "affinity"},
      {OA_DIAG_NTLM_CONNECTION_LOST, OA_STEP_TUNNEL, NB, 6002, {"Negotiate exchange"},
       NULL, NULL},
      {OA_DIAG_NTLM_CONNECTION_LOST, OA_STEP_TUNNEL, NB, 6004, {"NTLM exchange"}, NULL,
       NULL},
      {OA_DIAG_PROTOCOL_ERROR, OA_STEP_TUNNEL, FQDN, 6004, {"middle of the Basic exchange"},
       NULL, NULL}}, 4},

    {"protocol error, expect stall, internal",
     {{.server = NB, .port = 6001, .kind = OA_TUNNEL_PROTOCOL_ERROR,
       .detail = "frag_length 12 is shorter than the 20-byte RTS header"},
      {.server = NB, .port = 6002, .kind = OA_TUNNEL_PROTOCOL_ERROR,
       .status_line = "HTTP/1.1 200 OK"},
      {.server = NB, .port = 6004, .kind = OA_TUNNEL_EXPECT_STALL},
      {.server = FQDN, .port = 6004, .kind = OA_TUNNEL_INTERNAL},
      {.server = FQDN, .port = 6001, .kind = OA_TUNNEL_INTERNAL, .detail = "out of memory"}},
     5, {{0}}, 0,
     /* port by port, in the order the ports first appear */
     {{OA_DIAG_PROTOCOL_ERROR, OA_STEP_TUNNEL, NB, 6001, {"frag_length 12"}, NULL, NULL},
      {OA_DIAG_INTERNAL_ERROR, OA_STEP_TUNNEL, FQDN, 6001, {"out of memory"}, NULL, NULL},
      {OA_DIAG_PROTOCOL_ERROR, OA_STEP_TUNNEL, NB, 6002, {"\"HTTP/1.1 200 OK\""}, NULL,
       NULL},
      {OA_DIAG_EXPECT_CONTINUE_STALL, OA_STEP_TUNNEL, NB, 6004, {"no 100 Continue"}, NULL,
       NULL},
      {OA_DIAG_INTERNAL_ERROR, OA_STEP_TUNNEL, FQDN, 6004, {"internal error"}, NULL,
       NULL}}, 5},

    {"bind rejected counts as reaching the backend",
     {{.server = NB, .port = 6004, .kind = OA_TUNNEL_BIND_REJECTED,
       .detail = "bind_nak reason 4 (protocol version not supported)"},
      REFUSED(FQDN, 6004), OK(NB, 6004)}, 3, {{0}}, 0,
     {{OA_DIAG_VALIDPORTS_MISSING_ENTRY, OA_STEP_TUNNEL, FQDN, 6004,
       {"while EXCH01:6004 works"}, NULL, NULL},
      {OA_DIAG_ENDPOINT_BIND_REJECTED, OA_STEP_BIND, NB, 6004,
       {"rejects the bind: bind_nak reason 4"}, NULL, "wrong service"}}, 2},

    {"bind rejected without detail",
     {{.server = NB, .port = 6001, .kind = OA_TUNNEL_BIND_REJECTED}}, 1, {{0}}, 0,
     {{OA_DIAG_ENDPOINT_BIND_REJECTED, OA_STEP_BIND, NB, 6001, {"bind rejected"}, NULL,
       NULL}}, 1},

    {"ignored outcomes",
     {{.server = NB, .port = 6001, .kind = OA_TUNNEL_CONN_FAILED},
      {.server = NB, .port = 6002, .kind = OA_TUNNEL_NOT_RUN},
      {.server = NULL, .port = 6001, .kind = OA_TUNNEL_RPC_ERROR, .rpc_error = 0x6ba},
      {.server = "", .port = 6001, .kind = OA_TUNNEL_RPC_ERROR, .rpc_error = 0x6ba},
      {.server = NB, .port = 0, .kind = OA_TUNNEL_RPC_ERROR, .rpc_error = 0x6ba},
      {.server = NB, .port = 6001, .kind = (enum oa_tunnel_kind)99},
      {.server = NB, .port = 6001, .kind = (enum oa_tunnel_kind)-1}},
     7, {{0}}, 0, {{0}}, 0},

    {"6ba and a timeout under the other name",
     {REFUSED(NB, 6001), {.server = FQDN, .port = 6001, .kind = OA_TUNNEL_TIMEOUT,
                          .elapsed_us = 15000000}}, 2, {{0}}, 0,
     {{OA_DIAG_BACKEND_UNREACHABLE, OA_STEP_TUNNEL, "", 6001, {"(EXCH01;", "other name"},
       NULL, NULL},
      {OA_DIAG_TIMEOUT, OA_STEP_TUNNEL, FQDN, 6001, {"15.000 s"}, NULL, NULL}}, 2},

    {"duplicate refusals give one diagnosis",
     {REFUSED(NB, 6001), REFUSED(NB, 6001), REFUSED("exch01", 6001), OK(FQDN, 6001)}, 4,
     {{0}}, 0,
     {{OA_DIAG_VALIDPORTS_MISSING_ENTRY, OA_STEP_TUNNEL, NB, 6001, {"refuses EXCH01:6001"},
       NULL, NULL}}, 1},

    {"a refusal beats another failure of the same cell",
     {{.server = NB, .port = 6001, .kind = OA_TUNNEL_TIMEOUT}, REFUSED(NB, 6001),
      OK(FQDN, 6001)}, 3, {{0}}, 0,
     {{OA_DIAG_VALIDPORTS_MISSING_ENTRY, OA_STEP_TUNNEL, NB, 6001, {"refuses EXCH01:6001"},
       NULL, NULL}}, 1},
};

static int has(const char *hay, const char *needle)
{
    return needle == NULL || strstr(hay, needle) != NULL;
}

static void run_case(const struct tcase *c)
{
    struct oa_result *r = oa_result_new(PUB, 0);
    assert_non_null(r);
    int n = oa_tunnel_verdict(r, c->t, c->nt, c->nd ? c->d : NULL, c->nd);
    if (n != (int)c->nw || r->ndiags != c->nw) {
        for (size_t i = 0; i < r->ndiags; i++)
            print_message("  got %s %s:%u %s\n", oa_diag_code_name(r->diags[i].code),
                          r->diags[i].server, r->diags[i].port, r->diags[i].message);
        fail_msg("%s: %d diagnoses, want %zu", c->name, n, c->nw);
    }
    for (size_t i = 0; i < c->nw; i++) {
        const struct want *w = &c->w[i];
        const struct oa_diag *d = &r->diags[i];
        if (d->code != w->code || d->step != w->step || strcmp(d->server, w->server) != 0 ||
            d->port != w->port)
            fail_msg("%s: diagnosis %zu is %s/%s %s:%u, want %s/%s %s:%u", c->name, i,
                     oa_diag_code_name(d->code), oa_step_kind_name(d->step), d->server,
                     d->port, oa_diag_code_name(w->code), oa_step_kind_name(w->step),
                     w->server, w->port);
        for (size_t k = 0; k < 3; k++)
            if (!has(d->message, w->msg_has[k]))
                fail_msg("%s: message \"%s\" lacks \"%s\"", c->name, d->message,
                         w->msg_has[k]);
        if (w->msg_lacks != NULL && strstr(d->message, w->msg_lacks) != NULL)
            fail_msg("%s: message \"%s\" has \"%s\"", c->name, d->message, w->msg_lacks);
        if (!has(d->remedy, w->remedy_has))
            fail_msg("%s: remedy \"%s\" lacks \"%s\"", c->name, d->remedy, w->remedy_has);
        assert_int_equal(d->severity, oa_diag_default_severity(d->code));
        assert_null(strchr(d->message, '\n'));
    }
    oa_result_free(r);
}

static void test_cases(void **unused)
{
    (void)unused;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
}

static void test_null_and_bounds(void **unused)
{
    (void)unused;
    struct oa_result *r = oa_result_new(PUB, 0);
    assert_non_null(r);
    struct oa_tunnel_outcome one = REFUSED(NB, 6001);
    struct oa_direct_outcome dir = {PUB, 6001, OA_DIRECT_REFUSED};
    assert_int_equal(oa_tunnel_verdict(NULL, &one, 1, NULL, 0), -1);
    assert_int_equal(oa_tunnel_verdict(r, NULL, 1, NULL, 0), -1);
    assert_int_equal(oa_tunnel_verdict(r, &one, 1, NULL, 1), -1);
    assert_int_equal(oa_tunnel_verdict(r, NULL, 0, NULL, 0), 0);
    assert_int_equal(oa_tunnel_verdict(r, NULL, 0, &dir, 1), 0);
    assert_int_equal(r->ndiags, 0);

    /* More outcomes than the cap: only the first OA_TUNNEL_MAX_OUTCOMES. */
    static struct oa_tunnel_outcome many[OA_TUNNEL_MAX_OUTCOMES + 8];
    static char names[OA_TUNNEL_MAX_OUTCOMES + 8][16];
    for (size_t i = 0; i < sizeof many / sizeof many[0]; i++) {
        snprintf(names[i], sizeof names[i], "srv%zu", i);
        many[i] = (struct oa_tunnel_outcome){.server = names[i], .port = 6001,
                                             .kind = OA_TUNNEL_TIMEOUT};
    }
    /* The extra ones would succeed, but they are never read. */
    for (size_t i = OA_TUNNEL_MAX_OUTCOMES; i < sizeof many / sizeof many[0]; i++)
        many[i].kind = OA_TUNNEL_OK;
    int n = oa_tunnel_verdict(r, many, sizeof many / sizeof many[0], NULL, 0);
    /* 64 timeouts, but the result holds OA_RESULT_MAX_DIAGS. */
    assert_int_equal(n, OA_RESULT_MAX_DIAGS);
    assert_int_equal(r->ndiags, OA_RESULT_MAX_DIAGS);
    assert_int_equal(r->diags_dropped, OA_TUNNEL_MAX_OUTCOMES - OA_RESULT_MAX_DIAGS);
    oa_result_free(r);
}

static void test_long_names_are_cut(void **unused)
{
    (void)unused;
    struct oa_result *r = oa_result_new(PUB, 0);
    assert_non_null(r);
    static char a[300], b[300];
    memset(a, 'a', sizeof a - 1);
    memset(b, 'b', sizeof b - 1);
    /* refused under every name: the diagnosis names no single server */
    struct oa_tunnel_outcome t[] = {REFUSED(a, 6001), REFUSED(b, 6001)};
    assert_int_equal(oa_tunnel_verdict(r, t, 2, NULL, 0), 1);
    assert_int_equal(r->diags[0].code, OA_DIAG_BACKEND_UNREACHABLE);
    assert_string_equal(r->diags[0].server, "");
    assert_true(strlen(r->diags[0].message) < OA_MESSAGE_MAX);
    assert_memory_equal(r->diags[0].message + strlen(r->diags[0].message) - 3, "...", 3);
    oa_result_free(r);
    /* refused under one name only: that name, cut to the field's size */
    r = oa_result_new(PUB, 0);
    assert_non_null(r);
    struct oa_tunnel_outcome u[] = {REFUSED(a, 6001), OK(b, 6001)};
    assert_int_equal(oa_tunnel_verdict(r, u, 2, NULL, 0), 1);
    assert_int_equal(r->diags[0].code, OA_DIAG_VALIDPORTS_MISSING_ENTRY);
    assert_int_equal(strlen(r->diags[0].server), OA_SERVER_MAX - 1);
    assert_memory_equal(r->diags[0].server, a, OA_SERVER_MAX - 4);
    assert_string_equal(r->diags[0].server + OA_SERVER_MAX - 4, "...");
    assert_memory_equal(r->diags[0].message + strlen(r->diags[0].message) - 3, "...", 3);
    oa_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_null_and_bounds),
        cmocka_unit_test(test_long_names_are_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
