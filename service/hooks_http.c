/*
 * hooks_http.c: the HTTP deliveries of alerting (Alertmanager, webhooks) as
 * foreign transfers on the loop's multi: a JSON POST with the hook's
 * headers and timeout, no redirects, http and https only, the first
 * HOOKS_RESPONSE_MAX bytes of the answer kept and the rest dropped. The one
 * file of alerting that speaks libcurl (see hooks.h, hooks_int.h).
 */
#include "service/hooks_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "service/loop.h"

#define HOOKS_UA "oaprobe-alerts"

static struct curl_slist *json_headers(const struct cfg_header *hd, size_t n)
{
    struct curl_slist *l = curl_slist_append(NULL, "Content-Type: application/json");
    for (size_t i = 0; l != NULL && i < n; i++) {
        size_t sz = strlen(hd[i].name) + strlen(hd[i].value) + 3;
        char *line = malloc(sz);
        if (line == NULL) {
            curl_slist_free_all(l);
            return NULL;
        }
        snprintf(line, sz, "%s: %s", hd[i].name, hd[i].value);
        struct curl_slist *nl = curl_slist_append(l, line);
        explicit_bzero(line, sz);
        free(line);
        if (nl == NULL) {
            curl_slist_free_all(l);
            return NULL;
        }
        l = nl;
    }
    return l;
}

int hooks_http_headers(struct delivery *d, const struct cfg_header *hd, size_t n)
{
    d->headers = json_headers(hd, n);
    return d->headers != NULL ? 0 : -1;
}

void hooks_http_cancel(struct delivery *d)
{
    if (d->easy != NULL) {
        loop_xfer_cancel(d->h->l, d->easy);
        curl_easy_cleanup(d->easy);
        d->easy = NULL;
    }
    curl_slist_free_all(d->headers);
    d->headers = NULL;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct delivery *d = arg;
    size_t len = size * n;
    size_t room = sizeof d->resp - d->resp_len;
    size_t take = len < room ? len : room;
    memcpy(d->resp + d->resp_len, data, take);
    d->resp_len += take;
    return len; /* the rest is read and dropped: bounded memory */
}

static void xfer_done(void *arg, CURL *easy, CURLcode rc)
{
    struct delivery *d = arg;
    d->easy = NULL;
    long code = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(easy);
    char why[160];
    bool ok = rc == CURLE_OK && code >= 200 && code < 300;
    if (rc != CURLE_OK)
        snprintf(why, sizeof why, "%s", curl_easy_strerror(rc));
    else
        snprintf(why, sizeof why, "HTTP %ld", code);
    hooks_attempt_done(d, ok, code > 0 ? (int)code : -1, why);
}

int hooks_http_start(struct delivery *d, char *why, size_t len)
{
    CURL *e = curl_easy_init();
    if (e == NULL) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    d->resp_len = 0;
    curl_easy_setopt(e, CURLOPT_URL, d->url);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, d->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)d->len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, (struct curl_slist *)d->headers);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)d->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)d->timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, HOOKS_UA);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, d);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    if (loop_xfer_add(d->h->l, e, xfer_done, d) != 0) {
        curl_easy_cleanup(e);
        snprintf(why, len, "cannot add the transfer");
        return -1;
    }
    d->easy = e;
    return 0;
}

