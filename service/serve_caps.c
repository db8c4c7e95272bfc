/*
 * serve_caps.c: the cap on concurrent checks from the fd limit and the
 * memory the process may use (serve_caps.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/serve_caps.h"

/* ---- the calculation (pure) ------------------------------------------------- */

void serve_caps_compute(const struct serve_caps_in *in, struct serve_caps *out)
{
    memset(out, 0, sizeof *out);
    uint64_t soft = in->fd_soft;
    uint64_t api = in->api_fds;
    if (api > soft / 4)
        api = soft / 4;
    uint64_t keep = (uint64_t)in->fd_reserve + api;
    uint64_t sockets = soft > keep + 8 ? soft - keep : 8;
    if (sockets > SIZE_MAX / 2)
        sockets = SIZE_MAX / 2;
    out->max_sockets = (size_t)sockets;
    out->fd_checks = out->max_sockets / 3 > 0 ? out->max_sockets / 3 : 1;

    uint64_t budget;
    if (in->mem.cgroup_max > 0) {
        budget = in->mem.cgroup_max / SERVE_MEM_CGROUP_SHARE;
        out->budget_from = "cgroup memory limit";
        out->budget_of = in->mem.cgroup_max;
    } else if (in->mem.available > 0) {
        budget = in->mem.available / SERVE_MEM_HOST_SHARE;
        out->budget_from = "MemAvailable";
        out->budget_of = in->mem.available;
    } else {
        budget = SERVE_MEM_BUDGET_UNKNOWN;
        out->budget_from = "unknown";
    }
    if (budget < SERVE_MEM_BUDGET_MIN)
        budget = SERVE_MEM_BUDGET_MIN;
    if (budget > SERVE_MEM_BUDGET_MAX)
        budget = SERVE_MEM_BUDGET_MAX;
    out->budget = budget;
    out->mem_checks = (size_t)(budget / SERVE_CHECK_MEM_BYTES);

    if (in->explicit_checks > 0) {
        bool fits = in->explicit_checks <= out->fd_checks;
        out->max_checks = fits ? in->explicit_checks : out->fd_checks;
        out->limited_by = fits ? (in->explicit_from ? in->explicit_from : "explicit")
                               : "fd limit";
    } else if (out->mem_checks <= out->fd_checks) {
        out->max_checks = out->mem_checks;
        out->limited_by = "memory budget";
    } else {
        out->max_checks = out->fd_checks;
        out->limited_by = "fd limit";
    }
}

/* "64 MiB", "1.5 GiB", "256 KiB". */
static const char *fmt_bytes(uint64_t b, char *buf, size_t len)
{
    if (b >= (1ull << 30) && b % (1ull << 30) == 0)
        snprintf(buf, len, "%" PRIu64 " GiB", b >> 30);
    else if (b >= (4ull << 30))
        snprintf(buf, len, "%.1f GiB", (double)b / (double)(1ull << 30));
    else if (b >= (1ull << 20))
        snprintf(buf, len, "%" PRIu64 " MiB", b >> 20);
    else
        snprintf(buf, len, "%" PRIu64 " KiB", b >> 10);
    return buf;
}

char *serve_caps_describe(const struct serve_caps_in *in, const struct serve_caps *c, char *buf,
                          size_t len)
{
    char b1[32], b2[32], b3[32], mem[200], head[120];
    if (c->budget_of > 0) {
        unsigned share = in->mem.cgroup_max > 0 ? SERVE_MEM_CGROUP_SHARE : SERVE_MEM_HOST_SHARE;
        uint64_t raw = c->budget_of / share;
        const char *clamp = raw < SERVE_MEM_BUDGET_MIN   ? ", raised to the floor"
                            : raw > SERVE_MEM_BUDGET_MAX ? ", cut to the ceiling"
                                                         : "";
        snprintf(mem, sizeof mem, "memory budget %s: 1/%u of the %s %s%s",
                 fmt_bytes(c->budget, b1, sizeof b1), share, c->budget_from,
                 fmt_bytes(c->budget_of, b2, sizeof b2), clamp);
    } else {
        snprintf(mem, sizeof mem, "memory budget %s: no cgroup limit or MemAvailable found",
                 fmt_bytes(c->budget, b1, sizeof b1));
    }
    if (in->explicit_checks > 0 && c->max_checks == in->explicit_checks)
        snprintf(head, sizeof head, "max concurrent checks %zu (%s %zu", c->max_checks,
                 c->limited_by, in->explicit_checks);
    else if (in->explicit_checks > 0)
        snprintf(head, sizeof head,
                 "max concurrent checks %zu (%s %zu is more than the fd limit allows",
                 c->max_checks, in->explicit_from ? in->explicit_from : "explicit",
                 in->explicit_checks);
    else
        snprintf(head, sizeof head, "max concurrent checks %zu (limited by the %s",
                 c->max_checks, c->limited_by);
    snprintf(buf, len,
             "%s; %s / %s per check allows %zu; fd limit %" PRIu64 " allows %zu checks, %zu "
             "sockets)",
             head, mem, fmt_bytes(SERVE_CHECK_MEM_BYTES, b3, sizeof b3), c->mem_checks,
             in->fd_soft, c->fd_checks, c->max_sockets);
    return buf;
}

