/*
 * rpcerr.c: parser for the RPC proxy's "503 RPC Error: <hex>" status line and
 * its "RPC EEInfo:" body. Grammar and sources in rpcerr.h.
 */
#include "probes/rpcerr/rpcerr.h"
#include "probes/common/ascii.h"
#include "probes/common/wire.h"

#include <string.h>

/* A body longer than this is not an EEInfo blob we want to look at. */
#define RPCERR_BODY_MAX 65536u

static const char rpcerr_prefix_http[] = "HTTP/";
static const char rpcerr_prefix_rpc[] = "RPC Error:";
static const char rpcerr_prefix_ee[] = "EEInfo:";
static const char rpcerr_prefix_body[] = "RPC EEInfo:";

static bool rpcerr_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool rpcerr_is_b64(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || rpcerr_is_digit(c) ||
           c == '+' || c == '/' || c == '=';
}

static bool rpcerr_is_space(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static unsigned char rpcerr_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Does s[0..n) start with the literal p, ASCII case-insensitively? */
static bool rpcerr_starts_ci(const char *s, size_t n, const char *p)
{
    size_t plen = strlen(p);

    if (n < plen)
        return false;
    for (size_t i = 0; i < plen; i++)
        if (rpcerr_lower((unsigned char)s[i]) != rpcerr_lower((unsigned char)p[i]))
            return false;
    return true;
}

static size_t rpcerr_skip_space(const char *s, size_t i, size_t n)
{
    while (i < n && rpcerr_is_space((unsigned char)s[i]))
        i++;
    return i;
}

/* Trim trailing SP/HTAB from s[0..n). */
static size_t rpcerr_rtrim(const char *s, size_t n)
{
    while (n > 0 && rpcerr_is_space((unsigned char)s[n - 1]))
        n--;
    return n;
}

/*
 * Locate and validate base64 text s[i..n) (trailing blanks trimmed).
 * Returns 0 and sets *b64 and *b64_len, or WIRE_INVALID.
 */
static int rpcerr_take_b64(const char *s, size_t i, size_t n, const char **b64,
                           size_t *b64_len, const char **why)
{
    n = rpcerr_rtrim(s, n);
    if (i >= n) {
        wire_set_why(why, "EEInfo is empty");
        return WIRE_INVALID;
    }
    for (size_t k = i; k < n; k++) {
        if (!rpcerr_is_b64((unsigned char)s[k])) {
            wire_set_why(why, "EEInfo is not base64 (character outside A-Z a-z 0-9 + / =)");
            return WIRE_INVALID;
        }
    }
    *b64 = s + i;
    *b64_len = n - i;
    return 0;
}

/*
 * The reason phrase of a 503 that starts with "RPC Error:".
 *   r[0..n) is the reason phrase.
 */
static int rpcerr_parse_rpc_reason(const char *r, size_t n, struct rpcerr_line *out,
                                   const char **why)
{
    size_t i = rpcerr_skip_space(r, sizeof(rpcerr_prefix_rpc) - 1, n);
    size_t start = i;
    uint32_t code = 0;

    while (i < n && ascii_hex_value((unsigned char)r[i]) >= 0) {
        if (i - start == RPCERR_CODE_DIGITS_MAX) {
            wire_set_why(why, "RPC Error code has more than 8 hex digits");
            return WIRE_INVALID;
        }
        code = code << 4 | (uint32_t)ascii_hex_value((unsigned char)r[i]);
        i++;
    }
    if (i == start) {
        wire_set_why(why, "\"RPC Error:\" is not followed by a hex code");
        return WIRE_INVALID;
    }
    out->code = code;
    out->code_digits = (unsigned)(i - start);

    i = rpcerr_skip_space(r, i, n);
    if (i == n)
        return 0;
    if (r[i] != ',') {
        wire_set_why(why, "unexpected text after the RPC Error code");
        return WIRE_INVALID;
    }
    i = rpcerr_skip_space(r, i + 1, n);
    if (!rpcerr_starts_ci(r + i, n - i, rpcerr_prefix_ee)) {
        wire_set_why(why, "text after the RPC Error code is not \", EEInfo:\"");
        return WIRE_INVALID;
    }
    i = rpcerr_skip_space(r, i + sizeof(rpcerr_prefix_ee) - 1, n);
    if (rpcerr_take_b64(r, i, n, &out->eeinfo, &out->eeinfo_len, why) != 0)
        return WIRE_INVALID;
    out->has_eeinfo = true;
    return 0;
}

/*
 * Split off the line: find the LF, drop one CR before it (or at the very end
 * when there is no LF). Sets *line_len and returns the bytes consumed, or a
 * negative WIRE_ code.
 */
static ssize_t rpcerr_split_line(const char *buf, size_t len, size_t *line_len,
                                 const char **why)
{
    size_t scan = len < RPCERR_LINE_MAX + 2 ? len : RPCERR_LINE_MAX + 2;
    const char *lf = memchr(buf, '\n', scan);
    size_t n = lf != NULL ? (size_t)(lf - buf) : len;
    size_t consumed = lf != NULL ? n + 1 : len;

    if (n > 0 && buf[n - 1] == '\r')
        n--;
    if (n > RPCERR_LINE_MAX) {
        wire_set_why(why, "status line is longer than 1024 bytes");
        return WIRE_TOOBIG;
    }
    if (n == 0) {
        wire_set_why(why, "status line is empty");
        return WIRE_INVALID;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)buf[i];

        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            wire_set_why(why, "status line contains a control character");
            return WIRE_INVALID;
        }
    }
    *line_len = n;
    return (ssize_t)consumed;
}

