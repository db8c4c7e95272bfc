/*
 * vp_reg.c: decode the input (UTF-8 / UTF-16) and find the ValidPorts value
 * in a bare value, a .reg export or reg query output (see vp_reg.h).
 *
 * A .reg string value line, as regedit writes it:
 *
 *   "ValidPorts"="EXCH01:6001-6002;EXCH01:6004"\r\n
 *   |"name"    |=|"string, with \\ and \" escapes"|
 *
 * reg query output (four-space separators):
 *
 *   HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Rpc\RpcProxy
 *       ValidPorts    REG_SZ    EXCH01:6001-6002;EXCH01:6004
 *   |ws||name     |ws|type |ws |value to the end of the line|
 */
#include "probes/validports/vp_reg.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "probes/validports/vp_match.h"
#include "probes/validports/vp_parse.h"

static const char *const value_names[] = {
    [VP_VN_VALIDPORTS] = "ValidPorts",
    [VP_VN_EXCHANGE] = "ValidPorts_Exchange",
    [VP_VN_AUTOCONFIG] = "ValidPorts_AutoConfig_Exchange",
};
#define N_VALUE_NAMES (sizeof value_names / sizeof value_names[0])

const char *vp_value_name_str(enum vp_value_name which)
{
    if ((unsigned)which >= N_VALUE_NAMES)
        return "?";
    return value_names[which];
}

const char *vp_encoding_str(enum vp_encoding enc)
{
    switch (enc) {
    case VP_ENC_UTF8: return "utf-8";
    case VP_ENC_UTF8_BOM: return "utf-8-bom";
    case VP_ENC_UTF16LE: return "utf-16le";
    case VP_ENC_UTF16BE: return "utf-16be";
    }
    return "?";
}

const char *vp_format_str(enum vp_input_format fmt)
{
    switch (fmt) {
    case VP_FMT_VALUE: return "value";
    case VP_FMT_REG_FILE: return "reg_file";
    case VP_FMT_REG_LINES: return "reg_lines";
    case VP_FMT_REG_QUERY: return "reg_query";
    }
    return "?";
}

/* Which of our value names is s (n bytes)? -1 when none. */
static int value_name_of(const char *s, size_t n)
{
    for (size_t i = 0; i < N_VALUE_NAMES; i++)
        if (vp_name_ieq(value_names[i], strlen(value_names[i]), s, n))
            return (int)i;
    return -1;
}

/*
 * UTF-16 code units -> UTF-8. Bytes [0, len) after the BOM; be selects the
 * byte order. Returns the new text or NULL (*why set, or VP_NOMEM via *rc).
 */
static char *utf16_to_utf8(const uint8_t *b, size_t len, bool be, size_t *out_len, int *rc,
                           const char **why)
{
    if (len % 2) {
        *why = "UTF-16 text with an odd number of bytes";
        *rc = WIRE_INVALID;
        return NULL;
    }
    char *o = malloc(len / 2 * 3 + 1);
    if (!o) {
        *rc = VP_NOMEM;
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i += 2) {
        uint32_t u = be ? (uint32_t)(b[i] << 8 | b[i + 1]) : (uint32_t)(b[i] | b[i + 1] << 8);
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (i + 3 >= len) {
                *why = "UTF-16 text ends inside a surrogate pair";
                goto bad;
            }
            uint32_t lo = be ? (uint32_t)(b[i + 2] << 8 | b[i + 3])
                             : (uint32_t)(b[i + 2] | b[i + 3] << 8);
            if (lo < 0xDC00 || lo > 0xDFFF) {
                *why = "UTF-16 text has an unpaired high surrogate";
                goto bad;
            }
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            i += 2;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            *why = "UTF-16 text has an unpaired low surrogate";
            goto bad;
        }
        if (u < 0x80) {
            o[n++] = (char)u;
        } else if (u < 0x800) {
            o[n++] = (char)(0xC0 | u >> 6);
            o[n++] = (char)(0x80 | (u & 0x3F));
        } else if (u < 0x10000) {
            o[n++] = (char)(0xE0 | u >> 12);
            o[n++] = (char)(0x80 | (u >> 6 & 0x3F));
            o[n++] = (char)(0x80 | (u & 0x3F));
        } else {
            o[n++] = (char)(0xF0 | u >> 18);
            o[n++] = (char)(0x80 | (u >> 12 & 0x3F));
            o[n++] = (char)(0x80 | (u >> 6 & 0x3F));
            o[n++] = (char)(0x80 | (u & 0x3F));
        }
    }
    o[n] = '\0';
    *out_len = n;
    return o;
