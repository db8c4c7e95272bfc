/*
 * check_args.c: the `oaprobe check` command line (see check_args.h).
 */
#include "service/check_args.h"

#include <stdio.h>
#include <string.h>

#include "probes/common/errbuf.h"

static const char usage_head[] =
    "usage: oaprobe check [options] HOST\n"
    "       oaprobe check --config FILE --target NAME [--json] [-v]\n"
    "\n"
    "Checks the Outlook Anywhere (RPC over HTTP) endpoint HOST end to end: DNS,\n"
    "TCP, TLS and certificate, the RPC proxy echo, authentication, and one\n"
    "tunnel and bind per RPC server name and port.\n"
    "\n"
    "options (in a configuration file: the same names without the dashes and\n"
    "with underscores, e.g. password_file; see docs/config.md):\n";

static const char usage_tail[] =
    "  --config FILE          run one target of this configuration file...\n"
    "  --target NAME          ...the one with this name\n"
    "  --json                 print one JSON object\n"
    "  -v, -vv                trace stages (and HTTP headers) on stderr\n"
    "  -h, --help             this text\n"
    "\n"
    "Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (including bad usage).\n";

const char *check_args_usage(void)
{
    static char text[4096];
    if (text[0] != '\0')
        return text;
    size_t n = 0, count;
    const struct cfg_opt *t = cfg_opts(&count);
    n += (size_t)snprintf(text + n, sizeof text - n, "%s", usage_head);
    for (size_t i = 0; i < count && n < sizeof text; i++) {
        if (t[i].cli == NULL)
            continue;
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", t[i].cli, t[i].arg ? " " : "",
                 t[i].arg ? t[i].arg : "");
        n += (size_t)snprintf(text + n, sizeof text - n, "  %-22s %s\n", left, t[i].help);
    }
    if (n < sizeof text)
        snprintf(text + n, sizeof text - n, "%s", usage_tail);
    return text;
}

/* Options of the command line only. */
enum local_opt { L_CONFIG, L_TARGET, L_JSON, L_HELP, L_NONE };

static const struct {
    const char *name;
    enum local_opt id;
    bool value;
} local_opts[] = {
    {"--config", L_CONFIG, true},
    {"--target", L_TARGET, true},
    {"--json", L_JSON, false},
    {"--help", L_HELP, false},
};

static enum local_opt find_local(const char *arg, size_t n, bool *value)
{
    for (size_t k = 0; k < sizeof local_opts / sizeof local_opts[0]; k++)
        if (strlen(local_opts[k].name) == n && strncmp(local_opts[k].name, arg, n) == 0) {
            *value = local_opts[k].value;
            return local_opts[k].id;
        }
    return L_NONE;
}

static int apply_local(struct check_args *a, enum local_opt id, const char *v, char *err,
                       size_t len)
{
    switch (id) {
    case L_CONFIG:
        if (v[0] == '\0')
            return errbuf_fail(err, len, "--config: empty file name");
        a->config_file = v;
        return 0;
    case L_TARGET:
        if (v[0] == '\0')
            return errbuf_fail(err, len, "--target: empty name");
        a->target = v;
        return 0;
    case L_JSON:
        a->json = true;
        return 0;
    case L_HELP:
        a->help = true;
        return 0;
    case L_NONE:
        break;
    }
    return errbuf_fail(err, len, "internal: unhandled option");
}

/* One "--name[=value]" argument at argv[*i]. */
static int parse_option(struct check_args *a, int argc, char *const *argv, int *i, char *err,
                        size_t len)
{
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    size_t nlen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
    bool wants_value = false;
    const struct cfg_opt *o = cfg_opt_by_cli(arg, nlen);
    enum local_opt lid = L_NONE;
    if (o != NULL)
        wants_value = o->type != CFG_VT_BOOL;
    else if ((lid = find_local(arg, nlen, &wants_value)) == L_NONE)
        return errbuf_fail(err, len, "unknown option '%.*s'", (int)(nlen > 60 ? 60 : nlen), arg);
    const char *name = o != NULL ? o->cli : local_opts[lid].name;
    const char *value = "true";
    if (wants_value) {
        if (eq != NULL)
            value = eq + 1;
        else if (*i + 1 < argc && argv[*i + 1] != NULL)
            value = argv[++*i];
        else
            return errbuf_fail(err, len, "%s needs a value", name);
    } else if (eq != NULL) {
        return errbuf_fail(err, len, "%s takes no value", name);
    }
    if (o == NULL)
        return apply_local(a, lid, value, err, len);
    char why[400];
    if (cfg_opt_set(o, &a->s, value, why, sizeof why) < 0)
        return errbuf_fail(err, len, "%s: %s", name, why);
    return 0;
}

int check_args_parse(int argc, char *const *argv, struct check_args *a, char *err, size_t len)
{
    if (a == NULL || argv == NULL || argc < 1)
        return errbuf_fail(err, len, "no arguments");
    memset(a, 0, sizeof *a);
    check_settings_init(&a->s);
    const struct cfg_opt *host = cfg_opt_by_key("host", 4);
    bool only_args = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg == NULL)
            return errbuf_fail(err, len, "NULL argument");
        if (only_args || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (a->s.opts.host != NULL)
                return errbuf_fail(err, len, "one HOST only ('%s' and '%s')", a->s.opts.host, arg);
            char why[400];
            if (cfg_opt_set(host, &a->s, arg, why, sizeof why) < 0)
                return errbuf_fail(err, len, "bad HOST '%s'", arg);
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
            a->s.opts.verbose += (int)strlen(arg + 1);
            continue;
        }
        if ((strncmp(arg, "--password", 10) == 0 && (arg[10] == '\0' || arg[10] == '=')) ||
            strcmp(arg, "-p") == 0)
            return errbuf_fail(err, len,
                               "a password on the command line is refused (other users "
                               "see it): use --password-file FILE or OAPROBE_PASSWORD");
        if (parse_option(a, argc, argv, &i, err, len) < 0)
            return CHECK_ARGS_ERROR;
    }
    if (a->help)
        return CHECK_ARGS_HELP;
    if (a->config_file != NULL || a->target != NULL) {
        if (a->config_file == NULL || a->target == NULL)
            return errbuf_fail(err, len, "--config and --target go together");
        if (a->s.given != 0)
            return errbuf_fail(err, len,
                               "--config --target runs the target as configured: no HOST or "
                               "check option beside them (edit the file instead)");
        return CHECK_ARGS_OK;
    }
    if (check_settings_finish(&a->s, true, err, len) < 0)
        return CHECK_ARGS_ERROR;
    return CHECK_ARGS_OK;
}
