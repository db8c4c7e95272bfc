/*
 * check_depth.c: names of the check depths (see check_obs.h). Pure: no I/O, no
 * libcurl call, so the diagnosis code can name the depth.
 */
#include <string.h>

#include "probes/verdict/check_obs.h"

static const char *const depth_names[] = {
    [CHECK_DEPTH_TUNNEL] = "tunnel",
    [CHECK_DEPTH_AUTH] = "auth",
    [CHECK_DEPTH_ECHO] = "echo",
    [CHECK_DEPTH_TLS] = "tls",
};

const char *check_depth_name(enum check_depth d)
{
    if ((unsigned)d >= sizeof depth_names / sizeof depth_names[0])
        return "unknown";
    return depth_names[d];
}

int check_depth_parse(const char *name, enum check_depth *out)
{
    if (name == NULL || out == NULL)
        return -1;
    for (unsigned i = 0; i < sizeof depth_names / sizeof depth_names[0]; i++) {
        if (strcmp(name, depth_names[i]) == 0) {
            *out = (enum check_depth)i;
            return 0;
        }
    }
    return -1;
}

bool check_depth_runs(enum check_depth d, enum check_depth layer)
{
    /* The enum counts down from the deepest layer: a layer runs when it is
     * at most as deep as the depth asked for. */
    return (unsigned)layer >= (unsigned)d;
}
