/*
 * check.h: the Outlook Anywhere check engine.
 *
 * One struct check per check of one RPC proxy host. The engine runs the
 * pipeline of docs/internals/check-engine.md on the libcurl multi interface:
 *
 *   connect (DNS, TCP, TLS, chain)  ||  unauthenticated echo  ||  direct ports
 *     -> authenticated echo (learns the server names from NTLM)
 *       -> one RPC over HTTP tunnel + bind per server x port, all in parallel
 *
 * and turns what it saw into a struct oa_result with diagnoses.
 *
 * Two ways to drive it:
 *  - check_run(): blocking, for the CLI. Owns a multi handle and polls it
 *    until the check is done (bounded by the deadline).
 *  - check_start() + check_dispatch(): event-driven, for the service. The
 *    caller owns one CURLM shared by any number of checks, runs
 *    curl_multi_perform/curl_multi_socket_action as it likes, and passes every
 *    CURLMSG_DONE message to check_dispatch(); check_expire() is a safety net
 *    for the deadline. Everything happens on the caller's thread.
 *
 * Secrets: the password is copied into engine memory, handed to libcurl or
 * GSSAPI only, wiped with explicit_bzero when the check is freed, and never
 * appears in traces, observations or results. (libcurl keeps its own copy in
 * the easy handle until the handle is cleaned up; see check-engine.md.)
 */
#ifndef OAPROBE_CHECK_CHECK_H
#define OAPROBE_CHECK_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "probes/verdict/check_obs.h"

struct oa_result;
struct check_trust;
struct check_tls_cache;

#define CHECK_MAX_RESOLVE       16u
#define CHECK_DEFAULT_TIMEOUT_MS 15000u
#define CHECK_DEFAULT_WARN_DAYS  14u

/* A trace sink for -v: one line without newline. Never sees a secret. */
typedef void (*check_trace_fn)(void *arg, const char *line);

/*
 * The options of one check. check_new() copies everything it keeps, so the
 * caller may free or wipe these after the call.
 */
struct check_opts {
    const char *host;                          /* public name of the RPC proxy */
    const char *servers[CHECK_MAX_SERVERS];    /* RPC server names; none: learn */
    size_t n_servers;
    uint16_t ports[CHECK_MAX_PORTS];           /* none: 6001, 6002, 6004 */
    size_t n_ports;
    const char *user;                          /* "DOMAIN\user", "user@REALM"; NULL: none */
    const char *password;                      /* NULL: none (Negotiate: ccache/keytab) */
    enum check_auth auth;
    enum check_depth depth;                    /* CHECK_DEPTH_TUNNEL (0): every layer */
    const char *resolve[CHECK_MAX_RESOLVE];    /* "HOST:PORT:ADDR", as curl's --resolve */
    size_t n_resolve;
    const char *cacert;                        /* PEM bundle; NULL: the system store */
    struct check_trust *trust;                 /* that store loaded once and shared
                                                  (check_trust_load, check_tls.h; the
                                                  check takes a reference); NULL: the
                                                  check loads its own */
    struct check_tls_cache *tls_cache;         /* TLS sessions of the target's previous
                                                  checks (check_tls_cache_new); NULL:
                                                  the check's own, empty */
    const char *keytab;                        /* Negotiate: a client keytab; NULL: none */
    bool insecure;                             /* do not judge chain trust and name */
    bool http;                                 /* plain HTTP on port 80 */
    bool direct_ports;                         /* also TCP-check the ports on the host */
    unsigned timeout_ms;                       /* overall deadline; 0: 15 s */
    unsigned cert_warn_days;                   /* 0: 14 */
    int verbose;                               /* 1: states; 2: + redacted HTTP headers */
    check_trace_fn trace;                      /* NULL: no tracing */
    void *trace_arg;
};

struct check;

/*
 * check_new: validate opts and build an engine object (nothing is sent yet).
 *   opts     [in]  the options (copied)
 *   err, len [out] a one-line reason on failure
 * Returns the check (free with check_free), or NULL on bad options or out of
 * memory.
 */
struct check *check_new(const struct check_opts *opts, char *err, size_t len);

/*
 * check_start: stamp the start time and add the first transfers to multi.
 * The check keeps using multi until it is done or freed; multi must outlive
 * it. Negotiate asks for the identity's Kerberos tickets here; unless they
 * are cached they come from a background thread (see check_engine_fd).
 * Returns 0, or -1 (already started, NULL argument, the first transfers could
 * not be created: the check is then done with an internal diagnosis).
 */
int check_start(struct check *c, CURLM *multi);

