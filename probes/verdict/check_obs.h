/*
 * check_obs.h: what one check observed, stage by stage, as plain data.
 *
 * The engine (probes/check) fills a struct check_obs while the transfers
 * run; check_diag() (probes/verdict) turns it into a struct oa_result with
 * diagnoses. Nothing here includes a curl header or refers to a handle or a
 * socket: the engine copies libcurl's values in as plain numbers and text
 * (its CURLcode as an int), so the diagnosis logic links without libcurl
 * and is unit-tested from hand-built observations.
 *
 * Times: *_ms fields are milliseconds since the check started (monotonic
 * clock); *_us fields are libcurl's per-transfer phase times (microseconds
 * since that transfer started). 0 means "not reached".
 */
#ifndef OAPROBE_CHECK_OBS_H
#define OAPROBE_CHECK_OBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/verdict/check_curlmap.h"

#define CHECK_MAX_SERVERS    4u   /* server names tested (given or learned) */
#define CHECK_MAX_PORTS      8u   /* backend ports per server */
#define CHECK_MAX_TUNNELS    (CHECK_MAX_SERVERS * CHECK_MAX_PORTS)
#define CHECK_NAME_MAX       256u /* host and server names, NUL included */
#define CHECK_LINE_MAX       1025u /* an HTTP status line (1024) + NUL */
#define CHECK_DETAIL_MAX     240u /* one sentence of evidence */
#define CHECK_SCHEMES_MAX    96u  /* "Negotiate, NTLM, Basic" */
#define CHECK_BODY_KEEP      64u  /* response body bytes kept as evidence */
#define CHECK_ERROR_MAX      256u /* libcurl's error text (CURL_ERROR_SIZE) */

/* The authentication scheme a check uses. */
enum check_auth {
    CHECK_AUTH_NTLM = 0,
    CHECK_AUTH_BASIC,
    CHECK_AUTH_NEGOTIATE,
};

/*
 * How deep a check goes. Each depth runs the layers of the ones before it:
 *   tls     DNS, TCP, TLS and the certificate verdict only
 *   echo    + the unauthenticated echo (rpcproxy.dll present, offered
 *           schemes); needs no credentials
 *   auth    + the authenticated echo (the credentials work)
 *   tunnel  + one tunnel and bind per server x port: everything (default)
 * Stages past the depth are not run; they appear as skipped steps saying so,
 * never as failures, and the status is judged on what ran.
 */
enum check_depth {
    CHECK_DEPTH_TUNNEL = 0,
    CHECK_DEPTH_AUTH,
    CHECK_DEPTH_ECHO,
    CHECK_DEPTH_TLS,
};

/* One transfer (one easy handle, one connection), as it ended. */
struct check_xfer_obs {
    bool ran;                   /* the transfer was started */
    bool done;                  /* ... and has ended */
    enum check_fail fail;       /* CHECK_FAIL_NONE when it ended as expected */
    enum check_phase phase;     /* how far it got (check_phase_of) */
    int rc;                     /* libcurl's CURLcode, as an int: read by the
                                 * engine only, never by the diagnosis */
    long os_errno;
    char error[CHECK_ERROR_MAX]; /* libcurl's error text, "" if none */
    unsigned status;            /* status of the final response (0: none) */
    char status_line[CHECK_LINE_MAX]; /* its status line, CR LF removed */
    unsigned responses;         /* non-1xx responses on this transfer (auth legs) */
    bool saw_continue;          /* a "100 Continue" arrived */
    bool ntlm_challenge;        /* a 401 carried an NTLM CHALLENGE_MESSAGE */
    bool close_after_challenge; /* ... with "Connection: close" */
    bool rechallenged;          /* a new CHALLENGE answered the AUTHENTICATE on its connection */
    bool headers_too_big;       /* the response headers exceeded the cap */
    long num_connects;          /* connections this transfer opened */
    bool tcp_connected;         /* a TCP connection was established (seen at close) */
    bool tls_done;              /* the TLS handshake completed (connect step) */
    char ip[48];                /* CURLINFO_PRIMARY_IP */
    int64_t t_start_ms, t_end_ms;
    long long t_dns_us, t_connect_us, t_tls_us, t_first_byte_us, t_total_us;
    char detail[CHECK_DETAIL_MAX]; /* the engine's own reason, "" if none */
};

/* The connect step: DNS, TCP, TLS and the presented chain's facts. */
struct check_connect_obs {
    struct check_xfer_obs x;
    char tls_version[32];       /* "TLSv1.3" */
    char tls_cipher[64];        /* "TLS_AES_256_GCM_SHA384" */
    unsigned chain_len;         /* certificates presented */
};

