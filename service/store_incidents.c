/*
 * store_incidents.c: state changes (opened by a change, closed by the next
 * one or by a recovery) and their newest-first listing.
 */
#include <stdint.h>

#include "service/store_int.h"

/* Closes tid's open incident at t; returns the number closed or STORE_EDB. */
static int close_open(struct store *st, int64_t tid, int64_t t)
{
    sqlite3_stmt *s = store_stmt(st, SS_INC_CLOSE,
                                 "UPDATE incidents SET ended_at = max(?2, started_at)"
                                 " WHERE tid = ?1 AND ended_at IS NULL");
    if (!s)
        return STORE_EDB;
    sqlite3_bind_int64(s, 1, tid);
    sqlite3_bind_int64(s, 2, t);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return store_dberr(st, "incidents: close");
    return sqlite3_changes(st->db);
}

static int check_status(struct store *st, const char *field, int v, int max)
{
    if (v < 0 || v > max)
        return store_seterr(st, STORE_EINVAL, "%s: %d is not 0..%d", field, v, max);
    return 0;
}

int store_incident_open(struct store *st, const char *target, int from_status,
                        int to_status, int64_t started, const char *const *codes,
                        size_t ncodes, int64_t *id)
{
    if (!st)
        return STORE_EINVAL;
    char cj[STORE_CODES_JSON_MAX];
    int rc;
    if ((rc = store_check_name(st, "target", target)) != 0 ||
        (rc = check_status(st, "from_status", from_status, STORE_STATUS_PENDING)) != 0 ||
        (rc = check_status(st, "to_status", to_status, 3)) != 0 ||
        (rc = store_codes_json(st, codes, ncodes, cj)) != 0)
        return rc;
    if (started < 0)
        return store_seterr(st, STORE_EINVAL, "started: negative");
    if ((rc = store_txn_begin(st)) != 0)
        return rc;
    int64_t tid;
    rc = store_name_id(st, target, 1, &tid);
    if (!rc && (rc = close_open(st, tid, started)) > 0)
        rc = 0;
    if (!rc) {
        sqlite3_stmt *s = store_stmt(st, SS_INC_ADD,
                                     "INSERT INTO incidents(tid, from_status, to_status,"
                                     " started_at, ended_at, codes)"
                                     " VALUES (?1, ?2, ?3, ?4, NULL, ?5)");
        if (!s) {
            rc = STORE_EDB;
        } else {
            sqlite3_bind_int64(s, 1, tid);
            sqlite3_bind_int(s, 2, from_status);
            sqlite3_bind_int(s, 3, to_status);
            sqlite3_bind_int64(s, 4, started);
            sqlite3_bind_text(s, 5, cj, -1, SQLITE_STATIC);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = store_dberr(st, "incidents: insert");
            else if (id)
                *id = sqlite3_last_insert_rowid(st->db);
            sqlite3_reset(s);
        }
    }
    int rc2 = store_txn_end(st, rc == 0);
    return rc ? rc : rc2;
}

int store_incident_close(struct store *st, const char *target, int64_t ended)
{
    if (!st)
        return STORE_EINVAL;
    int rc = store_check_name(st, "target", target);
    if (rc)
        return rc;
    if (ended < 0)
        return store_seterr(st, STORE_EINVAL, "ended: negative");
    int64_t tid;
    rc = store_name_id(st, target, 0, &tid);
    if (rc == STORE_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    if ((rc = store_txn_begin(st)) != 0)
        return rc;
    rc = close_open(st, tid, ended);
    int rc2 = store_txn_end(st, rc >= 0);
    return rc < 0 ? rc : rc2 ? rc2 : rc;
}

#define INC_COLS "i.id, n.name, i.from_status, i.to_status, i.started_at, i.ended_at, i.codes"

struct inc_page {
    store_incident_cb cb;
    void *arg;
};

static int inc_row(void *arg, sqlite3_stmt *s, int64_t *t, int64_t *id)
{
    const struct inc_page *pg = arg;
    struct store_incident inc = {
        .id = sqlite3_column_int64(s, 0),
        .target = store_col_text(s, 1),
        .from_status = sqlite3_column_int(s, 2),
        .to_status = sqlite3_column_int(s, 3),
        .started_at = sqlite3_column_int64(s, 4),
        .ended_at = sqlite3_column_int64(s, 5),
        .codes_json = store_col_text(s, 6),
    };
    *t = inc.started_at;
    *id = inc.id;
    return pg->cb(pg->arg, &inc);
}

int store_incidents(struct store *st, const char *target, size_t limit,
                    const char *cursor_in, store_incident_cb cb, void *arg,
                    char *cursor_out, size_t cursor_len)
{
    if (!st)
        return STORE_EINVAL;
    int rc;
    if (target && (rc = store_check_name(st, "target", target)) != 0)
        return rc;
    struct store_page pg;
    if ((rc = store_page_begin(st, &pg, SC_INCIDENTS, target, limit, cursor_in, cb != NULL,
                               cursor_out, cursor_len)) != 0)
        return rc;
    struct inc_page ip = {cb, arg};
    return store_page_list(st, &pg, SS_INC_LIST_T,
                           "SELECT " INC_COLS " FROM incidents i JOIN names n ON n.id = i.tid"
                           " WHERE n.name = ?1 AND (i.started_at, i.id) < (?2, ?3)"
                           " ORDER BY i.started_at DESC, i.id DESC LIMIT ?4",
                           SS_INC_LIST_ALL,
                           "SELECT " INC_COLS " FROM incidents i JOIN names n ON n.id = i.tid"
                           " WHERE ?1 IS NULL AND (i.started_at, i.id) < (?2, ?3)"
                           " ORDER BY i.started_at DESC, i.id DESC LIMIT ?4",
                           inc_row, &ip, "incidents", cursor_out, cursor_len);
}
