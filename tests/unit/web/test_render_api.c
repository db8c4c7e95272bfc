/*
 * test_render_api.c: the API bodies of the sample view parsed back with
 * jansson (keys, types, values), the status rule, the results and
 * incidents pages, error bodies with hostile detail, the text lines, and
 * the SSE framing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>

#include "views.h"
#include "web/render_api.h"
#include "web/render_sse.h"

static json_t *parse(char *text)
{
    assert_non_null(text);
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (j == NULL)
        fail_msg("not JSON (%s): %s", e.text, text);
    free(text);
    return j;
}

static const char *sget(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_non_null(v);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static int setup(void **state)
{
    *state = views_new();
    return *state == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    views_free(*state);
    return 0;
}

static void test_targets_list(void **state)
{
    struct views *v = *state;
    size_t len = 0;
    char *text = render_api_targets(&v->svc, &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    json_t *doc = parse(text);
    json_t *arr = json_object_get(doc, "targets");
    assert_true(json_is_array(arr));
    assert_int_equal(json_array_size(arr), VIEWS_N);

    static const char *const keys[] = {
        "name", "host", "location", "labels", "depth", "source", "blocked", "status", "since",
        "maintenance", "reason", "message", "codes", "last_run", "last_status",
        "latency_seconds", "cert_days_left", "uptime", "consecutive_failures", "interval_seconds", "next_run", "running"};
    size_t i;
    json_t *t;
    json_array_foreach(arr, i, t) {
        assert_int_equal(json_object_size(t), sizeof keys / sizeof keys[0]);
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            assert_non_null(json_object_get(t, keys[k]));
        assert_string_equal(sget(t, "name"), v->t[i].name);
    }
    json_t *t0 = json_array_get(arr, 0);
    assert_string_equal(sget(t0, "status"), "ok");
    assert_true(json_is_null(json_object_get(t0, "reason")));
    assert_string_equal(sget(json_object_get(t0, "labels"), "phase"), "cutover");
    assert_string_equal(sget(t0, "location"), "fra1");
    assert_string_equal(sget(t0, "last_run"), "2025-11-21T01:52:50.000Z");
    assert_true(json_real_value(json_object_get(t0, "latency_seconds")) == 0.18425);
    json_t *up = json_object_get(t0, "uptime");
    assert_true(json_real_value(json_object_get(up, "24h")) == 1.0);
    assert_true(json_is_null(json_object_get(up, "90d")));

    assert_true(json_is_null(json_object_get(t0, "message")));
    assert_int_equal(json_integer_value(json_object_get(t0, "cert_days_left")), 221);
    json_t *t1 = json_array_get(arr, 1);
    assert_non_null(strstr(sget(t1, "message"), "expires on 2025-12-01"));
    assert_int_equal(json_integer_value(json_object_get(t1, "cert_days_left")), 9);

    json_t *t2 = json_array_get(arr, 2);
    assert_string_equal(sget(t2, "status"), "critical");
    assert_non_null(strstr(sget(t2, "message"), "ValidPorts has no entry"));
    assert_string_equal(sget(t2, "reason"), "validports_missing_entry");
    json_t *codes = json_object_get(t2, "codes");
    assert_int_equal(json_array_size(codes), 2);
    assert_string_equal(json_string_value(json_array_get(codes, 1)), "cert_expiring");

    json_t *t3 = json_array_get(arr, 3);
    assert_string_equal(sget(t3, "source"), "api");
    assert_true(json_is_null(json_object_get(t3, "blocked")));
    assert_true(json_is_null(json_object_get(t3, "location")));
    assert_true(json_is_true(json_object_get(t3, "running")));

    json_t *t4 = json_array_get(arr, 4);
    assert_string_equal(sget(t4, "status"), "pending");
    assert_true(json_is_null(json_object_get(t4, "last_run")));
    assert_true(json_is_null(json_object_get(t4, "last_status")));
    assert_true(json_is_null(json_object_get(t4, "latency_seconds")));
    assert_int_equal(json_object_size(json_object_get(t4, "labels")), 20);

    assert_true(json_is_null(json_object_get(t4, "message")));
    assert_true(json_is_null(json_object_get(t4, "cert_days_left")));

    json_t *t5 = json_array_get(arr, 5);
    assert_true(json_is_true(json_object_get(t5, "maintenance")));
    /* restored from stored JSON: message and certificate from the document */
    assert_non_null(strstr(sget(t5, "message"), "under every name tried"));
    assert_int_equal(json_integer_value(json_object_get(t5, "cert_days_left")), 221);
    /* restored from stored JSON: reason from its diagnoses */
    assert_string_equal(sget(t5, "reason"), "backend_unreachable");
    json_t *l5 = json_object_get(t5, "labels");
    assert_string_equal(sget(l5, "note"), "line one\nline two");
    assert_string_equal(sget(l5, "bad"), "invalid ? utf-8");
    assert_null(json_object_get(l5, "")); /* an empty name is dropped */
    json_decref(doc);

    /* an API target the service does not run says why (escaped as any string) */
    v->t[3].blocked = "host: the target carries credentials and host \"evil\" is not in "
                      "api.allow_hosts";
    json_t *b = render_api_target_summary(&v->t[3]);
    assert_string_equal(sget(b, "blocked"), v->t[3].blocked);
    json_decref(b);
    v->t[3].blocked = NULL;
}

