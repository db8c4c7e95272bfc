/*
 * check_tlscache.c: TLS sessions kept from one check of a target to the
 * next (see check_tlscache.h and check_tls_cache_new in check.h).
 */
#include "probes/check/check_tlscache.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/check/check.h"
#include "probes/check/check_int.h"
#include "probes/check/check_xfer.h"

/* One libcurl share and the settings its sessions were made with. */
struct check_tls_share {
    unsigned refs;              /* the cache's + each attached check's */
    CURLSH *sh;
    char *key;
};

struct check_tls_cache {
    struct check_tls_share *cur; /* the share of the latest settings, or NULL */
    unsigned long shares;        /* shares started (a new key, or the first) */
    struct check_tls_cache *prev, *next; /* in holders while cur != NULL */
};

/* The process-wide budget: caches holding a share, oldest first. A cache
 * keeps its place until it is freed (or the budget shrinks below it); one
 * that finds the budget full does not evict another, its checks use shares
 * of their own. With the scheduler's cyclic order (every target once per
 * interval) evicting the least recently used would evict each target just
 * before its next run, and no run would resume anything once the targets
 * outnumber the budget; keeping the holders resumes for budget targets. */
static struct {
    size_t budget;
    size_t held;
    struct check_tls_cache *head, *tail;
    unsigned long reused, refused;
} holders = {.budget = CHECK_TLS_CACHE_DEFAULT};

/* Handshakes completed, resumed or full (atomic: counted from OpenSSL's
 * callback, which needs no lock of the budget). */
static atomic_ulong handshakes_resumed, handshakes_full;

void check_tls_handshake_note(bool resumed)
{
    atomic_fetch_add_explicit(resumed ? &handshakes_resumed : &handshakes_full, 1,
                              memory_order_relaxed);
}

static void share_unref(struct check_tls_share *s)
{
    if (s == NULL || --s->refs > 0)
        return;
    curl_share_cleanup(s->sh); /* no easy handle uses it any more */
    free(s->key);
    free(s);
}

static struct check_tls_share *share_new(const char *key)
{
    struct check_tls_share *s = calloc(1, sizeof *s);
    if (s == NULL || (s->key = strdup(key)) == NULL || (s->sh = curl_share_init()) == NULL ||
        curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
        if (s != NULL) {
            curl_share_cleanup(s->sh);
            free(s->key);
        }
        free(s);
        return NULL;
    }
    s->refs = 1;
    return s;
}

/* What a session may be resumed under: name and port (the SNI and the
 * server libcurl connects to), and the verification settings. */
static char *share_key(const struct check *c)
{
    const char *ca = c->cacert != NULL ? c->cacert : "";
    size_t n = strlen(c->host) + strlen(ca) + 64;
    char *k = malloc(n);
    if (k != NULL)
        snprintf(k, n, "%s\n%u\n%s\n%p\n%d", c->host, (unsigned)c->obs.port, ca,
                 (void *)c->trust, c->insecure ? 1 : 0);
    return k;
}

static void holder_add(struct check_tls_cache *cache)
{
    cache->prev = holders.tail;
    cache->next = NULL;
    if (holders.tail != NULL)
        holders.tail->next = cache;
    else
        holders.head = cache;
    holders.tail = cache;
    holders.held++;
}

/* Drop cache's share (checks still attached keep it until they are freed)
 * and its place in the budget. */
static void holder_drop(struct check_tls_cache *cache)
{
    if (cache->cur == NULL)
        return;
    share_unref(cache->cur);
    cache->cur = NULL;
    if (cache->prev != NULL)
        cache->prev->next = cache->next;
    else
        holders.head = cache->next;
    if (cache->next != NULL)
        cache->next->prev = cache->prev;
    else
        holders.tail = cache->prev;
    cache->prev = cache->next = NULL;
    holders.held--;
}

struct check_tls_cache *check_tls_cache_new(void)
{
    return calloc(1, sizeof(struct check_tls_cache));
}

void check_tls_cache_free(struct check_tls_cache *cache)
{
    if (cache == NULL)
        return;
    holder_drop(cache);
    free(cache);
}

void check_tls_cache_budget(size_t max)
{
    holders.budget = max;
    while (holders.held > max) /* the newest holders give their place back */
        holder_drop(holders.tail);
}

void check_tls_cache_stats(struct check_tls_cache_stats *out)
{
    *out = (struct check_tls_cache_stats){
        .budget = holders.budget,
        .held = holders.held,
        .reused = holders.reused,
        .refused = holders.refused,
        .handshakes_resumed = atomic_load_explicit(&handshakes_resumed, memory_order_relaxed),
        .handshakes_full = atomic_load_explicit(&handshakes_full, memory_order_relaxed),
    };
}

unsigned long check_tls_cache_shares(const struct check_tls_cache *cache)
{
    return cache != NULL ? cache->shares : 0;
}

void check_tlscache_attach(struct check *c, struct check_tls_cache *cache)
{
    if (c->http || c->tls_shared != NULL)
        return;
    char *key = share_key(c);
    if (key == NULL)
        return;
    struct check_tls_share *s = NULL;
    if (cache != NULL && cache->cur != NULL && strcmp(cache->cur->key, key) == 0) {
        s = cache->cur;
        s->refs++;
        holders.reused++;
        check_tracef(c, "TLS sessions: the target's cache");
    } else {
        s = share_new(key);
        if (s != NULL && cache != NULL && cache->cur != NULL) { /* the cache's new settings */
            share_unref(cache->cur); /* its place in the budget stays */
            cache->cur = s;
            cache->shares++;
            s->refs++;
        } else if (s != NULL && cache != NULL && holders.held < holders.budget) {
            cache->cur = s;
            cache->shares++;
            s->refs++;
            holder_add(cache);
        } else if (s != NULL && cache != NULL) {
            holders.refused++;
            check_tracef(c, "TLS sessions: the check's own (%zu targets keep theirs, "
                            "tls_session_cache)", holders.held);
        }
    }
    free(key);
    c->tls_shared = s;
    c->tls_share = s != NULL ? s->sh : NULL;
}

void check_tlscache_detach(struct check *c)
{
    share_unref(c->tls_shared);
    c->tls_shared = NULL;
    c->tls_share = NULL;
}
