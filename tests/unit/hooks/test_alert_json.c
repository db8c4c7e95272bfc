/*
 * test_alert_json.c: the stored form of a firing alert (service/alert_json.c):
 * a round trip keeps what the next notifications are made of (severity,
 * code, starts, notified) and the target's identity; the saved identity
 * renders the same Alertmanager labels and fingerprint as the live target
 * (so a restored alert, or the resolution of a removed target, is the same
 * alert); bad records are refused with the field named; an unknown code
 * reads as none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "service/alert_json.h"
#include "web/render_alert.h"

#define T0 1796400000000ll

static const struct view_label LABELS[] = {{"team", "exchange"}, {"site", "hq \"north\""}};

static struct view_target target(void)
{
    struct view_target t = {0};
    t.name = "contoso-mail";
    t.host = "mail.contoso.com";
    t.location = "hq";
    t.depth = "tunnel";
    t.labels = LABELS;
    t.nlabels = 2;
    t.status = OA_STATE_CRITICAL;
    t.last_run_ms = T0;
    return t;
}

static struct alert_state firing(void)
{
    struct alert_state s = {0};
    s.firing = true;
    s.severity = OA_STATE_CRITICAL;
    s.code = OA_DIAG_TCP_REFUSED;
    s.starts_ms = T0;
    s.notified_ms = T0 + 3600000;
    s.am_pushed_ms = T0 + 3660000;
    return s;
}

static void fingerprint(const struct view_target *t, const struct alert_state *s, char out[17])
{
    struct alert_item a = {.t = t, .severity = s->severity, .code = s->code,
                           .starts_ms = s->starts_ms};
    json_t *l = render_alert_labels(&a);
    assert_non_null(l);
    assert_int_equal(render_alert_fingerprint(l, out), 0);
    json_decref(l);
}

static void test_round_trip(void **state)
{
    (void)state;
    struct view_target t = target();
    struct alert_state s = firing();
    char *json = alert_json_write(&s, &t, NULL);
    assert_non_null(json);
    assert_null(strstr(json, "am_pushed"));
    struct alert_state back;
    struct alert_saved saved;
    char err[200] = "";
    assert_int_equal(
        alert_json_read(json, "contoso-mail", &back, &saved, NULL, err, sizeof err), 0);
    assert_true(back.firing);
    assert_int_equal(back.severity, OA_STATE_CRITICAL);
    assert_int_equal(back.code, OA_DIAG_TCP_REFUSED);
    assert_int_equal(back.starts_ms, T0);
    assert_int_equal(back.notified_ms, T0 + 3600000);
    assert_int_equal(back.am_pushed_ms, 0); /* the first run after a restart re-sends */
    assert_int_equal(back.ends_ms, 0);
    assert_string_equal(saved.name, "contoso-mail");
    assert_string_equal(saved.host, "mail.contoso.com");
    assert_string_equal(saved.location, "hq");
    assert_int_equal(saved.nlabels, 2);
    /* the saved identity is the same alert: same labels, same fingerprint */
    char fa[17], fb[17];
    fingerprint(&t, &s, fa);
    struct view_target v;
    alert_saved_view(&saved, T0 + 7200000, &v);
    fingerprint(&v, &back, fb);
    assert_string_equal(fa, fb);
    assert_int_equal(v.status, OA_STATE_OK);
    assert_false(view_target_pending(&v));
    /* and it writes the same record again */
    char *again = alert_json_write(&back, &v, NULL);
    assert_non_null(again);
    assert_string_equal(json, again);
    free(again);
    alert_saved_clear(&saved);
    alert_saved_clear(&saved); /* twice is harmless */
    free(json);
}

