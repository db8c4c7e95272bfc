/*
 * diag.c: lookups in the OA_DIAG_CODES table (diag.h).
 */
#include "probes/result/diag.h"

#include <stddef.h>
#include <string.h>

static const struct {
    const char *code;
    enum oa_state severity;
    const char *observed;
    const char *remedy;
} diag_table[OA_DIAG__COUNT] = {
#define OA_DIAG_ROW_(e, code, sev, what, remedy) \
    [OA_DIAG_##e] = {code, OA_STATE_##sev, what, remedy},
    OA_DIAG_CODES(OA_DIAG_ROW_)
#undef OA_DIAG_ROW_
};

static int diag_valid(enum oa_diag_code c)
{
    return (int)c >= 0 && (int)c < OA_DIAG__COUNT;
}

const char *oa_diag_code_name(enum oa_diag_code c)
{
    return diag_valid(c) ? diag_table[c].code : NULL;
}

int oa_diag_code_from_name(const char *name, enum oa_diag_code *out)
{
    if (name == NULL || out == NULL)
        return -1;
    for (int i = 0; i < OA_DIAG__COUNT; i++) {
        if (strcmp(name, diag_table[i].code) == 0) {
            *out = (enum oa_diag_code)i;
            return 0;
        }
    }
    return -1;
}

enum oa_state oa_diag_default_severity(enum oa_diag_code c)
{
    return diag_valid(c) ? diag_table[c].severity : OA_STATE_UNKNOWN;
}

const char *oa_diag_observed(enum oa_diag_code c)
{
    return diag_valid(c) ? diag_table[c].observed : NULL;
}

const char *oa_diag_default_remedy(enum oa_diag_code c)
{
    return diag_valid(c) ? diag_table[c].remedy : NULL;
}
