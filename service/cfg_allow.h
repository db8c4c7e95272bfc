/*
 * cfg_allow.h: a module's `allow_hosts:` (docs/config.md, "Ad-hoc
 * probes"): the hosts /probe?target=HOST&module=M may send the module's
 * check, and so its credentials, to. Pure: no I/O, no resolution.
 *
 * A pattern is one of
 *   *                      any host (an explicit opt-out)
 *   mail.contoso.com       that name (case-insensitive; a trailing dot is
 *                          dropped)
 *   *.contoso.com          any name under contoso.com, at any depth
 *                          (a.contoso.com, a.b.contoso.com), not
 *                          contoso.com itself
 *   10.0.0.1, fd00::1      that address (a /32 or /128)
 *   10.0.0.0/8, fd00::/8   a network (no bits set past the prefix)
 *
 * A host is matched as the request gives it, before any resolution:
 *   - a name matches name and suffix patterns only; it is not resolved, so
 *     a CIDR never admits a name (the operator who allows a name or a zone
 *     trusts whoever answers for it: DNS and, for TLS, the certificate);
 *   - an IP literal matches the networks of its family; an IPv4-mapped
 *     IPv6 literal (::ffff:10.0.0.1) is the IPv4 address it maps;
 *   - a host whose last label is a number ("10.1", "012.0.0.1",
 *     "167772161", "0x0a000001", "10.0.0.1.") is one of the spellings
 *     getaddrinfo() and curl read as IPv4: only the canonical dotted quad
 *     (inet_pton's form: four decimal parts, no leading zeros) is accepted,
 *     every other spelling is refused, so no spelling reaches an address a
 *     pattern does not cover.
 *   - the port (NAME:PORT, [IPv6]:PORT) is not part of the match: an
 *     allowed host is allowed on any port.
 */
#ifndef OAPROBE_CFG_ALLOW_H
#define OAPROBE_CFG_ALLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/check/check.h"

#define CFG_ALLOW_MAX 256u     /* patterns in one allow_hosts */
#define CFG_ALLOW_NAME_MAX 253u /* bytes of a name (DNS), without the trailing dot */

enum cfg_allow_kind {
    CFG_ALLOW_ANY,    /* "*" */
    CFG_ALLOW_NAME,   /* an exact name */
    CFG_ALLOW_SUFFIX, /* "*.zone": name holds ".zone" */
    CFG_ALLOW_NET4,   /* addr[0..4) / prefix 0..32 */
    CFG_ALLOW_NET6    /* addr[0..16) / prefix 0..128 */
};

/* One pattern, parsed. */
struct cfg_allow {
    enum cfg_allow_kind kind;
    unsigned prefix;
    uint8_t addr[16];
    char name[CFG_ALLOW_NAME_MAX + 2]; /* NAME, SUFFIX: lower case, no trailing dot */
};

/*
 * cfg_allow_parse: one pattern (grammar above) into *out.
 *   text     [in]  the pattern, NUL-terminated
 *   err, len [out] on failure, why (quoting at most 80 bytes of text)
 * Returns 0, or -1.
 */
int cfg_allow_parse(const char *text, struct cfg_allow *out, char *err, size_t len);

/* The verdicts of cfg_allow_check. */
#define CFG_ALLOW_YES 1
#define CFG_ALLOW_NO 0
#define CFG_ALLOW_BAD (-1)

/*
 * cfg_allow_check: may a probe of host go ahead under the patterns v[0..n)?
 *   host     [in]  what a target's `host:` takes: NAME, NAME:PORT, [IPv6],
 *                  [IPv6]:PORT, a bare IPv6 literal
 *   err, len [out] with CFG_ALLOW_BAD, why the host is no host
 * Returns CFG_ALLOW_YES, CFG_ALLOW_NO (no pattern matches; n == 0 matches
 * nothing) or CFG_ALLOW_BAD (not a host: bad syntax, an IPv4 address in a
 * spelling other than the canonical one, a name that is no DNS name).
 */
int cfg_allow_check(const struct cfg_allow *v, size_t n, const char *host, char *err,
                    size_t len);

/*
 * cfg_allow_credentialed: does a check with these settings send
 * credentials? True when it goes past the unauthenticated steps (depth
 * `auth` or `tunnel`) with any of user, password_file, password (${NAME}),
 * keytab, or with auth negotiate (which without them uses the service's own
 * Kerberos credentials cache).
 */
bool cfg_allow_credentialed(const struct check_opts *opts, const char *password_file,
                            const char *password_env);

/*
 * cfg_allow_target: may a check with these settings be sent where they
 * point, under the patterns v[0..n) of the list called list (its key, for
 * messages: "api.allow_hosts")? A check that carries no credentials
 * (cfg_allow_credentialed) may go anywhere. One that does needs its host
 * allowed (cfg_allow_check), and every address of every resolve entry
 * ("HOST:PORT:ADDR[,ADDR...]"): resolve would otherwise connect an allowed
 * name to any address. A resolve address must be an IP literal.
 *   key, klen [out] with NO or BAD: the key at fault ("host", "resolve[1]")
 *   err, len  [out] with NO or BAD: why, naming the host or the address
 * Returns CFG_ALLOW_YES, CFG_ALLOW_NO or CFG_ALLOW_BAD (as cfg_allow_check).
 */
int cfg_allow_target(const struct cfg_allow *v, size_t n, const char *list,
                     const struct check_opts *opts, const char *password_file,
                     const char *password_env, char *key, size_t klen, char *err, size_t len);

#endif /* OAPROBE_CFG_ALLOW_H */
