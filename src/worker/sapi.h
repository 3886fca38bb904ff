/*
 * keel's PHP SAPI: the table of callbacks PHP calls to write output, send
 * headers, read the body and cookies, and register $_SERVER. The zygote
 * starts PHP once through keel_php_startup(); workers inherit it by fork.
 */
#ifndef KEEL_WORKER_SAPI_H
#define KEEL_WORKER_SAPI_H

#include <stdbool.h>
#include <stddef.h>

#include "common/config.h"

/*
 * Initialises PHP: php.ini (cfg->php_ini or PHP's own), -d entries,
 * extensions, OPcache's shared memory and preload. Returns 0, or -1 with
 * a message in err.
 */
int keel_php_startup(const keel_config_t *cfg, char *err, size_t errlen);

void keel_php_shutdown(void);

typedef struct {
    const char *name;
    const char *value; /* out: the ini value, NULL when unknown */
} keel_php_setting_t;

/* Reads ini values after startup. The entry whose value points at buf on
 * entry gets sys_get_temp_dir() written into buf instead. */
void keel_php_settings(keel_php_setting_t *settings, size_t count, char *buf, size_t buflen);

/* Whether OPcache came up enabled for this SAPI. */
bool keel_php_opcache_enabled(void);

#endif
