/*
 * validports_render.h: the report of `oaprobe validports` and its human
 * rendering.
 *
 * service/cmd_validports.c parses the options, reads the input and runs the
 * probes/validports module; it then fills a struct vpr_report, hands it to
 * vpr_render_text() (here) or vpj_render() (validports_json.h) and prints
 * the string they return. The pieces both outputs share (a diagnostic as a
 * sentence, an entry or a port range as text, the remedy lines) are exported
 * here for validports_json.c.
 *
 * Nothing here reads input, prints or decides the exit code: the renderers
 * return what the report holds as bytes; the caller decides r->exit_code.
 */
#ifndef OAPROBE_WEB_VALIDPORTS_RENDER_H
#define OAPROBE_WEB_VALIDPORTS_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "probes/validports/vp_lint.h"
#include "probes/validports/vp_parse.h"
#include "probes/validports/vp_reg.h"

/* Exit codes of `oaprobe validports` (docs/validports.md). */
enum vpr_exit {
    VPR_EXIT_COMPLETE = 0, /* complete, or parsed without --names */
    VPR_EXIT_MISSING = 1,  /* name:port pairs missing */
    VPR_EXIT_SYNTAX = 2,   /* syntax errors in the value */
    VPR_EXIT_USAGE = 3,    /* bad usage, unreadable input, out of memory */
};

/* The registry key that holds ValidPorts, as shown to the admin. */
#define VPR_RPCPROXY_KEY "HKLM\\SOFTWARE\\Microsoft\\Rpc\\RpcProxy"

/* Everything the renderers need. Every pointer is borrowed from the caller;
 * in, found, list and lint may be NULL only for vpj_render_input_error(). */
struct vpr_report {
    const char *file;             /* --file as given, or NULL */
    const char *source;           /* "argument", "file", "stdin" */
    const struct vp_input *in;    /* what vp_input_read() found */
    const struct vp_found *found; /* the value analysed (vp_input_pick()) */
    const struct vp_list *list;   /* vp_parse() of found->value */
    const struct vp_lint *lint;   /* vp_lint_run() of list */
    int exit_code;                /* enum vpr_exit, decided by the caller */
};

/*
 * vpr_render_text: the human report: the input, the value, errors,
 * warnings, what it allows, the name x port check (with --names), what is
 * missing, overlaps, redundant and unlisted entries, broad wildcards, the
 * corrected value, the remedy and the one-line result (which quotes
 * r->exit_code), every line ending in "\n".
 * r: a complete report (no NULL member but file).
 * Returns a NUL-terminated string the caller frees with free(), or NULL when
 * r or one of its members but file is NULL, or out of memory.
 */
char *vpr_render_text(const struct vpr_report *r);

/*
 * vpr_diag_message: one diagnostic as a sentence, e.g.
 * "entry 3 'EXCH01:60a1' col 39: port '60a1' is not a number". Control bytes
 * of the value are shown as \xNN; the entry and the token are cut to 60
 * characters with "...".
 * l: the parsed list d belongs to (its text is quoted); d: the diagnostic;
 * buf, size: the caller's buffer (size > 0), always NUL-terminated, the
 * sentence cut when it does not fit; with_place: start with "entry N '...'
 * col C: " (or "col C: "), else only the reason. Does nothing when buf is
 * NULL or size 0; leaves buf empty when l or d is NULL.
 */
void vpr_diag_message(const struct vp_list *l, const struct vp_diag *d, char *buf, size_t size,
                      bool with_place);

/*
 * vpr_entry_text: an entry as it would be written in the value
 * ("EXCH01:6001-6002", "EX*:6004"), or "?" when it does not fit in buf.
 * e: the entry (NULL gives "?"); buf, size: the caller's buffer (nothing is
 * written when buf is NULL or size is 0).
 */
void vpr_entry_text(const struct vp_entry *e, char *buf, size_t size);

/*
 * vpr_range_text: "6004" when low == high, else "6001-6002".
 * buf, size: the caller's buffer (16 bytes always suffice; nothing is
 * written when buf is NULL or size is 0).
 */
void vpr_range_text(uint16_t low, uint16_t high, char *buf, size_t size);

/*
 * vpr_needs_remedy: whether the report carries a remedy, that is whether the
 * corrected value differs from the value. r: a complete report (false when r
 * or r->lint is NULL).
 */
bool vpr_needs_remedy(const struct vpr_report *r);

/*
 * vpr_remedy: the remedy lines for the value that was analysed (ValidPorts,
 * or Exchange 2010's ValidPorts_Exchange / ValidPorts_AutoConfig_Exchange),
 * with the reg add command that sets the corrected value.
 * r: a complete report; f: when not NULL, each line is printed there
 * indented and wrapped at 96 columns (command lines are never wrapped);
 * arr: when not NULL, each line is appended to this JSON array as a string
 * (the array stays the caller's). A line that cannot be allocated is skipped;
 * nothing is done when r, r->found or r->lint is NULL.
 */
void vpr_remedy(const struct vpr_report *r, FILE *f, json_t *arr);

#endif /* OAPROBE_WEB_VALIDPORTS_RENDER_H */
