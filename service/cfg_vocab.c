/*
 * cfg_vocab.c: the check options' table, setters and value grammars (see
 * cfg_vocab.h).
 */
#include "service/cfg_vocab.h"

#include <string.h>

#include "probes/check/check_opts.h"
#include "probes/common/ascii.h"
#include "probes/common/errbuf.h"
#include "probes/validports/vp_lint.h"

#define SECONDS_MAX_MS 3600000u
#define DURATION_MAX_MS (10ull * 366u * 86400000ull)
#define WARN_DAYS_MAX 3650u

static int set_host(struct check_settings *s, const char *v, char *err, size_t len)
{
    char name[CHECK_NAME_MAX];
    unsigned port;
    if (check_host_split(v, 443u, name, sizeof name, &port) < 0)
        return errbuf_fail(err, len, "bad host '%s' (want NAME, NAME:PORT, [IPv6] or [IPv6]:PORT)",
                           v);
    s->opts.host = v;
    return 0;
}

static int set_servers(struct check_settings *s, const char *v, char *err, size_t len)
{
    if (s->opts.n_servers >= CHECK_MAX_SERVERS)
        return errbuf_fail(err, len, "at most %u server names", CHECK_MAX_SERVERS);
    if (!check_name_ok(v, true))
        return errbuf_fail(err, len, "bad server name '%s' (letters, digits, '-', '.', '_')", v);
    s->opts.servers[s->opts.n_servers++] = v;
    return 0;
}

static int set_ports(struct check_settings *s, const char *v, char *err, size_t len)
{
    int n = cfg_ports_parse(v, s->opts.ports, CHECK_MAX_PORTS, err, len);
    if (n < 0)
        return -1;
    s->opts.n_ports = (size_t)n;
    return 0;
}

static int set_user(struct check_settings *s, const char *v, char *err, size_t len)
{
    if (v[0] == '\0' || strlen(v) >= CHECK_NAME_MAX)
        return errbuf_fail(err, len, "bad user name (1-%u bytes)", CHECK_NAME_MAX - 1);
    s->opts.user = v;
    return 0;
}

static int set_password_file(struct check_settings *s, const char *v, char *err, size_t len)
{
    if (v[0] == '\0')
        return errbuf_fail(err, len, "empty file name");
    s->password_file = v;
    return 0;
}

static int set_password(struct check_settings *s, const char *v, char *err, size_t len)
{
    char name[CFG_ENV_NAME_MAX];
    if (cfg_env_ref(v, name, sizeof name) < 0)
        return errbuf_fail(err, len,
                           "a literal password is refused (it would sit in the file): give "
                           "\"${VARIABLE}\" naming an environment variable, or use password_file");
    s->password_env = v;
    return 0;
}

static int set_auth(struct check_settings *s, const char *v, char *err, size_t len)
{
    if (check_auth_parse(v, &s->opts.auth) < 0)
        return errbuf_fail(err, len, "unknown scheme '%s' (ntlm, basic or negotiate)", v);
    return 0;
}

static int set_keytab(struct check_settings *s, const char *v, char *err, size_t len)
{
    if (v[0] == '\0')
        return errbuf_fail(err, len, "empty file name");
    s->opts.keytab = v;
    return 0;
}

static int set_depth(struct check_settings *s, const char *v, char *err, size_t len)
{
    if (check_depth_parse(v, &s->opts.depth) < 0)
        return errbuf_fail(err, len, "unknown depth '%s' (tls, echo, auth or tunnel)", v);
    return 0;
}

static int set_resolve(struct check_settings *s, const char *v, char *err, size_t len)
{
    if (s->opts.n_resolve >= CHECK_MAX_RESOLVE)
        return errbuf_fail(err, len, "at most %u entries", CHECK_MAX_RESOLVE);
    if (!check_resolve_ok(v, NULL))
        return errbuf_fail(err, len, "bad entry '%s' (want HOST:PORT:ADDR)", v);
    s->opts.resolve[s->opts.n_resolve++] = v;
    return 0;
}