static void test_target_detail(void **state)
{
    struct views *v = *state;
    json_t *d = parse(render_api_target(&v->t[0], NULL));
    json_t *s = json_object_get(d, "settings");
    assert_string_equal(sget(s, "auth"), "ntlm");
    assert_string_equal(sget(s, "user"), "CONTOSO\\svc-oaprobe");
    assert_int_equal(json_array_size(json_object_get(s, "servers")), 2);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(s, "ports"), 2)), 6004);
    assert_true(json_real_value(json_object_get(s, "timeout_seconds")) == 15.0);
    assert_null(json_object_get(s, "password"));
    json_t *c = json_object_get(d, "certificate");
    assert_string_equal(sget(c, "tls_version"), "TLSv1.2");
    assert_string_equal(sget(c, "not_after"), "2026-07-01T00:00:00Z");
    assert_string_equal(sget(c, "chain_not_after"), "2026-07-01T00:00:00Z");
    assert_string_equal(sget(c, "issuer"), "CN=Contoso Issuing CA 1,O=Contoso");
    assert_int_equal(json_integer_value(json_object_get(c, "days_left")), 221);
    json_t *r = json_object_get(d, "result");
    assert_string_equal(sget(r, "status"), "ok");
    assert_int_equal(json_array_size(json_object_get(r, "steps")), 11);
    assert_true(json_is_null(json_object_get(d, "incident")));
    json_t *cnt = json_object_get(d, "counters");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(cnt, "runs"), "ok")), 103);
    json_decref(d);

    /* critical, with an open incident */
    d = parse(render_api_target(&v->t[2], NULL));
    assert_string_equal(sget(json_object_get(d, "incident"), "started_at"),
                        "2025-11-21T01:43:20.000Z");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "counters"), "overruns")), 1);
    json_t *diags = json_object_get(json_object_get(d, "result"), "diagnoses");
    assert_true(json_array_size(diags) >= 2);
    json_decref(d);

    /* pending: no result, no certificate */
    d = parse(render_api_target(&v->t[4], NULL));
    assert_true(json_is_null(json_object_get(d, "result")));
    assert_true(json_is_null(json_object_get(d, "certificate")));
    assert_string_equal(sget(d, "depth"), "echo");
    json_decref(d);

    /* restored: the stored document comes back as the result */
    d = parse(render_api_target(&v->t[5], NULL));
    r = json_object_get(d, "result");
    assert_string_equal(sget(r, "target"), "mail.odd.example");
    assert_string_equal(sget(json_object_get(d, "certificate"), "tls_version"), "TLSv1.3");
    json_decref(d);

    /* a stored text that does not parse: result null, the rest renders */
    struct view_target broken = v->t[5];
    broken.latest_json = "{\"status\": \"ok\", trailing";
    d = parse(render_api_target(&broken, NULL));
    assert_true(json_is_null(json_object_get(d, "result")));
    assert_string_equal(sget(d, "reason"), "backend_unreachable"); /* from codes */
    json_decref(d);
    broken.latest_json = "[1,2]";
    d = parse(render_api_target(&broken, NULL));
    assert_true(json_is_null(json_object_get(d, "result")));
    json_decref(d);

    /* no opts at all */
    struct view_target bare = {.name = "bare", .host = "h"};
    d = parse(render_api_target(&bare, NULL));
    assert_true(json_is_null(json_object_get(json_object_get(d, "settings"), "auth")));
    assert_true(json_is_null(json_object_get(d, "depth")));
    json_decref(d);
    assert_null(render_api_target(NULL, NULL));
    assert_null(render_api_targets(NULL, NULL));
}

