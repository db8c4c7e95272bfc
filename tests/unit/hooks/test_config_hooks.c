/*
 * test_config_hooks.c: the configuration keys of issue 9: alertmanagers,
 * webhooks (headers with ${NAME} secrets never in error text), exec,
 * maintenance (one-off, recurring short and long forms, time zones) and
 * modules; a table of bad documents with the line, column, key path and
 * problem each must report; API bodies of maintenance windows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "service/config.h"

#define SECRET "s3cr3t-T0ken-value"

static struct cfg *load_ok(const char *text)
{
    struct cfg *cfg = NULL;
    struct cfg_errs errs = {0};
    if (cfg_load_string(text, strlen(text), &cfg, &errs) != 0) {
        char line[700];
        for (size_t i = 0; i < errs.n; i++)
            print_error("%s\n", cfg_errs_format(&errs.v[i], "t.yml", line, sizeof line));
        cfg_errs_free(&errs);
        fail_msg("expected a valid configuration");
    }
    return cfg;
}

static char *load_bad(const char *text)
{
    struct cfg *cfg = (struct cfg *)1;
    struct cfg_errs errs = {0};
    assert_int_equal(cfg_load_string(text, strlen(text), &cfg, &errs), -1);
    assert_null(cfg);
    size_t cap = 64 + errs.n * 700;
    char *all = calloc(1, cap);
    size_t n = 0;
    for (size_t i = 0; i < errs.n; i++) {
        char line[700];
        n += (size_t)snprintf(all + n, cap - n, "%s\n",
                              cfg_errs_format(&errs.v[i], "t.yml", line, sizeof line));
    }
    cfg_errs_free(&errs);
    return all;
}

static const char good[] =
    "defaults: {timeout: 5s}\n"
    "targets:\n"
    "  - {name: contoso-mail, host: mail.contoso.com, labels: {site: hq}}\n"
    "alertmanagers:\n"
    "  - http://127.0.0.1:9093/\n"
    "  - {url: 'http://[::1]:9094', timeout: 2s}\n"
    "webhooks:\n"
    "  - url: http://127.0.0.1:8080/hook\n"
    "    headers: {Authorization: 'Bearer ${HOOK_TOKEN}', X-Team: ops}\n"
    "    timeout: 3s\n"
    "  - {name: chat, url: https://chat.example.com/in}\n"
    "exec:\n"
    "  - {command: [/usr/local/bin/notify, --page], timeout: 20s}\n"
    "maintenance:\n"
    "  - name: patching\n"
    "    targets: [contoso-mail]\n"
    "    start: 2026-12-05T22:00:00Z\n"
    "    end: 2026-12-06T02:00:00+01:00\n"
    "    reason: System Attendant restart\n"
    "  - {labels: {site: hq}, recurring: 'sat,sun 22:00-02:00', time_zone: Europe/Berlin}\n"
    "  - {targets: contoso-mail, days: [mon, wed], from: '01:00', duration: 1h30m}\n"
    "  - {targets: [contoso-mail], recurring: 'mon-fri 03:00+30m'}\n"
    "modules:\n"
    "  tunnel: {depth: tunnel, ports: '6001-6002,6004', timeout: 8s}\n"
    "  tls: {depth: tls}\n";

static void test_good(void **state)
{
    (void)state;
    setenv("HOOK_TOKEN", SECRET, 1);
    struct cfg *c = load_ok(good);
    assert_int_equal(c->n_alertmanagers, 2);
    assert_string_equal(c->alertmanagers[0].url, "http://127.0.0.1:9093");
    assert_int_equal(c->alertmanagers[0].timeout_ms, CFG_HOOK_TIMEOUT_MS);
    assert_int_equal(c->alertmanagers[1].timeout_ms, 2000);
    assert_int_equal(c->n_webhooks, 2);
    assert_string_equal(c->webhooks[0].name, "webhook0");
    assert_string_equal(c->webhooks[1].name, "chat");
    assert_int_equal(c->webhooks[0].n_headers, 2);
    assert_string_equal(c->webhooks[0].headers[0].name, "Authorization");
    assert_string_equal(c->webhooks[0].headers[0].value, "Bearer " SECRET);
    assert_true(c->webhooks[0].headers[0].secret);
    assert_false(c->webhooks[0].headers[1].secret);
    assert_int_equal(c->webhooks[0].timeout_ms, 3000);
    assert_int_equal(c->n_execs, 1);
    assert_int_equal(c->execs[0].argc, 2);
    assert_string_equal(c->execs[0].argv[1], "--page");
    assert_null(c->execs[0].argv[2]);
    assert_int_equal(c->execs[0].timeout_ms, 20000);
    assert_int_equal(c->n_maint, 4);
    assert_string_equal(c->maint[0].name, "patching");
    assert_int_equal(c->maint[0].start_ms, 1796508000000ll);
    assert_int_equal(c->maint[0].end_ms, 1796518800000ll);
    assert_string_equal(c->maint[0].reason, "System Attendant restart");
    assert_int_equal(c->maint[1].days, (1u << 6) | 1u);
    assert_int_equal(c->maint[1].from_min, 22 * 60);
    assert_int_equal(c->maint[1].duration_ms, 4 * 3600000ull);
    assert_string_equal(c->maint[1].tz, "Europe/Berlin");
    assert_int_equal(c->maint[1].n_match, 1);
    assert_string_equal(c->maint[1].name, "maintenance1");
    assert_int_equal(c->maint[2].days, (1u << 1) | (1u << 3));
    assert_int_equal(c->maint[2].duration_ms, 90 * 60000ull);
    assert_string_equal(c->maint[2].tz, "UTC");
    assert_string_equal(c->maint[2].targets[0], "contoso-mail");
    assert_int_equal(c->maint[3].days, 0x3e);
    assert_int_equal(c->maint[3].duration_ms, 30 * 60000ull);
    assert_int_equal(c->n_modules, 2);
    const struct cfg_module *m = cfg_module_find(c, "tunnel");
    assert_non_null(m);
    assert_int_equal(m->t->set.opts.timeout_ms, 8000);
    assert_int_equal(m->t->set.opts.n_ports, 3);
    assert_null(m->t->set.opts.host);
    assert_non_null(cfg_module_find(c, "tls"));
    assert_int_equal(cfg_module_find(c, "tls")->t->set.opts.timeout_ms, 5000);
    assert_null(cfg_module_find(c, "http_2xx"));
    cfg_free(c);
}

struct bad {
    const char *doc;
    const char *want; /* a substring of the errors */
};

