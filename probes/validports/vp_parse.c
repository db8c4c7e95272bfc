/*
 * vp_parse.c: the ValidPorts value parser (see vp_parse.h for the grammar).
 *
 * The value is split at every ';' into pieces; each non-empty piece is one
 * entry, split at its ':' into the name and the ports:
 *
 *   "EXCH01:6001-6002;EXCH01:6004;Data*:4000-8000"
 *    |name||lo | hi  | |name||pt | |pfx*|lo | hi|
 *    col 1  8    13    18     25   30    36   41
 *
 * Every problem becomes a vp_diag with the column of the offending character;
 * a broken entry is dropped, an entry whose only fault is whitespace around
 * its name or ports is kept trimmed (and the whitespace is still an error).
 */
#include "probes/validports/vp_parse.h"

#include <stdlib.h>
#include <string.h>

#include "probes/validports/vp_match.h"

/* Whitespace is an error: Windows documents no trimming, so " EXCH01" may be
 * compared with its space. The entry is kept, trimmed, for the linter. */
#define WS_NOTE " (Windows documents no trimming; the corrected value removes it)"

/* Per-entry parse state. */
struct piece {
    size_t ps, pe;       /* raw piece [ps, pe) */
    unsigned index;      /* 1-based */
    bool bad;            /* an error that drops the entry */
    bool ws;             /* a whitespace error was reported */
    size_t lz;           /* offset of a port with a leading zero, or SIZE_MAX */
    size_t nonascii;     /* offset of the first non-ASCII name byte, or SIZE_MAX */
    struct vp_entry e;
};

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_alnum(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Name character classes: 0 ok, 1 non-ASCII (ok, warned), else a reason. */
static const char *name_char_problem(unsigned char c, bool *non_ascii)
{
    if (c >= 0x80) {
        *non_ascii = true;
        return NULL;
    }
    if (is_alnum(c) || c == '-' || c == '.' || c == '_')
        return NULL;
    if (c < 0x20 || c == 0x7f)
        return "is a control character";
    if (is_ws(c))
        return "is whitespace inside the server name";
    return "cannot appear in a server name";
}

bool vp_is_ipv6_literal(const char *s, size_t len)
{
    if (!s)
        return false;
    size_t i = 0, colons = 0;
    if (len > 0 && s[0] == '[') {
        i = 1;
        if (len < 2 || s[len - 1] != ']')
            return false;
        len--;
    }
    bool dbl = false;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') { /* zone id: the rest is alphanumeric */
            for (i++; i < len; i++)
                if (!is_alnum((unsigned char)s[i]))
                    return false;
            break;
        }
        if (c == ':') {
            colons++;
            dbl |= i > 0 && s[i - 1] == ':';
        } else if (!is_hex(c) && c != '.') {
            return false;
        }
    }
    /* "::" shortens it, or all eight groups are there (seven colons) */
    return (dbl && colons >= 2) || colons >= 7;
}

int vp_name_check(const char *name, size_t len, bool *ipv6, const char **why)
{
    const char *dummy;
    bool non_ascii = false;
    if (!why)
        why = &dummy;
    if (ipv6)
        *ipv6 = false;
    if (!name) {
        *why = "NULL name";
        return WIRE_INVALID;
    }
    if (len == 0) {
        *why = "the name is empty";
        return WIRE_INVALID;
    }
    if (len > VP_NAME_MAX) {
        *why = "the name is longer than 255 characters";
        return WIRE_INVALID;
    }
    if (vp_is_ipv6_literal(name, len)) {
        if (ipv6)
            *ipv6 = true;
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '*') {
            *why = "'*' is a ValidPorts wildcard, not a name a client sends";
            return WIRE_INVALID;
        }
        if (c == ':' || c == ';') {
            *why = "':' and ';' cannot appear in a server name";
            return WIRE_INVALID;
        }
        const char *p = name_char_problem(c, &non_ascii);
        if (p) {
            *why = "the name has a character that cannot appear in a server name";
            return WIRE_INVALID;
        }
    }
    return 0;
}

