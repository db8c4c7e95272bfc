/*
 * store_bench.c: write and read latency of the history store at 10,000
 * targets' worth of data (tests/bench/store/README.md). Prints figures; asserts
 * nothing about time.
 *
 *   store_bench [--targets N] [--runs R] [--hourly-days D] [--daily-days D]
 *               [--queries Q] [--paced-seconds S] [--interval-s I] [--db PATH]
 *               [--keep] [--smoke]
 *
 * 1. history: D days of hourly and daily rollups per target, inserted
 *    directly (set-up, not measured);
 * 2. insert: N x R runs through the asynchronous writer as fast as it takes
 *    them (runs/s, batches), each with a ~2 KiB result JSON;
 * 3. paced: runs at the rate of N targets every I seconds for S seconds,
 *    submit-to-commit latency p50/p99, with reads on the loop's connection
 *    at the same time (their latency while the writer commits);
 * 4. reads: Q random targets: first history page (50 rows), the next page
 *    through its cursor, uptime 24h/7d/30d/90d, the 90-day bar, latest; and
 *    store_latest_all over every target (the restore at start).
 */
#include <inttypes.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "service/store.h"
#include "service/store_writer.h"

#define HOUR 3600000LL
#define DAY 86400000LL

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, size_t n)
{
    if (!n) {
        printf("  %-34s (no samples)\n", what);
        return;
    }
    qsort(v, n, sizeof *v, cmp_d);
    size_t i99 = (size_t)((double)n * 0.99);
    if (i99 >= n)
        i99 = n - 1;
    printf("  %-34s p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms  (n=%zu)\n", what, v[n / 2],
           v[i99], v[n - 1], n);
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "store_bench: %s: %s\n", what, why);
    exit(1);
}

static void name_of(size_t i, char *buf, size_t len)
{
    snprintf(buf, len, "target-%05zu", i);
}

