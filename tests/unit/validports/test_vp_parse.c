/*
 * test_vp_parse.c: the ValidPorts parser: real values (Windows' documented
 * example, Exchange 2003 RTM and SP1 defaults, Windows' default ACL), every
 * error and warning with its column, limits, prefixes of a value at every
 * length, canonical formatting, and NULL arguments.
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

#include "probes/validports/vp_parse.h"

struct want_entry {
    const char *name;
    bool wildcard;
    enum vp_name_kind kind;
    unsigned low, high;
};

struct vector {
    const char *what;
    const char *value;
    size_t n;
    struct want_entry e[4];
};

static const struct vector vectors[] = {
    {"Windows' documented example (rpc-over-http.md 3.1)",
     "Rosco:593;Rosco:2000-8000;Data*:4000-8000", 3,
     {{"Rosco", false, VP_NAME_HOST, 593, 593},
      {"Rosco", false, VP_NAME_HOST, 2000, 8000},
      {"Data", true, VP_NAME_HOST, 4000, 8000}}},
    {"Exchange 2003 RTM default (3.2)",
     "EXCH01:6001;EXCH01:6004;exch01.contoso.local:6001;exch01.contoso.local:6004", 4,
     {{"EXCH01", false, VP_NAME_HOST, 6001, 6001},
      {"EXCH01", false, VP_NAME_HOST, 6004, 6004},
      {"exch01.contoso.local", false, VP_NAME_HOST, 6001, 6001},
      {"exch01.contoso.local", false, VP_NAME_HOST, 6004, 6004}}},
    {"Exchange 2003 SP1+ default (3.2)",
     "EXCH01:6001-6002;EXCH01:6004;exch01.contoso.local:6001-6002;exch01.contoso.local:6004", 4,
     {{"EXCH01", false, VP_NAME_HOST, 6001, 6002},
      {"EXCH01", false, VP_NAME_HOST, 6004, 6004},
      {"exch01.contoso.local", false, VP_NAME_HOST, 6001, 6002},
      {"exch01.contoso.local", false, VP_NAME_HOST, 6004, 6004}}},
    {"Windows default ACL (3.2)", "COMPANYSERVER04:593;COMPANYSERVER04:49152-65535", 2,
     {{"COMPANYSERVER04", false, VP_NAME_HOST, 593, 593},
      {"COMPANYSERVER04", false, VP_NAME_HOST, 49152, 65535}}},
    {"IPv4 literal, extreme ports", "10.0.0.5:1-65535;mail_01.contoso.com:65535", 2,
     {{"10.0.0.5", false, VP_NAME_IPV4, 1, 65535},
      {"mail_01.contoso.com", false, VP_NAME_HOST, 65535, 65535}}},
};

static void test_vectors(void **state)
{
    (void)state;
    for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
        const struct vector *t = &vectors[v];
        struct vp_list *l = NULL;
        const char *why = NULL;
        assert_int_equal(vp_parse(t->value, strlen(t->value), &l, &why), 0);
        assert_non_null(l);
        assert_int_equal(l->n_entries, t->n);
        assert_int_equal(l->n_diags, 0);
        assert_int_equal(l->n_errors + l->n_warnings, 0);
        assert_int_equal(l->n_pieces, t->n);
        char joined[256] = "";
        size_t off = 0;
        for (size_t i = 0; i < t->n; i++) {
            const struct vp_entry *e = &l->entries[i];
            assert_string_equal(e->name, t->e[i].name);
            assert_int_equal(e->name_len, strlen(t->e[i].name));
            assert_int_equal(e->wildcard, t->e[i].wildcard);
            assert_int_equal(e->kind, t->e[i].kind);
            assert_int_equal(e->low, t->e[i].low);
            assert_int_equal(e->high, t->e[i].high);
            assert_int_equal(e->index, i + 1);
            assert_false(e->repaired);
            if (i)
                joined[off++] = ';';
            size_t n = vp_entry_format(e, joined + off, sizeof joined - off);
            assert_int_equal(memcmp(joined + off, t->value + e->off, e->len), 0);
            assert_int_equal(n, e->len);
            off += n;
        }
        assert_string_equal(joined, t->value); /* canonical = as written */
        vp_list_free(l);
    }
}

