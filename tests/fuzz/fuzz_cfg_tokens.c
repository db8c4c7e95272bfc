/*
 * fuzz_cfg_tokens.c: the API tokens file parser (tokens_parse) on arbitrary
 * bytes, and tokens_check of the input's first line against what parsed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service/tokens.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    struct tokens *t = NULL;
    struct cfg_errs errs = {0};
    if (tokens_parse((const char *)data, size, &t, &errs) == 0) {
        char bearer[300];
        size_t n = size < sizeof bearer - 1 ? size : sizeof bearer - 1;
        memcpy(bearer, data, n);
        bearer[n] = '\0';
        const char *who;
        (void)tokens_check(t, bearer, TOKEN_READ, &who);
        for (size_t i = 0; i < t->n; i++)
            (void)tokens_check(t, t->v[i].secret, TOKEN_WRITE, &who);
        tokens_free(t);
    }
    cfg_errs_free(&errs);
    return 0;
}
