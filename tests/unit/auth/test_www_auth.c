/*
 * test_www_auth.c: WWW-Authenticate parsing: real IIS/Exchange header sets,
 * RFC 7235 forms, odd whitespace, every rejection with its offset, every
 * bound (at and past the limit), rollback, the helpers and NULL arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/auth/ntlm_challenge.h"
#include "probes/auth/www_auth.h"
#include "probes/common/wire.h"

/* The NTLM CHALLENGE_MESSAGE of test_ntlm_challenge.c's v_exch01, base64. */
static const char exch01_b64[] =
    "TlRMTVNTUAACAAAADgAOADgAAAAFAoriESIzRFVmd4gAAAAAAAAAAJoAmgBGAAAACgA5OAAAAA9DAE8ATgBUAE8A"
    "UwBPAAIADgBDAE8ATgBUAE8AUwBPAAEADABFAFgAQwBIADAAMQAEABoAYwBvAG4AdABvAHMAbwAuAGwAbwBjAGEA"
    "bAADACgAZQB4AGMAaAAwADEALgBjAG8AbgB0AG8AcwBvAC4AbABvAGMAYQBsAAUAGgBjAG8AbgB0AG8AcwBvAC4A"
    "bABvAGMAYQBsAAcACAAAoIf8z2vaAQAAAAA=";

static struct wwwauth *new_wa(void)
{
    struct wwwauth *wa = malloc(sizeof(*wa));

    assert_non_null(wa);
    wwwauth_init(wa);
    return wa;
}

static ssize_t add(struct wwwauth *wa, const char *v, const char **why)
{
    return wwwauth_add(wa, v, strlen(v), why);
}

static void render_is(const struct wwwauth *wa, const char *want)
{
    char buf[256];

    assert_int_equal(wwwauth_render_schemes(wa, buf, sizeof(buf)), strlen(want));
    assert_string_equal(buf, want);
}

/* IIS on Exchange 2010/2016 /rpc: three headers, one scheme each. */
static void test_iis_three_headers(void **state)
{
    static const char *const v[] = {"Negotiate", "NTLM", "Basic realm=\"mail.contoso.com\""};
    struct wwwauth *wa = new_wa();
    const char *why = NULL;

    (void)state;
    assert_int_equal(wwwauth_parse(wa, v, 3, &why), 3);
    assert_null(why);
    assert_int_equal(wwwauth_count(wa), 3);
    assert_int_equal(wa->headers, 3);
    assert_int_equal(wa->rejected, 0);
    assert_int_equal(wwwauth_get(wa, 0)->scheme, WWWAUTH_NEGOTIATE);
    assert_int_equal(wwwauth_get(wa, 1)->scheme, WWWAUTH_NTLM);
    assert_int_equal(wwwauth_get(wa, 2)->scheme, WWWAUTH_BASIC);
    assert_int_equal(wwwauth_get(wa, 2)->header, 2);
    assert_string_equal(wwwauth_scheme_text(wa, 0), "Negotiate");
    assert_null(wwwauth_realm(wa, 0));
    assert_null(wwwauth_token68(wa, 1, NULL));
    assert_string_equal(wwwauth_realm(wa, 2), "mail.contoso.com");
    assert_true(wwwauth_offers(wa, WWWAUTH_NTLM));
    assert_true(wwwauth_offers(wa, WWWAUTH_NEGOTIATE));
    assert_true(wwwauth_offers(wa, WWWAUTH_BASIC));
    assert_false(wwwauth_offers(wa, WWWAUTH_DIGEST));
    assert_false(wwwauth_offers(wa, WWWAUTH_OTHER));
    assert_null(wwwauth_find_token(wa, WWWAUTH_NTLM, NULL));
    render_is(wa, "Negotiate, NTLM, Basic");
    free(wa);
}

/* The same set comma-joined in one header, in mod_proxy_msrpc's order. */
static void test_iis_one_header(void **state)
{
    struct wwwauth *wa = new_wa();

    (void)state;
    assert_int_equal(add(wa, "NTLM, Negotiate, Basic realm=\"mail.contoso.com\"", NULL), 47);
    assert_int_equal(wwwauth_count(wa), 3);
    assert_int_equal(wwwauth_get(wa, 2)->header, 0);
    assert_string_equal(wwwauth_realm(wa, 2), "mail.contoso.com");
    render_is(wa, "NTLM, Negotiate, Basic");
    free(wa);
}

