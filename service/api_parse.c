/*
 * api_parse.c: request target decoding, route lookup and query values
 * (api_parse.h). Pure.
 */
#include "service/api_parse.h"

#include <stdio.h>
#include <string.h>

#include "probes/common/ascii.h"
#include "probes/result/timefmt.h"
#include "service/config.h"
#include "service/store.h"

/*
 * Decodes s[0..n) into *out (advanced; NUL-terminated). plus: '+' is a
 * space (query). in_path: '/' and '\' may not appear decoded. Returns 0 or
 * -1 with u->why set (what names the part: "path", "query").
 */
static int decode(struct api_uri *u, const char *s, size_t n, bool plus, bool in_path,
                  char **out, const char *what)
{
    char *o = *out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (n - i < 3 || ascii_hex_value((unsigned char)s[i + 1]) < 0 ||
                ascii_hex_value((unsigned char)s[i + 2]) < 0) {
                snprintf(u->why, sizeof u->why, "%s: a '%%' is not followed by two hex digits",
                         what);
                return -1;
            }
            c = (unsigned char)(ascii_hex_value((unsigned char)s[i + 1]) * 16 +
                                ascii_hex_value((unsigned char)s[i + 2]));
            i += 2;
            if (c == 0) {
                snprintf(u->why, sizeof u->why, "%s: %%00 (NUL) is not allowed", what);
                return -1;
            }
            if (in_path && (c == '/' || c == '\\')) {
                snprintf(u->why, sizeof u->why,
                         "path: an encoded '/' or '\\' inside a segment is not allowed");
                return -1;
            }
        } else if (plus && c == '+') {
            c = ' ';
        }
        if (c < 0x20 || c == 0x7f) {
            snprintf(u->why, sizeof u->why, "%s: control character 0x%02x", what, c);
            return -1;
        }
        if (in_path && c == '\\') {
            snprintf(u->why, sizeof u->why, "path: '\\' is not allowed");
            return -1;
        }
        *o++ = (char)c;
    }
    *o++ = '\0';
    *out = o;
    return 0;
}

int api_uri_parse(const char *target, struct api_uri *u)
{
    if (u == NULL)
        return -1;
    memset(u, 0, offsetof(struct api_uri, why));
    u->why[0] = '\0';
    if (target == NULL || target[0] != '/') {
        snprintf(u->why, sizeof u->why, "the request target does not start with '/'");
        return -1;
    }
    size_t len = strnlen(target, API_URL_MAX + 1);
    if (len > API_URL_MAX) {
        snprintf(u->why, sizeof u->why, "the request target is longer than %u bytes",
                 API_URL_MAX);
        return -1;
    }
    const char *q = memchr(target, '?', len);
    size_t plen = q ? (size_t)(q - target) : len;
    const char *frag = memchr(target, '#', len);
    if (frag) {
        snprintf(u->why, sizeof u->why, "a fragment ('#') is not sent to a server");
        return -1;
    }
    char *o = u->buf;
    /* path: segments after each '/'; "/" alone has none */
    size_t i = 1;
    while (i <= plen) {
        size_t j = i;
        while (j < plen && target[j] != '/')
            j++;
        if (i == plen && plen == 1)
            break; /* "/" */
        if (u->nseg == API_SEGS_MAX) {
            snprintf(u->why, sizeof u->why, "path: more than %d segments", API_SEGS_MAX);
            return -1;
        }
        const char *seg = o;
        if (decode(u, target + i, j - i, false, true, &o, "path") != 0)
            return -1;
        const char *dots = strcmp(seg, ".") == 0 ? "." : strcmp(seg, "..") == 0 ? ".." : NULL;
        if (dots != NULL) {
            snprintf(u->why, sizeof u->why, "path: a '%s' segment is not allowed", dots);
            return -1;
        }
        u->seg[u->nseg++] = seg;
        i = j + 1;
    }
    if (q == NULL)
        return 0;
    /* query: k=v&k=v; empty items are skipped */
    const char *p = q + 1, *end = target + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        if (e > p) {
            const char *eq = memchr(p, '=', (size_t)(e - p));
            const char *ke = eq ? eq : e;
            if (u->nq == API_QUERY_MAX) {
                snprintf(u->why, sizeof u->why, "query: more than %d parameters",
                         API_QUERY_MAX);
                return -1;
            }
            const char *k = o;
            if (decode(u, p, (size_t)(ke - p), true, false, &o, "query") != 0)
                return -1;
            const char *v = o;
            if (decode(u, eq ? eq + 1 : e, eq ? (size_t)(e - eq - 1) : 0, true, false, &o,
                       "query") != 0)
                return -1;
            if (api_uri_query(u, k) != NULL) {
                snprintf(u->why, sizeof u->why, "query: parameter '%.64s' is given twice", k);
                return -1;
            }
            u->qkey[u->nq] = k;
            u->qval[u->nq] = v;
            u->nq++;
        }
        p = e + 1;
    }
    return 0;
}

