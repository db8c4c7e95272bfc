/*
 * winerr.h: names and one-line descriptions of the Windows / DCE RPC status
 * codes an Outlook Anywhere probe meets: the hex after "RPC Error:" in the
 * RPC proxy's 503 status line, the status of a fault PDU answering a bind,
 * and the RPC proxy's private NTSTATUS-style codes.
 *
 * Every entry was checked against public sources, not invented:
 *  - Win32 codes (ERROR_*, RPC_S_*, RPC_X_*, EPT_S_*): Microsoft "System Error
 *    Codes" pages (WinError.h; MicrosoftDocs/win32 system-error-codes--1700-3999-)
 *    and impacket/system_errors.py, which agree. 0x6C0 is RPC_S_PROTOCOL_ERROR
 *    (impacket's rpch.py notes that ClientKeepalive 0 provokes it).
 *  - nca_s_* (C706 appendix E fault statuses, 0x1C00xxxx / 0x1C01xxxx):
 *    impacket/dcerpc/v5/rpcrt.py rpc_status_codes, Samba librpc/idl/dcerpc.idl
 *    and Wine/FreeRDP ncastatus tables, which agree.
 *  - RPC_P_* (0xC0021007..0xC0021015): impacket/nt_errors.py. Microsoft does
 *    not document them; the descriptions here paraphrase the names.
 * Descriptions are our own one-line wording (Microsoft's text where it exists).
 *
 * Pure lookups: no allocation, no globals beyond const tables.
 */
#ifndef OAPROBE_RPCERR_WINERR_H
#define OAPROBE_RPCERR_WINERR_H

#include <stdint.h>

/* The codes the probe refers to by name. */
#define WINERR_ACCESS_DENIED          0x00000005u
#define WINERR_EXTENDED_ERROR         0x000004B8u
#define WINERR_RPC_SERVER_UNAVAILABLE 0x000006BAu
#define WINERR_RPC_PROTOCOL_ERROR     0x000006C0u
#define WINERR_EPT_NOT_REGISTERED     0x000006D9u
#define WINERR_NCA_OP_RNG_ERROR       0x1C010002u
#define WINERR_NCA_UNK_IF             0x1C010003u

/*
 * Symbolic name of a status code, e.g. 0x6BA -> "RPC_S_SERVER_UNAVAILABLE",
 * 0x1C010003 -> "nca_s_unk_if". An HRESULT that wraps a Win32 code
 * (0x8007xxxx, HRESULT_FROM_WIN32) is looked up by its low 16 bits, so
 * 0x800706BA also gives "RPC_S_SERVER_UNAVAILABLE".
 *   code [in] the status as it appeared on the wire
 * Returns a static string, or NULL when the code is not in the table.
 */
const char *winerr_name(uint32_t code);

/*
 * One-line human description, e.g. 0x6BA -> "The RPC server is unavailable.".
 * Same lookup rules as winerr_name().
 *   code [in] the status as it appeared on the wire
 * Returns a static string, or NULL when the code is not in the table.
 */
const char *winerr_desc(uint32_t code);

/*
 * Number of entries in the table, and the code of entry i (0-based, in
 * ascending code order). For tests and for listing the table; returns 0
 * for i out of range (0 is not a code in the table).
 */
unsigned winerr_count(void);
uint32_t winerr_code_at(unsigned i);

#endif /* OAPROBE_RPCERR_WINERR_H */
