/*
 * test_config_oom.c: an allocation that fails while a configuration is
 * loaded fails the load with an "out of memory" error (the walker's
 * failures as "out of memory reading FILE"), leaks nothing (LeakSanitizer)
 * and never hands out a configuration parsed in part. Every allocation of
 * one load of a file that uses every section (and of an API body, a
 * target's and a maintenance window's) is failed in turn, through
 * the linker's --wrap of malloc, calloc, realloc and strdup (this test's
 * executable only; libyaml, a shared library, allocates unwrapped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "service/config.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static bool armed;   /* count (and maybe fail) allocations */
static long fail_at; /* the allocation to fail (0-based), or -1 */
static long allocs;  /* allocations counted while armed */

static bool fail_now(void)
{
    if (!armed)
        return false;
    return allocs++ == fail_at;
}

void *__wrap_malloc(size_t n)
{
    return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return fail_now() ? NULL : __real_strdup(s);
}

/* Every section, lists and their items, expansion, allow_hosts. */
static const char config[] =
    "listen: [127.0.0.1:9780, \"[::1]:9781\"]\n"
    "storage: /tmp/oaprobe-oom.db\n"
    "retention: 30d\n"
    "external_url: https://oaprobe.example.net/\n"
    "max_checks: 4\n"
    "api: {tokens_file: \"${OAPROBE_OOM_DIR}/tokens\", read_requires_token: true}\n"
    "defaults:\n"
    "  interval: 5m\n"
    "  timeout: 10s\n"
    "  labels: {team: messaging}\n"
    "  location: dc1\n"
    "targets:\n"
    "  - name: a\n"
    "    host: mail.example.net\n"
    "    servers: [exch01.example.net, exch02.example.net]\n"
    "    ports: \"6001-6002,6004\"\n"
    "    user: 'EXAMPLE\\oaprobe'\n"
    "    password_file: \"${OAPROBE_OOM_DIR}/pw\"\n"
    "    resolve: [\"mail.example.net:443:127.0.0.1\"]\n"
    "    labels: {site: hq}\n"
    "  - name: b\n"
    "    host: legacy.example.net:8443\n"
    "    depth: echo\n"
    "    remind_every: 1h\n"
    "alertmanagers:\n"
    "  - http://127.0.0.1:9093\n"
    "  - {url: http://127.0.0.2:9093, timeout: 5s}\n"
    "webhooks:\n"
    "  - {name: chat, url: https://chat.example.net/x, headers: {X-Team: exchange, "
    "Authorization: \"Bearer ${OAPROBE_OOM_DIR}\"}}\n"
    "  - {url: https://other.example.net/y}\n"
    "exec:\n"
    "  - {name: pager, command: [/bin/true, --team, exchange], timeout: 20s}\n"
    "  - {command: [/bin/false]}\n"
    "maintenance:\n"
    "  - {name: cu, targets: [a], start: 2027-01-09T20:00:00Z, end: 2027-01-10T02:00:00Z, "
    "reason: update}\n"
    "  - {labels: {site: hq}, recurring: \"sat 22:00-02:00\", time_zone: Europe/Berlin}\n"
    "  - {targets: b, days: [mon, wed], from: \"01:00\", to: \"02:30\"}\n"
    "modules:\n"
    "  tunnel: {depth: tunnel, user: 'EXAMPLE\\probe', password_file: \"${OAPROBE_OOM_DIR}/pw\", "
    "allow_hosts: [\"*.example.net\", 10.0.0.0/8]}\n"
    "  echo: {depth: echo}\n";

static char file[64];

static int setup(void **state)
{
    (void)state;
    snprintf(file, sizeof file, "/tmp/test_config_oom.XXXXXX");
    int fd = mkstemp(file);
    if (fd < 0)
        return -1;
    bool ok = write(fd, config, sizeof config - 1) == (ssize_t)(sizeof config - 1);
    close(fd);
    setenv("OAPROBE_OOM_DIR", "/run/credentials/oaprobe.service", 1);
    return ok ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    unlink(file);
    return 0;
}

static bool has_error(const struct cfg_errs *errs, const char *text)
{
    for (size_t i = 0; i < errs->n; i++)
        if (strstr(errs->v[i].msg, text) != NULL)
            return true;
    return false;
}

