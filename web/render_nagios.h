/*
 * render_nagios.h: struct oa_result -> monitoring-plugins output.
 *
 *   OAPROBE <STATE> - <target>: <summary>
 *   [<STATE>] <step>[ <server>[:<port>]] <seconds>s[: key=value, ...]   one per step
 *   [<SEVERITY>] <code> (<step>[ <server>[:<port>]]): <message> - remedy: <remedy>
 *   | time=<s>s;;;0 <step>_time=<s>s;;;0 ... cert_days=<d>;<warn>
 *
 * The first line is what a notification shows: the worst diagnosis (code and
 * message) and the codes of the others, or "<n> steps ok in <t>s". Text from
 * the result never breaks the format: '|' becomes '/', control characters
 * (newlines, tabs) become spaces. Perfdata follow the plugin guidelines:
 * seconds with 6 decimals, no scientific notation, labels quoted when they
 * hold anything outside [A-Za-z0-9_.-], one label once. docs/check-output.md
 * describes the format with examples.
 */
#ifndef OAPROBE_WEB_RENDER_NAGIOS_H
#define OAPROBE_WEB_RENDER_NAGIOS_H

#include "probes/result/result.h"

#define RENDER_NAGIOS_MAX (1024 * 1024) /* bytes of output, at most */

/*
 * render_nagios: the plugin output of r, every line ending in "\n".
 * Returns a NUL-terminated string the caller frees with free(), or NULL
 * (r NULL, out of memory).
 */
char *render_nagios(const struct oa_result *r);

/*
 * render_nagios_line: the first line of render_nagios(r) alone (the line a
 * notification shows), with `name` in place of r->target when name is not
 * NULL (the service's target name; cut at OA_TARGET_MAX bytes, '|' and
 * control characters replaced like every text). Ends in "\n". Returns a
 * string the caller frees with free(), or NULL (r NULL, out of memory).
 */
char *render_nagios_line(const struct oa_result *r, const char *name);

/*
 * render_nagios_exit_code: the plugin exit code of r's overall status
 * (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; 3 for NULL).
 */
int render_nagios_exit_code(const struct oa_result *r);

#endif /* OAPROBE_WEB_RENDER_NAGIOS_H */
