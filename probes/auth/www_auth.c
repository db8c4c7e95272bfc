/*
 * www_auth.c: WWW-Authenticate challenge parser (RFC 7235). See www_auth.h
 * for the grammar, the bounds and the memory contract.
 *
 * The parser walks one header value left to right with a cursor. Each list
 * element is either a new challenge (a token NOT followed by "=") or an
 * auth-param continuing the previous challenge of the same value:
 *
 *   Digest realm="a", nonce="b", qop="auth,auth-int", NTLM
 *   ^scheme ^param    ^param     ^param (comma quoted)  ^scheme
 *
 * Everything is copied into wa->pool; on any error the value is rolled back.
 */
#include "probes/auth/www_auth.h"

#include <stdio.h>
#include <string.h>

#include "probes/common/wire.h"

/* Parse state for one header value. */
struct cur {
    struct wwwauth *wa;
    const char *s;
    size_t end; /* after trimming trailing whitespace and CR/LF */
    size_t pos;
    size_t err_pos;
    const char *why;
    int rc;
};

static const struct {
    enum wwwauth_scheme s;
    const char *name;
} scheme_names[] = {
    {WWWAUTH_BASIC, "Basic"},   {WWWAUTH_NTLM, "NTLM"},         {WWWAUTH_NEGOTIATE, "Negotiate"},
    {WWWAUTH_DIGEST, "Digest"}, {WWWAUTH_KERBEROS, "Kerberos"}, {WWWAUTH_BEARER, "Bearer"},
};

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 7230 tchar. */
static int is_tchar(unsigned char c)
{
    return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* RFC 7235 token68 characters before the '=' padding. */
static int is_t68char(unsigned char c)
{
    return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static int ieq(const char *a, size_t alen, const char *b)
{
    size_t i;

    for (i = 0; i < alen; i++) {
        if (b[i] == '\0' || lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return 0;
    }
    return b[alen] == '\0';
}

static int fail(struct cur *c, size_t at, int rc, const char *why)
{
    c->err_pos = at;
    c->rc = rc;
    c->why = why;
    return -1;
}

static void skip_ows(struct cur *c)
{
    while (c->pos < c->end && is_ows(c->s[c->pos]))
        c->pos++;
}

/* Start a pool string; bytes are then appended with pool_put(). */
static void pool_begin(struct cur *c, struct wwwauth_str *str)
{
    str->off = (uint32_t)c->wa->pool_used;
    str->len = 0;
}

static int pool_put(struct cur *c, struct wwwauth_str *str, char ch, size_t cap,
                    const char *cap_why)
{
    struct wwwauth *wa = c->wa;

    if (str->len >= cap)
        return fail(c, c->pos, WIRE_TOOBIG, cap_why);
    /* keep one byte for the NUL that pool_end() writes */
    if (wa->pool_used + 1 >= sizeof(wa->pool))
        return fail(c, c->pos, WIRE_TOOBIG, "challenges exceed the 16 KiB string pool");
    wa->pool[wa->pool_used++] = ch;
    str->len++;
    return 0;
}

static void pool_end(struct cur *c)
{
    /* pool_put() always left room for this byte */
    c->wa->pool[c->wa->pool_used++] = '\0';
}

/* Copy a token at the cursor into the pool (at least one tchar). */
static int take_token(struct cur *c, struct wwwauth_str *str, size_t cap, const char *cap_why)
{
    pool_begin(c, str);
    while (c->pos < c->end && is_tchar((unsigned char)c->s[c->pos])) {
        if (pool_put(c, str, c->s[c->pos], cap, cap_why) != 0)
            return -1;
        c->pos++;
    }
    pool_end(c);
    return 0;
}

/* Length of the token starting at p (0 if none). */
static size_t token_len(const struct cur *c, size_t p)
{
    size_t q = p;

    while (q < c->end && is_tchar((unsigned char)c->s[q]))
        q++;
    return q - p;
}

/* Does an auth-param (token BWS "=") start at p? */
static int param_ahead(const struct cur *c, size_t p)
{
    size_t n = token_len(c, p);

    if (n == 0)
        return 0;
    p += n;
    while (p < c->end && is_ows(c->s[p]))
        p++;
    return p < c->end && c->s[p] == '=';
}

/* Length of a token68 at p that is followed by OWS and then end or ',' (else 0). */
static size_t token68_ahead(const struct cur *c, size_t p)
{
    size_t q = p, n;

    while (q < c->end && is_t68char((unsigned char)c->s[q]))
        q++;
    if (q == p)
        return 0;
    while (q < c->end && c->s[q] == '=')
        q++;
    n = q - p;
    while (q < c->end && is_ows(c->s[q]))
        q++;
    return (q == c->end || c->s[q] == ',') ? n : 0;
}

/* quoted-string at the cursor (opening quote included) into str. */
static int take_quoted(struct cur *c, struct wwwauth_str *str)
{
    size_t open = c->pos;

    c->pos++; /* the opening quote */
    pool_begin(c, str);
    for (;;) {
        unsigned char ch;

        if (c->pos >= c->end)
            return fail(c, open, WIRE_INVALID, "unterminated quoted-string");
        ch = (unsigned char)c->s[c->pos];
        if (ch == '"') {
            c->pos++;
            break;
        }
        if (ch == '\\') {
            c->pos++;
            if (c->pos >= c->end)
                return fail(c, c->pos - 1, WIRE_INVALID, "backslash at the end of a quoted-string");
            ch = (unsigned char)c->s[c->pos];
            if (ch != '\t' && (ch < 0x20 || ch == 0x7f))
                return fail(c, c->pos, WIRE_INVALID,
                            "control character after a backslash in a quoted-string");
        } else if (ch != '\t' && (ch < 0x20 || ch == 0x7f)) {
            return fail(c, c->pos, WIRE_INVALID, "control character in a quoted-string");
        }
        if (pool_put(c, str, (char)ch, WWWAUTH_MAX_VALUE,
                     "auth-param value longer than 1024 bytes") != 0)
            return -1;
        c->pos++;
    }
    pool_end(c);
    return 0;
}

/* auth-param = token BWS "=" BWS ( token / quoted-string ), into ch. */
static int take_param(struct cur *c, struct wwwauth_challenge *ch)
{
    struct wwwauth_param *p;
    size_t start = c->pos;
    uint32_t j;

    if (ch->nparams >= WWWAUTH_MAX_PARAMS)
        return fail(c, start, WIRE_TOOBIG, "more than 16 auth-params in one challenge");
    p = &ch->params[ch->nparams];
    if (take_token(c, &p->name, WWWAUTH_MAX_NAME, "auth-param name longer than 64 bytes") != 0)
        return -1;
    skip_ows(c);
    /* param_ahead() guaranteed the '=' */
    c->pos++;
    skip_ows(c);
    if (c->pos >= c->end || c->s[c->pos] == ',')
        return fail(c, c->pos, WIRE_INVALID, "auth-param has no value after '='");
    if (c->s[c->pos] == '"') {
        if (take_quoted(c, &p->value) != 0)
            return -1;
    } else {
        if (!is_tchar((unsigned char)c->s[c->pos]))
            return fail(c, c->pos, WIRE_INVALID,
                        "auth-param value is neither a token nor a quoted-string");
        if (take_token(c, &p->value, WWWAUTH_MAX_VALUE,
                       "auth-param value longer than 1024 bytes") != 0)
            return -1;
    }
    for (j = 0; j < ch->nparams; j++) {
        const struct wwwauth_str *n = &ch->params[j].name;

        if (n->len == p->name.len && ieq(c->wa->pool + n->off, n->len, c->wa->pool + p->name.off))
            return fail(c, start, WIRE_INVALID, "auth-param name repeated in one challenge");
    }
    if (ieq(c->wa->pool + p->name.off, p->name.len, "realm"))
        ch->realm = p->value;
    ch->nparams++;
    skip_ows(c);
    if (c->pos < c->end && c->s[c->pos] != ',')
        return fail(c, c->pos, WIRE_INVALID, "expected ',' or the end after an auth-param");
    return 0;
}

/* auth-scheme [ 1*SP ( token68 / auth-param ) ]; returns the new challenge. */
static struct wwwauth_challenge *take_challenge(struct cur *c)
{
    struct wwwauth *wa = c->wa;
    struct wwwauth_challenge *ch;
    size_t n;

    if (wa->count >= WWWAUTH_MAX_CHALLENGES) {
        fail(c, c->pos, WIRE_TOOBIG, "more than 16 challenges");
        return NULL;
    }
    ch = &wa->ch[wa->count];
    memset(ch, 0, sizeof(*ch));
    ch->header = (uint32_t)wa->headers;
    ch->token68.off = WWWAUTH_NONE;
    ch->realm.off = WWWAUTH_NONE;
    if (take_token(c, &ch->scheme_text, WWWAUTH_MAX_NAME, "auth-scheme longer than 64 bytes") != 0)
        return NULL;
    ch->scheme = wwwauth_scheme_from(wa->pool + ch->scheme_text.off, ch->scheme_text.len);
    wa->count++;
    if (c->pos < c->end && c->s[c->pos] != ',' && !is_ows(c->s[c->pos])) {
        fail(c, c->pos, WIRE_INVALID, "unexpected character after the auth-scheme");
        return NULL;
    }
    skip_ows(c);
    if (c->pos >= c->end || c->s[c->pos] == ',')
        return ch;
    n = token68_ahead(c, c->pos);
    if (n > 0) {
        if (n > WWWAUTH_MAX_TOKEN68) {
            fail(c, c->pos, WIRE_TOOBIG, "token68 longer than 8192 bytes");
            return NULL;
        }
        pool_begin(c, &ch->token68);
        while (n-- > 0) {
            if (pool_put(c, &ch->token68, c->s[c->pos], WWWAUTH_MAX_TOKEN68,
                         "token68 longer than 8192 bytes") != 0)
                return NULL;
            c->pos++;
        }
        pool_end(c);
        skip_ows(c);
        return ch;
    }
    if (!param_ahead(c, c->pos)) {
        fail(c, c->pos, WIRE_INVALID, "expected a token68 or an auth-param after the auth-scheme");
        return NULL;
    }
    if (take_param(c, ch) != 0)
        return NULL;
    return ch;
}

/* Walk one trimmed value; 0 on success, -1 with c->rc/why/err_pos set. */
static int parse_value(struct cur *c)
{
    struct wwwauth_challenge *cur = NULL;
    size_t found = 0;

    for (;;) {
        skip_ows(c);
        if (c->pos >= c->end)
            break;
        if (c->s[c->pos] == ',') {
            c->pos++;
            continue;
        }
        if (param_ahead(c, c->pos)) {
            if (!cur)
                return fail(c, c->pos, WIRE_INVALID, "auth-param before any auth-scheme");
            if (cur->token68.off != WWWAUTH_NONE)
                return fail(c, c->pos, WIRE_INVALID, "auth-param after a token68");
            if (take_param(c, cur) != 0)
                return -1;
            continue;
        }
        if (!is_tchar((unsigned char)c->s[c->pos]))
            return fail(c, c->pos, WIRE_INVALID, "expected an auth-scheme token");
        cur = take_challenge(c);
        if (!cur)
            return -1;
        found++;
    }
    if (found == 0)
        return fail(c, c->pos, WIRE_INVALID, "header value holds no challenge");
    return 0;
}

void wwwauth_init(struct wwwauth *wa)
{
    if (!wa)
        return;
    memset(wa, 0, sizeof(*wa));
}

ssize_t wwwauth_add(struct wwwauth *wa, const char *value, size_t len, const char **why)
{
    struct cur c;
    size_t keep_count, keep_pool;

    if (!wa) {
        wire_set_why(why, "WWW-Authenticate: NULL argument");
        return WIRE_INVALID;
    }
    memset(&c, 0, sizeof(c));
    c.wa = wa;
    c.s = value;
    c.end = len;
    keep_count = wa->count;
    keep_pool = wa->pool_used;
    if (!value) {
        fail(&c, 0, WIRE_INVALID, "WWW-Authenticate: NULL value");
    } else if (len > WWWAUTH_MAX_HEADER) {
        fail(&c, WWWAUTH_MAX_HEADER, WIRE_TOOBIG, "header value longer than 16384 bytes");
    } else {
        while (c.end > 0 &&
               (is_ows(value[c.end - 1]) || value[c.end - 1] == '\r' || value[c.end - 1] == '\n'))
            c.end--;
        if (parse_value(&c) == 0) {
            wa->headers++;
            return (ssize_t)len;
        }
    }
    wa->count = keep_count;
    wa->pool_used = keep_pool;
    if (!wa->err_why) {
        wa->err_why = c.why;
        wa->err_header = wa->headers;
        wa->err_offset = c.err_pos;
    }
    wa->headers++;
    wa->rejected++;
    wire_set_why(why, c.why);
    return c.rc;
}

ssize_t wwwauth_add_line(struct wwwauth *wa, const char *line, size_t len, const char **why)
{
    static const char name[] = "WWW-Authenticate:";
    const size_t nlen = sizeof(name) - 1;
    ssize_t rc;

    if (!wa || !line) {
        wire_set_why(why, "WWW-Authenticate: NULL argument");
        return WIRE_INVALID;
    }
    if (len < nlen || !ieq(line, nlen, name))
        return 0;
    rc = wwwauth_add(wa, line + nlen, len - nlen, why);
    if (rc == WIRE_INVALID || rc == WIRE_TOOBIG) {
        /* report offsets relative to the whole line */
        if (wa->err_header + 1 == wa->headers && wa->err_why)
            wa->err_offset += nlen;
    }
    return rc;
}

ssize_t wwwauth_parse(struct wwwauth *wa, const char *const *values, size_t n, const char **why)
{
    ssize_t first = 0;
    size_t i;

    if (!wa || (!values && n > 0)) {
        wire_set_why(why, "WWW-Authenticate: NULL argument");
        return WIRE_INVALID;
    }
    wwwauth_init(wa);
    for (i = 0; i < n; i++) {
        const char *w = NULL;
        ssize_t rc = wwwauth_add(wa, values[i], values[i] ? strlen(values[i]) : 0, &w);

        if (rc < 0 && first == 0) {
            first = rc;
            wire_set_why(why, w);
        }
    }
    return first < 0 ? first : (ssize_t)wa->count;
}

size_t wwwauth_count(const struct wwwauth *wa)
{
    return wa ? wa->count : 0;
}

const struct wwwauth_challenge *wwwauth_get(const struct wwwauth *wa, size_t i)
{
    if (!wa || i >= wa->count)
        return NULL;
    return &wa->ch[i];
}

/* Pool string or NULL when absent. */
static const char *str_at(const struct wwwauth *wa, const struct wwwauth_str *s)
{
    if (s->off == WWWAUTH_NONE || s->off >= sizeof(wa->pool))
        return NULL;
    return wa->pool + s->off;
}

const char *wwwauth_scheme_text(const struct wwwauth *wa, size_t i)
{
    const struct wwwauth_challenge *ch = wwwauth_get(wa, i);

    return ch ? str_at(wa, &ch->scheme_text) : NULL;
}

const char *wwwauth_token68(const struct wwwauth *wa, size_t i, size_t *len)
{
    const struct wwwauth_challenge *ch = wwwauth_get(wa, i);
    const char *t = ch ? str_at(wa, &ch->token68) : NULL;

    if (len)
        *len = t ? ch->token68.len : 0;
    return t;
}

const char *wwwauth_realm(const struct wwwauth *wa, size_t i)
{
    const struct wwwauth_challenge *ch = wwwauth_get(wa, i);

    return ch ? str_at(wa, &ch->realm) : NULL;
}

const char *wwwauth_param(const struct wwwauth *wa, size_t i, const char *name)
{
    const struct wwwauth_challenge *ch = wwwauth_get(wa, i);
    uint32_t j;

    if (!ch || !name)
        return NULL;
    for (j = 0; j < ch->nparams; j++) {
        const char *n = str_at(wa, &ch->params[j].name);

        if (n && ieq(n, ch->params[j].name.len, name))
            return str_at(wa, &ch->params[j].value);
    }
    return NULL;
}

int wwwauth_param_at(const struct wwwauth *wa, size_t i, size_t j, const char **name,
                     const char **value)
{
    const struct wwwauth_challenge *ch = wwwauth_get(wa, i);

    if (!ch || j >= ch->nparams)
        return -1;
    if (name)
        *name = str_at(wa, &ch->params[j].name);
    if (value)
        *value = str_at(wa, &ch->params[j].value);
    return 0;
}

bool wwwauth_offers(const struct wwwauth *wa, enum wwwauth_scheme s)
{
    size_t i;

    for (i = 0; i < wwwauth_count(wa); i++) {
        if (wa->ch[i].scheme == s)
            return true;
    }
    return false;
}

const char *wwwauth_find_token(const struct wwwauth *wa, enum wwwauth_scheme s, size_t *len)
{
    size_t i;

    if (len)
        *len = 0;
    for (i = 0; i < wwwauth_count(wa); i++) {
        if (wa->ch[i].scheme == s && wa->ch[i].token68.off != WWWAUTH_NONE)
            return wwwauth_token68(wa, i, len);
    }
    return NULL;
}

/* Text to show for challenge i: canonical for known schemes. */
static const char *display_name(const struct wwwauth *wa, size_t i)
{
    if (wa->ch[i].scheme != WWWAUTH_OTHER)
        return wwwauth_scheme_name(wa->ch[i].scheme);
    return str_at(wa, &wa->ch[i].scheme_text);
}

/* Copy n bytes of t to buf at offset at, as far as they fit before the NUL. */
static void put_at(char *buf, size_t size, size_t at, const char *t, size_t n)
{
    size_t room;

    if (!buf || size == 0 || at >= size - 1)
        return;
    room = size - 1 - at;
    memcpy(buf + at, t, n < room ? n : room);
}

size_t wwwauth_render_schemes(const struct wwwauth *wa, char *buf, size_t size)
{
    size_t i, k, need = 0;

    for (i = 0; i < wwwauth_count(wa); i++) {
        const char *name = display_name(wa, i);
        size_t nlen;
        int seen = 0;

        if (!name)
            continue;
        nlen = strlen(name);
        for (k = 0; k < i && !seen; k++) {
            const char *prev = display_name(wa, k);

            seen = prev && ieq(name, nlen, prev);
        }
        if (seen)
            continue;
        if (need > 0) {
            put_at(buf, size, need, ", ", 2);
            need += 2;
        }
        put_at(buf, size, need, name, nlen);
        need += nlen;
    }
    if (buf && size > 0)
        buf[need < size ? need : size - 1] = '\0';
    return need;
}

size_t wwwauth_render_error(const struct wwwauth *wa, char *buf, size_t size)
{
    int n;

    if (buf && size > 0)
        buf[0] = '\0';
    if (!wa || !wa->err_why)
        return 0;
    n = snprintf(buf, buf ? size : 0, "header %zu, offset %zu: %s", wa->err_header + 1,
                 wa->err_offset, wa->err_why);
    return n < 0 ? 0 : (size_t)n;
}

const char *wwwauth_scheme_name(enum wwwauth_scheme s)
{
    size_t i;

    for (i = 0; i < sizeof(scheme_names) / sizeof(scheme_names[0]); i++) {
        if (scheme_names[i].s == s)
            return scheme_names[i].name;
    }
    return "other";
}

enum wwwauth_scheme wwwauth_scheme_from(const char *text, size_t len)
{
    size_t i;

    if (!text)
        return WWWAUTH_OTHER;
    for (i = 0; i < sizeof(scheme_names) / sizeof(scheme_names[0]); i++) {
        if (ieq(text, len, scheme_names[i].name))
            return scheme_names[i].s;
    }
    return WWWAUTH_OTHER;
}
