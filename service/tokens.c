/*
 * tokens.c: the API tokens file and the constant-time check (see tokens.h).
 */
#include "service/tokens.h"

#include <stdlib.h>
#include <string.h>

#include "service/config_int.h"

void tokens_free(struct tokens *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++) {
        if (t->v[i].secret != NULL) {
            explicit_bzero(t->v[i].secret, t->v[i].secret_len);
            free(t->v[i].secret);
        }
    }
    free(t->v);
    free(t);
}

/* Split off the next run of non-blank bytes of line[0..len). */
static const char *field(const char **p, const char *end, size_t *flen)
{
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
    const char *s = *p;
    while (*p < end && **p != ' ' && **p != '\t')
        (*p)++;
    *flen = (size_t)(*p - s);
    return *flen > 0 ? s : NULL;
}

static bool secret_ok(const char *s, size_t n)
{
    if (n < TOKEN_SECRET_MIN || n > TOKEN_SECRET_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

/* One line; adds to t or reports at lineno. */
static void parse_line(struct tokens *t, const char *line, size_t len, unsigned lineno,
                       struct cfg_errs *errs, bool *oom)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    const char *p = line, *end = line + len;
    size_t nl, sl, kl, extra;
    const char *name = field(&p, end, &nl);
    if (name == NULL || name[0] == '#')
        return;
    const char *scope = field(&p, end, &sl);
    const char *secret = field(&p, end, &kl);
    if (scope == NULL || secret == NULL || field(&p, end, &extra) != NULL) {
        cfg_err_add(errs, lineno, 1, "", "want NAME SCOPE SECRET (three fields)");
        return;
    }
    char nm[65];
    if (nl > 64 || memchr(name, '\0', nl) != NULL) {
        cfg_err_add(errs, lineno, 1, "", "bad token name ([a-z0-9._-], 1-64 characters)");
        return;
    }
    memcpy(nm, name, nl);
    nm[nl] = '\0';
    if (!cfg_name_ok(nm)) {
        cfg_err_add(errs, lineno, 1, "", "bad token name ([a-z0-9._-], 1-64 characters)");
        return;
    }
    enum token_scope sc;
    if (sl == 4 && memcmp(scope, "read", 4) == 0)
        sc = TOKEN_READ;
    else if (sl == 5 && memcmp(scope, "write", 5) == 0)
        sc = TOKEN_WRITE;
    else {
        cfg_err_add(errs, lineno, (unsigned)(scope - line) + 1u, nm,
                    "unknown scope (read or write)");
        return;
    }
    if (!secret_ok(secret, kl)) {
        cfg_err_add(errs, lineno, (unsigned)(secret - line) + 1u, nm,
                    "the secret must be %u-%u printable ASCII characters without spaces",
                    TOKEN_SECRET_MIN, TOKEN_SECRET_MAX);
        return;
    }
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->v[i].name, nm) == 0) {
            cfg_err_add(errs, lineno, 1, nm, "duplicate token name");
            return;
        }
        if (t->v[i].secret_len == kl && memcmp(t->v[i].secret, secret, kl) == 0) {
            cfg_err_add(errs, lineno, (unsigned)(secret - line) + 1u, nm,
                        "the same secret as token '%s'", t->v[i].name);
            return;
        }
    }
    if (t->n >= TOKENS_MAX) {
        cfg_err_add(errs, lineno, 1, nm, "more than %u tokens", TOKENS_MAX);
        return;
    }
    struct token *tk = &t->v[t->n];
    tk->secret = malloc(kl + 1);
    if (tk->secret == NULL) {
        *oom = true;
        return;
    }
    memcpy(tk->secret, secret, kl);
    tk->secret[kl] = '\0';
    tk->secret_len = kl;
    memcpy(tk->name, nm, nl + 1);
    tk->scope = sc;
    t->n++;
}

int tokens_parse(const char *text, size_t len, struct tokens **out, struct cfg_errs *errs)
{
    if (out != NULL)
        *out = NULL;
    if (text == NULL || out == NULL) {
        cfg_err_add(errs, 0, 0, "", "no tokens");
        return -1;
    }
    struct cfg_errs local = {0};
    if (errs == NULL)
        errs = &local;
    size_t before = errs->n + errs->dropped;
    if (len > TOKENS_FILE_MAX) {
        cfg_err_add(errs, 0, 0, "", "larger than %u bytes", TOKENS_FILE_MAX);
        cfg_errs_free(&local);
        return -1;
    }
    struct tokens *t = calloc(1, sizeof *t);
    if (t != NULL)
        t->v = calloc(TOKENS_MAX, sizeof *t->v);
    bool oom = t == NULL || t->v == NULL;
    unsigned lineno = 0;
    for (size_t i = 0; !oom && i < len;) {
        const char *nlp = memchr(text + i, '\n', len - i);
        size_t l = nlp != NULL ? (size_t)(nlp - (text + i)) : len - i;
        lineno++;
        if (memchr(text + i, '\0', l) != NULL)
            cfg_err_add(errs, lineno, 1, "", "a NUL byte");
        else
            parse_line(t, text + i, l, lineno, errs, &oom);
        i += l + 1;
    }
    if (oom)
        cfg_err_add(errs, 0, 0, "", "out of memory");
    if (errs->n + errs->dropped != before) {
        tokens_free(t);
        cfg_errs_free(&local);
        return -1;
    }
    *out = t;
    return 0;
}

int tokens_load(const char *path, struct tokens **out, struct cfg_errs *errs)
{
    if (out != NULL)
        *out = NULL;
    size_t n;
    char *buf = cfg_read_file(path, TOKENS_FILE_MAX, "the tokens grant access", &n, errs);
    if (buf == NULL)
        return -1;
    int rc = tokens_parse(buf, n, out, errs);
    explicit_bzero(buf, n);
    free(buf);
    return rc;
}

bool tokens_check(const struct tokens *t, const char *bearer, enum token_scope scope,
                  const char **who)
{
    if (who != NULL)
        *who = NULL;
    if (t == NULL || bearer == NULL)
        return false;
    size_t bl = strnlen(bearer, TOKEN_SECRET_MAX + 1);
    const struct token *hit = NULL;
    for (size_t i = 0; i < t->n; i++) {
        const struct token *k = &t->v[i];
        /* compare every byte of the stored secret; the bearer is read modulo its length */
        unsigned char diff = (unsigned char)(bl != k->secret_len);
        for (size_t j = 0; j < k->secret_len; j++)
            diff |= (unsigned char)(k->secret[j] ^ (bl > 0 ? bearer[j % bl] : 0));
        /* branch-free select of the first match */
        size_t m = (size_t)0 - (size_t)(diff == 0 && hit == NULL);
        hit = (const struct token *)(((uintptr_t)k & m) | ((uintptr_t)hit & ~m));
    }
    if (hit == NULL)
        return false;
    if (scope == TOKEN_WRITE && hit->scope != TOKEN_WRITE)
        return false;
    if (who != NULL)
        *who = hit->name;
    return true;
}
