/*
 * store_targets.c: targets added through the API (PUT/DELETE
 * /api/v1/targets/{name}), kept as their JSON body so that a restart
 * validates them again through the config's one validation path.
 */
#include "service/store_int.h"

static int exists(struct store *st, const char *name)
{
    sqlite3_stmt *s = store_stmt(st, SS_API_GET, "SELECT 1 FROM api_targets WHERE name = ?1");
    if (!s)
        return STORE_EDB;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    sqlite3_reset(s);
    if (step == SQLITE_ROW)
        return 1;
    return step == SQLITE_DONE ? 0 : store_dberr(st, "api_targets");
}

int store_api_target_put(struct store *st, const char *name, const char *json, int64_t now)
{
    if (!st)
        return STORE_EINVAL;
    int rc;
    if ((rc = store_check_record(st, name, "body", json, STORE_BODY_MAX, now)) != 0)
        return rc;
    if ((rc = store_txn_begin(st)) != 0)
        return rc;
    int created = exists(st, name);
    rc = created < 0 ? created : 0;
    created = created == 0;
    if (!rc) {
        sqlite3_stmt *s =
            created ? store_stmt(st, SS_API_INS,
                                 "INSERT INTO api_targets(name, body, created_at, updated_at)"
                                 " VALUES (?1, ?2, ?3, ?3)")
                    : store_stmt(st, SS_API_UPD,
                                 "UPDATE api_targets SET body = ?2, updated_at = ?3"
                                 " WHERE name = ?1");
        if (!s) {
            rc = STORE_EDB;
        } else {
            sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 2, json, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 3, now);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = store_dberr(st, "api_targets: write");
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
        }
    }
    int rc2 = store_txn_end(st, rc == 0);
    if (rc || rc2)
        return rc ? rc : rc2;
    return created;
}

int store_api_target_delete(struct store *st, const char *name)
{
    int n = store_delete_name(st, SS_API_DEL, "DELETE FROM api_targets WHERE name = ?1",
                              "api_targets: delete", name);
    if (n < 0)
        return n;
    if (n == 0)
        return store_seterr(st, STORE_ENOTFOUND, "%s: not a target added through the API",
                            name);
    return 0;
}

static int list(struct store *st, sqlite3_stmt *s, store_api_target_cb cb, void *arg,
                int *seen)
{
    int step, rc = 0;
    *seen = 0;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        (*seen)++;
        rc = cb(arg, store_col_text(s, 0), store_col_text(s, 1),
                sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3));
        if (rc)
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = store_dberr(st, "api_targets");
    sqlite3_reset(s);
    return rc;
}

int store_api_target_get(struct store *st, const char *name, store_api_target_cb cb,
                         void *arg)
{
    if (!st)
        return STORE_EINVAL;
    int rc = store_check_name(st, "name", name);
    if (rc)
        return rc;
    if (!cb)
        return store_seterr(st, STORE_EINVAL, "callback: missing");
    sqlite3_stmt *s = store_stmt(st, SS_API_ONE,
                                 "SELECT name, body, created_at, updated_at FROM api_targets"
                                 " WHERE name = ?1");
    if (!s)
        return STORE_EDB;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int seen;
    rc = list(st, s, cb, arg, &seen);
    if (!rc && !seen)
        rc = store_seterr(st, STORE_ENOTFOUND, "%s: not a target added through the API",
                          name);
    return rc;
}

int store_api_targets(struct store *st, store_api_target_cb cb, void *arg)
{
    if (!st)
        return STORE_EINVAL;
    if (!cb)
        return store_seterr(st, STORE_EINVAL, "callback: missing");
    sqlite3_stmt *s = store_stmt(st, SS_API_LIST,
                                 "SELECT name, body, created_at, updated_at FROM api_targets"
                                 " ORDER BY name");
    if (!s)
        return STORE_EDB;
    int seen;
    return list(st, s, cb, arg, &seen);
}
