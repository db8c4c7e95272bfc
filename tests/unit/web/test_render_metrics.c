/*
 * test_render_metrics.c: the /metrics and /probe expositions of the sample
 * view: exact sample lines, one # HELP/# TYPE per family before its samples
 * and families never split, label name sanitising and value escaping, the
 * histogram, what a pending or restored target has, and that no free text
 * (messages, remedies) becomes a label. promtool checks the same output in
 * tests/integration/prometheus.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "views.h"
#include "web/render_metrics.h"

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

static void has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return;
    fail_msg("line not found: %s", line);
}

static void lacks(const char *text, const char *what)
{
    if (strstr(text, what) != NULL)
        fail_msg("unexpected: %s", what);
}

/* Every sample belongs to the family of the last # TYPE; no family twice;
 * # HELP right before # TYPE. Returns the number of families. */
static size_t check_grouping(const char *text)
{
    char fams[128][128];
    size_t nf = 0;
    char cur[128] = "", type[32] = "", help_of[128] = "";
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        assert_non_null(eol); /* every line ends in \n */
        char line[8192];
        size_t n = (size_t)(eol - p);
        assert_true(n < sizeof line);
        memcpy(line, p, n);
        line[n] = '\0';
        p = eol + 1;
        if (strncmp(line, "# HELP ", 7) == 0) {
            assert_int_equal(sscanf(line + 7, "%127s", help_of), 1);
        } else if (strncmp(line, "# TYPE ", 7) == 0) {
            assert_int_equal(sscanf(line + 7, "%127s %31s", cur, type), 2);
            assert_string_equal(help_of, cur);
            for (size_t i = 0; i < nf; i++)
                if (strcmp(fams[i], cur) == 0)
                    fail_msg("family %s appears twice", cur);
            assert_true(nf < 128);
            memcpy(fams[nf++], cur, sizeof cur);
        } else {
            assert_true(line[0] != '#' && line[0] != '\0');
            char name[128];
            size_t k = strcspn(line, "{ ");
            assert_true(k < sizeof name && k > 0);
            memcpy(name, line, k);
            name[k] = '\0';
            if (strcmp(type, "histogram") == 0) {
                size_t cl = strlen(cur);
                assert_memory_equal(name, cur, cl);
                assert_true(strcmp(name + cl, "_bucket") == 0 || strcmp(name + cl, "_sum") == 0 ||
                            strcmp(name + cl, "_count") == 0);
            } else {
                assert_string_equal(name, cur);
            }
        }
    }
    return nf;
}

static void test_label_names(void **unused)
{
    (void)unused;
    char out[64];
    static const char *const cases[][2] = {
        {"site", "site"},          {"site-name", "site_name"}, {"9lives", "_9lives"},
        {"target", "label_target"}, {"le", "label_le"},        {"__x", "label___x"},
        {"_x", "_x"},              {"\xc3\xbc", "__"},         {"a.b c", "a_b_c"},
        {"Job", "Job"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(cases[i][0], "\xc3\xbc") == 0) {
            /* two bytes -> "__", then the reserved-prefix rule */
            assert_true(render_metrics_label_name(cases[i][0], out, sizeof out) > 0);
            assert_string_equal(out, "label___");
            continue;
        }
        assert_true(render_metrics_label_name(cases[i][0], out, sizeof out) > 0);
        assert_string_equal(out, cases[i][1]);
    }
    assert_int_equal(render_metrics_label_name("", out, sizeof out), 0);
    assert_int_equal(render_metrics_label_name(NULL, out, sizeof out), 0);
    assert_int_equal(render_metrics_label_name("abcdefghijkl", out, 8), 0);
}

