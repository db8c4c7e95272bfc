/*
 * test_api_parse.c: service/api_parse.c: request targets (decoding,
 * traversal, NUL, control characters, limits), route lookup (404, 405 with
 * Allow, captures, tail captures, bad names, unknown query parameters), and
 * the query values (limit, RFC 3339 times, booleans, cursors).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "service/api_parse.h"

static void h_dummy(struct api_req *r) { (void)r; }

static const char *const q_fmt[] = {"format", NULL};
static const char *const q_res[] = {"since", "until", "limit", "cursor", NULL};

static const struct api_route table[] = {
    {"GET", "/api/v1/targets", API_READ, h_dummy, q_fmt},
    {"GET", "/api/v1/targets/{name}", API_READ, h_dummy, q_fmt},
    {"PUT", "/api/v1/targets/{name}", API_WRITE, h_dummy, NULL},
    {"DELETE", "/api/v1/targets/{name}", API_WRITE, h_dummy, NULL},
    {"GET", "/api/v1/targets/{name}/results", API_READ, h_dummy, q_res},
    {"GET", "/api/v1/targets/{name}/uptime/{window}/badge.svg", API_READ, h_dummy, NULL},
    {"GET", "/assets/{*}", API_PUBLIC, h_dummy, NULL},
    {"GET", "/", API_PUBLIC, h_dummy, NULL},
    {"POST", "/-/reload", API_WRITE, h_dummy, NULL},
};
#define NT (sizeof table / sizeof table[0])

static struct api_uri *uri(const char *target, int expect)
{
    static struct api_uri u;
    int rc = api_uri_parse(target, &u);
    if (rc != expect)
        fail_msg("%s: rc %d, why '%s'", target, rc, u.why);
    return &u;
}

static void test_uri_segments(void **state)
{
    (void)state;
    struct api_uri *u = uri("/api/v1/targets/contoso-mail/results", 0);
    assert_int_equal(u->nseg, 5);
    assert_string_equal(u->seg[3], "contoso-mail");
    assert_int_equal(u->nq, 0);
    u = uri("/", 0);
    assert_int_equal(u->nseg, 0);
    u = uri("/a%20b/c%2dd", 0);
    assert_string_equal(u->seg[0], "a b");
    assert_string_equal(u->seg[1], "c-d");
    u = uri("/api/v1/targets/", 0); /* a trailing slash: an empty last segment */
    assert_int_equal(u->nseg, 4);
    assert_string_equal(u->seg[3], "");
}

