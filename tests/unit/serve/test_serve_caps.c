/*
 * test_serve_caps.c: the cap on concurrent checks (service/serve_caps.c):
 * the smaller of what the fd limit and the memory budget allow; the budget
 * from the cgroup's limit, else MemAvailable, within its floor and ceiling;
 * an explicit cap over the memory but never over the fd limit; the log
 * line says which limit won and why. And the readers, on cgroup v2 and v1
 * trees and a meminfo written into a temporary directory.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "service/serve_caps.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static struct serve_caps_in fd_in(uint64_t soft)
{
    return (struct serve_caps_in){.fd_soft = soft, .fd_reserve = 64, .api_fds = 1280};
}

static void test_fd_limit(void **state)
{
    (void)state;
    /* 20000 fds: 64 kept, 1280 for the API: 18656 sockets, 6218 checks */
    struct serve_caps_in in = fd_in(20000);
    in.mem.available = 64 * GiB; /* budget at its ceiling: 4096 checks */
    struct serve_caps c;
    serve_caps_compute(&in, &c);
    assert_int_equal(c.max_sockets, 20000 - 64 - 1280);
    assert_int_equal(c.fd_checks, (20000 - 64 - 1280) / 3);
    assert_int_equal(c.mem_checks, 4096);
    assert_int_equal(c.max_checks, 4096);
    assert_string_equal(c.limited_by, "memory budget");

    /* 1024 fds: the API gets at most a quarter; the fd limit wins */
    in = fd_in(1024);
    in.mem.available = 64 * GiB;
    serve_caps_compute(&in, &c);
    assert_int_equal(c.max_sockets, 1024 - 64 - 256);
    assert_int_equal(c.max_checks, (1024 - 64 - 256) / 3);
    assert_string_equal(c.limited_by, "fd limit");

    /* a tiny limit still leaves one check */
    in = fd_in(16);
    serve_caps_compute(&in, &c);
    assert_int_equal(c.max_sockets, 8);
    assert_int_equal(c.max_checks, 2);
    in = (struct serve_caps_in){.fd_soft = 0};
    serve_caps_compute(&in, &c);
    assert_true(c.max_checks >= 1);
}

static void test_memory_budget(void **state)
{
    (void)state;
    struct serve_caps c;
    /* a cgroup limit of 256 MiB: a quarter, 64 MiB, 256 checks */
    struct serve_caps_in in = fd_in(1 << 20);
    in.mem.cgroup_max = 256 * MiB;
    in.mem.available = 64 * GiB; /* the host's memory does not count then */
    serve_caps_compute(&in, &c);
    assert_int_equal(c.budget, 64 * MiB);
    assert_string_equal(c.budget_from, "cgroup memory limit");
    assert_int_equal(c.mem_checks, 64 * MiB / SERVE_CHECK_MEM_BYTES);
    assert_int_equal(c.max_checks, 256);
    assert_string_equal(c.limited_by, "memory budget");

    /* no cgroup limit: 1/16 of MemAvailable (2 GiB: 128 MiB, 512 checks) */
    in.mem.cgroup_max = 0;
    in.mem.available = 2 * GiB;
    serve_caps_compute(&in, &c);
    assert_int_equal(c.budget, 128 * MiB);
    assert_string_equal(c.budget_from, "MemAvailable");
    assert_int_equal(c.max_checks, 512);

    /* the floor: a 32 MiB cgroup still gets 16 MiB, 64 checks */
    in.mem.cgroup_max = 32 * MiB;
    serve_caps_compute(&in, &c);
    assert_int_equal(c.budget, SERVE_MEM_BUDGET_MIN);
    assert_int_equal(c.max_checks, 64);

    /* the ceiling: 1 GiB, 4096 checks, on a big machine */
    in.mem.cgroup_max = 0;
    in.mem.available = 512 * GiB;
    serve_caps_compute(&in, &c);
    assert_int_equal(c.budget, SERVE_MEM_BUDGET_MAX);
    assert_int_equal(c.max_checks, 4096);

    /* nothing readable: the documented default */
    in.mem.available = 0;
    serve_caps_compute(&in, &c);
    assert_int_equal(c.budget, SERVE_MEM_BUDGET_UNKNOWN);
    assert_string_equal(c.budget_from, "unknown");
    assert_int_equal(c.max_checks, SERVE_MEM_BUDGET_UNKNOWN / SERVE_CHECK_MEM_BYTES);
}

static void test_explicit(void **state)
{
    (void)state;
    struct serve_caps c;
    struct serve_caps_in in = fd_in(20000);
    in.mem.cgroup_max = 256 * MiB; /* memory allows 256 */
    in.explicit_checks = 1000;     /* above the memory: the operator knows */
    in.explicit_from = "--max-checks";
    serve_caps_compute(&in, &c);
    assert_int_equal(c.max_checks, 1000);
    assert_string_equal(c.limited_by, "--max-checks");
    in.explicit_checks = 20;
    in.explicit_from = "max_checks";
    serve_caps_compute(&in, &c);
    assert_int_equal(c.max_checks, 20);
    assert_string_equal(c.limited_by, "max_checks");
    /* never above what the fds allow */
    in.explicit_checks = 100000;
    serve_caps_compute(&in, &c);
    assert_int_equal(c.max_checks, c.fd_checks);
    assert_string_equal(c.limited_by, "fd limit");
}

