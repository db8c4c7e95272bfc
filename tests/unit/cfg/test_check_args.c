/*
 * test_check_args.c: the `oaprobe check` command line: every option in both
 * spellings, defaults, and every error (unknown option, missing or bad
 * value, bad port list, two HOSTs, no HOST, a password on the command line).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probes/check/check_args.h"

#define ARGV(...) ((char *const[]){"check", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((const char *[]){"check", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(a, err, ...)                                                                         \
    check_args_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), a, err, sizeof err)

static void test_defaults(void **state)
{
    (void)state;
    struct check_args a;
    char err[256] = "";
    assert_int_equal(PARSE(&a, err, "mail.contoso.com"), CHECK_ARGS_OK);
    assert_string_equal(a.opts.host, "mail.contoso.com");
    assert_int_equal(a.opts.auth, CHECK_AUTH_NTLM);
    assert_int_equal(a.opts.n_ports, 0); /* the engine's default 6001,6002,6004 */
    assert_int_equal(a.opts.timeout_ms, 15000);
    assert_int_equal(a.opts.cert_warn_days, 14);
    assert_int_equal(a.opts.n_servers, 0);
    assert_false(a.json);
    assert_false(a.opts.insecure);
    assert_null(a.opts.password);
    assert_int_equal(a.opts.depth, CHECK_DEPTH_TUNNEL);
    assert_int_equal(PARSE(&a, err, "--depth", "echo", "h"), CHECK_ARGS_OK);
    assert_int_equal(a.opts.depth, CHECK_DEPTH_ECHO);
    assert_int_equal(PARSE(&a, err, "--depth=tls", "h"), CHECK_ARGS_OK);
    assert_int_equal(a.opts.depth, CHECK_DEPTH_TLS);
}

static void test_everything(void **state)
{
    (void)state;
    struct check_args a;
    char err[256] = "";
    int rc = PARSE(&a, err, "--server", "EXCH01", "--server=exch01.contoso.local", "--ports",
                   "6001,6004", "--user", "CONTOSO\\probe", "--password-file", "/run/pw",
                   "--auth=negotiate", "--keytab", "/etc/probe.keytab", "--resolve",
                   "mail.contoso.com:443:192.0.2.7", "--resolve=mail.contoso.com:80:[2001:db8::1]",
                   "--cacert", "/etc/ca.pem", "--insecure", "--http", "--direct-ports", "--timeout",
                   "2.5", "--cert-warn-days=30", "--json", "-vv", "mail.contoso.com");
    assert_int_equal(rc, CHECK_ARGS_OK);
    assert_int_equal(a.opts.n_servers, 2);
    assert_string_equal(a.opts.servers[1], "exch01.contoso.local");
    assert_int_equal(a.opts.n_ports, 2);
    assert_int_equal(a.opts.ports[1], 6004);
    assert_string_equal(a.opts.user, "CONTOSO\\probe");
    assert_string_equal(a.password_file, "/run/pw");
    assert_int_equal(a.opts.auth, CHECK_AUTH_NEGOTIATE);
    assert_string_equal(a.opts.keytab, "/etc/probe.keytab");
    assert_int_equal(a.opts.n_resolve, 2);
    assert_string_equal(a.opts.cacert, "/etc/ca.pem");
    assert_string_equal(a.cacert_file, "/etc/ca.pem");
    assert_true(a.opts.insecure && a.opts.http && a.opts.direct_ports && a.json);
    assert_int_equal(a.opts.timeout_ms, 2500);
    assert_int_equal(a.opts.cert_warn_days, 30);
    assert_int_equal(a.opts.verbose, 2);
}

