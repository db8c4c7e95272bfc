/*
 * store_crashwriter.c: the two halves of the kill -9 test
 * (test_store_crash.py).
 *
 *   store_crashwriter write DB SEED
 *     writes runs (and now and then an incident and a delivery) through the
 *     asynchronous writer as fast as it can, forever, and prints the id of
 *     every run whose completion came back ("committed ID\n", flushed at
 *     once). It is meant to be killed with SIGKILL at a random moment.
 *   store_crashwriter verify DB IDS_FILE
 *     opens DB with store_open (as a restarted daemon would), runs PRAGMA
 *     integrity_check and PRAGMA foreign_key_check, and checks that every
 *     id listed in IDS_FILE is a stored run and that the rollups count every
 *     stored run. Prints what it found; exit 0 when all is well, 1 if not.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/store.h"
#include "service/store_writer.h"

static void on_done(void *arg, const struct store_done *d)
{
    (void)arg;
    if (d->op == STORE_OP_RUN && d->rc == 0) {
        printf("committed %" PRId64 "\n", d->id);
        fflush(stdout);
    } else if (d->rc < 0) {
        fprintf(stderr, "item %" PRIu64 " failed: %s\n", d->ticket, d->err);
    }
}

static int do_write(const char *db, unsigned seed)
{
    struct store_writer *w = NULL;
    char err[256];
    if (store_writer_start(db, 256, 0, &w, err, sizeof err) != 0) {
        fprintf(stderr, "start: %s\n", err);
        return 1;
    }
    static char result[3000];
    memset(result, ' ', sizeof result - 1);
    result[0] = '{';
    result[sizeof result - 2] = '}';
    const char *codes[] = {"backend_unreachable", "tls_cert_expired"};
    int64_t t = 1768003200000LL;
    /* Bounded: the test kills it long before; this only stops a stray one. */
    for (uint64_t i = 0; i < 50000000ULL; i++) {
        seed = seed * 1103515245u + 12345u;
        char name[16];
        snprintf(name, sizeof name, "t%u", (seed >> 8) % 50);
        struct store_run r = {.target = name, .started_at = t + (int64_t)i * 100,
                              .duration_ms = (seed >> 4) % 900, .status = (seed >> 12) % 4,
                              .codes = codes, .ncodes = (seed >> 16) % 3,
                              .steps_json = "[{\"name\":\"tls\",\"ms\":12}]",
                              .result_json = result, .lag_ms = (seed >> 20) % 5};
        int rc = store_writer_run(w, &r, NULL);
        if (i % 97 == 0)
            store_writer_incident_open(w, name, 0, 2, r.started_at, codes, 1, NULL);
        if (i % 89 == 0) {
            struct store_delivery d = {.target = name, .kind = "exec", .event = "firing",
                                       .dest = "/bin/true", .outcome = "ok", .status = 0,
                                       .attempts = 1, .at = r.started_at};
            store_writer_delivery(w, &d, NULL);
        }
        if (rc == STORE_EFULL || i % 16 == 0) {
            struct pollfd p = {.fd = store_writer_fd(w), .events = POLLIN};
            poll(&p, 1, rc == STORE_EFULL ? 50 : 0);
            store_writer_poll(w, on_done, NULL);
        } else if (rc) {
            fprintf(stderr, "submit: %s\n", store_writer_errmsg(w));
            return 1;
        }
    }
    store_writer_stop(w);
    return 0;
}

static int scalar(sqlite3 *db, const char *sql, int64_t *v)
{
    sqlite3_stmt *s = NULL;
    int ok = sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
             sqlite3_step(s) == SQLITE_ROW;
    if (ok)
        *v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return ok ? 0 : -1;
}

static int do_verify(const char *path, const char *ids_file)
{
    struct store *st = NULL;
    char err[256];
    if (store_open(path, &st, err, sizeof err) != 0) {
        printf("FAIL store_open: %s\n", err);
        return 1;
    }
    store_close(st);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        printf("FAIL open: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    int bad = 0;
    sqlite3_stmt *s = NULL;
    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL);
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *m = (const char *)sqlite3_column_text(s, 0);
        if (strcmp(m, "ok") != 0) {
            printf("FAIL integrity_check: %s\n", m);
            bad = 1;
        }
    }
    sqlite3_finalize(s);
    sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &s, NULL);
    if (sqlite3_step(s) == SQLITE_ROW) {
        printf("FAIL foreign_key_check: table %s\n", sqlite3_column_text(s, 0));
        bad = 1;
    }
    sqlite3_finalize(s);

    FILE *f = fopen(ids_file, "r");
    if (!f) {
        printf("FAIL %s: %s\n", ids_file, strerror(errno));
        return 1;
    }
    sqlite3_prepare_v2(db, "SELECT 1 FROM runs WHERE id = ?1", -1, &s, NULL);
    char line[64];
    int64_t checked = 0, missing = 0;
    while (fgets(line, sizeof line, f)) {
        char *end = NULL;
        errno = 0;
        long long id = strtoll(line, &end, 10);
        if (errno || end == line)
            continue;
        sqlite3_bind_int64(s, 1, id);
        if (sqlite3_step(s) != SQLITE_ROW) {
            if (missing < 10)
                printf("FAIL committed run %lld is missing\n", id);
            missing++;
        }
        sqlite3_reset(s);
        checked++;
    }
    fclose(f);
    sqlite3_finalize(s);
    int64_t runs = -1, rolled = -2, rolled_day = -3;
    scalar(db, "SELECT count(*) FROM runs", &runs);
    scalar(db, "SELECT coalesce(sum(up + down + maint), 0) FROM rollup_hour", &rolled);
    scalar(db, "SELECT coalesce(sum(up + down + maint), 0) FROM rollup_day", &rolled_day);
    if (runs != rolled || runs != rolled_day) {
        printf("FAIL rollups count %" PRId64 "/%" PRId64 " runs, the table has %" PRId64 "\n",
               rolled, rolled_day, runs);
        bad = 1;
    }
    sqlite3_close(db);
    printf("%s: %" PRId64 " committed ids checked, %" PRId64 " missing, %" PRId64
           " runs stored\n", missing || bad ? "FAIL" : "ok", checked, missing, runs);
    return missing || bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "write") == 0)
        return do_write(argv[2], (unsigned)strtoul(argv[3], NULL, 10));
    if (argc == 4 && strcmp(argv[1], "verify") == 0)
        return do_verify(argv[2], argv[3]);
    fprintf(stderr, "usage: store_crashwriter write DB SEED | verify DB IDS_FILE\n");
    return 2;
}