static void test_metrics(void **state)
{
    struct views *v = *state;
    size_t len = 0;
    char *m = render_metrics(&v->svc, &len);
    assert_non_null(m);
    assert_int_equal(len, strlen(m));
    size_t nf = check_grouping(m);
    assert_true(nf >= 25);

    const char *l0 = "target=\"contoso-mail\",location=\"fra1\",site=\"hq\",phase=\"cutover\"";
    char line[1024];
#define LINE(...) (snprintf(line, sizeof line, __VA_ARGS__), line)
    has_line(m, LINE("probe_success{%s} 1", l0));
    has_line(m, LINE("probe_duration_seconds{%s} 0.184250", l0));
    has_line(m, LINE("probe_dns_lookup_time_seconds{%s} 0.002100", l0));
    has_line(m, LINE("probe_http_status_code{%s} 200", l0));
    has_line(m, LINE("probe_ssl_earliest_cert_expiry{%s} 1782864000", l0));
    has_line(m, LINE("probe_tls_version_info{%s,version=\"TLS 1.2\"} 1", l0));
    has_line(m, LINE("probe_tls_cipher_info{%s,cipher=\"ECDHE-RSA-AES256-GCM-SHA384\"} 1", l0));
    has_line(m, LINE("oaprobe_step_duration_seconds{%s,step=\"tunnel\",server=\"EXCH01\","
                     "port=\"6004\"} 0.043000", l0));
    has_line(m, LINE("oaprobe_bind_success{%s,server=\"EXCH01\",port=\"6002\"} 1", l0));
    has_line(m, LINE("oaprobe_runs_total{%s,status=\"ok\"} 103", l0));
    has_line(m, LINE("oaprobe_uptime_ratio{%s,window=\"7d\"} 0.99821", l0));
    has_line(m, LINE("oaprobe_target_status{%s} 0", l0));
    /* warning is still a success; expiring certificate shows in the code */
    has_line(m, "probe_success{target=\"fabrikam-cert\",location=\"fra1\"} 1");
    has_line(m, "probe_tls_version_info{target=\"fabrikam-cert\",location=\"fra1\","
                "version=\"TLS 1.0\"} 1");
    has_line(m, "oaprobe_diagnosis{target=\"fabrikam-cert\",location=\"fra1\","
                "code=\"cert_expiring\"} 1");
    has_line(m, "oaprobe_target_status{target=\"fabrikam-cert\",location=\"fra1\"} 1");
    /* ValidPorts gap */
    const char *l2 = "target=\"contoso-vp\",location=\"ams1\",site=\"ams\"";
    has_line(m, LINE("probe_success{%s} 0", l2));
    has_line(m, LINE("oaprobe_diagnosis{%s,code=\"validports_missing_entry\"} 1", l2));
    has_line(m, LINE("oaprobe_tunnel_success{%s,server=\"exch01.contoso.local\",port=\"6001\"} 0",
                     l2));
    has_line(m, LINE("oaprobe_tunnel_success{%s,server=\"EXCH01\",port=\"6001\"} 1", l2));
    has_line(m, LINE("oaprobe_overruns_total{%s} 1", l2));
    /* backend down */
    has_line(m, "oaprobe_diagnosis{target=\"tailspin-backend\",code=\"backend_unreachable\"} 1");
    has_line(m, "oaprobe_tunnel_success{target=\"tailspin-backend\",server=\"EXCH02\","
                "port=\"6004\"} 0");
    has_line(m, "oaprobe_consecutive_failures{target=\"tailspin-backend\"} 120");
    lacks(m, "oaprobe_bind_success{target=\"tailspin-backend\""); /* binds skipped */

    /* pending: counters and flags, no probe_* and no status */
    lacks(m, "probe_success{target=\"many-labels\"");
    lacks(m, "oaprobe_target_status{target=\"many-labels\"");
    assert_non_null(strstr(m, "oaprobe_runs_total{target=\"many-labels\",location=\"fra1\","
                              "label_00=\"value-0\","));
    assert_non_null(strstr(m, "label_19=\"value-133\",status=\"unknown\"} 0\n"));

    /* odd labels: sanitised names, escaped values, restored: no step series */
    const char *l5 =
        "target=\"odd-labels\",location=\"ams1\",site_name=\"a \\\"quoted\\\" value\","
        "path=\"C:\\\\Program Files\\\\Exchange\\\\\",note=\"line one\\nline two\","
        "ville=\"Z\xc3\xbcrich \xe2\x80\x93 \xe6\x9d\xb1\xe4\xba\xac\","
        "_9lives=\"starts with a digit\",label_target=\"clashes with the target label\","
        "label___meta=\"reserved prefix\",label___ml=\"non-ASCII name\","
        "bad=\"invalid ? utf-8\"";
    has_line(m, LINE("probe_success{%s} 0", l5));
    has_line(m, LINE("probe_duration_seconds{%s} 2.412000", l5));
    has_line(m, LINE("oaprobe_diagnosis{%s,code=\"backend_unreachable\"} 1", l5));
    has_line(m, LINE("oaprobe_maintenance{%s} 1", l5));
    lacks(m, "oaprobe_step_duration_seconds{target=\"odd-labels\"");

    /* service families */
    has_line(m, "oaprobe_schedule_lag_seconds_bucket{le=\"0.001\"} 1");
    has_line(m, "oaprobe_schedule_lag_seconds_bucket{le=\"0.005\"} 3");
    has_line(m, "oaprobe_schedule_lag_seconds_bucket{le=\"0.5\"} 5");
    has_line(m, "oaprobe_schedule_lag_seconds_bucket{le=\"10\"} 5");
    has_line(m, "oaprobe_schedule_lag_seconds_bucket{le=\"+Inf\"} 6");
    has_line(m, "oaprobe_schedule_lag_seconds_count 6");
    has_line(m, "oaprobe_schedule_lag_seconds_sum 12.8176");
    has_line(m, "oaprobe_config_last_reload_successful 1");
    has_line(m, "oaprobe_config_reload_restart_required 0");
    has_line(m, "oaprobe_config_last_reload_success_timestamp_seconds 1763686400.000");
    has_line(m, "oaprobe_hook_deliveries_total{kind=\"webhook\",outcome=\"retry\"} 2");
    has_line(m, "oaprobe_hook_deliveries_total{kind=\"exec\",outcome=\"dropped\"} 0");
    has_line(m, "oaprobe_adhoc_probes_total{outcome=\"success\"} 7");
    has_line(m, "oaprobe_adhoc_probes_total{outcome=\"failure\"} 0");
    has_line(m, "oaprobe_adhoc_probes_total{outcome=\"refused\"} 3");
    has_line(m, "oaprobe_adhoc_probes_total{outcome=\"cancelled\"} 0");
    has_line(m, "oaprobe_adhoc_probes_total{outcome=\"forbidden\"} 5");
    has_line(m, "oaprobe_adhoc_probes_max 8");
    has_line(m, "oaprobe_adhoc_probes_in_flight 2");
    has_line(m, "oaprobe_checks_max 512");
    has_line(m, "oaprobe_checks_in_flight 37");
    has_line(m, "oaprobe_checks_queued 4");
    has_line(m, "oaprobe_store_dropped_writes_total{kind=\"run\"} 12");
    has_line(m, "oaprobe_store_dropped_writes_total{kind=\"incident\"} 1");
    has_line(m, "oaprobe_store_dropped_writes_total{kind=\"retention\"} 0");
    has_line(m, "oaprobe_store_queue_items 3");
    has_line(m, "oaprobe_store_queue_capacity_items 4096");
    has_line(m, "oaprobe_store_queue_bytes 9000");
    has_line(m, "oaprobe_store_queue_capacity_bytes 67108864");
    has_line(m, "oaprobe_kerberos_workers 2");
    has_line(m, "oaprobe_kerberos_workers_max 8");
    has_line(m, "oaprobe_kerberos_workers_peak 5");
    has_line(m, "oaprobe_kerberos_queue_length 3");
    has_line(m, "# TYPE oaprobe_kerberos_acquisitions_total counter");
    has_line(m, "oaprobe_kerberos_acquisitions_total{outcome=\"ok\"} 41");
    has_line(m, "oaprobe_kerberos_acquisitions_total{outcome=\"rejected\"} 2");
    has_line(m, "oaprobe_kerberos_acquisitions_total{outcome=\"error\"} 0");
    has_line(m, "oaprobe_kerberos_tgts_acquired_total 6");
    has_line(m, "oaprobe_trust_store_loads_total 11");
    has_line(m, "# TYPE oaprobe_tls_handshakes_total counter");
    has_line(m, "oaprobe_tls_handshakes_total{session=\"resumed\"} 4180");
    has_line(m, "oaprobe_tls_handshakes_total{session=\"full\"} 311");
    has_line(m, "oaprobe_tls_session_cache_targets 8");
    has_line(m, "oaprobe_tls_session_cache_targets_max 8");
    has_line(m, "oaprobe_tls_session_cache_refused_total 92");
    has_line(m, "oaprobe_build_info{version=\"0.1.0\"} 1");
#undef LINE

    /* never free text, never a secret */
    lacks(m, "ValidPorts has no entry");
    lacks(m, "remedy");
    lacks(m, "Unauthorized");
    lacks(m, VIEWS_PASSWORD);
    lacks(m, "svc-oaprobe");
    free(m);

    /* a blocked API target: no current series (no stale probe_success),
     * oaprobe_target_blocked 1; the others have none */
    struct view_target *tb = NULL;
    for (size_t i = 0; i < VIEWS_N; i++)
        if (strcmp(v->t[i].name, "tailspin-backend") == 0)
            tb = &v->t[i];
    assert_non_null(tb);
    tb->blocked = "host: the target carries credentials and host \"x\" is not in "
                  "api.allow_hosts";
    m = render_metrics(&v->svc, NULL);
    assert_non_null(m);
    check_grouping(m);
    has_line(m, "# TYPE oaprobe_target_blocked gauge");
    has_line(m, "oaprobe_target_blocked{target=\"tailspin-backend\"} 1");
    const char *first = strstr(m, "oaprobe_target_blocked{");
    assert_non_null(first);
    assert_null(strstr(first + 1, "oaprobe_target_blocked{")); /* only the blocked one */
    lacks(m, "probe_success{target=\"tailspin-backend\"");
    lacks(m, "oaprobe_diagnosis{target=\"tailspin-backend\"");
    lacks(m, "oaprobe_target_status{target=\"tailspin-backend\"");
    lacks(m, "oaprobe_tunnel_success{target=\"tailspin-backend\"");
    lacks(m, "api.allow_hosts\""); /* the reason is no label */
    has_line(m, "oaprobe_consecutive_failures{target=\"tailspin-backend\"} 120");
    has_line(m, "probe_success{target=\"fabrikam-cert\",location=\"fra1\"} 1");
    tb->blocked = NULL;
    free(m);

    struct view_service empty = {0};
    m = render_metrics(&empty, NULL);
    assert_non_null(m);
    check_grouping(m);
    has_line(m, "oaprobe_build_info{version=\"unknown\"} 1");
    lacks(m, "probe_success");
    lacks(m, "oaprobe_checks_max"); /* no scheduler: no caps to show */
    lacks(m, "oaprobe_adhoc_probes_max");
    lacks(m, "oaprobe_store_");     /* no store writer */
    lacks(m, "oaprobe_kerberos_");  /* no check engine */
    lacks(m, "oaprobe_tls_");
    free(m);
    assert_null(render_metrics(NULL, NULL));
}

