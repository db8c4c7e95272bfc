/*
 * test_render_alert.c: Alertmanager postable alerts, webhook v4 payloads
 * (fingerprint, zero endsAt, groupKey, truncation), SVG badges (colours,
 * escaping, a blocked target's "blocked" in grey), and the secret rule over every renderer: the sample view's
 * opts carry a password; no output may contain it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>

#include "views.h"
#include "web/render_alert.h"
#include "web/render_api.h"
#include "web/render_badge.h"
#include "web/render_metrics.h"
#include "web/render_sse.h"

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

static json_t *parse(char *text)
{
    assert_non_null(text);
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    free(text);
    return j;
}

static const char *sget(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static struct alert_item vp_alert(struct views *v, int resolved)
{
    return (struct alert_item){.t = &v->t[2], .severity = OA_STATE_CRITICAL,
                               .code = OA_DIAG_VALIDPORTS_MISSING_ENTRY, .resolved = resolved,
                               .starts_ms = VIEWS_NOW - 600000,
                               .ends_ms = resolved ? VIEWS_NOW : VIEWS_NOW + 240000};
}

static void test_labels_fingerprint(void **state)
{
    struct views *v = *state;
    struct alert_item a = vp_alert(v, 0);
    json_t *l = render_alert_labels(&a);
    assert_non_null(l);
    assert_int_equal(json_object_size(l), 6);
    assert_string_equal(sget(l, "alertname"), "OutlookAnywhereDown");
    assert_string_equal(sget(l, "target"), "contoso-vp");
    assert_string_equal(sget(l, "severity"), "critical");
    assert_string_equal(sget(l, "code"), "validports_missing_entry");
    assert_string_equal(sget(l, "location"), "ams1");
    assert_string_equal(sget(l, "site"), "ams");
    char fp[17];
    assert_int_equal(render_alert_fingerprint(l, fp), 0);
    /* Alertmanager's LabelSet.Fingerprint() of the same set */
    assert_string_equal(fp, "0bf7858a8f11875b");
    json_decref(l);
    json_t *empty = json_object();
    assert_int_equal(render_alert_fingerprint(empty, fp), 0);
    assert_string_equal(fp, "cbf29ce484222325"); /* FNV-1a offset: the empty set */
    json_decref(empty);
    assert_int_equal(render_alert_fingerprint(NULL, fp), -1);

    /* odd labels: a configured "target" cannot replace the fixed one */
    struct alert_item o = {.t = &v->t[5], .severity = OA_STATE_WARNING, .code = OA_DIAG__COUNT};
    l = render_alert_labels(&o);
    assert_string_equal(sget(l, "alertname"), "OutlookAnywhereDegraded");
    assert_string_equal(sget(l, "target"), "odd-labels");
    assert_string_equal(sget(l, "label_target"), "clashes with the target label");
    assert_null(json_object_get(l, "code"));
    json_decref(l);
    assert_null(render_alert_labels(NULL));
}

static void test_postable(void **state)
{
    struct views *v = *state;
    struct alert_item a[2] = {vp_alert(v, 0),
                              {.t = &v->t[3], .severity = OA_STATE_CRITICAL,
                               .code = OA_DIAG_BACKEND_UNREACHABLE, .starts_ms = VIEWS_NOW}};
    json_t *d = parse(render_alert_postable(a, 2, "http://oaprobe.example:9780", NULL));
    assert_int_equal(json_array_size(d), 2);
    json_t *x = json_array_get(d, 0);
    assert_int_equal(json_object_size(x), 5);
    assert_string_equal(sget(x, "startsAt"), "2025-11-21T01:43:20.000Z");
    assert_string_equal(sget(x, "endsAt"), "2025-11-21T01:57:20.000Z");
    assert_string_equal(sget(x, "generatorURL"),
                        "http://oaprobe.example:9780/api/v1/targets/contoso-vp");
    json_t *an = json_object_get(x, "annotations");
    assert_string_equal(sget(an, "summary"),
                        "contoso-vp: Outlook Anywhere is critical: validports_missing_entry");
    assert_non_null(strstr(sget(an, "message"), "ValidPorts has no entry"));
    assert_non_null(strstr(sget(an, "remedy"), "ValidPorts"));
    x = json_array_get(d, 1);
    assert_null(json_object_get(x, "endsAt")); /* no expiry given */
    json_decref(d);
    d = parse(render_alert_postable(NULL, 0, NULL, NULL));
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
}

