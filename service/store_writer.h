/*
 * store_writer.h: the asynchronous writer the daemon's event loop writes
 * through, so that no write ever blocks the loop (docs/internals/store.md).
 *
 * A worker thread owns its own connection (store_open on the same file) and
 * a bounded FIFO queue. Submitting copies the arguments and returns at once
 * with a ticket (or STORE_EFULL when the queue is full: the caller decides
 * what to drop; nothing blocks). The worker takes everything queued (up to
 * STORE_WRITER_BATCH items) and applies it in ONE transaction, each item
 * in its own savepoint (a bad item fails alone), then commits and posts one
 * completion per item. It never waits to fill a batch: batches form by
 * themselves while a commit is in progress, so the write-to-commit delay is
 * one commit at low load.
 *
 * The loop watches store_writer_fd() (an eventfd, readable when completions
 * wait) beside its other fds and calls store_writer_poll() to collect them.
 * A completion means the item is committed: it survives kill -9 (WAL with
 * synchronous=NORMAL: a committed transaction is in the WAL file before
 * COMMIT returns; only a power loss can take the last ones back). Items
 * queued but not yet committed are lost on kill -9; that is "the run in
 * flight".
 *
 * Retention (store_writer_prune) runs in bounded batches between other
 * writes, each its own transaction, so a long prune never delays runs.
 *
 * Threading: every function here is called from one thread (the loop),
 * except that the worker runs beside it. Reads belong on the loop's own
 * store_open() connection (WAL: readers never wait for the writer).
 */
#ifndef OAPROBE_SERVICE_STORE_WRITER_H
#define OAPROBE_SERVICE_STORE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "service/store.h"

#define STORE_WRITER_BATCH 512         /* items per transaction at most */
#define STORE_WRITER_QUEUE_DEFAULT 4096 /* items queued + not yet polled */
#define STORE_WRITER_BYTES_DEFAULT (64u * 1024u * 1024u) /* copied bytes */

struct store_writer;

enum store_op {
    STORE_OP_RUN, STORE_OP_INCIDENT_OPEN, STORE_OP_INCIDENT_CLOSE,
    STORE_OP_DELIVERY, STORE_OP_API_PUT, STORE_OP_API_DELETE, STORE_OP_PRUNE,
    STORE_OP_MAINT_PUT, STORE_OP_MAINT_DELETE, STORE_OP_ALERT_PUT, STORE_OP_ALERT_DELETE
};
#define STORE_OP_COUNT (STORE_OP_ALERT_DELETE + 1) /* keep it the last one + 1 */

/* One finished item, as handed to the poll callback. */
struct store_done {
    uint64_t ticket;     /* as returned by the submit call (1, 2, ...) */
    enum store_op op;
    int rc;              /* the synchronous function's return value */
    int64_t id;          /* new row id (run, incident, delivery); rows removed
                            (prune); 0 otherwise */
    const char *target;  /* the item's target or API name ("" for prune) */
    const char *err;     /* store_errmsg() text when rc < 0, else "" */
};

typedef void (*store_done_cb)(void *arg, const struct store_done *d);

struct store_writer_stats {
    uint64_t submitted;  /* items accepted */
    uint64_t committed;  /* items whose transaction committed (rc >= 0) */
    uint64_t failed;     /* items that failed (rc < 0) */
    uint64_t rejected;   /* submissions refused with STORE_EFULL */
    uint64_t rejected_op[STORE_OP_COUNT]; /* the same by operation */
    uint64_t batches;    /* transactions */
    uint64_t batch_max;  /* largest batch */
    size_t queued;       /* items waiting for the worker now */
    size_t queued_bytes; /* their copied bytes */
    size_t outstanding;  /* items queued plus completions not yet polled:
                          * what queue_cap bounds */
    size_t queue_cap;    /* store_writer_start's queue_cap (or the default) */
    size_t bytes_cap;    /* and bytes_cap: what queued_bytes is held under */
};

/*
 * store_writer_start: opens path with store_open (migrating it) on the
 * calling thread, so errors (newer version, not a database) come back here,
 * then starts the worker thread.
 * queue_cap: items queued plus completions not yet polled (0: default);
 * bytes_cap: bytes copied into queued items (0: default).
 * Returns 0, or store_open's error (message in err), STORE_ENOMEM, STORE_EDB
 * (cannot create the thread or the eventfd).
 */
