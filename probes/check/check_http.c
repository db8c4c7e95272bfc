/*
 * check_http.c: common request setup and header capture (see check_http.h).
 */
#include "probes/check/check_http.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probes/auth/authcodec.h"
#include "probes/auth/ntlm_challenge.h"
#include "probes/check/check_connect.h"
#include "probes/check/check_gss.h"
#include "probes/check/check_int.h"
#include "probes/check/check_socktag.h"
#include "probes/check/check_xfer.h"
#include "probes/rpcerr/rpcerr.h"

_Static_assert(CHECK_ERROR_MAX >= CURL_ERROR_SIZE, "obs.error holds libcurl's error buffer");

const uint8_t chttp_echo_body[4] = {0xf8, 0xe8, 0x18, 0x08};

/* libcurl's own NEGOTIATE_MESSAGE (flags 0x00088206), no names, no secret. */
static const char ntlm_negotiate_b64[] = "TlRMTVNTUAABAAAABoIIAAAAAAAAAAAAAAAAAAAAAAA=";

/* Case-insensitive "does line start with name followed by ':'". */
static const char *header_value(const char *line, size_t len, const char *name, size_t *vlen)
{
    size_t n = strlen(name);
    if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
        return NULL;
    size_t i = n + 1;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    size_t end = len;
    while (end > i && (line[end - 1] == '\r' || line[end - 1] == '\n' || line[end - 1] == ' ' ||
                       line[end - 1] == '\t'))
        end--;
    *vlen = end - i;
    return line + i;
}

static void copy_line(char *dst, size_t cap, const char *src, size_t len)
{
    while (len > 0 && (src[len - 1] == '\r' || src[len - 1] == '\n'))
        len--;
    if (len >= cap)
        len = cap - 1;
    for (size_t i = 0; i < len; i++)
        dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
    dst[len] = '\0';
}

/* A status line starts a header block. */
static void on_status_line(struct check_xfer *x, const char *line, size_t len)
{
    struct check_capture *cap = &x->cap;
    struct rpcerr_line rl;
    unsigned status = 0;
    if (rpcerr_parse_line(line, len, &rl, NULL) >= 0)
        status = rl.status;
    else if (len >= 12 && isdigit((unsigned char)line[9]) && isdigit((unsigned char)line[10]) &&
             isdigit((unsigned char)line[11]))
        status = (unsigned)(line[9] - '0') * 100u + (unsigned)(line[10] - '0') * 10u +
                 (unsigned)(line[11] - '0');
    cap->in_headers = true;
    cap->header_bytes = len;
    cap->status = status;
    cap->interim = status >= 100 && status < 200;
    cap->is_401 = status == 401;
    cap->block_challenge = false;
    cap->block_close = false;
    cap->cl_seen = false;
    copy_line(cap->line, sizeof cap->line, line, len);
    if (cap->interim && status == 100)
        x->obs->saw_continue = true;
    if (cap->is_401 && cap->last401 != NULL)
        wwwauth_init(cap->last401);
}

