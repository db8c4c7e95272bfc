/*
 * fuzz_store_cursor.c: the paging cursor parser (service/store_util.c)
 * through the three listings that take one, on an in-memory store holding a
 * few runs, incidents and deliveries. Any input must give 0 (a cursor this
 * store issued) or STORE_ECURSOR, never anything else.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int row_cb(void *arg, const struct store_row *r)
{
    (void)arg;
    return r->target ? 0 : 1;
}

static int inc_cb(void *arg, const struct store_incident *i)
{
    (void)arg;
    return i->target ? 0 : 1;
}

static int dlv_cb(void *arg, const struct store_delivery *d)
{
    (void)arg;
    return d->target ? 0 : 1;
}

static struct store *fixture(void)
{
    static struct store *st;
    if (st)
        return st;
    if (store_open(":memory:", &st, NULL, 0) != 0)
        abort();
    for (int i = 0; i < 5; i++) {
        struct store_run r = {.target = "t", .started_at = 1000 + i, .status = i % 4};
        struct store_delivery d = {.target = "t", .kind = "exec", .event = "firing",
                                   .dest = "/bin/true", .outcome = "ok", .attempts = 1,
                                   .at = 1000 + i};
        if (store_run_add(st, &r, NULL) || store_delivery_add(st, &d, NULL) ||
            store_incident_open(st, "t", 0, 2, 1000 + i, NULL, 0, NULL))
            abort();
    }
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct store *st = fixture();
    char in[160], out[STORE_CURSOR_MAX];
    if (size >= sizeof in)
        return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    int rc = store_results(st, "t", 0, 0, 2, in, row_cb, NULL, out, sizeof out);
    if (rc != 0 && rc != STORE_ECURSOR)
        abort();
    rc = store_incidents(st, size % 2 ? "t" : NULL, 2, in, inc_cb, NULL, out, sizeof out);
    if (rc != 0 && rc != STORE_ECURSOR)
        abort();
    rc = store_deliveries(st, NULL, 2, in, dlv_cb, NULL, out, sizeof out);
    if (rc != 0 && rc != STORE_ECURSOR)
        abort();
    return 0;
}
