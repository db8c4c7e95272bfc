/*
 * test_check_tunjudge.c: how a tunnel ended, from its two channels, when no
 * stream-level verdict was reached: each rule of check_tunjudge.h, rule
 * order, and what is never blamed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "probes/verdict/check_tunjudge.h"

static void chan(struct check_xfer_obs *x, enum check_fail fail, unsigned status, const char *line)
{
    memset(x, 0, sizeof *x);
    x->ran = x->done = true;
    x->fail = fail;
    x->status = status;
    snprintf(x->status_line, sizeof x->status_line, "%s", line ? line : "");
    x->t_start_ms = 100;
    x->t_end_ms = 1100;
}

static struct check_tunnel_obs base(void)
{
    struct check_tunnel_obs t;
    memset(&t, 0, sizeof t);
    snprintf(t.server, sizeof t.server, "EXCH01");
    t.port = 6001;
    t.reached = CHECK_TUN_OPENING;
    chan(&t.out, CHECK_FAIL_ABORTED, 0, NULL);
    chan(&t.in, CHECK_FAIL_ABORTED, 0, NULL);
    return t;
}

static void test_rpc_error(void **state)
{
    (void)state;
    struct check_tunnel_obs t = base();
    chan(&t.out, CHECK_FAIL_ABORTED, 503, "HTTP/1.0 503 RPC Error: 6ba");
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_RPC_ERROR);
    assert_true(t.on_out);
    assert_int_equal(t.rpc_error, 0x6ba);
    assert_string_equal(t.rpc_error_name, "RPC_S_SERVER_UNAVAILABLE");
    /* on IN, with EEInfo; OUT untouched */
    t = base();
    chan(&t.in, CHECK_FAIL_ABORTED, 503, "HTTP/1.1 503 RPC Error: 5, EEInfo: AAAA");
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_RPC_ERROR);
    assert_false(t.on_out);
    assert_int_equal(t.rpc_error, 5);
    /* a plain 503 is not an RPC error */
    t = base();
    chan(&t.out, CHECK_FAIL_ABORTED, 503, "HTTP/1.1 503 Service Unavailable");
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_HTTP_STATUS);
}

static void test_401(void **state)
{
    (void)state;
    struct check_tunnel_obs t = base();
    chan(&t.out, CHECK_FAIL_NONE, 401, "HTTP/1.1 401 Unauthorized");
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_AUTH_REJECTED);
    assert_non_null(strstr(t.detail, "401"));
    t = base();
    chan(&t.in, CHECK_FAIL_NONE, 401, "HTTP/1.1 401 Unauthorized");
    t.in.ntlm_challenge = true;
    t.in.close_after_challenge = true;
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_NTLM_LOST);
    assert_false(t.on_out);
    t = base();
    chan(&t.out, CHECK_FAIL_NONE, 401, "HTTP/1.1 401 Unauthorized");
    t.out.ntlm_challenge = true;
    t.out.num_connects = 2;
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_NTLM_LOST);
}

static void test_expect(void **state)
{
    (void)state;
    struct check_tunnel_obs t = base();
    chan(&t.in, CHECK_FAIL_ABORTED, 417, "HTTP/1.1 417 Expectation Failed");
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_EXPECT_STALL);
    t = base();
    chan(&t.in, CHECK_FAIL_ABORTED, 501, "HTTP/1.1 501 Not Implemented");
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_EXPECT_STALL);
    /* a timeout with OUT at 200 and IN silent: the 100-continue stall */
    t = base();
    t.reached = CHECK_TUN_WAIT_C2;
    chan(&t.out, CHECK_FAIL_TIMEOUT, 200, "HTTP/1.1 200 Success");
    chan(&t.in, CHECK_FAIL_ABORTED, 0, NULL);
    t.in_body_started = true; /* libcurl gave up waiting and sent it */
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_EXPECT_STALL);
    assert_non_null(strstr(t.detail, "CONN/C2"));
    /* after an NTLM challenge the Expect leg was sent, even with OUT silent */
    t = base();
    chan(&t.in, CHECK_FAIL_TIMEOUT, 0, NULL);
    t.in.ntlm_challenge = true;
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_EXPECT_STALL);
    /* IN got its 100 Continue: a plain timeout */
    t = base();
    t.reached = CHECK_TUN_WAIT_C2;
    chan(&t.out, CHECK_FAIL_TIMEOUT, 200, "HTTP/1.1 200 Success");
    t.in.saw_continue = true;
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_TIMEOUT);
    assert_non_null(strstr(t.detail, "waiting for CONN/C2"));
    /* the diagnosis adds the elapsed time; the detail carries none of its own */
    assert_non_null(strstr(t.detail, "the OUT channel reached the deadline"));
    assert_null(strstr(t.detail, " ms"));
    /* nothing answered at all (no challenge, no 200): a timeout, not a stall */
    t = base();
    chan(&t.out, CHECK_FAIL_TIMEOUT, 0, NULL);
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_TIMEOUT);
}

