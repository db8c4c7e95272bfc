/*
 * validports_json.h: the --json output of `oaprobe validports`: one JSON
 * document, schema "oaprobe.validports/1" (docs/validports.md), as a
 * jansson object or as text with two-space indentation. Nothing is printed:
 * service/cmd_validports.c prints the string.
 */
#ifndef OAPROBE_WEB_VALIDPORTS_JSON_H
#define OAPROBE_WEB_VALIDPORTS_JSON_H

#include <jansson.h>

#include "probes/validports/vp_reg.h"
#include "web/validports_render.h"

/*
 * vpj_render_object: the whole report as a JSON object: the input, the
 * value, status and exit code (r->exit_code), counts, diagnostics, entries,
 * the name x port checks and findings, the corrected value and the remedy
 * lines.
 * r: a complete report (no NULL member but file).
 * Returns a new reference the caller releases with json_decref(), or NULL
 * when r or one of its members but file is NULL, or out of memory.
 */
json_t *vpj_render_object(const struct vpr_report *r);

/*
 * vpj_render: vpj_render_object() as text, indented by two spaces, without
 * a final newline. Returns a NUL-terminated string the caller frees with
 * free(), or NULL (as vpj_render_object).
 */
char *vpj_render(const struct vpr_report *r);

/*
 * vpj_render_input_error: the short document for an input that could not be
 * read as a ValidPorts value (status "invalid", exit_code 2,
 * input_error = why), as text like vpj_render().
 * r: source and file are read, the other members are not; in: what
 * vp_input_read() left (format, encoding, err_line); why: its reason.
 * Returns a string the caller frees with free(), or NULL when an argument
 * (or r->source) is NULL, or out of memory.
 */
char *vpj_render_input_error(const struct vpr_report *r, const struct vp_input *in,
                             const char *why);

#endif /* OAPROBE_WEB_VALIDPORTS_JSON_H */