/* A fault of the response: record it; the header callback then stops. */
static bool header_fault(struct check_xfer *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool header_fault(struct check_xfer *x, const char *fmt, ...)
{
    va_list ap;
    x->obs->fail = CHECK_FAIL_PROTOCOL;
    va_start(ap, fmt);
    vsnprintf(x->obs->detail, sizeof x->obs->detail, fmt, ap);
    va_end(ap);
    return false;
}

/* The scheme tokens of one WWW-Authenticate value (CHTTP_OFFER_* bits): the
 * first token of each comma-separated element that is not an auth-param
 * (name=value); quoted strings are skipped. */
static unsigned scan_schemes(const char *v, size_t len)
{
    static const struct {
        const char *name;
        unsigned bit;
    } known[] = {{"NTLM", CHTTP_OFFER_NTLM},
                 {"Basic", CHTTP_OFFER_BASIC},
                 {"Negotiate", CHTTP_OFFER_NEGOTIATE}};
    unsigned bits = 0;
    bool start = true;
    size_t i = 0;
    while (i < len) {
        char ch = v[i];
        if (ch == '"') {
            for (i++; i < len && v[i] != '"'; i++)
                if (v[i] == '\\')
                    i++;
            i++;
            start = false;
        } else if (ch == ',') {
            start = true;
            i++;
        } else if (ch == ' ' || ch == '\t' || !start) {
            i++;
        } else {
            size_t e = i;
            while (e < len && v[e] != ' ' && v[e] != '\t' && v[e] != ',' && v[e] != '=')
                e++;
            if (e >= len || v[e] != '=')
                for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
                    if (e - i == strlen(known[k].name) &&
                        strncasecmp(v + i, known[k].name, e - i) == 0)
                        bits |= known[k].bit;
            i = e;
            start = false;
        }
    }
    return bits;
}

/* libcurl 7.88 builds the NTLM AUTHENTICATE in a 1024-byte buffer: a 64-byte
 * header, the 24-byte LMv2 response, the NTLMv2 response (48 bytes plus the
 * CHALLENGE's target info), then domain, user and "WORKSTATION" in UTF-16.
 * Above that it fails ("incoming NTLM message too big") and leaks the NTLMv2
 * response, so the probe refuses such a CHALLENGE before libcurl answers. */
#define CURL_NTLM_BUFSIZE 1024u
#define CURL_NTLM_FIXED (64u + 24u + 48u)
#define CURL_NTLM_HOST_LEN 11u

/* Does x send an NTLM NEGOTIATE_MESSAGE, so that a CHALLENGE is its answer? */
static bool sends_ntlm(const struct check_xfer *x)
{
    if (x->kind == CHECK_XK_NTLM_INFO)
        return true;
    return x->chk->auth == CHECK_AUTH_NTLM &&
           (x->kind == CHECK_XK_ECHO_AUTH || x->kind == CHECK_XK_TUN_IN ||
            x->kind == CHECK_XK_TUN_OUT);
}

/* An NTLM token in a 401: false (a fault recorded) when it is unsolicited,
 * not a CHALLENGE_MESSAGE, or one libcurl cannot answer. A CHALLENGE whose
 * target info does not decode is left to the name discovery (check_echo.c),
 * which needs the names only when no --server is given. */
static bool ntlm_token_ok(struct check_xfer *x, const char *tok, size_t len)
{
    if (!sends_ntlm(x))
        return header_fault(x, "the 401 carries an NTLM token although no NTLM "
                               "NEGOTIATE_MESSAGE was sent (an unsolicited CHALLENGE)");
    uint8_t head[48];
    ssize_t n = len >= 64 ? authcodec_b64_decode(tok, 64, head, sizeof head, NULL) : -1;
    if (n < 12 || memcmp(head, "NTLMSSP\0\2\0\0\0", 12) != 0)
        return header_fault(x, "the NTLM token in the 401 is not a CHALLENGE_MESSAGE "
                               "(no NTLMSSP signature with message type 2)");
    if (x->kind == CHECK_XK_NTLM_INFO || n < 48)
        return true; /* nobody answers it / libcurl judges a short one */
    uint32_t flags = (uint32_t)head[20] | (uint32_t)head[21] << 8 | (uint32_t)head[22] << 16 |
                     (uint32_t)head[23] << 24;
    size_t ti = (size_t)head[40] | (size_t)head[41] << 8; /* TargetInfoFields.Len */
    size_t user = x->chk->user != NULL ? strlen(x->chk->user) : 0;
    if ((flags & NTLM_NEGOTIATE_TARGET_INFO) != 0 &&
        CURL_NTLM_FIXED + ti + 2u * (user + CURL_NTLM_HOST_LEN) >= CURL_NTLM_BUFSIZE)
        return header_fault(x,
                            "the NTLM CHALLENGE carries %zu bytes of target info: libcurl "
                            "cannot answer it (incoming NTLM message too big; its "
                            "AUTHENTICATE, with the %zu-character user name, is limited to "
                            "%u bytes)",
                            ti, user, CURL_NTLM_BUFSIZE);
    return true;
}

/* Content-Length: a second, different value is a fault (RFC 9112 6.3). */
static bool content_length_ok(struct check_xfer *x, const char *v, size_t vlen)
{
    struct check_capture *cap = &x->cap;
    unsigned long long n = 0;
    size_t i = 0;
    for (; i < vlen && i < 19 && v[i] >= '0' && v[i] <= '9'; i++)
        n = n * 10u + (unsigned)(v[i] - '0');
    if (i == 0 || i != vlen)
        return true; /* not a plain number: libcurl judges it */
    if (cap->cl_seen && cap->cl != n)
        return header_fault(x, "the response has two different Content-Length headers (%llu "
                               "and %llu)",
                            cap->cl, n);
    cap->cl_seen = true;
    cap->cl = n;
    return true;
}

static bool on_header_line(struct check_xfer *x, const char *line, size_t len)
{
    struct check_capture *cap = &x->cap;
    size_t vlen;
    const char *v;
    if ((v = header_value(line, len, "Content-Length", &vlen)) != NULL &&
        !content_length_ok(x, v, vlen))
        return false;
    if (cap->is_401) {
        if ((v = header_value(line, len, "WWW-Authenticate", &vlen)) != NULL) {
            if (vlen > 5 && strncasecmp(v, "NTLM ", 5) == 0) {
                cap->block_challenge = true;
                x->obs->ntlm_challenge = true;
                if (!ntlm_token_ok(x, v + 5, vlen - 5))
                    return false;
            }
            if (cap->offer != NULL && !cap->offer_done)
                cap->offer_raw |= scan_schemes(v, vlen);
            if (vlen > 10 && strncasecmp(v, "Negotiate ", 10) == 0)
                cap->block_challenge = true;
            if (cap->offer != NULL && !cap->offer_done)
                (void)wwwauth_add_line(cap->offer, line, len, NULL);
            if (cap->last401 != NULL)
                (void)wwwauth_add_line(cap->last401, line, len, NULL);
        }
        if ((v = header_value(line, len, "Connection", &vlen)) != NULL && vlen >= 5 &&
            strncasecmp(v, "close", 5) == 0)
            cap->block_close = true;
    }
    if (x->ctype != NULL && (v = header_value(line, len, "Content-Type", &vlen)) != NULL)
        copy_line(x->ctype, x->ctype_cap, v, vlen);
    return true;
}

/* Does the engine send this transfer's Authorization itself (Negotiate)? */
static bool own_token(const struct check_xfer *x)
{
    return x->chk->auth == CHECK_AUTH_NEGOTIATE &&
           (x->kind == CHECK_XK_ECHO_AUTH || x->kind == CHECK_XK_TUN_IN ||
            x->kind == CHECK_XK_TUN_OUT);
}

/* Returns false when the transfer should stop here. */
static bool on_block_end(struct check_xfer *x)
{
    struct check_capture *cap = &x->cap;
    cap->in_headers = false;
    if (cap->block_challenge && cap->block_close)
        x->obs->close_after_challenge = true;
    if (cap->is_401 && cap->offer != NULL)
        cap->offer_done = true;
    if (cap->interim)
        return true;
    x->obs->responses++;
    unsigned opened = check_socktag_opened(x->socktag);
    if (cap->is_401 && cap->block_challenge && ++cap->challenges == 1)
        cap->opened_at_challenge = opened;
    if (cap->is_401 && cap->block_challenge && cap->challenges > 1 &&
        opened == cap->opened_at_challenge) {
        /* a new challenge on the connection that carried the AUTHENTICATE:
         * the server refused it and started over (libcurl would answer again
         * and again): a final 401 */
        x->obs->status = cap->status;
        memcpy(x->obs->status_line, cap->line, sizeof x->obs->status_line);
        cap->final_done = true;
        x->obs->rechallenged = true;
        return false;
    }
    if (cap->is_401 && cap->block_challenge && cap->challenges > 1) {
        /* a second challenge: libcurl had to start the handshake over on a
         * new connection because the last one was closed after the challenge
         * (it would loop until the deadline) */
        x->obs->close_after_challenge = true;
        x->obs->fail = CHECK_FAIL_CONN_LOST;
        snprintf(x->obs->detail, sizeof x->obs->detail,
                 "the connection was closed after the authentication challenge; the "
                 "handshake started over on connection %u",
                 cap->challenges);
        return false;
    }
    /* a 401 carrying a challenge token on an open connection is an auth leg:
     * libcurl answers it; it is not the transfer's final response (except
     * with Negotiate, whose one token the engine sends itself) */
    if (cap->is_401 && cap->block_challenge && !cap->block_close && !own_token(x))
        return true;
    x->obs->status = cap->status;
    memcpy(x->obs->status_line, cap->line, sizeof x->obs->status_line);
    cap->final_done = true;
    return x->on_headers != NULL ? x->on_headers(x) : true;
}

static size_t header_cb(char *buf, size_t size, size_t n, void *ud)
{
    return chttp_header_line(ud, buf, size * n);
}

size_t chttp_header_line(struct check_xfer *x, const char *buf, size_t len)
{
    if (x == NULL || x->magic != CHECK_XFER_MAGIC || (buf == NULL && len > 0))
        return 0;
    if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
        on_status_line(x, buf, len);
    } else if (len <= 2 && (len == 0 || buf[0] == '\r' || buf[0] == '\n')) {
        return on_block_end(x) ? len : 0;
    } else if (!on_header_line(x, buf, len)) {
        return 0; /* CURLE_WRITE_ERROR: the fault is recorded */
    }
    x->cap.header_bytes += len;
    if (x->cap.header_bytes > CHECK_HEADER_CAP) {
        x->obs->headers_too_big = true;
        snprintf(x->obs->detail, sizeof x->obs->detail, "response headers exceed %u bytes",
                 CHECK_HEADER_CAP);
        return 0; /* CURLE_WRITE_ERROR: stop reading */
    }
    return len;
}

