/*
 * test_config_keys.c: the key list (cfg_keys_each, `oaprobe config keys`)
 * and the loader cannot drift: the list has keys of every section, and
 * every listed key path, set in a small configuration of its own, is
 * accepted by cfg_load_string; keys a scope refuses are not listed and are
 * refused; a top-level key under which the loader knows keys has them
 * listed.
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

#define PATHS_MAX 256u

struct list {
    char *v[PATHS_MAX];
    size_t n;
};

static void collect(const char *path, void *arg)
{
    struct list *l = arg;
    assert_true(l->n < PATHS_MAX);
    l->v[l->n] = strdup(path);
    assert_non_null(l->v[l->n]);
    l->n++;
}

static void list_free(struct list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
}

static bool listed(const struct list *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], path) == 0)
            return true;
    return false;
}

/* A valid value for each key name (YAML, flow style). A key added to a
 * table without a value here fails test_each_key_loads: add one. */
static const struct {
    const char *key;
    const char *value;
} samples[] = {
    {"listen", "127.0.0.1:9780"},
    {"storage", "/tmp/oaprobe-keys.db"},
    {"retention", "30d"},
    {"external_url", "https://oaprobe.example.net/"},
    {"max_checks", "4"},
    {"max_probes", "2"},
    {"tls_session_cache", "0"},
    {"tokens_file", "/etc/oaprobe/tokens"},
    {"read_requires_token", "true"},
    {"name", "keys-test"},
    {"interval", "5m"},
    {"remind_every", "1h"},
    {"failure_threshold", "3"},
    {"success_threshold", "2"},
    {"labels", "{site: hq}"},
    {"location", "hq"},
    {"host", "mail.example.net"},
    {"servers", "[exch01.example.net]"},
    {"ports", "\"6001-6002,6004\""},
    {"user", "'EXAMPLE\\oaprobe'"},
    {"password_file", "/run/credentials/oaprobe.service/pw"},
    {"password", "\"${OAPROBE_KEYS_TEST_PW}\""},
    {"auth", "negotiate"},
    {"keytab", "/etc/oaprobe/client.keytab"},
    {"depth", "auth"},
    {"resolve", "[\"mail.example.net:443:127.0.0.1\"]"},
    {"cacert", "/etc/ssl/certs/ca-certificates.crt"},
    {"insecure", "false"},
    {"http", "false"},
    {"direct_ports", "true"},
    {"timeout", "10s"},
    {"cert_warn_days", "21"},
    {"allow_hosts", "[mail.example.net, \"*.example.org\"]"},
    {"url", "http://127.0.0.1:9093"},
    {"headers", "{X-Team: exchange}"},
    {"command", "[/bin/true, --flag]"},
    {"targets", "[keys-test]"},
    {"start", "2027-01-09T20:00:00Z"},
    {"end", "2027-01-10T02:00:00Z"},
    {"recurring", "\"sat 22:00-02:00\""},
    {"days", "[mon, wed]"},
    {"from", "\"01:00\""},
    {"to", "\"02:30\""},
    {"duration", "15m"},
    {"time_zone", "Europe/Berlin"},
    {"reason", "keys test"},
};

static const char *sample(const char *key)
{
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        if (strcmp(samples[i].key, key) == 0)
            return samples[i].value;
    return NULL;
}

/* The keys a check's options need beside key (keytab wants negotiate). */
static const char *companions(const char *key)
{
    if (strcmp(key, "keytab") == 0)
        return "auth: negotiate, ";
    return "";
}

/* A maintenance window's other keys, so that key completes a valid one. */
static const char *maint_rest(const char *key)
{
    if (strcmp(key, "start") == 0 || strcmp(key, "end") == 0 || strcmp(key, "name") == 0 ||
        strcmp(key, "targets") == 0 || strcmp(key, "reason") == 0)
        return strcmp(key, "start") == 0     ? "end: 2027-01-10T02:00:00Z, targets: [t]"
               : strcmp(key, "end") == 0     ? "start: 2027-01-09T20:00:00Z, targets: [t]"
               : strcmp(key, "targets") == 0 ? "recurring: \"sat 22:00-02:00\""
                                             : "recurring: \"sat 22:00-02:00\", targets: [t]";
    if (strcmp(key, "recurring") == 0 || strcmp(key, "time_zone") == 0 ||
        strcmp(key, "labels") == 0)
        return strcmp(key, "recurring") == 0 ? "targets: [t]"
               : strcmp(key, "labels") == 0  ? "recurring: \"sat 22:00-02:00\""
                                             : "recurring: \"sat 22:00-02:00\", targets: [t]";
    if (strcmp(key, "days") == 0)
        return "from: \"01:00\", to: \"02:30\", targets: [t]";
    if (strcmp(key, "from") == 0)
        return "days: daily, to: \"02:30\", targets: [t]";
    if (strcmp(key, "to") == 0)
        return "days: daily, from: \"01:00\", targets: [t]";
    if (strcmp(key, "duration") == 0)
        return "days: daily, from: \"04:00\", targets: [t]";
    return "targets: [t]";
}