static void test_status(void **state)
{
    struct views *v = *state;
    assert_int_equal(render_api_status_ok(&v->svc), 0);
    json_t *d = parse(render_api_status(&v->svc, VIEWS_NOW, NULL));
    assert_true(json_is_false(json_object_get(d, "ok")));
    assert_string_equal(sget(d, "status"), "degraded");
    json_t *c = json_object_get(d, "counts");
    assert_int_equal(json_integer_value(json_object_get(c, "ok")), 1);
    assert_int_equal(json_integer_value(json_object_get(c, "warning")), 1);
    assert_int_equal(json_integer_value(json_object_get(c, "critical")), 3);
    assert_int_equal(json_integer_value(json_object_get(c, "pending")), 1);
    assert_int_equal(json_integer_value(json_object_get(c, "blocked")), 0);
    assert_int_equal(json_integer_value(json_object_get(d, "maintenance")), 1);
    assert_int_equal(json_integer_value(json_object_get(d, "targets")), 6);
    assert_true(json_real_value(json_object_get(d, "uptime_seconds")) == 18000.0);
    json_t *cfg = json_object_get(d, "config");
    assert_true(json_is_true(json_object_get(cfg, "last_reload_successful")));
    assert_true(json_is_null(json_object_get(cfg, "error")));
    assert_true(json_is_null(json_object_get(cfg, "restart_required")));
    json_decref(d);

    /* only the healthy one and the one in maintenance: 200 */
    const struct view_target *two[] = {&v->t[0], &v->t[5]};
    struct view_service s = v->svc;
    s.targets = two;
    s.ntargets = 2;
    s.reload_ok = 0;
    s.reload_error = "config.yaml:3:5: targets[0].interval: \"6O s\" is not a duration";
    assert_int_equal(render_api_status_ok(&s), 1);
    d = parse(render_api_status(&s, VIEWS_NOW, NULL));
    assert_true(json_is_true(json_object_get(d, "ok")));
    assert_string_equal(sget(json_object_get(d, "config"), "error"), s.reload_error);
    json_decref(d);
    s.restart_required = "listen changed to 127.0.0.1:9781: restart needed to apply; kept "
                         "127.0.0.1:9780";
    d = parse(render_api_status(&s, VIEWS_NOW, NULL));
    assert_string_equal(sget(json_object_get(d, "config"), "restart_required"),
                        s.restart_required);
    json_decref(d);
    /* a pending target is not ok */
    const struct view_target *pend[] = {&v->t[4]};
    s.targets = pend;
    s.ntargets = 1;
    assert_int_equal(render_api_status_ok(&s), 0);
    /* a blocked target is not ok (503), in a maintenance window too, and is
     * counted as blocked only, not as its stale last state */
    struct view_target blk_ok = v->t[0], blk_maint = v->t[5];
    blk_ok.blocked = "host: the target carries credentials and host \"x\" is not in "
                     "api.allow_hosts (list it there, or use depth tls or echo)";
    blk_maint.blocked = blk_ok.blocked;
    const struct view_target *blk[] = {&v->t[0], &blk_ok, &blk_maint};
    s.targets = blk;
    s.ntargets = 3;
    assert_int_equal(render_api_status_ok(&s), 0);
    d = parse(render_api_status(&s, VIEWS_NOW, NULL));
    assert_true(json_is_false(json_object_get(d, "ok")));
    assert_string_equal(sget(d, "status"), "degraded");
    c = json_object_get(d, "counts");
    assert_int_equal(json_integer_value(json_object_get(c, "ok")), 1);
    assert_int_equal(json_integer_value(json_object_get(c, "critical")), 0);
    assert_int_equal(json_integer_value(json_object_get(c, "blocked")), 2);
    assert_int_equal(json_integer_value(json_object_get(d, "maintenance")), 1);
    assert_int_equal(json_integer_value(json_object_get(d, "targets")), 3);
    json_decref(d);
    s.ntargets = 1; /* the healthy one alone */
    assert_int_equal(render_api_status_ok(&s), 1);
    s.ntargets = 0;
    assert_int_equal(render_api_status_ok(&s), 1);
    assert_int_equal(render_api_status_ok(NULL), 0);
}

