/*
 * check_connect.h: the connect step (DNS, TCP, TLS and the presented
 * certificate chain) and the optional direct TCP checks of the backend ports.
 *
 * The connect step is a CURLOPT_CONNECT_ONLY transfer with TLS verification
 * off. An OpenSSL info callback installed through CURLOPT_SSL_CTX_FUNCTION
 * records the negotiated version, cipher and the chain as presented when the
 * handshake completes (libcurl detaches the SSL object before the transfer's
 * CURLMSG_DONE, so CURLINFO_TLS_SSL_PTR is no longer usable there). The chain
 * is then judged against the system store or --cacert.
 */
#ifndef OAPROBE_CHECK_CONNECT_H
#define OAPROBE_CHECK_CONNECT_H

#include <stdbool.h>

#include "probes/check/check_int.h"

/*
 * check_tls_ctx_cb: the CURLOPT_SSL_CTX_FUNCTION of every HTTPS transfer
 * of a check (arg: its struct check_xfer): installs the info callback
 * that counts each completed handshake, resumed or full
 * (check_tls_handshake_note), and at the connect step keeps version,
 * cipher and chain.
 */
CURLcode check_tls_ctx_cb(CURL *h, void *sslctx, void *arg);

/* check_connect_start: add the connect-step transfer. Returns 0 or -1. */
int check_connect_start(struct check *c);

/* check_connect_done: the connect step ended (x->obs already collected). */
void check_connect_done(struct check_xfer *x);

/* How long a direct check waits for the connection and the banner. */
#define CHECK_DIRECT_WAIT_MS 3000

/*
 * check_direct_start: one transfer per backend port that connects to HOST
 * itself and keeps the first bytes the port sends (the ncacn_http/1.0
 * banner); each bounded by CHECK_DIRECT_WAIT_MS.
 */
int check_direct_start(struct check *c);

/* check_direct_done: a direct check ended: a connected port is a success. */
void check_direct_done(struct check_xfer *x);

/* check_connect_free: free the kept chain and verdict (check_free calls it). */
void check_connect_free(struct check *c);

#endif /* OAPROBE_CHECK_CONNECT_H */
