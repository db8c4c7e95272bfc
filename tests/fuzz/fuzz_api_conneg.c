/*
 * fuzz_api_conneg.c: If-None-Match and Accept-Encoding values as a client
 * sends them, through service/api_conneg.c. The first byte splits the
 * input: the rest is the header value, matched against a fixed tag. The
 * invariants: no read past the value; a value naming the tag exactly
 * matches; "gzip" alone is accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service/api_conneg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 8192)
        return 0;
    char *s = malloc(size);
    if (s == NULL)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    static const char tag[] = "\"1a2b-3c\"";
    if (data[0] & 1) {
        (void)api_accepts_gzip(s);
    } else {
        bool m = api_etag_matches(s, tag);
        if (strcmp(s, tag) == 0 && !m)
            abort();
    }
    if (!api_accepts_gzip("gzip") || !api_etag_matches(tag, tag))
        abort();
    free(s);
    return 0;
}
