/*
 * result.h: the typed result record of `oaprobe check HOST`.
 *
 * The pipeline fills one struct oa_result per check: the steps it ran (each
 * with a status, a duration and a bounded set of typed details), the
 * diagnoses it reached (code, severity, step, server, port, message with the
 * evidence, remedy) and extra performance data. web/render_nagios.c and
 * web/render_json.c turn it into text; nothing in here formats output.
 *
 * Bounded: while a result is built (oa_result_new), every array has a
 * fixed capacity (OA_RESULT_MAX_*) and every string a fixed size. Adding
 * past a capacity drops the item and counts it (steps_dropped,
 * diags_dropped, perf_dropped, details_dropped); the renderers report the
 * counts. Strings are cut safely (see text.h). The fields are pointers into
 * one allocation that the record owns; readers index r->steps[i],
 * r->diags[i], r->perf[i], st->details[j] and read the strings (target,
 * server, message, remedy: never NULL) up to their NUL.
 *
 * Two forms, both one allocation freed with oa_result_free():
 *  - built: oa_result_new(), about 129 KiB of room, filled by the adders;
 *  - compact: oa_result_dup() of a result, exactly the steps, details,
 *    diagnoses, perfdata and string bytes in use (a typical result: under
 *    4 KiB); what the service keeps. Nothing can be added to it (the adders
 *    refuse), but steps' status and diagnoses' severity can still change.
 * oa_result_mem_bytes() says how large either is. Do not hold struct oa_step
 * pointers into a record across oa_result_reset() or oa_result_free().
 *
 * Secrets are never stored here: no passwords, no Authorization or
 * Proxy-Authorization values, no NTLM/Negotiate tokens, no Basic base64, no
 * cookies. Callers put scheme names in OA_DETAIL_AUTH_SCHEMES (the value
 * is cut at its first space, so "NTLM TlRMTVNT..." stores "NTLM"), user
 * names at most (DOMAIN\user is not a secret), and never a credential in a
 * message. The renderers print everything they are given.
 *
 * Times: started_at is wall-clock milliseconds since the Unix epoch, given
 * by the caller (this module reads no clock); durations are microseconds
 * from the monotonic clock, also given by the caller.
 */
#ifndef OAPROBE_RESULT_RESULT_H
#define OAPROBE_RESULT_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "probes/result/diag.h"
#include "probes/result/state.h"
#include "probes/result/text.h"

#define OA_TARGET_MAX        256  /* bytes, NUL included */
#define OA_SERVER_MAX        256
#define OA_MESSAGE_MAX       768
#define OA_REMEDY_MAX        512
#define OA_DETAIL_STR_MAX    512  /* one string detail value */
#define OA_RESULT_MAX_STEPS  48
#define OA_RESULT_MAX_DIAGS  32
#define OA_STEP_MAX_DETAILS  40
#define OA_RESULT_MAX_PERF   24
#define OA_RESULT_ARENA      32768 /* bytes for all string details */
#define OA_PERF_LABEL_MAX    64
#define OA_PERF_UOM_MAX      4
#define OA_PERF_RANGE_MAX    24

/*
 * The steps of the check, in pipeline order. X(ENUM, "name")
 *   dns          resolve the public name
 *   tcp          connect to 443 (or 80)
 *   tls          handshake and certificate verdict
 *   http_plain   plain-HTTP request to /rpc/rpcproxy.dll (where ssl_required
 *                is seen: 403.4)
 *   echo_unauth  unauthenticated echo (401 + offered schemes, or 404)
 *   echo_auth    authenticated echo (200 + 20-byte echo PDU)
 *   tunnel       RPC over HTTP tunnel to one server name x port
 *   bind         DCE/RPC bind through that tunnel
 *   direct_tcp   direct TCP check of a backend port (6001/6002/6004)
 */
#define OA_STEP_KINDS(X)              \
    X(DNS, "dns")                     \
    X(TCP, "tcp")                     \
    X(TLS, "tls")                     \
    X(HTTP_PLAIN, "http_plain")       \
    X(ECHO_UNAUTH, "echo_unauth")     \
    X(ECHO_AUTH, "echo_auth")         \
    X(TUNNEL, "tunnel")               \
    X(BIND, "bind")                   \
    X(DIRECT_TCP, "direct_tcp")

enum oa_step_kind {
    OA_STEP_NONE = 0, /* a diagnosis not tied to one step; JSON null */
#define OA_STEP_ENUM_(e, name) OA_STEP_##e,
    OA_STEP_KINDS(OA_STEP_ENUM_)
#undef OA_STEP_ENUM_
    OA_STEP__COUNT
};