static int set_cacert(struct check_settings *s, const char *v, char *err, size_t len)
{
    if (v[0] == '\0')
        return errbuf_fail(err, len, "empty file name");
    s->opts.cacert = v;
    return 0;
}

static int set_flag(bool *dst, const char *v, char *err, size_t len)
{
    if (cfg_bool_parse(v, dst) < 0)
        return errbuf_fail(err, len, "'%s' is not true or false", v);
    return 0;
}

static int set_insecure(struct check_settings *s, const char *v, char *err, size_t len)
{
    return set_flag(&s->opts.insecure, v, err, len);
}

static int set_http(struct check_settings *s, const char *v, char *err, size_t len)
{
    return set_flag(&s->opts.http, v, err, len);
}

static int set_direct_ports(struct check_settings *s, const char *v, char *err, size_t len)
{
    return set_flag(&s->opts.direct_ports, v, err, len);
}

static int set_timeout(struct check_settings *s, const char *v, char *err, size_t len)
{
    unsigned ms;
    if (cfg_seconds_parse(v, &ms) < 0)
        return errbuf_fail(err, len,
                           "bad value '%s' (seconds such as 15 or 2.5, or a duration such as "
                           "15s; > 0, <= 3600 s, up to 3 decimals)",
                           v);
    s->opts.timeout_ms = ms;
    return 0;
}

static int set_warn_days(struct check_settings *s, const char *v, char *err, size_t len)
{
    unsigned long d = 0;
    size_t n = 0;
    for (; ascii_isdigit((unsigned char)v[n]) && n < 10; n++)
        d = d * 10u + (unsigned long)(v[n] - '0');
    if (n == 0 || v[n] != '\0' || d > WARN_DAYS_MAX)
        return errbuf_fail(err, len, "bad value '%s' (days, 0-%u)", v, WARN_DAYS_MAX);
    s->opts.cert_warn_days = (unsigned)d;
    return 0;
}

static const struct cfg_opt table[] = {
    {CFG_O_HOST, "host", NULL, "HOST", CFG_VT_STRING, 0,
     "public name of the RPC proxy (NAME[:PORT], [IPv6][:PORT])", set_host},
    {CFG_O_SERVERS, "servers", "--server", "NAME", CFG_VT_LIST, 0,
     "RPC server name (repeatable; default: the NetBIOS and DNS names from the NTLM challenge)",
     set_servers},
    {CFG_O_PORTS, "ports", "--ports", "LIST", CFG_VT_PORTS, 0,
     "backend ports such as 6001-6002,6004 (default 6001,6002,6004)", set_ports},
    {CFG_O_USER, "user", "--user", "'DOMAIN\\user'", CFG_VT_STRING, 0,
     "account to authenticate with", set_user},
    {CFG_O_PASSWORD_FILE, "password_file", "--password-file", "FILE", CFG_VT_STRING, 0,
     "read the password from FILE (or OAPROBE_PASSWORD)", set_password_file},
    {CFG_O_PASSWORD, "password", NULL, "${VAR}", CFG_VT_STRING, CFG_OPT_SECRET,
     "the password from an environment variable (only as \"${VAR}\")", set_password},
    {CFG_O_AUTH, "auth", "--auth", "SCHEME", CFG_VT_STRING, 0, "ntlm (default), basic or negotiate",
     set_auth},
    {CFG_O_KEYTAB, "keytab", "--keytab", "FILE", CFG_VT_STRING, 0,
     "negotiate: client keytab for --user", set_keytab},
    {CFG_O_DEPTH, "depth", "--depth", "LAYER", CFG_VT_STRING, 0,
     "stop after a layer: tls, echo (no credentials needed), auth, tunnel (default)", set_depth},
    {CFG_O_RESOLVE, "resolve", "--resolve", "H:P:ADDR", CFG_VT_LIST, 0,
     "use ADDR for H:P (repeatable, like curl)", set_resolve},
    {CFG_O_CACERT, "cacert", "--cacert", "FILE", CFG_VT_STRING, 0,
     "trust the CAs in FILE instead of the system store", set_cacert},
    {CFG_O_INSECURE, "insecure", "--insecure", NULL, CFG_VT_BOOL, 0,
     "do not judge certificate trust and name", set_insecure},
    {CFG_O_HTTP, "http", "--http", NULL, CFG_VT_BOOL, 0, "plain HTTP on port 80", set_http},
    {CFG_O_DIRECT_PORTS, "direct_ports", "--direct-ports", NULL, CFG_VT_BOOL, 0,
     "also TCP-check the ports on HOST itself", set_direct_ports},
    {CFG_O_TIMEOUT, "timeout", "--timeout", "SECONDS", CFG_VT_SECONDS, 0,
     "overall deadline (default 15; 2.5 or 15s too)", set_timeout},
    {CFG_O_CERT_WARN_DAYS, "cert_warn_days", "--cert-warn-days", "N", CFG_VT_UINT, 0,
     "warn this many days before expiry (default 14)", set_warn_days},
};

