/*
 * store_history.c: one target's runs, newest first, paged by a cursor on
 * (started_at, id): each page is one range scan of runs_tid_time, whatever
 * its depth (no OFFSET).
 */
#include <stdint.h>

#include "service/store_int.h"

int store_results(struct store *st, const char *target, int64_t since,
                  int64_t until, size_t limit, const char *cursor_in,
                  store_row_cb cb, void *arg, char *cursor_out, size_t cursor_len)
{
    if (!st)
        return STORE_EINVAL;
    int rc = store_check_name(st, "target", target);
    if (rc)
        return rc;
    if (!cb)
        return store_seterr(st, STORE_EINVAL, "callback: missing");
    if (!cursor_out || cursor_len < STORE_CURSOR_MAX)
        return store_seterr(st, STORE_EINVAL, "cursor_out: needs %d bytes", STORE_CURSOR_MAX);
    cursor_out[0] = '\0';
    if (since < 0 || until < 0)
        return store_seterr(st, STORE_EINVAL, "%s: negative", since < 0 ? "since" : "until");
    if (until == 0)
        until = INT64_MAX;
    if (until <= since)
        return store_seterr(st, STORE_EINVAL, "until: not after since");
    int64_t ct = INT64_MAX, cid = INT64_MAX;
    if (cursor_in && *cursor_in &&
        (rc = store_cursor_decode(st, SC_RESULTS, target, cursor_in, &ct, &cid)) != 0)
        return rc;
    size_t lim = store_page_limit(limit);
    int64_t tid;
    rc = store_name_id(st, target, 0, &tid);
    if (rc == STORE_ENOTFOUND)
        return 0; /* no run yet: an empty page */
    if (rc)
        return rc;
    sqlite3_stmt *s = store_stmt(st, SS_RESULTS,
                                 "SELECT " STORE_ROW_COLS " FROM runs r"
                                 " JOIN names n ON n.id = r.tid" STORE_ROW_RESULT
                                 " WHERE r.tid = ?1 AND r.started_at >= ?2"
                                 " AND r.started_at < ?3 AND (r.started_at, r.id) < (?4, ?5)"
                                 " ORDER BY r.started_at DESC, r.id DESC LIMIT ?6");
    if (!s)
        return STORE_EDB;
    sqlite3_bind_int64(s, 1, tid);
    sqlite3_bind_int64(s, 2, since);
    sqlite3_bind_int64(s, 3, until);
    sqlite3_bind_int64(s, 4, ct);
    sqlite3_bind_int64(s, 5, cid);
    sqlite3_bind_int64(s, 6, (int64_t)lim + 1);
    size_t n = 0;
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == lim)
            break; /* one more exists */
        struct store_row row;
        store_row_from(s, &row);
        n++;
        ct = row.started_at;
        cid = row.id;
        if ((rc = cb(arg, &row)) != 0)
            break;
    }
    if (!rc && step == SQLITE_ROW && n == lim)
        store_cursor_encode(SC_RESULTS, target, ct, cid, cursor_out, cursor_len);
    else if (!rc && step != SQLITE_DONE)
        rc = store_dberr(st, "results");
    sqlite3_reset(s);
    return rc;
}