/* Value types of step details. */
enum oa_detail_type {
    OA_DT_STR,     /* text */
    OA_DT_INT,     /* signed 64-bit integer */
    OA_DT_BOOL,    /* true/false */
    OA_DT_TIME,    /* Unix seconds, rendered as RFC 3339 UTC */
    OA_DT_STRLIST, /* repeated text; rendered as an array */
};

/*
 * The detail keys a step may carry. X(ENUM, "json key", TYPE). A key of a
 * scalar type set twice keeps the last value; an OA_DT_STRLIST key appends.
 * Server and port are fields of struct oa_step, not details (the JSON
 * renderer puts them first in "details").
 */
#define OA_DETAIL_KEYS(X)                                   \
    X(ADDRESSES, "addresses", STRLIST)                      \
    X(ADDRESS, "address", STR)                              \
    X(URL, "url", STR)                                      \
    X(HTTP_STATUS, "http_status", INT)                      \
    X(HTTP_STATUS_LINE, "http_status_line", STR)            \
    X(AUTH_SCHEMES, "auth_schemes", STRLIST)                \
    X(AUTH_SCHEME, "auth_scheme", STR)                      \
    X(EXPECT_100_CONTINUE, "expect_100_continue", BOOL)     \
    X(BODY_LENGTH, "body_length", INT)                      \
    X(TLS_VERSION, "tls_version", STR)                      \
    X(TLS_CIPHER, "tls_cipher", STR)                        \
    X(CERT_SUBJECT, "cert_subject", STR)                    \
    X(CERT_ISSUER, "cert_issuer", STR)                      \
    X(CERT_SAN, "cert_san", STRLIST)                        \
    X(CERT_SAN_COUNT, "cert_san_count", INT)                \
    X(CERT_NOT_BEFORE, "cert_not_before", TIME)             \
    X(CERT_NOT_AFTER, "cert_not_after", TIME)               \
    X(CERT_DAYS_LEFT, "cert_days_left", INT)                \
    X(CHAIN_NOT_AFTER, "chain_not_after", TIME)             \
    X(CHAIN_LENGTH, "chain_length", INT)                    \
    X(HOST_MATCH, "host_match", STR)                        \
    X(MATCHED_NAME, "matched_name", STR)                    \
    X(TRUST, "trust", STR)                                  \
    X(VERIFY_CODE, "verify_code", INT)                      \
    X(VERIFY_RESULT, "verify_result", STR)                  \
    X(MISSING_ISSUER, "missing_issuer", STR)                \
    X(RPC_ERROR, "rpc_error", INT)                          \
    X(RPC_ERROR_NAME, "rpc_error_name", STR)                \
    X(INTERFACE, "interface", STR)                          \
    X(BIND_RESULT, "bind_result", STR)                      \
    X(BIND_REASON, "bind_reason", INT)                      \
    X(BANNER, "banner", STR)                                \
    X(ERROR, "error", STR)

enum oa_detail_key {
#define OA_DETAIL_ENUM_(e, name, type) OA_DETAIL_##e,
    OA_DETAIL_KEYS(OA_DETAIL_ENUM_)
#undef OA_DETAIL_ENUM_
    OA_DETAIL__COUNT
};

/*
 * One typed detail. Strings live in the owning result's arena. A text has
 * len and off, a number i: they share their bytes, and the record is
 * packed (10 bytes: a healthy check carries about 70 details). Read the
 * fields by value; never take their address.
 */
struct oa_detail {
    uint8_t key;  /* enum oa_detail_key */
    uint8_t type; /* enum oa_detail_type */
    union {
        struct {
            uint16_t len; /* OA_DT_STR/STRLIST: bytes at off, NUL excluded */
            uint32_t off; /* OA_DT_STR/STRLIST: offset in oa_result.arena */
        };
        int64_t i;        /* OA_DT_INT, OA_DT_TIME; OA_DT_BOOL: 0 or 1 */
    };
} __attribute__((packed));

struct oa_step {
    enum oa_step_kind kind;
    enum oa_state status;        /* starts as OA_STATE_UNKNOWN */
    int64_t duration_us;         /* 0 until set */
    char *server;                /* "" when the step has none (< OA_SERVER_MAX) */
    struct oa_detail *details;   /* ndetails of them */
    uint16_t port;               /* 0 when the step has none */
    uint16_t ndetails;
    uint16_t details_cap;        /* room at details (0: compact) */
    uint16_t details_dropped;    /* details refused: table or arena full (saturates) */
};

struct oa_diag {
    enum oa_diag_code code;
    enum oa_state severity;      /* default from the code table */
    enum oa_step_kind step;
    uint16_t port;               /* 0 when not relevant */
    uint16_t remedy_cap;         /* room at remedy (0: compact, read-only) */
    char *server;                /* "" when not relevant (< OA_SERVER_MAX) */
    char *message;               /* one line with the evidence (< OA_MESSAGE_MAX) */
    char *remedy;                /* default from the code table (< OA_REMEDY_MAX) */
};

