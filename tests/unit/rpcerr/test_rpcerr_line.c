/*
 * test_rpcerr_line.c: the RPC proxy's "503 RPC Error: <hex>" status line
 * (MS-RPCH 2.1.2.1.3; rpc-over-http.md 1.5, 3.3) and the "RPC EEInfo:" body.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "probes/rpcerr/rpcerr.h"
#include "probes/rpcerr/winerr.h"

struct good_line {
    const char *line;
    ssize_t consumed;         /* -1: strlen(line) */
    enum rpcerr_kind kind;
    unsigned major, minor, status;
    const char *reason;       /* expected reason phrase */
    uint32_t code;            /* RPC_ERROR only */
    unsigned digits;
    const char *eeinfo;       /* NULL: none */
};

static const struct good_line good[] = {
    /* the real one (mod_proxy_msrpc issue 25), with every line ending */
    { "HTTP/1.0 503 RPC Error: 6ba", -1, RPCERR_KIND_RPC_ERROR, 1, 0, 503,
      "RPC Error: 6ba", 0x6BA, 3, NULL },
    { "HTTP/1.0 503 RPC Error: 6ba\r\n", -1, RPCERR_KIND_RPC_ERROR, 1, 0, 503,
      "RPC Error: 6ba", 0x6BA, 3, NULL },
    { "HTTP/1.0 503 RPC Error: 6ba\r", -1, RPCERR_KIND_RPC_ERROR, 1, 0, 503,
      "RPC Error: 6ba", 0x6BA, 3, NULL },
    { "HTTP/1.0 503 RPC Error: 6ba\n", -1, RPCERR_KIND_RPC_ERROR, 1, 0, 503,
      "RPC Error: 6ba", 0x6BA, 3, NULL },
    /* only the first line is read */
    { "HTTP/1.0 503 RPC Error: 6ba\r\nContent-Length: 0\r\n\r\n", 29, RPCERR_KIND_RPC_ERROR,
      1, 0, 503, "RPC Error: 6ba", 0x6BA, 3, NULL },
    /* upper case, EEInfo */
    { "HTTP/1.1 503 RPC Error: 6BA, EEInfo: AAECAw==\r\n", -1, RPCERR_KIND_RPC_ERROR, 1, 1,
      503, "RPC Error: 6BA, EEInfo: AAECAw==", 0x6BA, 3, "AAECAw==" },
    { "HTTP/1.1 503 RPC Error: 6ba , eeinfo:AAAA+/9z  \r\n", -1, RPCERR_KIND_RPC_ERROR, 1, 1,
      503, "RPC Error: 6ba , eeinfo:AAAA+/9z  ", 0x6BA, 3, "AAAA+/9z" },
    /* 1..8 digits, either case, leading zeros */
    { "HTTP/1.0 503 RPC Error: 1C010003", -1, RPCERR_KIND_RPC_ERROR, 1, 0, 503,
      "RPC Error: 1C010003", 0x1C010003u, 8, NULL },
    { "HTTP/1.0 503 RPC Error: 1c010003", -1, RPCERR_KIND_RPC_ERROR, 1, 0, 503,
      "RPC Error: 1c010003", 0x1C010003u, 8, NULL },
    { "HTTP/1.0 503 RPC Error: 0", -1, RPCERR_KIND_RPC_ERROR, 1, 0, 503, "RPC Error: 0", 0, 1,
      NULL },
    { "HTTP/1.0 503 RPC Error: FFFFFFFF", -1, RPCERR_KIND_RPC_ERROR, 1, 0, 503,
      "RPC Error: FFFFFFFF", 0xFFFFFFFFu, 8, NULL },
    { "HTTP/1.0 503 RPC Error: 00000005", -1, RPCERR_KIND_RPC_ERROR, 1, 0, 503,
      "RPC Error: 00000005", 5, 8, NULL },
    { "HTTP/1.0 503 RPC Error: c0021008\r\n", -1, RPCERR_KIND_RPC_ERROR, 1, 0, 503,
      "RPC Error: c0021008", 0xC0021008u, 8, NULL },
    /* tolerated spellings: case, no space, tab, trailing blanks */
    { "HTTP/1.0 503 rpc error: 6ba", -1, RPCERR_KIND_RPC_ERROR, 1, 0, 503, "rpc error: 6ba",
      0x6BA, 3, NULL },
    { "HTTP/1.0 503 RPC Error:6ba", -1, RPCERR_KIND_RPC_ERROR, 1, 0, 503, "RPC Error:6ba",
      0x6BA, 3, NULL },
    { "HTTP/1.0 503 RPC Error:\t6ba \t\r\n", -1, RPCERR_KIND_RPC_ERROR, 1, 0, 503,
      "RPC Error:\t6ba \t", 0x6BA, 3, NULL },
    { "HTTP/2.0 503 RPC Error: 6ba", -1, RPCERR_KIND_RPC_ERROR, 2, 0, 503, "RPC Error: 6ba",
      0x6BA, 3, NULL },
    /* plain status lines: not RPC proxy errors */
    { "HTTP/1.1 503 Service Unavailable\r\n", -1, RPCERR_KIND_PLAIN_STATUS, 1, 1, 503,
      "Service Unavailable", 0, 0, NULL },
    { "HTTP/1.1 200 Success\r\n", -1, RPCERR_KIND_PLAIN_STATUS, 1, 1, 200, "Success", 0, 0,
      NULL },
    { "HTTP/1.1 100 Continue\r\n", -1, RPCERR_KIND_PLAIN_STATUS, 1, 1, 100, "Continue", 0, 0,
      NULL },
    { "HTTP/1.1 599 x", -1, RPCERR_KIND_PLAIN_STATUS, 1, 1, 599, "x", 0, 0, NULL },
    { "HTTP/1.1 401 Unauthorized", -1, RPCERR_KIND_PLAIN_STATUS, 1, 1, 401, "Unauthorized", 0,
      0, NULL },
    { "HTTP/1.1 404 Not Found\r\n", -1, RPCERR_KIND_PLAIN_STATUS, 1, 1, 404, "Not Found", 0, 0,
      NULL },
    { "HTTP/1.1 500 RPC Error: 6ba\r\n", -1, RPCERR_KIND_PLAIN_STATUS, 1, 1, 500,
      "RPC Error: 6ba", 0, 0, NULL },
    { "HTTP/1.1 503 RPC Error 6ba", -1, RPCERR_KIND_PLAIN_STATUS, 1, 1, 503, "RPC Error 6ba",
      0, 0, NULL },
    /* localized reason phrases (IIS sends them in UTF-8) */
    { "HTTP/1.1 503 Dienst nicht verf\xc3\xbc" "gbar\r\n", -1, RPCERR_KIND_PLAIN_STATUS, 1, 1,
      503, "Dienst nicht verf\xc3\xbc" "gbar", 0, 0, NULL },
    { "HTTP/1.1 503 \xe6\x9c\x8d\xe5\x8a\xa1\xe4\xb8\x8d\xe5\x8f\xaf\xe7\x94\xa8\r\n", -1,
      RPCERR_KIND_PLAIN_STATUS, 1, 1, 503,
      "\xe6\x9c\x8d\xe5\x8a\xa1\xe4\xb8\x8d\xe5\x8f\xaf\xe7\x94\xa8", 0, 0, NULL },
    { "HTTP/1.1 503 RPC-Fehler: 6ba", -1, RPCERR_KIND_PLAIN_STATUS, 1, 1, 503,
      "RPC-Fehler: 6ba", 0, 0, NULL },
    /* empty reason */
    { "HTTP/1.1 503", -1, RPCERR_KIND_PLAIN_STATUS, 1, 1, 503, "", 0, 0, NULL },
    { "HTTP/1.1 503 \r\n", -1, RPCERR_KIND_PLAIN_STATUS, 1, 1, 503, "", 0, 0, NULL },
};