static void test_uri_refused(void **state)
{
    (void)state;
    static const struct {
        const char *target, *why;
    } bad[] = {
        {"api/v1/targets", "start with '/'"},
        {"/api/v1/targets/../../etc/passwd", "'..' segment"},
        {"/api/v1/targets/%2e%2e/results", "'..' segment"},
        {"/api/v1/targets/%2E%2E", "'..' segment"},
        {"/api/v1/targets/./x", "'.' segment"},
        {"/api/v1/targets/a%2fb", "encoded '/'"},
        {"/api/v1/targets/a%5Cb", "encoded '/' or '\\'"},
        {"/api/v1/targets/a\\b", "'\\' is not allowed"},
        {"/api/v1/targets/a%00b", "NUL"},
        {"/api/v1/targets/a%0ab", "control character 0x0a"},
        {"/api/v1/targets/a%zz", "two hex digits"},
        {"/api/v1/targets/a%4", "two hex digits"},
        {"/api/v1/targets?limit=%00", "NUL"},
        {"/api/v1/targets?limit=1&limit=2", "given twice"},
        {"/x#frag", "fragment"},
        {"/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q", "segments"},
        {"/?a=1&b=1&c=1&d=1&e=1&f=1&g=1&h=1&i=1&j=1&k=1&l=1&m=1&n=1&o=1&p=1&q=1", "parameters"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct api_uri *u = uri(bad[i].target, -1);
        if (strstr(u->why, bad[i].why) == NULL)
            fail_msg("%s: why '%s' lacks '%s'", bad[i].target, u->why, bad[i].why);
    }
    assert_int_equal(api_uri_parse(NULL, &(struct api_uri){0}), -1);
    assert_int_equal(api_uri_parse("/", NULL), -1);
    /* overlong */
    char *big = malloc(API_URL_MAX + 10);
    assert_non_null(big);
    memset(big, 'a', API_URL_MAX + 9);
    big[0] = '/';
    big[API_URL_MAX + 9] = '\0';
    struct api_uri *u = uri(big, -1);
    assert_non_null(strstr(u->why, "longer than"));
    big[API_URL_MAX] = '\0'; /* exactly the limit: fine */
    uri(big, 0);
    free(big);
}

static void test_uri_query(void **state)
{
    (void)state;
    struct api_uri *u =
        uri("/r?since=2025-11-21T00%3A00%3A00Z&format=text&q=a+b&flag&&empty=", 0);
    assert_int_equal(u->nq, 5);
    assert_string_equal(api_uri_query(u, "since"), "2025-11-21T00:00:00Z");
    assert_string_equal(api_uri_query(u, "format"), "text");
    assert_string_equal(api_uri_query(u, "q"), "a b");
    assert_string_equal(api_uri_query(u, "flag"), "");
    assert_string_equal(api_uri_query(u, "empty"), "");
    assert_null(api_uri_query(u, "missing"));
    assert_null(api_uri_query(NULL, "x"));
}

static enum api_match_kind find(const char *method, const char *target, struct api_match *m)
{
    struct api_uri *u = uri(target, 0);
    return api_route_find(table, NT, method, u, m);
}

static void test_route_find(void **state)
{
    (void)state;
    static struct api_match m;
    assert_int_equal(find("GET", "/api/v1/targets", &m), API_MATCH_OK);
    assert_ptr_equal(m.route, &table[0]);
    assert_int_equal(m.ncap, 0);

    assert_int_equal(find("GET", "/api/v1/targets/contoso-mail", &m), API_MATCH_OK);
    assert_ptr_equal(m.route, &table[1]);
    assert_int_equal(m.ncap, 1);
    assert_string_equal(m.cap[0], "contoso-mail");

    assert_int_equal(find("DELETE", "/api/v1/targets/x.y_z-1", &m), API_MATCH_OK);
    assert_ptr_equal(m.route, &table[3]);

    assert_int_equal(find("HEAD", "/api/v1/targets", &m), API_MATCH_OK);
    assert_ptr_equal(m.route, &table[0]);

    assert_int_equal(find("GET", "/api/v1/targets/a/uptime/7d/badge.svg", &m), API_MATCH_OK);
    assert_int_equal(m.ncap, 2);
    assert_string_equal(m.cap[0], "a");
    assert_string_equal(m.cap[1], "7d");

    assert_int_equal(find("GET", "/assets/css/app.css", &m), API_MATCH_OK);
    assert_int_equal(m.ncap, 1);
    assert_string_equal(m.cap[0], "css/app.css");

    assert_int_equal(find("GET", "/", &m), API_MATCH_OK);
    assert_ptr_equal(m.route, &table[7]);

    assert_int_equal(find("GET", "/api/v1/targets/a/results?limit=5&cursor=abc", &m),
                     API_MATCH_OK);
}

static void test_route_refused(void **state)
{
    (void)state;
    static struct api_match m;
    assert_int_equal(find("GET", "/api/v1/nothing", &m), API_MATCH_NONE);
    assert_int_equal(find("GET", "/api/v1/targets/", &m), API_MATCH_NONE);
    assert_int_equal(find("GET", "/api/v1/targets/a/b", &m), API_MATCH_NONE);
    assert_int_equal(find("GET", "/assets", &m), API_MATCH_NONE);
    assert_int_equal(find("GET", "/assets/", &m), API_MATCH_NONE);

    assert_int_equal(find("POST", "/api/v1/targets/a", &m), API_MATCH_METHOD);
    assert_string_equal(m.allow, "GET, HEAD, PUT, DELETE");
    assert_int_equal(find("GET", "/-/reload", &m), API_MATCH_METHOD);
    assert_string_equal(m.allow, "POST");
    assert_int_equal(find("DELETE", "/api/v1/targets", &m), API_MATCH_METHOD);
    assert_string_equal(m.allow, "GET, HEAD");

    assert_int_equal(find("GET", "/api/v1/targets/Contoso", &m), API_MATCH_BADNAME);
    assert_non_null(strstr(m.why, "'Contoso' is not a target name"));
    assert_int_equal(find("GET", "/api/v1/targets/a%20b", &m), API_MATCH_BADNAME);
    assert_int_equal(find("PUT",
                          "/api/v1/targets/"
                          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                          &m),
                     API_MATCH_BADNAME);
    assert_int_equal(find("GET", "/api/v1/targets/%3Cscript%3E", &m), API_MATCH_BADNAME);

    assert_int_equal(find("GET", "/api/v1/targets?limit=5", &m), API_MATCH_BADQUERY);
    assert_non_null(strstr(m.why, "unknown query parameter 'limit'"));
    assert_int_equal(find("PUT", "/api/v1/targets/a?x=1", &m), API_MATCH_BADQUERY);

    struct api_uri *u = uri("/", 0);
    assert_int_equal(api_route_find(NULL, 0, "GET", u, &m), API_MATCH_NONE);
    assert_int_equal(api_route_find(table, NT, NULL, u, &m), API_MATCH_NONE);
}

static void test_limit(void **state)
{
    (void)state;
    size_t v = 0;
    const char *why = NULL;
    assert_int_equal(api_parse_limit("1", &v, &why), 0);
    assert_int_equal(v, 1);
    assert_int_equal(api_parse_limit("1000", &v, &why), 0);
    assert_int_equal(v, 1000);
    static const char *bad[] = {"0", "1001", "", "-1", "+5", "5x", "99999999999999999999999",
                                " 5", "0x10", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        assert_int_equal(api_parse_limit(bad[i], &v, &why), -1);
        assert_non_null(strstr(why, "1 to 1000"));
    }
}

static void test_time(void **state)
{
    (void)state;
    int64_t ms = 0;
    const char *why = NULL;
    assert_int_equal(api_parse_time("2025-11-21T01:53:20Z", &ms, &why), 0);
    assert_int_equal(ms, 1763690000000LL);
    assert_int_equal(api_parse_time("2025-11-21T01:53:20.5Z", &ms, &why), 0);
    assert_int_equal(ms, 1763690000500LL);
    assert_int_equal(api_parse_time("2025-11-21t01:53:20.123456789z", &ms, &why), 0);
    assert_int_equal(ms, 1763690000123LL);
    assert_int_equal(api_parse_time("2025-11-21T02:53:20+01:00", &ms, &why), 0);
    assert_int_equal(ms, 1763690000000LL);
    assert_int_equal(api_parse_time("2025-11-21 00:53:20-01:00", &ms, &why), 0);
    assert_int_equal(ms, 1763690000000LL);
    assert_int_equal(api_parse_time("1970-01-01T00:00:00Z", &ms, &why), 0);
    assert_int_equal(ms, 0);
    static const char *bad[] = {
        "2025-11-21",           "2025-11-21T01:53:20",     "2025-13-01T00:00:00Z",
        "2025-02-30T00:00:00Z", "2025-11-21T24:00:00Z",    "1969-12-31T23:59:59Z",
        "2025-11-21T01:53:20.Z", "2025-11-21T01:53:20Zx",  "2025-11-21T01:53:20+1:00",
        "1763690000",           "",                        "2025-11-21T01:53:20.1234567890Z",
        "1970-01-01T00:30:00+01:00", NULL,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        if (api_parse_time(bad[i], &ms, &why) != -1)
            fail_msg("'%s' accepted", bad[i] ? bad[i] : "(null)");
        assert_non_null(strstr(why, "RFC 3339"));
    }
}

static void test_bool_cursor(void **state)
{
    (void)state;
    bool b = true;
    const char *why = NULL;
    assert_int_equal(api_parse_bool("false", &b, &why), 0);
    assert_false(b);
    assert_int_equal(api_parse_bool("1", &b, &why), 0);
    assert_true(b);
    assert_int_equal(api_parse_bool("yes", &b, &why), -1);
    assert_string_equal(why, "must be true or false");
    assert_int_equal(api_parse_bool(NULL, &b, &why), -1);

    assert_int_equal(api_parse_cursor("AAAA-_zz09", &why), 0);
    assert_int_equal(api_parse_cursor("", &why), -1);
    assert_int_equal(api_parse_cursor("a b", &why), -1);
    assert_int_equal(api_parse_cursor("a=", &why), -1);
    assert_int_equal(api_parse_cursor(NULL, &why), -1);
    char longc[200];
    memset(longc, 'A', sizeof longc - 1);
    longc[sizeof longc - 1] = '\0';
    assert_int_equal(api_parse_cursor(longc, &why), -1);
    assert_non_null(strstr(why, "next_cursor"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_segments), cmocka_unit_test(test_uri_refused),
        cmocka_unit_test(test_uri_query),    cmocka_unit_test(test_route_find),
        cmocka_unit_test(test_route_refused), cmocka_unit_test(test_limit),
        cmocka_unit_test(test_time),         cmocka_unit_test(test_bool_cursor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