/*
 * libcurl's informational text is the only place it says that a response
 * carried bytes past its Content-Length ("Excess found in a read: excess =
 * N, ..."): it drops them and closes the connection. The engine turns that
 * into a protocol fault of the transfer.
 */
static void note_excess(struct check_xfer *x, const char *data, size_t size)
{
    static const char tag[] = "Excess found";
    if (size < sizeof tag - 1 || memcmp(data, tag, sizeof tag - 1) != 0 ||
        x->obs->fail != CHECK_FAIL_NONE)
        return;
    const char *e = memchr(data, '=', size);
    unsigned long long n = 0;
    if (e != NULL)
        for (e++; e < data + size && *e == ' '; e++)
            ;
    for (; e != NULL && e < data + size && *e >= '0' && *e <= '9' && n < 1000000000ull; e++)
        n = n * 10u + (unsigned)(*e - '0');
    x->obs->fail = CHECK_FAIL_PROTOCOL;
    snprintf(x->obs->detail, sizeof x->obs->detail,
             "the response carried %llu bytes past the end of its body (Content-Length)", n);
}

/* libcurl's trace: excess data noted (echo transfers); with -vv every line
 * traced, the Authorization values redacted. */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
    struct check_xfer *x = ud;
    (void)h;
    if (x == NULL || x->magic != CHECK_XFER_MAGIC)
        return 0;
    if (type == CURLINFO_TEXT)
        note_excess(x, data, size);
    if (x->chk->verbose < 2 || x->chk->trace == NULL)
        return 0;
    const char *dir = type == CURLINFO_HEADER_OUT  ? "> "
                      : type == CURLINFO_HEADER_IN ? "< "
                      : type == CURLINFO_TEXT      ? "* "
                                                   : NULL;
    if (dir == NULL)
        return 0;
    size_t i = 0;
    while (i < size) {
        size_t e = i;
        while (e < size && data[e] != '\n')
            e++;
        size_t l = e - i;
        while (l > 0 && (data[i + l - 1] == '\r'))
            l--;
        if (l > 0) {
            const char *line = data + i;
            int shown = (int)(l > 300 ? 300 : l);
            if ((l > 14 && strncasecmp(line, "Authorization:", 14) == 0) ||
                (l > 20 && strncasecmp(line, "Proxy-Authorization:", 20) == 0)) {
                const char *sp = memchr(line, ':', l);
                int name_len = (int)(sp - line);
                check_tracef(x->chk, "[%s] %s%.*s: <redacted, %zu bytes>",
                             check_xfer_kind_name(x->kind), dir, name_len, line, l);
            } else {
                check_tracef(x->chk, "[%s] %s%.*s%s", check_xfer_kind_name(x->kind), dir, shown,
                             line, l > 300 ? "..." : "");
            }
        }
        i = e + 1;
    }
    return 0;
}

