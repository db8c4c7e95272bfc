/*
 * store_runs.c: adding a run (with its rollups and the latest-run pointer in
 * the same transaction) and reading the latest run back.
 */
#include <stdlib.h>
#include <string.h>

#include "service/store_int.h"

#define HOUR_MS 3600000LL
#define DAY_MS 86400000LL

static int check_run(struct store *st, const struct store_run *r, char *codes)
{
    int rc;
    if ((rc = store_check_name(st, "target", r->target)) != 0)
        return rc;
    if (r->started_at < 0)
        return store_seterr(st, STORE_EINVAL, "started_at: negative (%lld)",
                            (long long)r->started_at);
    if (r->duration_ms < 0)
        return store_seterr(st, STORE_EINVAL, "duration_ms: negative (%lld)",
                            (long long)r->duration_ms);
    if (r->lag_ms < 0)
        return store_seterr(st, STORE_EINVAL, "lag_ms: negative (%lld)",
                            (long long)r->lag_ms);
    if (r->status < 0 || r->status > 3)
        return store_seterr(st, STORE_EINVAL, "status: %d is not 0..3", r->status);
    if (r->flags & ~(STORE_RUN_MAINTENANCE | STORE_RUN_OVERRUN | STORE_RUN_KEEP_RESULT))
        return store_seterr(st, STORE_EINVAL, "flags: unknown bits 0x%x", r->flags);
    if ((rc = store_check_text(st, "steps_json", r->steps_json, STORE_STEPS_MAX, 1)) != 0 ||
        (rc = store_check_text(st, "result_json", r->result_json, STORE_RESULT_MAX, 1)) != 0)
        return rc;
    return store_codes_json(st, r->codes, r->ncodes, codes);
}

/* Adds the run to one rollup table (slot/sql) in bucket b. */
static int rollup(struct store *st, enum store_stmt slot, const char *sql, int64_t tid,
                  int64_t b, const struct store_run *r)
{
    sqlite3_stmt *s = store_stmt(st, slot, sql);
    if (!s)
        return STORE_EDB;
    int maint = (r->flags & STORE_RUN_MAINTENANCE) != 0;
    int up = !maint && r->status <= 1;
    int down = !maint && r->status >= 2;
    sqlite3_bind_int64(s, 1, tid);
    sqlite3_bind_int64(s, 2, b);
    sqlite3_bind_int(s, 3, up);
    sqlite3_bind_int(s, 4, down);
    sqlite3_bind_int(s, 5, maint);
    sqlite3_bind_int64(s, 6, up ? r->duration_ms : 0);
    if (up) {
        sqlite3_bind_int64(s, 7, r->duration_ms);
        sqlite3_bind_int64(s, 8, r->duration_ms);
    } else {
        sqlite3_bind_null(s, 7);
        sqlite3_bind_null(s, 8);
    }
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_dberr(st, "rollup");
}

#define ROLLUP_SQL(table)                                                        \
    "INSERT INTO " table "(tid, bucket, up, down, maint, sum_ms, min_ms, max_ms)" \
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"                                   \
    " ON CONFLICT (tid, bucket) DO UPDATE SET"                                   \
    " up = up + excluded.up, down = down + excluded.down,"                       \
    " maint = maint + excluded.maint, sum_ms = sum_ms + excluded.sum_ms,"        \
    " min_ms = min(coalesce(min_ms, excluded.min_ms), coalesce(excluded.min_ms, min_ms)),"\
    " max_ms = max(coalesce(max_ms, excluded.max_ms), coalesce(excluded.max_ms, max_ms))"

static int run_add_txn(struct store *st, const struct store_run *r, const char *codes,
                       int64_t *id)
{
    int64_t tid;
    int rc = store_name_id(st, r->target, 1, &tid);
    if (rc)
        return rc;

    /* The previous latest run: its status decides "changed"; its result is
     * dropped below unless it was kept for a reason of its own. */
    sqlite3_stmt *s = store_stmt(st, SS_LATEST_GET,
                                 "SELECT l.run_id, l.status, r.flags FROM latest l"
                                 " JOIN runs r ON r.id = l.run_id WHERE l.tid = ?1");
    if (!s)
        return STORE_EDB;
    sqlite3_bind_int64(s, 1, tid);
    int64_t prev_id = 0;
    int prev_status = -1;
    unsigned prev_flags = 0;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        prev_id = sqlite3_column_int64(s, 0);
        prev_status = sqlite3_column_int(s, 1);
        prev_flags = (unsigned)sqlite3_column_int(s, 2);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_dberr(st, "latest");

    unsigned flags = r->flags;
    if (prev_status != r->status)
        flags |= STORE_RUN_CHANGED;

    s = store_stmt(st, SS_RUN_ADD,
                   "INSERT INTO runs(tid, started_at, duration_ms, status, flags,"
                   " lag_ms, codes, steps) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)");
    if (!s)
        return STORE_EDB;
    sqlite3_bind_int64(s, 1, tid);
    sqlite3_bind_int64(s, 2, r->started_at);
    sqlite3_bind_int64(s, 3, r->duration_ms);
    sqlite3_bind_int(s, 4, r->status);
    sqlite3_bind_int(s, 5, (int)flags);
    sqlite3_bind_int64(s, 6, r->lag_ms);
    sqlite3_bind_text(s, 7, codes, -1, SQLITE_STATIC);
    if (r->steps_json)
        sqlite3_bind_text(s, 8, r->steps_json, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, 8);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE)
        return store_dberr(st, "runs: insert");
    int64_t rid = sqlite3_last_insert_rowid(st->db);

    if (r->result_json) {
        s = store_stmt(st, SS_RESULT_ADD, "INSERT INTO results(run_id, json) VALUES (?1, ?2)");
        if (!s)
            return STORE_EDB;
        sqlite3_bind_int64(s, 1, rid);
        sqlite3_bind_text(s, 2, r->result_json, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        if (rc != SQLITE_DONE)
            return store_dberr(st, "results: insert");
    }

    if (prev_id && !(prev_flags & (STORE_RUN_CHANGED | STORE_RUN_KEEP_RESULT))) {
        s = store_stmt(st, SS_RESULT_DROP,
                       "DELETE FROM results WHERE run_id = ?1");
        if (!s)
            return STORE_EDB;
        sqlite3_bind_int64(s, 1, prev_id);
        rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE)
            return store_dberr(st, "runs: drop result");
    }

    s = store_stmt(st, SS_LATEST_SET,
                   "INSERT INTO latest(tid, run_id, status) VALUES (?1, ?2, ?3)"
                   " ON CONFLICT (tid) DO UPDATE SET run_id = excluded.run_id,"
                   " status = excluded.status");
    if (!s)
        return STORE_EDB;
    sqlite3_bind_int64(s, 1, tid);
    sqlite3_bind_int64(s, 2, rid);
    sqlite3_bind_int(s, 3, r->status);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return store_dberr(st, "latest: update");

    if ((rc = rollup(st, SS_ROLL_HOUR, ROLLUP_SQL("rollup_hour"), tid,
                     r->started_at / HOUR_MS, r)) != 0 ||
        (rc = rollup(st, SS_ROLL_DAY, ROLLUP_SQL("rollup_day"), tid,
                     r->started_at / DAY_MS, r)) != 0)
        return rc;
    if (id)
        *id = rid;
    return 0;
}

