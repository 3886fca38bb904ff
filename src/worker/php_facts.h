/*
 * What PHP says about itself once started exactly as a zygote starts it
 * (keel's SAPI, php.ini lookup, -d values, extensions, preload), for
 * `keel doctor`. The struct is plain data so that it can be filled in a
 * forked child and read by its parent through shared memory; it includes
 * no PHP header, so the doctor's pure checks can read it too.
 */
#ifndef KEEL_WORKER_PHP_FACTS_H
#define KEEL_WORKER_PHP_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "common/config.h"

#define KEEL_PHP_FACTS_SETTINGS   48
#define KEEL_PHP_FACTS_VALUE      512
#define KEEL_PHP_FACTS_EXTENSIONS 160
#define KEEL_PHP_FACTS_NAME       64

typedef struct {
    bool started;         /* PHP came up; else `error` says why */
    char error[1024];     /* PHP's message, or how the starting process died */
    char version[32];     /* PHP_VERSION */
    bool opcache_enabled; /* OPcache loaded and enabled for keel's SAPI */
    /* ini values of the names asked for, in their order; value is NULL
     * when PHP has no such setting (its extension is not loaded) */
    size_t setting_count;
    const char *setting_names[KEEL_PHP_FACTS_SETTINGS]; /* the caller's strings */
    bool setting_known[KEEL_PHP_FACTS_SETTINGS];
    char setting_values[KEEL_PHP_FACTS_SETTINGS][KEEL_PHP_FACTS_VALUE];
    char temp_dir[KEEL_PHP_FACTS_VALUE]; /* what sys_get_temp_dir() answers */
    /* loaded modules and Zend extensions, as PHP names them ("xdebug") */
    size_t extension_count;
    char extensions[KEEL_PHP_FACTS_EXTENSIONS][KEEL_PHP_FACTS_NAME];
    uint64_t resident_bytes; /* this process after startup: what a zygote weighs */
} keel_php_facts_t;

/*
 * Starts PHP in this process as a zygote would with cfg and fills out,
 * reading the ini settings `names[0..count)` (at most
 * KEEL_PHP_FACTS_SETTINGS; the pointers are kept). PHP is not shut down
 * afterwards: call it in a process that exits next.
 */
void keel_php_facts_gather(const keel_config_t *cfg, const char *const *names, size_t count, keel_php_facts_t *out);

/* The value of setting `name` in f, or NULL when it was not asked for or
 * PHP does not know it. (Inline: the doctor's checks read facts without
 * linking PHP.) */
static inline const char *
keel_php_facts_value(const keel_php_facts_t *f, const char *name)
{
    for (size_t i = 0; i < f->setting_count; i++)
        if (f->setting_known[i] && strcmp(f->setting_names[i], name) == 0)
            return f->setting_values[i];
    return NULL;
}

/* Whether the extension `name` is loaded (case-insensitive). */
static inline bool
keel_php_facts_has_extension(const keel_php_facts_t *f, const char *name)
{
    for (size_t i = 0; i < f->extension_count; i++)
        if (strcasecmp(f->extensions[i], name) == 0)
            return true;
    return false;
}

#endif
