/*
 * test_render_probe.c: the profile an ad-hoc /probe ran with (every option
 * of the vocabulary it shows, the password source and the keytab as
 * <secret> even when the options carry a password, values quoted and
 * control bytes replaced) and the debug text's sections in blackbox's
 * order, with and without a result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web/render_probe.h"

#define PASSWORD "Pr0be-S3cret!"

static void has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return;
    fail_msg("line not found: %s\nin:\n%s", line, text);
}

static void test_profile(void **state)
{
    (void)state;
    struct check_opts o = {
        .host = "mail.contoso.com:8443",
        .servers = {"EXCH01", "exch01.contoso.com"},
        .n_servers = 2,
        .ports = {6001, 6004},
        .n_ports = 2,
        .user = "CONTOSO\\probe",
        .password = PASSWORD,
        .auth = CHECK_AUTH_NEGOTIATE,
        .keytab = "/etc/oaprobe/probe.keytab",
        .resolve = {"mail.contoso.com:8443:10.0.0.5"},
        .n_resolve = 1,
        .cacert = "/etc/ssl/corp.pem",
        .timeout_ms = 2500,
    };
    struct render_probe_profile p = {"tunnel", NULL, &o, "password_file"};
    char *t = render_probe_profile(&p);
    assert_non_null(t);
    has_line(t, "module: tunnel");
    has_line(t, "host: 'mail.contoso.com:8443'");
    has_line(t, "depth: tunnel");
    has_line(t, "auth: negotiate");
    has_line(t, "user: 'CONTOSO\\probe'");
    has_line(t, "password_file: <secret>");
    has_line(t, "keytab: <secret>");
    has_line(t, "  - EXCH01");
    has_line(t, "ports: [6001, 6004]");
    has_line(t, "  - 'mail.contoso.com:8443:10.0.0.5'");
    has_line(t, "cacert: /etc/ssl/corp.pem");
    has_line(t, "insecure: false");
    has_line(t, "timeout: 2.500s");
    has_line(t, "cert_warn_days: 14");
    assert_null(strstr(t, PASSWORD));
    assert_null(strstr(t, "probe.keytab"));
    free(t);

    /* a target, no password, a control byte in a value */
    struct check_opts o2 = {.host = "a\x01"
                                    "b",
                            .http = true};
    struct render_probe_profile p2 = {NULL, "contoso-mail", &o2, NULL};
    t = render_probe_profile(&p2);
    assert_non_null(t);
    has_line(t, "target: contoso-mail");
    has_line(t, "host: a?b");
    has_line(t, "http: true");
    has_line(t, "timeout: 15.000s");
    assert_null(strstr(t, "password"));
    assert_null(strstr(t, "keytab"));
    free(t);

    t = render_probe_profile(NULL);
    assert_string_equal(t, "(unknown)\n");
    free(t);
}

static void test_debug(void **state)
{
    (void)state;
    struct oa_result *r = oa_result_new("mail.contoso.com", 1796508000000ll);
    assert_non_null(r);
    oa_result_add_diag(r, OA_DIAG_TIMEOUT, OA_STEP_NONE, NULL, 0, "stopped at the deadline");
    size_t len = 0;
    char *t = render_probe_debug("[ 0 ms] one\n[ 1 ms] two", r, NULL, "probe_success 0\n",
                                 "module: tunnel\n", &len);
    assert_non_null(t);
    assert_int_equal(len, strlen(t));
    const char *logs = strstr(t, "Logs for the probe:\n[ 0 ms] one\n[ 1 ms] two\n");
    const char *res = strstr(t, "\nResult:\n");
    const char *met = strstr(t, "\nMetrics that would have been returned:\nprobe_success 0\n");
    const char *mod = strstr(t, "\nModule configuration:\nmodule: tunnel\n");
    assert_true(logs == t && res > logs && met > res && mod > met);
    assert_non_null(strstr(t, "stopped at the deadline"));
    free(t);
    oa_result_free(r);

    t = render_probe_debug(NULL, NULL, "the service stopped", "probe_success 0\n", NULL, NULL);
    assert_non_null(t);
    assert_non_null(strstr(t, "Logs for the probe:\n(no result: the service stopped)\n"));
    assert_non_null(strstr(t, "Module configuration:\n(unknown)\n"));
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile),
        cmocka_unit_test(test_debug),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