/* An echo request (unauthenticated or authenticated). */
struct check_echo_obs {
    struct check_xfer_obs x;
    char schemes[CHECK_SCHEMES_MAX]; /* offered in the first 401, "" if none */
    unsigned n_challenges;           /* WWW-Authenticate challenges in that 401 */
    bool offers_ntlm, offers_basic, offers_negotiate;
    bool auth_header_bad;            /* a WWW-Authenticate value did not parse */
    bool offers_cut;                 /* more challenges than the parser keeps */
    char auth_header_why[CHECK_DETAIL_MAX];
    uint8_t body[CHECK_BODY_KEEP];   /* first bytes of the final body */
    size_t body_len;                 /* bytes in body[] */
    uint64_t body_total;             /* bytes of the final body in all */
    char content_type[64];
    bool echo_ok;                    /* 200 and exactly the 20-byte echo PDU */
    char echo_why[CHECK_DETAIL_MAX]; /* why not, when status was 200 */
};

/* What the NTLM CHALLENGE_MESSAGE's target info said. */
struct check_ntlm_names {
    bool seen;                       /* a challenge was decoded */
    char nb_computer[CHECK_NAME_MAX]; /* MsvAvNbComputerName, "EXCH01" */
    char nb_domain[CHECK_NAME_MAX];   /* MsvAvNbDomainName */
    char dns_computer[CHECK_NAME_MAX]; /* MsvAvDnsComputerName, "exch01.contoso.lab" */
    char dns_domain[CHECK_NAME_MAX];
    char why[CHECK_DETAIL_MAX];      /* decode failure, "" if fine */
};

/* X(enum suffix, printable name): tunnel progress, in order. */
#define CHECK_TUN_STATES(X)                                                                 \
    X(IDLE, "idle")               /* not started */                                        \
    X(OPENING, "opening")         /* IN and OUT requests in flight (auth legs) */           \
    X(WAIT_A3, "wait_a3")         /* OUT answered 200, waiting for CONN/A3 */               \
    X(WAIT_C2, "wait_c2")         /* CONN/A3 read, waiting for CONN/C2 */                   \
    X(BIND_SENT, "bind_sent")     /* CONN/C2 read, bind queued on IN */                     \
    X(DONE, "done")               /* verdict known */

enum check_tun_state {
#define CHECK_TUN_STATE_ENUM(id, name) CHECK_TUN_##id,
    CHECK_TUN_STATES(CHECK_TUN_STATE_ENUM)
#undef CHECK_TUN_STATE_ENUM
    CHECK_TUN_STATE_COUNT
};

/* X(enum suffix, printable name): how a tunnel ended. */
#define CHECK_TUN_ENDS(X)                                                                   \
    X(NONE, "none")                     /* not run */                                      \
    X(BOUND, "bound")                   /* bind_ack accepted the interface */              \
    X(BIND_REJECTED, "bind_rejected")   /* bind_ack rejection, bind_nak or fault */        \
    X(RPC_ERROR, "rpc_error")           /* "503 RPC Error: <hex>" on IN or OUT */          \
    X(HTTP_STATUS, "http_status")       /* another status where 200/100 was expected */    \
    X(AUTH_REJECTED, "auth_rejected")   /* 401 after the credentials were sent */          \
    X(NTLM_LOST, "ntlm_connection_lost") /* the connection closed mid-NTLM */              \
    X(EXPECT_STALL, "expect_continue_stall") /* 100-continue not answered, or 417/501 */   \
    X(PROTOCOL, "protocol_error")       /* malformed HTTP or RTS, or a wrong PDU */        \
    X(CONN_FAILED, "connection_failed") /* DNS/TCP/TLS failed or the peer hung up */       \
    X(TIMEOUT, "timeout")               /* the deadline fired (state says where) */        \
    X(INTERNAL, "internal")             /* the engine failed (memory, curl options) */

enum check_tun_end {
#define CHECK_TUN_END_ENUM(id, name) CHECK_TUN_END_##id,
    CHECK_TUN_ENDS(CHECK_TUN_END_ENUM)
#undef CHECK_TUN_END_ENUM
    CHECK_TUN_END_COUNT
};

/* One RPC over HTTP tunnel to server:port and the bind through it. */
struct check_tunnel_obs {
    char server[CHECK_NAME_MAX];
    uint16_t port;
    enum check_tun_state reached;   /* furthest state */
    enum check_tun_end end;
    struct check_xfer_obs in, out;  /* RPC_IN_DATA and RPC_OUT_DATA */
    bool on_out;                    /* the deciding evidence came from OUT */
    uint32_t rpc_error;             /* RPC_ERROR: the Windows code */
    bool rpc_error_mid_stream;      /* ... found inside the OUT body */
    char rpc_error_name[48];        /* "RPC_S_SERVER_UNAVAILABLE" or "" */
    char detail[CHECK_DETAIL_MAX];  /* decoder reason, bind verdict, evidence */
    /* bind verdict (BOUND / BIND_REJECTED) */
    uint8_t bind_ptype;             /* DCERPC_PT_BIND_ACK, _BIND_NAK or _FAULT */
    uint16_t bind_result, bind_reason; /* ack result/reason or nak reason */
    uint32_t fault_status;
    /* what the proxy said */
    uint32_t a3_timeout_ms, c2_version, c2_receive_window, c2_timeout_ms;
    unsigned pings, flow_acks;      /* skipped PDUs */
    bool in_body_started;           /* libcurl asked for the IN body (after 100
                                     * Continue, or after its Expect timeout) */
    bool expect_waited;             /* the body went out without a 100 Continue */
    int64_t t_out_status_ms, t_a3_ms, t_c2_ms, t_bind_ms; /* since the check started */
};