static void test_no_code_no_location(void **state)
{
    (void)state;
    struct view_target t = target();
    t.location = "";
    t.labels = NULL;
    t.nlabels = 0;
    struct alert_state s = firing();
    s.code = OA_DIAG__COUNT;
    s.severity = OA_STATE_WARNING;
    char *json = alert_json_write(&s, &t, NULL);
    assert_non_null(json);
    struct alert_state back;
    struct alert_saved saved;
    assert_int_equal(alert_json_read(json, "x", &back, &saved, NULL, NULL, 0), 0);
    assert_int_equal(back.code, OA_DIAG__COUNT);
    assert_int_equal(back.severity, OA_STATE_WARNING);
    assert_null(saved.location);
    assert_int_equal(saved.nlabels, 0);
    alert_saved_clear(&saved);
    /* without saved */
    assert_int_equal(alert_json_read(json, "x", &back, NULL, NULL, NULL, 0), 0);
    free(json);
}

static void test_not_firing_not_written(void **state)
{
    (void)state;
    struct view_target t = target();
    struct alert_state s = {0};
    assert_null(alert_json_write(&s, &t, NULL));
    s = firing();
    s.severity = OA_STATE_OK;
    assert_null(alert_json_write(&s, &t, NULL));
    assert_null(alert_json_write(NULL, &t, NULL));
    s = firing();
    assert_null(alert_json_write(&s, NULL, NULL));
}

static void expect_bad(const char *json, const char *field)
{
    struct alert_state s;
    struct alert_saved saved;
    char err[200] = "";
    assert_int_equal(alert_json_read(json, "t1", &s, &saved, NULL, err, sizeof err), -1);
    if (strstr(err, field) == NULL || strstr(err, "t1") == NULL)
        fail_msg("%s: error '%s' does not name %s", json, err, field);
    assert_false(s.firing);
    assert_null(saved.name);
}

static void test_bad_records(void **state)
{
    (void)state;
    expect_bad("", "not a JSON object");
    expect_bad("[1]", "not a JSON object");
    expect_bad("{\"v\":3,\"severity\":\"critical\",\"starts\":1,\"notified\":1}", "v:");
    expect_bad("{\"severity\":\"critical\",\"starts\":1,\"notified\":1}", "v:");
    expect_bad("{\"v\":1,\"severity\":\"ok\",\"starts\":1,\"notified\":1}", "severity");
    expect_bad("{\"v\":1,\"severity\":\"nope\",\"starts\":1,\"notified\":1}", "severity");
    expect_bad("{\"v\":1,\"severity\":\"critical\",\"notified\":1}", "starts");
    expect_bad("{\"v\":1,\"severity\":\"critical\",\"starts\":-5,\"notified\":1}", "starts");
    expect_bad("{\"v\":1,\"severity\":\"critical\",\"starts\":\"1\",\"notified\":1}", "starts");
    expect_bad("{\"v\":1,\"severity\":\"critical\",\"starts\":5,\"notified\":4}", "notified");
    expect_bad("{\"v\":1,\"severity\":\"critical\",\"starts\":1,\"notified\":1,\"code\":7}",
               "code");
    expect_bad("{\"v\":1,\"severity\":\"critical\",\"starts\":1,\"notified\":1,\"labels\":[]}",
               "labels");
    expect_bad("{\"v\":1,\"severity\":\"critical\",\"starts\":1,\"notified\":1,"
               "\"labels\":{\"a\":1}}",
               "labels");
    expect_bad("{\"v\":1,\"v\":1,\"severity\":\"critical\",\"starts\":1,\"notified\":1}",
               "not a JSON object");
    /* more labels than a target can have */
    char big[2048] = "{\"v\":1,\"severity\":\"critical\",\"starts\":1,\"notified\":1,\"labels\":{";
    for (int i = 0; i <= ALERT_JSON_LABELS_MAX; i++)
        snprintf(big + strlen(big), sizeof big - strlen(big), "%s\"k%d\":\"v\"", i ? "," : "", i);
    strcat(big, "}}");
    expect_bad(big, "labels");
    struct alert_state s;
    assert_int_equal(alert_json_read(NULL, "t", &s, NULL, NULL, NULL, 0), -1);
}