static const struct bad bads[] = {
    {"alertmanagers: http://x\n", "t.yml:1:16: alertmanagers: wants a list of Alertmanager URLs"},
    {"alertmanagers: [ftp://x]\n", "t.yml:1:17: alertmanagers[0]: wants an http:// or https://"},
    {"alertmanagers: [{url: http://x, tls: 1}]\n", "alertmanagers[0].tls: unknown key 'tls'"},
    {"alertmanagers: [{timeout: 1s}]\n", "alertmanagers[0]: url: missing"},
    {"webhooks: [{headers: {a: b}}]\n", "t.yml:1:12: webhooks[0]: url: missing"},
    {"webhooks: [{url: 'http://h', timeout: 10m}]\n",
     "webhooks[0].timeout: \"10m\" is not a duration from 100ms to 5m"},
    {"webhooks: [{url: 'http://h', headers: {Host: x}}]\n",
     "webhooks[0].headers.Host: not a header name"},
    {"webhooks: [{url: 'http://h', headers: {'a b': x}}]\n",
     "webhooks[0].headers.a b: not a header name"},
    {"webhooks: [{url: 'http://h', headers: {X-A: \"a\\nb\"}}]\n",
     "webhooks[0].headers.X-A: the value holds a line break"},
    {"webhooks: [{url: 'http://h', headers: {X-A: '${HOOKS_UNSET_VAR}'}}]\n",
     "environment variable HOOKS_UNSET_VAR is not set"},
    {"webhooks: [{url: 'http://h', name: 'Bad Name'}]\n", "webhooks[0].name: \"Bad Name\""},
    {"webhooks: [{url: 'http://h', method: PUT}]\n", "webhooks[0].method: unknown key 'method'"},
    {"exec: [{command: notify}]\n", "exec[0].command: wants a list of arguments"},
    {"exec: [{command: [notify]}]\n", "exec[0].command[0]: the program must be an absolute path"},
    {"exec: [{timeout: 1s}]\n", "exec[0]: command: missing"},
    {"exec: [{command: []}]\n", "exec[0].command: is an empty list"},
    {"maintenance: [{targets: [a], start: 2026-12-05T22:00:00Z}]\n",
     "maintenance[0]: a one-off window wants both start and end"},
    {"maintenance: [{targets: [a], start: 2026-12-05T22:00:00Z, end: 2026-12-05T21:00:00Z}]\n",
     "maintenance[0].end: ends before it starts"},
    {"maintenance: [{targets: [a], start: '2026-12-05 22:00', end: 2026-12-06T02:00:00Z}]\n",
     "maintenance[0].start: \"2026-12-05 22:00\" is not an RFC 3339 time"},
    {"maintenance: [{start: 2026-12-05T22:00:00Z, end: 2026-12-06T02:00:00Z}]\n",
     "maintenance[0]: names no target"},
    {"maintenance: [{targets: [a], recurring: 'sat 25:00-02:00'}]\n",
     "maintenance[0].recurring: \"sat 25:00-02:00\": bad time"},
    {"maintenance: [{targets: [a], recurring: 'caturday 22:00-02:00'}]\n",
     "maintenance[0].recurring: \"caturday 22:00-02:00\": bad days"},
    {"maintenance: [{targets: [a], recurring: 'sat 22:00+9d'}]\n", "bad duration (1m to 7d"},
    {"maintenance: [{targets: [a], recurring: 'sat 22:00-02:00', time_zone: Mars/Olympus}]\n",
     "maintenance[0].time_zone: \"Mars/Olympus\" is not a time zone of the TZ database"},
    {"maintenance: [{targets: [a], recurring: 'sat 22:00-02:00', time_zone: ../../etc/passwd}]\n",
     "is not a time zone"},
    {"maintenance: [{targets: [a], days: [sat], from: '22:00'}]\n",
     "maintenance[0]: a recurring window wants days, from and one of to or duration"},
    {"maintenance: [{targets: [a], days: [sat], from: '22:00', to: '23:00', start: "
     "2026-12-05T22:00:00Z}]\n",
     "one-off (start/end) and recurring keys at once"},
    {"maintenance: [{targets: [a], days: [someday], from: '22:00', to: '23:00'}]\n",
     "maintenance[0].days[0]: \"someday\" is not a day"},
    {"maintenance: [{targets: [A!], recurring: 'sat 22:00-02:00'}]\n",
     "maintenance[0].targets[0]: \"A!\" is not a valid target name"},
    {"maintenance: [{targets: [a], recurring: 'sat 22:00-02:00', every: 2}]\n",
     "maintenance[0].every: unknown key 'every'"},
    {"modules: {tunnel: {host: mail.contoso.com}}\n",
     "modules.tunnel: a module has no host"},
    {"modules: {tunnel: {portz: 6001}}\n", "modules.tunnel.portz: unknown key 'portz'"},
    {"modules: {Bad: {}}\n", "modules.Bad: not a valid module name"},
    {"modules: {tunnel: {interval: 30s}}\n",
     "t.yml:1:20: modules.tunnel.interval: not a module key: a module holds the check's options"},
    {"modules: {tunnel: {labels: {a: b}, location: x}}\n",
     "modules.tunnel.location: not a module key"},
    {"modules: {tunnel: {keytab: /k.keytab}}\n",
     "modules.tunnel: keytab: needs auth: negotiate"},
    {"modules:\n  tunnel:\n    allow_hosts: [mail.contoso.com, '*.contoso.com', 10.0.0.0/33]\n",
     "t.yml:3:54: modules.tunnel.allow_hosts[2]: \"10.0.0.0/33\" is not a CIDR: the prefix is "
     "not a number 0-32"},
    {"modules: {tunnel: {allow_hosts: []}}\n",
     "modules.tunnel.allow_hosts: is an empty list (leave it out, or list the hosts)"},
    {"modules: {tunnel: {allow_hosts: {a: b}}}\n", "modules.tunnel.allow_hosts: wants"},
    {"modules: {tunnel: {allow_hosts: [012.0.0.1]}}\n",
     "modules.tunnel.allow_hosts[0]: the pattern \"012.0.0.1\" is not an IPv4 address in its "
     "one accepted form"},
    {"modules: {tunnel: {allow_hosts: 'mail*.contoso.com'}}\n",
     "modules.tunnel.allow_hosts: \"mail*.contoso.com\": a wildcard is only allowed as the whole "
     "first label"},
    {"modules: {tunnel: {allow_hosts: [10.0.0.1/8]}}\n",
     "bits are set past the prefix (the network is 10.0.0.0/8)"},
    {"defaults: {allow_hosts: [h]}\n", "defaults.allow_hosts: unknown key 'allow_hosts'"},
    {"targets: [{name: a, host: h, allow_hosts: [h]}]\n",
     "targets[0].allow_hosts: unknown key 'allow_hosts'"},
    {"hooks: []\n", "t.yml:1:1: hooks: unknown key 'hooks'"},
    /* the key tables (config_walk.c): an unknown key names the keys there
     * are, a required one is missing at the mapping, an alias is refused */
    {"alertmanagers: [{url: http://x, tls: 1}]\n",
     "t.yml:1:33: alertmanagers[0].tls: unknown key 'tls' (url, timeout)"},
    {"webhooks: [{url: 'http://h', method: PUT}]\n",
     "t.yml:1:30: webhooks[0].method: unknown key 'method' (name, url, headers, timeout)"},
    {"exec: [{command: [/bin/true], shell: 1}]\n",
     "t.yml:1:31: exec[0].shell: unknown key 'shell' (name, command, timeout)"},
    {"exec: [{timeout: 1s}]\n", "t.yml:1:8: exec[0]: command: missing ([/path/to/program, arg...])"},
    {"exec: [{name: &n a, command: *n}]\n",
     "t.yml:1:15: exec[0].command: YAML aliases (*name) are not supported"},
    {"maintenance: [{targets: [a], recurring: 'sat 22:00-02:00', every: 2}]\n",
     "maintenance[0].every: unknown key 'every' (name, targets, labels, start, end, recurring, "
     "days, from, to, duration, time_zone, reason)"},
};