bad:
    free(o);
    *rc = WIRE_INVALID;
    return NULL;
}

/* UTF-16LE without a BOM: every odd byte of the first 64 is 0, the first is not. */
static bool looks_utf16le(const uint8_t *b, size_t len)
{
    if (len < 4 || len % 2 || b[0] == 0)
        return false;
    for (size_t i = 1; i < len && i < 64; i += 2)
        if (b[i] != 0)
            return false;
    return true;
}

/* Decodes buf into UTF-8 text. Returns 0 or an error code. */
static int decode(const uint8_t *buf, size_t len, enum vp_encoding *enc, char **text,
                  size_t *text_len, const char **why)
{
    int rc = 0;
    if (len >= 2 && buf[0] == 0xFF && buf[1] == 0xFE) {
        *enc = VP_ENC_UTF16LE;
        *text = utf16_to_utf8(buf + 2, len - 2, false, text_len, &rc, why);
        return rc;
    }
    if (len >= 2 && buf[0] == 0xFE && buf[1] == 0xFF) {
        *enc = VP_ENC_UTF16BE;
        *text = utf16_to_utf8(buf + 2, len - 2, true, text_len, &rc, why);
        return rc;
    }
    if (looks_utf16le(buf, len)) {
        *enc = VP_ENC_UTF16LE;
        *text = utf16_to_utf8(buf, len, false, text_len, &rc, why);
        return rc;
    }
    size_t skip = 0;
    *enc = VP_ENC_UTF8;
    if (len >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) {
        *enc = VP_ENC_UTF8_BOM;
        skip = 3;
    }
    *text = malloc(len - skip + 1);
    if (!*text)
        return VP_NOMEM;
    memcpy(*text, buf + skip, len - skip);
    (*text)[len - skip] = '\0';
    *text_len = len - skip;
    return 0;
}

static bool is_sp(char c)
{
    return c == ' ' || c == '\t';
}

/* One line [s, e), without its line end. */
struct line {
    const char *s, *e;
    size_t no;
};

/* Result of looking at one line. */
enum look { NOT_OURS, OURS, OURS_BAD };

/* Copies [s, e) into a new NUL-terminated string. */
static char *dup_span(const char *s, const char *e)
{
    char *o = malloc((size_t)(e - s) + 1);
    if (o) {
        memcpy(o, s, (size_t)(e - s));
        o[e - s] = '\0';
    }
    return o;
}

/* The reason for a non-string .reg value type at p (after '='). */
static const char *reg_type_problem(const char *p, const char *e)
{
    static const struct { const char *pfx, *why; } types[] = {
        {"hex(2):", "the value is REG_EXPAND_SZ (hex(2)); RpcProxy reads ValidPorts as REG_SZ"},
        {"hex(7):", "the value is REG_MULTI_SZ (hex(7)); RpcProxy reads ValidPorts as REG_SZ"},
        {"hex(1):", "the value is a REG_SZ written in hex (hex(1)); export it again or paste "
                    "the value itself"},
        {"dword:", "the value is a REG_DWORD; RpcProxy reads ValidPorts as REG_SZ"},
        {"hex(b):", "the value is a REG_QWORD; RpcProxy reads ValidPorts as REG_SZ"},
        {"hex", "the value is binary (hex); RpcProxy reads ValidPorts as REG_SZ"},
    };
    if (p < e && *p == '-')
        return "the .reg line deletes the value ('=-')";
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t n = strlen(types[i].pfx);
        if ((size_t)(e - p) >= n && vp_name_iprefix(types[i].pfx, n, p, (size_t)(e - p)))
            return types[i].why;
    }
    return "the value is not a quoted string";
}

