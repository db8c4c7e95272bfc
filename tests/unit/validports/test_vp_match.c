/*
 * test_vp_match.c: Windows' ValidPorts matching semantics, as a table:
 * case-insensitive exact names, '*' prefix wildcards, inclusive port ranges,
 * no canonicalisation (FQDN vs NetBIOS, IP vs name, trailing dot), IPv6
 * literals never allowed; plus NULL arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probes/validports/vp_match.h"

static const char value[] = "EXCH01:6001-6002;EXCH01:6004;exch01.contoso.local:6001-6002;"
                            "Data*:4000-8000;10.0.0.5:6001;mail.contoso.com.:6001";

static const struct {
    const char *server;
    unsigned port;
    unsigned entry; /* 0 = denied */
} table[] = {
    {"EXCH01", 6001, 1},
    {"exch01", 6002, 1},                 /* case-insensitive */
    {"ExCh01", 6004, 2},
    {"EXCH01", 6003, 0},                 /* between the ranges */
    {"EXCH01", 6000, 0},
    {"EXCH01", 6005, 0},
    {"EXCH01.CONTOSO.LOCAL", 6001, 3},
    {"exch01.contoso.local", 6004, 0},   /* the FQDN has no 6004 entry */
    {"exch01.contoso", 6001, 0},         /* no canonicalisation */
    {"EXCH0", 6001, 0},                  /* an exact name is not a prefix */
    {"EXCH011", 6001, 0},
    {"EXCH01 ", 6001, 0},
    {"Data", 4000, 4},                   /* '*' matches the bare prefix too */
    {"DATA-srv.contoso.local", 8000, 4},
    {"dat", 5000, 0},
    {"Data1", 8001, 0},
    {"Data1", 3999, 0},
    {"10.0.0.5", 6001, 5},               /* IPv4 literal: only itself */
    {"10.0.0.5", 6002, 0},
    {"10.0.0.50", 6001, 0},
    {"10.0.0.5", 6004, 0},               /* an IP does not match EXCH01's entries */
    {"mail.contoso.com", 6001, 0},       /* the entry has a trailing dot */
    {"mail.contoso.com.", 6001, 6},
    {"", 6001, 0},
    {"EXCH01", 0, 0},
    {"EXCH01", 65536, 0},
    {"EXCH01", 4294967295u, 0},
};

static void test_table(void **state)
{
    (void)state;
    struct vp_list *l = NULL;
    assert_int_equal(vp_parse(value, strlen(value), &l, NULL), 0);
    assert_int_equal(l->n_entries, 6);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const struct vp_entry *m = (const struct vp_entry *)1;
        bool ok = vp_allows(l, table[i].server, table[i].port, &m);
        print_message("%s:%u\n", table[i].server, table[i].port);
        assert_int_equal(ok, table[i].entry != 0);
        if (table[i].entry) {
            assert_non_null(m);
            assert_int_equal(m->index, table[i].entry);
        } else {
            assert_null(m);
        }
        assert_int_equal(vp_allows(l, table[i].server, table[i].port, NULL), ok);
    }
    vp_list_free(l);
}

static void test_wildcard_all_and_ipv6(void **state)
{
    (void)state;
    const char *v = "*:1-65535";
    struct vp_list *l = NULL;
    assert_int_equal(vp_parse(v, strlen(v), &l, NULL), 0); /* a warning only */
    assert_true(vp_allows(l, "anything.example", 443, NULL));
    assert_true(vp_allows(l, "192.0.2.1", 1, NULL));
    assert_false(vp_allows(l, "fe80::1", 6001, NULL)); /* IPv6 never matches */
    assert_false(vp_allows(l, "[::1]", 6001, NULL));
    assert_false(vp_allows(l, "::ffff:10.0.0.5", 6001, NULL));
    vp_list_free(l);
}

static void test_first_match_wins(void **state)
{
    (void)state;
    const char *v = "A:1-10;a:5;A*:5";
    struct vp_list *l = NULL;
    const struct vp_entry *m = NULL;
    assert_int_equal(vp_parse(v, strlen(v), &l, NULL), 0);
    assert_true(vp_allows(l, "A", 5, &m));
    assert_int_equal(m->index, 1);
    assert_true(vp_allows(l, "AB", 5, &m));
    assert_int_equal(m->index, 3);
    vp_list_free(l);
}

static void test_name_helpers(void **state)
{
    (void)state;
    assert_true(vp_name_ieq("EXCH01", 6, "exch01", 6));
    assert_false(vp_name_ieq("EXCH01", 6, "exch0", 5));
    assert_false(vp_name_ieq("\xc3\x84", 2, "\xc3\xa4", 2)); /* only ASCII folds */
    assert_true(vp_name_ieq("", 0, "", 0));
    assert_true(vp_name_iprefix("da", 2, "DATA", 4));
    assert_true(vp_name_iprefix("", 0, "x", 1));
    assert_false(vp_name_iprefix("datax", 5, "DATA", 4));
    assert_false(vp_name_iprefix("[", 1, "{", 1)); /* '[' and '{' are not a case pair */
    const char *v = "Data*:1;EXCH01:1";
    struct vp_list *l = NULL;
    assert_int_equal(vp_parse(v, strlen(v), &l, NULL), 0);
    assert_true(vp_entry_matches_name(&l->entries[0], "database", 8));
    assert_false(vp_entry_matches_name(&l->entries[0], "dat", 3));
    assert_false(vp_entry_matches_name(&l->entries[0], "data:x", 6));
    assert_true(vp_entry_matches_name(&l->entries[1], "Exch01", 6));
    assert_false(vp_entry_matches_name(&l->entries[1], "Exch01", 0));
    vp_list_free(l);
}

static void test_null_arguments(void **state)
{
    (void)state;
    const struct vp_entry *m = (const struct vp_entry *)1;
    struct vp_list *l = NULL;
    assert_int_equal(vp_parse("A:1", 3, &l, NULL), 0);
    assert_false(vp_allows(NULL, "A", 1, &m));
    assert_null(m);
    m = (const struct vp_entry *)1;
    assert_false(vp_allows(l, NULL, 1, &m));
    assert_null(m);
    assert_false(vp_allows(NULL, NULL, 0, NULL));
    assert_false(vp_entry_matches_name(NULL, "A", 1));
    assert_false(vp_entry_matches_name(&l->entries[0], NULL, 1));
    assert_false(vp_name_ieq(NULL, 0, "A", 1));
    assert_false(vp_name_ieq("A", 1, NULL, 0));
    assert_false(vp_name_iprefix(NULL, 0, NULL, 0));
    vp_list_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_wildcard_all_and_ipv6),
        cmocka_unit_test(test_first_match_wins),
        cmocka_unit_test(test_name_helpers),
        cmocka_unit_test(test_null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
