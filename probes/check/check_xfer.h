/*
 * check_xfer.h: the engine's transfer layer. The clock and traces of a
 * check, and the life of one transfer (struct check_xfer, check_int.h):
 * created with its easy handle, added to the check's multi with the time
 * left, recorded and removed when it ends, stopped by the engine, freed.
 *
 * The stages (check_connect.c, check_echo.c, check_tunnel.c) and the
 * pipeline (check.c) use it; it calls neither. The HTTP details of a
 * transfer (request setup, header capture, collecting what libcurl saw)
 * are check_http.c, the other half of this layer.
 */
#ifndef OAPROBE_CHECK_XFER_H
#define OAPROBE_CHECK_XFER_H

#include <stdint.h>

#include <curl/curl.h>

#include "probes/check/check_int.h"

/* check_now_ms: CLOCK_MONOTONIC in ms. */
int64_t check_now_ms(void);

/* check_tracef: one -v trace line, prefixed with the ms since the start.
 * No-op without a trace sink or below -v. Never pass a secret. */
void check_tracef(struct check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* check_remaining_ms: the budget in ms (>= 0) before the overall deadline. */
int64_t check_remaining_ms(const struct check *c);

/*
 * check_xfer_new: allocate a transfer of kind for c, with its easy handle
 * and the common options set (check_http.c).
 *   obs [in] where its record goes (inside c->obs; borrowed)
 * Returns the transfer (free with check_xfer_free), or NULL out of memory or
 * when libcurl refused an option.
 */
struct check_xfer *check_xfer_new(struct check *c, enum check_xfer_kind kind,
                                  struct check_xfer_obs *obs);

/* check_xfer_add: add x to the check's multi with the time left (capped by
 * x->stage_cap_ms) as its timeout, and stamp its start.
 * Returns 0, or -1 (no time left, or libcurl refused; x->obs says why). */
int check_xfer_add(struct check_xfer *x);

/* check_xfer_of: the transfer behind an easy handle (its CURLOPT_PRIVATE,
 * magic numbers checked), or NULL when it is not one of the engine's. */
struct check_xfer *check_xfer_of(CURL *easy);

/* check_xfer_ended: libcurl finished x with rc: remove it from the multi,
 * collect what libcurl saw into x->obs, stamp its end and trace it. The
 * caller then hands x to its stage. */
void check_xfer_ended(struct check_xfer *x, CURLcode rc);

/* check_xfer_free: remove x from the multi if needed, free its headers and
 * capture, clean the handle up and free x. NULL is a no-op. */
void check_xfer_free(struct check_xfer *x);

/* check_xfer_stop: record a transfer the engine stops itself (not through a
 * CURLMsg: deadline, cancel) as failed with why and detail, then free it.
 * NULL is a no-op. */
void check_xfer_stop(struct check_xfer *x, enum check_fail why, const char *detail);

/* check_xfer_kind_name: "connect", "echo", "in", "out"... Static string. */
const char *check_xfer_kind_name(enum check_xfer_kind k);

#endif /* OAPROBE_CHECK_XFER_H */
