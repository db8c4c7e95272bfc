/*
 * api_h_targets.c: the target routes: GET /api/v1/targets,
 * GET/PUT/DELETE /api/v1/targets/{name}, and the badges
 * .../badge.svg and .../uptime/{window}/badge.svg (cacheable: ETag,
 * Cache-Control max-age 60, 304 on If-None-Match).
 */
#include "service/api_h.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/api_cache.h"
#include "service/api_frag.h"
#include "service/api_int.h"
#include "service/config.h"
#include "service/store.h"
#include "web/render_api.h"
#include "web/render_badge.h"

#define TEXT_PLAIN "text/plain; charset=utf-8"

/* The target of capture 0, or NULL after answering 404. */
static const struct view_target *find_target(struct api_req *r)
{
    const char *name = api_req_cap(r, 0);
    const struct view_target *t = api_req_target(r, name);
    if (t == NULL)
        api_error(r, 404, "not_found", "no target named '%s'", name);
    return t;
}

static char *build_list(struct api_req *r, void *arg, size_t *len, unsigned *status)
{
    (void)status;
    char *out = api_frags_targets(api_req_api(r)->frags, api_req_ops(r)->view(api_req_ctx(r)),
                                  arg != NULL, len);
    if (out == NULL)
        api_error(r, 500, "internal", "out of memory");
    return out;
}

/* The list changes with every run start and end: under a steady stream of
 * results it is rebuilt at most every API_CACHE_STALE_MAX_MS. */
void api_h_targets(struct api_req *r)
{
    const struct view_service *s = api_req_ops(r)->view(api_req_ctx(r));
    bool text = api_req_text(r);
    struct api_cache_spec sp = {
        .key = text ? "targets text" : "targets json",
        .gen = s ? s->generation : 0,
        .stale_ms = API_CACHE_STALE_MAX_MS,
        .pinned = true,
        .ctype = text ? TEXT_PLAIN : "application/json",
        .build = build_list,
        .arg = text ? (void *)1 : NULL,
    };
    api_cache_reply(r, &sp);
}

static char *build_target(struct api_req *r, void *arg, size_t *len, unsigned *status)
{
    (void)status;
    const struct view_target *t = arg;
    char *out = api_req_text(r) ? render_api_text_line(t, len) : render_api_target(t, len);
    if (out == NULL)
        api_error(r, 500, "internal", "out of memory");
    return out;
}

/* Exact: rebuilt with every change of the target. */
void api_h_target(struct api_req *r)
{
    const struct view_target *t = find_target(r);
    if (t == NULL)
        return;
    bool text = api_req_text(r);
    char key[CFG_NAME_MAX + 32];
    snprintf(key, sizeof key, "target %s %s", t->name, text ? "text" : "json");
    struct api_cache_spec sp = {
        .key = key,
        .gen = t->generation,
        .ctype = text ? TEXT_PLAIN : "application/json",
        .build = build_target,
        .arg = (void *)t,
    };
    api_cache_reply(r, &sp);
}

/* "key: problem; key: problem" of errs into buf. */
static void errs_join(const struct cfg_errs *errs, char *buf, size_t cap)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < errs->n && off + 1 < cap; i++) {
        char one[600];
        cfg_errs_format(&errs->v[i], NULL, one, sizeof one);
        int w = snprintf(buf + off, cap - off, "%s%s", i ? "; " : "", one);
        if (w < 0)
            break;
        off += (size_t)w < cap - off ? (size_t)w : cap - off - 1;
    }
    if (errs->n == 0)
        snprintf(buf, cap, "the body is not a valid target");
}

/* The target's store write ended: answer with the target as it is now. */
static void put_done(void *arg, int rc, const char *err)
{
    struct api_req *r = api_wait_take(arg);
    if (r == NULL)
        return;
    const char *name = api_req_cap(r, 0);
    if (rc == API_WRITE_ECONFLICT) {
        api_error(r, 409, "conflict",
                  "target '%s' is now defined in the configuration file (a reload); "
                  "change it there", name);
        return;
    }
    if (rc < 0) {
        char what[CFG_NAME_MAX + 40];
        snprintf(what, sizeof what, "target '%s' not stored", name);
        api_store_error(r, what, rc, err);
        return;
    }
    const struct view_target *t = api_req_target(r, name);
    if (t == NULL) {
        api_error(r, 500, "internal", "the target was stored but is not in the view");
        return;
    }
    char loc[128];
    snprintf(loc, sizeof loc, "/api/v1/targets/%s", name);
    api_reply_header(r, "Location", loc);
    size_t len = 0;
    char *out = render_api_target(t, &len);
    api_reply_json(r, rc == 0 ? 201 : 200, out, len);
}

/* The answer to a write the daemon refused at once (rc of target_put or
 * target_delete: -1 .. -5). */
