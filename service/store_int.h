/*
 * store_int.h: what the store*.c files share and nothing else sees: the
 * connection struct, the statement cache, transactions, validation helpers.
 */
#ifndef OAPROBE_SERVICE_STORE_INT_H
#define OAPROBE_SERVICE_STORE_INT_H

#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>

#include "service/store.h"

/* One slot per cached statement (prepared once, reset after each use). */
enum store_stmt {
    SS_NAME_GET, SS_NAME_ADD,
    SS_RUN_ADD, SS_RESULT_ADD, SS_LATEST_GET, SS_LATEST_SET, SS_RESULT_DROP,
    SS_ROLL_HOUR, SS_ROLL_DAY,
    SS_LATEST_ROW, SS_LATEST_ALL,
    SS_SERIES_HOUR, SS_SERIES_DAY,
    SS_INC_CLOSE, SS_INC_ADD,
    SS_RESULTS,
    SS_INC_LIST_T, SS_INC_LIST_ALL,
    SS_API_GET, SS_API_INS, SS_API_UPD, SS_API_DEL, SS_API_ONE, SS_API_LIST,
    SS_JSON_OBJECT,
    SS_DLV_ADD, SS_DLV_LIST_T, SS_DLV_LIST_ALL,
    SS_MAINT_PUT, SS_MAINT_ADD, SS_MAINT_DEL, SS_MAINT_LIST, SS_MAINT_SEQ,
    SS_ALERT_PUT, SS_ALERT_DEL, SS_ALERT_LIST, SS_STREAK,
    SS_COUNT
};

struct store {
    sqlite3 *db;
    char *path;
    int in_batch;             /* the writer holds an outer transaction */
    sqlite3_stmt *stmts[SS_COUNT];
    char err[256];
};