const char *vp_code_name(enum vp_code code)
{
    static const char *const names[VP_CODE_COUNT] = {
        [VP_E_TOO_LONG] = "value_too_long",
        [VP_E_TOO_MANY] = "too_many_entries",
        [VP_E_NO_COLON] = "missing_colon",
        [VP_E_EMPTY_NAME] = "empty_name",
        [VP_E_NAME_TOO_LONG] = "name_too_long",
        [VP_E_BAD_CHAR] = "bad_character",
        [VP_E_WILDCARD_POS] = "misplaced_wildcard",
        [VP_E_IPV6] = "ipv6_literal",
        [VP_E_EXTRA_COLON] = "extra_colon",
        [VP_E_EMPTY_PORT] = "empty_port",
        [VP_E_PORT_NOT_NUMBER] = "port_not_number",
        [VP_E_PORT_RANGE] = "port_out_of_range",
        [VP_E_RANGE_NO_LOW] = "range_missing_low",
        [VP_E_RANGE_NO_HIGH] = "range_missing_high",
        [VP_E_RANGE_REVERSED] = "range_reversed",
        [VP_E_PORT_LIST] = "port_list",
        [VP_E_WHITESPACE] = "whitespace",
        [VP_W_EMPTY_VALUE] = "empty_value",
        [VP_W_EMPTY_ENTRY] = "empty_entry",
        [VP_W_DUPLICATE] = "duplicate_entry",
        [VP_W_WILDCARD_ALL] = "wildcard_matches_all",
        [VP_W_LEADING_ZERO] = "leading_zero",
        [VP_W_TRAILING_DOT] = "trailing_dot",
        [VP_W_NON_ASCII] = "non_ascii_name",
        [VP_W_BAD_IPV4] = "ipv4_invalid",
    };
    if ((unsigned)code >= VP_CODE_COUNT || !names[code])
        return "unknown";
    return names[code];
}

static enum vp_severity severity_of(enum vp_code code)
{
    return code < VP_W_EMPTY_VALUE ? VP_SEV_ERROR : VP_SEV_WARNING;
}

/* Records a diagnostic about piece p (NULL = the whole value); returns it, or
 * NULL when the table is full. */
static struct vp_diag *diag(struct vp_list *l, const struct piece *p, enum vp_code code, size_t off,
                 size_t tok_off, size_t tok_len, const char *what, const char *why)
{
    if (severity_of(code) == VP_SEV_ERROR)
        l->n_errors++;
    else
        l->n_warnings++;
    if (l->n_diags >= VP_DIAGS_MAX)
        return NULL;
    struct vp_diag *d = &l->diags[l->n_diags++];
    memset(d, 0, sizeof *d);
    d->code = code;
    d->severity = severity_of(code);
    d->entry = p ? p->index : 0;
    d->col = off + 1;
    d->entry_off = p ? p->ps : 0;
    d->entry_len = p ? p->pe - p->ps : 0;
    d->tok_off = tok_off;
    d->tok_len = tok_len;
    d->what = what;
    d->why = why;
    return d;
}

static void error(struct vp_list *l, struct piece *p, enum vp_code code, size_t off,
                  size_t tok_off, size_t tok_len, const char *what, const char *why)
{
    diag(l, p, code, off, tok_off, tok_len, what, why);
    p->bad = true;
}

/* One whitespace error per entry, at the first place it occurs. */
static void whitespace(struct vp_list *l, struct piece *p, size_t off, const char *why)
{
    if (p->ws)
        return;
    p->ws = true;
    p->e.repaired = true;
    diag(l, p, VP_E_WHITESPACE, off, 0, 0, NULL, why);
}

/* Parses the port token [a, b) (already trimmed, non-empty). */
static bool parse_port(struct vp_list *l, struct piece *p, size_t a, size_t b, uint16_t *out)
{
    const char *t = l->text;
    unsigned long v = 0;
    for (size_t i = a; i < b; i++) {
        if (!is_digit((unsigned char)t[i])) {
            error(l, p, VP_E_PORT_NOT_NUMBER, i, a, b - a, "port", "is not a number");
            return false;
        }
        if (v <= 65535u)
            v = v * 10u + (unsigned long)(t[i] - '0');
    }
    if (v == 0 || v > 65535u) {
        error(l, p, VP_E_PORT_RANGE, a, a, b - a, "port", "is out of range (1-65535)");
        return false;
    }
    if (b - a > 1 && t[a] == '0' && p->lz == SIZE_MAX)
        p->lz = a;
    *out = (uint16_t)v;
    return true;
}