struct bad {
    const char *value;
    enum vp_code code;
    unsigned entry;
    size_t col;
    const char *token; /* NULL = none */
    int rc;
    size_t kept;       /* valid entries left */
};

#define A16 "aaaaaaaaaaaaaaaa"
#define A64 A16 A16 A16 A16
#define LONG_NAME_256 A64 A64 A64 A64

static const struct bad bads[] = {
    /* errors: the brief's example, then every kind */
    {"EXCH01:6001-6002;EXCH01:6004;EXCH01:60a1", VP_E_PORT_NOT_NUMBER, 3, 39, "60a1", WIRE_INVALID, 2},
    {"EXCH01", VP_E_NO_COLON, 1, 7, NULL, WIRE_INVALID, 0},
    {"A:1;EXCH01;B:2", VP_E_NO_COLON, 2, 11, NULL, WIRE_INVALID, 2},
    {":6001", VP_E_EMPTY_NAME, 1, 1, NULL, WIRE_INVALID, 0},
    {"EXCH01:", VP_E_EMPTY_PORT, 1, 8, NULL, WIRE_INVALID, 0},
    {"EXCH01:0", VP_E_PORT_RANGE, 1, 8, "0", WIRE_INVALID, 0},
    {"EXCH01:65536", VP_E_PORT_RANGE, 1, 8, "65536", WIRE_INVALID, 0},
    {"EXCH01:99999999999999999999999", VP_E_PORT_RANGE, 1, 8, "99999999999999999999999", WIRE_INVALID, 0},
    {"EXCH01:+6001", VP_E_PORT_NOT_NUMBER, 1, 8, "+6001", WIRE_INVALID, 0},
    {"EXCH01:6001-6002-6003", VP_E_PORT_NOT_NUMBER, 1, 17, "6002-6003", WIRE_INVALID, 0},
    {"EXCH01:-6002", VP_E_RANGE_NO_LOW, 1, 8, "-6002", WIRE_INVALID, 0},
    {"EXCH01:6001-", VP_E_RANGE_NO_HIGH, 1, 13, "6001-", WIRE_INVALID, 0},
    {"EXCH01:6004-6001", VP_E_RANGE_REVERSED, 1, 8, "6004-6001", WIRE_INVALID, 0},
    {"EXCH01:6001,6002", VP_E_PORT_LIST, 1, 12, "6001,6002", WIRE_INVALID, 0},
    {"EX*CH:6001", VP_E_WILDCARD_POS, 1, 3, "EX*CH", WIRE_INVALID, 0},
    {"**:6001", VP_E_WILDCARD_POS, 1, 1, "**", WIRE_INVALID, 0},
    {"EX/CH:6001", VP_E_BAD_CHAR, 1, 3, "/", WIRE_INVALID, 0},
    {"EX CH:6001", VP_E_BAD_CHAR, 1, 3, " ", WIRE_INVALID, 0},
    {"EX\x01:6001", VP_E_BAD_CHAR, 1, 3, "\x01", WIRE_INVALID, 0},
    {"\"EXCH01\":6001", VP_E_BAD_CHAR, 1, 1, "\"", WIRE_INVALID, 0},
    {"fe80::1:6001", VP_E_IPV6, 1, 1, "fe80::1", WIRE_INVALID, 0},
    {"A:1;[fe80::1]:6001", VP_E_IPV6, 2, 5, "[fe80::1]", WIRE_INVALID, 1},
    {"2001:db8:0:0:0:0:0:1:6001", VP_E_IPV6, 1, 1, "2001:db8:0:0:0:0:0:1", WIRE_INVALID, 0},
    {"::1", VP_E_IPV6, 1, 1, "::1", WIRE_INVALID, 0},
    {"EXCH01:6001:6002", VP_E_EXTRA_COLON, 1, 12, NULL, WIRE_INVALID, 0},
    {"A:1:2", VP_E_EXTRA_COLON, 1, 4, NULL, WIRE_INVALID, 0},
    {LONG_NAME_256 ":6001", VP_E_NAME_TOO_LONG, 1, 1, LONG_NAME_256, WIRE_INVALID, 0},
    /* whitespace: an error, but the entry is kept (trimmed) */
    {" EXCH01:6001", VP_E_WHITESPACE, 1, 1, NULL, WIRE_INVALID, 1},
    {"EXCH01 :6001", VP_E_WHITESPACE, 1, 7, NULL, WIRE_INVALID, 1},
    {"EXCH01: 6001", VP_E_WHITESPACE, 1, 8, NULL, WIRE_INVALID, 1},
    {"EXCH01:6001\t", VP_E_WHITESPACE, 1, 12, NULL, WIRE_INVALID, 1},
    {"EXCH01:6001 - 6002", VP_E_WHITESPACE, 1, 12, NULL, WIRE_INVALID, 1},
    {"EXCH01:6001- 6002", VP_E_WHITESPACE, 1, 13, NULL, WIRE_INVALID, 1},
    /* warnings: accepted */
    {"", VP_W_EMPTY_VALUE, 0, 0, NULL, 0, 0},
    {"A:1;;B:2", VP_W_EMPTY_ENTRY, 2, 5, NULL, 0, 2},
    {"A:1;", VP_W_EMPTY_ENTRY, 2, 5, NULL, 0, 1},
    {";A:1", VP_W_EMPTY_ENTRY, 1, 1, NULL, 0, 1},
    {"A:1; ;B:2", VP_W_EMPTY_ENTRY, 2, 5, NULL, 0, 2},
    {"A:1;a:1", VP_W_DUPLICATE, 2, 5, NULL, 0, 2},
    {"*:1", VP_W_WILDCARD_ALL, 1, 1, "*", 0, 1},
    {"A:01", VP_W_LEADING_ZERO, 1, 3, NULL, 0, 1},
    {"A:1-0002", VP_W_LEADING_ZERO, 1, 5, NULL, 0, 1},
    {"a.b.:1", VP_W_TRAILING_DOT, 1, 4, "a.b.", 0, 1},
    {"10.0.0.300:1", VP_W_BAD_IPV4, 1, 1, "10.0.0.300", 0, 1},
    {"1.2.3:1", VP_W_BAD_IPV4, 1, 1, "1.2.3", 0, 1},
    {"x\xc3\x84:1", VP_W_NON_ASCII, 1, 2, "x\xc3\x84", 0, 1},
};

