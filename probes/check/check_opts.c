/*
 * check_opts.c: option validation and copying (see check_opts.h).
 */
#include "probes/check/check_opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probes/check/check_int.h"
#include "probes/check/check_tls.h"
#include "probes/common/ascii.h"
#include "probes/common/errbuf.h"

static const uint16_t default_ports[] = {6001, 6002, 6004};

bool check_name_ok(const char *name, bool allow_colon)
{
    if (name == NULL)
        return false;
    size_t n = strlen(name);
    if (n == 0 || n >= CHECK_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ascii_isalnum(ch) || ch == '-' || ch == '.' || ch == '_')
            continue;
        if (allow_colon && ch == ':')
            continue;
        return false;
    }
    return true;
}

static bool parse_port(const char *s, size_t n, unsigned *port)
{
    if (n == 0 || n > 5)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ascii_isdigit((unsigned char)s[i]))
            return false;
        v = v * 10u + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > 65535u)
        return false;
    *port = v;
    return true;
}

int check_host_split(const char *host, unsigned dflt, char *name, size_t cap, unsigned *port)
{
    if (host == NULL || name == NULL || port == NULL || cap == 0)
        return -1;
    const char *end;
    const char *nm = host;
    size_t nlen;
    *port = dflt;
    if (host[0] == '[') {
        end = strchr(host, ']');
        if (end == NULL)
            return -1;
        nm = host + 1;
        nlen = (size_t)(end - nm);
        if (end[1] == ':') {
            if (!parse_port(end + 2, strlen(end + 2), port))
                return -1;
        } else if (end[1] != '\0') {
            return -1;
        }
    } else {
        const char *colon = strchr(host, ':');
        if (colon != NULL && strchr(colon + 1, ':') == NULL) {
            nlen = (size_t)(colon - host);
            if (!parse_port(colon + 1, strlen(colon + 1), port))
                return -1;
        } else {
            nlen = strlen(host); /* a bare name, or a bare IPv6 literal */
        }
    }
    if (nlen == 0 || nlen >= cap)
        return -1;
    memcpy(name, nm, nlen);
    name[nlen] = '\0';
    return check_name_ok(name, true) ? 0 : -1;
}

bool check_resolve_ok(const char *entry, unsigned *port)
{
    if (entry == NULL)
        return false;
    const char *c1 = strchr(entry, ':');
    if (c1 == NULL || c1 == entry)
        return false;
    const char *c2 = strchr(c1 + 1, ':');
    if (c2 == NULL)
        return false;
    unsigned p;
    if (!parse_port(c1 + 1, (size_t)(c2 - c1 - 1), &p))
        return false;
    const char *a = c2 + 1;
    if (*a == '\0' || strlen(entry) > 1024)
        return false;
    for (; *a != '\0'; a++) {
        unsigned char ch = (unsigned char)*a;
        if (!(ascii_hex_value(ch) >= 0 || ch == '.' || ch == ':' || ch == '[' || ch == ']' ||
              ch == ','))
            return false;
    }
    char host[CHECK_NAME_MAX];
    size_t hl = (size_t)(c1 - entry);
    if (entry[0] == '+' || entry[0] == '-') /* curl's +/- prefixes are not supported */
        return false;
    if (hl >= sizeof host)
        return false;
    memcpy(host, entry, hl);
    host[hl] = '\0';
    if (!check_name_ok(host, false))
        return false;
    if (port != NULL)
        *port = p;
    return true;
}

static char *dup_or_fail(const char *s, bool *ok)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        *ok = false;
    return d;
}

static int add_resolve(struct curl_slist **l, const char *entry)
{
    struct curl_slist *t = curl_slist_append(*l, entry);
    if (t == NULL)
        return -1;
    *l = t;
    return 0;
}

/* For the direct-port checks: the caller's addresses for HOST:443 apply to HOST:6001 too. */
static int derive_direct_resolve(struct check *c)
{
    for (struct curl_slist *e = c->resolve; e != NULL; e = e->next) {
        if (add_resolve(&c->resolve_direct, e->data) < 0)
            return -1;
        const char *c1 = strchr(e->data, ':');
        const char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL)
            continue;
        size_t hl = (size_t)(c1 - e->data);
        if (hl != strlen(c->host) || strncasecmp(e->data, c->host, hl) != 0)
            continue;
        if (strtoul(c1 + 1, NULL, 10) != c->obs.port)
            continue;
        for (size_t i = 0; i < c->n_ports; i++) {
            char line[1100];
            snprintf(line, sizeof line, "%.*s:%u:%s", (int)hl, e->data, c->ports[i], c2 + 1);
            if (add_resolve(&c->resolve_direct, line) < 0)
                return -1;
        }
    }
    return 0;
}

