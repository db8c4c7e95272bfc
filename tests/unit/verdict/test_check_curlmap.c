/*
 * test_check_curlmap.c: CURLcode + errno + phase times -> enum check_fail,
 * the phase a transfer ended in, and the name tables.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <curl/curl.h> /* CURLE_* constants only; libcurl is not linked */

#include "probes/verdict/check_curlmap.h"

static void test_map_table(void **state)
{
    (void)state;
    static const struct {
        int rc; /* a CURLcode */
        long os_errno;
        long long dns, conn, tls;
        bool is_tls;
        long http;
        enum check_fail want;
    } cases[] = {
        {CURLE_OK, 0, 1, 2, 3, true, 200, CHECK_FAIL_NONE},
        {CURLE_COULDNT_RESOLVE_HOST, 0, 0, 0, 0, true, 0, CHECK_FAIL_DNS},
        {CURLE_COULDNT_CONNECT, ECONNREFUSED, 5, 0, 0, true, 0, CHECK_FAIL_TCP_REFUSED},
        {CURLE_COULDNT_CONNECT, 0, 5, 0, 0, true, 0, CHECK_FAIL_TCP_REFUSED},
        {CURLE_COULDNT_CONNECT, ETIMEDOUT, 5, 0, 0, true, 0, CHECK_FAIL_TCP_TIMEOUT},
        {CURLE_COULDNT_CONNECT, EHOSTUNREACH, 5, 0, 0, true, 0, CHECK_FAIL_TCP_UNREACHABLE},
        {CURLE_COULDNT_CONNECT, ENETUNREACH, 5, 0, 0, true, 0, CHECK_FAIL_TCP_UNREACHABLE},
        {CURLE_OPERATION_TIMEDOUT, 0, 0, 0, 0, true, 0, CHECK_FAIL_DNS},
        {CURLE_OPERATION_TIMEDOUT, 0, 5, 0, 0, true, 0, CHECK_FAIL_TCP_TIMEOUT},
        {CURLE_OPERATION_TIMEDOUT, 0, 5, 9, 0, true, 0, CHECK_FAIL_TIMEOUT},  /* TLS tarpit */
        {CURLE_OPERATION_TIMEDOUT, 0, 5, 9, 0, false, 0, CHECK_FAIL_TIMEOUT}, /* HTTP wait */
        {CURLE_OPERATION_TIMEDOUT, 0, 5, 9, 12, true, 200, CHECK_FAIL_TIMEOUT},
        {CURLE_SSL_CONNECT_ERROR, 0, 5, 9, 0, true, 0, CHECK_FAIL_TLS},
        {CURLE_PEER_FAILED_VERIFICATION, 0, 5, 9, 0, true, 0, CHECK_FAIL_TLS},
        {CURLE_SSL_CIPHER, 0, 5, 9, 0, true, 0, CHECK_FAIL_TLS},
        {CURLE_GOT_NOTHING, 0, 5, 9, 12, true, 0, CHECK_FAIL_CONN_LOST},
        {CURLE_RECV_ERROR, 0, 5, 9, 12, true, 0, CHECK_FAIL_CONN_LOST},
        {CURLE_SEND_ERROR, 0, 5, 9, 12, true, 0, CHECK_FAIL_CONN_LOST},
        {CURLE_PARTIAL_FILE, 0, 5, 9, 12, true, 200, CHECK_FAIL_CONN_LOST},
        {CURLE_WEIRD_SERVER_REPLY, 0, 5, 9, 12, true, 0, CHECK_FAIL_PROTOCOL},
        {CURLE_UNSUPPORTED_PROTOCOL, 0, 5, 9, 12, true, 0, CHECK_FAIL_PROTOCOL},
        {CURLE_BAD_CONTENT_ENCODING, 0, 5, 9, 12, true, 200, CHECK_FAIL_PROTOCOL},
        {CURLE_HTTP2, 0, 5, 9, 12, true, 0, CHECK_FAIL_PROTOCOL},
        {CURLE_FILESIZE_EXCEEDED, 0, 5, 9, 12, true, 200, CHECK_FAIL_TOO_BIG},
        {CURLE_WRITE_ERROR, 0, 5, 9, 12, true, 200, CHECK_FAIL_ABORTED},
        {CURLE_READ_ERROR, 0, 5, 9, 12, true, 0, CHECK_FAIL_ABORTED},
        {CURLE_ABORTED_BY_CALLBACK, 0, 5, 9, 12, true, 0, CHECK_FAIL_ABORTED},
        {CURLE_OUT_OF_MEMORY, 0, 5, 9, 12, true, 0, CHECK_FAIL_INTERNAL},
        {CURLE_BAD_FUNCTION_ARGUMENT, 0, 0, 0, 0, true, 0, CHECK_FAIL_INTERNAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct check_curl_end e = {
            .rc = cases[i].rc,
            .os_errno = cases[i].os_errno,
            .tls = cases[i].is_tls,
            .t_dns_us = cases[i].dns,
            .t_connect_us = cases[i].conn,
            .t_tls_us = cases[i].tls,
            .http_code = cases[i].http,
        };
        enum check_fail got = check_map_curl(&e);
        if (got != cases[i].want)
            fail_msg("case %zu: CURLcode %d gave %s, want %s", i, (int)cases[i].rc,
                     check_fail_name(got), check_fail_name(cases[i].want));
    }
}

static void test_phase(void **state)
{
    (void)state;
    struct check_curl_end e = {.tls = true};
    assert_int_equal(check_phase_of(&e), CHECK_PHASE_DNS);
    e.t_dns_us = 10;
    assert_int_equal(check_phase_of(&e), CHECK_PHASE_TCP);
    e.t_connect_us = 20;
    assert_int_equal(check_phase_of(&e), CHECK_PHASE_TLS);
    e.t_tls_us = 30;
    assert_int_equal(check_phase_of(&e), CHECK_PHASE_HTTP);
    e.tls = false;
    e.t_tls_us = 0;
    assert_int_equal(check_phase_of(&e), CHECK_PHASE_HTTP);
    struct check_curl_end h = {.http_code = 401}; /* a status means HTTP whatever the times */
    assert_int_equal(check_phase_of(&h), CHECK_PHASE_HTTP);
    /* --resolve: no name lookup time, but connected */
    struct check_curl_end r = {.tls = false, .t_connect_us = 5};
    assert_int_equal(check_phase_of(&r), CHECK_PHASE_HTTP);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(check_fail_name(CHECK_FAIL_NONE), "none");
    assert_string_equal(check_fail_name(CHECK_FAIL_DNS), "dns_failed");
    assert_string_equal(check_fail_name(CHECK_FAIL_TLS), "tls_handshake_failed");
    assert_string_equal(check_fail_name(CHECK_FAIL_INTERNAL), "internal");
    assert_string_equal(check_fail_name(CHECK_FAIL_COUNT), "unknown");
    assert_string_equal(check_fail_name((enum check_fail) - 1), "unknown");
    assert_string_equal(check_phase_name(CHECK_PHASE_TLS), "tls");
    assert_string_equal(check_phase_name(CHECK_PHASE_COUNT), "unknown");
    for (int f = 0; f < CHECK_FAIL_COUNT; f++)
        assert_true(strcmp(check_fail_name((enum check_fail)f), "unknown") != 0);
}

static void test_null(void **state)
{
    (void)state;
    assert_int_equal(check_map_curl(NULL), CHECK_FAIL_INTERNAL);
    assert_int_equal(check_phase_of(NULL), CHECK_PHASE_DNS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_table),
        cmocka_unit_test(test_phase),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