static void test_errors_and_warnings(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        const struct bad *b = &bads[i];
        struct vp_list *l = NULL;
        const char *why = NULL;
        int rc = vp_parse(b->value, strlen(b->value), &l, &why);
        print_message("case %zu: %s\n", i, b->value);
        assert_int_equal(rc, b->rc);
        assert_non_null(l);
        if (rc)
            assert_non_null(why);
        assert_int_equal(l->n_diags, 1);
        const struct vp_diag *d = &l->diags[0];
        assert_int_equal(d->code, b->code);
        assert_int_equal(d->severity, b->code < VP_W_EMPTY_VALUE ? VP_SEV_ERROR : VP_SEV_WARNING);
        assert_int_equal(d->entry, b->entry);
        assert_int_equal(d->col, b->col);
        assert_non_null(d->why);
        assert_string_not_equal(vp_code_name(d->code), "unknown");
        if (b->token) {
            assert_int_equal(d->tok_len, strlen(b->token));
            assert_memory_equal(l->text + d->tok_off, b->token, d->tok_len);
        } else {
            assert_int_equal(d->tok_len, 0);
        }
        assert_int_equal(l->n_entries, b->kept);
        if (b->code == VP_E_WHITESPACE)
            assert_true(l->entries[0].repaired);
        if (b->code == VP_W_DUPLICATE)
            assert_int_equal(d->related, 1);
        if (d->entry) /* the entry span covers the piece */
            assert_true(d->entry_off + d->entry_len <= l->text_len);
        vp_list_free(l);
    }
}