static void test_describe(void **state)
{
    (void)state;
    char line[600];
    struct serve_caps c;
    struct serve_caps_in in = fd_in(20000);
    in.mem.cgroup_max = 256 * MiB;
    serve_caps_compute(&in, &c);
    serve_caps_describe(&in, &c, line, sizeof line);
    assert_string_equal(line, "max concurrent checks 256 (limited by the memory budget; memory "
                              "budget 64 MiB: 1/4 of the cgroup memory limit 256 MiB / 256 KiB "
                              "per check allows 256; fd limit 20000 allows 6218 checks, 18656 "
                              "sockets)");
    in.mem.cgroup_max = 0;
    in.mem.available = 22 * GiB + 700 * MiB;
    serve_caps_compute(&in, &c);
    serve_caps_describe(&in, &c, line, sizeof line);
    assert_non_null(strstr(line, "max concurrent checks 4096 (limited by the memory budget; "
                                 "memory budget 1 GiB: 1/16 of the MemAvailable 22.7 GiB, cut "
                                 "to the ceiling /"));
    in.explicit_checks = 20;
    in.explicit_from = "--max-checks";
    serve_caps_compute(&in, &c);
    serve_caps_describe(&in, &c, line, sizeof line);
    assert_non_null(strstr(line, "max concurrent checks 20 (--max-checks 20; memory budget"));
    in.explicit_checks = 100000;
    serve_caps_compute(&in, &c);
    serve_caps_describe(&in, &c, line, sizeof line);
    assert_non_null(strstr(line, "max concurrent checks 6218 (--max-checks 100000 is more than "
                                 "the fd limit allows;"));
    in.explicit_checks = 0;
    in.mem.available = 0;
    serve_caps_compute(&in, &c);
    serve_caps_describe(&in, &c, line, sizeof line);
    assert_non_null(strstr(line, "memory budget 256 MiB: no cgroup limit or MemAvailable found"));
}

/* ---- the readers, on files of a temporary tree ---------------------------- */

static char tmp[64];

static void put(const char *rel, const char *text)
{
    char path[512], dir[512];
    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + strlen(tmp) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(dir, 0700);
            *p = '/';
        }
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void read_in(const char *proc, struct serve_mem *m)
{
    char p[512], root[512], mi[512];
    snprintf(p, sizeof p, "%s/%s", tmp, proc);
    snprintf(root, sizeof root, "%s/sys", tmp);
    snprintf(mi, sizeof mi, "%s/meminfo", tmp);
    serve_mem_read(p, root, mi, m);
}

static int tree_up(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/oaprobe-caps-XXXXXX");
    return mkdtemp(tmp) != NULL ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int tree_down(void **state)
{
    (void)state;
    return nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_read(void **state)
{
    (void)state;
    struct serve_mem m;
    put("meminfo", "MemTotal:       24683792 kB\nMemFree:  100 kB\n"
                   "MemAvailable:   23852300 kB\nBuffers: 1 kB\n");
    /* v2: the tightest of the cgroup and its ancestors; "max" is none */
    put("v2", "0::/system.slice/oaprobe.service\n");
    put("sys/system.slice/oaprobe.service/memory.max", "max\n");
    put("sys/system.slice/memory.max", "536870912\n");
    read_in("v2", &m);
    assert_int_equal(m.cgroup_max, 512 * MiB);
    assert_int_equal(m.available, 23852300ull * 1024);
    put("sys/system.slice/oaprobe.service/memory.max", "268435456\n");
    read_in("v2", &m);
    assert_int_equal(m.cgroup_max, 256 * MiB);
    /* memory.high (MemoryHigh=, where the kernel starts throttling) when
     * tighter than memory.max; "max" is none */
    put("sys/system.slice/oaprobe.service/memory.high", "201326592\n");
    read_in("v2", &m);
    assert_int_equal(m.cgroup_max, 192 * MiB);
    put("sys/system.slice/oaprobe.service/memory.high", "max\n");
    read_in("v2", &m);
    assert_int_equal(m.cgroup_max, 256 * MiB);
    put("sys/system.slice/oaprobe.service/memory.high", "1073741824\n");
    read_in("v2", &m);
    assert_int_equal(m.cgroup_max, 256 * MiB);
    /* unlimited all the way up */
    put("v2b", "0::/user.slice\n");
    put("sys/user.slice/memory.max", "max\n");
    read_in("v2b", &m);
    assert_int_equal(m.cgroup_max, 0);
    /* v1: the memory controller's limit_in_bytes; its "no limit" is none */
    put("v1", "12:pids:/x\n4:cpu,memory:/docker/abc\n0::/\n");
    put("sys/memory/docker/abc/memory.limit_in_bytes", "9223372036854771712\n");
    put("sys/memory/docker/memory.limit_in_bytes", "1073741824\n");
    read_in("v1", &m);
    assert_int_equal(m.cgroup_max, GiB);
    /* a path the namespace does not show: the mount's root counts */
    put("v1b", "4:memory:/elsewhere/zzz\n");
    put("sys/memory/memory.limit_in_bytes", "2147483648\n");
    read_in("v1b", &m);
    assert_int_equal(m.cgroup_max, 2 * GiB);
    /* no MemAvailable (old kernels): MemTotal */
    put("meminfo", "MemTotal:       1000 kB\n");
    read_in("missing", &m);
    assert_int_equal(m.cgroup_max, 0);
    assert_int_equal(m.available, 1000 * 1024);
    /* nothing at all */
    put("meminfo", "garbage\n");
    read_in("missing", &m);
    assert_int_equal(m.available, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fd_limit),
        cmocka_unit_test(test_memory_budget),
        cmocka_unit_test(test_explicit),
        cmocka_unit_test(test_describe),
        cmocka_unit_test_setup_teardown(test_read, tree_up, tree_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