struct bad_line {
    const char *line;
    size_t len; /* 0: strlen(line) */
    ssize_t code;
    const char *why;
};

static const struct bad_line bad[] = {
    { "", 0, WIRE_INVALID, "status line is empty" },
    { "\r\n", 0, WIRE_INVALID, "status line is empty" },
    { "\n", 0, WIRE_INVALID, "status line is empty" },
    /* the RPC Error code itself */
    { "HTTP/1.0 503 RPC Error: 123456789", 0, WIRE_INVALID,
      "RPC Error code has more than 8 hex digits" },
    { "HTTP/1.0 503 RPC Error: 000000006ba\r\n", 0, WIRE_INVALID,
      "RPC Error code has more than 8 hex digits" },
    { "HTTP/1.0 503 RPC Error: ", 0, WIRE_INVALID, "\"RPC Error:\" is not followed by a hex code" },
    { "HTTP/1.0 503 RPC Error:", 0, WIRE_INVALID, "\"RPC Error:\" is not followed by a hex code" },
    { "HTTP/1.0 503 RPC Error: \r\n", 0, WIRE_INVALID,
      "\"RPC Error:\" is not followed by a hex code" },
    { "HTTP/1.0 503 RPC Error: xyz", 0, WIRE_INVALID,
      "\"RPC Error:\" is not followed by a hex code" },
    { "HTTP/1.0 503 RPC Error: 0x6ba", 0, WIRE_INVALID,
      "unexpected text after the RPC Error code" },
    { "HTTP/1.0 503 RPC Error: 6bag", 0, WIRE_INVALID, "unexpected text after the RPC Error code" },
    { "HTTP/1.0 503 RPC Error: 6ba foo", 0, WIRE_INVALID,
      "unexpected text after the RPC Error code" },
    { "HTTP/1.0 503 RPC Error: 6ba, foo", 0, WIRE_INVALID,
      "text after the RPC Error code is not \", EEInfo:\"" },
    { "HTTP/1.0 503 RPC Error: 6ba,", 0, WIRE_INVALID,
      "text after the RPC Error code is not \", EEInfo:\"" },
    { "HTTP/1.0 503 RPC Error: 6ba, EEInfo:", 0, WIRE_INVALID, "EEInfo is empty" },
    { "HTTP/1.0 503 RPC Error: 6ba, EEInfo:   \r\n", 0, WIRE_INVALID, "EEInfo is empty" },
    { "HTTP/1.0 503 RPC Error: 6ba, EEInfo: AA AA", 0, WIRE_INVALID,
      "EEInfo is not base64 (character outside A-Z a-z 0-9 + / =)" },
    { "HTTP/1.0 503 RPC Error: 6ba, EEInfo: AA*A", 0, WIRE_INVALID,
      "EEInfo is not base64 (character outside A-Z a-z 0-9 + / =)" },
    { "HTTP/1.0 503 RPC Error: 6ba, EEInfo: AAAA\xc3\xa9", 0, WIRE_INVALID,
      "EEInfo is not base64 (character outside A-Z a-z 0-9 + / =)" },
    /* not a status line */
    { "RPC_IN_DATA /rpc/rpcproxy.dll?ex:6001 HTTP/1.1", 0, WIRE_INVALID,
      "line does not start with \"HTTP/\"" },
    { "http/1.0 503 RPC Error: 6ba", 0, WIRE_INVALID, "line does not start with \"HTTP/\"" },
    { " HTTP/1.0 503 RPC Error: 6ba", 0, WIRE_INVALID, "line does not start with \"HTTP/\"" },
    { "\x05\x00\x14\x03\x10\x00\x00\x00\x14\x00", 10, WIRE_INVALID,
      "status line contains a control character" },
    { "HTTP/1 503 RPC Error: 6ba", 0, WIRE_INVALID, "HTTP version is not DIGIT.DIGIT" },
    { "HTTP/x.0 503 RPC Error: 6ba", 0, WIRE_INVALID, "HTTP version is not DIGIT.DIGIT" },
    { "HTTP/1.10 503 RPC Error: 6ba", 0, WIRE_INVALID, "no space after the HTTP version" },
    { "HTTP/1.0", 0, WIRE_INVALID, "no space after the HTTP version" },
    { "HTTP/1.0\t503 RPC Error: 6ba", 0, WIRE_INVALID, "no space after the HTTP version" },
    { "HTTP/1.0  503 RPC Error: 6ba", 0, WIRE_INVALID, "status code is not three digits" },
    { "HTTP/1.0 50 RPC Error: 6ba", 0, WIRE_INVALID, "status code is not three digits" },
    { "HTTP/1.0 5033 RPC Error: 6ba", 0, WIRE_INVALID, "status code is not three digits" },
    { "HTTP/1.0 5a3 RPC Error: 6ba", 0, WIRE_INVALID, "status code is not three digits" },
    { "HTTP/1.0 503\tRPC Error: 6ba", 0, WIRE_INVALID, "status code is not three digits" },
    { "HTTP/1.0 006 RPC Error: 6ba", 0, WIRE_INVALID, "status code is not in 100..599" },
    { "HTTP/1.0 099", 0, WIRE_INVALID, "status code is not in 100..599" },
    { "HTTP/1.0 600 RPC Error: 6ba", 0, WIRE_INVALID, "status code is not in 100..599" },
    { "HTTP/1.0 999 x", 0, WIRE_INVALID, "status code is not in 100..599" },
    /* control characters */
    { "HTTP/1.0 503 RPC Error: 6ba\0", 28, WIRE_INVALID,
      "status line contains a control character" },
    { "HTTP/1.0 503 RPC\rError: 6ba", 0, WIRE_INVALID, "status line contains a control character" },
    { "HTTP/1.0 503 RPC Error: 6ba\x7f", 0, WIRE_INVALID,
      "status line contains a control character" },
    { "HTTP/1.0 503 RPC Error: 6ba\r\r\n", 0, WIRE_INVALID,
      "status line contains a control character" },
};

