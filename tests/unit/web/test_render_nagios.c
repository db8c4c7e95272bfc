/*
 * test_render_nagios.c: golden Nagios output (whole strings), exit codes,
 * summaries, perfdata labels and values, and text that tries to break the
 * format (newlines, '|', control characters, missing NULs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"
#include "probes/result/result.h"
#include "web/render_nagios.h"

static const char golden_critical[] =
    "OAPROBE CRITICAL - mail.contoso.com: validports_missing_entry: the RPC proxy refuses exch01.contoso.local:6001 (\"HTTP/1.1 503 RPC Error: 6ba\") while EXCH01:6001 works: ValidPorts has no entry for the name exch01.contoso.local (+1 more: cert_expiring)\n"
    "[OK] dns mail.contoso.com 0.012s: addresses=203.0.113.10,2001:db8::10\n"
    "[OK] tcp mail.contoso.com:443 0.020s: address=203.0.113.10\n"
    "[WARNING] tls mail.contoso.com:443 0.034s: tls_version=TLSv1.2, tls_cipher=ECDHE-RSA-AES256-GCM-SHA384, cert_subject=CN=mail.contoso.com,O=Contoso, cert_san=mail.contoso.com,autodiscover.contoso.com, cert_not_after=2025-12-01T00:00:00Z, cert_days_left=9, trust=ok\n"
    "[OK] echo_unauth 0.045s: http_status=401, http_status_line=HTTP/1.1 401 Unauthorized, auth_schemes=Negotiate,NTLM,Basic\n"
    "[OK] echo_auth 0.051s: http_status=200, body_length=20, expect_100_continue=true\n"
    "[OK] tunnel EXCH01:6001 0.120s: http_status=200\n"
    "[CRITICAL] tunnel exch01.contoso.local:6001 0.098s: http_status=503, http_status_line=HTTP/1.1 503 RPC Error: 6ba, rpc_error=1722, rpc_error_name=RPC_S_SERVER_UNAVAILABLE\n"
    "[OK] bind EXCH01:6001 0.030s: interface=EMSMDB, bind_result=accepted\n"
    "[SKIPPED] bind exch01.contoso.local:6001\n"
    "[WARNING] cert_expiring (tls mail.contoso.com:443): the certificate 'CN=mail.contoso.com,O=Contoso' expires on 2025-12-01T00:00:00Z, in 9 days (warning at 30 days) - remedy: renew the certificate before 2025-12-01T00:00:00Z and rebind it in IIS\n"
    "[CRITICAL] validports_missing_entry (tunnel exch01.contoso.local:6001): the RPC proxy refuses exch01.contoso.local:6001 (\"HTTP/1.1 503 RPC Error: 6ba\") while EXCH01:6001 works: ValidPorts has no entry for the name exch01.contoso.local - remedy: add exch01.contoso.local:6001 to ValidPorts (HKLM\\SOFTWARE\\Microsoft\\Rpc\\RpcProxy; the Exchange form is exch01.contoso.local:6001-6002;exch01.contoso.local:6004); on Exchange 2003 restart the System Attendant, which also restarts the Information Store\n"
    "| time=1.234567s;;;0 dns_time=0.012000s;;;0 tcp_443_time=0.020500s;;;0 tls_time=0.034000s;;;0 echo_unauth_time=0.045000s;;;0 echo_auth_time=0.051000s;;;0 tunnel_EXCH01_6001_time=0.120000s;;;0 tunnel_exch01.contoso.local_6001_time=0.098000s;;;0 bind_EXCH01_6001_time=0.030000s;;;0 cert_days=9;30:\n";

static const char golden_ok[] =
    "OAPROBE OK - mail.contoso.com: 3 steps ok in 0.250s\n"
    "[OK] dns mail.contoso.com 0.001s\n"
    "[OK] tcp mail.contoso.com:443 0.002s\n"
    "[OK] tls mail.contoso.com:443 0.030s: cert_days_left=200\n"
    "| time=0.250000s;;;0 dns_time=0.001500s;;;0 tcp_443_time=0.002000s;;;0 tls_time=0.030250s;;;0 cert_days=200;30:\n";

static void check(struct oa_result *r, const char *want)
{
    char *s = render_nagios(r);
    assert_non_null(s);
    assert_string_equal(s, want);
    free(s);
}

static size_t count(const char *s, char c)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

static void test_golden_critical(void **unused)
{
    (void)unused;
    struct oa_result *r = fixture_critical();
    assert_non_null(r);
    check(r, golden_critical);
    assert_int_equal(render_nagios_exit_code(r), 2);
    oa_result_free(r);
}

static void test_golden_ok(void **unused)
{
    (void)unused;
    struct oa_result *r = fixture_ok();
    assert_non_null(r);
    check(r, golden_ok);
    assert_int_equal(render_nagios_exit_code(r), 0);
    oa_result_free(r);
}

static void test_summaries(void **unused)
{
    (void)unused;
    struct oa_result *r = oa_result_new("mail.contoso.com", 0);
    assert_non_null(r);
    /* Nothing ran: unknown. */
    check(r, "OAPROBE UNKNOWN - mail.contoso.com: no step ran\n| time=0.000000s;;;0\n");
    assert_int_equal(render_nagios_exit_code(r), 3);

    /* A failed step without a diagnosis names the step. */
    struct oa_step *st = oa_result_add_step(r, OA_STEP_DNS, NULL, 0);
    oa_step_finish(st, OA_STATE_OK, 1000);
    st = oa_result_add_step(r, OA_STEP_TCP, "::1", 443);
    oa_step_finish(st, OA_STATE_CRITICAL, 3000000);
    st = oa_result_add_step(r, OA_STEP_TLS, NULL, 0);
    oa_step_finish(st, OA_STATE_SKIPPED, 0);
    oa_result_set_duration(r, 3001000);
    check(r, "OAPROBE CRITICAL - mail.contoso.com: step tcp [::1]:443 is critical\n"
             "[OK] dns 0.001s\n"
             "[CRITICAL] tcp [::1]:443 3.000s\n"
             "[SKIPPED] tls\n"
             "| time=3.001000s;;;0 dns_time=0.001000s;;;0 tcp___1_443_time=3.000000s;;;0\n");

    /* OK with skipped steps; a port without a server. */
    oa_result_reset(r, "h", 0);
    st = oa_result_add_step(r, OA_STEP_DIRECT_TCP, NULL, 6001);
    oa_step_finish(st, OA_STATE_OK, 500);
    st = oa_result_add_step(r, OA_STEP_BIND, NULL, 0);
    oa_step_finish(st, OA_STATE_SKIPPED, 0);
    oa_result_set_duration(r, 999);
    check(r, "OAPROBE OK - h: 1 step ok, 1 skipped in 0.000s\n"
             "[OK] direct_tcp port 6001 0.000s\n"
             "[SKIPPED] bind\n"
             "| time=0.000999s;;;0 direct_tcp_6001_time=0.000500s;;;0\n");

    /* Several diagnoses: the worst first, the other codes listed once. */
    oa_result_reset(r, "h", 0);
    oa_result_add_diag(r, OA_DIAG_CERT_EXPIRING, OA_STEP_TLS, NULL, 0, "w1");
    oa_result_add_diag(r, OA_DIAG_VALIDPORTS_MISSING_ENTRY, OA_STEP_TUNNEL, "a", 6001, "c1");
    oa_result_add_diag(r, OA_DIAG_VALIDPORTS_MISSING_ENTRY, OA_STEP_TUNNEL, "a", 6004, "c2");
    oa_result_add_diag(r, OA_DIAG_TIMEOUT, OA_STEP_BIND, "a", 6002, "c3");
    oa_result_add_diag(r, OA_DIAG_CERT_EXPIRING, OA_STEP_TLS, NULL, 8443, "w2");
    char *s = render_nagios(r);
    assert_non_null(s);
    assert_memory_equal(s, "OAPROBE CRITICAL - h: validports_missing_entry: c1 (+4 more: "
                           "cert_expiring, timeout)\n",
                        strlen("OAPROBE CRITICAL - h: validports_missing_entry: c1 (+4 more: "
                               "cert_expiring, timeout)\n"));
    assert_non_null(strstr(s, "[WARNING] cert_expiring (tls): w1 - remedy: "));
    assert_non_null(strstr(s, "[WARNING] cert_expiring (tls port 8443): w2 - remedy: "));
    assert_non_null(strstr(s, "[CRITICAL] timeout (bind a:6002): c3 - remedy: "));
    free(s);

    /* A diagnosis not tied to a step; unknown severity. */
    oa_result_reset(r, "h", 0);
    oa_result_add_diag(r, OA_DIAG_INTERNAL_ERROR, OA_STEP_NONE, NULL, 0, "out of memory");
    check(r, "OAPROBE UNKNOWN - h: internal_error: out of memory\n"
             "[UNKNOWN] internal_error (none): out of memory - remedy: see the message; this "
             "is not a finding about the server\n"
             "| time=0.000000s;;;0\n");
    assert_int_equal(render_nagios_exit_code(r), 3);

    /* Warning only. */
    oa_result_reset(r, "h", 0);
    oa_result_add_diag(r, OA_DIAG_CERT_EXPIRING, OA_STEP_TLS, "h", 443, "soon");
    assert_int_equal(render_nagios_exit_code(r), 1);
    oa_result_free(r);
    assert_null(render_nagios(NULL));
    assert_int_equal(render_nagios_exit_code(NULL), 3);
}

