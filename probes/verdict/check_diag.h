/*
 * check_diag.h: turn a check's observations (struct check_obs) into the
 * result record (struct oa_result): one step per stage that ran or was
 * skipped, the diagnoses with their evidence and remedy, and perfdata.
 *
 * Pure: no I/O, no clock (the start time comes in the config), no libcurl
 * handle. Unit tests build observations by hand and check the codes.
 *
 * What it decides (field-notes.md vocabulary, probes/result/diag.h):
 *  - connect step: dns_failed, tcp_refused, tcp_timeout, tls_handshake_failed,
 *    timeout (TLS tarpit), plus the certificate diagnoses of probes/tls
 *    (cert_expired, cert_expiring, cert_not_yet_valid, cert_name_mismatch,
 *    cert_untrusted, cert_chain_incomplete), judged even when the deeper
 *    layers were checked with verification off;
 *  - unauthenticated echo: rpcproxy_missing (404), ssl_required (403.4 or 403
 *    over plain HTTP), auth_no_methods, auth_scheme_missing, echo_invalid,
 *    http_status_unexpected, protocol_error (malformed HTTP, giant headers,
 *    a connection closed without an answer), timeout;
 *  - authenticated echo: auth_rejected, ntlm_connection_lost, echo_invalid...;
 *  - tunnels: through probes/result's oa_tunnel_verdict (which tells
 *    validports_missing_entry from backend_unreachable and says what cannot be
 *    told apart), preceded by the engine's more specific messages for
 *    timeouts and Expect stalls; a tunnel whose own connection failed while
 *    the connect step worked is reported too; a tunnel that worked only after
 *    the Expect wait adds expect_continue_stall as a warning;
 *  - direct ports: tcp_refused / tcp_timeout on 6001/6002/6004.
 * A stage that did not run because an earlier one failed is a skipped step,
 * never a second diagnosis of the same fault.
 */
#ifndef OAPROBE_CHECK_DIAG_H
#define OAPROBE_CHECK_DIAG_H

#include <stdbool.h>
#include <stdint.h>

#include "probes/verdict/check_obs.h"

struct oa_result;
struct tls_verdict;

/* What check_diag needs besides the observations. */
struct check_diag_cfg {
    enum check_auth auth;
    enum check_depth depth;        /* stages past it were not run on purpose */
    const char *user;              /* for messages ("CONTOSO\oaprobe"), may be NULL */
    bool insecure;
    const struct tls_verdict *tls; /* the certificate verdict, NULL if none */
    const char *tls_why;           /* why there is none ("" or NULL: no reason) */
    int64_t started_at_ms;         /* wall clock, ms since the epoch */
    unsigned expect_wait_ms;       /* how long the IN channel waited for 100 Continue */
};

/*
 * check_diag: build the result.
 *   obs [in] the observations (not modified)
 *   cfg [in] the settings above
 * Returns a new result (free with check_diag_free), or NULL when out of
 * memory or an argument is NULL.
 */
struct oa_result *check_diag(const struct check_obs *obs, const struct check_diag_cfg *cfg);

/* check_diag_free: free a result from check_diag. NULL is a no-op. */
void check_diag_free(struct oa_result *r);

#endif /* OAPROBE_CHECK_DIAG_H */