/* A .reg line "Name"="value". On OURS, *val, *vlen and *which are set (owned). */
static enum look reg_line(const struct line *ln, int *which, char **val, size_t *vlen,
                          const char **why, int *rc)
{
    const char *p = ln->s, *e = ln->e;
    while (p < e && is_sp(*p))
        p++;
    if (p == e || *p != '"')
        return NOT_OURS;
    const char *ns = ++p;
    while (p < e && *p != '"')
        p++;
    if (p == e)
        return NOT_OURS;
    *which = value_name_of(ns, (size_t)(p - ns));
    if (*which < 0)
        return NOT_OURS;
    p++;
    while (p < e && is_sp(*p))
        p++;
    if (p == e || *p != '=') {
        *why = "expected '=' after the value name";
        return OURS_BAD;
    }
    p++;
    while (p < e && is_sp(*p))
        p++;
    if (p == e || *p != '"') {
        *why = reg_type_problem(p, e);
        return OURS_BAD;
    }
    p++;
    char *o = malloc((size_t)(e - p) + 1);
    if (!o) {
        *rc = VP_NOMEM;
        return OURS_BAD;
    }
    size_t n = 0;
    for (;; p++) {
        if (p == e) {
            *why = "the string has no closing quote";
            free(o);
            return OURS_BAD;
        }
        if (*p == '"')
            break;
        if (*p == '\\') {
            if (p + 1 == e || (p[1] != '\\' && p[1] != '"')) {
                *why = "unknown escape in a .reg string (only \\\\ and \\\" are valid)";
                free(o);
                return OURS_BAD;
            }
            p++;
        }
        o[n++] = *p;
    }
    for (p++; p < e; p++)
        if (!is_sp(*p)) {
            *why = "text after the closing quote of the .reg string";
            free(o);
            return OURS_BAD;
        }
    o[n] = '\0';
    *val = o;
    *vlen = n;
    return OURS;
}

/* A reg query line "    Name    REG_SZ    value". */
static enum look query_line(const struct line *ln, int *which, char **val, size_t *vlen,
                            const char **why, int *rc)
{
    const char *p = ln->s, *e = ln->e;
    while (p < e && is_sp(*p))
        p++;
    const char *ns = p;
    while (p < e && !is_sp(*p))
        p++;
    *which = value_name_of(ns, (size_t)(p - ns));
    if (*which < 0 || p == e)
        return NOT_OURS;
    while (p < e && is_sp(*p))
        p++;
    const char *ts = p;
    while (p < e && !is_sp(*p))
        p++;
    if ((size_t)(p - ts) < 4 || memcmp(ts, "REG_", 4) != 0)
        return NOT_OURS;
    if ((size_t)(p - ts) != 6 || memcmp(ts, "REG_SZ", 6) != 0) {
        *why = "the value is not REG_SZ; RpcProxy reads ValidPorts as REG_SZ";
        return OURS_BAD;
    }
    if (e - p >= 4 && memcmp(p, "    ", 4) == 0)
        p += 4;
    else
        while (p < e && is_sp(*p))
            p++;
    *val = dup_span(p, e);
    if (!*val) {
        *rc = VP_NOMEM;
        return OURS_BAD;
    }
    *vlen = (size_t)(e - p);
    return OURS;
}

/* The line that starts at pos (its line end excluded); returns the next pos. */
static size_t next_line(const char *t, size_t len, size_t pos, struct line *ln)
{
    const char *nl = memchr(t + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - t) : len;
    ln->s = t + pos;
    ln->e = t + end;
    if (ln->e > ln->s && ln->e[-1] == '\r')
        ln->e--;
    ln->no++;
    return nl ? end + 1 : len;
}

static bool has_header(const char *t, size_t len)
{
    static const char *const hdr[] = {"Windows Registry Editor Version 5.00", "REGEDIT4"};
    size_t i = 0;
    while (i < len && (is_sp(t[i]) || t[i] == '\r' || t[i] == '\n'))
        i++;
    for (size_t k = 0; k < 2; k++) {
        size_t n = strlen(hdr[k]);
        if (len - i >= n && memcmp(t + i, hdr[k], n) == 0)
            return true;
    }
    return false;
}

/* Scans every line with one of the two line readers; fills out->found. */
static int scan(struct vp_input *out, const char *t, size_t len, bool query, const char **why)
{
    struct line ln = {0};
    const char *key_s = NULL, *key_e = NULL;
    for (size_t pos = 0; pos < len;) {
        pos = next_line(t, len, pos, &ln);
        const char *p = ln.s;
        while (p < ln.e && is_sp(*p))
            p++;
        if (!query && p < ln.e && *p == '[') {
            const char *c = memchr(p, ']', (size_t)(ln.e - p));
            key_s = p + 1;
            key_e = c ? c : ln.e;
            continue;
        }
        if (query && (size_t)(ln.e - p) >= 5 && memcmp(p, "HKEY_", 5) == 0) {
            key_s = p;
            key_e = ln.e;
            while (key_e > key_s && is_sp(key_e[-1]))
                key_e--;
            continue;
        }
        int which = -1, rc = 0;
        char *val = NULL;
        size_t vlen = 0;
        enum look lk = query ? query_line(&ln, &which, &val, &vlen, why, &rc)
                             : reg_line(&ln, &which, &val, &vlen, why, &rc);
        if (lk == NOT_OURS)
            continue;
        if (lk == OURS_BAD) {
            out->err_line = ln.no;
            return rc ? rc : WIRE_INVALID;
        }
        if (out->n_found == VP_REG_VALUES_MAX) {
            out->n_ignored++;
            free(val);
            continue;
        }
        struct vp_found *f = &out->found[out->n_found++];
        f->which = (enum vp_value_name)which;
        f->line = ln.no;
        f->value = val;
        f->value_len = vlen;
        if (key_s && !(f->key = dup_span(key_s, key_e)))
            return VP_NOMEM;
    }
    return 0;
}