static void test_unknown_code_reads_as_none(void **state)
{
    (void)state;
    struct alert_state s;
    char err[200] = "";
    assert_int_equal(alert_json_read("{\"v\":1,\"severity\":\"unknown\",\"starts\":10,"
                                     "\"notified\":20,\"code\":\"from_the_future\"}",
                                     "t", &s, NULL, NULL, err, sizeof err),
                     0);
    assert_true(s.firing);
    assert_int_equal(s.code, OA_DIAG__COUNT);
    assert_int_equal(s.severity, OA_STATE_UNKNOWN);
}

/* The restored state drives the machine as if there had been no restart:
 * no firing while still down, a reminder on the stored clock, one resolved. */
static void test_restored_state_machine(void **state)
{
    (void)state;
    struct view_target t = target();
    struct alert_state s = firing();
    char *json = alert_json_write(&s, &t, NULL);
    struct alert_state r;
    assert_int_equal(alert_json_read(json, "contoso-mail", &r, NULL, NULL, NULL, 0), 0);
    free(json);
    uint64_t remind = 2 * 3600000;
    /* an hour after the last notification: still down, no event, but
     * Alertmanager gets the alert again at once */
    struct alert_step st = alert_update(&r, OA_STATE_CRITICAL, OA_DIAG_TCP_REFUSED, false,
                                        remind, T0 + 2 * 3600000);
    assert_int_equal(st.event, ALERT_NONE);
    assert_true(st.am_push);
    assert_int_equal(r.starts_ms, T0);
    /* the reminder comes remind_every after the stored notification */
    st = alert_update(&r, OA_STATE_CRITICAL, OA_DIAG_TCP_REFUSED, false, remind,
                      T0 + 3600000 + remind - 1);
    assert_int_equal(st.event, ALERT_NONE);
    st = alert_update(&r, OA_STATE_CRITICAL, OA_DIAG_TCP_REFUSED, false, remind,
                      T0 + 3600000 + remind);
    assert_int_equal(st.event, ALERT_REMINDER);
    st = alert_update(&r, OA_STATE_OK, OA_DIAG__COUNT, false, remind, T0 + 4 * 3600000);
    assert_int_equal(st.event, ALERT_RESOLVED);
    st = alert_update(&r, OA_STATE_OK, OA_DIAG__COUNT, false, remind, T0 + 5 * 3600000);
    assert_int_equal(st.event, ALERT_NONE);
}

/* What an alert still owes (alert_outbox.c): keys, set, strike off, and
 * what the store should hold. */
