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

struct check;
struct tls_verdict;

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