static void test_whitespace_repair(void **state)
{
    (void)state;
    const char *v = " EXCH01 : 6001 - 6002 ";
    struct vp_list *l = NULL;
    assert_int_equal(vp_parse(v, strlen(v), &l, NULL), WIRE_INVALID);
    assert_int_equal(l->n_errors, 1); /* one whitespace error per entry */
    assert_int_equal(l->n_entries, 1);
    assert_string_equal(l->entries[0].name, "EXCH01");
    assert_int_equal(l->entries[0].low, 6001);
    assert_int_equal(l->entries[0].high, 6002);
    assert_int_equal(l->n_broken, 0);
    vp_list_free(l);
}

static void test_several_errors(void **state)
{
    (void)state;
    const char *v = "E/X:abc;GOOD:6001;:;x";
    struct vp_list *l = NULL;
    assert_int_equal(vp_parse(v, strlen(v), &l, NULL), WIRE_INVALID);
    assert_int_equal(l->n_errors, 5); /* name+port, empty name+port, no colon */
    assert_int_equal(l->n_entries, 1);
    assert_string_equal(l->entries[0].name, "GOOD");
    assert_int_equal(l->entries[0].index, 2);
    assert_int_equal(l->n_pieces, 4);
    assert_int_equal(l->n_broken, 3);
    assert_int_equal(l->diags[0].code, VP_E_BAD_CHAR);
    assert_int_equal(l->diags[1].code, VP_E_PORT_NOT_NUMBER);
    assert_int_equal(l->diags[1].col, 5);
    assert_int_equal(l->diags[2].code, VP_E_EMPTY_NAME);
    assert_int_equal(l->diags[3].code, VP_E_EMPTY_PORT);
    assert_int_equal(l->diags[4].code, VP_E_NO_COLON);
    assert_int_equal(l->diags[4].entry, 4);
    vp_list_free(l);
}

static void test_ipv4_kind(void **state)
{
    (void)state;
    const char *v = "10.0.0.5:1;255.255.255.255:1;1.2.3.4.5:1;010.0.0.1:1;10.0.0.*:1";
    struct vp_list *l = NULL;
    assert_int_equal(vp_parse(v, strlen(v), &l, NULL), 0);
    assert_int_equal(l->n_entries, 5);
    assert_int_equal(l->entries[0].kind, VP_NAME_IPV4);
    assert_int_equal(l->entries[1].kind, VP_NAME_IPV4);
    assert_int_equal(l->entries[2].kind, VP_NAME_HOST); /* five parts: warned */
    assert_int_equal(l->entries[3].kind, VP_NAME_IPV4);
    assert_int_equal(l->entries[4].kind, VP_NAME_HOST); /* a wildcard is a prefix */
    assert_true(l->entries[4].wildcard);
    assert_int_equal(l->n_warnings, 1);
    assert_int_equal(l->diags[0].code, VP_W_BAD_IPV4);
    vp_list_free(l);
}