int chttp_common(struct check_xfer *x)
{
    struct check *c = x->chk;
    CURL *h = x->easy;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(h, opt, val);                                                    \
    } while (0)
    SET(CURLOPT_PRIVATE, (void *)x);
    SET(CURLOPT_ERRORBUFFER, x->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_NOPROGRESS, 1L);
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_PROXY, ""); /* never an http(s)_proxy from the environment */
    SET(CURLOPT_FRESH_CONNECT, 1L);
    SET(CURLOPT_FORBID_REUSE, 1L);
    SET(CURLOPT_SSL_VERIFYPEER, 0L);
    SET(CURLOPT_SSL_VERIFYHOST, 0L);
    /* the check's TLS session cache (c->tls_share, check_tlscache.c): its
     * connections resume the session of its first handshakes, or of the
     * target's previous check (the connect step turns it off again) */
    SET(CURLOPT_SSL_SESSIONID_CACHE, c->tls_share != NULL ? 1L : 0L);
    if (c->tls_share != NULL)
        SET(CURLOPT_SHARE, c->tls_share);
    if (!c->http) { /* counts its handshakes, resumed or not (check_connect.c) */
        SET(CURLOPT_SSL_CTX_FUNCTION, check_tls_ctx_cb);
        SET(CURLOPT_SSL_CTX_DATA, (void *)x);
    }
    SET(CURLOPT_TCP_NODELAY, 1L);
    if (rc == CURLE_OK && x->socktag == NULL) {
        x->socktag = check_socktag_new(x->obs);
        if (x->socktag == NULL)
            return -1;
    }
    if (rc == CURLE_OK)
        rc = check_socktag_setopts(h, x->socktag);
    SET(CURLOPT_HEADERFUNCTION, header_cb);
    SET(CURLOPT_HEADERDATA, (void *)x);
    if (x->kind == CHECK_XK_DIRECT) {
        if (c->resolve_direct != NULL)
            SET(CURLOPT_RESOLVE, c->resolve_direct);
    } else if (c->resolve != NULL) {
        SET(CURLOPT_RESOLVE, c->resolve);
    }
    /* the echoes always (their bodies are judged: see note_excess), every
     * transfer with -vv; libcurl's informational text costs CPU, so the
     * tunnels (1 GB Content-Length, streamed) go without it otherwise */
    bool echo = x->kind == CHECK_XK_ECHO_UNAUTH || x->kind == CHECK_XK_ECHO_AUTH ||
                x->kind == CHECK_XK_NTLM_INFO;
    if (echo || (c->verbose >= 2 && c->trace != NULL)) {
        SET(CURLOPT_DEBUGFUNCTION, debug_cb);
        SET(CURLOPT_DEBUGDATA, (void *)x);
        SET(CURLOPT_VERBOSE, 1L);
    }