static void test_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        char *all = load_bad(bads[i].doc);
        if (strstr(all, bads[i].want) == NULL)
            fail_msg("document %zu:\n%s\nwanted: %s\ngot:\n%s", i, bads[i].doc, bads[i].want, all);
        free(all);
    }
}

/* A header value from ${NAME} is a secret: a bad webhook next to it
 * reports its problem without the value. */
static void test_secret_not_echoed(void **state)
{
    (void)state;
    setenv("HOOK_TOKEN", SECRET, 1);
    char *all = load_bad("webhooks:\n"
                         "  - url: 'http://h/${HOOK_TOKEN}x y'\n"
                         "    headers: {Authorization: \"Bearer ${HOOK_TOKEN}\\r\\n\"}\n");
    assert_non_null(strstr(all, "webhooks[0].url"));
    assert_non_null(strstr(all, "webhooks[0].headers.Authorization"));
    assert_null(strstr(all, SECRET));
    free(all);
}

/* allow_hosts parsed; which modules carry credentials; the warnings of
 * `oaprobe config check`. */
static void test_allow_hosts(void **state)
{
    (void)state;
    const char *doc = "modules:\n"
                      "  tunnel:\n"
                      "    user: 'CONTOSO\\svc'\n"
                      "    password_file: /etc/oaprobe/pw\n"
                      "    allow_hosts: ['*.contoso.com', 10.0.0.0/8, 'fd00::/8']\n"
                      "  bare: {depth: auth, user: 'CONTOSO\\svc', password: '${OA_PW}'}\n"
                      "  tls: {depth: tls, user: 'CONTOSO\\svc', password_file: /etc/oaprobe/pw}\n"
                      "  echo: {depth: echo, allow_hosts: mail.contoso.com}\n"
                      "  kerb: {auth: negotiate}\n";
    struct cfg *c = load_ok(doc);
    const struct cfg_module *m = cfg_module_find(c, "tunnel");
    assert_int_equal(m->n_allow, 3);
    assert_int_equal(m->allow[0].kind, CFG_ALLOW_SUFFIX);
    assert_int_equal(m->allow[1].kind, CFG_ALLOW_NET4);
    assert_int_equal(m->allow[2].kind, CFG_ALLOW_NET6);
    assert_true(cfg_module_credentialed(m));
    assert_int_equal(cfg_allow_check(m->allow, m->n_allow, "mail.contoso.com:443", NULL, 0),
                     CFG_ALLOW_YES);
    assert_true(cfg_module_credentialed(cfg_module_find(c, "bare")));
    assert_false(cfg_module_credentialed(cfg_module_find(c, "tls")));
    assert_false(cfg_module_credentialed(cfg_module_find(c, "echo")));
    assert_int_equal(cfg_module_find(c, "echo")->n_allow, 1);
    assert_false(cfg_module_credentialed(NULL));
    struct cfg_errs w = {0};
    size_t n = cfg_warnings(c, &w);
    char line[700];
    char all[4000] = "";
    for (size_t i = 0; i < w.n; i++) {
        strncat(all, cfg_errs_format(&w.v[i], "t.yml", line, sizeof line),
                sizeof all - strlen(all) - 2);
        strncat(all, "\n", sizeof all - strlen(all) - 1);
    }
    cfg_errs_free(&w);
    cfg_free(c);
    if (n != 2 || w.n != 0 ||
        strstr(all, "t.yml:6:3: modules.bare: warning: carries credentials and has no "
                    "allow_hosts: /probe will refuse every ad-hoc host with it") == NULL ||
        strstr(all, "modules.kerb: warning: carries credentials") == NULL)
        fail_msg("%zu warnings:\n%s", n, all);
    /* "*" while reads need no token: a warning; with the token, none */
    doc = "defaults: {user: 'CONTOSO\\svc', password_file: /etc/oaprobe/pw}\n"
          "modules: {any: {allow_hosts: ['*']}}\n";
    c = load_ok(doc);
    assert_int_equal(cfg_warnings(c, &w), 1);
    assert_non_null(strstr(w.v[0].msg, "allow_hosts \"*\" sends its credentials to any host"));
    cfg_errs_free(&w);
    c->read_requires_token = true;
    assert_int_equal(cfg_warnings(c, &w), 0);
    cfg_free(c);
    assert_int_equal(cfg_warnings(NULL, &w), 0);
}

