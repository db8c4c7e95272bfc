/*
 * check_int.h: the engine's internals, shared by the check_*.c files only.
 *
 * struct check owns: a copy of the options, the password (wiped on free),
 * the transfers (struct check_xfer, one easy handle each) and the running
 * tunnels, and fills a struct check_obs as transfers end. Every easy handle
 * carries its struct check_xfer in CURLOPT_PRIVATE; both structs start with a
 * magic number checked whenever a pointer comes back through libcurl.
 */
#ifndef OAPROBE_CHECK_INT_H
#define OAPROBE_CHECK_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

#include "probes/auth/www_auth.h"
#include "probes/check/check.h"
#include "probes/rpch/pdu_stream.h"
#include "probes/rpch/rts_cmd.h"
#include "probes/verdict/check_obs.h"

#define CHECK_MAGIC      0x4f414348u /* "OACH" */
#define CHECK_XFER_MAGIC 0x4f415846u /* "OAXF" */
#define CHECK_DEAD_MAGIC 0xdeadc0deu

/* Largest response header block accepted per response (giant headers). */
#define CHECK_HEADER_CAP (64u * 1024u)

/* X(enum suffix, printable name): the check's pipeline state. */
#define CHECK_STATES(X)                                                                     \
    X(INIT, "init")             /* built, not started */                                   \
    X(CONNECT, "connect")       /* connect step, unauthenticated echo, direct ports */     \
    X(AUTH_ECHO, "auth_echo")   /* authenticated echo (+ NTLM name discovery) */           \
    X(TUNNELS, "tunnels")       /* a tunnel and a bind per server x port */                \
    X(DRAIN, "drain")           /* pipeline decided; side transfers still running */       \
    X(DONE, "done")             /* result final */

enum check_state {
#define CHECK_STATE_ENUM(id, name) CHECK_ST_##id,
    CHECK_STATES(CHECK_STATE_ENUM)
#undef CHECK_STATE_ENUM
    CHECK_ST_COUNT
};

/* What a transfer is for. */
enum check_xfer_kind {
    CHECK_XK_CONNECT,     /* CONNECT_ONLY: DNS, TCP, TLS, the chain */
    CHECK_XK_DIRECT,      /* CONNECT_ONLY to a backend port on the host */
    CHECK_XK_ECHO_UNAUTH, /* echo without credentials: the offered schemes */
    CHECK_XK_ECHO_AUTH,   /* echo with the chosen scheme */
    CHECK_XK_NTLM_INFO,   /* NTLM NEGOTIATE only, to read the server's names */
    CHECK_XK_TUN_IN,      /* RPC_IN_DATA */
    CHECK_XK_TUN_OUT,     /* RPC_OUT_DATA */
};

/* Header-level capture of one transfer (filled by check_http.c). */
struct check_capture {
    bool in_headers;       /* inside a header block */
    bool interim;          /* the current block is a 1xx */
    bool final_done;       /* a non-1xx header block has ended */
    size_t header_bytes;   /* of the current block */
    unsigned status;       /* of the current/last block */
    bool is_401;
    struct wwwauth *offer;   /* challenges of the first 401 (echo transfers), or NULL */
    struct wwwauth *last401; /* challenges of the latest 401 (auth echo), or NULL */
    bool offer_done;         /* the first 401's block has ended */
    bool block_challenge;    /* the current block carries an NTLM/Negotiate token */
    bool block_close;        /* the current block says Connection: close */
    char line[CHECK_LINE_MAX]; /* the current block's status line */
    unsigned challenges;     /* 401 blocks carrying a challenge token */
    unsigned opened_at_challenge; /* sockets the transfer had opened at the first challenge */
    unsigned offer_raw;      /* CHTTP_OFFER_* bits named in the first 401 (plain scan) */
    bool cl_seen;            /* the current block had a Content-Length */
    unsigned long long cl;   /* ... its value */
};

struct check_tunnel;