static void test_outbox(void **state)
{
    (void)state;
    char key[ALERT_HOOK_KEY_MAX];
    assert_int_equal(alert_hook_key(key, sizeof key, "webhook", "chat"), 0);
    assert_string_equal(key, "webhook:chat");
    assert_int_equal(alert_hook_key(key, 8, "webhook", "chat"), -1);
    assert_int_equal(alert_hook_key(key, sizeof key, NULL, "chat"), -1);
    struct alert_pending p = {0};
    struct alert_state s = firing();
    assert_int_equal(alert_record_of(&s, &p), ALERT_RECORD_PUT);
    const char *keys[] = {"webhook:chat", "exec:page", "webhook:chat",
                          "alertmanager:alertmanager0"};
    assert_int_equal(alert_pending_set(&p, ALERT_RESOLVED, keys, 4), 0);
    assert_int_equal(p.n, 3); /* the duplicate once */
    assert_int_equal(p.event, ALERT_RESOLVED);
    s.firing = false;
    assert_int_equal(alert_record_of(&s, &p), ALERT_RECORD_PUT); /* a resolution owed */
    assert_true(alert_pending_has(&p, "exec:page"));
    assert_false(alert_pending_done(&p, "exec:other"));
    assert_true(alert_pending_done(&p, "exec:page"));
    assert_false(alert_pending_done(&p, "exec:page")); /* once */
    assert_false(alert_pending_has(&p, "exec:page"));
    assert_true(alert_pending_done(&p, "webhook:chat"));
    assert_int_equal(p.event, ALERT_RESOLVED);
    assert_true(alert_pending_done(&p, "alertmanager:alertmanager0"));
    assert_int_equal(p.n, 0);
    assert_int_equal(p.event, ALERT_NONE); /* nothing owed */
    assert_int_equal(alert_record_of(&s, &p), ALERT_RECORD_NONE);
    assert_int_equal(alert_record_of(&s, NULL), ALERT_RECORD_NONE);
    /* nothing to owe, too many, a key too long: empty */
    assert_int_equal(alert_pending_set(&p, ALERT_NONE, keys, 2), 0);
    assert_int_equal(p.n, 0);
    assert_int_equal(alert_pending_set(&p, ALERT_FIRING, keys, 0), 0);
    assert_int_equal(p.event, ALERT_NONE);
    assert_int_equal(alert_pending_set(&p, ALERT_FIRING, keys, ALERT_PENDING_MAX + 1), -1);
    char longkey[ALERT_HOOK_KEY_MAX + 1];
    memset(longkey, 'a', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    const char *bad[] = {"webhook:chat", longkey};
    assert_int_equal(alert_pending_set(&p, ALERT_FIRING, bad, 2), -1);
    assert_int_equal(p.n, 0);
    assert_int_equal(p.event, ALERT_NONE);
    alert_pending_clear(&p);
    alert_pending_clear(NULL);
}

/* A firing record that still owes its firing to two hooks, and a resolved
 * one that owes its resolution: read back as written, the resolution with
 * its endsAt; nothing owed and not firing: no record. */
static void test_pending_round_trip(void **state)
{
    (void)state;
    struct view_target t = target();
    struct alert_state s = firing();
    struct alert_pending p = {0};
    const char *keys[] = {"webhook:chat", "exec:page"};
    assert_int_equal(alert_pending_set(&p, ALERT_FIRING, keys, 2), 0);
    char *json = alert_json_write(&s, &t, &p);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"v\":2"));
    assert_non_null(strstr(json, "\"firing\":true"));
    assert_non_null(strstr(json, "\"pending\":{\"event\":\"firing\",\"to\":[\"webhook:chat\","
                                 "\"exec:page\"]}"));
    struct alert_state back;
    struct alert_pending pb = {0};
    assert_int_equal(alert_json_read(json, "contoso-mail", &back, NULL, &pb, NULL, 0), 0);
    assert_true(back.firing);
    assert_int_equal(pb.event, ALERT_FIRING);
    assert_int_equal(pb.n, 2);
    assert_true(alert_pending_has(&pb, "exec:page"));
    free(json);
    /* resolved, the resolution owed to one hook */
    struct alert_step st = alert_update(&s, OA_STATE_OK, OA_DIAG__COUNT, false, 0, T0 + 7200000);
    assert_int_equal(st.event, ALERT_RESOLVED);
    const char *one[] = {"webhook:chat"};
    assert_int_equal(alert_pending_set(&p, ALERT_RESOLVED, one, 1), 0);
    json = alert_json_write(&s, &t, &p);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"firing\":false"));
    assert_non_null(strstr(json, "\"ends\":1796407200000"));
    struct alert_saved saved;
    assert_int_equal(alert_json_read(json, "contoso-mail", &back, &saved, &pb, NULL, 0), 0);
    assert_false(back.firing);
    assert_int_equal(back.ends_ms, T0 + 7200000);
    assert_int_equal(back.starts_ms, T0);
    assert_int_equal(back.severity, OA_STATE_CRITICAL);
    assert_int_equal(pb.event, ALERT_RESOLVED);
    assert_int_equal(pb.n, 1);
    /* the resolution rendered from the record is the same alert */
    char fa[17], fb[17];
    fingerprint(&t, &s, fa);
    struct view_target v;
    alert_saved_view(&saved, T0 + 9000000, &v);
    fingerprint(&v, &back, fb);
    assert_string_equal(fa, fb);
    free(json);
    alert_saved_clear(&saved);
    /* delivered everywhere: no record is due */
    assert_true(alert_pending_done(&p, "webhook:chat"));
    assert_null(alert_json_write(&s, &t, &p));
    /* a resolved state owing a firing is not a record */
    assert_int_equal(alert_pending_set(&p, ALERT_FIRING, one, 1), 0);
    assert_null(alert_json_write(&s, &t, &p));
    alert_pending_clear(&p);
    alert_pending_clear(&pb);
}

