/*
 * store_deliveries.c: the record of every hook delivery (Alertmanager,
 * webhook, exec) and its newest-first listing (GET /api/v1/deliveries).
 */
#include <string.h>

#include "service/store_int.h"

/* 1..STORE_WORD_MAX bytes of [a-z0-9_]. */
static int check_word(struct store *st, const char *field, const char *w)
{
    if (!w)
        return store_seterr(st, STORE_EINVAL, "%s: missing", field);
    size_t n = 0;
    for (; w[n]; n++)
        if (n >= STORE_WORD_MAX || !((w[n] >= 'a' && w[n] <= 'z') ||
                                     (w[n] >= '0' && w[n] <= '9') || w[n] == '_'))
            return store_seterr(st, STORE_EINVAL, "%s: not a word (1 to %d of a-z 0-9 _)",
                                field, STORE_WORD_MAX);
    if (!n)
        return store_seterr(st, STORE_EINVAL, "%s: empty", field);
    return 0;
}

/*
 * Copies dest into out without what may carry a secret: a URL's userinfo
 * ("user:pass@"), query and fragment; an argv[0] is kept whole. out holds
 * STORE_DEST_MAX + 1 bytes; dest has been checked to fit.
 */
static void redact_dest(const char *dest, char *out)
{
    const char *sep = strstr(dest, "://");
    if (!sep) {
        memcpy(out, dest, strlen(dest) + 1);
        return;
    }
    const char *auth = sep + 3;
    size_t alen = strcspn(auth, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++)
        if (auth[i] == '@')
            at = auth + i;
    size_t o = (size_t)(auth - dest);
    memcpy(out, dest, o);
    const char *host = at ? at + 1 : auth;
    size_t rest = strcspn(host, "?#");
    memcpy(out + o, host, rest);
    out[o + rest] = '\0';
}

int store_delivery_add(struct store *st, const struct store_delivery *d, int64_t *id)
{
    if (!st)
        return STORE_EINVAL;
    if (!d)
        return store_seterr(st, STORE_EINVAL, "delivery: missing");
    int rc;
    if ((rc = store_check_name(st, "target", d->target)) != 0 ||
        (rc = check_word(st, "kind", d->kind)) != 0 ||
        (rc = check_word(st, "event", d->event)) != 0 ||
        (rc = check_word(st, "outcome", d->outcome)) != 0 ||
        (rc = store_check_text(st, "dest", d->dest, STORE_DEST_MAX, 0)) != 0)
        return rc;
    if (d->attempts < 1)
        return store_seterr(st, STORE_EINVAL, "attempts: %d is below 1", d->attempts);
    if (d->at < 0)
        return store_seterr(st, STORE_EINVAL, "at: negative");
    if (d->response_len && !d->response)
        return store_seterr(st, STORE_EINVAL, "response: missing");
    char dest[STORE_DEST_MAX + 1];
    redact_dest(d->dest, dest);
    size_t rlen = d->response_len > STORE_RESPONSE_MAX ? STORE_RESPONSE_MAX : d->response_len;

    if ((rc = store_txn_begin(st)) != 0)
        return rc;
    int64_t tid;
    rc = store_name_id(st, d->target, 1, &tid);
    if (!rc) {
        sqlite3_stmt *s = store_stmt(st, SS_DLV_ADD,
                                     "INSERT INTO deliveries(tid, kind, event, dest, outcome,"
                                     " status, attempts, response, at)"
                                     " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)");
        if (!s) {
            rc = STORE_EDB;
        } else {
            sqlite3_bind_int64(s, 1, tid);
            sqlite3_bind_text(s, 2, d->kind, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 3, d->event, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 4, dest, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 5, d->outcome, -1, SQLITE_STATIC);
            sqlite3_bind_int(s, 6, d->status);
            sqlite3_bind_int(s, 7, d->attempts);
            if (rlen)
                sqlite3_bind_blob(s, 8, d->response, (int)rlen, SQLITE_STATIC);
            else
                sqlite3_bind_null(s, 8);
            sqlite3_bind_int64(s, 9, d->at);
            if (sqlite3_step(s) != SQLITE_DONE)
                rc = store_dberr(st, "deliveries: insert");
            else if (id)
                *id = sqlite3_last_insert_rowid(st->db);
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
        }
    }
    int rc2 = store_txn_end(st, rc == 0);
    return rc ? rc : rc2;
}

#define DLV_COLS                                                               \
    "d.id, n.name, d.kind, d.event, d.dest, d.outcome, d.status, d.attempts,"  \
    " d.response, d.at"

struct dlv_page {
    store_delivery_cb cb;
    void *arg;
};

static int dlv_row(void *arg, sqlite3_stmt *s, int64_t *t, int64_t *id)
{
    const struct dlv_page *pg = arg;
    struct store_delivery d = {
        .id = sqlite3_column_int64(s, 0),
        .target = store_col_text(s, 1),
        .kind = store_col_text(s, 2),
        .event = store_col_text(s, 3),
        .dest = store_col_text(s, 4),
        .outcome = store_col_text(s, 5),
        .status = sqlite3_column_int(s, 6),
        .attempts = sqlite3_column_int(s, 7),
        .response = sqlite3_column_blob(s, 8),
        .response_len = (size_t)sqlite3_column_bytes(s, 8),
        .at = sqlite3_column_int64(s, 9),
    };
    *t = d.at;
    *id = d.id;
    return pg->cb(pg->arg, &d);
}

int store_deliveries(struct store *st, const char *target, size_t limit,
                     const char *cursor_in, store_delivery_cb cb, void *arg,
                     char *cursor_out, size_t cursor_len)
{
    if (!st)
        return STORE_EINVAL;
    int rc;
    if (target && (rc = store_check_name(st, "target", target)) != 0)
        return rc;
    struct store_page pg;
    if ((rc = store_page_begin(st, &pg, SC_DELIVERIES, target, limit, cursor_in, cb != NULL,
                               cursor_out, cursor_len)) != 0)
        return rc;
    struct dlv_page dp = {cb, arg};
    return store_page_list(st, &pg, SS_DLV_LIST_T,
                           "SELECT " DLV_COLS " FROM deliveries d JOIN names n ON n.id = d.tid"
                           " WHERE n.name = ?1 AND (d.at, d.id) < (?2, ?3)"
                           " ORDER BY d.at DESC, d.id DESC LIMIT ?4",
                           SS_DLV_LIST_ALL,
                           "SELECT " DLV_COLS " FROM deliveries d JOIN names n ON n.id = d.tid"
                           " WHERE ?1 IS NULL AND (d.at, d.id) < (?2, ?3)"
                           " ORDER BY d.at DESC, d.id DESC LIMIT ?4",
                           dlv_row, &dp, "deliveries", cursor_out, cursor_len);
}