/* Phase 1: rollups straight into the tables, one transaction. */
static void seed_history(const char *path, size_t targets, int64_t now, int hourly_days,
                         int daily_days)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die("open", sqlite3_errmsg(db));
    sqlite3_exec(db, "PRAGMA synchronous=OFF; BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *n = NULL, *h = NULL, *d = NULL;
    sqlite3_prepare_v2(db, "INSERT INTO names(id, name) VALUES (?1, ?2)", -1, &n, NULL);
    sqlite3_prepare_v2(db, "INSERT INTO rollup_hour VALUES (?1,?2,?3,?4,0,?5,?6,?7)", -1, &h,
                       NULL);
    sqlite3_prepare_v2(db, "INSERT INTO rollup_day VALUES (?1,?2,?3,?4,0,?5,?6,?7)", -1, &d,
                       NULL);
    if (!n || !h || !d)
        die("prepare", sqlite3_errmsg(db));
    unsigned seed = 7;
    int64_t h_now = now / HOUR, d_now = now / DAY;
    for (size_t t = 0; t < targets; t++) {
        char name[32];
        name_of(t, name, sizeof name);
        sqlite3_bind_int64(n, 1, (int64_t)t + 1);
        sqlite3_bind_text(n, 2, name, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(n) != SQLITE_DONE)
            die("names", sqlite3_errmsg(db));
        sqlite3_reset(n);
        /* Older than the runs phase writes (which covers the last hours). */
        for (int64_t b = h_now - (int64_t)hourly_days * 24; b < h_now - 48; b++) {
            seed = seed * 1103515245u + 12345u;
            int down = (seed >> 16) % 100 == 0 ? 1 + (int)((seed >> 8) % 5) : 0;
            sqlite3_bind_int64(h, 1, (int64_t)t + 1);
            sqlite3_bind_int64(h, 2, b);
            sqlite3_bind_int(h, 3, 60 - down);
            sqlite3_bind_int(h, 4, down);
            sqlite3_bind_int64(h, 5, (60 - down) * 180);
            sqlite3_bind_int64(h, 6, 120);
            sqlite3_bind_int64(h, 7, 400);
            if (sqlite3_step(h) != SQLITE_DONE)
                die("rollup_hour", sqlite3_errmsg(db));
            sqlite3_reset(h);
        }
        for (int64_t b = d_now - daily_days; b < d_now - 2; b++) {
            sqlite3_bind_int64(d, 1, (int64_t)t + 1);
            sqlite3_bind_int64(d, 2, b);
            sqlite3_bind_int(d, 3, 1435);
            sqlite3_bind_int(d, 4, 5);
            sqlite3_bind_int64(d, 5, 1435 * 180);
            sqlite3_bind_int64(d, 6, 110);
            sqlite3_bind_int64(d, 7, 900);
            if (sqlite3_step(d) != SQLITE_DONE)
                die("rollup_day", sqlite3_errmsg(db));
            sqlite3_reset(d);
        }
    }
    sqlite3_finalize(n);
    sqlite3_finalize(h);
    sqlite3_finalize(d);
    if (sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
        die("commit", sqlite3_errmsg(db));
    sqlite3_close(db);
}

struct pending {
    double *submit_at; /* by ticket */
    double *lat;
    size_t nlat, cap;
    size_t done, failed;
};

static void on_done(void *arg, const struct store_done *d)
{
    struct pending *p = arg;
    p->done++;
    if (d->rc < 0) {
        if (p->failed++ < 5)
            fprintf(stderr, "item %" PRIu64 " failed: %s\n", d->ticket, d->err);
        return;
    }
    if (p->submit_at && d->ticket < p->cap && p->lat)
        p->lat[p->nlat++] = now_ms() - p->submit_at[d->ticket];
}

static char result_json[2048];
static const char *const codes[] = {"backend_unreachable"};

static void make_run(struct store_run *r, const char *name, int64_t t, unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    int bad = (*seed >> 16) % 50 == 0;
    memset(r, 0, sizeof *r);
    r->target = name;
    r->started_at = t;
    r->duration_ms = 100 + (*seed >> 8) % 300;
    r->status = bad ? 2 : 0;
    r->codes = codes;
    r->ncodes = bad ? 1 : 0;
    r->steps_json = "[{\"name\":\"dns\",\"ms\":1},{\"name\":\"tcp\",\"ms\":2},"
                    "{\"name\":\"tls\",\"ms\":30},{\"name\":\"echo_unauth\",\"ms\":60}]";
    r->result_json = result_json;
    r->lag_ms = (*seed >> 4) % 3;
}

/* Submits r, waiting on the eventfd while the queue is full. */
static void submit(struct store_writer *w, const struct store_run *r, struct pending *p,
                   uint64_t *ticket)
{
    for (;;) {
        int rc = store_writer_run(w, r, ticket);
        if (rc == 0)
            return;
        if (rc != STORE_EFULL)
            die("submit", store_writer_errmsg(w));
        struct pollfd pf = {.fd = store_writer_fd(w), .events = POLLIN};
        poll(&pf, 1, 100);
        store_writer_poll(w, on_done, p);
    }
}

struct page_ctx {
    size_t n;
};

static int row_cb(void *arg, const struct store_row *r)
{
    (void)r;
    ((struct page_ctx *)arg)->n++;
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: store_bench [--targets N] [--runs R] [--hourly-days D] "
                    "[--daily-days D] [--queries Q] [--paced-seconds S] [--interval-s I] "
                    "[--db PATH] [--keep] [--smoke]\n");
    return 2;
}

static long num(const char *s)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (!s[0] || *end || v < 0)
        exit(usage());
    return v;
}

