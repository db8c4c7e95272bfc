/*
 * test_tokens.c: the API tokens file: good lines, comments and blank lines,
 * every bad line reported with its number (and never its secret), file
 * checks (mode, regular file), and the check with read and write scopes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "service/tokens.h"

#define W "write-secret-0123456789"
#define R "read-secret-abcdefghijk"

static const char good[] = "# the API tokens\n"
                           "\n"
                           "ci write " W "\r\n"
                           "  grafana\tread " R "  \n"
                           "other read zzzzzzzzzzzzzzzzzzzzzzzz";

static void test_good(void **state)
{
    (void)state;
    struct tokens *t = NULL;
    struct cfg_errs errs = {0};
    assert_int_equal(tokens_parse(good, strlen(good), &t, &errs), 0);
    assert_int_equal(errs.n, 0);
    assert_int_equal(t->n, 3);
    assert_string_equal(t->v[0].name, "ci");
    assert_int_equal(t->v[0].scope, TOKEN_WRITE);
    assert_string_equal(t->v[1].name, "grafana");
    const char *who = NULL;
    assert_true(tokens_check(t, W, TOKEN_WRITE, &who));
    assert_string_equal(who, "ci");
    assert_true(tokens_check(t, W, TOKEN_READ, &who));
    assert_true(tokens_check(t, R, TOKEN_READ, &who));
    assert_string_equal(who, "grafana");
    assert_false(tokens_check(t, R, TOKEN_WRITE, &who));
    assert_null(who);
    assert_false(tokens_check(t, R "x", TOKEN_READ, NULL));
    assert_false(tokens_check(t, "read-secret-abcdefghij", TOKEN_READ, NULL));
    assert_false(tokens_check(t, "", TOKEN_READ, NULL));
    assert_false(tokens_check(t, NULL, TOKEN_READ, NULL));
    assert_false(tokens_check(NULL, R, TOKEN_READ, NULL));
    tokens_free(t);
    tokens_free(NULL);
    /* an empty file: no tokens, nothing granted */
    assert_int_equal(tokens_parse("", 0, &t, &errs), 0);
    assert_false(tokens_check(t, R, TOKEN_READ, NULL));
    tokens_free(t);
}

static void test_bad(void **state)
{
    (void)state;
    const char text[] = "ok read 0123456789abcdefXYZ\n" /* 1 */
                        "two fields\n"                  /* 2 */
                        "Bad read 0123456789abcdef01\n" /* 3 */
                        "x admin 0123456789abcdef02\n"  /* 4 */
                        "y read short\n"                /* 5 */
                        "ok write 0123456789abcdef03\n" /* 6: duplicate name */
                        "z read 0123456789abcdefXYZ\n"  /* 7: duplicate secret */
                        "w read a b c\n";               /* 8 */
    struct tokens *t = (struct tokens *)1;
    struct cfg_errs errs = {0};
    assert_int_equal(tokens_parse(text, strlen(text), &t, &errs), -1);
    assert_null(t);
    static const struct {
        unsigned line;
        const char *want;
    } want[] = {
        {2, "three fields"},         {3, "bad token name"},
        {4, "unknown scope"},        {5, "the secret must be"},
        {6, "duplicate token name"}, {7, "the same secret as token 'ok'"},
        {8, "three fields"},
    };
    assert_int_equal(errs.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < errs.n; i++) {
        assert_int_equal(errs.v[i].line, want[i].line);
        assert_non_null(strstr(errs.v[i].msg, want[i].want));
        assert_null(strstr(errs.v[i].msg, "0123456789"));
        assert_null(strstr(errs.v[i].path, "0123456789"));
    }
    cfg_errs_free(&errs);
    assert_int_equal(tokens_parse("a read 0123456789abcdef\0x\n", 26, &t, &errs), -1);
    assert_non_null(strstr(errs.v[0].msg, "NUL"));
    cfg_errs_free(&errs);
}

static void test_file(void **state)
{
    (void)state;
    char path[] = "/tmp/oaprobe-test-tokens-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, good, strlen(good)), (ssize_t)strlen(good));
    close(fd);
    struct tokens *t = NULL;
    struct cfg_errs errs = {0};
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(tokens_load(path, &t, &errs), 0);
    assert_int_equal(t->n, 3);
    tokens_free(t);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(tokens_load(path, &t, &errs), -1);
    assert_null(t);
    assert_non_null(strstr(errs.v[0].msg, "group or others may read"));
    cfg_errs_free(&errs);
    unlink(path);
    assert_int_equal(tokens_load(path, &t, &errs), -1);
    assert_non_null(strstr(errs.v[0].msg, "cannot open"));
    cfg_errs_free(&errs);
    assert_int_equal(tokens_load("/tmp", &t, &errs), -1);
    assert_non_null(strstr(errs.v[0].msg, "not a regular file"));
    cfg_errs_free(&errs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
