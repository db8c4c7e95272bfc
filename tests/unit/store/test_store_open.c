/*
 * test_store_open.c: store_open on an empty file (every migration, WAL and
 * pragmas), reopening, a database of a newer schema version, a file that is
 * not a database, and bad arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "service/store_int.h"
#include "store_fixture.h"

static int64_t query_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_migrations_from_empty(void **state)
{
    struct fx *f = *state;
    assert_int_equal(store_schema_version(f->st), STORE_SCHEMA_VERSION);
    assert_string_equal(store_path(f->st), f->path);
    /* Every table of the schema exists. */
    const char *tables[] = {"names", "runs", "latest", "rollup_hour", "rollup_day",
                            "incidents", "api_targets", "deliveries", "results",
                            "maintenance", "alerts"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[128];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM sqlite_schema WHERE type='table' AND name='%s'",
                 tables[i]);
        assert_int_equal(query_int(f->path, sql), 1);
    }
    assert_int_equal(query_int(f->path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    /* WAL is persistent: a fresh connection sees it. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    sqlite3_close(db);
}

static void test_reopen_keeps_data(void **state)
{
    struct fx *f = *state;
    assert_true(fx_run(f->st, "a", T0, 10, 0, 0) > 0);
    store_close(f->st);
    f->st = NULL;
    char err[256] = "";
    assert_int_equal(store_open(f->path, &f->st, err, sizeof err), 0);
    assert_int_equal(store_schema_version(f->st), STORE_SCHEMA_VERSION);
    char *json = NULL;
    assert_int_equal(store_latest_json(f->st, "a", &json), 0);
    assert_string_equal(json, "{\"status\":\"x\"}");
    free(json);
}

static void test_newer_version_refused(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    f->st = NULL;
    exec_sql(f->path, "PRAGMA user_version = 7");
    struct store *st = (struct store *)0x1;
    char err[256] = "";
    assert_int_equal(store_open(f->path, &st, err, sizeof err), STORE_EVERSION);
    assert_null(st);
    char want[80];
    snprintf(want, sizeof want, "version 7 is newer than this oaprobe's %d",
             STORE_SCHEMA_VERSION);
    assert_non_null(strstr(err, want));
    assert_non_null(strstr(err, f->path));
    /* Nothing was changed: still version 7, still no WAL switch needed. */
    assert_int_equal(query_int(f->path, "PRAGMA user_version"), 7);
    /* Without an err buffer the code is the same. */
    assert_int_equal(store_open(f->path, &st, NULL, 0), STORE_EVERSION);
}

/* A version 1 database with a run whose full result sat in runs.result:
 * migration 2 moves it to the results table. */
static void test_migration_1_to_2(void **state)
{
    struct fx *f = *state;
    char p[160];
    snprintf(p, sizeof p, "%s/other.db", f->dir);
    assert_non_null(store_migration_sql(0));
    assert_null(store_migration_sql(STORE_SCHEMA_VERSION));
    assert_null(store_migration_sql(-1));
    exec_sql(p, store_migration_sql(0));
    exec_sql(p, "PRAGMA user_version = 1;"
                "INSERT INTO names(id, name) VALUES (1, 'a'), (2, 'b');"
                "INSERT INTO runs(id, tid, started_at, duration_ms, status, flags, lag_ms,"
                " codes, steps, result) VALUES"
                " (1, 1, 1000, 5, 0, 8, 0, '[]', NULL, '{\"v\":1}'),"
                " (2, 2, 1000, 5, 2, 8, 0, '[]', NULL, NULL);"
                "INSERT INTO latest VALUES (1, 1, 0), (2, 2, 2);"
                "INSERT INTO rollup_hour VALUES (1, 0, 1, 0, 0, 5, 5, 5);");
    struct store *st = NULL;
    char err[256] = "";
    assert_int_equal(store_open(p, &st, err, sizeof err), 0);
    assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
    char *json = NULL;
    assert_int_equal(store_latest_json(st, "a", &json), 0);
    assert_string_equal(json, "{\"v\":1}");
    free(json);
    assert_int_equal(store_latest_json(st, "b", &json), STORE_ENOTFOUND);
    /* New runs work on the migrated file, and the old result is dropped
     * once it is no longer the latest (it was a change: kept). */
    assert_true(fx_run(st, "a", 2000, 5, 0, 0) > 0);
    store_close(st);
    assert_int_equal(query_int(p, "SELECT count(*) FROM pragma_table_info('runs')"
                                  " WHERE name = 'result'"), 0);
    assert_int_equal(query_int(p, "SELECT count(*) FROM results"), 2);
    assert_int_equal(query_int(p, "SELECT count(*) FROM sqlite_schema"
                                  " WHERE name = 'rollup_hour_bucket'"), 0);
    assert_int_equal(query_int(p, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
}

static void test_negative_version_refused(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    f->st = NULL;
    exec_sql(f->path, "PRAGMA user_version = -3");
    struct store *st = NULL;
    char err[256] = "";
    assert_int_equal(store_open(f->path, &st, err, sizeof err), STORE_EVERSION);
    assert_non_null(strstr(err, "-3"));
}

static void test_not_a_database(void **state)
{
    struct fx *f = *state;
    char p[160];
    snprintf(p, sizeof p, "%s/other.db", f->dir);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fputs("this is a text file, not SQLite\n", fp);
    fclose(fp);
    struct store *st = NULL;
    char err[256] = "";
    assert_int_equal(store_open(p, &st, err, sizeof err), STORE_ENOTDB);
    assert_null(st);
    assert_non_null(strstr(err, "not a SQLite database"));
    /* The file is untouched. */
    fp = fopen(p, "r");
    char line[64];
    assert_non_null(fgets(line, sizeof line, fp));
    assert_string_equal(line, "this is a text file, not SQLite\n");
    fclose(fp);
}

static void test_foreign_database(void **state)
{
    struct fx *f = *state;
    char p[160];
    snprintf(p, sizeof p, "%s/other.db", f->dir);
    exec_sql(p, "CREATE TABLE names (x); INSERT INTO names VALUES (1)");
    struct store *st = NULL;
    char err[256] = "";
    assert_int_equal(store_open(p, &st, err, sizeof err), STORE_ENOTDB);
    assert_null(st);
    assert_non_null(strstr(err, "another program"));
    assert_int_equal(query_int(p, "SELECT count(*) FROM sqlite_schema"), 1);
    assert_int_equal(query_int(p, "PRAGMA user_version"), 0);
    /* Not switched to WAL either. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "delete");
    sqlite3_finalize(s);
    sqlite3_close(db);
}

/* A version 2 database of a service that has been running (runs, results,
 * rollups, an open incident, an API target, a delivery): migration 3 adds
 * the maintenance and alerts tables and loses nothing. */
static void test_migration_2_to_3(void **state)
{
    struct fx *f = *state;
    char p[160];
    snprintf(p, sizeof p, "%s/other.db", f->dir);
    exec_sql(p, store_migration_sql(0));
    exec_sql(p, store_migration_sql(1));
    exec_sql(p, "PRAGMA user_version = 2;"
                "INSERT INTO names(id, name) VALUES (1, 'a'), (2, 'b');"
                "INSERT INTO runs(id, tid, started_at, duration_ms, status, flags, lag_ms,"
                " codes, steps) VALUES"
                " (1, 1, 1000, 5, 0, 8, 0, '[]', NULL),"
                " (2, 1, 2000, 5, 2, 8, 0, '[\"tls_expired\"]', NULL),"
                " (3, 2, 1000, 7, 0, 8, 0, '[]', NULL);"
                "INSERT INTO results VALUES (2, '{\"v\":2}'), (3, '{\"v\":3}');"
                "INSERT INTO latest VALUES (1, 2, 2), (2, 3, 0);"
                "INSERT INTO rollup_hour VALUES (1, 0, 1, 1, 0, 5, 5, 5);"
                "INSERT INTO rollup_day VALUES (1, 0, 1, 1, 0, 5, 5, 5);"
                "INSERT INTO incidents VALUES (1, 1, 0, 2, 2000, NULL, '[]');"
                "INSERT INTO api_targets VALUES ('b', '{\"host\":\"x\"}', 1, 1);"
                "INSERT INTO deliveries VALUES (1, 1, 'webhook', 'firing', 'rx', 'success',"
                " 200, 1, NULL, 2000);");
    struct store *st = NULL;
    char err[256] = "";
    assert_int_equal(store_open(p, &st, err, sizeof err), 0);
    assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
    char *json = NULL;
    assert_int_equal(store_latest_json(st, "a", &json), 0);
    assert_string_equal(json, "{\"v\":2}");
    free(json);
    /* the new tables work on the migrated file */
    assert_int_equal(store_maint_put(st, 1, "{\"targets\": [\"a\"]}", 5000, 10), 0);
    assert_int_equal(store_alert_put(st, "a", "{\"severity\":\"critical\"}", 10), 0);
    int bad = 0;
    size_t n = 0;
    assert_int_equal(store_streak(st, "a", 10, &bad, &n), 0);
    assert_int_equal(bad, 1);
    assert_int_equal(n, 1);
    store_close(st);
    const char *counts[][2] = {
        {"SELECT count(*) FROM runs", "3"},          {"SELECT count(*) FROM results", "2"},
        {"SELECT count(*) FROM latest", "2"},        {"SELECT count(*) FROM rollup_hour", "1"},
        {"SELECT count(*) FROM rollup_day", "1"},    {"SELECT count(*) FROM incidents", "1"},
        {"SELECT count(*) FROM api_targets", "1"},   {"SELECT count(*) FROM deliveries", "1"},
        {"SELECT count(*) FROM maintenance", "1"},   {"SELECT count(*) FROM alerts", "1"},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        assert_int_equal(query_int(p, counts[i][0]), atoi(counts[i][1]));
    assert_int_equal(query_int(p, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(query_int(p, "SELECT count(*) FROM pragma_integrity_check"
                                  " WHERE integrity_check <> 'ok'"), 0);
}

static int collect_alert(void *arg, const char *name, const char *json, int64_t updated_at)
{
    (void)updated_at;
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 1024 - n, "%s=%s;", name, json);
    return 0;
}

/* A version 3 database with alert records of version 1 (a firing alert
 * each, nothing owed): migration 4 rewrites them as version 2 records
 * ("firing": true), leaves everything else as it was (a record that is not
 * one of ours is left for the service to drop with a message), and an
 * oaprobe of schema 3 now refuses the file. */
static void test_migration_3_to_4(void **state)
{
    struct fx *f = *state;
    char p[160];
    snprintf(p, sizeof p, "%s/v3.db", f->dir);
    for (int v = 0; v < 3; v++)
        exec_sql(p, store_migration_sql(v));
    exec_sql(p, "PRAGMA user_version = 3;"
                "INSERT INTO alerts VALUES ('a', '{\"v\":1,\"severity\":\"critical\","
                "\"starts\":10,\"notified\":20,\"host\":\"h\",\"labels\":{}}', 20),"
                " ('b', 'not json', 5), ('c', '[1]', 6);"
                "INSERT INTO maintenance(body, end_at, created_at) VALUES ('{}', NULL, 1);");
    struct store *st = NULL;
    char err[256] = "";
    assert_int_equal(store_open(p, &st, err, sizeof err), 0);
    assert_int_equal(store_schema_version(st), 4);
    char got[1024] = "";
    assert_int_equal(store_alerts(st, collect_alert, got), 0);
    assert_string_equal(got, "a={\"v\":2,\"severity\":\"critical\",\"starts\":10,"
                             "\"notified\":20,\"host\":\"h\",\"labels\":{},"
                             "\"firing\":true};b=not json;c=[1];");
    store_close(st);
    assert_int_equal(query_int(p, "SELECT count(*) FROM maintenance"), 1);
    assert_int_equal(query_int(p, "SELECT updated_at FROM alerts WHERE name = 'a'"), 20);
    /* what a schema 3 binary sees: a newer version, which it refuses */
    assert_true(query_int(p, "PRAGMA user_version") > 3);
}

static void test_directory_path(void **state)
{
    struct fx *f = *state;
    struct store *st = NULL;
    char err[256] = "";
    int rc = store_open(f->dir, &st, err, sizeof err);
    assert_true(rc == STORE_EDB || rc == STORE_ENOTDB);
    assert_null(st);
    assert_non_null(strstr(err, f->dir));
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct store *st = NULL;
    char err[128] = "";
    assert_int_equal(store_open(NULL, &st, err, sizeof err), STORE_EINVAL);
    assert_non_null(strstr(err, "path"));
    assert_int_equal(store_open("", &st, err, sizeof err), STORE_EINVAL);
    assert_int_equal(store_open("/tmp/x.db", NULL, err, sizeof err), STORE_EINVAL);
    store_close(NULL);
    assert_non_null(store_errmsg(NULL));
    assert_null(store_path(NULL));
    assert_int_equal(store_schema_version(NULL), -1);
}

static void test_memory_database(void **state)
{
    (void)state;
    struct store *st = NULL;
    assert_int_equal(store_open(":memory:", &st, NULL, 0), 0);
    assert_int_equal(store_schema_version(st), STORE_SCHEMA_VERSION);
    assert_true(fx_run(st, "m", T0, 1, 0, 0) > 0);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrations_from_empty, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_data, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_newer_version_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_migration_1_to_2, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_migration_2_to_3, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_migration_3_to_4, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_negative_version_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_foreign_database, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_directory_path, fx_setup, fx_teardown),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_memory_database),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
