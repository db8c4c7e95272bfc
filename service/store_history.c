/*
 * store_history.c: one target's runs, newest first, paged by a cursor on
 * (started_at, id) (store_page.c): each page is one range scan of
 * runs_tid_time, whatever its depth.
 */
#include <stdint.h>

#include "service/store_int.h"

struct row_page {
    store_row_cb cb;
    void *arg;
};

static int run_row(void *arg, sqlite3_stmt *s, int64_t *t, int64_t *id)
{
    const struct row_page *pg = arg;
    struct store_row row;
    store_row_from(s, &row);
    *t = row.started_at;
    *id = row.id;
    return pg->cb(pg->arg, &row);
}

int store_results(struct store *st, const char *target, int64_t since,
                  int64_t until, size_t limit, const char *cursor_in,
                  store_row_cb cb, void *arg, char *cursor_out, size_t cursor_len)
{
    if (!st)
        return STORE_EINVAL;
    int rc = store_check_name(st, "target", target);
    if (rc)
        return rc;
    struct store_page pg;
    if ((rc = store_page_begin(st, &pg, SC_RESULTS, target, limit, cursor_in, cb != NULL,
                               cursor_out, cursor_len)) != 0)
        return rc;
    if (since < 0 || until < 0)
        return store_seterr(st, STORE_EINVAL, "%s: negative", since < 0 ? "since" : "until");
    if (until == 0)
        until = INT64_MAX;
    if (until <= since)
        return store_seterr(st, STORE_EINVAL, "until: not after since");
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
    sqlite3_bind_int64(s, 4, pg.t);
    sqlite3_bind_int64(s, 5, pg.id);
    sqlite3_bind_int64(s, 6, (int64_t)pg.limit + 1);
    struct row_page rp = {cb, arg};
    return store_page_run(st, s, &pg, run_row, &rp, "results", cursor_out, cursor_len);
}