/* Does any line look like one of ours (for format detection)? */
static bool any_line(const char *t, size_t len, bool query)
{
    struct line ln = {0};
    for (size_t pos = 0; pos < len;) {
        pos = next_line(t, len, pos, &ln);
        int which, rc = 0;
        char *val = NULL;
        size_t vlen;
        const char *why;
        enum look lk = query ? query_line(&ln, &which, &val, &vlen, &why, &rc)
                             : reg_line(&ln, &which, &val, &vlen, &why, &rc);
        free(val);
        if (lk != NOT_OURS)
            return true;
    }
    return false;
}

int vp_input_read(struct vp_input *out, const uint8_t *buf, size_t len, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    if (!out || !buf) {
        *why = "NULL argument";
        return WIRE_INVALID;
    }
    memset(out, 0, sizeof *out);
    if (len > VP_INPUT_MAX) {
        *why = "the input is larger than 1 MiB";
        return WIRE_TOOBIG;
    }
    char *t = NULL;
    size_t tl = 0;
    int rc = decode(buf, len, &out->encoding, &t, &tl, why);
    if (rc)
        return rc;
    if (has_header(t, tl)) {
        out->format = VP_FMT_REG_FILE;
        rc = scan(out, t, tl, false, why);
        if (rc == 0 && out->n_found == 0) {
            *why = "the .reg file has no ValidPorts, ValidPorts_Exchange or "
                   "ValidPorts_AutoConfig_Exchange value";
            rc = WIRE_INVALID;
        }
    } else if (any_line(t, tl, false)) {
        out->format = VP_FMT_REG_LINES;
        rc = scan(out, t, tl, false, why);
    } else if (any_line(t, tl, true)) {
        out->format = VP_FMT_REG_QUERY;
        rc = scan(out, t, tl, true, why);
    } else {
        out->format = VP_FMT_VALUE;
        while (tl > 0 && (t[tl - 1] == '\n' || t[tl - 1] == '\r'))
            tl--;
        t[tl] = '\0';
        out->found[0].value = t;
        out->found[0].value_len = tl;
        out->found[0].which = VP_VN_VALIDPORTS;
        out->n_found = 1;
        return 0;
    }
    free(t);
    return rc;
}

void vp_input_clear(struct vp_input *in)
{
    if (!in)
        return;
    for (size_t i = 0; i < in->n_found && i < VP_REG_VALUES_MAX; i++) {
        free(in->found[i].value);
        free(in->found[i].key);
    }
    memset(in, 0, sizeof *in);
}

static bool key_is_rpcproxy(const char *key)
{
    static const char tail[] = "\\Rpc\\RpcProxy";
    if (!key)
        return true;
    size_t n = strlen(key), tn = sizeof tail - 1;
    return n >= tn && vp_name_ieq(key + n - tn, tn, tail, tn);
}

const struct vp_found *vp_input_pick(const struct vp_input *in, const char *wanted)
{
    static const int name_rank[] = {[VP_VN_EXCHANGE] = 0, [VP_VN_AUTOCONFIG] = 1,
                                    [VP_VN_VALIDPORTS] = 2};
    if (!in || in->n_found == 0)
        return NULL;
    const struct vp_found *best = NULL;
    int best_rank = 0;
    for (size_t i = 0; i < in->n_found && i < VP_REG_VALUES_MAX; i++) {
        const struct vp_found *f = &in->found[i];
        if (wanted) {
            const char *n = vp_value_name_str(f->which);
            if (vp_name_ieq(n, strlen(n), wanted, strlen(wanted)))
                return f;
            continue;
        }
        int rank = (key_is_rpcproxy(f->key) ? 0 : 10) + name_rank[f->which];
        if (!best || rank < best_rank) {
            best = f;
            best_rank = rank;
        }
    }
    return best;
}