/*
 * One extra performance datum (the renderer adds time= and the per-step
 * times itself). The value is an integer scaled by 10^decimals, so
 * 123456 with 6 decimals prints "0.123456": no floating point, never
 * scientific notation.
 */
struct oa_perf {
    char *label;                 /* < OA_PERF_LABEL_MAX bytes */
    int64_t value;
    unsigned decimals;           /* 0..9 */
    char *uom;                   /* "", "s", "ms", "us", "%", "B", "c" */
    char *warn;                  /* range expressions, "" when none */
    char *crit;                  /* (each < OA_PERF_RANGE_MAX bytes) */
    char *min;
    char *max;
};

struct oa_result {
    char *target;                /* < OA_TARGET_MAX bytes */
    int64_t started_at_ms;       /* wall clock, ms since the Unix epoch */
    int64_t duration_us;         /* whole check */
    size_t nsteps, steps_dropped;
    struct oa_step *steps;
    size_t ndiags, diags_dropped;
    struct oa_diag *diags;
    size_t nperf, perf_dropped;
    struct oa_perf *perf;
    size_t arena_used;
    char *arena;                 /* string details, arena_used bytes in use */
    size_t mem_bytes;            /* the one allocation behind all of it */
    int compact;                 /* 1: oa_result_dup's exact form (nothing can be added) */
};

/* ---- names ------------------------------------------------------------ */

/* oa_step_kind_name: "dns", "tcp", ...; "none" for OA_STEP_NONE and for a
 * value out of range. Static string. */
const char *oa_step_kind_name(enum oa_step_kind k);

/* oa_step_kind_from_name: 0 and *out set, or -1 (unknown, NULL args). */
int oa_step_kind_from_name(const char *name, enum oa_step_kind *out);

/* oa_detail_key_name: the JSON key of a detail, NULL when out of range. */
const char *oa_detail_key_name(enum oa_detail_key k);

/* oa_detail_key_type: the value type of a key (OA_DT_STR when out of
 * range). */
enum oa_detail_type oa_detail_key_type(enum oa_detail_key k);

/* ---- lifetime ----------------------------------------------------------- */

/*
 * oa_result_new: allocate an empty result for target (copied, cut to
 * OA_TARGET_MAX) started at started_at_ms, with room for the OA_*_MAX
 * capacities (about 129 KiB). Returns NULL when out of memory.
 * The caller owns it and frees it with oa_result_free().
 */
struct oa_result *oa_result_new(const char *target, int64_t started_at_ms);

/*
 * oa_result_dup: the compact owned copy of r: one allocation holding only
 * the steps, details, diagnoses, perfdata and string bytes r uses (a
 * healthy 2 names x 3 ports check: about 3 KiB). Nothing can be added to
 * it. Returns NULL on NULL or out of memory; free with oa_result_free().
 */
struct oa_result *oa_result_dup(const struct oa_result *r);

/* oa_result_mem_bytes: the bytes r occupies (its one allocation); 0 for
 * NULL. */
size_t oa_result_mem_bytes(const struct oa_result *r);

/* oa_result_free: free a result from oa_result_new() or oa_result_dup().
 * NULL is a no-op. */
void oa_result_free(struct oa_result *r);

/*
 * oa_result_reset: empty r (no steps, diagnoses, perfdata; arena cleared)
 * and set target and started_at. Returns 0, or -1 when r is NULL or
 * compact.
 */
int oa_result_reset(struct oa_result *r, const char *target,
                    int64_t started_at_ms);

/* oa_result_set_duration: the duration of the whole check (negative
 * values become 0). No-op on NULL. */
void oa_result_set_duration(struct oa_result *r, int64_t duration_us);

/* ---- steps -------------------------------------------------------------- */

/*
 * oa_result_add_step: append a step of kind k (not OA_STEP_NONE) about
 * server:port (server may be NULL or "", port 0 when not relevant). The
 * step starts with status OA_STATE_UNKNOWN and duration 0.
 * Returns a pointer into r, valid until r is reset or freed, or NULL (bad
 * arguments, or r full: steps_dropped is then incremented).
 */
struct oa_step *oa_result_add_step(struct oa_result *r, enum oa_step_kind k,
                                   const char *server, uint16_t port);

/*
 * oa_result_find_step: the first step of kind k with this server
 * (case-insensitive; NULL matches any) and port (0 matches any), or NULL.
 */
struct oa_step *oa_result_find_step(struct oa_result *r, enum oa_step_kind k,
                                    const char *server, uint16_t port);

/* oa_result_owns_step: 1 when st is one of r's steps in use, else 0. */
int oa_result_owns_step(const struct oa_result *r, const struct oa_step *st);

/*
 * oa_step_finish: set the status and the duration of a step (negative
 * durations become 0). Returns 0, or -1 (NULL step, status out of range).
 */
