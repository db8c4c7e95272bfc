/*
 * test_render_json.c: golden JSON (whole strings), and the critical fixture
 * parsed back with jansson: exact key sets, types, values; invalid UTF-8,
 * truncation, out-of-range times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>

#include "fixture.h"
#include "probes/result/result.h"
#include "web/render_json.h"
#include "web/render_nagios.h"

static const char golden_ok[] =
    "{\"status\":\"ok\",\"target\":\"mail.contoso.com\","
    "\"started_at\":\"2025-11-21T01:42:00.000Z\",\"duration_seconds\":0.25,"
    "\"diagnoses\":[],\"steps\":["
    "{\"name\":\"dns\",\"status\":\"ok\",\"duration_seconds\":0.0015,"
    "\"details\":{\"server\":\"mail.contoso.com\"}},"
    "{\"name\":\"tcp\",\"status\":\"ok\",\"duration_seconds\":0.002,"
    "\"details\":{\"server\":\"mail.contoso.com\",\"port\":443}},"
    "{\"name\":\"tls\",\"status\":\"ok\",\"duration_seconds\":0.03025,"
    "\"details\":{\"server\":\"mail.contoso.com\",\"port\":443,\"cert_days_left\":200}}]}";

static const char golden_diag_pretty[] =
    "{\n"
    "  \"status\": \"unknown\",\n"
    "  \"target\": \"h\",\n"
    "  \"started_at\": \"1969-12-31T23:59:59.999Z\",\n"
    "  \"duration_seconds\": 1e-6,\n" /* jansson writes tiny reals with an exponent */
    "  \"diagnoses\": [\n"
    "    {\n"
    "      \"code\": \"internal_error\",\n"
    "      \"severity\": \"unknown\",\n"
    "      \"step\": null,\n"
    "      \"server\": null,\n"
    "      \"port\": null,\n"
    "      \"message\": \"out of \\\"memory\\\"\\n\",\n"
    "      \"remedy\": \"see the message; this is not a finding about the server\"\n"
    "    }\n"
    "  ],\n"
    "  \"steps\": []\n"
    "}";

static void test_golden(void **unused)
{
    (void)unused;
    struct oa_result *r = fixture_ok();
    assert_non_null(r);
    char *s = render_json(r, 0);
    assert_non_null(s);
    assert_string_equal(s, golden_ok);
    free(s);
    oa_result_free(r);

    r = oa_result_new("h", -1);
    assert_non_null(r);
    oa_result_set_duration(r, 1);
    oa_result_add_diag(r, OA_DIAG_INTERNAL_ERROR, OA_STEP_NONE, NULL, 0,
                       "out of \"memory\"\n");
    s = render_json(r, RENDER_JSON_PRETTY);
    assert_non_null(s);
    assert_string_equal(s, golden_diag_pretty);
    free(s);
    oa_result_free(r);
}

