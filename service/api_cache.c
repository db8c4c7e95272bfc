/*
 * api_cache.c: the cache of rendered bodies (api_cache.h): a hash table of
 * entries by key, an LRU list of the unpinned ones, shared MHD responses,
 * gzip variants made with zlib. A body of API_CACHE_FD_MIN bytes or more is
 * kept in a memfd, so that MHD sends it with sendfile() (no copy through the
 * loop thread, as nginx sends a file) when SIGPIPE is ignored.
 *
 * The gzip variant of a list body (pinned) of API_CACHE_GZIP_SYNC_MAX bytes
 * or more is compressed across loop turns (struct gzjob: deflate on
 * API_CACHE_GZIP_CHUNK bytes at a time for API_CACHE_GZIP_SLICE_US a turn):
 * the requests that want it wait (deferred) and are answered when it is
 * done, every request of the meantime joining the one compression. A
 * rebuild of the body meanwhile starts it over on the new body for the
 * same requests. Smaller bodies, and the rest, are compressed at once.
 */
#define _GNU_SOURCE /* memfd_create */
#include "service/api_cache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "service/api_conneg.h"
#include "service/api_int.h"
#include "service/loop.h"

struct gzwait {
    struct api_req *r;               /* NULL once the request is gone */
    struct gzwait *next;
};

/* A gzip variant being made across loop turns (one per entry at most). */
struct gzjob {
    struct api_cache *c;
    struct loop *loop;
    struct entry *e;
    bool zinit;                      /* zs initialized (deflateEnd owed) */
    z_stream zs;
    const char *in;                  /* e->body, or `map` */
    void *map;                       /* MAP_FAILED, or e->fd mapped */
    size_t off;                      /* input bytes given to deflate */
    char *out;
    size_t cap;
    struct loop_timer *timer;
    struct gzwait *waiters;          /* the latest first */
};

struct entry {
    char *key;
    uint64_t hash;
    struct entry *hnext;             /* hash chain */
    struct entry *prev, *next;       /* LRU (unpinned), most recent first */
    bool pinned;
    uint64_t gen, epoch;
    bool vary_auth;                  /* Vary names Authorization */
    int64_t built_us;                /* CLOCK_MONOTONIC of the last build */
    int64_t floor_us;                /* no rebuild for gen before built_us + this */
    unsigned status;
    const char *ctype;
    const char *body;                /* owned by `id`; NULL: in memfd `fd` */
    int fd;                          /* owned by `id`; -1: in `body` */
    size_t len;
    struct api_shared *id;           /* identity; the cache's reference */
    struct api_shared *gz;           /* gzip, or NULL; the cache's reference */
    size_t gz_len;
    bool gz_none;                    /* not worth it, or failed */
    struct gzjob *gzj;               /* the gzip variant under way, or NULL */
    uint64_t serial;                 /* of the build: the ETag */
};

struct api_cache {
    uint64_t boot;
    uint64_t serial;
    struct entry **buckets;
    size_t nbuckets, count;
    struct entry *head, *tail;       /* LRU */
    struct api_cache_stats st;
};

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t key_hash(const char *k)
{
    uint64_t h = 1469598103934665603ull;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211ull;
    return h;
}

static size_t entry_bytes(const struct entry *e)
{
    return sizeof *e + strlen(e->key) + 1 + e->len + e->gz_len;
}

struct api_cache *api_cache_new(uint64_t boot_id)
{
    struct api_cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->nbuckets = 256;
    c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
    if (c->buckets == NULL) {
        free(c);
        return NULL;
    }
    c->boot = boot_id;
    return c;
}

static void gz_stop(struct gzjob *j);
static void gz_free(struct gzjob *j);

static void drop_responses(struct entry *e)
{
    if (e->gzj != NULL)
        gz_stop(e->gzj); /* of the old body; its requests wait for the next */
    api_shared_drop(e->id); /* a request answered with it keeps its own */
    api_shared_drop(e->gz);
    e->id = e->gz = NULL;
    e->body = NULL;
    e->fd = -1;
    e->len = e->gz_len = 0;
    e->gz_none = false;
}