/* Ports part [a, b) of piece p. */
static void parse_ports(struct vp_list *l, struct piece *p, size_t a, size_t b)
{
    const char *t = l->text;
    size_t qs = a, qe = b;
    while (qs < qe && is_ws((unsigned char)t[qs]))
        qs++;
    if (qs > a && qs < qe)
        whitespace(l, p, a, "whitespace after ':'" WS_NOTE);
    while (qe > qs && is_ws((unsigned char)t[qe - 1]))
        qe--;
    if (qe < b && qs < qe)
        whitespace(l, p, qe, "whitespace after the ports" WS_NOTE);
    if (qs == qe) {
        error(l, p, VP_E_EMPTY_PORT, a, 0, 0, NULL, "no port after ':'");
        return;
    }
    const char *comma = memchr(t + qs, ',', qe - qs);
    if (comma) {
        error(l, p, VP_E_PORT_LIST, (size_t)(comma - t), qs, qe - qs, "ports",
              "use ',', but an entry holds one port or one low-high range "
              "(write NAME:6001-6002;NAME:6004)");
        return;
    }
    const char *dash = memchr(t + qs, '-', qe - qs);
    if (!dash) {
        parse_port(l, p, qs, qe, &p->e.low);
        p->e.high = p->e.low;
        return;
    }
    size_t d = (size_t)(dash - t);
    size_t le = d, hs = d + 1;
    while (le > qs && is_ws((unsigned char)t[le - 1]))
        le--;
    while (hs < qe && is_ws((unsigned char)t[hs]))
        hs++;
    if ((le < d && le > qs) || (hs > d + 1 && hs < qe))
        whitespace(l, p, le < d ? le : d + 1, "whitespace around '-'" WS_NOTE);
    if (le == qs) {
        error(l, p, VP_E_RANGE_NO_LOW, d, qs, qe - qs, "range", "has no low port before '-'");
        return;
    }
    if (hs == qe) {
        error(l, p, VP_E_RANGE_NO_HIGH, d + 1, qs, qe - qs, "range",
              "has no high port after '-'");
        return;
    }
    bool ok_low = parse_port(l, p, qs, le, &p->e.low);
    bool ok_high = parse_port(l, p, hs, qe, &p->e.high);
    if (ok_low && ok_high && p->e.low > p->e.high)
        error(l, p, VP_E_RANGE_REVERSED, qs, qs, qe - qs, "range",
              "has its low port above its high port");
}

/* Name part [a, b) of piece p (b is the offset of the ':'). */
static void parse_name(struct vp_list *l, struct piece *p, size_t a, size_t b)
{
    const char *t = l->text;
    size_t ns = a, ne = b;
    while (ns < ne && is_ws((unsigned char)t[ns]))
        ns++;
    if (ns > a && ns < ne)
        whitespace(l, p, a, "whitespace before the server name" WS_NOTE);
    while (ne > ns && is_ws((unsigned char)t[ne - 1]))
        ne--;
    if (ne < b && ns < ne)
        whitespace(l, p, ne, "whitespace between the server name and ':'" WS_NOTE);
    if (ns == ne) {
        error(l, p, VP_E_EMPTY_NAME, b, 0, 0, NULL, "no server name before ':'");
        return;
    }
    if (ne - ns > VP_NAME_MAX) {
        error(l, p, VP_E_NAME_TOO_LONG, ns, ns, ne - ns, "name",
              "is longer than 255 characters");
        return;
    }
    bool non_ascii = false;
    for (size_t i = ns; i < ne; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == '*') {
            if (i + 1 != ne) {
                error(l, p, VP_E_WILDCARD_POS, i, ns, ne - ns, "name",
                      "has a '*' before its end; '*' is allowed only as the last "
                      "character (a prefix wildcard)");
                return;
            }
            p->e.wildcard = true;
            continue;
        }
        bool was = non_ascii;
        const char *why = name_char_problem(c, &non_ascii);
        if (why) {
            error(l, p, VP_E_BAD_CHAR, i, i, 1, "character", why);
            return;
        }
        if (non_ascii && !was)
            p->nonascii = i;
    }
    size_t n = ne - ns - (p->e.wildcard ? 1u : 0u);
    memcpy(p->e.name, t + ns, n);
    p->e.name[n] = '\0';
    p->e.name_len = n;
}

/* Is name a valid dotted quad? Sets *digits_dots when it is made of digits and dots. */
static bool is_ipv4(const char *s, size_t n, bool *digits_dots)
{
    *digits_dots = n > 0;
    for (size_t i = 0; i < n; i++)
        if (!is_digit((unsigned char)s[i]) && s[i] != '.')
            *digits_dots = false;
    if (!*digits_dots)
        return false;
    unsigned parts = 0, val = 0, digits = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (digits == 0 || digits > 3 || val > 255)
                return false;
            parts++;
            val = digits = 0;
        } else {
            val = val * 10u + (unsigned)(s[i] - '0');
            digits++;
        }
    }
    return parts == 4;
}

