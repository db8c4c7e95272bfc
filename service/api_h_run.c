/*
 * api_h_run.c: POST /api/v1/targets/{name}/run (write token). By default
 * the request waits for the run: its connection is suspended (api_defer)
 * and answered with the target in full when the daemon calls back; with
 * ?wait=false the answer is 202 with the target's location at once.
 *
 * The daemon's callback may come after the client went away or after the
 * api was freed, so the request and the callback meet through a small
 * waiter that either side can let go first.
 */
#include "service/api_h.h"

#include <stdio.h>
#include <stdlib.h>

#include "service/api_int.h"
#include "web/render_api.h"

struct waiter {
    struct api_req *r; /* NULL once the request is gone */
};

static void waiter_release(void *arg)
{
    struct waiter *w = arg;
    w->r = NULL; /* the request is freed; done frees w */
}

static void run_done(void *arg, const struct view_target *t, const struct oa_result *res)
{
    struct waiter *w = arg;
    struct api_req *r = w->r;
    free(w);
    if (r == NULL)
        return;
    r->on_free = NULL;
    r->on_free_arg = NULL;
    if (r->state != REQ_DEFERRED)
        return;
    if (res == NULL || t == NULL) {
        api_error(r, 503, "unavailable", "the run was cancelled (target removed or shutdown)");
        return;
    }
    size_t len = 0;
    char *out = render_api_target(t, &len);
    api_reply_json(r, 200, out, len);
}

void api_h_run(struct api_req *r)
{
    const char *name = api_req_cap(r, 0);
    bool wait = true;
    const char *v = api_req_query(r, "wait"), *why = NULL;
    if (v && api_parse_bool(v, &wait, &why) != 0) {
        api_error(r, 400, "bad_request", "wait: %s", why);
        return;
    }
    const struct view_service *s = api_req_ops(r)->view(api_req_ctx(r));
    const struct view_target *t = s != NULL ? view_target_find(s, name) : NULL;
    if (t == NULL) {
        api_error(r, 404, "not_found", "no target named '%s'", name);
        return;
    }
    if (t->blocked != NULL) { /* never run (run_now would say -4) */
        api_error(r, 403, "forbidden", "target '%s' is not run: %s", name, t->blocked);
        return;
    }
    if (api_req_ops(r)->run_now == NULL) {
        api_error(r, 503, "unavailable", "runs cannot be started through this server");
        return;
    }
    struct waiter *w = calloc(1, sizeof *w);
    if (w == NULL) {
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    char loc[128];
    snprintf(loc, sizeof loc, "/api/v1/targets/%s", name);
    if (wait) {
        w->r = r;
        r->on_free = waiter_release;
        r->on_free_arg = w;
        api_defer(r);
    }
    int rc = api_req_ops(r)->run_now(api_req_ctx(r), name, run_done, w);
    if (rc == -1 || rc == -4) {
        /* done is not called */
        r->on_free = NULL;
        r->on_free_arg = NULL;
        free(w);
        if (rc == -4)
            api_error(r, 403, "forbidden", "target '%s' is not run (api.allow_hosts)", name);
        else
            api_error(r, 404, "not_found", "no target named '%s'", name);
        return;
    }
    if (!wait) {
        size_t len = 0;
        api_reply_header(r, "Location", loc);
        char *out = render_api_accepted(name, loc, &len);
        api_reply_json(r, 202, out, len);
    }
}
