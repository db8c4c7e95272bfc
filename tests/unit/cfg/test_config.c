/*
 * test_config.c: the YAML configuration loader: a full good file, defaults
 * inherited and overridden, a table of bad documents each with the error it
 * must report (line, column, key path, problem), every error reported,
 * ${NAME} expansion, secrets never in error text, fingerprints, and API
 * bodies through cfg_target_parse_json.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "service/config.h"
#include "service/secret.h"
#include <sys/stat.h>

static struct cfg *load_ok(const char *text)
{
    struct cfg *cfg = NULL;
    struct cfg_errs errs = {0};
    int rc = cfg_load_string(text, strlen(text), &cfg, &errs);
    if (rc != 0) {
        char line[700];
        for (size_t i = 0; i < errs.n; i++)
            print_error("%s\n", cfg_errs_format(&errs.v[i], "t.yml", line, sizeof line));
        cfg_errs_free(&errs);
        fail_msg("expected a valid configuration");
    }
    assert_int_equal(errs.n, 0);
    return cfg;
}

/* Load text, expect failure, return every error formatted, one per line. */
static char *load_bad(const char *text, size_t *count)
{
    struct cfg *cfg = (struct cfg *)1;
    struct cfg_errs errs = {0};
    assert_int_equal(cfg_load_string(text, strlen(text), &cfg, &errs), -1);
    assert_null(cfg);
    assert_true(errs.n > 0);
    size_t cap = 64 + errs.n * 700;
    char *all = calloc(1, cap);
    assert_non_null(all);
    size_t n = 0;
    for (size_t i = 0; i < errs.n; i++) {
        char line[700];
        n += (size_t)snprintf(all + n, cap - n, "%s\n",
                              cfg_errs_format(&errs.v[i], "t.yml", line, sizeof line));
    }
    if (count != NULL)
        *count = errs.n + errs.dropped;
    cfg_errs_free(&errs);
    return all;
}

static const char good[] = "listen: [127.0.0.1:9780, '[::1]:9781']\n"
                           "storage: /tmp/oaprobe-test.db\n"
                           "retention: 30d\n"
                           "api:\n"
                           "  tokens_file: /etc/oaprobe/tokens\n"
                           "  read_requires_token: true\n"
                           "external_url: https://oaprobe.contoso.com/\n"
                           "max_checks: 200\n"
                           "max_probes: 3\n"
                           "defaults:\n"
                           "  interval: 60s\n"
                           "  timeout: 15s\n"
                           "  user: 'CONTOSO\\svc-oaprobe'\n"
                           "  password_file: /etc/oaprobe/password\n"
                           "  labels: {team: mail}\n"
                           "targets:\n"
                           "  - name: contoso-mail\n"
                           "    host: mail.contoso.com\n"
                           "    servers: [EXCH01, exch01.contoso.local]\n"
                           "    resolve: ['mail.contoso.com:443:192.0.2.10']\n"
                           "    labels: {site: hq, phase: cutover}\n"
                           "    ports: [6001-6002, 6004]\n"
                           "    location: dc1\n"
                           "    failure_threshold: 3\n"
                           "    remind_every: 1h\n"
                           "  - name: echo.only_2\n"
                           "    host: '[2001:db8::1]:8443'\n"
                           "    depth: echo\n"
                           "    interval: 5m\n"
                           "    timeout: 2.5\n"
                           "    insecure: true\n"
                           "    auth: negotiate\n"
                           "    keytab: /etc/k.keytab\n"
                           "    password_file: /other\n"
                           "    cert_warn_days: 30\n";

