/*
 * api_shared.c: responses shared by the cache of rendered bodies and the
 * requests answered with them, counted (api_int.h, struct api_shared).
 * Loop thread only, as the rest of the API.
 */
#include "service/api_int.h"

#include <stdlib.h>

static size_t live; /* api_shared_live */

struct api_shared *api_shared_new(struct MHD_Response *resp)
{
    struct api_shared *s = malloc(sizeof *s);
    if (s == NULL) {
        MHD_destroy_response(resp);
        return NULL;
    }
    s->refs = 1;
    s->resp = resp;
    live++;
    return s;
}

struct api_shared *api_shared_hold(struct api_shared *s)
{
    s->refs++;
    return s;
}

void api_shared_drop(struct api_shared *s)
{
    if (s == NULL || --s->refs > 0)
        return;
    MHD_destroy_response(s->resp); /* a connection sending it keeps MHD's */
    live--;
    free(s);
}

size_t api_shared_live(void)
{
    return live;
}
