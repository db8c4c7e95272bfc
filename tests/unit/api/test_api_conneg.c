/*
 * test_api_conneg.c: service/api_conneg.c: If-None-Match lists (strong and
 * weak tags, "*", malformed lists) and Accept-Encoding (gzip, x-gzip, "*",
 * q-values, malformed values).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "service/api_conneg.h"

#define TAG "\"5f-2a\""

static void test_etag(void **state)
{
    (void)state;
    assert_true(api_etag_matches(TAG, TAG));
    assert_true(api_etag_matches("W/" TAG, TAG));
    assert_true(api_etag_matches("\"x\", " TAG, TAG));
    assert_true(api_etag_matches(" \"x\" ,W/\"y\",  " TAG " ", TAG));
    assert_true(api_etag_matches(", ," TAG, TAG));
    assert_true(api_etag_matches("*", TAG));
    assert_true(api_etag_matches(" * ", TAG));
    assert_false(api_etag_matches(NULL, TAG));
    assert_false(api_etag_matches("", TAG));
    assert_false(api_etag_matches("\"5f-2a-gz\"", TAG));
    assert_false(api_etag_matches("\"5f-2\"", TAG));
    assert_false(api_etag_matches("5f-2a", TAG));           /* unquoted */
    assert_false(api_etag_matches("\"5f-2a", TAG));         /* unterminated */
    assert_false(api_etag_matches("\"x\" junk, " TAG, TAG)); /* malformed before it */
    assert_false(api_etag_matches("*, " TAG, TAG));         /* "*" stands alone */
    assert_false(api_etag_matches("w/" TAG, TAG));          /* W is upper case */
}

static void test_gzip(void **state)
{
    (void)state;
    assert_true(api_accepts_gzip("gzip"));
    assert_true(api_accepts_gzip("gzip, deflate, br"));
    assert_true(api_accepts_gzip("br;q=1.0, GZIP;q=0.5"));
    assert_true(api_accepts_gzip("x-gzip"));
    assert_true(api_accepts_gzip("*"));
    assert_true(api_accepts_gzip("br, *;q=0.1"));
    assert_true(api_accepts_gzip("gzip;q=0.001"));
    assert_true(api_accepts_gzip("gzip ; q = 1"));
    assert_true(api_accepts_gzip("gzip;level=9"));
    assert_false(api_accepts_gzip(NULL));
    assert_false(api_accepts_gzip(""));
    assert_false(api_accepts_gzip("identity"));
    assert_false(api_accepts_gzip("br, deflate"));
    assert_false(api_accepts_gzip("gzip;q=0"));
    assert_false(api_accepts_gzip("gzip;q=0.000"));
    assert_false(api_accepts_gzip("gzip;q=0, *"));   /* named wins over * */
    assert_false(api_accepts_gzip("*;q=0"));
    assert_false(api_accepts_gzip("gzipper"));
    assert_false(api_accepts_gzip("gzip;q=2"));       /* out of range */
    assert_false(api_accepts_gzip("gzip;q=abc"));     /* malformed */
    assert_false(api_accepts_gzip("gzip;q=0.5x"));
    assert_false(api_accepts_gzip("gzip deflate"));   /* no comma */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_etag),
        cmocka_unit_test(test_gzip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
