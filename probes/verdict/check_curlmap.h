/*
 * check_curlmap.h: turn how a libcurl transfer ended (CURLcode, the
 * socket errno, which phases completed) into the engine's failure causes.
 *
 * This is the one place where CURLcode meets the diagnosis vocabulary: the
 * rest of the engine reasons about enum check_fail only (style.md habit 4:
 * failure causes are an enum, mapped at the library boundary). Pure code: no
 * I/O, no clock; the caller reads the CURLINFO values and passes them in.
 * The header needs no curl header; check_curlmap.c reads curl's for the
 * CURLE_* constants only (nothing here links libcurl).
 */
#ifndef OAPROBE_CHECK_CURLMAP_H
#define OAPROBE_CHECK_CURLMAP_H

#include <stdbool.h>

/* X(enum suffix, printable name) */
#define CHECK_FAILS(X)                                                                      \
    X(NONE, "none")                     /* the transfer ended as expected */                \
    X(DNS, "dns_failed")                /* the name did not resolve */                      \
    X(TCP_REFUSED, "tcp_refused")       /* RST: nothing listens, or a firewall rejects */   \
    X(TCP_TIMEOUT, "tcp_timeout")       /* no answer to SYN: filtered */                    \
    X(TCP_UNREACHABLE, "tcp_unreachable") /* ICMP unreachable, no route */                  \
    X(TLS, "tls_handshake_failed")      /* the TLS handshake failed */                      \
    X(TIMEOUT, "timeout")               /* the deadline fired in the phase given */         \
    X(CONN_LOST, "connection_lost")     /* the peer closed or reset mid-exchange */         \
    X(PROTOCOL, "protocol_error")       /* the peer's HTTP was malformed */                 \
    X(TOO_BIG, "too_big")               /* a response exceeded the engine's caps */         \
    X(ABORTED, "aborted")               /* the engine stopped the transfer on purpose */    \
    X(INTERNAL, "internal")             /* out of memory, bad option: not the target's fault */

enum check_fail {
#define CHECK_FAIL_ENUM(id, name) CHECK_FAIL_##id,
    CHECK_FAILS(CHECK_FAIL_ENUM)
#undef CHECK_FAIL_ENUM
    CHECK_FAIL_COUNT
};

/* X(enum suffix, printable name): how far a transfer got. */
#define CHECK_PHASES(X)                                                                     \
    X(DNS, "dns")            /* resolving the host name */                                  \
    X(TCP, "tcp")            /* TCP connect */                                              \
    X(TLS, "tls")            /* TLS handshake */                                            \
    X(HTTP, "http")          /* request sent, waiting for or reading the response */

enum check_phase {
#define CHECK_PHASE_ENUM(id, name) CHECK_PHASE_##id,
    CHECK_PHASES(CHECK_PHASE_ENUM)
#undef CHECK_PHASE_ENUM
    CHECK_PHASE_COUNT
};

/*
 * What the caller read from the easy handle when the transfer ended.
 * Times are CURLINFO_*_TIME_T values in microseconds (0 = phase not reached).
 */
struct check_curl_end {
    int rc;             /* the CURLMsg result: a CURLcode, as an int */
    long os_errno;      /* CURLINFO_OS_ERRNO */
    bool tls;           /* the scheme was https */
    long long t_dns_us;     /* CURLINFO_NAMELOOKUP_TIME_T */
    long long t_connect_us; /* CURLINFO_CONNECT_TIME_T */
    long long t_tls_us;     /* CURLINFO_APPCONNECT_TIME_T */
    long http_code;         /* CURLINFO_RESPONSE_CODE (0: no response) */
};

/*
 * check_phase_of: the phase a transfer was in when it ended: the first
 * phase whose completion time is 0. A transfer that got an HTTP status is in
 * CHECK_PHASE_HTTP.
 *   end [in] the transfer's end values (NULL gives CHECK_PHASE_DNS)
 */
enum check_phase check_phase_of(const struct check_curl_end *end);

/*
 * check_map_curl: classify a transfer's end.
 *   end [in] the end values; NULL gives CHECK_FAIL_INTERNAL
 * Returns CHECK_FAIL_NONE for CURLE_OK, otherwise the cause:
 *   COULDNT_RESOLVE_HOST -> DNS; COULDNT_CONNECT -> TCP_REFUSED,
 *   TCP_TIMEOUT (ETIMEDOUT) or TCP_UNREACHABLE (EHOSTUNREACH, ENETUNREACH);
 *   OPERATION_TIMEDOUT -> DNS/TCP_TIMEOUT when the name or the TCP connect
 *   never completed, else TIMEOUT (see check_phase_of for where);
 *   SSL_CONNECT_ERROR and the other handshake codes -> TLS;
 *   GOT_NOTHING, RECV_ERROR, SEND_ERROR, PARTIAL_FILE -> CONN_LOST;
 *   WEIRD_SERVER_REPLY, UNSUPPORTED_PROTOCOL (an HTTP/0.9 answer),
 *   BAD_CONTENT_ENCODING, HTTP2 errors -> PROTOCOL;
 *   FILESIZE_EXCEEDED -> TOO_BIG;
 *   WRITE_ERROR, READ_ERROR, ABORTED_BY_CALLBACK -> ABORTED (the engine's
 *   callbacks stopped it; the engine knows why);
 *   OUT_OF_MEMORY, bad options and everything else -> INTERNAL.
 */
enum check_fail check_map_curl(const struct check_curl_end *end);

/* check_fail_name: "dns_failed", ...; "unknown" out of range. Static string. */
const char *check_fail_name(enum check_fail f);

/* check_phase_name: "dns", "tcp", "tls", "http"; "unknown" out of range. */
const char *check_phase_name(enum check_phase p);

#endif /* OAPROBE_CHECK_CURLMAP_H */
