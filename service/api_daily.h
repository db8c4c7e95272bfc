/*
 * api_daily.h: GET /api/v1/daily (every target's daily availability) built
 * across loop turns (docs/internals/api.md, "The cache of rendered bodies").
 *
 * Its body is one store query per target (0.29 s at 10,000 targets): built
 * at once, the loop would stall that long. On a cache miss the request is
 * suspended and joins the build of its `days` under way, or starts one: the
 * target names are copied, then API_DAILY_CHUNK targets at most, for
 * API_DAILY_SLICE_US at most, are read per loop turn (a zero-delay timer),
 * then the body is rendered, put in the cache and every request waiting for
 * it answered from there (so N requests on a miss make one build). A target
 * removed meanwhile is left out; a build whose requests all went away is
 * dropped; at most API_DAILY_BUILDS_MAX run at once (others get 503 with
 * Retry-After). A build of 200 targets or fewer ends in the request's own
 * turn, as before. Loop thread only.
 */
#ifndef OAPROBE_SERVICE_API_DAILY_H
#define OAPROBE_SERVICE_API_DAILY_H

#include <stddef.h>
#include <stdint.h>

#include "service/store.h"
#include "web/render_api.h"

struct api_req;
struct api_cache_spec;

#define API_DAILY_CHUNK 200         /* targets per loop turn at most */
#define API_DAILY_SLICE_US 5000     /* and this long at most */
#define API_DAILY_BUILDS_MAX 4      /* distinct `days` built at once */

/* api_daily_to_view: n store buckets as the renderer's days. */
void api_daily_to_view(const struct store_bucket *b, struct view_day *d, size_t n);

/* api_daily_reply: answer r, a GET /api/v1/daily?days=days at now_ms (unix
 * ms) whose body sp names (sp->build unused) is not fresh in the cache:
 * later, from the build it joins or starts; at once with an error. */
void api_daily_reply(struct api_req *r, const struct api_cache_spec *sp, size_t days,
                     int64_t now_ms);

#endif /* OAPROBE_SERVICE_API_DAILY_H */
