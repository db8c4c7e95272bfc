/*
 * test_page_assets.c: the embedded status page: every file is found by its
 * path with the right content type, its bytes are the file's (compared
 * with the source tree), ETags are strong, quoted and distinct, and the
 * HTML refers only to embedded assets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web/page_assets.h"

#ifndef PAGE_DIR
#error PAGE_DIR (the source web/page directory) must be defined
#endif

static char *slurp(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", PAGE_DIR, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void same_as_file(const char *path, const char *file, const char *ctype)
{
    const struct page_asset *a = page_asset_find(path);
    assert_non_null(a);
    assert_string_equal(a->path, path);
    assert_string_equal(a->ctype, ctype);
    size_t len;
    char *want = slurp(file, &len);
    assert_int_equal(a->len, len);
    assert_memory_equal(a->data, want, len);
    assert_int_equal(a->data[a->len], 0);
    free(want);
}

static void test_find(void **unused)
{
    (void)unused;
    same_as_file("/index.html", "index.html", "text/html; charset=utf-8");
    same_as_file("/assets/app.js", "app.js", "text/javascript; charset=utf-8");
    same_as_file("/assets/style.css", "style.css", "text/css; charset=utf-8");
    same_as_file("/assets/icon.svg", "icon.svg", "image/svg+xml");
    assert_null(page_asset_find(NULL));
    assert_null(page_asset_find(""));
    assert_null(page_asset_find("/"));
    assert_null(page_asset_find("/assets/"));
    assert_null(page_asset_find("/assets/app.js?x=1"));
    assert_null(page_asset_find("/assets/../index.html"));
    assert_null(page_asset_find("/assets/APP.JS"));
    assert_null(page_asset_find("/index.html/"));
}

static void test_etags(void **unused)
{
    (void)unused;
    assert_int_equal(page_nassets, 4);
    for (size_t i = 0; i < page_nassets; i++) {
        const char *e = page_assets[i].etag;
        assert_int_equal(strlen(e), 34);
        assert_int_equal(e[0], '"');
        assert_int_equal(e[33], '"');
        for (size_t k = 1; k < 33; k++)
            assert_non_null(strchr("0123456789abcdef", e[k]));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(e, page_assets[j].etag);
    }
}

/* Every src/href of the HTML that names /assets/ is an embedded file, and
 * nothing refers to another host. */
static void test_html_refs(void **unused)
{
    (void)unused;
    const struct page_asset *h = page_asset_find("/index.html");
    assert_non_null(h);
    const char *s = (const char *)h->data;
    assert_null(strstr(s, "http://"));
    assert_null(strstr(s, "https://"));
    assert_null(strstr(s, "//cdn"));
    int n = 0;
    for (const char *p = strstr(s, "/assets/"); p != NULL; p = strstr(p + 1, "/assets/")) {
        char path[128];
        size_t k = 0;
        while (p[k] != '"' && p[k] != '\0' && k < sizeof path - 1) {
            path[k] = p[k];
            k++;
        }
        path[k] = '\0';
        if (page_asset_find(path) == NULL)
            fail_msg("index.html refers to %s, which is not embedded", path);
        n++;
    }
    assert_true(n >= 3);
    const struct page_asset *js = page_asset_find("/assets/app.js");
    assert_null(strstr((const char *)js->data, "https://"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_etags),
        cmocka_unit_test(test_html_refs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
