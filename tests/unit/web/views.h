/*
 * views.h: a sample service view for the renderer tests and the sample
 * renderer (render_samples): six targets that cover what the renderers
 * must handle.
 *
 *   [0] contoso-mail      healthy, full tunnel, labels site/phase,
 *                         location fra1; its opts carry a password
 *   [1] fabrikam-cert     certificate expiring (warning), location fra1
 *   [2] contoso-vp        ValidPorts gap + cert expiring (critical),
 *                         location ams1, an open incident
 *   [3] tailspin-backend  backend down under every name (critical)
 *   [4] many-labels       20 labels, never ran (pending)
 *   [5] odd-labels        label names and values with quotes, backslashes,
 *                         newlines, UTF-8 and invalid names; restored from
 *                         stored JSON (no record); in maintenance
 */
#ifndef OAPROBE_TEST_WEB_VIEWS_H
#define OAPROBE_TEST_WEB_VIEWS_H

#include "probes/check/check.h"
#include "web/view.h"

#define VIEWS_N 6
#define VIEWS_NOW 1763690000000LL      /* 2025-11-21T01:53:20Z */
#define VIEWS_PASSWORD "Pa55-w0rd!secret-7f3a"

struct views {
    struct oa_result *results[VIEWS_N]; /* NULL where the target has none */
    struct check_opts opts[VIEWS_N];
    struct view_target t[VIEWS_N];
    const struct view_target *ptrs[VIEWS_N];
    struct view_service svc;
    char *stored_json;                  /* latest_json of [5] */
};

/* views_new: build the sample view (allocated; NULL when out of memory). */
struct views *views_new(void);

/* views_free: free it (NULL is a no-op). */
void views_free(struct views *v);

/* The results behind the samples, also usable alone (free with
 * oa_result_free). */
struct oa_result *views_result_healthy(const char *host, int64_t started_ms);
struct oa_result *views_result_cert_expiring(const char *host, int64_t started_ms);
struct oa_result *views_result_backend_down(const char *host, int64_t started_ms);

#endif /* OAPROBE_TEST_WEB_VIEWS_H */
