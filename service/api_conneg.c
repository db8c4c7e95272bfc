/*
 * api_conneg.c: If-None-Match and Accept-Encoding (api_conneg.h). Pure.
 */
#include "service/api_conneg.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

bool api_etag_matches(const char *inm, const char *etag)
{
    if (inm == NULL || etag == NULL)
        return false;
    size_t elen = strlen(etag);
    const char *p = skip_ows(inm);
    if (*p == '*')
        return *skip_ows(p + 1) == '\0';
    for (;;) {
        p = skip_ows(p);
        if (*p == ',') { /* empty list elements are allowed */
            p++;
            continue;
        }
        if (*p == '\0')
            return false;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p != '"')
            return false;
        const char *end = strchr(p + 1, '"');
        if (end == NULL)
            return false;
        size_t len = (size_t)(end - p) + 1;
        if (len == elen && memcmp(p, etag, len) == 0)
            return true;
        p = skip_ows(end + 1);
        if (*p != ',' && *p != '\0')
            return false;
    }
}

/* The q-value of the parameters starting at p (";q=0.5"): 0..1000, 1000
 * when absent; -1 when malformed. *end: past the element. */
static int qvalue(const char *p, const char **end)
{
    int q = 1000;
    for (;;) {
        p = skip_ows(p);
        if (*p != ';')
            break;
        p = skip_ows(p + 1);
        if ((p[0] == 'q' || p[0] == 'Q') && *skip_ows(p + 1) == '=') {
            p = skip_ows(skip_ows(p + 1) + 1);
            if (*p != '0' && *p != '1')
                return -1;
            int whole = *p++ - '0', frac = 0, digits = 0;
            if (*p == '.') {
                p++;
                while (*p >= '0' && *p <= '9' && digits < 3) {
                    frac = frac * 10 + (*p++ - '0');
                    digits++;
                }
            }
            while (digits++ < 3)
                frac *= 10;
            q = whole * 1000 + frac;
            if (q > 1000)
                return -1;
        } else { /* another parameter: skip it */
            while (*p != '\0' && *p != ';' && *p != ',')
                p++;
        }
    }
    *end = p;
    return q;
}

bool api_accepts_gzip(const char *ae)
{
    if (ae == NULL)
        return false;
    int gzip_q = -1, star_q = -1;
    const char *p = ae;
    for (;;) {
        p = skip_ows(p);
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '\0')
            break;
        const char *tok = p;
        while (*p != '\0' && *p != ',' && *p != ';' && *p != ' ' && *p != '\t')
            p++;
        size_t n = (size_t)(p - tok);
        const char *end = p;
        int q = qvalue(p, &end);
        if (q < 0)
            return false;
        if ((n == 4 && strncasecmp(tok, "gzip", 4) == 0) ||
            (n == 6 && strncasecmp(tok, "x-gzip", 6) == 0))
            gzip_q = q > gzip_q ? q : gzip_q;
        else if (n == 1 && *tok == '*')
            star_q = q;
        p = skip_ows(end);
        if (*p != ',' && *p != '\0')
            return false;
    }
    return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}
