/*
 * cfg_allow.c: a module's allow_hosts patterns and the match of a /probe
 * host against them (see cfg_allow.h for the grammar and the rule).
 *
 * Addresses are read with inet_pton() only, and an IPv4 address must read
 * back (inet_ntop) as the very text given: the classic forms that
 * inet_aton() and getaddrinfo() also take ("012.0.0.1" is octal 10.0.0.1,
 * "167772161" and "0x0a000001" are 10.0.0.1, "10.1" is 10.0.0.1) are
 * refused rather than given a meaning of our own, in patterns and hosts
 * alike.
 */
#include "service/cfg_allow.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "probes/check/check_opts.h"
#include "probes/common/ascii.h"

#define TEXT_MAX 300u /* bytes of a pattern or host handled at all */

static int fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t len, const char *fmt, ...)
{
    if (err != NULL && len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* A host or pattern as classified: a name, or an address. */
struct host {
    int family; /* 0: a name; AF_INET, AF_INET6 */
    uint8_t addr[16];
    char name[CFG_ALLOW_NAME_MAX + 2];
};

/* Does the last label of s[0..n) read as a number (decimal, or 0x hex,
 * "0x" alone included), as the WHATWG URL parser and curl decide that a host
 * is IPv4? */
static bool ends_in_number(const char *s, size_t n)
{
    size_t i = n;
    while (i > 0 && s[i - 1] != '.')
        i--;
    const char *l = s + i;
    size_t ln = n - i;
    if (ln == 0)
        return false;
    size_t k = 0;
    bool hex = ln >= 2 && l[0] == '0' && (l[1] == 'x' || l[1] == 'X');
    if (hex)
        k = 2;
    for (; k < ln; k++)
        if (hex ? ascii_hex_value((unsigned char)l[k]) < 0 : !ascii_isdigit((unsigned char)l[k]))
            return false;
    return true;
}

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d)? */
static bool v4_mapped(const uint8_t a[16])
{
    static const uint8_t pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a, pre, sizeof pre) == 0;
}

/*
 * Classify s (NUL-terminated, no port, no brackets): an IPv6 literal (has a
 * ':'), a canonical IPv4 literal, or a DNS name (lower-cased, one trailing
 * dot dropped, labels of 1..63 bytes of [a-z0-9_-]). An IPv4-mapped IPv6
 * literal becomes its IPv4 address when map4. what names s in messages.
 */
