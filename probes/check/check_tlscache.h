/*
 * check_tlscache.h: TLS sessions kept from one check of a target to the
 * next (see check_tls_cache_new in check.h).
 *
 * A check gets a libcurl share (CURL_LOCK_DATA_SSL_SESSION) for its
 * transfers: its own, or the one of its options' struct check_tls_cache
 * when the cache's key (host with port, the SNI; plain HTTP or TLS; the CA
 * file, the shared trust store and --insecure) is the check's. A cache
 * whose key differs (the target's settings changed) starts a new share, so
 * a session is only resumed by checks with the same name, port and
 * verification settings. Shares are reference-counted: a share stays until
 * the last check using it is freed, even when its cache was freed or reset
 * meanwhile (libcurl refuses to clean up a share still set on an easy
 * handle). Engine thread only.
 */
#ifndef OAPROBE_CHECK_TLSCACHE_H
#define OAPROBE_CHECK_TLSCACHE_H

#include <stdbool.h>

#include <curl/curl.h>

struct check;
struct check_tls_cache;
struct check_tls_share;

/*
 * check_tlscache_attach: give c its share (c->tls_shared, c->tls_share):
 * the cache's when it has c's key, else a new one (kept by the cache when
 * there is one). c->tls_share stays NULL when libcurl cannot make a share:
 * every connection then does a full handshake. Plain HTTP: nothing.
 */
void check_tlscache_attach(struct check *c, struct check_tls_cache *cache);

/* check_tlscache_detach: drop c's reference (after its last easy handle
 * was cleaned up). */
void check_tlscache_detach(struct check *c);

/*
 * check_tls_handshake_note: a TLS handshake of a check completed (the
 * OpenSSL info callback at SSL_CB_HANDSHAKE_DONE, check_connect.c);
 * resumed is SSL_session_reused: the server accepted the session libcurl
 * offered. Counted for check_tls_cache_stats; any thread.
 */
void check_tls_handshake_note(bool resumed);

#endif /* OAPROBE_CHECK_TLSCACHE_H */
