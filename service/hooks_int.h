/*
 * hooks_int.h: what hooks.c (state, decisions, HTTP deliveries),
 * hooks_exec.c (exec hooks), hooks_maint.c (windows) and hooks_state.c
 * (alert states in the store) share. Not for other modules.
 */
#ifndef OAPROBE_SERVICE_HOOKS_INT_H
#define OAPROBE_SERVICE_HOOKS_INT_H

#include <sys/types.h>

#include "service/alert.h"
#include "service/alert_json.h"
#include "service/alert_outbox.h"
#include "service/hooks.h"

struct loop_timer;
struct curl_slist;

/* One delivery: a notification to one hook, over its attempts. It owns
 * copies of everything it sends (a reload does not disturb it). */
struct delivery {
    struct hooks *h;
    struct delivery *next, *prev;
    enum view_hook_kind kind;
    size_t hook_index;        /* index of the hook in its config list */
    char name[CFG_NAME_MAX + 1]; /* the hook's name (dest in the store) */
    char target[CFG_NAME_MAX + 1];
    char event[16];           /* firing, reminder, resolved */
    uint64_t seq;             /* the alert event it carries (target_alert.seq;
                               * 0: an Alertmanager re-send, owed to nobody) */
    bool held;                /* waits for its alert record's commit */
    unsigned attempt;         /* 1-based, of the attempt in flight or done */
    uint64_t timeout_ms;
    char *body;               /* the JSON sent (POST body, exec stdin) */
    size_t len;
    /* http */
    char *url;                /* never logged or stored */
    struct curl_slist *headers;
    void *easy;               /* CURL * (hooks_http.c) */
    struct loop_timer *retry_timer;
    unsigned char resp[HOOKS_RESPONSE_MAX];
    size_t resp_len;
    /* exec */
    char **argv;              /* owned copy, NULL-ended */
    char **envp;              /* owned, NULL-ended */
    pid_t pid;
    int pidfd, in_fd, out_fd;
    size_t in_off;
    bool exited, timed_out;
    int wstatus;
    struct loop_timer *kill_timer;
};

/* One API window. */
struct api_window {
    struct cfg_maint m;
    unsigned long id;
};

/* A window added or removed through the API, waiting for the store. */
struct maint_op {
    struct hooks *h;
    struct maint_op *next;
    uint64_t ticket;
    bool del;
    unsigned long id;         /* del: the window */
    struct cfg_maint m;       /* add: the window, adopted on commit */
    hooks_maint_done done;
    void *arg;
};

struct target_alert {
    struct hooks *h;
    char *name;
    struct alert_state st;
    uint64_t ident;            /* hooks_alert_ident() of the stored record (0: none) */
    struct alert_saved id;     /* the identity the record keeps (host, location,
                                * labels when it last fired or changed) */
    struct alert_pending pend; /* the event still owed, and to which hooks */
    uint64_t seq;              /* pend's deliveries carry it (hooks->seq) */
    uint64_t gate;             /* the writer ticket pend's deliveries wait for (0: none) */
    int64_t gate_until;        /* loop ms: sent anyway after this */
    struct loop_timer *gate_timer;
    bool gone;                 /* the target is removed: freed once nothing is owed */
    struct target_alert *next; /* hash chain */
};

struct hooks {
    struct loop *l;
    const struct cfg *cfg;
    struct store_writer *w;
    struct view_service *view;
    void (*log)(const char *line);
    struct delivery *head;    /* pending deliveries */
    size_t pending;
    struct target_alert **buckets;
    size_t nbuckets, nalerts;
    struct api_window *api;   /* API windows */
    size_t napi;
    unsigned long next_id;
    struct maint_op *ops;     /* API writes waiting for the store */
    size_t nops_add;          /* of which adds (count in HOOKS_API_MAINT_MAX) */
    uint64_t rnd;             /* xorshift state for jitter */
    uint64_t seq;             /* alert events so far (target_alert.seq) */
};

/* hooks_maint_fini: the API writes still waiting are answered
 * STORE_ESTOPPED (hooks_free). */
void hooks_maint_fini(struct hooks *h);