#define CHECK_DISPATCH_FOREIGN 0 /* not one of the engine's transfers */
#define CHECK_DISPATCH_OK      1 /* handled */

/*
 * check_dispatch: hand a message from curl_multi_info_read() to the check
 * that owns its easy handle. The engine removes and cleans up its handle
 * and may add new ones to the same multi, and may remove other handles of
 * the same check (whose queued messages libcurl then drops): pass each
 * message as soon as it is read, never from a list collected earlier.
 *   msg      [in]  the message (only CURLMSG_DONE is acted on)
 *   finished [out] set to the check when this message completed it, else
 *                  NULL; may be NULL
 * Returns CHECK_DISPATCH_OK or CHECK_DISPATCH_FOREIGN.
 */
int check_dispatch(const CURLMsg *msg, struct check **finished);

/*
 * check_expire: the deadline safety net. If now is past the check's deadline
 * plus a grace of 500 ms (libcurl's own timeouts should have fired), stop all
 * its transfers and record them as timeouts. Cheap; call it as often as you
 * like (check_run calls it on every loop).
 * Returns true when the check is (now) done.
 */
bool check_expire(struct check *c);

/*
 * check_expire_now: the same without waiting for the grace: stop every
 * transfer now and record what still runs as a timeout of the deadline
 * (the caller has a harder deadline of its own: a Prometheus scrape
 * timeout). No-op on NULL, on a check never started and on a done check.
 * Never from inside a libcurl callback.
 * Returns true when the check is (now) done.
 */
bool check_expire_now(struct check *c);

/*
 * check_cancel: stop the check now (a configuration reload, shutdown): every
 * transfer still running is removed from the multi and freed before this
 * returns, the stages still running end as CHECK_FAIL_ABORTED ("cancelled")
 * and the check is done, with a result. No-op on NULL, on a check never
 * started and on a done check. Never call it from inside a libcurl callback.
 */
void check_cancel(struct check *c);

/*
 * check_done: true once the result is final. false for NULL.
 * A done check holds no transfer and no reference to its multi any more
 * (it is detached): the caller may clean the multi up before check_free.
 */
bool check_done(const struct check *c);

/*
 * check_stage: where the check is, for logs and tests: "init", "connect",
 * "auth_echo", "tunnels", "drain" or "done" (static strings; "invalid" for
 * NULL or a freed check).
 */
const char *check_stage(const struct check *c);

/* check_deadline_ms: the deadline on CLOCK_MONOTONIC in ms (0 before start). */
int64_t check_deadline_ms(const struct check *c);

/*
 * check_result: the result (steps, diagnoses, perfdata) once done, else NULL.
 * Owned by the check; valid until check_free. It is in the compact form of
 * oa_result_dup() (a typical result: under 4 KiB; oa_result_mem_bytes).
 */
const struct oa_result *check_result(const struct check *c);

/*
 * check_take_result: move the result out of a done check (the service keeps
 * it after check_free); the caller frees it with oa_result_free(). NULL when
 * the check is not done or the result was taken already; check_result then
 * returns NULL too.
 */
struct oa_result *check_take_result(struct check *c);

/* check_observations: the raw observations (valid until check_free), or NULL. */
const struct check_obs *check_observations(const struct check *c);

/*
 * check_free: cancel the check if it still runs (check_cancel: every transfer
 * removed from the multi and freed), wipe the password and free everything.
 * Valid in every state; NULL is a no-op. Never from inside a libcurl callback.
 */
void check_free(struct check *c);

/*
 * Background work. Getting Kerberos tickets from the KDC (Negotiate) and
 * loading a trust store (the system store or --cacert, when the check was
 * given no shared one) run in background threads, never on the caller's: a
 * check that needs them waits in its connect stage (its unauthenticated
 * stages run meanwhile) until they come or its deadline passes (check_expire:
 * a `timeout` diagnosis of that check only, or no certificate verdict).
 *
 * check_engine_fd: an eventfd that becomes readable when background work
 * has finished; register it for reading on the caller's event loop (the
 * same for every check; created on first use). Returns -1 when no eventfd
 * can be created.
 *
 * check_engine_poll: call it when check_engine_fd() is readable (calling it
 * more often is harmless): it applies what finished and moves the checks
 * that waited for it on, which may add transfers to their multi or finish
 * them; finished(arg, c) is called for each check that this completed
 * (finished may be NULL). On the engine's thread only, never from inside a
 * libcurl callback.
 *
 * check_engine_cleanup: at shutdown, after the last check_free: free the
 * Kerberos identities and trust stores the engine kept for the next checks
 * (MEMORY: caches destroyed, passwords wiped).
 */
