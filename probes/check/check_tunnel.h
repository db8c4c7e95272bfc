/*
 * check_tunnel.h: one RPC over HTTP v2 tunnel and bind per server x port
 * (rpc-over-http.md 2.4, 4), all tunnels of a check at once.
 *
 * Per tunnel, two transfers on two connections, each authenticating itself:
 *
 *   OUT  RPC_OUT_DATA  Content-Length 76, body CONN/A1
 *        200 -> the body is split into PDUs (probes/rpch/pdu_stream):
 *        CONN/A3, CONN/C2 (pings and flow-control acks skipped), then the
 *        answer to the bind (probes/dcerpc verdict). "503 RPC Error: X" in
 *        the status line or inside the body -> RPC error X.
 *   IN   RPC_IN_DATA   Content-Length 1073741824, Expect: 100-continue on the
 *        credentials leg; body from a read callback: CONN/B1, then pause until
 *        CONN/C2 arrived, then the bind for the port's interface (EMSMDB 6001,
 *        RFR 6002, NSPI 6004). A successful IN channel never gets a response.
 *
 * Cookies come from OpenSSL's CSPRNG. Once the verdict is known both
 * transfers are stopped. The Expect: 100-continue wait is bounded by
 * min(5 s, deadline/3); a body sent without a 100 Continue is recorded
 * (expect_waited) and reported.
 */
#ifndef OAPROBE_CHECK_TUNNEL_H
#define OAPROBE_CHECK_TUNNEL_H

#include <stdbool.h>

#include "probes/check/check_int.h"

/*
 * check_tunnels_start: size obs.tunnels (servers x ports) and start every
 * tunnel. A tunnel that cannot be set up ends as INTERNAL at once.
 * Returns 0, or -1 when nothing could be allocated.
 */
int check_tunnels_start(struct check *c);

/*
 * check_tunnel_feed: process bytes of the OUT channel's response body
 * (what the write callback receives): split into PDUs, CONN/A3, CONN/C2
 * (queueing the bind), pings and flow-control acks skipped, the bind
 * answer, a "503 RPC Error" line. Records the verdict in t->obs.
 *   t    [in,out] the tunnel (its stream set up by check_tunnel_stream_init)
 *   p    [in]     len bytes
 * Returns len to go on reading, or 0 once the verdict is known (or the
 * tunnel was already done): the transfer should stop.
 */
size_t check_tunnel_feed(struct check_tunnel *t, const uint8_t *p, size_t len);

/*
 * check_tunnel_stream_init: allocate (once) and reset t's OUT stream splitter.
 * Returns 0 or -1 (out of memory).
 */
int check_tunnel_stream_init(struct check_tunnel *t);

/* check_tunnel_xfer_done: an IN or OUT transfer ended; settle its tunnel (frees x). */
void check_tunnel_xfer_done(struct check_xfer *x);

/* check_tunnels_done: every tunnel has its verdict (true when there are none). */
bool check_tunnels_done(const struct check *c);

/* check_tunnels_stop: stop every running tunnel, its channels ending as why. */
void check_tunnels_stop(struct check *c, enum check_fail why, const char *detail);

/* check_expect_wait_ms: how long the IN channel waits for 100 Continue. */
unsigned check_expect_wait_ms(const struct check *c);

/* check_tunnels_free: free the tunnels and obs.tunnels (check_free calls it). */
void check_tunnels_free(struct check *c);

#endif /* OAPROBE_CHECK_TUNNEL_H */
