/*
 * check_gss.h: Kerberos identities for HTTP Negotiate. The only file of
 * the engine that includes GSS-API (and krb5) headers.
 *
 * An identity is what the options name: a user with a password, a user with
 * a client keytab, or the default ticket cache (KRB5CCNAME, kinit). Checks of
 * the same identity (same user, keytab and password) share one: its own
 * MEMORY: credential cache (never a file, never the thread's or process's
 * default cache) and a GSS-API credential handle on it. The engine produces
 * each transfer's "Authorization: Negotiate <token>" itself from that handle
 * (gss_init_sec_context, SPNEGO, for HTTP@host); libcurl's Negotiate support
 * and its default credential cache are never involved, so checks of
 * different identities can run interleaved on one multi in one thread.
 *
 * Everything that talks to the KDC runs off the caller's thread, in at most
 * CHECK_GSS_WORKERS worker threads taking acquisitions from a FIFO queue:
 * the AS exchange (password or keytab)
 * and one context for HTTP@host, which fetches the service ticket into the
 * identity's cache and reports a refused password, an unknown principal or
 * a missing service principal in the KDC's words. The token for a transfer
 * is then made from the cached tickets without a KDC exchange. A finished
 * acquisition is signalled on the engine's eventfd (check_bg.h,
 * check_engine_fd in check.h); check_gss_poll applies it and resumes the checks that waited.
 * An identity is renewed (acquired again into a fresh cache) when a check
 * needs it less than check_gss_renew_margin_ms() before its ticket-granting
 * ticket expires. At most one acquisition per identity is in flight; checks
 * that need it wait for it, queued or running, each within its own deadline
 * (check_gss_expire); a queued acquisition no check waits for any more is
 * dropped.
 *
 * Threads: every function here except the workers' internals runs on the
 * one thread that drives the engine.
 */
#ifndef OAPROBE_CHECK_GSS_H
#define OAPROBE_CHECK_GSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

struct check;
struct check_gss;

/* Renew an identity this long before its TGT expires (seconds), at most. */
#define CHECK_GSS_RENEW_S 600

/*
 * Worker threads for KDC exchanges, at most. An acquisition takes a worker
 * for 2-3 KDC round trips (AS exchange with preauthentication, one TGS
 * exchange): milliseconds on a LAN, so 8 workers acquire hundreds of
 * identities a second and 10,000 distinct identities queue instead of
 * starting 10,000 threads. The cap is what an unanswering KDC costs: a
 * worker waiting on it is held until libkrb5 gives up (its own timeouts, no
 * deadline can cut a blocked libkrb5 call short), so 8 identities of dead
 * realms at once make the others queue meanwhile (each queued check still
 * ends at its own deadline). 8 keeps that case rare for a probe watching a
 * handful of realms, at 8 idle-able threads of memory.
 */
#define CHECK_GSS_WORKERS 8

/*
 * check_gss_renew_margin_ms: how long before a TGT of lifetime_ms ends the
 * identity is acquired again: a quarter of its lifetime, at most
 * CHECK_GSS_RENEW_S (a 10 h ticket: 10 min before; a 2 min ticket: 30 s
 * before, not at every check).
 */
int64_t check_gss_renew_margin_ms(int64_t lifetime_ms);

/*
 * check_gss_stats: Kerberos worker threads now and at most at once since the
 * process started, acquisitions waiting for a worker, and ticket-granting
 * tickets acquired (first or again); acq: the acquisitions finished, by
 * outcome: [0] tickets obtained, [1] the KDC rejected the credentials, [2]
 * another failure (KDC unreachable, no such realm...). Engine thread.
 */
void check_gss_stats(unsigned *workers, unsigned *peak, unsigned *queued, unsigned long *tgts,
                     unsigned long acq[3]);

/*
 * check_gss_request: attach c to its identity and make sure the identity has
 * tickets for HTTP@c->host.
 * Returns 1: ready now (check_gss_ready(c) is true); 0: an acquisition runs
 * in the background and c waits for it (check_gss_pending); -1: failed at
 * once (c->obs.creds_failed and creds_why set).
 */
int check_gss_request(struct check *c);

/* check_gss_pending: c waits for a background acquisition. */
bool check_gss_pending(const struct check *c);

/* check_gss_ready: c's identity has tickets for c's host. */
bool check_gss_ready(const struct check *c);

/*
 * check_gss_expire: c gives up waiting at its deadline: the credentials
 * fail as "no answer from the KDC" (obs.creds_failed, creds_timeout). The
 * acquisition goes on for the other checks of the identity. No-op when c
 * does not wait.
 */
void check_gss_expire(struct check *c);

/*
 * check_gss_poll: apply every finished background acquisition and call
 * resume(c, arg) for each check that waited for one and now has either
 * tickets (check_gss_ready) or a failure (c->obs.creds_failed).
 */
void check_gss_poll(void (*resume)(struct check *c, void *arg), void *arg);

/*
 * check_gss_header: append "Authorization: Negotiate <token>" for HTTP@host,
 * made from c's identity, to *headers (a fresh token per call: one per
 * connection). Returns 0, or -1 (c->obs.creds_why says why).
 */
int check_gss_header(struct check *c, struct curl_slist **headers);

/*
 * check_gss_principal: the Kerberos name to use for user: "DOMAIN\user"
 * becomes "user" (the default realm is appended by Kerberos), "user@REALM"
 * stays. Returns 0, or -1 (NULL, empty, too long for cap).
 */
int check_gss_principal(const char *user, char *out, size_t cap);

/* check_gss_free: detach c from its identity (and from an acquisition it
 * waits for). NULL ok. */
void check_gss_free(struct check *c);

/*
 * check_gss_cleanup: free every identity no check uses (wiping passwords,
 * destroying their MEMORY: caches). Acquisitions still running keep theirs
 * until they end. For process shutdown and tests.
 */
void check_gss_cleanup(void);

#endif /* OAPROBE_CHECK_GSS_H */
