/*
 * check_args.h: the command line of `oaprobe check`, parsed into a struct
 * check_opts without touching files, the environment or the network (so
 * every error path is unit-tested). service/cmd_check.c reads the password
 * file and the environment, checks the files are readable, runs the check
 * and prints the result.
 *
 *   oaprobe check [options] HOST
 *     --server NAME        RPC server name to tunnel to (repeatable, <= 4);
 *                          default: the NetBIOS and DNS names the NTLM
 *                          challenge reports
 *     --ports LIST         backend ports, comma separated (default 6001,6002,6004)
 *     --user DOMAIN\user   account (Kerberos: user@REALM or DOMAIN\user)
 *     --password-file FILE the password (first line); or OAPROBE_PASSWORD
 *     --auth ntlm|basic|negotiate (default ntlm)
 *     --keytab FILE        Negotiate: a client keytab for --user
 *     --depth LAYER        tls, echo, auth or tunnel (default): the last layer run
 *     --resolve HOST:PORT:ADDR  as curl's (repeatable, <= 16)
 *     --cacert FILE        trust these CAs instead of the system store
 *     --insecure           do not judge chain trust and host name
 *     --http               plain HTTP on port 80
 *     --direct-ports       also TCP-check the ports on HOST itself
 *     --timeout SECONDS    overall deadline (default 15; decimals allowed)
 *     --cert-warn-days N   cert_expiring window (default 14)
 *     --json               one JSON object instead of plugin text
 *     -v, -vv              trace the stages (and the HTTP headers) on stderr
 *     -h, --help
 *
 * Both "--opt VALUE" and "--opt=VALUE" are accepted. A password on the
 * command line (--password, -p) is refused with a message saying where it
 * goes instead.
 */
#ifndef OAPROBE_CHECK_ARGS_H
#define OAPROBE_CHECK_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "probes/check/check.h"

struct check_args {
    struct check_opts opts;     /* strings point into argv; password unset */
    const char *password_file;  /* --password-file, or NULL */
    const char *cacert_file;    /* = opts.cacert, for the caller's checks */
    bool json;
    bool help;
};

#define CHECK_ARGS_OK    0
#define CHECK_ARGS_HELP  1
#define CHECK_ARGS_ERROR (-1)

/*
 * check_args_parse: parse argv[1..argc) (argv[0] is the subcommand name).
 *   out      [out] zeroed, then filled; pointers borrow argv
 *   err, len [out] one line naming the problem on CHECK_ARGS_ERROR
 * Returns CHECK_ARGS_OK, CHECK_ARGS_HELP (-h/--help seen) or CHECK_ARGS_ERROR
 * (unknown option, missing or bad value, bad port, no HOST or two of them,
 * a password on the command line, NULL arguments).
 */
int check_args_parse(int argc, char *const *argv, struct check_args *out, char *err, size_t len);

/* check_args_usage: the usage text (static). */
const char *check_args_usage(void);

/*
 * check_args_ports: parse "6001,6002,6004" into ports[0..cap).
 * Returns the count (>= 1), or -1 (empty item, not a number, 0, > 65535, a
 * repeated port, more than cap ports).
 */
int check_args_ports(const char *list, uint16_t *ports, size_t cap);

/*
 * check_args_seconds: "15", "2.5", "0.25" -> milliseconds in *ms.
 * Returns 0, or -1 (empty, not a number, more than 3 decimals, 0, or above
 * 3600 s).
 */
int check_args_seconds(const char *s, unsigned *ms);

#endif /* OAPROBE_CHECK_ARGS_H */