static void entry_free(struct entry *e)
{
    if (e->gzj != NULL) { /* its requests stay deferred: api_free answers them */
        gz_free(e->gzj);
        e->gzj = NULL;
    }
    drop_responses(e);
    free(e->key);
    free(e);
}

void api_cache_free(struct api_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->nbuckets; i++) {
        struct entry *e = c->buckets[i];
        while (e) {
            struct entry *n = e->hnext;
            entry_free(e);
            e = n;
        }
    }
    free(c->buckets);
    free(c);
}

void api_cache_written(struct api_cache *c)
{
    if (c == NULL)
        return;
    c->st.writes++;
    for (size_t i = 0; i < c->nbuckets; i++)
        for (struct entry *e = c->buckets[i]; e; e = e->hnext)
            e->floor_us = 0;
}

void api_cache_stats(const struct api_cache *c, struct api_cache_stats *out)
{
    if (out)
        *out = c ? c->st : (struct api_cache_stats){0};
}

/* ---- the table and the LRU -------------------------------------------- */

static struct entry *lookup(struct api_cache *c, const char *key, uint64_t h)
{
    for (struct entry *e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->hnext)
        if (e->hash == h && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

static void grow(struct api_cache *c)
{
    size_t n = c->nbuckets * 2;
    struct entry **b = calloc(n, sizeof *b);
    if (b == NULL)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < c->nbuckets; i++) {
        struct entry *e = c->buckets[i];
        while (e) {
            struct entry *next = e->hnext;
            e->hnext = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = n;
}

static void lru_unlink(struct api_cache *c, struct entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else if (c->head == e)
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else if (c->tail == e)
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_front(struct api_cache *c, struct entry *e)
{
    if (e->pinned || c->head == e)
        return;
    lru_unlink(c, e);
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (c->tail == NULL)
        c->tail = e;
}

static void table_remove(struct api_cache *c, struct entry *e)
{
    struct entry **p = &c->buckets[e->hash & (c->nbuckets - 1)];
    while (*p && *p != e)
        p = &(*p)->hnext;
    if (*p)
        *p = e->hnext;
    c->count--;
    if (e->pinned) {
        c->st.pinned--;
        c->st.pinned_bytes -= entry_bytes(e);
    } else {
        lru_unlink(c, e);
        c->st.entries--;
        c->st.bytes -= entry_bytes(e);
    }
    entry_free(e);
}

static struct entry *insert(struct api_cache *c, const char *key, uint64_t h, bool pinned)
{
    struct entry *e = calloc(1, sizeof *e);
    if (e == NULL || (e->key = strdup(key)) == NULL) {
        free(e);
        return NULL;
    }
    if (c->count >= c->nbuckets)
        grow(c);
    e->hash = h;
    e->pinned = pinned;
    e->fd = -1;
    e->hnext = c->buckets[h & (c->nbuckets - 1)];
    c->buckets[h & (c->nbuckets - 1)] = e;
    c->count++;
    if (pinned) {
        c->st.pinned++;
        c->st.pinned_bytes += entry_bytes(e);
    } else {
        c->st.entries++;
        c->st.bytes += entry_bytes(e);
        lru_front(c, e);
    }
    return e;
}

/* Adds delta bytes to e's account (before/after a change of its body). */
static void account(struct api_cache *c, const struct entry *e, size_t before)
{
    size_t after = entry_bytes(e);
    size_t *b = e->pinned ? &c->st.pinned_bytes : &c->st.bytes;
    *b = *b - before + after;
}

/* Evicts from the LRU's tail until the bounds hold, sparing keep. */
static void evict(struct api_cache *c, const struct entry *keep)
{
    while (c->tail &&
           (c->st.entries > API_CACHE_ENTRIES_MAX || c->st.bytes > API_CACHE_BYTES_MAX)) {
        struct entry *e = c->tail;
        if (e == keep) {
            if (e->prev == NULL)
                break;
            e = e->prev;
        }
        table_remove(c, e);
        c->st.evictions++;
    }
}

/* ---- responses --------------------------------------------------------- */

static void etag_of(const struct api_cache *c, const struct entry *e, bool gz, char *out,
                    size_t len)
{
    snprintf(out, len, "\"%llx-%llx%s\"", (unsigned long long)c->boot,
             (unsigned long long)e->serial, gz ? "-gz" : "");
}

/* body (len bytes) in a new memfd; -1 when that fails. */
static int memfd_of(const char *body, size_t len)
{
    int fd = memfd_create("oaprobe-api-body", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, body + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)n;
    }
    return fd;
}

/* A response of body (malloc'd: freed with the response, or at once when
 * *fd_out gets a memfd holding it) with e's headers, the caller's reference.
 * NULL: body freed. */
static struct api_shared *make_response(const struct api_cache *c, const struct entry *e,
                                        char *body, size_t len, bool gz, int *fd_out)
{
    struct MHD_Response *resp = NULL;
    int fd = fd_out != NULL && len >= API_CACHE_FD_MIN ? memfd_of(body, len) : -1;
    if (fd >= 0) {
        resp = MHD_create_response_from_fd64(len, fd); /* closes fd when destroyed */
        if (resp == NULL)
            close(fd);
        free(body);
        if (resp == NULL)
            return NULL;
    } else {
        resp = MHD_create_response_from_buffer_with_free_callback(len, body, free);
        if (resp == NULL) {
            free(body);
            return NULL;
        }
    }
    char etag[64];
    etag_of(c, e, gz, etag, sizeof etag);
    api_common_headers(resp, e->ctype);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY,
                            e->vary_auth ? "Accept, Accept-Encoding, Authorization"
                                         : "Accept, Accept-Encoding");
    if (gz)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    struct api_shared *s = api_shared_new(resp); /* else resp (fd, body) destroyed */
    if (s != NULL && fd >= 0)
        *fd_out = fd;
    return s;
}

/* The gzip form of body (level 6, or 1 above 256 KiB: the loop waits for
 * it); NULL when it fails or would not be smaller. */
static char *gzip_of(const char *body, size_t len, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int level = len > 256u * 1024u ? 1 : 6;
    if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&zs, (uLong)len) + 32;
    char *out = malloc(cap);
    if (out == NULL) {
        deflateEnd(&zs);
        return NULL;
    }
    zs.next_in = (Bytef *)body;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END || *out_len >= len) {
        free(out);
        return NULL;
    }
    return out;
}

