/*
 * check_diag_int.h: helpers shared by check_diag.c and check_diag_tun.c.
 */
#ifndef OAPROBE_CHECK_DIAG_INT_H
#define OAPROBE_CHECK_DIAG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/result/result.h"
#include "probes/verdict/check_diag.h"

/* "<s>.<ms> s" of a span in milliseconds. */
void cdiag_secs(char *buf, size_t cap, int64_t ms);

/*
 * cdiag_transport: add the diagnosis for a transfer that failed below HTTP
 * (DNS, TCP, TLS, timeout, lost connection, malformed HTTP, internal).
 * what names the stage, endpoint the host:port. Returns true when added.
 */
bool cdiag_transport(struct oa_result *r, enum oa_step_kind step, const char *server,
                     uint16_t port, const struct check_xfer_obs *x, const char *what,
                     const char *endpoint);

/* cdiag_http_details: http_status, http_status_line, error details of x. */
void cdiag_http_details(struct oa_result *r, struct oa_step *st, const struct check_xfer_obs *x);

/* cdiag_direct_open: the direct TCP check connected. */
bool cdiag_direct_open(const struct check_direct_obs *d);

/*
 * cdiag_tunnels: the tunnel and bind steps and their diagnoses, and the
 * tunnels_ok / binds_ok perfdata. below_ok: the connect step worked.
 */
void cdiag_tunnels(struct oa_result *r, const struct check_obs *o,
                   const struct check_diag_cfg *cfg, bool below_ok);

#endif /* OAPROBE_CHECK_DIAG_INT_H */
