/*
 * www_auth.h: parse WWW-Authenticate header values as an HTTP client gets them.
 *
 * A 401 may carry several WWW-Authenticate headers, and each may hold several
 * comma-separated challenges (RFC 7235 section 4.1, 1#challenge):
 *
 *   WWW-Authenticate: Negotiate
 *   WWW-Authenticate: NTLM
 *   WWW-Authenticate: Basic realm="mail.contoso.com"
 * or
 *   WWW-Authenticate: Negotiate, NTLM, Basic realm="mail.contoso.com"
 *
 * and during an NTLM handshake:
 *
 *   WWW-Authenticate: NTLM TlRMTVNTUAACAAAADgAOADgAAAAFAoriESIz...
 *
 * The caller feeds header values one at a time (wwwauth_add), whole header
 * lines as libcurl's header callback delivers them (wwwauth_add_line), or an
 * array of values (wwwauth_parse). Every challenge found is appended to one
 * struct wwwauth.
 *
 * Memory: the parser COPIES. struct wwwauth owns a fixed string pool
 * (WWWAUTH_POOL_SIZE bytes) and the challenges refer into it by offset, never
 * by pointer, so the caller's header buffer may be freed right after the call
 * and a struct wwwauth may be copied with memcpy or by assignment. Strings
 * returned by the accessors are NUL-terminated, point into the struct and live
 * as long as it does (until the next wwwauth_init). Nothing is allocated;
 * sizeof(struct wwwauth) is about 21 KiB, so keep it in a result record or on
 * the heap rather than on a small stack.
 *
 * Bounds: at most WWWAUTH_MAX_CHALLENGES challenges in all, WWWAUTH_MAX_PARAMS
 * auth-params per challenge, WWWAUTH_MAX_NAME bytes per scheme or param name,
 * WWWAUTH_MAX_VALUE bytes per param value (after unescaping),
 * WWWAUTH_MAX_TOKEN68 bytes per token68, WWWAUTH_MAX_HEADER bytes per header
 * value. Exceeding a bound rejects that header value with WIRE_TOOBIG.
 *
 * Errors: a header value is accepted or rejected as a whole. A rejected value
 * leaves the struct exactly as it was before the call (challenges from earlier
 * values stay), sets *why to a static reason, and records the first failure
 * (header index, byte offset, reason) for wwwauth_render_error().
 *
 * Grammar accepted (RFC 7235 2.1 and 4.1, RFC 7230 3.2.3, 3.2.6, 7):
 *   value       = *( "," OWS ) challenge *( OWS "," [ OWS element ] )
 *   element     = challenge / auth-param   (an auth-param after a comma
 *                 belongs to the challenge before it, as in the RFC 7235
 *                 example `Newauth realm="apps", type=1, ...`)
 *   challenge   = auth-scheme [ 1*( SP / HTAB ) ( token68 / auth-param ) ]
 *   auth-param  = token BWS "=" BWS ( token / quoted-string )
 *   token68     = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 *   quoted-string with quoted-pair escapes; obs-text (0x80-0xff) is kept as-is.
 * Empty list elements (",,") and leading/trailing whitespace are accepted, as
 * are trailing CR/LF. A token68 is recognised after the scheme when it is
 * followed by the end of the value or a comma; otherwise auth-params are
 * expected. Two consequences of the grammar, kept on purpose: `Basic realm=`
 * is a token68 "realm=", not an empty realm; and since BWS may precede "=",
 * `Basic =x` is an auth-param named "Basic" (rejected: no scheme before it).
 * Param names are case-insensitive and must not repeat within a
 * challenge; scheme names are case-insensitive.
 */
#ifndef OAPROBE_AUTH_WWW_AUTH_H
#define OAPROBE_AUTH_WWW_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define WWWAUTH_MAX_CHALLENGES 16
#define WWWAUTH_MAX_PARAMS 16
#define WWWAUTH_MAX_NAME 64
#define WWWAUTH_MAX_VALUE 1024
#define WWWAUTH_MAX_TOKEN68 8192
#define WWWAUTH_MAX_HEADER 16384
#define WWWAUTH_POOL_SIZE 16384

/* Schemes the probe knows; anything else is WWWAUTH_OTHER (text kept). */
enum wwwauth_scheme {
    WWWAUTH_OTHER = 0,
    WWWAUTH_BASIC,
    WWWAUTH_NTLM,
    WWWAUTH_NEGOTIATE,
    WWWAUTH_DIGEST,
    WWWAUTH_KERBEROS,
    WWWAUTH_BEARER,
};

/* A string in the pool: offset and length, or WWWAUTH_NONE when absent. */
#define WWWAUTH_NONE UINT32_MAX
struct wwwauth_str {
    uint32_t off;
    uint32_t len;
};

struct wwwauth_param {
    struct wwwauth_str name;  /* as sent (case kept) */
    struct wwwauth_str value; /* unquoted and unescaped */
};

struct wwwauth_challenge {
    enum wwwauth_scheme scheme;
    uint32_t header;                /* index of the header value it came from */
    struct wwwauth_str scheme_text; /* as sent */
    struct wwwauth_str token68;     /* .off == WWWAUTH_NONE when absent */
    struct wwwauth_str realm;       /* value of the realm param, or NONE */
    uint32_t nparams;
    struct wwwauth_param params[WWWAUTH_MAX_PARAMS];
};