/*
 * TLS sessions from one check of a target to the next. Without one, a
 * check's transfers resume the session of its own first handshakes (15 TLS
 * connections of a 2 names x 3 ports check: 2 full handshakes); with the
 * same cache in the options of every check of a target (the service keeps
 * one per target), they also resume the previous check's: 1 full handshake
 * per check. The connect step never resumes: it always does a full
 * handshake, whose chain the certificate verdict judges. A session is
 * resumed only by a check with the same host (name, port: the SNI) and the
 * same verification settings (CA file, shared trust store, --insecure);
 * when they change the cache starts over. Memory: per cache holding
 * sessions one libcurl share with the session of one name and port (libcurl
 * keeps at most 8 per share; a new session replaces the old), about 8.5 KiB
 * measured, and at most check_tls_cache_budget caches hold one (below).
 * check_new takes what
 * it needs, so the cache may be freed at any time (a target removed);
 * engine thread only.
 *
 * check_tls_cache_new: an empty cache, or NULL (out of memory).
 * check_tls_cache_free: free it (NULL ok).
 * check_tls_cache_shares: session caches it started: 1 + the times the
 * settings changed (tests).
 */
struct check_tls_cache *check_tls_cache_new(void);
void check_tls_cache_free(struct check_tls_cache *cache);
unsigned long check_tls_cache_shares(const struct check_tls_cache *cache);

/*
 * The process-wide budget of caches holding sessions (each holds one share:
 * a libcurl share and the target's SSL_SESSION with the server's parsed
 * certificate chain, about 8 KiB). A cache takes a place at its first check
 * while fewer than the budget hold one and keeps it until it is freed; when
 * the budget is full, the checks of the others use shares of their own (they
 * resume within the check, not from one check to the next). No eviction:
 * under the cyclic order of a scheduler, LRU would evict every cache before
 * its reuse.
 *
 * check_tls_cache_budget: at most max caches hold sessions (0: none); a
 * smaller budget drops the newest holders' sessions at once.
 * check_tls_cache_stats: the budget, the caches holding sessions now, and
 * since the start the checks that resumed a cache's share (reused), the
 * checks whose cache found the budget full (refused), and every TLS
 * handshake the checks completed, by whether the server resumed the
 * session offered (SSL_session_reused) or did a full one. The connect
 * step's handshake is always full (it offers no session: the chain is
 * judged at every check); the later transfers offer the check's or the
 * target's session.
 */
#define CHECK_TLS_CACHE_DEFAULT 8u /* check_tls_cache_budget before a call */
struct check_tls_cache_stats {
    size_t budget;
    size_t held;
    unsigned long reused;
    unsigned long refused;
    unsigned long handshakes_resumed; /* SSL_session_reused at the handshake's end */
    unsigned long handshakes_full;
};
void check_tls_cache_budget(size_t max);
void check_tls_cache_stats(struct check_tls_cache_stats *out);

int check_engine_fd(void);
void check_engine_poll(void (*finished)(void *arg, struct check *c), void *arg);
void check_engine_cleanup(void);

/*
 * check_engine_stats: the engine's background work, for metrics and tests
 * (engine thread). Kerberos acquisitions run in at most CHECK_GSS_WORKERS
 * (8) threads (check_gss.h); the others wait in a queue.
 */
struct check_engine_stats {
    unsigned krb_workers;           /* Kerberos worker threads now */
    unsigned krb_workers_peak;      /* most at once since the process started */
    unsigned krb_queued;            /* acquisitions waiting for a worker */
    unsigned long krb_tgts;         /* ticket-granting tickets acquired (first or again) */
    unsigned krb_workers_max;       /* CHECK_GSS_WORKERS: the most worker threads */
    unsigned long krb_acq_ok;       /* acquisitions finished with tickets */
    unsigned long krb_acq_rejected; /* ... the KDC rejected the credentials */
    unsigned long krb_acq_error;    /* ... another failure (KDC unreachable ...) */
    unsigned long trust_loads;      /* trust stores loaded (check_trust_loads) */
};
void check_engine_stats(struct check_engine_stats *out);

/*
 * check_run: the blocking convenience for the CLI: check_new, a private
 * multi, check_start, poll until done (never longer than the deadline plus
 * one second), clean the multi up.
 *   opts     [in]  the options
 *   err, len [out] reason when NULL is returned
 * Returns the finished check (read check_result, then check_free), or NULL on
 * bad options or when libcurl could not be set up.
 */
struct check *check_run(const struct check_opts *opts, char *err, size_t len);

#endif /* OAPROBE_CHECK_CHECK_H */
