/*
 * render_json.h: struct oa_result -> the JSON document of `oaprobe check
 * --json` (schema in docs/check-output.md):
 *
 *   {"status": "ok|warning|critical|unknown",
 *    "target": "mail.contoso.com",
 *    "started_at": "2025-11-21T01:42:00.123Z",      RFC 3339, UTC
 *    "duration_seconds": 1.234567,
 *    "diagnoses": [{"code", "severity", "step", "server", "port",
 *                   "message", "remedy"}, ...],
 *    "steps": [{"name", "status", "duration_seconds",
 *               "details": {"server", "port", <detail keys>...}}, ...]}
 *
 * plus "truncated": {"steps", "diagnoses", "details", "perfdata"} only when
 * the result dropped something. Numbers are JSON numbers; detail times are
 * RFC 3339 strings; list details are arrays; a diagnosis's server/port/step
 * that does not apply is null. Pure: builds jansson objects, no I/O.
 */
#ifndef OAPROBE_WEB_RENDER_JSON_H
#define OAPROBE_WEB_RENDER_JSON_H

#include <jansson.h>

#include "probes/result/result.h"

/* json_dumps flags of render_json(): reals with 15 significant digits
 * (so 0.123456 prints as 0.123456), keys in insertion order. */
#define RENDER_JSON_FLAGS (JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER)
#define RENDER_JSON_PRETTY 1u /* render_json(): indent by 2, one key a line */

/*
 * render_json_object: the document as a jansson object (a new reference:
 * json_decref() it), for callers that embed it (the web service). Dump it
 * with RENDER_JSON_FLAGS to get the same text as render_json().
 * Returns NULL for a NULL r or when out of memory.
 */
json_t *render_json_object(const struct oa_result *r);

/*
 * render_json: the document as text, compact on one line, or indented with
 * RENDER_JSON_PRETTY; no trailing newline. Returns a string the caller
 * frees with free(), or NULL (NULL r, out of memory).
 */
char *render_json(const struct oa_result *r, unsigned flags);

#endif /* OAPROBE_WEB_RENDER_JSON_H */