/* ---- gzip across loop turns -------------------------------------------- */

static void answer(struct api_cache *c, struct entry *e, struct api_req *r, bool kept);

/* Ends the compression of j (zlib state, mapping, output, timer); its
 * waiters stay for a new start. */
static void gz_stop(struct gzjob *j)
{
    loop_timer_cancel(j->loop, j->timer);
    j->timer = NULL;
    if (j->zinit)
        deflateEnd(&j->zs);
    j->zinit = false;
    if (j->map != MAP_FAILED)
        munmap(j->map, j->e->len);
    j->map = MAP_FAILED;
    free(j->out);
    j->out = NULL;
    j->in = NULL;
    j->off = j->cap = 0;
}

/* Frees j; a request still waiting is no longer told when it goes. */
static void gz_free(struct gzjob *j)
{
    gz_stop(j);
    while (j->waiters) {
        struct gzwait *w = j->waiters;
        j->waiters = w->next;
        if (w->r) {
            w->r->on_free = NULL;
            w->r->on_free_arg = NULL;
        }
        free(w);
    }
    free(j);
}

/* A waiting request went away (req_free): the compression goes on, its
 * result serves the next requests. */
static void gz_waiter_gone(void *arg)
{
    struct gzwait *w = arg;
    w->r = NULL;
}

/* The requests still waiting, the first to come first, detached from j. */
static size_t gz_take(struct gzjob *j, struct api_req ***out)
{
    size_t n = 0;
    for (struct gzwait *w = j->waiters; w; w = w->next)
        n += w->r != NULL;
    *out = n ? calloc(n, sizeof **out) : NULL;
    size_t k = n;
    while (j->waiters) {
        struct gzwait *w = j->waiters;
        j->waiters = w->next;
        if (w->r) {
            w->r->on_free = NULL;
            w->r->on_free_arg = NULL;
            if (*out)
                (*out)[--k] = w->r;
        }
        free(w);
    }
    return *out ? n : 0;
}

