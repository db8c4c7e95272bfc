/*
 * check_args.h: the command line of `oaprobe check`, parsed into a struct
 * check_settings through the option table of service/cfg_vocab.h (the
 * vocabulary the YAML configuration uses too), without touching files, the
 * environment or the network (so every error path is unit-tested).
 * service/cmd_check.c reads the password, checks the files are readable,
 * runs the check and prints the result.
 *
 *   oaprobe check [options] HOST
 *   oaprobe check --config FILE --target NAME [--json] [-v]
 *
 * The options are the rows of cfg_vocab's table that have a command-line
 * spelling (--server, --ports, --user, --password-file, --auth, --keytab,
 * --depth, --resolve, --cacert, --insecure, --http, --direct-ports,
 * --timeout, --cert-warn-days), plus --json, -v/-vv, -h/--help, and
 * --config/--target, which run one target of a configuration file instead
 * (then no other check option and no HOST may be given).
 *
 * Both "--opt VALUE" and "--opt=VALUE" are accepted. A password on the
 * command line (--password, -p) is refused with a message saying where it
 * goes instead.
 */
#ifndef OAPROBE_CHECK_ARGS_H
#define OAPROBE_CHECK_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "service/cfg_vocab.h"

struct check_args {
    struct check_settings s; /* strings point into argv; password unset */
    const char *config_file; /* --config FILE, or NULL */
    const char *target;      /* --target NAME, or NULL */
    bool json;
    bool help;
};

#define CHECK_ARGS_OK 0
#define CHECK_ARGS_HELP 1
#define CHECK_ARGS_ERROR (-1)

/*
 * check_args_parse: parse argv[1..argc) (argv[0] is the subcommand name).
 *   out      [out] zeroed, then filled; pointers borrow argv
 *   err, len [out] one line naming the problem on CHECK_ARGS_ERROR
 * Returns CHECK_ARGS_OK, CHECK_ARGS_HELP (-h/--help seen) or CHECK_ARGS_ERROR
 * (unknown option, missing or bad value, bad port list, no HOST or two of
 * them, a password on the command line, --config without --target or with
 * check options, NULL arguments).
 */
int check_args_parse(int argc, char *const *argv, struct check_args *out, char *err, size_t len);

/* check_args_usage: the usage text (built once from the option table; static). */
const char *check_args_usage(void);

#endif /* OAPROBE_CHECK_ARGS_H */