struct wwwauth {
    size_t count;    /* challenges in ch[] */
    size_t headers;  /* header values fed so far (accepted or not) */
    size_t rejected; /* header values rejected */
    struct wwwauth_challenge ch[WWWAUTH_MAX_CHALLENGES];
    size_t pool_used;
    char pool[WWWAUTH_POOL_SIZE];
    /* The first rejection: reason (NULL if none), header index, byte offset. */
    const char *err_why;
    size_t err_header;
    size_t err_offset;
};

/*
 * Reset wa to hold no challenges. Must be called before the first add.
 *   wa [out] the result struct (NULL is a no-op)
 */
void wwwauth_init(struct wwwauth *wa);

/*
 * Parse one WWW-Authenticate header value and append its challenges.
 *   wa    [in,out] initialised result
 *   value [in]     the field value (without "WWW-Authenticate:"), len bytes,
 *                  not necessarily NUL-terminated; copied, not retained
 *   why   [out]    static reason on failure (may be NULL)
 * Returns len (bytes consumed, > 0) on success; WIRE_INVALID for a syntax
 * error, an empty value or a NULL argument; WIRE_TOOBIG when a bound is
 * exceeded. On failure wa is unchanged except for the error record and the
 * headers/rejected counters.
 */
ssize_t wwwauth_add(struct wwwauth *wa, const char *value, size_t len, const char **why);

/*
 * Feed one raw header line ("WWW-Authenticate: NTLM\r\n"), as a libcurl
 * header callback receives it. Lines of any other header (and status lines)
 * are ignored and return 0. The name match is case-insensitive; no
 * whitespace is allowed before the colon.
 * Returns 0 for an ignored line, otherwise as wwwauth_add (the value's length).
 */
ssize_t wwwauth_add_line(struct wwwauth *wa, const char *line, size_t len, const char **why);

/*
 * Convenience: wwwauth_init(wa), then wwwauth_add() for each of the n
 * NUL-terminated values. Every value is tried even after a failure.
 * Returns the number of challenges (>= 0) if every value parsed, else the
 * error code of the first failing value (challenges from the values that
 * parsed are still in wa). WIRE_INVALID if wa is NULL or values is NULL
 * with n > 0 or a values[i] is NULL.
 */
ssize_t wwwauth_parse(struct wwwauth *wa, const char *const *values, size_t n, const char **why);

/* Number of challenges (0 for NULL). */
size_t wwwauth_count(const struct wwwauth *wa);

/* Challenge i, or NULL if wa is NULL or i is out of range. */
const struct wwwauth_challenge *wwwauth_get(const struct wwwauth *wa, size_t i);

/* Scheme of challenge i as sent ("ntlm", "Negotiate"...), or NULL. */
const char *wwwauth_scheme_text(const struct wwwauth *wa, size_t i);

/* Token68 of challenge i and its length (*len may be NULL), or NULL if none. */
const char *wwwauth_token68(const struct wwwauth *wa, size_t i, size_t *len);

/* Realm of challenge i (unquoted), or NULL if it has none. */
const char *wwwauth_realm(const struct wwwauth *wa, size_t i);

/* Value of auth-param `name` (case-insensitive) of challenge i, or NULL. */
const char *wwwauth_param(const struct wwwauth *wa, size_t i, const char *name);

/*
 * The j-th auth-param of challenge i: *name and *value (either may be NULL to
 * skip) point into wa. Returns 0, or -1 when out of range or wa is NULL.
 */
int wwwauth_param_at(const struct wwwauth *wa, size_t i, size_t j, const char **name,
                     const char **value);

/* True when some challenge uses scheme s (WWWAUTH_OTHER: any unknown scheme). */
bool wwwauth_offers(const struct wwwauth *wa, enum wwwauth_scheme s);

/*
 * The token68 of the first challenge of scheme s that has one (for NTLM, the
 * base64 CHALLENGE_MESSAGE of a 401), and its length in *len (may be NULL).
 * Returns NULL when there is none. The pointer refers into wa.
 */
const char *wwwauth_find_token(const struct wwwauth *wa, enum wwwauth_scheme s, size_t *len);

/*
 * Render the offered schemes, in order of first appearance and without
 * repeats, as "NTLM, Negotiate, Basic" (canonical spelling for known
 * schemes, the text as sent for others) into buf. buf is always
 * NUL-terminated when size > 0; "" when there is nothing.
 * Returns the length the full text needs (like snprintf); 0 for NULL wa.
 */
size_t wwwauth_render_schemes(const struct wwwauth *wa, char *buf, size_t size);

/*
 * Render the first rejection as "header 1, offset 17: <reason>" (header
 * counted from 1, offset in bytes from 0 within that value or line) into buf
 * ("" when nothing was rejected). Returns the length needed, like snprintf.
 */
size_t wwwauth_render_error(const struct wwwauth *wa, char *buf, size_t size);

/* Canonical name of a scheme ("NTLM", "Negotiate"...; "other"). */
const char *wwwauth_scheme_name(enum wwwauth_scheme s);

/* Classify a scheme token (case-insensitive); WWWAUTH_OTHER when unknown or NULL. */
enum wwwauth_scheme wwwauth_scheme_from(const char *text, size_t len);

#endif /* OAPROBE_AUTH_WWW_AUTH_H */
