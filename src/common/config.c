#include "common/config.h"

#include <string.h>

#include "common/options.h"

void
keel_config_defaults(keel_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    /* Through the parser, so a documented default is the one in force
     * (tests/unit/common/test_options.c checks that each one parses). */
    for (size_t i = 0; i < keel_options_count; i++)
        if (keel_options[i].def != NULL)
            keel_option_set(&keel_options[i], cfg, keel_options[i].def, NULL, 0);
}

keel_config_result_t
keel_config_parse_serve(keel_config_t *cfg, int argc, char *const *argv, char *errbuf, size_t errlen)
{
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *value;

        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
            return KEEL_CONFIG_HELP;
        const keel_option_t *opt = keel_option_match(arg, &value);
        if (opt == NULL) {
            keel_option_error(errbuf, errlen, "unknown option '%s' (see keel serve --help)", arg);
            return KEEL_CONFIG_ERROR;
        }
        if (opt->kind != KEEL_OPTION_FLAG && value == NULL) {
            if (i + 1 >= argc) {
                /* -d names the shape of its value, the others just ask for one */
                keel_option_error(errbuf, errlen, "option %s needs %s", opt->name,
                                  opt->kind == KEEL_OPTION_INI ? opt->arg : "a value");
                return KEEL_CONFIG_ERROR;
            }
            value = argv[++i];
        }
        if (keel_option_set(opt, cfg, value, errbuf, errlen) != 0)
            return KEEL_CONFIG_ERROR;
        if (opt->has_explicit)
            *(int *)((char *)cfg + opt->explicit_field) = 1;
    }
    if (cfg->max_worker_memory_hard && cfg->max_worker_memory > cfg->max_worker_memory_hard) {
        keel_option_error(errbuf, errlen, "--max-worker-memory is above --max-worker-memory-hard");
        return KEEL_CONFIG_ERROR;
    }
    if (cfg->worker_script && cfg->workers + cfg->classic_workers > KEEL_MAX_WORKERS) {
        keel_option_error(errbuf, errlen, "--workers plus --classic-workers exceeds %d", KEEL_MAX_WORKERS);
        return KEEL_CONFIG_ERROR;
    }
    return KEEL_CONFIG_OK;
}

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
