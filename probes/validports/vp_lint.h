/*
 * vp_lint.h: check a ValidPorts list against the names clients use.
 *
 * Given the names clients send as the RPC server (NetBIOS name, internal
 * FQDN, public FQDN, ...) and the ports they need (default 6001, 6002, 6004),
 * the linter reports, for each (name, port), whether it is allowed and by
 * which entry; the missing pairs; overlapping entries (same name, ranges that
 * share ports); redundant entries (everything they allow is allowed by the
 * other remaining entries, so removing them changes nothing); entries for
 * names not in the list; wildcards that match a required name. It builds the
 * corrected value: every valid entry of the original, in order and in
 * canonical form (redundant ones are kept: the fix only adds), then one entry
 * per run of consecutive missing ports of each name, the way Exchange writes
 * them (NAME:6001-6002;NAME:6004). Pure; results are structs, not text.
 */
#ifndef OAPROBE_VP_LINT_H
#define OAPROBE_VP_LINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/validports/vp_parse.h"

#define VP_LINT_MAX_NAMES    64u  /* client names (a uint64_t mask holds them) */
#define VP_LINT_MAX_PORTS    256u /* required ports, after expanding ranges */
#define VP_LINT_MAX_OVERLAPS 256u /* overlap pairs kept; the count goes on */

/* What to check. names may be empty (then only overlaps and redundancy). */
struct vp_lint_opts {
    const char *const *names; /* client names, NUL-terminated; duplicates (ignoring case) are dropped */
    size_t n_names;
    const uint16_t *ports;    /* required ports; NULL or n_ports 0 = 6001, 6002, 6004 */
    size_t n_ports;
};

/* One (name, port) check; entry NULL = not allowed. */
struct vp_check {
    size_t name;                  /* index into vp_lint.names */
    uint16_t port;
    const struct vp_entry *entry; /* first entry that allows it */
};

/* One entry to append. */
struct vp_addition {
    size_t name;                  /* index into vp_lint.names */
    uint16_t low, high;
};

/* Two entries for the same name whose ranges share [low, high]. */
struct vp_overlap {
    const struct vp_entry *a, *b; /* a before b in the value */
    uint16_t low, high;
};

/* An entry covered by others. */
struct vp_redundant {
    const struct vp_entry *entry;
    const struct vp_entry **by;   /* the entries that cover it, in value order; owned */
    size_t n_by;
};

/* A wildcard entry that matches required names. */
struct vp_wildcard_note {
    const struct vp_entry *entry;
    uint64_t names;               /* bit i = vp_lint.names[i] matches */
};

/*
 * The result. Entry pointers point into the vp_list given to vp_lint_run:
 * free the lint before the list.
 */
struct vp_lint {
    char **names;                 /* the client names, deduplicated; owned */
    size_t n_names;
    uint64_t ipv6_names;          /* bit i: names[i] is an IPv6 literal (never allowable) */
    uint16_t *ports;              /* required ports, sorted, unique; owned */
    size_t n_ports;
    struct vp_check *checks;      /* n_names * n_ports, name-major */
    size_t n_checks;
    size_t n_missing;
    struct vp_addition *added;
    size_t n_added;
    struct vp_overlap *overlaps;
    size_t n_overlaps;            /* kept (at most VP_LINT_MAX_OVERLAPS) */
    size_t n_overlaps_total;
    struct vp_redundant *redundant;
    size_t n_redundant;
    const struct vp_entry **unlisted; /* entries that match none of the names */
    size_t n_unlisted;
    struct vp_wildcard_note *wildcards;
    size_t n_wildcards;
    char *corrected;              /* the corrected value, NUL-terminated; owned */
    size_t corrected_len;
    size_t corrected_entries;
    bool corrected_fits;          /* within VP_VALUE_MAX and VP_ENTRIES_MAX */
    bool changed;                 /* corrected differs from the parsed value's text */
    bool complete;                /* every (name, port) is allowed */
};

/*
 * vp_lint_run: lint list against opts.
 *   list  [in]  a parsed list (its valid entries are used even if it had errors)
 *   opts  [in]  names and ports; NULL = no names, default ports
 *   out   [out] the new result, owned by the caller (vp_lint_free)
 *   why   [out] optional; a static reason when the return is not 0
 * Returns 0, WIRE_INVALID (NULL list/out, a name that vp_name_check rejects,
 * a port 0), WIRE_TOOBIG (more than VP_LINT_MAX_NAMES names or
 * VP_LINT_MAX_PORTS ports), VP_NOMEM.
 */
int vp_lint_run(const struct vp_list *list, const struct vp_lint_opts *opts,
                struct vp_lint **out, const char **why);

/* vp_lint_free: free a result; NULL is a no-op. */
void vp_lint_free(struct vp_lint *lint);

/*
 * vp_ports_parse: parse a port list such as "6001,6002,6004" or
 * "6001-6002,6004" (spaces around items allowed) into sorted unique ports.
 *   spec     [in]  NUL-terminated
 *   ports    [out] room for cap ports
 *   n        [out] how many
 *   err_off  [out] optional; byte offset of the problem in spec
 *   why      [out] optional; static reason
 * Returns 0, WIRE_INVALID (empty item, not a number, out of 1..65535, low >
 * high, NULL argument), WIRE_TOOBIG (more than cap ports).
 */
int vp_ports_parse(const char *spec, uint16_t *ports, size_t cap, size_t *n, size_t *err_off,
                   const char **why);

#endif /* OAPROBE_VP_LINT_H */
