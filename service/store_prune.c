/*
 * store_prune.c: retention by age, in bounded batches so that one call
 * holds the write lock for a bounded time. Incidents are kept; so is the
 * latest run of each target (the state restored at start). A run's full
 * result goes with it (ON DELETE CASCADE). One-off API maintenance windows
 * that ended before the cutoff go as well; alert states never (a firing
 * alert is current state, not history).
 */
#include "service/store_int.h"


static const char *const prune_sql[] = {
    "DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE started_at < ?1"
    " AND NOT EXISTS (SELECT 1 FROM latest l WHERE l.run_id = runs.id)"
    " ORDER BY started_at LIMIT ?2)",
    /* Per target through the primary key (tid, bucket): no bucket index. */
    "DELETE FROM rollup_hour WHERE (tid, bucket) IN (SELECT h.tid, h.bucket FROM names n"
    " CROSS JOIN rollup_hour h ON h.tid = n.id AND h.bucket < ?1 / 3600000 LIMIT ?2)",
    "DELETE FROM rollup_day WHERE (tid, bucket) IN (SELECT d.tid, d.bucket FROM names n"
    " CROSS JOIN rollup_day d ON d.tid = n.id AND d.bucket < ?1 / 86400000 LIMIT ?2)",
    "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE at < ?1"
    " ORDER BY at LIMIT ?2)",
    /* API maintenance windows that ended (the daemon drops them from memory
     * and the store when they end; this catches what it could not write) */
    "DELETE FROM maintenance WHERE id IN (SELECT id FROM maintenance WHERE end_at < ?1"
    " LIMIT ?2)",
};

static int prune_one(struct store *st, const char *sql, int64_t cutoff, int64_t batch,
                     int64_t *n)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        sqlite3_finalize(s);
        return store_dberr(st, "prune: prepare");
    }
    sqlite3_bind_int64(s, 1, cutoff);
    sqlite3_bind_int64(s, 2, batch);
    int step = sqlite3_step(s);
    *n = sqlite3_changes64(st->db);
    sqlite3_finalize(s);
    return step == SQLITE_DONE ? 0 : store_dberr(st, "prune");
}

int store_prune(struct store *st, int64_t cutoff, size_t batch, int64_t *removed)
{
    if (!st)
        return STORE_EINVAL;
    if (removed)
        *removed = 0;
    if (cutoff < 0)
        return store_seterr(st, STORE_EINVAL, "cutoff: negative");
    if (batch == 0)
        batch = 5000;
    if (batch > 100000)
        return store_seterr(st, STORE_EINVAL, "batch: %zu is above 100000", batch);
    int rc = store_txn_begin(st);
    if (rc)
        return rc;
    int more = 0;
    int64_t total = 0;
    for (size_t i = 0; i < sizeof prune_sql / sizeof prune_sql[0]; i++) {
        int64_t n = 0;
        if ((rc = prune_one(st, prune_sql[i], cutoff, (int64_t)batch, &n)) != 0)
            break;
        total += n;
        if (n >= (int64_t)batch)
            more = 1;
    }
    int rc2 = store_txn_end(st, rc == 0);
    if (rc || rc2)
        return rc ? rc : rc2;
    if (removed)
        *removed = total;
    return more;
}
