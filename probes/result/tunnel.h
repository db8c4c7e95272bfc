/*
 * tunnel.h: the tunnel verdict. Turns the outcomes of the RPC-over-HTTP
 * tunnel attempts (one per RPC server name x port) and, when available, of
 * direct TCP checks of the backend ports into diagnoses, the way
 * field-notes.md says:
 *
 *   - a port that works under one name but is refused with
 *     "503 RPC Error: 6ba" under another: validports_missing_entry for each
 *     refusing name (the ValidPorts ACL lacks that name);
 *   - a port refused with 6ba under every name tried: backend_unreachable,
 *     one diagnosis per port. ACL deny and a dead backend give the same 6ba
 *     and cannot be told apart from outside; the message says so and
 *     suggests the test that separates them (the port under the other name,
 *     a direct TCP check). When a direct TCP result for that port is given
 *     it decides: the ncacn_http/1.0 banner answers => the endpoint listens
 *     and the refusal is the ACL (validports_missing_entry for every name);
 *     refused / another banner => backend_unreachable saying why; a timeout
 *     separates nothing and is said so.
 *   - every other outcome maps to its own code: 401 auth_rejected, 404
 *     rpc_server_refused, 417/501 after Expect expect_continue_stall, other
 *     statuses http_status_unexpected, RPC error codes other than 6ba
 *     tunnel_rpc_error, timeouts timeout, dropped NTLM/Negotiate connections
 *     ntlm_connection_lost (protocol_error for other schemes), malformed
 *     bytes protocol_error, a rejected bind endpoint_bind_rejected (step
 *     bind), a probe failure internal_error.
 *
 * Names are compared ASCII case-insensitively, as RpcProxy does. Several
 * outcomes for the same name and port are merged: any success (or bind
 * rejection) wins, then a 6ba refusal, then the first other outcome.
 *
 * Order: diagnoses are added port by port, in the order the ports first
 * appear in the outcomes; within a port the ValidPorts/backend analysis
 * comes first, then the other outcomes in input order; bind rejections
 * come last.
 */
#ifndef OAPROBE_RESULT_TUNNEL_H
#define OAPROBE_RESULT_TUNNEL_H

#include <stddef.h>
#include <stdint.h>

#include "probes/result/result.h"

#define OA_RPC_S_SERVER_UNAVAILABLE 0x6baU /* 1722 */
#define OA_TUNNEL_MAX_OUTCOMES 64
#define OA_TUNNEL_MAX_DIRECT   16

enum oa_tunnel_kind {
    OA_TUNNEL_NOT_RUN = 0,    /* not attempted: ignored */
    OA_TUNNEL_OK,             /* OUT 200, CONN/A3 + C2 read (bind accepted
                               * or not attempted) */
    OA_TUNNEL_BIND_REJECTED,  /* tunnel up, bind_ack rejection / bind_nak /
                               * fault: counts as "works" for the ACL
                               * analysis, adds endpoint_bind_rejected
                               * (step bind); detail says what */
    OA_TUNNEL_RPC_ERROR,      /* "503 RPC Error: <hex>": rpc_error set */
    OA_TUNNEL_HTTP_STATUS,    /* another HTTP status: http_status set */
    OA_TUNNEL_AUTH_REJECTED,  /* 401 after the credentials were sent */
    OA_TUNNEL_CONN_LOST,      /* connection closed mid-authentication */
    OA_TUNNEL_EXPECT_STALL,   /* 100-continue not answered in time */
    OA_TUNNEL_PROTOCOL_ERROR, /* malformed HTTP/RTS, wrong PDU: detail */
    OA_TUNNEL_TIMEOUT,        /* deadline passed: elapsed_us set */
    OA_TUNNEL_CONN_FAILED,    /* DNS/TCP/TLS of the channel failed: ignored
                               * here, the connect step's diagnosis says it */
    OA_TUNNEL_INTERNAL,       /* the probe failed: internal_error */
};

struct oa_tunnel_outcome {
    const char *server;       /* RPC server name as sent (required) */
    uint16_t port;            /* 6001, 6002, 6004... (required, non-zero) */
    enum oa_tunnel_kind kind;
    uint32_t rpc_error;       /* OA_TUNNEL_RPC_ERROR: the Windows code */
    const char *rpc_error_name; /* its name ("RPC_S_SERVER_UNAVAILABLE",
                               * from probes/rpcerr winerr_name()), or NULL */
    int http_status;          /* OA_TUNNEL_HTTP_STATUS / AUTH_REJECTED */
    const char *status_line;  /* evidence, "HTTP/1.1 503 RPC Error: 6ba" */
    int64_t elapsed_us;       /* OA_TUNNEL_TIMEOUT: time spent */
    int expect_sent;          /* the request carried Expect: 100-continue */
    const char *auth_scheme;  /* "NTLM", "Basic"... (CONN_LOST, 401) */
    const char *detail;       /* decoder reason, bind verdict, engine error */
};

enum oa_direct_kind {
    OA_DIRECT_NOT_RUN = 0,
    OA_DIRECT_NCACN_HTTP,     /* connected and read "ncacn_http/1.0" */
    OA_DIRECT_OPEN_OTHER,     /* connected, no or another banner */
    OA_DIRECT_REFUSED,        /* RST */
    OA_DIRECT_TIMEOUT,        /* no answer (filtered) */
};

struct oa_direct_outcome {
    const char *host;         /* the address or name connected to */
    uint16_t port;
    enum oa_direct_kind kind;
};

/*
 * oa_tunnel_verdict: add the diagnoses (step OA_STEP_TUNNEL, server and
 * port of the name/port concerned) for the tunnel outcomes t[0..nt) and the
 * direct TCP outcomes d[0..nd) (d may be NULL when nd is 0) to r. Outcomes
 * with a NULL or empty server or a zero port are ignored. At most
 * OA_TUNNEL_MAX_OUTCOMES / OA_TUNNEL_MAX_DIRECT entries are read.
 * Returns the number of diagnoses added, or -1 (r NULL, or t NULL with
 * nt > 0, or d NULL with nd > 0).
 */
int oa_tunnel_verdict(struct oa_result *r, const struct oa_tunnel_outcome *t,
                      size_t nt, const struct oa_direct_outcome *d, size_t nd);

#endif /* OAPROBE_RESULT_TUNNEL_H */