/* A 401 in the middle of the NTLM handshake carries the Type 2 token. */
static void test_ntlm_token(void **state)
{
    struct wwwauth *wa = new_wa();
    struct ntlm_challenge *c = malloc(sizeof(*c));
    char hdr[512];
    const char *tok;
    size_t len = 0;

    (void)state;
    assert_non_null(c);
    snprintf(hdr, sizeof(hdr), "NTLM %s", exch01_b64);
    assert_int_equal(add(wa, hdr, NULL), (ssize_t)strlen(hdr));
    assert_int_equal(add(wa, "Negotiate", NULL), 9);
    tok = wwwauth_find_token(wa, WWWAUTH_NTLM, &len);
    assert_non_null(tok);
    assert_int_equal(len, strlen(exch01_b64));
    assert_string_equal(tok, exch01_b64);
    assert_null(wwwauth_find_token(wa, WWWAUTH_NEGOTIATE, &len));
    assert_int_equal(len, 0);
    assert_int_equal(ntlm_challenge_decode_b64(c, tok, strlen(tok), NULL), (ssize_t)strlen(tok));
    assert_string_equal(c->nb_computer, "EXCH01");
    assert_string_equal(c->dns_computer, "exch01.contoso.local");
    free(c);
    free(wa);
}

struct ok_case {
    const char *value;
    size_t count;
    const char *render;
};

/* Forms that must parse, with the challenge count and the scheme list. */
static const struct ok_case ok_cases[] = {
    {"Digest realm=\"a\", nonce=\"b\", qop=\"auth,auth-int\"", 1, "Digest"},
    {"Basic realm=\"x\", NTLM", 2, "Basic, NTLM"},
    {"Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", Basic realm=\"simple\"", 2,
     "Newauth, Basic"},
    {"  \tNTLM  \t ,  ,, Negotiate\t\r\n", 2, "NTLM, Negotiate"},
    {",,NTLM,,", 1, "NTLM"},
    {"Basic   realm = \"x\"", 1, "Basic"},
    {"Basic realm=x,realm2=y", 1, "Basic"},
    {"Digest ,realm=\"a\"", 1, "Digest"},
    {"ntlm, NEGOTIATE, bAsIc REALM=x", 3, "NTLM, Negotiate, Basic"},
    {"Negotiate YIIFzgYGKwYBBQUCoIIFwjCCBb6gMDAu", 1, "Negotiate"},
    {"Bearer abc-._~+/==", 1, "Bearer"},
    {"NTLM abc==, Negotiate def", 2, "NTLM, Negotiate"},
    {"Bearer realm=\"example\", error=\"invalid_token\", error_description=\"expired\"", 1,
     "Bearer"},
    {"Kerberos", 1, "Kerberos"},
    {"NTLM, ntlm, Foo, FOO, Negotiate", 5, "NTLM, Foo, Negotiate"},
    {"Basic realm=\"\"", 1, "Basic"},
    {"Basic realm=\"M\xc3\xbcnchen\"", 1, "Basic"},
    {"Basic realm=\"tab\there\"", 1, "Basic"},
    {"!#$%&'*+-.^_`|~ a=b", 1, "!#$%&'*+-.^_`|~"},
    {"NTLM abc=", 1, "NTLM"},
    {"NTLM abc= ", 1, "NTLM"},
    {"NTLM\r\n", 1, "NTLM"},
};

static void test_ok_forms(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
        struct wwwauth *wa = new_wa();
        const char *why = NULL;
        ssize_t rc = add(wa, ok_cases[i].value, &why);

        if (rc < 0)
            fail_msg("case %zu \"%s\": %s", i, ok_cases[i].value, why);
        assert_int_equal(rc, (ssize_t)strlen(ok_cases[i].value));
        assert_int_equal(wwwauth_count(wa), ok_cases[i].count);
        render_is(wa, ok_cases[i].render);
        free(wa);
    }
}