#undef SET
    return rc == CURLE_OK ? 0 : -1;
}

int chttp_authority(const char *host, unsigned port, char *buf, size_t cap)
{
    bool v6 = strchr(host, ':') != NULL;
    char portpart[12] = "";
    if (port != 0)
        snprintf(portpart, sizeof portpart, ":%u", port);
    int n = snprintf(buf, cap, "%s%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "", portpart);
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

int chttp_url(const struct check *c, const char *server, unsigned port, char *buf, size_t cap)
{
    const char *scheme = c->http ? "http" : "https";
    unsigned dflt = c->http ? 80u : 443u;
    char authority[CHECK_NAME_MAX + 8];
    if (chttp_authority(c->host, c->obs.port != dflt ? c->obs.port : 0, authority,
                        sizeof authority) < 0)
        return -1;
    int n;
    if (server == NULL)
        n = snprintf(buf, cap, "%s://%s/", scheme, authority);
    else
        n = snprintf(buf, cap, "%s://%s/rpc/rpcproxy.dll?%s:%u", scheme, authority, server, port);
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

/* The MS-RPCH headers (rpc-over-http.md 1.2, 1.4); no Content-Type. */
static int rpc_headers(struct check_xfer *x, bool expect)
{
    static const char *const hdrs[] = {
        "Accept: application/rpc", "Cache-Control: no-cache", "Connection: Keep-Alive",
        "Pragma: No-cache",        "User-Agent: MSRPC",       "Content-Type:",
    };
    struct curl_slist *l = NULL;
    for (size_t i = 0; i < sizeof hdrs / sizeof hdrs[0]; i++) {
        struct curl_slist *t = curl_slist_append(l, hdrs[i]);
        if (t == NULL)
            goto fail;
        l = t;
    }
    if (!expect) {
        /* libcurl adds Expect: 100-continue above 1 MB only; say so explicitly */
        struct curl_slist *t = curl_slist_append(l, "Expect:");
        if (t == NULL)
            goto fail;
        l = t;
    }
    curl_slist_free_all(x->headers);
    x->headers = l;
    return curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, l) == CURLE_OK ? 0 : -1;
fail:
    curl_slist_free_all(l);
    return -1;
}

int chttp_rpc_request(struct check_xfer *x, const char *method, const char *url,
                      const uint8_t *body, size_t body_len)
{
    if (body_len > sizeof x->post)
        return -1;
    if (body_len > 0)
        memcpy(x->post, body, body_len);
    x->post_len = body_len;
    if (rpc_headers(x, false) < 0)
        return -1;
    CURLcode rc = curl_easy_setopt(x->easy, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, (void *)x->post);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, method);
    return rc == CURLE_OK ? 0 : -1;
}

int chttp_rpc_stream(struct check_xfer *x, const char *url, curl_off_t content_length,
                     curl_read_callback read_cb, void *arg)
{
    if (rpc_headers(x, true) < 0)
        return -1;
    CURLcode rc = curl_easy_setopt(x->easy, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(x->easy, CURLOPT_POST, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE, content_length);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(x->easy, CURLOPT_READFUNCTION, read_cb);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(x->easy, CURLOPT_READDATA, arg);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(x->easy, CURLOPT_CUSTOMREQUEST, "RPC_IN_DATA");
    return rc == CURLE_OK ? 0 : -1;
}

int chttp_auth(struct check_xfer *x)
{
    struct check *c = x->chk;
    if (c->auth == CHECK_AUTH_NEGOTIATE) {
        /* the engine's own token from the identity's credential handle
         * (check_gss.c); libcurl's Negotiate and its default cache stay out */
        if (check_gss_header(c, &x->headers) < 0)
            return -1;
        return curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers) == CURLE_OK ? 0 : -1;
    }
    long scheme = c->auth == CHECK_AUTH_BASIC ? (long)CURLAUTH_BASIC : (long)CURLAUTH_NTLM;
    CURLcode rc = curl_easy_setopt(x->easy, CURLOPT_HTTPAUTH, scheme);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(x->easy, CURLOPT_USERNAME, c->user != NULL ? c->user : "");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(x->easy, CURLOPT_PASSWORD, c->password != NULL ? c->password : "");
    return rc == CURLE_OK ? 0 : -1;
}

int chttp_ntlm_negotiate(struct check_xfer *x)
{
    char line[96];
    snprintf(line, sizeof line, "Authorization: NTLM %s", ntlm_negotiate_b64);
    struct curl_slist *t = curl_slist_append(x->headers, line);
    if (t == NULL)
        return -1;
    x->headers = t;
    return curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, t) == CURLE_OK ? 0 : -1;
}

