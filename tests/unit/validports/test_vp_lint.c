/*
 * test_vp_lint.c: the linter: completeness per (name, port), the corrected
 * value (the acceptance example, Exchange 2003 RTM -> SP1), overlaps,
 * redundancy, unlisted names, broad wildcards, IPv6 client names, limits,
 * the --ports parser, idempotence of the correction, NULL arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/validports/vp_lint.h"

struct run {
    struct vp_list *list;
    struct vp_lint *lint;
};

static int lint_of(struct run *r, const char *value, const char *const *names, size_t n,
                   const uint16_t *ports, size_t np)
{
    r->list = NULL;
    r->lint = NULL;
    vp_parse(value, strlen(value), &r->list, NULL);
    assert_non_null(r->list);
    struct vp_lint_opts o = {names, n, ports, np};
    return vp_lint_run(r->list, &o, &r->lint, NULL);
}

static void run_free(struct run *r)
{
    vp_lint_free(r->lint);
    vp_list_free(r->list);
}

/* The brief's acceptance example. */
static void test_acceptance(void **state)
{
    (void)state;
    static const char *const names[] = {"EXCH01", "exch01.contoso.local"};
    struct run r;
    assert_int_equal(lint_of(&r, "EXCH01:6001-6002;EXCH01:6004", names, 2, NULL, 0), 0);
    const struct vp_lint *L = r.lint;
    assert_int_equal(L->n_names, 2);
    assert_int_equal(L->n_ports, 3);
    assert_int_equal(L->ports[0], 6001);
    assert_int_equal(L->ports[1], 6002);
    assert_int_equal(L->ports[2], 6004);
    assert_int_equal(L->n_checks, 6);
    static const unsigned want_entry[6] = {1, 1, 2, 0, 0, 0};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(L->checks[i].name, i / 3);
        assert_int_equal(L->checks[i].port, L->ports[i % 3]);
        if (want_entry[i])
            assert_int_equal(L->checks[i].entry->index, want_entry[i]);
        else
            assert_null(L->checks[i].entry);
    }
    assert_int_equal(L->n_missing, 3);
    assert_false(L->complete);
    assert_int_equal(L->n_added, 2);
    assert_int_equal(L->added[0].name, 1);
    assert_int_equal(L->added[0].low, 6001);
    assert_int_equal(L->added[0].high, 6002);
    assert_int_equal(L->added[1].low, 6004);
    assert_int_equal(L->added[1].high, 6004);
    assert_string_equal(L->corrected, "EXCH01:6001-6002;EXCH01:6004;"
                                      "exch01.contoso.local:6001-6002;exch01.contoso.local:6004");
    assert_int_equal(L->corrected_len, strlen(L->corrected));
    assert_int_equal(L->corrected_entries, 4);
    assert_true(L->corrected_fits);
    assert_true(L->changed);
    assert_int_equal(L->n_overlaps_total + L->n_redundant + L->n_unlisted + L->n_wildcards, 0);
    run_free(&r);
}

static void test_complete_sp1(void **state)
{
    (void)state;
    static const char *const names[] = {"exch01", "EXCH01.contoso.local"};
    const char *v = "EXCH01:6001-6002;EXCH01:6004;exch01.contoso.local:6001-6002;"
                    "exch01.contoso.local:6004";
    struct run r;
    assert_int_equal(lint_of(&r, v, names, 2, NULL, 0), 0);
    assert_true(r.lint->complete);
    assert_int_equal(r.lint->n_missing, 0);
    assert_int_equal(r.lint->n_added, 0);
    assert_false(r.lint->changed);
    assert_string_equal(r.lint->corrected, v);
    run_free(&r);
}

/* Exchange 2003 RTM wrote no 6002 (DSProxy referral) entries. */
static void test_rtm_lacks_6002(void **state)
{
    (void)state;
    static const char *const names[] = {"EXCH01", "exch01.contoso.local"};
    const char *v = "EXCH01:6001;EXCH01:6004;exch01.contoso.local:6001;exch01.contoso.local:6004";
    struct run r;
    assert_int_equal(lint_of(&r, v, names, 2, NULL, 0), 0);
    assert_int_equal(r.lint->n_missing, 2);
    assert_int_equal(r.lint->n_added, 2);
    assert_string_equal(r.lint->corrected,
                        "EXCH01:6001;EXCH01:6004;exch01.contoso.local:6001;"
                        "exch01.contoso.local:6004;EXCH01:6002;exch01.contoso.local:6002");
    run_free(&r);
}