/* Warnings for a valid entry, then append it (growing the array up to
 * VP_ENTRIES_MAX; *cap is its allocated size). Returns 0 or VP_NOMEM. */
static int add_entry(struct vp_list *l, struct piece *p, size_t *cap)
{
    struct vp_entry *e = &p->e;
    size_t ns = p->ps;
    while (ns < p->pe && is_ws((unsigned char)l->text[ns]))
        ns++;
    if (e->wildcard && e->name_len == 0)
        diag(l, p, VP_W_WILDCARD_ALL, ns, ns, 1, "name",
             "alone matches every server name: the proxy may forward to any host "
             "on these ports");
    if (!e->wildcard && e->name[e->name_len - 1] == '.')
        diag(l, p, VP_W_TRAILING_DOT, ns + e->name_len - 1, ns, e->name_len, "name",
             "ends in '.': clients send names without the root dot, so this matches "
             "only the dotted spelling");
    bool dd = false;
    if (!e->wildcard && is_ipv4(e->name, e->name_len, &dd))
        e->kind = VP_NAME_IPV4;
    else if (!e->wildcard && dd)
        diag(l, p, VP_W_BAD_IPV4, ns, ns, e->name_len, "name",
             "looks like an IPv4 address but is not one (four numbers 0-255); it "
             "matches only this exact text");
    if (p->nonascii != SIZE_MAX)
        diag(l, p, VP_W_NON_ASCII, p->nonascii, ns, e->name_len + e->wildcard, "name",
             "has non-ASCII characters; only ASCII letters are compared "
             "case-insensitively here, and Exchange server names are ASCII");
    if (p->lz != SIZE_MAX)
        diag(l, p, VP_W_LEADING_ZERO, p->lz, 0, 0, NULL,
             "a port has a leading zero; Exchange never writes one (the corrected "
             "value drops it)");
    for (size_t i = 0; i < l->n_entries; i++) {
        const struct vp_entry *o = &l->entries[i];
        if (o->wildcard == e->wildcard && o->low == e->low && o->high == e->high &&
            vp_name_ieq(o->name, o->name_len, e->name, e->name_len)) {
            struct vp_diag *d = diag(l, p, VP_W_DUPLICATE, ns, 0, 0, NULL,
                                     "duplicate of an earlier entry");
            if (d)
                d->related = o->index;
            break;
        }
    }
    if (l->n_entries == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        if (ncap > VP_ENTRIES_MAX)
            ncap = VP_ENTRIES_MAX;
        struct vp_entry *ne = realloc(l->entries, ncap * sizeof *ne);
        if (!ne)
            return VP_NOMEM;
        l->entries = ne;
        *cap = ncap;
    }
    l->entries[l->n_entries++] = *e;
    return 0;
}

/* Parses piece p (a ';'-separated part). */
static int parse_piece(struct vp_list *l, struct piece *p, size_t *cap)
{
    const char *t = l->text;
    size_t ts = p->ps, te = p->pe;
    while (ts < te && is_ws((unsigned char)t[ts]))
        ts++;
    while (te > ts && is_ws((unsigned char)t[te - 1]))
        te--;
    if (ts == te) {
        diag(l, p, VP_W_EMPTY_ENTRY, p->ps, 0, 0, NULL,
             "empty entry (';;', or a ';' at the start or the end): it allows nothing; "
             "the corrected value leaves it out");
        return 0;
    }
    const char *c1 = memchr(t + ts, ':', te - ts);
    if (!c1) {
        error(l, p, VP_E_NO_COLON, te, 0, 0, NULL,
              "no ':' between the server name and the ports");
        return 0;
    }
    size_t c = (size_t)(c1 - t), cl = c;
    for (size_t i = c + 1; i < te; i++)
        if (t[i] == ':')
            cl = i;
    if (cl != c) {
        size_t ne = cl;
        while (ne > ts && is_ws((unsigned char)t[ne - 1]))
            ne--;
        if (!vp_is_ipv6_literal(t + ts, ne - ts) && vp_is_ipv6_literal(t + ts, te - ts))
            ne = te; /* "::1": the whole entry is the address, no port */
        if (vp_is_ipv6_literal(t + ts, ne - ts))
            error(l, p, VP_E_IPV6, ts, ts, ne - ts, "name",
                  "is an IPv6 address; ValidPorts does not support IPv6 literals "
                  "(list the server's host names)");
        else {
            size_t c2 = (size_t)((const char *)memchr(t + c + 1, ':', te - c - 1) - t);
            error(l, p, VP_E_EXTRA_COLON, c2, 0, 0, NULL,
                  "a second ':'; an entry is NAME:PORT or NAME:LOW-HIGH");
        }
        return 0;
    }
    parse_name(l, p, p->ps, c);
    parse_ports(l, p, c + 1, p->pe);
    if (p->bad)
        return 0;
    if (l->n_entries >= VP_ENTRIES_MAX) {
        error(l, p, VP_E_TOO_MANY, ts, 0, 0, NULL,
              "more than 1024 entries; the rest of the value was not read");
        return WIRE_TOOBIG;
    }
    return add_entry(l, p, cap);
}