static void test_help(void **state)
{
    (void)state;
    struct check_args a;
    char err[256] = "";
    assert_int_equal(PARSE(&a, err, "--help"), CHECK_ARGS_HELP);
    assert_int_equal(PARSE(&a, err, "-h", "--bogus-after-help-is-still-an-error"),
                     CHECK_ARGS_ERROR);
    assert_int_equal(PARSE(&a, err, "host", "-h"), CHECK_ARGS_HELP);
    assert_non_null(strstr(check_args_usage(), "--password-file"));
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *argv[6];
        const char *needle;
    } cases[] = {
        {{"--bogus", "h"}, "unknown option '--bogus'"},
        {{"-x", "h"}, "unknown option '-x'"},
        {{"h", "--server"}, "--server needs a value"},
        {{"--server", "bad name", "h"}, "bad server name"},
        {{"--server", "a/b", "h"}, "bad server name"},
        {{"--ports", "6001,,6004", "h"}, "bad port list"},
        {{"--ports", "0", "h"}, "bad port list"},
        {{"--ports", "65536", "h"}, "bad port list"},
        {{"--ports", "6001,6001", "h"}, "bad port list"},
        {{"--ports", "6001,x", "h"}, "bad port list"},
        {{"--ports", "", "h"}, "bad port list"},
        {{"--ports", "1,2,3,4,5,6,7,8,9", "h"}, "bad port list"},
        {{"--auth", "digest", "h"}, "unknown scheme 'digest'"},
        {{"--timeout", "0", "h"}, "--timeout: bad value"},
        {{"--timeout", "-1", "h"}, "--timeout: bad value"},
        {{"--timeout", "1.2345", "h"}, "--timeout: bad value"},
        {{"--timeout", "3601", "h"}, "--timeout: bad value"},
        {{"--timeout", "abc", "h"}, "--timeout: bad value"},
        {{"--cert-warn-days", "3651", "h"}, "--cert-warn-days: bad value"},
        {{"--cert-warn-days", "-3", "h"}, "--cert-warn-days: bad value"},
        {{"--resolve", "nohostport", "h"}, "--resolve: bad entry"},
        {{"--resolve", "h:99999:127.0.0.1", "h"}, "--resolve: bad entry"},
        {{"--resolve", "h:443:not-an-ip", "h"}, "--resolve: bad entry"},
        {{"--user", "", "h"}, "bad user name"},
        {{"--password-file", "", "h"}, "empty file name"},
        {{"--password", "secret", "h"}, "password on the command line is refused"},
        {{"--password=secret", "h"}, "password on the command line is refused"},
        {{"-p", "secret", "h"}, "password on the command line is refused"},
        {{"--json=yes", "h"}, "--json takes no value"},
        {{"one", "two"}, "one HOST only"},
        {{"--json"}, "no HOST given"},
        {{"bad/host"}, "bad HOST"},
        {{"host:0"}, "bad HOST"},
        {{"--keytab", "/k", "h"}, "--keytab needs --auth negotiate"},
        {{"--depth", "bind", "h"}, "--depth: unknown depth 'bind'"},
        {{"--depth", "", "h"}, "--depth: unknown depth"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[8] = {"check"};
        int argc = 1;
        for (size_t k = 0; k < 6 && cases[i].argv[k] != NULL; k++)
            argv[argc++] = (char *)cases[i].argv[k];
        struct check_args a;
        char err[256] = "";
        int rc = check_args_parse(argc, argv, &a, err, sizeof err);
        if (rc != CHECK_ARGS_ERROR || strstr(err, cases[i].needle) == NULL)
            fail_msg("case %zu (%s): rc %d, err '%s', want '%s'", i, cases[i].argv[0], rc, err,
                     cases[i].needle);
    }
}

static void test_repeat_limits(void **state)
{
    (void)state;
    struct check_args a;
    char err[256] = "";
    assert_int_equal(PARSE(&a, err, "--server", "a", "--server", "b", "--server", "c", "--server",
                           "d", "--server", "e", "h"),
                     CHECK_ARGS_ERROR);
    assert_non_null(strstr(err, "at most 4"));
    assert_int_equal(PARSE(&a, err, "--", "-host-with-dash"), CHECK_ARGS_OK);
    assert_string_equal(a.opts.host, "-host-with-dash");
    assert_int_equal(PARSE(&a, err, "[::1]:8443"), CHECK_ARGS_OK);
    assert_int_equal(PARSE(&a, err, "mail.contoso.lab:8443"), CHECK_ARGS_OK);
}

static void test_ports_and_seconds(void **state)
{
    (void)state;
    uint16_t p[8];
    assert_int_equal(check_args_ports("6001", p, 8), 1);
    assert_int_equal(check_args_ports("6001,6002,6004", p, 8), 3);
    assert_int_equal(p[2], 6004);
    assert_int_equal(check_args_ports("65535", p, 8), 1);
    assert_int_equal(check_args_ports("1,2", p, 1), -1);
    assert_int_equal(check_args_ports("6001,", p, 8), -1);
    assert_int_equal(check_args_ports(",6001", p, 8), -1);
    assert_int_equal(check_args_ports("0006001", p, 8), -1); /* 7 digits */
    assert_int_equal(check_args_ports(NULL, p, 8), -1);
    assert_int_equal(check_args_ports("1", NULL, 8), -1);
    unsigned ms = 0;
    assert_int_equal(check_args_seconds("15", &ms), 0);
    assert_int_equal(ms, 15000);
    assert_int_equal(check_args_seconds("0.25", &ms), 0);
    assert_int_equal(ms, 250);
    assert_int_equal(check_args_seconds(".5", &ms), 0);
    assert_int_equal(ms, 500);
    assert_int_equal(check_args_seconds("3600", &ms), 0);
    assert_int_equal(check_args_seconds("3600.001", &ms), -1);
    assert_int_equal(check_args_seconds("1.", &ms), -1);
    assert_int_equal(check_args_seconds("", &ms), -1);
    assert_int_equal(check_args_seconds("0.000", &ms), -1);
    assert_int_equal(check_args_seconds("1e3", &ms), -1);
    assert_int_equal(check_args_seconds(NULL, &ms), -1);
    assert_int_equal(check_args_seconds("1", NULL), -1);
}

static void test_null(void **state)
{
    (void)state;
    struct check_args a;
    char err[64] = "";
    assert_int_equal(check_args_parse(1, NULL, &a, err, sizeof err), CHECK_ARGS_ERROR);
    assert_int_equal(check_args_parse(1, ARGV("h"), NULL, err, sizeof err), CHECK_ARGS_ERROR);
    assert_int_equal(check_args_parse(0, ARGV("h"), &a, NULL, 0), CHECK_ARGS_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),      cmocka_unit_test(test_everything),
        cmocka_unit_test(test_help),          cmocka_unit_test(test_errors),
        cmocka_unit_test(test_repeat_limits), cmocka_unit_test(test_ports_and_seconds),
        cmocka_unit_test(test_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
