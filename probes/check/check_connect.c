/*
 * check_connect.c: connect step and direct port checks (see check_connect.h).
 */
#include "probes/check/check_connect.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "probes/check/check_http.h"
#include "probes/check/check_int.h"
#include "probes/check/check_tls.h"
#include "probes/check/check_tlscache.h"
#include "probes/check/check_xfer.h"

static pthread_once_t ex_once = PTHREAD_ONCE_INIT;
static int ex_index = -1;

static void ex_init(void)
{
    ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* OpenSSL info callback: at every handshake's end, count it (resumed or
 * full); at the connect step's, keep version, cipher and chain. (TLS 1.3
 * post-handshake messages, session tickets, do not signal
 * SSL_CB_HANDSHAKE_DONE again.) */
static void info_cb(const SSL *ssl, int where, int ret)
{
    (void)ret;
    if (!(where & SSL_CB_HANDSHAKE_DONE) || ex_index < 0)
        return;
    struct check_xfer *x = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_index);
    if (x == NULL || x->magic != CHECK_XFER_MAGIC)
        return;
    check_tls_handshake_note(SSL_session_reused(ssl) == 1);
    if (x->kind != CHECK_XK_CONNECT)
        return;
    struct check *c = x->chk;
    struct check_connect_obs *o = &c->obs.connect;
    o->x.tls_done = true;
    o->x.tcp_connected = true;
    snprintf(o->tls_version, sizeof o->tls_version, "%s", SSL_get_version(ssl));
    const char *cipher = SSL_get_cipher_name(ssl);
    snprintf(o->tls_cipher, sizeof o->tls_cipher, "%s", cipher != NULL ? cipher : "");
    if (c->tls_chain != NULL)
        return;
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    if (chain == NULL)
        return;
    STACK_OF(X509) *copy = sk_X509_new_null();
    if (copy == NULL)
        return;
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *cert = sk_X509_value(chain, i);
        if (X509_up_ref(cert) != 1)
            break;
        if (sk_X509_push(copy, cert) <= 0) {
            X509_free(cert);
            break;
        }
    }
    o->chain_len = (unsigned)sk_X509_num(copy);
    c->tls_chain = copy;
}

CURLcode check_tls_ctx_cb(CURL *h, void *sslctx, void *arg)
{
    (void)h;
    (void)pthread_once(&ex_once, ex_init);
    if (ex_index < 0 || SSL_CTX_set_ex_data(sslctx, ex_index, arg) != 1)
        return CURLE_OK; /* no chain then; the verdict says so */
    SSL_CTX_set_info_callback(sslctx, info_cb);
    return CURLE_OK;
}