/* A direct TCP check of a backend port on the host itself (--direct-ports). */
struct check_direct_obs {
    uint16_t port;
    struct check_xfer_obs x;
    char banner[32];               /* first bytes the port sent ("ncacn_http/1.0"), "" if none */
};

/* Where the tested server names came from. */
enum check_server_origin {
    CHECK_SERVER_GIVEN = 0,   /* --server */
    CHECK_SERVER_NTLM_NETBIOS, /* MsvAvNbComputerName */
    CHECK_SERVER_NTLM_DNS,    /* MsvAvDnsComputerName */
};

/* Everything one check observed. */
struct check_obs {
    char host[CHECK_NAME_MAX];
    uint16_t port;                 /* 443, or 80 with --http */
    bool tls;
    int64_t elapsed_ms;            /* when the check finished */
    int64_t timeout_ms;            /* the overall deadline */
    bool deadline_hit;             /* the engine stopped transfers at the deadline */
    bool cancelled;                /* check_cancel stopped it: no verdict */
    char cancelled_in[16];         /* ... in this pipeline stage */
    struct check_connect_obs connect;
    struct check_echo_obs echo_unauth, echo_auth;
    struct check_ntlm_names ntlm;
    bool auth_skipped;             /* stopped before sending credentials (see why) */
    char auth_skip_why[CHECK_DETAIL_MAX];
    bool creds_failed;             /* Kerberos credentials could not be acquired */
    bool creds_rejected;           /* ... because the KDC refused them (not a local problem) */
    bool creds_timeout;            /* ... because the KDC did not answer before the deadline */
    char creds_why[CHECK_DETAIL_MAX];
    bool no_servers;               /* no --server and none learned from NTLM */
    bool no_servers_fault;         /* ... because the NTLM CHALLENGE was malformed */
    char no_servers_why[CHECK_DETAIL_MAX];
    size_t n_servers;
    char servers[CHECK_MAX_SERVERS][CHECK_NAME_MAX];
    enum check_server_origin server_origin[CHECK_MAX_SERVERS];
    size_t n_tunnels;              /* n_servers x ports, server-major */
    struct check_tunnel_obs *tunnels; /* n_tunnels entries, owned by whoever
                                       * filled the struct (the engine) */
    size_t n_direct;
    struct check_direct_obs direct[CHECK_MAX_PORTS];
};

/* check_auth_name: "ntlm", "basic", "negotiate" (the CLI and config word);
 * "unknown" out of range. Static string. */
const char *check_auth_name(enum check_auth a);

/* check_auth_parse: "ntlm", "basic" or "negotiate" (exact, lower case) into
 * *out. Returns 0, or -1 for any other name (or a NULL argument). */
int check_auth_parse(const char *name, enum check_auth *out);

/* check_auth_scheme: the HTTP scheme token, "NTLM", "Basic", "Negotiate";
 * "unknown" out of range. Static string. */
const char *check_auth_scheme(enum check_auth a);

/* check_obs_offers: did the first 401 of echo e offer scheme a? */
bool check_obs_offers(const struct check_echo_obs *e, enum check_auth a);

/*
 * check_obs_ntlm_lost: did transfer x lose the connection its NTLM handshake
 * needed? True when a 401 carried an NTLM CHALLENGE_MESSAGE and then the
 * server said "Connection: close" or libcurl had to open a new connection,
 * so the AUTHENTICATE could not go where the challenge came from (a
 * balancer without affinity, or a server that closes after the challenge).
 */
bool check_obs_ntlm_lost(const struct check_xfer_obs *x);

/* check_depth_name: "tunnel", "auth", "echo", "tls"; "unknown" out of range.
 * Static string. */
const char *check_depth_name(enum check_depth d);

/*
 * check_depth_parse: "tunnel", "auth", "echo" or "tls" (exact, lower case)
 * into *out. Returns 0, or -1 (unknown name, NULL argument; *out unchanged).
 */
int check_depth_parse(const char *name, enum check_depth *out);

/* check_depth_runs: true when a check of depth d runs the layer of depth
 * layer (CHECK_DEPTH_TLS always runs; CHECK_DEPTH_TUNNEL only at the default
 * depth). Pure. */
bool check_depth_runs(enum check_depth d, enum check_depth layer);

/* check_tun_state_name / check_tun_end_name: printable names; "unknown" out of range. */
const char *check_tun_state_name(enum check_tun_state s);
const char *check_tun_end_name(enum check_tun_end e);

#endif /* OAPROBE_CHECK_OBS_H */
