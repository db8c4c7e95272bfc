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
 * check_echo_decide_auth: after the connect step and the unauthenticated
 * echo, decide whether the authenticated echo runs. Not a pure question:
 * when it refuses for a reason the result must show (no --user, a Basic
 * password that would go in clear text over plain HTTP or over TLS that
 * failed verification; both allowed with --insecure) it records that in
 * c->obs (auth_skipped, auth_skip_why). It also refuses, recording nothing,
 * when an earlier layer failed, the echo got neither a 401 offering the
 * scheme nor the echo PDU, or the Kerberos credentials failed (those
 * observations already say why).
 * Returns true when the authenticated echo should run.
 */
bool check_echo_decide_auth(struct check *c);

/* check_echo_start_auth: add the authenticated echo (and name discovery). */
int check_echo_start_auth(struct check *c);

/*
 * check_echo_decide_tunnels: after the authenticated echo, decide whether
 * tunnels are worth opening, and settle the server names they go to: it
 * fills c->obs.servers (given with --server, or learned from NTLM), or sets
 * c->obs.no_servers and its reason when there is no usable name. The
 * tunnels stage (check_tunnels_start) sizes c->obs.tunnels from them.
 * Returns true when the tunnels should be opened.
 */
bool check_echo_decide_tunnels(struct check *c);

#endif /* OAPROBE_CHECK_ECHO_H */