int store_run_add(struct store *st, const struct store_run *r, int64_t *id)
{
    if (!st)
        return STORE_EINVAL;
    if (!r)
        return store_seterr(st, STORE_EINVAL, "run: missing");
    char codes[STORE_CODES_JSON_MAX];
    int rc = check_run(st, r, codes);
    if (rc)
        return rc;
    if ((rc = store_txn_begin(st)) != 0)
        return rc;
    rc = run_add_txn(st, r, codes, id);
    int rc2 = store_txn_end(st, rc == 0);
    return rc ? rc : rc2;
}

void store_row_from(sqlite3_stmt *s, struct store_row *row)
{
    row->id = sqlite3_column_int64(s, 0);
    row->target = store_col_text(s, 1);
    row->started_at = sqlite3_column_int64(s, 2);
    row->duration_ms = sqlite3_column_int64(s, 3);
    row->status = sqlite3_column_int(s, 4);
    row->codes_json = store_col_text(s, 5);
    row->steps_json = store_col_text(s, 6);
    row->result_json = store_col_text(s, 7);
    row->lag_ms = sqlite3_column_int64(s, 8);
    row->flags = (unsigned)sqlite3_column_int(s, 9);
}

int store_latest(struct store *st, const char *target, store_row_cb cb, void *arg)
{
    if (!st)
        return STORE_EINVAL;
    int rc = store_check_name(st, "target", target);
    if (rc)
        return rc;
    if (!cb)
        return store_seterr(st, STORE_EINVAL, "callback: missing");
    sqlite3_stmt *s = store_stmt(st, SS_LATEST_ROW,
                                 "SELECT " STORE_ROW_COLS " FROM names n"
                                 " JOIN latest l ON l.tid = n.id"
                                 " JOIN runs r ON r.id = l.run_id" STORE_ROW_RESULT
                                 " WHERE n.name = ?1");
    if (!s)
        return STORE_EDB;
    sqlite3_bind_text(s, 1, target, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW) {
        struct store_row row;
        store_row_from(s, &row);
        rc = cb(arg, &row);
    } else if (step == SQLITE_DONE) {
        rc = store_seterr(st, STORE_ENOTFOUND, "%s: no run stored", target);
    } else {
        rc = store_dberr(st, "latest");
    }
    sqlite3_reset(s);
    return rc;
}

int store_latest_all(struct store *st, store_row_cb cb, void *arg)
{
    if (!st)
        return STORE_EINVAL;
    if (!cb)
        return store_seterr(st, STORE_EINVAL, "callback: missing");
    sqlite3_stmt *s = store_stmt(st, SS_LATEST_ALL,
                                 "SELECT " STORE_ROW_COLS " FROM names n"
                                 " JOIN latest l ON l.tid = n.id"
                                 " JOIN runs r ON r.id = l.run_id" STORE_ROW_RESULT
                                 " ORDER BY n.name");
    if (!s)
        return STORE_EDB;
    int rc = 0, step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_row row;
        store_row_from(s, &row);
        if ((rc = cb(arg, &row)) != 0)
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = store_dberr(st, "latest");
    sqlite3_reset(s);
    return rc;
}

/* copy_result: returns 1 (copied), 2 (no result kept) or STORE_ENOMEM. */
static int copy_result(void *arg, const struct store_row *row)
{
    char **json = arg;
    if (!row->result_json)
        return 2;
    *json = strdup(row->result_json);
    return *json ? 1 : STORE_ENOMEM;
}

int store_latest_json(struct store *st, const char *target, char **json)
{
    if (!st)
        return STORE_EINVAL;
    if (!json)
        return store_seterr(st, STORE_EINVAL, "json: missing");
    *json = NULL;
    int rc = store_latest(st, target, copy_result, json);
    if (rc == 1)
        return 0;
    if (rc == 2)
        return store_seterr(st, STORE_ENOTFOUND, "%s: no result kept", target);
    if (rc == STORE_ENOMEM)
        store_seterr(st, rc, "latest: out of memory");
    return rc;
}