static int classify(const char *s, struct host *h, bool map4, const char *what, char *err,
                    size_t len)
{
    memset(h, 0, sizeof *h);
    size_t n = strnlen(s, TEXT_MAX);
    if (n == 0)
        return fail(err, len, "%s is empty", what);
    if (n >= TEXT_MAX)
        return fail(err, len, "%s is longer than %u bytes", what, TEXT_MAX - 1);
    if (strchr(s, ':') != NULL) {
        uint8_t a[16];
        if (inet_pton(AF_INET6, s, a) != 1)
            return fail(err, len, "%s \"%.80s\" is not an IPv6 address", what, s);
        if (map4 && v4_mapped(a)) {
            h->family = AF_INET;
            memcpy(h->addr, a + 12, 4);
        } else {
            h->family = AF_INET6;
            memcpy(h->addr, a, 16);
        }
        return 0;
    }
    size_t m = n;
    if (ends_in_number(s, n) || (n > 1 && s[n - 1] == '.' && ends_in_number(s, n - 1))) {
        char back[INET_ADDRSTRLEN];
        if (inet_pton(AF_INET, s, h->addr) != 1 ||
            inet_ntop(AF_INET, h->addr, back, sizeof back) == NULL || strcmp(back, s) != 0)
            return fail(err, len,
                        "%s \"%.80s\" is not an IPv4 address in its one accepted form (four "
                        "decimal numbers 0-255 without leading zeros: 10.0.0.1) and a name "
                        "cannot end in a number",
                        what, s);
        h->family = AF_INET;
        return 0;
    }
    if (s[m - 1] == '.')
        m--;
    if (m > CFG_ALLOW_NAME_MAX)
        return fail(err, len, "%s is a name longer than %u bytes", what, CFG_ALLOW_NAME_MAX);
    size_t label = 0;
    for (size_t i = 0; i < m; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (label == 0)
                return fail(err, len, "%s \"%.80s\" has an empty label", what, s);
            label = 0;
            h->name[i] = '.';
            continue;
        }
        if (!ascii_isalnum(c) && c != '-' && c != '_')
            return fail(err, len,
                        "%s \"%.80s\" is no host name (letters, digits, '-', '_' and dots)", what,
                        s);
        if (++label > 63)
            return fail(err, len, "%s \"%.80s\" has a label longer than 63 bytes", what, s);
        h->name[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    if (label == 0)
        return fail(err, len, "%s \"%.80s\" has an empty label", what, s);
    h->name[m] = '\0';
    return 0;
}

/* "10.0.0.0/8": the prefix length after the '/', 0..max, decimal, no
 * leading zero, no sign. */
static int parse_prefix(const char *p, unsigned max, unsigned *out)
{
    size_t n = strlen(p);
    if (n == 0 || n > 3 || (n > 1 && p[0] == '0'))
        return -1;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ascii_isdigit((unsigned char)p[i]))
            return -1;
        v = v * 10u + (unsigned)(p[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

/* Do a and b agree on their first bits bits? */
static bool same_prefix(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned whole = bits / 8u, rest = bits % 8u;
    if (memcmp(a, b, whole) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8u - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

/* net = addr with every bit past the first bits cleared (alen bytes). */
static void network(const uint8_t *addr, size_t alen, unsigned bits, uint8_t *net)
{
    for (size_t i = 0; i < alen; i++) {
        unsigned lo = (unsigned)i * 8u;
        if (bits >= lo + 8u)
            net[i] = addr[i];
        else if (bits > lo)
            net[i] = (uint8_t)(addr[i] & (0xffu << (8u - (bits - lo))));
        else
            net[i] = 0;
    }
}

static int parse_net(const char *text, struct cfg_allow *out, char *err, size_t len)
{
    char addr[TEXT_MAX];
    const char *slash = strchr(text, '/');
    size_t an = (size_t)(slash - text);
    if (an == 0 || an >= sizeof addr)
        return fail(err, len, "\"%.80s\" is not a CIDR (ADDRESS/PREFIX)", text);
    memcpy(addr, text, an);
    addr[an] = '\0';
    struct host h;
    char why[200];
    if (classify(addr, &h, false, "the address", why, sizeof why) < 0)
        return fail(err, len, "\"%.80s\" is not a CIDR: %s", text, why);
    if (h.family == 0)
        return fail(err, len, "\"%.80s\" is not a CIDR: \"%.80s\" is a name, not an address",
                    text, addr);
    unsigned max = h.family == AF_INET ? 32u : 128u;
    if (parse_prefix(slash + 1, max, &out->prefix) < 0)
        return fail(err, len, "\"%.80s\" is not a CIDR: the prefix is not a number 0-%u", text,
                    max);
    uint8_t net[16];
    size_t alen = h.family == AF_INET ? 4u : 16u;
    network(h.addr, alen, out->prefix, net);
    if (memcmp(net, h.addr, alen) != 0) {
        char a[INET6_ADDRSTRLEN];
        if (inet_ntop(h.family, net, a, sizeof a) == NULL)
            a[0] = '\0';
        return fail(err, len,
                    "\"%.80s\" is not a CIDR: bits are set past the prefix (the network is "
                    "%s/%u)",
                    text, a, out->prefix);
    }
    if (h.family == AF_INET6 && out->prefix >= 96u && v4_mapped(h.addr))
        return fail(err, len,
                    "\"%.80s\" is an IPv4-mapped network: write it as IPv4 (an IPv4-mapped "
                    "host is matched as the IPv4 address it maps)",
                    text);
    out->kind = h.family == AF_INET ? CFG_ALLOW_NET4 : CFG_ALLOW_NET6;
    memcpy(out->addr, h.addr, alen);
    return 0;
}

int cfg_allow_parse(const char *text, struct cfg_allow *out, char *err, size_t len)
{
    if (text == NULL || out == NULL)
        return fail(err, len, "no pattern");
    memset(out, 0, sizeof *out);
    if (strcmp(text, "*") == 0) {
        out->kind = CFG_ALLOW_ANY;
        return 0;
    }
    if (strchr(text, '/') != NULL)
        return parse_net(text, out, err, len);
    bool suffix = strncmp(text, "*.", 2) == 0;
    const char *rest = suffix ? text + 2 : text;
    if (strchr(rest, '*') != NULL)
        return fail(err, len,
                    "\"%.80s\": a wildcard is only allowed as the whole first label "
                    "(*.contoso.com)",
                    text);
    if (strchr(rest, ':') != NULL && strchr(strchr(rest, ':') + 1, ':') == NULL)
        return fail(err, len,
                    "\"%.80s\": no port in a pattern (an allowed host is allowed on any port)",
                    text);
    if (rest[0] == '[')
        return fail(err, len, "\"%.80s\": write an IPv6 address without brackets", text);
    struct host h;
    if (classify(rest, &h, false, suffix ? "the domain" : "the pattern", err, len) < 0)
        return -1;
    if (h.family != 0 && suffix)
        return fail(err, len, "\"%.80s\": a wildcard goes with a domain name, not an address",
                    text);
    if (h.family == AF_INET6 && v4_mapped(h.addr))
        return fail(err, len,
                    "\"%.80s\" is an IPv4-mapped address: write it as IPv4 (an IPv4-mapped "
                    "host is matched as the IPv4 address it maps)",
                    text);
    if (h.family == AF_INET || h.family == AF_INET6) {
        out->kind = h.family == AF_INET ? CFG_ALLOW_NET4 : CFG_ALLOW_NET6;
        out->prefix = h.family == AF_INET ? 32u : 128u;
        memcpy(out->addr, h.addr, sizeof h.addr);
        return 0;
    }
    if (suffix) {
        out->kind = CFG_ALLOW_SUFFIX;
        out->name[0] = '.';
        memcpy(out->name + 1, h.name, strlen(h.name) + 1);
    } else {
        out->kind = CFG_ALLOW_NAME;
        memcpy(out->name, h.name, strlen(h.name) + 1);
    }
    return 0;
}

static bool matches(const struct cfg_allow *p, const struct host *h)
{
    switch (p->kind) {
    case CFG_ALLOW_ANY:
        return true;
    case CFG_ALLOW_NAME:
        return h->family == 0 && strcmp(p->name, h->name) == 0;
    case CFG_ALLOW_SUFFIX: {
        if (h->family != 0)
            return false;
        size_t hn = strlen(h->name), sn = strlen(p->name);
        return hn > sn && strcmp(h->name + hn - sn, p->name) == 0;
    }
    case CFG_ALLOW_NET4:
        return h->family == AF_INET && same_prefix(p->addr, h->addr, p->prefix);
    case CFG_ALLOW_NET6:
        return h->family == AF_INET6 && same_prefix(p->addr, h->addr, p->prefix);
    }
    return false;
}

int cfg_allow_check(const struct cfg_allow *v, size_t n, const char *host, char *err,
                    size_t len)
{
    if (host == NULL) {
        fail(err, len, "no host");
        return CFG_ALLOW_BAD;
    }
    char name[TEXT_MAX];
    unsigned port = 0;
    if (strnlen(host, TEXT_MAX) >= TEXT_MAX ||
        check_host_split(host, 443u, name, sizeof name, &port) < 0) {
        fail(err, len, "\"%.80s\" is not NAME, NAME:PORT, [IPv6] or [IPv6]:PORT", host);
        return CFG_ALLOW_BAD;
    }
    if (host[0] == '[' && strchr(name, ':') == NULL) {
        fail(err, len, "\"%.80s\": brackets hold an IPv6 address", host);
        return CFG_ALLOW_BAD;
    }
    struct host h;
    if (classify(name, &h, true, "the host", err, len) < 0)
        return CFG_ALLOW_BAD;
    for (size_t i = 0; v != NULL && i < n; i++)
        if (matches(&v[i], &h))
            return CFG_ALLOW_YES;
    return CFG_ALLOW_NO;
}

bool cfg_allow_credentialed(const struct check_opts *opts, const char *password_file,
                            const char *password_env)
{
    if (opts == NULL)
        return false;
    if (opts->depth != CHECK_DEPTH_TUNNEL && opts->depth != CHECK_DEPTH_AUTH)
        return false; /* tls, echo: nothing is sent but the unauthenticated echo */
    return opts->user != NULL || password_file != NULL || password_env != NULL ||
           opts->keytab != NULL || opts->auth == CHECK_AUTH_NEGOTIATE;
}

/* One address of a resolve entry (ADDR or [ADDR]; s[0..n)) under v. */
static int resolve_addr(const struct cfg_allow *v, size_t n, const char *list, const char *s,
                        size_t sn, char *err, size_t len)
{
    char addr[INET6_ADDRSTRLEN + 2], host[INET6_ADDRSTRLEN + 4];
    if (sn >= 2 && s[0] == '[' && s[sn - 1] == ']') {
        s++;
        sn -= 2;
    }
    uint8_t a[16];
    if (sn == 0 || sn >= sizeof addr) {
        fail(err, len, "\"%.*s\" is not an IP address", (int)(sn < 80 ? sn : 80), s);
        return CFG_ALLOW_BAD;
    }
    memcpy(addr, s, sn);
    addr[sn] = '\0';
    bool v6 = inet_pton(AF_INET6, addr, a) == 1;
    if (!v6 && inet_pton(AF_INET, addr, a) != 1) {
        fail(err, len, "\"%s\" is not an IP address", addr);
        return CFG_ALLOW_BAD;
    }
    snprintf(host, sizeof host, v6 ? "[%s]" : "%s", addr);
    char why[300];
    int rc = cfg_allow_check(v, n, host, why, sizeof why);
    if (rc == CFG_ALLOW_BAD)
        fail(err, len, "%s", why);
    else if (rc == CFG_ALLOW_NO)
        fail(err, len,
             "the address %s is not in %s (resolve connects the target's name there, and "
             "the target carries credentials)",
             addr, list);
    return rc;
}

int cfg_allow_target(const struct cfg_allow *v, size_t n, const char *list,
                     const struct check_opts *opts, const char *password_file,
                     const char *password_env, char *key, size_t klen, char *err, size_t len)
{
    if (key != NULL && klen > 0)
        key[0] = '\0';
    if (!cfg_allow_credentialed(opts, password_file, password_env))
        return CFG_ALLOW_YES;
    if (key != NULL && klen > 0)
        snprintf(key, klen, "host");
    char why[300];
    int rc = cfg_allow_check(v, n, opts->host, why, sizeof why);
    if (rc == CFG_ALLOW_BAD) {
        fail(err, len, "%s", why);
        return rc;
    }
    if (rc == CFG_ALLOW_NO) {
        if (n == 0)
            fail(err, len,
                 "the target carries credentials and %s is not set: no host may be sent "
                 "them (list the hosts in %s, or use depth tls or echo)",
                 list, list);
        else
            fail(err, len,
                 "the target carries credentials and host \"%.80s\" is not in %s (list it "
                 "there, or use depth tls or echo)",
                 opts->host ? opts->host : "", list);
        return rc;
    }
    for (size_t i = 0; i < opts->n_resolve; i++) {
        const char *e = opts->resolve[i];
        const char *c1 = e ? strchr(e, ':') : NULL;
        const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (key != NULL && klen > 0)
            snprintf(key, klen, "resolve[%zu]", i);
        if (c2 == NULL) {
            fail(err, len, "not HOST:PORT:ADDR");
            return CFG_ALLOW_BAD;
        }
        for (const char *a = c2 + 1;;) {
            const char *end = strchr(a, ',');
            size_t an = end ? (size_t)(end - a) : strlen(a);
            rc = resolve_addr(v, n, list, a, an, err, len);
            if (rc != CFG_ALLOW_YES)
                return rc;
            if (end == NULL)
                break;
            a = end + 1;
        }
    }
    if (key != NULL && klen > 0)
        key[0] = '\0';
    return CFG_ALLOW_YES;
}
