/*
 * cmd_validports.c: `oaprobe validports`, the offline ValidPorts checker.
 *
 * Reads a ValidPorts value (argument, --file, or stdin; bare value, .reg
 * export or reg query output), parses it, checks it against the names
 * clients use (--names) and the ports they need (--ports), and prints the
 * errors, what the value allows, what is missing, overlaps, redundant
 * entries, the corrected value and the remedy; or all of it as JSON
 * (--json; schema in docs/validports.md). The probes/validports module does
 * the work and returns structs; everything here is option parsing and
 * rendering.
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

#include <jansson.h>

#include "probes/validports/vp_lint.h"
#include "probes/validports/vp_match.h"
#include "probes/validports/vp_parse.h"
#include "probes/validports/vp_reg.h"
#include "service/cli.h"

#define EXIT_COMPLETE   0
#define EXIT_MISSING    1
#define EXIT_SYNTAX     2
#define EXIT_USAGE      3
#define SHOW_MAX        60 /* characters of an entry or token shown in a message */
#define RPCPROXY_KEY    "HKLM\\SOFTWARE\\Microsoft\\Rpc\\RpcProxy"

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

/* Everything the renderers need. */
struct report {
    const struct opts *o;
    const char *source;       /* "argument", "file", "stdin" */
    const struct vp_input *in;
    const struct vp_found *found;
    const struct vp_list *list;
    const struct vp_lint *lint;
    int exit_code;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: oaprobe validports [VALUE | -] [--file FILE] [--names A,B,C]\n"
            "                          [--ports 6001,6002,6004] [--value NAME] [--json]\n"
            "\n"
            "Checks the RPC proxy ACL, " RPCPROXY_KEY "\\ValidPorts (REG_SZ),\n"
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
    return EXIT_USAGE;
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
            return EXIT_COMPLETE;
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

/* ---- text helpers ------------------------------------------------------ */

/* Appends s (n bytes) to buf (size, used *pos), escaping control bytes and
 * shortening to SHOW_MAX characters with "...". */
static void esc_append(char *buf, size_t size, size_t *pos, const char *s, size_t n, bool cut)
{
    size_t shown = cut && n > SHOW_MAX ? SHOW_MAX - 3 : n;
    for (size_t i = 0; i < shown && *pos + 5 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            *pos += (size_t)snprintf(buf + *pos, size - *pos, "\\x%02x", c);
        else
            buf[(*pos)++] = (char)c;
    }
    if (shown < n && *pos + 4 < size) {
        memcpy(buf + *pos, "...", 3);
        *pos += 3;
    }
    buf[*pos] = '\0';
}

static void cat(char *buf, size_t size, size_t *pos, const char *s)
{
    esc_append(buf, size, pos, s, strlen(s), false);
}

/* "entry 3 'EXCH01:60a1' col 37: port '60a1' is not a number" */
static void diag_message(const struct vp_list *l, const struct vp_diag *d, char *buf,
                         size_t size, bool with_place)
{
    size_t pos = 0;
    char tmp[64];
    buf[0] = '\0';
    if (with_place && d->entry) {
        snprintf(tmp, sizeof tmp, "entry %u '", d->entry);
        cat(buf, size, &pos, tmp);
        esc_append(buf, size, &pos, l->text + d->entry_off, d->entry_len, true);
        snprintf(tmp, sizeof tmp, "' col %zu: ", d->col);
        cat(buf, size, &pos, tmp);
    } else if (with_place && d->col) {
        snprintf(tmp, sizeof tmp, "col %zu: ", d->col);
        cat(buf, size, &pos, tmp);
    }
    if (d->what) {
        cat(buf, size, &pos, d->what);
        if (d->tok_len) {
            cat(buf, size, &pos, " '");
            esc_append(buf, size, &pos, l->text + d->tok_off, d->tok_len, true);
            cat(buf, size, &pos, "'");
        }
        cat(buf, size, &pos, " ");
    }
    cat(buf, size, &pos, d->why ? d->why : "");
    if (d->related) {
        snprintf(tmp, sizeof tmp, " (entry %u)", d->related);
        cat(buf, size, &pos, tmp);
    }
}

static void entry_text(const struct vp_entry *e, char *buf, size_t size)
{
    if (vp_entry_format(e, buf, size) >= size)
        snprintf(buf, size, "?");
}

/* "6001-6002, 6004": runs of three or more consecutive ports collapse. */
static void ports_text(const uint16_t *p, size_t n, char *buf, size_t size)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && pos + 16 < size;) {
        size_t j = i;
        while (j + 1 < n && p[j + 1] == p[j] + 1u)
            j++;
        if (j - i >= 2) {
            pos += (size_t)snprintf(buf + pos, size - pos, "%s%u-%u", i ? ", " : "", p[i], p[j]);
            i = j + 1;
        } else {
            pos += (size_t)snprintf(buf + pos, size - pos, "%s%u", i ? ", " : "", p[i]);
            i++;
        }
    }
}