static void test_maint_json(void **state)
{
    (void)state;
    struct cfg_maint m;
    struct cfg_errs errs = {0};
    const char *body = "{\"targets\": [\"contoso-mail\"], \"start\": \"2026-12-05T22:00:00Z\", "
                       "\"end\": \"2026-12-05T23:00:00.500Z\", \"reason\": \"patch\"}";
    assert_int_equal(cfg_maint_parse_json(body, strlen(body), &m, &errs), 0);
    assert_int_equal(m.end_ms - m.start_ms, 3600500);
    assert_string_equal(m.name, "api");
    cfg_maint_clear(&m);
    const char *bad = "{\"labels\": {\"site\": \"hq\"}, \"recurring\": \"sat 22:00-02:00\", "
                      "\"time_zone\": \"${HOME}\"}";
    assert_int_equal(cfg_maint_parse_json(bad, strlen(bad), &m, &errs), -1);
    assert_true(errs.n > 0);
    assert_string_equal(errs.v[0].path, "time_zone");
    cfg_errs_free(&errs);
    assert_int_equal(cfg_maint_parse_json("[1]", 3, &m, &errs), -1);
    cfg_errs_free(&errs);
    int64_t ms;
    assert_int_equal(cfg_rfc3339_parse("2026-02-30T00:00:00Z", &ms), -1);
    assert_int_equal(cfg_rfc3339_parse("2026-12-05T22:00:00-05:30", &ms), 0);
    assert_int_equal(ms, 1796508000000ll + 330 * 60000ll);
    assert_int_equal(cfg_rfc3339_parse("2026-12-05T22:00:00", &ms), -1);
    /* found by fuzz_cfg_maint: a cut offset, a repeated key */
    assert_int_equal(cfg_rfc3339_parse("2026-12-05T22:00:00+", &ms), -1);
    assert_int_equal(cfg_rfc3339_parse("2026-12-05T22:00:00+01", &ms), -1);
    const char *dup = "{\"targets\": [\"a\"], \"targets\": [\"b\"], \"labels\": {\"x\": \"1\"}, "
                      "\"labels\": {\"y\": \"2\"}, \"recurring\": \"daily 01:00+1h\"}";
    assert_int_equal(cfg_maint_parse_json(dup, strlen(dup), &m, &errs), -1);
    assert_non_null(strstr(errs.v[0].msg, "duplicate key"));
    cfg_errs_free(&errs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_secret_not_echoed),
        cmocka_unit_test(test_allow_hosts),
        cmocka_unit_test(test_maint_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