static void test_webhook(void **state)
{
    struct views *v = *state;
    struct alert_item a = vp_alert(v, 0);
    struct alert_webhook_meta m = {"ops-webhook", "http://oaprobe.example:9780",
                                   "first notification", 0};
    json_t *d = parse(render_alert_webhook(&a, 1, &m, NULL));
    assert_string_equal(sget(d, "version"), "4");
    assert_string_equal(sget(d, "status"), "firing");
    assert_string_equal(sget(d, "receiver"), "ops-webhook");
    assert_string_equal(sget(d, "notification_reason"), "first notification");
    assert_string_equal(sget(d, "groupKey"),
                        "{}:{alertname=\"OutlookAnywhereDown\",target=\"contoso-vp\"}");
    assert_int_equal(json_integer_value(json_object_get(d, "truncatedAlerts")), 0);
    assert_int_equal(json_object_size(json_object_get(d, "groupLabels")), 2);
    assert_string_equal(sget(json_object_get(d, "commonLabels"), "code"),
                        "validports_missing_entry");
    json_t *al = json_array_get(json_object_get(d, "alerts"), 0);
    assert_string_equal(sget(al, "status"), "firing");
    assert_string_equal(sget(al, "endsAt"), "0001-01-01T00:00:00Z");
    assert_string_equal(sget(al, "fingerprint"), "0bf7858a8f11875b");
    json_decref(d);

    /* resolved: same fingerprint, a real endsAt */
    a = vp_alert(v, 1);
    m.notification_reason = "all alerts resolved";
    d = parse(render_alert_webhook(&a, 1, &m, NULL));
    assert_string_equal(sget(d, "status"), "resolved");
    al = json_array_get(json_object_get(d, "alerts"), 0);
    assert_string_equal(sget(al, "status"), "resolved");
    assert_string_equal(sget(al, "endsAt"), "2025-11-21T01:53:20.000Z");
    assert_string_equal(sget(al, "fingerprint"), "0bf7858a8f11875b");
    assert_non_null(strstr(sget(json_object_get(al, "annotations"), "summary"), "ok again"));
    json_decref(d);

    /* three alerts, max_alerts 2: two sent, one counted; group by alertname */
    struct alert_item three[3] = {
        vp_alert(v, 0),
        {.t = &v->t[3], .severity = OA_STATE_CRITICAL, .code = OA_DIAG_BACKEND_UNREACHABLE,
         .starts_ms = VIEWS_NOW},
        {.t = &v->t[0], .severity = OA_STATE_CRITICAL, .code = OA_DIAG_TCP_REFUSED,
         .resolved = 1, .starts_ms = VIEWS_NOW - 5000, .ends_ms = VIEWS_NOW}};
    m.max_alerts = 2;
    m.notification_reason = "new alerts added";
    d = parse(render_alert_webhook(three, 3, &m, NULL));
    assert_int_equal(json_array_size(json_object_get(d, "alerts")), 2);
    assert_int_equal(json_integer_value(json_object_get(d, "truncatedAlerts")), 1);
    assert_string_equal(sget(d, "groupKey"), "{}:{alertname=\"OutlookAnywhereDown\"}");
    assert_null(json_object_get(json_object_get(d, "commonLabels"), "target"));
    assert_string_equal(sget(d, "status"), "firing");
    json_decref(d);
    assert_null(render_alert_webhook(&a, 1, NULL, NULL));
}