static void refused(struct api_req *r, int rc, const char *name, const struct cfg_errs *errs,
                    bool put)
{
    char detail[512];
    switch (rc) {
    case -1:
        if (put) {
            errs_join(errs, detail, sizeof detail);
            api_error(r, 400, "bad_request", "%s", detail);
        } else {
            api_error(r, 404, "not_found", "no API target named '%s'", name);
        }
        break;
    case -2:
        api_error(r, 409, "conflict",
                  "target '%s' is defined in the configuration file; %s it there", name,
                  put ? "change" : "remove");
        break;
    case -5:
        errs_join(errs, detail, sizeof detail);
        api_error(r, 403, "forbidden", "%s", detail);
        break;
    case -4:
        snprintf(detail, sizeof detail, "target '%s' not %s", name, put ? "stored" : "removed");
        api_store_error(r, detail, STORE_EFULL, "");
        break;
    default:
        api_error(r, 500, "internal", "the target could not be %s",
                  put ? "stored" : "removed");
        break;
    }
}

void api_h_target_put(struct api_req *r)
{
    const char *name = api_req_cap(r, 0);
    size_t blen = 0;
    const char *body = api_req_body(r, &blen);
    if (blen == 0) {
        api_error(r, 400, "bad_request", "the body must be a JSON object with the target's keys");
        return;
    }
    if (api_req_ops(r)->target_put == NULL) {
        api_error(r, 503, "unavailable", "targets cannot be changed through this server");
        return;
    }
    struct api_wait *w = api_wait_new(r);
    if (w == NULL)
        return;
    struct cfg_errs errs = {0};
    int rc = api_req_ops(r)->target_put(api_req_ctx(r), name, body, blen, &errs, put_done, w);
    if (rc != 0) { /* put_done will not be called */
        api_wait_take(w);
        refused(r, rc, name, &errs, true);
    }
    cfg_errs_free(&errs);
}

static void delete_done(void *arg, int rc, const char *err)
{
    struct api_req *r = api_wait_take(arg);
    if (r == NULL)
        return;
    const char *name = api_req_cap(r, 0);
    if (rc == API_WRITE_ENOTFOUND) {
        api_error(r, 404, "not_found", "no API target named '%s'", name);
    } else if (rc < 0) {
        char what[CFG_NAME_MAX + 40];
        snprintf(what, sizeof what, "target '%s' not removed", name);
        api_store_error(r, what, rc, err);
    } else {
        api_reply(r, 204, "application/json", NULL, 0);
    }
}

void api_h_target_delete(struct api_req *r)
{
    const char *name = api_req_cap(r, 0);
    if (api_req_ops(r)->target_delete == NULL) {
        api_error(r, 503, "unavailable", "targets cannot be changed through this server");
        return;
    }
    struct api_wait *w = api_wait_new(r);
    if (w == NULL)
        return;
    int rc = api_req_ops(r)->target_delete(api_req_ctx(r), name, delete_done, w);
    if (rc != 0) {
        api_wait_take(w);
        refused(r, rc, name, NULL, false);
    }
}

/* FNV-1a of the badge, as a strong ETag. */
static void badge_reply(struct api_req *r, char *svg, size_t len)
{
    if (svg == NULL) {
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)svg[i]) * 1099511628211ull;
    char etag[24];
    snprintf(etag, sizeof etag, "\"%016llx\"", (unsigned long long)h);
    api_reply_header(r, "ETag", etag);
    api_reply_header(r, "Cache-Control", "public, max-age=60");
    /* a badge is an image another page embeds */
    api_reply_header(r, "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
    api_reply_header(r, "X-Frame-Options", "SAMEORIGIN");
    const char *inm = api_req_header(r, "If-None-Match");
    if (inm && strstr(inm, etag) != NULL) {
        free(svg);
        api_reply(r, 304, RENDER_BADGE_CONTENT_TYPE, NULL, 0);
        return;
    }
    api_reply(r, 200, RENDER_BADGE_CONTENT_TYPE, svg, len);
}

void api_h_badge(struct api_req *r)
{
    const struct view_target *t = find_target(r);
    if (t == NULL)
        return;
    size_t len = 0;
    char *svg = render_badge_state(t, &len);
    badge_reply(r, svg, len);
}

void api_h_badge_uptime(struct api_req *r)
{
    enum view_window w;
    if (view_window_from_name(api_req_cap(r, 1), &w) != 0) {
        api_error(r, 400, "bad_request", "window '%s' is not one of 24h, 7d, 30d, 90d",
                  api_req_cap(r, 1));
        return;
    }
    const struct view_target *t = find_target(r);
    if (t == NULL)
        return;
    size_t len = 0;
    char *svg = render_badge_uptime(t, w, &len);
    badge_reply(r, svg, len);
}