int main(int argc, char **argv)
{
    size_t targets = 10000, runs = 100, queries = 2000;
    int hourly_days = 90, daily_days = 90, paced_s = 10, interval_s = 60, keep = 0;
    const char *db_arg = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--smoke")) {
            targets = 50; runs = 20; queries = 50; hourly_days = 3; daily_days = 5;
            paced_s = 1; interval_s = 1;
        } else if (!strcmp(a, "--keep")) {
            keep = 1;
        } else if (!v) {
            return usage();
        } else if (!strcmp(a, "--targets")) {
            targets = (size_t)num(v); i++;
        } else if (!strcmp(a, "--runs")) {
            runs = (size_t)num(v); i++;
        } else if (!strcmp(a, "--hourly-days")) {
            hourly_days = (int)num(v); i++;
        } else if (!strcmp(a, "--daily-days")) {
            daily_days = (int)num(v); i++;
        } else if (!strcmp(a, "--queries")) {
            queries = (size_t)num(v); i++;
        } else if (!strcmp(a, "--paced-seconds")) {
            paced_s = (int)num(v); i++;
        } else if (!strcmp(a, "--interval-s")) {
            interval_s = (int)num(v); i++;
        } else if (!strcmp(a, "--db")) {
            db_arg = v; i++;
        } else {
            return usage();
        }
    }
    if (!targets || !runs || !interval_s)
        return usage();
    char dir[64] = "", path[256];
    if (db_arg) {
        snprintf(path, sizeof path, "%s", db_arg);
    } else {
        snprintf(dir, sizeof dir, "/tmp/oaprobe-bench-XXXXXX");
        if (!mkdtemp(dir))
            die("mkdtemp", "failed");
        snprintf(path, sizeof path, "%s/bench.db", dir);
    }
    memset(result_json, ' ', sizeof result_json - 1);
    result_json[0] = '{';
    result_json[sizeof result_json - 2] = '}';

    struct store *st = NULL;
    char err[256];
    if (store_open(path, &st, err, sizeof err))
        die("store_open", err);
    const int64_t now = ((int64_t)time(NULL) * 1000 / HOUR) * HOUR + 30 * 60000;
    printf("store_bench: %zu targets, %zu runs each through the writer, %d days of hourly "
           "and %d of daily rollups; sqlite %s; %s\n",
           targets, runs, hourly_days, daily_days, sqlite3_libversion(), path);

    double t0 = now_ms();
    seed_history(path, targets, now, hourly_days, daily_days);
    printf("1. history set-up: %.1f s (not a figure of the store)\n", (now_ms() - t0) / 1e3);

    /* 2. Bulk insert through the writer. */
    struct store_writer *w = NULL;
    if (store_writer_start(path, 0, 0, &w, err, sizeof err))
        die("store_writer_start", err);
    struct pending p = {0};
    char name[32];
    unsigned seed = 1;
    const int64_t step = (int64_t)interval_s * 1000;
    const int64_t first = now - (int64_t)(runs + (size_t)paced_s / (size_t)interval_s + 2) * step;
    t0 = now_ms();
    for (size_t k = 0; k < runs; k++)
        for (size_t t = 0; t < targets; t++) {
            struct store_run r;
            name_of(t, name, sizeof name);
            make_run(&r, name, first + (int64_t)k * step + (int64_t)(t * 997 % 60000), &seed);
            submit(w, &r, &p, NULL);
        }
    if (store_writer_flush(w, 600000))
        die("flush", "timeout");
    store_writer_poll(w, on_done, &p);
    double secs = (now_ms() - t0) / 1e3;
    struct store_writer_stats ws;
    store_writer_stats(w, &ws);
    printf("2. insert: %zu runs in %.2f s = %.0f runs/s (each with its rollups and latest "
           "pointer); %" PRIu64 " transactions, largest batch %" PRIu64 ", %zu failed\n",
           targets * runs, secs, (double)(targets * runs) / secs, ws.batches, ws.batch_max,
           p.failed);

    /* 3. Paced: targets per interval, reads interleaved. */
    size_t paced_n = targets * (size_t)paced_s / (size_t)interval_s;
    if (paced_n < 10)
        paced_n = 10;
    p.cap = ws.submitted + paced_n + 2;
    p.submit_at = calloc(p.cap, sizeof *p.submit_at);
    p.lat = calloc(p.cap, sizeof *p.lat);
    double *rlat = calloc(paced_n, sizeof *rlat);
    size_t nr = 0;
    double gap = (double)paced_s * 1000.0 / (double)paced_n;
    int64_t t_run = first + (int64_t)runs * step;
    t0 = now_ms();
    for (size_t i = 0; i < paced_n; i++) {
        double due = t0 + (double)i * gap;
        for (double n0 = now_ms(); n0 < due; n0 = now_ms()) {
            struct pollfd pf = {.fd = store_writer_fd(w), .events = POLLIN};
            int ms = (int)(due - n0);
            if (poll(&pf, 1, ms > 0 ? ms : 0) > 0)
                store_writer_poll(w, on_done, &p);
        }
        size_t t = i % targets;
        name_of(t, name, sizeof name);
        struct store_run r;
        make_run(&r, name, t_run + (int64_t)(i / targets) * step + (int64_t)t, &seed);
        uint64_t ticket = 0;
        double s0 = now_ms();
        submit(w, &r, &p, &ticket);
        if (ticket < p.cap)
            p.submit_at[ticket] = s0;
        /* A read on the loop's connection while the writer works. */
        if (i % 4 == 0) {
            struct store_bucket b[STORE_WINDOWS];
            name_of((size_t)rand() % targets, name, sizeof name);
            double r0 = now_ms();
            if (store_uptime(st, name, now, b))
                die("uptime", store_errmsg(st));
            rlat[nr++] = now_ms() - r0;
        }
    }
    store_writer_flush(w, 60000);
    store_writer_poll(w, on_done, &p);
    printf("3. paced: %zu runs over %d s (%zu targets every %d s = %.0f runs/s)\n", paced_n,
           paced_s, targets, interval_s, (double)targets / interval_s);
    report("submit -> committed (writer)", p.lat, p.nlat);
    report("uptime read during the writes", rlat, nr);
    store_writer_stop(w);

    /* 4. Reads. */
    double *a = calloc(queries, sizeof *a), *b2 = calloc(queries, sizeof *b2),
           *c = calloc(queries, sizeof *c), *d = calloc(queries, sizeof *d),
           *e = calloc(queries, sizeof *e), *g = calloc(queries, sizeof *g);
    srand(3);
    for (size_t q = 0; q < queries; q++) {
        name_of((size_t)rand() % targets, name, sizeof name);
        char cur[STORE_CURSOR_MAX], cur2[STORE_CURSOR_MAX];
        struct page_ctx pc = {0};
        double s0 = now_ms();
        if (store_results(st, name, 0, 0, 50, NULL, row_cb, &pc, cur, sizeof cur))
            die("results", store_errmsg(st));
        a[q] = now_ms() - s0;
        s0 = now_ms();
        if (cur[0] && store_results(st, name, 0, 0, 50, cur, row_cb, &pc, cur2, sizeof cur2))
            die("results page 2", store_errmsg(st));
        b2[q] = now_ms() - s0;
        struct store_bucket up[STORE_WINDOWS];
        s0 = now_ms();
        if (store_uptime(st, name, now, up))
            die("uptime", store_errmsg(st));
        c[q] = now_ms() - s0;
        struct store_bucket bar[90];
        s0 = now_ms();
        if (store_daily(st, name, now, 90, bar))
            die("daily", store_errmsg(st));
        d[q] = now_ms() - s0;
        s0 = now_ms();
        struct page_ctx lc = {0};
        if (store_latest(st, name, row_cb, &lc))
            die("latest", store_errmsg(st));
        e[q] = now_ms() - s0;
        struct store_bucket ser[200];
        size_t ns = 0;
        s0 = now_ms();
        if (store_series(st, name, STORE_HOURLY, now - 7 * DAY, now, ser, 200, &ns))
            die("series", store_errmsg(st));
        g[q] = now_ms() - s0;
    }
    printf("4. reads on the loop's connection, %zu random targets:\n", queries);
    report("history page 1 (50 rows)", a, queries);
    report("history page 2 (cursor)", b2, queries);
    report("uptime 24h/7d/30d/90d", c, queries);
    report("90-day bar", d, queries);
    report("latest run", e, queries);
    report("7-day hourly series", g, queries);
    struct page_ctx all = {0};
    double s0 = now_ms();
    if (store_latest_all(st, row_cb, &all))
        die("latest_all", store_errmsg(st));
    printf("  %-34s %8.1f ms for %zu targets\n", "latest of every target (restore)",
           now_ms() - s0, all.n);
    double *u = calloc(1, sizeof *u);
    s0 = now_ms();
    for (size_t t = 0; t < targets; t++) {
        struct store_bucket up[STORE_WINDOWS];
        name_of(t, name, sizeof name);
        if (store_uptime(st, name, now, up))
            die("uptime", store_errmsg(st));
    }
    printf("  %-34s %8.1f ms for %zu targets\n", "uptime of every target", now_ms() - s0,
           targets);
    free(u);
    store_close(st);

    struct stat sb;
    long long size = stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", path);
    long long wsize = stat(wal, &sb) == 0 ? (long long)sb.st_size : 0;
    printf("5. database file %.1f MiB (+ WAL %.1f MiB)\n", (double)size / 1048576.0,
           (double)wsize / 1048576.0);
    if (!keep && !db_arg) {
        unlink(path);
        unlink(wal);
        snprintf(wal, sizeof wal, "%s-shm", path);
        unlink(wal);
        rmdir(dir);
    }
    free(a); free(b2); free(c); free(d); free(e); free(g);
    free(rlat); free(p.lat); free(p.submit_at);
    return p.failed ? 1 : 0;
}