int vp_parse(const char *value, size_t len, struct vp_list **out, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    if (out)
        *out = NULL;
    if (!value || !out) {
        *why = "NULL argument";
        return WIRE_INVALID;
    }
    struct vp_list *l = calloc(1, sizeof *l);
    if (!l)
        return VP_NOMEM;
    l->diags = calloc(VP_DIAGS_MAX, sizeof *l->diags);
    size_t keep = len > VP_VALUE_MAX ? 0 : len;
    l->text = malloc(keep + 1);
    if (!l->diags || !l->text) {
        vp_list_free(l);
        return VP_NOMEM;
    }
    memcpy(l->text, value, keep);
    l->text[keep] = '\0';
    l->text_len = keep;
    *out = l;
    if (len > VP_VALUE_MAX) {
        diag(l, NULL, VP_E_TOO_LONG, 0, 0, 0, NULL,
             "the value is longer than 65536 bytes");
        l->diags[0].col = 0;
        *why = "the value is longer than 65536 bytes";
        return WIRE_TOOBIG;
    }
    if (len == 0) {
        diag(l, NULL, VP_W_EMPTY_VALUE, 0, 0, 0, NULL,
             "the value is empty: the proxy can reach only RPC over HTTP servers on "
             "itself");
        l->diags[0].col = 0;
        return 0;
    }
    size_t cap = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && value[i] != ';')
            continue;
        struct piece p;
        memset(&p, 0, sizeof p);
        p.ps = start;
        p.pe = i;
        p.lz = p.nonascii = SIZE_MAX;
        p.index = ++l->n_pieces;
        p.e.index = p.index;
        p.e.off = start;
        p.e.len = i - start;
        int rc = parse_piece(l, &p, &cap);
        if (p.bad)
            l->n_broken++;
        if (rc == VP_NOMEM)
            return VP_NOMEM;
        if (rc == WIRE_TOOBIG) {
            *why = "more than 1024 entries";
            return WIRE_TOOBIG;
        }
        start = i + 1;
    }
    if (l->n_errors > 0) {
        *why = "the value has syntax errors";
        return WIRE_INVALID;
    }
    return 0;
}

void vp_list_free(struct vp_list *list)
{
    if (!list)
        return;
    free(list->text);
    free(list->entries);
    free(list->diags);
    free(list);
}

size_t vp_entry_format(const struct vp_entry *e, char *buf, size_t size)
{
    if (!e)
        return 0;
    char ports[16];
    size_t pl = 0;
    unsigned v[2] = {e->low, e->high};
    for (int k = 0; k < (e->low == e->high ? 1 : 2); k++) {
        char tmp[6];
        size_t tl = 0;
        unsigned x = v[k];
        do {
            tmp[tl++] = (char)('0' + x % 10u);
            x /= 10u;
        } while (x && tl < sizeof tmp);
        if (k == 1)
            ports[pl++] = '-';
        while (tl)
            ports[pl++] = tmp[--tl];
    }
    size_t need = e->name_len + (e->wildcard ? 1u : 0u) + 1u + pl;
    if (!buf || size <= need)
        return need;
    memcpy(buf, e->name, e->name_len);
    size_t o = e->name_len;
    if (e->wildcard)
        buf[o++] = '*';
    buf[o++] = ':';
    memcpy(buf + o, ports, pl);
    buf[o + pl] = '\0';
    return need;
}
