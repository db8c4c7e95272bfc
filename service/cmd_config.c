/*
 * cmd_config.c: `oaprobe config check FILE`: load a service configuration
 * (service/config.h) and print every problem as
 * "FILE:LINE:COL: key.path: problem", or a one-line summary when it is valid,
 * after its warnings (cfg_warnings: valid, but likely not what was meant,
 * such as a module with credentials and no allow_hosts), in the same form.
 *
 * `oaprobe config keys`: every key path the loader accepts, one a line
 * (cfg_keys_each: from the loader's own tables).
 *
 * Exit: 0 valid (warnings or not), 1 invalid, 3 bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "service/cli.h"
#include "service/config.h"

static const char usage_text[] =
    "usage: oaprobe config check FILE\n"
    "       oaprobe config keys\n"
    "\n"
    "Validates the service configuration FILE (YAML, see docs/config.md) the way\n"
    "'oaprobe serve' loads it, ${NAME} expansion included, and prints every\n"
    "problem as FILE:LINE:COL: key.path: problem. Secrets are not read.\n"
    "Warnings (valid, but likely not what was meant: a module that carries\n"
    "credentials without allow_hosts, which /probe never sends anywhere; defaults\n"
    "with credentials, write tokens and no api.allow_hosts, so no API target may\n"
    "use them) are printed the same way, as key.path: warning: ...\n"
    "\n"
    "'keys' prints every key path the loader accepts, one a line, from its own\n"
    "tables: api.tokens_file is key tokens_file of the mapping api,\n"
    "targets[].interval key interval of each item of the list targets,\n"
    "modules.NAME.allow_hosts key allow_hosts of each module NAME.\n"
    "\n"
    "Exit: 0 valid (with or without warnings), 1 invalid, 3 bad usage.\n";

static void print_key(const char *path, void *arg)
{
    (void)arg;
    puts(path);
}

static int config_check(const char *path)
{
    struct cfg *cfg = NULL;
    struct cfg_errs errs = {0};
    if (cfg_load_file(path, &cfg, &errs) < 0) {
        char line[700];
        for (size_t i = 0; i < errs.n; i++)
            printf("%s\n", cfg_errs_format(&errs.v[i], path, line, sizeof line));
        if (errs.dropped > 0)
            printf("%s: %zu more errors not shown\n", path, errs.dropped);
        fprintf(stderr, "oaprobe config: %s: %zu error%s\n", path, errs.n + errs.dropped,
                errs.n + errs.dropped == 1 ? "" : "s");
        cfg_errs_free(&errs);
        return 1;
    }
    struct cfg_errs warns = {0};
    cfg_warnings(cfg, &warns);
    char wline[700];
    for (size_t i = 0; i < warns.n; i++)
        printf("%s\n", cfg_errs_format(&warns.v[i], path, wline, sizeof wline));
    cfg_errs_free(&warns);
    printf("%s: ok, %zu target%s, listen %s%s%s:%u", path, cfg->n_targets,
           cfg->n_targets == 1 ? "" : "s", strchr(cfg->listen[0].host, ':') ? "[" : "",
           cfg->listen[0].host, strchr(cfg->listen[0].host, ':') ? "]" : "", cfg->listen[0].port);
    if (cfg->n_listen > 1)
        printf(" (+%zu)", cfg->n_listen - 1);
    printf(", storage %s\n", cfg->storage);
    cfg_free(cfg);
    return 0;
}

int cmd_config(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "keys") == 0) {
        (void)cfg_keys_each(print_key, NULL);
        return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
    }
    if (argc == 3 && strcmp(argv[1], "check") == 0 && argv[2][0] != '-')
        return config_check(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "check") == 0 &&
        (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
        fputs(usage_text, stdout);
        return 0;
    }
    fprintf(stderr, "oaprobe config: want 'check FILE' or 'keys'\n%s", usage_text);
    return 3;
}
