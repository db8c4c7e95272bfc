/*
 * secret.c: password files and variables (see secret.h).
 */
#include "service/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probes/common/errbuf.h"

void secret_free(char *password)
{
    if (password == NULL)
        return;
    explicit_bzero(password, strlen(password));
    free(password);
}

/* The first line of buf[0..n) as a new string, or NULL with err. */
static char *first_line(const char *buf, size_t n, char *err, size_t len)
{
    if (memchr(buf, '\0', n) != NULL) {
        errbuf_fail(err, len, "the file contains a NUL byte");
        return NULL;
    }
    const char *nl = memchr(buf, '\n', n);
    size_t l = nl != NULL ? (size_t)(nl - buf) : n;
    if (l > 0 && buf[l - 1] == '\r')
        l--;
    if (l == 0) {
        errbuf_fail(err, len, "the first line is empty");
        return NULL;
    }
    if (l >= SECRET_MAX) {
        errbuf_fail(err, len, "the password is longer than %u bytes", SECRET_MAX - 1);
        return NULL;
    }
    char *p = malloc(l + 1);
    if (p == NULL) {
        errbuf_fail(err, len, "out of memory");
        return NULL;
    }
    memcpy(p, buf, l);
    p[l] = '\0';
    return p;
}

int secret_read_file(const char *path, char **out, char *err, size_t len)
{
    if (out != NULL)
        *out = NULL;
    if (path == NULL || out == NULL)
        return errbuf_fail(err, len, "no file");
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return errbuf_fail(err, len, "'%s' is not readable: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return errbuf_fail(err, len, "'%s' is not a regular file", path);
    }
    if (st.st_size > (off_t)SECRET_FILE_MAX) {
        close(fd);
        return errbuf_fail(err, len, "'%s' is larger than %u bytes", path, SECRET_FILE_MAX);
    }
    char buf[SECRET_FILE_MAX + 1];
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, sizeof buf - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            explicit_bzero(buf, sizeof buf);
            return errbuf_fail(err, len, "'%s': read error: %s", path, strerror(e));
        }
        if (r == 0 || (n += (size_t)r) == sizeof buf)
            break;
    }
    close(fd);
    char *p = NULL;
    if (n > SECRET_FILE_MAX)
        errbuf_fail(err, len, "'%s' is larger than %u bytes", path, SECRET_FILE_MAX);
    else
        p = first_line(buf, n, err, len);
    explicit_bzero(buf, sizeof buf);
    if (p == NULL)
        return SECRET_ERROR;
    *out = p;
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        errbuf_fail(err, len, "'%s' is readable by other users (mode %04o): chmod go-rwx it", path,
                    (unsigned)(st.st_mode & 0777));
        return SECRET_WARN;
    }
    if (err != NULL && len > 0)
        err[0] = '\0';
    return SECRET_OK;
}

int secret_read_env(const char *name, char **out, char *err, size_t len)
{
    if (out != NULL)
        *out = NULL;
    if (name == NULL || out == NULL)
        return errbuf_fail(err, len, "no variable");
    const char *v = getenv(name);
    if (v == NULL || v[0] == '\0')
        return errbuf_fail(err, len, "environment variable %s is not set or empty", name);
    if (strlen(v) >= SECRET_MAX)
        return errbuf_fail(err, len, "environment variable %s is longer than %u bytes", name,
                           SECRET_MAX - 1);
    *out = strdup(v);
    if (*out == NULL)
        return errbuf_fail(err, len, "out of memory");
    if (err != NULL && len > 0)
        err[0] = '\0';
    return SECRET_OK;
}

int cfg_secret_load(const struct cfg_target *t, char **password, char *err, size_t len)
{
    if (password != NULL)
        *password = NULL;
    if (t == NULL || password == NULL)
        return errbuf_fail(err, len, "no target");
    char why[400];
    int rc;
    const char *key;
    if (t->set.password_file != NULL) {
        key = "password_file";
        rc = secret_read_file(t->set.password_file, password, why, sizeof why);
    } else if (t->set.password_env != NULL) {
        char name[CFG_ENV_NAME_MAX];
        key = "password";
        if (cfg_env_ref(t->set.password_env, name, sizeof name) < 0)
            return errbuf_fail(err, len, "password: not a ${NAME} reference");
        rc = secret_read_env(name, password, why, sizeof why);
    } else {
        if (err != NULL && len > 0)
            err[0] = '\0';
        return SECRET_OK;
    }
    if (rc != SECRET_OK)
        errbuf_fail(err, len, "%s: %s", key, why);
    else if (err != NULL && len > 0)
        err[0] = '\0';
    return rc;
}