static void test_custom_ports_group(void **state)
{
    (void)state;
    static const char *const names[] = {"mail.contoso.com"};
    static const uint16_t ports[] = {6004, 6002, 6001, 6003, 6002, 593};
    struct run r;
    assert_int_equal(lint_of(&r, "mail.contoso.com:6002", names, 1, ports, 6), 0);
    assert_int_equal(r.lint->n_ports, 5); /* sorted, unique */
    assert_int_equal(r.lint->ports[0], 593);
    assert_int_equal(r.lint->n_missing, 4);
    assert_string_equal(r.lint->corrected, "mail.contoso.com:6002;mail.contoso.com:593;"
                                           "mail.contoso.com:6001;mail.contoso.com:6003-6004");
    run_free(&r);
}

static void test_overlaps(void **state)
{
    (void)state;
    struct run r;
    const char *v = "EXCH01:6001-6002;exch01:6002-6004;EXCH01:6004;Data*:1-10;data*:5;Data:5";
    assert_int_equal(lint_of(&r, v, NULL, 0, NULL, 0), 0);
    const struct vp_lint *L = r.lint;
    assert_int_equal(L->n_overlaps, 3);
    assert_int_equal(L->n_overlaps_total, 3);
    static const unsigned want[3][4] = {{1, 2, 6002, 6002}, {2, 3, 6004, 6004}, {4, 5, 5, 5}};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(L->overlaps[i].a->index, want[i][0]);
        assert_int_equal(L->overlaps[i].b->index, want[i][1]);
        assert_int_equal(L->overlaps[i].low, want[i][2]);
        assert_int_equal(L->overlaps[i].high, want[i][3]);
    }
    assert_true(L->complete); /* no names: nothing to miss */
    assert_int_equal(L->n_checks, 0);
    run_free(&r);
}

static void test_overlap_cap(void **state)
{
    (void)state;
    char v[1024] = "";
    size_t n = 0;
    for (int i = 0; i < 30; i++) /* 30 identical entries: 435 pairs */
        n += (size_t)snprintf(v + n, sizeof v - n, "%sA:1", i ? ";" : "");
    struct run r;
    assert_int_equal(lint_of(&r, v, NULL, 0, NULL, 0), 0);
    assert_int_equal(r.lint->n_overlaps, VP_LINT_MAX_OVERLAPS);
    assert_int_equal(r.lint->n_overlaps_total, 435);
    assert_int_equal(r.lint->n_redundant, 29); /* all but the first */
    assert_int_equal(r.lint->redundant[0].entry->index, 2);
    run_free(&r);
}

static void test_redundant(void **state)
{
    (void)state;
    struct run r;
    const char *v = "EXCH01:6001-6002;EXCH01:6001;EXCH01:6002-6004;EX*:6003;Data*:1-100;"
                    "Data1*:50;Data2:50-60;EXCH01:6001-6002";
    assert_int_equal(lint_of(&r, v, NULL, 0, NULL, 0), 0);
    const struct vp_lint *L = r.lint;
    assert_int_equal(L->n_redundant, 4);
    static const unsigned want[4] = {2, 6, 7, 8};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(L->redundant[i].entry->index, want[i]);
    assert_int_equal(L->redundant[0].n_by, 1);
    assert_int_equal(L->redundant[0].by[0]->index, 1);
    assert_int_equal(L->redundant[1].by[0]->index, 5); /* Data* covers Data1* */
    assert_int_equal(L->redundant[3].n_by, 3);         /* entries 1, 2, 3 touch it */
    assert_string_equal(L->corrected, v);              /* redundant entries are kept */
    assert_false(L->changed);
    run_free(&r);
}

