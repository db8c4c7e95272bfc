/*
 * fixture.c: results shared by the renderer tests (see fixture.h).
 */
#include "fixture.h"

#include "probes/result/tunnel.h"

#define T0 1763689320123LL /* 2025-11-21T01:42:00.123Z */

struct oa_result *fixture_critical(void)
{
    struct oa_result *r = oa_result_new("mail.contoso.com", T0);
    if (r == NULL)
        return NULL;
    oa_result_set_duration(r, 1234567);

    struct oa_step *st = oa_result_add_step(r, OA_STEP_DNS, "mail.contoso.com", 0);
    oa_step_finish(st, OA_STATE_OK, 12000);
    oa_step_add_str(r, st, OA_DETAIL_ADDRESSES, "203.0.113.10");
    oa_step_add_str(r, st, OA_DETAIL_ADDRESSES, "2001:db8::10");

    st = oa_result_add_step(r, OA_STEP_TCP, "mail.contoso.com", 443);
    oa_step_finish(st, OA_STATE_OK, 20500);
    oa_step_add_str(r, st, OA_DETAIL_ADDRESS, "203.0.113.10");

    st = oa_result_add_step(r, OA_STEP_TLS, "mail.contoso.com", 443);
    oa_step_finish(st, OA_STATE_WARNING, 34000);
    oa_step_add_str(r, st, OA_DETAIL_TLS_VERSION, "TLSv1.2");
    oa_step_add_str(r, st, OA_DETAIL_TLS_CIPHER, "ECDHE-RSA-AES256-GCM-SHA384");
    oa_step_add_str(r, st, OA_DETAIL_CERT_SUBJECT, "CN=mail.contoso.com,O=Contoso");
    oa_step_add_str(r, st, OA_DETAIL_CERT_SAN, "mail.contoso.com");
    oa_step_add_str(r, st, OA_DETAIL_CERT_SAN, "autodiscover.contoso.com");
    oa_step_add_time(r, st, OA_DETAIL_CERT_NOT_AFTER, 1764547200);
    oa_step_add_int(r, st, OA_DETAIL_CERT_DAYS_LEFT, 9);
    oa_step_add_str(r, st, OA_DETAIL_TRUST, "ok");
    struct oa_diag *d = oa_result_add_diag(
        r, OA_DIAG_CERT_EXPIRING, OA_STEP_TLS, "mail.contoso.com", 443,
        "the certificate 'CN=mail.contoso.com,O=Contoso' expires on 2025-12-01T00:00:00Z, "
        "in 9 days (warning at 30 days)");
    oa_diag_set_remedy(d, "renew the certificate before 2025-12-01T00:00:00Z and rebind it "
                          "in IIS");
    oa_result_add_perf(r, "cert_days", 9, 0, "", "30:", NULL, NULL, NULL);

    st = oa_result_add_step(r, OA_STEP_ECHO_UNAUTH, NULL, 0);
    oa_step_finish(st, OA_STATE_OK, 45000);
    oa_step_add_int(r, st, OA_DETAIL_HTTP_STATUS, 401);
    oa_step_add_str(r, st, OA_DETAIL_HTTP_STATUS_LINE, "HTTP/1.1 401 Unauthorized");
    oa_step_add_str(r, st, OA_DETAIL_AUTH_SCHEMES, "Negotiate");
    oa_step_add_str(r, st, OA_DETAIL_AUTH_SCHEMES, "NTLM");
    oa_step_add_str(r, st, OA_DETAIL_AUTH_SCHEMES, "Basic realm=\"mail.contoso.com\"");

    st = oa_result_add_step(r, OA_STEP_ECHO_AUTH, NULL, 0);
    oa_step_finish(st, OA_STATE_OK, 51000);
    oa_step_add_int(r, st, OA_DETAIL_HTTP_STATUS, 200);
    oa_step_add_int(r, st, OA_DETAIL_BODY_LENGTH, 20);
    oa_step_add_bool(r, st, OA_DETAIL_EXPECT_100_CONTINUE, 1);

    st = oa_result_add_step(r, OA_STEP_TUNNEL, "EXCH01", 6001);
    oa_step_finish(st, OA_STATE_OK, 120000);
    oa_step_add_int(r, st, OA_DETAIL_HTTP_STATUS, 200);

    st = oa_result_add_step(r, OA_STEP_TUNNEL, "exch01.contoso.local", 6001);
    oa_step_finish(st, OA_STATE_CRITICAL, 98000);
    oa_step_add_int(r, st, OA_DETAIL_HTTP_STATUS, 503);
    oa_step_add_str(r, st, OA_DETAIL_HTTP_STATUS_LINE, "HTTP/1.1 503 RPC Error: 6ba");
    oa_step_add_int(r, st, OA_DETAIL_RPC_ERROR, 0x6ba);
    oa_step_add_str(r, st, OA_DETAIL_RPC_ERROR_NAME, "RPC_S_SERVER_UNAVAILABLE");

    st = oa_result_add_step(r, OA_STEP_BIND, "EXCH01", 6001);
    oa_step_finish(st, OA_STATE_OK, 30000);
    oa_step_add_str(r, st, OA_DETAIL_INTERFACE, "EMSMDB");
    oa_step_add_str(r, st, OA_DETAIL_BIND_RESULT, "accepted");

    st = oa_result_add_step(r, OA_STEP_BIND, "exch01.contoso.local", 6001);
    oa_step_finish(st, OA_STATE_SKIPPED, 0);

    struct oa_tunnel_outcome t[] = {
        {.server = "EXCH01", .port = 6001, .kind = OA_TUNNEL_OK},
        {.server = "exch01.contoso.local", .port = 6001, .kind = OA_TUNNEL_RPC_ERROR,
         .rpc_error = 0x6ba, .http_status = 503,
         .status_line = "HTTP/1.1 503 RPC Error: 6ba"},
    };
    oa_tunnel_verdict(r, t, 2, NULL, 0);
    return r;
}

struct oa_result *fixture_ok(void)
{
    struct oa_result *r = oa_result_new("mail.contoso.com", 1763689320000LL);
    if (r == NULL)
        return NULL;
    oa_result_set_duration(r, 250000);
    struct oa_step *st = oa_result_add_step(r, OA_STEP_DNS, "mail.contoso.com", 0);
    oa_step_finish(st, OA_STATE_OK, 1500);
    st = oa_result_add_step(r, OA_STEP_TCP, "mail.contoso.com", 443);
    oa_step_finish(st, OA_STATE_OK, 2000);
    st = oa_result_add_step(r, OA_STEP_TLS, "mail.contoso.com", 443);
    oa_step_finish(st, OA_STATE_OK, 30250);
    oa_step_add_int(r, st, OA_DETAIL_CERT_DAYS_LEFT, 200);
    oa_result_add_perf(r, "cert_days", 200, 0, NULL, "30:", NULL, NULL, NULL);
    return r;
}
