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

#include "service/check_args.h"

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
    assert_string_equal(a.s.opts.host, "mail.contoso.com");
    assert_int_equal(a.s.opts.auth, CHECK_AUTH_NTLM);
    assert_int_equal(a.s.opts.n_ports, 0); /* the engine's default 6001,6002,6004 */
    assert_int_equal(a.s.opts.timeout_ms, 15000);
    assert_int_equal(a.s.opts.cert_warn_days, 14);
    assert_int_equal(a.s.opts.n_servers, 0);
    assert_false(a.json);
    assert_false(a.s.opts.insecure);
    assert_null(a.s.opts.password);
    assert_int_equal(a.s.opts.depth, CHECK_DEPTH_TUNNEL);
    assert_int_equal(PARSE(&a, err, "--depth", "echo", "h"), CHECK_ARGS_OK);
    assert_int_equal(a.s.opts.depth, CHECK_DEPTH_ECHO);
    assert_int_equal(PARSE(&a, err, "--depth=tls", "h"), CHECK_ARGS_OK);
    assert_int_equal(a.s.opts.depth, CHECK_DEPTH_TLS);
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
    assert_int_equal(a.s.opts.n_servers, 2);
    assert_string_equal(a.s.opts.servers[1], "exch01.contoso.local");
    assert_int_equal(a.s.opts.n_ports, 2);
    assert_int_equal(a.s.opts.ports[1], 6004);
    assert_string_equal(a.s.opts.user, "CONTOSO\\probe");
    assert_string_equal(a.s.password_file, "/run/pw");
    assert_int_equal(a.s.opts.auth, CHECK_AUTH_NEGOTIATE);
    assert_string_equal(a.s.opts.keytab, "/etc/probe.keytab");
    assert_int_equal(a.s.opts.n_resolve, 2);
    assert_string_equal(a.s.opts.cacert, "/etc/ca.pem");
    assert_string_equal(a.s.opts.cacert, "/etc/ca.pem");
    assert_true(a.s.opts.insecure && a.s.opts.http && a.s.opts.direct_ports && a.json);
    assert_int_equal(a.s.opts.timeout_ms, 2500);
    assert_int_equal(a.s.opts.cert_warn_days, 30);
    assert_int_equal(a.s.opts.verbose, 2);
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
        {{"--ports", "6002-6001", "h"}, "low port above its high port"},
        {{"--ports", "6001-", "h"}, "no high port"},
        {{"--ports", "6001,x", "h"}, "bad port list"},
        {{"--ports", "", "h"}, "bad port list"},
        {{"--ports", "1,2,3,4,5,6,7,8,9", "h"}, "bad port list"},
        {{"--auth", "digest", "h"}, "unknown scheme 'digest'"},
        {{"--timeout", "0", "h"}, "--timeout: bad value"},
        {{"--timeout", "-1", "h"}, "--timeout: bad value"},
        {{"--timeout", "1.2345", "h"}, "--timeout: bad value"},
        {{"--timeout", "3601", "h"}, "--timeout: bad value"},
        {{"--timeout", "abc", "h"}, "--timeout: bad value"},
        {{"--timeout", "6O s", "h"}, "--timeout: bad value"},
        {{"--depth", "deep", "h"}, "--depth: unknown depth 'deep'"},
        {{"--depth", "bind", "h"}, "--depth: unknown depth 'bind'"},
        {{"--depth", "", "h"}, "--depth: unknown depth"},
        {{"--config", "f.yml", "h"}, "--config and --target go together"},
        {{"--config", "f.yml", "--target", "t", "--ports", "1"}, "no HOST or check option"},
        {{"--config", "f.yml", "--target", "t", "h"}, "no HOST or check option"},
        {{"--insecure=true", "h"}, "--insecure takes no value"},
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
    assert_string_equal(a.s.opts.host, "-host-with-dash");
    assert_int_equal(PARSE(&a, err, "[::1]:8443"), CHECK_ARGS_OK);
    assert_int_equal(PARSE(&a, err, "mail.contoso.lab:8443"), CHECK_ARGS_OK);
}