int check_opts_copy(struct check *c, const struct check_opts *o, char *err, size_t len)
{
    if (c == NULL || o == NULL)
        return errbuf_fail(err, len, "no options");
    char name[CHECK_NAME_MAX];
    unsigned port;
    if (o->host == NULL ||
        check_host_split(o->host, o->http ? 80u : 443u, name, sizeof name, &port) < 0)
        return errbuf_fail(err, len, "bad host name '%s'", o->host != NULL ? o->host : "");
    if (o->n_servers > CHECK_MAX_SERVERS)
        return errbuf_fail(err, len, "at most %u --server names", CHECK_MAX_SERVERS);
    for (size_t i = 0; i < o->n_servers; i++)
        if (!check_name_ok(o->servers[i], true))
            return errbuf_fail(err, len, "bad server name '%s'",
                               o->servers[i] ? o->servers[i] : "");
    if (o->n_ports > CHECK_MAX_PORTS)
        return errbuf_fail(err, len, "at most %u ports", CHECK_MAX_PORTS);
    for (size_t i = 0; i < o->n_ports; i++)
        if (o->ports[i] == 0)
            return errbuf_fail(err, len, "port 0 is not a port");
    if (o->n_resolve > CHECK_MAX_RESOLVE)
        return errbuf_fail(err, len, "at most %u --resolve entries", CHECK_MAX_RESOLVE);
    for (size_t i = 0; i < o->n_resolve; i++)
        if (!check_resolve_ok(o->resolve[i], NULL))
            return errbuf_fail(err, len, "bad --resolve entry '%s' (want HOST:PORT:ADDR)",
                               o->resolve[i] ? o->resolve[i] : "");
    if ((unsigned)o->auth > CHECK_AUTH_NEGOTIATE)
        return errbuf_fail(err, len, "unknown authentication scheme");
    if (o->user != NULL && (o->user[0] == '\0' || strlen(o->user) >= CHECK_NAME_MAX))
        return errbuf_fail(err, len, "bad user name");
    if ((unsigned)o->depth > CHECK_DEPTH_TLS)
        return errbuf_fail(err, len, "unknown check depth");
    if (o->user != NULL && o->password == NULL && o->auth != CHECK_AUTH_NEGOTIATE &&
        check_depth_runs(o->depth, CHECK_DEPTH_AUTH))
        return errbuf_fail(err, len,
                           "a password is needed for %s (use --password-file or "
                           "OAPROBE_PASSWORD)",
                           check_auth_name(o->auth));
    if (o->timeout_ms > 3600000u)
        return errbuf_fail(err, len, "timeout above one hour");

    bool ok = true;
    c->host = dup_or_fail(name, &ok);
    snprintf(c->obs.host, sizeof c->obs.host, "%s", name);
    c->obs.port = (uint16_t)port;
    c->obs.tls = !o->http;
    for (size_t i = 0; i < o->n_servers; i++)
        c->servers_given[i] = dup_or_fail(o->servers[i], &ok);
    c->n_servers_given = o->n_servers;
    if (o->n_ports == 0) {
        memcpy(c->ports, default_ports, sizeof default_ports);
        c->n_ports = sizeof default_ports / sizeof default_ports[0];
    } else {
        memcpy(c->ports, o->ports, o->n_ports * sizeof o->ports[0]);
        c->n_ports = o->n_ports;
    }
    c->user = dup_or_fail(o->user, &ok);
    if (o->password != NULL) {
        c->password_len = strlen(o->password);
        c->password = malloc(c->password_len + 1);
        if (c->password == NULL)
            ok = false;
        else
            memcpy(c->password, o->password, c->password_len + 1);
    }
    c->auth = o->auth;
    c->depth = o->depth;
    for (size_t i = 0; i < o->n_resolve && ok; i++)
        if (add_resolve(&c->resolve, o->resolve[i]) < 0)
            ok = false;
    c->cacert = dup_or_fail(o->cacert, &ok);
    c->trust = check_trust_ref(o->trust);
    c->keytab = dup_or_fail(o->keytab, &ok);
    c->insecure = o->insecure;
    c->http = o->http;
    c->direct_ports = o->direct_ports;
    c->timeout_ms = o->timeout_ms ? o->timeout_ms : CHECK_DEFAULT_TIMEOUT_MS;
    c->cert_warn_days = o->cert_warn_days ? o->cert_warn_days : CHECK_DEFAULT_WARN_DAYS;
    c->verbose = o->verbose;
    c->trace = o->trace;
    c->trace_arg = o->trace_arg;
    c->obs.timeout_ms = c->timeout_ms;
    if (ok && c->direct_ports && derive_direct_resolve(c) < 0)
        ok = false;
    if (!ok)
        return errbuf_fail(err, len, "out of memory");
    return 0;
}

void check_opts_free(struct check *c)
{
    if (c == NULL)
        return;
    if (c->password != NULL) {
        explicit_bzero(c->password, c->password_len);
        free(c->password);
        c->password = NULL;
        c->password_len = 0;
    }
    free(c->host);
    for (size_t i = 0; i < CHECK_MAX_SERVERS; i++) {
        free(c->servers_given[i]);
        c->servers_given[i] = NULL;
    }
    free(c->user);
    free(c->cacert);
    check_trust_unref(c->trust);
    c->trust = NULL;
    free(c->keytab);
    curl_slist_free_all(c->resolve);
    curl_slist_free_all(c->resolve_direct);
    c->host = c->user = c->cacert = c->keytab = NULL;
    c->resolve = c->resolve_direct = NULL;
}
