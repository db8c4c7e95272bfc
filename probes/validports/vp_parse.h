/*
 * vp_parse.h: the RpcProxy ACL value ValidPorts, parsed.
 *
 * HKLM\SOFTWARE\Microsoft\Rpc\RpcProxy\ValidPorts (REG_SZ) lists the
 * server:port pairs the RPC proxy may forward to (rpc-over-http.md 3.1):
 *
 *   value   = entry *( ";" entry )
 *   entry   = name ":" ports
 *   name    = 1*255( ALPHA / DIGIT / "-" / "." / "_" / UTF-8 ) [ "*" ]
 *   ports   = port [ "-" port ]          ; inclusive, low <= high
 *   port    = 1*DIGIT                    ; 1..65535
 *
 *   e.g.  Rosco:593;Rosco:2000-8000;Data*:4000-8000
 *         |name |port|     |lo-hi  | |pfx*|lo-hi  |
 *
 * A trailing "*" makes the name a prefix (wildcard); "*" anywhere else is an
 * error. Pure: no I/O, no globals. The parser reports every problem it finds
 * (up to VP_DIAGS_MAX) with the 1-based entry index and the 1-based column of
 * the offending character in the value, and keeps every entry that is valid,
 * so a linter can still work on a value with errors. Choices where Windows
 * documents nothing (whitespace, empty entries, IPv6 literals, duplicates) are
 * explained in docs/validports.md.
 */
#ifndef OAPROBE_VP_PARSE_H
#define OAPROBE_VP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/common/wire.h"

#define VP_VALUE_MAX   65536u /* bytes in one value */
#define VP_ENTRIES_MAX 1024u  /* non-empty entries in one value */
#define VP_NAME_MAX    255u   /* characters in a name, '*' included */
#define VP_DIAGS_MAX   100u   /* diagnostics kept; the counts go on */
#define VP_NOMEM       (-10)  /* out of memory (beside WIRE_* codes) */

/* Diagnostic codes; vp_code_name() gives the stable machine name. */
enum vp_code {
    /* errors: the value (or that entry) is broken */
    VP_E_TOO_LONG,        /* value_too_long */
    VP_E_TOO_MANY,        /* too_many_entries */
    VP_E_NO_COLON,        /* missing_colon */
    VP_E_EMPTY_NAME,      /* empty_name */
    VP_E_NAME_TOO_LONG,   /* name_too_long */
    VP_E_BAD_CHAR,        /* bad_character */
    VP_E_WILDCARD_POS,    /* misplaced_wildcard */
    VP_E_IPV6,            /* ipv6_literal */
    VP_E_EXTRA_COLON,     /* extra_colon */
    VP_E_EMPTY_PORT,      /* empty_port */
    VP_E_PORT_NOT_NUMBER, /* port_not_number */
    VP_E_PORT_RANGE,      /* port_out_of_range */
    VP_E_RANGE_NO_LOW,    /* range_missing_low */
    VP_E_RANGE_NO_HIGH,   /* range_missing_high */
    VP_E_RANGE_REVERSED,  /* range_reversed */
    VP_E_PORT_LIST,       /* port_list */
    VP_E_WHITESPACE,      /* whitespace (entry kept, trimmed) */
    /* warnings: accepted, but suspicious */
    VP_W_EMPTY_VALUE,     /* empty_value */
    VP_W_EMPTY_ENTRY,     /* empty_entry */
    VP_W_DUPLICATE,       /* duplicate_entry */
    VP_W_WILDCARD_ALL,    /* wildcard_matches_all */
    VP_W_LEADING_ZERO,    /* leading_zero */
    VP_W_TRAILING_DOT,    /* trailing_dot */
    VP_W_NON_ASCII,       /* non_ascii_name */
    VP_W_BAD_IPV4,        /* ipv4_invalid */
    VP_CODE_COUNT
};

enum vp_severity { VP_SEV_ERROR, VP_SEV_WARNING };

/* What a name is. Matching is textual in every case. */
enum vp_name_kind {
    VP_NAME_HOST, /* NetBIOS name or DNS name */
    VP_NAME_IPV4  /* dotted-quad IPv4 literal: matches only that literal */
};