static void test_params(void **state)
{
    struct wwwauth *wa = new_wa();
    const char *n = NULL, *v = NULL;

    (void)state;
    assert_true(add(wa, "Digest realm=\"a\", nonce=\"b\", qop=\"auth,auth-int\"", NULL) > 0);
    assert_int_equal(wwwauth_get(wa, 0)->nparams, 3);
    assert_string_equal(wwwauth_realm(wa, 0), "a");
    assert_string_equal(wwwauth_param(wa, 0, "nonce"), "b");
    assert_string_equal(wwwauth_param(wa, 0, "QOP"), "auth,auth-int");
    assert_null(wwwauth_param(wa, 0, "opaque"));
    assert_null(wwwauth_param(wa, 0, "non"));
    assert_int_equal(wwwauth_param_at(wa, 0, 1, &n, &v), 0);
    assert_string_equal(n, "nonce");
    assert_string_equal(v, "b");
    assert_int_equal(wwwauth_param_at(wa, 0, 2, NULL, NULL), 0);
    assert_int_equal(wwwauth_param_at(wa, 0, 3, &n, &v), -1);
    assert_int_equal(wwwauth_param_at(wa, 1, 0, &n, &v), -1);

    wwwauth_init(wa);
    assert_true(add(wa,
                    "Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", "
                    "Basic realm=\"simple\"",
                    NULL) > 0);
    assert_int_equal(wwwauth_get(wa, 0)->scheme, WWWAUTH_OTHER);
    assert_string_equal(wwwauth_scheme_text(wa, 0), "Newauth");
    assert_string_equal(wwwauth_param(wa, 0, "type"), "1");
    assert_string_equal(wwwauth_param(wa, 0, "title"), "Login to \"apps\"");
    assert_string_equal(wwwauth_realm(wa, 1), "simple");
    assert_true(wwwauth_offers(wa, WWWAUTH_OTHER));

    wwwauth_init(wa);
    assert_true(add(wa, "bAsIc REALM = \"a\\\\b\\\"c\"", NULL) > 0);
    assert_string_equal(wwwauth_scheme_text(wa, 0), "bAsIc");
    assert_int_equal(wwwauth_get(wa, 0)->scheme, WWWAUTH_BASIC);
    assert_string_equal(wwwauth_realm(wa, 0), "a\\b\"c");
    assert_int_equal(wwwauth_param_at(wa, 0, 0, &n, NULL), 0);
    assert_string_equal(n, "REALM");

    wwwauth_init(wa);
    assert_true(add(wa, "Basic realm=\"M\xc3\xbcnchen\"", NULL) > 0);
    assert_string_equal(wwwauth_realm(wa, 0), "M\xc3\xbcnchen");
    assert_true(add(wa, "Basic realm=\"\"", NULL) > 0);
    assert_string_equal(wwwauth_realm(wa, 1), "");
    assert_int_equal(wwwauth_get(wa, 1)->realm.len, 0);
    free(wa);
}

static void test_tokens(void **state)
{
    struct wwwauth *wa = new_wa();
    size_t len = 0;

    (void)state;
    assert_true(add(wa, "NTLM", NULL) > 0);
    assert_true(add(wa, "NTLM abc=", NULL) > 0);
    assert_true(add(wa, "Negotiate YIIF, Bearer x.y-z~+/==", NULL) > 0);
    assert_string_equal(wwwauth_find_token(wa, WWWAUTH_NTLM, &len), "abc=");
    assert_int_equal(len, 4);
    assert_string_equal(wwwauth_find_token(wa, WWWAUTH_NEGOTIATE, NULL), "YIIF");
    assert_string_equal(wwwauth_token68(wa, 3, &len), "x.y-z~+/==");
    assert_int_equal(len, 10);
    assert_null(wwwauth_token68(wa, 0, &len));
    assert_int_equal(len, 0);
    assert_null(wwwauth_find_token(wa, WWWAUTH_BASIC, NULL));
    /* "realm=" right after the scheme is, by the grammar, a token68 */
    assert_true(add(wa, "Basic realm=", NULL) > 0);
    assert_string_equal(wwwauth_find_token(wa, WWWAUTH_BASIC, NULL), "realm=");
    assert_null(wwwauth_realm(wa, 4));
    free(wa);
}

