#include "common/config.h"

#include <string.h>

const char *
keel_config_ini_value(const keel_config_t *cfg, const char *key)
{
    size_t n = strlen(key);
    const char *value = NULL;
    for (size_t i = 0; i < cfg->ini_count; i++)
        if (strncmp(cfg->ini[i], key, n) == 0 && cfg->ini[i][n] == '=')
            value = cfg->ini[i] + n + 1;
    return value;
}

unsigned
keel_config_total_workers(const keel_config_t *cfg)
{
    return cfg->worker_script ? cfg->workers + cfg->classic_workers : cfg->workers;
}

int
keel_config_slot_is_worker_mode(const keel_config_t *cfg, unsigned slot)
{
    return cfg->worker_script != NULL && slot < cfg->workers;
}