int check_connect_start(struct check *c)
{
    struct check_xfer_obs *obs = &c->obs.connect.x;
    char url[CHECK_NAME_MAX + 32];
    if (chttp_url(c, NULL, 0, url, sizeof url) < 0)
        return -1;
    (void)pthread_once(&ex_once, ex_init);
    struct check_xfer *x = check_xfer_new(c, CHECK_XK_CONNECT, obs);
    if (x == NULL) {
        obs->ran = obs->done = true;
        obs->fail = CHECK_FAIL_INTERNAL;
        snprintf(obs->detail, sizeof obs->detail, "could not create the connect transfer");
        return -1;
    }
    CURLcode rc = curl_easy_setopt(x->easy, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(x->easy, CURLOPT_CONNECT_ONLY, 1L);
    if (rc == CURLE_OK && !c->http) /* a full handshake: the chain is judged every check */
        rc = curl_easy_setopt(x->easy, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    if (rc == CURLE_OK && !c->http) {
        rc = curl_easy_setopt(x->easy, CURLOPT_SSL_CTX_FUNCTION, check_tls_ctx_cb);
        if (rc == CURLE_OK)
            rc = curl_easy_setopt(x->easy, CURLOPT_SSL_CTX_DATA, (void *)x);
    }
    if (rc != CURLE_OK || check_xfer_add(x) < 0) {
        if (!obs->done) {
            obs->ran = obs->done = true;
            obs->fail = CHECK_FAIL_INTERNAL;
            snprintf(obs->detail, sizeof obs->detail, "libcurl refused the connect options");
        }
        check_xfer_free(x);
        return -1;
    }
    c->connect = x;
    return 0;
}

void check_connect_done(struct check_xfer *x)
{
    struct check *c = x->chk;
    if (c->http || x->obs->fail != CHECK_FAIL_NONE)
        return;
    check_tls_judge(c);
}

/*
 * The direct check connects and reads what the port says first: an
 * ncacn_http endpoint greets with "ncacn_http/1.0". libcurl has no
 * "connect and read" mode in the multi interface, so the transfer is an HTTP
 * request with HTTP/0.9 answers allowed: the banner arrives as an HTTP/0.9
 * body, is kept, and the transfer is stopped. (The endpoint reads the request
 * line as a malformed PDU and drops it; nothing else is sent.)
 */
static size_t banner_cb(char *data, size_t size, size_t n, void *ud)
{
    struct check_xfer *x = ud;
    size_t len = size * n;
    if (x == NULL || x->magic != CHECK_XFER_MAGIC || x->kind != CHECK_XK_DIRECT)
        return CURL_WRITEFUNC_ERROR;
    struct check_direct_obs *d = &x->chk->obs.direct[x->index];
    size_t have = strlen(d->banner), room = sizeof d->banner - 1 - have;
    for (size_t i = 0; i < len && room > 0; i++, room--)
        d->banner[have++] = (data[i] >= 0x20 && data[i] < 0x7f) ? data[i] : '.';
    d->banner[have] = '\0';
    x->obs->tcp_connected = true;
    return have >= 14 || room == 0 ? CURL_WRITEFUNC_ERROR : len;
}

int check_direct_start(struct check *c)
{
    int rc = 0;
    c->obs.n_direct = c->n_ports;
    for (size_t i = 0; i < c->n_ports; i++) {
        struct check_direct_obs *d = &c->obs.direct[i];
        d->port = c->ports[i];
        char authority[CHECK_NAME_MAX + 8], url[CHECK_NAME_MAX + 32];
        struct check_xfer *x = NULL;
        if (chttp_authority(c->host, c->ports[i], authority, sizeof authority) == 0) {
            snprintf(url, sizeof url, "http://%s/", authority);
            x = check_xfer_new(c, CHECK_XK_DIRECT, &d->x);
        }
        bool ok = x != NULL && curl_easy_setopt(x->easy, CURLOPT_URL, url) == CURLE_OK &&
                  curl_easy_setopt(x->easy, CURLOPT_HTTP09_ALLOWED, 1L) == CURLE_OK &&
                  curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, banner_cb) == CURLE_OK &&
                  curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, (void *)x) == CURLE_OK;
        if (!ok) {
            d->x.ran = d->x.done = true;
            d->x.fail = CHECK_FAIL_INTERNAL;
            check_xfer_free(x);
            rc = -1;
            continue;
        }
        x->index = (unsigned)i;
        x->stage_cap_ms = CHECK_DIRECT_WAIT_MS;
        if (check_xfer_add(x) < 0) {
            check_xfer_free(x);
            rc = -1;
            continue;
        }
        c->direct[i] = x;
    }
    return rc;
}

void check_direct_done(struct check_xfer *x)
{
    struct check_xfer_obs *o = x->obs;
    /* stopped by banner_cb, or the port closed after its greeting: connected */
    if (o->tcp_connected && (o->fail == CHECK_FAIL_ABORTED || o->fail == CHECK_FAIL_CONN_LOST ||
                             o->fail == CHECK_FAIL_TIMEOUT || o->fail == CHECK_FAIL_PROTOCOL))
        o->fail = CHECK_FAIL_NONE;
}

void check_connect_free(struct check *c)
{
    if (c == NULL)
        return;
    if (c->tls_chain != NULL) {
        sk_X509_pop_free((STACK_OF(X509) *)c->tls_chain, X509_free);
        c->tls_chain = NULL;
    }
    check_tls_free(c);
}
