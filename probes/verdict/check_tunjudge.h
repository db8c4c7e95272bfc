/*
 * check_tunjudge.h: decide how a tunnel ended from what its two channels
 * saw, when no stream-level verdict was reached (no bind answer, no RPC error
 * inside the OUT body, no malformed PDU). Pure code over struct
 * check_tunnel_obs; unit-tested with hand-built observations.
 *
 * The rules, first match wins (IN = RPC_IN_DATA, OUT = RPC_OUT_DATA):
 *
 *  1. a channel got "503 RPC Error: <hex>"          -> RPC_ERROR (OUT first)
 *  2. a channel got 401 after a CHALLENGE_MESSAGE that closed the connection
 *     ("Connection: close"), or after a challenge when libcurl had to open a
 *     second connection                              -> NTLM_LOST
 *  3. a channel got 401 otherwise                    -> AUTH_REJECTED
 *  4. IN got 417 or 501 to its Expect: 100-continue  -> EXPECT_STALL
 *  5. a channel got another final status (404, 403, 500, 502, a 503 that is
 *     not an RPC error, 200 on IN)                   -> HTTP_STATUS
 *  6. a channel lost its connection right after a CHALLENGE_MESSAGE (the
 *     credentials leg was never answered)            -> NTLM_LOST
 *  7. a channel failed in DNS/TCP/TLS                -> CONN_FAILED
 *  8. a channel timed out: if IN sent its Expect leg (after an NTLM
 *     challenge, or while OUT had its 200) but never saw 100 Continue nor
 *     any final status (whether or not libcurl sent the body after its
 *     Expect wait)                                   -> EXPECT_STALL
 *     else                                           -> TIMEOUT
 *  9. a channel's headers were too big or malformed, or the connection
 *     dropped after the headers                      -> PROTOCOL
 * 10. a channel failed inside the engine             -> INTERNAL
 * 11. otherwise (a channel ended cleanly where it never should)
 *                                                    -> PROTOCOL
 * Channels the engine stopped itself (CHECK_FAIL_ABORTED) are not blamed.
 */
#ifndef OAPROBE_CHECK_TUNJUDGE_H
#define OAPROBE_CHECK_TUNJUDGE_H

#include <stddef.h>
#include <stdint.h>

#include "probes/verdict/check_obs.h"

/*
 * check_tunnel_judge: set t->end, t->on_out, t->detail (and t->rpc_error,
 * t->rpc_error_name for RPC_ERROR) from t->in, t->out and t->reached.
 * Does nothing when t is NULL or t->end is already set.
 */
void check_tunnel_judge(struct check_tunnel_obs *t);

/*
 * check_tunnel_set_rpc_error: record the Windows status code of a "503 RPC
 * Error: <hex>" in t: t->rpc_error and its name in t->rpc_error_name ("" when
 * the code is not in probes/rpcerr's table). Leaves t->end to the caller.
 */
void check_tunnel_set_rpc_error(struct check_tunnel_obs *t, uint32_t code);

/*
 * check_tunnel_where: a few words on what the tunnel was waiting for in
 * state s ("waiting for the OUT channel response", "waiting for CONN/C2").
 * Static string.
 */
const char *check_tunnel_where(enum check_tun_state s);

#endif /* OAPROBE_CHECK_TUNJUDGE_H */