static void test_badges(void **state)
{
    struct views *v = *state;
    assert_string_equal(render_badge_uptime_color(0.999), "#40cc11");
    assert_string_equal(render_badge_uptime_color(0.975), "#40cc11");
    assert_string_equal(render_badge_uptime_color(0.96), "#94cc11");
    assert_string_equal(render_badge_uptime_color(0.92), "#ccd311");
    assert_string_equal(render_badge_uptime_color(0.85), "#ccb311");
    assert_string_equal(render_badge_uptime_color(0.7), "#cc8111");
    assert_string_equal(render_badge_uptime_color(0.2), "#c7130a");
    assert_string_equal(render_badge_uptime_color(-1), "#9f9f9f");

    char *s = render_badge_uptime(&v->t[0], VIEW_WINDOW_7D, NULL);
    assert_non_null(strstr(s, "<title>uptime 7d: 99.82%</title>"));
    assert_non_null(strstr(s, "fill=\"#40cc11\""));
    assert_memory_equal(s, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39);
    free(s);
    s = render_badge_uptime(&v->t[0], VIEW_WINDOW_90D, NULL);
    assert_non_null(strstr(s, "uptime 90d: no data"));
    free(s);
    assert_null(render_badge_uptime(&v->t[0], VIEW_WINDOW__COUNT, NULL));
    s = render_badge_state(&v->t[2], NULL);
    assert_non_null(strstr(s, "<title>contoso-vp: critical</title>"));
    assert_non_null(strstr(s, "fill=\"#c7130a\""));
    free(s);
    s = render_badge_state(&v->t[5], NULL);
    assert_non_null(strstr(s, "odd-labels: maintenance"));
    free(s);
    s = render_badge_state(&v->t[4], NULL);
    assert_non_null(strstr(s, "many-labels: pending"));
    free(s);
    /* blocked (never run): not its stale last state, grey; before maintenance */
    struct view_target b = v->t[2];
    b.blocked = "host: the target carries credentials and host \"x\" is not in api.allow_hosts";
    s = render_badge_state(&b, NULL);
    assert_non_null(strstr(s, "<title>contoso-vp: blocked</title>"));
    assert_non_null(strstr(s, "fill=\"#9f9f9f\""));
    assert_null(strstr(s, "critical"));
    assert_null(strstr(s, "#c7130a"));
    free(s);
    b = v->t[5];
    b.blocked = "cacert: a file on the server cannot be set through the API";
    s = render_badge_state(&b, NULL);
    assert_non_null(strstr(s, "odd-labels: blocked"));
    assert_null(strstr(s, "#1f78d1"));
    free(s);
    s = render_badge_svg("a<b>&\"c'", "\x01x", "red", NULL);
    assert_non_null(strstr(s, "a&lt;b&gt;&amp;&quot;c&apos;:  x"));
    assert_non_null(strstr(s, "fill=\"#9f9f9f\"")); /* not #rrggbb: grey */
    assert_null(strchr(s, '\x01'));
    free(s);
}

static void no_secret(char *out, const char *what)
{
    if (out == NULL)
        fail_msg("%s rendered nothing", what);
    if (strstr(out, VIEWS_PASSWORD) != NULL)
        fail_msg("%s contains the password", what);
    free(out);
}

static void test_no_secret_anywhere(void **state)
{
    struct views *v = *state;
    for (size_t i = 0; i < VIEWS_N; i++)
        assert_string_equal(v->opts[i].password, VIEWS_PASSWORD);
    no_secret(render_api_targets(&v->svc, NULL), "targets");
    no_secret(render_api_status(&v->svc, VIEWS_NOW, NULL), "status");
    no_secret(render_api_text_list(&v->svc, NULL), "text list");
    no_secret(render_metrics(&v->svc, NULL), "metrics");
    struct alert_webhook_meta m = {"r", "http://x", "first notification", 0};
    for (size_t i = 0; i < VIEWS_N; i++) {
        const struct view_target *t = &v->t[i];
        no_secret(render_api_target(t, NULL), "target");
        no_secret(render_api_text_line(t, NULL), "text line");
        no_secret(render_sse_result(t, 1, NULL), "sse result");
        no_secret(render_sse_state(t, OA_STATE_OK, VIEWS_NOW, 2, NULL), "sse state");
        no_secret(render_metrics_probe(t->latest, 10, NULL), "probe");
        no_secret(render_badge_state(t, NULL), "state badge");
        no_secret(render_badge_uptime(t, VIEW_WINDOW_24H, NULL), "uptime badge");
        struct alert_item a = {.t = t, .severity = OA_STATE_CRITICAL,
                               .code = t->ncodes ? t->codes[0] : OA_DIAG__COUNT,
                               .starts_ms = VIEWS_NOW};
        no_secret(render_alert_postable(&a, 1, "http://x", NULL), "postable");
        no_secret(render_alert_webhook(&a, 1, &m, NULL), "webhook");
        a.resolved = 1;
        a.ends_ms = VIEWS_NOW;
        no_secret(render_alert_webhook(&a, 1, &m, NULL), "webhook resolved");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_labels_fingerprint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_postable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_badges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_secret_anywhere, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
