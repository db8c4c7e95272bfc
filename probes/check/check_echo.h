/*
 * check_echo.h: the echo stages (rpc-over-http.md 1.6) and what they decide.
 *
 *  - the unauthenticated echo: RPC_IN_DATA with the RCA's 4-byte body and no
 *    credentials; expected 401 with the offered schemes (404: no RPC proxy;
 *    200 with a body that is not the echo PDU: something else answers);
 *  - the authenticated echo with the chosen scheme; expected 200 and the
 *    20-byte echo PDU. With NTLM its 401 leg carries the CHALLENGE_MESSAGE
 *    whose target info names the server (NetBIOS and DNS computer names);
 *  - NTLM name discovery: when no --server is given and the scheme is not
 *    NTLM, a request with a bare NTLM NEGOTIATE_MESSAGE fetches the same
 *    CHALLENGE_MESSAGE without any credential.
 */
#ifndef OAPROBE_CHECK_ECHO_H
#define OAPROBE_CHECK_ECHO_H

#include <stdbool.h>

#include "probes/check/check_int.h"

/* check_echo_start_unauth: add the unauthenticated echo. Returns 0 or -1. */
int check_echo_start_unauth(struct check *c);

/* check_echo_done: an echo or name-discovery transfer ended; record it. */
void check_echo_done(struct check_xfer *x);

/*
 * check_echo_may_authenticate: after the connect step and the unauthenticated
 * echo: should the authenticated echo run? false when an earlier layer
 * failed, the scheme is not offered, there are no credentials, or a Basic
 * password would go in clear text (plain HTTP) or over TLS that failed
 * verification (both allowed with --insecure); obs says why.
 */
bool check_echo_may_authenticate(struct check *c);

/* check_echo_start_auth: add the authenticated echo (and name discovery). */
int check_echo_start_auth(struct check *c);

/*
 * check_echo_may_tunnel: after the authenticated echo: are tunnels worth
 * opening? Also settles the server names (given, or learned from NTLM) and
 * sizes obs.tunnels. false with obs.no_servers when there is no name.
 */
bool check_echo_may_tunnel(struct check *c);

#endif /* OAPROBE_CHECK_ECHO_H */
