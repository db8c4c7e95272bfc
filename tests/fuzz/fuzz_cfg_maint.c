/*
 * fuzz_cfg_maint.c: a maintenance window from an API body
 * (cfg_maint_parse_json: JSON through libyaml, one-off and recurring forms,
 * days, times, durations, time zone names) and the RFC 3339 parser on the
 * same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 20000)
        return 0;
    struct cfg_maint m;
    struct cfg_errs errs = {0};
    if (cfg_maint_parse_json((const char *)data, size, &m, &errs) == 0)
        cfg_maint_clear(&m);
    cfg_errs_free(&errs);
    char *s = malloc(size + 1);
    if (s != NULL) {
        memcpy(s, data, size);
        s[size] = '\0';
        int64_t ms;
        (void)cfg_rfc3339_parse(s, &ms);
        free(s);
    }
    return 0;
}