/* hooks_logf: one log line (never a secret). */
void hooks_logf(struct hooks *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* hooks_record: count and store one attempt's outcome. status: HTTP or
 * exit status, -1 none. */
void hooks_record(struct delivery *d, enum view_outcome o, int status);

/* hooks_attempt_done: an attempt ended: success, or retry / give up. */
void hooks_attempt_done(struct delivery *d, bool ok, int status, const char *why);

/* hooks_alert_get: the alert entry of target name (created when absent and
 * create), or NULL. */
struct target_alert *hooks_alert_get(struct hooks *h, const char *name, bool create);

/* hooks_alert_free: unlink and free a's entry (its gate cancelled). */
void hooks_alert_free(struct hooks *h, struct target_alert *a);

/*
 * hooks_notify: create the deliveries of what step asks for about t (state
 * s) at now_ms, each carrying seq; only (may be NULL) restricts them to the
 * hooks it lists (alert_hook_key). hold: leave them waiting for
 * hooks_release(seq) instead of starting them.
 */
void hooks_notify(struct hooks *h, const struct view_target *t, struct alert_state *s,
                  struct alert_step step, int64_t now_ms, uint64_t seq,
                  const struct alert_pending *only, bool hold);

/* hooks_release: start the held deliveries carrying seq. */
void hooks_release(struct hooks *h, uint64_t seq);

/* hooks_drop_held: drop (record "dropped") the held deliveries carrying
 * seq: a newer event of the target replaced theirs before they left. */
void hooks_drop_held(struct hooks *h, uint64_t seq);

/* hooks_delivery_key: d's hook as alert_hook_key() writes it. */
void hooks_delivery_key(const struct delivery *d, char out[ALERT_HOOK_KEY_MAX]);

/*
 * hooks_alert_event (hooks_state.c): alerting decided step.event (not
 * ALERT_NONE) for target t of entry a at now_ms: the deliveries are made
 * and held, the record saying what is owed to whom is written, and they
 * leave when it is committed (or, when the store cannot commit it, after
 * at most HOOKS_COMMIT_WAIT_MS, logged).
 */
void hooks_alert_event(struct hooks *h, struct target_alert *a, const struct view_target *t,
                       struct alert_step step, int64_t now_ms);

/* hooks_alert_rewrite: a firing alert's identity changed (t relabelled):
 * write its record again. */
void hooks_alert_rewrite(struct hooks *h, struct target_alert *a, const struct view_target *t);

/* hooks_alert_delivered: d ended for good (taken, or given up): strike its
 * hook off what its alert owes and write the record. Called after d's own
 * delivery row is submitted (the writer commits in order): a notification
 * taken is always listed, and when a kill -9 falls between the two commits
 * and it is sent again, the repeat is listed too. */
void hooks_alert_delivered(struct delivery *d);

/* hooks_alert_unwait: forget a's gate (timer and commit waiter). */
void hooks_alert_unwait(struct hooks *h, struct target_alert *a);

/* hooks_alert_ident: a hash of what the stored record keeps of t besides the
 * state (host, location, labels), never 0; a firing alert's record is
 * written again when it changes (a reload relabelled the target). */
uint64_t hooks_alert_ident(const struct view_target *t);

/* hooks_http_start: start d's POST (an attempt). Returns 0, or -1 with why. */
int hooks_http_start(struct delivery *d, char *why, size_t len);

/* hooks_http_headers: d's request headers: Content-Type: application/json
 * and hd[0..n). Returns 0 or -1 (out of memory). */
int hooks_http_headers(struct delivery *d, const struct cfg_header *hd, size_t n);

/* hooks_http_cancel: remove and free d's transfer and headers. */
void hooks_http_cancel(struct delivery *d);

/* hooks_exec_start: spawn d's program (an attempt). Returns 0, or -1 with
 * why (then the attempt failed). */
int hooks_exec_start(struct delivery *d, char *why, size_t len);

/* hooks_exec_cancel: kill and reap d's child, drop its fds and timer. */
void hooks_exec_cancel(struct delivery *d);

/* hooks_exec_env: the environment of an exec hook for target t and event
 * (a NULL-ended malloc'd array of malloc'd strings), or NULL. */
char **hooks_exec_env(const struct view_target *t, const char *event);

/* hooks_strv_free: free a NULL-ended array of strings. */
void hooks_strv_free(char **v);

#endif /* OAPROBE_SERVICE_HOOKS_INT_H */
