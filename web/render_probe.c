/*
 * render_probe.c: the debug text of /probe and the profile a probe ran with
 * (render_probe.h).
 */
#include "web/render_probe.h"

#include <stdlib.h>
#include <string.h>

#include "web/render_nagios.h"
#include "web/wbuf.h"

/* A value on one line: control bytes become '?', quoted when YAML would
 * read it as something else. */
static void value(struct wbuf *b, const char *s)
{
    if (s == NULL) {
        wbuf_puts(b, "null");
        return;
    }
    bool quote = s[0] == '\0' || strpbrk(s, ":#'\"[]{},&*!|>%@`\\") != NULL || s[0] == ' ' ||
                 s[0] == '-';
    if (quote)
        wbuf_puts(b, "'");
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f)
            wbuf_add(b, "?", 1);
        else if (c == '\'' && quote)
            wbuf_add(b, "''", 2);
        else
            wbuf_add(b, p, 1);
    }
    if (quote)
        wbuf_puts(b, "'");
}

static void line(struct wbuf *b, const char *key, const char *v)
{
    wbuf_printf(b, "%s: ", key);
    value(b, v);
    wbuf_puts(b, "\n");
}

static void flag(struct wbuf *b, const char *key, bool v)
{
    wbuf_printf(b, "%s: %s\n", key, v ? "true" : "false");
}

char *render_probe_profile(const struct render_probe_profile *p)
{
    struct wbuf b;
    wbuf_init(&b, 64u * 1024u);
    if (p == NULL || p->opts == NULL) {
        wbuf_puts(&b, "(unknown)\n");
        return wbuf_finish(&b, NULL);
    }
    const struct check_opts *o = p->opts;
    if (p->module != NULL)
        line(&b, "module", p->module);
    if (p->target != NULL)
        line(&b, "target", p->target);
    line(&b, "host", o->host);
    line(&b, "depth", check_depth_name(o->depth));
    line(&b, "auth", check_auth_name(o->auth));
    if (o->user != NULL)
        line(&b, "user", o->user);
    if (p->password_key != NULL)
        wbuf_printf(&b, "%s: <secret>\n", p->password_key);
    if (o->keytab != NULL)
        wbuf_puts(&b, "keytab: <secret>\n");
    if (o->n_servers > 0) {
        wbuf_puts(&b, "servers:\n");
        for (size_t i = 0; i < o->n_servers && i < CHECK_MAX_SERVERS; i++) {
            wbuf_puts(&b, "  - ");
            value(&b, o->servers[i]);
            wbuf_puts(&b, "\n");
        }
    }
    if (o->n_ports > 0) {
        wbuf_puts(&b, "ports: [");
        for (size_t i = 0; i < o->n_ports && i < CHECK_MAX_PORTS; i++)
            wbuf_printf(&b, "%s%u", i ? ", " : "", (unsigned)o->ports[i]);
        wbuf_puts(&b, "]\n");
    }
    if (o->n_resolve > 0) {
        wbuf_puts(&b, "resolve:\n");
        for (size_t i = 0; i < o->n_resolve && i < CHECK_MAX_RESOLVE; i++) {
            wbuf_puts(&b, "  - ");
            value(&b, o->resolve[i]);
            wbuf_puts(&b, "\n");
        }
    }
    if (o->cacert != NULL)
        line(&b, "cacert", o->cacert);
    flag(&b, "insecure", o->insecure);
    flag(&b, "http", o->http);
    flag(&b, "direct_ports", o->direct_ports);
    unsigned t = o->timeout_ms ? o->timeout_ms : CHECK_DEFAULT_TIMEOUT_MS;
    wbuf_printf(&b, "timeout: %u.%03us\n", t / 1000u, t % 1000u);
    wbuf_printf(&b, "cert_warn_days: %u\n",
                o->cert_warn_days ? o->cert_warn_days : CHECK_DEFAULT_WARN_DAYS);
    return wbuf_finish(&b, NULL);
}

char *render_probe_debug(const char *trace, const struct oa_result *r, const char *why,
                         const char *metrics, const char *profile, size_t *len)
{
    struct wbuf b;
    wbuf_init(&b, RENDER_PROBE_MAX);
    wbuf_puts(&b, "Logs for the probe:\n");
    if (trace != NULL && trace[0] != '\0') {
        wbuf_puts(&b, trace);
        if (trace[strlen(trace) - 1] != '\n')
            wbuf_puts(&b, "\n");
    }
    char *text = r != NULL ? render_nagios(r) : NULL;
    if (text != NULL) {
        wbuf_puts(&b, "\nResult:\n");
        wbuf_puts(&b, text);
    } else if (r == NULL) {
        wbuf_printf(&b, "(no result: %s)\n", why != NULL ? why : "the check did not end");
    }
    free(text);
    wbuf_puts(&b, "\nMetrics that would have been returned:\n");
    wbuf_puts(&b, metrics);
    wbuf_puts(&b, "\nModule configuration:\n");
    wbuf_puts(&b, profile != NULL ? profile : "(unknown)\n");
    return wbuf_finish(&b, len);
}