/* The compression of j's entry ended (out NULL: failed or not smaller):
 * the variant made, every waiting request answered. */
static void gz_done(struct gzjob *j, bool ok)
{
    struct api_cache *c = j->c;
    struct entry *e = j->e;
    size_t before = entry_bytes(e);
    size_t zlen = j->zs.total_out;
    char *z = ok ? j->out : NULL;
    j->out = NULL;
    if (z != NULL) {
        char *shrunk = realloc(z, zlen ? zlen : 1); /* deflateBound was the room */
        if (shrunk != NULL)
            z = shrunk;
    }
    gz_stop(j);
    e->gz = z ? make_response(c, e, z, zlen, true, NULL) : NULL;
    e->gz_none = e->gz == NULL;
    e->gz_len = e->gz != NULL ? zlen : 0;
    account(c, e, before);
    e->gzj = NULL;
    struct api_req **rs;
    size_t n = gz_take(j, &rs);
    free(j);
    for (size_t i = 0; i < n; i++)
        answer(c, e, rs[i], true);
    free(rs); /* without memory for the list they stay deferred: api_free answers them */
}

/* One loop turn of j: deflate until the slice is spent or the input ends. */
static void gz_step(void *arg)
{
    struct gzjob *j = arg;
    j->timer = NULL;
    int64_t t0 = mono_us();
    size_t len = j->e->len;
    for (;;) {
        size_t n = len - j->off < API_CACHE_GZIP_CHUNK ? len - j->off : API_CACHE_GZIP_CHUNK;
        bool last = j->off + n == len;
        j->zs.next_in = (Bytef *)(j->in + j->off);
        j->zs.avail_in = (uInt)n;
        int rc = deflate(&j->zs, last ? Z_FINISH : Z_NO_FLUSH);
        j->off += n - j->zs.avail_in;
        if (rc == Z_STREAM_END) {
            gz_done(j, j->zs.total_out < len);
            return;
        }
        if ((rc != Z_OK && rc != Z_BUF_ERROR) || j->zs.avail_out == 0) {
            gz_done(j, false); /* cannot happen with deflateBound's room */
            return;
        }
        if (mono_us() - t0 >= API_CACHE_GZIP_SLICE_US)
            break;
    }
    j->timer = loop_timer_at(j->loop, loop_now_ms(j->loop), gz_step, j);
    if (j->timer == NULL)
        gz_done(j, false); /* out of memory: identity */
}

/* Starts (or starts over) j on its entry's body. Returns 0, or -1 when it
 * cannot (the caller compresses at once or sends identity). */
