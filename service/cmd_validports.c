/*
 * cmd_validports.c: `oaprobe validports`, the offline ValidPorts checker.
 *
 * Reads a ValidPorts value (argument, --file, or stdin; bare value, .reg
 * export or reg query output), parses it, checks it against the names
 * clients use (--names) and the ports they need (--ports), and prints the
 * errors, what the value allows, what is missing, overlaps, redundant
 * entries, the corrected value and the remedy; or all of it as JSON
 * (--json; schema in docs/validports.md). The probes/validports module does
 * the work and returns structs; this file parses the options, reads the
 * input, runs the module, decides the exit code and prints what the
 * renderers return: the human output from web/validports_render.c, the JSON
 * from web/validports_json.c.
 *
 * Exit: 0 complete (or parsed, without --names), 1 something missing,
 * 2 syntax errors in the value, 3 bad usage or unreadable input.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/validports/vp_lint.h"
#include "probes/validports/vp_parse.h"
#include "probes/validports/vp_reg.h"
#include "service/cli.h"
#include "web/validports_json.h"
#include "web/validports_render.h"

struct opts {
    const char *value_arg;    /* positional value, or "-" */
    const char *file;         /* --file */
    const char *value_name;   /* --value: which registry value to analyse */
    bool json;
    char *names_buf;          /* owned copy of --names, split in place */
    const char *names[VP_LINT_MAX_NAMES];
    size_t n_names;
    uint16_t ports[VP_LINT_MAX_PORTS];
    size_t n_ports;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: oaprobe validports [VALUE | -] [--file FILE] [--names A,B,C]\n"
            "                          [--ports 6001,6002,6004] [--value NAME] [--json]\n"
            "\n"
            "Checks the RPC proxy ACL, " VPR_RPCPROXY_KEY "\\ValidPorts (REG_SZ),\n"
            "offline. The value comes from VALUE, from --file FILE, or from stdin (VALUE '-',\n"
            "or no VALUE when stdin is not a terminal). It may be the bare value\n"
            "(NAME:6001-6002;NAME:6004), a .reg export (UTF-8 or UTF-16, as regedit saves it),\n"
            "a line \"ValidPorts\"=\"...\", or reg query output. ValidPorts_Exchange and\n"
            "ValidPorts_AutoConfig_Exchange (Exchange 2010) are read too.\n"
            "\n"
            "  --names A,B,C   names clients use for the RPC server: NetBIOS name, internal\n"
            "                  FQDN, public FQDN (any number); needed for the completeness check\n"
            "  --ports LIST    required ports, e.g. 6001,6002,6004 or 6001-6002,6004\n"
            "                  (default 6001,6002,6004)\n"
            "  --file FILE     read the value or the .reg export from FILE ('-' = stdin)\n"
            "  --value NAME    with several ValidPorts* values in the input, analyse NAME\n"
            "  --json          machine-readable output (see docs/validports.md)\n"
            "  -h, --help      this text\n"
            "\n"
            "Exit: 0 complete (or parsed, without --names), 1 name:port pairs missing,\n"
            "2 syntax errors in the value, 3 bad usage or unreadable input.\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("oaprobe validports: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(try 'oaprobe validports --help')\n", stderr);
    return VPR_EXIT_USAGE;
}