_Static_assert(sizeof table / sizeof table[0] == CFG_O_COUNT, "one row per option");

const struct cfg_opt *cfg_opts(size_t *n)
{
    if (n != NULL)
        *n = sizeof table / sizeof table[0];
    return table;
}

const struct cfg_opt *cfg_opt_by_key(const char *key, size_t n)
{
    if (key == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strlen(table[i].key) == n && memcmp(table[i].key, key, n) == 0)
            return &table[i];
    return NULL;
}

const struct cfg_opt *cfg_opt_by_cli(const char *name, size_t n)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].cli != NULL && strlen(table[i].cli) == n && memcmp(table[i].cli, name, n) == 0)
            return &table[i];
    return NULL;
}

int cfg_opt_set(const struct cfg_opt *o, struct check_settings *s, const char *value, char *err,
                size_t len)
{
    if (o == NULL || s == NULL || value == NULL)
        return errbuf_fail(err, len, "no value");
    if (o->set(s, value, err, len) < 0)
        return -1;
    s->given |= 1ull << o->id;
    return 0;
}

void cfg_opt_reset(const struct cfg_opt *o, struct check_settings *s)
{
    if (o == NULL || s == NULL)
        return;
    if (o->id == CFG_O_SERVERS)
        s->opts.n_servers = 0;
    else if (o->id == CFG_O_RESOLVE)
        s->opts.n_resolve = 0;
}

void check_settings_init(struct check_settings *s)
{
    if (s == NULL)
        return;
    memset(s, 0, sizeof *s);
    s->opts.timeout_ms = CHECK_DEFAULT_TIMEOUT_MS;
    s->opts.cert_warn_days = CHECK_DEFAULT_WARN_DAYS;
    s->opts.depth = CHECK_DEPTH_TUNNEL;
}

int check_settings_finish(const struct check_settings *s, bool cli, char *err, size_t len)
{
    if (s == NULL)
        return errbuf_fail(err, len, "no settings");
    if (s->opts.host == NULL)
        return errbuf_fail(err, len,
                           cli ? "no HOST given (the public name of the RPC proxy)"
                               : "host: missing (the public name of the RPC proxy)");
    char name[CHECK_NAME_MAX];
    unsigned port;
    if (check_host_split(s->opts.host, s->opts.http ? 80u : 443u, name, sizeof name, &port) < 0)
        return errbuf_fail(err, len, cli ? "bad HOST '%s'" : "host: bad host '%s'", s->opts.host);
    if (s->opts.keytab != NULL && s->opts.auth != CHECK_AUTH_NEGOTIATE)
        return errbuf_fail(
            err, len, cli ? "--keytab needs --auth negotiate" : "keytab: needs auth: negotiate");
    if (s->password_file != NULL && s->password_env != NULL)
        return errbuf_fail(err, len, "password_file and password exclude each other");
    return 0;
}

int cfg_ports_parse(const char *list, uint16_t *ports, size_t cap, char *err, size_t len)
{
    if (list == NULL || ports == NULL)
        return errbuf_fail(err, len, "no port list");
    size_t n = 0, off = 0;
    const char *why = "";
    int rc = vp_ports_parse(list, ports, cap, &n, &off, &why);
    if (rc == WIRE_TOOBIG)
        return errbuf_fail(err, len, "bad port list '%s': more than %zu ports", list, cap);
    if (rc != 0)
        return errbuf_fail(err, len,
                           "bad port list '%s': %s at column %zu (want 1-65535 or LOW-HIGH, "
                           "comma separated)",
                           list, rc == VP_NOMEM ? "out of memory" : why, off + 1);
    return (int)n;
}

