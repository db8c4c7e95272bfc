/*
 * check_tls.h: judge the certificate chain the connect step captured, with
 * probes/tls (tls_verdict_compute), against the system store or --cacert.
 *
 * --insecure skips the trust and host-name checks (no store, no host) but
 * the dates are still judged: an expired certificate is reported whatever
 * the trust settings.
 */
#ifndef OAPROBE_CHECK_TLS_H
#define OAPROBE_CHECK_TLS_H

#include <stdbool.h>
#include <stddef.h>

struct check;
struct tls_verdict;

/*
 * A trust store (the system store or a --cacert bundle) loaded once and
 * shared, reference-counted, by every check that names it in its options
 * (check_opts.trust). Without one a check takes the store of the engine's
 * cache below.
 */
struct check_trust;

/* check_trust_load: load the store now (blocking: call it when a
 * configuration is loaded, not per check). cacert NULL: the system store.
 * Returns the store with one reference, or NULL (err says why). */
struct check_trust *check_trust_load(const char *cacert, char *err, size_t len);

/* check_trust_ref / check_trust_unref: take / drop a reference; the last
 * unref frees the store. NULL ok. */
struct check_trust *check_trust_ref(struct check_trust *t);
void check_trust_unref(struct check_trust *t);

/*
 * The engine's own cache, for checks given no shared store: one store per
 * file (or the system store), loaded by a background thread (a slow CA file
 * never blocks the engine's thread) and reused for 5 minutes.
 * check_trust_request: at check_start: c->trust set from the cache (1), or
 * c waits for a background load (0; its verdict is made when the store is
 * in), or -1 (then the check loads its own when it judges).
 * check_trust_pending: c waits for a load.
 * check_trust_unwait: c stops waiting (cancel, free, deadline); why, when
 * not NULL, becomes its verdict's reason.
 * check_trust_poll: apply finished loads; resume(c, arg) for each check
 * that waited.
 * check_trust_cleanup: free the cache (loads in flight keep theirs).
 */
int check_trust_request(struct check *c);
bool check_trust_pending(const struct check *c);
void check_trust_unwait(struct check *c, const char *why);
void check_trust_poll(void (*resume)(struct check *c, void *arg), void *arg);
void check_trust_cleanup(void);

/* check_trust_loads: how many trust stores this process has loaded (the
 * shared ones and the checks' own), for tests and benchmarks. */
unsigned long check_trust_loads(void);

/*
 * check_tls_judge: compute c's certificate verdict from c->tls_chain (kept
 * in c; a failure is kept as a reason in c->tls_verdict_why).
 */
void check_tls_judge(struct check *c);

/*
 * check_tls_trustworthy: false when the channel cannot be trusted with a
 * password: chain not trusted, name mismatch (both ignored with
 * --insecure), leaf expired or not yet valid, or no verdict at all. true for
 * plain HTTP (there is no certificate to judge; the caller decides).
 */
bool check_tls_trustworthy(const struct check *c);

/* check_tls_verdict: the verdict, or NULL when there is none. */
const struct tls_verdict *check_tls_verdict(const struct check *c);

/* check_tls_free: free the verdict. */
void check_tls_free(struct check *c);

#endif /* OAPROBE_CHECK_TLS_H */