static void test_good_lines(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        const struct good_line *g = &good[i];
        struct rpcerr_line l;
        const char *why = NULL;
        size_t len = strlen(g->line);
        ssize_t want = g->consumed < 0 ? (ssize_t)len : g->consumed;

        assert_int_equal(rpcerr_parse_line(g->line, len, &l, &why), want);
        assert_int_equal(l.kind, g->kind);
        assert_int_equal(l.http_major, g->major);
        assert_int_equal(l.http_minor, g->minor);
        assert_int_equal(l.status, g->status);
        assert_int_equal(l.reason_len, strlen(g->reason));
        assert_memory_equal(l.reason, g->reason, l.reason_len);
        assert_true(l.reason >= g->line && l.reason <= g->line + len);
        if (g->kind == RPCERR_KIND_RPC_ERROR) {
            assert_int_equal(l.code, g->code);
            assert_int_equal(l.code_digits, g->digits);
            assert_null(l.not_rpc_why);
            assert_string_equal(rpcerr_kind_name(l.kind), "rpc_error");
        } else {
            assert_int_equal(l.code, 0);
            assert_int_equal(l.code_digits, 0);
            assert_non_null(l.not_rpc_why);
            assert_string_equal(l.not_rpc_why, g->status == 503
                                                   ? "503 reason phrase does not start with "
                                                     "\"RPC Error:\""
                                                   : "status is not 503");
            assert_string_equal(rpcerr_kind_name(l.kind), "plain_status");
        }
        if (g->eeinfo != NULL) {
            assert_true(l.has_eeinfo);
            assert_int_equal(l.eeinfo_len, strlen(g->eeinfo));
            assert_memory_equal(l.eeinfo, g->eeinfo, l.eeinfo_len);
        } else {
            assert_false(l.has_eeinfo);
            assert_null(l.eeinfo);
            assert_int_equal(l.eeinfo_len, 0);
        }
    }
}

