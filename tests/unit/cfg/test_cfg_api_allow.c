/*
 * test_cfg_api_allow.c: where an API target may send the defaults'
 * credentials (api.allow_hosts; service/cfg_allow.h cfg_allow_target,
 * service/config.h cfg_api_allowed): a target without credentials (depth
 * tls or echo, or no user) goes anywhere; one with them only to an allowed
 * host, under every spelling of a refused address, and only with resolve
 * addresses that are allowed too (resolve would otherwise connect an
 * allowed name anywhere), and without turning off the transport's guards
 * the defaults keep (insecure, http); no API target names a file on the
 * server (a cacert other than the defaults'); api.allow_hosts parsed with a module's grammar
 * and errors; `oaprobe config check`'s warnings (credentials in defaults,
 * write tokens possible, api.allow_hosts unset or "*"); the key listed by
 * `oaprobe config keys`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "service/cfg_allow.h"
#include "service/config.h"

static struct cfg *load_ok(const char *doc)
{
    struct cfg *c = NULL;
    struct cfg_errs errs = {0};
    if (cfg_load_string(doc, strlen(doc), &c, &errs) != 0) {
        char line[700] = "";
        if (errs.n > 0)
            cfg_errs_format(&errs.v[0], "t.yml", line, sizeof line);
        cfg_errs_free(&errs);
        fail_msg("%s\n%s", doc, line);
    }
    return c;
}

/* The first error of loading doc (which must fail), formatted. */
static void load_err(const char *doc, const char *want)
{
    struct cfg *c = NULL;
    struct cfg_errs errs = {0};
    assert_int_equal(cfg_load_string(doc, strlen(doc), &c, &errs), -1);
    assert_null(c);
    char line[700] = "";
    assert_true(errs.n > 0);
    cfg_errs_format(&errs.v[0], "t.yml", line, sizeof line);
    cfg_errs_free(&errs);
    if (strstr(line, want) == NULL)
        fail_msg("%s\ngot:  %s\nwant: %s", doc, line, want);
}

/* The verdict on an API body over c's defaults, with key and why. */
static int judge(const struct cfg *c, const char *body, char *key, size_t klen, char *why,
                 size_t wlen)
{
    struct cfg_target *t = NULL;
    struct cfg_errs errs = {0};
    if (cfg_target_parse_json(body, strlen(body), "api-1", c, &t, &errs) != 0) {
        char line[700] = "";
        if (errs.n > 0)
            cfg_errs_format(&errs.v[0], NULL, line, sizeof line);
        cfg_errs_free(&errs);
        fail_msg("body %s: %s", body, line);
    }
    key[0] = why[0] = '\0';
    int v = cfg_api_allowed(c, t, key, klen, why, wlen);
    cfg_target_free(t);
    if (v != CFG_ALLOW_YES)
        assert_true(key[0] != '\0' && why[0] != '\0');
    return v;
}

static const char base[] = "api: {tokens_file: /etc/oaprobe/tokens, allow_hosts: "
                           "[mail.contoso.com, '*.fabrikam.com', 127.0.0.2, 10.1.0.0/16, "
                           "'fd00::/8']}\n"
                           "defaults: {user: 'CONTOSO\\svc', password_file: /etc/oaprobe/pw}\n";