static int gz_start(struct gzjob *j)
{
    struct entry *e = j->e;
    j->in = e->body;
    if (j->in == NULL && e->fd >= 0) { /* in the memfd: read it through a mapping */
        j->map = mmap(NULL, e->len, PROT_READ, MAP_SHARED, e->fd, 0);
        j->in = j->map != MAP_FAILED ? j->map : NULL;
    }
    if (j->in == NULL ||
        deflateInit2(&j->zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        gz_stop(j);
        return -1;
    }
    j->zinit = true;
    j->cap = deflateBound(&j->zs, (uLong)e->len) + 32;
    j->out = malloc(j->cap);
    j->timer = j->out ? loop_timer_at(j->loop, loop_now_ms(j->loop), gz_step, j) : NULL;
    if (j->timer == NULL) {
        gz_stop(j);
        return -1;
    }
    j->zs.next_out = (Bytef *)j->out;
    j->zs.avail_out = (uInt)j->cap;
    j->off = 0;
    return 0;
}

/* r waits for e's gzip variant, made across loop turns (joining the one
 * under way). Returns 0 (r deferred), or -1: answer it now. */
static int gz_wait(struct api_cache *c, struct entry *e, struct api_req *r)
{
    if (r->state != REQ_BODY && r->state != REQ_DEFERRED)
        return -1;
    struct gzwait *w = calloc(1, sizeof *w);
    if (w == NULL)
        return -1;
    struct gzjob *j = e->gzj;
    if (j == NULL) {
        j = calloc(1, sizeof *j);
        if (j == NULL) {
            free(w);
            return -1;
        }
        j->c = c;
        j->loop = r->api->loop;
        j->e = e;
        j->map = MAP_FAILED;
        if (gz_start(j) != 0) {
            free(j);
            free(w);
            return -1;
        }
        e->gzj = j;
        c->st.gzip_sliced++;
    }
    w->r = r;
    w->next = j->waiters;
    j->waiters = w;
    r->on_free = gz_waiter_gone;
    r->on_free_arg = w;
    if (r->state == REQ_BODY)
        api_defer(r);
    return 0;
}

/* After a rebuild of e: the requests that waited for the old body's gzip
 * wait for the new one's (or, when that cannot start, are answered now). */
static void gz_restart(struct api_cache *c, struct entry *e)
{
    struct gzjob *j = e->gzj;
    if (j == NULL)
        return;
    if (j->waiters != NULL && e->id != NULL && e->len >= API_CACHE_GZIP_SYNC_MAX &&
        gz_start(j) == 0) {
        c->st.gzip_sliced++;
        return;
    }
    e->gzj = NULL;
    struct api_req **rs;
    size_t n = gz_take(j, &rs);
    gz_free(j);
    for (size_t i = 0; i < n; i++) {
        if (e->id != NULL)
            answer(c, e, rs[i], true);
        else
            api_error(rs[i], 500, "internal", "out of memory");
    }
    free(rs);
}

/* ---- answering ---------------------------------------------------------- */

static bool fresh(const struct entry *e, const struct api_cache_spec *sp, bool vary_auth,
                  int64_t now)
{
    if (e->id == NULL || e->epoch != sp->epoch || e->vary_auth != vary_auth)
        return false;
    return e->gen == sp->gen || now < e->built_us + e->floor_us;
}

/* Builds e's body from spec. Returns 0, or -1 when the builder answered r. */
static int build(struct api_cache *c, struct entry *e, struct api_req *r,
                 const struct api_cache_spec *sp, bool vary_auth)
{
    int64_t t0 = mono_us();
    size_t len = 0;
    unsigned status = 200;
    char *body = sp->build(r, sp->arg, &len, &status);
    if (body == NULL)
        return -1;
    size_t before = entry_bytes(e);
    drop_responses(e);
    e->serial = ++c->serial;
    e->ctype = sp->ctype;
    e->vary_auth = vary_auth;
    int fd = -1;
    e->id = make_response(c, e, body, len, false, &fd);
    if (e->id == NULL) {
        account(c, e, before);
        gz_restart(c, e); /* its waiters: 500 */
        return 0; /* e stays empty: answered 500 by the caller */
    }
    e->fd = fd;
    e->body = fd < 0 ? body : NULL;
    e->len = len;
    e->status = status;
    e->gen = sp->gen;
    e->epoch = sp->epoch;
    int64_t t1 = mono_us();
    int64_t stale = sp->stale_ms < 0 ? 0 : sp->stale_ms;
    e->built_us = t1;
    e->floor_us = 8 * (t1 - t0);
    if (e->floor_us < sp->min_ms * 1000)
        e->floor_us = sp->min_ms * 1000;
    if (e->floor_us > stale * 1000)
        e->floor_us = stale * 1000;
    c->st.builds++;
    account(c, e, before);
    gz_restart(c, e); /* requests waiting for the old body's gzip */
    return 0;
}

/* Answers r with e's gzip variant when it accepts one, else identity. */
static void answer(struct api_cache *c, struct entry *e, struct api_req *r, bool kept)
{
    bool want_gz = e->len >= API_CACHE_GZIP_MIN &&
                   api_accepts_gzip(api_req_header(r, MHD_HTTP_HEADER_ACCEPT_ENCODING));
    if (want_gz && e->gz == NULL && !e->gz_none && kept && e->pinned &&
        e->len >= API_CACHE_GZIP_SYNC_MAX && gz_wait(c, e, r) == 0)
        return; /* answered when the variant is made (gz_done) */
    if (want_gz && e->gz == NULL && !e->gz_none && e->gzj == NULL) {
        size_t before = entry_bytes(e), zlen = 0;
        const char *plain = e->body;
        void *map = MAP_FAILED;
        if (plain == NULL && e->fd >= 0) { /* in the memfd: read it through a mapping */
            map = mmap(NULL, e->len, PROT_READ, MAP_SHARED, e->fd, 0);
            plain = map != MAP_FAILED ? map : NULL;
        }
        char *z = plain ? gzip_of(plain, e->len, &zlen) : NULL;
        if (map != MAP_FAILED)
            munmap(map, e->len);
        e->gz = z ? make_response(c, e, z, zlen, true, NULL) : NULL;
        if (e->gz == NULL) {
            e->gz_none = true;
        } else {
            e->gz_len = zlen;
        }
        if (kept)
            account(c, e, before);
    }
    bool gz = want_gz && e->gz != NULL;
    char etag[64];
    etag_of(c, e, gz, etag, sizeof etag);
    if (api_etag_matches(api_req_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH), etag)) {
        c->st.not_modified++;
        api_reply_header(r, MHD_HTTP_HEADER_ETAG, etag);
        api_reply_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
        api_reply_header(r, MHD_HTTP_HEADER_VARY,
                         e->vary_auth ? "Accept, Accept-Encoding, Authorization"
                                      : "Accept, Accept-Encoding");
        api_reply(r, 304, e->ctype, NULL, 0);
        return;
    }
    api_reply_shared(r, e->status, gz ? e->gz : e->id); /* r's own reference */
}

