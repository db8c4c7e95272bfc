/*
 * cmd_check.c: `oaprobe check [options] HOST`, the end-to-end check of an
 * Outlook Anywhere endpoint (probes/check does the work).
 *
 * This file only: parses the options (probes/check/check_args), reads the
 * password from --password-file or OAPROBE_PASSWORD (never argv), checks
 * that the files it was given are readable, runs the check with
 * check_run(), prints the result as monitoring-plugins text (web/
 * render_nagios) or JSON (web/render_json) and returns the plugin exit code.
 *
 * Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad usage, unreadable file,
 * no result).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probes/check/check.h"
#include "probes/check/check_args.h"
#include "probes/result/result.h"
#include "service/cli.h"
#include "web/render_json.h"
#include "web/render_nagios.h"

#define EXIT_UNKNOWN 3
#define PASSWORD_MAX 1024

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

/* read_password_file's own failures (errno values are positive). */
enum {
    PWF_EMPTY = -1,   /* the first line is empty */
    PWF_LONG = -2,    /* longer than cap - 1 */
    PWF_NUL = -3,     /* a NUL byte in the first line */
    PWF_NOT_REG = -4, /* not a regular file (a FIFO would block forever) */
};

/*
 * Read the first line of path into buf (cap bytes), without its line end.
 * The file is opened non-blocking and must be a regular file; a file that
 * other users may read gets a warning on stderr.
 * Returns 0, an errno value, or a PWF_* code.
 */
static int read_password_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return e;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return PWF_NOT_REG;
    }
    if (st.st_mode & S_IROTH)
        fprintf(stderr,
                "oaprobe check: warning: --password-file '%s' is readable by other users "
                "(mode %04o): chmod o-r it\n",
                path, (unsigned)(st.st_mode & 07777));
    FILE *f = fdopen(fd, "r");
    if (f == NULL) {
        int e = errno;
        close(fd);
        return e;
    }
    size_t n = 0;
    int ch;
    int rc = 0;
    while ((ch = fgetc(f)) != EOF && ch != '\n') {
        if (ch == '\0') {
            rc = PWF_NUL;
            break;
        }
        if (n + 1 >= cap) {
            rc = PWF_LONG;
            break;
        }
        buf[n++] = (char)ch;
    }
    if (rc == 0 && ferror(f))
        rc = errno != 0 ? errno : EIO;
    fclose(f);
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    if (rc == 0 && n == 0)
        rc = PWF_EMPTY;
    return rc;
}

static void trace_stderr(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "oaprobe: %s\n", line);
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
    if (a.cacert_file != NULL && access(a.cacert_file, R_OK) != 0)
        return file_error("--cacert", a.cacert_file, errno);
    if (a.opts.keytab != NULL && access(a.opts.keytab, R_OK) != 0)
        return file_error("--keytab", a.opts.keytab, errno);

    char password[PASSWORD_MAX];
    password[0] = '\0';
    bool have_password = false;
    if (a.password_file != NULL) {
        int e = read_password_file(a.password_file, password, sizeof password);
        if (e == PWF_EMPTY)
            rc = usage_error("--password-file: the first line is empty");
        else if (e == PWF_LONG)
            rc = usage_error("--password-file: the password is longer than 1023 bytes");
        else if (e == PWF_NUL)
            rc = usage_error("--password-file: the first line holds a NUL byte (a password "
                             "cannot contain one)");
        else if (e == PWF_NOT_REG)
            rc = usage_error("--password-file: not a regular file (a FIFO or device is not "
                             "read; use OAPROBE_PASSWORD to pass the password from a program)");
        else if (e != 0)
            rc = file_error("--password-file", a.password_file, e);
        if (e != 0) {
            explicit_bzero(password, sizeof password);
            return rc;
        }
        have_password = true;
    } else {
        const char *env = getenv("OAPROBE_PASSWORD");
        if (env != NULL && env[0] != '\0') {
            if (strlen(env) >= sizeof password)
                return usage_error("OAPROBE_PASSWORD is longer than 1023 bytes");
            memcpy(password, env, strlen(env) + 1);
            have_password = true;
        }
    }
    if (have_password)
        a.opts.password = password;
    if (a.opts.user == NULL && have_password && a.opts.auth != CHECK_AUTH_NEGOTIATE)
        fprintf(stderr, "oaprobe check: a password but no --user: checking without credentials\n");
    if (a.opts.verbose > 0)
        a.opts.trace = trace_stderr;

    struct check *c = check_run(&a.opts, err, sizeof err);
    explicit_bzero(password, sizeof password);
    a.opts.password = NULL;
    if (c == NULL)
        return usage_error(err);
    const struct oa_result *r = check_result(c);
    int exit_code = EXIT_UNKNOWN;
    char *text = NULL;
    if (r != NULL) {
        text = a.json ? render_json(r, RENDER_JSON_PRETTY) : render_nagios(r);
        exit_code = render_nagios_exit_code(r);
    }
    if (text != NULL) {
        fputs(text, stdout);
        if (a.json)
            fputc('\n', stdout);
        free(text);
    } else {
        printf("OAPROBE UNKNOWN - %s: no result (out of memory)\n", a.opts.host);
        exit_code = EXIT_UNKNOWN;
    }
    check_free(c);
    return exit_code;
}