struct bad_case {
    const char *value;
    size_t len; /* 0: strlen */
    ssize_t rc;
    size_t offset;
    const char *why;
};

static const struct bad_case bad_cases[] = {
    {"", 0, WIRE_INVALID, 0, "header value holds no challenge"},
    {" , ,, \r\n", 0, WIRE_INVALID, 5, "header value holds no challenge"},
    {"realm=\"x\"", 0, WIRE_INVALID, 0, "auth-param before any auth-scheme"},
    {", a=b", 0, WIRE_INVALID, 2, "auth-param before any auth-scheme"},
    {"NTLM abc=, realm=x", 0, WIRE_INVALID, 11, "auth-param after a token68"},
    {"Basic realm=\"x", 0, WIRE_INVALID, 12, "unterminated quoted-string"},
    {"Basic realm=\"x\\", 0, WIRE_INVALID, 14, "backslash at the end of a quoted-string"},
    {"Basic realm=\"a\x01"
     "b\"",
     0, WIRE_INVALID, 14, "control character in a quoted-string"},
    {"Basic realm=\"a\x7f\"", 0, WIRE_INVALID, 14, "control character in a quoted-string"},
    {"Basic realm=\"a\\\x01\"", 0, WIRE_INVALID, 15,
     "control character after a backslash in a quoted-string"},
    {"Basic realm=\"a\r\nb\"", 0, WIRE_INVALID, 14, "control character in a quoted-string"},
    {"Basic a=b, realm=", 0, WIRE_INVALID, 17, "auth-param has no value after '='"},
    {"Basic a=b, realm=\t", 0, WIRE_INVALID, 17, "auth-param has no value after '='"},
    {"Basic x=y, realm= , NTLM", 0, WIRE_INVALID, 18, "auth-param has no value after '='"},
    {"Basic realm=@x", 0, WIRE_INVALID, 12,
     "auth-param value is neither a token nor a quoted-string"},
    {"Basic realm=\"x\" junk", 0, WIRE_INVALID, 16, "expected ',' or the end after an auth-param"},
    {"Basic realm=x y", 0, WIRE_INVALID, 14, "expected ',' or the end after an auth-param"},
    {"Basic realm=\"x\", realm=\"y\"", 0, WIRE_INVALID, 17,
     "auth-param name repeated in one challenge"},
    {"Basic realm=x, REALM=y", 0, WIRE_INVALID, 15, "auth-param name repeated in one challenge"},
    {"@Basic", 0, WIRE_INVALID, 0, "expected an auth-scheme token"},
    {"NTLM, \x7f", 0, WIRE_INVALID, 6, "expected an auth-scheme token"},
    {"NTLM, \"x\"", 0, WIRE_INVALID, 6, "expected an auth-scheme token"},
    {"Basic@", 0, WIRE_INVALID, 5, "unexpected character after the auth-scheme"},
    {"NTLM\nNegotiate", 0, WIRE_INVALID, 4, "unexpected character after the auth-scheme"},
    {"Basic\0", 6, WIRE_INVALID, 5, "unexpected character after the auth-scheme"},
    {"Basic \"x\"", 0, WIRE_INVALID, 6,
     "expected a token68 or an auth-param after the auth-scheme"},
    /* BWS before "=" makes this an auth-param named Basic (RFC 7235 grammar) */
    {"Basic =x", 0, WIRE_INVALID, 0, "auth-param before any auth-scheme"},
    {"Basic ?x", 0, WIRE_INVALID, 6, "expected a token68 or an auth-param after the auth-scheme"},
    {"NTLM abc def", 0, WIRE_INVALID, 5,
     "expected a token68 or an auth-param after the auth-scheme"},
    {"NTLM ab=c=", 0, WIRE_INVALID, 9, "expected ',' or the end after an auth-param"},
};

static void test_rejects(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *b = &bad_cases[i];
        struct wwwauth *wa = new_wa();
        const char *why = NULL;
        size_t len = b->len ? b->len : strlen(b->value);
        ssize_t rc = wwwauth_add(wa, b->value, len, &why);

        if (rc != b->rc || !why || strcmp(why, b->why) != 0 || wa->err_offset != b->offset)
            fail_msg("case %zu \"%s\": rc %zd offset %zu why %s", i, b->value, rc, wa->err_offset,
                     why ? why : "(null)");
        assert_int_equal(wwwauth_count(wa), 0);
        assert_int_equal(wa->pool_used, 0);
        assert_int_equal(wa->headers, 1);
        assert_int_equal(wa->rejected, 1);
        assert_ptr_equal(wa->err_why, why);
        free(wa);
    }
}

