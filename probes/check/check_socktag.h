/*
 * check_socktag.h: the data of a transfer's socket callbacks, owned so that
 * it outlives every socket libcurl may still close.
 *
 * libcurl copies CURLOPT_CLOSESOCKETFUNCTION and CLOSESOCKETDATA into the
 * connection, and a connection can outlive its transfer: libcurl 7.88 keeps
 * a connection in the middle of an NTLM or Negotiate handshake in the multi's
 * pool despite CURLOPT_FORBID_REUSE, and closes it later, from another
 * transfer or from curl_multi_cleanup. The close callback therefore gets a
 * tag, not the transfer record. The tag tracks the sockets opened through it
 * (CURLOPT_OPENSOCKETFUNCTION) by descriptor and socket inode; the transfer
 * detaches from it when it is freed, and the tag is freed when no tracked
 * socket is left open: at the last close callback, or at once if libcurl
 * closed the others itself (it does, without the callback, for a connect
 * attempt it discards; the inode tells a closed or reused descriptor).
 */
#ifndef OAPROBE_CHECK_SOCKTAG_H
#define OAPROBE_CHECK_SOCKTAG_H

#include <curl/curl.h>

#include "probes/verdict/check_obs.h"

/* Sockets one transfer may open (happy eyeballs, NTLM restarts); more are
 * refused, so that no socket the tag does not track can outlive it. */
#define CHECK_SOCKTAG_MAX 16

struct check_socktag;

/*
 * check_socktag_new: a tag recording into obs (tcp_connected at close).
 * Returns the tag (owned by the caller until check_socktag_release), or NULL
 * when out of memory.
 */
struct check_socktag *check_socktag_new(struct check_xfer_obs *obs);

/*
 * check_socktag_setopts: install the open/close socket callbacks with tag as
 * their data on h. Returns CURLE_OK or libcurl's error.
 */
CURLcode check_socktag_setopts(CURL *h, struct check_socktag *tag);

/* Sockets opened through tag so far (0 for NULL): a new one means a new
 * connection. */
unsigned check_socktag_opened(const struct check_socktag *tag);

/*
 * check_socktag_release: the transfer is gone (call after curl_easy_cleanup):
 * stop recording into obs, and free the tag unless a tracked socket is still
 * open (then its close callback frees it). NULL is a no-op.
 */
void check_socktag_release(struct check_socktag *tag);

#endif /* OAPROBE_CHECK_SOCKTAG_H */