/* alert_saved_from_view copies a view, its own view included. */
static void test_saved_from_view(void **state)
{
    (void)state;
    struct view_target t = target();
    struct alert_saved saved = {0};
    assert_int_equal(alert_saved_from_view(&saved, &t), 0);
    struct view_target v;
    alert_saved_view(&saved, T0, &v);
    assert_int_equal(alert_saved_from_view(&saved, &v), 0); /* aliasing */
    assert_string_equal(saved.name, "contoso-mail");
    assert_string_equal(saved.location, "hq");
    assert_int_equal(saved.nlabels, 2);
    assert_string_equal(saved.labels[1].value, "hq \"north\"");
    assert_int_equal(alert_saved_from_view(&saved, NULL), -1);
    assert_null(saved.name);
}

static void test_bad_v2_records(void **state)
{
    (void)state;
#define V2 "{\"v\":2,\"severity\":\"critical\",\"starts\":10,\"notified\":10"
    expect_bad(V2 "}", "firing");
    expect_bad(V2 ",\"firing\":1}", "firing");
    expect_bad(V2 ",\"firing\":false,\"pending\":{\"event\":\"resolved\",\"to\":[\"a:b\"]}}",
               "ends");
    expect_bad(V2 ",\"firing\":false,\"ends\":5,"
                  "\"pending\":{\"event\":\"resolved\",\"to\":[\"a:b\"]}}",
               "ends");
    expect_bad(V2 ",\"firing\":false,\"ends\":20}", "pending");
    expect_bad(V2 ",\"firing\":false,\"ends\":20,"
                  "\"pending\":{\"event\":\"firing\",\"to\":[\"a:b\"]}}",
               "pending.event");
    expect_bad(V2 ",\"firing\":true,\"pending\":{\"event\":\"resolved\",\"to\":[\"a:b\"]}}",
               "pending.event");
    expect_bad(V2 ",\"firing\":true,\"pending\":{\"event\":\"page\",\"to\":[\"a:b\"]}}",
               "pending.event");
    expect_bad(V2 ",\"firing\":true,\"pending\":[]}", "pending.event");
    expect_bad(V2 ",\"firing\":true,\"pending\":{\"event\":\"firing\",\"to\":[]}}",
               "pending.to");
    expect_bad(V2 ",\"firing\":true,\"pending\":{\"event\":\"firing\",\"to\":[\"ab\"]}}",
               "pending.to");
    expect_bad(V2 ",\"firing\":true,\"pending\":{\"event\":\"firing\",\"to\":[7]}}",
               "pending.to");
    expect_bad("{\"v\":1,\"severity\":\"critical\",\"starts\":10,\"notified\":10,"
               "\"pending\":{\"event\":\"firing\",\"to\":[\"a:b\"]}}",
               "pending");
#undef V2
    /* a version 1 record reads as firing, nothing owed */
    struct alert_state s;
    struct alert_pending p = {0};
    assert_int_equal(alert_json_read("{\"v\":1,\"severity\":\"warning\",\"starts\":10,"
                                     "\"notified\":20}",
                                     "t", &s, NULL, &p, NULL, 0),
                     0);
    assert_true(s.firing);
    assert_int_equal(p.event, ALERT_NONE);
    assert_int_equal(p.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_no_code_no_location),
        cmocka_unit_test(test_not_firing_not_written),
        cmocka_unit_test(test_bad_records),
        cmocka_unit_test(test_unknown_code_reads_as_none),
        cmocka_unit_test(test_restored_state_machine),
        cmocka_unit_test(test_outbox),
        cmocka_unit_test(test_pending_round_trip),
        cmocka_unit_test(test_saved_from_view),
        cmocka_unit_test(test_bad_v2_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
