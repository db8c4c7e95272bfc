/*
 * cmd_check.c: `oaprobe check [options] HOST` and `oaprobe check --config
 * FILE --target NAME`, the end-to-end check of an Outlook Anywhere endpoint
 * (probes/check does the work).
 *
 * This file only: parses the options (service/check_args, the vocabulary of
 * service/cfg_vocab.h) or loads the target from the configuration
 * (service/config.h), reads the password (service/secret.h: --password-file,
 * OAPROBE_PASSWORD, or the target's password_file / password: ${NAME}; never
 * argv), checks that the files it was given are readable, runs the check
 * with check_run(), prints the result as monitoring-plugins text (web/
 * render_nagios) or JSON (web/render_json) and returns the plugin exit code.
 *
 * Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad usage, unreadable file,
 * bad configuration, no result).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/check/check.h"
#include "probes/result/result.h"
#include "service/check_args.h"
#include "service/cli.h"
#include "service/config.h"
#include "service/secret.h"
#include "web/render_json.h"
#include "web/render_nagios.h"

#define EXIT_UNKNOWN 3

static int usage_error(const char *msg)
{
    fprintf(stderr, "oaprobe check: %s\n(see 'oaprobe check --help')\n", msg);
    return EXIT_UNKNOWN;
}

static int file_error(const char *what, const char *path, int err)
{
    char msg[1200];
    snprintf(msg, sizeof msg, "%s '%s' is not readable: %s", what, path, strerror(err));
    return usage_error(msg);
}

static void trace_stderr(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "oaprobe: %s\n", line);
}

/* Run the check and print it; returns the plugin exit code. */
static int run_and_print(struct check_opts *opts, bool json)
{
    char err[512];
    struct check *c = check_run(opts, err, sizeof err);
    if (c == NULL)
        return usage_error(err);
    const struct oa_result *r = check_result(c);
    int exit_code = EXIT_UNKNOWN;
    char *text = NULL;
    if (r != NULL) {
        text = json ? render_json(r, RENDER_JSON_PRETTY) : render_nagios(r);
        exit_code = render_nagios_exit_code(r);
    }
    if (text != NULL) {
        fputs(text, stdout);
        if (json)
            fputc('\n', stdout);
        free(text);
    } else {
        printf("OAPROBE UNKNOWN - %s: no result (out of memory)\n", opts->host);
        exit_code = EXIT_UNKNOWN;
    }
    check_free(c);
    check_engine_cleanup(); /* the Kerberos identity it kept, if any */
    return exit_code;
}

/* Check the files a check will read, before the check starts. */
static int files_readable(const struct check_opts *o)
{
    if (o->cacert != NULL && access(o->cacert, R_OK) != 0)
        return file_error("cacert", o->cacert, errno);
    if (o->keytab != NULL && access(o->keytab, R_OK) != 0)
        return file_error("keytab", o->keytab, errno);
    return 0;
}

/* --config FILE --target NAME: one configured target, once. */
static int run_configured(const struct check_args *a)
{
    struct cfg *cfg = NULL;
    struct cfg_errs errs = {0};
    if (cfg_load_file(a->config_file, &cfg, &errs) < 0) {
        char line[700];
        for (size_t i = 0; i < errs.n; i++)
            fprintf(stderr, "%s\n", cfg_errs_format(&errs.v[i], a->config_file, line, sizeof line));
        if (errs.dropped > 0)
            fprintf(stderr, "%s: %zu more errors\n", a->config_file, errs.dropped);
        cfg_errs_free(&errs);
        return usage_error("the configuration has errors ('oaprobe config check FILE')");
    }
    const struct cfg_target *t = cfg_target_find(cfg, a->target);
    if (t == NULL) {
        char msg[300];
        snprintf(msg, sizeof msg, "no target named '%.100s' in %.100s", a->target, a->config_file);
        cfg_free(cfg);
        return usage_error(msg);
    }
    char err[512];
    char *password = NULL;
    int rc = cfg_secret_load(t, &password, err, sizeof err);
    if (rc == SECRET_ERROR) {
        cfg_free(cfg);
        return usage_error(err);
    }
    if (rc == SECRET_WARN)
        fprintf(stderr, "oaprobe check: warning: %s\n", err);
    struct check_opts opts = cfg_target_opts(t, password);
    opts.verbose = a->s.opts.verbose;
    if (opts.verbose > 0)
        opts.trace = trace_stderr;
    rc = files_readable(&opts);
    if (rc == 0)
        rc = run_and_print(&opts, a->json);
    secret_free(password);
    cfg_free(cfg);
    return rc;
}

int cmd_check(int argc, char **argv)
{
    struct check_args a;
    char err[512];
    int rc = check_args_parse(argc, argv, &a, err, sizeof err);
    if (rc == CHECK_ARGS_HELP) {
        fputs(check_args_usage(), stdout);
        return 0;
    }
    if (rc != CHECK_ARGS_OK)
        return usage_error(err);
    if (a.config_file != NULL)
        return run_configured(&a);
    struct check_opts *o = &a.s.opts;
    if ((rc = files_readable(o)) != 0)
        return rc;

    char *password = NULL;
    if (a.s.password_file != NULL) {
        rc = secret_read_file(a.s.password_file, &password, err, sizeof err);
        if (rc == SECRET_ERROR) {
            char msg[600];
            snprintf(msg, sizeof msg, "--password-file: %s", err);
            return usage_error(msg);
        }
        if (rc == SECRET_WARN)
            fprintf(stderr, "oaprobe check: warning: --password-file: %s\n", err);
    } else if (getenv("OAPROBE_PASSWORD") != NULL && getenv("OAPROBE_PASSWORD")[0] != '\0') {
        if (secret_read_env("OAPROBE_PASSWORD", &password, err, sizeof err) != SECRET_OK)
            return usage_error(err);
    }
    o->password = password;
    if (o->user == NULL && password != NULL && o->auth != CHECK_AUTH_NEGOTIATE)
        fprintf(stderr, "oaprobe check: a password but no --user: checking without credentials\n");
    if (o->verbose > 0)
        o->trace = trace_stderr;
    rc = run_and_print(o, a.json);
    o->password = NULL;
    secret_free(password);
    return rc;
}