static void test_good(void **state)
{
    (void)state;
    struct cfg *cfg = load_ok(good);
    assert_int_equal(cfg->n_listen, 2);
    assert_string_equal(cfg->listen[1].host, "::1");
    assert_int_equal(cfg->listen[1].port, 9781);
    assert_string_equal(cfg->storage, "/tmp/oaprobe-test.db");
    assert_int_equal(cfg->retention_ms, 30ull * 86400000ull);
    assert_int_equal(cfg->max_checks, 200);
    assert_int_equal(cfg->max_probes, 3);
    assert_string_equal(cfg->tokens_file, "/etc/oaprobe/tokens");
    assert_true(cfg->read_requires_token);
    assert_int_equal(cfg->n_targets, 2);
    const struct cfg_target *t = cfg_target_find(cfg, "contoso-mail");
    assert_non_null(t);
    assert_string_equal(t->set.opts.host, "mail.contoso.com");
    assert_int_equal(t->set.opts.n_servers, 2);
    assert_string_equal(t->set.opts.servers[1], "exch01.contoso.local");
    assert_int_equal(t->set.opts.n_ports, 3);
    assert_int_equal(t->set.opts.ports[1], 6002);
    assert_string_equal(t->set.opts.user, "CONTOSO\\svc-oaprobe"); /* from defaults */
    assert_string_equal(t->set.password_file, "/etc/oaprobe/password");
    assert_null(t->set.opts.password);
    assert_int_equal(t->interval_ms, 60000);
    assert_int_equal(t->set.opts.timeout_ms, 15000);
    assert_int_equal(t->n_labels, 3); /* sorted: phase, site, team */
    assert_string_equal(t->labels[0].key, "phase");
    assert_string_equal(t->labels[2].key, "team");
    assert_string_equal(t->labels[2].value, "mail");
    assert_string_equal(t->location, "dc1");
    assert_int_equal(t->failure_threshold, 3);
    assert_int_equal(t->success_threshold, 1);
    assert_int_equal(t->remind_every_ms, 3600000);
    assert_int_equal(t->set.opts.depth, CHECK_DEPTH_TUNNEL);
    assert_int_equal(t->line, 17);
    const struct cfg_target *e = cfg_target_find(cfg, "echo.only_2");
    assert_non_null(e);
    assert_int_equal(e->set.opts.depth, CHECK_DEPTH_ECHO);
    assert_int_equal(e->interval_ms, 300000);
    assert_int_equal(e->set.opts.timeout_ms, 2500);
    assert_true(e->set.opts.insecure);
    assert_string_equal(e->set.password_file, "/other");
    assert_int_equal(e->set.opts.cert_warn_days, 30);
    assert_int_equal(e->n_labels, 1);
    assert_null(cfg_target_find(cfg, "nope"));
    struct check_opts o = cfg_target_opts(e, "pw");
    assert_string_equal(o.host, "[2001:db8::1]:8443");
    assert_string_equal(o.password, "pw");
    assert_int_not_equal(t->fingerprint, e->fingerprint);
    assert_int_not_equal(cfg_target_fingerprint_secret(t, "a"),
                         cfg_target_fingerprint_secret(t, "b"));
    assert_int_not_equal(cfg_target_fingerprint_secret(t, "a"), t->fingerprint);
    cfg_free(cfg);
}

static void test_defaults_and_empty(void **state)
{
    (void)state;
    struct cfg *cfg = load_ok("");
    assert_int_equal(cfg->n_listen, 1);
    assert_string_equal(cfg->listen[0].host, "127.0.0.1");
    assert_int_equal(cfg->listen[0].port, 9780);
    assert_string_equal(cfg->storage, CFG_DEFAULT_STORAGE);
    assert_int_equal(cfg->retention_ms, CFG_DEFAULT_RETENTION_MS);
    assert_int_equal(cfg->max_checks, 0);
    assert_int_equal(cfg->tls_session_cache, CFG_DEFAULT_TLS_SESSION_CACHE);
    assert_int_equal(cfg->max_probes, 8);
    assert_int_equal(cfg->n_targets, 0);
    assert_null(cfg->tokens_file);
    assert_false(cfg->read_requires_token);
    cfg_free(cfg);
    cfg = load_ok("targets:\n  - {name: a, host: h}\n");
    assert_int_equal(cfg->targets[0]->interval_ms, CFG_DEFAULT_INTERVAL_MS);
    assert_int_equal(cfg->targets[0]->set.opts.timeout_ms, 15000);
    assert_int_equal(cfg->targets[0]->set.opts.cert_warn_days, 14);
    assert_int_equal(cfg->targets[0]->failure_threshold, 2);
    cfg_free(cfg);
    cfg = load_ok("tls_session_cache: 0\n");
    assert_int_equal(cfg->tls_session_cache, 0);
    cfg_free(cfg);
    cfg = load_ok("tls_session_cache: 10000\n");
    assert_int_equal(cfg->tls_session_cache, 10000);
    cfg_free(cfg);
    cfg_free(NULL);
}