static void range_text(uint16_t low, uint16_t high, char *buf, size_t size)
{
    if (low == high)
        snprintf(buf, size, "%u", low);
    else
        snprintf(buf, size, "%u-%u", low, high);
}

/* ---- the remedy, shared by both outputs --------------------------------- */

/* Prints a remedy line indented, wrapped at WRAP columns; command lines
 * (starting with two spaces) are left whole for copy and paste. */
static void print_wrapped(FILE *f, const char *s)
{
    enum { WRAP = 96 };
    size_t n = strlen(s);
    if (n + 2 <= WRAP || s[0] == ' ') {
        fprintf(f, "  %s\n", s);
        return;
    }
    const char *indent = "  ";
    while (n > 0) {
        size_t room = WRAP - strlen(indent), cut = n;
        if (n > room) {
            cut = room;
            while (cut > 0 && s[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = room;
        }
        fprintf(f, "%s%.*s\n", indent, (int)cut, s);
        s += cut;
        n -= cut;
        while (n > 0 && *s == ' ') {
            s++;
            n--;
        }
        indent = "    ";
    }
}

struct sink {
    FILE *f;
    json_t *arr;
};

static void sink_line(struct sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sink_line(struct sink *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    char *b = malloc((size_t)n + 1);
    if (!b)
        return;
    va_start(ap, fmt);
    vsnprintf(b, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (s->f)
        print_wrapped(s->f, b);
    if (s->arr) {
        json_t *j = json_string(b);
        json_array_append_new(s->arr, j ? j : json_null());
    }
    free(b);
}

static void remedy(const struct report *r, struct sink *s)
{
    const char *vn = vp_value_name_str(r->found->which);
    const char *value = r->lint->corrected;
    if (r->found->which == VP_VN_VALIDPORTS) {
        sink_line(s, "Set %s\\ValidPorts (REG_SZ) to the corrected value on every RPC proxy "
                     "server (the Exchange front-end or Client Access server that serves "
                     "/rpc), in regedit or with:",
                  RPCPROXY_KEY);
        sink_line(s, "  reg add \"%s\" /v ValidPorts /t REG_SZ /d \"%s\" /f", RPCPROXY_KEY,
                  value);
        sink_line(s, "RpcProxy re-reads ValidPorts about every 5 minutes; iisreset applies it at "
                     "once.");
        sink_line(s, "Exchange 2003: the System Attendant rewrites ValidPorts when it starts and "
                     "every 15 minutes (MSExchangeSA\\Parameters\\HTTPFEPollingInterval), so a "
                     "hand edit reverts. Make the fix where Exchange configures it: Exchange "
                     "System Manager, server Properties, RPC-HTTP tab (the managed RPC-HTTP "
                     "front-end/back-end topology decides the names it writes), or take the "
                     "server out of the managed topology and keep the value by hand.");
        sink_line(s, "Restarting the Microsoft Exchange System Attendant (to rewrite the value "
                     "at once) also restarts the Microsoft Exchange Information Store: "
                     "mailboxes are offline meanwhile; plan it.");
        sink_line(s, "Exchange 2010 keeps its list in ValidPorts_Exchange, which it writes "
                     "itself: do not edit ValidPorts there; check ValidPorts_Exchange instead.");
    } else {
        sink_line(s, "%s is Exchange 2010's own list (%s\\%s, written by Exchange); do not "
                     "edit ValidPorts for it.",
                  vn, RPCPROXY_KEY, vn);
        sink_line(s, "Set %s to the corrected value on every Client Access server:", vn);
        sink_line(s, "  reg add \"%s\" /v %s /t REG_SZ /d \"%s\" /f", RPCPROXY_KEY, vn, value);
        sink_line(s, "Exchange writes this value itself and may write it again: if the entries "
                     "disappear, fix the server names in the Exchange configuration (Outlook "
                     "Anywhere) rather than the value.");
        sink_line(s, "RpcProxy re-reads the list about every 5 minutes; iisreset applies it at "
                     "once.");
    }
}

/* Needed whenever the corrected value differs from the value. */
static bool needs_remedy(const struct report *r)
{
    return r->lint->changed;
}

/* ---- human output -------------------------------------------------------- */

static const char *input_desc(const struct report *r, char *buf, size_t size)
{
    static const char *const fmts[] = {[VP_FMT_VALUE] = "", [VP_FMT_REG_FILE] = ", .reg file",
                                       [VP_FMT_REG_LINES] = ", .reg line",
                                       [VP_FMT_REG_QUERY] = ", reg query output"};
    const char *fmt = fmts[r->in->format];
    const char *src = r->source;
    if (strcmp(src, "file") == 0)
        src = r->o->file;
    if (r->found->line)
        snprintf(buf, size, "%s (%s%s, line %zu, %s)", vp_value_name_str(r->found->which), src,
                 fmt, r->found->line, vp_encoding_str(r->in->encoding));
    else
        snprintf(buf, size, "%s (%s%s%s%s)", vp_value_name_str(r->found->which), src, fmt,
                 r->in->encoding == VP_ENC_UTF8 ? "" : ", ",
                 r->in->encoding == VP_ENC_UTF8 ? "" : vp_encoding_str(r->in->encoding));
    return buf;
}

static void text_diags(const struct vp_list *l, enum vp_severity sev, const char *title)
{
    size_t total = sev == VP_SEV_ERROR ? l->n_errors : l->n_warnings;
    if (total == 0)
        return;
    printf("\n%s (%zu):\n", title, total);
    char msg[1024];
    size_t shown = 0;
    for (size_t i = 0; i < l->n_diags; i++) {
        if (l->diags[i].severity != sev)
            continue;
        diag_message(l, &l->diags[i], msg, sizeof msg, true);
        printf("  %s\n", msg);
        shown++;
    }
    if (shown < total)
        printf("  ... and %zu more\n", total - shown);
}

/* "Allowed:" one line per distinct name, its ranges and the entries. */
static void text_allowed(const struct vp_list *l)
{
    printf("\nAllowed (%zu entr%s):\n", l->n_entries, l->n_entries == 1 ? "y" : "ies");
    if (l->n_entries == 0) {
        printf("  nothing: the proxy can reach only RPC over HTTP servers on itself\n");
        return;
    }
    bool *done = calloc(l->n_entries, sizeof *done);
    if (!done)
        return;
    size_t width = 0;
    for (size_t i = 0; i < l->n_entries; i++) {
        size_t w = l->entries[i].name_len + l->entries[i].wildcard;
        if (w > width)
            width = w;
    }
    if (width > 40)
        width = 40;
    for (size_t i = 0; i < l->n_entries; i++) {
        if (done[i])
            continue;
        const struct vp_entry *e = &l->entries[i];
        char name[VP_NAME_MAX * 4 + 8];
        size_t pos = 0;
        esc_append(name, sizeof name, &pos, e->name, e->name_len, false);
        if (e->wildcard)
            cat(name, sizeof name, &pos, "*");
        printf("  %-*s ", (int)width, name);
        const char *sep = "";
        for (size_t j = i; j < l->n_entries; j++) {
            const struct vp_entry *f = &l->entries[j];
            if (done[j] || f->wildcard != e->wildcard ||
                !vp_name_ieq(f->name, f->name_len, e->name, e->name_len))
                continue;
            done[j] = true;
            char rt[16];
            range_text(f->low, f->high, rt, sizeof rt);
            printf("%s%s (entry %u)", sep, rt, f->index);
            sep = ", ";
        }
        if (e->wildcard && e->name_len == 0)
            printf("  [wildcard: every server name]");
        else if (e->wildcard)
            printf("  [wildcard: every name that starts with '%.*s']", (int)(pos - 1), name);
        else if (e->kind == VP_NAME_IPV4)
            printf("  [IPv4 address: only clients that use this address]");
        printf("\n");
    }
    free(done);
}

static void text_checks(const struct report *r)
{
    const struct vp_lint *L = r->lint;
    char pt[2048];
    ports_text(L->ports, L->n_ports, pt, sizeof pt);
    printf("\nCheck (%zu name%s x ports %s):\n", L->n_names, L->n_names == 1 ? "" : "s", pt);
    size_t width = 0;
    for (size_t i = 0; i < L->n_names; i++)
        if (strlen(L->names[i]) > width)
            width = strlen(L->names[i]);
    if (width > 40)
        width = 40;
    for (size_t i = 0; i < L->n_names; i++) {
        const struct vp_check *c = &L->checks[i * L->n_ports];
        size_t ok = 0;
        for (size_t k = 0; k < L->n_ports; k++)
            ok += c[k].entry != NULL;
        const char *st = (L->ipv6_names >> i & 1u) ? "IPv6"
                         : ok == L->n_ports        ? "ok"
                         : ok == 0                 ? "MISSING"
                                                   : "PARTIAL";
        printf("  %-*s %-8s", (int)width, L->names[i], st);
        const char *sep = " ";
        for (size_t k = 0; k < L->n_ports; k++)
            if (c[k].entry) {
                printf("%s%u entry %u", sep, c[k].port, c[k].entry->index);
                sep = ", ";
            }
        if (ok < L->n_ports) {
            printf("%s", ok ? "; missing " : " ");
            sep = "";
            for (size_t k = 0; k < L->n_ports; k++)
                if (!c[k].entry) {
                    printf("%s%u", sep, c[k].port);
                    sep = ", ";
                }
        }
        printf("\n");
    }
}

static void text_missing(const struct report *r)
{
    const struct vp_lint *L = r->lint;
    if (L->n_missing == 0)
        return;
    printf("\nMissing (%zu of %zu name:port pairs not allowed); entries to add:\n",
           L->n_missing, L->n_checks);
    for (size_t i = 0; i < L->n_added; i++) {
        char rt[16];
        range_text(L->added[i].low, L->added[i].high, rt, sizeof rt);
        printf("  %s:%s\n", L->names[L->added[i].name], rt);
    }
    for (size_t i = 0; i < L->n_names; i++)
        if (L->ipv6_names >> i & 1u)
            printf("  %s: an IPv6 address; ValidPorts cannot allow it (clients must use a "
                   "host name)\n",
                   L->names[i]);
}

static void text_findings(const struct report *r)
{
    const struct vp_lint *L = r->lint;
    char a[VP_NAME_MAX + 16], b[VP_NAME_MAX + 16], rt[16];
    if (L->n_overlaps_total) {
        printf("\nOverlapping entries (same name, shared ports):\n");
        for (size_t i = 0; i < L->n_overlaps; i++) {
            const struct vp_overlap *o = &L->overlaps[i];
            entry_text(o->a, a, sizeof a);
            entry_text(o->b, b, sizeof b);
            range_text(o->low, o->high, rt, sizeof rt);
            printf("  entries %u '%s' and %u '%s' both allow port%s %s\n", o->a->index, a,
                   o->b->index, b, o->low == o->high ? "" : "s", rt);
        }
        if (L->n_overlaps < L->n_overlaps_total)
            printf("  ... and %zu more\n", L->n_overlaps_total - L->n_overlaps);
    }
    if (L->n_redundant) {
        printf("\nRedundant entries (other entries allow everything they allow; kept in the "
               "corrected value, remove them if you like):\n");
        for (size_t i = 0; i < L->n_redundant; i++) {
            entry_text(L->redundant[i].entry, a, sizeof a);
            printf("  entry %u '%s', covered by entr%s", L->redundant[i].entry->index, a,
                   L->redundant[i].n_by == 1 ? "y" : "ies");
            for (size_t k = 0; k < L->redundant[i].n_by; k++)
                printf("%s%u", k ? ", " : " ", L->redundant[i].by[k]->index);
            printf("\n");
        }
    }
    if (L->n_unlisted) {
        printf("\nEntries for names not in --names (informational: another server, or a name "
               "from before a rename?):\n");
        for (size_t i = 0; i < L->n_unlisted; i++) {
            entry_text(L->unlisted[i], a, sizeof a);
            printf("  entry %u '%s'\n", L->unlisted[i]->index, a);
        }
    }
    if (L->n_wildcards) {
        printf("\nWildcards that match the names (broad: they allow every name with that "
               "prefix):\n");
        for (size_t i = 0; i < L->n_wildcards; i++) {
            const struct vp_wildcard_note *w = &L->wildcards[i];
            entry_text(w->entry, a, sizeof a);
            printf("  entry %u '%s' matches", w->entry->index, a);
            const char *sep = " ";
            for (size_t k = 0; k < L->n_names; k++)
                if (w->names >> k & 1u) {
                    printf("%s%s", sep, L->names[k]);
                    sep = ", ";
                }
            printf("\n");
        }
    }
}

static int render_text(const struct report *r)
{
    const struct vp_list *l = r->list;
    const struct vp_lint *L = r->lint;
    char desc[512];
    printf("%s: %u entr%s\n", input_desc(r, desc, sizeof desc), l->n_pieces,
           l->n_pieces == 1 ? "y" : "ies");
    if (r->in->n_found > 1 || r->in->n_ignored) {
        printf("  (also in the input:");
        for (size_t i = 0; i < r->in->n_found; i++)
            if (&r->in->found[i] != r->found)
                printf(" %s line %zu;", vp_value_name_str(r->in->found[i].which),
                       r->in->found[i].line);
        printf(" pick one with --value NAME)\n");
    }
    char *shown = malloc(l->text_len * 4 + 8);
    if (shown) {
        size_t pos = 0;
        esc_append(shown, l->text_len * 4 + 8, &pos, l->text, l->text_len, false);
        printf("  %s\n", shown);
        free(shown);
    }
    text_diags(l, VP_SEV_ERROR, "Errors");
    text_diags(l, VP_SEV_WARNING, "Warnings");
    text_allowed(l);
    if (L->n_names) {
        text_checks(r);
        text_missing(r);
    }
    text_findings(r);
    if (L->changed || l->n_errors) {
        printf("\nCorrected value:\n%s\n", L->corrected);
        if (l->n_broken)
            printf("(%u broken entr%s left out: fix %s by hand if %s meant to allow "
                   "something)\n",
                   l->n_broken, l->n_broken == 1 ? "y" : "ies", l->n_broken == 1 ? "it" : "them",
                   l->n_broken == 1 ? "it was" : "they were");
        if (!L->corrected_fits)
            printf("(longer than oaprobe's own limits of %u bytes / %u entries; check it "
                   "again in parts)\n",
                   VP_VALUE_MAX, VP_ENTRIES_MAX);
    } else if (L->n_names) {
        printf("\nNo change needed.\n");
    }
    if (needs_remedy(r)) {
        struct sink s = {stdout, NULL};
        printf("\nRemedy:\n");
        remedy(r, &s);
    }
    printf("\nResult: ");
    if (r->exit_code == EXIT_SYNTAX)
        printf("INVALID: the value has %zu error%s (exit 2)\n", l->n_errors,
               l->n_errors == 1 ? "" : "s");
    else if (r->exit_code == EXIT_MISSING)
        printf("INCOMPLETE: %zu of %zu name:port pairs are not allowed (exit 1)\n",
               L->n_missing, L->n_checks);
    else if (L->n_names)
        printf("COMPLETE: all %zu name:port pairs are allowed (exit 0)\n", L->n_checks);
    else
        printf("PARSED: %zu valid entr%s; give --names to check completeness (exit 0)\n",
               l->n_entries, l->n_entries == 1 ? "y" : "ies");
    return r->exit_code;
}

/* ---- JSON output ----------------------------------------------------------- */

/* A JSON string from bytes that may not be valid UTF-8: when they are not,
 * every non-ASCII byte becomes '?'. */
static json_t *jstr(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    if (j)
        return j;
    char *b = malloc(n + 1);
    if (!b)
        return json_null();
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
    j = json_stringn(b, n);
    free(b);
    return j ? j : json_null();
}

static json_t *jcstr(const char *s)
{
    return jstr(s, strlen(s));
}

static json_t *jentry_text(const struct vp_entry *e)
{
    char b[VP_NAME_MAX + 16];
    entry_text(e, b, sizeof b);
    return jcstr(b);
}

/* An integer, or NULL (packed as null with "o?") when v is 0. */
static json_t *jint0(size_t v)
{
    return v ? json_integer((json_int_t)v) : NULL;
}

static json_t *json_diags(const struct vp_list *l)
{
    json_t *a = json_array();
    char reason[1024], msg[1024];
    for (size_t i = 0; i < l->n_diags; i++) {
        const struct vp_diag *d = &l->diags[i];
        diag_message(l, d, reason, sizeof reason, false);
        diag_message(l, d, msg, sizeof msg, true);
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:o?, s:o?, s:o?, s:o?, s:o?, s:o, s:o}", "severity",
                         d->severity == VP_SEV_ERROR ? "error" : "warning", "code",
                         vp_code_name(d->code), "entry", jint0(d->entry), "entry_text",
                         d->entry ? jstr(l->text + d->entry_off, d->entry_len) : NULL, "column",
                         jint0(d->col), "token",
                         d->tok_len ? jstr(l->text + d->tok_off, d->tok_len) : NULL,
                         "related_entry", jint0(d->related), "reason", jcstr(reason), "message",
                         jcstr(msg)));
    }
    return a;
}

static json_t *json_entries(const struct report *r)
{
    const struct vp_list *l = r->list;
    json_t *a = json_array();
    for (size_t i = 0; i < l->n_entries; i++) {
        const struct vp_entry *e = &l->entries[i];
        bool redundant = false;
        for (size_t k = 0; k < r->lint->n_redundant; k++)
            redundant |= r->lint->redundant[k].entry == e;
        json_array_append_new(
            a, json_pack("{s:i, s:o, s:o, s:b, s:s, s:i, s:i, s:I, s:b, s:b}", "index",
                         (int)e->index, "text", jentry_text(e), "name", jstr(e->name, e->name_len), "wildcard",
                         e->wildcard, "kind", e->kind == VP_NAME_IPV4 ? "ipv4" : "name", "low",
                         (int)e->low, "high", (int)e->high, "column", (json_int_t)e->off + 1,
                         "repaired", e->repaired, "redundant", redundant));
    }
    return a;
}

static void json_lint(const struct report *r, json_t *root)
{
    const struct vp_lint *L = r->lint;
    json_t *names = json_array(), *ports = json_array(), *checks = json_array(),
           *missing = json_array(), *added = json_array(), *ipv6 = json_array(),
           *ov = json_array(), *red = json_array(), *unl = json_array(), *wc = json_array();
    for (size_t i = 0; i < L->n_names; i++) {
        json_array_append_new(names, jcstr(L->names[i]));
        if (L->ipv6_names >> i & 1u)
            json_array_append_new(ipv6, jcstr(L->names[i]));
    }
    for (size_t i = 0; i < L->n_ports; i++)
        json_array_append_new(ports, json_integer(L->ports[i]));
    for (size_t i = 0; i < L->n_checks; i++) {
        const struct vp_check *c = &L->checks[i];
        json_array_append_new(checks, json_pack("{s:o, s:i, s:b, s:o?}", "name",
                                                jcstr(L->names[c->name]), "port", (int)c->port,
                                                "allowed", c->entry != NULL, "entry",
                                                c->entry ? jint0(c->entry->index) : NULL));
        if (!c->entry)
            json_array_append_new(missing, json_pack("{s:o, s:i}", "name",
                                                     jcstr(L->names[c->name]), "port",
                                                     (int)c->port));
    }
    for (size_t i = 0; i < L->n_added; i++) {
        char t[VP_NAME_MAX + 16], rt[16];
        range_text(L->added[i].low, L->added[i].high, rt, sizeof rt);
        snprintf(t, sizeof t, "%s:%s", L->names[L->added[i].name], rt);
        json_array_append_new(added, jcstr(t));
    }
    for (size_t i = 0; i < L->n_overlaps; i++) {
        const struct vp_overlap *o = &L->overlaps[i];
        json_array_append_new(ov, json_pack("{s:[ii], s:i, s:i}", "entries", (int)o->a->index,
                                            (int)o->b->index, "low", (int)o->low, "high",
                                            (int)o->high));
    }
    for (size_t i = 0; i < L->n_redundant; i++) {
        json_t *by = json_array();
        for (size_t k = 0; k < L->redundant[i].n_by; k++)
            json_array_append_new(by, json_integer(L->redundant[i].by[k]->index));
        json_array_append_new(red, json_pack("{s:i, s:o}", "entry",
                                             (int)L->redundant[i].entry->index, "covered_by", by));
    }
    for (size_t i = 0; i < L->n_unlisted; i++)
        json_array_append_new(unl, json_integer(L->unlisted[i]->index));
    for (size_t i = 0; i < L->n_wildcards; i++) {
        json_t *m = json_array();
        for (size_t k = 0; k < L->n_names; k++)
            if (L->wildcards[i].names >> k & 1u)
                json_array_append_new(m, jcstr(L->names[k]));
        json_array_append_new(wc, json_pack("{s:i, s:o}", "entry",
                                            (int)L->wildcards[i].entry->index, "matches", m));
    }
    json_t *all = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o}",
                                       "names", names, "ports", ports, "checks", checks, "missing",
                                       missing, "ipv6_names", ipv6, "added", added, "overlaps", ov,
                                       "overlaps_total", (json_int_t)L->n_overlaps_total,
                                       "redundant", red, "unlisted", unl, "broad_wildcards", wc);
    json_object_update(root, all);
    json_decref(all);
}