/* One problem. Offsets index vp_list.text; columns are offset + 1. */
struct vp_diag {
    enum vp_code code;
    enum vp_severity severity;
    unsigned entry;          /* 1-based entry index; 0 = the value as a whole */
    size_t col;              /* 1-based column of the offending character; 0 = none */
    size_t entry_off;        /* the entry's raw text (untrimmed) */
    size_t entry_len;
    size_t tok_off;          /* the offending token ("60a1"); tok_len 0 = none */
    size_t tok_len;
    const char *what;        /* static subject: "port", "name", "range", ... or NULL */
    const char *why;         /* static reason: "is not a number" */
    unsigned related;        /* another entry concerned (duplicate of), 0 = none */
};

/* One valid entry. */
struct vp_entry {
    char name[VP_NAME_MAX + 1]; /* as written, trimmed, without the '*', NUL-terminated */
    size_t name_len;
    bool wildcard;              /* name ended in '*': prefix match */
    enum vp_name_kind kind;
    uint16_t low, high;         /* inclusive, 1 <= low <= high */
    unsigned index;             /* 1-based position among the ';'-separated entries */
    size_t off, len;            /* raw entry text in vp_list.text (untrimmed) */
    bool repaired;              /* whitespace was trimmed (a VP_E_WHITESPACE error) */
};

/* A parsed value. Owns everything it points to; free with vp_list_free(). */
struct vp_list {
    char *text;                 /* copy of the value, NUL-terminated */
    size_t text_len;
    struct vp_entry *entries;   /* valid entries, in value order */
    size_t n_entries;
    unsigned n_pieces;          /* ';'-separated pieces seen, empty and broken included */
    unsigned n_broken;          /* pieces dropped because of an error */
    struct vp_diag *diags;      /* in value order, at most VP_DIAGS_MAX */
    size_t n_diags;
    size_t n_errors;            /* all errors found, kept or not */
    size_t n_warnings;          /* all warnings found, kept or not */
};

/*
 * vp_parse: parse a ValidPorts value.
 *   value, len  [in]  the value's bytes (UTF-8; need not be NUL-terminated)
 *   out         [out] the new list, owned by the caller (vp_list_free); set
 *                     whenever the return is not VP_NOMEM and the arguments
 *                     are not NULL, so errors can be shown
 *   why         [out] optional; a static reason when the return is not 0
 * Returns 0 when the value has no error (warnings allowed), WIRE_INVALID when
 * it has errors or an argument is NULL, WIRE_TOOBIG when it is longer than
 * VP_VALUE_MAX or has more than VP_ENTRIES_MAX entries (the list then holds
 * one error and whatever was parsed before the limit), VP_NOMEM.
 */
int vp_parse(const char *value, size_t len, struct vp_list **out, const char **why);

/* vp_list_free: free a list; NULL is a no-op. */
void vp_list_free(struct vp_list *list);

/* vp_code_name: the stable machine name of a code ("port_not_number"), or "unknown". */
const char *vp_code_name(enum vp_code code);

/*
 * vp_entry_format: write the canonical text of an entry ("Data*:4000-8000",
 * "EXCH01:6004") to buf, NUL-terminated. Returns the length it needs (without
 * the NUL; at most VP_NAME_MAX + 12), or 0 when e is NULL. Writes nothing
 * when buf is NULL or size is too small for it.
 */
size_t vp_entry_format(const struct vp_entry *e, char *buf, size_t size);

/*
 * vp_name_check: is name (len bytes) something a client may send as the RPC
 * server name, and something an entry may hold? Same character rules as the
 * parser (letters, digits, '-', '.', '_', non-ASCII), no '*', 1..VP_NAME_MAX
 * bytes. Sets *ipv6 when name is an IPv6 literal (those are valid client
 * names that ValidPorts can never allow). Returns 0, or WIRE_INVALID with a
 * static reason in *why (optional).
 */
int vp_name_check(const char *name, size_t len, bool *ipv6, const char **why);

/* vp_is_ipv6_literal: true when s (len bytes) looks like an IPv6 address. */
bool vp_is_ipv6_literal(const char *s, size_t len);

#endif /* OAPROBE_VP_PARSE_H */