int store_writer_start(const char *path, size_t queue_cap, size_t bytes_cap,
                       struct store_writer **out, char *err, size_t errlen);

/*
 * store_writer_stop: lets the worker commit everything queued, joins it,
 * closes its connection and frees w. Completions not polled are dropped,
 * except that each waiter (store_writer_wait) still registered is called
 * with its completion first. NULL: no-op.
 */
void store_writer_stop(struct store_writer *w);

/* store_writer_fd: the eventfd to watch for POLLIN (never closed until
 * store_writer_stop). */
int store_writer_fd(const struct store_writer *w);

/*
 * store_writer_poll: collects every completion, calling cb for each in
 * completion order (cb may be NULL to discard), and clears the eventfd.
 * Never blocks. Returns the number of completions.
 */
size_t store_writer_poll(struct store_writer *w, store_done_cb cb, void *arg);

/*
 * store_writer_wait: when the completion of `ticket` (a submission's, not
 * yet polled) is collected, call fn(arg, d) with it, once, before poll's
 * own callback: how a caller learns that its write is committed (rc >= 0;
 * it survives kill -9) or failed (d->err says why: STORE_EBUSY, the lock
 * of another connection; STORE_EDB ...). Loop thread only, like poll.
 * Returns 0, STORE_EINVAL (no fn, an unknown or already waited ticket),
 * STORE_ENOMEM.
 */
int store_writer_wait(struct store_writer *w, uint64_t ticket, store_done_cb fn, void *arg);

/* store_writer_unwait: forget the waiter of ticket; fn is not called. */
void store_writer_unwait(struct store_writer *w, uint64_t ticket);

/*
 * store_writer_flush: waits (blocking!) until the queue is empty and the
 * worker idle, or timeout_ms passed. For shutdown and tests, not the loop.
 * Returns 0 when idle, STORE_EFULL on timeout.
 */
int store_writer_flush(struct store_writer *w, int timeout_ms);

/* store_writer_stats: a snapshot of the counters. */
void store_writer_stats(struct store_writer *w, struct store_writer_stats *out);

/* store_writer_errmsg: why the last submission on the loop thread failed. */
const char *store_writer_errmsg(const struct store_writer *w);

/*
 * Submissions: copy the arguments (the caller keeps its own), queue them,
 * and set *ticket (may be NULL). Each returns 0, STORE_EINVAL (a NULL
 * argument, a bad target name, a string over its cap: checked here so that
 * queued memory is bounded; the rest is checked by the worker and reported
 * in the completion), STORE_EFULL, STORE_ENOMEM or STORE_ESTOPPED.
 * The meaning of each is that of the synchronous function in store.h.
 */
int store_writer_run(struct store_writer *w, const struct store_run *run, uint64_t *ticket);
int store_writer_incident_open(struct store_writer *w, const char *target, int from_status,
                               int to_status, int64_t started, const char *const *codes,
                               size_t ncodes, uint64_t *ticket);
int store_writer_incident_close(struct store_writer *w, const char *target, int64_t ended,
                                uint64_t *ticket);
int store_writer_delivery(struct store_writer *w, const struct store_delivery *d,
                          uint64_t *ticket);
int store_writer_api_put(struct store_writer *w, const char *name, const char *json,
                         int64_t now, uint64_t *ticket);
int store_writer_api_delete(struct store_writer *w, const char *name, uint64_t *ticket);
/* Maintenance windows of the API and alert states (store_maint_put ...);
 * the completion's target is "api-<id>" or the target's name. A maint_put
 * with id 0 is a new window (store_maint_add): the completion's id is the
 * one the store gave it. */
int store_writer_maint_put(struct store_writer *w, int64_t id, const char *body, int64_t end_at,
                           int64_t now, uint64_t *ticket);
int store_writer_maint_delete(struct store_writer *w, int64_t id, uint64_t *ticket);
int store_writer_alert_put(struct store_writer *w, const char *name, const char *json,
                           int64_t now, uint64_t *ticket);
int store_writer_alert_delete(struct store_writer *w, const char *name, uint64_t *ticket);
/* store_writer_prune: the completion comes when nothing older than cutoff
 * is left (id = rows removed); batch as store_prune(). */
int store_writer_prune(struct store_writer *w, int64_t cutoff, size_t batch,
                       uint64_t *ticket);

#endif /* OAPROBE_SERVICE_STORE_WRITER_H */
