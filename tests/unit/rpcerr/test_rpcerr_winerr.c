/*
 * test_rpcerr_winerr.c: the status-code table. Expected names are the
 * ones published by Microsoft (WinError.h / System Error Codes), impacket
 * (rpcrt.py rpc_status_codes, system_errors.py, nt_errors.py) and Samba
 * (dcerpc.idl); see winerr.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probes/rpcerr/winerr.h"

static const struct {
    uint32_t code;
    const char *name;
    const char *desc; /* NULL: only check it is non-empty */
} known[] = {
    { 0x00000005u, "ERROR_ACCESS_DENIED", "Access is denied." },
    { 0x000004B8u, "ERROR_EXTENDED_ERROR", "An extended error has occurred." },
    { 0x000006BAu, "RPC_S_SERVER_UNAVAILABLE", "The RPC server is unavailable." },
    { 0x000006BEu, "RPC_S_CALL_FAILED", "The remote procedure call failed." },
    { 0x000006BFu, "RPC_S_CALL_FAILED_DNE", "The remote procedure call failed and did not execute." },
    { 0x000006C0u, "RPC_S_PROTOCOL_ERROR", "A remote procedure call (RPC) protocol error occurred." },
    { 0x000006D9u, "EPT_S_NOT_REGISTERED",
      "There are no more endpoints available from the endpoint mapper." },
    { 0x0000071Au, "RPC_S_CALL_CANCELLED", "The remote procedure call was cancelled." },
    { 0x00000721u, "RPC_S_SEC_PKG_ERROR", "A security package specific error occurred." },
    { 0x000006C1u, "RPC_S_PROXY_ACCESS_DENIED", "Access to the HTTP proxy is denied." },
    { 0x00000729u, "RPC_S_COOKIE_AUTH_FAILED", NULL },
    { 0x000006F7u, "RPC_X_BAD_STUB_DATA", "The stub received bad data." },
    { 0x1C010003u, "nca_s_unk_if", NULL },
    { 0x1C010002u, "nca_s_op_rng_error", NULL },
    { 0x1C00001Cu, "nca_s_invalid_pres_context_id", NULL },
    { 0x1C01000Bu, "nca_s_proto_error", NULL },
    { 0x1C00001Du, "nca_s_unsupported_authn_level", NULL },
    { 0xC0021007u, "RPC_P_RECEIVE_ALERTED", NULL },
    { 0xC0021008u, "RPC_P_CONNECTION_CLOSED", NULL },
    { 0xC0021009u, "RPC_P_RECEIVE_FAILED", NULL },
    { 0xC002100Au, "RPC_P_SEND_FAILED", NULL },
    { 0xC002100Bu, "RPC_P_TIMEOUT", NULL },
    { 0xC002100Cu, "RPC_P_SERVER_TRANSPORT_ERROR", NULL },
    { 0xC002100Eu, "RPC_P_EXCEPTION_OCCURED", NULL },
    { 0xC0021012u, "RPC_P_CONNECTION_SHUTDOWN", NULL },
    { 0xC0021015u, "RPC_P_THREAD_LISTENING", NULL },
};

static void test_known_codes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        const char *name = winerr_name(known[i].code);
        const char *desc = winerr_desc(known[i].code);

        assert_non_null(name);
        assert_string_equal(name, known[i].name);
        assert_non_null(desc);
        assert_true(strlen(desc) > 0);
        if (known[i].desc != NULL)
            assert_string_equal(desc, known[i].desc);
    }
    assert_string_equal(winerr_name(WINERR_RPC_SERVER_UNAVAILABLE), "RPC_S_SERVER_UNAVAILABLE");
    assert_string_equal(winerr_name(WINERR_NCA_UNK_IF), "nca_s_unk_if");
    assert_string_equal(winerr_name(WINERR_RPC_PROTOCOL_ERROR), "RPC_S_PROTOCOL_ERROR");
}

static void test_unknown_codes(void **state)
{
    static const uint32_t unknown[] = {
        0x00000000u, 0x00000001u, 0x00000006u, 0x000006B9u, 0x000006C3u, 0x1C010004u,
        0xC0021006u, 0xC002100Du, 0xC0021016u, 0xDEADBEEFu, 0xFFFFFFFFu,
        0x80070000u, /* HRESULT_FROM_WIN32 never wraps 0 */
        0x800706B9u, /* wraps a code that is not in the table */
        0x80060005u, /* facility 6, not Win32 */
    };
    (void)state;
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        assert_null(winerr_name(unknown[i]));
        assert_null(winerr_desc(unknown[i]));
    }
}

static void test_hresult_wrapping(void **state)
{
    (void)state;
    assert_string_equal(winerr_name(0x800706BAu), "RPC_S_SERVER_UNAVAILABLE");
    assert_string_equal(winerr_desc(0x800706BAu), "The RPC server is unavailable.");
    assert_string_equal(winerr_name(0x80070005u), "ERROR_ACCESS_DENIED");
    assert_string_equal(winerr_name(0x80070721u), "RPC_S_SEC_PKG_ERROR");
}

static void test_table_shape(void **state)
{
    unsigned n = winerr_count();
    (void)state;

    assert_true(n >= sizeof(known) / sizeof(known[0]));
    for (unsigned i = 0; i < n; i++) {
        uint32_t c = winerr_code_at(i);

        assert_true(c != 0);
        if (i > 0)
            assert_true(winerr_code_at(i - 1) < c); /* sorted, no duplicates */
        assert_non_null(winerr_name(c));
        assert_non_null(winerr_desc(c));
        assert_true(strlen(winerr_name(c)) > 0);
        assert_true(strlen(winerr_desc(c)) > 0);
        /* names are symbols: no spaces */
        assert_null(strchr(winerr_name(c), ' '));
    }
    assert_int_equal(winerr_code_at(n), 0);
    assert_int_equal(winerr_code_at(~0u), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_codes),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_hresult_wrapping),
        cmocka_unit_test(test_table_shape),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