static void test_hosts(void **state)
{
    (void)state;
    struct cfg *c = load_ok(base);
    assert_int_equal(c->n_api_allow, 5);
    char key[32], why[600];
    static const struct {
        const char *body;
        int want;
        const char *key, *why;
    } cases[] = {
        /* allowed: every spelling of an allowed name, allowed addresses */
        {"{\"host\": \"mail.contoso.com\"}", CFG_ALLOW_YES, "", ""},
        {"{\"host\": \"MAIL.Contoso.COM.:8443\"}", CFG_ALLOW_YES, "", ""},
        {"{\"host\": \"owa.eu.fabrikam.com\", \"auth\": \"basic\"}", CFG_ALLOW_YES, "", ""},
        {"{\"host\": \"127.0.0.2:4443\", \"depth\": \"auth\"}", CFG_ALLOW_YES, "", ""},
        {"{\"host\": \"[::ffff:127.0.0.2]:4443\"}", CFG_ALLOW_YES, "", ""},
        {"{\"host\": \"10.1.200.3\"}", CFG_ALLOW_YES, "", ""},
        {"{\"host\": \"[fd00::5]\"}", CFG_ALLOW_YES, "", ""},
        /* no credentials: any host, any spelling */
        {"{\"host\": \"evil.example\", \"depth\": \"echo\"}", CFG_ALLOW_YES, "", ""},
        {"{\"host\": \"127.1:9\", \"depth\": \"tls\"}", CFG_ALLOW_YES, "", ""},
        {"{\"host\": \"0x7f.1\", \"depth\": \"echo\", \"resolve\": \"a:443:127.0.0.1\"}",
         CFG_ALLOW_YES, "", ""},
        /* refused: not in the list */
        {"{\"host\": \"evil.example\"}", CFG_ALLOW_NO, "host",
         "the target carries credentials and host \"evil.example\" is not in "
         "api.allow_hosts (list it there, or use depth tls or echo)"},
        {"{\"host\": \"contoso.com\", \"depth\": \"auth\"}", CFG_ALLOW_NO, "host", "not in"},
        {"{\"host\": \"fabrikam.com\"}", CFG_ALLOW_NO, "host", "not in"},
        {"{\"host\": \"mail.contoso.com.evil.example\"}", CFG_ALLOW_NO, "host", "not in"},
        {"{\"host\": \"127.0.0.1:9\", \"auth\": \"basic\", \"depth\": \"auth\"}", CFG_ALLOW_NO,
         "host", "host \"127.0.0.1:9\" is not in api.allow_hosts"},
        {"{\"host\": \"[::ffff:127.0.0.1]:9\"}", CFG_ALLOW_NO, "host", "not in"},
        {"{\"host\": \"[::1]\"}", CFG_ALLOW_NO, "host", "not in"},
        {"{\"host\": \"localhost.\"}", CFG_ALLOW_NO, "host", "not in"},
        {"{\"host\": \"LOCALHOST\"}", CFG_ALLOW_NO, "host", "not in"},
        {"{\"host\": \"10.2.0.1\"}", CFG_ALLOW_NO, "host", "not in"},
        /* a name never matches an address pattern (it is not resolved) */
        {"{\"host\": \"ten.example\", \"auth\": \"negotiate\"}", CFG_ALLOW_NO, "host",
         "not in"},
        /* refused: a spelling the matcher cannot judge */
        {"{\"host\": \"127.1:9\"}", CFG_ALLOW_BAD, "host", "one accepted form"},
        {"{\"host\": \"0x7f.1:9\"}", CFG_ALLOW_BAD, "host", "one accepted form"},
        {"{\"host\": \"0177.0.0.1\"}", CFG_ALLOW_BAD, "host", "one accepted form"},
        {"{\"host\": \"2130706434\"}", CFG_ALLOW_BAD, "host", "one accepted form"},
        {"{\"host\": \"127.0.0.2.\"}", CFG_ALLOW_BAD, "host", "one accepted form"},
        /* resolve: every address must be allowed too */
        {"{\"host\": \"mail.contoso.com\", \"resolve\": \"mail.contoso.com:443:127.0.0.2\"}",
         CFG_ALLOW_YES, "", ""},
        {"{\"host\": \"mail.contoso.com\", \"resolve\": [\"mail.contoso.com:443:10.1.0.1,"
         "[fd00::1]\"]}",
         CFG_ALLOW_YES, "", ""},
        {"{\"host\": \"mail.contoso.com\", \"resolve\": \"mail.contoso.com:443:127.0.0.1\"}",
         CFG_ALLOW_NO, "resolve[0]",
         "the address 127.0.0.1 is not in api.allow_hosts (resolve connects the target's name "
         "there, and the target carries credentials)"},
        {"{\"host\": \"mail.contoso.com\", \"resolve\": [\"mail.contoso.com:443:127.0.0.2\", "
         "\"mail.contoso.com:443:10.1.0.1,[::ffff:127.0.0.1]\"]}",
         CFG_ALLOW_NO, "resolve[1]", "the address ::ffff:127.0.0.1 is not in"},
        {"{\"host\": \"mail.contoso.com\", \"resolve\": \"other.example:443:[::1]\"}",
         CFG_ALLOW_NO, "resolve[0]", "the address ::1 is not in"},
        {"{\"host\": \"mail.contoso.com\", \"resolve\": \"mail.contoso.com:443:beef.cafe\"}",
         CFG_ALLOW_BAD, "resolve[0]", "\"beef.cafe\" is not an IP address"},
        /* the transport's guards are the file's: not turned off by a body */
        {"{\"host\": \"mail.contoso.com\", \"insecure\": true}", CFG_ALLOW_NO, "insecure",
         "the target carries credentials: without certificate verification whoever answers "
         "for its host on the network would receive them; only the file may turn it off "
         "(defaults.insecure) or name a CA to trust (defaults.cacert)"},
        {"{\"host\": \"mail.contoso.com\", \"http\": true, \"auth\": \"basic\"}",
         CFG_ALLOW_NO, "http", "plain HTTP would send them in clear"},
        {"{\"host\": \"mail.contoso.com\", \"insecure\": false, \"http\": false}",
         CFG_ALLOW_YES, "", ""},
        {"{\"host\": \"evil.example\", \"depth\": \"echo\", \"insecure\": true, "
         "\"http\": true}",
         CFG_ALLOW_YES, "", ""},
        /* a file on the server is the file's to name, credentials or not */
        {"{\"host\": \"mail.contoso.com\", \"cacert\": \"/etc/oaprobe/lab-ca.pem\"}",
         CFG_ALLOW_NO, "cacert",
         "a file on the server cannot be set through the API; set it in the configuration "
         "file (defaults.cacert)"},
        {"{\"host\": \"evil.example\", \"depth\": \"tls\", \"cacert\": \"/etc/shadow\"}",
         CFG_ALLOW_NO, "cacert", "a file on the server cannot be set through the API"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int v = judge(c, cases[i].body, key, sizeof key, why, sizeof why);
        if (v != cases[i].want || strcmp(key, cases[i].key) != 0 ||
            strstr(why, cases[i].why) == NULL)
            fail_msg("%s: got %d %s: %s; want %d %s: %s", cases[i].body, v, key, why,
                     cases[i].want, cases[i].key, cases[i].why);
    }
    cfg_free(c);
}

/* Without api.allow_hosts, no API target may carry credentials; the
 * predicate is the modules' (password, keytab, negotiate's own cache). */
static void test_unset(void **state)
{
    (void)state;
    char key[32], why[600];
    struct cfg *c = load_ok("defaults: {user: 'CONTOSO\\svc', password_file: /etc/oaprobe/pw}\n");
    assert_int_equal(judge(c, "{\"host\": \"mail.contoso.com\"}", key, sizeof key, why,
                           sizeof why),
                     CFG_ALLOW_NO);
    assert_string_equal(key, "host");
    assert_string_equal(why, "the target carries credentials and api.allow_hosts is not set: no "
                             "host may be sent them (list the hosts in api.allow_hosts, or use "
                             "depth tls or echo)");
    assert_int_equal(judge(c, "{\"host\": \"m\", \"depth\": \"echo\"}", key, sizeof key, why,
                           sizeof why),
                     CFG_ALLOW_YES);
    cfg_free(c);
    /* no credentials in the defaults: NTLM/Basic without a user go anywhere */
    c = load_ok("defaults: {interval: 60s}\n");
    assert_int_equal(judge(c, "{\"host\": \"evil.example\"}", key, sizeof key, why, sizeof why),
                     CFG_ALLOW_YES);
    assert_int_equal(judge(c, "{\"host\": \"evil.example\", \"auth\": \"negotiate\"}", key,
                           sizeof key, why, sizeof why),
                     CFG_ALLOW_NO);
    cfg_free(c);
    c = load_ok("defaults: {password: '${HOME}'}\n");
    assert_int_equal(judge(c, "{\"host\": \"evil.example\"}", key, sizeof key, why, sizeof why),
                     CFG_ALLOW_NO);
    cfg_free(c);
    /* defaults that turn the guards off themselves: the body may say so too */
    c = load_ok("api: {allow_hosts: [m.example]}\n"
                "defaults: {user: u, password_file: /p, insecure: true, http: true}\n");
    assert_int_equal(judge(c, "{\"host\": \"m.example\", \"insecure\": true, \"http\": true}",
                           key, sizeof key, why, sizeof why),
                     CFG_ALLOW_YES);
    cfg_free(c);
    /* the defaults' cacert is inherited, and may be repeated; another is refused */
    c = load_ok("api: {allow_hosts: [m.example]}\n"
                "defaults: {user: u, password_file: /p, cacert: /etc/oaprobe/ca.pem}\n");
    assert_int_equal(judge(c, "{\"host\": \"m.example\"}", key, sizeof key, why, sizeof why),
                     CFG_ALLOW_YES);
    assert_int_equal(judge(c, "{\"host\": \"m.example\", \"cacert\": \"/etc/oaprobe/ca.pem\"}",
                           key, sizeof key, why, sizeof why),
                     CFG_ALLOW_YES);
    assert_int_equal(judge(c, "{\"host\": \"m.example\", \"depth\": \"echo\", "
                              "\"cacert\": \"/etc/oaprobe/other.pem\"}",
                           key, sizeof key, why, sizeof why),
                     CFG_ALLOW_NO);
    assert_string_equal(key, "cacert");
    cfg_free(c);
    /* a target of the file is judged the same way by the function (the
     * service never asks: the file is the operator's) */
    c = load_ok("defaults: {keytab: /k, auth: negotiate, user: u@R}\n"
                "targets: [{name: a, host: x.example}]\n");
    assert_int_equal(cfg_api_allowed(c, c->targets[0], key, sizeof key, why, sizeof why),
                     CFG_ALLOW_NO);
    assert_int_equal(cfg_api_allowed(c, NULL, key, sizeof key, why, sizeof why),
                     CFG_ALLOW_BAD);
    cfg_free(c);
}

static void test_parse(void **state)
{
    (void)state;
    struct cfg *c = load_ok("api: {allow_hosts: '*'}\n");
    assert_int_equal(c->n_api_allow, 1);
    assert_int_equal(c->api_allow[0].kind, CFG_ALLOW_ANY);
    cfg_free(c);
    load_err("api: {allow_hosts: null}\n", "api.allow_hosts: has no value");
    load_err("api:\n  allow_hosts: [mail.contoso.com, 10.0.0.0/33]\n",
             "t.yml:2:35: api.allow_hosts[1]: \"10.0.0.0/33\" is not a CIDR: the prefix is not "
             "a number 0-32");
    load_err("api: {allow_hosts: []}\n",
             "api.allow_hosts: is an empty list (leave it out, or list the hosts)");
    load_err("api: {allow_hosts: [127.1]}\n",
             "api.allow_hosts[0]: the pattern \"127.1\" is not an IPv4 address in its one "
             "accepted form");
    load_err("api: {allow_hosts: 'mail:443'}\n", "no port in a pattern");
    load_err("api: {allow_hosts: {a: b}}\n", "api.allow_hosts: wants");
    load_err("api: {allow_hosts: [a], allow_hosts: [b]}\n", "allow_hosts");
    load_err("defaults: {allow_hosts: [h]}\n", "defaults.allow_hosts: unknown key");
}

/* The warnings of `oaprobe config check` for the API. */
static void test_warnings(void **state)
{
    (void)state;
    static const struct {
        const char *doc;
        const char *want; /* NULL: no warning */
    } cases[] = {
        {"api: {tokens_file: /t}\ndefaults: {user: 'C\\s', password_file: /p}\n",
         "t.yml:1:6: api: warning: defaults carry credentials and api.allow_hosts is not set: PUT "
         "/api/v1/targets refuses every target that would send them (depth auth or tunnel); "
         "list the hosts API targets may send them to in api.allow_hosts"},
        /* defaults at depth tls: a body may still ask for tunnel */
        {"api: {tokens_file: /t}\ndefaults: {depth: tls, keytab: /k, user: u@R}\n",
         "api.allow_hosts is not set"},
        {"api: {tokens_file: /t, allow_hosts: '*'}\ndefaults: {password: '${HOME}'}\n",
         "t.yml:1:24: api.allow_hosts: warning: \"*\" lets whoever holds a write token send the "
         "defaults' credentials to any host"},
        {"api: {tokens_file: /t, allow_hosts: [mail.contoso.com]}\n"
         "defaults: {user: 'C\\s', password_file: /p}\n",
         NULL},
        /* no tokens file: no writes at all */
        {"defaults: {user: 'C\\s', password_file: /p}\n", NULL},
        /* no credentials in the defaults */
        {"api: {tokens_file: /t}\ndefaults: {interval: 30s}\n", NULL},
        {"api: {tokens_file: /t}\n", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct cfg *c = load_ok(cases[i].doc);
        struct cfg_errs w = {0};
        size_t n = cfg_warnings(c, &w);
        char line[700] = "";
        if (w.n > 0)
            cfg_errs_format(&w.v[0], "t.yml", line, sizeof line);
        cfg_errs_free(&w);
        cfg_free(c);
        if (cases[i].want == NULL ? n != 0 : n != 1 || strstr(line, cases[i].want) == NULL)
            fail_msg("%s: %zu warnings: %s", cases[i].doc, n, line);
    }
}

static void find_key(const char *path, void *arg)
{
    if (strcmp(path, "api.allow_hosts") == 0)
        *(int *)arg += 1;
}

static void test_keys(void **state)
{
    (void)state;
    int seen = 0;
    assert_true(cfg_keys_each(find_key, &seen) > 0);
    assert_int_equal(seen, 1);
}

/* cfg_allow_target's own edges. */
static void test_target_edges(void **state)
{
    (void)state;
    struct cfg_allow v[1];
    char err[300];
    assert_int_equal(cfg_allow_parse("127.0.0.2", &v[0], err, sizeof err), 0);
    struct check_opts o = {0};
    o.host = "127.0.0.2";
    o.user = "u";
    char key[4], why[300];
    /* no credentials: YES, key cleared */
    struct check_opts none = {.host = "x"};
    assert_int_equal(cfg_allow_target(v, 1, "L", &none, NULL, NULL, key, sizeof key, why,
                                      sizeof why),
                     CFG_ALLOW_YES);
    assert_string_equal(key, "");
    assert_int_equal(cfg_allow_target(v, 1, "L", &o, NULL, NULL, NULL, 0, NULL, 0),
                     CFG_ALLOW_YES);
    o.resolve[0] = "h:443:127.0.0.2,[127.0.0.2]";
    o.n_resolve = 1;
    assert_int_equal(cfg_allow_target(v, 1, "L", &o, NULL, NULL, key, sizeof key, why,
                                      sizeof why),
                     CFG_ALLOW_YES); /* the address either way */
    o.resolve[0] = "h:443:127.0.0.2,,127.0.0.2";
    assert_int_equal(cfg_allow_target(v, 1, "L", &o, NULL, NULL, key, sizeof key, why,
                                      sizeof why),
                     CFG_ALLOW_BAD);
    o.resolve[0] = "h:443:";
    assert_int_equal(cfg_allow_target(v, 1, "L", &o, NULL, NULL, key, sizeof key, why,
                                      sizeof why),
                     CFG_ALLOW_BAD);
    o.resolve[0] = "h443";
    assert_int_equal(cfg_allow_target(v, 1, "L", &o, NULL, NULL, key, sizeof key, why,
                                      sizeof why),
                     CFG_ALLOW_BAD);
    assert_string_equal(key, "res"); /* truncated, terminated */
    o.n_resolve = 0;
    o.host = NULL;
    assert_int_equal(cfg_allow_target(v, 1, "L", &o, NULL, NULL, key, sizeof key, why,
                                      sizeof why),
                     CFG_ALLOW_BAD);
    assert_int_equal(cfg_allow_target(v, 1, "L", NULL, NULL, NULL, key, sizeof key, why,
                                      sizeof why),
                     CFG_ALLOW_YES); /* no settings: nothing is sent */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hosts),    cmocka_unit_test(test_unset),
        cmocka_unit_test(test_parse),    cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_keys),     cmocka_unit_test(test_target_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
