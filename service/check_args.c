/*
 * check_args.c: the `oaprobe check` command line (see check_args.h).
 */
#include "probes/check/check_args.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "probes/check/check_opts.h"

static const char usage_text[] =
    "usage: oaprobe check [options] HOST\n"
    "\n"
    "Checks the Outlook Anywhere (RPC over HTTP) endpoint HOST end to end: DNS,\n"
    "TCP, TLS and certificate, the RPC proxy echo, authentication, and one\n"
    "tunnel and bind per RPC server name and port.\n"
    "\n"
    "options:\n"
    "  --server NAME          RPC server name (repeatable; default: the NetBIOS\n"
    "                         and DNS names from the NTLM challenge)\n"
    "  --ports LIST           backend ports (default 6001,6002,6004)\n"
    "  --user 'DOMAIN\\user'   account to authenticate with\n"
    "  --password-file FILE   read the password from FILE (or OAPROBE_PASSWORD)\n"
    "  --auth SCHEME          ntlm (default), basic or negotiate\n"
    "  --keytab FILE          negotiate: client keytab for --user\n"
    "  --depth LAYER          stop after a layer: tls, echo (no credentials\n"
    "                         needed), auth, tunnel (default: every layer)\n"
    "  --resolve H:P:ADDR     use ADDR for H:P (repeatable, like curl)\n"
    "  --cacert FILE          trust the CAs in FILE instead of the system store\n"
    "  --insecure             do not judge certificate trust and name\n"
    "  --http                 plain HTTP on port 80\n"
    "  --direct-ports         also TCP-check the ports on HOST itself\n"
    "  --timeout SECONDS      overall deadline (default 15)\n"
    "  --cert-warn-days N     warn this many days before expiry (default 14)\n"
    "  --json                 print one JSON object\n"
    "  -v, -vv                trace stages (and HTTP headers) on stderr\n"
    "  -h, --help             this text\n"
    "\n"
    "Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (including bad usage).\n";

const char *check_args_usage(void)
{
    return usage_text;
}

static int fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t len, const char *fmt, ...)
{
    if (err != NULL && len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, len, fmt, ap);
        va_end(ap);
    }
    return CHECK_ARGS_ERROR;
}

int check_args_ports(const char *list, uint16_t *ports, size_t cap)
{
    if (list == NULL || ports == NULL)
        return -1;
    size_t n = 0;
    const char *p = list;
    for (;;) {
        unsigned long v = 0;
        size_t digits = 0;
        while (isdigit((unsigned char)*p) && digits < 6) {
            v = v * 10u + (unsigned long)(*p - '0');
            p++;
            digits++;
        }
        if (digits == 0 || v == 0 || v > 65535u || n >= cap)
            return -1;
        for (size_t i = 0; i < n; i++)
            if (ports[i] == v)
                return -1;
        ports[n++] = (uint16_t)v;
        if (*p == '\0')
            return (int)n;
        if (*p != ',')
            return -1;
        p++;
    }
}

int check_args_seconds(const char *s, unsigned *ms)
{
    if (s == NULL || ms == NULL || *s == '\0')
        return -1;
    unsigned long whole = 0, frac = 0;
    size_t digits = 0, fdigits = 0;
    const char *p = s;
    while (isdigit((unsigned char)*p) && digits < 5) {
        whole = whole * 10u + (unsigned long)(*p++ - '0');
        digits++;
    }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p) && fdigits < 4) {
            frac = frac * 10u + (unsigned long)(*p++ - '0');
            fdigits++;
        }
        if (fdigits == 0 || fdigits > 3)
            return -1;
    }
    if (*p != '\0' || (digits == 0 && fdigits == 0))
        return -1;
    while (fdigits++ < 3)
        frac *= 10u;
    unsigned long total = whole * 1000u + frac;
    if (total == 0 || total > 3600000u)
        return -1;
    *ms = (unsigned)total;
    return 0;
}

