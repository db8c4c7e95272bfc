/*
 * state.c: names and the explicit worst-of order of enum oa_state.
 * See state.h for why unknown ranks above warning.
 */
#include "probes/result/state.h"

#include <stddef.h>
#include <string.h>

static const struct {
    const char *name;
    const char *label;
    int exit_code;
} state_table[OA_STATE__COUNT] = {
#define OA_STATE_ROW_(e, name, label, rc) [OA_STATE_##e] = {name, label, rc},
    OA_STATES(OA_STATE_ROW_)
#undef OA_STATE_ROW_
};

/* Worst-of rank: written out, not derived from the enum values. */
static const int state_rank_table[OA_STATE__COUNT] = {
    [OA_STATE_SKIPPED] = 0,
    [OA_STATE_OK] = 1,
    [OA_STATE_WARNING] = 2,
    [OA_STATE_UNKNOWN] = 3,
    [OA_STATE_CRITICAL] = 4,
};

static int state_valid(enum oa_state s)
{
    return (int)s >= 0 && (int)s < OA_STATE__COUNT;
}

const char *oa_state_name(enum oa_state s)
{
    return state_valid(s) ? state_table[s].name : "unknown";
}

const char *oa_state_label(enum oa_state s)
{
    return state_valid(s) ? state_table[s].label : "UNKNOWN";
}

int oa_state_from_name(const char *name, enum oa_state *out)
{
    if (name == NULL || out == NULL)
        return -1;
    for (int i = 0; i < OA_STATE__COUNT; i++) {
        if (strcmp(name, state_table[i].name) == 0) {
            *out = (enum oa_state)i;
            return 0;
        }
    }
    return -1;
}

int oa_state_rank(enum oa_state s)
{
    return state_rank_table[state_valid(s) ? s : OA_STATE_UNKNOWN];
}

enum oa_state oa_state_worst(enum oa_state a, enum oa_state b)
{
    if (!state_valid(a))
        a = OA_STATE_UNKNOWN;
    if (!state_valid(b))
        b = OA_STATE_UNKNOWN;
    return oa_state_rank(b) > oa_state_rank(a) ? b : a;
}

int oa_state_exit_code(enum oa_state s)
{
    return state_valid(s) ? state_table[s].exit_code : 3;
}
