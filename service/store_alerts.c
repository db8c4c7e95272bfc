/*
 * store_alerts.c: the alert state of every firing target (a JSON record,
 * service/alert_json.h, the store only keeps it), and the streak of a
 * target's latest runs (the thresholds' consecutive counters), so that a
 * restart neither pages again for an outage already paged nor forgets how
 * close a target was to its threshold.
 */
#include "service/store_int.h"

int store_alert_put(struct store *st, const char *name, const char *json, int64_t now)
{
    if (!st)
        return STORE_EINVAL;
    int rc;
    if ((rc = store_check_record(st, name, "state", json, STORE_ALERT_MAX, now)) != 0)
        return rc;
    sqlite3_stmt *s = store_stmt(st, SS_ALERT_PUT,
                                 "INSERT INTO alerts(name, state, updated_at) VALUES (?1, ?2, ?3)"
                                 " ON CONFLICT(name) DO UPDATE SET state = excluded.state,"
                                 " updated_at = excluded.updated_at");
    if (!s)
        return STORE_EDB;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, json, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    int step = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return step == SQLITE_DONE ? 0 : store_dberr(st, "alerts: write");
}

int store_alert_delete(struct store *st, const char *name)
{
    int n = store_delete_name(st, SS_ALERT_DEL, "DELETE FROM alerts WHERE name = ?1",
                              "alerts: delete", name);
    return n < 0 ? n : n > 0;
}

int store_alerts(struct store *st, store_alert_cb cb, void *arg)
{
    if (!st)
        return STORE_EINVAL;
    if (!cb)
        return store_seterr(st, STORE_EINVAL, "callback: missing");
    sqlite3_stmt *s = store_stmt(st, SS_ALERT_LIST,
                                 "SELECT name, state, updated_at FROM alerts ORDER BY name");
    if (!s)
        return STORE_EDB;
    int step, rc = 0;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        const char *name = store_col_text(s, 0), *json = store_col_text(s, 1);
        rc = cb(arg, name ? name : "", json ? json : "", sqlite3_column_int64(s, 2));
        if (rc)
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = store_dberr(st, "alerts");
    sqlite3_reset(s);
    return rc;
}

int store_streak(struct store *st, const char *target, size_t cap, int *bad, size_t *n)
{
    if (!st)
        return STORE_EINVAL;
    int rc = store_check_name(st, "target", target);
    if (rc)
        return rc;
    if (!bad || !n || cap < 1 || cap > 1000)
        return store_seterr(st, STORE_EINVAL, "%s", !bad || !n ? "out: missing"
                                                               : "cap: not 1..1000");
    *bad = 0;
    *n = 0;
    /* newest first through the (tid, started_at, id) index, at most cap */
    sqlite3_stmt *s = store_stmt(st, SS_STREAK,
                                 "SELECT r.status FROM names n JOIN runs r ON r.tid = n.id"
                                 " WHERE n.name = ?1 ORDER BY r.started_at DESC, r.id DESC"
                                 " LIMIT ?2");
    if (!s)
        return STORE_EDB;
    sqlite3_bind_text(s, 1, target, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (int64_t)cap);
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        int b = sqlite3_column_int(s, 0) != 0;
        if (*n == 0)
            *bad = b;
        else if (b != *bad)
            break;
        (*n)++;
    }
    rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : store_dberr(st, "streak");
    sqlite3_reset(s);
    return rc;
}
