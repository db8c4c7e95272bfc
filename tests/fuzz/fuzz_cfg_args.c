/*
 * fuzz_cfg_args.c: the `oaprobe check` command line and the syntax checks
 * behind it (host[:port], --resolve entries, port lists, seconds, durations). The input
 * is split at NUL bytes into at most 32 arguments.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/check/check_opts.h"
#include "service/check_args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[34] = {"check"};
    int argc = 1;
    char *p = buf, *end = buf + size;
    while (p <= end && argc < 33) {
        argv[argc++] = p;
        p += strlen(p) + 1;
    }
    struct check_args a;
    char err[256];
    (void)check_args_parse(argc, argv, &a, err, sizeof err);
    for (int i = 1; i < argc; i++) {
        char name[256];
        unsigned port, ms;
        uint16_t ports[8];
        uint64_t dur;
        (void)check_resolve_ok(argv[i], &port);
        (void)check_host_split(argv[i], 443, name, sizeof name, &port);
        (void)check_name_ok(argv[i], true);
        (void)cfg_ports_parse(argv[i], ports, 8, name, sizeof name);
        (void)cfg_seconds_parse(argv[i], &ms);
        (void)cfg_duration_parse(argv[i], &dur);
    }
    free(buf);
    return 0;
}