/* The input could not be read as a ValidPorts value (exit 2). */
static void render_input_error_json(const struct report *r, const struct vp_input *in,
                                    const char *why)
{
    json_t *root = json_pack("{s:s, s:{s:s, s:o?, s:s, s:s, s:o?}, s:s, s:i, s:s}", "schema",
                             "oaprobe.validports/1", "input", "source", r->source, "file",
                             r->o->file && strcmp(r->source, "file") == 0 ? jcstr(r->o->file)
                                                                          : NULL,
                             "format", vp_format_str(in->format), "encoding",
                             vp_encoding_str(in->encoding), "line", jint0(in->err_line),
                             "status", "invalid", "exit_code", EXIT_SYNTAX, "input_error", why);
    char *out = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
    if (out)
        puts(out);
    free(out);
    json_decref(root);
}

static int render_json(const struct report *r)
{
    const struct vp_list *l = r->list;
    const struct vp_lint *L = r->lint;
    json_t *others = json_array();
    for (size_t i = 0; i < r->in->n_found; i++)
        if (&r->in->found[i] != r->found)
            json_array_append_new(others,
                                  json_pack("{s:s, s:I}", "value_name",
                                            vp_value_name_str(r->in->found[i].which), "line",
                                            (json_int_t)r->in->found[i].line));
    json_t *root = json_pack(
        "{s:s, s:{s:s, s:o?, s:s, s:s, s:s, s:o?, s:o?, s:o}}", "schema", "oaprobe.validports/1",
        "input", "source", r->source, "file",
        r->o->file && strcmp(r->source, "file") == 0 ? jcstr(r->o->file) : NULL, "format",
        vp_format_str(r->in->format), "encoding", vp_encoding_str(r->in->encoding), "value_name",
        vp_value_name_str(r->found->which), "line", jint0(r->found->line), "key",
        r->found->key ? jcstr(r->found->key) : NULL, "other_values", others);
    if (!root) {
        fprintf(stderr, "oaprobe validports: out of memory\n");
        return EXIT_USAGE;
    }
    json_object_set_new(root, "value", jstr(l->text, l->text_len));
    const char *status = r->exit_code == EXIT_SYNTAX    ? "invalid"
                         : r->exit_code == EXIT_MISSING ? "incomplete"
                         : L->n_names                   ? "complete"
                                                        : "parsed";
    json_object_set_new(root, "status", json_string(status));
    json_object_set_new(root, "exit_code", json_integer(r->exit_code));
    json_object_set_new(root, "errors", json_integer((json_int_t)l->n_errors));
    json_object_set_new(root, "warnings", json_integer((json_int_t)l->n_warnings));
    json_object_set_new(root, "broken_entries", json_integer(l->n_broken));
    json_object_set_new(root, "diagnostics", json_diags(l));
    json_object_set_new(root, "entries", json_entries(r));
    json_lint(r, root);
    json_object_set_new(root, "corrected_value", jstr(L->corrected, L->corrected_len));
    json_object_set_new(root, "changed", json_boolean(L->changed));
    json_object_set_new(root, "corrected_fits", json_boolean(L->corrected_fits));
    json_t *rem = json_array();
    if (needs_remedy(r)) {
        struct sink s = {NULL, rem};
        remedy(r, &s);
    }
    json_object_set_new(root, "remedy", rem);
    char *out = json_dumps(root, JSON_INDENT(2));
    json_decref(root);
    if (!out) {
        fprintf(stderr, "oaprobe validports: out of memory\n");
        return EXIT_USAGE;
    }
    puts(out);
    free(out);
    return r->exit_code;
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
    struct report r;
    memset(&r, 0, sizeof r);
    r.o = &o;
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
        rc = EXIT_SYNTAX;
        if (o.json) {
            render_input_error_json(&r, &in, why);
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
        r.exit_code = EXIT_SYNTAX;
    else if (o.n_names > 0 && !lint->complete)
        r.exit_code = EXIT_MISSING;
    else
        r.exit_code = EXIT_COMPLETE;
    rc = o.json ? render_json(&r) : render_text(&r);
out:
    vp_lint_free(lint);
    vp_list_free(list);
    vp_input_clear(&in);
    free(buf);
    free(o.names_buf);
    return rc;
}
