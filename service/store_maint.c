/*
 * store_maint.c: maintenance windows added through the API (POST/DELETE
 * /api/v1/maintenance), kept as the body that was posted so that a restart
 * validates them again through the config's one parser, under the id the
 * daemon gave them ("api-<id>": the same after a restart).
 */
#include "service/store_int.h"

int store_maint_put(struct store *st, int64_t id, const char *body, int64_t end_at,
                    int64_t now)
{
    if (!st)
        return STORE_EINVAL;
    int rc = store_check_text(st, "body", body, STORE_MAINT_BODY_MAX, 0);
    if (rc)
        return rc;
    if (id < 1)
        return store_seterr(st, STORE_EINVAL, "id: %lld is not a window id (>= 1)",
                            (long long)id);
    if (now < 0 || end_at < -1)
        return store_seterr(st, STORE_EINVAL, "%s: negative", now < 0 ? "now" : "end_at");
    sqlite3_stmt *s = store_stmt(st, SS_MAINT_PUT,
                                 "INSERT INTO maintenance(id, body, end_at, created_at)"
                                 " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE"
                                 " SET body = excluded.body, end_at = excluded.end_at");
    if (!s)
        return STORE_EDB;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, body, -1, SQLITE_STATIC);
    if (end_at >= 0)
        sqlite3_bind_int64(s, 3, end_at);
    else
        sqlite3_bind_null(s, 3);
    sqlite3_bind_int64(s, 4, now);
    int step = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return step == SQLITE_DONE ? 0 : store_dberr(st, "maintenance: write");
}

int store_maint_add(struct store *st, const char *body, int64_t end_at, int64_t now,
                    int64_t *id)
{
    if (!st)
        return STORE_EINVAL;
    if (!id)
        return store_seterr(st, STORE_EINVAL, "id: missing");
    int rc = store_check_text(st, "body", body, STORE_MAINT_BODY_MAX, 0);
    if (rc)
        return rc;
    if (now < 0 || end_at < -1)
        return store_seterr(st, STORE_EINVAL, "%s: negative", now < 0 ? "now" : "end_at");
    /* AUTOINCREMENT: larger than any id ever stored (sqlite_sequence), so an
     * id handed out once is never handed out again, deleted or not */
    sqlite3_stmt *s = store_stmt(st, SS_MAINT_ADD,
                                 "INSERT INTO maintenance(id, body, end_at, created_at)"
                                 " VALUES (NULL, ?1, ?2, ?3)");
    if (!s)
        return STORE_EDB;
    sqlite3_bind_text(s, 1, body, -1, SQLITE_STATIC);
    if (end_at >= 0)
        sqlite3_bind_int64(s, 2, end_at);
    else
        sqlite3_bind_null(s, 2);
    sqlite3_bind_int64(s, 3, now);
    int step = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (step != SQLITE_DONE)
        return store_dberr(st, "maintenance: add");
    *id = sqlite3_last_insert_rowid(st->db);
    return 0;
}

int store_maint_delete(struct store *st, int64_t id)
{
    if (!st)
        return STORE_EINVAL;
    if (id < 1)
        return store_seterr(st, STORE_EINVAL, "id: %lld is not a window id (>= 1)",
                            (long long)id);
    sqlite3_stmt *s = store_stmt(st, SS_MAINT_DEL, "DELETE FROM maintenance WHERE id = ?1");
    if (!s)
        return STORE_EDB;
    sqlite3_bind_int64(s, 1, id);
    int step = sqlite3_step(s);
    sqlite3_reset(s);
    if (step != SQLITE_DONE)
        return store_dberr(st, "maintenance: delete");
    return sqlite3_changes(st->db) > 0;
}

int store_maints(struct store *st, store_maint_cb cb, void *arg, int64_t *last_id)
{
    if (!st)
        return STORE_EINVAL;
    if (!cb)
        return store_seterr(st, STORE_EINVAL, "callback: missing");
    if (last_id) {
        /* AUTOINCREMENT keeps the largest id ever used in sqlite_sequence */
        sqlite3_stmt *q = store_stmt(st, SS_MAINT_SEQ,
                                     "SELECT coalesce(max(seq), 0) FROM sqlite_sequence"
                                     " WHERE name = 'maintenance'");
        if (!q)
            return STORE_EDB;
        int step = sqlite3_step(q);
        *last_id = step == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
        sqlite3_reset(q);
        if (step != SQLITE_ROW)
            return store_dberr(st, "maintenance: sequence");
    }
    sqlite3_stmt *s = store_stmt(st, SS_MAINT_LIST,
                                 "SELECT id, body, coalesce(end_at, -1), created_at"
                                 " FROM maintenance ORDER BY id");
    if (!s)
        return STORE_EDB;
    int step, rc = 0;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        const char *body = store_col_text(s, 1);
        rc = cb(arg, sqlite3_column_int64(s, 0), body ? body : "",
                sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3));
        if (rc)
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = store_dberr(st, "maintenance");
    sqlite3_reset(s);
    return rc;
}