static void test_results_incidents(void **state)
{
    struct views *v = *state;
    static const char *const codes[] = {"backend_unreachable"};
    struct view_run runs[] = {
        {.started_at_ms = VIEWS_NOW, .duration_us = 1500000, .status = OA_STATE_CRITICAL,
         .codes = codes, .ncodes = 1, .lag_us = 2500, .steps_json = "[{\"name\":\"dns\"}]",
         .result_json = v->stored_json},
        {.started_at_ms = VIEWS_NOW - 60000, .status = OA_STATE_OK, .steps_json = "not json",
         .overrun = 1, .in_maintenance = 1},
    };
    json_t *d = parse(render_api_results("odd-labels", runs, 2, "c1", NULL));
    assert_string_equal(sget(d, "target"), "odd-labels");
    assert_string_equal(sget(d, "next_cursor"), "c1");
    json_t *rs = json_object_get(d, "results");
    assert_int_equal(json_array_size(rs), 2);
    json_t *r0 = json_array_get(rs, 0);
    assert_string_equal(sget(r0, "status"), "critical");
    assert_true(json_real_value(json_object_get(r0, "lag_seconds")) == 0.0025);
    assert_true(json_is_array(json_object_get(r0, "steps")));
    assert_string_equal(sget(json_object_get(r0, "result"), "target"), "mail.odd.example");
    json_t *r1 = json_array_get(rs, 1);
    assert_true(json_is_null(json_object_get(r1, "steps")));
    assert_true(json_is_null(json_object_get(r1, "result")));
    assert_true(json_is_true(json_object_get(r1, "overrun")));
    assert_true(json_is_true(json_object_get(r1, "maintenance")));
    assert_int_equal(json_array_size(json_object_get(r1, "codes")), 0);
    json_decref(d);

    d = parse(render_api_results("x", NULL, 0, NULL, NULL));
    assert_int_equal(json_array_size(json_object_get(d, "results")), 0);
    assert_true(json_is_null(json_object_get(d, "next_cursor")));
    json_decref(d);
    assert_null(render_api_results(NULL, runs, 1, NULL, NULL));
    assert_null(render_api_results("x", NULL, 1, NULL, NULL));

    struct view_incident inc[] = {
        {.started_ms = VIEWS_NOW - 90000, .from = OA_STATE_OK, .to = OA_STATE_CRITICAL,
         .codes = codes, .ncodes = 1},
        {.started_ms = VIEWS_NOW - 900000, .ended_ms = VIEWS_NOW - 300000,
         .from = OA_STATE_OK, .to = OA_STATE_WARNING},
        /* a new target's first run was not ok: there was no state before */
        {.started_ms = VIEWS_NOW - 1900000, .ended_ms = VIEWS_NOW - 900000,
         .from = OA_STATE__COUNT, .to = OA_STATE_CRITICAL},
    };
    d = parse(render_api_incidents("x", inc, 3, "next", VIEWS_NOW, NULL));
    json_t *i0 = json_array_get(json_object_get(d, "incidents"), 0);
    assert_true(json_is_true(json_object_get(i0, "open")));
    assert_true(json_is_null(json_object_get(i0, "ended_at")));
    assert_true(json_real_value(json_object_get(i0, "duration_seconds")) == 90.0);
    assert_string_equal(sget(i0, "to"), "critical");
    json_t *i1 = json_array_get(json_object_get(d, "incidents"), 1);
    assert_true(json_is_false(json_object_get(i1, "open")));
    assert_true(json_real_value(json_object_get(i1, "duration_seconds")) == 600.0);
    assert_string_equal(sget(i1, "ended_at"), "2025-11-21T01:48:20.000Z");
    assert_string_equal(sget(i1, "from"), "ok");
    json_t *i2 = json_array_get(json_object_get(d, "incidents"), 2);
    assert_string_equal(sget(i2, "from"), "pending");
    assert_string_equal(sget(i2, "to"), "critical");
    json_decref(d);
}