/* Coverage needs the union of several entries; a gap keeps an entry. */
static void test_redundant_union(void **state)
{
    (void)state;
    struct run r;
    assert_int_equal(lint_of(&r, "A:1-3;A:4-6;A:2-5", NULL, 0, NULL, 0), 0);
    assert_int_equal(r.lint->n_redundant, 1);
    assert_int_equal(r.lint->redundant[0].entry->index, 3);
    run_free(&r);
    assert_int_equal(lint_of(&r, "A:1-3;A:5-6;A:2-5", NULL, 0, NULL, 0), 0);
    assert_int_equal(r.lint->n_redundant, 0);
    run_free(&r);
    /* an exact name never covers a wildcard */
    assert_int_equal(lint_of(&r, "A*:1;A:1;AB:1", NULL, 0, NULL, 0), 0);
    assert_int_equal(r.lint->n_redundant, 2);
    assert_int_equal(r.lint->redundant[0].entry->index, 2);
    assert_int_equal(r.lint->redundant[1].entry->index, 3);
    run_free(&r);
}

static void test_unlisted_and_wildcards(void **state)
{
    (void)state;
    static const char *const names[] = {"EXCH01", "mail.contoso.com"};
    struct run r;
    const char *v = "EXCH01:6001-6002;OLD01:6001;EX*:6004;*:6004;mail*:1";
    assert_int_equal(lint_of(&r, v, names, 2, NULL, 0), 0);
    const struct vp_lint *L = r.lint;
    assert_int_equal(L->n_unlisted, 1);
    assert_int_equal(L->unlisted[0]->index, 2);
    assert_int_equal(L->n_wildcards, 3);
    assert_int_equal(L->wildcards[0].entry->index, 3);
    assert_int_equal(L->wildcards[0].names, 1u);
    assert_int_equal(L->wildcards[1].entry->index, 4);
    assert_int_equal(L->wildcards[1].names, 3u);
    assert_int_equal(L->wildcards[2].names, 2u);
    assert_int_equal(L->checks[2].entry->index, 3); /* EXCH01:6004 via EX* */
    assert_int_equal(L->checks[5].entry->index, 4); /* mail...:6004 via '*' */
    run_free(&r);
}

static void test_ipv6_and_duplicate_names(void **state)
{
    (void)state;
    static const char *const names[] = {"EXCH01", "fe80::1", "exch01"};
    struct run r;
    assert_int_equal(lint_of(&r, "EXCH01:6001-6002;EXCH01:6004;*:1-65535", names, 3, NULL, 0),
                     0);
    const struct vp_lint *L = r.lint;
    assert_int_equal(L->n_names, 2); /* exch01 is EXCH01 */
    assert_int_equal(L->ipv6_names, 2u);
    assert_int_equal(L->n_missing, 3); /* not even '*' matches an IPv6 literal */
    assert_int_equal(L->n_added, 0);   /* and nothing can be added for it */
    assert_false(L->complete);
    assert_false(L->changed);
    run_free(&r);
}

/* Broken entries are left out; repaired ones (whitespace) are kept trimmed. */
static void test_value_with_errors(void **state)
{
    (void)state;
    static const char *const names[] = {"EXCH01"};
    struct run r;
    assert_int_equal(lint_of(&r, "EXCH01:60a1; EXCH01:6004;A:01;;", names, 1, NULL, 0), 0);
    assert_int_equal(r.list->n_errors, 2);
    assert_string_equal(r.lint->corrected, "EXCH01:6004;A:1;EXCH01:6001-6002");
    assert_true(r.lint->changed);
    run_free(&r);
    assert_int_equal(lint_of(&r, "A:01;;B:2;", NULL, 0, NULL, 0), 0);
    assert_string_equal(r.lint->corrected, "A:1;B:2");
    assert_true(r.lint->changed);
    assert_true(r.lint->complete);
    run_free(&r);
    assert_int_equal(lint_of(&r, "", names, 1, NULL, 0), 0);
    assert_string_equal(r.lint->corrected, "EXCH01:6001-6002;EXCH01:6004");
    run_free(&r);
}