const char *api_uri_query(const struct api_uri *u, const char *key)
{
    if (u == NULL || key == NULL)
        return NULL;
    for (size_t i = 0; i < u->nq; i++)
        if (strcmp(u->qkey[i], key) == 0)
            return u->qval[i];
    return NULL;
}

/* Does pattern p match u? Fills captures in m (tail into m->tail). */
static bool pattern_match(const char *p, const struct api_uri *u, struct api_match *m)
{
    size_t si = 0;
    m->ncap = 0;
    if (strcmp(p, "/") == 0)
        return u->nseg == 0;
    const char *s = p + 1;
    for (;;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 3 && memcmp(s, "{*}", 3) == 0) {
            if (si >= u->nseg)
                return false;
            size_t off = 0;
            for (; si < u->nseg; si++) {
                int w = snprintf(m->tail + off, sizeof m->tail - off, "%s%s",
                                 off ? "/" : "", u->seg[si]);
                if (w < 0 || (size_t)w >= sizeof m->tail - off)
                    return false;
                off += (size_t)w;
            }
            if (off == 0 || m->ncap == API_ROUTE_CAPS)
                return false; /* an empty tail ("/assets/") matches nothing */
            m->cap[m->ncap++] = m->tail;
            return true;
        }
        if (si >= u->nseg)
            return false;
        const char *seg = u->seg[si];
        if (n >= 2 && s[0] == '{' && s[n - 1] == '}') {
            if (seg[0] == '\0' || m->ncap == API_ROUTE_CAPS)
                return false;
            m->cap[m->ncap++] = seg;
        } else if (strlen(seg) != n || memcmp(seg, s, n) != 0) {
            return false;
        }
        si++;
        if (e == NULL)
            return si == u->nseg;
        s = e + 1;
    }
}

static void allow_add(struct api_match *m, const char *method)
{
    if (strstr(m->allow, method) != NULL)
        return;
    size_t off = strlen(m->allow);
    snprintf(m->allow + off, sizeof m->allow - off, "%s%s", off ? ", " : "", method);
}

enum api_match_kind api_route_find(const struct api_route *t, size_t n, const char *method,
                                   const struct api_uri *u, struct api_match *m)
{
    memset(m, 0, sizeof *m);
    if (t == NULL || method == NULL || u == NULL)
        return API_MATCH_NONE;
    bool head = strcmp(method, "HEAD") == 0;
    const struct api_route *hit = NULL;
    for (size_t i = 0; i < n; i++) {
        struct api_match tmp;
        tmp.ncap = 0;
        if (!pattern_match(t[i].pattern, u, &tmp))
            continue;
        allow_add(m, t[i].method);
        if (strcmp(t[i].method, "GET") == 0)
            allow_add(m, "HEAD");
        if (hit == NULL &&
            (strcmp(t[i].method, method) == 0 || (head && strcmp(t[i].method, "GET") == 0))) {
            hit = &t[i];
            memcpy(m->tail, tmp.tail, sizeof m->tail);
            m->ncap = tmp.ncap;
            for (size_t c = 0; c < tmp.ncap; c++)
                m->cap[c] = tmp.cap[c] == tmp.tail ? m->tail : tmp.cap[c];
        }
    }
    if (hit == NULL)
        return m->allow[0] ? API_MATCH_METHOD : API_MATCH_NONE;
    m->route = hit;
    /* {name} captures are target names */
    const char *s = hit->pattern;
    size_t c = 0;
    while ((s = strchr(s, '{')) != NULL) {
        if (strncmp(s, "{name}", 6) == 0 && c < m->ncap && !cfg_name_ok(m->cap[c])) {
            snprintf(m->why, sizeof m->why,
                     "'%.80s' is not a target name ([a-z0-9._-], 1 to 64 characters)",
                     m->cap[c]);
            return API_MATCH_BADNAME;
        }
        c++;
        s++;
    }
    for (size_t i = 0; i < u->nq; i++) {
        bool known = false;
        for (const char *const *k = hit->query; k && *k; k++)
            if (strcmp(*k, u->qkey[i]) == 0)
                known = true;
        if (!known) {
            snprintf(m->why, sizeof m->why, "unknown query parameter '%.64s'", u->qkey[i]);
            return API_MATCH_BADQUERY;
        }
    }
    return API_MATCH_OK;
}