bool api_cache_fresh(struct api_req *r, const struct api_cache_spec *sp)
{
    struct api_cache *c = r->api->cache;
    if (c == NULL)
        return false;
    const struct api_ops *ops = r->api->ops;
    bool vary_auth = ops->read_requires_token && ops->read_requires_token(r->api->ctx);
    const struct entry *e = lookup(c, sp->key, key_hash(sp->key));
    return e != NULL && fresh(e, sp, vary_auth, mono_us());
}

void api_cache_reply(struct api_req *r, const struct api_cache_spec *sp)
{
    struct api_cache *c = r->api->cache;
    const struct api_ops *ops = r->api->ops;
    bool vary_auth = ops->read_requires_token && ops->read_requires_token(r->api->ctx);
    if (c == NULL) { /* out of memory at start: no cache */
        size_t len = 0;
        unsigned status = 200;
        char *body = sp->build(r, sp->arg, &len, &status);
        if (body != NULL)
            api_reply(r, status, sp->ctype, body, len);
        return;
    }
    uint64_t h = key_hash(sp->key);
    struct entry *e = lookup(c, sp->key, h);
    int64_t now = mono_us();
    if (e != NULL && fresh(e, sp, vary_auth, now)) {
        c->st.hits++;
        lru_front(c, e);
        answer(c, e, r, true);
        return;
    }
    bool created = e == NULL;
    if (created && (e = insert(c, sp->key, h, sp->pinned)) == NULL) {
        api_error(r, 500, "internal", "out of memory");
        return;
    }
    if (build(c, e, r, sp, vary_auth) != 0 || e->id == NULL) {
        if (e->id == NULL) {
            if (r->state == REQ_BODY || r->state == REQ_DEFERRED)
                api_error(r, 500, "internal", "out of memory");
            table_remove(c, e);
        }
        return;
    }
    lru_front(c, e);
    if (!e->pinned && entry_bytes(e) > API_CACHE_BYTES_MAX / 4) {
        /* too big to keep: r holds the only reference from here on */
        struct api_shared *id = e->id, *gz = e->gz;
        e->id = e->gz = NULL;
        struct entry tmp = *e;
        tmp.id = id;
        tmp.gz = gz;
        table_remove(c, e);
        answer(c, &tmp, r, false);
        api_shared_drop(tmp.id);
        api_shared_drop(tmp.gz);
        return;
    }
    evict(c, e);
    answer(c, e, r, true);
}
