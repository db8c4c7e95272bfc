/*
 * winerr.c: the status-code table behind winerr_name() and winerr_desc().
 * Sources for every row are listed in winerr.h. Keep the table sorted by
 * code (a unit test checks it).
 */
#include "probes/rpcerr/winerr.h"

#include <stddef.h>

struct winerr_entry {
    uint32_t code;
    const char *name;
    const char *desc;
};

static const struct winerr_entry winerr_table[] = {
    /* Win32 system error codes (WinError.h). */
    { 0x00000005u, "ERROR_ACCESS_DENIED", "Access is denied." },
    { 0x000004B8u, "ERROR_EXTENDED_ERROR", "An extended error has occurred." },
    { 0x000006B5u, "RPC_S_UNKNOWN_IF", "The interface is unknown." },
    { 0x000006BAu, "RPC_S_SERVER_UNAVAILABLE", "The RPC server is unavailable." },
    { 0x000006BBu, "RPC_S_SERVER_TOO_BUSY",
      "The RPC server is too busy to complete this operation." },
    { 0x000006BEu, "RPC_S_CALL_FAILED", "The remote procedure call failed." },
    { 0x000006BFu, "RPC_S_CALL_FAILED_DNE",
      "The remote procedure call failed and did not execute." },
    { 0x000006C0u, "RPC_S_PROTOCOL_ERROR",
      "A remote procedure call (RPC) protocol error occurred." },
    { 0x000006C1u, "RPC_S_PROXY_ACCESS_DENIED", "Access to the HTTP proxy is denied." },
    { 0x000006C2u, "RPC_S_UNSUPPORTED_TRANS_SYN",
      "The transfer syntax is not supported by the RPC server." },
    { 0x000006D1u, "RPC_S_PROCNUM_OUT_OF_RANGE", "The procedure number is out of range." },
    { 0x000006D3u, "RPC_S_UNKNOWN_AUTHN_SERVICE", "The authentication service is unknown." },
    { 0x000006D4u, "RPC_S_UNKNOWN_AUTHN_LEVEL", "The authentication level is unknown." },
    { 0x000006D8u, "EPT_S_CANT_PERFORM_OP",
      "The server endpoint cannot perform the operation." },
    { 0x000006D9u, "EPT_S_NOT_REGISTERED",
      "There are no more endpoints available from the endpoint mapper." },
    { 0x000006E4u, "RPC_S_CANNOT_SUPPORT", "The requested operation is not supported." },
    { 0x000006E6u, "RPC_S_INTERNAL_ERROR",
      "An internal error occurred in a remote procedure call (RPC)." },
    { 0x000006F7u, "RPC_X_BAD_STUB_DATA", "The stub received bad data." },
    { 0x0000071Au, "RPC_S_CALL_CANCELLED", "The remote procedure call was cancelled." },
    { 0x0000071Cu, "RPC_S_COMM_FAILURE",
      "A communications failure occurred during a remote procedure call." },
    { 0x0000071Du, "RPC_S_UNSUPPORTED_AUTHN_LEVEL",
      "The requested authentication level is not supported." },
    { 0x00000721u, "RPC_S_SEC_PKG_ERROR", "A security package specific error occurred." },
    { 0x00000729u, "RPC_S_COOKIE_AUTH_FAILED",
      "HTTP proxy server rejected the connection because the cookie authentication failed." },

    /* DCE RPC fault statuses (C706 appendix E). */
    { 0x1C000008u, "nca_s_rpc_version_mismatch",
      "The server does not support the client's RPC protocol version." },
    { 0x1C000009u, "nca_s_unspec_reject", "The server rejected the call for an unspecified reason." },
    { 0x1C00000Du, "nca_s_fault_cancel", "The call was cancelled on the server." },
    { 0x1C000012u, "nca_s_fault_unspec", "The call failed on the server for an unspecified reason." },
    { 0x1C00001Au, "nca_s_fault_context_mismatch",
      "The context handle does not match a context the server knows." },
    { 0x1C00001Bu, "nca_s_fault_remote_no_memory", "The server ran out of memory." },
    { 0x1C00001Cu, "nca_s_invalid_pres_context_id",
      "The presentation context ID is not one the client has bound." },
    { 0x1C00001Du, "nca_s_unsupported_authn_level",
      "The server does not support the requested authentication level." },
    { 0x1C00001Fu, "nca_s_invalid_checksum", "The PDU failed its checksum verification." },
    { 0x1C000020u, "nca_s_invalid_crc", "The PDU failed its CRC check." },
    { 0x1C010001u, "nca_s_comm_failure", "Communications failure: no response from the server." },
    { 0x1C010002u, "nca_s_op_rng_error", "The operation number is out of range for the interface." },
    { 0x1C010003u, "nca_s_unk_if", "The server does not know the requested interface." },
    { 0x1C01000Bu, "nca_s_proto_error", "The server detected an RPC protocol error." },
    { 0x1C010014u, "nca_s_server_too_busy", "The server is too busy to handle the call." },

    /* RPC runtime private NTSTATUS codes seen from the RPC proxy. */
    { 0xC0021007u, "RPC_P_RECEIVE_ALERTED", "RPC runtime internal status: a receive was alerted." },
    { 0xC0021008u, "RPC_P_CONNECTION_CLOSED",
      "RPC runtime internal status: the connection was closed." },
    { 0xC0021009u, "RPC_P_RECEIVE_FAILED", "RPC runtime internal status: a receive failed." },
    { 0xC002100Au, "RPC_P_SEND_FAILED", "RPC runtime internal status: a send failed." },
    { 0xC002100Bu, "RPC_P_TIMEOUT", "RPC runtime internal status: an operation timed out." },
    { 0xC002100Cu, "RPC_P_SERVER_TRANSPORT_ERROR",
      "RPC runtime internal status: the server transport failed." },
    { 0xC002100Eu, "RPC_P_EXCEPTION_OCCURED",
      "RPC runtime internal status: an exception occurred." },
    { 0xC0021012u, "RPC_P_CONNECTION_SHUTDOWN",
      "RPC runtime internal status: the connection was shut down." },
    { 0xC0021015u, "RPC_P_THREAD_LISTENING",
      "RPC runtime internal status: a thread is already listening." },
};

