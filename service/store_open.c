/*
 * store_open.c: opening the database (pragmas, migrations, version checks),
 * closing it, and the error text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/store_int.h"

/*
 * The migrations: migrations[i] takes a database from user_version i to
 * i + 1. Append only; never edit a released step (docs/internals/store.md).
 */
static const char *const migrations[] = {
    /* 0 -> 1: the first schema. */
    "CREATE TABLE names ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  tid INTEGER NOT NULL REFERENCES names(id),"
    "  started_at INTEGER NOT NULL,"
    "  duration_ms INTEGER NOT NULL,"
    "  status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 3),"
    "  flags INTEGER NOT NULL,"
    "  lag_ms INTEGER NOT NULL,"
    "  codes TEXT NOT NULL,"
    "  steps TEXT,"
    "  result TEXT);"
    "CREATE INDEX runs_tid_time ON runs(tid, started_at, id);"
    "CREATE INDEX runs_time ON runs(started_at);"
    "CREATE TABLE latest ("
    "  tid INTEGER PRIMARY KEY REFERENCES names(id),"
    "  run_id INTEGER NOT NULL REFERENCES runs(id),"
    "  status INTEGER NOT NULL);"
    "CREATE INDEX latest_run ON latest(run_id);"
    "CREATE TABLE rollup_hour ("
    "  tid INTEGER NOT NULL, bucket INTEGER NOT NULL,"
    "  up INTEGER NOT NULL, down INTEGER NOT NULL, maint INTEGER NOT NULL,"
    "  sum_ms INTEGER NOT NULL, min_ms INTEGER, max_ms INTEGER,"
    "  PRIMARY KEY (tid, bucket)) WITHOUT ROWID;"
    "CREATE INDEX rollup_hour_bucket ON rollup_hour(bucket);"
    "CREATE TABLE rollup_day ("
    "  tid INTEGER NOT NULL, bucket INTEGER NOT NULL,"
    "  up INTEGER NOT NULL, down INTEGER NOT NULL, maint INTEGER NOT NULL,"
    "  sum_ms INTEGER NOT NULL, min_ms INTEGER, max_ms INTEGER,"
    "  PRIMARY KEY (tid, bucket)) WITHOUT ROWID;"
    "CREATE INDEX rollup_day_bucket ON rollup_day(bucket);"
    "CREATE TABLE incidents ("
    "  id INTEGER PRIMARY KEY,"
    "  tid INTEGER NOT NULL REFERENCES names(id),"
    "  from_status INTEGER NOT NULL, to_status INTEGER NOT NULL,"
    "  started_at INTEGER NOT NULL, ended_at INTEGER,"
    "  codes TEXT NOT NULL);"
    "CREATE INDEX incidents_tid ON incidents(tid, started_at, id);"
    "CREATE INDEX incidents_time ON incidents(started_at, id);"
    "CREATE INDEX incidents_open ON incidents(tid) WHERE ended_at IS NULL;"
    "CREATE TABLE api_targets ("
    "  name TEXT PRIMARY KEY,"
    "  body TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE TABLE deliveries ("
    "  id INTEGER PRIMARY KEY,"
    "  tid INTEGER NOT NULL REFERENCES names(id),"
    "  kind TEXT NOT NULL, event TEXT NOT NULL, dest TEXT NOT NULL,"
    "  outcome TEXT NOT NULL, status INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL, response BLOB, at INTEGER NOT NULL);"
    "CREATE INDEX deliveries_tid ON deliveries(tid, at, id);"
    "CREATE INDEX deliveries_time ON deliveries(at, id);",
    /* 1 -> 2: full results in their own table. A result dropped from a row
     * of runs left a hole that appends (ascending ids) never reuse: 2 KiB
     * per run of dead space. Deleted rows of results free whole pages,
     * which later inserts take from the freelist. Rollups are pruned per
     * target through their primary key: the bucket indexes go. */
    "CREATE TABLE results ("
    "  run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,"
    "  json TEXT NOT NULL);"
    "INSERT INTO results(run_id, json) SELECT id, result FROM runs WHERE result IS NOT NULL;"
    "ALTER TABLE runs DROP COLUMN result;"
    "DROP INDEX rollup_hour_bucket;"
    "DROP INDEX rollup_day_bucket;",
    /* 2 -> 3: what a restart must not forget (issue 9): maintenance windows
     * added through the API (the body as posted, parsed again at start;
     * AUTOINCREMENT so that the id of a deleted window, "api-<id>", is never
     * given to another one) and the alert state of every firing target (a
     * JSON record of alerting). */
    "CREATE TABLE maintenance ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  body TEXT NOT NULL,"
    "  end_at INTEGER,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE alerts ("
    "  name TEXT PRIMARY KEY,"
    "  state TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL);",
    /* 3 -> 4: an alert record also says which notification it still owes
     * to which hook (version 2 of the record, service/alert_json.h), and a
     * resolved alert keeps its record until its resolution is delivered.
     * An oaprobe of schema 3 would drop such records (a page repeated or
     * lost), so it must refuse the file: hence a version. The version 1
     * records (all firing, nothing owed) are rewritten as version 2. */
    "UPDATE alerts SET state = json_set(state, '$.v', 2, '$.firing', json('true'))"
    " WHERE json_valid(state) AND json_type(state) = 'object'"
    " AND json_extract(state, '$.v') = 1;",
};

