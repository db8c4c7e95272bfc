/*
 * secret.h: reading the password of a check from where the configuration or
 * the command line points (a password file, or an environment variable),
 * at start and at every reload; never printed, never kept longer than needed.
 *
 * A password file: a regular file (a FIFO, a device or a directory is
 * refused, so nothing can block), at most SECRET_FILE_MAX bytes, no NUL
 * byte; the password is its first line without the line end ("\n" or
 * "\r\n"), 1 to SECRET_MAX - 1 bytes. A file that group or others may read
 * is used with a warning (SECRET_WARN): the operator decides, oaprobe says.
 */
#ifndef OAPROBE_SECRET_H
#define OAPROBE_SECRET_H

#include <stddef.h>

#include "service/config.h"

#define SECRET_MAX 1024u      /* bytes of a password, NUL included */
#define SECRET_FILE_MAX 4096u /* bytes of a password file */

#define SECRET_OK 0
#define SECRET_WARN 1 /* the password was read; err holds a warning */
#define SECRET_ERROR (-1)

/*
 * secret_read_file: the password in the file path.
 *   out      [out] a malloc'd copy on success (free with secret_free)
 *   err, len [out] the problem (SECRET_ERROR) or a warning (SECRET_WARN);
 *                  never the file's content
 * Returns SECRET_OK, SECRET_WARN or SECRET_ERROR.
 */
int secret_read_file(const char *path, char **out, char *err, size_t len);

/*
 * secret_read_env: the password in environment variable name (1 to
 * SECRET_MAX - 1 bytes). Same returns as secret_read_file (never SECRET_WARN).
 */
int secret_read_env(const char *name, char **out, char *err, size_t len);

/*
 * cfg_secret_load: the password of target t, from its password_file or its
 * password: "${NAME}" reference.
 *   password [out] the password (secret_free), or NULL when t has none
 *   err, len [out] as secret_read_file, prefixed with the key
 * Returns SECRET_OK, SECRET_WARN or SECRET_ERROR.
 */
int cfg_secret_load(const struct cfg_target *t, char **password, char *err, size_t len);

/* secret_free: wipe and free a password; NULL is a no-op. */
void secret_free(char *password);

#endif /* OAPROBE_SECRET_H */
