/*
 * fuzz_cfg_allow.c: a module's allow_hosts patterns (cfg_allow_parse) and
 * the match of a /probe host against them (cfg_allow_check) on arbitrary
 * bytes: the input's lines but the last are patterns, the last line is the
 * host. A pattern that names one host (a name, an address) must admit that
 * host when it is given as the request's host. The last line is also an API
 * target's resolve entry with credentials, its HOST:PORT the target's host
 * (cfg_allow_target): no pattern, no admission.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/cfg_allow.h"

#define LINES_MAX 16u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0'; /* a NUL inside ends the line early, as in a C string */
    char *lines[LINES_MAX];
    size_t n = 0;
    for (char *p = text; n < LINES_MAX; n++) {
        lines[n] = p;
        char *nl = strchr(p, '\n');
        if (nl == NULL) {
            n++;
            break;
        }
        *nl = '\0';
        p = nl + 1;
    }
    struct cfg_allow v[LINES_MAX];
    size_t nv = 0;
    char err[300];
    for (size_t i = 0; i + 1 < n; i++) {
        if (cfg_allow_parse(lines[i], &v[nv], err, sizeof err) != 0)
            continue;
        enum cfg_allow_kind k = v[nv].kind;
        bool one = strchr(lines[i], '/') == NULL && /* a name or an address, no CIDR */
                   (k == CFG_ALLOW_NAME || k == CFG_ALLOW_NET4 || k == CFG_ALLOW_NET6);
        if (one && cfg_allow_check(&v[nv], 1, lines[i], err, sizeof err) != CFG_ALLOW_YES)
            abort(); /* a pattern that does not admit its own host */
        nv++;
    }
    (void)cfg_allow_check(v, nv, lines[n - 1], err, sizeof err);
    /* the last line as a resolve entry HOST:PORT:ADDR[,ADDR...] of a target
     * whose host is its HOST:PORT (so an allowed name reaches the
     * addresses' check), or as the host itself */
    char host[4097];
    snprintf(host, sizeof host, "%s", lines[n - 1]);
    char *c1 = strchr(host, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 != NULL)
        *c2 = '\0';
    struct check_opts o = {.depth = CHECK_DEPTH_TUNNEL, .user = "u", .host = host};
    o.resolve[0] = lines[n - 1];
    o.n_resolve = 1;
    char key[32];
    int rc = cfg_allow_target(v, nv, "api.allow_hosts", &o, NULL, NULL, key, sizeof key, err,
                              sizeof err);
    if (rc == CFG_ALLOW_YES && nv == 0)
        abort(); /* credentials sent where nothing is allowed */
    free(text);
    return 0;
}