/* ---- what the process may use ------------------------------------------------ */

/* The first line of path as an unsigned number; "max" (v2: no limit) and
 * v1's "no limit" (2^63 rounded down to a page) give 0; -1 unreadable. */
static int read_limit(const char *path, uint64_t *out)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    char line[64] = "";
    bool ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    *out = 0;
    if (strncmp(line, "max", 3) == 0)
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(line, &end, 10);
    if (errno != 0 || end == line)
        return -1;
    if (v < (1ull << 62))
        *out = v;
    return 0;
}

/* The tightest limit in file of dir base+path and its ancestors up to base. */
static uint64_t walk_limits(const char *base, const char *path, const char *file)
{
    char dir[4096];
    int n = snprintf(dir, sizeof dir, "%s%s", base, path);
    if (n < 0 || (size_t)n >= sizeof dir)
        return 0;
    size_t floor_len = strlen(base);
    uint64_t best = 0;
    for (;;) {
        while (strlen(dir) > floor_len && dir[strlen(dir) - 1] == '/')
            dir[strlen(dir) - 1] = '\0';
        char f[4200];
        uint64_t v = 0;
        snprintf(f, sizeof f, "%s/%s", dir, file);
        if (read_limit(f, &v) == 0 && v > 0 && (best == 0 || v < best))
            best = v;
        char *slash = strrchr(dir, '/');
        if (strlen(dir) <= floor_len || slash == NULL || (size_t)(slash - dir) < floor_len)
            break;
        *slash = '\0';
    }
    return best;
}

/* Does the comma-separated controller list of a v1 line name memory? */
static bool has_memory(const char *list, size_t len)
{
    const char *p = list, *end = list + len;
    while (p < end) {
        const char *c = memchr(p, ',', (size_t)(end - p));
        size_t n = c ? (size_t)(c - p) : (size_t)(end - p);
        if (n == 6 && memcmp(p, "memory", 6) == 0)
            return true;
        p += n + 1;
    }
    return false;
}

static uint64_t cgroup_limit(const char *proc_cgroup, const char *root)
{
    FILE *f = fopen(proc_cgroup, "re");
    if (f == NULL)
        return 0;
    char line[4096];
    uint64_t best = 0;
    char v1root[4096];
    snprintf(v1root, sizeof v1root, "%s/memory", root);
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL || c2[1] != '/')
            continue;
        uint64_t v = 0;
        if (strncmp(line, "0::", 3) == 0) { /* v2: memory.high throttles, memory.max kills */
            uint64_t hi = walk_limits(root, c2 + 1, "memory.high");
            v = walk_limits(root, c2 + 1, "memory.max");
            if (hi > 0 && (v == 0 || hi < v))
                v = hi;
        }
        else if (has_memory(c1 + 1, (size_t)(c2 - c1 - 1)))
            v = walk_limits(v1root, c2 + 1, "memory.limit_in_bytes"); /* v1 */
        if (v > 0 && (best == 0 || v < best))
            best = v;
    }
    fclose(f);
    return best;
}

static uint64_t mem_available(const char *meminfo)
{
    FILE *f = fopen(meminfo, "re");
    if (f == NULL)
        return 0;
    char line[256];
    unsigned long long avail = 0, total = 0, v;
    while (fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "MemAvailable: %llu kB", &v) == 1)
            avail = v;
        else if (sscanf(line, "MemTotal: %llu kB", &v) == 1)
            total = v;
    }
    fclose(f);
    v = avail > 0 ? avail : total;
    return v > UINT64_MAX / 1024 ? UINT64_MAX : (uint64_t)v * 1024u;
}

void serve_mem_read(const char *proc_cgroup, const char *cgroup_root, const char *meminfo,
                    struct serve_mem *out)
{
    out->cgroup_max = cgroup_limit(proc_cgroup, cgroup_root);
    out->available = mem_available(meminfo);
}
