/*
 * fuzz_validports_ports.c: vp_ports_parse (the --ports list) on arbitrary
 * NUL-terminated text. Invariants: success gives 1..cap sorted unique ports
 * in 1..65535; failure gives an offset inside the text and a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/validports/vp_lint.h"

#define CHECK(x) \
    do { \
        if (!(x)) \
            abort(); \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    uint16_t ports[VP_LINT_MAX_PORTS];
    size_t n = 0, off = 0;
    const char *why = NULL;
    int rc = vp_ports_parse(s, ports, VP_LINT_MAX_PORTS, &n, &off, &why);
    if (rc == 0) {
        CHECK(n >= 1 && n <= VP_LINT_MAX_PORTS);
        CHECK(ports[0] >= 1);
        for (size_t i = 1; i < n; i++)
            CHECK(ports[i - 1] < ports[i]);
    } else {
        CHECK(why != NULL);
        CHECK(off <= strlen(s));
    }
    free(s);
    return 0;
}