/* A string of n copies of c, NUL-terminated (caller frees). */
static char *rep(const char *prefix, char c, size_t n, const char *suffix)
{
    size_t p = strlen(prefix), s = strlen(suffix);
    char *t = malloc(p + n + s + 1);

    assert_non_null(t);
    memcpy(t, prefix, p);
    memset(t + p, c, n);
    memcpy(t + p + n, suffix, s + 1);
    return t;
}

struct limit_case {
    const char *prefix;
    char fill;
    size_t at_limit;
    const char *suffix;
    const char *why;
};

/* Each bound: at the limit parses, one past it is WIRE_TOOBIG. */
static const struct limit_case limits[] = {
    {"", 'S', WWWAUTH_MAX_NAME, "", "auth-scheme longer than 64 bytes"},
    {"Basic ", 'n', WWWAUTH_MAX_NAME, "=x", "auth-param name longer than 64 bytes"},
    {"Basic realm=\"", 'v', WWWAUTH_MAX_VALUE, "\"", "auth-param value longer than 1024 bytes"},
    {"Basic realm=", 'v', WWWAUTH_MAX_VALUE, "", "auth-param value longer than 1024 bytes"},
    {"NTLM ", 'A', WWWAUTH_MAX_TOKEN68, "", "token68 longer than 8192 bytes"},
    {"NTLM ", 'A', WWWAUTH_MAX_TOKEN68 - 2, "==", "token68 longer than 8192 bytes"},
    {"NTLM", ' ', WWWAUTH_MAX_HEADER - 4, "", "header value longer than 16384 bytes"},
};

static void test_limits(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        struct wwwauth *wa = new_wa();
        char *ok = rep(limits[i].prefix, limits[i].fill, limits[i].at_limit, limits[i].suffix);
        char *big = rep(limits[i].prefix, limits[i].fill, limits[i].at_limit + 1, limits[i].suffix);
        const char *why = NULL;

        if (add(wa, ok, &why) < 0)
            fail_msg("limit %zu at the limit: %s", i, why);
        assert_int_equal(wwwauth_count(wa), 1);
        why = NULL;
        assert_int_equal(add(wa, big, &why), WIRE_TOOBIG);
        assert_string_equal(why, limits[i].why);
        assert_int_equal(wwwauth_count(wa), 1);
        free(ok);
        free(big);
        free(wa);
    }
}

