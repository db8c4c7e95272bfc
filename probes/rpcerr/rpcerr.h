/*
 * rpcerr.h: the RPC proxy's error status line (MS-RPCH 2.1.2.1.3, 3.2.3.5.11).
 *
 * When the proxy (IIS rpcproxy.dll) cannot open a channel to server:port it
 * answers, on either channel and possibly in the middle of the OUT stream:
 *
 *     HTTP/1.0 503 RPC Error: 6ba\r\n
 *     HTTP/1.1 503 RPC Error: 6BA, EEInfo: <base64 MS-EERR blob>\r\n
 *
 *   status-line  = HTTP-version SP "503" SP reason [CR] [LF]
 *   reason       = "RPC Error:" *SP 1*8HEXDIG [ *SP "," *SP "EEInfo:" *SP base64 ]
 *
 * The hex is a Windows error code (0x6BA = RPC_S_SERVER_UNAVAILABLE; see
 * winerr.h). The whole line is at most 1024 bytes. impacket matches the code
 * with `RPC Error: ([a-fA-F0-9]{1,8})`; this parser is stricter: nine or more
 * hex digits, a missing code or text after the code that is not ", EEInfo:"
 * are errors, not silently truncated. The EEInfo base64 is located, checked
 * for its alphabet and handed back undecoded (MS-EERR is not decoded here).
 *
 * A status line that is well formed but is not an RPC proxy error (any
 * status other than 503, or a 503 whose reason is not "RPC Error:", such as
 * IIS's own "HTTP/1.1 503 Service Unavailable" or a localized reason phrase)
 * is reported as RPCERR_KIND_PLAIN_STATUS so the probe can tell the two apart.
 *
 * The optional response body "RPC EEInfo:<base64>" is parsed by
 * rpcerr_parse_body().
 *
 * Pure: no allocation; results point into the caller's buffer.
 */
#ifndef OAPROBE_RPCERR_RPCERR_H
#define OAPROBE_RPCERR_RPCERR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "probes/common/wire.h"

/* Longest status line accepted, not counting the CR LF (MS-RPCH 2.1.2.1.3). */
#define RPCERR_LINE_MAX 1024u
/* Most hex digits in the RPC Error code (a u32). */
#define RPCERR_CODE_DIGITS_MAX 8u

enum rpcerr_kind {
    RPCERR_KIND_NONE = 0,     /* nothing decoded (set on failure) */
    RPCERR_KIND_RPC_ERROR,    /* "503 RPC Error: <hex>[, EEInfo: ...]" */
    RPCERR_KIND_PLAIN_STATUS, /* a valid status line, not an RPC proxy error */
};

struct rpcerr_line {
    enum rpcerr_kind kind;
    unsigned http_major;     /* the N of HTTP/N.M */
    unsigned http_minor;     /* the M of HTTP/N.M */
    unsigned status;         /* 3-digit status code, 100..599 */
    const char *reason;      /* reason phrase (borrowed, no CR/LF), may be "" */
    size_t reason_len;
    /* RPCERR_KIND_RPC_ERROR only: */
    uint32_t code;           /* the Windows error code */
    unsigned code_digits;    /* how many hex digits carried it (1..8) */
    bool has_eeinfo;         /* ", EEInfo: <base64>" was present */
    const char *eeinfo;      /* the base64 text (borrowed, undecoded), or NULL */
    size_t eeinfo_len;
    /* RPCERR_KIND_PLAIN_STATUS only: why this is not an RPC proxy error line. */
    const char *not_rpc_why;
};

struct rpcerr_body {
    const char *eeinfo;      /* the base64 after "RPC EEInfo:" (borrowed) */
    size_t eeinfo_len;
};

/*
 * Parse one HTTP status line and classify it.
 *   buf, len [in]  the line, starting at "HTTP/". It may end with LF or CR LF,
 *                  or have no line ending at all (then the whole buffer is the
 *                  line). Bytes after the first LF are not looked at.
 *   out      [out] the decoded line; pointers borrow from buf
 *   why      [out] static reason on failure (may be NULL)
 * Returns the bytes consumed (through the LF if there is one, else len) with
 * out->kind RPCERR_KIND_RPC_ERROR or RPCERR_KIND_PLAIN_STATUS;
 * WIRE_TOOBIG when the line is longer than RPCERR_LINE_MAX;
 * WIRE_INVALID for a NULL argument, an empty line, a line that is not an HTTP
 * status line (including a status code outside 100..599), a control
 * character, or a 503 "RPC Error:" line whose code is
 * missing, longer than 8 hex digits or followed by anything but ", EEInfo:"
 * and base64. On failure out->kind is RPCERR_KIND_NONE.
 */
ssize_t rpcerr_parse_line(const char *buf, size_t len, struct rpcerr_line *out,
                          const char **why);

/*
 * Parse the error response body "RPC EEInfo:<base64>" (prefix matched
 * case-insensitively; spaces after the colon and trailing CR/LF/spaces are
 * ignored).
 *   buf, len [in]  the body
 *   out      [out] the base64 text (borrowed, undecoded)
 *   why      [out] static reason on failure (may be NULL)
 * Returns len on success; WIRE_INVALID for a NULL argument, a missing prefix,
 * an empty or non-base64 payload; WIRE_TOOBIG for a body over 64 KiB.
 */
ssize_t rpcerr_parse_body(const char *buf, size_t len, struct rpcerr_body *out,
                          const char **why);

/* "rpc_error", "plain_status" or "none"; never NULL. */
const char *rpcerr_kind_name(enum rpcerr_kind kind);

#endif /* OAPROBE_RPCERR_RPCERR_H */