static void test_corrected_too_big(void **state)
{
    (void)state;
    static const char *const names[] = {"EXCH01"};
    size_t cap = VP_ENTRIES_MAX * 8;
    char *v = malloc(cap);
    assert_non_null(v);
    size_t n = 0;
    for (unsigned i = 1; i <= VP_ENTRIES_MAX; i++)
        n += (size_t)snprintf(v + n, cap - n, "%sA:%u", i > 1 ? ";" : "", i);
    struct run r;
    assert_int_equal(lint_of(&r, v, names, 1, NULL, 0), 0);
    assert_int_equal(r.list->n_entries, VP_ENTRIES_MAX);
    assert_int_equal(r.lint->corrected_entries, VP_ENTRIES_MAX + 2);
    assert_false(r.lint->corrected_fits);
    run_free(&r);
    free(v);
}

static void test_bad_options(void **state)
{
    (void)state;
    struct run r;
    static const char *const bad1[] = {"EX*"};
    static const char *const bad2[] = {"a b"};
    static const char *const bad3[] = {NULL};
    assert_int_equal(lint_of(&r, "A:1", bad1, 1, NULL, 0), WIRE_INVALID);
    assert_null(r.lint);
    run_free(&r);
    assert_int_equal(lint_of(&r, "A:1", bad2, 1, NULL, 0), WIRE_INVALID);
    run_free(&r);
    assert_int_equal(lint_of(&r, "A:1", bad3, 1, NULL, 0), WIRE_INVALID);
    run_free(&r);
    assert_int_equal(lint_of(&r, "A:1", NULL, 1, NULL, 0), WIRE_INVALID);
    run_free(&r);
    const char *many[VP_LINT_MAX_NAMES + 1];
    for (size_t i = 0; i <= VP_LINT_MAX_NAMES; i++)
        many[i] = "A";
    assert_int_equal(lint_of(&r, "A:1", many, VP_LINT_MAX_NAMES + 1, NULL, 0), WIRE_TOOBIG);
    run_free(&r);
    assert_int_equal(lint_of(&r, "A:1", many, VP_LINT_MAX_NAMES, NULL, 0), 0);
    assert_int_equal(r.lint->n_names, 1);
    run_free(&r);
    uint16_t ports[VP_LINT_MAX_PORTS + 1] = {0};
    for (size_t i = 0; i <= VP_LINT_MAX_PORTS; i++)
        ports[i] = (uint16_t)(i + 1);
    assert_int_equal(lint_of(&r, "A:1", NULL, 0, ports, VP_LINT_MAX_PORTS + 1), WIRE_TOOBIG);
    run_free(&r);
    ports[3] = 0;
    assert_int_equal(lint_of(&r, "A:1", NULL, 0, ports, 4), WIRE_INVALID);
    run_free(&r);
}

static void test_ports_parse(void **state)
{
    (void)state;
    static const struct {
        const char *spec;
        int rc;
        size_t n;
        uint16_t first, last;
        size_t err_off;
    } t[] = {
        {"6001,6002,6004", 0, 3, 6001, 6004, 0},
        {"6001-6002,6004", 0, 3, 6001, 6004, 0},
        {" 6004 , 6001 ", 0, 2, 6001, 6004, 0},
        {"6001-6004,6002", 0, 4, 6001, 6004, 0},
        {"1,65535", 0, 2, 1, 65535, 0},
        {"1-256", 0, 256, 1, 256, 0},
        {"1-257", WIRE_TOOBIG, 0, 0, 0, 0},
        {"", WIRE_INVALID, 0, 0, 0, 0},
        {"6001,,6002", WIRE_INVALID, 0, 0, 0, 5},
        {"6001,", WIRE_INVALID, 0, 0, 0, 5},
        {"60a1", WIRE_INVALID, 0, 0, 0, 2},
        {"6001 6002", WIRE_INVALID, 0, 0, 0, 5},
        {"0", WIRE_INVALID, 0, 0, 0, 0},
        {"65536", WIRE_INVALID, 0, 0, 0, 0},
        {"99999999999999999999", WIRE_INVALID, 0, 0, 0, 0},
        {"6002-6001", WIRE_INVALID, 0, 0, 0, 5},
        {"6001-", WIRE_INVALID, 0, 0, 0, 5},
        {"-6001", WIRE_INVALID, 0, 0, 0, 0},
        {"6001-6002-6003", WIRE_INVALID, 0, 0, 0, 9},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint16_t p[VP_LINT_MAX_PORTS];
        size_t n = 99, off = 99;
        const char *why = NULL;
        print_message("%s\n", t[i].spec);
        assert_int_equal(vp_ports_parse(t[i].spec, p, VP_LINT_MAX_PORTS, &n, &off, &why), t[i].rc);
        if (t[i].rc == 0) {
            assert_int_equal(n, t[i].n);
            assert_int_equal(p[0], t[i].first);
            assert_int_equal(p[n - 1], t[i].last);
            for (size_t k = 1; k < n; k++)
                assert_true(p[k - 1] < p[k]);
        } else {
            assert_non_null(why);
            if (t[i].rc == WIRE_INVALID)
                assert_int_equal(off, t[i].err_off);
        }
    }
}