/* store_seterr: formats st->err (printf-like) and returns code. */
int store_seterr(struct store *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* store_dberr: st->err = "what: sqlite message"; returns STORE_EDB (or
 * STORE_ENOMEM when SQLite ran out of memory). */
int store_dberr(struct store *st, const char *what);

/* store_stmt: the cached statement of slot, prepared from sql on first use
 * (NULL on failure, st->err set). The caller resets it after use. */
sqlite3_stmt *store_stmt(struct store *st, enum store_stmt slot, const char *sql);

/* store_txn_begin/end: one write transaction (BEGIN IMMEDIATE/COMMIT), or a
 * savepoint inside the writer's batch. end(ok=0) rolls back. Return 0 or
 * STORE_EDB. */
int store_txn_begin(struct store *st);
int store_txn_end(struct store *st, int ok);

/* store_check_name: STORE_EINVAL with "field: ..." unless a valid name. */
int store_check_name(struct store *st, const char *field, const char *name);

/* store_delete_name: run slot's "DELETE ... WHERE name = ?1" for a valid
 * name; the rows deleted (0 or more), or a STORE_E* code (what: the
 * error's label, "alerts: delete"). */
int store_delete_name(struct store *st, enum store_stmt slot, const char *sql,
                      const char *what, const char *name);

/* store_check_text: STORE_EINVAL unless s is NULL-or-text of <= max bytes
 * (nullable says whether NULL is allowed). */
int store_check_text(struct store *st, const char *field, const char *s,
                     size_t max, int nullable);

/* store_json_object: 1 when json is a JSON object, 0 when not, STORE_EDB. */
int store_json_object(struct store *st, const char *json);

/* store_check_record: the checks of a put of a named JSON record, in this
 * order: name valid, field json a text of at most max bytes, now not
 * negative, json an object ("field: not a JSON object"). 0 or a STORE_E*
 * code. */
int store_check_record(struct store *st, const char *name, const char *field, const char *json,
                       size_t max, int64_t now);

/* store_codes_json: validates codes (<= STORE_CODES_MAX, each 1..64 bytes
 * [a-z0-9_.-]) and writes the JSON array text into buf. Returns 0 or
 * STORE_EINVAL. buf must hold STORE_CODES_JSON_MAX bytes. */
#define STORE_CODES_JSON_MAX (STORE_CODES_MAX * (STORE_CODE_MAX + 3) + 3)
int store_codes_json(struct store *st, const char *const *codes, size_t ncodes,
                     char *buf);

/* store_name_id: the id of target name in the names table; create adds it
 * when absent. Returns 0 (*id set), STORE_ENOTFOUND (absent, !create),
 * STORE_EDB. */
int store_name_id(struct store *st, const char *name, int create, int64_t *id);

/* store_page_limit: 0 -> default, capped at STORE_PAGE_MAX. */
size_t store_page_limit(size_t limit);

/* Cursor kinds (bind a cursor to the listing that issued it). */
enum store_cursor_kind { SC_RESULTS = 'r', SC_INCIDENTS = 'i', SC_DELIVERIES = 'd' };

/* store_cursor_encode: base64url text of (kind, scope, t, id) into out
 * (len >= STORE_CURSOR_MAX). scope: the target name or "" for all. */
void store_cursor_encode(enum store_cursor_kind kind, const char *scope, int64_t t,
                         int64_t id, char *out, size_t len);

/* store_cursor_decode: parses text; STORE_ECURSOR (message set) unless it
 * is a cursor of this kind and scope. */
int store_cursor_decode(struct store *st, enum store_cursor_kind kind,
                        const char *scope, const char *text, int64_t *t, int64_t *id);

/* ---- newest-first pages keyed by (time, id) (store_page.c) ------------- */

struct store_page {
    enum store_cursor_kind kind;
    const char *scope; /* the target, or NULL for every target */
    int64_t t, id;     /* the page holds the rows before (t, id) */
    size_t limit;      /* rows in a page (store_page_limit) */
};

/*
 * store_page_begin: the checks every listing makes (a callback, cursor_out
 * of STORE_CURSOR_MAX bytes, emptied) and the position of cursor_in (NULL
 * or "": the first page) into pg. Returns 0, STORE_EINVAL or STORE_ECURSOR
 * (message set).
 */
int store_page_begin(struct store *st, struct store_page *pg, enum store_cursor_kind kind,
                     const char *scope, size_t limit, const char *cursor_in, bool have_cb,
                     char *cursor_out, size_t cursor_len);

/* One row of a page: hand it to the listing's callback and set *t, *id to
 * its position. Returns the callback's value (non-zero stops the page). */
typedef int (*store_page_row_fn)(void *arg, sqlite3_stmt *s, int64_t *t, int64_t *id);

/*
 * store_page_run: steps s (bound by the caller with pg->t, pg->id and
 * pg->limit + 1 rows), each row of the page to row(arg, ...); when another
 * row follows, the next page's cursor into cursor_out; resets s. Returns 0,
 * the callback's non-zero value, or STORE_EDB (what names the listing).
 */
int store_page_run(struct store *st, sqlite3_stmt *s, struct store_page *pg,
                   store_page_row_fn row, void *arg, const char *what, char *cursor_out,
                   size_t cursor_len);

/*
 * store_page_list: a listing of one target (pg->scope) or of every one
 * (NULL): the statement one or all (prepared from its SQL once), bound as
 * (?1 scope, ?2 t, ?3 id, ?4 pg->limit + 1), through store_page_run.
 */
int store_page_list(struct store *st, struct store_page *pg, enum store_stmt one,
                    const char *sql_one, enum store_stmt all, const char *sql_all,
                    store_page_row_fn row, void *arg, const char *what, char *cursor_out,
                    size_t cursor_len);

/* The columns of a struct store_row, for "SELECT " STORE_ROW_COLS " FROM
 * runs r JOIN names n ON n.id = r.tid " STORE_ROW_RESULT "..." */
#define STORE_ROW_COLS                                                         \
    "r.id, n.name, r.started_at, r.duration_ms, r.status, r.codes, r.steps,"  \
    " res.json, r.lag_ms, r.flags"
#define STORE_ROW_RESULT " LEFT JOIN results res ON res.run_id = r.id"

/* store_migration_sql: the SQL taking schema version from to from + 1
 * (NULL when out of range); for the migration tests. */
const char *store_migration_sql(int from);

/* store_row_from: fills row from a statement whose first columns are
 * STORE_ROW_COLS (strings point into the statement). */
void store_row_from(sqlite3_stmt *s, struct store_row *row);

/* store_col_text: column text or NULL (never an empty-string stand-in). */
const char *store_col_text(sqlite3_stmt *s, int col);

#endif /* OAPROBE_SERVICE_STORE_INT_H */