static int key_set_is(json_t *o, const char *const *keys, size_t n)
{
    if (!json_is_object(o) || json_object_size(o) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (json_object_get(o, keys[i]) == NULL)
            return 0;
    return 1;
}

static int one_of(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return 1;
    return 0;
}

static void test_parse_back(void **unused)
{
    (void)unused;
    struct oa_result *r = fixture_critical();
    assert_non_null(r);
    char *s = render_json(r, 0);
    assert_non_null(s);
    json_error_t err;
    json_t *doc = json_loads(s, JSON_REJECT_DUPLICATES, &err);
    if (doc == NULL)
        fail_msg("does not parse: %s at %d", err.text, err.position);
    free(s);

    static const char *const top[] = {"status", "target", "started_at", "duration_seconds",
                                      "diagnoses", "steps"};
    assert_true(key_set_is(doc, top, 6));
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "critical");
    assert_string_equal(json_string_value(json_object_get(doc, "target")), "mail.contoso.com");
    assert_string_equal(json_string_value(json_object_get(doc, "started_at")),
                        "2025-11-21T01:42:00.123Z");
    json_t *dur = json_object_get(doc, "duration_seconds");
    assert_true(json_is_real(dur));
    assert_true(json_real_value(dur) > 1.2345669 && json_real_value(dur) < 1.2345671);

    static const char *const dkeys[] = {"code", "severity", "step", "server", "port",
                                        "message", "remedy"};
    static const char *const sev[] = {"warning", "critical", "unknown", NULL};
    json_t *diags = json_object_get(doc, "diagnoses");
    assert_true(json_is_array(diags));
    assert_int_equal(json_array_size(diags), 2);
    size_t i;
    json_t *d;
    json_array_foreach(diags, i, d) {
        assert_true(key_set_is(d, dkeys, 7));
        assert_true(json_is_string(json_object_get(d, "code")));
        assert_true(one_of(json_string_value(json_object_get(d, "severity")), sev));
        assert_true(json_is_string(json_object_get(d, "step")));
        assert_true(json_is_string(json_object_get(d, "server")));
        assert_true(json_is_integer(json_object_get(d, "port")));
        assert_true(json_is_string(json_object_get(d, "message")));
        assert_true(json_is_string(json_object_get(d, "remedy")));
    }
    d = json_array_get(diags, 1);
    assert_string_equal(json_string_value(json_object_get(d, "code")),
                        "validports_missing_entry");
    assert_string_equal(json_string_value(json_object_get(d, "step")), "tunnel");
    assert_string_equal(json_string_value(json_object_get(d, "server")),
                        "exch01.contoso.local");
    assert_int_equal(json_integer_value(json_object_get(d, "port")), 6001);

    static const char *const skeys[] = {"name", "status", "duration_seconds", "details"};
    static const char *const names[] = {"dns", "tcp", "tls", "http_plain", "echo_unauth",
                                        "echo_auth", "tunnel", "bind", "direct_tcp", NULL};
    static const char *const states[] = {"ok", "warning", "critical", "unknown", "skipped",
                                         NULL};
    json_t *steps = json_object_get(doc, "steps");
    assert_int_equal(json_array_size(steps), 9);
    json_t *st;
    json_array_foreach(steps, i, st) {
        assert_true(key_set_is(st, skeys, 4));
        assert_true(one_of(json_string_value(json_object_get(st, "name")), names));
        assert_true(one_of(json_string_value(json_object_get(st, "status")), states));
        assert_true(json_is_number(json_object_get(st, "duration_seconds")));
        assert_true(json_is_object(json_object_get(st, "details")));
    }
    json_t *tls = json_object_get(json_array_get(steps, 2), "details");
    assert_string_equal(json_string_value(json_object_get(tls, "server")), "mail.contoso.com");
    assert_int_equal(json_integer_value(json_object_get(tls, "port")), 443);
    assert_string_equal(json_string_value(json_object_get(tls, "tls_version")), "TLSv1.2");
    json_t *san = json_object_get(tls, "cert_san");
    assert_true(json_is_array(san));
    assert_int_equal(json_array_size(san), 2);
    assert_string_equal(json_string_value(json_array_get(san, 1)), "autodiscover.contoso.com");
    assert_string_equal(json_string_value(json_object_get(tls, "cert_not_after")),
                        "2025-12-01T00:00:00Z");
    assert_true(json_is_integer(json_object_get(tls, "cert_days_left")));
    json_t *echo = json_object_get(json_array_get(steps, 3), "details");
    assert_null(json_object_get(echo, "server")); /* none for this step */
    json_t *schemes = json_object_get(echo, "auth_schemes");
    assert_int_equal(json_array_size(schemes), 3);
    assert_string_equal(json_string_value(json_array_get(schemes, 2)), "Basic");
    json_t *echo2 = json_object_get(json_array_get(steps, 4), "details");
    assert_true(json_is_true(json_object_get(echo2, "expect_100_continue")));
    json_t *tun = json_object_get(json_array_get(steps, 6), "details");
    assert_int_equal(json_integer_value(json_object_get(tun, "rpc_error")), 1722);
    assert_string_equal(json_string_value(json_object_get(tun, "rpc_error_name")),
                        "RPC_S_SERVER_UNAVAILABLE");
    json_t *skipped = json_array_get(steps, 8);
    assert_string_equal(json_string_value(json_object_get(skipped, "status")), "skipped");
    assert_true(json_real_value(json_object_get(skipped, "duration_seconds")) == 0.0);
    json_decref(doc);

    /* The object API gives the same document. */
    json_t *o = render_json_object(r);
    assert_non_null(o);
    char *a = json_dumps(o, RENDER_JSON_FLAGS | JSON_COMPACT);
    char *b = render_json(r, 0);
    assert_string_equal(a, b);
    free(a);
    free(b);
    json_decref(o);
    oa_result_free(r);
}