/* Whole digits into *v (at most maxd of them). Returns the count. */
static size_t digits(const char *p, unsigned maxd, uint64_t *v)
{
    size_t n = 0;
    *v = 0;
    while (ascii_isdigit((unsigned char)p[n]) && n < maxd) {
        *v = *v * 10u + (uint64_t)(p[n] - '0');
        n++;
    }
    return n;
}

int cfg_seconds_parse(const char *s, unsigned *ms)
{
    if (s == NULL || ms == NULL || *s == '\0')
        return -1;
    uint64_t whole = 0, frac = 0, total;
    size_t nd = digits(s, 6, &whole), nf = 0;
    const char *p = s + nd;
    if (nd > 0 && !ascii_isdigit((unsigned char)*p) && *p != '.' && *p != '\0') {
        if (cfg_duration_parse(s, &total) < 0)
            return -1;
    } else {
        if (*p == '.') {
            nf = digits(p + 1, 4, &frac);
            if (nf == 0 || nf > 3)
                return -1;
            p += 1 + nf;
        }
        if (*p != '\0' || (nd == 0 && nf == 0))
            return -1;
        while (nf++ < 3)
            frac *= 10u;
        total = whole * 1000u + frac;
    }
    if (total == 0 || total > SECONDS_MAX_MS)
        return -1;
    *ms = (unsigned)total;
    return 0;
}

int cfg_duration_parse(const char *s, uint64_t *ms)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"w", 604800000ull}, {"d", 86400000ull}, {"h", 3600000ull},
                 {"ms", 1ull},        {"m", 60000ull},    {"s", 1000ull}};
    /* rank: the order units must appear in (w d h m s ms) */
    static const int rank[] = {0, 1, 2, 5, 3, 4};
    if (s == NULL || ms == NULL || *s == '\0')
        return -1;
    uint64_t total = 0;
    int last = -1;
    const char *p = s;
    while (*p != '\0') {
        uint64_t v;
        size_t nd = digits(p, 12, &v);
        if (nd == 0 || nd >= 12)
            return -1;
        p += nd;
        size_t k;
        for (k = 0; k < sizeof units / sizeof units[0]; k++) {
            size_t ul = strlen(units[k].unit);
            if (strncmp(p, units[k].unit, ul) == 0) /* "ms" is tried before "m" */
                break;
        }
        if (k == sizeof units / sizeof units[0] || rank[k] <= last)
            return -1;
        last = rank[k];
        p += strlen(units[k].unit);
        if (v > DURATION_MAX_MS / units[k].ms)
            return -1;
        total += v * units[k].ms;
        if (total > DURATION_MAX_MS)
            return -1;
    }
    *ms = total;
    return 0;
}

int cfg_bool_parse(const char *s, bool *out)
{
    if (s == NULL || out == NULL)
        return -1;
    if (strcmp(s, "true") == 0)
        *out = true;
    else if (strcmp(s, "false") == 0)
        *out = false;
    else
        return -1;
    return 0;
}

int cfg_env_ref(const char *s, char *name, size_t cap)
{
    if (s == NULL || name == NULL || cap == 0 || s[0] != '$' || s[1] != '{')
        return -1;
    const char *p = s + 2;
    size_t n = 0;
    if (!(p[0] == '_' ||
          (ascii_isalnum((unsigned char)p[0]) && !ascii_isdigit((unsigned char)p[0]))))
        return -1;
    while (p[n] == '_' || ascii_isalnum((unsigned char)p[n]))
        n++;
    if (p[n] != '}' || p[n + 1] != '\0' || n >= cap || n >= CFG_ENV_NAME_MAX)
        return -1;
    memcpy(name, p, n);
    name[n] = '\0';
    return 0;
}