static void test_probe(void **state)
{
    struct views *v = *state;
    char *m = render_metrics_probe(v->t[2].latest, 9.5, NULL);
    assert_non_null(m);
    check_grouping(m);
    has_line(m, "probe_success 0");
    has_line(m, "probe_duration_seconds 1.234567");
    has_line(m, "probe_timeout_seconds 9.5");
    has_line(m, "oaprobe_diagnosis{code=\"validports_missing_entry\"} 1");
    has_line(m, "oaprobe_diagnosis{code=\"cert_expiring\"} 1");
    has_line(m, "oaprobe_tunnel_success{server=\"exch01.contoso.local\",port=\"6001\"} 0");
    has_line(m, "oaprobe_step_duration_seconds{step=\"dns\",server=\"mail.contoso.com\"} 0.012000");
    lacks(m, "target=");
    lacks(m, "oaprobe_runs_total");
    /* no chain_not_after in this record: no expiry series (not invented) */
    lacks(m, "probe_ssl_earliest_cert_expiry");
    lacks(m, "probe_ssl_last_chain_expiry_timestamp_seconds");
    free(m);

    m = render_metrics_probe(NULL, 14.5, NULL);
    assert_string_equal(m,
                        "# HELP probe_success Displays whether or not the probe was a success\n"
                        "# TYPE probe_success gauge\n"
                        "probe_success 0\n"
                        "# HELP probe_duration_seconds Returns how long the probe took to "
                        "complete in seconds\n"
                        "# TYPE probe_duration_seconds gauge\n"
                        "probe_duration_seconds 0.000000\n"
                        "# HELP probe_timeout_seconds Returns how long the probe timeout is in "
                        "seconds\n"
                        "# TYPE probe_timeout_seconds gauge\n"
                        "probe_timeout_seconds 14.5\n");
    free(m);

    /* http mode (no TLS step), an IPv6 address, a failed connect */
    struct oa_result *r = oa_result_new("h", VIEWS_NOW);
    assert_non_null(r);
    struct oa_step *st = oa_result_add_step(r, OA_STEP_DNS, NULL, 0);
    oa_step_finish(st, OA_STATE_OK, 1000);
    oa_step_add_str(r, st, OA_DETAIL_ADDRESS, "::1");
    st = oa_result_add_step(r, OA_STEP_TCP, NULL, 80);
    oa_step_finish(st, OA_STATE_CRITICAL, 2000);
    st = oa_result_add_step(r, OA_STEP_ECHO_UNAUTH, NULL, 0);
    oa_step_finish(st, OA_STATE_SKIPPED, 0);
    oa_result_add_diag(r, OA_DIAG_TCP_REFUSED, OA_STEP_TCP, NULL, 80, "refused");
    m = render_metrics_probe(r, 1, NULL);
    has_line(m, "probe_ip_protocol 6");
    has_line(m, "probe_http_ssl 0");
    has_line(m, "oaprobe_diagnosis{code=\"tcp_refused\"} 1");
    lacks(m, "probe_http_status_code"); /* no echo ran */
    lacks(m, "step=\"echo_unauth\"");
    free(m);
    oa_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_names),
        cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