static void test_http_status(void **state)
{
    (void)state;
    struct check_tunnel_obs t = base();
    chan(&t.out, CHECK_FAIL_ABORTED, 404, "HTTP/1.1 404 Not Found");
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_HTTP_STATUS);
    assert_true(t.on_out);
    /* a 200 on IN is wrong too (OUT's 200 is not) */
    t = base();
    chan(&t.out, CHECK_FAIL_ABORTED, 200, "HTTP/1.1 200 Success");
    chan(&t.in, CHECK_FAIL_ABORTED, 200, "HTTP/1.1 200 OK");
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_HTTP_STATUS);
    assert_false(t.on_out);
}

static void test_connection_failures(void **state)
{
    (void)state;
    struct check_tunnel_obs t = base();
    chan(&t.in, CHECK_FAIL_CONN_LOST, 0, NULL);
    t.in.ntlm_challenge = true;
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_NTLM_LOST);
    static const enum check_fail conn[] = {CHECK_FAIL_DNS, CHECK_FAIL_TCP_REFUSED,
                                           CHECK_FAIL_TCP_TIMEOUT, CHECK_FAIL_TCP_UNREACHABLE,
                                           CHECK_FAIL_TLS};
    for (size_t i = 0; i < sizeof conn / sizeof conn[0]; i++) {
        t = base();
        chan(&t.out, conn[i], 0, NULL);
        check_tunnel_judge(&t);
        assert_int_equal(t.end, CHECK_TUN_END_CONN_FAILED);
        assert_non_null(strstr(t.detail, check_fail_name(conn[i])));
    }
    static const enum check_fail proto[] = {CHECK_FAIL_CONN_LOST, CHECK_FAIL_PROTOCOL,
                                            CHECK_FAIL_TOO_BIG};
    for (size_t i = 0; i < sizeof proto / sizeof proto[0]; i++) {
        t = base();
        t.reached = CHECK_TUN_WAIT_C2;
        chan(&t.out, proto[i], 200, "HTTP/1.1 200 Success");
        check_tunnel_judge(&t);
        assert_int_equal(t.end, CHECK_TUN_END_PROTOCOL);
        assert_non_null(strstr(t.detail, "waiting for CONN/C2"));
    }
    t = base();
    chan(&t.out, CHECK_FAIL_INTERNAL, 0, NULL);
    snprintf(t.out.detail, sizeof t.out.detail, "libcurl refused the transfer");
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_INTERNAL);
    assert_non_null(strstr(t.detail, "libcurl refused"));
}

static void test_clean_end_and_order(void **state)
{
    (void)state;
    /* both channels ended cleanly: the proxy hung up where it never should */
    struct check_tunnel_obs t = base();
    t.reached = CHECK_TUN_WAIT_A3;
    chan(&t.out, CHECK_FAIL_NONE, 200, "HTTP/1.1 200 Success");
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_PROTOCOL);
    assert_non_null(strstr(t.detail, "waiting for CONN/A3"));
    /* an RPC error beats a 401 on the other channel */
    t = base();
    chan(&t.in, CHECK_FAIL_NONE, 401, "HTTP/1.1 401 Unauthorized");
    chan(&t.out, CHECK_FAIL_ABORTED, 503, "HTTP/1.0 503 RPC Error: 6ba");
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_RPC_ERROR);
    /* an existing verdict is kept */
    t = base();
    t.end = CHECK_TUN_END_BOUND;
    chan(&t.out, CHECK_FAIL_TIMEOUT, 0, NULL);
    check_tunnel_judge(&t);
    assert_int_equal(t.end, CHECK_TUN_END_BOUND);
    check_tunnel_judge(NULL);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(check_tunnel_where(CHECK_TUN_OPENING),
                        "waiting for the OUT channel response");
    assert_string_equal(check_tunnel_where(CHECK_TUN_BIND_SENT), "waiting for the bind answer");
    assert_string_equal(check_tunnel_where(CHECK_TUN_STATE_COUNT), "in an unknown state");
    assert_string_equal(check_tun_state_name(CHECK_TUN_WAIT_C2), "wait_c2");
    assert_string_equal(check_tun_state_name(CHECK_TUN_STATE_COUNT), "unknown");
    assert_string_equal(check_tun_end_name(CHECK_TUN_END_NTLM_LOST), "ntlm_connection_lost");
    assert_string_equal(check_tun_end_name(CHECK_TUN_END_COUNT), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rpc_error),
        cmocka_unit_test(test_401),
        cmocka_unit_test(test_expect),
        cmocka_unit_test(test_http_status),
        cmocka_unit_test(test_connection_failures),
        cmocka_unit_test(test_clean_end_and_order),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