/* Splits --names in place; validates each name. */
static int take_names(struct opts *o, const char *arg)
{
    free(o->names_buf);
    o->names_buf = strdup(arg);
    o->n_names = 0;
    if (!o->names_buf)
        return usage_error("out of memory");
    char *p = o->names_buf;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strlen(p);
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            p[--n] = '\0';
        const char *why = NULL;
        if (n == 0)
            return usage_error("bad --names '%s': an item is empty", arg);
        if (vp_name_check(p, n, NULL, &why) != 0)
            return usage_error("bad --names: '%s': %s", p, why);
        if (o->n_names == VP_LINT_MAX_NAMES)
            return usage_error("bad --names: more than %u names", VP_LINT_MAX_NAMES);
        o->names[o->n_names++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

static int take_ports(struct opts *o, const char *arg)
{
    size_t off = 0;
    const char *why = NULL;
    int rc = vp_ports_parse(arg, o->ports, VP_LINT_MAX_PORTS, &o->n_ports, &off, &why);
    if (rc == WIRE_TOOBIG)
        return usage_error("bad --ports '%s': more than %u ports", arg, VP_LINT_MAX_PORTS);
    if (rc != 0)
        return usage_error("bad --ports '%s' at character %zu: %s", arg, off + 1, why);
    return 0;
}

/* Returns -1 to go on, else an exit code. */
static int parse_args(struct opts *o, int argc, char **argv)
{
    enum { OPT_NAMES = 256, OPT_PORTS, OPT_FILE, OPT_JSON, OPT_VALUE };
    static const struct option longopts[] = {
        {"names", required_argument, NULL, OPT_NAMES},
        {"ports", required_argument, NULL, OPT_PORTS},
        {"file", required_argument, NULL, OPT_FILE},
        {"value", required_argument, NULL, OPT_VALUE},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 0; /* full re-initialisation (glibc); options may follow the value */
    int c, rc;
    while ((c = getopt_long(argc, argv, ":hf:", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return VPR_EXIT_COMPLETE;
        case OPT_NAMES:
            if ((rc = take_names(o, optarg)) != 0)
                return rc;
            break;
        case OPT_PORTS:
            if ((rc = take_ports(o, optarg)) != 0)
                return rc;
            break;
        case 'f':
        case OPT_FILE:
            o->file = optarg;
            break;
        case OPT_VALUE:
            o->value_name = optarg;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case ':':
            return usage_error("option '%s' needs an argument", argv[optind - 1]);
        default:
            if (optopt && optopt < 256)
                return usage_error("unknown option '-%c'", optopt);
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        o->value_arg = argv[optind++];
    if (optind < argc)
        return usage_error("unexpected argument '%s' (give the value once; quote it)",
                           argv[optind]);
    if (o->value_arg && o->file)
        return usage_error("give the value either as an argument or with --file, not both");
    return -1;
}

/* Reads at most VP_INPUT_MAX + 1 bytes from f (one more tells "too big"). */
static int read_all(FILE *f, uint8_t **buf, size_t *len)
{
    uint8_t *b = malloc(VP_INPUT_MAX + 1);
    if (!b)
        return ENOMEM;
    errno = 0;
    size_t n = fread(b, 1, VP_INPUT_MAX + 1, f);
    if (ferror(f)) {
        int e = errno ? errno : EIO;
        free(b);
        return e;
    }
    *buf = b;
    *len = n;
    return 0;
}

/* Gets the input bytes; returns -1 to go on, else an exit code. */
static int get_input(const struct opts *o, uint8_t **buf, size_t *len, const char **source)
{
    const char *path = o->file;
    if (o->value_arg && strcmp(o->value_arg, "-") != 0) {
        *source = "argument";
        *len = strlen(o->value_arg);
        *buf = malloc(*len + 1);
        if (!*buf)
            return usage_error("out of memory");
        memcpy(*buf, o->value_arg, *len + 1);
        return -1;
    }
    if (!path && !o->value_arg && isatty(STDIN_FILENO))
        return usage_error("no value given: pass it as an argument, with --file FILE, or on "
                           "stdin");
    if (!path || strcmp(path, "-") == 0) {
        *source = "stdin";
        int e = read_all(stdin, buf, len);
        if (e)
            return usage_error("cannot read stdin: %s", strerror(e));
    } else {
        *source = "file";
        FILE *f = fopen(path, "rb");
        if (!f)
            return usage_error("cannot read '%s': %s", path, strerror(errno));
        int e = read_all(f, buf, len);
        fclose(f);
        if (e)
            return usage_error("cannot read '%s': %s", path, strerror(e));
    }
    if (*len > VP_INPUT_MAX) {
        free(*buf);
        *buf = NULL;
        return usage_error("%s is larger than 1 MiB; that is not a ValidPorts value",
                           path && strcmp(path, "-") ? path : "stdin");
    }
    return -1;
}

int cmd_validports(int argc, char **argv)
{
    struct opts o;
    memset(&o, 0, sizeof o);
    int rc = parse_args(&o, argc, argv);
    if (rc >= 0) {
        free(o.names_buf);
        return rc;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    struct vpr_report r;
    memset(&r, 0, sizeof r);
    r.file = o.file;
    struct vp_input in;
    struct vp_list *list = NULL;
    struct vp_lint *lint = NULL;
    memset(&in, 0, sizeof in);
    rc = get_input(&o, &buf, &len, &r.source);
    if (rc >= 0)
        goto out;
    const char *why = NULL;
    const char *where = o.file && strcmp(o.file, "-") ? o.file : r.source;
    int irc = vp_input_read(&in, buf, len, &why);
    if (irc == VP_NOMEM) {
        rc = usage_error("out of memory");
        goto out;
    }
    if (irc != 0 && in.format == VP_FMT_REG_FILE && in.err_line == 0) {
        rc = usage_error("%s: %s", where, why);
        goto out;
    }
    if (irc != 0) {
        rc = VPR_EXIT_SYNTAX;
        if (o.json) {
            char *doc = vpj_render_input_error(&r, &in, why);
            if (doc)
                puts(doc);
            free(doc);
            goto out;
        }
        if (in.err_line)
            fprintf(stderr, "oaprobe validports: %s line %zu: %s\n", where, in.err_line, why);
        else
            fprintf(stderr, "oaprobe validports: %s: %s\n", where, why);
        goto out;
    }
    r.in = &in;
    r.found = vp_input_pick(&in, o.value_name);
    if (!r.found) {
        rc = usage_error("%s: no value named '%s'", where, o.value_name);
        goto out;
    }
    int prc = vp_parse(r.found->value, r.found->value_len, &list, &why);
    if (!list) {
        rc = usage_error("%s", prc == VP_NOMEM ? "out of memory" : why);
        goto out;
    }
    struct vp_lint_opts lo = {o.names, o.n_names, o.n_ports ? o.ports : NULL, o.n_ports};
    if (vp_lint_run(list, &lo, &lint, &why) != 0) {
        rc = usage_error("%s", why);
        goto out;
    }
    r.list = list;
    r.lint = lint;
    if (list->n_errors > 0)
        r.exit_code = VPR_EXIT_SYNTAX;
    else if (o.n_names > 0 && !lint->complete)
        r.exit_code = VPR_EXIT_MISSING;
    else
        r.exit_code = VPR_EXIT_COMPLETE;
    char *text = o.json ? vpj_render(&r) : vpr_render_text(&r);
    if (!text) {
        fprintf(stderr, "oaprobe validports: out of memory\n");
        rc = VPR_EXIT_USAGE;
        goto out;
    }
    if (o.json)
        puts(text); /* the document ends without a newline */
    else
        fputs(text, stdout);
    free(text);
    rc = r.exit_code;
out:
    vp_lint_free(lint);
    vp_list_free(list);
    vp_input_clear(&in);
    free(buf);
    free(o.names_buf);
    return rc;
}
