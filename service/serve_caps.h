/*
 * serve_caps.h: how many checks `oaprobe serve` runs at once
 * (docs/internals/service.md, "Caps").
 *
 * Two limits, the smaller wins:
 *  - file descriptors: the soft RLIMIT_NOFILE minus a reserve (the store,
 *    signals, logs) and the API's connections gives max_sockets; a check holds up to 3 sockets on
 *    average, so fd_checks = max_sockets / 3;
 *  - memory: a check in flight holds about SERVE_CHECK_MEM_BYTES (its full
 *    result, libcurl's handles and buffers, the TLS state); the budget is a
 *    quarter of the cgroup's memory limit, or else 1/16 of the machine's
 *    MemAvailable, kept within [SERVE_MEM_BUDGET_MIN, SERVE_MEM_BUDGET_MAX];
 *    mem_checks = budget / SERVE_CHECK_MEM_BYTES.
 * An explicit cap (--max-checks, or max_checks: in the file) replaces the
 * memory limit but never goes above the fd limit.
 *
 * serve_caps_compute and serve_caps_describe are pure; serve_mem_read reads
 * /proc and /sys (paths given, so tests can feed their own files).
 */
#ifndef OAPROBE_SERVICE_SERVE_CAPS_H
#define OAPROBE_SERVICE_SERVE_CAPS_H

#include <stddef.h>
#include <stdint.h>

/* One check in flight: 216 KiB measured (RelWithDebInfo, 930 checks held
 * at the TLS handshake by an endpoint that never answers: RSS 218 MiB
 * against 22 MiB for the same targets refused at once), rounded up for the
 * tunnel stage's extra connections. */
#define SERVE_CHECK_MEM_BYTES (256u * 1024u)
#define SERVE_MEM_CGROUP_SHARE 4u     /* budget: 1/4 of the cgroup's limit */
#define SERVE_MEM_HOST_SHARE 16u      /* or 1/16 of MemAvailable */
#define SERVE_MEM_BUDGET_MIN (16ull << 20) /* 64 checks */
#define SERVE_MEM_BUDGET_MAX (1ull << 30)  /* 4096 checks */
#define SERVE_MEM_BUDGET_UNKNOWN (256ull << 20) /* neither is readable */

/* What memory the process may use, as found at start. */
struct serve_mem {
    uint64_t cgroup_max; /* the tightest memory limit of the process's cgroup
                          * and its ancestors (v2 the tighter of
                          * memory.high and memory.max, v1
                          * memory.limit_in_bytes); 0: none */
    uint64_t available;  /* MemAvailable (MemTotal when missing); 0: unknown */
};

struct serve_caps_in {
    uint64_t fd_soft;          /* RLIMIT_NOFILE soft limit (after raising it) */
    size_t fd_reserve;         /* fds kept for the store, signals, logs */
    size_t api_fds;            /* fds kept for the API's connections (at
                                * most a quarter of fd_soft is kept) */
    struct serve_mem mem;
    size_t explicit_checks;    /* an explicit cap; 0: none */
    const char *explicit_from; /* "--max-checks" or "max_checks" */
};

struct serve_caps {
    size_t max_sockets;      /* sockets of concurrent checks */
    size_t max_checks;       /* concurrent checks (at least 1) */
    size_t fd_checks;        /* what the fd limit allows */
    size_t mem_checks;       /* what the memory budget allows */
    uint64_t budget;         /* the memory budget, bytes */
    const char *budget_from; /* "cgroup memory limit", "MemAvailable", "unknown" */
    uint64_t budget_of;      /* the figure the budget is a share of (0: none) */
    const char *limited_by;  /* "memory budget", "fd limit", or explicit_from */
};

/* serve_caps_compute: the caps from in. Pure. */
void serve_caps_compute(const struct serve_caps_in *in, struct serve_caps *out);

/* serve_caps_describe: one line for the log, e.g. "max concurrent checks
 * 512 (memory budget 64 MiB: 1/4 of the cgroup memory limit 256 MiB, 256
 * KiB per check; fd limit 20000 allows 6226 checks, 18680 sockets)". Pure.
 * Returns buf. */
char *serve_caps_describe(const struct serve_caps_in *in, const struct serve_caps *c, char *buf,
                          size_t len);

/*
 * serve_mem_read: fill out from proc_cgroup (/proc/self/cgroup), the
 * cgroup file system mounted at cgroup_root (/sys/fs/cgroup: v2 unified, or
 * v1 with its memory controller under cgroup_root/memory) and meminfo
 * (/proc/meminfo). A missing or unreadable file leaves its part 0.
 */
void serve_mem_read(const char *proc_cgroup, const char *cgroup_root, const char *meminfo,
                    struct serve_mem *out);

#endif /* OAPROBE_SERVICE_SERVE_CAPS_H */