static void test_perfdata(void **unused)
{
    (void)unused;
    struct oa_result *r = oa_result_new("mail.contoso.com", 0);
    assert_non_null(r);
    /* Same label twice: numbered. Server equal to the target: left out. */
    struct oa_step *st = oa_result_add_step(r, OA_STEP_TUNNEL, "EXCH01", 6001);
    oa_step_finish(st, OA_STATE_OK, 1);
    st = oa_result_add_step(r, OA_STEP_TUNNEL, "exch01", 6001);
    oa_step_finish(st, OA_STATE_OK, 2);
    st = oa_result_add_step(r, OA_STEP_TUNNEL, "EXCH01", 6001);
    oa_step_finish(st, OA_STATE_OK, 3);
    st = oa_result_add_step(r, OA_STEP_TCP, "MAIL.contoso.com", 80);
    oa_step_finish(st, OA_STATE_OK, 4);
    st = oa_result_add_step(r, OA_STEP_ECHO_AUTH, "x y|z'=", 443);
    oa_step_finish(st, OA_STATE_OK, 5);
    /* Extra perfdata: a label that needs quotes, negatives, decimals. */
    oa_result_add_perf(r, "cert days", -3, 0, NULL, "30:", "7:", NULL, NULL);
    oa_result_add_perf(r, "ratio", -1234, 3, "%", NULL, NULL, "0", "100");
    oa_result_add_perf(r, "small", 5, 6, "s", NULL, "~:10", NULL, NULL);
    oa_result_add_perf(r, "big", INT64_MIN, 0, "c", NULL, NULL, NULL, NULL);
    oa_result_add_perf(r, "time", 1, 0, NULL, NULL, NULL, NULL, NULL); /* taken */
    oa_result_add_perf(r, "dns_time", 1, 0, NULL, NULL, NULL, NULL, NULL);
    char *s = render_nagios(r);
    assert_non_null(s);
    const char *perf = strstr(s, "\n| ");
    assert_non_null(perf);
    assert_string_equal(perf + 1,
                        "| time=0.000000s;;;0 tunnel_EXCH01_6001_time=0.000001s;;;0 "
                        "tunnel_exch01_6001_time=0.000002s;;;0 "
                        "tunnel_EXCH01_6001_2_time=0.000003s;;;0 tcp_80_time=0.000004s;;;0 "
                        "echo_auth_x_y_z___time=0.000005s;;;0 'cert days'=-3;30:;7: "
                        "ratio=-1.234%;;;0;100 small=0.000005s;;~:10 "
                        "big=-9223372036854775808c dns_time=1\n");
    free(s);
    oa_result_free(r);
}