/* A value of exactly the limit parses; one byte more does not. */
static void test_value_limit(void **state)
{
    (void)state;
    char *v = malloc(VP_VALUE_MAX + 1);
    assert_non_null(v);
    memset(v, ';', VP_VALUE_MAX + 1);
    memcpy(v, "A:1", 3);
    struct vp_list *l = NULL;
    const char *why = NULL;
    assert_int_equal(vp_parse(v, VP_VALUE_MAX, &l, &why), 0);
    assert_int_equal(l->n_entries, 1);
    assert_int_equal(l->n_warnings, VP_VALUE_MAX - 3);
    assert_int_equal(l->n_diags, VP_DIAGS_MAX); /* kept: capped; counted: all */
    vp_list_free(l);
    assert_int_equal(vp_parse(v, VP_VALUE_MAX + 1, &l, &why), WIRE_TOOBIG);
    assert_non_null(l);
    assert_int_equal(l->n_diags, 1);
    assert_int_equal(l->diags[0].code, VP_E_TOO_LONG);
    assert_int_equal(l->diags[0].entry, 0);
    assert_int_equal(l->diags[0].col, 0);
    assert_int_equal(l->n_entries, 0);
    assert_non_null(why);
    vp_list_free(l);
    free(v);
}

static void test_entry_limit(void **state)
{
    (void)state;
    size_t cap = (VP_ENTRIES_MAX + 1) * 8;
    char *v = malloc(cap);
    assert_non_null(v);
    size_t n = 0;
    for (unsigned i = 1; i <= VP_ENTRIES_MAX + 1; i++)
        n += (size_t)snprintf(v + n, cap - n, "%sA:%u", i > 1 ? ";" : "", i);
    struct vp_list *l = NULL;
    assert_int_equal(vp_parse(v, n, &l, NULL), WIRE_TOOBIG);
    assert_int_equal(l->n_entries, VP_ENTRIES_MAX);
    assert_int_equal(l->n_errors, 1);
    assert_int_equal(l->diags[0].code, VP_E_TOO_MANY);
    assert_int_equal(l->diags[0].entry, VP_ENTRIES_MAX + 1);
    vp_list_free(l);
    free(v);
}

static unsigned long num(const char *s, size_t n)
{
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10u + (unsigned long)(s[i] - '0');
    return v;
}

/* Every prefix of a real value: the last piece decides the outcome. */
static void test_every_prefix(void **state)
{
    (void)state;
    const char *v = "EXCH01:6001-6002;EXCH01:6004;exch01.contoso.local:6001-6002";
    size_t len = strlen(v);
    for (size_t k = 0; k <= len; k++) {
        struct vp_list *l = NULL;
        int rc = vp_parse(v, k, &l, NULL);
        assert_non_null(l);
        const char *last = v;
        for (size_t i = 0; i < k; i++)
            if (v[i] == ';')
                last = v + i + 1;
        size_t ll = k - (size_t)(last - v);
        const char *colon = memchr(last, ':', ll);
        const char *dash = memchr(last, '-', ll);
        enum vp_code want = VP_CODE_COUNT; /* = no error */
        if (ll == 0)
            want = VP_CODE_COUNT;
        else if (!colon)
            want = VP_E_NO_COLON;
        else if (colon + 1 == last + ll)
            want = VP_E_EMPTY_PORT;
        else if (dash && dash + 1 == last + ll)
            want = VP_E_RANGE_NO_HIGH;
        else if (dash && num(colon + 1, (size_t)(dash - colon - 1)) >
                             num(dash + 1, (size_t)(last + ll - dash - 1)))
            want = VP_E_RANGE_REVERSED;
        if (want == VP_CODE_COUNT) {
            assert_int_equal(rc, 0);
            assert_int_equal(l->n_errors, 0);
        } else {
            assert_int_equal(rc, WIRE_INVALID);
            assert_int_equal(l->n_errors, 1);
            assert_int_equal(l->diags[l->n_diags - 1].code, want);
        }
        vp_list_free(l);
    }
}

