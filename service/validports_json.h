/*
 * validports_json.h: the --json output of `oaprobe validports`: one JSON
 * document, schema "oaprobe.validports/1" (docs/validports.md), printed to
 * stdout with two-space indentation.
 */
#ifndef OAPROBE_SERVICE_VALIDPORTS_JSON_H
#define OAPROBE_SERVICE_VALIDPORTS_JSON_H

#include "probes/validports/vp_reg.h"
#include "service/validports_render.h"

/*
 * vpj_render: prints the whole report as JSON: the input, the value, status
 * and exit code, counts, diagnostics, entries, the name x port checks and
 * findings, the corrected value and the remedy lines.
 * r: a complete report (no NULL member but file).
 * Returns r->exit_code; VPR_EXIT_USAGE, printing nothing, when r or one of
 * its members but file is NULL; VPR_EXIT_USAGE, with a message on stderr and
 * nothing on stdout, when out of memory.
 */
int vpj_render(const struct vpr_report *r);

/*
 * vpj_render_input_error: prints the short document for an input that could
 * not be read as a ValidPorts value (status "invalid", exit_code 2,
 * input_error = why). Prints nothing when an argument (or r->source) is
 * NULL, or when out of memory.
 * r: source and file are read, the other members are not; in: what
 * vp_input_read() left (format, encoding, err_line); why: its reason.
 */
void vpj_render_input_error(const struct vpr_report *r, const struct vp_input *in, const char *why);

#endif /* OAPROBE_SERVICE_VALIDPORTS_JSON_H */
