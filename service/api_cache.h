/*
 * api_cache.h: the API's cache of rendered bodies (docs/internals/api.md,
 * "The cache of rendered bodies").
 *
 * A cached body is one MHD_Response shared by every request that gets it
 * (struct api_shared, api_int.h: the cache holds one reference, every
 * request answered with it one more until it is queued, MHD one per
 * connection sending it; a rebuild or an eviction drops the cache's only),
 * with its headers set once: Content-Type, the security headers of every answer,
 * Cache-Control: no-cache, a strong ETag and Vary. A gzip variant is made
 * on the first request that accepts gzip, for bodies of API_CACHE_GZIP_MIN
 * bytes or more: at once, or for a list body of API_CACHE_GZIP_SYNC_MAX
 * bytes or more across loop turns (API_CACHE_GZIP_SLICE_US of deflate a
 * turn, level 1), the requests that want it waiting for it (deferred,
 * joining the one compression under way) so that the loop never stalls
 * for a whole body's deflate (15 ms for 4.7 MB). If-None-Match naming the current ETag gets 304. A body of
 * API_CACHE_FD_MIN bytes or more is kept in a memfd, which MHD sends with
 * sendfile() when the process ignores SIGPIPE (oaprobe serve does; api.c
 * tells MHD so): the loop thread does not copy a 4.7 MB list per request.
 *
 * Validity. A handler names the body by a key (route, target, normalized
 * query, format) and says which state it shows: `gen`, a change counter of
 * the view (web/view.h: view_touch, view_touch_history), and `epoch`
 * (the UTC day, the second: a value the body depends on besides gen). A
 * body whose epoch differs is rebuilt at once. One whose gen differs is
 * rebuilt, but not sooner after its last build than 8 times what that
 * build took, and never later than `stale_ms` (API_CACHE_STALE_MAX_MS for
 * the lists, API_CACHE_DAILY_STALE_MS for /api/v1/daily, 0 for the pages of
 * one target: exact): a 10,000-target list that takes 20 ms to build
 * is rebuilt at most every 160 ms under a steady stream of results, a
 * small one at once; one that sets min_ms (/api/v1/daily: 0.3 s of store
 * queries at 10,000 targets) not sooner than that. After a write through
 * the API (api_cache_written)
 * the next read rebuilds whatever changed, so a client sees its own write.
 *
 * Bounds. The few list bodies (pinned: /api/v1/targets as JSON and text,
 * /api/v1/status, /api/v1/daily with the default days) have fixed keys and
 * grow with the number of targets only. Every other body (per-target pages,
 * history pages by query) is in an LRU of at most API_CACHE_ENTRIES_MAX
 * entries and API_CACHE_BYTES_MAX bytes (gzip variants and keys included);
 * a body larger than a quarter of that is answered but not kept.
 *
 * Tokens are checked before a handler runs, so a cached body is never
 * served to a request the route's scope refuses. Loop thread only.
 */
#ifndef OAPROBE_SERVICE_API_CACHE_H
#define OAPROBE_SERVICE_API_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct api_req;
struct api_cache;

#define API_CACHE_ENTRIES_MAX 1024u          /* LRU entries */
#define API_CACHE_BYTES_MAX (16u << 20)      /* LRU bytes */
#define API_CACHE_STALE_MAX_MS 1000          /* the most a list may lag its state */
#define API_CACHE_DAILY_STALE_MS 60000       /* /api/v1/daily: one store query
                                              * per target to rebuild */
#define API_CACHE_GZIP_MIN 1024u             /* smaller bodies go uncompressed */
#define API_CACHE_FD_MIN (256u * 1024u)      /* larger bodies live in a memfd and
                                              * go out with sendfile() */
#define API_CACHE_GZIP_SYNC_MAX (256u * 1024u) /* a list body this large or larger
                                              * is compressed across loop turns */
#define API_CACHE_GZIP_CHUNK (64u * 1024u)   /* input bytes per deflate call */
#define API_CACHE_GZIP_SLICE_US 2000         /* deflate time per loop turn */

/* What a handler asks for. */
struct api_cache_spec {
    const char *key;      /* unique per route, target, query and format */
    uint64_t gen;         /* the state the body shows */
    uint64_t epoch;       /* anything else it depends on (day, second) */
    int64_t stale_ms;     /* how long after a change of gen the old body may
                           * still be served (0: never) */
    int64_t min_ms;       /* and at least this long after its build, however
                           * cheap the build (at most stale_ms): a body that
                           * is dear to build (/api/v1/daily) */
    bool pinned;          /* a list body with a fixed key (outside the LRU) */
    const char *ctype;    /* its Content-Type */
    /* Renders the body (malloc'd, *len bytes) and its *status; or answers r
     * itself (an error) and returns NULL: nothing is cached then. */
    char *(*build)(struct api_req *r, void *arg, size_t *len, unsigned *status);
    void *arg;
};

struct api_cache_stats {
    size_t entries, bytes;               /* the LRU */
    size_t pinned, pinned_bytes;         /* the list bodies */
    uint64_t hits, builds, evictions, not_modified;
    uint64_t writes;                     /* api_cache_written calls */
    uint64_t daily_builds;               /* /api/v1/daily built across loop
                                          * turns (api_daily.h), started */
    size_t daily_running;                /* and under way now */
    uint64_t gzip_sliced;                /* gzip variants started across loop
                                          * turns (a restart counts again) */
    size_t responses;                    /* shared responses not yet destroyed
                                          * in the process: the cache's bodies
                                          * and the answers not yet queued
                                          * (api_int.h, struct api_shared) */
};

/* api_cache_new: an empty cache; boot_id makes ETags differ between two
 * runs of the process. NULL when out of memory. */
struct api_cache *api_cache_new(uint64_t boot_id);

/* api_cache_free: drop every body (connections sending one keep it). */
void api_cache_free(struct api_cache *c);

/* api_cache_reply: answer r with the body spec names, from the cache or
 * built now (see above); without a cache (out of memory) built each time. */
void api_cache_reply(struct api_req *r, const struct api_cache_spec *spec);

/* api_cache_fresh: whether api_cache_reply would answer r from the cache
 * now, without calling spec's build (false without a cache). */
bool api_cache_fresh(struct api_req *r, const struct api_cache_spec *spec);

/* api_cache_written: a write through the API (PUT, DELETE, run, reload,
 * maintenance) was answered: the next read of any body shows the state as
 * it is now (a client reads its own writes), however recent its build. */
void api_cache_written(struct api_cache *c);

/* api_cache_stats: the sizes and counters. */
void api_cache_stats(const struct api_cache *c, struct api_cache_stats *out);

#endif /* OAPROBE_SERVICE_API_CACHE_H */