int api_parse_limit(const char *s, size_t *out, const char **why)
{
    size_t v = 0, n = 0;
    for (; s && ascii_isdigit((unsigned char)s[n]); n++) {
        v = v * 10 + (size_t)(s[n] - '0');
        if (v > STORE_PAGE_MAX)
            break;
    }
    if (s == NULL || n == 0 || s[n] != '\0' || v < 1 || v > STORE_PAGE_MAX) {
        if (why)
            *why = "limit must be a whole number from 1 to 1000";
        return -1;
    }
    *out = v;
    return 0;
}

/* Reads exactly n digits at *p. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!ascii_isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int api_parse_time(const char *s, int64_t *ms, const char **why)
{
    static const char bad[] =
        "not an RFC 3339 time such as 2025-11-21T01:42:00Z (UTC 'Z' or an offset +01:00)";
    struct oa_civil c = {0};
    const char *p = s;
    int frac = 0, off = 0;
    if (p == NULL || digits(&p, 4, &c.year) || *p++ != '-' || digits(&p, 2, &c.month) ||
        *p++ != '-' || digits(&p, 2, &c.day) || (*p != 'T' && *p != 't' && *p != ' '))
        goto fail;
    p++;
    if (digits(&p, 2, &c.hour) || *p++ != ':' || digits(&p, 2, &c.minute) || *p++ != ':' ||
        digits(&p, 2, &c.second))
        goto fail;
    if (*p == '.') {
        p++;
        int nd = 0;
        while (ascii_isdigit((unsigned char)*p)) {
            if (nd < 3)
                frac = frac * 10 + (*p - '0');
            nd++;
            p++;
        }
        if (nd == 0 || nd > 9)
            goto fail;
        for (; nd < 3; nd++)
            frac *= 10;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        p++;
        if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
            goto fail;
        off = sign * (oh * 60 + om);
    } else {
        goto fail;
    }
    if (*p != '\0' || c.year < 1970)
        goto fail;
    int64_t sec;
    if (oa_time_from_civil(&c, &sec) != 0)
        goto fail;
    sec -= (int64_t)off * 60;
    if (sec < 0)
        goto fail;
    *ms = sec * 1000 + frac;
    return 0;
fail:
    if (why)
        *why = bad;
    return -1;
}

int api_parse_bool(const char *s, bool *out, const char **why)
{
    if (s && (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)) {
        *out = true;
        return 0;
    }
    if (s && (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)) {
        *out = false;
        return 0;
    }
    if (why)
        *why = "must be true or false";
    return -1;
}

int api_parse_cursor(const char *s, const char **why)
{
    size_t n = 0;
    for (; s && s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (!(ascii_isalnum(c) || c == '-' || c == '_') || n + 1 >= STORE_CURSOR_MAX)
            break;
    }
    if (s == NULL || n == 0 || s[n] != '\0') {
        if (why)
            *why = "cursor is not one this server issued (copy next_cursor as it is)";
        return -1;
    }
    return 0;
}