static void test_fingerprint_stable(void **state)
{
    (void)state;
    struct cfg *a = load_ok("targets:\n  - {name: a, host: h, labels: {x: '1', y: '2'}}\n");
    struct cfg *b = load_ok("targets:\n  - {labels: {y: '2', x: '1'}, host: h, name: a}\n");
    struct cfg *c = load_ok("targets:\n  - {name: a, host: h, labels: {x: '1', y: '3'}}\n");
    struct cfg *d = load_ok("defaults: {timeout: 14s}\ntargets:\n  - {name: a, host: h, labels: "
                            "{x: '1', y: '2'}}\n");
    assert_int_equal(a->targets[0]->fingerprint, b->targets[0]->fingerprint);
    assert_int_not_equal(a->targets[0]->fingerprint, c->targets[0]->fingerprint);
    assert_int_not_equal(a->targets[0]->fingerprint, d->targets[0]->fingerprint);
    cfg_free(a);
    cfg_free(b);
    cfg_free(c);
    cfg_free(d);
}

static void test_bad_table(void **state)
{
    (void)state;
    static const struct {
        const char *yaml;
        const char *want; /* a substring of the formatted errors */
    } cases[] = {
        {"listen: [\n", "t.yml:2:1: not valid YAML"},
        {"targets:\n  - name: a\n   host: b\n", "not valid YAML"},
        {"a: 1\n---\nb: 2\n", "a second YAML document"},
        {"- 1\n", "wants a mapping of key: value, not a list"},
        {"bogus: 1\n", "t.yml:1:1: bogus: unknown key 'bogus'"},
        {"targets:\n  - name: a\n    host: h\n    interval: \"6O s\"\n",
         "t.yml:4:15: targets[0].interval: \"6O s\" is not a duration"},
        {"targets:\n  - {name: a, host: h, interval: 60}\n", "\"60\" is not a duration"},
        {"targets:\n  - {name: a, host: h, interval: 500ms}\n", "is shorter than 1000 ms"},
        {"targets:\n  - {name: a, host: h}\n  - {name: a, host: h}\n",
         "t.yml:3:5: targets[1].name: duplicate name \"a\" (first at line 2)"},
        {"targets:\n  - {name: Upper, host: h}\n",
         "targets[0].name: \"Upper\" is not a valid name"},
        {"targets:\n  - {name: '..', host: h}\n", "is not a valid name"},
        {"targets:\n  - {name: a/b, host: h}\n", "is not a valid name"},
        {"targets:\n  - {name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, "
         "host: h}\n",
         "is not a valid name"},
        {"targets:\n  - {host: h}\n", "targets[0]: name: missing"},
        {"targets:\n  - {name: a}\n", "targets[0]: host: missing"},
        {"targets:\n  - {name: a, host: h, bogus: 1}\n", "targets[0].bogus: unknown key 'bogus'"},
        {"targets:\n  - {name: a, host: h, --ports: 1}\n", "did you mean ports?"},
        {"targets:\n  - {name: a, host: h, server: x}\n", "did you mean servers?"},
        {"targets:\n  - {name: a, host: h, insecure: yes}\n", "insecure: wants true or false"},
        {"targets:\n  - {name: a, host: h, insecure: 'true'}\n", "insecure: wants true or false"},
        {"targets:\n  - {name: a, host: h, servers: {a: b}}\n",
         "servers: wants a string or a list, not a mapping"},
        {"targets:\n  - {name: a, host: h, servers: [a, b, c, d, e]}\n",
         "targets[0].servers[4]: at most 4 server names"},
        {"targets:\n  - {name: a, host: h, user: [a]}\n", "user: wants a single value, not a list"},
        {"targets:\n  - {name: a, host: h, ports: 6001-}\n", "a range has no high port"},
        {"targets:\n  - {name: a, host: h, ports: 99999}\n", "out of range"},
        {"targets:\n  - {name: a, host: h, ports: []}\n", "ports: is an empty list"},
        {"targets:\n  - {name: a, host: h, auth: kerberos}\n", "unknown scheme 'kerberos'"},
        {"targets:\n  - {name: a, host: h, depth: deep}\n", "unknown depth 'deep'"},
        {"targets:\n  - {name: a, host: h, cert_warn_days: 9999}\n", "(days, 0-3650)"},
        {"targets:\n  - {name: a, host: h, failure_threshold: 0}\n",
         "is not a whole number from 1 to 100"},
        {"targets:\n  - {name: a, host: h, remind_every: 10s}\n", "at least 1m"},
        {"targets:\n  - {name: a, host: h, keytab: /k}\n", "keytab: needs auth: negotiate"},
        {"targets:\n  - {name: a, host: 'bad host'}\n", "targets[0].host: bad host 'bad host'"},
        {"targets:\n  - {name: a, host: h, resolve: nohostport}\n", "bad entry 'nohostport'"},
        {"targets:\n  - {name: a, host: h, labels: {target: x}}\n", "is set by oaprobe itself"},
        {"targets:\n  - {name: a, host: h, labels: {__x: x}}\n", "bad label name"},
        {"targets:\n  - {name: a, host: h, labels: {x: [1]}}\n", "labels.x: wants a label value"},
        {"targets:\n  - {name: a, host: h, timeout: 30s, interval: 10s}\n", "runs would overlap"},
        {"targets:\n  - {name: a, host: h, host: g}\n", "targets[0].host: duplicate key"},
        {"targets:\n  - {name: a, host: h, user: \"a\\0b\"}\n", "contains a NUL byte"},
        {"targets:\n  - {name: a, host: h, user: \"${OAPROBE_TEST_UNSET}\"}\n",
         "environment variable OAPROBE_TEST_UNSET is not set"},
        {"targets:\n  - {name: a, host: h, user: '${1bad}'}\n", "bad ${...} reference"},
        {"targets:\n  - {name: a, host: h, password_file: /p, password: '${X}'}\n",
         "exclude each other"},
        {"targets:\n  - &a {name: a, host: h}\n  - *a\n", "targets[1]: YAML aliases"},
        {"targets: 3\n", "targets: wants a list of targets"},
        {"defaults: {name: x}\n", "defaults.name: a name is not a default"},
        {"defaults: [1]\n", "defaults: wants a mapping"},
        {"listen: 127.0.0.1\n", "listen: \"127.0.0.1\" is not host:port"},
        {"listen: [a:1, a:1]\n", "listen[1]: listed twice"},
        {"listen: []\n", "listen: is an empty list"},
        {"storage: ''\n", "storage: is empty"},
        {"retention: 5m\n", "not a duration of at least 1h"},
        {"api: {read_requires_token: 1}\n", "api.read_requires_token: wants true or false"},
        {"api: {tokens: x}\n", "api.tokens: unknown key"},
        {"api: {tokens: x}\n", "t.yml:1:7: api.tokens: unknown key 'tokens' (tokens_file, "
                                "read_requires_token, allow_hosts)"},
        {"external_url: ftp://x\n", "wants an http:// or https:// URL"},
        {"max_checks: 0\n", "max_checks: \"0\" is not a number from 1 to 1000000"},
        {"max_checks: -5\n", "max_checks: \"-5\" is not a number from 1 to 1000000"},
        {"max_checks: 1000001\n", "max_checks: \"1000001\" is not a number from 1 to 1000000"},
        {"max_checks: 12x\n", "max_checks: \"12x\" is not a number"},
        {"max_checks: [1]\n", "max_checks: wants a number"},
        {"max_probes: 0\n", "max_probes: \"0\" is not a number from 1 to 10000"},
        {"max_probes: 10001\n", "max_probes: \"10001\" is not a number from 1 to 10000"},
        {"max_probes: -3\n", "max_probes: \"-3\" is not a number from 1 to 10000"},
        {"max_probes: eight\n", "max_probes: \"eight\" is not a number"},
        {"max_probes: {n: 8}\n", "max_probes: wants a number"},
        {"tls_session_cache: -1\n", "tls_session_cache: \"-1\" is not a number from 0 to 1000000"},
        {"tls_session_cache: 1000001\n", "tls_session_cache: \"1000001\" is not a number from 0 to "
                                        "1000000"},
        {"tls_session_cache: many\n", "tls_session_cache: \"many\" is not a number"},
        {"[a]: 1\n", "a key must be a plain name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *all = load_bad(cases[i].yaml, NULL);
        if (strstr(all, cases[i].want) == NULL)
            fail_msg("case %zu:\n%s\nwant '%s', got:\n%s", i, cases[i].yaml, cases[i].want, all);
        free(all);
    }
}

static void test_every_error(void **state)
{
    (void)state;
    size_t n = 0;
    char *all = load_bad("bogus: 1\n"
                         "retention: x\n"
                         "targets:\n"
                         "  - {name: a, host: h, interval: 6O s}\n"
                         "  - {name: B, host: h}\n"
                         "  - {name: c, host: h, nope: 1}\n",
                         &n);
    if (n != 5)
        fail_msg("%zu errors:\n%s", n, all);
    assert_null(strstr(all, "name: missing")); /* a bad name is one error, not two */
    assert_non_null(strstr(all, "t.yml:1:1: bogus:"));
    assert_non_null(strstr(all, "t.yml:2:12: retention:"));
    assert_non_null(strstr(all, "t.yml:4:34: targets[0].interval:"));
    assert_non_null(strstr(all, "t.yml:5:12: targets[1].name:"));
    assert_non_null(strstr(all, "t.yml:6:24: targets[2].nope:"));
    free(all);
    /* more errors than are kept: the rest are counted */
    size_t cap = 300 * 40 + 64, len = 0;
    char *big = malloc(cap);
    assert_non_null(big);
    len += (size_t)snprintf(big, cap, "targets:\n");
    for (int i = 0; i < 300; i++)
        len += (size_t)snprintf(big + len, cap - len, "  - {name: t%d, host: h, x: 1}\n", i);
    free(load_bad(big, &n));
    assert_int_equal(n, 300);
    free(big);
}

static void test_env(void **state)
{
    (void)state;
    setenv("OAPROBE_TEST_HOST", "mail.contoso.com", 1);
    setenv("OAPROBE_TEST_PW", "Secr3t-Value!", 1);
    struct cfg *cfg = load_ok("targets:\n"
                              "  - name: a\n"
                              "    host: ${OAPROBE_TEST_HOST}\n"
                              "    user: 'svc$$x$'\n"
                              "    location: pre-${OAPROBE_TEST_HOST}-post\n"
                              "    password: ${OAPROBE_TEST_PW}\n");
    const struct cfg_target *t = cfg->targets[0];
    assert_string_equal(t->set.opts.host, "mail.contoso.com");
    assert_string_equal(t->set.opts.user, "svc$x$");
    assert_string_equal(t->location, "pre-mail.contoso.com-post");
    /* the password stays a reference: the value is read by cfg_secret_load */
    assert_string_equal(t->set.password_env, "${OAPROBE_TEST_PW}");
    cfg_free(cfg);
    /* a literal password is refused and never echoed */
    char *all = load_bad("targets:\n  - {name: a, host: h, password: Secr3t-Value!}\n", NULL);
    assert_non_null(strstr(all, "targets[0].password: a literal password is refused"));
    assert_null(strstr(all, "Secr3t"));
    free(all);
    all = load_bad("targets:\n  - {name: a, host: h, password: 'x${OAPROBE_TEST_PW}'}\n", NULL);
    assert_null(strstr(all, "Secr3t"));
    free(all);
    unsetenv("OAPROBE_TEST_PW");
    unsetenv("OAPROBE_TEST_HOST");
}

static void test_json(void **state)
{
    (void)state;
    struct cfg *cfg = load_ok("defaults: {user: 'D\\u', password_file: /p, interval: 2m}\n");
    struct cfg_target *t = NULL;
    struct cfg_errs errs = {0};
    const char body[] = "{\"host\": \"mail.contoso.com\", \"ports\": \"6001-6002\", "
                        "\"labels\": {\"site\": \"hq\"}, \"insecure\": true, \"depth\": \"auth\"}";
    assert_int_equal(cfg_target_parse_json(body, strlen(body), "api-1", cfg, &t, &errs), 0);
    assert_non_null(t);
    assert_string_equal(t->name, "api-1");
    assert_string_equal(t->set.opts.host, "mail.contoso.com");
    assert_string_equal(t->set.opts.user, "D\\u");
    assert_string_equal(t->set.password_file, "/p");
    assert_int_equal(t->interval_ms, 120000);
    assert_int_equal(t->set.opts.n_ports, 2);
    assert_int_equal(t->set.opts.depth, CHECK_DEPTH_AUTH);
    assert_true(t->set.opts.insecure);
    assert_int_equal(t->line, 0);
    cfg_target_free(t);
    static const struct {
        const char *body;
        const char *want;
    } bad[] = {
        {"{\"host\": \"h\", \"bogus\": 1}", "bogus: unknown key"},
        {"{\"host\": \"h\", \"interval\": 60}", "interval: \"60\" is not a duration"},
        {"{\"host\": \"h\", \"name\": \"other\"}", "differs from the name in the URL"},
        {"{\"host\": \"h\", \"password_file\": \"/etc/shadow\"}", "not set through the API"},
        {"{\"host\": \"h\", \"password\": \"${HOME}\"}", "not set through the API"},
        {"{\"host\": \"h\", \"keytab\": \"/k\"}", "not set through the API"},
        {"{\"host\": \"h\", \"insecure\": \"true\"}", "wants true or false"},
        {"[1, 2]", "must be a JSON object"},
        {"{\"host\": ", "not valid YAML"},
        {"{}", "host: missing"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        t = (struct cfg_target *)1;
        assert_int_equal(
            cfg_target_parse_json(bad[i].body, strlen(bad[i].body), "api-1", cfg, &t, &errs), -1);
        assert_null(t);
        char line[700] = "";
        size_t k;
        for (k = 0; k < errs.n; k++)
            if (strstr(cfg_errs_format(&errs.v[k], NULL, line, sizeof line), bad[i].want))
                break;
        if (k == errs.n)
            fail_msg("body %zu: want '%s', first error '%s'", i, bad[i].want,
                     errs.n ? cfg_errs_format(&errs.v[0], NULL, line, sizeof line) : "");
        cfg_errs_free(&errs);
    }
    /* ${NAME} is not expanded in API bodies: the daemon's environment stays private */
    const char env_body[] = "{\"host\": \"h\", \"location\": \"${HOME}\"}";
    assert_int_equal(cfg_target_parse_json(env_body, strlen(env_body), "x", NULL, &t, &errs), 0);
    assert_string_equal(t->location, "${HOME}");
    cfg_target_free(t);
    assert_int_equal(cfg_target_parse_json("{}", 2, "Bad", NULL, &t, &errs), -1);
    cfg_errs_free(&errs);
    cfg_free(cfg);
}

static void test_files(void **state)
{
    (void)state;
    struct cfg *cfg = (struct cfg *)1;
    struct cfg_errs errs = {0};
    assert_int_equal(cfg_load_file("/nonexistent/oaprobe.yml", &cfg, &errs), -1);
    assert_null(cfg);
    assert_non_null(strstr(errs.v[0].msg, "cannot open"));
    cfg_errs_free(&errs);
    assert_int_equal(cfg_load_file("/", &cfg, &errs), -1);
    assert_non_null(strstr(errs.v[0].msg, "not a regular file"));
    cfg_errs_free(&errs);
    char path[] = "/tmp/oaprobe-test-cfg-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(good, f);
    fclose(f);
    assert_int_equal(cfg_load_file(path, &cfg, &errs), 0);
    assert_int_equal(cfg->n_targets, 2);
    cfg_free(cfg);
    unlink(path);
    assert_int_equal(cfg_load_string(NULL, 0, &cfg, &errs), -1);
    cfg_errs_free(&errs);
    struct cfg_err e = {.line = 3, .col = 4, .path = "a.b", .msg = "bad"};
    char buf[100];
    assert_string_equal(cfg_errs_format(&e, "f", buf, sizeof buf), "f:3:4: a.b: bad");
    e.line = 0;
    e.path[0] = '\0';
    assert_string_equal(cfg_errs_format(&e, NULL, buf, sizeof buf), "bad");
    cfg_errs_free(NULL);
}

static void write_file(const char *path, const char *data, size_t len, mode_t mode)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void test_secret(void **state)
{
    (void)state;
    const char *path = "/tmp/oaprobe-test-secret";
    struct cfg *cfg = load_ok("targets:\n"
                              "  - {name: f, host: h, password_file: /tmp/oaprobe-test-secret}\n"
                              "  - {name: e, host: h, password: '${OAPROBE_TEST_SECRET}'}\n"
                              "  - {name: n, host: h}\n");
    char *pw = NULL;
    char err[300];
    write_file(path, "Pa55-w0rd\r\nsecond line\n", 23, 0600);
    assert_int_equal(cfg_secret_load(cfg_target_find(cfg, "f"), &pw, err, sizeof err), SECRET_OK);
    assert_string_equal(pw, "Pa55-w0rd");
    secret_free(pw);
    write_file(path, "Pa55-w0rd\n", 10, 0644);
    assert_int_equal(cfg_secret_load(cfg_target_find(cfg, "f"), &pw, err, sizeof err), SECRET_WARN);
    assert_string_equal(pw, "Pa55-w0rd");
    assert_non_null(strstr(err, "readable by other users"));
    assert_null(strstr(err, "Pa55"));
    secret_free(pw);
    static const struct {
        const char *data;
        size_t len;
        const char *want;
    } bad[] = {
        {"Pa55\0w0rd\n", 10, "NUL byte"},
        {"\nPa55\n", 6, "first line is empty"},
        {"", 0, "first line is empty"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(path, bad[i].data, bad[i].len, 0600);
        assert_int_equal(cfg_secret_load(cfg_target_find(cfg, "f"), &pw, err, sizeof err),
                         SECRET_ERROR);
        assert_null(pw);
        assert_non_null(strstr(err, bad[i].want));
        assert_non_null(strstr(err, "password_file: "));
        assert_null(strstr(err, "Pa55"));
    }
    char big[SECRET_FILE_MAX + 10];
    memset(big, 'a', sizeof big);
    write_file(path, big, sizeof big, 0600);
    assert_int_equal(cfg_secret_load(cfg_target_find(cfg, "f"), &pw, err, sizeof err),
                     SECRET_ERROR);
    assert_non_null(strstr(err, "larger than"));
    write_file(path, big, SECRET_MAX, 0600);
    assert_int_equal(secret_read_file(path, &pw, err, sizeof err), SECRET_ERROR);
    assert_non_null(strstr(err, "longer than"));
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0); /* a FIFO is refused, never waited on */
    assert_int_equal(secret_read_file(path, &pw, err, sizeof err), SECRET_ERROR);
    assert_non_null(strstr(err, "not a regular file"));
    unlink(path);
    assert_int_equal(secret_read_file(path, &pw, err, sizeof err), SECRET_ERROR);
    unsetenv("OAPROBE_TEST_SECRET");
    assert_int_equal(cfg_secret_load(cfg_target_find(cfg, "e"), &pw, err, sizeof err),
                     SECRET_ERROR);
    assert_non_null(strstr(err, "OAPROBE_TEST_SECRET is not set"));
    setenv("OAPROBE_TEST_SECRET", "from-env", 1);
    assert_int_equal(cfg_secret_load(cfg_target_find(cfg, "e"), &pw, err, sizeof err), SECRET_OK);
    assert_string_equal(pw, "from-env");
    secret_free(pw);
    unsetenv("OAPROBE_TEST_SECRET");
    assert_int_equal(cfg_secret_load(cfg_target_find(cfg, "n"), &pw, err, sizeof err), SECRET_OK);
    assert_null(pw);
    secret_free(NULL);
    cfg_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_defaults_and_empty),
        cmocka_unit_test(test_fingerprint_stable),
        cmocka_unit_test(test_bad_table),
        cmocka_unit_test(test_every_error),
        cmocka_unit_test(test_env),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_secret),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