/* A configuration that sets path (a leaf) and little else, into buf. */
static void config_for(const char *path, char *buf, size_t len)
{
    const char *dot = strrchr(path, '.');
    const char *key = dot != NULL ? dot + 1 : path;
    const char *v = sample(key);
    if (v == NULL)
        fail_msg("no sample value for '%s' (%s): add one to samples[]", key, path);
    int w = 0;
    if (dot == NULL)
        w = snprintf(buf, len, "%s: %s\n", key, v);
    else if (strncmp(path, "api.", 4) == 0)
        w = snprintf(buf, len, "api: {%s: %s}\n", key, v);
    else if (strncmp(path, "defaults.", 9) == 0)
        w = snprintf(buf, len, "defaults: {%s%s: %s}\n", companions(key), key, v);
    else if (strncmp(path, "targets[].", 10) == 0)
        w = snprintf(
            buf, len, "targets:\n  - {%s%s%s%s%s: %s}\n", strcmp(key, "name") ? "name: t, " : "",
            strcmp(key, "host") ? "host: mail.example.net, " : "", companions(key), "", key, v);
    else if (strncmp(path, "modules.NAME.", 13) == 0)
        w = snprintf(buf, len, "modules:\n  m: {%s%s: %s}\n", companions(key), key, v);
    else if (strncmp(path, "alertmanagers[].", 16) == 0)
        w = snprintf(buf, len, "alertmanagers:\n  - {%s%s: %s}\n",
                     strcmp(key, "url") ? "url: http://127.0.0.1:9093, " : "", key, v);
    else if (strncmp(path, "webhooks[].", 11) == 0)
        w = snprintf(buf, len, "webhooks:\n  - {%s%s: %s}\n",
                     strcmp(key, "url") ? "url: https://hooks.example.net/x, " : "", key, v);
    else if (strncmp(path, "exec[].", 7) == 0)
        w = snprintf(buf, len, "exec:\n  - {%s%s: %s}\n",
                     strcmp(key, "command") ? "command: [/bin/true], " : "", key, v);
    else if (strncmp(path, "maintenance[].", 14) == 0)
        w = snprintf(buf, len, "maintenance:\n  - {%s: %s, %s}\n", key,
                     strcmp(key, "targets") == 0 ? "[t]" : v, maint_rest(key));
    else
        fail_msg("a path of an unknown section: %s (teach config_for)", path);
    assert_true(w > 0 && (size_t)w < len);
}

static void expect_loads(const char *path, const char *text)
{
    struct cfg *cfg = NULL;
    struct cfg_errs errs = {0};
    if (cfg_load_string(text, strlen(text), &cfg, &errs) != 0) {
        char line[700];
        for (size_t i = 0; i < errs.n; i++)
            print_error("%s\n", cfg_errs_format(&errs.v[i], "keys.yml", line, sizeof line));
        cfg_errs_free(&errs);
        fail_msg("the listed key %s is refused by the loader:\n%s", path, text);
    }
    cfg_free(cfg);
}

static void expect_refused(const char *text, const char *what)
{
    struct cfg *cfg = NULL;
    struct cfg_errs errs = {0};
    assert_int_equal(cfg_load_string(text, strlen(text), &cfg, &errs), -1);
    bool found = false;
    for (size_t i = 0; i < errs.n; i++)
        found = found || strstr(errs.v[i].msg, what) != NULL;
    if (!found)
        fail_msg("no error containing '%s' for:\n%s", what, text);
    cfg_errs_free(&errs);
}

