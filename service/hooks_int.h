/*
 * hooks_int.h: what hooks.c (state, decisions, HTTP deliveries),
 * hooks_exec.c (exec hooks), hooks_maint.c (windows) and hooks_state.c
 * (alert states in the store) share. Not for other modules.
 */
#ifndef OAPROBE_SERVICE_HOOKS_INT_H
#define OAPROBE_SERVICE_HOOKS_INT_H

#include <sys/types.h>

#include "service/alert.h"
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
    char *name;
    struct alert_state st;
    uint64_t ident;            /* hooks_alert_ident() of the stored record (0: none) */
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

/* hooks_notify: send what step asks for about t (state s) at now_ms. */
void hooks_notify(struct hooks *h, const struct view_target *t, struct alert_state *s,
                  struct alert_step step, int64_t now_ms);

/* hooks_alert_save: keep s in the store after event (hooks_state.c):
 * firing or reminder write the record (so does ALERT_NONE while firing: the
 * identity changed), resolved deletes it. */
void hooks_alert_save(struct hooks *h, const struct view_target *t, const struct alert_state *s,
                      enum alert_event event);

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