static void test_error(void **unused)
{
    (void)unused;
    char *s = render_api_error("not_found", "no target \"a\"\n<script>\x01 \xc3\xa9 \xff", NULL);
    assert_non_null(s);
    /* ASCII only, no raw control character, quotes escaped */
    for (const char *p = s; *p; p++)
        assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
    assert_string_equal(s, "{\"error\":\"not_found\",\"detail\":\"no target \\\"a\\\" "
                           "<script>  \\u00E9 ?\"}");
    json_t *d = parse(s);
    assert_string_equal(sget(d, "detail"), "no target \"a\" <script>  \xc3\xa9 ?");
    json_decref(d);

    char big[4000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    d = parse(render_api_error("bad_request", big, NULL));
    assert_true(strlen(sget(d, "detail")) <= 512);
    json_decref(d);
    d = parse(render_api_error("internal", NULL, NULL));
    assert_string_equal(sget(d, "detail"), "");
    json_decref(d);
    assert_null(render_api_error(NULL, "x", NULL));

    d = parse(render_api_accepted("contoso-vp", "/api/v1/targets/contoso-vp", NULL));
    assert_string_equal(sget(d, "status"), "accepted");
    assert_string_equal(sget(d, "location"), "/api/v1/targets/contoso-vp");
    json_decref(d);
}

static void test_text(void **state)
{
    struct views *v = *state;
    size_t len;
    char *s = render_api_text_line(&v->t[0], &len);
    assert_string_equal(s, "OAPROBE OK - contoso-mail: 11 steps ok in 0.184s\n");
    assert_int_equal(len, strlen(s));
    free(s);
    s = render_api_text_line(&v->t[4], NULL);
    assert_string_equal(s, "OAPROBE UNKNOWN - many-labels: pending, no run yet\n");
    free(s);
    s = render_api_text_line(&v->t[5], NULL);
    assert_string_equal(s, "OAPROBE CRITICAL - odd-labels: critical (backend_unreachable)\n");
    free(s);
    s = render_api_text_list(&v->svc, NULL);
    size_t lines = 0;
    for (const char *p = s; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, VIEWS_N);
    assert_non_null(strstr(s, "OAPROBE CRITICAL - contoso-vp: validports_missing_entry: "));
    free(s);
    /* a name with a '|' or a newline never breaks the line */
    struct view_target t = v->t[5];
    t.name = "a|b\nc";
    s = render_api_text_line(&t, NULL);
    assert_string_equal(s, "OAPROBE CRITICAL - a/b c: critical (backend_unreachable)\n");
    free(s);
    t = v->t[0];
    t.name = "x|y";
    s = render_api_text_line(&t, NULL);
    assert_string_equal(s, "OAPROBE OK - x/y: 11 steps ok in 0.184s\n");
    free(s);
    /* blocked: UNKNOWN (no current state, even with a latest result), and why */
    t = v->t[0];
    t.blocked = "host: the target carries credentials and host \"a|b\" is not in\n"
                "api.allow_hosts";
    s = render_api_text_line(&t, NULL);
    assert_string_equal(s, "OAPROBE UNKNOWN - contoso-mail: not run: host: the target carries "
                           "credentials and host \"a/b\" is not in api.allow_hosts\n");
    free(s);
}

static void test_sse(void **state)
{
    struct views *v = *state;
    size_t len;
    char *s = render_sse_frame("res ult\n", 7, "a\nb\r\nc\rd", &len);
    assert_string_equal(s, "event: res_ult_\nid: 7\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
    assert_int_equal(len, strlen(s));
    free(s);
    s = render_sse_frame(NULL, 0, NULL, NULL);
    assert_string_equal(s, "data: \n\n");
    free(s);

    s = render_sse_result(&v->t[5], 12, NULL);
    assert_non_null(s);
    assert_memory_equal(s, "event: result\nid: 12\ndata: {", 28);
    /* exactly one data line and the blank line at the end */
    assert_int_equal(strlen(s) - strlen(strstr(s, "\n\n")), strlen(s) - 2);
    char *data = strstr(s, "data: ") + 6;
    *strchr(data, '\n') = '\0';
    json_t *d = json_loads(data, 0, NULL);
    assert_non_null(d);
    assert_string_equal(sget(json_object_get(d, "labels"), "note"), "line one\nline two");
    json_decref(d);
    free(s);

    s = render_sse_state(&v->t[2], OA_STATE_OK, VIEWS_NOW, 13, NULL);
    data = strstr(s, "data: ") + 6;
    *strchr(data, '\n') = '\0';
    d = json_loads(data, 0, NULL);
    assert_non_null(d);
    assert_string_equal(sget(d, "from"), "ok");
    assert_string_equal(sget(d, "to"), "critical");
    assert_string_equal(sget(d, "reason"), "validports_missing_entry");
    assert_string_equal(sget(d, "at"), "2025-11-21T01:53:20.000Z");
    json_decref(d);
    free(s);
    s = render_sse_state(&v->t[4], OA_STATE__COUNT, VIEWS_NOW, 14, NULL);
    assert_non_null(strstr(s, "\"from\":\"pending\",\"to\":\"pending\""));
    free(s);
    assert_null(render_sse_result(NULL, 1, NULL));
}

static void test_daily(void **unused)
{
    (void)unused;
    const int64_t day = 86400000;
    struct view_day d[3] = {
        {.start_ms = 20000 * day, .up = 3, .down = 1, .sum_ms = 600, .min_ms = 100, .max_ms = 300},
        {.start_ms = 20001 * day, .maint = 5, .min_ms = -1, .max_ms = -1},
        {.start_ms = 20002 * day, .up = 2, .down = 1, .sum_ms = 500, .min_ms = 200, .max_ms = 300},
    };
    json_t *doc = parse(render_api_daily("contoso-vp", d, 3, NULL));
    assert_string_equal(sget(doc, "target"), "contoso-vp");
    json_t *days = json_object_get(doc, "days");
    assert_int_equal(json_array_size(days), 3);
    json_t *d0 = json_array_get(days, 0);
    assert_string_equal(sget(d0, "date"), "2024-10-04");
    assert_true(json_real_value(json_object_get(d0, "ratio")) == 0.75);
    assert_true(json_real_value(json_object_get(d0, "avg_seconds")) == 0.2);
    assert_true(json_real_value(json_object_get(d0, "max_seconds")) == 0.3);
    json_t *d1 = json_array_get(days, 1);
    assert_int_equal(json_integer_value(json_object_get(d1, "maintenance")), 5);
    assert_true(json_is_null(json_object_get(d1, "ratio")));
    assert_true(json_is_null(json_object_get(d1, "avg_seconds")));
    assert_true(json_is_null(json_object_get(d1, "min_seconds")));
    json_decref(doc);

    struct view_day all[6];
    memcpy(all, d, sizeof d);
    memcpy(all + 3, d, sizeof d);
    all[3].down = 0;
    static const char *const names[] = {"a", "b"};
    doc = parse(render_api_daily_all(names, 2, all, 3, NULL));
    assert_string_equal(sget(doc, "from"), "2024-10-04");
    assert_int_equal(json_integer_value(json_object_get(doc, "days")), 3);
    json_t *a = json_object_get(json_object_get(doc, "targets"), "a");
    json_t *b = json_object_get(json_object_get(doc, "targets"), "b");
    assert_int_equal(json_array_size(a), 3);
    assert_true(json_real_value(json_array_get(a, 0)) == 0.75);
    assert_true(json_is_null(json_array_get(a, 1)));
    assert_true(json_real_value(json_array_get(a, 2)) == 0.6667); /* rounded */
    assert_true(json_real_value(json_array_get(b, 0)) == 1.0);
    json_decref(doc);

    /* in pieces (service/api_daily.c: a chunk of targets per loop turn):
     * the same bytes as at once */
    size_t la = 0, lb = 0, lw = 0, lp = 0;
    char *ra = render_api_daily_rows(names, 1, all, 3, &la);
    char *rb = render_api_daily_rows(names + 1, 1, all + 3, 3, &lb);
    char *whole = render_api_daily_all(names, 2, all, 3, &lw);
    assert_non_null(ra);
    assert_non_null(rb);
    assert_non_null(whole);
    char joined[256];
    snprintf(joined, sizeof joined, "%s,%s", ra, rb);
    char *pieces = render_api_daily_frame(all[0].start_ms, 3, joined, strlen(joined), &lp);
    assert_non_null(pieces);
    assert_int_equal(lp, lw);
    assert_string_equal(pieces, whole);
    assert_int_equal(strncmp(ra, "\"a\":[0.75,null,", 15), 0);
    free(ra);
    free(rb);
    free(whole);
    free(pieces);
    char *none = render_api_daily_frame(0, 90, "", 0, &lp);
    assert_string_equal(none, "{\"from\":null,\"days\":90,\"targets\":{}}");
    assert_int_equal(lp, strlen(none));
    free(none);

    doc = parse(render_api_daily_all(NULL, 0, NULL, 90, NULL));
    assert_true(json_is_null(json_object_get(doc, "from")));
    assert_int_equal(json_object_size(json_object_get(doc, "targets")), 0);
    json_decref(doc);
    assert_null(render_api_daily(NULL, d, 3, NULL));
    assert_null(render_api_daily_all(names, 2, NULL, 3, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_targets_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_target_detail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_results_incidents, setup, teardown),
        cmocka_unit_test(test_error),
        cmocka_unit_test_setup_teardown(test_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sse, setup, teardown),
        cmocka_unit_test(test_daily),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