static void test_hostile(void **unused)
{
    (void)unused;
    struct oa_result *r = oa_result_new("h", 0);
    assert_non_null(r);
    struct oa_step *st = oa_result_add_step(r, OA_STEP_TLS, "s", 443);
    oa_step_finish(st, OA_STATE_OK, 1);
    oa_step_add_str(r, st, OA_DETAIL_CERT_SUBJECT, "CN=x");
    oa_step_add_time(r, st, OA_DETAIL_CERT_NOT_AFTER, INT64_MAX); /* out of range */
    struct oa_diag *d = oa_result_add_diag(r, OA_DIAG_PROTOCOL_ERROR, OA_STEP_TUNNEL, "s", 1,
                                           "x");
    /* Written directly, bypassing the sanitizer: invalid UTF-8, no NUL. */
    memcpy(d->message, "bad \xff\xfe byte", sizeof "bad \xff\xfe byte");
    memset(d->remedy, 'r', OA_REMEDY_MAX);
    memcpy(r->target, "t\xc3", 3);
    /* A forged string detail pointing outside the arena. */
    st->details[0].off = OA_RESULT_ARENA - 1;
    st->details[0].len = 40;
    char *s = render_json(r, 0);
    assert_non_null(s);
    json_error_t err;
    json_t *doc = json_loads(s, 0, &err);
    assert_non_null(doc);
    free(s);
    assert_string_equal(json_string_value(json_object_get(doc, "target")), "t?");
    json_t *jd = json_array_get(json_object_get(doc, "diagnoses"), 0);
    assert_string_equal(json_string_value(json_object_get(jd, "message")), "bad ?? byte");
    assert_int_equal(strlen(json_string_value(json_object_get(jd, "remedy"))),
                     OA_REMEDY_MAX);
    json_t *det = json_object_get(json_array_get(json_object_get(doc, "steps"), 0), "details");
    assert_true(json_is_null(json_object_get(det, "cert_subject")));
    assert_true(json_is_null(json_object_get(det, "cert_not_after")));
    assert_null(json_object_get(doc, "truncated"));
    json_decref(doc);
    oa_result_free(r);
}

static void test_truncated_and_times(void **unused)
{
    (void)unused;
    struct oa_result *r = oa_result_new("h", INT64_MAX);
    assert_non_null(r);
    for (int i = 0; i < OA_RESULT_MAX_STEPS + 3; i++)
        oa_result_add_step(r, OA_STEP_BIND, NULL, 0);
    struct oa_step *st = &r->steps[0];
    for (int i = 0; i < OA_STEP_MAX_DETAILS + 2; i++)
        oa_step_add_str(r, st, OA_DETAIL_ADDRESSES, "a");
    char *s = render_json(r, 0);
    assert_non_null(s);
    json_t *doc = json_loads(s, 0, NULL);
    assert_non_null(doc);
    free(s);
    assert_true(json_is_null(json_object_get(doc, "started_at")));
    json_t *t = json_object_get(doc, "truncated");
    assert_non_null(t);
    assert_int_equal(json_integer_value(json_object_get(t, "steps")), 3);
    assert_int_equal(json_integer_value(json_object_get(t, "diagnoses")), 0);
    assert_int_equal(json_integer_value(json_object_get(t, "details")), 2);
    assert_int_equal(json_integer_value(json_object_get(t, "perfdata")), 0);
    json_t *addrs = json_object_get(
        json_object_get(json_array_get(json_object_get(doc, "steps"), 0), "details"),
        "addresses");
    assert_int_equal(json_array_size(addrs), OA_STEP_MAX_DETAILS);
    /* An unfinished step is "unknown"; so is the whole check. */
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "unknown");
    json_decref(doc);
    oa_result_free(r);

    assert_null(render_json(NULL, 0));
    assert_null(render_json_object(NULL));
}

/* The compact copy the service keeps (oa_result_dup) renders byte for byte
 * like the result it was copied from, in JSON and in Nagios text. */
static void test_compact_renders_same(void **unused)
{
    (void)unused;
    struct oa_result *built[2] = {fixture_critical(), fixture_ok()};
    for (size_t i = 0; i < 2; i++) {
        struct oa_result *c = oa_result_dup(built[i]);
        assert_non_null(c);
        assert_true(oa_result_mem_bytes(c) <= 4096);
        char *a = render_json(built[i], 0), *b = render_json(c, 0);
        assert_non_null(a);
        assert_non_null(b);
        assert_string_equal(a, b);
        free(a);
        free(b);
        a = render_nagios(built[i]);
        b = render_nagios(c);
        assert_non_null(a);
        assert_non_null(b);
        assert_string_equal(a, b);
        free(a);
        free(b);
        oa_result_free(c);
        oa_result_free(built[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_compact_renders_same),
        cmocka_unit_test(test_parse_back),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_truncated_and_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