static void test_count_limits(void **state)
{
    struct wwwauth *wa = new_wa();
    char buf[512];
    const char *why = NULL;
    size_t i, o = 0;

    (void)state;
    /* 16 challenges in one header, then a 17th in another */
    for (i = 0; i < WWWAUTH_MAX_CHALLENGES; i++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%sS%zu", i ? ", " : "", i);
    assert_true(add(wa, buf, NULL) > 0);
    assert_int_equal(wwwauth_count(wa), 16);
    assert_int_equal(add(wa, "NTLM", &why), WIRE_TOOBIG);
    assert_string_equal(why, "more than 16 challenges");
    assert_int_equal(wwwauth_count(wa), 16);

    /* the 17th challenge in the middle of a header: the header is rolled back */
    wwwauth_init(wa);
    assert_true(add(wa, "NTLM", NULL) > 0);
    assert_int_equal(add(wa, buf, &why), WIRE_TOOBIG);
    assert_int_equal(wwwauth_count(wa), 1);
    assert_int_equal(wa->pool_used, 5);
    assert_string_equal(wwwauth_scheme_text(wa, 0), "NTLM");

    /* 17 challenges in one header: the whole header is rejected */
    wwwauth_init(wa);
    o = strlen(buf);
    snprintf(buf + o, sizeof(buf) - o, ", S16");
    assert_int_equal(add(wa, buf, &why), WIRE_TOOBIG);
    assert_int_equal(wwwauth_count(wa), 0);
    assert_int_equal(wa->pool_used, 0);

    /* 16 params fit, 17 do not */
    wwwauth_init(wa);
    o = (size_t)snprintf(buf, sizeof(buf), "Digest");
    for (i = 0; i < WWWAUTH_MAX_PARAMS; i++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%sp%zu=v", i ? ", " : " ", i);
    assert_true(add(wa, buf, NULL) > 0);
    assert_int_equal(wwwauth_get(wa, 0)->nparams, 16);
    snprintf(buf + o, sizeof(buf) - o, ", p16=v");
    assert_int_equal(add(wa, buf, &why), WIRE_TOOBIG);
    assert_string_equal(why, "more than 16 auth-params in one challenge");
    assert_int_equal(wwwauth_count(wa), 1);
    free(wa);
}

/* The pool fills before the challenge count does; nothing is half-kept. */
static void test_pool_limit(void **state)
{
    struct wwwauth *wa = new_wa();
    char *big = rep("NTLM ", 'A', 4000, "");
    const char *why = NULL;
    size_t used;

    (void)state;
    assert_true(add(wa, big, NULL) > 0);
    assert_true(add(wa, big, NULL) > 0);
    assert_true(add(wa, big, NULL) > 0);
    assert_true(add(wa, big, NULL) > 0);
    used = wa->pool_used;
    assert_int_equal(used, 4 * (5 + 4001));
    assert_int_equal(add(wa, big, &why), WIRE_TOOBIG);
    assert_string_equal(why, "challenges exceed the 16 KiB string pool");
    assert_int_equal(wa->pool_used, used);
    assert_int_equal(wwwauth_count(wa), 4);
    assert_true(add(wa, "Basic realm=\"x\"", NULL) > 0);
    assert_string_equal(wwwauth_realm(wa, 4), "x");
    free(big);
    free(wa);
}

/* A rejected header keeps earlier challenges; the first error is kept. */
static void test_rollback_and_error(void **state)
{
    static const char *const v[] = {"NTLM", "Basic realm=\"x", "Negotiate", "@"};
    struct wwwauth *wa = new_wa();
    const char *why = NULL;
    char buf[128];

    (void)state;
    assert_int_equal(wwwauth_parse(wa, v, 4, &why), WIRE_INVALID);
    assert_string_equal(why, "unterminated quoted-string");
    assert_int_equal(wwwauth_count(wa), 2);
    assert_int_equal(wa->headers, 4);
    assert_int_equal(wa->rejected, 2);
    render_is(wa, "NTLM, Negotiate");
    assert_int_equal(wwwauth_get(wa, 1)->header, 2);
    assert_int_equal(wwwauth_render_error(wa, buf, sizeof(buf)),
                     strlen("header 2, offset 12: unterminated quoted-string"));
    assert_string_equal(buf, "header 2, offset 12: unterminated quoted-string");
    assert_int_equal(wwwauth_render_error(wa, buf, 7), strlen(buf));
    assert_string_equal(buf, "header");
    assert_int_equal(wwwauth_render_error(wa, NULL, 0), 47);

    wwwauth_init(wa);
    assert_int_equal(wwwauth_render_error(wa, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    free(wa);
}

static void test_add_line(void **state)
{
    static const char *const lines[] = {
        "HTTP/1.1 401 Unauthorized\r\n",
        "Content-Type: text/html\r\n",
        "WWW-Authenticate: Negotiate\r\n",
        "www-authenticate:NTLM\r\n",
        "WWW-Authenticate : Basic\r\n",
        "Proxy-Authenticate: Digest realm=x\r\n",
        "WWW-Authenticate: Basic realm=\"mail.contoso.com\"\r\n",
        "WWW-Auth",
        "\r\n",
    };
    static const ssize_t want[] = {0, 0, 12, 6, 0, 0, 33, 0, 0};
    struct wwwauth *wa = new_wa();
    const char *why = NULL;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        assert_int_equal(wwwauth_add_line(wa, lines[i], strlen(lines[i]), NULL), want[i]);
    assert_int_equal(wwwauth_count(wa), 3);
    render_is(wa, "Negotiate, NTLM, Basic");
    assert_int_equal(wa->headers, 3);

    /* error offsets count from the start of the line */
    assert_int_equal(wwwauth_add_line(wa, "WWW-Authenticate: Basic@\r\n", 26, &why), WIRE_INVALID);
    assert_string_equal(why, "unexpected character after the auth-scheme");
    assert_int_equal(wa->err_offset, 23);
    assert_int_equal(wa->err_header, 3);
    /* a later error does not move the first one */
    assert_int_equal(wwwauth_add_line(wa, "WWW-Authenticate: @", 19, NULL), WIRE_INVALID);
    assert_int_equal(wa->err_offset, 23);
    free(wa);
}

static void test_render(void **state)
{
    struct wwwauth *wa = new_wa();
    char buf[64];
    size_t full;

    (void)state;
    assert_int_equal(wwwauth_render_schemes(wa, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    assert_true(add(wa, "NTLM, Negotiate, Basic realm=x, X-Custom", NULL) > 0);
    full = strlen("NTLM, Negotiate, Basic, X-Custom");
    assert_int_equal(wwwauth_render_schemes(wa, NULL, 0), full);
    assert_int_equal(wwwauth_render_schemes(wa, buf, 0), full);
    memset(buf, 'z', sizeof(buf));
    assert_int_equal(wwwauth_render_schemes(wa, buf, 1), full);
    assert_string_equal(buf, "");
    assert_int_equal(wwwauth_render_schemes(wa, buf, 5), full);
    assert_string_equal(buf, "NTLM");
    assert_int_equal(wwwauth_render_schemes(wa, buf, 6), full);
    assert_string_equal(buf, "NTLM,");
    assert_int_equal(wwwauth_render_schemes(wa, buf, 7), full);
    assert_string_equal(buf, "NTLM, ");
    assert_int_equal(wwwauth_render_schemes(wa, buf, full), full);
    assert_string_equal(buf, "NTLM, Negotiate, Basic, X-Custo");
    assert_int_equal(wwwauth_render_schemes(wa, buf, full + 1), full);
    assert_string_equal(buf, "NTLM, Negotiate, Basic, X-Custom");
    free(wa);
}

static void test_scheme_names(void **state)
{
    static const struct {
        const char *text;
        enum wwwauth_scheme s;
    } t[] = {
        {"basic", WWWAUTH_BASIC},
        {"NTLM", WWWAUTH_NTLM},
        {"nEgOtIaTe", WWWAUTH_NEGOTIATE},
        {"DIGEST", WWWAUTH_DIGEST},
        {"Kerberos", WWWAUTH_KERBEROS},
        {"bearer", WWWAUTH_BEARER},
        {"NTLMX", WWWAUTH_OTHER},
        {"NTL", WWWAUTH_OTHER},
        {"", WWWAUTH_OTHER},
        {"Negotiate2", WWWAUTH_OTHER},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        assert_int_equal(wwwauth_scheme_from(t[i].text, strlen(t[i].text)), t[i].s);
    assert_int_equal(wwwauth_scheme_from("NTLMSSP", 4), WWWAUTH_NTLM);
    assert_int_equal(wwwauth_scheme_from(NULL, 4), WWWAUTH_OTHER);
    assert_string_equal(wwwauth_scheme_name(WWWAUTH_NTLM), "NTLM");
    assert_string_equal(wwwauth_scheme_name(WWWAUTH_NEGOTIATE), "Negotiate");
    assert_string_equal(wwwauth_scheme_name(WWWAUTH_BASIC), "Basic");
    assert_string_equal(wwwauth_scheme_name(WWWAUTH_DIGEST), "Digest");
    assert_string_equal(wwwauth_scheme_name(WWWAUTH_KERBEROS), "Kerberos");
    assert_string_equal(wwwauth_scheme_name(WWWAUTH_BEARER), "Bearer");
    assert_string_equal(wwwauth_scheme_name(WWWAUTH_OTHER), "other");
    assert_string_equal(wwwauth_scheme_name((enum wwwauth_scheme)99), "other");
}

/* Every prefix of every accepted form: accepted whole or rejected cleanly. */
static void test_prefixes(void **state)
{
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
        const char *v = ok_cases[i].value;

        for (n = 0; n <= strlen(v); n++) {
            struct wwwauth *wa = new_wa();
            const char *why = NULL;
            ssize_t rc = wwwauth_add(wa, v, n, &why);

            if (rc >= 0) {
                assert_int_equal(rc, (ssize_t)n);
                assert_true(wwwauth_count(wa) >= 1);
            } else {
                assert_true(rc == WIRE_INVALID);
                assert_non_null(why);
                assert_int_equal(wwwauth_count(wa), 0);
                assert_int_equal(wa->pool_used, 0);
                assert_true(wa->err_offset <= n);
            }
            free(wa);
        }
    }
}

static void test_null_args(void **state)
{
    struct wwwauth *wa = new_wa();
    const char *why = NULL;
    static const char *const with_null[] = {"NTLM", NULL};
    char buf[8];

    (void)state;
    wwwauth_init(NULL);
    assert_int_equal(wwwauth_add(NULL, "NTLM", 4, &why), WIRE_INVALID);
    assert_string_equal(why, "WWW-Authenticate: NULL argument");
    why = NULL;
    assert_int_equal(wwwauth_add(wa, NULL, 4, &why), WIRE_INVALID);
    assert_string_equal(why, "WWW-Authenticate: NULL value");
    assert_int_equal(wa->rejected, 1);
    assert_int_equal(wwwauth_add(wa, "NTLM", 4, NULL), 4);
    assert_int_equal(wwwauth_add_line(NULL, "x", 1, NULL), WIRE_INVALID);
    assert_int_equal(wwwauth_add_line(wa, NULL, 1, NULL), WIRE_INVALID);
    assert_int_equal(wwwauth_parse(NULL, with_null, 1, NULL), WIRE_INVALID);
    assert_int_equal(wwwauth_parse(wa, NULL, 1, NULL), WIRE_INVALID);
    assert_int_equal(wwwauth_parse(wa, NULL, 0, NULL), 0);
    why = NULL;
    assert_int_equal(wwwauth_parse(wa, with_null, 2, &why), WIRE_INVALID);
    assert_string_equal(why, "WWW-Authenticate: NULL value");
    assert_int_equal(wwwauth_count(wa), 1);
    assert_int_equal(wwwauth_count(NULL), 0);
    assert_null(wwwauth_get(NULL, 0));
    assert_null(wwwauth_get(wa, 1));
    assert_null(wwwauth_scheme_text(NULL, 0));
    assert_null(wwwauth_scheme_text(wa, 5));
    assert_null(wwwauth_token68(NULL, 0, NULL));
    assert_null(wwwauth_realm(NULL, 0));
    assert_null(wwwauth_param(NULL, 0, "realm"));
    assert_null(wwwauth_param(wa, 0, NULL));
    assert_int_equal(wwwauth_param_at(NULL, 0, 0, NULL, NULL), -1);
    assert_false(wwwauth_offers(NULL, WWWAUTH_NTLM));
    assert_null(wwwauth_find_token(NULL, WWWAUTH_NTLM, NULL));
    assert_int_equal(wwwauth_render_schemes(NULL, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    assert_int_equal(wwwauth_render_schemes(wa, NULL, 0), 4);
    assert_int_equal(wwwauth_render_error(NULL, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    free(wa);
}

/* The struct holds offsets, not pointers: a copy stays valid. */
static void test_copy(void **state)
{
    struct wwwauth *wa = new_wa(), *cp = malloc(sizeof(*cp));
    char value[] = "Basic realm=\"copy\"";

    (void)state;
    assert_non_null(cp);
    assert_true(add(wa, value, NULL) > 0);
    memset(value, 'x', sizeof(value) - 1); /* the caller's buffer goes away */
    *cp = *wa;
    memset(wa, 0xa5, sizeof(*wa));
    assert_string_equal(wwwauth_realm(cp, 0), "copy");
    free(cp);
    free(wa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iis_three_headers),
        cmocka_unit_test(test_iis_one_header),
        cmocka_unit_test(test_ntlm_token),
        cmocka_unit_test(test_ok_forms),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_count_limits),
        cmocka_unit_test(test_pool_limit),
        cmocka_unit_test(test_rollback_and_error),
        cmocka_unit_test(test_add_line),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_scheme_names),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_null_args),
        cmocka_unit_test(test_copy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