static void test_ports_and_seconds(void **state)
{
    (void)state;
    uint16_t p[8];
    char err[256];
    assert_int_equal(cfg_ports_parse("6001", p, 8, err, sizeof err), 1);
    assert_int_equal(cfg_ports_parse("6001,6002,6004", p, 8, err, sizeof err), 3);
    assert_int_equal(p[2], 6004);
    /* the ValidPorts grammar: ranges, spaces, sorted and unique */
    assert_int_equal(cfg_ports_parse("6004, 6001-6002", p, 8, err, sizeof err), 3);
    assert_int_equal(p[0], 6001);
    assert_int_equal(p[1], 6002);
    assert_int_equal(p[2], 6004);
    assert_int_equal(cfg_ports_parse("6001,6001", p, 8, err, sizeof err), 1);
    assert_int_equal(cfg_ports_parse("65535", p, 8, err, sizeof err), 1);
    assert_int_equal(cfg_ports_parse("1,2", p, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "more than 1 ports"));
    assert_int_equal(cfg_ports_parse("1-9", p, 8, err, sizeof err), -1);
    assert_int_equal(cfg_ports_parse("6001,", p, 8, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty"));
    assert_int_equal(cfg_ports_parse(",6001", p, 8, err, sizeof err), -1);
    assert_int_equal(cfg_ports_parse("65536", p, 8, err, sizeof err), -1);
    assert_non_null(strstr(err, "out of range"));
    assert_int_equal(cfg_ports_parse(NULL, p, 8, err, sizeof err), -1);
    assert_int_equal(cfg_ports_parse("1", NULL, 8, err, sizeof err), -1);
    unsigned ms = 0;
    assert_int_equal(cfg_seconds_parse("15", &ms), 0);
    assert_int_equal(ms, 15000);
    assert_int_equal(cfg_seconds_parse("0.25", &ms), 0);
    assert_int_equal(ms, 250);
    assert_int_equal(cfg_seconds_parse(".5", &ms), 0);
    assert_int_equal(ms, 500);
    assert_int_equal(cfg_seconds_parse("3600", &ms), 0);
    assert_int_equal(cfg_seconds_parse("15s", &ms), 0);
    assert_int_equal(ms, 15000);
    assert_int_equal(cfg_seconds_parse("1500ms", &ms), 0);
    assert_int_equal(ms, 1500);
    assert_int_equal(cfg_seconds_parse("1h", &ms), 0);
    assert_int_equal(ms, 3600000);
    assert_int_equal(cfg_seconds_parse("1h1s", &ms), -1);
    assert_int_equal(cfg_seconds_parse("3600.001", &ms), -1);
    assert_int_equal(cfg_seconds_parse("1.", &ms), -1);
    assert_int_equal(cfg_seconds_parse("", &ms), -1);
    assert_int_equal(cfg_seconds_parse("0.000", &ms), -1);
    assert_int_equal(cfg_seconds_parse("0s", &ms), -1);
    assert_int_equal(cfg_seconds_parse("1e3", &ms), -1);
    assert_int_equal(cfg_seconds_parse("6O s", &ms), -1);
    assert_int_equal(cfg_seconds_parse(NULL, &ms), -1);
    assert_int_equal(cfg_seconds_parse("1", NULL), -1);
}

static void test_durations(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int rc;
        uint64_t ms;
    } t[] = {
        {"500ms", 0, 500},
        {"15s", 0, 15000},
        {"5m", 0, 300000},
        {"2h", 0, 7200000},
        {"90d", 0, 7776000000ull},
        {"1w", 0, 604800000},
        {"1h30m", 0, 5400000},
        {"1m30s500ms", 0, 90500},
        {"0s", 0, 0},
        {"6O s", -1, 0},
        {"60", -1, 0},
        {"s", -1, 0},
        {"", -1, 0},
        {"30m1h", -1, 0},
        {"1h1h", -1, 0},
        {"1.5s", -1, 0},
        {"-1s", -1, 0},
        {"1 s", -1, 0},
        {"1y", -1, 0},
        {"99999999999d", -1, 0},
        {"4000d", -1, 0},
        {"5M", -1, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint64_t ms = 12345;
        int rc = cfg_duration_parse(t[i].s, &ms);
        if (rc != t[i].rc || (rc == 0 && ms != t[i].ms))
            fail_msg("'%s': rc %d ms %llu", t[i].s, rc, (unsigned long long)ms);
    }
    assert_int_equal(cfg_duration_parse(NULL, NULL), -1);
}

static void test_vocabulary(void **state)
{
    (void)state;
    size_t n;
    const struct cfg_opt *t = cfg_opts(&n);
    assert_int_equal(n, CFG_O_COUNT);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(t[i].id, i);
        assert_ptr_equal(cfg_opt_by_key(t[i].key, strlen(t[i].key)), &t[i]);
        if (t[i].cli == NULL)
            continue;
        /* the command-line spelling is the key with dashes (servers: --server) */
        char want[64];
        size_t k = 0;
        want[k++] = '-';
        want[k++] = '-';
        for (const char *p = t[i].key; *p != '\0'; p++)
            want[k++] = *p == '_' ? '-' : *p;
        want[k] = '\0';
        if (t[i].id == CFG_O_SERVERS)
            want[k - 1] = '\0';
        assert_string_equal(t[i].cli, want);
        assert_ptr_equal(cfg_opt_by_cli(t[i].cli, strlen(t[i].cli)), &t[i]);
        assert_non_null(strstr(check_args_usage(), t[i].cli));
    }
    assert_null(cfg_opt_by_key("password-file", 13));
    assert_null(cfg_opt_by_cli("--password", 10));
    char name[CFG_ENV_NAME_MAX];
    assert_int_equal(cfg_env_ref("${OA_PW}", name, sizeof name), 0);
    assert_string_equal(name, "OA_PW");
    assert_int_equal(cfg_env_ref("${1X}", name, sizeof name), -1);
    assert_int_equal(cfg_env_ref("${X}y", name, sizeof name), -1);
    assert_int_equal(cfg_env_ref("hunter2", name, sizeof name), -1);
    assert_int_equal(cfg_env_ref("${}", name, sizeof name), -1);
    bool b;
    assert_int_equal(cfg_bool_parse("true", &b), 0);
    assert_true(b);
    assert_int_equal(cfg_bool_parse("yes", &b), -1);
}

static void test_depth_and_config(void **state)
{
    (void)state;
    struct check_args a;
    char err[256] = "";
    assert_int_equal(PARSE(&a, err, "--depth", "echo", "--ports", "6001-6002,6004", "h"),
                     CHECK_ARGS_OK);
    assert_int_equal(a.s.opts.depth, CHECK_DEPTH_ECHO);
    assert_int_equal(a.s.opts.n_ports, 3);
    assert_int_equal(PARSE(&a, err, "--config", "f.yml", "--target=t1", "--json", "-v"),
                     CHECK_ARGS_OK);
    assert_string_equal(a.config_file, "f.yml");
    assert_string_equal(a.target, "t1");
    assert_true(a.json);
    assert_int_equal(a.s.opts.verbose, 1);
    assert_null(a.s.opts.host);
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
        cmocka_unit_test(test_null),          cmocka_unit_test(test_durations),
        cmocka_unit_test(test_vocabulary),    cmocka_unit_test(test_depth_and_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
