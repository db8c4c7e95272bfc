/*
 * fuzz_cfg_yaml.c: the service configuration loader (cfg_load_string) and
 * the API body parser (cfg_target_parse_json) on arbitrary bytes; every
 * error is formatted, every loaded configuration walked and freed.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "service/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    struct cfg *cfg = NULL;
    struct cfg_errs errs = {0};
    char line[700];
    if (cfg_load_string((const char *)data, size, &cfg, &errs) == 0) {
        for (size_t i = 0; i < cfg->n_targets; i++)
            (void)cfg_target_find(cfg, cfg->targets[i]->name);
    }
    for (size_t i = 0; i < errs.n; i++)
        (void)cfg_errs_format(&errs.v[i], "f", line, sizeof line);
    cfg_errs_free(&errs);
    struct cfg_target *t = NULL;
    if (cfg_target_parse_json((const char *)data, size, "fuzz", cfg, &t, &errs) == 0)
        cfg_target_free(t);
    cfg_errs_free(&errs);
    cfg_free(cfg);
    return 0;
}
