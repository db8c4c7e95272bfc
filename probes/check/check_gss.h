/*
 * check_gss.h: Kerberos credentials for HTTP Negotiate. The only file of
 * the engine that includes GSS-API (and krb5) headers.
 *
 * libcurl does the Negotiate exchange itself (CURLAUTH_NEGOTIATE) with
 * GSS_C_NO_CREDENTIAL, i.e. from the default credential cache. This file
 * makes sure that cache holds what the options ask for:
 *
 *  - password (--password-file / OAPROBE_PASSWORD): the initial ticket is
 *    acquired with gss_acquire_cred_with_password and stored with
 *    gss_store_cred_into into a fresh MEMORY: cache (never a file), which
 *    gss_krb5_ccache_name makes this thread's default;
 *  - client keytab (--keytab): gss_acquire_cred_from with the client_keytab
 *    and the same kind of MEMORY: cache;
 *  - neither: the default ticket cache (KRB5CCNAME, kinit), as is.
 *
 * In every case one GSS-API context is initiated for HTTP@host before any
 * request, so that a missing ticket, a refused password or an unknown
 * service principal is reported with the KDC's own words instead of as a
 * bare 401. This blocks for the KDC exchanges.
 *
 * Limits: the default cache is per thread, so one process thread runs
 * Negotiate checks of one identity at a time (the service must serialise
 * identities per thread). check_gss_free restores the previous default and
 * destroys the MEMORY: cache.
 */
#ifndef OAPROBE_CHECK_GSS_H
#define OAPROBE_CHECK_GSS_H

#include <stdbool.h>
#include <stddef.h>

struct check;
struct check_gss;

/*
 * check_gss_prepare: set up the credentials of c (see above). On failure
 * c->obs.creds_failed is set with the reason in c->obs.creds_why, and
 * c->obs.creds_rejected tells a KDC refusal (wrong password, unknown or
 * disabled principal, unknown service principal) from a local problem (no
 * ticket cache, KDC unreachable, no realm).
 * Returns 0, or -1.
 */
int check_gss_prepare(struct check *c);

/*
 * check_gss_principal: the Kerberos name to use for user: "DOMAIN\user"
 * becomes "user" (the default realm is appended by Kerberos), "user@REALM"
 * stays. Returns 0, or -1 (NULL, empty, too long for cap).
 */
int check_gss_principal(const char *user, char *out, size_t cap);

/* check_gss_free: restore the default cache, destroy ours, free. NULL ok. */
void check_gss_free(struct check_gss *g);

#endif /* OAPROBE_CHECK_GSS_H */