void chttp_collect(struct check_xfer *x, CURLcode rc)
{
    struct check_xfer_obs *o = x->obs;
    CURL *h = x->easy;
    curl_off_t t = 0;
    long l = 0;
    char *ip = NULL;
    o->rc = rc;
    if (x->errbuf[0] != '\0' && o->error[0] == '\0')
        copy_line(o->error, sizeof o->error, x->errbuf, strlen(x->errbuf));
    else if (rc != CURLE_OK && o->error[0] == '\0')
        snprintf(o->error, sizeof o->error, "%s", curl_easy_strerror(rc));
    if (curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &l) == CURLE_OK)
        o->os_errno = l;
    if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &l) == CURLE_OK)
        o->num_connects = l;
    if (curl_easy_getinfo(h, CURLINFO_NAMELOOKUP_TIME_T, &t) == CURLE_OK)
        o->t_dns_us = (long long)t;
    if (curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &t) == CURLE_OK)
        o->t_connect_us = (long long)t;
    if (curl_easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &t) == CURLE_OK)
        o->t_tls_us = (long long)t;
    if (curl_easy_getinfo(h, CURLINFO_STARTTRANSFER_TIME_T, &t) == CURLE_OK)
        o->t_first_byte_us = (long long)t;
    if (curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &t) == CURLE_OK)
        o->t_total_us = (long long)t;
    if (curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != NULL)
        snprintf(o->ip, sizeof o->ip, "%s", ip);
    struct check_curl_end end = {
        .rc = rc,
        .os_errno = o->os_errno,
        .tls = !x->chk->http,
        .t_dns_us = o->t_dns_us,
        .t_connect_us = o->t_connect_us > 0 ? o->t_connect_us
                        : o->tcp_connected  ? 1
                                            : 0,
        .t_tls_us = o->t_tls_us > 0 ? o->t_tls_us
                    : o->tls_done   ? 1
                                    : 0,
        .http_code = (long)o->status,
    };
    if (rc == CURLE_OUT_OF_MEMORY && x->cap.in_headers && o->fail == CHECK_FAIL_NONE) {
        /* libcurl refuses a header line above 100 KB with "out of memory" */
        o->fail = CHECK_FAIL_TOO_BIG;
        snprintf(o->detail, sizeof o->detail,
                 "a response header line is longer than libcurl accepts (100 KB)");
    }
    if (o->headers_too_big)
        o->fail = CHECK_FAIL_TOO_BIG;
    else if (o->fail == CHECK_FAIL_NONE)
        o->fail = check_map_curl(&end);
    o->phase = check_phase_of(&end);
    o->done = true;
}

int chttp_capture_init(struct check_xfer *x, bool offer, bool last401)
{
    if (offer) {
        x->cap.offer = malloc(sizeof *x->cap.offer);
        if (x->cap.offer == NULL)
            return -1;
        wwwauth_init(x->cap.offer);
    }
    if (last401) {
        x->cap.last401 = malloc(sizeof *x->cap.last401);
        if (x->cap.last401 == NULL)
            return -1;
        wwwauth_init(x->cap.last401);
    }
    return 0;
}

void chttp_capture_free(struct check_xfer *x)
{
    free(x->cap.offer);
    free(x->cap.last401);
    x->cap.offer = NULL;
    x->cap.last401 = NULL;
}