static void test_bad_lines(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct rpcerr_line l;
        const char *why = NULL;
        size_t len = bad[i].len ? bad[i].len : strlen(bad[i].line);

        assert_int_equal(rpcerr_parse_line(bad[i].line, len, &l, &why), bad[i].code);
        assert_int_equal(l.kind, RPCERR_KIND_NONE);
        assert_string_equal(rpcerr_kind_name(l.kind), "none");
        assert_non_null(why);
        assert_string_equal(why, bad[i].why);
    }
}

/* The line the proxy sends, cut at every length. */
static void test_truncations(void **state)
{
    static const char full[] = "HTTP/1.0 503 RPC Error: 6ba\r\n";
    (void)state;

    for (size_t k = 0; k <= sizeof(full) - 1; k++) {
        struct rpcerr_line l;
        const char *why = NULL;
        ssize_t r = rpcerr_parse_line(full, k, &l, &why);

        if (k == 0) {
            assert_int_equal(r, WIRE_INVALID);
            assert_string_equal(why, "status line is empty");
        } else if (k <= 4) {
            assert_int_equal(r, WIRE_INVALID);
            assert_string_equal(why, "line does not start with \"HTTP/\"");
        } else if (k <= 7) {
            assert_int_equal(r, WIRE_INVALID);
            assert_string_equal(why, "HTTP version is not DIGIT.DIGIT");
        } else if (k == 8) {
            assert_int_equal(r, WIRE_INVALID);
            assert_string_equal(why, "no space after the HTTP version");
        } else if (k <= 11) {
            assert_int_equal(r, WIRE_INVALID);
            assert_string_equal(why, "status code is not three digits");
        } else if (k <= 22) {
            /* "HTTP/1.0 503" .. "HTTP/1.0 503 RPC Error": a plain 503 */
            assert_int_equal(r, (ssize_t)k);
            assert_int_equal(l.kind, RPCERR_KIND_PLAIN_STATUS);
            assert_int_equal(l.status, 503);
        } else if (k <= 24) {
            assert_int_equal(r, WIRE_INVALID);
            assert_string_equal(why, "\"RPC Error:\" is not followed by a hex code");
        } else {
            static const uint32_t codes[] = { 0x6, 0x6b, 0x6ba, 0x6ba, 0x6ba };

            assert_int_equal(r, (ssize_t)k);
            assert_int_equal(l.kind, RPCERR_KIND_RPC_ERROR);
            assert_int_equal(l.code, codes[k - 25]);
        }
    }
}

