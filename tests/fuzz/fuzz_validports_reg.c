/*
 * fuzz_validports_reg.c: vp_input_read (UTF-8/UTF-16 decoding, .reg files and
 * lines, reg query output) on arbitrary bytes, then vp_parse on what it
 * found. Invariants: success means at least one value and a pick; every
 * value is NUL-terminated at value_len.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/validports/vp_parse.h"
#include "probes/validports/vp_reg.h"

#define CHECK(x) \
    do { \
        if (!(x)) \
            abort(); \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vp_input in;
    int rc = vp_input_read(&in, data, size, NULL);
    if (rc == 0) {
        CHECK(in.n_found >= 1 && in.n_found <= VP_REG_VALUES_MAX);
        const struct vp_found *f = vp_input_pick(&in, NULL);
        CHECK(f != NULL);
        CHECK(vp_input_pick(&in, vp_value_name_str(f->which)) != NULL);
        for (size_t i = 0; i < in.n_found; i++) {
            CHECK(in.found[i].value[in.found[i].value_len] == '\0');
            CHECK(in.found[i].value_len <= size * 2);
        }
        struct vp_list *l = NULL;
        vp_parse(f->value, f->value_len, &l, NULL);
        vp_list_free(l);
    } else {
        CHECK(in.n_found == 0 || rc != WIRE_TOOBIG);
    }
    vp_input_clear(&in);
    return 0;
}