/* One transfer: an easy handle and what it saw. */
struct check_xfer {
    uint32_t magic;
    struct check *chk;
    enum check_xfer_kind kind;
    unsigned index;             /* tunnel or direct-port index */
    struct check_tunnel *tun;   /* TUN_IN/TUN_OUT */
    CURL *easy;
    struct curl_slist *headers;
    struct check_socktag *socktag; /* socket callbacks' data (check_socktag.h) */
    bool in_multi;
    bool ended;
    int64_t deadline_ms;        /* absolute, monotonic */
    unsigned stage_cap_ms;      /* this stage's own limit inside the deadline; 0: none */
    char errbuf[CURL_ERROR_SIZE];
    struct check_capture cap;
    struct check_xfer_obs *obs; /* where the record goes (inside check->obs) */
    /* called when a non-1xx response's headers are complete; returning false
     * stops the transfer (the header callback then fails it) */
    bool (*on_headers)(struct check_xfer *x);
    uint8_t post[128];          /* request body for echo and OUT */
    size_t post_len;
    /* echo transfers: where the body and Content-Type go (inside check->obs) */
    uint8_t *body;              /* keep up to body_cap bytes */
    size_t body_cap, *body_len;
    uint64_t *body_total;
    char *ctype;
    size_t ctype_cap;
};

/* A running tunnel: its two channels and the OUT stream parser. */
struct check_tunnel {
    struct check *chk;
    unsigned index;
    struct check_tunnel_obs *obs;
    enum check_tun_state state;
    struct check_xfer *in, *out;
    struct rts_cookie vc, in_cookie, out_cookie, assoc;
    /* IN body queue: CONN/B1, later the bind */
    uint8_t in_queue[256];
    size_t in_len, in_off;
    bool in_paused;        /* the read callback returned CURL_READFUNC_PAUSE */
    bool in_body_started;  /* the read callback was called at least once */
    bool bind_queued;
    /* OUT stream */
    struct pdu_stream ps;
    uint8_t *ps_buf;
    bool out_200;
    int64_t t_start_ms;
};

struct check_gss;
struct tls_verdict;
struct trust_entry;

/* The engine object. */
struct check {
    uint32_t magic;
    /* options (owned copies) */
    char *host;
    char *servers_given[CHECK_MAX_SERVERS];
    size_t n_servers_given;
    uint16_t ports[CHECK_MAX_PORTS];
    size_t n_ports;
    char *user;
    char *password;             /* wiped and freed in check_free */
    size_t password_len;
    enum check_auth auth;
    enum check_depth depth;     /* the last layer run */
    struct curl_slist *resolve; /* CURLOPT_RESOLVE list */
    struct curl_slist *resolve_direct; /* + host:port:addr for the direct ports */
    char *cacert;
    struct check_trust *trust;  /* shared trust store (a reference), or NULL */
    struct trust_entry *trust_wait; /* the engine's cache entry being loaded for us */
    struct check *trust_next;   /* ... its other waiters */
    bool judge_deferred;        /* the chain waits for that store to be judged */
    bool trust_failed;          /* that store did not load (tls_verdict_why) */
    char *keytab;
    bool insecure, http, direct_ports;
    unsigned timeout_ms, cert_warn_days;
    int verbose;
    check_trace_fn trace;
    void *trace_arg;
    /* run state */
    CURLM *multi;
    enum check_state state;
    int64_t t0_ms, deadline_ms; /* CLOCK_MONOTONIC, ms */
    int64_t started_wall_ms;    /* CLOCK_REALTIME at start, for the result */
    unsigned running;           /* transfers in the multi */
    struct check_xfer *connect, *echo_unauth, *echo_auth, *ntlm_info;
    struct check_echo_obs ntlm_info_obs; /* name discovery: not part of the result */
    struct check_xfer *direct[CHECK_MAX_PORTS];
    struct check_tunnel *tunnels;
    struct check_gss *gss;
    CURLSH *tls_share;          /* the TLS session cache of its transfers (tls_shared's) */
    struct check_tls_share *tls_shared; /* its share (a reference, check_tlscache.c) */
    void *tls_chain;            /* STACK_OF(X509) * kept from the connect step */
    struct tls_verdict *tls_verdict; /* its judgement (check_tls.c), or NULL */
    char tls_verdict_why[CHECK_DETAIL_MAX]; /* why there is no verdict */
    /* results */
    struct check_obs obs;
    struct oa_result *result;
};

/* check.c: the pipeline's state (only check_set_state changes it; traced). */
void check_set_state(struct check *c, enum check_state to);
const char *check_state_name(enum check_state s);

#endif /* OAPROBE_CHECK_INT_H */
