/*
 * cfg_vocab.h: the one vocabulary of check options, shared by the
 * `oaprobe check` command line (service/check_args.c), the YAML
 * configuration (service/config.c) and API bodies (cfg_target_parse_json).
 *
 * Each option is one row of a table: its configuration key ("password_file"),
 * its command-line spelling ("--password-file", the key with dashes; NULL
 * for keys that exist only in the configuration), its value type, and a
 * setter that validates a textual value and stores it in a struct
 * check_settings. Both front ends hand every value, as text, to the same
 * setter, so they accept the same values and report the same problem; each
 * front end only prefixes where the value came from ("--ports: ..." or
 * "targets[2].ports: ...").
 *
 * The grammars of the values:
 *   ports     "6001,6002,6004", "6001-6002,6004" (probes/validports
 *             vp_ports_parse, the ValidPorts grammar): 1..65535, ranges
 *             inclusive, at most CHECK_MAX_PORTS ports, sorted and unique
 *   seconds   the timeout: "15", "2.5" (seconds, up to 3 decimals) or a
 *             duration ("15s", "1500ms"); > 0 and <= 3600 s
 *   duration  "500ms", "15s", "5m", "2h", "90d", or several in decreasing
 *             unit order ("1h30m"); whole numbers
 *   bool      "true" or "false" (a command-line flag means true)
 *
 * Setters never echo the value of a secret option (CFG_OPT_SECRET).
 */
#ifndef OAPROBE_CFG_VOCAB_H
#define OAPROBE_CFG_VOCAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/check/check.h"

/* The depths of a check, in the order of the engine's enum check_depth. */
#define CFG_DEPTH_TUNNEL 0u
#define CFG_DEPTH_AUTH 1u
#define CFG_DEPTH_ECHO 2u
#define CFG_DEPTH_TLS 3u

/* The longest environment variable name in password: ${NAME}. */
#define CFG_ENV_NAME_MAX 128u

/*
 * Where the setters store values. Strings are borrowed from the caller
 * (argv, or strings the configuration owns); nothing here is freed.
 */
struct check_settings {
    struct check_opts opts;    /* password always NULL; depth is opts.depth */
    const char *password_file; /* password_file / --password-file */
    const char *password_env;  /* password: the reference "${NAME}" (config only) */
    uint64_t given;            /* bit (1 << enum cfg_opt_id) per option set */
};

/* The options, in table order. */
enum cfg_opt_id {
    CFG_O_HOST,
    CFG_O_SERVERS,
    CFG_O_PORTS,
    CFG_O_USER,
    CFG_O_PASSWORD_FILE,
    CFG_O_PASSWORD,
    CFG_O_AUTH,
    CFG_O_KEYTAB,
    CFG_O_DEPTH,
    CFG_O_RESOLVE,
    CFG_O_CACERT,
    CFG_O_INSECURE,
    CFG_O_HTTP,
    CFG_O_DIRECT_PORTS,
    CFG_O_TIMEOUT,
    CFG_O_CERT_WARN_DAYS,
    CFG_O_COUNT
};

enum cfg_vtype {
    CFG_VT_STRING, /* one string */
    CFG_VT_LIST,   /* a list of strings (config: a sequence or one string;
                      command line: the option repeated) */
    CFG_VT_PORTS,  /* a port list (config: a string, a number or a sequence) */
    CFG_VT_BOOL,   /* true/false (command line: a flag) */
    CFG_VT_UINT,   /* a whole number */
    CFG_VT_SECONDS /* seconds or a duration */
};

#define CFG_OPT_SECRET                                                                             \
    0x1u /* the value is a secret reference: never echoed,                                         \
            never ${ENV}-expanded at load time */

struct cfg_opt {
    enum cfg_opt_id id;
    const char *key; /* configuration key */
    const char *cli; /* command-line spelling, or NULL (config only) */
    const char *arg; /* the value's name in --help ("FILE"), NULL for flags */
    enum cfg_vtype type;
    unsigned flags;   /* CFG_OPT_* */
    const char *help; /* one line */
    int (*set)(struct check_settings *s, const char *value, char *err, size_t len);
};

/* cfg_opts: the table; *n receives its length. Static. */
const struct cfg_opt *cfg_opts(size_t *n);

/* cfg_opt_by_key: the option whose configuration key is key (n bytes), or NULL. */
const struct cfg_opt *cfg_opt_by_key(const char *key, size_t n);

/* cfg_opt_by_cli: the option whose command-line spelling is name (n bytes), or NULL. */
const struct cfg_opt *cfg_opt_by_cli(const char *name, size_t n);

/*
 * cfg_opt_set: validate value and store it in s through the option's setter;
 * mark the option given.
 *   err, len [out] on failure, the problem without the option's name
 *                  ("bad port list '6001-': a range has no high port")
 * Returns 0 or -1. List options append (see cfg_opt_reset).
 */
int cfg_opt_set(const struct cfg_opt *o, struct check_settings *s, const char *value, char *err,
                size_t len);

/* cfg_opt_reset: forget a list option's values (before a config list replaces them). */
void cfg_opt_reset(const struct cfg_opt *o, struct check_settings *s);

/* check_settings_init: zero s and set the engine's defaults (timeout, warn days). */
void check_settings_init(struct check_settings *s);

/*
 * check_settings_finish: the checks across options, once every option is
 * set: a host is given and well-formed, keytab needs auth negotiate,
 * password_file and password exclude each other.
 *   cli      true: name options as --opt, else as keys
 * Returns 0, or -1 with the problem in err.
 */
int check_settings_finish(const struct check_settings *s, bool cli, char *err, size_t len);

/*
 * cfg_ports_parse: a port list (see above) into ports[0..cap).
 * Returns the count (>= 1), or -1 with the problem in err.
 */
int cfg_ports_parse(const char *list, uint16_t *ports, size_t cap, char *err, size_t len);

/*
 * cfg_seconds_parse: the timeout grammar ("15", "2.5", "15s", "1500ms") into
 * milliseconds. Returns 0, or -1 (empty, not a number, more than 3 decimals,
 * 0, above 3600 s).
 */
int cfg_seconds_parse(const char *s, unsigned *ms);

/*
 * cfg_duration_parse: "500ms", "15s", "5m", "2h", "90d", "1h30m" into
 * milliseconds. Units: ms, s, m, h, d, w; each at most once, in decreasing
 * order; the total at most 10 years. Returns 0, or -1.
 */
int cfg_duration_parse(const char *s, uint64_t *ms);

/* cfg_bool_parse: "true" -> true, "false" -> false. Returns 0, or -1. */
int cfg_bool_parse(const char *s, bool *out);

/*
 * cfg_env_ref: is s exactly "${NAME}" with NAME of [A-Za-z_][A-Za-z0-9_]*
 * (at most CFG_ENV_NAME_MAX - 1 bytes)? Then NAME goes to name[cap].
 * Returns 0 or -1.
 */
int cfg_env_ref(const char *s, char *name, size_t cap);

#endif /* OAPROBE_CFG_VOCAB_H */