static void test_every_section(void **state)
{
    (void)state;
    struct list l = {0};
    size_t n = cfg_keys_each(collect, &l);
    assert_int_equal(n, l.n);
    assert_true(n >= 43);
    static const char *const want[] = {
        "listen",
        "storage",
        "retention",
        "api",
        "external_url",
        "max_checks",
        "max_probes",
        "tls_session_cache",
        "defaults",
        "targets",
        "alertmanagers",
        "webhooks",
        "exec",
        "maintenance",
        "modules",
        "api.tokens_file",
        "api.read_requires_token",
        "defaults.interval",
        "defaults.ports",
        "targets[].name",
        "targets[].interval",
        "targets[].host",
        "targets[].cert_warn_days",
        "alertmanagers[].url",
        "alertmanagers[].timeout",
        "webhooks[].headers",
        "exec[].command",
        "maintenance[].start",
        "maintenance[].time_zone",
        "modules.NAME.allow_hosts",
        "modules.NAME.password_file",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!listed(&l, want[i]))
            fail_msg("%s is not listed", want[i]);
    /* what a scope refuses is not listed */
    assert_false(listed(&l, "defaults.name"));
    assert_false(listed(&l, "modules.NAME.host"));
    assert_false(listed(&l, "modules.NAME.interval"));
    assert_false(listed(&l, "targets[].allow_hosts"));
    for (size_t i = 0; i < l.n; i++)
        for (size_t j = i + 1; j < l.n; j++)
            if (strcmp(l.v[i], l.v[j]) == 0)
                fail_msg("%s listed twice", l.v[i]);
    list_free(&l);
}

static void test_each_key_loads(void **state)
{
    (void)state;
    struct list l = {0};
    (void)cfg_keys_each(collect, &l);
    size_t tried = 0;
    for (size_t i = 0; i < l.n; i++) {
        char text[1024];
        const char *path = l.v[i];
        const char *sub = NULL; /* a section: set its first key */
        for (size_t j = 0; j < l.n && sub == NULL; j++) {
            size_t pl = strlen(path);
            if (strncmp(l.v[j], path, pl) == 0 &&
                (l.v[j][pl] == '.' || strncmp(l.v[j] + pl, "[].", 3) == 0))
                sub = l.v[j];
        }
        config_for(sub != NULL ? sub : path, text, sizeof text);
        expect_loads(path, text);
        tried++;
    }
    assert_int_equal(tried, l.n);
    list_free(&l);
}

static void test_refused(void **state)
{
    (void)state;
    expect_refused("defaults: {name: x}\n", "a name is not a default");
    expect_refused("modules:\n  m: {host: mail.example.net}\n", "a module has no host");
    expect_refused("modules:\n  m: {interval: 5m}\n", "not a module key");
    expect_refused("targets:\n  - {name: t, host: h.example.net, allow_hosts: [x]}\n",
                   "unknown key 'allow_hosts'");
    expect_refused("not_a_key: 1\n", "unknown key 'not_a_key' (listen, storage,");
}

/* Whether text loads with an error "unknown key 'not_a_key'". */
static bool unknown_reported(const char *text)
{
    struct cfg *cfg = NULL;
    struct cfg_errs errs = {0};
    bool found = false;
    if (cfg_load_string(text, strlen(text), &cfg, &errs) == 0)
        cfg_free(cfg);
    for (size_t i = 0; i < errs.n; i++)
        found = found || strstr(errs.v[i].msg, "unknown key 'not_a_key'") != NULL;
    cfg_errs_free(&errs);
    return found;
}

/* A top-level key whose value has keys of its own (a mapping, a list of
 * mappings, a mapping of named mappings: the loader says "unknown key" to a
 * key it does not know there) has them listed: a section the key list does
 * not know of cannot go unnoticed. */
static void test_no_unlisted_section(void **state)
{
    (void)state;
    struct list l = {0};
    (void)cfg_keys_each(collect, &l);
    size_t sections = 0;
    for (size_t i = 0; i < l.n; i++) {
        const char *top = l.v[i];
        if (strchr(top, '.') != NULL)
            continue;
        static const char *const shapes[] = {"{not_a_key: 1}", "[{not_a_key: 1}]",
                                             "{m: {not_a_key: 1}}"};
        bool keyed = false;
        for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
            char text[128];
            snprintf(text, sizeof text, "%s: %s\n", top, shapes[k]);
            keyed = keyed || unknown_reported(text);
        }
        size_t children = 0, tl = strlen(top);
        for (size_t j = 0; j < l.n; j++)
            if (strncmp(l.v[j], top, tl) == 0 && (l.v[j][tl] == '.' || l.v[j][tl] == '['))
                children++;
        if (keyed && children == 0)
            fail_msg("%s has keys of its own (the loader names an unknown one), none listed", top);
        if (!keyed && children > 0)
            fail_msg("%s has listed keys, but the loader knows no keys there", top);
        sections += keyed;
    }
    assert_int_equal(sections, 8); /* api, defaults, targets, the hooks, maintenance, modules */
    list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_section),
        cmocka_unit_test(test_each_key_loads),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_no_unlisted_section),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
