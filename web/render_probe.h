/*
 * render_probe.h: the text of GET /probe?...&debug=true (blackbox_exporter's
 * layout: "Logs for the probe:", "Metrics that would have been returned:",
 * "Module configuration:"), and the profile a probe ran with, secrets
 * redacted. Pure: strings in, a string out.
 */
#ifndef OAPROBE_WEB_RENDER_PROBE_H
#define OAPROBE_WEB_RENDER_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "probes/check/check.h"
#include "probes/result/result.h"

#define RENDER_PROBE_MAX (1u << 20) /* bytes of one debug answer, at most */

/* What a probe ran with. opts->password is never read: password_set says
 * whether one was given and under which key (shown as <secret>). */
struct render_probe_profile {
    const char *module;          /* the module's name, or NULL (a target) */
    const char *target;          /* a configured target's name, or NULL */
    const struct check_opts *opts;
    const char *password_key;    /* "password_file", "password" or NULL: none */
};

/*
 * render_probe_profile: the profile as "key: value" lines (YAML), the
 * password source and the keytab as <secret>. Returns the text (free()),
 * or NULL when out of memory.
 */
char *render_probe_profile(const struct render_probe_profile *p);

/*
 * render_probe_debug: the debug answer.
 *   trace    the engine's trace lines (may be NULL or "")
 *   r        the result (NULL: none came; `why` says why)
 *   metrics  the exposition that would have been returned
 *   profile  render_probe_profile's text (NULL: "(unknown)")
 * Returns the text (free()), *len set when len is not NULL; NULL when out
 * of memory or above RENDER_PROBE_MAX.
 */
char *render_probe_debug(const char *trace, const struct oa_result *r, const char *why,
                         const char *metrics, const char *profile, size_t *len);

#endif /* OAPROBE_WEB_RENDER_PROBE_H */
