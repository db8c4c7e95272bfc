/*
 * store_page.c: the paging of the newest-first listings (runs, incidents,
 * deliveries): a cursor on (time, id) of the last row shown, so that each
 * page is one range scan whatever its depth (no OFFSET). The listing's
 * query takes the cursor's position and limit + 1 rows; the extra row only
 * says that another page exists.
 */
#include <stdint.h>

#include "service/store_int.h"

int store_page_begin(struct store *st, struct store_page *pg, enum store_cursor_kind kind,
                     const char *scope, size_t limit, const char *cursor_in, bool have_cb,
                     char *cursor_out, size_t cursor_len)
{
    if (!have_cb)
        return store_seterr(st, STORE_EINVAL, "callback: missing");
    if (!cursor_out || cursor_len < STORE_CURSOR_MAX)
        return store_seterr(st, STORE_EINVAL, "cursor_out: needs %d bytes", STORE_CURSOR_MAX);
    cursor_out[0] = '\0';
    pg->kind = kind;
    pg->scope = scope;
    pg->t = INT64_MAX;
    pg->id = INT64_MAX;
    pg->limit = store_page_limit(limit);
    if (cursor_in && *cursor_in)
        return store_cursor_decode(st, kind, scope, cursor_in, &pg->t, &pg->id);
    return 0;
}

int store_page_list(struct store *st, struct store_page *pg, enum store_stmt one,
                    const char *sql_one, enum store_stmt all, const char *sql_all,
                    store_page_row_fn row, void *arg, const char *what, char *cursor_out,
                    size_t cursor_len)
{
    sqlite3_stmt *s = pg->scope ? store_stmt(st, one, sql_one) : store_stmt(st, all, sql_all);
    if (!s)
        return STORE_EDB;
    sqlite3_bind_text(s, 1, pg->scope, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, pg->t);
    sqlite3_bind_int64(s, 3, pg->id);
    sqlite3_bind_int64(s, 4, (int64_t)pg->limit + 1);
    return store_page_run(st, s, pg, row, arg, what, cursor_out, cursor_len);
}

int store_page_run(struct store *st, sqlite3_stmt *s, struct store_page *pg,
                   store_page_row_fn row, void *arg, const char *what, char *cursor_out,
                   size_t cursor_len)
{
    size_t n = 0;
    int step, rc = 0;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == pg->limit)
            break; /* one more exists: the cursor points after the last shown */
        n++;
        if ((rc = row(arg, s, &pg->t, &pg->id)) != 0)
            break;
    }
    if (!rc && step == SQLITE_ROW && n == pg->limit)
        store_cursor_encode(pg->kind, pg->scope, pg->t, pg->id, cursor_out, cursor_len);
    else if (!rc && step != SQLITE_DONE)
        rc = store_dberr(st, what);
    sqlite3_reset(s);
    return rc;
}