int oa_step_finish(struct oa_step *st, enum oa_state status,
                   int64_t duration_us);

/*
 * oa_step_raise: status = oa_state_worst(status, s), except that a step
 * still OA_STATE_UNKNOWN (never finished) takes s. Returns 0 or -1.
 */
int oa_step_raise(struct oa_step *st, enum oa_state s);

/*
 * oa_step_add_str / _strn / _int / _bool / _time: add a detail to step st,
 * which must belong to r. The key's type must match the function (_str and
 * _strn serve OA_DT_STR and OA_DT_STRLIST keys). Strings are copied into
 * r's arena, cut to OA_DETAIL_STR_MAX (OA_DETAIL_AUTH_SCHEMES values are
 * cut at their first space: scheme names only).
 * Returns 0, or -1: bad arguments, type mismatch, or no room (then
 * st->details_dropped is incremented).
 */
int oa_step_add_str(struct oa_result *r, struct oa_step *st,
                    enum oa_detail_key key, const char *value);
int oa_step_add_strn(struct oa_result *r, struct oa_step *st,
                     enum oa_detail_key key, const char *value, size_t len);
int oa_step_add_int(struct oa_result *r, struct oa_step *st,
                    enum oa_detail_key key, int64_t value);
int oa_step_add_bool(struct oa_result *r, struct oa_step *st,
                     enum oa_detail_key key, int value);
int oa_step_add_time(struct oa_result *r, struct oa_step *st,
                     enum oa_detail_key key, int64_t unix_seconds);

/* oa_step_find_detail: the first detail of key k in st, or NULL. */
const struct oa_detail *oa_step_find_detail(const struct oa_step *st,
                                            enum oa_detail_key k);

/* oa_result_detail_str: the text of a string detail (NUL-terminated, in
 * r's arena), or NULL when d is not a string detail of r. */
const char *oa_result_detail_str(const struct oa_result *r,
                                 const struct oa_detail *d);

/* ---- diagnoses ---------------------------------------------------------- */

/*
 * oa_result_add_diag: add a diagnosis. server (NULL or "" when not
 * relevant) and port (0) say what it concerns; the message is formatted
 * with printf rules from fmt (required; bounded, cut safely) and carries the
 * evidence (status line, error code, certificate names and dates). Severity
 * and remedy start from the code table; change them with
 * oa_diag_set_severity() / oa_diag_set_remedy().
 * A second diagnosis with the same code, step, server (case-insensitive)
 * and port is not added: the existing one is returned unchanged (the first,
 * most specific message wins).
 * Returns a pointer into r, or NULL (bad arguments, or r full:
 * diags_dropped is incremented).
 */
struct oa_diag *oa_result_add_diag(struct oa_result *r, enum oa_diag_code code,
                                   enum oa_step_kind step, const char *server,
                                   uint16_t port, const char *fmt, ...)
    OA_PRINTF(6, 7);

/* oa_diag_set_remedy: replace the remedy (printf rules, bounded).
 * Returns 0 or -1. */
int oa_diag_set_remedy(struct oa_diag *d, const char *fmt, ...) OA_PRINTF(2, 3);

/* oa_diag_set_severity: override the severity (OA_STATE_SKIPPED and
 * out-of-range values are refused). Returns 0 or -1. */
int oa_diag_set_severity(struct oa_diag *d, enum oa_state sev);

/* oa_result_worst_diag: the first diagnosis of the worst severity, or NULL
 * when there is none. */
const struct oa_diag *oa_result_worst_diag(const struct oa_result *r);

/* ---- perfdata and status ------------------------------------------------ */

/*
 * oa_result_add_perf: add a performance datum. label: 1..63 bytes, '=' and
 * '\'' and control characters become '_'; a label already present is
 * refused. value is scaled by 10^decimals (decimals 0..9). uom must be
 * one of "", "s", "ms", "us", "%", "B", "c" (NULL = ""). warn, crit, min,
 * max: NULL or range text made of [0-9.:~@-] only.
 * Returns 0, or -1 (bad arguments, duplicate label, or full: perf_dropped
 * is incremented).
 */
int oa_result_add_perf(struct oa_result *r, const char *label, int64_t value,
                       unsigned decimals, const char *uom, const char *warn,
                       const char *crit, const char *min, const char *max);

/*
 * oa_result_status: the overall state: worst-of (state.h) of every
 * diagnosis severity and every step status. A result with neither steps
 * nor diagnoses is OA_STATE_UNKNOWN; a result whose steps are all skipped
 * is OA_STATE_UNKNOWN too. NULL: OA_STATE_UNKNOWN.
 */
enum oa_state oa_result_status(const struct oa_result *r);

#endif /* OAPROBE_RESULT_RESULT_H */