static void test_hostile_text(void **unused)
{
    (void)unused;
    struct oa_result *r = oa_result_new("evil|host\nname", 0);
    assert_non_null(r);
    struct oa_step *st = oa_result_add_step(r, OA_STEP_ECHO_UNAUTH, "srv\r\n|x", 443);
    oa_step_finish(st, OA_STATE_CRITICAL, 10);
    oa_step_add_str(r, st, OA_DETAIL_HTTP_STATUS_LINE, "HTTP/1.1 200 OK\r\nX: |injected");
    oa_step_add_str(r, st, OA_DETAIL_AUTH_SCHEMES, "NTLM\t|");
    struct oa_diag *d = oa_result_add_diag(r, OA_DIAG_ECHO_INVALID, OA_STEP_ECHO_UNAUTH,
                                           "a|b", 443, "line1\nline2|perf=1 \x1b[31mred");
    oa_diag_set_remedy(d, "fix\n| this");
    /* Fields written directly, without their NUL: stay within the field. */
    memset(r->diags[0].remedy, 'R', OA_REMEDY_MAX);
    memset(r->target, 'T', OA_TARGET_MAX);
    char *s = render_nagios(r);
    assert_non_null(s);
    /* One '|' only: the perfdata separator, at the start of the last line. */
    assert_int_equal(count(s, '|'), 1);
    const char *bar = strchr(s, '|');
    assert_true(bar > s && bar[-1] == '\n');
    assert_ptr_equal(strchr(bar, '\n'), s + strlen(s) - 1);
    /* Lines: first, one step, one diagnosis, perfdata. */
    assert_int_equal(count(s, '\n'), 4);
    assert_memory_equal(s, "OAPROBE CRITICAL - TTTT", 23);
    assert_non_null(strstr(s, "line1 line2/perf=1  [31mred"));
    assert_non_null(strstr(s, "http_status_line=HTTP/1.1 200 OK  X: /injected"));
    assert_non_null(strstr(s, "auth_schemes=NTLM /"));
    assert_non_null(strstr(s, "[CRITICAL] echo_unauth srv  /x:443"));
    for (const char *p = s; *p; p++)
        assert_true(*p == '\n' || (unsigned char)*p >= 0x20);
    free(s);
    oa_result_free(r);
}