static void test_length_limit(void **state)
{
    static char buf[2100];
    struct rpcerr_line l;
    const char *why = NULL;
    size_t n;
    (void)state;

    /* a 1024-byte plain 503 is fine, 1025 is not */
    memcpy(buf, "HTTP/1.1 503 ", 13);
    memset(buf + 13, 'A', sizeof(buf) - 13);
    assert_int_equal(rpcerr_parse_line(buf, 1024, &l, &why), 1024);
    assert_int_equal(l.kind, RPCERR_KIND_PLAIN_STATUS);
    assert_int_equal(l.reason_len, 1024 - 13);
    assert_int_equal(rpcerr_parse_line(buf, 1025, &l, &why), WIRE_TOOBIG);
    assert_string_equal(why, "status line is longer than 1024 bytes");
    assert_int_equal(l.kind, RPCERR_KIND_NONE);
    assert_int_equal(rpcerr_parse_line(buf, sizeof(buf), &l, &why), WIRE_TOOBIG);

    /* the CR LF is not counted */
    memcpy(buf + 1024, "\r\n", 2);
    assert_int_equal(rpcerr_parse_line(buf, sizeof(buf), &l, &why), 1026);
    memcpy(buf + 1024, "A\r\n", 3);
    assert_int_equal(rpcerr_parse_line(buf, sizeof(buf), &l, &why), WIRE_TOOBIG);
    /* a bare CR at 1024 with no LF is the tolerated trailing CR */
    buf[1024] = '\r';
    assert_int_equal(rpcerr_parse_line(buf, 1025, &l, &why), 1025);

    /* an RPC Error line with a long EEInfo, exactly 1024 bytes */
    n = (size_t)snprintf(buf, sizeof(buf), "HTTP/1.1 503 RPC Error: 6BA, EEInfo: ");
    memset(buf + n, 'Q', 1024 - n);
    memcpy(buf + 1024, "\r\n", 2);
    assert_int_equal(rpcerr_parse_line(buf, 1026, &l, &why), 1026);
    assert_int_equal(l.kind, RPCERR_KIND_RPC_ERROR);
    assert_true(l.has_eeinfo);
    assert_int_equal(l.eeinfo_len, 1024 - n);
}

