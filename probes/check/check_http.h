/*
 * check_http.h: what every HTTP request of the engine has in common.
 *
 *  - the common easy-handle options (HTTP/1.1 only, no redirects, a fresh
 *    connection per transfer, the caller's --resolve list, TLS verification
 *    off: the chain is judged separately by probes/tls, so deeper layers are
 *    still checked when the certificate is bad);
 *  - the MS-RPCH request shape (rpc-over-http.md 1.2-1.4): the method, the
 *    URL /rpc/rpcproxy.dll?server:port and the headers Outlook sends;
 *  - credentials (Basic, NTLM, Negotiate through libcurl);
 *  - the header callback: status lines, 100 Continue, WWW-Authenticate
 *    challenges, the NTLM CHALLENGE_MESSAGE, a cap on header size;
 *  - copying libcurl's view of a finished transfer into struct check_xfer_obs.
 */
#ifndef OAPROBE_CHECK_HTTP_H
#define OAPROBE_CHECK_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "probes/check/check_int.h"

/* The echo body the Remote Connectivity Analyzer sends (rpc-over-http.md 1.6). */
extern const uint8_t chttp_echo_body[4];

/*
 * chttp_common: set the options every transfer shares on x->easy (called
 * by check_xfer_new). Returns 0, or -1 when libcurl refused an option.
 */
int chttp_common(struct check_xfer *x);

/*
 * chttp_authority: the authority part of a URL: host, in brackets when it is
 * an IPv6 literal ("[::1]"), then ":port" unless port is 0.
 * Returns 0, or -1 when it does not fit in buf.
 */
int chttp_authority(const char *host, unsigned port, char *buf, size_t cap);

/*
 * chttp_url: "https://HOST/rpc/rpcproxy.dll?SERVER:PORT" (http:// and port
 * 80 with --http) into buf. server NULL gives the bare base URL
 * "https://HOST/". Returns 0, or -1 when it does not fit.
 */
int chttp_url(const struct check *c, const char *server, unsigned port, char *buf, size_t cap);

/*
 * chttp_rpc_request: make x an MS-RPCH request with a small fixed body
 * (echo: 0..16 bytes; OUT channel: CONN/A1), copied into x->post.
 *   method [in] "RPC_IN_DATA" or "RPC_OUT_DATA"
 * Returns 0, or -1 (body too long, libcurl refused an option).
 */
int chttp_rpc_request(struct check_xfer *x, const char *method, const char *url,
                      const uint8_t *body, size_t body_len);

/*
 * chttp_rpc_stream: make x the IN channel request: RPC_IN_DATA with
 * Content-Length content_length and a body produced by read_cb(arg).
 * Returns 0 or -1.
 */
int chttp_rpc_stream(struct check_xfer *x, const char *url, curl_off_t content_length,
                     curl_read_callback read_cb, void *arg);

/*
 * chttp_auth: apply the check's credentials and scheme to x.
 * Returns 0, or -1 when libcurl refused (e.g. no GSS-API support).
 */
int chttp_auth(struct check_xfer *x);

/*
 * chttp_ntlm_negotiate: instead of libcurl's auth, send a fixed NTLM
 * NEGOTIATE_MESSAGE ("Authorization: NTLM TlRMTVNTUAABAAAA...") so the 401
 * answer carries a CHALLENGE_MESSAGE with the server's names. No secret is
 * involved. Returns 0 or -1.
 */
int chttp_ntlm_negotiate(struct check_xfer *x);

/*
 * chttp_header_line: what the header callback does with one line (status
 * line, header, or the blank line ending a block): capture the status,
 * 100 Continue, WWW-Authenticate challenges, NTLM tokens, Connection: close,
 * enforce CHECK_HEADER_CAP, call x->on_headers at the end of a final block.
 * Returns len to go on, or 0 to stop the transfer.
 */
size_t chttp_header_line(struct check_xfer *x, const char *buf, size_t len);

/*
 * chttp_collect: copy libcurl's view of the ended transfer (result, error
 * text, timings, connections, peer address, response code) into x->obs.
 */
void chttp_collect(struct check_xfer *x, CURLcode rc);

/*
 * chttp_capture_init: allocate the WWW-Authenticate records for an echo
 * transfer (offer and/or last 401). Returns 0 or -1 (out of memory).
 */
int chttp_capture_init(struct check_xfer *x, bool offer, bool last401);

/* Schemes a plain scan of the first 401's WWW-Authenticate values found
 * (struct check_capture offer_raw): what the probe can use even when the
 * parsed record was full (WWWAUTH_MAX_CHALLENGES). */
#define CHTTP_OFFER_NTLM 1u
#define CHTTP_OFFER_BASIC 2u
#define CHTTP_OFFER_NEGOTIATE 4u

/* chttp_capture_free: free what chttp_capture_init allocated. */
void chttp_capture_free(struct check_xfer *x);

#endif /* OAPROBE_CHECK_HTTP_H */
