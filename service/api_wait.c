/*
 * api_wait.c: a request that waits for the store: the write routes (PUT and
 * DELETE of API targets, POST and DELETE of maintenance windows) answer only
 * once the store writer reports the write committed, so a 2xx survives
 * kill -9. The connection is suspended meanwhile (api_defer), the loop goes
 * on. The daemon's callback may come after the client went away or after
 * the api was freed: the request and the callback meet through a small
 * waiter that either side can let go first (as POST .../run does).
 */
#include "service/api_int.h"

#include <stdlib.h>

#include "service/store.h"

struct api_wait {
    struct api_req *r; /* NULL once the request is gone */
};

static void wait_release(void *arg)
{
    struct api_wait *w = arg;
    w->r = NULL; /* the request is freed; api_wait_take frees w */
}

struct api_wait *api_wait_new(struct api_req *r)
{
    struct api_wait *w = calloc(1, sizeof *w);
    if (w == NULL) {
        api_error(r, 500, "internal", "out of memory");
        return NULL;
    }
    w->r = r;
    r->on_free = wait_release;
    r->on_free_arg = w;
    api_defer(r);
    return w;
}

struct api_req *api_wait_take(struct api_wait *w)
{
    if (w == NULL)
        return NULL;
    struct api_req *r = w->r;
    free(w);
    if (r == NULL)
        return NULL;
    r->on_free = NULL;
    r->on_free_arg = NULL;
    return r->state == REQ_DEFERRED ? r : NULL;
}

void api_store_error(struct api_req *r, const char *what, int rc, const char *err)
{
    const char *why = err != NULL && err[0] != '\0' ? err : "the store failed";
    switch (rc) {
    case STORE_EFULL:
        api_error(r, 503, "store_busy",
                  "%s: the store's write queue is full; nothing changed, try again", what);
        break;
    case STORE_EBUSY:
        api_error(r, 503, "store_busy",
                  "%s: the database is locked by another connection (%s); nothing changed, "
                  "try again", what, why);
        break;
    case STORE_ESTOPPED:
        api_error(r, 503, "unavailable",
                  "%s: the service stopped before the store committed it (%s)", what, why);
        break;
    default:
        api_error(r, 500, "store_failed", "%s: the store failed (%s); nothing changed", what,
                  why);
        break;
    }
}
