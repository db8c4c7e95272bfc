/*
 * check_curlmap.c: CURLcode + phase -> enum check_fail (see check_curlmap.h).
 */
#include "probes/verdict/check_curlmap.h"

#include <errno.h>
#include <stddef.h>

#include <curl/curl.h> /* CURLE_* constants only; nothing is linked */

static const char *const fail_names[] = {
#define CHECK_FAIL_NAME(id, name) name,
    CHECK_FAILS(CHECK_FAIL_NAME)
#undef CHECK_FAIL_NAME
};

static const char *const phase_names[] = {
#define CHECK_PHASE_NAME(id, name) name,
    CHECK_PHASES(CHECK_PHASE_NAME)
#undef CHECK_PHASE_NAME
};

const char *check_fail_name(enum check_fail f)
{
    if ((unsigned)f >= CHECK_FAIL_COUNT)
        return "unknown";
    return fail_names[f];
}

const char *check_phase_name(enum check_phase p)
{
    if ((unsigned)p >= CHECK_PHASE_COUNT)
        return "unknown";
    return phase_names[p];
}

enum check_phase check_phase_of(const struct check_curl_end *end)
{
    if (end == NULL)
        return CHECK_PHASE_DNS;
    if (end->http_code > 0)
        return CHECK_PHASE_HTTP;
    if (end->t_dns_us <= 0 && end->t_connect_us <= 0)
        return CHECK_PHASE_DNS;
    if (end->t_connect_us <= 0)
        return CHECK_PHASE_TCP;
    if (end->tls && end->t_tls_us <= 0)
        return CHECK_PHASE_TLS;
    return CHECK_PHASE_HTTP;
}

/* COULDNT_CONNECT: tell a refusal from silence by the socket's errno. */
static enum check_fail map_connect(long os_errno)
{
    switch (os_errno) {
    case ETIMEDOUT:
        return CHECK_FAIL_TCP_TIMEOUT;
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
        return CHECK_FAIL_TCP_UNREACHABLE;
    default:
        return CHECK_FAIL_TCP_REFUSED;
    }
}

static enum check_fail map_timeout(const struct check_curl_end *end)
{
    switch (check_phase_of(end)) {
    case CHECK_PHASE_DNS:
        return CHECK_FAIL_DNS;
    case CHECK_PHASE_TCP:
        return CHECK_FAIL_TCP_TIMEOUT;
    default:
        return CHECK_FAIL_TIMEOUT;
    }
}

enum check_fail check_map_curl(const struct check_curl_end *end)
{
    if (end == NULL)
        return CHECK_FAIL_INTERNAL;
    switch (end->rc) {
    case CURLE_OK:
        return CHECK_FAIL_NONE;
    case CURLE_COULDNT_RESOLVE_HOST:
        return CHECK_FAIL_DNS;
    case CURLE_COULDNT_CONNECT:
        return map_connect(end->os_errno);
    case CURLE_OPERATION_TIMEDOUT:
        return map_timeout(end);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_SSL_SHUTDOWN_FAILED:
        return CHECK_FAIL_TLS;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
        return CHECK_FAIL_CONN_LOST;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP_RETURNED_ERROR:
    case CURLE_RANGE_ERROR:
        return CHECK_FAIL_PROTOCOL;
    case CURLE_FILESIZE_EXCEEDED:
        return CHECK_FAIL_TOO_BIG;
    case CURLE_WRITE_ERROR:
    case CURLE_READ_ERROR:
    case CURLE_ABORTED_BY_CALLBACK:
        return CHECK_FAIL_ABORTED;
    default:
        return CHECK_FAIL_INTERNAL;
    }
}
