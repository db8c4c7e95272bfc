/*
 * tokens.h: the API tokens file (api.tokens_file): one token per line,
 *
 *   # comment
 *   NAME SCOPE SECRET
 *   grafana read  3b9f0c...          (SCOPE: read or write; write implies read)
 *
 * NAME is [a-z0-9._-]{1,64} and unique; SECRET is 16 to 256 printable ASCII
 * characters without spaces, unique. Blank lines and lines starting with '#'
 * are skipped. Every bad line is reported with its number; a file with any
 * error is not used. The file must be a regular file that neither group nor
 * others may read or write (like ssh's private keys): the tokens grant
 * write access, so a readable file is refused, not warned about.
 * Secrets are never printed; errors name the line and the token's NAME only.
 */
#ifndef OAPROBE_TOKENS_H
#define OAPROBE_TOKENS_H

#include <stdbool.h>
#include <stddef.h>

#include "service/config.h"

#define TOKENS_FILE_MAX (1u << 20) /* bytes in a tokens file */
#define TOKENS_MAX 1000u           /* tokens in one file */
#define TOKEN_SECRET_MIN 16u
#define TOKEN_SECRET_MAX 256u

enum token_scope { TOKEN_READ = 1, TOKEN_WRITE = 2 };

struct token {
    char name[65];
    enum token_scope scope;
    char *secret; /* wiped on tokens_free */
    size_t secret_len;
};

struct tokens {
    struct token *v;
    size_t n;
};

/*
 * tokens_load: read and validate the tokens file path.
 *   out  [out] the tokens (tokens_free) when 0 is returned, else NULL
 *   errs [out] every problem, line-numbered (line 0: the file itself)
 * Returns 0 or -1.
 */
int tokens_load(const char *path, struct tokens **out, struct cfg_errs *errs);

/*
 * tokens_parse: the same for text in memory (len bytes); no file checks.
 */
int tokens_parse(const char *text, size_t len, struct tokens **out, struct cfg_errs *errs);

/*
 * tokens_check: does bearer (the text after "Bearer ") match a token that
 * grants scope (write grants read too)? Compares against every token in time
 * that depends only on the lengths, never stopping at the first match.
 *   who [out] optional; the matching token's name (static to t), else NULL
 * Returns true when granted. NULL t or bearer: false.
 */
bool tokens_check(const struct tokens *t, const char *bearer, enum token_scope scope,
                  const char **who);

/* tokens_free: wipe the secrets and free; NULL is a no-op. */
void tokens_free(struct tokens *t);

#endif /* OAPROBE_TOKENS_H */