/* Property: the corrected value parses cleanly, is complete, and is a fixed point. */
static void test_idempotent(void **state)
{
    (void)state;
    static const char *const names[] = {"EXCH01", "exch01.contoso.local", "mail.contoso.com",
                                        "10.0.0.5"};
    static const char *const values[] = {
        "", "EXCH01:6001-6002;EXCH01:6004", "Rosco:593;Rosco:2000-8000;Data*:4000-8000",
        " EXCH01:6001 ;x;;EXCH01:6002-6001;10.0.0.5:01", "*:1-65535", "mail*:6001;EXCH01:6004",
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        struct run a, b;
        assert_int_equal(lint_of(&a, values[i], names, 4, NULL, 0), 0);
        assert_int_equal(lint_of(&b, a.lint->corrected, names, 4, NULL, 0), 0);
        assert_int_equal(b.list->n_errors, 0);
        assert_true(b.lint->complete);
        assert_false(b.lint->changed);
        assert_string_equal(b.lint->corrected, a.lint->corrected);
        run_free(&a);
        run_free(&b);
    }
}

static void test_null_arguments(void **state)
{
    (void)state;
    struct vp_list *l = NULL;
    struct vp_lint *L = (struct vp_lint *)1;
    const char *why = NULL;
    assert_int_equal(vp_parse("A:1", 3, &l, NULL), 0);
    assert_int_equal(vp_lint_run(NULL, NULL, &L, &why), WIRE_INVALID);
    assert_null(L);
    assert_non_null(why);
    assert_int_equal(vp_lint_run(l, NULL, NULL, NULL), WIRE_INVALID);
    assert_int_equal(vp_lint_run(l, NULL, &L, NULL), 0); /* NULL opts: defaults */
    assert_int_equal(L->n_ports, 3);
    assert_int_equal(L->n_names, 0);
    vp_lint_free(L);
    vp_lint_free(NULL);
    vp_list_free(l);
    uint16_t p[4];
    size_t n;
    assert_int_equal(vp_ports_parse(NULL, p, 4, &n, NULL, NULL), WIRE_INVALID);
    assert_int_equal(vp_ports_parse("1", NULL, 4, &n, NULL, NULL), WIRE_INVALID);
    assert_int_equal(vp_ports_parse("1", p, 4, NULL, NULL, NULL), WIRE_INVALID);
    assert_int_equal(vp_ports_parse("1", p, 4, &n, NULL, NULL), 0);
    assert_int_equal(vp_ports_parse("1-5", p, 4, &n, NULL, NULL), WIRE_TOOBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acceptance),
        cmocka_unit_test(test_complete_sp1),
        cmocka_unit_test(test_rtm_lacks_6002),
        cmocka_unit_test(test_custom_ports_group),
        cmocka_unit_test(test_overlaps),
        cmocka_unit_test(test_overlap_cap),
        cmocka_unit_test(test_redundant),
        cmocka_unit_test(test_redundant_union),
        cmocka_unit_test(test_unlisted_and_wildcards),
        cmocka_unit_test(test_ipv6_and_duplicate_names),
        cmocka_unit_test(test_value_with_errors),
        cmocka_unit_test(test_corrected_too_big),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_ports_parse),
        cmocka_unit_test(test_idempotent),
        cmocka_unit_test(test_null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
