/*
 * fuzz_rpcerr_line.c: libFuzzer driver for the RPC proxy error status line
 * parser (rpcerr_parse_line) and the "RPC EEInfo:" body parser.
 *
 * Input: the bytes at the start of an HTTP response (status line, maybe
 * followed by headers), not NUL-terminated.
 * Invariants (trap on violation): success consumes at most the input and
 * at most one line (through its LF), sets a kind, and every pointer it
 * returns (reason, EEInfo) lies inside the input; an RPC error carries a
 * 503 and 1..8 hex digits that re-parse to the same code; EEInfo is made
 * of base64 characters; failure leaves kind NONE and a reason; the code
 * name lookup never fails on any value.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "probes/rpcerr/rpcerr.h"
#include "probes/rpcerr/winerr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_inside(const char *p, size_t n, const char *buf, size_t size)
{
    if (p == NULL || p < buf || n > size || p + n > buf + size)
        __builtin_trap();
}

static int is_b64(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/' || c == '=';
}

static void check_line(const struct rpcerr_line *l, ssize_t r, const char *buf, size_t size)
{
    const char *lf;

    if (r < 0) {
        if (l->kind != RPCERR_KIND_NONE || (r != WIRE_INVALID && r != WIRE_TOOBIG))
            __builtin_trap();
        return;
    }
    if ((size_t)r > size)
        __builtin_trap();
    lf = memchr(buf, '\n', size);
    if (lf != NULL && (size_t)r != (size_t)(lf - buf) + 1)
        __builtin_trap();
    if (lf == NULL && (size_t)r != size)
        __builtin_trap();
    if (l->status < 100 || l->status > 599 || l->http_major > 9 || l->http_minor > 9)
        __builtin_trap();
    check_inside(l->reason, l->reason_len, buf, (size_t)r);
    if (rpcerr_kind_name(l->kind) == NULL)
        __builtin_trap();
    switch (l->kind) {
    case RPCERR_KIND_RPC_ERROR: {
        uint32_t code = 0;
        const char *d;

        if (l->status != 503 || l->code_digits < 1 || l->code_digits > RPCERR_CODE_DIGITS_MAX)
            __builtin_trap();
        if (l->not_rpc_why != NULL)
            __builtin_trap();
        /* the digits sit right before the first non-hex after "RPC Error:" */
        d = l->reason + 10;
        while (*d == ' ' || *d == '\t')
            d++;
        for (unsigned i = 0; i < l->code_digits; i++) {
            char c = d[i];
            unsigned v = (c >= '0' && c <= '9')   ? (unsigned)(c - '0')
                         : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10)
                         : (c >= 'A' && c <= 'F') ? (unsigned)(c - 'A' + 10)
                                                  : 16u;

            if (v > 15)
                __builtin_trap();
            code = code << 4 | v;
        }
        if (code != l->code)
            __builtin_trap();
        (void)winerr_name(l->code);
        (void)winerr_desc(l->code);
        if (l->has_eeinfo) {
            check_inside(l->eeinfo, l->eeinfo_len, l->reason, l->reason_len);
            if (l->eeinfo_len == 0)
                __builtin_trap();
            for (size_t i = 0; i < l->eeinfo_len; i++)
                if (!is_b64((unsigned char)l->eeinfo[i]))
                    __builtin_trap();
        } else if (l->eeinfo != NULL || l->eeinfo_len != 0) {
            __builtin_trap();
        }
        break;
    }
    case RPCERR_KIND_PLAIN_STATUS:
        if (l->not_rpc_why == NULL || l->has_eeinfo || l->code != 0)
            __builtin_trap();
        break;
    default:
        __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct rpcerr_line l;
    struct rpcerr_body b;
    const char *why = NULL;
    ssize_t r;

    r = rpcerr_parse_line(buf, size, &l, &why);
    if (r < 0 && why == NULL)
        __builtin_trap();
    check_line(&l, r, buf, size);

    why = NULL;
    r = rpcerr_parse_body(buf, size, &b, &why);
    if (r < 0) {
        if (why == NULL || b.eeinfo != NULL)
            __builtin_trap();
    } else {
        if ((size_t)r != size || b.eeinfo_len == 0)
            __builtin_trap();
        check_inside(b.eeinfo, b.eeinfo_len, buf, size);
        for (size_t i = 0; i < b.eeinfo_len; i++)
            if (!is_b64((unsigned char)b.eeinfo[i]))
                __builtin_trap();
    }

    /* every 32-bit prefix of the input as a status code */
    if (size >= 4) {
        uint32_t code = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                        (uint32_t)data[3] << 24;
        const char *name = winerr_name(code);

        if ((name == NULL) != (winerr_desc(code) == NULL))
            __builtin_trap();
    }
    return 0;
}
