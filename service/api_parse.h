/*
 * api_parse.h: the pure parsing of what a client sends in a request line:
 * the request target (path and query string, percent-decoded here, never
 * by libmicrohttpd, so that "%2F" stays inside one segment and "%00" is
 * refused), the route lookup, and the typed query values (limit, times,
 * booleans, cursors). No I/O; `why` points at a static sentence or at text
 * in the caller's struct. tests/fuzz/fuzz_api_parse.c drives it.
 *
 *   /api/v1/targets/contoso-mail/results?since=2025-11-21T00%3A00%3A00Z&limit=50
 *   \____________ path ________________/ \_____________ query ______________/
 *   segments: "api" "v1" "targets" "contoso-mail" "results" (each decoded)
 */
#ifndef OAPROBE_SERVICE_API_PARSE_H
#define OAPROBE_SERVICE_API_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service/api.h"
#include "service/api_route.h"

#define API_QUERY_MAX 16 /* query parameters in one request */
#define API_SEGS_MAX 16  /* path segments */

/* One request target, decoded. Every string points into buf. */
struct api_uri {
    char buf[2 * API_URL_MAX + 2];
    const char *seg[API_SEGS_MAX]; /* decoded path segments */
    size_t nseg;
    const char *qkey[API_QUERY_MAX], *qval[API_QUERY_MAX]; /* qval "" when no '=' */
    size_t nq;
    char why[160]; /* the problem, when api_uri_parse fails */
};

/*
 * api_uri_parse: split and decode a request target (origin form, as sent:
 * "/path?query"). Refused (-1, u->why says why): not starting with '/', over
 * API_URL_MAX bytes, a bad or NUL percent escape, a control character, a
 * segment "." or ".." (also as %2e%2e), a '/' or '\' inside a segment
 * (%2F, %5C), more than API_SEGS_MAX segments or API_QUERY_MAX parameters,
 * a parameter given twice. In the query '+' is a space. Returns 0 or -1.
 */
int api_uri_parse(const char *target, struct api_uri *u);

/* api_uri_query: the value of key, or NULL. */
const char *api_uri_query(const struct api_uri *u, const char *key);

/* The outcome of a route lookup. */
enum api_match_kind {
    API_MATCH_OK = 0,   /* m->route set */
    API_MATCH_NONE,     /* 404 */
    API_MATCH_METHOD,   /* 405, m->allow lists the methods */
    API_MATCH_BADQUERY, /* 400: a query parameter the route does not take */
    API_MATCH_BADNAME,  /* 400: a {name} capture is not a target name */
};

struct api_match {
    const struct api_route *route;
    const char *cap[API_ROUTE_CAPS]; /* into u->buf, or into tail */
    size_t ncap;
    char tail[API_URL_MAX + 1];      /* the "{*}" capture, segments joined by '/' */
    char allow[64];                  /* "GET, PUT, DELETE" */
    char why[160];
};

/*
 * api_route_find: the route of table t[0..n) for method and u. A "{name}"
 * capture must be a target name ([a-z0-9._-]{1,64}); other captures any
 * non-empty segment. HEAD matches GET routes. Returns the kind; m filled.
 */
enum api_match_kind api_route_find(const struct api_route *t, size_t n, const char *method,
                                   const struct api_uri *u, struct api_match *m);

/* api_parse_limit: "1".."1000" (STORE_PAGE_MAX). Returns 0 or -1 (why). */
int api_parse_limit(const char *s, size_t *out, const char **why);

/*
 * api_parse_time: an RFC 3339 time ("2025-11-21T01:42:00Z",
 * "2025-11-21T01:42:00.123+01:00"; 'T' or ' ', 'Z' or 'z') to unix ms, years
 * 1970..9999. Returns 0 or -1 (why).
 */
int api_parse_time(const char *s, int64_t *ms, const char **why);

/* api_parse_bool: "true"/"1" or "false"/"0". Returns 0 or -1 (why). */
int api_parse_bool(const char *s, bool *out, const char **why);

/* api_parse_cursor: 1..STORE_CURSOR_MAX-1 base64url characters (the store
 * checks what they say). Returns 0 or -1 (why). */
int api_parse_cursor(const char *s, const char **why);


#endif /* OAPROBE_SERVICE_API_PARSE_H */