static void test_format(void **state)
{
    (void)state;
    const char *v = "Data*:4000-8000;*:0001;EXCH01:6004-6004";
    struct vp_list *l = NULL;
    assert_int_equal(vp_parse(v, strlen(v), &l, NULL), 0);
    char buf[64];
    assert_int_equal(vp_entry_format(&l->entries[0], buf, sizeof buf), 15);
    assert_string_equal(buf, "Data*:4000-8000");
    assert_int_equal(vp_entry_format(&l->entries[1], buf, sizeof buf), 3);
    assert_string_equal(buf, "*:1");
    assert_int_equal(vp_entry_format(&l->entries[2], buf, sizeof buf), 11);
    assert_string_equal(buf, "EXCH01:6004");
    /* too small: nothing written, the size needed returned */
    memset(buf, 'x', sizeof buf);
    assert_int_equal(vp_entry_format(&l->entries[0], buf, 15), 15);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(vp_entry_format(&l->entries[0], NULL, 0), 15);
    assert_int_equal(vp_entry_format(&l->entries[0], buf, 16), 15);
    assert_string_equal(buf, "Data*:4000-8000");
    vp_list_free(l);
}

static void test_name_check(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int rc;
        bool ipv6;
    } t[] = {
        {"EXCH01", 0, false},       {"exch01.contoso.local", 0, false},
        {"10.0.0.5", 0, false},     {"fe80::1", 0, true},
        {"[::1]", 0, true},         {"fe80::1%eth0", 0, true},
        {"", WIRE_INVALID, false},  {"EX*", WIRE_INVALID, false},
        {"a:b", WIRE_INVALID, false}, {"a;b", WIRE_INVALID, false},
        {"a b", WIRE_INVALID, false}, {"a/b", WIRE_INVALID, false},
        {LONG_NAME_256, WIRE_INVALID, false},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        bool v6 = !t[i].ipv6;
        const char *why = NULL;
        assert_int_equal(vp_name_check(t[i].name, strlen(t[i].name), &v6, &why), t[i].rc);
        assert_int_equal(v6, t[i].ipv6);
        if (t[i].rc)
            assert_non_null(why);
    }
    assert_true(vp_is_ipv6_literal("::", 2));
    assert_true(vp_is_ipv6_literal("1:2:3:4:5:6:7:8", 15));
    assert_false(vp_is_ipv6_literal("1:2:3", 5));
    assert_false(vp_is_ipv6_literal("[::1", 4));
    assert_false(vp_is_ipv6_literal("fe80::1%e-0", 11));
    assert_false(vp_is_ipv6_literal("EXCH01", 6));
}

static void test_null_arguments(void **state)
{
    (void)state;
    struct vp_list *l = (struct vp_list *)1;
    const char *why = NULL;
    assert_int_equal(vp_parse(NULL, 3, &l, &why), WIRE_INVALID);
    assert_null(l);
    assert_non_null(why);
    assert_int_equal(vp_parse("A:1", 3, NULL, &why), WIRE_INVALID);
    assert_int_equal(vp_parse("A:1", 3, NULL, NULL), WIRE_INVALID);
    assert_int_equal(vp_parse("A:1", 3, &l, NULL), 0); /* why is optional */
    vp_list_free(l);
    vp_list_free(NULL);
    assert_string_equal(vp_code_name(VP_CODE_COUNT), "unknown");
    assert_string_equal(vp_code_name((enum vp_code)-1), "unknown");
    assert_int_equal(vp_entry_format(NULL, NULL, 0), 0);
    assert_int_equal(vp_name_check(NULL, 0, NULL, NULL), WIRE_INVALID);
    assert_int_equal(vp_name_check("A", 1, NULL, NULL), 0);
    assert_false(vp_is_ipv6_literal(NULL, 0));
    for (int c = 0; c < VP_CODE_COUNT; c++)
        assert_string_not_equal(vp_code_name((enum vp_code)c), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_errors_and_warnings),
        cmocka_unit_test(test_whitespace_repair),
        cmocka_unit_test(test_several_errors),
        cmocka_unit_test(test_ipv4_kind),
        cmocka_unit_test(test_value_limit),
        cmocka_unit_test(test_entry_limit),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_name_check),
        cmocka_unit_test(test_null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