/* A decimal integer 0..max, digits only. */
static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    unsigned long v = 0;
    size_t n = 0;
    for (; isdigit((unsigned char)s[n]) && n < 10; n++)
        v = v * 10u + (unsigned long)(s[n] - '0');
    if (n == 0 || s[n] != '\0' || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* Options that take a value. */
enum opt_id {
    O_SERVER,
    O_PORTS,
    O_USER,
    O_PASSWORD_FILE,
    O_AUTH,
    O_KEYTAB,
    O_DEPTH,
    O_RESOLVE,
    O_CACERT,
    O_TIMEOUT,
    O_WARN_DAYS,
    O_INSECURE,
    O_HTTP,
    O_DIRECT,
    O_JSON,
    O_HELP,
};

static const struct {
    const char *name;
    enum opt_id id;
    bool value;
} options[] = {
    {"--server", O_SERVER, true},
    {"--ports", O_PORTS, true},
    {"--user", O_USER, true},
    {"--password-file", O_PASSWORD_FILE, true},
    {"--auth", O_AUTH, true},
    {"--keytab", O_KEYTAB, true},
    {"--depth", O_DEPTH, true},
    {"--resolve", O_RESOLVE, true},
    {"--cacert", O_CACERT, true},
    {"--timeout", O_TIMEOUT, true},
    {"--cert-warn-days", O_WARN_DAYS, true},
    {"--insecure", O_INSECURE, false},
    {"--http", O_HTTP, false},
    {"--direct-ports", O_DIRECT, false},
    {"--json", O_JSON, false},
    {"--help", O_HELP, false},
};

static int apply(struct check_args *a, enum opt_id id, const char *name, const char *v, char *err,
                 size_t len)
{
    struct check_opts *o = &a->opts;
    unsigned ms;
    int n;
    switch (id) {
    case O_SERVER:
        if (o->n_servers >= CHECK_MAX_SERVERS)
            return fail(err, len, "%s: at most %u server names", name, CHECK_MAX_SERVERS);
        if (!check_name_ok(v, true))
            return fail(err, len, "%s: bad server name '%s'", name, v);
        o->servers[o->n_servers++] = v;
        return 0;
    case O_PORTS:
        n = check_args_ports(v, o->ports, CHECK_MAX_PORTS);
        if (n < 0)
            return fail(err, len,
                        "%s: bad port list '%s' (want 1-65535, comma separated, "
                        "at most %u, no repeats)",
                        name, v, CHECK_MAX_PORTS);
        o->n_ports = (size_t)n;
        return 0;
    case O_USER:
        if (v[0] == '\0' || strlen(v) >= CHECK_NAME_MAX)
            return fail(err, len, "%s: bad user name", name);
        o->user = v;
        return 0;
    case O_PASSWORD_FILE:
        if (v[0] == '\0')
            return fail(err, len, "%s: empty file name", name);
        a->password_file = v;
        return 0;
    case O_AUTH:
        if (strcmp(v, "ntlm") == 0)
            o->auth = CHECK_AUTH_NTLM;
        else if (strcmp(v, "basic") == 0)
            o->auth = CHECK_AUTH_BASIC;
        else if (strcmp(v, "negotiate") == 0)
            o->auth = CHECK_AUTH_NEGOTIATE;
        else
            return fail(err, len, "%s: unknown scheme '%s' (ntlm, basic or negotiate)", name, v);
        return 0;
    case O_KEYTAB:
        o->keytab = v;
        return 0;
    case O_DEPTH:
        if (check_depth_parse(v, &o->depth) < 0)
            return fail(err, len, "%s: unknown depth '%s' (tls, echo, auth or tunnel)", name, v);
        return 0;
    case O_RESOLVE:
        if (o->n_resolve >= CHECK_MAX_RESOLVE)
            return fail(err, len, "%s: at most %u entries", name, CHECK_MAX_RESOLVE);
        if (!check_resolve_ok(v, NULL))
            return fail(err, len, "%s: bad entry '%s' (want HOST:PORT:ADDR)", name, v);
        o->resolve[o->n_resolve++] = v;
        return 0;
    case O_CACERT:
        o->cacert = v;
        a->cacert_file = v;
        return 0;
    case O_TIMEOUT:
        if (check_args_seconds(v, &ms) < 0)
            return fail(err, len,
                        "%s: bad value '%s' (seconds, > 0, <= 3600, up to 3 "
                        "decimals)",
                        name, v);
        o->timeout_ms = ms;
        return 0;
    case O_WARN_DAYS:
        if (parse_uint(v, 3650u, &o->cert_warn_days) < 0)
            return fail(err, len, "%s: bad value '%s' (days, 0-3650)", name, v);
        return 0;
    case O_INSECURE:
        o->insecure = true;
        return 0;
    case O_HTTP:
        o->http = true;
        return 0;
    case O_DIRECT:
        o->direct_ports = true;
        return 0;
    case O_JSON:
        a->json = true;
        return 0;
    case O_HELP:
        a->help = true;
        return 0;
    }
    return fail(err, len, "internal: unhandled option %s", name);
}

int check_args_parse(int argc, char *const *argv, struct check_args *a, char *err, size_t len)
{
    if (a == NULL || argv == NULL || argc < 1)
        return fail(err, len, "no arguments");
    memset(a, 0, sizeof *a);
    a->opts.cert_warn_days = CHECK_DEFAULT_WARN_DAYS;
    a->opts.timeout_ms = CHECK_DEFAULT_TIMEOUT_MS;
    bool only_args = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg == NULL)
            return fail(err, len, "NULL argument");
        if (only_args || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (a->opts.host != NULL)
                return fail(err, len, "one HOST only ('%s' and '%s')", a->opts.host, arg);
            a->opts.host = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_args = true;
            continue;
        }
        if (strcmp(arg, "-h") == 0) {
            a->help = true;
            continue;
        }
        if (arg[1] == 'v' && strspn(arg + 1, "v") == strlen(arg + 1)) {
            a->opts.verbose += (int)strlen(arg + 1);
            continue;
        }
        if ((strncmp(arg, "--password", 10) == 0 && (arg[10] == '\0' || arg[10] == '=')) ||
            strcmp(arg, "-p") == 0)
            return fail(err, len,
                        "a password on the command line is refused (other users "
                        "see it): use --password-file FILE or OAPROBE_PASSWORD");
        const char *eq = strchr(arg, '=');
        size_t nlen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
        size_t k;
        for (k = 0; k < sizeof options / sizeof options[0]; k++)
            if (strlen(options[k].name) == nlen && strncmp(options[k].name, arg, nlen) == 0)
                break;
        if (k == sizeof options / sizeof options[0])
            return fail(err, len, "unknown option '%.*s'", (int)(nlen > 60 ? 60 : nlen), arg);
        const char *value = NULL;
        if (options[k].value) {
            if (eq != NULL)
                value = eq + 1;
            else if (i + 1 < argc && argv[i + 1] != NULL)
                value = argv[++i];
            else
                return fail(err, len, "%s needs a value", options[k].name);
        } else if (eq != NULL) {
            return fail(err, len, "%s takes no value", options[k].name);
        }
        if (apply(a, options[k].id, options[k].name, value, err, len) < 0)
            return CHECK_ARGS_ERROR;
    }
    if (a->help)
        return CHECK_ARGS_HELP;
    if (a->opts.host == NULL)
        return fail(err, len, "no HOST given (the public name of the RPC proxy)");
    char name[CHECK_NAME_MAX];
    unsigned port;
    if (check_host_split(a->opts.host, a->opts.http ? 80u : 443u, name, sizeof name, &port) < 0)
        return fail(err, len, "bad HOST '%s'", a->opts.host);
    if (a->opts.keytab != NULL && a->opts.auth != CHECK_AUTH_NEGOTIATE)
        return fail(err, len, "--keytab needs --auth negotiate");
    return CHECK_ARGS_OK;
}