static void test_code_names(void **state)
{
    struct rpcerr_line l;
    static const char line[] = "HTTP/1.0 503 RPC Error: 6ba\r\n";
    (void)state;

    assert_int_equal(rpcerr_parse_line(line, sizeof(line) - 1, &l, NULL), 29);
    assert_string_equal(winerr_name(l.code), "RPC_S_SERVER_UNAVAILABLE");
    assert_string_equal(winerr_desc(l.code), "The RPC server is unavailable.");
}

static void test_body(void **state)
{
    static const struct {
        const char *body;
        ssize_t code;
        const char *b64; /* or why, on failure */
    } cases[] = {
        { "RPC EEInfo:AAECAw==", 19, "AAECAw==" },
        { "RPC EEInfo: AAECAw==\r\n", 22, "AAECAw==" },
        { "rpc eeinfo:\tQQ== \r\n", 19, "QQ==" },
        { "", WIRE_INVALID, "body does not start with \"RPC EEInfo:\"" },
        { "<html><body>503</body></html>", WIRE_INVALID,
          "body does not start with \"RPC EEInfo:\"" },
        { "RPC EEInfo", WIRE_INVALID, "body does not start with \"RPC EEInfo:\"" },
        { "RPC EEInfo:", WIRE_INVALID, "EEInfo is empty" },
        { "RPC EEInfo:  \r\n", WIRE_INVALID, "EEInfo is empty" },
        { "RPC EEInfo:AA AA", WIRE_INVALID,
          "EEInfo is not base64 (character outside A-Z a-z 0-9 + / =)" },
        { "RPC EEInfo:AA\r\nAA", WIRE_INVALID,
          "EEInfo is not base64 (character outside A-Z a-z 0-9 + / =)" },
    };
    static char big[65537];
    struct rpcerr_body b;
    const char *why = NULL;
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ssize_t r = rpcerr_parse_body(cases[i].body, strlen(cases[i].body), &b, &why);

        assert_int_equal(r, cases[i].code);
        if (r >= 0) {
            assert_int_equal(b.eeinfo_len, strlen(cases[i].b64));
            assert_memory_equal(b.eeinfo, cases[i].b64, b.eeinfo_len);
        } else {
            assert_string_equal(why, cases[i].b64);
            assert_null(b.eeinfo);
        }
    }
    memcpy(big, "RPC EEInfo:", 11);
    memset(big + 11, 'A', sizeof(big) - 11);
    assert_int_equal(rpcerr_parse_body(big, sizeof(big) - 1, &b, &why), 65536);
    assert_int_equal(b.eeinfo_len, 65536 - 11);
    assert_int_equal(rpcerr_parse_body(big, sizeof(big), &b, &why), WIRE_TOOBIG);
    assert_string_equal(why, "RPC EEInfo body is larger than 64 KiB");
}

static void test_null_arguments(void **state)
{
    struct rpcerr_line l;
    struct rpcerr_body b;
    const char *why = NULL;
    (void)state;

    assert_int_equal(rpcerr_parse_line(NULL, 10, &l, &why), WIRE_INVALID);
    assert_string_equal(why, "NULL argument");
    assert_int_equal(l.kind, RPCERR_KIND_NONE);
    assert_int_equal(rpcerr_parse_line("HTTP/1.0 503 RPC Error: 6ba", 27, NULL, &why),
                     WIRE_INVALID);
    assert_int_equal(rpcerr_parse_line("HTTP/1.0 503 RPC Error: 6ba", 27, &l, NULL), 27);
    assert_int_equal(rpcerr_parse_line("x", 1, &l, NULL), WIRE_INVALID);
    assert_int_equal(rpcerr_parse_body(NULL, 3, &b, &why), WIRE_INVALID);
    assert_string_equal(why, "NULL argument");
    assert_int_equal(rpcerr_parse_body("RPC EEInfo:QQ==", 15, NULL, NULL), WIRE_INVALID);
    assert_int_equal(rpcerr_parse_body("x", 1, &b, NULL), WIRE_INVALID);
    assert_string_equal(rpcerr_kind_name((enum rpcerr_kind)42), "none");
    assert_string_equal(rpcerr_kind_name(RPCERR_KIND_PLAIN_STATUS), "plain_status");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_lines),
        cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_code_names),
        cmocka_unit_test(test_body),
        cmocka_unit_test(test_null_arguments),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