static void test_every_allocation_fails_the_load(void **state)
{
    (void)state;
    struct cfg *cfg = NULL;
    struct cfg_errs errs = {0};
    armed = true;
    fail_at = -1;
    allocs = 0;
    int rc = cfg_load_file(file, &cfg, &errs);
    armed = false;
    long total = allocs;
    if (rc != 0) {
        char line[700];
        for (size_t i = 0; i < errs.n; i++)
            print_error("%s\n", cfg_errs_format(&errs.v[i], file, line, sizeof line));
        fail_msg("the configuration is not valid");
    }
    assert_true(cfg->n_targets == 2 && cfg->n_modules == 2 && cfg->n_maint == 3 &&
                cfg->n_webhooks == 2 && cfg->n_execs == 2 && cfg->n_alertmanagers == 2);
    cfg_free(cfg);
    assert_true(total > 50);

    char reading[128];
    snprintf(reading, sizeof reading, "out of memory reading %s", file);
    long by_walker = 0;
    for (long i = 0; i < total; i++) {
        cfg = (struct cfg *)1;
        memset(&errs, 0, sizeof errs);
        armed = true;
        fail_at = i;
        allocs = 0;
        rc = cfg_load_file(file, &cfg, &errs);
        armed = false;
        if (rc != -1 || cfg != NULL)
            fail_msg("allocation %ld of %ld failed, and the configuration was accepted", i, total);
        /* the error array itself may be what failed: then the error is counted */
        if (errs.n == 0 && errs.dropped == 0)
            fail_msg("allocation %ld failed without an error", i);
        if (errs.n > 0 && !has_error(&errs, "out of memory")) {
            char line[700];
            for (size_t j = 0; j < errs.n; j++)
                print_error("%s\n", cfg_errs_format(&errs.v[j], file, line, sizeof line));
            fail_msg("allocation %ld failed, and no error says out of memory", i);
        }
        by_walker += has_error(&errs, reading);
        cfg_errs_free(&errs);
    }
    print_message("%ld allocations, each failed in turn: every load refused, %ld with \"%s\"\n",
                  total, by_walker, "out of memory reading FILE");
    assert_true(by_walker > 0);
}

/* The API bodies: a target (PUT /api/v1/targets/NAME), a window (POST
 * /api/v1/maintenance). */
static int parse_body(bool target, struct cfg_errs *errs)
{
    static const char t_body[] =
        "{\"host\": \"mail.example.net\", \"servers\": [\"exch01.example.net\"], "
        "\"ports\": \"6001-6002\", \"labels\": {\"site\": \"hq\"}, \"interval\": \"5m\"}";
    static const char m_body[] =
        "{\"name\": \"w\", \"targets\": [\"a\", \"b\"], \"recurring\": \"sat 22:00-02:00\", "
        "\"time_zone\": \"Europe/Berlin\", \"reason\": \"backup\"}";
    if (target) {
        struct cfg_target *t = NULL;
        int rc = cfg_target_parse_json(t_body, sizeof t_body - 1, "api-target", NULL, &t, errs);
        assert_true(rc == 0 ? t != NULL : t == NULL);
        cfg_target_free(t);
        return rc;
    }
    struct cfg_maint m;
    int rc = cfg_maint_parse_json(m_body, sizeof m_body - 1, &m, errs);
    if (rc == 0)
        cfg_maint_clear(&m);
    return rc;
}

static void test_api_bodies(void **state)
{
    (void)state;
    for (int target = 0; target < 2; target++) {
        struct cfg_errs errs = {0};
        armed = true;
        fail_at = -1;
        allocs = 0;
        int rc = parse_body(target, &errs);
        armed = false;
        assert_int_equal(rc, 0);
        long total = allocs;
        assert_true(total > 3);
        for (long i = 0; i < total; i++) {
            memset(&errs, 0, sizeof errs);
            armed = true;
            fail_at = i;
            allocs = 0;
            rc = parse_body(target, &errs);
            armed = false;
            if (rc != -1)
                fail_msg("%s body: allocation %ld of %ld failed, and it was accepted",
                         target ? "target" : "maintenance", i, total);
            if (errs.n > 0 && !has_error(&errs, "out of memory"))
                fail_msg("%s body: allocation %ld failed, and no error says out of memory",
                         target ? "target" : "maintenance", i);
            assert_true(errs.n + errs.dropped > 0);
            cfg_errs_free(&errs);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_fails_the_load),
        cmocka_unit_test(test_api_bodies),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