static void test_truncation_note(void **unused)
{
    (void)unused;
    struct oa_result *r = oa_result_new("h", 0);
    assert_non_null(r);
    for (int i = 0; i < OA_RESULT_MAX_DIAGS + 2; i++)
        oa_result_add_diag(r, OA_DIAG_TIMEOUT, OA_STEP_TUNNEL, "s", (uint16_t)(i + 1), "t");
    for (int i = 0; i < OA_RESULT_MAX_STEPS + 1; i++)
        oa_result_add_step(r, OA_STEP_BIND, "s", (uint16_t)(i + 1));
    char *s = render_nagios(r);
    assert_non_null(s);
    assert_null(strstr(s, "(+33 more: )"));
    assert_non_null(strstr(s, "OAPROBE CRITICAL - h: timeout: t (+33 more)\n"));
    assert_non_null(strstr(s, "\n[NOTE] result full: 1 steps, 2 diagnoses, 0 details and 0 "
                              "perfdata not recorded\n"));
    /* Unfinished steps are unknown and have a duration of 0. */
    assert_non_null(strstr(s, "\n[UNKNOWN] bind s:1 0.000s\n"));
    free(s);
    oa_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_critical), cmocka_unit_test(test_golden_ok),
        cmocka_unit_test(test_summaries),       cmocka_unit_test(test_perfdata),
        cmocka_unit_test(test_hostile_text),    cmocka_unit_test(test_truncation_note),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
