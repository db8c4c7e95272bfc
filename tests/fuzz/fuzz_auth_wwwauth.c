/*
 * fuzz_auth_wwwauth.c: libFuzzer driver for the WWW-Authenticate parser.
 *
 * Input: header values separated by '\n'. Each is fed to wwwauth_add() into
 * one struct (as several headers of one 401), the whole input is also fed as
 * a raw header line, and every accessor is exercised. Any NTLM token found
 * goes through the CHALLENGE_MESSAGE decoder, as the probe would do.
 * Invariants (trap on violation): the pool never overflows, every stored
 * string is NUL-terminated at its recorded length, a rejected header leaves
 * the struct as it was, and rendered text never exceeds the buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "probes/auth/ntlm_challenge.h"
#include "probes/auth/www_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const struct wwwauth *wa, const struct wwwauth_str *s)
{
    if (s->off == WWWAUTH_NONE)
        return;
    if ((size_t)s->off + s->len >= wa->pool_used || wa->pool[s->off + s->len] != '\0' ||
        strlen(wa->pool + s->off) != s->len)
        __builtin_trap();
}

static void check(const struct wwwauth *wa)
{
    size_t i, j;
    char buf[64];

    if (wa->count > WWWAUTH_MAX_CHALLENGES || wa->pool_used > WWWAUTH_POOL_SIZE)
        __builtin_trap();
    for (i = 0; i < wa->count; i++) {
        const struct wwwauth_challenge *ch = &wa->ch[i];

        if (ch->nparams > WWWAUTH_MAX_PARAMS || ch->scheme_text.off == WWWAUTH_NONE)
            __builtin_trap();
        check_str(wa, &ch->scheme_text);
        check_str(wa, &ch->token68);
        check_str(wa, &ch->realm);
        if (ch->token68.off != WWWAUTH_NONE && ch->nparams != 0)
            __builtin_trap();
        for (j = 0; j < ch->nparams; j++) {
            check_str(wa, &ch->params[j].name);
            check_str(wa, &ch->params[j].value);
        }
        (void)wwwauth_param(wa, i, "realm");
        (void)wwwauth_param_at(wa, i, 0, NULL, NULL);
    }
    for (i = 0; i <= WWWAUTH_BEARER; i++) {
        size_t len = 0;
        const char *t = wwwauth_find_token(wa, (enum wwwauth_scheme)i, &len);

        (void)wwwauth_offers(wa, (enum wwwauth_scheme)i);
        if (t && strlen(t) != len)
            __builtin_trap();
    }
    for (i = 0; i < sizeof(buf); i += 7) {
        size_t need = wwwauth_render_schemes(wa, buf, i);

        if (i > 0 && strlen(buf) >= i)
            __builtin_trap();
        if (i > 0 && need < i && strlen(buf) != need)
            __builtin_trap();
        (void)wwwauth_render_error(wa, buf, i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct wwwauth wa, before;
    static struct ntlm_challenge nc;
    const char *s = (const char *)data;
    size_t start = 0, i;
    const char *tok;
    size_t tlen = 0;

    wwwauth_init(&wa);
    for (i = 0; i <= size; i++) {
        if (i == size || s[i] == '\n') {
            const char *why = NULL;
            ssize_t rc;

            before = wa;
            rc = wwwauth_add(&wa, s + start, i - start, &why);
            if (rc < 0) {
                if (!why || wa.count != before.count || wa.pool_used != before.pool_used ||
                    memcmp(wa.pool, before.pool, wa.pool_used) != 0)
                    __builtin_trap();
            } else if ((size_t)rc != i - start) {
                __builtin_trap();
            }
            start = i + 1;
        }
    }
    check(&wa);
    tok = wwwauth_find_token(&wa, WWWAUTH_NTLM, &tlen);
    if (tok)
        (void)ntlm_challenge_decode_b64(&nc, tok, tlen, NULL);

    wwwauth_init(&wa);
    (void)wwwauth_add_line(&wa, s, size, NULL);
    check(&wa);
    return 0;
}
