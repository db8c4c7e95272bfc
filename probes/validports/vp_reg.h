/*
 * vp_reg.h: find the ValidPorts value in what an admin pastes or saves.
 *
 * Accepted inputs (any of them UTF-8, UTF-8 with BOM, or UTF-16LE/BE with a
 * BOM, which is how regedit saves "Windows Registry Editor Version 5.00"):
 *
 *   the bare value       EXCH01:6001-6002;EXCH01:6004          (+ optional line end)
 *   a .reg file          Windows Registry Editor Version 5.00 / REGEDIT4
 *                        [HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Rpc\RpcProxy]
 *                        "ValidPorts"="EXCH01:6001-6002;EXCH01:6004"
 *   .reg value lines     "ValidPorts_Exchange"="..."  (no header needed)
 *   reg query output     HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Rpc\RpcProxy
 *                            ValidPorts    REG_SZ    EXCH01:6001-6002;...
 *
 * Value names recognised (case-insensitively, as the registry does):
 * ValidPorts, ValidPorts_Exchange (Exchange 2010) and
 * ValidPorts_AutoConfig_Exchange. In .reg strings the escapes \\ and \" are
 * decoded; any other backslash sequence is an error. Pure: bytes in, owned
 * strings out; the input is capped at VP_INPUT_MAX.
 */
#ifndef OAPROBE_VP_REG_H
#define OAPROBE_VP_REG_H

#include <stddef.h>
#include <stdint.h>

#include "probes/common/wire.h"

#define VP_INPUT_MAX       (1024u * 1024u) /* bytes of input (file, stdin, argument) */
#define VP_REG_VALUES_MAX  8u              /* ValidPorts* values kept from one input */

enum vp_input_format {
    VP_FMT_VALUE,     /* the bare value */
    VP_FMT_REG_FILE,  /* a .reg file with its header line */
    VP_FMT_REG_LINES, /* "Name"="value" lines without a header */
    VP_FMT_REG_QUERY  /* output of reg query */
};

enum vp_encoding { VP_ENC_UTF8, VP_ENC_UTF8_BOM, VP_ENC_UTF16LE, VP_ENC_UTF16BE };

enum vp_value_name {
    VP_VN_VALIDPORTS,      /* ValidPorts */
    VP_VN_EXCHANGE,        /* ValidPorts_Exchange */
    VP_VN_AUTOCONFIG       /* ValidPorts_AutoConfig_Exchange */
};

/* One ValidPorts* value found in the input. */
struct vp_found {
    enum vp_value_name which;
    size_t line;        /* 1-based line of the decoded input; 0 for a bare value */
    char *key;          /* registry key it sits under (no brackets), or NULL; owned */
    char *value;        /* decoded value (UTF-8), NUL-terminated; owned */
    size_t value_len;
};

/* What vp_input_read found. Clear with vp_input_clear(). */
struct vp_input {
    enum vp_input_format format;
    enum vp_encoding encoding;
    struct vp_found found[VP_REG_VALUES_MAX];
    size_t n_found;
    size_t n_ignored;   /* further ValidPorts* values past VP_REG_VALUES_MAX */
    size_t err_line;    /* 1-based line of the problem when vp_input_read fails, else 0 */
};

/*
 * vp_input_read: decode buf and find the ValidPorts value(s) in it.
 *   out      [out] filled; free its strings with vp_input_clear() whatever the
 *                  return (it is zeroed first)
 *   buf, len [in]  the raw input
 *   why      [out] optional; a static reason when the return is not 0
 * Returns 0 (out->n_found >= 1), WIRE_TOOBIG (len > VP_INPUT_MAX),
 * WIRE_INVALID (NULL argument, bad UTF-16, a ValidPorts line that is not a
 * well-formed REG_SZ string, a .reg or reg query text without any ValidPorts
 * value; out->err_line says where when it can), VP_NOMEM.
 * A bare value keeps its bytes as they are except for line ends (CR, LF) at
 * its end, which are removed.
 */
int vp_input_read(struct vp_input *out, const uint8_t *buf, size_t len, const char **why);

/* vp_input_clear: free what vp_input_read allocated; NULL is a no-op. */
void vp_input_clear(struct vp_input *in);

/*
 * vp_input_pick: the value to analyse, or NULL when none was found.
 * wanted: a value name to pick ("ValidPorts_Exchange", case-insensitive), or
 * NULL for the default preference: values under ...\Rpc\RpcProxy (or under no
 * key) first, then ValidPorts_Exchange, ValidPorts_AutoConfig_Exchange,
 * ValidPorts (Exchange 2010 keeps its list in its own value; rpc-over-http.md
 * 3.2), first in the input on ties.
 */
const struct vp_found *vp_input_pick(const struct vp_input *in, const char *wanted);

/* vp_value_name_str: "ValidPorts", "ValidPorts_Exchange", ... ("?" when unknown). */
const char *vp_value_name_str(enum vp_value_name which);

/* vp_encoding_str: "utf-8", "utf-8-bom", "utf-16le", "utf-16be" ("?" when unknown). */
const char *vp_encoding_str(enum vp_encoding enc);

/* vp_format_str: "value", "reg_file", "reg_lines", "reg_query" ("?" when unknown). */
const char *vp_format_str(enum vp_input_format fmt);

#endif /* OAPROBE_VP_REG_H */