const char *store_migration_sql(int from)
{
    if (from < 0 || from >= STORE_SCHEMA_VERSION)
        return NULL;
    return migrations[from];
}

_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
               "one migration per schema version");

static void put_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

static int user_version(sqlite3 *db, int *v)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            *v = sqlite3_column_int(s, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(s);
    return rc;
}

static int exec(struct store *st, const char *sql, const char *what)
{
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : store_dberr(st, what);
}

static int check_version(struct store *st, int v)
{
    if (v > STORE_SCHEMA_VERSION)
        return store_seterr(st, STORE_EVERSION,
                            "%s: database schema version %d is newer than this "
                            "oaprobe's %d; use a newer oaprobe or another file",
                            st->path, v, STORE_SCHEMA_VERSION);
    if (v < 0)
        return store_seterr(st, STORE_EVERSION,
                            "%s: database schema version %d is not one of oaprobe's",
                            st->path, v);
    return 0;
}

/* Version 0 must mean "new file": a SQLite file of another program (tables
 * but no user_version) is not ours to add tables to. */
static int check_empty(struct store *st)
{
    sqlite3_stmt *s = NULL;
    int n = -1;
    if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_schema", -1, &s, NULL) ==
            SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (n < 0)
        return store_dberr(st, "migrations: schema");
    if (n > 0)
        return store_seterr(st, STORE_ENOTDB, "%s: a SQLite database of another program "
                            "(it has tables but no oaprobe schema version; refusing to touch it)",
                            st->path);
    return 0;
}

/* Applies the missing migrations in one IMMEDIATE transaction (the version
 * is read again under the write lock: another process may have migrated). */
static int migrate(struct store *st)
{
    int rc = exec(st, "BEGIN IMMEDIATE", "migrations: begin");
    if (rc)
        return rc;
    int v = 0;
    if (user_version(st->db, &v) != SQLITE_OK) {
        rc = store_dberr(st, "migrations: user_version");
        goto fail;
    }
    if ((rc = check_version(st, v)) != 0)
        goto fail;
    for (; v < STORE_SCHEMA_VERSION; v++) {
        char what[64];
        snprintf(what, sizeof what, "migration %d -> %d", v, v + 1);
        if ((rc = exec(st, migrations[v], what)) != 0)
            goto fail;
        char pragma[48];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        if ((rc = exec(st, pragma, what)) != 0)
            goto fail;
    }
    return exec(st, "COMMIT", "migrations: commit");
fail:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int store_open(const char *path, struct store **out, char *err, size_t errlen)
{
    if (out)
        *out = NULL;
    if (!path || !out || !*path) {
        put_err(err, errlen, "store_open: path and out are required");
        return STORE_EINVAL;
    }
    struct store *st = calloc(1, sizeof *st);
    if (!st || !(st->path = strdup(path))) {
        free(st);
        put_err(err, errlen, "store_open: out of memory");
        return STORE_ENOMEM;
    }
    int rc = sqlite3_open_v2(path, &st->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                 SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        if (!st->db)
            rc = store_seterr(st, STORE_ENOMEM, "%s: out of memory", path);
        else
            rc = store_seterr(st, STORE_EDB, "%s: cannot open: %s", path,
                              sqlite3_errmsg(st->db));
        goto fail;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, 5000);

    int v = 0;
    rc = user_version(st->db, &v);
    if ((rc & 0xff) == SQLITE_NOTADB) {
        rc = store_seterr(st, STORE_ENOTDB, "%s: not a SQLite database "
                          "(refusing to touch it)", path);
        goto fail;
    }
    if (rc != SQLITE_OK) {
        rc = store_seterr(st, STORE_EDB, "%s: cannot read: %s", path,
                          sqlite3_errmsg(st->db));
        goto fail;
    }
    if ((rc = check_version(st, v)) != 0)
        goto fail;
    if (v == 0 && (rc = check_empty(st)) != 0)
        goto fail;
    if (strcmp(path, ":memory:") != 0 &&
        (rc = exec(st, "PRAGMA journal_mode = WAL", "journal_mode")) != 0)
        goto fail;
    if ((rc = exec(st, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
                       "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -8192;"
                       "PRAGMA journal_size_limit = 67108864",
                   "pragmas")) != 0)
        goto fail;
    if (v < STORE_SCHEMA_VERSION && (rc = migrate(st)) != 0)
        goto fail;
    *out = st;
    return 0;
fail:
    put_err(err, errlen, st->err);
    store_close(st);
    return rc;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < SS_COUNT; i++)
        sqlite3_finalize(st->stmts[i]);
    sqlite3_close(st->db);
    free(st->path);
    free(st);
}

const char *store_errmsg(const struct store *st)
{
    return st ? st->err : "no store";
}

const char *store_path(const struct store *st)
{
    return st ? st->path : NULL;
}

int store_schema_version(struct store *st)
{
    int v = -1;
    if (!st || user_version(st->db, &v) != SQLITE_OK)
        return -1;
    return v;
}

int store_seterr(struct store *st, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err, sizeof st->err, fmt, ap);
    va_end(ap);
    return code;
}

int store_dberr(struct store *st, const char *what)
{
    int code = sqlite3_errcode(st->db);
    return store_seterr(st, (code & 0xff) == SQLITE_NOMEM ? STORE_ENOMEM : STORE_EDB,
                        "%s: %s", what, sqlite3_errmsg(st->db));
}