ssize_t rpcerr_parse_line(const char *buf, size_t len, struct rpcerr_line *out,
                          const char **why)
{
    size_t n = 0, i;
    ssize_t consumed;

    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (buf == NULL || out == NULL) {
        wire_set_why(why, "NULL argument");
        return WIRE_INVALID;
    }
    consumed = rpcerr_split_line(buf, len, &n, why);
    if (consumed < 0)
        return consumed;

    /* HTTP-version = "HTTP/" DIGIT "." DIGIT */
    i = sizeof(rpcerr_prefix_http) - 1;
    if (n < i || memcmp(buf, rpcerr_prefix_http, i) != 0) {
        wire_set_why(why, "line does not start with \"HTTP/\"");
        return WIRE_INVALID;
    }
    if (n < i + 3 || !rpcerr_is_digit((unsigned char)buf[i]) || buf[i + 1] != '.' ||
        !rpcerr_is_digit((unsigned char)buf[i + 2])) {
        wire_set_why(why, "HTTP version is not DIGIT.DIGIT");
        return WIRE_INVALID;
    }
    out->http_major = (unsigned)(buf[i] - '0');
    out->http_minor = (unsigned)(buf[i + 2] - '0');
    i += 3;
    if (i >= n || buf[i] != ' ') {
        wire_set_why(why, "no space after the HTTP version");
        return WIRE_INVALID;
    }
    i++;

    /* status-code = 3DIGIT, then SP reason or the end of the line */
    if (n - i < 3 || !rpcerr_is_digit((unsigned char)buf[i]) ||
        !rpcerr_is_digit((unsigned char)buf[i + 1]) ||
        !rpcerr_is_digit((unsigned char)buf[i + 2]) ||
        (n - i > 3 && buf[i + 3] != ' ')) {
        wire_set_why(why, "status code is not three digits");
        return WIRE_INVALID;
    }
    out->status = (unsigned)((buf[i] - '0') * 100 + (buf[i + 1] - '0') * 10 + (buf[i + 2] - '0'));
    if (out->status < 100 || out->status > 599) {
        memset(out, 0, sizeof(*out));
        wire_set_why(why, "status code is not in 100..599");
        return WIRE_INVALID;
    }
    i += 3;
    if (i < n)
        i++; /* the SP */
    out->reason = buf + i;
    out->reason_len = n - i;

    if (out->status != 503) {
        out->kind = RPCERR_KIND_PLAIN_STATUS;
        out->not_rpc_why = "status is not 503";
        return consumed;
    }
    if (!rpcerr_starts_ci(out->reason, out->reason_len, rpcerr_prefix_rpc)) {
        out->kind = RPCERR_KIND_PLAIN_STATUS;
        out->not_rpc_why = "503 reason phrase does not start with \"RPC Error:\"";
        return consumed;
    }
    if (rpcerr_parse_rpc_reason(out->reason, out->reason_len, out, why) != 0) {
        memset(out, 0, sizeof(*out));
        return WIRE_INVALID;
    }
    out->kind = RPCERR_KIND_RPC_ERROR;
    return consumed;
}

ssize_t rpcerr_parse_body(const char *buf, size_t len, struct rpcerr_body *out,
                          const char **why)
{
    size_t n = len, i;

    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (buf == NULL || out == NULL) {
        wire_set_why(why, "NULL argument");
        return WIRE_INVALID;
    }
    if (len > RPCERR_BODY_MAX) {
        wire_set_why(why, "RPC EEInfo body is larger than 64 KiB");
        return WIRE_TOOBIG;
    }
    while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == '\n' ||
                     rpcerr_is_space((unsigned char)buf[n - 1])))
        n--;
    if (!rpcerr_starts_ci(buf, n, rpcerr_prefix_body)) {
        wire_set_why(why, "body does not start with \"RPC EEInfo:\"");
        return WIRE_INVALID;
    }
    i = rpcerr_skip_space(buf, sizeof(rpcerr_prefix_body) - 1, n);
    if (rpcerr_take_b64(buf, i, n, &out->eeinfo, &out->eeinfo_len, why) != 0)
        return WIRE_INVALID;
    return (ssize_t)len;
}

const char *rpcerr_kind_name(enum rpcerr_kind kind)
{
    switch (kind) {
    case RPCERR_KIND_RPC_ERROR:
        return "rpc_error";
    case RPCERR_KIND_PLAIN_STATUS:
        return "plain_status";
    case RPCERR_KIND_NONE:
        break;
    }
    return "none";
}
