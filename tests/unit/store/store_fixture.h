/*
 * store_fixture.h: a fresh database file in a private temporary directory
 * for each cmocka test, and small helpers shared by the store tests.
 */
#ifndef OAPROBE_TESTS_STORE_FIXTURE_H
#define OAPROBE_TESTS_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service/store.h"

#define HOUR 3600000LL
#define DAY 86400000LL
/* 2026-01-10T00:00:00Z: a day boundary, so hand-computed buckets are easy. */
#define T0 1768003200000LL

struct fx {
    char dir[64];
    char path[128];
    struct store *st;
};

/* fx_new: a temp dir, its db path, and the store opened on it. */
static inline struct fx *fx_new(void)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    snprintf(f->dir, sizeof f->dir, "/tmp/oaprobe-store-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return NULL;
    }
    snprintf(f->path, sizeof f->path, "%s/t.db", f->dir);
    char err[256];
    if (store_open(f->path, &f->st, err, sizeof err) != 0) {
        fprintf(stderr, "store_open: %s\n", err);
        rmdir(f->dir);
        free(f);
        return NULL;
    }
    return f;
}

static inline void fx_rm(const char *dir, const char *name)
{
    char p[160];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    unlink(p);
}

/* fx_free: closes the store and removes every file of the temp dir. */
static inline void fx_free(struct fx *f)
{
    if (!f)
        return;
    store_close(f->st);
    fx_rm(f->dir, "t.db");
    fx_rm(f->dir, "t.db-wal");
    fx_rm(f->dir, "t.db-shm");
    fx_rm(f->dir, "t.db-journal");
    fx_rm(f->dir, "other.db");
    rmdir(f->dir);
    free(f);
}

static inline int fx_setup(void **state)
{
    *state = fx_new();
    return *state ? 0 : -1;
}

static inline int fx_teardown(void **state)
{
    fx_free(*state);
    return 0;
}

/* fx_run: adds one run (no codes, no JSON) and returns its id (or < 0). */
static inline int64_t fx_run(struct store *st, const char *target, int64_t t,
                             int64_t dur, int status, unsigned flags)
{
    struct store_run r = {.target = target, .started_at = t, .duration_ms = dur,
                          .status = status, .flags = flags,
                          .result_json = "{\"status\":\"x\"}"};
    int64_t id = -1;
    int rc = store_run_add(st, &r, &id);
    return rc ? rc : id;
}

#endif