#define WINERR_N (sizeof(winerr_table) / sizeof(winerr_table[0]))

/* HRESULT_FROM_WIN32(x) = 0x80070000 | (x & 0xFFFF) for x != 0. */
#define WINERR_HRESULT_WIN32_MASK 0xFFFF0000u
#define WINERR_HRESULT_WIN32      0x80070000u

static const struct winerr_entry *winerr_find_exact(uint32_t code)
{
    size_t lo = 0, hi = WINERR_N;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (winerr_table[mid].code == code)
            return &winerr_table[mid];
        if (winerr_table[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static const struct winerr_entry *winerr_find(uint32_t code)
{
    const struct winerr_entry *e = winerr_find_exact(code);

    if (e == NULL && (code & WINERR_HRESULT_WIN32_MASK) == WINERR_HRESULT_WIN32 &&
        (code & 0xFFFFu) != 0)
        e = winerr_find_exact(code & 0xFFFFu);
    return e;
}

const char *winerr_name(uint32_t code)
{
    const struct winerr_entry *e = winerr_find(code);

    return e != NULL ? e->name : NULL;
}

const char *winerr_desc(uint32_t code)
{
    const struct winerr_entry *e = winerr_find(code);

    return e != NULL ? e->desc : NULL;
}

unsigned winerr_count(void)
{
    return (unsigned)WINERR_N;
}

uint32_t winerr_code_at(unsigned i)
{
    return i < WINERR_N ? winerr_table[i].code : 0;
}
